//! What to lint and how: dialect, rule selection, severity overrides, path filters.
//! Built from `[lint]` in preflight.toml, then narrowed by command-line flags.

use super::prologue::Prologue;
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
    /// Rule codes, code prefixes or names to enable (empty: the default set, every rule not
    /// in `OPT_IN`).
    pub select: Vec<String>,
    /// Rule codes, code prefixes or names enabled on top of `select` (or of the default set).
    pub extend_select: Vec<String>,
    /// Rule codes, code prefixes or names to disable.
    pub ignore: Vec<String>,
    /// `[lint] mysql_version`: the server the PF35x online-DDL rules judge for.
    pub mysql_version: Option<super::online_ddl::Version>,
    /// `[lint] lower_case_table_names` / `--lower-case-table-names`: how the MySQL or MariaDB
    /// server compares table names (`0`, the default: exactly).
    pub lower_case_table_names: crate::sql::LowerCaseTableNames,
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
    /// `[lint] postgres_version`: the production server's major version, for rules whose
    /// answer depends on it (a constant default rewrites the table before PostgreSQL 11).
    pub postgres_version: Option<u32>,
    /// `--pending-since` / `[lint] pending_since`: migrations absent at this git revision are
    /// not deployed yet, so the tables they create are new for the pending files after them.
    pub pending_since: Option<super::pending::PendingSince>,
    /// What the pending migrations create, resolved from `pending_since` by `lint_paths`.
    pub pending: Option<std::sync::Arc<super::pending::Pending>>,
    /// The routines earlier migrations of the linted files' directories define (set by
    /// `lint_paths`), which a file's calls run.
    pub earlier_routines: Option<std::sync::Arc<super::calls::Earlier>>,
    /// The linted files their directory's migration tool never runs (set by `lint_paths`;
    /// PF007).
    pub never_run: Option<std::sync::Arc<super::never_run::NeverRun>>,
    /// `[[migrations.before_each_run]]` and `--before-each-run`: SQL the runner executes before
    /// every run of the files each one matches, in order.
    pub before_each_run: Vec<BeforeEachRun>,
    /// How the run reads migration directories and files: shared by runner detection, the
    /// earlier migrations' definitions, PF007 and the linted files, so that each is read once
    /// (set by `lint_paths` when not given); `None`: straight from disk at every look.
    pub reader: Option<std::sync::Arc<crate::layout::Reader>>,
}

/// SQL a runner executes before every run of some files (lemmy's
/// `DROP SCHEMA IF EXISTS r CASCADE; CREATE SCHEMA r;`): what it removes, a retry of those
/// files creates again without finding it.
#[derive(Debug, Clone)]
pub struct BeforeEachRun {
    /// Where it was set, for messages: `migrations.before_each_run[0]`, `--before-each-run`.
    pub setting: String,
    /// The globs as written; empty: every linted file (the command-line flag).
    pub patterns: Vec<String>,
    paths: Option<GlobSet>,
    /// The absolute directories a glob is matched from: the config file's, `[migrations] dir`.
    bases: Vec<PathBuf>,
    pub sql: String,
    prologue: Prologue,
}

impl BeforeEachRun {
    /// `--before-each-run SQL`: every linted file. A prologue that cannot be read is a usage
    /// error.
    pub fn for_every_file(
        sql: &str,
        dialect: Dialect,
        tables: crate::sql::LowerCaseTableNames,
    ) -> Result<BeforeEachRun> {
        let setting = "--before-each-run".to_string();
        let prologue = Prologue::parse(sql, dialect, tables)
            .map_err(|e| Error::Usage(format!("{setting}: {e}")))?;
        Ok(BeforeEachRun {
            setting,
            patterns: Vec::new(),
            paths: None,
            bases: Vec::new(),
            sql: sql.to_string(),
            prologue,
        })
    }

