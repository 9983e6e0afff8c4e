//! PF101 after a DO block that drops the table: a drop the block always runs (the straight run
//! from the body's `BEGIN`, no handler, nothing later in the body on the name) leaves the name
//! free as a top-level drop does, so a plain `CREATE TABLE` of it after the block makes it on
//! every run, a retry too (`CREATE TABLE t …; DO $$ BEGIN DROP TABLE t; END $$; CREATE TABLE t
//! …`). A drop behind an IF, or under a handler that may keep the table, stays flagged. Lint
//! is compared with PostgreSQL at every crash point and under a per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, Case};

const SETUP: &str = "CREATE TABLE dr_keep (id int); CREATE TABLE dr_x4 (id int);";

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
    Case {
        name: "made again in the block after the drop",
        statements: &[
            "CREATE TABLE dr_t5 (id int);",
            "DO $$ BEGIN DROP TABLE dr_t5; CREATE TABLE dr_t5 (id int); END $$;",
            "CREATE TABLE dr_t5 (id int);",
        ],
    },
];

#[test]
fn a_drop_a_do_block_always_runs_frees_the_name_as_a_top_level_drop_on_postgres() {
    assert_crash_points_agree(SETUP, CASES);
}
