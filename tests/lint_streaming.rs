//! Streamed lint (findings released statement by statement, in report order) gives exactly the
//! findings of the whole-file path, sorted: on files whose findings arrive late or point back
//! (an uncommitted transaction, suppressions, an unterminated literal, DO blocks, a single
//! statement) and on every corpus file, under both apply models.

mod common;

use preflight::diagnostics::{sort_findings, Finding};
use preflight::lint::{lint_source, lint_source_each, LintOptions};
use preflight::runner::{ApplyModel, Runner};
use preflight::source::SourceFile;
use preflight::sql::Dialect;

fn json(findings: &[Finding]) -> String {
    serde_json::to_string_pretty(findings).unwrap()
}

/// `None` when streamed and collected agree; otherwise both, as JSON.
fn disagreement(source: &SourceFile, options: &LintOptions) -> Option<(String, String)> {
    let mut collected = lint_source(source, options);
    sort_findings(&mut collected);
    let mut streamed = Vec::new();
    lint_source_each(source, options, &mut |f| streamed.push(f));
    let (a, b) = (json(&collected), json(&streamed));
    (a != b).then_some((a, b))
}

fn options(dialect: Dialect, model: Option<ApplyModel>) -> LintOptions {
    let mut options = LintOptions {
        dialect,
        runner: Some(Runner::UNKNOWN.declaring(model)),
        ..LintOptions::default()
    };
    // The opt-in timeout rules look back at every earlier statement.
    options = options
        .with_cli_rules(&[], &["PF314".into(), "PF315".into()], &[])
        .unwrap();
    options
}

const CASES: &[&str] = &[
    // PF317 reports the open transaction at its BEGIN, after the file ended.
    "ALTER TABLE t ADD COLUMN x int;\nBEGIN;\nCREATE INDEX i ON t (a);\nALTER TABLE t DROP COLUMN b;\n",
    "BEGIN;\nCREATE INDEX i ON t (a);\nCOMMIT;\nCREATE INDEX j ON t (b);\nBEGIN;\nDROP TABLE u;\n",
    // A single statement gets the safe CONCURRENTLY fix, the first of two does not.
    "CREATE INDEX i ON t (a);",
    "CREATE INDEX i ON t (a);\nDROP INDEX i;\n",
    // A suppression comment anywhere: PF004/PF005 come at the end.
    "DROP TABLE a;\n-- preflight: ignore PF101\nDROP TABLE b;\nCREATE TABLE c (id int);\n-- preflight: ignore PF999\n",
    // The unterminated literal is reported at the end, inside the last statement.
    "CREATE TABLE a (id int);\nINSERT INTO a VALUES ('x);\n",
    // Look-ahead (PF123, a DO block's rename) and look-back (NOT NULL check, lock_timeout).
    "UPDATE t SET a = 1;\nDO $$ BEGIN ALTER TABLE t RENAME COLUMN a TO b; DROP INDEX k; END $$;\nCREATE INDEX k ON t (a);\nSET lock_timeout = '1s';\nALTER TABLE t ADD CONSTRAINT c CHECK (a IS NOT NULL) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT c;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\nDROP INDEX k;\n",
    "CREATE TABLE n (a int);\nCREATE INDEX ni ON n (a);\nDROP INDEX ni;\nDROP TABLE n;\nCREATE TABLE n (a int);\nDROP VIEW v;\nCREATE VIEW v AS SELECT 1;\n",
    // PF006: findings before the evidence are dropped; a suppressed one lints the file as is.
    "CREATE TABLE a (id int);\nDROP TABLE b;\nCREATE TABLE `c` (id int);\nALTER TABLE c ADD COLUMN x int;\n",
    "-- preflight: ignore-file PF006\nCREATE TABLE a (id int);\nCREATE TABLE `c` (id int);\n",
    "\u{feff}",
    "-- only a comment\n",
];

#[test]
fn streamed_findings_are_the_collected_ones_sorted() {
    for sql in CASES {
        for model in [None, Some(ApplyModel::FileTransaction)] {
            let source = SourceFile::new("m.sql", *sql);
            let options = options(Dialect::Postgres, model);
            if let Some((collected, streamed)) = disagreement(&source, &options) {
                panic!("{sql:?} ({model:?}):\ncollected {collected}\nstreamed {streamed}");
            }
        }
    }
}

#[test]
fn streamed_findings_are_the_collected_ones_on_every_corpus_file() {
    let Some((root, manifest)) = common::corpus::manifest("streaming test") else {
        return;
    };
    let mut differ = Vec::new();
    let mut checked = 0;
    for line in manifest.lines().skip(1) {
        let mut cols = line.split('\t');
        let (Some(path), _, Some(dialect)) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        let dialect = match dialect {
            "mysql" => Dialect::Mysql,
            "sqlite" => Dialect::Sqlite,
            _ => Dialect::Postgres,
        };
        let Ok(source) = SourceFile::read(&root.join(path)) else {
            continue; // tests/lint_corpus.rs reports unreadable files
        };
        for model in [None, Some(ApplyModel::FileTransaction)] {
            if disagreement(&source, &options(dialect, model)).is_some() {
                differ.push(format!("{path} ({model:?})"));
            }
        }
        checked += 1;
    }
    assert!(checked > 1000, "only {checked} files checked");
    assert!(differ.is_empty(), "streamed ≠ collected on: {differ:?}");
}
