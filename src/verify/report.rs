//! Turns the proof into findings (VF1xx), a per-migration table and the JSON `migrations` list.

use super::outcome::{Apply, CrashFailure, MigrationProof, Reapply, StepFailure};
use super::plan::Migration;
use super::rules;
use crate::diagnostics::{Finding, RuleInfo};
use crate::output::{Cell, CellStatus, Report, Table};
use crate::sql::Dialect;
use serde_json::json;

/// Catalog changes listed in a VF102 finding; the rest are counted.
const MAX_CHANGES_SHOWN: usize = 8;

pub fn build(migrations: &[Migration], proofs: &[MigrationProof], dialect: Dialect) -> Report {
    let mut report = Report::new("verify");
    report.files_checked = migrations.len();
    let mut rows = Vec::new();
    let mut json_rows = Vec::new();
    let first_not_run = proofs.iter().position(|p| p.apply == Apply::NotRun);
    for (migration, proof) in migrations.iter().zip(proofs) {
        report.add_source(&migration.source);
        report.findings.extend(findings_for(migration, proof));
        rows.push(table_row(migration, proof));
        json_rows.push(json_row(migration, proof));
    }
    if let Some(index) = first_not_run {
        let skipped = migrations.len() - index;
        report.findings.push(
            Finding::for_rule(
                rules::PROOF_INCOMPLETE,
                format!(
                    "{skipped} migration(s) from {} on were not run, so they are not proven",
                    migrations[index].display_path()
                ),
            )
            .unknown(),
        );
    }
    report.tables.push(Table {
        title: format!("Retry-safety proof ({dialect})"),
        columns: [
            "migration",
            "statements",
            "apply",
            "apply again",
            "crash points",
            "result",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    });
    report
        .json_extra
        .insert("migrations".into(), serde_json::Value::Array(json_rows));
    report
}

fn finding(
    rule: &'static RuleInfo,
    migration: &Migration,
    step: usize,
    message: String,
) -> Finding {
    let at = migration.steps.get(step).map_or(0..0, |s| s.range.clone());
    Finding::for_rule(rule, message)
        .at(migration.source.location(at))
        .with_subject(migration.display_path())
}

fn findings_for(migration: &Migration, proof: &MigrationProof) -> Vec<Finding> {
    let path = migration.display_path();
    let mut findings = Vec::new();
    if let Apply::Failed(f) = &proof.apply {
        findings.push(
            finding(
                rules::APPLY_FAILS,
                migration,
                f.step,
                format!("fails on its first apply, in order: {}", f.error),
            )
            .with_note("the migrations after it could not be proven"),
        );
    }
    let reapply_failure = match &proof.reapply {
        Reapply::Failed(f) => Some(f),
        _ => None,
    };
    if let Some(f) = reapply_failure {
        let mut finding = finding(
            rules::REAPPLY_FAILS,
            migration,
            f.step,
            format!(
                "applying this migration a second time fails here: {}",
                f.error
            ),
        )
        .with_note("a deploy that half-applied it, or a tracker that lost its row, will fail the same way on retry")
        .with_note("make the statement idempotent (IF NOT EXISTS / IF EXISTS; `preflight fix` adds them) and run verify again");
        let same = crash_failures_like(&proof.crash_points.failed, f);
        if !same.is_empty() {
            finding = finding.with_note(format!(
                "a crash after statement {} fails the same way",
                join_numbers(&same)
            ));
        }
        findings.push(finding);
    }
    if let Reapply::SchemaChanged(changes) = &proof.reapply {
        let mut finding = Finding::for_rule(
            rules::REAPPLY_CHANGES_SCHEMA,
            "applying this migration a second time succeeds but changes the schema",
        )
        .at(migration.source.location(0..0))
        .with_subject(path.clone());
        if changes.iter().any(|c| c.starts_with("+ table-oid ")) {
            finding =
                finding.with_note("a table is dropped and re-created: a retry would lose its rows");
        }
        for change in changes.iter().take(MAX_CHANGES_SHOWN) {
            finding = finding.with_note(change.clone());
        }
        if changes.len() > MAX_CHANGES_SHOWN {
            finding = finding.with_note(format!(
                "… and {} more catalog changes",
                changes.len() - MAX_CHANGES_SHOWN
            ));
        }
        findings.push(finding);
    }
    // One VF103 per failing statement the re-apply did not already report.
    let mut reported: Vec<(usize, &str)> = Vec::new();
    for crash in &proof.crash_points.failed {
        let f = &crash.failure;
        if reapply_failure.is_some_and(|r| same_failure(r, f))
            || reported.contains(&(f.step, f.error.code.as_str()))
        {
            continue;
        }
        reported.push((f.step, &f.error.code));
        let crashes: Vec<usize> = proof
            .crash_points
            .failed
            .iter()
            .filter(|c| same_failure(&c.failure, f))
            .map(|c| c.after)
            .collect();
        findings.push(
            finding(
                rules::CRASH_RETRY_FAILS,
                migration,
                f.step,
                format!(
                    "if a deploy stops after statement {} (line {}), the retry fails here: {}",
                    crash.after,
                    migration.line_of(crash.after - 1),
                    f.error
                ),
            )
            .with_note(format!(
                "crash points that fail this way: after statement {}",
                join_numbers(&crashes)
            ))
            .with_note("guard the statement so it also succeeds when a later statement of this migration has already run"),
        );
    }
    let mut unproven: Vec<String> = proof.unproven.clone();
    if !proof.crash_points.unproven.is_empty() {
        let points: Vec<usize> = proof
            .crash_points
            .unproven
            .iter()
            .map(|(k, _)| *k)
            .collect();
        let reasons: Vec<&str> = proof
            .crash_points
            .unproven
            .iter()
            .map(|(_, why)| why.as_str())
            .collect();
        unproven.push(format!(
            "{} of {} crash points were not tried (after statement {}): {}",
            points.len(),
            proof.crash_points.possible,
            join_numbers(&points),
            dedup(&reasons).join("; ")
        ));
    }
    unproven.extend(migration.unproven.iter().cloned());
    for why in unproven {
        findings.push(
            Finding::for_rule(rules::PROOF_INCOMPLETE, format!("not fully proven: {why}"))
                .at(migration.source.location(0..0))
                .with_subject(path.clone())
                .unknown(),
        );
    }
    findings
}

fn same_failure(a: &StepFailure, b: &StepFailure) -> bool {
    a.step == b.step && a.error.code == b.error.code
}

fn crash_failures_like(crashes: &[CrashFailure], failure: &StepFailure) -> Vec<usize> {
    crashes
        .iter()
        .filter(|c| same_failure(&c.failure, failure))
        .map(|c| c.after)
        .collect()
}

fn join_numbers(numbers: &[usize]) -> String {
    numbers
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn dedup<'a>(items: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for item in items {
        if !out.contains(item) {
            out.push(item);
        }
    }
    out
}

