//! DO blocks whose handlers or declarations act without touching what the proofs need, each
//! compared with PostgreSQL 15 at every crash point and under a per-file transaction: lint flags
//! exactly the lines the server fails at.

mod common;

use common::retry::{assert_crash_points_agree, Case};

/// Tables that exist before the file runs: a log the handlers write to.
const SETUP: &str = "CREATE TABLE qh_log (msg text, at int);";

/// A drop (PF110) of the column a DO block's whole-body rename gives, under handlers that act
/// but change no object and fail on no name: `PERFORM` of literals, an `INSERT … VALUES` of
/// literals, `SQLERRM` and `SQLSTATE` into a log. A run that found the old column leaves the new
/// one, whether the rename runs or fails on the new name taken into the handler.
const RENAMED_UNDER_QUIET_HANDLERS: &[Case] = &[
    Case {
        name: "a handler that performs a literal",
        statements: &[
            "CREATE TABLE IF NOT EXISTS qh_a (id int);",
            "ALTER TABLE qh_a ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE qh_a RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column OR duplicate_column THEN PERFORM 1; END $$;",
            "ALTER TABLE qh_a DROP COLUMN y;",
        ],
    },
    Case {
        name: "a handler that logs a row",
        statements: &[
            "CREATE TABLE IF NOT EXISTS qh_b (id int);",
            "ALTER TABLE qh_b ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE qh_b RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column OR duplicate_column THEN INSERT INTO qh_log (msg, at) VALUES ('skipped', 1); END $$;",
            "ALTER TABLE qh_b DROP COLUMN y;",
        ],
    },
    Case {
        name: "handlers that log the error and raise a notice",
        statements: &[
            "CREATE TABLE IF NOT EXISTS qh_c (id int);",
            "ALTER TABLE qh_c ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE qh_c RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN INSERT INTO qh_log VALUES (SQLERRM, 2), (SQLSTATE, 3); RAISE NOTICE 'gone'; WHEN duplicate_column THEN PERFORM 'taken', 4; END $$;",
            "ALTER TABLE qh_c DROP COLUMN y;",
        ],
    },
];

#[test]
fn a_drop_after_a_do_block_rename_under_handlers_that_perform_or_log_is_not_flagged() {
    assert_crash_points_agree(SETUP, RENAMED_UNDER_QUIET_HANDLERS);
}
