//! PF123 on a read of the name a DO block's rename gives, the rename being the whole body under
//! handlers (`DO $$ BEGIN ALTER TABLE a RENAME TO b; EXCEPTION WHEN undefined_table THEN NULL;
//! END $$`): with `a` made right before the block, a run that gets past the block renamed `a`,
//! or met the `b` an earlier run left, so a read of `b` before a later removal of it finds it on
//! every retry, as after a top-level rename. Lint is compared with PostgreSQL 15 at every crash
//! point and under a per-file transaction, beside near cases where a retry's read fails.

mod common;

use common::retry::{assert_crash_points_agree, retry_lines_in_model, Case};
use preflight::runner::ApplyModel;

/// Tables there before the file: the near cases' sources the file does not make, or makes
/// with `IF NOT EXISTS` and fewer columns.
const SETUP: &str = "CREATE TABLE rb_e (id int);\n\
                     CREATE SCHEMA rb_s;\n\
                     CREATE TABLE rb_s.rb_f2 (id int);\n\
                     CREATE TABLE rb_h (id int, x int);\n\
                     CREATE TABLE rb_i (id int, x int);\n\
                     CREATE TABLE rb_j (id int, x int);";

const SURVIVING: &[Case] = &[
    Case {
        name: "a table made, renamed under a handler of the missing name, read, dropped",
        statements: &[
            "CREATE TABLE rb_a (id int);",
            "DO $$ BEGIN ALTER TABLE rb_a RENAME TO rb_a2; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "INSERT INTO rb_a2 VALUES (1);",
            "DROP TABLE rb_a2;",
        ],
    },
    Case {
        name: "a table made if missing, renamed under a handler of both failures, read, dropped",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rb_b (id int);",
            "DO $$ BEGIN ALTER TABLE rb_b RENAME TO rb_b2; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "INSERT INTO rb_b2 VALUES (1);",
            "DROP TABLE rb_b2;",
        ],
    },
    Case {
        name: "the table renamed aside, copied into another, dropped",
        statements: &[
            "CREATE TABLE rb_c (x int);",
            "CREATE TABLE rb_c2 (x int);",
            "DO $$ BEGIN ALTER TABLE rb_c2 RENAME TO rb_c2_old; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "INSERT INTO rb_c SELECT * FROM rb_c2_old;",
            "DROP TABLE rb_c2_old;",
        ],
    },
    // The target of the copy is no column of the renamed table.
    Case {
        name: "a table made if missing, renamed aside, copied into another, dropped",
        statements: &[
            "CREATE TABLE rb_m (x int);",
            "CREATE TABLE IF NOT EXISTS rb_m2 (x int);",
            "DO $$ BEGIN ALTER TABLE rb_m2 RENAME TO rb_m2_old; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "INSERT INTO rb_m SELECT * FROM rb_m2_old;",
            "DROP TABLE rb_m2_old;",
        ],
    },
    Case {
        name: "a table made where free by a block, renamed by another, read, dropped",
        statements: &[
            "DO $$ BEGIN CREATE TABLE rb_d (id int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "DO $$ BEGIN ALTER TABLE rb_d RENAME TO rb_d2; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "INSERT INTO rb_d2 VALUES (1);",
            "DROP TABLE rb_d2;",
        ],
    },
    Case {
        name: "a column added if missing, renamed under a handler, read, dropped",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rb_k (id int);",
            "ALTER TABLE rb_k ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE rb_k RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN NULL; END $$;",
            "UPDATE rb_k SET y = 1;",
            "ALTER TABLE rb_k DROP COLUMN y;",
        ],
    },
    Case {
        name: "a table made if missing with the column the read names",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rb_i (id int, x int);",
            "DO $$ BEGIN ALTER TABLE rb_i RENAME TO rb_i2; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "INSERT INTO rb_i2 (x) VALUES (1);",
            "DROP TABLE rb_i2;",
        ],
    },
    Case {
        name: "a table made if missing, the column the read names added before the rename",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rb_j (id int);",
            "ALTER TABLE rb_j ADD COLUMN IF NOT EXISTS x int;",
            "DO $$ BEGIN ALTER TABLE rb_j RENAME TO rb_j2; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "INSERT INTO rb_j2 (x) VALUES (1);",
            "DROP TABLE rb_j2;",
        ],
    },
];

