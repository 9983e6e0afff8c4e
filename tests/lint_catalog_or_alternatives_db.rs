//! A catalog check joined by `OR` with something that is not a catalog check of the object the
//! branch drops does not guard the drop: `IF EXISTS (… relname = 'u') OR 1 = 1 THEN DROP TABLE
//! t` enters the branch again on a retry whatever the catalog holds, and the drop fails (`table
//! "t" does not exist`). Lint is compared with PostgreSQL 15 at every crash point and under a
//! per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, Case};

const SETUP: &str = "CREATE TABLE qd_f (id int);\n\
                     CREATE TABLE qd_g (id int);\n\
                     CREATE TABLE qd_h (id int);\n\
                     CREATE TABLE qd_i (id int);\n\
                     CREATE TABLE qd_other (id int);";

/// A retry enters the branch again: line 1 fails.
const FAILING: &[Case] = &[
    Case {
        name: "a catalog check of another name OR a test that always holds",
        statements: &[
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'u') OR 1 = 1 THEN DROP TABLE qd_f; END IF; END $$;",
        ],
    },
    Case {
        name: "the same in parentheses",
        statements: &[
            "DO $$ BEGIN IF (EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qd_h') OR 1 = 1) THEN DROP TABLE qd_h; END IF; END $$;",
        ],
    },
    Case {
        name: "a check of the dropped table OR a check of a table that stays",
        statements: &[
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'qd_i') OR EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'qd_other') THEN DROP TABLE qd_i; END IF; END $$;",
        ],
    },
    Case {
        name: "a check that the table is missing OR a test that always holds, around its create",
        statements: &[
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qd_j') OR 1 = 1 THEN CREATE TABLE qd_j (id int); END IF; END $$;",
        ],
    },
];

/// Every alternative checks that the dropped table exists: a retry skips the branch.
const SURVIVING: &[Case] = &[Case {
    name: "two catalog checks of the dropped table",
    statements: &[
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'qd_g') OR EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'qd_g') THEN DROP TABLE qd_g; END IF; END $$;",
    ],
}];

#[test]
fn an_or_alternative_that_is_no_catalog_check_of_the_dropped_table_guards_nothing() {
    assert_crash_points_agree(SETUP, FAILING);
    assert_crash_points_agree(SETUP, SURVIVING);
}
