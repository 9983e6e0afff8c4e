//! `IF EXISTS` on a rename (`ALTER TABLE|INDEX|VIEW|SEQUENCE IF EXISTS x RENAME TO y`) skips it
//! once `x` is gone, which keeps a retry of the rename alone from failing; it checks only the
//! old name. When a statement of the file makes `x` again, before the rename (`CREATE TABLE IF
//! NOT EXISTS x …`) or after it, a retry finds `x` and meets the `y` an earlier run left:
//! `relation "y" already exists`. Lint is compared with PostgreSQL at every crash point and
//! under a per-file transaction.

mod common;

use common::retry::{crash_point_failures, crash_point_mismatches, retry_lines_in_model, Case};
use common::ScratchDb;
use preflight::runner::ApplyModel;

const SETUP: &str = "CREATE TABLE t (id int);\nCREATE TABLE p (id int);\n\
                     CREATE TABLE q (id int);\nCREATE INDEX q_i ON q (id);\n\
                     CREATE SCHEMA a;\nCREATE TABLE d (id int);";

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
        Case {
            name: "the table renamed away and back before the rename",
            statements: &[
                "CREATE TABLE d2 (id int);",
                "ALTER TABLE d2 RENAME TO d3;",
                "ALTER TABLE d3 RENAME TO d2;",
                "ALTER TABLE IF EXISTS d2 RENAME TO d2_old;",
                "DROP TABLE IF EXISTS d2_old;",
            ],
        },
        Case {
            name: "the table renamed away and back before the rename in a DO block",
            statements: &[
                "CREATE TABLE d2 (id int);",
                "ALTER TABLE d2 RENAME TO d3;",
                "ALTER TABLE d3 RENAME TO d2;",
                "DO $$ BEGIN ALTER TABLE IF EXISTS d2 RENAME TO d2_old; END $$;",
                "DROP TABLE IF EXISTS d2_old;",
            ],
        },
        Case {
            name: "an unqualified rename in a DO block after a same-named table made in another schema",
            statements: &[
                "SET search_path TO public;",
                "CREATE TABLE a.d (id int);",
                "DO $$ BEGIN ALTER TABLE IF EXISTS d RENAME TO d_old; END $$;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "a rename in a DO block whose new name the file drops in another schema",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d4 (id int);",
                "DO $$ BEGIN ALTER TABLE IF EXISTS d4 RENAME TO d4_old; END $$;",
                "DROP TABLE IF EXISTS a.d4_old;",
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

/// Files whose failures on PostgreSQL lint must flag, where lint may flag more: a name the file
/// renames away and back is made again before `RENAME … IF EXISTS` (`DROP TABLE d2_old` after
/// it never fails on the server, but lint does not prove it); an unqualified name with no
/// search_path the file sets may be in any schema (the rename of `d` after `CREATE TABLE a.d`
/// fails on a retry where the connection puts `a` first).
#[test]
fn a_rename_with_if_exists_is_flagged_wherever_postgres_fails() {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    let files: [&[&str]; 3] = [
        &[
            "CREATE TABLE d2 (id int);",
            "ALTER TABLE d2 RENAME TO d3;",
            "ALTER TABLE d3 RENAME TO d2;",
            "ALTER TABLE IF EXISTS d2 RENAME TO d2_old;",
            "DROP TABLE d2_old;",
        ],
        &[
            "CREATE TABLE d2 (id int);",
            "ALTER TABLE d2 RENAME TO d3;",
            "ALTER TABLE d3 RENAME TO d2;",
            "DO $$ BEGIN ALTER TABLE IF EXISTS d2 RENAME TO d2_old; END $$;",
            "DROP TABLE d2_old;",
        ],
        &[
            "CREATE TABLE a.d (id int);",
            "DO $$ BEGIN ALTER TABLE IF EXISTS d RENAME TO d_old; END $$;",
            "DROP TABLE d_old;",
        ],
    ];
    let mut missed = Vec::new();
    for statements in files {
        let sql = statements.join("\n") + "\n";
        for model in [None, Some(ApplyModel::FileTransaction)] {
            let server = crash_point_failures(&db, statements, model);
            let lint = retry_lines_in_model(&sql, model);
            if server.iter().any(|line| !lint.contains(line)) {
                missed.push(format!(
                    "{sql}({model:?}): lint flags lines {lint:?}, the server fails at {server:?}"
                ));
            }
        }
    }
    assert!(missed.is_empty(), "{missed:#?}");
}
