//! PF101 after a DO block that drops the table: a drop the block always runs (the straight run
//! from the body's `BEGIN`, no handler, nothing later in the body on the name) leaves the name
//! free as a top-level drop does, so a plain `CREATE TABLE` of it after the block makes it on
//! every run, a retry too (`CREATE TABLE t …; DO $$ BEGIN DROP TABLE t; END $$; CREATE TABLE t
//! …`). A drop behind an IF, or under a handler that may keep the table, stays flagged. A
//! creation in the block right after its drop is not flagged. Lint is compared with PostgreSQL
//! at every crash point and under a per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, Case};

const SETUP: &str =
    "CREATE TABLE dr_keep (id int); CREATE TABLE dr_x4 (id int); CREATE SCHEMA dr_a;";

const CASES: &[Case] = &[
    Case {
        name: "a table dropped by a block, made again after it",
        statements: &[
            "CREATE TABLE dr_t (id int);",
            "DO $$ BEGIN DROP TABLE dr_t; END $$;",
            "CREATE TABLE dr_t (id int);",
        ],
    },
    Case {
        name: "dropped after a write in the block's straight run",
        statements: &[
            "CREATE TABLE dr_t2 (id int);",
            "DO $$ BEGIN INSERT INTO dr_t2 VALUES (1); DROP TABLE dr_t2; END $$;",
            "CREATE TABLE dr_t2 (id int);",
        ],
    },
    Case {
        name: "dropped only behind an IF",
        statements: &[
            "CREATE TABLE dr_t3 (id int);",
            "DO $$ BEGIN IF (SELECT count(*) FROM dr_keep) > 0 THEN DROP TABLE dr_t3; END IF; END $$;",
            "CREATE TABLE dr_t3 (id int);",
        ],
    },
    Case {
        name: "dropped under a handler that may keep it",
        statements: &[
            "CREATE TABLE IF NOT EXISTS dr_t4 (id int);",
            "DO $$ BEGIN DROP TABLE dr_t4; DROP TABLE dr_x4; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "CREATE TABLE dr_t4 (id int);",
        ],
    },
    // Dropped at the top level after the block, not made a third time: a `CREATE TABLE dr_t5`
    // there fails on the first run already (the block made it again), and a file whose first
    // run fails tells nothing about a retry.
    Case {
        name: "made again in the block after the drop",
        statements: &[
            "CREATE TABLE dr_t5 (id int);",
            "DO $$ BEGIN DROP TABLE dr_t5; CREATE TABLE dr_t5 (id int); END $$;",
            "DROP TABLE dr_t5;",
        ],
    },
];

/// A creation right after a drop of the same name in a DO block's straight run never meets
/// what it makes: the block is one transaction, so it runs only right after the drop found
/// and removed it (the drop's own retry is PF109's). PostgreSQL fails at the plain `CREATE
/// TABLE` before the block, never at the block.
const MADE_RIGHT_AFTER_ITS_DROP: &[Case] = &[
    Case {
        name: "made before the block without a guard",
        statements: &[
            "CREATE TABLE dr_t6 (id int);",
            "DO $$ BEGIN DROP TABLE dr_t6; CREATE TABLE dr_t6 (id int); END $$;",
        ],
    },
    Case {
        name: "made before the block if not there",
        statements: &[
            "CREATE TABLE IF NOT EXISTS dr_t7 (id int);",
            "DO $$ BEGIN DROP TABLE dr_t7; CREATE TABLE dr_t7 (id int); END $$;",
        ],
    },
    Case {
        name: "a write between the drop and the creation",
        statements: &[
            "CREATE TABLE IF NOT EXISTS dr_t8 (id int);",
            "DO $$ BEGIN DROP TABLE dr_t8; INSERT INTO dr_keep VALUES (1); CREATE TABLE dr_t8 (id int); END $$;",
        ],
    },
    // The drop takes `dr_a.dr_t9`, the creation makes `public.dr_t9`, which a retry finds.
    Case {
        name: "the drop of another schema's table",
        statements: &[
            "CREATE TABLE IF NOT EXISTS dr_a.dr_t9 (id int);",
            "DO $$ BEGIN DROP TABLE dr_a.dr_t9; CREATE TABLE dr_t9 (id int); END $$;",
        ],
    },
];

#[test]
fn a_creation_right_after_its_drop_in_a_do_block_is_not_flagged_on_postgres() {
    assert_crash_points_agree(SETUP, MADE_RIGHT_AFTER_ITS_DROP);
}

#[test]
fn a_drop_a_do_block_always_runs_frees_the_name_as_a_top_level_drop_on_postgres() {
    assert_crash_points_agree(SETUP, CASES);
}
