//! PF123 on a rename back (`ALTER TABLE a RENAME TO b; ALTER TABLE b RENAME TO a`), which reads
//! `b`, when a later statement removes `b` again (`DROP TABLE IF EXISTS b`, or a `CREATE TABLE
//! IF NOT EXISTS b` the file drops at its end). With `a` made right before the first rename, a
//! retry that reaches the rename back finds `b` (or fails on `a` taken, PF118's finding), and
//! under a per-file transaction a re-run starts where the file left `b` removed. Lint is
//! compared with PostgreSQL 15 at every crash point and under a per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, retry_lines_in_model, Case};
use preflight::runner::ApplyModel;

/// Tables there before the file: one a near case renames but does not make, one it makes if
/// missing with fewer columns.
const SETUP: &str = "CREATE TABLE bk_p (id int); CREATE TABLE bk_g (id int, x int);";

const SURVIVING: &[Case] = &[
    Case {
        name: "renamed away and back, the away name dropped, the table read and dropped",
        statements: &[
            "CREATE TABLE IF NOT EXISTS bk_a (id int);",
            "ALTER TABLE bk_a RENAME TO bk_b;",
            "ALTER TABLE bk_b RENAME TO bk_a;",
            "DROP TABLE IF EXISTS bk_b;",
            "INSERT INTO bk_a VALUES (1);",
            "DROP TABLE bk_a;",
        ],
    },
    Case {
        name: "renamed away and back, the away name made again, read and dropped",
        statements: &[
            "CREATE TABLE IF NOT EXISTS bk_c (id int);",
            "ALTER TABLE bk_c RENAME TO bk_d;",
            "ALTER TABLE bk_d RENAME TO bk_c;",
            "CREATE TABLE IF NOT EXISTS bk_d (id int);",
            "INSERT INTO bk_d VALUES (1);",
            "DROP TABLE bk_d;",
        ],
    },
    Case {
        name: "renamed away, back and away again, read and dropped",
        statements: &[
            "CREATE TABLE IF NOT EXISTS bk_e (id int);",
            "ALTER TABLE bk_e RENAME TO bk_f;",
            "ALTER TABLE bk_f RENAME TO bk_e;",
            "ALTER TABLE bk_e RENAME TO bk_f;",
            "INSERT INTO bk_f VALUES (1);",
            "DROP TABLE bk_f;",
        ],
    },
];

const FAILING: &[Case] = &[
    // The file does not make `bk_p`: a re-run after the drop finds neither name, and the rename
    // back fails on `bk_q` missing.
    Case {
        name: "a table the file does not make, renamed away and back, dropped",
        statements: &[
            "ALTER TABLE bk_p RENAME TO bk_q;",
            "ALTER TABLE bk_q RENAME TO bk_p;",
            "DROP TABLE IF EXISTS bk_q;",
            "DROP TABLE bk_p;",
        ],
    },
    // `bk_g` was there before the file, with `x`: a re-run after the drop makes it again
    // without `x`, and the read of `x` before the rename back fails.
    Case {
        name: "a read of a column the table made if missing does not spell, before the rename back",
        statements: &[
            "CREATE TABLE IF NOT EXISTS bk_g (id int);",
            "ALTER TABLE bk_g RENAME TO bk_h;",
            "INSERT INTO bk_h (x) VALUES (1);",
            "ALTER TABLE bk_h RENAME TO bk_g;",
            "DROP TABLE IF EXISTS bk_h;",
            "DROP TABLE bk_g;",
        ],
    },
];

#[test]
fn a_rename_back_is_flagged_where_postgres_fails() {
    assert_crash_points_agree(SETUP, SURVIVING);
    assert_crash_points_agree(SETUP, FAILING);
}

#[test]
fn a_rename_back_of_a_name_removed_later_is_not_flagged_under_a_per_file_transaction() {
    for case in SURVIVING {
        let sql = case.statements.join("\n") + "\n";
        let lines = retry_lines_in_model(&sql, Some(ApplyModel::FileTransaction));
        assert!(!lines.contains(&3), "{}: {lines:?}", case.name);
    }
    for (case, read) in FAILING.iter().zip([2, 3]) {
        let sql = case.statements.join("\n") + "\n";
        let lines = retry_lines_in_model(&sql, Some(ApplyModel::FileTransaction));
        assert!(lines.contains(&read), "{}: {lines:?}", case.name);
    }
}
