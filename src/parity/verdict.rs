//! One verdict per service and environment: will its task start, will it not, or is that
//! unknown; with the checks that decided it listed under it, as rows of the parity matrix.
//!
//! "Will not start" means a definite error of a rule whose fault stops the task from starting
//! or from becoming healthy (a missing or unreadable secret, a role ECS cannot assume or that may
//! not read a secret, an invalid task definition, a production value that points at the
//! container itself or is a placeholder, a connection pool the database cannot serve).
//! "Unknown" means no such error but something that could not be checked (an unreadable read,
//! an undecidable IAM answer, a task definition that was not read). Drift and plaintext
//! credentials are reported but do not decide a start.

use super::environment::Environment;
use super::rules::CONNECTIONS_EXCEED_LIMIT;
use super::snapshot::ServiceSnapshot;
use crate::diagnostics::{Finding, Severity};
use crate::output::{Cell, CellStatus};
use indexmap::IndexMap;
use std::collections::BTreeSet;

/// Rules whose definite error means the new task does not start (or never becomes healthy).
pub const BLOCKS_START: &[&str] = &[
    "PA105", "PA106", "PA107", "PA108", "PA109", "PA110", "PA111", "PA112", "PA301", "PA302",
    "PA304", "PA307", "PA308", "PA309", "PA401", "PA402", "PA406", "PA407", "PA408", "PA409",
    "PA410", "PA501", "PA503", "PA601",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    WillStart,
    WillNotStart,
    Unknown,
    NotDeployed,
}

impl Verdict {
    pub fn text(self) -> &'static str {
        match self {
            Verdict::WillStart => "will start",
            Verdict::WillNotStart => "will not start",
            Verdict::Unknown => "unknown",
            Verdict::NotDeployed => "not deployed",
        }
    }

    fn status(self) -> CellStatus {
        match self {
            Verdict::WillStart => CellStatus::Ok,
            Verdict::WillNotStart => CellStatus::Error,
            Verdict::Unknown => CellStatus::Unknown,
            Verdict::NotDeployed => CellStatus::Neutral,
        }
    }
}

/// The verdict of one service in one environment and the findings behind it.
pub fn decide<'f>(
    env: &Environment,
    service: &ServiceSnapshot,
    findings: &'f [Finding],
) -> (Verdict, Vec<&'f Finding>) {
    let own: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.environment.as_deref() == Some(env.name.as_str()))
        .filter(|f| concerns(env, service, f))
        .collect();
    let blocking: Vec<&Finding> = own
        .iter()
        .copied()
        .filter(|f| {
            !f.unknown && f.severity == Severity::Error && BLOCKS_START.contains(&f.rule.code)
        })
        .collect();
    if !blocking.is_empty() {
        return (Verdict::WillNotStart, blocking);
    }
    let unknown: Vec<&Finding> = own.into_iter().filter(|f| f.unknown).collect();
    if !unknown.is_empty() || service.task_definition.is_none() {
        return (Verdict::Unknown, unknown);
    }
    (Verdict::WillStart, Vec::new())
}

/// Whether a finding is about this service: by its subject (the service, a variable or role
/// the service uses, a resource of the service) or by naming the service in its message.
fn concerns(env: &Environment, service: &ServiceSnapshot, f: &Finding) -> bool {
    let subject = f.subject.as_deref().unwrap_or_default();
    let key = env.service_key(service);
    let names_service = |s: &str| {
        s == service.name
            || s == key
            || s.starts_with(&format!("{}: ", service.name))
            || s.starts_with(&format!("{key}: "))
    };
    if names_service(subject) || f.message.contains(&format!("service `{}`", service.name)) {
        return true;
    }
    // Connections over the database's limit: every service whose pool the demand counted fails
    // its health check (the demand's notes name them, one line each).
    if f.rule.code == CONNECTIONS_EXCEED_LIMIT.code {
        let counted = format!("demand: {}: ", service.name);
        return f.notes.iter().any(|n| n.starts_with(&counted));
    }
    if subject == service.task_definition_arn
        || service.arn.as_deref() == Some(subject)
        || subject.ends_with(&format!("/{}", service.name))
    {
        return true;
    }
    let Some(task) = &service.task_definition else {
        return false;
    };
    let role_named = [&task.execution_role_arn, &task.task_role_arn]
        .into_iter()
        .flatten()
        .any(|r| r.rsplit('/').next() == Some(subject) || r == subject);
    role_named
        || task.container_definitions.iter().any(|c| {
            c.environment.iter().any(|e| e.name == subject)
                || c.secret_sources().any(|s| s.label == subject)
        })
}

/// Matrix rows: per service a verdict row (`will `web` start?`), then one row per rule that
/// decided a verdict in some environment (`  PA301 secret-not-found`).
pub fn rows(envs: &[Environment], findings: &[Finding]) -> Vec<Vec<Cell>> {
    // Service key → per environment: the service there, if deployed.
    let mut services: IndexMap<String, Vec<Option<&ServiceSnapshot>>> = IndexMap::new();
    for (i, env) in envs.iter().enumerate() {
        for s in &env.snapshot.services {
            services
                .entry(env.service_key(s))
                .or_insert_with(|| vec![None; envs.len()])[i] = Some(s);
        }
    }
    let mut rows = Vec::new();
    for (key, per_env) in &services {
        let decided: Vec<(Verdict, Vec<&Finding>)> = envs
            .iter()
            .zip(per_env)
            .map(|(env, s)| match s {
                Some(s) => decide(env, s, findings),
                None => (Verdict::NotDeployed, Vec::new()),
            })
            .collect();
        let mut row = vec![Cell::new(
            format!("will `{key}` start?"),
            CellStatus::Neutral,
        )];
        row.extend(decided.iter().map(|(v, _)| Cell::new(v.text(), v.status())));
        rows.push(row);
        let rules: BTreeSet<(&str, &str)> = decided
            .iter()
            .flat_map(|(_, fs)| fs.iter().map(|f| (f.rule.code, f.rule.name)))
            .collect();
        for (rule, name) in rules {
            let mut row = vec![Cell::new(format!("  {rule} {name}"), CellStatus::Neutral)];
            row.extend(decided.iter().map(|(v, fs)| {
                let n = fs.iter().filter(|f| f.rule == rule).count();
                match (n, v) {
                    (0, _) => Cell::new("", CellStatus::Neutral),
                    (n, Verdict::Unknown) => Cell::new(format!("{n} unknown"), CellStatus::Unknown),
                    (n, _) => Cell::new(format!("{n} failing"), CellStatus::Error),
                }
            }));
            rows.push(row);
        }
    }
    rows
}
