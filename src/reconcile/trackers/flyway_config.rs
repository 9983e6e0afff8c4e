//! The project's Flyway settings that change what `flyway validate` (which `migrate` runs
//! first) makes of the history: `outOfOrder` and `ignoreMigrationPatterns`; and where the
//! history is: `defaultSchema`, else the first of `schemas` (`FLYWAY_DEFAULT_SCHEMA`,
//! `FLYWAY_SCHEMAS`), in table `table` (`FLYWAY_TABLE`).
//!
//! Read as Flyway reads them in the common cases: `flyway.conf` (Java properties,
//! `flyway.outOfOrder=true`, `flyway.ignoreMigrationPatterns=*:missing,*:ignored`) and
//! `flyway.toml` (Flyway 10, `[flyway] outOfOrder = true`, `ignoreMigrationPatterns =
//! ["*:missing"]`) in the migrations directory's parent and then in the directory reconcile
//! runs from (Flyway's working directory; a later file wins), then the environment variables
//! `FLYWAY_OUT_OF_ORDER` and `FLYWAY_IGNORE_MIGRATION_PATTERNS`, which override the files as
//! they do in Flyway. Not read: Flyway's install `conf/` and `~/flyway.conf`, `-configFiles`,
//! `[environments.…]` tables, properties continued over lines with `\`. A value may name an
//! environment variable, `${NAME}` or `${env.NAME}`, which Flyway substitutes; so does this.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// A setting's value and where it was set, as findings name it
/// (`flyway.outOfOrder in /app/flyway.conf`, `FLYWAY_OUT_OF_ORDER`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: String,
}

/// One `ignoreMigrationPatterns` entry, `type:state`: type `*`, `versioned` or `repeatable`,
/// state `*`, `missing`, `pending`, `ignored`, `future` or `failed` (Flyway's
/// `ValidatePattern`, case-insensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub text: String,
    versioned: Option<bool>,
    state: Option<String>,
}

const STATES: &[&str] = &["missing", "pending", "ignored", "future", "failed"];

impl Pattern {
    pub fn parse(text: &str) -> Option<Pattern> {
        let text = text.trim();
        let (kind, state) = text.split_once(':')?;
        let versioned = match kind.trim().to_ascii_lowercase().as_str() {
            "*" => None,
            "versioned" => Some(true),
            "repeatable" => Some(false),
            _ => return None,
        };
        let state = match state.trim().to_ascii_lowercase().as_str() {
            "*" => None,
            s if STATES.contains(&s) => Some(s.to_string()),
            _ => return None,
        };
        Some(Pattern {
            text: text.to_string(),
            versioned,
            state,
        })
    }

