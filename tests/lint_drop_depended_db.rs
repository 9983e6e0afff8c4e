//! PF125 against the real databases: each file runs once, then a second time the way a retry
//! of the whole applied file does, going on after errors (`mariadb --force`, psql without
//! ON_ERROR_STOP) so that every statement's verdict is known. lint must flag exactly the
//! statements that fail in the second run, and the fixed file must run twice cleanly.
//! Every file has one statement per line: a line number is a statement.

mod common;

use common::retry::retry_flagged_lines;
use common::{Engine, ScratchDb};
use preflight::fix::fix_source;
use preflight::lint::{lint_source, LintOptions};
use preflight::source::SourceFile;
use preflight::sql::Dialect;
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};

struct Case {
    name: &'static str,
    engines: &'static [Engine],
    sql: &'static str,
    /// The lines whose statements fail in the second run (the server's verdict, pinned).
    fails: &'static [usize],
    /// lint offers a fix that makes the file run twice.
    fixed: bool,
}

const BOTH: &[Engine] = &[Engine::Postgres, Engine::MariaDb];
const PG: &[Engine] = &[Engine::Postgres];
const MARIA: &[Engine] = &[Engine::MariaDb];

const CASES: &[Case] = &[
    Case {
        name: "parent dropped before its child (ranger)",
        engines: BOTH,
        sql: "DROP TABLE IF EXISTS p;\nDROP TABLE IF EXISTS c;\n\
              CREATE TABLE p (id INT PRIMARY KEY);\n\
              CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\n",
        // The drop fails, and the CREATE TABLE p after it meets the table.
        fails: &[1, 3],
        fixed: true,
    },
    Case {
        name: "child dropped first",
        engines: BOTH,
        sql: "DROP TABLE IF EXISTS c;\nDROP TABLE IF EXISTS p;\n\
              CREATE TABLE p (id INT PRIMARY KEY);\n\
              CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "a chain: grandparent, parent, child",
        engines: BOTH,
        sql: "DROP TABLE IF EXISTS a;\nDROP TABLE IF EXISTS b;\nDROP TABLE IF EXISTS c;\n\
              CREATE TABLE a (id INT PRIMARY KEY);\n\
              CREATE TABLE b (id INT PRIMARY KEY, a_id INT, FOREIGN KEY (a_id) REFERENCES a (id));\n\
              CREATE TABLE c (b_id INT, FOREIGN KEY (b_id) REFERENCES b (id));\n",
        fails: &[1, 2, 4, 5],
        fixed: true,
    },
    Case {
        name: "a child whose own drop fails blocks its parent's (ranger's x_service_def)",
        engines: BOTH,
        sql: "DROP TABLE IF EXISTS svc;\nDROP TABLE IF EXISTS svc_def;\nDROP TABLE IF EXISTS share;\n\
              CREATE TABLE svc_def (id INT PRIMARY KEY);\n\
              CREATE TABLE svc (id INT PRIMARY KEY, def INT, FOREIGN KEY (def) REFERENCES svc_def (id));\n\
              CREATE TABLE share (svc INT, FOREIGN KEY (svc) REFERENCES svc (id));\n",
        fails: &[1, 2, 4, 5],
        fixed: true,
    },
    Case {
        name: "parent and child in one drop, parent first",
        engines: BOTH,
        sql: "DROP TABLE IF EXISTS p, c;\nCREATE TABLE p (id INT PRIMARY KEY);\n\
              CREATE TABLE c (p_id INT REFERENCES p (id));\n",
        // PostgreSQL drops both; MariaDB drops the names in order (and `c` all the same).
        fails: &[1, 2],
        fixed: false,
    },
    Case {
        name: "parent and child in one drop, child first",
        engines: BOTH,
        sql: "DROP TABLE IF EXISTS c, p;\nCREATE TABLE p (id INT PRIMARY KEY);\n\
              CREATE TABLE c (p_id INT REFERENCES p (id));\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "CASCADE",
        engines: BOTH,
        sql: "DROP TABLE IF EXISTS p CASCADE;\nCREATE TABLE p (id INT PRIMARY KEY);\n\
              CREATE TABLE IF NOT EXISTS c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\n",
        // PostgreSQL drops the foreign key along; MariaDB ignores CASCADE.
        fails: &[1, 2],
        fixed: false,
    },
    Case {
        name: "a view over a table dropped with CASCADE and created again",
        engines: BOTH,
        sql: "DROP TABLE IF EXISTS p CASCADE;\nCREATE TABLE IF NOT EXISTS p (id INT PRIMARY KEY);\n\
              CREATE VIEW v AS SELECT id FROM p;\n",
        // PostgreSQL's CASCADE drops the view the first run made; MariaDB ignores CASCADE and
        // keeps it, so the CREATE VIEW meets it.
        fails: &[3],
        fixed: true,
    },
    Case {
        name: "FOREIGN_KEY_CHECKS off",
        engines: MARIA,
        sql: "SET FOREIGN_KEY_CHECKS = 0;\nDROP TABLE IF EXISTS p;\n\
              CREATE TABLE p (id INT PRIMARY KEY);\n\
              CREATE TABLE IF NOT EXISTS c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "FOREIGN_KEY_CHECKS off, as mysqldump writes it",
        engines: MARIA,
        sql: "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n\
              DROP TABLE IF EXISTS p;\nCREATE TABLE p (id INT PRIMARY KEY);\n\
              CREATE TABLE IF NOT EXISTS c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "self-reference",
        engines: BOTH,
        sql: "DROP TABLE IF EXISTS t;\n\
              CREATE TABLE t (id INT PRIMARY KEY, up INT, FOREIGN KEY (up) REFERENCES t (id));\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "a foreign key added later by ALTER TABLE",
        engines: BOTH,
        sql: "DROP TABLE IF EXISTS p;\nCREATE TABLE p (id INT PRIMARY KEY);\n\
              CREATE TABLE IF NOT EXISTS c (p_id INT);\n\
              ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES p (id);\n",
        fails: &[1, 2, 4],
        fixed: false,
    },
    Case {
        name: "a view over the table",
        engines: BOTH,
        sql: "DROP TABLE IF EXISTS p;\nCREATE TABLE p (id INT PRIMARY KEY);\n\
              CREATE OR REPLACE VIEW v AS SELECT id FROM p;\n",
        // PostgreSQL keeps the view's dependency; MariaDB does not.
        fails: &[1, 2],
        fixed: false,
    },
    Case {
        name: "a child in another schema",
        engines: PG,
        sql: "DROP TABLE IF EXISTS public.p;\nCREATE TABLE public.p (id INT PRIMARY KEY);\n\
              CREATE SCHEMA IF NOT EXISTS s2;\n\
              CREATE TABLE IF NOT EXISTS s2.c (p_id INT REFERENCES public.p (id));\n",
        fails: &[1, 2],
        fixed: false,
    },
    // PostgreSQL's CASCADE is an unreserved word: a table, schema or type may be named
    // `cascade`. Only the drop's own trailing option cascades (the word anywhere in the
    // statement was read as one).
    Case {
        name: "a table named cascade dropped along, last",
        engines: PG,
        sql: "DROP TABLE IF EXISTS p, cascade;\nCREATE TABLE p (id INT PRIMARY KEY);\n\
              CREATE OR REPLACE VIEW v AS SELECT id FROM p;\n",
        fails: &[1, 2],
        fixed: false,
    },
    Case {
        name: "a table named cascade dropped along, first",
        engines: PG,
        sql: "DROP TABLE IF EXISTS cascade, p;\nCREATE TABLE p (id INT PRIMARY KEY);\n\
              CREATE TABLE IF NOT EXISTS c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));\n",
        fails: &[1, 2],
        fixed: false,
    },
    Case {
        name: "a table of a schema named cascade",
        engines: PG,
        sql: "CREATE SCHEMA IF NOT EXISTS cascade;\nDROP TABLE IF EXISTS cascade.p;\n\
              CREATE TABLE cascade.p (id INT PRIMARY KEY);\n\
              CREATE OR REPLACE VIEW v AS SELECT id FROM cascade.p;\n",
        fails: &[2, 3],
        fixed: false,
    },
    Case {
        name: "a table named cascade dropped along with CASCADE",
        engines: PG,
        sql: "DROP TABLE IF EXISTS p, cascade CASCADE;\nCREATE TABLE p (id INT PRIMARY KEY);\n\
              CREATE OR REPLACE VIEW v AS SELECT id FROM p;\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "a type named cascade dropped along",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood, cascade;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE TABLE IF NOT EXISTS person (id int, m mood);\n",
        fails: &[1],
        fixed: false,
    },
    // A table with a column of a type (or domain) the file dropped before: the retry's drop
    // meets the table (`cannot drop type … because other objects depend on it`).
    Case {
        name: "a column of a type dropped before, the type created in a guarded DO block",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE TABLE IF NOT EXISTS person (id int, m public.mood);\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "an array column of the type, added by ALTER TABLE",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE TABLE IF NOT EXISTS person (id int);\n\
              ALTER TABLE person ADD COLUMN IF NOT EXISTS m mood[];\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a column of a domain dropped before",
        engines: PG,
        sql: "DROP DOMAIN IF EXISTS pos;\n\
              DO $$ BEGIN CREATE DOMAIN pos AS int CHECK (VALUE > 0); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE TABLE IF NOT EXISTS person (id int, p pos);\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a column of a type dropped before and created again unguarded",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\nCREATE TYPE mood AS ENUM ('a', 'b');\n\
              CREATE TABLE IF NOT EXISTS person (id int, m mood);\n",
        // The drop fails, and the CREATE TYPE after it meets the type.
        fails: &[1, 2],
        fixed: false,
    },
    Case {
        name: "a column of a type of the same name in another schema",
        engines: PG,
        sql: "CREATE SCHEMA IF NOT EXISTS s2;\nDROP TYPE IF EXISTS s2.mood;\n\
              DO $$ BEGIN CREATE TYPE public.mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE TABLE IF NOT EXISTS person (id int, m public.mood);\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "the type dropped with CASCADE",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood CASCADE;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE TABLE IF NOT EXISTS person (id int, m mood);\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "a column named like the dropped type, of another type",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE TABLE IF NOT EXISTS person (id int, mood text);\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "the table dropped before the type",
        engines: PG,
        sql: "DROP TABLE IF EXISTS person;\nDROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE TABLE person (id int, m mood);\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "a column changed to the type (ALTER COLUMN … TYPE … USING)",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE TABLE IF NOT EXISTS person (id int, m text);\n\
              ALTER TABLE person ALTER COLUMN m TYPE mood USING m::text::mood;\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a table created in a DO block",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              DO $$ BEGIN CREATE TABLE IF NOT EXISTS person (id int, m mood); END $$;\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a domain over the type",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              DO $$ BEGIN CREATE DOMAIN happy AS mood CHECK (VALUE <> 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a composite type with an attribute of the type",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              DO $$ BEGIN CREATE TYPE pair AS (m mood, n int); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a function with a parameter of the type",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE OR REPLACE FUNCTION f(IN m public.mood DEFAULT 'a') RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a function returning a set of the type",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE OR REPLACE FUNCTION f() RETURNS SETOF mood LANGUAGE sql AS $f$ SELECT 'a'::mood $f$;\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a function casting to the type in a BEGIN ATOMIC body",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 WHERE 'a'::mood = 'a'; END;\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a function returning a table with a column of the type",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE OR REPLACE FUNCTION g() RETURNS TABLE (id int, m mood) LANGUAGE sql AS 'SELECT 1, NULL::mood';\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a procedure with a parameter of the type",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE OR REPLACE PROCEDURE pr(mood) LANGUAGE sql AS 'SELECT 1';\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a function using the type only in its string body",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE OR REPLACE FUNCTION f(mood text) RETURNS int LANGUAGE plpgsql AS $f$ DECLARE x mood; BEGIN RETURN 1; END $f$;\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "a view casting to the type",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE OR REPLACE VIEW v AS SELECT 'a'::mood AS m, CAST('b' AS mood) AS n;\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a materialized view casting to the type",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT CAST('b' AS public.mood) AS n;\n",
        fails: &[1],
        fixed: false,
    },
    Case {
        name: "a view with a column named like the type",
        engines: PG,
        sql: "DROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE OR REPLACE VIEW v AS SELECT 'a'::text AS mood, (SELECT 1 AS mood) AS n;\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "the view dropped before the type",
        engines: PG,
        sql: "DROP VIEW IF EXISTS v;\nDROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE VIEW v AS SELECT 'a'::mood AS m;\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "the function dropped before the type",
        engines: PG,
        sql: "DROP FUNCTION IF EXISTS f(mood);\nDROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              CREATE FUNCTION f(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "the table dropped before the type in a DO block",
        engines: PG,
        sql: "DO $$ BEGIN DROP TABLE IF EXISTS person; END $$;\nDROP TYPE IF EXISTS mood;\n\
              DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              DO $$ BEGIN CREATE TABLE person (id int, m mood); END $$;\n",
        fails: &[],
        fixed: false,
    },
    Case {
        name: "a domain over a type of the same name in another schema",
        engines: PG,
        sql: "CREATE SCHEMA IF NOT EXISTS s2;\nDROP TYPE IF EXISTS s2.mood;\n\
              DO $$ BEGIN CREATE TYPE public.mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
              DO $$ BEGIN CREATE DOMAIN happy AS public.mood; EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n",
        fails: &[],
        fixed: false,
    },
];

