//! A PL/pgSQL block runs as one: after a first run committed it, a retry meets everything the
//! block made. When a statement the block runs first (directly in it, not in an IF, a loop or an
//! inner block) fails on that retry with an error the block's handler catches (`CREATE TYPE`
//! and `duplicate_object`), the handler takes over and the statements after it in the block do
//! not run again: `CREATE TYPE mood …; CREATE TABLE person (… mood);` under `EXCEPTION WHEN
//! duplicate_object` survives a retry, though `duplicate_object` does not catch the table's
//! `duplicate_table`. Each case runs twice on PostgreSQL; lint must flag exactly the statement
//! whose second run fails.

mod common;

use common::retry::{dialect_options, retry_mismatches, RetryCase as Case};
use common::ScratchDb;
use preflight::sql::Dialect;

const SETUP: &str = "CREATE TABLE seen (id int PRIMARY KEY);";

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a type, then a table using it, under duplicate_object",
            sql: "DO $$ BEGIN\n  CREATE TYPE mood AS ENUM ('a', 'b');\n  CREATE TABLE person (id int, m mood);\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a type, a table and its index, under duplicate_object with a notice",
            sql: "DO $$ BEGIN\n  CREATE TYPE mood AS ENUM ('a', 'b');\n  CREATE TABLE person (id int, m mood);\n  CREATE INDEX person_m_idx ON person (m);\nEXCEPTION WHEN duplicate_object THEN RAISE NOTICE 'exists';\nEND $$;\nCREATE TABLE IF NOT EXISTS person_log (id int, m mood);\n".into(),
            fails_at: None,
        },
        Case {
            name: "a type, then a table in an IF, under SQLSTATE 42710",
            sql: "DO $$ BEGIN\n  CREATE TYPE mood AS ENUM ('a', 'b');\n  IF true THEN\n    CREATE TABLE person (id int, m mood);\n  END IF;\nEXCEPTION WHEN SQLSTATE '42710' THEN NULL;\nEND $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "the type after the table",
            sql: "DO $$ BEGIN\n  CREATE TABLE person (id int);\n  CREATE TYPE mood AS ENUM ('a', 'b');\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\n".into(),
            fails_at: Some("CREATE TABLE person"),
        },
        Case {
            name: "the type in an IF that was false",
            sql: "DO $$ BEGIN\n  IF EXISTS (SELECT 1 FROM seen) THEN\n    CREATE TYPE mood AS ENUM ('a', 'b');\n  END IF;\n  CREATE TABLE person (id int);\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\n".into(),
            fails_at: Some("CREATE TABLE person"),
        },
        Case {
            name: "the type in an inner block that catches its error itself",
            sql: "DO $$ BEGIN\n  BEGIN\n    CREATE TYPE mood AS ENUM ('a', 'b');\n  EXCEPTION WHEN duplicate_object THEN NULL;\n  END;\n  CREATE TABLE person (id int, m mood);\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\n".into(),
            fails_at: Some("CREATE TABLE person"),
        },
        Case {
            name: "the block drops the type before it creates it again",
            sql: "DO $$ BEGIN\n  DROP TYPE IF EXISTS mood CASCADE;\n  CREATE TYPE mood AS ENUM ('a', 'b');\n  CREATE TABLE person (id int, m mood);\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\n".into(),
            fails_at: Some("CREATE TABLE person"),
        },
        Case {
            name: "the block drops the type after the table",
            sql: "DO $$ BEGIN\n  CREATE TYPE mood AS ENUM ('a', 'b');\n  CREATE TABLE person (id int, m text);\n  DROP TYPE IF EXISTS mood;\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\n".into(),
            fails_at: Some("CREATE TABLE person"),
        },
        Case {
            name: "the file drops the type after the block",
            sql: "DO $$ BEGIN\n  CREATE TYPE mood AS ENUM ('a', 'b');\n  CREATE TABLE person (id int, m text);\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\nDROP TYPE IF EXISTS mood;\n".into(),
            fails_at: Some("CREATE TABLE person"),
        },
        Case {
            name: "the file drops the type before the block",
            sql: "DROP TYPE IF EXISTS mood CASCADE;\nDO $$ BEGIN\n  CREATE TYPE mood AS ENUM ('a', 'b');\n  CREATE TABLE person (id int, m mood);\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\n".into(),
            fails_at: Some("CREATE TABLE person"),
        },
        Case {
            name: "a table of another block under duplicate_object",
            sql: "DO $$ BEGIN\n  CREATE TYPE mood AS ENUM ('a', 'b');\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\nDO $$ BEGIN\n  CREATE TABLE person (id int, m mood);\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\n".into(),
            fails_at: Some("CREATE TABLE person"),
        },
    ]
}