    fn matches(&self, versioned: bool, state: &str) -> bool {
        self.versioned.is_none_or(|v| v == versioned)
            && self.state.as_deref().is_none_or(|s| s == state)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlywayConfig {
    pub out_of_order: Option<Setting<bool>>,
    pub ignore_patterns: Option<Setting<Vec<Pattern>>>,
    /// `defaultSchema`: the schema of the history table (and Flyway's search_path while it
    /// migrates).
    pub default_schema: Option<Setting<String>>,
    /// The first of `schemas`, the history table's schema when `defaultSchema` is not set.
    pub first_schema: Option<Setting<String>>,
    /// `table`: the history table's name (default `flyway_schema_history`); Flyway quotes it,
    /// so its case is kept.
    pub table: Option<Setting<String>>,
}

impl FlywayConfig {
    /// The settings for migrations in `dir`, from its parent, the working directory and the
    /// environment.
    pub fn load(dir: &Path) -> Result<FlywayConfig> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        let parent = std::fs::canonicalize(dir)
            .ok()
            .and_then(|d| d.parent().map(Path::to_path_buf));
        dirs.extend(parent);
        if let Ok(cwd) = std::env::current_dir().and_then(std::fs::canonicalize) {
            if !dirs.contains(&cwd) {
                dirs.push(cwd);
            }
        }
        Self::load_from(&dirs, |name| std::env::var(name).ok())
    }

    /// `load` with the directories and the environment given.
    pub fn load_from(dirs: &[PathBuf], env: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut config = FlywayConfig::default();
        for dir in dirs {
            let conf = dir.join("flyway.conf");
            if conf.is_file() {
                config.read_conf(&conf, &env)?;
            }
            let toml = dir.join("flyway.toml");
            if toml.is_file() {
                config.read_toml(&toml, &env)?;
            }
        }
        let env_error = |name: &str, message: String| {
            Error::config(Path::new("environment"), format!("{name}: {message}"))
        };
        if let Some(value) = env("FLYWAY_OUT_OF_ORDER") {
            let value = boolean(&value).map_err(|m| env_error("FLYWAY_OUT_OF_ORDER", m))?;
            config.out_of_order = Some(Setting {
                value,
                source: "FLYWAY_OUT_OF_ORDER".into(),
            });
        }
        for (name, field) in [
            ("FLYWAY_DEFAULT_SCHEMA", &mut config.default_schema),
            ("FLYWAY_SCHEMAS", &mut config.first_schema),
            ("FLYWAY_TABLE", &mut config.table),
        ] {
            if let Some(value) = env(name).as_deref().and_then(first_of_list) {
                *field = Some(Setting {
                    value,
                    source: name.into(),
                });
            }
        }
        let name = "FLYWAY_IGNORE_MIGRATION_PATTERNS";
        if let Some(value) = env(name) {
            let list: Vec<&str> = value.split(',').collect();
            let value = patterns(&list).map_err(|m| env_error(name, m))?;
            config.ignore_patterns = Some(Setting {
                value,
                source: name.into(),
            });
        }
        Ok(config)
    }

    fn read_conf(&mut self, path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            // A property's key ends at the first `=`, `:` or blank; the value follows it.
            let end = line
                .find(|c: char| c == '=' || c == ':' || c.is_whitespace())
                .unwrap_or(line.len());
            let (key, rest) = line.split_at(end);
            let rest = rest.trim_start();
            let value = rest.strip_prefix(['=', ':']).unwrap_or(rest).trim();
            let error = |m: String| Error::config(path, format!("line {}: {key}: {m}", n + 1));
            if !matches!(
                key,
                "flyway.outOfOrder"
                    | "flyway.ignoreMigrationPatterns"
                    | "flyway.defaultSchema"
                    | "flyway.schemas"
                    | "flyway.table"
            ) {
                continue;
            }
            let value = substitute(value, env).map_err(error)?;
            let source = format!("{key} in {}", path.display());
            match key {
                "flyway.defaultSchema" => {
                    self.default_schema =
                        first_of_list(&value).map(|value| Setting { value, source })
                }
                "flyway.table" => {
                    self.table = first_of_list(&value).map(|value| Setting { value, source })
                }
                "flyway.schemas" => {
                    self.first_schema = first_of_list(&value).map(|value| Setting { value, source })
                }
                "flyway.outOfOrder" => {
                    self.out_of_order = Some(Setting {
                        value: boolean(&value).map_err(error)?,
                        source,
                    })
                }
                "flyway.ignoreMigrationPatterns" => {
                    let list: Vec<&str> = value.split(',').collect();
                    self.ignore_patterns = Some(Setting {
                        value: patterns(&list).map_err(error)?,
                        source,
                    })
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn read_toml(&mut self, path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let doc = DeTable::parse(&text).map_err(|e| Error::toml(path, &text, &e))?;
        let Some(DeValue::Table(flyway)) = doc.get_ref().get("flyway").map(|t| t.get_ref()) else {
            return Ok(());
        };
        let error = |key: &str, offset: usize, m: String| {
            Error::config_at(path, &text, offset, format!("[flyway] {key}: {m}"))
        };
        if let Some(value) = flyway.get("outOfOrder") {
            let parsed = match value.get_ref() {
                DeValue::Boolean(b) => Ok(*b),
                DeValue::String(s) => substitute(s, env).and_then(|s| boolean(&s)),
                _ => Err("expected true or false".to_string()),
            };
            self.out_of_order = Some(Setting {
                value: parsed.map_err(|m| error("outOfOrder", value.span().start, m))?,
                source: format!("outOfOrder in {}", path.display()),
            });
        }
        for (key, field) in [
            ("defaultSchema", &mut self.default_schema),
            ("schemas", &mut self.first_schema),
            ("table", &mut self.table),
        ] {
            let Some(value) = flyway.get(key) else {
                continue;
            };
            // A string (a comma-separated list for `schemas`, as in flyway.conf) or an array.
            let first = match value.get_ref() {
                DeValue::String(s) => substitute(s, env).map(|s| first_of_list(&s)),
                DeValue::Array(items) => match items.first().map(|i| i.get_ref()) {
                    Some(DeValue::String(s)) => substitute(s, env).map(|s| first_of_list(&s)),
                    None => Ok(None),
                    Some(_) => Err("expected a list of strings".to_string()),
                },
                _ => Err("expected a string or a list of strings".to_string()),
            };
            let offset = value.span().start;
            *field = first
                .map_err(|m| error(key, offset, m))?
                .map(|value| Setting {
                    value,
                    source: format!("{key} in {}", path.display()),
                });
        }
        if let Some(value) = flyway.get("ignoreMigrationPatterns") {
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
                source: format!("ignoreMigrationPatterns in {}", path.display()),
            });
        }
        Ok(())
    }

    /// The schema of the history table as configured, and where: `defaultSchema`, else the
    /// first of `schemas` (Flyway's `SchemaHistoryFactory.prepareSchemas`); `None`: the
    /// connection's current schema.
    pub fn history_schema(&self) -> Option<&Setting<String>> {
        self.default_schema.as_ref().or(self.first_schema.as_ref())
    }

    /// The pattern that makes validate ignore a migration of that kind in that state, and where
    /// it is set; `None` as source for Flyway's default, `*:future`.
    pub fn ignoring(&self, versioned: bool, state: &str) -> Option<(&str, Option<&str>)> {
        match &self.ignore_patterns {
            Some(set) => set
                .value
                .iter()
                .find(|p| p.matches(versioned, state))
                .map(|p| (p.text.as_str(), Some(set.source.as_str()))),
            None => (state == "future").then_some(("*:future", None)),
        }
    }

    /// Where `outOfOrder = true` is set, if it is.
    pub fn out_of_order(&self) -> Option<&str> {
        self.out_of_order
            .as_ref()
            .filter(|s| s.value)
            .map(|s| s.source.as_str())
    }
}

/// The value with each `${NAME}` / `${env.NAME}` replaced by that environment variable, as
/// Flyway substitutes them in its configuration; an unset one is an error, not a guess.
fn substitute(
    value: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + len];
        let var = name.strip_prefix("env.").unwrap_or(name);
        let found = env(var).ok_or_else(|| {
            format!("`${{{name}}}` names the environment variable {var}, which is not set")
        })?;
        out.push_str(&rest[..start]);
        out.push_str(&found);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `true` or `false`, in any case, as Flyway's boolean properties.
fn boolean(value: &str) -> std::result::Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("`{}` is not true or false", value.trim())),
    }
}

