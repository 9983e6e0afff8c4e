//! Flyway's TOML files: `[flyway]`, `[environments.NAME]` and `[environments.NAME.flyway]`.

use super::{boolean, first_of_list, patterns, substitute, FlywayConfig, Setting};
use crate::error::{Error, Result};
use ::toml::de::{DeTable, DeValue};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the TOML files say beyond the `[flyway]` values: the environment they select (and
/// where), each environment's own values (or the error reading them), the `schemas` keys
/// written in a `flyway` table, and whether a file has a root-level key of its own.
#[derive(Default)]
pub(super) struct TomlModel {
    pub(super) environment: Option<(String, PathBuf, usize)>,
    pub(super) environments: BTreeMap<String, Result<FlywayConfig>>,
    pub(super) misplaced_schemas: Vec<MisplacedSchemas>,
    pub(super) other_root_keys: bool,
}

/// A `schemas` key in `[flyway]` (`environment` `None`) or in `[environments.NAME.flyway]`,
/// where Flyway has no such setting: `path` line `line`.
pub(super) struct MisplacedSchemas {
    pub(super) environment: Option<String>,
    pub(super) path: PathBuf,
    pub(super) line: usize,
}

/// The 1-based line of byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

impl FlywayConfig {
    /// The `[flyway]` values into `self`, `[flyway] environment` and each
    /// `[environments.NAME]` table's `schemas` and `.flyway` values into `model`; a later file
    /// wins, key by key (`TomlUtils.loadConfigurationFiles` merges them in order).
    pub(super) fn read_toml(
        &mut self,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
        model: &mut TomlModel,
    ) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let doc = DeTable::parse(&text).map_err(|e| Error::toml(path, &text, &e))?;
        let doc = doc.get_ref();
        // `ConfigurationModel.rootConfigurations`: any root key but `flyway`, `environments`
        // and `id` (`[flywayDesktop]`, `[redgateCompare]`, …).
        if doc
            .keys()
            .any(|k| !matches!(k.get_ref().as_ref(), "flyway" | "environments" | "id"))
        {
            model.other_root_keys = true;
        }
        if let Some(DeValue::Table(flyway)) = doc.get("flyway").map(|t| t.get_ref()) {
            self.read_table(flyway, "[flyway] ", "", path, &text, env)?;
            if let Some(value) = flyway.get("schemas") {
                model.misplaced_schemas.push(MisplacedSchemas {
                    environment: None,
                    path: path.to_path_buf(),
                    line: line_of(&text, value.span().start),
                });
            }
            if let Some(value) = flyway.get("environment") {
                let name = value.get_ref().as_str().ok_or_else(|| {
                    Error::config_at(
                        path,
                        &text,
                        value.span().start,
                        "[flyway] environment: expected a string",
                    )
                })?;
                let line = line_of(&text, value.span().start);
                model.environment = Some((name.to_string(), path.to_path_buf(), line));
            }
        }
        let Some(DeValue::Table(environments)) = doc.get("environments").map(|t| t.get_ref())
        else {
            return Ok(());
        };
        for (name, table) in environments {
            let DeValue::Table(table) = table.get_ref() else {
                continue;
            };
            let name = name.get_ref().to_string();
            if let Some(DeValue::Table(flyway)) = table.get("flyway").map(|t| t.get_ref()) {
                if let Some(value) = flyway.get("schemas") {
                    model.misplaced_schemas.push(MisplacedSchemas {
                        environment: Some(name.clone()),
                        path: path.to_path_buf(),
                        line: line_of(&text, value.span().start),
                    });
                }
            }
            // Flyway reads an environment's values only when it is the one selected: an error
            // in another one is kept, and reported only if that one is chosen.
            let entry = model
                .environments
                .entry(name.clone())
                .or_insert_with(|| Ok(FlywayConfig::default()));
            if let Ok(own) = entry {
                if let Err(e) = own.read_environment(table, &name, path, &text, env) {
                    *entry = Err(e);
                }
            }
        }
        Ok(())
    }

    /// One `[environments.NAME]` table: its `schemas` (a connection setting of the environment,
    /// `EnvironmentModel`) and its `[environments.NAME.flyway]` values.
    fn read_environment(
        &mut self,
        table: &DeTable,
        name: &str,
        path: &Path,
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<()> {
        if let Some(value) = table.get("schemas") {
            // An array, or a string read as a comma-separated list as in flyway.conf.
            let first = match value.get_ref() {
                DeValue::String(s) => substitute(s, env).map(|s| first_of_list(&s)),
                DeValue::Array(items) => match items.first().map(|i| i.get_ref()) {
                    Some(DeValue::String(s)) => substitute(s, env).map(|s| first_of_list(&s)),
                    None => Ok(None),
                    Some(_) => Err("expected a list of strings".to_string()),
                },
                _ => Err("expected a list of strings".to_string()),
            };
            let first = first.map_err(|m| {
                Error::config_at(
                    path,
                    text,
                    value.span().start,
                    format!("[environments.{name}] schemas: {m}"),
                )
            })?;
            self.first_schema = first.map(|value| Setting {
                value,
                source: format!("environments.{name}.schemas in {}", path.display()),
            });
        }
        if let Some(DeValue::Table(flyway)) = table.get("flyway").map(|t| t.get_ref()) {
            let label = format!("[environments.{name}.flyway] ");
            let source = format!("environments.{name}.flyway.");
            self.read_table(flyway, &label, &source, path, text, env)?;
        }
        Ok(())
    }

    /// `outOfOrder`, `ignoreMigrationPatterns`, `defaultSchema` and `table` of one TOML table
    /// (`[flyway]` or `[environments.NAME.flyway]`); `label` prefixes errors, `source` the key
    /// where findings name it.
    fn read_table(
        &mut self,
        table: &DeTable,
        label: &str,
        source: &str,
        path: &Path,
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<()> {
        let error = |key: &str, offset: usize, m: String| {
            Error::config_at(path, text, offset, format!("{label}{key}: {m}"))
        };
        if let Some(value) = table.get("outOfOrder") {
            let parsed = match value.get_ref() {
                DeValue::Boolean(b) => Ok(*b),
                DeValue::String(s) => substitute(s, env).and_then(|s| boolean(&s)),
                _ => Err("expected true or false".to_string()),
            };
            self.out_of_order = Some(Setting {
                value: parsed.map_err(|m| error("outOfOrder", value.span().start, m))?,
                source: format!("{source}outOfOrder in {}", path.display()),
            });
        }
        for (key, field) in [
            ("defaultSchema", &mut self.default_schema),
            ("table", &mut self.table),
        ] {
            let Some(value) = table.get(key) else {
                continue;
            };
            let parsed = match value.get_ref() {
                DeValue::String(s) => substitute(s, env).map(|s| first_of_list(&s)),
                _ => Err("expected a string".to_string()),
            };
            let offset = value.span().start;
            *field = parsed
                .map_err(|m| error(key, offset, m))?
                .map(|value| Setting {
                    value,
                    source: format!("{source}{key} in {}", path.display()),
                });
        }
        if let Some(value) = table.get("ignoreMigrationPatterns") {
            // A string is a comma-separated list, as in flyway.conf; an array lists them.
            let list: std::result::Result<Vec<String>, String> = match value.get_ref() {
                DeValue::String(s) => {
                    substitute(s, env).map(|s| s.split(',').map(str::to_string).collect())
                }
                DeValue::Array(items) => items
                    .iter()
                    .map(|i| {
                        i.get_ref()
                            .as_str()
                            .ok_or_else(|| "expected a list of strings".to_string())
                            .and_then(|s| substitute(s, env))
                    })
                    .collect(),
                _ => Err("expected a list of strings".to_string()),
            };
            let offset = value.span().start;
            let parsed = list
                .and_then(|l| patterns(&l.iter().map(String::as_str).collect::<Vec<_>>()))
                .map_err(|m| error("ignoreMigrationPatterns", offset, m))?;
            self.ignore_patterns = Some(Setting {
                value: parsed,
                source: format!("{source}ignoreMigrationPatterns in {}", path.display()),
            });
        }
        Ok(())
    }
}
