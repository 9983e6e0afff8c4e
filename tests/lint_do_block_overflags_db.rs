//! DO blocks whose retries PostgreSQL passes, though lint flagged them: a drop the block itself
//! makes good again later in its straight run (PF109, PF110, PF108), a handler's drop of the
//! table whose "already exists" it catches (PF109), the reads and drops after such a block
//! under a per-file transaction, a creation under a handler of its own "already exists" after
//! a `DECLARE` section, and a rename of the name a handled whole-body rename gives. Lint is
//! compared with PostgreSQL 15 at every crash point and under a per-file transaction; the
//! cases that stay flagged fail on the server too.

mod common;

use common::retry::{assert_crash_points_agree, crash_point_failures, retry_lines_in_model, Case};
use common::ScratchDb;
use preflight::runner::ApplyModel;

const SETUP: &str = "CREATE TABLE do_t1 (id int); \
                     CREATE TABLE do_u2 (id int); CREATE INDEX do_i2 ON do_u2 (id); \
                     CREATE SCHEMA do_s; CREATE TABLE do_s.do_t3 (id int); \
                     CREATE TABLE do_t4 (id int);";

/// The block drops and makes again, atomically: every run that gets past it leaves the object,
/// and no other statement removes it.
const MADE_AGAIN: &[Case] = &[
    Case {
        name: "a table there before the file, dropped and made again in a block",
        statements: &["DO $$ BEGIN DROP TABLE do_t1; CREATE TABLE do_t1 (id int); END $$;"],
    },
    // Still flagged: the index goes with its table after the block.
    Case {
        name: "an index made again, its table dropped after the block",
        statements: &[
            "DO $$ BEGIN DROP INDEX do_i2; CREATE INDEX do_i2 ON do_u2 (id); END $$;",
            "DROP TABLE do_u2;",
        ],
    },
    // Still flagged: the creation makes another schema's table.
    Case {
        name: "the drop of another schema's table",
        statements: &["DO $$ BEGIN DROP TABLE do_s.do_t3; CREATE TABLE do_t3 (id int); END $$;"],
    },
    // Still flagged: renamed away after the block.
    Case {
        name: "renamed away after the block",
        statements: &[
            "DO $$ BEGIN DROP TABLE do_t4; CREATE TABLE do_t4 (id int); END $$;",
            "ALTER TABLE do_t4 RENAME TO do_t4b;",
        ],
    },
];

/// A column of a table made right before the block, dropped and added again in it.
const COLUMN_MADE_AGAIN: &[Case] = &[
    Case {
        name: "made right before, two statements in the block",
        statements: &[
            "CREATE TABLE do_r1 (id int, c int);",
            "DO $$ BEGIN ALTER TABLE do_r1 DROP COLUMN c; ALTER TABLE do_r1 ADD COLUMN c int; END $$;",
        ],
    },
    Case {
        name: "made if missing right before",
        statements: &[
            "CREATE TABLE IF NOT EXISTS do_r2 (id int, c int);",
            "DO $$ BEGIN ALTER TABLE do_r2 DROP COLUMN c; ALTER TABLE do_r2 ADD COLUMN c int; END $$;",
        ],
    },
    Case {
        name: "one ALTER that drops and adds",
        statements: &[
            "CREATE TABLE IF NOT EXISTS do_r3 (id int, c int);",
            "DO $$ BEGIN ALTER TABLE do_r3 DROP COLUMN c, ADD COLUMN c int; END $$;",
        ],
    },
    Case {
        name: "the column added right before",
        statements: &[
            "CREATE TABLE IF NOT EXISTS do_r4 (id int);",
            "ALTER TABLE do_r4 ADD COLUMN IF NOT EXISTS c int;",
            "DO $$ BEGIN ALTER TABLE do_r4 DROP COLUMN c; ALTER TABLE do_r4 ADD COLUMN c int; END $$;",
        ],
    },
    Case {
        name: "the table dropped after the block",
        statements: &[
            "CREATE TABLE do_r5 (id int, c int);",
            "DO $$ BEGIN ALTER TABLE do_r5 DROP COLUMN c; ALTER TABLE do_r5 ADD COLUMN c text; END $$;",
            "DROP TABLE do_r5;",
        ],
    },
    Case {
        name: "made if missing, the table dropped after the block",
        statements: &[
            "CREATE TABLE IF NOT EXISTS do_r6 (id int, c int);",
            "DO $$ BEGIN ALTER TABLE do_r6 DROP COLUMN c; ALTER TABLE do_r6 ADD COLUMN c int; END $$;",
            "DROP TABLE do_r6;",
        ],
    },
];

