//! PF123 on a read of a table a DO block makes wherever it is gone (`DO $$ BEGIN CREATE TABLE t
//! (x int); EXCEPTION WHEN duplicate_table THEN NULL; END $$`, or the creation alone in an IF
//! that checks its absence), which the file drops at its end: a retry that reaches the read ran
//! the block, which made the table or found it there, as after a top-level `CREATE TABLE IF NOT
//! EXISTS`. A retry that made it reads the table the block spells: a read of a column it does not
//! spell fails when a table there before the file had it. So does the drop (PF109): every retry
//! that reaches it ran the block. Lint is compared with PostgreSQL 15 at every crash point and
//! under a per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, retry_lines_in_model, Case};
use preflight::runner::ApplyModel;

/// Tables there before the file, with a column the block's creation does not spell.
const SETUP: &str = "CREATE TABLE mf_p (id int, x int);\n\
                     CREATE SCHEMA mf_s;\n\
                     CREATE TABLE mf_s.mf_q (x int);";

const SURVIVING: &[Case] = &[
    Case {
        name: "made under a handler of duplicate_table, read, dropped",
        statements: &[
            "DO $$ BEGIN CREATE TABLE mf_a (x int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "INSERT INTO mf_a VALUES (1);",
            "DROP TABLE mf_a;",
        ],
    },
    Case {
        name: "made under a handler, a column it spells read, dropped",
        statements: &[
            "DO $$ BEGIN CREATE TABLE mf_b (x int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "INSERT INTO mf_b (x) VALUES (1);",
            "DROP TABLE IF EXISTS mf_b;",
        ],
    },
    Case {
        name: "made in an IF that checks it is missing, read, dropped",
        statements: &[
            "DO $$ BEGIN IF to_regclass('mf_c') IS NULL THEN CREATE TABLE mf_c (x int); END IF; END $$;",
            "UPDATE mf_c SET x = 1;",
            "DROP TABLE mf_c;",
        ],
    },
];

const FAILING: &[Case] = &[
    // `mf_p` was there before the file, with `x`: a retry past the drop makes it without `x`.
    Case {
        name: "a column the block's creation does not spell",
        statements: &[
            "DO $$ BEGIN CREATE TABLE mf_p (id int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "INSERT INTO mf_p (x) VALUES (1);",
            "DROP TABLE mf_p;",
        ],
    },
    // The read and the drop are of another schema's table, which the block does not make.
    Case {
        name: "a same-named table of another schema",
        statements: &[
            "DO $$ BEGIN CREATE TABLE mf_q (x int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "INSERT INTO mf_s.mf_q VALUES (1);",
            "DROP TABLE mf_s.mf_q;",
        ],
    },
    // The handler catches any failure of the block, a second statement's too, which undoes
    // the creation.
    Case {
        name: "a creation with another statement under the handler",
        statements: &[
            "DO $$ BEGIN CREATE TABLE mf_r (x int); CREATE TABLE mf_r2 (x int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "INSERT INTO mf_r VALUES (1);",
            "DROP TABLE mf_r;",
        ],
    },
];

#[test]
fn a_read_and_drop_of_a_table_a_block_makes_where_free_are_flagged_where_postgres_fails() {
    assert_crash_points_agree(SETUP, SURVIVING);
    assert_crash_points_agree(SETUP, FAILING);
}

#[test]
fn a_read_of_a_table_a_block_makes_where_free_is_not_flagged_in_either_model() {
    for (case, fails) in SURVIVING
        .iter()
        .map(|c| (c, false))
        .chain(FAILING.iter().map(|c| (c, true)))
    {
        let sql = case.statements.join("\n") + "\n";
        for model in [None, Some(ApplyModel::FileTransaction)] {
            let lines = retry_lines_in_model(&sql, model);
            assert_eq!(
                lines.contains(&2),
                fails,
                "{} ({model:?}): {lines:?}",
                case.name
            );
        }
    }
}
