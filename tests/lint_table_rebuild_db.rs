//! The table rebuild (`CREATE TABLE t_new …; INSERT INTO t_new SELECT … FROM t; DROP TABLE t;
//! ALTER TABLE t_new RENAME TO t`, as SQLite migrations and many PostgreSQL ones write it):
//! the final rename makes `t` again, so a re-run of the whole file starts with `t` there and
//! `t_new` gone, and every run that reaches the rename finds `t_new` (made by the CREATE of
//! the same run) and `t` free (dropped right before). Lint is compared with PostgreSQL at every
//! retry each apply model allows, going on past a failing statement the way lint judges a
//! statement (as if the ones before it were fixed: a failing one changes nothing). The column
//! rebuild (`ADD COLUMN c_new …; UPDATE t SET c_new = c; DROP COLUMN c; RENAME COLUMN c_new TO
//! c`) is the same under a per-file transaction: a re-run starts with `t.c` there. So is the
//! swap that drops the old table at the end (`RENAME t TO t_old; RENAME t_new TO t; DROP TABLE
//! t_old`), and a `CREATE TABLE t_new AS SELECT * FROM t` copy in every model.

mod common;

use common::retry::{crash_point_mismatches, dialect_options, retry_findings, Case};
use common::ScratchDb;
use preflight::fix::fix_source;
use preflight::lint::LintOptions;
use preflight::runner::{ApplyModel, Runner};
use preflight::source::SourceFile;
use preflight::sql::Dialect;

const SETUP: &str = "CREATE TABLE d (id int);\nINSERT INTO d VALUES (1);\nCREATE SCHEMA a;\n\
                     CREATE TABLE t (id int, c text);\nINSERT INTO t VALUES (1, 'x');";

const REBUILD: &[&str] = &[
    "CREATE TABLE d_new (id int);",
    "INSERT INTO d_new SELECT * FROM d;",
    "DROP TABLE d;",
    "ALTER TABLE d_new RENAME TO d;",
];

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "the table rebuild",
            statements: REBUILD,
        },
        Case {
            name: "the table rebuild with DROP TABLE IF EXISTS",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "INSERT INTO d_new SELECT * FROM d;",
                "DROP TABLE IF EXISTS d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the rebuilt table lacks the column the copy reads: a re-run's copy fails",
            statements: &[
                "CREATE TABLE d_new (n int);",
                "INSERT INTO d_new SELECT id FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the rebuild copies named columns",
            statements: &[
                "CREATE TABLE d_new (id int, n int);",
                "INSERT INTO d_new (id) SELECT id FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the old table renamed away, not dropped: a re-run meets d_old and d taken",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the new table renamed to another name: the file leaves d dropped",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "INSERT INTO d_new SELECT * FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d2;",
            ],
        },
        Case {
            name: "a view over the new d blocks the drop on a re-run: d is taken at the rename",
            statements: &[
                "CREATE TABLE d_new (id int);",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
                "CREATE VIEW dv AS SELECT * FROM d;",
            ],
        },
        Case {
            name: "the new table in another schema: the rename makes a.d, which a re-run meets",
            statements: &[
                "CREATE TABLE a.d_new (id int);",
                "DROP TABLE d;",
                "ALTER TABLE a.d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the swap with the old table dropped at the end",
            statements: &[
                "CREATE TABLE d_new (id int PRIMARY KEY);",
                "INSERT INTO d_new SELECT * FROM d;",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the swap with IF NOT EXISTS and the old table dropped at the end",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new (id int PRIMARY KEY);",
                "INSERT INTO d_new SELECT * FROM d;",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the swap of a CREATE TABLE AS copy, the old table dropped at the end",
            statements: &[
                "CREATE TABLE d_new AS SELECT * FROM d;",
                "ALTER TABLE d RENAME TO d_old;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d_old;",
            ],
        },
        Case {
            name: "the rebuild of a CREATE TABLE AS copy",
            statements: &[
                "CREATE TABLE d_new AS SELECT * FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the rebuild of a CREATE TABLE IF NOT EXISTS … AS copy",
            statements: &[
                "CREATE TABLE IF NOT EXISTS d_new AS SELECT * FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the rebuild of a CREATE TABLE AS copy of named columns",
            statements: &[
                "CREATE TABLE d_new AS SELECT id FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the CREATE TABLE AS copy renames the column: a re-run's copy fails",
            statements: &[
                "CREATE TABLE d_new AS SELECT id AS n FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
            ],
        },
        Case {
            name: "the CREATE TABLE AS rebuild dropped again: a re-run's copy fails",
            statements: &[
                "CREATE TABLE d_new AS SELECT * FROM d;",
                "DROP TABLE d;",
                "ALTER TABLE d_new RENAME TO d;",
                "DROP TABLE d;",
            ],
        },
        Case {
            name: "the column swap with the old column dropped at the end",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE t RENAME COLUMN c TO c_old;",
                "ALTER TABLE t RENAME COLUMN c_new TO c;",
                "ALTER TABLE t DROP COLUMN c_old;",
            ],
        },
        Case {
            name: "the column rebuild",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE t DROP COLUMN c;",
                "ALTER TABLE t RENAME COLUMN c_new TO c;",
            ],
        },
        Case {
            name: "the new column renamed to another name: the file leaves t.c dropped",
            statements: &[
                "ALTER TABLE t ADD COLUMN c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE t DROP COLUMN c;",
                "ALTER TABLE t RENAME COLUMN c_new TO c2;",
            ],
        },
        Case {
            name: "the column copied and dropped, no rename back: a re-run's copy fails",
            statements: &[
                "ALTER TABLE t ADD COLUMN IF NOT EXISTS c_new text;",
                "UPDATE t SET c_new = c;",
                "ALTER TABLE t DROP COLUMN c;",
            ],
        },
    ]
}

#[test]
fn the_table_rebuild_matches_postgres_at_every_crash_point_in_both_models() {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    let failures = crash_point_mismatches(&db, &cases());
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_rebuild_rename_is_not_flagged_in_either_model() {
    let sql = REBUILD.join("\n") + "\n";
    for model in [None, Some(ApplyModel::FileTransaction)] {
        let options = LintOptions {
            dialect: Dialect::Postgres,
            runner: model.map(|m| Runner::UNKNOWN.declaring(Some(m))),
            ..LintOptions::default()
        };
        let codes: Vec<&str> = retry_findings(&sql, &options)
            .iter()
            .map(|f| f.rule.code)
            .collect();
        assert!(!codes.contains(&"PF118"), "{model:?}: {codes:?}");
        if model.is_some() {
            assert!(
                !codes.contains(&"PF123") && !codes.contains(&"PF109"),
                "{codes:?}"
            );
        }
    }
}

#[test]
fn the_fixed_table_rebuild_runs_twice_on_postgres() {
    let sql = REBUILD.join("\n") + "\n";
    let options = dialect_options(Dialect::Postgres);
    let fixed = fix_source(&SourceFile::new("m.sql", sql.as_str()), &options, false).fixed;
    assert_ne!(fixed, sql);
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    db.exec(&fixed);
    db.exec(&fixed);
    assert_eq!(db.query("SELECT count(*) FROM d"), ["1"]);
}
