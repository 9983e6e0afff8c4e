//! Constructed reports for the renderer tests: a lint report on a CRLF file with non-ASCII text,
//! environment findings without a file, a parity matrix and a check verdict.
#![allow(dead_code)]

use preflight::diagnostics::{Applicability, Finding, Fix, RuleInfo, Severity, Stage, Summary};
use preflight::output::{
    Cell, CellStatus, Outcome, Report, StageResult, StageStatus, Table, Verdict,
};
use preflight::source::SourceFile;

/// A rule declared for this test only: the renderers must print whatever code and name a
/// finding's rule has, catalogued or not.
fn rule(code: &'static str, name: &'static str) -> &'static RuleInfo {
    Box::leak(Box::new(RuleInfo::new(code, name, Severity::Error, "", "")))
}

pub const MIGRATION: &str = "migrations/20240115_add_user_profiles.sql";

/// CRLF line endings, and non-ASCII text before the second finding on its line.
pub const SQL: &str = "-- Profils utilisateur «bio»\r\nCREATE TABLE user_profiles (\r\n    id SERIAL PRIMARY KEY,\r\n    bio TEXT\r\n);\r\n/* ünïcødé */ CREATE INDEX idx_user_profiles_user_id ON user_profiles(user_id);\r\n";

/// The check report's preflight.toml: `[environments.production]` is on line 7.
pub const CONFIG: &str = "[migrations]\ndir = \"migrations\"\n\n[environments.staging]\nsnapshot = \"s.json\"\n\n[environments.production]\nsnapshot = \"p.json\"\n";

pub fn source() -> SourceFile {
    SourceFile::new(MIGRATION, SQL)
}

fn span_of(source: &SourceFile, needle: &str) -> std::ops::Range<usize> {
    let start = source.text.find(needle).expect("needle in fixture");
    start..start + needle.len()
}

pub fn create_table_finding(source: &SourceFile) -> Finding {
    let span = span_of(source, "CREATE TABLE user_profiles");
    let insert_at = source.text.find("user_profiles (").unwrap();
    Finding::new(
        rule("PF101", "create-table-without-if-not-exists"),
        Severity::Error,
        "CREATE TABLE without IF NOT EXISTS fails when the deploy is retried",
    )
    .at(source.location(span))
    .with_note("an earlier run may have created the table before failing")
    .with_fix(Fix {
        applicability: Applicability::Safe,
        message: "Add IF NOT EXISTS".into(),
        edits: vec![source.edit(insert_at..insert_at, "IF NOT EXISTS ")],
    })
}

pub fn create_index_finding(source: &SourceFile) -> Finding {
    let span = span_of(source, "CREATE INDEX idx_user_profiles_user_id");
    let insert_at = source.text.find("idx_user_profiles_user_id").unwrap();
    Finding::new(
        rule("PF102", "create-index-without-if-not-exists"),
        Severity::Error,
        "CREATE INDEX without IF NOT EXISTS fails when the deploy is retried",
    )
    .at(source.location(span))
    .with_fix(Fix {
        applicability: Applicability::Safe,
        message: "Add IF NOT EXISTS".into(),
        edits: vec![source.edit(insert_at..insert_at, "IF NOT EXISTS ")],
    })
}

pub fn lint_report() -> Report {
    let source = source();
    let mut report = Report::new("lint");
    report.findings = vec![create_table_finding(&source), create_index_finding(&source)];
    report.files_checked = 1;
    report.add_source(&source);
    report
}

pub fn parity_findings() -> Vec<Finding> {
    vec![
        Finding::new(
            rule("PA101", "missing-secret"),
            Severity::Error,
            "DATABASE_URL is defined in staging but missing from production's Secrets Manager",
        )
        .with_environment("production")
        .with_subject("DATABASE_URL"),
        Finding::new(
            rule("PA201", "loopback-host-in-production"),
            Severity::Error,
            "REDIS_HOST points at localhost, which is the task itself: value 'localhost', expected a service host",
        )
        .with_environment("production")
        .with_subject("REDIS_HOST")
        .with_note("set it to the ElastiCache endpoint, e.g. in the task definition's environment"),
        Finding::new(
            rule("PA401", "iam-permission-unverified"),
            Severity::Warning,
            "could not simulate secretsmanager:GetSecretValue for the execution role (access denied)",
        )
        .with_environment("staging")
        .with_subject("arn:aws:iam::111111111111:role/exec")
        .unknown(),
    ]
}

pub fn parity_matrix() -> Table {
    Table {
        title: "Parity matrix".into(),
        columns: vec!["Check".into(), "staging".into(), "production".into()],
        rows: vec![
            vec![
                Cell::new("DATABASE_URL", CellStatus::Neutral),
                Cell::new("secret", CellStatus::Ok),
                Cell::new("missing", CellStatus::Error),
            ],
            vec![
                Cell::new("REDIS_HOST", CellStatus::Neutral),
                Cell::new("redis.staging.internal", CellStatus::Ok),
                Cell::new("localhost", CellStatus::Error),
            ],
            vec![
                Cell::new("GetSecretValue", CellStatus::Neutral),
                Cell::new("unknown", CellStatus::Unknown),
                Cell::new("denied", CellStatus::Warning),
            ],
        ],
    }
}

/// The incident as `preflight check` reports it: lint and parity failed, reconcile not checked.
pub fn check_report() -> Report {
    let source = source();
    let mut report = Report::new("check");
    let mut lint = vec![create_table_finding(&source), create_index_finding(&source)];
    for f in &mut lint {
        f.stage = Some(Stage::Lint);
    }
    let mut parity = parity_findings();
    for f in &mut parity {
        f.stage = Some(Stage::Parity);
    }
    let mut not_checked = Finding::new(
        rule("CK101", "stage-not-checked"),
        Severity::Error,
        "the reconcile stage could not run: database: connection refused (127.0.0.1:1)",
    )
    .with_subject("reconcile")
    .unknown();
    not_checked.stage = Some(Stage::Reconcile);
    report.files_checked = 1;
    report.add_source(&source);
    let lint_summary = Summary::of(&lint, 1);
    let parity_summary = Summary::of(&parity, 0);
    let reconcile_summary = Summary::of(std::slice::from_ref(&not_checked), 0);
    report.findings = lint
        .into_iter()
        .chain([not_checked])
        .chain(parity)
        .collect();
    report.tables = vec![parity_matrix()];
    report.config_file = Some(SourceFile::new("preflight.toml", CONFIG));
    report.verdict = Some(Verdict {
        outcome: Outcome::Error,
        stages: vec![
            StageResult {
                stage: Stage::Lint,
                status: StageStatus::Failed,
                summary: lint_summary,
                reason: None,
                duration_ms: 3,
            },
            StageResult {
                stage: Stage::Reconcile,
                status: StageStatus::NotChecked,
                summary: reconcile_summary,
                reason: Some("database: connection refused (127.0.0.1:1)".into()),
                duration_ms: 1,
            },
            StageResult {
                stage: Stage::Parity,
                status: StageStatus::Failed,
                summary: parity_summary,
                reason: None,
                duration_ms: 12,
            },
        ],
        not_configured: vec![Stage::Verify],
    });
    report
}

pub fn render(report: &Report, format: preflight::output::Format, color: bool) -> String {
    let mut out = Vec::new();
    preflight::output::write_report(report, format, &mut out, color).expect("render");
    String::from_utf8(out).expect("utf-8 output")
}
