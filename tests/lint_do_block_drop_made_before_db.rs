//! PF109 on a drop in a DO block of what the top-level statements right before the block make
//! on every run (`CREATE TABLE [IF NOT EXISTS] t …; DO $$ BEGIN DROP TABLE t; END $$;`): the drop
//! runs right after the block's `BEGIN`, or after statements in one straight run from it that
//! leave the object alone, so every run that gets there finds it, a retry too. Lint is compared
//! with PostgreSQL at every crash point and under a per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, crash_point_failures, retry_lines_in_model, Case};
use common::ScratchDb;
use preflight::runner::ApplyModel;

const SETUP: &str = "CREATE TABLE hr_u (id int); INSERT INTO hr_u VALUES (1);";

const CASES: &[Case] = &[
    Case {
        name: "a table made if missing, dropped in a block",
        statements: &[
            "CREATE TABLE IF NOT EXISTS hr_t (id int);",
            "DO $$ BEGIN DROP TABLE hr_t; END $$;",
        ],
    },
    Case {
        name: "after a write to it in the block",
        statements: &[
            "CREATE TABLE IF NOT EXISTS hr_t2 (id int);",
            "DO $$ BEGIN INSERT INTO hr_t2 VALUES (1); DROP TABLE hr_t2; END $$;",
        ],
    },
    Case {
        name: "after a drop of something else in the block",
        statements: &[
            "CREATE TABLE IF NOT EXISTS hr_t3 (id int);",
            "DO $$ BEGIN DROP TABLE IF EXISTS hr_x; DROP TABLE hr_t3; END $$;",
        ],
    },
    Case {
        name: "under a handler after it",
        statements: &[
            "CREATE TABLE IF NOT EXISTS hr_t4 (id int);",
            "DO $$ BEGIN DROP TABLE hr_t4; EXCEPTION WHEN others THEN RAISE NOTICE 'x'; END $$;",
        ],
    },
    Case {
        name: "made again after the block",
        statements: &[
            "CREATE TABLE IF NOT EXISTS hr_t5 (id int);",
            "DO $$ BEGIN DROP TABLE hr_t5; END $$;",
            "CREATE TABLE IF NOT EXISTS hr_t5 (id int);",
        ],
    },
    Case {
        name: "an index made if missing, dropped in a block",
        statements: &[
            "CREATE TABLE IF NOT EXISTS hr_t6 (id int);",
            "CREATE INDEX IF NOT EXISTS hr_i6 ON hr_t6 (id);",
            "DO $$ BEGIN DROP INDEX hr_i6; END $$;",
        ],
    },
    Case {
        name: "a view replaced, dropped in a block",
        statements: &[
            "CREATE OR REPLACE VIEW hr_v7 AS SELECT 1 AS x;",
            "DO $$ BEGIN DROP VIEW hr_v7; END $$;",
        ],
    },
    Case {
        name: "a table a DO block makes where it is missing",
        statements: &[
            "DO $$ BEGIN CREATE TABLE hr_t8 (id int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "DO $$ BEGIN DROP TABLE hr_t8; END $$;",
        ],
    },
    // A `CREATE TABLE … AS` of what the file drops later: a retry after that drop fails at
    // the creation, and the block's drop finds nothing.
    Case {
        name: "a copy of a table the file drops later",
        statements: &[
            "CREATE TABLE IF NOT EXISTS hr_t9 AS SELECT * FROM hr_u;",
            "DO $$ BEGIN DROP TABLE hr_t9; END $$;",
            "DROP TABLE hr_u;",
        ],
    },
];

#[test]
fn a_block_drop_of_what_the_file_makes_right_before_matches_postgres_in_both_models() {
    assert_crash_points_agree(SETUP, CASES);
}

