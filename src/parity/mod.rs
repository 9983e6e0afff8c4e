//! `preflight snapshot` and `preflight parity`: environment drift across staging and production
//! on AWS. Each environment is read (live, or from a snapshot file) into a [`Snapshot`]; the
//! checks compare the snapshots and report [`Finding`]s with `environment` and `subject` set.
//!
//! Checks, one module each: [`taskdef`] (1: task definitions and service settings), [`names`]
//! (2: variable names), [`secrets`] (3: referenced secrets exist), [`permissions`] (4: IAM,
//! through the static evaluator in [`iam`]), [`values`] (5: loopback and placeholders) and
//! [`matrix`] (6: the environments × checks table) and [`capacity`] (7: connection pools against
//! the database's limit, when configured). [`unreadable`] turns every failed read into an
//! unknown finding.

pub mod canonical;
pub mod capacity;
pub mod cluster_query;
pub mod credentials;
pub mod ecr_image;
pub mod environment;
pub mod environment_files;
pub mod iam;
pub mod image_pull;
pub mod kind_drift;
pub mod log_groups;
pub mod log_permissions;
pub mod matrix;
pub mod names;
pub mod normalise;
pub mod permissions;
pub mod placement;
pub mod plaintext;
pub mod redact;
pub mod reference;
pub mod repository_key;
pub mod role_requests;
pub mod role_trust;
pub mod rules;
pub mod secret_versions;
pub mod secrets;
pub mod snapshot;
pub mod task_validity;
pub mod taskdef;
pub mod unreadable;
pub mod values;
pub mod verdict;

#[cfg(feature = "aws")]
pub mod aws;

use crate::config::{Config, EnvironmentConfig};
use crate::diagnostics::{sort_findings, Finding, RuleInfo};
use crate::error::{Error, Result};
use crate::output::Report;
use capacity::CapacitySettings;
pub use environment::Environment;
use futures::stream::{self, StreamExt, TryStreamExt};
pub use snapshot::Snapshot;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::time::Instant;

/// Rule codes this stage reports.
pub static RULES: &[RuleInfo] = rules::ALL;

/// Everything `parity` needs, from `preflight.toml` and the command line.
#[derive(Debug, Clone, Default)]
pub struct ParityOptions {
    /// In configuration order; the first is the reference for task definitions and roles.
    pub environments: Vec<EnvironmentSource>,
    /// `[parity] expected_differences`: dotted task-definition paths that may differ.
    pub expected_differences: Vec<String>,
    /// Names every environment must set (`[env] required` and the `.env.example` file).
    pub required: Vec<String>,
    /// Read secret values (live only) to check that referenced JSON keys exist.
    pub verify_secret_keys: bool,
    /// Cross-check IAM decisions with iam:SimulatePrincipalPolicy (live only).
    pub simulate: bool,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
    /// `[capacity]` and the environments' databases; `None` when neither is configured.
    pub capacity: Option<CapacitySettings>,
    /// `--timeout` / `[parity] timeout`: live reads end by then (default [`DEFAULT_TIMEOUT`]);
    /// what was not read by then is reported as unknown.
    pub timeout: Option<Duration>,
}

/// How long live reads may take when neither `--timeout` nor `[parity] timeout` says.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Environments read from AWS at the same time (each keeps its own bound on calls in flight).
pub const ENVIRONMENTS_IN_FLIGHT: usize = 4;

/// One `[environments.NAME]`, with its snapshot path resolved against the config file.
#[derive(Debug, Clone)]
pub struct EnvironmentSource {
    pub name: String,
    pub config: EnvironmentConfig,
}

impl ParityOptions {
    /// Reads the parity settings of `preflight.toml` (and its `.env.example` manifest).
    pub fn from_config(config: &Config) -> Result<ParityOptions> {
        if config.parity.timeout == Some(0) {
            let path = config
                .path
                .as_deref()
                .unwrap_or(Path::new(crate::config::FILE_NAME));
            return Err(Error::config(
                path,
                "[parity] timeout is in seconds and must be at least 1",
            ));
        }
        let environments = config
            .environments
            .iter()
            .map(|(name, env)| {
                let mut env = env.clone();
                env.snapshot = env.snapshot.as_deref().map(|p| config.resolve(p));
                EnvironmentSource {
                    name: name.clone(),
                    config: env,
                }
            })
            .collect();
        let mut required = config.env.required.clone();
        if let Some(file) = &config.env.example_file {
            let path = config.resolve(file);
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            let names = names::parse_manifest(&text)
                .map_err(|(line, why)| Error::input(&path, format!("line {line}: {why}")))?;
            for name in names {
                if !required.contains(&name) {
                    required.push(name);
                }
            }
        }
        let any_database = config.environments.values().any(|e| e.database.is_some());
        let capacity = (config.capacity.is_some() || any_database).then(|| CapacitySettings {
            config: config.capacity.clone().unwrap_or_default(),
            configured_limits: config
                .environments
                .iter()
                .filter_map(|(name, e)| {
                    let db = e.database.as_ref()?;
                    Some((name.clone(), (db.max_connections?, db.reserved_connections)))
                })
                .collect(),
        });
        Ok(ParityOptions {
            environments,
            expected_differences: config.parity.expected_differences.clone(),
            required,
            verify_secret_keys: false,
            simulate: false,
            progress: false,
            capacity,
            timeout: config.parity.timeout.map(Duration::from_secs),
        })
    }