    /// Does it run before `path`? A glob matches the path relative to the config file's
    /// directory or to `[migrations] dir`, or the path as given.
    pub fn applies_to(&self, path: &Path) -> bool {
        match &self.paths {
            None => true,
            Some(globs) => self.candidates(path).any(|p| globs.is_match(p)),
        }
    }

    /// The globs that match no file: none of `files` (the files linted) and no file under
    /// the config's directory or `[migrations] dir`. A typo there silently changes the
    /// findings; a glob that only misses this run's files (a pull request linting the files
    /// it changed) is no typo, so the disk is asked before saying so.
    pub fn unmatched_patterns(&self, files: &[PathBuf]) -> Vec<&str> {
        let Some(globs) = &self.paths else {
            return Vec::new();
        };
        let mut matched = vec![false; self.patterns.len()];
        let mark = |path: &Path, matched: &mut Vec<bool>| {
            for candidate in self.candidates(path) {
                for i in globs.matches(candidate) {
                    matched[i] = true;
                }
            }
        };
        files.iter().for_each(|file| mark(file, &mut matched));
        for base in &self.bases {
            if !matched.contains(&false) {
                break;
            }
            for entry in walkdir::WalkDir::new(base)
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !is_build_or_hidden(e.file_name()))
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_file())
            {
                mark(entry.path(), &mut matched);
            }
        }
        let unmatched = self.patterns.iter().zip(matched).filter(|(_, hit)| !hit);
        unmatched.map(|(p, _)| p.as_str()).collect()
    }

    /// The forms of `path` a glob is matched against: as given, and relative to each base.
    fn candidates<'p>(&'p self, path: &'p Path) -> impl Iterator<Item = PathBuf> + 'p {
        let absolute = resolved(path);
        let given = path.strip_prefix("./").unwrap_or(path).to_path_buf();
        let relative = self
            .bases
            .iter()
            .filter_map(move |base| absolute.strip_prefix(base).ok().map(Path::to_path_buf))
            .collect::<Vec<_>>();
        std::iter::once(given).chain(relative)
    }
}

/// Directories no migration lives in: hidden ones (`.git`) and build output.
fn is_build_or_hidden(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') || name == "target" || name == "node_modules"
}

impl LintOptions {
    /// How this run reads migration directories and files ([`LintOptions::reader`]).
    pub fn reader(&self) -> &crate::layout::Reader {
        static DIRECT: crate::layout::Reader = crate::layout::Reader::direct();
        self.reader.as_deref().unwrap_or(&DIRECT)
    }

