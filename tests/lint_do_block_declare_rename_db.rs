//! PF123 and PF109 after a DO block whose body opens with a `DECLARE` section and is a table
//! rename alone under a handler of the old name missing (`DO $$ DECLARE n int; BEGIN ALTER
//! TABLE a RENAME TO b; EXCEPTION WHEN undefined_table THEN NULL; END $$`): declarations of a
//! plain type, or with a literal default, call nothing and fail nowhere a retry could differ,
//! so the block leaves the new name on every run as one opening with `BEGIN` does. A default
//! that calls something may change anything before the rename: still flagged. Lint is compared
//! with PostgreSQL at every crash point and under a per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, Case};

// `dcl_gone()` drops `dcl_e` once a run has left `dcl_mark`: only a retry finds it.
const SETUP: &str = "CREATE FUNCTION dcl_gone() RETURNS int LANGUAGE plpgsql AS $f$ \
                     BEGIN IF to_regclass('dcl_mark') IS NOT NULL THEN DROP TABLE dcl_e; END IF; \
                     RETURN 0; END $f$;";

const CASES: &[Case] = &[
    Case {
        name: "a declaration of a plain type",
        statements: &[
            "CREATE TABLE dcl_a (id int);",
            "DO $$ DECLARE n int; BEGIN ALTER TABLE dcl_a RENAME TO dcl_b; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "INSERT INTO dcl_b VALUES (1);",
            "DROP TABLE dcl_b;",
        ],
    },
    Case {
        name: "declarations with literal defaults",
        statements: &[
            "CREATE TABLE dcl_c (id int);",
            "DO $$ DECLARE n int := 0; s varchar(10) DEFAULT 'x'; f boolean = true; BEGIN ALTER TABLE dcl_c RENAME TO dcl_d; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "INSERT INTO dcl_d VALUES (1);",
            "DROP TABLE dcl_d;",
        ],
    },
    Case {
        name: "a default that calls a function",
        statements: &[
            "CREATE TABLE IF NOT EXISTS dcl_e (id int);",
            "DO $$ DECLARE n int := dcl_gone(); BEGIN ALTER TABLE dcl_e RENAME TO dcl_f; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
            "INSERT INTO dcl_f VALUES (1);",
            "DROP TABLE dcl_f;",
            "CREATE TABLE IF NOT EXISTS dcl_mark (id int);",
        ],
    },
];

#[test]
fn a_rename_under_a_handler_after_plain_declarations_leaves_the_new_name_on_postgres() {
    assert_crash_points_agree(SETUP, CASES);
}
