//! PF123 in the body of a routine a call runs: the call runs the body as one statement, so what
//! a later statement of that body (or of the file) drops is gone for a retry of the call, and
//! the body's read of it fails. Each case runs twice on the real server; lint must flag exactly
//! the statement whose second run fails (in the body, when the file defines the routine).

mod common;

use common::retry::{dialect_options, retry_mismatches, second_run, RetryCase as Case};
use common::ScratchDb;
use preflight::source::SourceFile;
use preflight::sql::Dialect;

const PG_SETUP: &str = "CREATE TABLE t (id int, old int);";

/// `CREATE OR REPLACE FUNCTION g()` in PL/pgSQL with `body`, then `call`.
fn plpgsql(body: &str, call: &str) -> String {
    format!(
        "CREATE OR REPLACE FUNCTION g() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n{body}END $$;\n{call}"
    )
}

/// Asserts that lint and PostgreSQL agree on `cases` ([`retry_mismatches`], on `PG_SETUP`).
fn assert_agree_on_postgres(cases: &[Case]) {
    let failures = retry_mismatches(
        cases,
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        PG_SETUP,
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

fn pg_cases() -> Vec<Case> {
    vec![
        Case {
            name: "the body reads, then drops",
            sql: plpgsql(
                "    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\n",
                "SELECT g();\n",
            ),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "a procedure's body reads, then drops",
            sql: "CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql AS $$\nBEGIN\n    \
                  UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\nEND $$;\nCALL p();\n"
                .into(),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "a DO block performs the routine that reads, then drops",
            sql: plpgsql(
                "    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\n",
                "DO $$ BEGIN PERFORM g(); END $$;\n",
            ),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "the body reads, the file drops after the call",
            sql: plpgsql(
                "    UPDATE t SET old = 1;\n",
                "SELECT g();\nALTER TABLE t DROP COLUMN IF EXISTS old;\n",
            ),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "the body drops, then adds the column back",
            sql: plpgsql(
                "    UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\n    \
                 ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\n",
                "SELECT g();\n",
            ),
            fails_at: None,
        },
        Case {
            name: "the body checks the column before it reads",
            sql: plpgsql(
                "    IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'old') THEN\n        \
                 UPDATE t SET old = 1;\n    END IF;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\n",
                "SELECT g();\n",
            ),
            fails_at: None,
        },
        Case {
            name: "a DO block checks the column before it performs the routine that reads",
            sql: plpgsql(
                "    UPDATE t SET old = 1;\n",
                "DO $$\nBEGIN\n    IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'old') THEN\n        \
                 PERFORM g();\n    END IF;\nEND $$;\nALTER TABLE t DROP COLUMN IF EXISTS old;\n",
            ),
            fails_at: None,
        },
        Case {
            name: "the body reads a column the file keeps",
            sql: plpgsql(
                "    UPDATE t SET id = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\n",
                "SELECT g();\n",
            ),
            fails_at: None,
        },
    ]
}

#[test]
fn a_routine_body_that_reads_what_its_call_drops_fails_on_a_retry_on_postgres() {
    let failures = retry_mismatches(
        &pg_cases(),
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        PG_SETUP,
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_procedure_body_that_reads_what_it_drops_fails_on_a_retry_on_mariadb() {
    let cases = vec![
        Case {
            name: "the body reads, then drops",
            sql: "DROP PROCEDURE IF EXISTS p;\nDELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n    \
                  UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\nEND //\n\
                  DELIMITER ;\nCALL p();\n"
                .into(),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "the body drops, then adds the column back",
            sql:
                "DROP PROCEDURE IF EXISTS p;\nDELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n    \
                  UPDATE t SET old = 1;\n    ALTER TABLE t DROP COLUMN IF EXISTS old;\n    \
                  ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\nEND //\nDELIMITER ;\nCALL p();\n"
                    .into(),
            fails_at: None,
        },
    ];
    let failures = retry_mismatches(
        &cases,
        &dialect_options(Dialect::Mariadb),
        ScratchDb::mariadb,
        "CREATE TABLE t (id int, old int);",
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The fix puts the body's read in an `IF` in the body (PL/pgSQL), and the fixed file runs
/// twice; a SQL body takes no `IF`, so it gets no fix.
#[test]
fn the_fixed_plpgsql_body_runs_twice_and_a_sql_body_gets_no_fix_on_postgres() {
    let sql = plpgsql(
        "    UPDATE t SET old = 1;\n",
        "SELECT g();\nALTER TABLE t DROP COLUMN IF EXISTS old;\n",
    );
    let options = dialect_options(Dialect::Postgres);
    let outcome =
        preflight::fix::fix_source(&SourceFile::new("m.sql", sql.as_str()), &options, true);
    assert!(
        outcome
            .fixed
            .contains("THEN\n    UPDATE t SET old = 1;\n    END IF;"),
        "{}",
        outcome.fixed
    );
    let db = ScratchDb::postgres();
    db.exec(PG_SETUP);
    db.exec(&outcome.fixed);
    db.exec(&outcome.fixed);

    let sql = "CREATE OR REPLACE FUNCTION g() RETURNS void LANGUAGE sql AS $$\n    UPDATE t SET old = 1;\n$$;\n\
               SELECT g();\nALTER TABLE t DROP COLUMN IF EXISTS old;\n";
    let findings = preflight::lint::lint_source(&SourceFile::new("m.sql", sql), &options);
    let pf123: Vec<_> = findings.iter().filter(|f| f.rule.code == "PF123").collect();
    assert_eq!(pf123.len(), 1, "{findings:#?}");
    assert!(pf123[0].fix.is_none(), "{:#?}", pf123[0]);
    // PostgreSQL checks a `LANGUAGE sql` body at its CREATE: a retry fails there, before the
    // call.
    assert_eq!(pf123[0].location.start.unwrap().line, 1);
    assert!(
        pf123[0].message.contains("`LANGUAGE sql`"),
        "{:#?}",
        pf123[0]
    );
    let retry = second_run(ScratchDb::postgres, PG_SETUP, sql);
    assert!(
        retry
            .as_ref()
            .is_err_and(|e| e.contains("column \"old\"") && !e.contains("SQL function")),
        "{retry:?}"
    );
}

/// `ADD CONSTRAINT c` (its own errors caught) and a `VALIDATE CONSTRAINT c` after it in the
/// same block or body, then a drop of the column: a retry's VALIDATE finds no `c`.
fn add_then_validate(validate_in_if: bool) -> String {
    let validate = "ALTER TABLE t VALIDATE CONSTRAINT t_old_check;";
    let (inside, after) = match validate_in_if {
        true => (format!("\n        {validate}"), String::new()),
        false => (String::new(), format!("    {validate}\n")),
    };
    format!(
        "    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'old' AND NOT attisdropped) THEN\n        \
         BEGIN\n            ALTER TABLE t ADD CONSTRAINT t_old_check CHECK (old > 0) NOT VALID;\n        \
         EXCEPTION WHEN duplicate_object THEN NULL;\n        END;{inside}\n    END IF;\n{after}"
    )
}

#[test]
fn a_validate_of_a_constraint_the_same_body_adds_fails_once_its_column_is_dropped_on_postgres() {
    let drop = "ALTER TABLE t DROP COLUMN IF EXISTS old;\n";
    let cases = vec![
        Case {
            name: "the VALIDATE after the block's column IF",
            sql: format!("DO $$\nBEGIN\n{}END $$;\n{drop}", add_then_validate(false)),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the VALIDATE in the block's column IF",
            sql: format!("DO $$\nBEGIN\n{}END $$;\n{drop}", add_then_validate(true)),
            fails_at: None,
        },
        Case {
            name: "the VALIDATE after the routine's column IF",
            sql: plpgsql(&add_then_validate(false), &format!("SELECT g();\n{drop}")),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "the VALIDATE in the routine's column IF",
            sql: plpgsql(&add_then_validate(true), &format!("SELECT g();\n{drop}")),
            fails_at: None,
        },
    ];
    assert_agree_on_postgres(&cases);
}

/// An IF whose condition `AND`s a check that the column exists with one that the constraint
/// does not (`… AND NOT EXISTS (… pg_constraint …)`) holds only while the column exists: a
/// retry that reached the drop skips the read in it.
#[test]
fn an_if_that_ands_a_column_check_with_a_missing_constraint_check_guards_the_read_on_postgres() {
    let guarded_add = "    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'old' AND NOT attisdropped)\n       \
                       AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 't_old_check') THEN\n        \
                       ALTER TABLE t ADD CONSTRAINT t_old_check CHECK (old > 0) NOT VALID;\n    END IF;\n";
    let drop = "ALTER TABLE t DROP COLUMN IF EXISTS old;\n";
    let cases = vec![
        Case {
            name: "the ADD alone",
            sql: format!("DO $$\nBEGIN\n{guarded_add}END $$;\n{drop}"),
            fails_at: None,
        },
        Case {
            name: "the ADD, then the VALIDATE after the IF",
            sql: format!(
                "DO $$\nBEGIN\n{guarded_add}    ALTER TABLE t VALIDATE CONSTRAINT t_old_check;\nEND $$;\n{drop}"
            ),
            fails_at: Some("VALIDATE CONSTRAINT"),
        },
        Case {
            name: "a NOT EXISTS of the column itself",
            sql: format!(
                "DO $$\nBEGIN\n    IF to_regclass('t') IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'gone' AND NOT attisdropped) THEN\n        \
                 UPDATE t SET old = 1;\n    END IF;\nEND $$;\n{drop}"
            ),
            fails_at: Some("UPDATE t SET old"),
        },
    ];
    assert_agree_on_postgres(&cases);
}

/// A `LANGUAGE sql` body is checked at its `CREATE` as `check_function_bodies` is there, not
/// at the call: created with it off and called after `RESET check_function_bodies`, the body
/// was never checked, so its read fails at the call (lint read the setting at the call and
/// took the body for checked at the CREATE, which it is not: no finding at all). Created with
/// it on, the CREATE itself fails on a retry, whatever the call sees.
#[test]
fn check_function_bodies_counts_as_it_was_at_the_routine_s_create_on_postgres() {
    let cases = vec![
        Case {
            name: "created unchecked, called after a RESET",
            sql: "SET check_function_bodies = false;\nCREATE OR REPLACE PROCEDURE set_old() LANGUAGE sql AS\n$$ UPDATE t SET old = 1 $$;\nRESET check_function_bodies;\nCALL set_old();\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: Some("UPDATE t SET old"),
        },
        Case {
            name: "created checked, called after turning it off",
            sql: "CREATE OR REPLACE PROCEDURE set_old() LANGUAGE sql AS $$ UPDATE t SET old = 1 $$;\nSET check_function_bodies = false;\nCALL set_old();\nALTER TABLE t DROP COLUMN IF EXISTS old;\n".into(),
            fails_at: Some("CREATE OR REPLACE PROCEDURE"),
        },
    ];
    assert_agree_on_postgres(&cases);
}
