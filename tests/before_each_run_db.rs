//! On the real PostgreSQL: what lint accepts under a before-each-run prologue really survives a
//! retry, and what it still flags really fails. fixtures/before-each-run/'s runner drops and
//! re-creates schema `r` before every run of replaceable/*.sql (lemmy's replaceable schema);
//! each file is run, then retried from every crash point with the prologue before each run.

mod common;

use common::ScratchDb;
use preflight::config::Config;
use preflight::lint::{lint_paths, LintOptions};
use preflight::source::SourceFile;
use preflight::sql::{parse_source, Dialect};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/before-each-run")
        .join(name)
}

/// The fixture's lint options (its preflight.toml, prologue included).
fn options() -> LintOptions {
    let config = Config::load(&fixture("preflight.toml")).expect("fixture config");
    LintOptions::from_config(&config).expect("fixture options")
}

/// The lines lint flags in `file` under the fixture's config.
fn flagged_lines(file: &str) -> Vec<usize> {
    let report = lint_paths(&[fixture(file)], &options()).expect("lint");
    report
        .findings
        .iter()
        .map(|f| f.location.start.expect("a line").line)
        .collect()
}

/// The SQL the runner executes before every run of `file` (empty when none is configured).
fn prologue_of(file: &str) -> String {
    let options = options();
    let path = fixture(file);
    let entries = options.before_each_run.iter();
    let sql: Vec<&str> = entries
        .filter(|e| e.applies_to(&path))
        .map(|e| e.sql.as_str())
        .collect();
    sql.join("\n")
}

/// The file's statements, as preflight splits them.
fn statements(file: &str) -> Vec<String> {
    let source = SourceFile::read(&fixture(file)).expect("fixture");
    let parsed = parse_source(&source, Dialect::Postgres);
    parsed
        .statements
        .iter()
        .map(|s| s.text(&source).to_string())
        .collect()
}

/// A database with the application's tables (migrations/0001) and schema `r`.
fn set_up() -> ScratchDb {
    let db = ScratchDb::postgres();
    db.exec(&std::fs::read_to_string(fixture("migrations/0001_person.sql")).unwrap());
    db.exec("CREATE SCHEMA r;");
    db
}

/// Every crash point of a run of `file`: its first `k` statements committed (the prologue
/// before them; `k` = all: the run completed but was not recorded), then the retry, the
/// prologue and the whole file. The retries' errors, by crash point.
fn retry_errors(file: &str, prologue: &str) -> Vec<(usize, String)> {
    let all = statements(file);
    let mut errors = Vec::new();
    for k in 1..=all.len() {
        let db = set_up();
        db.exec(&format!("{prologue}\n{}", all[..k].join("\n")));
        if let Err(e) = db.try_exec(&format!("{prologue}\n{}", all.join("\n"))) {
            errors.push((k, e));
        }
    }
    errors
}

#[test]
fn what_lint_accepts_under_the_prologue_survives_every_retry() {
    let file = "replaceable/functions.sql";
    assert!(!prologue_of(file).is_empty(), "the glob covers it");
    assert_eq!(flagged_lines(file), Vec::<usize>::new());
    assert!(
        statements(file).len() >= 8,
        "functions, trigger, table, index, column, view"
    );
    assert_eq!(retry_errors(file, &prologue_of(file)), []);
    // Without the prologue every crash point's retry fails: it is what makes the file safe.
    let without = retry_errors(file, "");
    assert_eq!(without.len(), statements(file).len(), "{without:?}");
}

#[test]
fn what_lint_still_flags_under_the_prologue_fails_its_retry() {
    // Outside schema r: the prologue leaves the function and its trigger in place.
    let file = "replaceable/audit.sql";
    assert_eq!(flagged_lines(file), [3, 9]);
    let errors = retry_errors(file, &prologue_of(file));
    assert_eq!(errors.len(), 2, "both crash points: {errors:?}");
    for (k, e) in &errors {
        assert!(e.contains("already exists"), "crash point {k}: {e}");
    }
}

#[test]
fn a_file_outside_the_glob_runs_without_the_prologue_and_fails_its_retry() {
    let file = "migrations/0002_r_greeting.sql";
    assert_eq!(prologue_of(file), "");
    assert_eq!(flagged_lines(file), [2]);
    let errors = retry_errors(file, &prologue_of(file));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].1.contains("function \"greeting\" already exists"));
}
