//! `preflight.toml`: one file configures every command. Unknown keys are errors (a typo must not
//! silently disable a check), and every error names the file, line and key.

pub use crate::diagnostics::Stage;
use crate::diagnostics::{FailOn, Severity};
use crate::error::{Error, Result};
use crate::sql::Dialect;
use indexmap::IndexMap;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "preflight.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the file was read from; relative paths inside it resolve against its directory.
    #[serde(skip)]
    pub path: Option<PathBuf>,
    #[serde(default)]
    pub lint: LintConfig,
    #[serde(default)]
    pub migrations: MigrationsConfig,
    /// Environments in the order the file lists them (the parity matrix keeps that order).
    #[serde(default)]
    pub environments: IndexMap<String, EnvironmentConfig>,
    #[serde(default)]
    pub parity: ParityConfig,
    #[serde(default)]
    pub env: EnvManifestConfig,
    #[serde(default)]
    pub check: CheckConfig,
    /// `[capacity]`: connection pools against the database's limit (parity).
    pub capacity: Option<CapacityConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    /// Overrides `[migrations] dialect` for linting.
    pub dialect: Option<Dialect>,
    /// Rule codes or code prefixes to enable (default: every rule that is not opt-in).
    #[serde(default)]
    pub select: Vec<String>,
    /// Rule codes or code prefixes enabled on top of `select` (or of the default set).
    #[serde(default)]
    pub extend_select: Vec<String>,
    /// Rule codes or code prefixes to disable.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Per-rule severity overrides: `PF101 = "warning"`.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Globs (relative to the config file) of files to lint when a directory is walked.
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The lint gate's threshold (default: `[check] fail_on`, else error).
    pub fail_on: Option<FailOn>,
    /// Let statements lint could not read (PF001) pass the gate (default: `[check] allow_unknown`).
    pub allow_unknown: Option<bool>,
    /// The MySQL or MariaDB server version the migrations run on (`8.0.29`, `10.11`), for the
    /// online-DDL rules (PF35x); default: the current LTS series (MySQL 8.4, MariaDB 10.6).
    pub mysql_version: Option<String>,
    /// The MySQL or MariaDB server's `lower_case_table_names` (0, 1 or 2): how it compares
    /// database, table, view and trigger names; default 0, a Linux server's (exactly).
    pub lower_case_table_names: Option<i64>,
    /// The production PostgreSQL major version (e.g. 16), for lock rules whose answer depends
    /// on it; unset: a current server (11 or later).
    pub postgres_version: Option<u32>,
    /// A git revision (e.g. "origin/main"): migrations absent there are pending, and a table an
    /// earlier pending migration creates is new (no rows, no readers) for the lock rules.
    pub pending_since: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationsConfig {
    /// The migrations directory, relative to the config file.
    pub dir: Option<PathBuf>,
    pub dialect: Option<Dialect>,
    /// `auto` or a tracker name (sqlx, flyway, golang-migrate, goose, dbmate, prisma, diesel,
    /// refinery, atlas, generic).
    pub tracker: Option<String>,
    /// Database schema to reconcile (PostgreSQL; default `public`).
    pub schema: Option<String>,
    /// The tracker table the tool's command-line flags choose (goose `-table`, dbmate
    /// `--migrations-table`, Flyway `-table`/`-schemas`, Atlas `--revisions-schema`): `name` or
    /// `schema.name`, as the tool writes it. Overrides what the tool's own configuration says.
    pub tracker_table: Option<String>,
    /// Set when `tracker_table` came from `--tracker-table` (errors and findings name the flag).
    #[serde(skip)]
    pub tracker_table_from_flag: bool,
    /// Name of the environment variable that holds the database URL (never the URL itself).
    pub database_url_env: Option<String>,
    /// Name of the environment variable that holds the scratch server URL for `verify`.
    pub dev_url_env: Option<String>,
    /// A hand-rolled tracker table, such as the incident's `migrations(name, executed_at, status)`.
    pub generic_tracker: Option<GenericTrackerConfig>,
    /// How the runner applies a file when preflight does not model the tool itself
    /// (`file-transaction` or `statement-by-statement`); lint, fix and verify use it for the retry
    /// model.
    pub apply_model: Option<crate::runner::ApplyModel>,
    /// `[[migrations.before_each_run]]`: SQL the runner executes before every run of some
    /// files (lint and fix: what it removes, a retry creates again without finding it).
    #[serde(default)]
    pub before_each_run: Vec<BeforeEachRunConfig>,
}