    /// [`LintOptions::reader`], for a structure that reads later in the run.
    pub fn reader_to_keep(&self) -> std::sync::Arc<crate::layout::Reader> {
        self.reader.clone().unwrap_or_default()
    }

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
        for (setting, codes) in [
            ("select", &lint.select),
            ("extend_select", &lint.extend_select),
            ("ignore", &lint.ignore),
        ] {
            if let Some(code) = codes.iter().find(|c| !matches_any_rule(c)) {
                return Err(bad(setting, code));
            }
        }
        if let Some(v) = lint.postgres_version.filter(|v| !(9..=40).contains(v)) {
            return Err(Error::config(
                &path,
                format!(
                    "[lint] postgres_version: `{v}` is not a PostgreSQL major version (9 to 40)"
                ),
            ));
        }
        for code in lint.severity.keys() {
            if find_rule(code).is_none() {
                return Err(bad("severity", code));
            }
        }
        let lower_case_table_names = match lint.lower_case_table_names {
            None => crate::sql::LowerCaseTableNames::default(),
            Some(v) => crate::sql::LowerCaseTableNames::from_value(v).ok_or_else(|| {
                Error::config(
                    &path,
                    format!("[lint] lower_case_table_names: `{v}` is not 0, 1 or 2 (the server's variable)"),
                )
            })?,
        };
        let mysql_version = match &lint.mysql_version {
            None => None,
            Some(text) => Some(super::online_ddl::Version::parse(text).ok_or_else(|| {
                Error::config(
                    &path,
                    format!(
                        "[lint] mysql_version: `{text}` is not a server version; write it like \"8.0.29\" (MySQL) or \"10.11\" (MariaDB)"
                    ),
                )
            })?),
        };
        Ok(LintOptions {
            dialect: config.dialect(),
            mysql_version,
            lower_case_table_names,
            select: lint.select.clone(),
            extend_select: lint.extend_select.clone(),
            ignore: lint.ignore.clone(),
            severity: lint.severity.clone(),
            include: globs(&path, "[lint] include", &lint.include)?,
            exclude: globs(&path, "[lint] exclude", &lint.exclude)?,
            base_dir: config.base_dir(),
            since: None,
            // `[migrations] tracker` when it names a tool; `auto` is resolved by the CLI.
            runner: config
                .migrations
                .tracker
                .as_deref()
                .and_then(crate::runner::Runner::named)
                .map(|r| r.declaring(config.migrations.apply_model)),
            postgres_version: lint.postgres_version,
            pending_since: lint
                .pending_since
                .clone()
                .map(|rev| super::pending::PendingSince {
                    rev,
                    setting: format!("[lint] pending_since ({})", path.display()),
                }),
            pending: None,
            earlier_routines: None,
            never_run: None,
            before_each_run: before_each_run(config, &path, lower_case_table_names)?,
            reader: None,
        })
    }

    /// The dialect (`--dialect`); the prologues are read again in it. An error names the
    /// setting that holds the prologue.
    pub fn with_dialect(self, dialect: Dialect) -> Result<Self> {
        let tables = self.lower_case_table_names;
        self.reading_names(dialect, tables)
    }

    /// `lower_case_table_names` (`--lower-case-table-names`); the prologues are read again
    /// with it.
    pub fn with_lower_case_table_names(
        self,
        tables: crate::sql::LowerCaseTableNames,
    ) -> Result<Self> {
        let dialect = self.dialect;
        self.reading_names(dialect, tables)
    }

    /// The dialect and `lower_case_table_names`, the prologues read again when either changes.
    fn reading_names(
        mut self,
        dialect: Dialect,
        tables: crate::sql::LowerCaseTableNames,
    ) -> Result<Self> {
        if dialect != self.dialect || tables != self.lower_case_table_names {
            for entry in &mut self.before_each_run {
                entry.prologue = Prologue::parse(&entry.sql, dialect, tables)
                    .map_err(|e| Error::Usage(format!("{}.sql: {e}", entry.setting)))?;
            }
        }
        self.dialect = dialect;
        self.lower_case_table_names = tables;
        Ok(self)
    }

    /// What runs before every run of `path`: the prologues of every entry that matches it,
    /// in order; `None` when none does, or when they remove nothing (they prove nothing then).
    pub fn prologue_for(&self, path: &Path) -> Option<Prologue> {
        self.before_each_run
            .iter()
            .filter(|entry| entry.applies_to(path))
            .map(|entry| entry.prologue.clone())
            .reduce(Prologue::then)
            .filter(Prologue::removes_anything)
    }

    /// Adds command-line `--select`/`--ignore`; an unknown code is a usage error.
    pub fn with_cli_selection(self, select: &[String], ignore: &[String]) -> Result<Self> {
        self.with_cli_rules(select, &[], ignore)
    }

    /// Adds command-line `--select`/`--extend-select`/`--ignore`; an unknown code is a usage
    /// error. `--select` replaces the configured selection, the other two add to theirs.
    pub fn with_cli_rules(
        mut self,
        select: &[String],
        extend_select: &[String],
        ignore: &[String],
    ) -> Result<Self> {
        for (flag, codes) in [
            ("--select", select),
            ("--extend-select", extend_select),
            ("--ignore", ignore),
        ] {
            if let Some(code) = codes.iter().find(|c| !matches_any_rule(c)) {
                return Err(Error::Usage(if code.trim().is_empty() {
                    format!("{flag}: an empty rule code; separate codes with single commas, e.g. {flag} PF101,PF102")
                } else {
                    format!("{flag}: `{code}` matches no rule; `preflight rules` lists them")
                }));
            }
        }
        if !select.is_empty() {
            self.select = select.to_vec();
        }
        self.extend_select.extend(extend_select.iter().cloned());
        self.ignore.extend(ignore.iter().cloned());
        Ok(self)
    }

    /// Selected by name (`select`, `extend_select`), or by default: no `select` and not opt-in.
    /// `ignore` wins over both.
    pub fn is_enabled(&self, info: &RuleInfo) -> bool {
        let named = self
            .select
            .iter()
            .chain(&self.extend_select)
            .any(|s| selects(s, info) && reaches_opt_in(s, info));
        let by_default = self.select.is_empty() && !is_opt_in(info);
        (named || by_default) && !self.ignore.iter().any(|s| selects(s, info))
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

/// Rules (codes or code prefixes) that run only when `select` or `extend_select` names them:
/// the default set is what a team can switch on in CI without a flood — the idempotency rules
/// and the rules that lock or rewrite a live table. Schema-design and compatibility advice
/// (PF4xx) is a choice a team makes.
pub const OPT_IN: &[&str] = &["PF314", "PF315", "PF4"];

/// An opt-in rule runs only when the selector is at least as specific as the `OPT_IN` entry
/// that makes it opt-in: `PF4` turns on the PF4xx family, but `PF3` (or `PF`) does not turn on
/// PF314, which only its code or name does.
fn reaches_opt_in(selector: &str, info: &RuleInfo) -> bool {
    selector.eq_ignore_ascii_case(info.name)
        || OPT_IN
            .iter()
            .filter(|p| selects(p, info))
            .all(|p| selector.len() >= p.len())
}

/// Is the rule outside the default set?
pub fn is_opt_in(info: &RuleInfo) -> bool {
    OPT_IN.iter().any(|p| selects(p, info))
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

/// The globs of `setting` (as messages name it: `[lint] include`), `None` when there are none.
fn globs(path: &Path, setting: &str, patterns: &[String]) -> Result<Option<GlobSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob =
            Glob::new(p).map_err(|e| Error::config(path, format!("{setting}: `{p}`: {e}")))?;
        builder.add(glob);
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| Error::config(path, format!("{setting}: {e}")))
}