/// The server's verdict differs by engine in these cases: the lines that fail there.
fn expected_fails(case: &Case, engine: Engine) -> Vec<usize> {
    match (case.name, engine) {
        ("parent and child in one drop, parent first", Engine::Postgres)
        | ("CASCADE", Engine::Postgres)
        | ("a view over a table dropped with CASCADE and created again", Engine::Postgres)
        | ("a view over the table", Engine::MariaDb) => Vec::new(),
        _ => case.fails.to_vec(),
    }
}

fn dialect(engine: Engine) -> Dialect {
    match engine {
        Engine::Postgres => Dialect::Postgres,
        Engine::MariaDb => Dialect::Mariadb,
    }
}

fn options(engine: Engine) -> LintOptions {
    LintOptions {
        dialect: dialect(engine),
        ..LintOptions::default()
    }
}

/// The lines with a retry finding (PF1xx, PF2xx).
fn flagged(sql: &str, engine: Engine) -> BTreeSet<usize> {
    retry_flagged_lines(sql, &options(engine))
        .into_iter()
        .collect()
}

/// Runs `sql` going on after errors; the lines of the statements that failed.
fn run_going_on(db: &ScratchDb, sql: &str) -> BTreeSet<usize> {
    let mut command = match db.engine {
        Engine::Postgres => {
            let mut c = Command::new("psql");
            c.args(["-h", "127.0.0.1", "-U", "postgres", "-X", "-q"])
                .args(["-v", "ON_ERROR_STOP=0", "-d", &db.name, "-f", "-"]);
            c
        }
        Engine::MariaDb => {
            let mut c = Command::new("mariadb");
            c.args(["-h", "127.0.0.1", "-uroot", "--force"])
                .arg(format!("--port={}", db.port))
                .arg(&db.name);
            c
        }
    };
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the database client is installed");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(sql.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("client");
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .filter_map(|l| match db.engine {
            // psql:<stdin>:3: ERROR:  relation "p" already exists
            Engine::Postgres => l
                .strip_prefix("psql:<stdin>:")
                .filter(|rest| rest.contains("ERROR"))
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse().ok()),
            // ERROR 1451 (23000) at line 1: Cannot delete or update a parent row: …
            Engine::MariaDb => l
                .split_once(" at line ")
                .filter(|(head, _)| head.starts_with("ERROR"))
                .and_then(|(_, rest)| rest.split(':').next())
                .and_then(|n| n.parse().ok()),
        })
        .collect()
}

