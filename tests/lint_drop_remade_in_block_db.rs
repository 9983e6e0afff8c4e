//! PF109, PF110 and PF111 in a DO block: a drop without IF EXISTS of what the statement right
//! before it in the same block makes (`ADD COLUMN IF NOT EXISTS`, `CREATE … IF NOT EXISTS`)
//! finds it there on every run, a retry too, as at the top level. Each case runs twice on the
//! real server; lint must flag exactly the statement whose second run fails.

mod common;

use common::retry::{dialect_options, retry_findings, retry_mismatches, RetryCase as Case};
use common::ScratchDb;
use preflight::sql::Dialect;

const PG_SETUP: &str = "CREATE TABLE t (id int, old int);\n\
                        CREATE SCHEMA a;\n\
                        CREATE TABLE a.t (id int);";

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a DO block adds the column back, reads it, drops it",
            sql: "DO $$ BEGIN ALTER TABLE t ADD COLUMN IF NOT EXISTS old int; UPDATE t SET old = 1; ALTER TABLE t DROP COLUMN old; END $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block creates a table, then drops it",
            sql: "DO $$\nBEGIN\n    CREATE TABLE IF NOT EXISTS scratch (id int);\n    DROP TABLE scratch;\nEND $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block creates an index, then drops it",
            sql: "DO $$\nBEGIN\n    CREATE INDEX IF NOT EXISTS t_id ON t (id);\n    DROP INDEX t_id;\nEND $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block adds the column back only in an IF",
            sql: "DO $$\nBEGIN\n    IF (SELECT count(*) FROM t) > 0 THEN\n        ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\n    END IF;\n    ALTER TABLE t DROP COLUMN old;\nEND $$;\n".into(),
            fails_at: Some("DROP COLUMN old"),
        },
        Case {
            name: "a DO block adds the column to another schema's table",
            sql: "DO $$\nBEGIN\n    ALTER TABLE a.t ADD COLUMN IF NOT EXISTS old int;\n    ALTER TABLE t DROP COLUMN old;\nEND $$;\n".into(),
            fails_at: Some("DROP COLUMN old"),
        },
        Case {
            name: "a CREATE TABLE IF NOT EXISTS in the block does not bring a dropped column back",
            sql: "DO $$\nBEGIN\n    CREATE TABLE IF NOT EXISTS t (id int, old int);\n    ALTER TABLE t DROP COLUMN old;\nEND $$;\n".into(),
            fails_at: Some("DROP COLUMN old"),
        },
        Case {
            name: "the column is added back in an earlier block",
            sql: "DO $$ BEGIN ALTER TABLE a.t ADD COLUMN IF NOT EXISTS old int; END $$;\nDO $$ BEGIN ALTER TABLE t DROP COLUMN old; END $$;\n".into(),
            fails_at: Some("DROP COLUMN old"),
        },
    ]
}

#[test]
fn a_drop_of_what_its_do_block_makes_right_before_survives_a_retry_on_postgres() {
    let failures = retry_mismatches(
        &cases(),
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        PG_SETUP,
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_drop_constraint_of_what_its_do_block_adds_right_before_is_not_flagged() {
    // The ADD CONSTRAINT runs again on a retry only after the drop took it: PF116 still flags
    // it (a separate false positive), PF111 must not flag the drop.
    let sql = "DO $$\nBEGIN\n    ALTER TABLE t ADD CONSTRAINT t_pos CHECK (id > 0);\n    ALTER TABLE t DROP CONSTRAINT t_pos;\nEND $$;\n";
    let db = ScratchDb::postgres();
    db.exec(PG_SETUP);
    db.exec(sql);
    db.exec(sql);
    let found = retry_findings(sql, &dialect_options(Dialect::Postgres));
    assert!(!found.iter().any(|f| f.rule.code == "PF111"), "{found:#?}");
}