    /// Keeps only the named environments (in configuration order); an unknown name is an error.
    pub fn select(&mut self, names: &[String], config_path: &Path) -> Result<()> {
        if names.is_empty() {
            return Ok(());
        }
        for name in names {
            if !self.environments.iter().any(|e| &e.name == name) {
                let known: Vec<&str> = self.environments.iter().map(|e| e.name.as_str()).collect();
                return Err(Error::config(
                    config_path,
                    format!(
                        "no [environments.{name}] (configured: {})",
                        list_or_none(&known)
                    ),
                ));
            }
        }
        self.environments.retain(|e| names.contains(&e.name));
        Ok(())
    }
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Reads every environment (snapshot file or live AWS) and runs all checks.
pub async fn parity(options: &ParityOptions) -> Result<Report> {
    if options.environments.is_empty() {
        return Err(Error::Usage(
            "parity: no environments configured; add [environments.NAME] tables to preflight.toml"
                .into(),
        ));
    }
    let deadline = deadline(options);
    // Concurrently, so N environments cost about one's latency; `buffered` keeps their order.
    let snapshots: Vec<Snapshot> = stream::iter(&options.environments)
        .map(|source| load_environment(source, options, deadline))
        .buffered(ENVIRONMENTS_IN_FLIGHT)
        .try_collect()
        .await?;
    let envs: Vec<Environment> = options
        .environments
        .iter()
        .zip(snapshots)
        .map(|(source, snapshot)| {
            Environment::new(&source.name, source.config.production, snapshot)
        })
        .collect();
    let settings = CheckSettings {
        expected_differences: options.expected_differences.clone(),
        required: options.required.clone(),
        verify_secret_keys: options.verify_secret_keys,
        capacity: options.capacity.clone(),
    };
    let mut report = run_checks(&envs, &settings);
    if options.simulate {
        report
            .findings
            .extend(simulate(&envs, options, deadline).await?);
        sort_findings(&mut report.findings);
    }
    Ok(report)
}

fn deadline(options: &ParityOptions) -> Instant {
    Instant::now() + options.timeout.unwrap_or(DEFAULT_TIMEOUT)
}

#[cfg(feature = "aws")]
async fn simulate(
    envs: &[Environment],
    options: &ParityOptions,
    deadline: Instant,
) -> Result<Vec<Finding>> {
    let read = read_options(options, deadline);
    Ok(aws::simulate(envs, &options.environments, &read).await)
}

#[cfg(not(feature = "aws"))]
async fn simulate(
    _envs: &[Environment],
    _options: &ParityOptions,
    _deadline: Instant,
) -> Result<Vec<Finding>> {
    Err(Error::Usage(
        "--simulate needs live AWS; this preflight was built without the `aws` feature".into(),
    ))
}

async fn load_environment(
    source: &EnvironmentSource,
    options: &ParityOptions,
    deadline: Instant,
) -> Result<Snapshot> {
    let mut snapshot = match &source.config.snapshot {
        // The error names the setting: `nope.json: no such file` alone does not say which
        // environment reads it, or how to make one.
        Some(path) => Snapshot::load(path).map_err(|e| {
            let hint = if path.exists() {
                String::new()
            } else {
                format!(
                    "; take one with `preflight snapshot --env {} --output {}` where that environment is live",
                    source.name,
                    path.display()
                )
            };
            Error::Other(format!(
                "[environments.{}] snapshot: {e}{hint}",
                source.name
            ))
        })
        .and_then(|snapshot| {
            // Another environment's file (swapped or copy-pasted lines) would be judged under
            // this name: staging's values as production's, production's loopback as staging's.
            if snapshot.environment.is_empty() || snapshot.environment == source.name {
                return Ok(snapshot);
            }
            Err(Error::Other(format!(
                "[environments.{}] snapshot: {} was taken of environment `{}`, not `{}`; name the table [environments.{}] or give this environment its own snapshot",
                source.name,
                path.display(),
                snapshot.environment,
                source.name,
                snapshot.environment
            )))
        })?,
        None => read_live(source, options, deadline).await?,
    };
    read_database_url(source, &mut snapshot).await?;
    Ok(snapshot)
}

/// `[environments.NAME.database] url_env`: the limit read live replaces any other (unless
/// `max_connections` is given, which wins over every read).
async fn read_database_url(source: &EnvironmentSource, snapshot: &mut Snapshot) -> Result<()> {
    let Some(db) = &source.config.database else {
        return Ok(());
    };
    let Some(var) = &db.url_env else {
        return Ok(());
    };
    if db.max_connections.is_some() {
        return Ok(());
    }
    let url = match std::env::var(var) {
        Ok(v) if !v.is_empty() => v,
        _ => {
            return Err(Error::Usage(format!(
                "[environments.{}.database] url_env names the environment variable {var}, which is not set",
                source.name
            )))
        }
    };
    let limit = capacity::live::read(&url).await;
    // A snapshot without a capacity record never read the scaling ranges either.
    snapshot
        .capacity
        .get_or_insert_with(|| capacity::record::CapacityRecord {
            scaling_error: Some("the snapshot holds no Application Auto Scaling ranges".into()),
            ..Default::default()
        })
        .database = Some(limit);
    Ok(())
}

#[cfg(feature = "aws")]
fn read_options(options: &ParityOptions, deadline: Instant) -> aws::ReadOptions {
    aws::ReadOptions {
        verify_secret_keys: options.verify_secret_keys,
        progress: options.progress,
        deadline: Some(deadline),
        ..aws::ReadOptions::default()
    }
}

#[cfg(feature = "aws")]
async fn read_live(
    source: &EnvironmentSource,
    options: &ParityOptions,
    deadline: Instant,
) -> Result<Snapshot> {
    let read = read_options(options, deadline);
    aws::read_environment(&source.name, &source.config, &read).await
}

#[cfg(not(feature = "aws"))]
async fn read_live(
    source: &EnvironmentSource,
    _options: &ParityOptions,
    _deadline: Instant,
) -> Result<Snapshot> {
    Err(Error::Usage(format!(
        "[environments.{}] reads live AWS, but this preflight was built without the `aws` feature; set `snapshot = \"file.json\"`",
        source.name
    )))
}

/// Reads one environment live and returns its snapshot (for `preflight snapshot`).
pub async fn take_snapshot(
    source: &EnvironmentSource,
    progress: bool,
    timeout: Option<Duration>,
) -> Result<Snapshot> {
    if let Some(path) = &source.config.snapshot {
        return Err(Error::Usage(format!(
            "[environments.{}] reads the snapshot file {}; `preflight snapshot` needs `cluster` (live AWS)",
            source.name,
            path.display()
        )));
    }
    let options = ParityOptions {
        progress,
        timeout,
        ..ParityOptions::default()
    };
    let mut snapshot = read_live(source, &options, deadline(&options)).await?;
    read_database_url(source, &mut snapshot).await?;
    Ok(snapshot)
}

/// Check settings that do not depend on where the environments came from.
#[derive(Debug, Clone, Default)]
pub struct CheckSettings {
    pub expected_differences: Vec<String>,
    pub required: Vec<String>,
    pub verify_secret_keys: bool,
    pub capacity: Option<CapacitySettings>,
}

/// Runs every check over already-loaded environments: the findings and the matrix.
pub fn run_checks(envs: &[Environment], settings: &CheckSettings) -> Report {
    let mut findings: Vec<Finding> = Vec::new();
    findings.extend(unreadable::check(envs));
    findings.extend(taskdef::check(envs, &settings.expected_differences));
    findings.extend(names::check(envs, &settings.required));
    findings.extend(secrets::check(envs, settings.verify_secret_keys));
    findings.extend(permissions::check(envs));
    findings.extend(values::check(envs, &settings.required));
    let capacity = settings.capacity.as_ref().map(|c| {
        let (found, results) = capacity::check(envs, c);
        findings.extend(found);
        results
    });
    findings.extend(kind_drift::check(envs));
    findings.extend(role_trust::check(envs));
    findings.extend(task_validity::check(envs));
    findings.extend(log_permissions::check(envs));
    findings.extend(plaintext::check(envs));
    findings.extend(image_pull::check(envs));
    findings.extend(log_groups::check(envs));
    findings.extend(environment_files::check(envs));
    findings.extend(placement::check(envs));
    sort_findings(&mut findings);
    let mut report = Report::new("parity");
    let table = matrix::build(envs, &findings, capacity.as_deref());
    // JSON readers get the matrix too (the text formats render `tables`).
    if let Ok(value) = serde_json::to_value(&table) {
        report.json_extra.insert("matrix".into(), value);
    }
    report.tables.push(table);
    report.findings = findings;
    report.json_extra.insert(
        "environments".into(),
        serde_json::Value::Array(
            envs.iter()
                .map(|e| {
                    serde_json::json!({
                        "name": e.name,
                        "production": e.production,
                        "account_id": e.snapshot.account_id,
                        "region": e.snapshot.region,
                        "services": e.snapshot.services.len(),
                    })
                })
                .collect(),
        ),
    );
    report
}

/// Where `preflight snapshot` writes, for messages.
pub fn describe_output(path: Option<&PathBuf>) -> String {
    path.map_or("stdout".into(), |p| p.display().to_string())
}
