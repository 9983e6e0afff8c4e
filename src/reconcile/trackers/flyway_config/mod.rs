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
//!   environment. A `schemas` key in `[flyway]` (or in the selected environment's
//!   `[environments.NAME.flyway]`) is not Flyway's `schemas`: Flyway stops with "Failed to
//!   configure Parameters: schemas" (`ModernConfigurationManager.configurePlugins`), and this
//!   is a configuration error, unless a file has a root-level key of its own (`[flywayDesktop]`),
//!   when Flyway 10.x (late 2024 on) and 11 ignore it, as this does.
//! * A selected environment other than `default` that no file defines and no variable creates
//!   (`FLYWAY_URL`, `flyway_schemas`, `environments_NAME_url`, … give the selected environment a
//!   setting, creating it) stops Flyway with "Environment 'NAME' not found"
//!   (`ClassicConfiguration.getCurrentResolvedEnvironment`, which `migrate` reaches through its
//!   connection and `getSchemas`), and is a configuration error here.
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

mod properties;
mod toml;

use self::toml::TomlModel;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

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
        let names: Vec<String> = std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .collect();
        Self::load_with_names(&dirs, |name| std::env::var(name).ok(), &names)
    }

    /// `load` with Flyway's working directories and the environment given; `~` is the
    /// environment's `HOME`, a relative `FLYWAY_CONFIG_FILES` entry is relative to the current
    /// directory.
    pub fn load_from(dirs: &[PathBuf], env: impl Fn(&str) -> Option<String>) -> Result<Self> {
        Self::load_with_names(dirs, env, &[])
    }

    /// `load_from`, `names` the environment variables that are set (`env` answers for each):
    /// Flyway reads some by prefix (`FLYWAY_JDBC_PROPERTIES_…`, `environments_NAME_…`).
    fn load_with_names(
        dirs: &[PathBuf],
        env: impl Fn(&str) -> Option<String>,
        names: &[String],
    ) -> Result<Self> {
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
        let from_env = env("flyway_environment").filter(|n| !n.trim().is_empty());
        let from_file = model.environment.filter(|(n, ..)| !n.trim().is_empty());
        let name = from_env
            .clone()
            .or(from_file.as_ref().map(|(n, ..)| n.clone()))
            .unwrap_or_else(|| "default".to_string());
        // A `schemas` key in `[flyway]` (or in the selected environment's `flyway` table) is not
        // a setting Flyway has: with no plugin taking it, `ModernConfigurationManager.
        // configurePlugins` stops with "Failed to configure Parameters: schemas". Flyway 10.x
        // since late 2024 and 11 raise it only when the files have no root-level key besides
        // `flyway`, `environments` and `id` (`rootConfigurationsIsEmpty`); with one
        // (`[flywayDesktop]`, `[redgateCompare]`) the key is ignored, as here. Other unknown
        // keys fail the same way, but which ones a plugin of the user's Flyway edition takes
        // is not knowable here, and they do not change what preflight reads: only `schemas`,
        // which looks like the history table's schema, is refused.
        if !model.other_root_keys {
            let misplaced = model
                .misplaced_schemas
                .iter()
                .find(|m| m.environment.as_deref().is_none_or(|e| e == name));
            if let Some(m) = misplaced {
                let table = match &m.environment {
                    Some(e) => format!("[environments.{e}.flyway]"),
                    None => "[flyway]".to_string(),
                };
                return Err(Error::config(
                    &m.path,
                    format!(
                        "line {}: {table} schemas: Flyway has no `schemas` setting here and stops (\"Failed to configure Parameters: schemas\"); it belongs to the environment: [environments.{name}] schemas = [...]",
                        m.line
                    ),
                ));
            }
        }
        // `ClassicConfiguration.getCurrentResolvedEnvironment`: an environment that no file
        // defines stops Flyway with "Environment 'NAME' not found" as soon as it needs the
        // environment's connection settings or `schemas`, which `migrate` and `validate`
        // always do (`default` always exists, `ConfigurationModel.defaults`). The variables
        // that set one of the environment's own settings (`FLYWAY_URL`, `flyway_schemas`,
        // `environments_NAME_…`, …) create it (`ModernConfigurationManager` merges them into
        // the selected environment), as can command-line arguments, which preflight does not
        // read.
        if name != "default"
            && !model.environments.contains_key(&name)
            && !environment_set_by_variables(&name, &env, names)
        {
            let (error_path, at) = match (&from_env, &from_file) {
                (Some(_), _) | (None, None) => (
                    PathBuf::from("environment"),
                    "flyway_environment: ".to_string(),
                ),
                (None, Some((_, path, line))) => {
                    (path.clone(), format!("line {line}: [flyway] environment: "))
                }
            };
            return Err(Error::config(
                &error_path,
                format!(
                    "{at}Environment '{name}' not found: no TOML file has an [environments.{name}] table and no variable sets one of its settings; Flyway stops with \"Environment '{name}' not found. Check that this environment exists in your configuration.\" (if Flyway's command line creates it with -url, which preflight does not read, add [environments.{name}] to flyway.toml or set FLYWAY_URL)"
                ),
            ));
        }
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

/// The variables that set one of an environment's own settings (`EnvironmentModel`: `url`,
/// `user`, `password`, `driver`, `schemas`, `jarDirs`, `connectRetries`,
/// `connectRetriesInterval`, `initSql`, `jdbcProperties`, `resolvers`, `provisioner`), which
/// `TomlUtils.loadConfigurationFromEnvironment` gives the selected environment, creating it.
const ENVIRONMENT_SETTING_VARIABLES: &[&str] = &[
    "FLYWAY_URL",
    "FLYWAY_USER",
    "FLYWAY_PASSWORD",
    "FLYWAY_DRIVER",
    "FLYWAY_SCHEMAS",
    "FLYWAY_JAR_DIRS",
    "FLYWAY_CONNECT_RETRIES",
    "FLYWAY_CONNECT_RETRIES_INTERVAL",
    "FLYWAY_INIT_SQL",
    "FLYWAY_RESOLVERS",
    "flyway_url",
    "flyway_user",
    "flyway_password",
    "flyway_driver",
    "flyway_schemas",
    "flyway_jarDirs",
    "flyway_connectRetries",
    "flyway_connectRetriesInterval",
    "flyway_initSql",
    "flyway_provisioner",
];

/// Prefixes of the variables that do the same (`jdbcProperties.X`, `resolvers.X.Y`, and the
/// `flyway` table's keys through `flyway_flyway_…`).
const ENVIRONMENT_SETTING_PREFIXES: &[&str] = &[
    "FLYWAY_JDBC_PROPERTIES_",
    "flyway_jdbcProperties_",
    "flyway_resolvers_",
    "flyway_flyway_",
];

/// Whether the environment variables create environment `name` (or give it a setting):
/// one of `ENVIRONMENT_SETTING_VARIABLES` or `…_PREFIXES`, or `environments_NAME_…` (which
/// reaches only a NAME without `_` or `.`). `names` lists the variables set, for the prefixes;
/// `env` answers for the names read here.
fn environment_set_by_variables(
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
    names: &[String],
) -> bool {
    let own = (!name.contains(['_', '.'])).then(|| format!("environments_{name}_"));
    let own_keys = [
        "url",
        "user",
        "password",
        "schemas",
        "flyway_outOfOrder",
        "flyway_ignoreMigrationPatterns",
        "flyway_defaultSchema",
        "flyway_table",
    ];
    ENVIRONMENT_SETTING_VARIABLES
        .iter()
        .any(|v| env(v).is_some())
        || names.iter().any(|n| {
            ENVIRONMENT_SETTING_PREFIXES
                .iter()
                .any(|p| n.starts_with(p))
                || own.as_ref().is_some_and(|o| n.starts_with(o.as_str()))
        })
        || own
            .as_ref()
            .is_some_and(|o| own_keys.iter().any(|k| env(&format!("{o}{k}")).is_some()))
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
mod tests;
