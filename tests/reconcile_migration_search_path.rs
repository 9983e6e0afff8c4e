//! Migrations that set the session's search_path (`SET search_path`, `SET SCHEMA`,
//! `set_config`, `SET LOCAL` in the runner's transaction) and then create unqualified objects:
//! applied for real, reconcile finds them where PostgreSQL put them, without the URL giving
//! it the same search_path, and still reports what is really missing.

mod common;

use common::reconcile::{applied_file, options, statuses, try_reconcile};
use common::ScratchDb;
use preflight::config::MigrationsConfig;
use preflight::output::Report;
use preflight::runner::ApplyModel;
use std::path::Path;

const FILE: &str = "001_app.sql";

/// Creates `app`, sets the path to it for `t`, a type and functions, then resets it.
const SETS_THE_PATH: &str = "CREATE SCHEMA app;
SET search_path TO app, public;
CREATE TABLE t (id int PRIMARY KEY, note text);
CREATE INDEX t_note ON t (note);
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE FUNCTION f(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION public.g(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';
ALTER TABLE t ADD COLUMN later int;
RESET search_path;
CREATE TABLE u (id int PRIMARY KEY);
";

fn config(apply_model: Option<ApplyModel>) -> MigrationsConfig {
    let mut config = common::reconcile::migrations_table(None);
    config.apply_model = apply_model;
    config
}

fn reconcile(db: &ScratchDb, dir: &Path, schema: Option<&str>, config: MigrationsConfig) -> Report {
    let mut opts = options(&db.url, dir, None, config);
    opts.schema = schema.map(str::to_string);
    try_reconcile(&opts).unwrap_or_else(|e| panic!("reconcile failed: {e}"))
}

/// The findings of `rule`, as their messages.
fn messages(report: &Report, rule: &str) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.message.clone())
        .collect()
}

fn in_sync(report: &Report) {
    for rule in ["RC103", "RC110", "RC104"] {
        assert!(messages(report, rule).is_empty(), "{:#?}", report.findings);
    }
    assert_eq!(statuses(report), ["applied"], "{:#?}", report.findings);
}

#[test]
fn objects_created_under_a_search_path_the_migration_sets_are_in_sync() {
    let db = ScratchDb::postgres_named("pft_searchpath");
    let dir = applied_file(&db, FILE, SETS_THE_PATH);
    // The compared schema is the connection's current one, public: `t`, `mood` and `f` are
    // app's; `g` takes app's `mood`.
    in_sync(&reconcile(&db, dir.path(), None, config(None)));
    // Compared in app (the tracker's table stays public's).
    let report = reconcile(&db, dir.path(), Some("app"), config(None));
    for rule in ["RC110", "RC104"] {
        assert!(messages(&report, rule).is_empty(), "{:#?}", report.findings);
    }
    // `u` is created with the connection's own path, which reconcile takes as the compared
    // schema's: only it is missing from app.
    let missing = messages(&report, "RC103");
    assert!(
        missing.len() == 1 && missing[0].contains(": table u, ") && !missing[0].contains("table t"),
        "{missing:#?}"
    );
}

#[test]
fn an_object_really_missing_under_the_path_is_still_reported() {
    let db = ScratchDb::postgres_named("pft_searchpath");
    let dir = applied_file(&db, FILE, SETS_THE_PATH);
    db.exec("DROP TABLE public.u; DROP INDEX app.t_note;");
    let report = reconcile(&db, dir.path(), None, config(None));
    let missing = messages(&report, "RC103");
    assert_eq!(missing.len(), 1, "{:#?}", report.findings);
    assert!(missing[0].contains(": table u, "), "{missing:#?}");
    assert!(!missing[0].contains("t_note"), "{missing:#?}");
    let report = reconcile(&db, dir.path(), Some("app"), config(None));
    let missing = messages(&report, "RC103");
    assert!(
        missing.iter().any(|m| m.contains("index t.t_note")),
        "{:#?}",
        report.findings
    );
}

/// `SET LOCAL` in the runner's transaction (declared `file-transaction`; psql runs `-c`'s
/// statements as one transaction), and `SET SCHEMA`, `set_config`.
#[test]
fn set_local_in_the_runners_transaction_and_the_other_spellings() {
    let db = ScratchDb::postgres_named("pft_searchpath");
    let sql = "CREATE SCHEMA app;
SET LOCAL search_path TO app;
CREATE TABLE a (id int);
SET SCHEMA 'public';
CREATE TABLE b (id int);
SELECT set_config('search_path', 'app', false);
CREATE TABLE c (id int);
";
    let dir = applied_file(&db, FILE, sql);
    in_sync(&reconcile(
        &db,
        dir.path(),
        None,
        config(Some(ApplyModel::FileTransaction)),
    ));
    // `b` is public's: outside the comparison.
    in_sync(&reconcile(
        &db,
        dir.path(),
        Some("app"),
        config(Some(ApplyModel::FileTransaction)),
    ));
}