const FAILING: &[Case] = &[
    // The file does not make `rb_e`: a retry past the drop finds neither name, and the handler
    // skips the rename.
    Case {
        name: "a table the file does not make, renamed under a handler, read, dropped",
        statements: &[
            "DO $$ BEGIN ALTER TABLE rb_e RENAME TO rb_e2; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "INSERT INTO rb_e2 VALUES (1);",
            "DROP TABLE rb_e2;",
        ],
    },
    // Another statement of the block fails on a retry, into the handler, which undoes the
    // rename with it.
    Case {
        name: "a rename with another statement under the handler",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rb_g (id int);",
            "DO $$ BEGIN ALTER TABLE rb_g RENAME TO rb_g2; CREATE TABLE rb_z (id int); EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
            "INSERT INTO rb_g2 VALUES (1);",
            "DROP TABLE rb_g2;",
        ],
    },
    // The read and the drop are of another schema's table, which nothing makes again.
    Case {
        name: "a read of a same-named table of another schema",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rb_f (id int);",
            "DO $$ BEGIN ALTER TABLE rb_f RENAME TO rb_f2; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "INSERT INTO rb_s.rb_f2 VALUES (1);",
            "DROP TABLE rb_s.rb_f2;",
        ],
    },
    // Only the table's guarded creation makes the old column, which a retry skips.
    Case {
        name: "a column renamed under a handler that only the table's creation makes",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rb_l (x int);",
            "DO $$ BEGIN ALTER TABLE rb_l RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN NULL; END $$;",
            "UPDATE rb_l SET y = 1;",
            "ALTER TABLE rb_l DROP COLUMN y;",
        ],
    },
    // `rb_h` was there before the file, with `x`: a retry past the drop makes it again
    // without `x`, and the read of `x` fails.
    Case {
        name: "a read of a column the table made if missing does not spell",
        statements: &[
            "CREATE TABLE IF NOT EXISTS rb_h (id int);",
            "DO $$ BEGIN ALTER TABLE rb_h RENAME TO rb_h2; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "INSERT INTO rb_h2 (x) VALUES (1);",
            "DROP TABLE rb_h2;",
        ],
    },
];

/// The same at the top level: a rename of a table made if missing gives a retry the table that
/// creation spells.
const TOP_LEVEL: &[Case] = &[Case {
    name: "a top-level rename of a table made if missing, a read of a column it does not spell",
    statements: &[
        "CREATE TABLE IF NOT EXISTS rb_h (id int);",
        "ALTER TABLE rb_h RENAME TO rb_h3;",
        "INSERT INTO rb_h3 (x) VALUES (1);",
        "DROP TABLE rb_h3;",
    ],
}];

#[test]
fn a_read_of_what_a_handled_block_rename_gives_is_flagged_where_postgres_fails() {
    assert_crash_points_agree(SETUP, SURVIVING);
    assert_crash_points_agree(SETUP, FAILING);
    assert_crash_points_agree(SETUP, TOP_LEVEL);
}

#[test]
fn a_read_of_what_a_handled_block_rename_gives_is_not_flagged_in_either_model() {
    for case in SURVIVING {
        let sql = case.statements.join("\n") + "\n";
        let read = case.statements.len() - 1;
        for model in [None, Some(ApplyModel::FileTransaction)] {
            let lines = retry_lines_in_model(&sql, model);
            assert!(
                !lines.contains(&read),
                "{} ({model:?}): {lines:?}",
                case.name
            );
        }
    }
    for case in FAILING.iter().chain(TOP_LEVEL) {
        let sql = case.statements.join("\n") + "\n";
        let read = case.statements.len() - 1;
        let lines = retry_lines_in_model(&sql, Some(ApplyModel::FileTransaction));
        assert!(lines.contains(&read), "{}: {lines:?}", case.name);
    }
}