/// `CREATE TABLE t` without `IF NOT EXISTS`: a retry fails at the creation (PF101), or meets
/// the table there, and the block's drop finds it either way.
#[test]
fn a_block_drop_of_a_table_made_unguarded_right_before_is_not_flagged() {
    let statements = [
        "CREATE TABLE hr_t (id int);",
        "DO $$ BEGIN DROP TABLE hr_t; END $$;",
    ];
    let sql = statements.join("\n") + "\n";
    let db = ScratchDb::postgres();
    for model in [None, Some(ApplyModel::FileTransaction)] {
        let server = crash_point_failures(&db, &statements, model);
        let lint = retry_lines_in_model(&sql, model);
        assert!(
            !server.contains(&2) && !lint.contains(&2),
            "{model:?}: server {server:?}, lint {lint:?}"
        );
        assert!(
            server.iter().all(|l| lint.contains(l)),
            "{model:?}: server {server:?}, lint {lint:?}"
        );
    }
}

/// A drop the block runs on every run that gets past it leaves the name free, as a top-level
/// drop does: right after its `BEGIN` in a body with no handler (or after statements in one
/// straight run from it, nothing after it in the body bringing the name back), or the whole
/// body under handlers of nothing but the object missing. Under a per-file transaction a re-run
/// starts from before the file or from the state the whole file left, so the file's own
/// `CREATE TABLE` before the block is not flagged there. A handler of `others` also catches a
/// drop a view blocks, and leaves the table for the re-run's creation.
const LEFT_DROPPED: &[Case] = &[
    Case {
        name: "made unguarded, dropped in a block",
        statements: &[
            "CREATE TABLE hr_d1 (id int);",
            "DO $$ BEGIN DROP TABLE hr_d1; END $$;",
        ],
    },
    Case {
        name: "dropped with IF EXISTS in a block",
        statements: &[
            "CREATE TABLE hr_d2 (id int);",
            "DO $$ BEGIN DROP TABLE IF EXISTS hr_d2; END $$;",
        ],
    },
    Case {
        name: "dropped after a write in a block",
        statements: &[
            "CREATE TABLE hr_d3 (id int);",
            "DO $$ BEGIN INSERT INTO hr_d3 VALUES (1); DROP TABLE hr_d3; END $$;",
        ],
    },
    Case {
        name: "dropped alone under a handler of the missing table",
        statements: &[
            "CREATE TABLE hr_d4 (id int);",
            "DO $$ BEGIN DROP TABLE hr_d4; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
        ],
    },
    // The same conditions by their SQLSTATE codes.
    Case {
        name: "dropped alone under a handler of the missing table's code",
        statements: &[
            "CREATE TABLE hr_d6 (id int);",
            "DO $$ BEGIN DROP TABLE hr_d6; EXCEPTION WHEN SQLSTATE '42P01' THEN NULL; END $$;",
        ],
    },
    Case {
        name: "an enum dropped alone under a handler of the missing type's code",
        statements: &[
            "CREATE TYPE hr_d7 AS ENUM ('a');",
            "DO $$ BEGIN DROP TYPE hr_d7; EXCEPTION WHEN SQLSTATE '42704' THEN NULL; END $$;",
        ],
    },
    Case {
        name: "an enum dropped alone under a handler of the missing type",
        statements: &[
            "CREATE TYPE hr_d5 AS ENUM ('a');",
            "DO $$ BEGIN DROP TYPE hr_d5; EXCEPTION WHEN undefined_object THEN NULL; END $$;",
        ],
    },
    Case {
        name: "dropped under a handler of others while a view blocks it",
        statements: &[
            "CREATE TABLE hr_d6 (id int);",
            "CREATE OR REPLACE VIEW hr_d6_v AS SELECT * FROM hr_d6;",
            "DO $$ BEGIN DROP TABLE hr_d6; EXCEPTION WHEN others THEN NULL; END $$;",
        ],
    },
];

#[test]
fn a_block_that_always_drops_the_file_s_table_frees_it_where_postgres_says_so() {
    assert_crash_points_agree(SETUP, LEFT_DROPPED);
}