/// One `[[migrations.before_each_run]]` table. Both keys are required; they are optional here
/// so that a missing one is reported with the table's name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeforeEachRunConfig {
    /// Globs of the files it runs before, relative to this file's directory or to
    /// `[migrations] dir`.
    pub paths: Option<Vec<String>>,
    /// The SQL, e.g. `DROP SCHEMA IF EXISTS r CASCADE; CREATE SCHEMA r;`.
    pub sql: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenericTrackerConfig {
    pub table: String,
    /// Column holding the migration's version or file name.
    pub version_column: String,
    /// Column holding the run's status, if the table has one.
    pub status_column: Option<String>,
    /// Status values that mean "applied successfully" (default: success, applied, done, completed).
    #[serde(default)]
    pub success_values: Vec<String>,
    /// Column holding when it ran, if any.
    pub executed_at_column: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    pub aws_profile: Option<String>,
    pub region: Option<String>,
    /// A role to assume in that environment's account.
    pub role_arn: Option<String>,
    pub cluster: Option<String>,
    #[serde(default)]
    pub services: Vec<String>,
    /// Read this snapshot file (from `preflight snapshot`) instead of live AWS.
    pub snapshot: Option<PathBuf>,
    /// Treat as production (loopback/placeholder values are errors). Default: the name is
    /// `prd` or starts with `prod` (prod, production, prod-eu, …).
    pub production: Option<bool>,
    /// Where this environment's database connection limit comes from (capacity parity).
    pub database: Option<DatabaseConfig>,
}

/// `[environments.NAME.database]`: the database the services share, and where its
/// `max_connections` comes from. The first source given wins: `max_connections`, then a live
/// read through `url_env`, then RDS (`rds_instance` or `rds_cluster`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// RDS instance identifier: DescribeDBInstances, then its parameter group's parameters.
    pub rds_instance: Option<String>,
    /// Aurora cluster identifier: its writer instance, read as `rds_instance` is.
    pub rds_cluster: Option<String>,
    /// The NAME of the variable holding a database URL, to read the limit live (never the URL).
    pub url_env: Option<String>,
    /// A limit you know, used as is.
    pub max_connections: Option<u32>,
    /// With `max_connections`: connections the application cannot use (superuser reserve).
    pub reserved_connections: Option<u32>,
}

