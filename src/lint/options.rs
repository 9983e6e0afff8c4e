//! What to lint and how: dialect, rule selection, severity overrides, path filters.
//! Built from `[lint]` in preflight.toml, then narrowed by command-line flags.

use super::RULES;
use crate::config::Config;
use crate::diagnostics::{RuleInfo, Severity};
use crate::error::{Error, Result};
use crate::sql::Dialect;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    pub dialect: Dialect,
    /// Rule codes, code prefixes or names to enable (empty: all).
    pub select: Vec<String>,
    /// Rule codes, code prefixes or names to disable.
    pub ignore: Vec<String>,
    /// Severity overrides by code or name.
    pub severity: BTreeMap<String, Severity>,
    /// Files found by walking a directory must match one of these (empty: all `.sql`).
    pub include: Option<GlobSet>,
    pub exclude: Option<GlobSet>,
    /// Globs are matched against paths relative to this directory (the config file's).
    pub base_dir: PathBuf,
    /// Only files added or modified since this git ref.
    pub since: Option<String>,
    /// The tool that applies the migrations (`--tracker`, `[migrations] tracker`, or detected
    /// from the layout); `None`: unknown, every crash point is assumed to be retried.
    pub runner: Option<crate::runner::Runner>,
}

impl LintOptions {
    /// Options from `[lint]` (and `[migrations] dialect`). Errors name the file and the setting.
    pub fn from_config(config: &Config) -> Result<LintOptions> {
        let path = config
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(crate::config::FILE_NAME));
        let lint = &config.lint;
        let bad = |setting: &str, value: &str| {
            Error::config(
                &path,
                format!(
                    "[lint] {setting}: `{value}` matches no rule; `preflight rules` lists them"
                ),
            )
        };
        for code in lint.select.iter().chain(&lint.ignore) {
            if !matches_any_rule(code) {
                let setting = if lint.select.contains(code) {
                    "select"
                } else {
                    "ignore"
                };
                return Err(bad(setting, code));
            }
        }
        for code in lint.severity.keys() {
            if find_rule(code).is_none() {
                return Err(bad("severity", code));
            }
        }
        Ok(LintOptions {
            dialect: config.dialect(),
            select: lint.select.clone(),
            ignore: lint.ignore.clone(),
            severity: lint.severity.clone(),
            include: globs(&path, "include", &lint.include)?,
            exclude: globs(&path, "exclude", &lint.exclude)?,
            base_dir: config.base_dir(),
            since: None,
            // `[migrations] tracker` when it names a tool; `auto` is resolved by the CLI.
            runner: config
                .migrations
                .tracker
                .as_deref()
                .and_then(crate::runner::Runner::named)
                .map(|r| r.declaring(config.migrations.apply_model)),
        })
    }

    /// Adds command-line `--select`/`--ignore`; an unknown code is a usage error.
    pub fn with_cli_selection(mut self, select: &[String], ignore: &[String]) -> Result<Self> {
        for code in select.iter().chain(ignore) {
            if !matches_any_rule(code) {
                return Err(Error::Usage(format!(
                    "`{code}` matches no rule; `preflight rules` lists them"
                )));
            }
        }
        if !select.is_empty() {
            self.select = select.to_vec();
        }
        self.ignore.extend(ignore.iter().cloned());
        Ok(self)
    }

    pub fn is_enabled(&self, info: &RuleInfo) -> bool {
        let selected = self.select.is_empty() || self.select.iter().any(|s| selects(s, info));
        selected && !self.ignore.iter().any(|s| selects(s, info))
    }

    pub fn severity_of(&self, info: &RuleInfo) -> Severity {
        self.severity
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(info.code) || k.eq_ignore_ascii_case(info.name))
            .map_or(info.default_severity, |(_, s)| *s)
    }

    /// Does a walked file pass the include/exclude globs?
    pub fn path_selected(&self, path: &Path) -> bool {
        let relative = path.strip_prefix(&self.base_dir).unwrap_or(path);
        let relative = relative.strip_prefix("./").unwrap_or(relative);
        let included = self
            .include
            .as_ref()
            .is_none_or(|g| g.is_match(relative) || g.is_match(path));
        let excluded = self
            .exclude
            .as_ref()
            .is_some_and(|g| g.is_match(relative) || g.is_match(path));
        included && !excluded
    }
}

/// `PF1` selects PF101…PF199; a full code or a rule name selects that rule.
fn selects(selector: &str, info: &RuleInfo) -> bool {
    info.code
        .get(..selector.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(selector))
        || selector.eq_ignore_ascii_case(info.name)
}

fn matches_any_rule(selector: &str) -> bool {
    !selector.is_empty() && RULES.iter().any(|r| selects(selector, r))
}

/// A lint rule by exact code or name (case-insensitive).
pub fn find_rule(code_or_name: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| {
        r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name)
    })
}

fn globs(path: &Path, setting: &str, patterns: &[String]) -> Result<Option<GlobSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p)
            .map_err(|e| Error::config(path, format!("[lint] {setting}: `{p}`: {e}")))?;
        builder.add(glob);
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| Error::config(path, format!("[lint] {setting}: {e}")))
}