/// `CREATE TABLE b …; EXCEPTION WHEN duplicate_table THEN DROP TABLE b`: the handler runs only
/// when `b` is there. Statement by statement, a retry after the block drops `b` and fails at
/// what follows; under a per-file transaction the file's last drop leaves `b` free for the
/// block, which makes it.
const DROPPED_WHERE_TAKEN: &[Case] = &[
    Case {
        name: "read and dropped after the block",
        statements: &[
            "CREATE TABLE do_a5 (id int);",
            "DO $$ BEGIN CREATE TABLE do_b5 (id int); EXCEPTION WHEN duplicate_table THEN DROP TABLE do_b5; END $$;",
            "INSERT INTO do_b5 VALUES (1);",
            "DROP TABLE do_b5;",
        ],
    },
    Case {
        name: "a select before the drop, by SQLSTATE",
        statements: &[
            "DO $$ BEGIN CREATE TABLE do_b6 (id int); EXCEPTION WHEN SQLSTATE '42P07' THEN DROP TABLE do_b6; END $$;",
            "SELECT id FROM do_b6;",
            "DROP TABLE do_b6;",
        ],
    },
    Case {
        name: "renamed after the block",
        statements: &[
            "DO $$ BEGIN CREATE TABLE do_b7 (id int); EXCEPTION WHEN duplicate_table THEN DROP TABLE do_b7; END $$;",
            "ALTER TABLE do_b7 RENAME TO do_c7;",
        ],
    },
];

/// A creation under a handler of its own "already exists", or in an IF that checks its
/// absence, after a `DECLARE` section: a later top-level drop finds it.
const MADE_WHERE_FREE: &[Case] = &[
    Case {
        name: "a type under a handler after a DECLARE section",
        statements: &[
            "DO $$ DECLARE n int; BEGIN CREATE TYPE do_m1 AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            "DROP TYPE do_m1;",
        ],
    },
    Case {
        name: "a type under a handler",
        statements: &[
            "DO $$ BEGIN CREATE TYPE do_m2 AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            "DROP TYPE do_m2;",
        ],
    },
    Case {
        name: "a type in an IF that checks its absence after a DECLARE section",
        statements: &[
            "DO $$ DECLARE n int; BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'do_m3') THEN CREATE TYPE do_m3 AS ENUM ('a'); END IF; END $$;",
            "DROP TYPE do_m3;",
        ],
    },
    Case {
        name: "a table under a handler after a DECLARE section",
        statements: &[
            "DO $$ DECLARE n int := 0; BEGIN CREATE TABLE do_m4 (id int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "DROP TABLE do_m4;",
        ],
    },
    Case {
        name: "a type made again after the drop",
        statements: &[
            "DO $$ DECLARE n int; BEGIN CREATE TYPE do_m5 AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            "DROP TYPE do_m5;",
            "CREATE TYPE do_m5 AS ENUM ('b');",
        ],
    },
];

/// The name a whole-body rename under handlers of the old name missing and the new one taken
/// gives, of a table made right before: every run that gets past the block finds it, so a
/// top-level rename of it after the block either runs or fails on its own new name taken, and
/// what it gives is there for the drop after it.
const RENAMED_AFTER_HANDLED_RENAME: &[Case] = &[Case {
    name: "renamed again and dropped",
    statements: &[
        "CREATE TABLE do_c (id int);",
        "DO $$ BEGIN ALTER TABLE do_c RENAME TO do_d; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
        "ALTER TABLE do_d RENAME TO do_e;",
        "DROP TABLE do_e;",
    ],
}];

#[test]
fn a_drop_the_block_makes_good_again_is_not_flagged_on_postgres() {
    assert_crash_points_agree(SETUP, MADE_AGAIN);
}

#[test]
fn a_column_the_block_drops_and_adds_again_is_not_flagged_on_postgres() {
    assert_crash_points_agree("", COLUMN_MADE_AGAIN);
}

#[test]
fn a_handler_drop_of_the_table_whose_name_was_taken_is_not_flagged_on_postgres() {
    assert_crash_points_agree("", DROPPED_WHERE_TAKEN);
}

#[test]
fn a_creation_under_its_own_handler_after_a_declare_proves_a_later_drop_on_postgres() {
    assert_crash_points_agree("", MADE_WHERE_FREE);
}

#[test]
fn a_rename_of_the_name_a_handled_rename_gives_proves_its_drop_on_postgres() {
    assert_crash_points_agree("", RENAMED_AFTER_HANDLED_RENAME);
}

/// The same handled block with no later statement removing the table: every retry's handler
/// drops the table the first run made and leaves none, so the read after it fails in both
/// models. Lint keeps the block's PF109, and PF123 reports the read
/// (`tests/lint_do_block_handler_drop_reads_db.rs`).
#[test]
fn a_handler_drop_of_a_table_the_file_keeps_stays_flagged_on_postgres() {
    let statements = [
        "DO $$ BEGIN CREATE TABLE do_b8 (id int); EXCEPTION WHEN duplicate_table THEN DROP TABLE do_b8; END $$;",
        "SELECT id FROM do_b8;",
    ];
    let sql = statements.join("\n") + "\n";
    let db = ScratchDb::postgres();
    for model in [None, Some(ApplyModel::FileTransaction)] {
        assert_eq!(
            crash_point_failures(&db, &statements, model),
            vec![2],
            "{model:?}"
        );
        assert_eq!(retry_lines_in_model(&sql, model), vec![1, 2], "{model:?}");
    }
}
