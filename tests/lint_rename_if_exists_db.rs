//! `IF EXISTS` on a rename (`ALTER TABLE|INDEX|VIEW|SEQUENCE IF EXISTS x RENAME TO y`) skips it
//! once `x` is gone, which keeps a retry of the rename alone from failing; it checks only the
//! old name. When a statement of the file makes `x` again, before the rename (`CREATE TABLE IF
//! NOT EXISTS x …`) or after it, a retry finds `x` and meets the `y` an earlier run left:
//! `relation "y" already exists`. Lint is compared with PostgreSQL at every crash point and
//! under a per-file transaction.

mod common;

use common::retry::{crash_point_mismatches, Case};
use common::ScratchDb;

const SETUP: &str = "CREATE TABLE t (id int);\nCREATE TABLE p (id int);\n\
                     CREATE TABLE q (id int);\nCREATE INDEX q_i ON q (id);";

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "the table made again before the rename",
            statements: &[
                "CREATE TABLE IF NOT EXISTS p8 (id int);",
                "ALTER TABLE IF EXISTS p8 RENAME TO p9;",
            ],
        },
        Case {
            name: "the rename alone: IF EXISTS skips it on a retry",
            statements: &["ALTER TABLE IF EXISTS p RENAME TO p9;"],
        },
        Case {
            name: "the table made again after the rename",
            statements: &[
                "ALTER TABLE IF EXISTS p RENAME TO p9;",
                "CREATE TABLE IF NOT EXISTS p (id int);",
            ],
        },
        Case {
            name: "the new name dropped before the rename",
            statements: &[
                "CREATE TABLE IF NOT EXISTS p8 (id int);",
                "DROP TABLE IF EXISTS p9;",
                "ALTER TABLE IF EXISTS p8 RENAME TO p9;",
            ],
        },
        Case {
            name: "the new name dropped after the rename: a crash between them",
            statements: &[
                "CREATE TABLE IF NOT EXISTS p8 (id int);",
                "ALTER TABLE IF EXISTS p8 RENAME TO p9;",
                "DROP TABLE p9;",
            ],
        },
        Case {
            name: "without IF EXISTS, the new name dropped after the rename",
            statements: &[
                "CREATE TABLE p8 (id int);",
                "ALTER TABLE p8 RENAME TO p9;",
                "DROP TABLE p9;",
            ],
        },
        Case {
            name: "an index made again before the rename",
            statements: &[
                "CREATE INDEX IF NOT EXISTS t_i8 ON t (id);",
                "ALTER INDEX IF EXISTS t_i8 RENAME TO t_i9;",
            ],
        },
        Case {
            name: "an index renamed alone",
            statements: &["ALTER INDEX IF EXISTS q_i RENAME TO q_i9;"],
        },
        Case {
            name: "a view made again before the rename",
            statements: &[
                "CREATE OR REPLACE VIEW v8 AS SELECT 1 AS x;",
                "ALTER VIEW IF EXISTS v8 RENAME TO v9;",
            ],
        },
        Case {
            name: "a sequence made again before the rename",
            statements: &[
                "CREATE SEQUENCE IF NOT EXISTS s8;",
                "ALTER SEQUENCE IF EXISTS s8 RENAME TO s9;",
            ],
        },
        Case {
            name: "a column: the table's IF EXISTS does not guard the column",
            statements: &[
                "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int;",
                "ALTER TABLE IF EXISTS t RENAME COLUMN a TO b;",
            ],
        },
        Case {
            name: "a constraint: the table's IF EXISTS does not guard the constraint",
            statements: &[
                "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_c8;",
                "ALTER TABLE t ADD CONSTRAINT t_c8 CHECK (id > 0);",
                "ALTER TABLE IF EXISTS t RENAME CONSTRAINT t_c8 TO t_c9;",
            ],
        },
    ]
}

#[test]
fn a_rename_with_if_exists_matches_postgres_at_every_crash_point_in_both_models() {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    let failures = crash_point_mismatches(&db, &cases());
    assert!(failures.is_empty(), "{failures:#?}");
}