#[test]
fn statements_after_the_first_failure_a_handler_catches_do_not_run_again() {
    let failures = retry_mismatches(
        &cases(),
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        SETUP,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A called routine's body runs as one too: `SELECT f()` or `CALL p()` of a PL/pgSQL routine
/// whose `CREATE TYPE` fails first on a retry under `duplicate_object` does not run its
/// `CREATE TABLE` again. PF101 flagged it (the guard was a DO block's only). As for a DO
/// block, the guard does not stand when the file removes the type, before the call or after it.
#[test]
fn statements_of_a_called_routine_after_the_first_failure_its_handler_catches_do_not_run_again() {
    let function = |table: &str| {
        format!("CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  CREATE TYPE mood AS ENUM ('a', 'b');\n  CREATE TABLE person (id int, m {table});\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\n")
    };
    let cases = vec![
        Case {
            name: "a function called by SELECT: a type, then a table using it",
            sql: format!("{}SELECT f();\n", function("mood")),
            fails_at: None,
        },
        Case {
            name: "a procedure called by CALL: a type, then a table using it",
            sql: "CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql AS $$\nBEGIN\n  CREATE TYPE mood AS ENUM ('a', 'b');\n  CREATE TABLE person (id int, m mood);\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\nCALL p();\n".into(),
            fails_at: None,
        },
        Case {
            name: "a function: the type after the table",
            sql: "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  CREATE TABLE person (id int);\n  CREATE TYPE mood AS ENUM ('a', 'b');\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;\nSELECT f();\n".into(),
            fails_at: Some("CREATE TABLE person"),
        },
        Case {
            name: "a function: the file drops the type before the call",
            sql: format!("DROP TYPE IF EXISTS mood CASCADE;\n{}SELECT f();\n", function("mood")),
            fails_at: Some("CREATE TABLE person"),
        },
        Case {
            name: "a function: the file drops the type after the call",
            sql: format!("{}SELECT f();\nDROP TYPE IF EXISTS mood;\n", function("text")),
            fails_at: Some("CREATE TABLE person"),
        },
    ];
    let failures = retry_mismatches(
        &cases,
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        SETUP,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A handler guards a rename only when it catches what the rename's retry raises: the old name
/// is gone, so `RENAME COLUMN` raises `undefined_column` (42703), `RENAME TO` of a table or an
/// index `undefined_table` (42P01), `RENAME CONSTRAINT` and a type's `RENAME TO`
/// `undefined_object` (42704), `RENAME VALUE` `invalid_parameter_value` (22023). A handler for
/// another condition (`duplicate_object`) let PF118 take the rename as guarded, and its retry
/// fails. Each case runs twice on PostgreSQL.
#[test]
fn a_handler_guards_a_rename_only_when_it_catches_the_error_its_retry_raises() {
    let setup = "CREATE TABLE t (id int, old int, CONSTRAINT c CHECK (id > 0));\nCREATE INDEX i ON t (id);\nCREATE TABLE t2 (id int);\nCREATE TYPE mood AS ENUM ('a');\n";
    let block = |statement: &str, condition: &str| {
        format!("DO $$ BEGIN\n  {statement}\nEXCEPTION WHEN {condition} THEN NULL;\nEND $$;\n")
    };
    let case = |statement: &'static str, condition: &str, fails: bool| Case {
        name: format!("{statement} under {condition}").leak(),
        sql: block(statement, condition),
        fails_at: fails.then_some(statement.trim_end_matches(';')),
    };
    let column = "ALTER TABLE t RENAME COLUMN old TO new;";
    let table = "ALTER TABLE t2 RENAME TO t3;";
    let constraint = "ALTER TABLE t RENAME CONSTRAINT c TO c2;";
    let index = "ALTER INDEX i RENAME TO i2;";
    let value = "ALTER TYPE mood RENAME VALUE 'a' TO 'b';";
    let type_ = "ALTER TYPE mood RENAME TO mood2;";
    let cases = vec![
        case(column, "duplicate_object", true),
        case(column, "duplicate_column", true),
        case(column, "undefined_table", true),
        case(column, "undefined_column", false),
        case(column, "SQLSTATE '42703'", false),
        case(column, "OTHERS", false),
        case(table, "duplicate_table", true),
        case(table, "undefined_table", false),
        case(constraint, "undefined_column", true),
        case(constraint, "undefined_object", false),
        case(index, "undefined_object", true),
        case(index, "undefined_table", false),
        case(value, "undefined_object", true),
        case(value, "invalid_parameter_value", false),
        case(type_, "undefined_table", true),
        case(type_, "undefined_object", false),
    ];
    let failures = retry_mismatches(
        &cases,
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        setup,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What a type change's `USING` raises when a retry evaluates it again on the new type depends
/// on the expression (`function length(integer) does not exist`: `undefined_function`), and is
/// never an "already exists": a handler for `duplicate_object` did count as a guard, and PF124
/// said nothing. Only `OTHERS` is known to catch it.
#[test]
fn a_handler_guards_a_type_change_with_using_only_when_it_catches_others() {
    let setup = "CREATE TABLE t (id int, x text);\nINSERT INTO t VALUES (1, 'ab');\n";
    let change = "ALTER TABLE t ALTER COLUMN x TYPE int USING length(x);";
    let case = |condition: &str, fails: bool| Case {
        name: format!("a type change under {condition}").leak(),
        sql: format!("DO $$ BEGIN\n  {change}\nEXCEPTION WHEN {condition} THEN NULL;\nEND $$;\n"),
        fails_at: fails.then_some(change.trim_end_matches(';')),
    };
    let cases = vec![
        case("duplicate_object", true),
        case("undefined_column OR duplicate_column", true),
        case("OTHERS", false),
    ];
    let failures = retry_mismatches(
        &cases,
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        setup,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Within one ALTER TABLE too: PostgreSQL 15 adds CHECKs and foreign keys last, in the written
/// order, after every other action (a UNIQUE or primary key first wherever it is written). A
/// foreign key whose referenced key a later `DROP CONSTRAINT … CASCADE` takes away is added
/// again on a retry, and fails, only when no action that runs before it fails first into the
/// handler: a named CHECK written before it (`duplicate_object`), a named UNIQUE anywhere
/// (`duplicate_table`, when the handler catches it), a primary key (`invalid_table_definition`).
/// Not when the file removes that constraint, or a column it reads, or it is a foreign key to
/// the dropped key as well. Lint treated the order as unknown and flagged the foreign key.
#[test]
fn an_alter_action_postgres_runs_first_keeps_a_foreign_key_to_a_cascaded_key_from_running_again() {
    use common::retry::{assert_crash_points_agree, Case};
    let setup = "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE q (id int PRIMARY KEY);\nCREATE TABLE c (id int, x int, p_id int);\n";
    const DROP_KEY: &str = "ALTER TABLE p DROP CONSTRAINT IF EXISTS p_pkey CASCADE;";
    let cases = [
        Case {
            name: "a named CHECK before the foreign key",
            statements: &["DO $$ BEGIN ALTER TABLE c ADD CONSTRAINT c_chk CHECK (x > 0), ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id); EXCEPTION WHEN duplicate_object THEN NULL; END $$;", DROP_KEY],
        },
        Case {
            name: "the named CHECK after the foreign key",
            statements: &["DO $$ BEGIN ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id), ADD CONSTRAINT c_chk CHECK (x > 0); EXCEPTION WHEN duplicate_object THEN NULL; END $$;", DROP_KEY],
        },
        Case {
            name: "an unnamed CHECK before the foreign key",
            statements: &["DO $$ BEGIN ALTER TABLE c ADD CHECK (x > 0), ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id); EXCEPTION WHEN duplicate_object THEN NULL; END $$;", DROP_KEY],
        },
        Case {
            name: "a named UNIQUE after the foreign key, duplicate_table caught",
            statements: &["DO $$ BEGIN ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id), ADD CONSTRAINT c_uq UNIQUE (x); EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL; END $$;", DROP_KEY],
        },
        Case {
            name: "a named UNIQUE after the foreign key, duplicate_table not caught",
            statements: &["DO $$ BEGIN ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id), ADD CONSTRAINT c_uq UNIQUE (x); EXCEPTION WHEN duplicate_object THEN NULL; END $$;", DROP_KEY],
        },
        Case {
            name: "a primary key after the foreign key",
            statements: &["DO $$ BEGIN ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id), ADD CONSTRAINT c_pk PRIMARY KEY (id); EXCEPTION WHEN duplicate_object OR invalid_table_definition THEN NULL; END $$;", DROP_KEY],
        },
        Case {
            name: "a foreign key to another table before it",
            statements: &["DO $$ BEGIN ALTER TABLE c ADD CONSTRAINT c_fq FOREIGN KEY (x) REFERENCES q (id), ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id); EXCEPTION WHEN duplicate_object THEN NULL; END $$;", DROP_KEY],
        },
        Case {
            name: "a foreign key to the dropped key before it",
            statements: &["DO $$ BEGIN ALTER TABLE c ADD CONSTRAINT c_fq FOREIGN KEY (x) REFERENCES p (id), ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id); EXCEPTION WHEN duplicate_object THEN NULL; END $$;", DROP_KEY],
        },
        Case {
            name: "the CHECK dropped later",
            statements: &["DO $$ BEGIN ALTER TABLE c ADD CONSTRAINT c_chk CHECK (x > 0), ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id); EXCEPTION WHEN duplicate_object THEN NULL; END $$;", DROP_KEY, "ALTER TABLE c DROP CONSTRAINT IF EXISTS c_chk;"],
        },
        Case {
            name: "the CHECK dropped before",
            statements: &["ALTER TABLE c DROP CONSTRAINT IF EXISTS c_chk;", "DO $$ BEGIN ALTER TABLE c ADD CONSTRAINT c_chk CHECK (x > 0), ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id); EXCEPTION WHEN duplicate_object THEN NULL; END $$;", DROP_KEY],
        },
        Case {
            name: "the CHECK's column dropped later",
            statements: &["DO $$ BEGIN ALTER TABLE c ADD CONSTRAINT c_chk CHECK (x > 0), ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id); EXCEPTION WHEN duplicate_object THEN NULL; END $$;", DROP_KEY, "ALTER TABLE c DROP COLUMN IF EXISTS x;"],
        },
    ];
    assert_crash_points_agree(setup, &cases);
}