/// `[capacity]`: how many connections each service's tasks open.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityConfig {
    /// The variable whose value is one process's pool size in the container that sets it: name
    /// the one that counts (`DB_POOL_MAX` when pools grow to their maximum, `DB_POOL_MIN` for what
    /// opens at start). A task's containers add up, each with its own source.
    pub pool_variable: Option<String>,
    /// A plaintext database URL whose parameters give the pool size (`connection_limit`,
    /// `pool_max_conns`, `maxPoolSize`, …). Default `DATABASE_URL`.
    pub url_variable: Option<String>,
    /// The pool size of a container that connects (it has the URL or pool variable) when no
    /// variable gives one; once per task when no container names a database variable.
    pub pool_size: Option<u32>,
    /// Processes (workers) per task that each open a pool. Default 1.
    pub processes_per_task: Option<u32>,
    /// Warn above this share of the available connections. Default 80.
    pub headroom_percent: Option<u32>,
    /// The services that use the database (default: every service of the environment).
    #[serde(default)]
    pub services: Vec<String>,
    /// Per-service settings: `[capacity.service.worker]`.
    #[serde(default)]
    pub service: IndexMap<String, ServiceCapacityConfig>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceCapacityConfig {
    pub pool_variable: Option<String>,
    pub url_variable: Option<String>,
    pub pool_size: Option<u32>,
    pub processes_per_task: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParityConfig {
    /// Task-definition fields that are expected to differ per environment, as dotted paths
    /// (e.g. `containerDefinitions.web.image`, `cpu`).
    #[serde(default)]
    pub expected_differences: Vec<String>,
    /// The parity gate's threshold (default: `[check] fail_on`, else error).
    pub fail_on: Option<FailOn>,
    /// Let findings that could not be checked pass the gate (default: `[check] allow_unknown`,
    /// else they fail it).
    pub allow_unknown: Option<bool>,
    /// Seconds the live AWS reads may take in all (`--timeout`); what is not read by then is
    /// reported as unknown.
    pub timeout: Option<u64>,
}

/// Variable names every environment must define.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvManifestConfig {
    #[serde(default)]
    pub required: Vec<String>,
    /// A `.env.example`-style file whose names are all required.
    pub example_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConfig {
    /// Stages to run (default: every stage that is configured).
    pub stages: Option<Vec<Stage>>,
    /// Every stage's threshold unless its own section sets one (default: error).
    pub fail_on: Option<FailOn>,
    /// Let `unknown` findings of every stage pass the gate unless its own section says
    /// otherwise (default: they fail it).
    pub allow_unknown: Option<bool>,
}

impl Config {
    /// Loads `--config FILE`, or finds `preflight.toml` by walking up from `start`.
    /// No file at all is fine (defaults); an explicit path that does not exist is an error.
    pub fn discover(explicit: Option<&Path>, start: &Path) -> Result<Config> {
        if let Some(path) = explicit {
            return Config::load(path);
        }
        let mut dir = Some(start);
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Config::load(&candidate);
            }
            dir = d.parent();
        }
        Ok(Config::default())
    }

    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| Error::toml(path, text, &e))?;
        config.path = Some(path.to_path_buf());
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        let path = self.path.as_deref().unwrap_or(Path::new(FILE_NAME));
        for (name, env) in &self.environments {
            if env.snapshot.is_none() && env.cluster.is_none() {
                return Err(Error::config(
                    path,
                    format!(
                        "[environments.{name}] needs `cluster` (live AWS) or `snapshot` (a file from `preflight snapshot`)"
                    ),
                ));
            }
            if let Some(db) = &env.database {
                if db.rds_instance.is_none()
                    && db.rds_cluster.is_none()
                    && db.url_env.is_none()
                    && db.max_connections.is_none()
                {
                    return Err(Error::config(
                        path,
                        format!("[environments.{name}.database] needs `rds_instance`, `rds_cluster`, `url_env` or `max_connections`"),
                    ));
                }
            }
        }
        if let Some(name) = self.migrations.tracker.as_deref() {
            // Checked here, once, so that every command names the setting (lint and fix would
            // otherwise blame `--tracker`, which the user never passed).
            if !name.eq_ignore_ascii_case("auto")
                && crate::reconcile::trackers::canonical(name).is_none()
            {
                return Err(Error::config(
                    path,
                    format!(
                        "[migrations] tracker: {}",
                        crate::reconcile::trackers::unknown_name(name)
                    ),
                ));
            }
        }
        // A malformed value is the file's error whatever command reads it (check, lint).
        crate::reconcile::trackers::table_name::TrackerTable::of(&self.migrations, path)?;
        // Two environments reading one snapshot compare an environment with itself: parity
        // passes whatever production holds.
        let snapshots: Vec<(&String, PathBuf)> = self
            .environments
            .iter()
            .filter_map(|(name, env)| Some((name, self.resolve(env.snapshot.as_deref()?))))
            .collect();
        for (i, (name, file)) in snapshots.iter().enumerate() {
            let same = |other: &PathBuf| {
                other == file
                    || matches!(
                        (std::fs::canonicalize(other), std::fs::canonicalize(file)),
                        (Ok(a), Ok(b)) if a == b
                    )
            };
            if let Some((first, _)) = snapshots[..i].iter().find(|(_, other)| same(other)) {
                return Err(Error::config(
                    path,
                    format!(
                        "[environments.{name}] snapshot: {} is also [environments.{first}]'s snapshot; parity would compare an environment with itself (take one of each with `preflight snapshot --env NAME`)",
                        file.display()
                    ),
                ));
            }
        }
        for (i, entry) in self.migrations.before_each_run.iter().enumerate() {
            let missing = |key: &str, what: &str| {
                Error::config(
                    path,
                    format!("migrations.before_each_run[{i}].{key}: {what}"),
                )
            };
            if entry.paths.as_ref().is_none_or(Vec::is_empty) {
                return Err(missing(
                    "paths",
                    "missing: list the globs of the files it runs before, e.g. paths = [\"replaceable/*.sql\"]",
                ));
            }
            if entry.sql.as_ref().is_none_or(|s| s.trim().is_empty()) {
                return Err(missing(
                    "sql",
                    "missing: give the SQL the runner executes before every run of those files",
                ));
            }
        }
        if let Some(c) = &self.capacity {
            if c.headroom_percent.is_some_and(|h| h == 0 || h > 100) {
                return Err(Error::config(
                    path,
                    "[capacity] headroom_percent must be between 1 and 100",
                ));
            }
            let zero_processes = c.processes_per_task == Some(0)
                || c.service.values().any(|s| s.processes_per_task == Some(0));
            if zero_processes {
                return Err(Error::config(
                    path,
                    "[capacity] processes_per_task must be at least 1",
                ));
            }
        }
        Ok(())
    }

    /// The directory relative paths in the config resolve against.
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    pub fn resolve(&self, relative: &Path) -> PathBuf {
        if relative.is_absolute() {
            relative.to_path_buf()
        } else {
            let base = self.base_dir();
            if base.as_os_str().is_empty() {
                relative.to_path_buf()
            } else {
                base.join(relative)
            }
        }
    }

    /// `[migrations] dir`, resolved against this file's directory; a directory that is not
    /// there is an error naming the setting (a typo there must not read as a missing path the
    /// user never typed).
    pub fn migrations_dir(&self) -> Result<Option<PathBuf>> {
        let Some(dir) = self.migrations.dir.as_deref() else {
            return Ok(None);
        };
        let resolved = self.resolve(dir);
        let problem = match std::fs::metadata(&resolved) {
            Ok(meta) if meta.is_dir() => return Ok(Some(resolved)),
            Ok(_) => "is not a directory",
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist",
            Err(e) => return Err(Error::io(&resolved, e)),
        };
        Err(Error::config(
            self.path.as_deref().unwrap_or(Path::new(FILE_NAME)),
            format!(
                "[migrations] dir = {:?}: {} {problem} (relative paths resolve against this file's directory)",
                dir.display().to_string(),
                resolved.display()
            ),
        ))
    }

    pub fn dialect(&self) -> Dialect {
        self.lint
            .dialect
            .or(self.migrations.dialect)
            .unwrap_or_default()
    }

    /// Reads a URL from the environment variable the config names for it.
    pub fn url_from_env(&self, key: &str, var: Option<&str>) -> Result<Option<String>> {
        let Some(var) = var else { return Ok(None) };
        match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Some(v)),
            _ => Err(Error::config(
                self.path.as_deref().unwrap_or(Path::new(FILE_NAME)),
                format!(
                    "[migrations] {key} names the environment variable {var}, which is not set"
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_an_error_with_its_line() {
        let err = Config::parse(Path::new("p.toml"), "[lint]\nselct = [\"PF1\"]\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("p.toml: line 2:"), "{msg}");
        assert!(msg.contains("selct"), "{msg}");
        assert!(!msg.contains('\n'));
    }

    #[test]
    fn environments_keep_file_order() {
        let cfg = Config::parse(
            Path::new("p.toml"),
            "[environments.staging]\nsnapshot = \"s.json\"\n[environments.production]\nsnapshot = \"p.json\"\n[environments.dev]\nsnapshot = \"d.json\"\n",
        )
        .unwrap();
        let names: Vec<_> = cfg.environments.keys().cloned().collect();
        assert_eq!(names, ["staging", "production", "dev"]);
    }
}