fn table_row(migration: &Migration, proof: &MigrationProof) -> Vec<Cell> {
    let at = |f: &StepFailure| {
        format!(
            "fails at line {}: {}",
            migration.line_of(f.step),
            f.error.code
        )
    };
    let apply = match &proof.apply {
        Apply::Passed => Cell::new("ok", CellStatus::Ok),
        Apply::Failed(f) => Cell::new(at(f), CellStatus::Error),
        Apply::NotRun => Cell::new("not run", CellStatus::Unknown),
    };
    let reapply = match &proof.reapply {
        Reapply::Passed => Cell::new("ok, schema unchanged", CellStatus::Ok),
        Reapply::Failed(f) => Cell::new(at(f), CellStatus::Error),
        Reapply::SchemaChanged(_) => Cell::new("changes the schema", CellStatus::Error),
        Reapply::NotRun => Cell::new("not run", CellStatus::Unknown),
    };
    let c = &proof.crash_points;
    let crash = if proof.apply == Apply::NotRun {
        Cell::new("not run", CellStatus::Unknown)
    } else if !c.failed.is_empty() {
        Cell::new(
            format!("{} of {} fail", c.failed.len(), c.possible),
            CellStatus::Error,
        )
    } else if !c.unproven.is_empty() {
        Cell::new(
            format!(
                "{}/{} ok, {} not tried",
                c.passed,
                c.possible,
                c.unproven.len()
            ),
            CellStatus::Unknown,
        )
    } else if c.possible == 0 && migration.steps.len() > 1 && migration.in_one_transaction() {
        Cell::new("none (one transaction)", CellStatus::Neutral)
    } else if c.possible == 0 {
        Cell::new("none", CellStatus::Neutral)
    } else {
        Cell::new(format!("{}/{} ok", c.passed, c.possible), CellStatus::Ok)
    };
    vec![
        Cell::new(migration.display_path(), CellStatus::Neutral),
        Cell::new(migration.steps.len().to_string(), CellStatus::Neutral),
        apply,
        reapply,
        crash,
        result_cell(migration, proof),
    ]
}

fn result(migration: &Migration, proof: &MigrationProof) -> (&'static str, CellStatus) {
    if proof.apply == Apply::NotRun {
        ("not_run", CellStatus::Unknown)
    } else if proof.failed() {
        ("failed", CellStatus::Error)
    } else if proof.fully_proven() && migration.unproven.is_empty() {
        ("proven", CellStatus::Ok)
    } else {
        ("unproven", CellStatus::Unknown)
    }
}

fn result_cell(migration: &Migration, proof: &MigrationProof) -> Cell {
    let (text, status) = result(migration, proof);
    Cell::new(text.replace('_', " "), status)
}

fn json_row(migration: &Migration, proof: &MigrationProof) -> serde_json::Value {
    let failure = |f: &StepFailure| {
        json!({
            "line": migration.line_of(f.step),
            "code": f.error.code,
            "sqlstate": f.error.sqlstate,
            "message": f.error.message,
        })
    };
    let (apply, apply_failure) = match &proof.apply {
        Apply::Passed => ("passed", None),
        Apply::Failed(f) => ("failed", Some(failure(f))),
        Apply::NotRun => ("not_run", None),
    };
    let (reapply, reapply_failure, changes) = match &proof.reapply {
        Reapply::Passed => ("passed", None, None),
        Reapply::Failed(f) => ("failed", Some(failure(f)), None),
        Reapply::SchemaChanged(c) => ("schema_changed", None, Some(c.clone())),
        Reapply::NotRun => ("not_run", None, None),
    };
    let c = &proof.crash_points;
    json!({
        "file": migration.display_path(),
        "statements": migration.steps.len(),
        "result": result(migration, proof).0,
        "apply": apply,
        "apply_failure": apply_failure,
        "reapply": reapply,
        "reapply_failure": reapply_failure,
        "schema_changes": changes,
        "apply_model": migration.model.as_ref().map(|m| json!({
            "model": m.model,
            "reason": m.reason,
        })),
        "crash_points": {
            "possible": c.possible,
            "passed": c.passed,
            "failed": c.failed.iter().map(|f| json!({
                "after_statement": f.after,
                "failure": failure(&f.failure),
            })).collect::<Vec<_>>(),
            "not_tried": c.unproven.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        },
    })
}