/// `[[migrations.before_each_run]]`, each read in the configured dialect; an error names its
/// table (`migrations.before_each_run[1].sql: line 2: …`).
fn before_each_run(
    config: &Config,
    path: &Path,
    tables: crate::sql::LowerCaseTableNames,
) -> Result<Vec<BeforeEachRun>> {
    let mut bases = vec![resolved(&config.base_dir())];
    if let Some(dir) = &config.migrations.dir {
        bases.push(resolved(&config.resolve(dir)));
    }
    let entries = config.migrations.before_each_run.iter().enumerate();
    entries
        .map(|(i, entry)| {
            let setting = format!("migrations.before_each_run[{i}]");
            // Config::validate has made sure both keys are there and `paths` is not empty.
            let patterns = entry.paths.clone().unwrap_or_default();
            let paths = globs(path, &format!("{setting}.paths"), &patterns)?;
            let sql = entry.sql.clone().unwrap_or_default();
            let prologue = Prologue::parse(&sql, config.dialect(), tables)
                .map_err(|e| Error::config(path, format!("{setting}.sql: {e}")))?;
            Ok(BeforeEachRun {
                setting,
                patterns,
                paths,
                bases: bases.clone(),
                sql,
                prologue,
            })
        })
        .collect()
}

/// `path` made absolute with `..` and symbolic links resolved, so that `../replaceable/f.sql`
/// linted from `migrations/` is found under the config's `replaceable/`; as given (made
/// absolute) when it cannot be resolved.
fn resolved(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}
