//! PF109, PF110 and PF111 in a DO block: a drop without IF EXISTS of what the statement right
//! before it in the same block makes (`ADD COLUMN IF NOT EXISTS`, `CREATE … IF NOT EXISTS`)
//! finds it there on every run, a retry too, as at the top level. PF115 and PF116 the other way
//! round: a creation without a guard of what a later statement of the same block removes again
//! finds the name free on a retry. Each case runs twice on the real server; lint must flag
//! exactly the statement whose second run fails.

mod common;

use common::retry::{dialect_options, retry_findings, retry_mismatches, RetryCase as Case};
use common::ScratchDb;
use preflight::fix::fix_source;
use preflight::source::SourceFile;
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
    // The ADD CONSTRAINT runs again on a retry only after the drop took it: neither PF116 nor
    // PF111 flags the block.
    let sql = "DO $$\nBEGIN\n    ALTER TABLE t ADD CONSTRAINT t_pos CHECK (id > 0);\n    ALTER TABLE t DROP CONSTRAINT t_pos;\nEND $$;\n";
    let db = ScratchDb::postgres();
    db.exec(PG_SETUP);
    db.exec(sql);
    db.exec(sql);
    let found = retry_findings(sql, &dialect_options(Dialect::Postgres));
    assert!(found.is_empty(), "{found:#?}");
}

fn made_and_removed_cases() -> Vec<Case> {
    vec![
        Case {
            name: "a DO block adds a constraint, then drops it",
            sql: "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT t_c CHECK (id > 0); ALTER TABLE t DROP CONSTRAINT t_c; END $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block creates a type, then drops it",
            sql: "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); DROP TYPE mood; END $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block creates a type, then drops it with IF EXISTS",
            sql: "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); DROP TYPE IF EXISTS mood; END $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block adds a constraint, then drops it with IF EXISTS",
            sql: "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT t_c CHECK (id > 0); ALTER TABLE t DROP CONSTRAINT IF EXISTS t_c; END $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block creates a type, renames it, drops it under the new name",
            sql: "DO $$\nBEGIN\n    CREATE TYPE mood AS ENUM ('a');\n    ALTER TYPE mood RENAME TO mood_old;\n    DROP TYPE mood_old;\nEND $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block adds a constraint, renames it, drops it under the new name",
            sql: "DO $$\nBEGIN\n    ALTER TABLE t ADD CONSTRAINT t_c CHECK (id > 0);\n    ALTER TABLE t RENAME CONSTRAINT t_c TO t_c2;\n    ALTER TABLE t DROP CONSTRAINT t_c2;\nEND $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block adds a column back, renames it, reads and drops it under the new name",
            sql: "DO $$\nBEGIN\n    ALTER TABLE t ADD COLUMN IF NOT EXISTS tmp int;\n    ALTER TABLE t RENAME COLUMN tmp TO tmp2;\n    UPDATE t SET tmp2 = 1;\n    ALTER TABLE t DROP COLUMN tmp2;\nEND $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block renames the type it creates, the new name dropped only in an IF",
            sql: "DO $$\nBEGIN\n    CREATE TYPE mood AS ENUM ('a');\n    ALTER TYPE mood RENAME TO mood_old;\n    IF (SELECT count(*) FROM t) > 0 THEN\n        DROP TYPE IF EXISTS mood_old;\n    END IF;\nEND $$;\n".into(),
            fails_at: Some("RENAME TO mood_old"),
        },
        Case {
            name: "a DO block creates a type it does not drop",
            sql: "DO $$\nBEGIN\n    CREATE TYPE mood AS ENUM ('a');\n    DROP TYPE IF EXISTS other;\nEND $$;\n".into(),
            fails_at: Some("CREATE TYPE mood"),
        },
        Case {
            name: "a DO block adds a constraint it does not drop",
            sql: "DO $$\nBEGIN\n    ALTER TABLE t ADD CONSTRAINT t_c CHECK (id > 0);\n    ALTER TABLE t DROP CONSTRAINT IF EXISTS t_other;\nEND $$;\n".into(),
            fails_at: Some("ADD CONSTRAINT t_c"),
        },
        Case {
            name: "a DO block drops the constraint only in an IF",
            sql: "DO $$\nBEGIN\n    ALTER TABLE t ADD CONSTRAINT t_c CHECK (id > 0);\n    IF (SELECT count(*) FROM t) > 0 THEN\n        ALTER TABLE t DROP CONSTRAINT IF EXISTS t_c;\n    END IF;\nEND $$;\n".into(),
            fails_at: Some("ADD CONSTRAINT t_c"),
        },
        Case {
            name: "a DO block drops the type of the same name in another schema",
            sql: "DO $$\nBEGIN\n    CREATE TYPE a.mood AS ENUM ('a');\n    DROP TYPE IF EXISTS mood;\nEND $$;\n".into(),
            fails_at: Some("CREATE TYPE a.mood"),
        },
        Case {
            name: "a DO block drops the constraint of another schema's table",
            sql: "DO $$\nBEGIN\n    ALTER TABLE a.t ADD CONSTRAINT t_c CHECK (id > 0);\n    ALTER TABLE t DROP CONSTRAINT IF EXISTS t_c;\nEND $$;\n".into(),
            fails_at: Some("ADD CONSTRAINT t_c"),
        },
        Case {
            name: "a DO block renames the type away and keeps it: the rename fails",
            sql: "DO $$\nBEGIN\n    CREATE TYPE mood AS ENUM ('a');\n    ALTER TYPE mood RENAME TO mood_old;\n    DROP TYPE IF EXISTS mood;\nEND $$;\n".into(),
            fails_at: Some("RENAME TO mood_old"),
        },
    ]
}

#[test]
fn a_creation_its_do_block_removes_again_survives_a_retry_on_postgres() {
    let options = dialect_options(Dialect::Postgres);
    let cases = made_and_removed_cases();
    let failures = retry_mismatches(&cases, &options, ScratchDb::postgres, PG_SETUP);
    assert!(failures.is_empty(), "{failures:#?}");
    // Nothing flagged, nothing to fix: `fix` leaves such a block as it is.
    for case in cases.iter().filter(|c| c.fails_at.is_none()) {
        let outcome = fix_source(&SourceFile::new("m.sql", case.sql.as_str()), &options, true);
        assert_eq!(outcome.fixed, case.sql, "{}", case.name);
    }
}
