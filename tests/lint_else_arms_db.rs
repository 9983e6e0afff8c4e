//! The `ELSE` (and later `ELSIF`s) of an IF whose condition checks the catalog. Lint let the
//! check guard everything up to `END IF`; the `ELSE` of `IF NOT EXISTS (…)` runs when what the
//! check looks for exists: on a retry after a first run that made it (`CREATE INDEX t5_idx` in
//! both arms fails then), and on every run once it was there before the first (`ELSE CREATE
//! TABLE t5b`, `ELSIF true THEN CREATE TABLE t6`), as under `IF EXISTS (…)`. The `ELSE` of `IF
//! EXISTS (…)` runs while it is missing, as under `IF NOT EXISTS (…)`, and stays guarded. Lint
//! is compared with PostgreSQL at every crash point and under a per-file transaction, on a
//! database without `t5` and on one with it.

mod common;

use common::retry::{assert_crash_points_agree, Case};

/// A block: `IF <check> THEN <then> ELSE <otherwise> END IF`.
macro_rules! block {
    ($check:literal, $then:literal, $otherwise:literal) => {
        concat!(
            "DO $$ BEGIN IF ",
            $check,
            " (SELECT 1 FROM pg_class WHERE relname = 't5') THEN ",
            $then,
            " ",
            $otherwise,
            " END IF; END $$;"
        )
    };
}

const BOTH: &[Case] = &[
    Case {
        name: "an ELSE of NOT EXISTS that makes the IF branch's index again",
        statements: &[block!(
            "NOT EXISTS",
            "CREATE TABLE t5 (id int); CREATE INDEX t5_idx ON t5 (id);",
            "ELSE CREATE INDEX t5_idx ON t5 (id);"
        )],
    },
    Case {
        name: "an ELSE of NOT EXISTS that only tells",
        statements: &[block!(
            "NOT EXISTS",
            "CREATE TABLE t5 (id int);",
            "ELSE RAISE NOTICE 'there';"
        )],
    },
    Case {
        name: "an ELSE of EXISTS that makes what is missing",
        statements: &[block!(
            "EXISTS",
            "RAISE NOTICE 'there';",
            "ELSE CREATE TABLE t5 (id int); CREATE TABLE t6 (id int);"
        )],
    },
    Case {
        name: "an ELSE of NOT EXISTS that drops what is there",
        statements: &[block!(
            "NOT EXISTS",
            "RAISE NOTICE 'missing';",
            "ELSE DROP TABLE t5;"
        )],
    },
];

#[test]
fn an_else_of_a_catalog_check_is_guarded_by_the_opposite_check_on_a_fresh_database() {
    assert_crash_points_agree("", BOTH);
}

#[test]
fn an_else_of_a_catalog_check_is_guarded_by_the_opposite_check_once_its_object_exists() {
    let mut cases: Vec<Case> = BOTH[1..].iter().map(|c| Case { ..*c }).collect();
    cases.extend([
        Case {
            name: "an ELSE of NOT EXISTS that makes another table",
            statements: &[block!(
                "NOT EXISTS",
                "CREATE TABLE t5 (id int);",
                "ELSE CREATE TABLE t5b (id int);"
            )],
        },
        Case {
            name: "an ELSIF true after NOT EXISTS that makes another table",
            statements: &[block!(
                "NOT EXISTS",
                "CREATE TABLE t5 (id int);",
                "ELSIF true THEN CREATE TABLE t6 (id int);"
            )],
        },
        Case {
            name: "an ELSIF of NOT EXISTS of its own that makes what it checks",
            statements: &["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 't5') THEN CREATE TABLE t5 (id int); ELSIF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 't6') THEN CREATE TABLE t6 (id int); END IF; END $$;"],
        },
    ]);
    assert_crash_points_agree("CREATE TABLE t5 (id int);", &cases);
}

/// A block whose IF checks `pg_type` for `m5`: `IF <check> THEN <then> <otherwise> END IF`.
macro_rules! type_block {
    ($check:literal, $then:literal, $otherwise:literal) => {
        concat!(
            "DO $$ BEGIN IF ",
            $check,
            " (SELECT 1 FROM pg_type WHERE typname = 'm5') THEN ",
            $then,
            " ",
            $otherwise,
            " END IF; END $$;"
        )
    };
}

/// A branch a retry enters again (its check only tests that something exists) that creates or
/// drops a type the check does not look for: `TYPE` after `CREATE` or `DROP` names what is made
/// or dropped, it changes nothing the check reads, so the retry runs it again and fails (`type
/// "m5b" already exists`, `type "m6" does not exist`).
#[test]
fn a_branch_entered_again_that_creates_or_drops_a_type_fails_once_the_checked_type_exists() {
    assert_crash_points_agree(
        "CREATE TYPE m5 AS ENUM ('a'); CREATE TYPE m6 AS ENUM ('a');",
        &[
            Case {
                name: "an ELSE of NOT EXISTS that creates another type",
                statements: &[type_block!(
                    "NOT EXISTS",
                    "CREATE TYPE m5 AS ENUM ('a');",
                    "ELSE CREATE TYPE m5b AS ENUM ('b');"
                )],
            },
            Case {
                name: "an EXISTS branch that creates another type",
                statements: &[type_block!(
                    "EXISTS",
                    "CREATE TYPE m5b AS ENUM ('b');",
                    "ELSE CREATE TYPE m5 AS ENUM ('a');"
                )],
            },
            Case {
                name: "an EXISTS branch that drops another type",
                statements: &[type_block!("EXISTS", "DROP TYPE m6;", "")],
            },
            Case {
                name: "an EXISTS branch that drops the checked type",
                statements: &[type_block!("EXISTS", "DROP TYPE m5;", "")],
            },
            Case {
                name: "an EXISTS branch that changes a column's type",
                statements: &[
                    "CREATE TABLE IF NOT EXISTS tt (id int);",
                    type_block!("EXISTS", "ALTER TABLE tt ALTER COLUMN id TYPE bigint;", ""),
                ],
            },
        ],
    );
}