fn patterns(list: &[&str]) -> std::result::Result<Vec<Pattern>, String> {
    list.iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            Pattern::parse(p).ok_or_else(|| {
                format!(
                    "`{}` is not a pattern `type:state` (type *, versioned or repeatable; state *, {})",
                    p.trim(),
                    STATES.join(", ")
                )
            })
        })
        .collect()
}

/// The first entry of a comma-separated list (`schemas`), trimmed; `None` when empty.
fn first_of_list(value: &str) -> Option<String> {
    value
        .split(',')
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    /// `flyway.outOfOrder=${OOO}` is Flyway's environment placeholder, not a malformed value.
    #[test]
    fn environment_placeholders_are_substituted_and_an_unset_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("flyway.conf"),
            "flyway.outOfOrder=${OOO}\nflyway.ignoreMigrationPatterns=${env.PATTERNS},*:future\n",
        )
        .unwrap();
        let dirs = [dir.path().to_path_buf()];
        let vars = env(&[("OOO", "true"), ("PATTERNS", "*:missing")]);
        let config = FlywayConfig::load_from(&dirs, vars).unwrap();
        assert!(config.out_of_order().is_some());
        assert_eq!(config.ignoring(true, "missing").unwrap().0, "*:missing");
        assert_eq!(config.ignoring(true, "future").unwrap().0, "*:future");
        let err = FlywayConfig::load_from(&dirs, env(&[("PATTERNS", "*:missing")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 1: flyway.outOfOrder: `${OOO}` names the environment variable OOO, which is not set"),
            "{err}"
        );
        std::fs::write(dir.path().join("flyway.conf"), "").unwrap();
        std::fs::write(
            dir.path().join("flyway.toml"),
            "[flyway]\noutOfOrder = \"${env.OOO}\"\nignoreMigrationPatterns = [\"${PATTERNS}\"]\n",
        )
        .unwrap();
        let vars = env(&[("OOO", "true"), ("PATTERNS", "*:ignored")]);
        let config = FlywayConfig::load_from(&dirs, vars).unwrap();
        assert!(config.out_of_order().is_some());
        assert_eq!(config.ignoring(true, "ignored").unwrap().0, "*:ignored");
    }

    #[test]
    fn conf_toml_and_environment_are_read_and_the_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("flyway.conf"),
            "# comment\n! other comment\nflyway.url=jdbc:x\nflyway.outOfOrder = TRUE\nflyway.ignoreMigrationPatterns=*:missing, versioned:ignored\n",
        )
        .unwrap();
        let dirs = [dir.path().to_path_buf()];
        let config = FlywayConfig::load_from(&dirs, env(&[])).unwrap();
        assert!(config
            .out_of_order()
            .unwrap()
            .starts_with("flyway.outOfOrder in "));
        assert_eq!(config.ignoring(true, "missing").unwrap().0, "*:missing");
        assert_eq!(
            config.ignoring(true, "ignored").unwrap().0,
            "versioned:ignored"
        );
        assert_eq!(config.ignoring(false, "ignored"), None);
        // Patterns set replace the default `*:future`.
        assert_eq!(config.ignoring(true, "future"), None);

        let config = FlywayConfig::load_from(
            &dirs,
            env(&[
                ("FLYWAY_OUT_OF_ORDER", "false"),
                ("FLYWAY_IGNORE_MIGRATION_PATTERNS", "*:future"),
            ]),
        )
        .unwrap();
        assert_eq!(config.out_of_order(), None);
        assert_eq!(
            config.ignoring(true, "future"),
            Some(("*:future", Some("FLYWAY_IGNORE_MIGRATION_PATTERNS")))
        );
        assert_eq!(config.ignoring(true, "missing"), None);

        std::fs::remove_file(dir.path().join("flyway.conf")).unwrap();
        std::fs::write(
            dir.path().join("flyway.toml"),
            "[flyway]\noutOfOrder = true\nignoreMigrationPatterns = [\"*:Ignored\"]\n",
        )
        .unwrap();
        let config = FlywayConfig::load_from(&dirs, env(&[])).unwrap();
        assert!(config.out_of_order().unwrap().starts_with("outOfOrder in "));
        assert_eq!(config.ignoring(false, "ignored").unwrap().0, "*:Ignored");
        // Nothing configured: Flyway's default.
        let config = FlywayConfig::load_from(&[], env(&[])).unwrap();
        assert_eq!(config.ignoring(true, "future"), Some(("*:future", None)));
        assert_eq!(config.ignoring(true, "missing"), None);
    }

    #[test]
    fn the_history_schema_is_default_schema_else_the_first_of_schemas() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = [dir.path().to_path_buf()];
        let schema = |config: &FlywayConfig| {
            config
                .history_schema()
                .map(|s| (s.value.clone(), s.source.clone()))
        };
        assert_eq!(
            schema(&FlywayConfig::load_from(&dirs, env(&[])).unwrap()),
            None
        );
        std::fs::write(
            dir.path().join("flyway.conf"),
            "flyway.schemas= app , other
",
        )
        .unwrap();
        let config = FlywayConfig::load_from(&dirs, env(&[])).unwrap();
        let (value, source) = schema(&config).unwrap();
        assert_eq!(value, "app");
        assert!(source.starts_with("flyway.schemas in "), "{source}");
        let config =
            FlywayConfig::load_from(&dirs, env(&[("FLYWAY_DEFAULT_SCHEMA", "tools")])).unwrap();
        assert_eq!(
            schema(&config),
            Some(("tools".into(), "FLYWAY_DEFAULT_SCHEMA".into()))
        );
        std::fs::remove_file(dir.path().join("flyway.conf")).unwrap();
        std::fs::write(
            dir.path().join("flyway.toml"),
            "[flyway]\nschemas = [\"first\", \"second\"]\ndefaultSchema = \"main\"\n",
        )
        .unwrap();
        let config = FlywayConfig::load_from(&dirs, env(&[])).unwrap();
        assert_eq!(schema(&config).unwrap().0, "main");
        assert_eq!(config.first_schema.unwrap().value, "first");
        assert_eq!(config.table, None);
        let config = FlywayConfig::load_from(&dirs, env(&[("FLYWAY_TABLE", "History")])).unwrap();
        assert_eq!(config.table.unwrap().value, "History");
    }

    #[test]
    fn a_malformed_value_is_a_one_line_error_naming_the_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = [dir.path().to_path_buf()];
        let conf = dir.path().join("flyway.conf");
        std::fs::write(&conf, "flyway.outOfOrder=yes\n").unwrap();
        let err = FlywayConfig::load_from(&dirs, env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("flyway.conf")
                && err.contains("line 1: flyway.outOfOrder: `yes` is not true or false"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");

        std::fs::write(&conf, "flyway.ignoreMigrationPatterns=*:gone\n").unwrap();
        let err = FlywayConfig::load_from(&dirs, env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("flyway.ignoreMigrationPatterns: `*:gone` is not a pattern"),
            "{err}"
        );

        std::fs::remove_file(&conf).unwrap();
        std::fs::write(
            dir.path().join("flyway.toml"),
            "[flyway]\n\noutOfOrder = 1\n",
        )
        .unwrap();
        let err = FlywayConfig::load_from(&dirs, env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("flyway.toml") && err.contains("line 3: [flyway] outOfOrder"),
            "{err}"
        );

        let err =
            FlywayConfig::load_from(&[], env(&[("FLYWAY_IGNORE_MIGRATION_PATTERNS", "missing")]))
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("FLYWAY_IGNORE_MIGRATION_PATTERNS: `missing` is not a pattern"),
            "{err}"
        );
    }
}