fn scratch(engine: Engine) -> ScratchDb {
    match engine {
        Engine::Postgres => ScratchDb::postgres(),
        Engine::MariaDb => ScratchDb::mariadb(),
    }
}

#[test]
fn lint_flags_exactly_the_statements_a_second_run_fails() {
    let mut failures = Vec::new();
    for case in CASES {
        for &engine in case.engines {
            let db = scratch(engine);
            db.exec(case.sql);
            let failed = run_going_on(&db, case.sql);
            let expected: BTreeSet<usize> = expected_fails(case, engine).into_iter().collect();
            if failed != expected {
                failures.push(format!(
                    "{} on {engine:?}: the server failed lines {failed:?}, the case says {expected:?}",
                    case.name
                ));
            }
            let lines = flagged(case.sql, engine);
            if lines != failed {
                failures.push(format!(
                    "{} on {engine:?}: lint flagged lines {lines:?}, a second run failed {failed:?}",
                    case.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_fixed_files_run_twice() {
    for case in CASES.iter().filter(|c| c.fixed) {
        for &engine in case.engines {
            let source = SourceFile::new("m.sql", case.sql);
            let outcome = fix_source(&source, &options(engine), true);
            assert!(
                outcome.remaining.is_empty(),
                "{} on {engine:?}: {:?}\n{}",
                case.name,
                outcome.remaining,
                outcome.fixed
            );
            let db = scratch(engine);
            db.exec(&outcome.fixed);
            let failed = run_going_on(&db, &outcome.fixed);
            assert!(
                failed.is_empty(),
                "{} on {engine:?}: the fixed file failed lines {failed:?} on its second run:\n{}",
                case.name,
                outcome.fixed
            );
        }
    }
}

#[test]
fn a_child_an_earlier_migration_created_is_not_this_rules_business() {
    // The drop fails on the first run already (no retry question): not PF125.
    let sql = "DROP TABLE IF EXISTS p;\nCREATE TABLE p (id INT PRIMARY KEY);\n";
    for engine in [Engine::Postgres, Engine::MariaDb] {
        let findings = lint_source(&SourceFile::new("m.sql", sql), &options(engine));
        assert!(
            findings.iter().all(|f| f.rule.code != "PF125"),
            "{findings:?}"
        );
        let db = scratch(engine);
        db.exec("CREATE TABLE p (id INT PRIMARY KEY);");
        db.exec("CREATE TABLE c (p_id INT, FOREIGN KEY (p_id) REFERENCES p (id));");
        assert!(db.try_exec("DROP TABLE IF EXISTS p;").is_err());
    }
}

/// Under a per-file transaction a retry re-runs the whole applied file: a column of the type
/// that the file drops later is gone by then, and the type's drop succeeds; a column or table
/// the file only renames still uses the type, and the drop fails. (A rename's removal was read
/// as the table being gone, and a dropped column not at all.)
#[test]
fn under_a_file_transaction_only_what_the_file_leaves_using_the_type_blocks_its_drop() {
    let head = "DROP TYPE IF EXISTS mood;\n\
                DO $$ BEGIN CREATE TYPE mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n\
                CREATE TABLE IF NOT EXISTS person (id int, m mood);\n";
    let options = LintOptions {
        dialect: Dialect::Postgres,
        select: vec!["PF125".into()],
        runner: Some(
            preflight::runner::Runner::UNKNOWN
                .declaring(Some(preflight::runner::ApplyModel::FileTransaction)),
        ),
        ..LintOptions::default()
    };
    for (last, blocked) in [
        ("ALTER TABLE person DROP COLUMN m;", false),
        ("DROP TABLE person;", false),
        ("ALTER TABLE person RENAME COLUMN m TO m2;", true),
        ("ALTER TABLE IF EXISTS person RENAME TO people;", true),
    ] {
        let sql = format!("{head}{last}\n");
        let db = scratch(Engine::Postgres);
        db.exec(&sql);
        let failed = run_going_on(&db, &sql);
        assert_eq!(
            failed.contains(&1),
            blocked,
            "the server, {last}: {failed:?}"
        );
        let findings = lint_source(&SourceFile::new("m.sql", sql.as_str()), &options);
        assert_eq!(!findings.is_empty(), blocked, "{last}: {findings:?}");
    }
}
