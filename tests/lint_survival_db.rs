//! The survival proofs of the sequence analysis (`src/lint/sequence/survival.rs`) on files whose
//! retries PostgreSQL 15 passes, each beside a near case where it fails: lint is compared with
//! the server at every crash point and under a per-file transaction, and flags exactly the
//! lines the server fails at.

mod common;

use common::retry::{crash_point_mismatches, Case};
use common::ScratchDb;

/// Tables that exist before the file runs, for the cases whose file only renames or alters
/// them.
const SETUP: &str = "CREATE TABLE pa (id int);";

/// A drop of what a rename gave a name, where the renamed table got its own name back from a
/// rename (PF109): every retry that reaches the rename finds the table or the new name there.
const RENAMED_BACK: &[Case] = &[
    Case {
        name: "a table renamed away and back, then renamed and dropped",
        statements: &[
            "CREATE TABLE IF NOT EXISTS a (id int);",
            "ALTER TABLE a RENAME TO b;",
            "ALTER TABLE b RENAME TO a;",
            "ALTER TABLE a RENAME TO c;",
            "DROP TABLE c;",
        ],
    },
    Case {
        name: "a table given its name by a rename of a table made right before",
        statements: &[
            "CREATE TABLE IF NOT EXISTS a (id int);",
            "DROP TABLE a;",
            "CREATE TABLE IF NOT EXISTS c (id int);",
            "ALTER TABLE c RENAME TO a;",
            "ALTER TABLE a RENAME TO d;",
            "DROP TABLE d;",
        ],
    },
    Case {
        name: "guarded renames away and back",
        statements: &[
            "CREATE TABLE IF NOT EXISTS a (id int);",
            "ALTER TABLE IF EXISTS a RENAME TO b;",
            "ALTER TABLE IF EXISTS b RENAME TO a;",
            "ALTER TABLE a RENAME TO c;",
            "DROP TABLE c;",
        ],
    },
    // Near: the file does not make `pa`, and a retry past the drop finds neither name.
    Case {
        name: "a table the file does not make, renamed away and back, then renamed and dropped",
        statements: &[
            "ALTER TABLE pa RENAME TO pb;",
            "ALTER TABLE pb RENAME TO pa;",
            "ALTER TABLE pa RENAME TO pc;",
            "DROP TABLE pc;",
        ],
    },
    // Near: a column the table's guarded creation made, renamed away and back: a retry finds
    // the table and skips the creation, so nothing makes the column again.
    Case {
        name: "a column renamed away and back that only the table's creation makes",
        statements: &[
            "CREATE TABLE IF NOT EXISTS a (id int);",
            "ALTER TABLE a RENAME COLUMN id TO x;",
            "ALTER TABLE a RENAME COLUMN x TO id;",
            "ALTER TABLE a RENAME COLUMN id TO y;",
            "ALTER TABLE a DROP COLUMN y;",
        ],
    },
];

fn assert_agrees(cases: &[Case]) {
    let db = ScratchDb::postgres();
    db.exec(SETUP);
    let mismatches = crash_point_mismatches(&db, cases);
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

#[test]
fn a_drop_after_a_rename_back_is_flagged_where_postgres_fails() {
    assert_agrees(RENAMED_BACK);
}
