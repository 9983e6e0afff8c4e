//! The project's Flyway settings that change what `flyway validate` (which `migrate` runs
//! first) makes of the history: `outOfOrder` and `ignoreMigrationPatterns`; and where the
//! history is: `defaultSchema`, else the first of `schemas` (`FLYWAY_DEFAULT_SCHEMA`,
//! `FLYWAY_SCHEMAS`), in table `table` (`FLYWAY_TABLE`).
//!
//! Read the way the Flyway 10/11 command line reads its configuration (flyway/flyway,
//! `flyway-commandline/.../configuration/ConfigurationManagerImpl.java` `useModernConfig`,
//! `ModernConfigurationManager.java`, `LegacyConfigurationManager.java`; `flyway-core/.../
//! internal/configuration/ConfigUtils.java` `getDefaultTomlConfigFileLocations`,
//! `getDefaultLegacyConfigurationFiles`, `loadConfigurationFromString`; `TomlUtils.java`
//! `loadConfigurationFromEnvironment`; `ClassicConfiguration.java` `isOutOfOrder`,
//! `getIgnoreMigrationPatterns`, `getCurrentEnvironmentName`), for the files preflight can see.
//! Flyway's working directory (`./`) is taken to be the migrations directory's parent and then
//! the directory preflight runs from; `~` is `$HOME` (Flyway's `user.home`, which Java takes
//! from the password database on Unix: normally the same directory).
//!
//! * TOML or `.conf`, never both. Flyway uses its TOML configuration when `FLYWAY_CONFIG_FILES`
//!   names a `.toml` file, or when it names none and any default TOML file exists
//!   (`~/flyway.toml`, `~/flyway.user.toml`, `./flyway.toml`, `./flyway.user.toml`); the
//!   `.conf` files are then not read at all, not merged. Otherwise it reads `~/flyway.conf`,
//!   `./flyway.conf` and the `.conf` files `FLYWAY_CONFIG_FILES` names (`useModernConfig`).
//!   `FLYWAY_CONFIG_FILES` naming both kinds is an error in Flyway ("Using both TOML
//!   configuration and CONF configuration is not supported"), and here.
//! * `FLYWAY_CONFIG_FILES` is a comma-separated list read after the default files, not instead
//!   of them (a later file wins); a relative entry is relative to the directory preflight runs
//!   from. A listed `.conf` file that does not exist stops Flyway ("Unable to load config
//!   file", `loadConfigurationFile(…, failIfMissing = true)`) and is an error here; a listed
//!   `.toml` file that does not exist is skipped, as Flyway filters them on `File::exists`.
//! * TOML: `[flyway] outOfOrder = true`, `ignoreMigrationPatterns = ["*:missing"]` (or a
//!   comma-separated string), `defaultSchema = "app"`, `table = "history"`, overridden by the
//!   environment variables `FLYWAY_OUT_OF_ORDER`, `FLYWAY_IGNORE_MIGRATION_PATTERNS`,
//!   `FLYWAY_DEFAULT_SCHEMA`, `FLYWAY_TABLE` and their TOML-style spellings `flyway_outOfOrder`,
//!   `flyway_ignoreMigrationPatterns`, `flyway_defaultSchema`, `flyway_table` (which win over
//!   the `FLYWAY_…` ones). The environment's own `[environments.NAME.flyway]` values win over
//!   all of those (`ClassicConfiguration.isOutOfOrder`, `getDefaultSchema`, `getTable`:
//!   `getEnvironmentOverrides()` first); NAME is `[flyway] environment` or the
//!   `flyway_environment` variable, `default` if neither is set, and an environment with no
//!   table leaves the `[flyway]` values. `environments_NAME_flyway_outOfOrder` (and
//!   `…_ignoreMigrationPatterns`, `…_defaultSchema`, `…_table`) set the environment's values
//!   from the environment. `schemas` is a setting of the environment itself, not of `[flyway]`
//!   (`EnvironmentModel`; `ClassicConfiguration.getSchemas` reads the selected environment):
//!   `[environments.NAME] schemas = ["app"]`, overridden by `environments_NAME_schemas`, then
//!   by `FLYWAY_SCHEMAS` and `flyway_schemas`, which Flyway merges into the selected
//!   environment. A `schemas` key in `[flyway]` is not Flyway's `schemas` (Flyway stops with
//!   "Failed to configure Parameters: schemas") and is not read.
//! * `.conf` (Java properties, `flyway.outOfOrder=true`,
//!   `flyway.ignoreMigrationPatterns=*:missing,*:ignored`, `flyway.defaultSchema=app`,
//!   `flyway.schemas=app,other`, `flyway.table=history`), overridden by `FLYWAY_OUT_OF_ORDER`,
//!   `FLYWAY_IGNORE_MIGRATION_PATTERNS`, `FLYWAY_DEFAULT_SCHEMA`, `FLYWAY_SCHEMAS` and
//!   `FLYWAY_TABLE`. A value continues on the next line after a `\` at
//!   the end of a line, as Flyway pre-processes the file (`loadConfigurationFromString`) before
//!   `java.util.Properties` reads it: each line is trimmed, every backslash is literal except a
//!   final one that is followed by a non-empty line which does not start a new `flyway.…=`
//!   property (one containing `==` or `!=` still continues), and the continued line's leading
//!   blanks are dropped; a comment line never continues.
//!
//! A value may name an environment variable, `${NAME}` or `${env.NAME}`, which Flyway
//! substitutes; so does this. Not read: Flyway's installation `conf/` directory (preflight does
//! not know where Flyway is installed), `-configFiles`, `-workingDirectory`, `-environment` and
//! other command-line arguments, and `.conf` environment keys.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
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
    /// The settings for migrations in `dir`, from the files Flyway reads (its working directory
    /// taken to be `dir`'s parent, then the current directory) and the environment.
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

    /// `load` with Flyway's working directories and the environment given; `~` is the
    /// environment's `HOME`, a relative `FLYWAY_CONFIG_FILES` entry is relative to the current
    /// directory.
    pub fn load_from(dirs: &[PathBuf], env: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let env_error = |name: &str, message: String| {
            Error::config(Path::new("environment"), format!("{name}: {message}"))
        };
        // `CommandLineArguments.getConfigFilePathsFromEnv`: split on `,`, each entry trimmed,
        // `.toml` ones for the TOML configuration, the others `.conf`.
        let listed: Vec<String> = env("FLYWAY_CONFIG_FILES")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let resolve = |entry: &str| {
            let path = Path::new(entry);
            match std::env::current_dir() {
                Ok(cwd) if path.is_relative() => cwd.join(path),
                _ => path.to_path_buf(),
            }
        };
        let (listed_toml, listed_conf): (Vec<&String>, Vec<&String>) =
            listed.iter().partition(|e| e.ends_with(".toml"));
        if !listed_toml.is_empty() && !listed_conf.is_empty() {
            let join = |l: &[&String]| l.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            return Err(env_error(
                "FLYWAY_CONFIG_FILES",
                format!(
                    "names TOML files ({}) and .conf files ({}); Flyway refuses both kinds at once (\"Using both TOML configuration and CONF configuration is not supported\")",
                    join(&listed_toml),
                    join(&listed_conf)
                ),
            ));
        }
        // `ConfigUtils.getDefaultTomlConfigFileLocations` / `getDefaultLegacyConfigurationFiles`:
        // the installation's `conf/` (unknown here), `~`, then `./`, in that order.
        let home = env("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
        let places: Vec<&Path> = home
            .as_deref()
            .into_iter()
            .chain(dirs.iter().map(PathBuf::as_path))
            .collect();
        let default_toml: Vec<PathBuf> = places
            .iter()
            .flat_map(|d| [d.join("flyway.toml"), d.join("flyway.user.toml")])
            .collect();
        let default_conf: Vec<PathBuf> = places.iter().map(|d| d.join("flyway.conf")).collect();
        // `ConfigurationManagerImpl.useModernConfig`: the listed files decide, then whether a
        // default TOML file exists; with neither kind present Flyway takes the TOML path.
        let toml = if !listed_toml.is_empty() {
            true
        } else if !listed_conf.is_empty() {
            false
        } else {
            default_toml.iter().any(|p| p.is_file()) || !default_conf.iter().any(|p| p.is_file())
        };

        let mut config = FlywayConfig::default();
        let mut model = TomlModel::default();
        if toml {
            let files = default_toml
                .into_iter()
                .chain(listed_toml.iter().map(|e| resolve(e)));
            for file in files.filter(|p| p.is_file()) {
                config.read_toml(&file, &env, &mut model)?;
            }
        } else {
            for file in default_conf.iter().filter(|p| p.is_file()) {
                config.read_conf(file, &env)?;
            }
            for entry in listed_conf {
                let file = resolve(entry);
                if !file.is_file() {
                    return Err(env_error(
                        "FLYWAY_CONFIG_FILES",
                        format!(
                            "{} is not a file; Flyway stops with \"Unable to load config file\"",
                            file.display()
                        ),
                    ));
                }
                config.read_conf(&file, &env)?;
            }
        }

        // The environment over the files: `FLYWAY_…` in both (`ConfigUtils.convertKey`); with
        // TOML also `flyway_<key>`, which wins over `FLYWAY_…` (`TomlUtils.
        // loadConfigurationFromEnvironment`).
        let mut vars = vec![Vars::upper()];
        if toml {
            vars.push(Vars::toml_style());
        }
        for names in &vars {
            config.read_env(names, &env)?;
        }
        if !toml {
            return Ok(config);
        }

        // `ClassicConfiguration.getCurrentEnvironmentName`: `flyway.environment`, else
        // `default`; its `[environments.NAME.flyway]` values win (`getEnvironmentOverrides`).
        let name = env("flyway_environment")
            .filter(|n| !n.trim().is_empty())
            .or(model.environment.filter(|n| !n.trim().is_empty()))
            .unwrap_or_else(|| "default".to_string());
        let mut own = match model.environments.remove(&name) {
            Some(read) => read?,
            None => FlywayConfig::default(),
        };
        // `environments_NAME_flyway_outOfOrder` is `environments.NAME.flyway.outOfOrder`,
        // `environments_NAME_schemas` `environments.NAME.schemas` (underscores become dots, so a
        // NAME with `_` or `.` cannot be reached this way).
        if !name.contains(['_', '.']) {
            own.read_env(&Vars::environment(&name), &env)?;
        }
        if own.out_of_order.is_some() {
            config.out_of_order = own.out_of_order;
        }
        if own.ignore_patterns.is_some() {
            config.ignore_patterns = own.ignore_patterns;
        }
        if own.default_schema.is_some() {
            config.default_schema = own.default_schema;
        }
        if own.table.is_some() {
            config.table = own.table;
        }
        // `schemas` is a setting of the environment itself (`[environments.NAME] schemas`,
        // `EnvironmentModel`; `[flyway]` has none). `FLYWAY_SCHEMAS` and `flyway_schemas` are
        // merged into the selected environment after the files and `environments_…` variables
        // (`TomlUtils.loadConfigurationFromEnvironment` maps an `EnvironmentModel` key to a
        // temporary environment, `ModernConfigurationManager` merges it over the selected one),
        // so they win over it; with TOML only they can have set `config.first_schema` so far.
        if config.first_schema.is_none() {
            config.first_schema = own.first_schema;
        }
        Ok(config)
    }

    /// The settings from the environment variables `names` gives, those that are set.
    fn read_env(&mut self, names: &Vars, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        let env_error = |name: &str, message: String| {
            Error::config(Path::new("environment"), format!("{name}: {message}"))
        };
        let name = names.out_of_order.as_str();
        if let Some(value) = env(name) {
            let value = boolean(&value).map_err(|m| env_error(name, m))?;
            self.out_of_order = Some(Setting {
                value,
                source: name.into(),
            });
        }
        let name = names.patterns.as_str();
        if let Some(value) = env(name) {
            let list: Vec<&str> = value.split(',').collect();
            let value = patterns(&list).map_err(|m| env_error(name, m))?;
            self.ignore_patterns = Some(Setting {
                value,
                source: name.into(),
            });
        }
        for (name, field) in [
            (&names.default_schema, &mut self.default_schema),
            (&names.schemas, &mut self.first_schema),
            (&names.table, &mut self.table),
        ] {
            if let Some(value) = env(name).as_deref().and_then(first_of_list) {
                *field = Some(Setting {
                    value,
                    source: name.clone(),
                });
            }
        }
        Ok(())
    }

    fn read_conf(&mut self, path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        for (line, key, value) in properties(&text) {
            let error = |m: String| Error::config(path, format!("line {line}: {key}: {m}"));
            if !matches!(
                key.as_str(),
                "flyway.outOfOrder"
                    | "flyway.ignoreMigrationPatterns"
                    | "flyway.defaultSchema"
                    | "flyway.schemas"
                    | "flyway.table"
            ) {
                continue;
            }
            let value = substitute(&value, env).map_err(error)?;
            let source = format!("{key} in {}", path.display());
            match key.as_str() {
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
                _ => {
                    let list: Vec<&str> = value.split(',').collect();
                    self.ignore_patterns = Some(Setting {
                        value: patterns(&list).map_err(error)?,
                        source,
                    })
                }
            }
        }
        Ok(())
    }

    /// The `[flyway]` values into `self`, `[flyway] environment` and each
    /// `[environments.NAME.flyway]` table's values into `model`; a later file wins, key by key
    /// (`TomlUtils.loadConfigurationFiles` merges them in order).
    fn read_toml(
        &mut self,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
        model: &mut TomlModel,
    ) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let doc = DeTable::parse(&text).map_err(|e| Error::toml(path, &text, &e))?;
        let doc = doc.get_ref();
        if let Some(DeValue::Table(flyway)) = doc.get("flyway").map(|t| t.get_ref()) {
            self.read_table(flyway, "[flyway] ", "", path, &text, env)?;
            if let Some(value) = flyway.get("environment") {
                let name = value.get_ref().as_str().ok_or_else(|| {
                    Error::config_at(
                        path,
                        &text,
                        value.span().start,
                        "[flyway] environment: expected a string",
                    )
                })?;
                model.environment = Some(name.to_string());
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

/// The environment variables that set each setting, in one spelling.
struct Vars {
    out_of_order: String,
    patterns: String,
    default_schema: String,
    schemas: String,
    table: String,
}

impl Vars {
    /// `FLYWAY_OUT_OF_ORDER`, … (`ConfigUtils.convertKey`), read with either configuration.
    fn upper() -> Vars {
        Vars {
            out_of_order: "FLYWAY_OUT_OF_ORDER".into(),
            patterns: "FLYWAY_IGNORE_MIGRATION_PATTERNS".into(),
            default_schema: "FLYWAY_DEFAULT_SCHEMA".into(),
            schemas: "FLYWAY_SCHEMAS".into(),
            table: "FLYWAY_TABLE".into(),
        }
    }

    /// `flyway_outOfOrder`, …: `flyway.<key>` (TOML configuration only).
    fn toml_style() -> Vars {
        Vars {
            out_of_order: "flyway_outOfOrder".into(),
            patterns: "flyway_ignoreMigrationPatterns".into(),
            default_schema: "flyway_defaultSchema".into(),
            schemas: "flyway_schemas".into(),
            table: "flyway_table".into(),
        }
    }

    /// `environments_NAME_flyway_outOfOrder`, …, and `environments_NAME_schemas`: the
    /// environment's own values.
    fn environment(name: &str) -> Vars {
        let flyway = |key: &str| format!("environments_{name}_flyway_{key}");
        Vars {
            out_of_order: flyway("outOfOrder"),
            patterns: flyway("ignoreMigrationPatterns"),
            default_schema: flyway("defaultSchema"),
            schemas: format!("environments_{name}_schemas"),
            table: flyway("table"),
        }
    }
}

/// What the TOML files say beyond the `[flyway]` values: the environment they select and each
/// environment's own values (or the error reading them).
#[derive(Default)]
struct TomlModel {
    environment: Option<String>,
    environments: BTreeMap<String, Result<FlywayConfig>>,
}

/// The properties of a `flyway.conf` as Flyway reads them, `(line, key, value)` in file order
/// (a later one wins), `line` the first line of the property. Flyway's
/// `ConfigUtils.loadConfigurationFromString` trims each line and doubles every backslash, then
/// restores a final one as a line continuation when the next line is not empty and does not
/// start a new `flyway.…=` property (unless it holds `==` or `!=`, `SqlScriptMetadata.
/// isMultilineBooleanExpression`); `java.util.Properties` then joins continued lines, dropping
/// the continued line's leading blanks, skips `#` and `!` comment lines (which never continue),
/// and splits a key from its value at the first `=`, `:` or blank.
fn properties(text: &str) -> Vec<(usize, String, String)> {
    let text = text.replace("\r\n", "\n");
    let mut lines: Vec<&str> = text.split('\n').collect();
    // Java's `String.split` drops trailing empty strings.
    while lines.last() == Some(&"") {
        lines.pop();
    }
    // `String.trim`: every char up to U+0020.
    let trim = |s: &str| s.trim_matches(|c: char| c <= ' ').to_string();
    let continues = |i: usize| -> bool {
        if !trim(lines[i]).ends_with('\\') {
            return false;
        }
        match lines.get(i + 1) {
            None => false,
            Some(&"") => false,
            Some(next) if trim(next).starts_with("flyway.") && next.contains('=') => {
                !next.starts_with("shouldExecute") && (next.contains("==") || next.contains("!="))
            }
            Some(_) => true,
        }
    };
    let blank = |c: char| matches!(c, ' ' | '\t' | '\x0c');
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let first = i;
        let line = trim(lines[i]);
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            i += 1;
            continue;
        }
        let mut logical = String::new();
        loop {
            let line = trim(lines[i]);
            let more = continues(i);
            i += 1;
            if more {
                logical.push_str(&line[..line.len() - 1]);
            } else {
                logical.push_str(&line);
                break;
            }
        }
        let end = logical
            .find(|c: char| c == '=' || c == ':' || blank(c))
            .unwrap_or(logical.len());
        let (key, rest) = logical.split_at(end);
        let rest = rest.trim_start_matches(blank);
        let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest);
        let value = rest.trim_start_matches(blank);
        out.push((first + 1, key.to_string(), value.to_string()));
    }
    out
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
            "[flyway]\ndefaultSchema = \"main\"\n\n[environments.default]\nschemas = [\"first\", \"second\"]\n",
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

    /// Writes `dir/name`, creating `dir`.
    fn put(dir: &Path, name: &str, text: &str) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// A home directory and a project directory under one temporary directory, and an
    /// environment whose `HOME` is that home plus `pairs`.
    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let root = tempfile::tempdir().unwrap();
        let home = root.path().join("home");
        let project = root.path().join("project");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&project).unwrap();
        (root, home, project)
    }

    fn vars(home: &Path, pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let mut all: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        all.push(("HOME".into(), home.display().to_string()));
        move |name| all.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    /// Flyway uses its TOML configuration when a default TOML file exists, and then does not
    /// read flyway.conf at all (`ConfigurationManagerImpl.useModernConfig`): the conf's
    /// `outOfOrder` does not count, even where the TOML file does not set it.
    #[test]
    fn with_a_toml_file_present_flyway_conf_is_not_read() {
        let (_root, home, project) = setup();
        put(&project, "flyway.conf", "flyway.outOfOrder=true\n");
        let toml = put(
            &project,
            "flyway.toml",
            "[flyway]\nignoreMigrationPatterns = [\"*:missing\"]\n",
        );
        let dirs = [project.clone()];
        let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
        assert_eq!(config.out_of_order(), None);
        assert_eq!(
            config.ignoring(true, "missing"),
            Some((
                "*:missing",
                Some(format!("ignoreMigrationPatterns in {}", toml.display()).as_str())
            ))
        );
        // A TOML file in the home directory decides it as well.
        std::fs::remove_file(&toml).unwrap();
        put(&home, "flyway.toml", "[flyway]\n");
        let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
        assert_eq!(config.out_of_order(), None);
        std::fs::remove_file(home.join("flyway.toml")).unwrap();
        let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
        assert!(config.out_of_order().is_some());
    }

    /// `~/flyway.toml`, `~/flyway.user.toml`, `./flyway.toml`, `./flyway.user.toml` in that
    /// order, a later one winning key by key; `~/flyway.conf` before `./flyway.conf`. `~` is
    /// `$HOME`.
    #[test]
    fn the_home_directory_and_user_files_are_read_in_flyways_order() {
        let (_root, home, project) = setup();
        let dirs = [project.clone()];
        let home_toml = put(
            &home,
            "flyway.toml",
            "[flyway]\noutOfOrder = true\nignoreMigrationPatterns = \"*:missing\"\n",
        );
        let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
        assert_eq!(
            config.out_of_order(),
            Some(format!("outOfOrder in {}", home_toml.display()).as_str())
        );
        put(&project, "flyway.toml", "[flyway]\noutOfOrder = false\n");
        let user = put(
            &project,
            "flyway.user.toml",
            "[flyway]\nignoreMigrationPatterns = [\"*:ignored\"]\n",
        );
        let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
        assert_eq!(config.out_of_order(), None);
        assert_eq!(config.ignoring(true, "missing"), None);
        assert_eq!(
            config.ignoring(true, "ignored").unwrap().1,
            Some(format!("ignoreMigrationPatterns in {}", user.display()).as_str())
        );
        // Without HOME, no home directory is read.
        let config = FlywayConfig::load_from(&dirs, env(&[])).unwrap();
        assert_eq!(config.ignoring(true, "missing"), None);

        let (_root, home, project) = setup();
        let dirs = [project.clone()];
        let home_conf = put(&home, "flyway.conf", "flyway.outOfOrder=true\n");
        let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
        assert_eq!(
            config.out_of_order(),
            Some(format!("flyway.outOfOrder in {}", home_conf.display()).as_str())
        );
        put(&project, "flyway.conf", "flyway.outOfOrder=false\n");
        let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
        assert_eq!(config.out_of_order(), None);
    }

    /// `FLYWAY_CONFIG_FILES` adds files after the default ones; its `.toml` entries select the
    /// TOML configuration, a missing `.conf` entry and both kinds at once are errors, as in
    /// Flyway.
    #[test]
    fn flyway_config_files_are_read_after_the_defaults() {
        let (root, home, project) = setup();
        let dirs = [project.clone()];
        put(&project, "flyway.conf", "flyway.outOfOrder=true\n");
        let extra = put(
            root.path(),
            "ci.conf",
            "flyway.outOfOrder=false\nflyway.ignoreMigrationPatterns=*:pending\n",
        );
        let listed = format!(" {} ", extra.display());
        let config =
            FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_CONFIG_FILES", &listed)]))
                .unwrap();
        assert_eq!(config.out_of_order(), None);
        assert_eq!(config.ignoring(true, "pending").unwrap().0, "*:pending");

        let gone = root.path().join("gone.conf");
        let listed = format!("{},{}", extra.display(), gone.display());
        let err = FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_CONFIG_FILES", &listed)]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("FLYWAY_CONFIG_FILES: ")
                && err.contains("gone.conf is not a file; Flyway stops"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");

        let toml = put(root.path(), "ci.toml", "[flyway]\noutOfOrder = true\n");
        let listed = format!("{},{}", extra.display(), toml.display());
        let err = FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_CONFIG_FILES", &listed)]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Using both TOML configuration and CONF configuration is not supported"),
            "{err}"
        );

        // A listed TOML file selects the TOML configuration: flyway.conf is not read.
        put(
            &project,
            "flyway.conf",
            "flyway.ignoreMigrationPatterns=*:missing\n",
        );
        let listed = toml.display().to_string();
        let config =
            FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_CONFIG_FILES", &listed)]))
                .unwrap();
        assert_eq!(
            config.out_of_order(),
            Some(format!("outOfOrder in {}", toml.display()).as_str())
        );
        assert_eq!(config.ignoring(true, "missing"), None);
    }

    /// A `\` at the end of a line continues the value on the next line, whose leading blanks
    /// are dropped; before a new `flyway.…=` property, an empty line, in a comment or at the end
    /// of the file it is a literal backslash (`ConfigUtils.loadConfigurationFromString`).
    #[test]
    fn conf_values_continue_over_lines_as_flyway_reads_them() {
        let (_root, home, project) = setup();
        let dirs = [project.clone()];
        put(
            &project,
            "flyway.conf",
            "# patterns \\\nflyway.outOfOrder=true\nflyway.ignoreMigrationPatterns = *:missing, \\\n      *:ignored,\\\n\t*:pending\nflyway.url=jdbc:x\n",
        );
        let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
        assert!(config.out_of_order().is_some());
        for state in ["missing", "ignored", "pending"] {
            assert!(config.ignoring(true, state).is_some(), "{state}");
        }

        // Before a new property the backslash stays in the value, which Flyway then rejects.
        put(
            &project,
            "flyway.conf",
            "\nflyway.ignoreMigrationPatterns=*:missing,\\\nflyway.outOfOrder=true\n",
        );
        let err = FlywayConfig::load_from(&dirs, vars(&home, &[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2: flyway.ignoreMigrationPatterns: `\\` is not a pattern"),
            "{err}"
        );
        // The first line of a continued property is the one errors name.
        put(&project, "flyway.conf", "flyway.outOfOrder=\\\n  maybe\n");
        let err = FlywayConfig::load_from(&dirs, vars(&home, &[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 1: flyway.outOfOrder: `maybe` is not true or false"),
            "{err}"
        );
    }

    /// `[environments.NAME.flyway]` values of the selected environment (`[flyway] environment`
    /// or `flyway_environment`, else `default`) win over `[flyway]` and the `FLYWAY_…`
    /// variables; another environment's values, even malformed ones, do not count.
    #[test]
    fn the_selected_environments_own_values_win() {
        let (_root, home, project) = setup();
        let dirs = [project.clone()];
        let toml = put(
            &project,
            "flyway.toml",
            "[flyway]\noutOfOrder = true\n\n[environments.default.flyway]\noutOfOrder = false\n\n[environments.prod.flyway]\nignoreMigrationPatterns = [\"*:missing\"]\n\n[environments.broken.flyway]\nignoreMigrationPatterns = [\"*:gone\"]\n",
        );
        let config =
            FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_OUT_OF_ORDER", "true")]))
                .unwrap();
        assert_eq!(config.out_of_order(), None);
        assert_eq!(
            config.out_of_order.as_ref().unwrap().source,
            format!(
                "environments.default.flyway.outOfOrder in {}",
                toml.display()
            )
        );
        assert_eq!(config.ignoring(true, "missing"), None);

        let config =
            FlywayConfig::load_from(&dirs, vars(&home, &[("flyway_environment", "prod")])).unwrap();
        assert!(config.out_of_order().is_some());
        assert_eq!(
            config.ignoring(true, "missing").unwrap().1,
            Some(
                format!(
                    "environments.prod.flyway.ignoreMigrationPatterns in {}",
                    toml.display()
                )
                .as_str()
            )
        );
        // An environment variable for the environment's own value wins over the file.
        let config = FlywayConfig::load_from(
            &dirs,
            vars(
                &home,
                &[
                    ("flyway_environment", "prod"),
                    (
                        "environments_prod_flyway_ignoreMigrationPatterns",
                        "*:ignored",
                    ),
                ],
            ),
        )
        .unwrap();
        assert_eq!(config.ignoring(true, "missing"), None);
        assert!(config.ignoring(true, "ignored").is_some());

        let err = FlywayConfig::load_from(&dirs, vars(&home, &[("flyway_environment", "broken")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 11: [environments.broken.flyway] ignoreMigrationPatterns: `*:gone` is not a pattern"),
            "{err}"
        );

        // `[flyway] environment` selects it too; one with no table leaves `[flyway]`.
        put(
            &project,
            "flyway.user.toml",
            "[flyway]\nenvironment = \"staging\"\n",
        );
        let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
        assert!(config.out_of_order().is_some());
    }

    /// With the TOML configuration, `flyway_outOfOrder` is read too and wins over
    /// `FLYWAY_OUT_OF_ORDER`; with flyway.conf only the `FLYWAY_…` spelling is read.
    #[test]
    fn toml_style_variables_count_only_for_the_toml_configuration() {
        let (_root, home, project) = setup();
        let dirs = [project.clone()];
        let both = [
            ("FLYWAY_OUT_OF_ORDER", "true"),
            ("flyway_outOfOrder", "false"),
            ("flyway_ignoreMigrationPatterns", "*:missing"),
        ];
        put(&project, "flyway.toml", "[flyway]\n");
        let config = FlywayConfig::load_from(&dirs, vars(&home, &both)).unwrap();
        assert_eq!(config.out_of_order(), None);
        assert_eq!(
            config.ignoring(true, "missing"),
            Some(("*:missing", Some("flyway_ignoreMigrationPatterns")))
        );
        std::fs::remove_file(project.join("flyway.toml")).unwrap();
        put(&project, "flyway.conf", "\n");
        let config = FlywayConfig::load_from(&dirs, vars(&home, &both)).unwrap();
        assert_eq!(config.out_of_order(), Some("FLYWAY_OUT_OF_ORDER"));
        assert_eq!(config.ignoring(true, "missing"), None);
    }

    /// The value and source of a string setting, for comparing.
    fn pair(setting: &Option<Setting<String>>) -> Option<(String, String)> {
        setting
            .as_ref()
            .map(|s| (s.value.clone(), s.source.clone()))
    }

    /// In TOML, `schemas` is the selected environment's (`[environments.NAME] schemas`), never
    /// `[flyway] schemas`; `defaultSchema` and `table` are `[flyway]` values which the
    /// environment's `[environments.NAME.flyway]` ones override; the variables take their
    /// places in that order (`FLYWAY_SCHEMAS` and `flyway_schemas` over the environment's
    /// `schemas`, `[environments.NAME.flyway]` over `FLYWAY_DEFAULT_SCHEMA` / `FLYWAY_TABLE`).
    #[test]
    fn toml_history_settings_follow_flyways_environment_model() {
        let (_root, home, project) = setup();
        let dirs = [project.clone()];
        let toml = put(
            &project,
            "flyway.toml",
            "[flyway]\nschemas = [\"not_here\"]\ntable = \"top_history\"\n\n[environments.default]\nurl = \"jdbc:postgresql://x/db\"\nschemas = [\"first\", \"second\"]\n\n[environments.prod]\nschemas = \"prod_schema, other\"\n\n[environments.prod.flyway]\ndefaultSchema = \"prod_default\"\ntable = \"ProdHistory\"\n\n[environments.broken]\nschemas = 1\n",
        );
        let at = |key: &str| format!("{key} in {}", toml.display());
        let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
        assert_eq!(
            pair(&config.first_schema),
            Some(("first".into(), at("environments.default.schemas")))
        );
        assert_eq!(config.default_schema, None);
        assert_eq!(config.history_schema().unwrap().value, "first");
        assert_eq!(
            pair(&config.table),
            Some(("top_history".into(), at("table")))
        );

        let config =
            FlywayConfig::load_from(&dirs, vars(&home, &[("flyway_environment", "prod")])).unwrap();
        assert_eq!(
            pair(&config.default_schema),
            Some((
                "prod_default".into(),
                at("environments.prod.flyway.defaultSchema")
            ))
        );
        assert_eq!(config.first_schema.as_ref().unwrap().value, "prod_schema");
        assert_eq!(
            pair(&config.table),
            Some(("ProdHistory".into(), at("environments.prod.flyway.table")))
        );
        // The environment's own values win over FLYWAY_DEFAULT_SCHEMA and FLYWAY_TABLE, which
        // win over `[flyway]`; `environments_NAME_flyway_…` over the file's environment values.
        let config = FlywayConfig::load_from(
            &dirs,
            vars(
                &home,
                &[
                    ("flyway_environment", "prod"),
                    ("FLYWAY_DEFAULT_SCHEMA", "from_env"),
                    ("FLYWAY_TABLE", "env_table"),
                    ("environments_prod_flyway_table", "prod_env_table"),
                ],
            ),
        )
        .unwrap();
        assert_eq!(config.default_schema.unwrap().value, "prod_default");
        assert_eq!(
            pair(&config.table),
            Some((
                "prod_env_table".into(),
                "environments_prod_flyway_table".into()
            ))
        );
        let config = FlywayConfig::load_from(
            &dirs,
            vars(
                &home,
                &[
                    ("FLYWAY_DEFAULT_SCHEMA", "from_env"),
                    ("FLYWAY_TABLE", "env_table"),
                    ("flyway_table", "toml_style_table"),
                ],
            ),
        )
        .unwrap();
        assert_eq!(
            pair(&config.default_schema),
            Some(("from_env".into(), "FLYWAY_DEFAULT_SCHEMA".into()))
        );
        assert_eq!(
            pair(&config.table),
            Some(("toml_style_table".into(), "flyway_table".into()))
        );

        // `schemas`: the file's environment < environments_NAME_schemas < FLYWAY_SCHEMAS <
        // flyway_schemas.
        let schema = |pairs: &[(&str, &str)]| {
            pair(
                &FlywayConfig::load_from(&dirs, vars(&home, pairs))
                    .unwrap()
                    .first_schema,
            )
        };
        assert_eq!(
            schema(&[("environments_default_schemas", "a,b")]),
            Some(("a".into(), "environments_default_schemas".into()))
        );
        assert_eq!(
            schema(&[
                ("environments_default_schemas", "a"),
                ("FLYWAY_SCHEMAS", " c , d")
            ]),
            Some(("c".into(), "FLYWAY_SCHEMAS".into()))
        );
        assert_eq!(
            schema(&[("FLYWAY_SCHEMAS", "c"), ("flyway_schemas", "e")]),
            Some(("e".into(), "flyway_schemas".into()))
        );
        // FLYWAY_SCHEMAS wins over the selected environment's `schemas` too.
        assert_eq!(
            schema(&[("flyway_environment", "prod"), ("FLYWAY_SCHEMAS", "c")]),
            Some(("c".into(), "FLYWAY_SCHEMAS".into()))
        );

        // An environment without `schemas` (or none at all): `[flyway] schemas` does not count.
        let config =
            FlywayConfig::load_from(&dirs, vars(&home, &[("flyway_environment", "staging")]))
                .unwrap();
        assert_eq!(config.first_schema, None);
        assert_eq!(config.history_schema(), None);

        // A malformed `schemas` is an error only in the selected environment.
        let err = FlywayConfig::load_from(&dirs, vars(&home, &[("flyway_environment", "broken")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[environments.broken] schemas: expected a list of strings"),
            "{err}"
        );
        put(
            &project,
            "flyway.toml",
            "[flyway]\ndefaultSchema = [\"a\"]\n",
        );
        let err = FlywayConfig::load_from(&dirs, vars(&home, &[]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2: [flyway] defaultSchema: expected a string"),
            "{err}"
        );
    }

    /// `defaultSchema`, `schemas` and `table` come through the same paths as the other
    /// settings: a `FLYWAY_CONFIG_FILES` file (TOML: the project's flyway.conf is then not
    /// read), `~/flyway.toml`, and `.conf` values continued over lines; with flyway.conf the
    /// TOML-style `flyway_…` variables are not read.
    #[test]
    fn history_settings_come_through_config_files_home_and_continued_lines() {
        let (root, home, project) = setup();
        let dirs = [project.clone()];
        put(
            &project,
            "flyway.conf",
            "flyway.defaultSchema=from_conf\nflyway.table=conf_table\n",
        );
        let listed = put(
            root.path(),
            "ci.toml",
            "[flyway]\ntable = \"ci_history\"\n\n[environments.default]\nschemas = [\"ci_schema\"]\n",
        );
        let config = FlywayConfig::load_from(
            &dirs,
            vars(
                &home,
                &[("FLYWAY_CONFIG_FILES", &listed.display().to_string())],
            ),
        )
        .unwrap();
        assert_eq!(config.default_schema, None);
        assert_eq!(
            pair(&config.first_schema),
            Some((
                "ci_schema".into(),
                format!("environments.default.schemas in {}", listed.display())
            ))
        );
        assert_eq!(config.table.unwrap().value, "ci_history");

        // A listed .conf file, after ./flyway.conf, its values continued over lines.
        let ci = put(
            root.path(),
            "ci.conf",
            "flyway.schemas=\\\n    ci_a,\\\n    ci_b\nflyway.defaultSchema=ci_\\\n   default\n",
        );
        let config = FlywayConfig::load_from(
            &dirs,
            vars(&home, &[("FLYWAY_CONFIG_FILES", &ci.display().to_string())]),
        )
        .unwrap();
        assert_eq!(
            pair(&config.first_schema),
            Some(("ci_a".into(), format!("flyway.schemas in {}", ci.display())))
        );
        assert_eq!(
            pair(&config.default_schema),
            Some((
                "ci_default".into(),
                format!("flyway.defaultSchema in {}", ci.display())
            ))
        );
        assert_eq!(config.table.as_ref().unwrap().value, "conf_table");
        // With flyway.conf, `flyway_table` is not Flyway's; FLYWAY_TABLE is.
        let config = FlywayConfig::load_from(
            &dirs,
            vars(&home, &[("flyway_table", "x"), ("flyway_schemas", "y")]),
        )
        .unwrap();
        assert_eq!(config.table.unwrap().value, "conf_table");
        assert_eq!(config.first_schema, None);
        let config =
            FlywayConfig::load_from(&dirs, vars(&home, &[("FLYWAY_TABLE", "Env_Table")])).unwrap();
        assert_eq!(
            pair(&config.table),
            Some(("Env_Table".into(), "FLYWAY_TABLE".into()))
        );

        // ~/flyway.toml selects TOML: the project's flyway.conf no longer counts.
        let home_toml = put(
            &home,
            "flyway.toml",
            "[flyway]\ndefaultSchema = \"home_schema\"\n",
        );
        let config = FlywayConfig::load_from(&dirs, vars(&home, &[])).unwrap();
        assert_eq!(
            pair(&config.default_schema),
            Some((
                "home_schema".into(),
                format!("defaultSchema in {}", home_toml.display())
            ))
        );
        assert_eq!(config.table, None);
    }
}
