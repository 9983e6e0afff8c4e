//! lint follows the search_path a file sets: PF415 (require-table-schema) does not flag an
//! unqualified table once the file itself pinned where it resolves; and, on the real
//! PostgreSQL, what a before-each-run prologue proves under the file's path (see
//! tests/lint_before_each_run.rs) really survives a re-run, and what lint still flags fails.

mod common;

use preflight::lint::{lint_source, LintOptions};
use preflight::runner::Runner;
use preflight::source::SourceFile;
use preflight::sql::Dialect;

/// The lines PF415 flags in `sql`, linted for `tracker` (None: unknown).
fn flagged_lines(sql: &str, tracker: Option<&str>) -> Vec<usize> {
    let options = LintOptions {
        dialect: Dialect::Postgres,
        extend_select: vec!["PF415".into()],
        runner: tracker.map(|t| Runner::named(t).unwrap()),
        ..LintOptions::default()
    };
    let source = SourceFile::new("1_t.sql", sql);
    lint_source(&source, &options)
        .iter()
        .filter(|f| f.rule == "PF415")
        .map(|f| f.location.start.as_ref().unwrap().line)
        .collect()
}

#[test]
fn a_table_the_files_own_search_path_resolves_is_not_flagged() {
    let sql = "CREATE TABLE a (id int);
SET search_path TO app, public;
CREATE TABLE b (id int);
RESET search_path;
CREATE TABLE c (id int);
SELECT set_config('search_path', 'app', false);
ALTER TABLE d ADD COLUMN x int;
SET search_path = \"$user\", public;
DROP TABLE e;
";
    assert_eq!(flagged_lines(sql, None), [1, 5, 9]);
}

#[test]
fn set_local_pins_it_only_inside_a_transaction() {
    let sql = "SET LOCAL search_path TO app;
CREATE TABLE a (id int);
";
    // Statement by statement (unknown tool), SET LOCAL does nothing.
    assert_eq!(flagged_lines(sql, None), [2]);
    // sqlx runs the file in a transaction.
    assert!(flagged_lines(sql, Some("sqlx")).is_empty());
    let own = "BEGIN;
SET LOCAL search_path TO app;
CREATE TABLE a (id int);
COMMIT;
CREATE TABLE b (id int);
";
    assert_eq!(flagged_lines(own, None), [5]);
}

/// lemmy's prologue, then a file that creates a function unqualified under its own path, run
/// twice (a retry after the first run committed): under `r`, which the prologue empties, the
/// re-run succeeds (lint accepts it); under `public` it fails (lint flags it, PF113).
#[test]
fn on_postgres_the_prologue_clears_only_the_schema_the_files_path_names() {
    let prologue = "DROP SCHEMA IF EXISTS r CASCADE; CREATE SCHEMA r;";
    let body = "CREATE FUNCTION greeting() RETURNS text LANGUAGE sql AS $$ SELECT 'hi' $$;";
    let db = common::ScratchDb::postgres_named("pft_searchpath");
    let in_r = format!("{prologue}\nSET search_path TO r, public;\n{body}");
    db.exec(&in_r);
    db.exec(&in_r);
    let in_public = format!("{prologue}\nSET search_path TO public;\n{body}");
    let err = common::retry::run_twice(&db, &in_public).unwrap_err();
    assert!(err.contains("already exists"), "{err}");
}

fn search_path_db() -> common::ScratchDb {
    common::ScratchDb::postgres_named("pft_searchpath")
}

/// A guarded drop proves a creation of the same object only (and a creation a drop): of the
/// same schema, as written or as the file's own search_path resolves an unqualified name (under
/// the connection's path an unqualified name may be any schema's). Each case runs twice on the real PostgreSQL; lint
/// must flag exactly the statement whose second run fails.
#[test]
fn on_postgres_a_drop_proves_only_a_creation_in_its_own_schema() {
    use common::retry::{dialect_options, retry_mismatches, RetryCase};
    let setup = "CREATE SCHEMA app; CREATE TABLE public.u (id int); CREATE TABLE app.u (id int);";
    let case = |name, sql: &str, fails_at| RetryCase {
        name,
        sql: sql.replace("; ", ";\n"),
        fails_at,
    };
    let cases = [
        case(
            "another schema's table, both qualified",
            "DROP TABLE IF EXISTS public.t; CREATE TABLE app.t (id int);",
            Some("CREATE TABLE app.t"),
        ),
        case(
            "another schema's table, the file's path names it",
            "DROP TABLE IF EXISTS public.t; SET search_path TO app; CREATE TABLE t (id int);",
            Some("CREATE TABLE t"),
        ),
        case(
            "the same schema's table",
            "DROP TABLE IF EXISTS app.t; CREATE TABLE app.t (id int);",
            None,
        ),
        case(
            "both unqualified",
            "DROP TABLE IF EXISTS t; CREATE TABLE t (id int);",
            None,
        ),
        case(
            "the drop's schema from the file's path",
            "SET search_path TO app; DROP TABLE IF EXISTS t; CREATE TABLE app.t (id int);",
            None,
        ),
        case(
            "another schema's index",
            "DROP INDEX IF EXISTS public.i; CREATE INDEX i ON app.u (id);",
            Some("CREATE INDEX i"),
        ),
        case(
            "an unqualified index is in its table's schema",
            "SET search_path TO public; DROP INDEX IF EXISTS app.i; CREATE INDEX i ON app.u (id);",
            None,
        ),
        case(
            "another schema's column",
            "ALTER TABLE public.u DROP COLUMN IF EXISTS c; ALTER TABLE app.u ADD COLUMN c int;",
            Some("ALTER TABLE app.u"),
        ),
        case(
            "a drop after a creation in another schema",
            "CREATE TABLE IF NOT EXISTS public.u (id int); DROP TABLE app.u;",
            Some("DROP TABLE app.u"),
        ),
        case(
            "a drop after a creation in its own schema",
            "CREATE TABLE IF NOT EXISTS app.v (id int); DROP TABLE app.v;",
            None,
        ),
    ];
    let failures = retry_mismatches(
        &cases,
        &dialect_options(Dialect::Postgres),
        search_path_db,
        setup,
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Under a per-file transaction a re-run starts from the state the whole file left: a drop
/// later in the file clears the name for a creation only when it drops the object of the same
/// schema.
#[test]
fn on_postgres_a_later_drop_in_a_file_transaction_clears_only_its_own_schema() {
    use common::retry::{retry_mismatches, RetryCase};
    let options = LintOptions {
        dialect: Dialect::Postgres,
        runner: Some(Runner::named("sqlx").unwrap()),
        ..LintOptions::default()
    };
    let case = |name, sql: &str, fails_at| RetryCase {
        name,
        sql: sql.replace("; ", ";\n"),
        fails_at,
    };
    let cases = [
        case(
            "dropped later in another schema",
            "CREATE TABLE app.t (id int); DROP TABLE IF EXISTS public.t;",
            Some("CREATE TABLE app.t"),
        ),
        case(
            "dropped later in its own schema",
            "CREATE TABLE app.t (id int); DROP TABLE IF EXISTS app.t;",
            None,
        ),
        case(
            "both unqualified",
            "CREATE TABLE t (id int); DROP TABLE IF EXISTS t;",
            None,
        ),
    ];
    let failures = retry_mismatches(&cases, &options, search_path_db, "CREATE SCHEMA app;");
    assert!(failures.is_empty(), "{failures:#?}");
}
