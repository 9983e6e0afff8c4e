//! Check 6: the matrix. Rows are the checks, then a verdict per service (will its task start?,
//! with the rules that decided it), then every variable name; columns are the environments, so
//! three or more environments read at a glance.

use super::capacity::{EnvCapacity, SUBJECT as CAPACITY_SUBJECT};
use super::environment::Environment;
use super::names::{variables, Kind};
use crate::diagnostics::{Finding, Severity};
use crate::output::{Cell, CellStatus, Table};
use std::collections::BTreeSet;

/// The check rows: label and the rule-code prefix whose findings fill them.
const CHECKS: &[(&str, &str)] = &[
    ("services & task definitions", "PA1"),
    ("variable names", "PA2"),
    ("secrets", "PA3"),
    ("IAM", "PA4"),
    ("values", "PA5"),
];

/// `capacity`: the capacity check's results, when it ran (its rows appear only then).
pub fn build(
    envs: &[Environment],
    findings: &[Finding],
    capacity: Option<&[EnvCapacity]>,
) -> Table {
    let mut columns = vec!["check / variable".to_string()];
    columns.extend(envs.iter().map(|e| e.name.clone()));
    let mut rows = Vec::new();
    for (label, prefix) in CHECKS {
        let mut row = vec![Cell::new(*label, CellStatus::Neutral)];
        for env in envs {
            let own: Vec<&Finding> = findings
                .iter()
                .filter(|f| {
                    f.environment.as_deref() == Some(&env.name) && f.code().starts_with(prefix)
                })
                .collect();
            row.push(summary_cell(&own));
        }
        rows.push(row);
    }
    if let Some(results) = capacity {
        rows.extend(capacity_rows(envs, findings, results));
    }
    // Will each service's task start? (issue 11)
    rows.extend(super::verdict::rows(envs, findings));
    let per_env: Vec<_> = envs.iter().map(variables).collect();
    let names: BTreeSet<&String> = per_env.iter().flat_map(|v| v.keys()).collect();
    for name in names {
        let mut row = vec![Cell::new(name.as_str(), CellStatus::Neutral)];
        for (env, vars) in envs.iter().zip(&per_env) {
            let own: Vec<&Finding> = findings
                .iter()
                .filter(|f| {
                    f.environment.as_deref() == Some(&env.name)
                        && f.subject.as_deref() == Some(name)
                })
                .collect();
            let text = match vars.get(name) {
                Some(Kind::Plain) => "set",
                Some(Kind::Secret) => "secret",
                None => "missing",
            };
            let status = match worst(&own) {
                Some(status) => status,
                None if vars.contains_key(name) => CellStatus::Ok,
                None => CellStatus::Error,
            };
            let text = match own.iter().find(|f| f.severity > Severity::Info) {
                Some(f) => format!("{text} ({})", f.rule),
                None => text.to_string(),
            };
            row.push(Cell::new(text, status));
        }
        rows.push(row);
    }
    Table {
        title: "Environment parity".into(),
        columns,
        rows,
    }
}

/// `capacity` (the PA6 summary) and `connections` (demand of limit, with the worst finding's code).
fn capacity_rows(
    envs: &[Environment],
    findings: &[Finding],
    results: &[EnvCapacity],
) -> Vec<Vec<Cell>> {
    let mut summary = vec![Cell::new("capacity", CellStatus::Neutral)];
    let mut detail = vec![Cell::new(
        "connections (peak of limit)",
        CellStatus::Neutral,
    )];
    for env in envs {
        let own: Vec<&Finding> = findings
            .iter()
            .filter(|f| {
                f.environment.as_deref() == Some(&env.name)
                    && f.rule.code.starts_with("PA6")
                    && f.subject.as_deref() == Some(CAPACITY_SUBJECT)
            })
            .collect();
        summary.push(summary_cell(&own));
        let text = results
            .iter()
            .find(|r| r.environment == env.name)
            .map_or_else(|| "?".to_string(), EnvCapacity::cell_text);
        let worst_finding = own
            .iter()
            .filter(|f| f.severity > Severity::Info)
            .max_by_key(|f| (f.severity, !f.unknown));
        let text = match worst_finding {
            Some(f) => format!("{text} ({})", f.rule),
            None => text,
        };
        detail.push(Cell::new(text, worst(&own).unwrap_or(CellStatus::Ok)));
    }
    vec![summary, detail]
}

fn worst(findings: &[&Finding]) -> Option<CellStatus> {
    if findings
        .iter()
        .any(|f| f.unknown && f.severity > Severity::Info)
    {
        return Some(CellStatus::Unknown);
    }
    let max = findings.iter().map(|f| f.severity).max()?;
    Some(match max {
        Severity::Error => CellStatus::Error,
        Severity::Warning => CellStatus::Warning,
        Severity::Info => CellStatus::Ok,
    })
}

fn summary_cell(findings: &[&Finding]) -> Cell {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error && !f.unknown)
        .count();
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning && !f.unknown)
        .count();
    let unknown = findings.iter().filter(|f| f.unknown).count();
    let mut parts = Vec::new();
    if errors > 0 {
        parts.push(plural(errors, "error"));
    }
    if warnings > 0 {
        parts.push(plural(warnings, "warning"));
    }
    if unknown > 0 {
        parts.push(format!("{unknown} unknown"));
    }
    let text = if parts.is_empty() {
        "ok".to_string()
    } else {
        parts.join(", ")
    };
    Cell::new(text, worst(findings).unwrap_or(CellStatus::Ok))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
