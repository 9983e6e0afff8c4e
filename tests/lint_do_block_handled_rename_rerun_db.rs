//! PF101 under a per-file transaction on a table or type a file makes and then renames in a DO
//! block whose whole body is the rename under a handler: a rename proved as a top-level one
//! would be (the old name made right before, the new one free on every run) runs on every run
//! that reaches the block and frees the old name, whatever the handler catches. Lint is
//! compared with PostgreSQL at every crash point and under a per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, retry_lines_in_model, Case};
use preflight::runner::ApplyModel;

const CASES: &[Case] = &[
    Case {
        name: "a table made, renamed under a handler of the missing name, dropped",
        statements: &[
            "CREATE TABLE hr_a (id int);",
            "DO $$ BEGIN ALTER TABLE hr_a RENAME TO hr_b; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "DROP TABLE hr_b;",
        ],
    },
    Case {
        name: "a composite type made, renamed under a handler of the missing name, dropped",
        statements: &[
            "CREATE TYPE hr_c AS (x int);",
            "DO $$ BEGIN ALTER TYPE hr_c RENAME TO hr_d; EXCEPTION WHEN undefined_object THEN NULL; END $$;",
            "DROP TYPE hr_d;",
        ],
    },
    Case {
        name: "an enum made where free, renamed under handlers of both names, dropped",
        statements: &[
            "DO $$ BEGIN CREATE TYPE hr_e AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            "DO $$ BEGIN ALTER TYPE hr_e RENAME TO hr_f; EXCEPTION WHEN undefined_object OR duplicate_object THEN NULL; END $$;",
            "DROP TYPE hr_f;",
        ],
    },
    // The new name taken before the block: the handler catches the collision and leaves the
    // old name, which a re-run makes again.
    Case {
        name: "a table renamed onto a name the file leaves taken",
        statements: &[
            "CREATE TABLE hr_g (id int);",
            "CREATE TABLE hr_h (id int);",
            "DO $$ BEGIN ALTER TABLE hr_g RENAME TO hr_h; EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
        ],
    },
];

#[test]
fn a_make_before_a_handled_block_rename_is_flagged_where_postgres_fails() {
    assert_crash_points_agree("", CASES);
}

#[test]
fn a_handled_block_rename_frees_the_made_name_under_a_per_file_transaction() {
    let sql = CASES[0].statements.join("\n") + "\n";
    let lines = retry_lines_in_model(&sql, Some(ApplyModel::FileTransaction));
    assert!(!lines.contains(&1), "{lines:?}");
    let taken = CASES[3].statements.join("\n") + "\n";
    let lines = retry_lines_in_model(&taken, Some(ApplyModel::FileTransaction));
    assert!(lines.contains(&1), "{lines:?}");
}
