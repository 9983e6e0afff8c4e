//! Keys a `CREATE TABLE` declares twice on the same columns: PostgreSQL 15 makes one of them
//! when they agree on `DEFERRABLE`, `INITIALLY DEFERRED`, `NULLS NOT DISTINCT` and `INCLUDE`
//! (transformIndexConstraints), and names a key with `INCLUDE` for its included columns too
//! (`UNIQUE (a) INCLUDE (b)`: `d_a_b_key`). Lint kept both of two deferrable or `NULLS NOT
//! DISTINCT` keys: a catalog check for the second's name (`d_a_key1`) counted as finding what
//! the block makes, and a foreign key to those columns depended on the second key, which is
//! never made, rather than on the first. Lint is compared with PostgreSQL at every crash point
//! and under a per-file transaction.

mod common;

use common::retry::{assert_crash_points_agree, Case};

/// A block that creates table `d` with elements `$table` unless constraint `$key` exists.
macro_rules! create_unless {
    ($key:literal, $table:literal) => {
        concat!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = '",
            $key,
            "') THEN CREATE TABLE d (",
            $table,
            "); END IF; END $$;"
        )
    };
}

#[test]
fn a_catalog_check_finds_only_the_keys_postgres_makes_of_those_a_table_declares() {
    let cases = [
        Case {
            name: "two deferrable keys, the second's name",
            statements: &[create_unless!(
                "d_a_key1",
                "a int, UNIQUE (a) DEFERRABLE, UNIQUE (a) DEFERRABLE"
            )],
        },
        Case {
            name: "two NULLS NOT DISTINCT keys, the second's name",
            statements: &[create_unless!(
                "d_a_key1",
                "a int, UNIQUE NULLS NOT DISTINCT (a), UNIQUE NULLS NOT DISTINCT (a)"
            )],
        },
        Case {
            name: "two deferrable keys, the first's name",
            statements: &[create_unless!(
                "d_a_key",
                "a int, UNIQUE (a) DEFERRABLE, UNIQUE (a) DEFERRABLE"
            )],
        },
        Case {
            name: "deferrable and initially deferred: two keys",
            statements: &[create_unless!(
                "d_a_key1",
                "a int, UNIQUE (a) DEFERRABLE, UNIQUE (a) INITIALLY DEFERRED"
            )],
        },
        Case {
            name: "a plain key and a deferrable one: two keys",
            statements: &[create_unless!(
                "d_a_key1",
                "a int, UNIQUE (a), UNIQUE (a) DEFERRABLE"
            )],
        },
        Case {
            name: "a column's deferrable key and a plain table key: two keys",
            statements: &[create_unless!(
                "d_a_key1",
                "a int UNIQUE DEFERRABLE, UNIQUE (a)"
            )],
        },
        Case {
            name: "a key with INCLUDE under its own name",
            statements: &[create_unless!(
                "d_a_b_key",
                "a int, b int, UNIQUE (a) INCLUDE (b)"
            )],
        },
        Case {
            name: "a key with INCLUDE under the name of its key columns",
            statements: &[create_unless!(
                "d_a_key",
                "a int, b int, UNIQUE (a) INCLUDE (b)"
            )],
        },
    ];
    assert_crash_points_agree("", &cases);
}

#[test]
fn a_foreign_key_depends_on_the_first_of_two_keys_postgres_merges() {
    const TABLES: &str = "CREATE TABLE IF NOT EXISTS p (code int, CONSTRAINT p_u1 UNIQUE NULLS NOT DISTINCT (code), CONSTRAINT p_u2 UNIQUE NULLS NOT DISTINCT (code));";
    const CHILD: &str = "CREATE TABLE IF NOT EXISTS c (p_code int);";
    const ADD: &str = "DO $$ BEGIN ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_code) REFERENCES p (code); EXCEPTION WHEN duplicate_object THEN NULL; END $$;";
    let cases = [
        Case {
            name: "the second key, never made, dropped with CASCADE",
            statements: &[
                TABLES,
                CHILD,
                ADD,
                "ALTER TABLE p DROP CONSTRAINT IF EXISTS p_u2 CASCADE;",
            ],
        },
        Case {
            name: "the first key, which the foreign key uses, dropped with CASCADE",
            statements: &[
                TABLES,
                CHILD,
                ADD,
                "ALTER TABLE p DROP CONSTRAINT IF EXISTS p_u1 CASCADE;",
            ],
        },
    ];
    assert_crash_points_agree("", &cases);
}
