//! The retry harness of tests/common/retry.rs itself: a retry runs as a deploy's retry does, in a
//! new session, which has none of the first run's settings, temporary tables or prepared
//! statements, and keeps its own from statement to statement (PostgreSQL 15, MariaDB 10.11).

mod common;

use common::retry::{crash_point_failures, fresh_crash_point_failures};
use common::ScratchDb;
use preflight::runner::ApplyModel;

/// A procedure whose body reads a column the file drops afterwards: once the drop ran, a new
/// session's `check_function_bodies` (on) refuses the procedure's re-creation at line 1; the
/// first run's `SET check_function_bodies = false` must not carry into the retry.
const UNCHECKED_BODY: &[&str] = &[
    "CREATE OR REPLACE PROCEDURE set_old() LANGUAGE sql AS $$ UPDATE t SET old = 1 $$;",
    "SET check_function_bodies = false;",
    "CALL set_old();",
    "ALTER TABLE t DROP COLUMN IF EXISTS old;",
];

#[test]
fn a_postgres_retry_does_not_keep_the_first_runs_settings() {
    let db = ScratchDb::postgres();
    db.exec("CREATE TABLE t (id int, old int);");
    // Line 3 too: the harness goes on past the failing creation, and the first run's procedure
    // still reads the dropped column.
    for model in [None, Some(ApplyModel::FileTransaction)] {
        assert_eq!(crash_point_failures(&db, UNCHECKED_BODY, model), vec![1, 3]);
    }
}

#[test]
fn a_postgres_retry_does_not_find_the_first_runs_session_objects() {
    let db = ScratchDb::postgres();
    let statements = &[
        "CREATE TEMP TABLE scratch (a int);",
        "PREPARE one AS SELECT 1;",
        "DECLARE rows CURSOR WITH HOLD FOR SELECT 1;",
    ];
    for model in [None, Some(ApplyModel::FileTransaction)] {
        assert_eq!(
            crash_point_failures(&db, statements, model),
            Vec::<usize>::new()
        );
    }
}

#[test]
fn a_mariadb_retry_keeps_its_own_settings_from_statement_to_statement() {
    let setup = "CREATE TABLE parent (id int PRIMARY KEY);\n\
                 CREATE TABLE child (pid int, FOREIGN KEY (pid) REFERENCES parent (id));";
    let statements = &[
        "SET foreign_key_checks = 0;",
        "SET @gone = 'parent';",
        "DROP TABLE IF EXISTS parent;",
        "SET @q = CONCAT('CREATE TABLE IF NOT EXISTS ', @gone, ' (id int PRIMARY KEY)');",
        "PREPARE make FROM @q;",
        "EXECUTE make;",
    ];
    assert_eq!(
        fresh_crash_point_failures(ScratchDb::mariadb, setup, statements),
        Vec::<usize>::new()
    );
}
