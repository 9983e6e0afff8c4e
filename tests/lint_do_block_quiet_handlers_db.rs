//! DO blocks whose handlers, declarations or branch conditions act without touching what the
//! proofs need, each compared with PostgreSQL 15 at every crash point and under a per-file
//! transaction: lint flags exactly the lines the server fails at.

mod common;

use common::retry::{assert_crash_points_agree, Case};

/// Tables that exist before the file runs: a log the handlers write to, a table only the near
/// case's block drops, and one whose column a case renames.
const SETUP: &str =
    "CREATE TABLE qh_log (msg text, at int); CREATE TABLE qd_e (id int); CREATE TABLE qr_pre (a int);";

/// A drop (PF110) of the column a DO block's whole-body rename gives, under handlers that act
/// but take no object away and fail on no name: `PERFORM` of literals, an `INSERT … VALUES` of
/// literals, `SQLERRM` and `SQLSTATE` into a log, an `ADD COLUMN IF NOT EXISTS` of another
/// name than the old one on the renamed table. A run that found the old column leaves the new
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
    // A handler that adds a column of another name, if missing, to the renamed table: it
    // takes nothing away and does not make the old name again.
    Case {
        name: "a handler that adds the new column if missing",
        statements: &[
            "CREATE TABLE IF NOT EXISTS qh_d (id int);",
            "ALTER TABLE qh_d ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE qh_d RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column OR duplicate_column THEN ALTER TABLE qh_d ADD COLUMN IF NOT EXISTS y int; END $$;",
            "ALTER TABLE qh_d DROP COLUMN y;",
        ],
    },
    Case {
        name: "a handler that adds a third column if missing",
        statements: &[
            "CREATE TABLE IF NOT EXISTS qh_e (id int);",
            "ALTER TABLE qh_e ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE qh_e RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column OR duplicate_column THEN ALTER TABLE qh_e ADD COLUMN IF NOT EXISTS z varchar(10); END $$;",
            "ALTER TABLE qh_e DROP COLUMN y;",
        ],
    },
];

#[test]
fn a_drop_after_a_do_block_rename_under_handlers_that_perform_or_log_is_not_flagged() {
    assert_crash_points_agree(SETUP, RENAMED_UNDER_QUIET_HANDLERS);
}

/// A drop in a DO block of what the statements right before the block make on every run
/// (PF109), behind a `DECLARE` section of plain declarations or first in the branch of an `IF`
/// whose condition calls nothing: every run that gets to the drop finds the object. A block
/// that always drops, after a `DECLARE`, frees the name for a creation after it (PF101).
const DROPS_AFTER_DECLARE_OR_IF: &[Case] = &[
    Case {
        name: "a drop after a DECLARE section",
        statements: &[
            "CREATE TABLE IF NOT EXISTS qd_a (id int);",
            "DO $$ DECLARE n int := 0; BEGIN DROP TABLE qd_a; END $$;",
        ],
    },
    Case {
        name: "a drop first in an IF branch whose condition reads the catalog",
        statements: &[
            "CREATE TABLE IF NOT EXISTS qd_b (id int);",
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qd_other') THEN DROP TABLE qd_b; END IF; END $$;",
        ],
    },
    Case {
        name: "a drop after a write in an IF branch, after a DECLARE section",
        statements: &[
            "CREATE TABLE IF NOT EXISTS qd_g (id int);",
            "DO $$ DECLARE n int := 1; BEGIN IF n > 0 AND NOT (n = 2) THEN INSERT INTO qd_g VALUES (n); DROP TABLE qd_g; END IF; END $$;",
        ],
    },
    // The block always drops the table, so the creation after it finds the name free; the
    // first creation fails on a retry after a crash past it.
    Case {
        name: "a creation after a block that always drops, after a DECLARE section",
        statements: &[
            "CREATE TABLE qd_d (id int);",
            "DO $$ DECLARE n int := 0; s text; BEGIN DROP TABLE qd_d; END $$;",
            "CREATE TABLE qd_d (id int);",
        ],
    },
    // Near: nothing makes the table before the block, and a retry finds it gone.
    Case {
        name: "a drop after a DECLARE section of a table the file does not make",
        statements: &["DO $$ DECLARE n int := 0; BEGIN DROP TABLE qd_e; END $$;"],
    },
];

#[test]
fn a_do_block_drop_after_a_declare_or_first_in_an_if_branch_is_flagged_where_postgres_fails() {
    assert_crash_points_agree(SETUP, DROPS_AFTER_DECLARE_OR_IF);
}

/// A column renamed away and back (PF118), statement by statement: a retry after a crash
/// between the renames fails at the first (its old name gone) and the rename back finds the
/// column it gave, so only the first is flagged. Under a per-file transaction every re-run
/// passes. Near: an `ADD COLUMN IF NOT EXISTS` of the old name before the renames makes it
/// again beside the new one, and both renames fail; a later rename of the column away again
/// leaves neither name for a retry.
const COLUMN_RENAMED_BACK: &[Case] = &[
    Case {
        name: "a column renamed away and back on a table made if missing",
        statements: &[
            "CREATE TABLE IF NOT EXISTS qr_b (a int);",
            "ALTER TABLE qr_b RENAME COLUMN a TO b;",
            "ALTER TABLE qr_b RENAME COLUMN b TO a;",
        ],
    },
    Case {
        name: "a column of a table made before the file, renamed away and back",
        statements: &[
            "ALTER TABLE qr_pre RENAME COLUMN a TO b;",
            "ALTER TABLE qr_pre RENAME COLUMN b TO a;",
        ],
    },
    Case {
        name: "a column added if missing, renamed away and back",
        statements: &[
            "CREATE TABLE IF NOT EXISTS qr_a (id int);",
            "ALTER TABLE qr_a ADD COLUMN IF NOT EXISTS a int;",
            "ALTER TABLE qr_a RENAME COLUMN a TO b;",
            "ALTER TABLE qr_a RENAME COLUMN b TO a;",
        ],
    },
    Case {
        name: "a column renamed away and back, then away again",
        statements: &[
            "CREATE TABLE IF NOT EXISTS qr_c (a int);",
            "ALTER TABLE qr_c RENAME COLUMN a TO b;",
            "ALTER TABLE qr_c RENAME COLUMN b TO a;",
            "ALTER TABLE qr_c RENAME COLUMN a TO c;",
        ],
    },
];

#[test]
fn a_column_renamed_back_is_flagged_where_postgres_fails() {
    assert_crash_points_agree(SETUP, COLUMN_RENAMED_BACK);
}
