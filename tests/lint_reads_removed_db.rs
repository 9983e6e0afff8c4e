//! PF123 where the file itself decides whether a read survives a retry: a statement before the
//! read that adds back what a later one removes. Each case runs twice on the real server; lint
//! must flag exactly the statement whose second run fails.

mod common;

use common::retry::{dialect_options, retry_mismatches, RetryCase as Case};
use common::ScratchDb;
use preflight::sql::Dialect;

const PG_SETUP: &str = "CREATE TABLE t (id int, old int);\n\
                        CREATE TABLE p (id int PRIMARY KEY);\n\
                        CREATE TABLE c (id int, p_id int, x int);";

fn added_back_cases() -> Vec<Case> {
    vec![
        Case {
            name: "a DO block adds the column back, reads it, drops it",
            sql: "DO $$ BEGIN ALTER TABLE t ADD COLUMN IF NOT EXISTS old int; UPDATE t SET old = 1; ALTER TABLE t DROP COLUMN IF EXISTS old; END $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "the file adds the column back, reads it, drops it",
            sql: "ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\nUPDATE t SET old = 1;\nALTER TABLE t DROP COLUMN old;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block adds the column back and reads it, the file drops it",
            sql: "DO $$\nBEGIN\n    ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\n    UPDATE t SET old = 1;\nEND $$;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block adds the column back only in an IF the read is not in",
            sql: "DO $$\nBEGIN\n    IF (SELECT count(*) FROM t) > 0 THEN\n        ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\n    END IF;\n    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\nEND $$;\n".into(),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "the read comes before the file adds the column back",
            sql: "UPDATE t SET old = 1;\nALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "a CREATE TABLE IF NOT EXISTS does not bring a dropped column back",
            sql: "CREATE TABLE IF NOT EXISTS t (id int, old int);\nUPDATE t SET old = 1;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: Some("UPDATE t SET old"),
        },
    ]
}

#[test]
fn a_read_of_what_the_file_or_its_block_adds_back_first_survives_a_retry_on_postgres() {
    let failures = retry_mismatches(
        &added_back_cases(),
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        PG_SETUP,
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
