//! PF109, PF110 and PF111 in a DO block: a drop without IF EXISTS of what the statement right
//! before it in the same block makes (`ADD COLUMN IF NOT EXISTS`, `CREATE … IF NOT EXISTS`)
//! finds it there on every run, a retry too, as at the top level. PF115 and PF116 the other way
//! round: a creation without a guard of what a later statement of the same block removes again
//! finds the name free on a retry. Each case runs twice on the real server; lint must flag
//! exactly the statement whose second run fails.

mod common;

use common::retry::{
    dialect_options, retry_findings, retry_mismatches, run_twice, second_run, RetryCase as Case,
};
use common::ScratchDb;
use preflight::fix::fix_source;
use preflight::source::SourceFile;
use preflight::sql::Dialect;

const PG_SETUP: &str = "CREATE TABLE t (id int, old int);\n\
                        CREATE SCHEMA a;\n\
                        CREATE TABLE a.t (id int);";

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a DO block adds the column back, reads it, drops it",
            sql: "DO $$ BEGIN ALTER TABLE t ADD COLUMN IF NOT EXISTS old int; UPDATE t SET old = 1; ALTER TABLE t DROP COLUMN old; END $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block creates a table, then drops it",
            sql: "DO $$\nBEGIN\n    CREATE TABLE IF NOT EXISTS scratch (id int);\n    DROP TABLE scratch;\nEND $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block creates an index, then drops it",
            sql: "DO $$\nBEGIN\n    CREATE INDEX IF NOT EXISTS t_id ON t (id);\n    DROP INDEX t_id;\nEND $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block adds the column back only in an IF",
            sql: "DO $$\nBEGIN\n    IF (SELECT count(*) FROM t) > 0 THEN\n        ALTER TABLE t ADD COLUMN IF NOT EXISTS old int;\n    END IF;\n    ALTER TABLE t DROP COLUMN old;\nEND $$;\n".into(),
            fails_at: Some("DROP COLUMN old"),
        },
        Case {
            name: "a DO block adds the column to another schema's table",
            sql: "DO $$\nBEGIN\n    ALTER TABLE a.t ADD COLUMN IF NOT EXISTS old int;\n    ALTER TABLE t DROP COLUMN old;\nEND $$;\n".into(),
            fails_at: Some("DROP COLUMN old"),
        },
        Case {
            name: "a CREATE TABLE IF NOT EXISTS in the block does not bring a dropped column back",
            sql: "DO $$\nBEGIN\n    CREATE TABLE IF NOT EXISTS t (id int, old int);\n    ALTER TABLE t DROP COLUMN old;\nEND $$;\n".into(),
            fails_at: Some("DROP COLUMN old"),
        },
        Case {
            name: "the column is added back in an earlier block",
            sql: "DO $$ BEGIN ALTER TABLE a.t ADD COLUMN IF NOT EXISTS old int; END $$;\nDO $$ BEGIN ALTER TABLE t DROP COLUMN old; END $$;\n".into(),
            fails_at: Some("DROP COLUMN old"),
        },
    ]
}

#[test]
fn a_drop_of_what_its_do_block_makes_right_before_survives_a_retry_on_postgres() {
    let failures = retry_mismatches(
        &cases(),
        &dialect_options(Dialect::Postgres),
        ScratchDb::postgres,
        PG_SETUP,
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_drop_constraint_of_what_its_do_block_adds_right_before_is_not_flagged() {
    // The ADD CONSTRAINT runs again on a retry only after the drop took it: neither PF116 nor
    // PF111 flags the block.
    let sql = "DO $$\nBEGIN\n    ALTER TABLE t ADD CONSTRAINT t_pos CHECK (id > 0);\n    ALTER TABLE t DROP CONSTRAINT t_pos;\nEND $$;\n";
    second_run(ScratchDb::postgres, PG_SETUP, sql).expect("the block runs twice");
    let found = retry_findings(sql, &dialect_options(Dialect::Postgres));
    assert!(found.is_empty(), "{found:#?}");
}

fn made_and_removed_cases() -> Vec<Case> {
    vec![
        Case {
            name: "a DO block adds a constraint, then drops it",
            sql: "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT t_c CHECK (id > 0); ALTER TABLE t DROP CONSTRAINT t_c; END $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block creates a type, then drops it",
            sql: "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); DROP TYPE mood; END $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block creates a type, then drops it with IF EXISTS",
            sql: "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); DROP TYPE IF EXISTS mood; END $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block adds a constraint, then drops it with IF EXISTS",
            sql: "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT t_c CHECK (id > 0); ALTER TABLE t DROP CONSTRAINT IF EXISTS t_c; END $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block creates a type, renames it, drops it under the new name",
            sql: "DO $$\nBEGIN\n    CREATE TYPE mood AS ENUM ('a');\n    ALTER TYPE mood RENAME TO mood_old;\n    DROP TYPE mood_old;\nEND $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block adds a constraint, renames it, drops it under the new name",
            sql: "DO $$\nBEGIN\n    ALTER TABLE t ADD CONSTRAINT t_c CHECK (id > 0);\n    ALTER TABLE t RENAME CONSTRAINT t_c TO t_c2;\n    ALTER TABLE t DROP CONSTRAINT t_c2;\nEND $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block adds a column back, renames it, reads and drops it under the new name",
            sql: "DO $$\nBEGIN\n    ALTER TABLE t ADD COLUMN IF NOT EXISTS tmp int;\n    ALTER TABLE t RENAME COLUMN tmp TO tmp2;\n    UPDATE t SET tmp2 = 1;\n    ALTER TABLE t DROP COLUMN tmp2;\nEND $$;\n".into(),
            fails_at: None,
        },
        Case {
            name: "a DO block renames the type it creates, the new name dropped only in an IF",
            sql: "DO $$\nBEGIN\n    CREATE TYPE mood AS ENUM ('a');\n    ALTER TYPE mood RENAME TO mood_old;\n    IF (SELECT count(*) FROM t) > 0 THEN\n        DROP TYPE IF EXISTS mood_old;\n    END IF;\nEND $$;\n".into(),
            fails_at: Some("RENAME TO mood_old"),
        },
        Case {
            name: "a DO block creates a type it does not drop",
            sql: "DO $$\nBEGIN\n    CREATE TYPE mood AS ENUM ('a');\n    DROP TYPE IF EXISTS other;\nEND $$;\n".into(),
            fails_at: Some("CREATE TYPE mood"),
        },
        Case {
            name: "a DO block adds a constraint it does not drop",
            sql: "DO $$\nBEGIN\n    ALTER TABLE t ADD CONSTRAINT t_c CHECK (id > 0);\n    ALTER TABLE t DROP CONSTRAINT IF EXISTS t_other;\nEND $$;\n".into(),
            fails_at: Some("ADD CONSTRAINT t_c"),
        },
        Case {
            name: "a DO block drops the constraint only in an IF",
            sql: "DO $$\nBEGIN\n    ALTER TABLE t ADD CONSTRAINT t_c CHECK (id > 0);\n    IF (SELECT count(*) FROM t) > 0 THEN\n        ALTER TABLE t DROP CONSTRAINT IF EXISTS t_c;\n    END IF;\nEND $$;\n".into(),
            fails_at: Some("ADD CONSTRAINT t_c"),
        },
        Case {
            name: "a DO block drops the type of the same name in another schema",
            sql: "DO $$\nBEGIN\n    CREATE TYPE a.mood AS ENUM ('a');\n    DROP TYPE IF EXISTS mood;\nEND $$;\n".into(),
            fails_at: Some("CREATE TYPE a.mood"),
        },
        Case {
            name: "a DO block drops the constraint of another schema's table",
            sql: "DO $$\nBEGIN\n    ALTER TABLE a.t ADD CONSTRAINT t_c CHECK (id > 0);\n    ALTER TABLE t DROP CONSTRAINT IF EXISTS t_c;\nEND $$;\n".into(),
            fails_at: Some("ADD CONSTRAINT t_c"),
        },
        Case {
            name: "a DO block renames the type away and keeps it: the rename fails",
            sql: "DO $$\nBEGIN\n    CREATE TYPE mood AS ENUM ('a');\n    ALTER TYPE mood RENAME TO mood_old;\n    DROP TYPE IF EXISTS mood;\nEND $$;\n".into(),
            fails_at: Some("RENAME TO mood_old"),
        },
    ]
}

#[test]
fn a_creation_its_do_block_removes_again_survives_a_retry_on_postgres() {
    let options = dialect_options(Dialect::Postgres);
    let cases = made_and_removed_cases();
    let failures = retry_mismatches(&cases, &options, ScratchDb::postgres, PG_SETUP);
    assert!(failures.is_empty(), "{failures:#?}");
    // Nothing flagged, nothing to fix: `fix` leaves such a block as it is.
    for case in cases.iter().filter(|c| c.fails_at.is_none()) {
        let outcome = fix_source(&SourceFile::new("m.sql", case.sql.as_str()), &options, true);
        assert_eq!(outcome.fixed, case.sql, "{}", case.name);
    }
}

/// A migration of one statement a line, for [`crash_point_mismatches`].
struct CrashCase {
    name: &'static str,
    statements: &'static [&'static str],
}

/// Lint (statement by statement and under a per-file transaction) against the server, which
/// runs each retry the model allows: a crash after any of the statements (after all of them:
/// the tracker lost the record) and a re-run of the whole file; under a per-file transaction,
/// only the last. Each retry runs in a transaction it rolls back, so one database serves all;
/// its first failing statement is one lint must flag, and lint flags nothing else.
fn crash_point_mismatches(cases: &[CrashCase]) -> Vec<String> {
    use preflight::lint::LintOptions;
    use preflight::runner::{ApplyModel, Runner};
    let db = ScratchDb::postgres();
    db.exec(PG_SETUP);
    let mut failures = Vec::new();
    for case in cases {
        let sql = case.statements.join("\n") + "\n";
        let all = case.statements.len();
        for model in [None, Some(ApplyModel::FileTransaction)] {
            let crash_points = if model.is_some() { all..=all } else { 1..=all };
            let mut failing: Vec<usize> = Vec::new();
            for done in crash_points {
                let before = case.statements[..done].join("\n");
                let first_failure = (0..all).find(|&j| {
                    let retry = case.statements[..=j].join("\n");
                    db.try_exec(&format!("BEGIN;\n{before}\n{retry}\nROLLBACK;"))
                        .is_err()
                });
                failing.extend(first_failure.map(|j| j + 1));
            }
            failing.sort_unstable();
            failing.dedup();
            let options = LintOptions {
                dialect: Dialect::Postgres,
                runner: model.map(|m| Runner::UNKNOWN.declaring(Some(m))),
                ..LintOptions::default()
            };
            let found = retry_findings(&sql, &options);
            let mut lines: Vec<usize> = found
                .iter()
                .map(|f| f.location.start.expect("a retry finding has a line").line)
                .collect();
            lines.sort_unstable();
            lines.dedup();
            if lines != failing {
                let codes: Vec<&str> = found.iter().map(|f| f.rule.code).collect();
                failures.push(format!(
                    "{} ({model:?}): lint flagged lines {lines:?} ({codes:?}), retries fail at {failing:?}",
                    case.name
                ));
            }
        }
    }
    failures
}

fn made_in_block_dropped_after_cases() -> Vec<CrashCase> {
    vec![
        CrashCase {
            name: "a DO block creates a type, a later statement drops it",
            statements: &[
                "DO $$ BEGIN CREATE TYPE m5 AS ENUM ('a'); END $$;",
                "DROP TYPE m5;",
            ],
        },
        CrashCase {
            name: "a DO block creates a table after another statement, a later statement drops it",
            statements: &[
                "DO $$ BEGIN UPDATE t SET id = 1; CREATE TABLE scratch (id int); END $$;",
                "DROP TABLE scratch;",
            ],
        },
        CrashCase {
            name: "a DO block adds a constraint, a later statement drops it",
            statements: &[
                "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT t_c CHECK (id > 0); END $$;",
                "ALTER TABLE t DROP CONSTRAINT t_c;",
            ],
        },
        CrashCase {
            name: "a later statement creates the type again after the drop",
            statements: &[
                "DO $$ BEGIN CREATE TYPE m5 AS ENUM ('a'); END $$;",
                "DROP TYPE m5;",
                "CREATE TYPE m5 AS ENUM ('a');",
            ],
        },
        CrashCase {
            name: "a DO block creates the type only in an IF, which a retry skips",
            statements: &[
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_class WHERE relname = 'scratch') THEN CREATE TABLE scratch (id int); CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
                "DROP TYPE m5;",
            ],
        },
        CrashCase {
            name: "a DO block creates the type after a statement whose failure its handler catches on a retry",
            statements: &[
                "DO $$ BEGIN CREATE TABLE scratch (id int); CREATE TYPE m5 AS ENUM ('a'); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
                "DROP TYPE m5;",
            ],
        },
    ]
}

#[test]
fn a_creation_in_a_do_block_a_later_statement_drops_matches_postgres_in_both_models() {
    let failures = crash_point_mismatches(&made_in_block_dropped_after_cases());
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A creation in an IF of a DO block whose condition reads rows: `t` has no key, so each run of
/// `INSERT … ON CONFLICT DO NOTHING` adds a row (and PF119 has nothing to say).
fn made_in_a_data_branch_cases() -> Vec<CrashCase> {
    vec![
        CrashCase {
            name: "an earlier INSERT changes the count the IF reads: a retry skips the creation",
            statements: &[
                "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF (SELECT count(*) FROM t) = 1 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
                "DROP TYPE m5;",
            ],
        },
        CrashCase {
            name: "the IF reads the count through a variable",
            statements: &[
                "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM t; IF n = 1 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the block writes the row its IF looks for",
            statements: &[
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM t WHERE id = 7) THEN CREATE TYPE m5 AS ENUM ('a'); INSERT INTO t VALUES (7) ON CONFLICT DO NOTHING; END IF; END $$;",
            ],
        },
        CrashCase {
            name: "nothing writes the rows the IF reads: a retry creates again",
            statements: &[
                "DO $$ BEGIN IF (SELECT count(*) FROM t) = 0 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the file writes another table than the IF reads",
            statements: &[
                "CREATE TABLE IF NOT EXISTS other (id int);",
                "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF (SELECT count(*) FROM other) = 0 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "an IF that is always true",
            statements: &[
                "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF true THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the file writes a table of the same name in another schema: a retry creates again",
            statements: &[
                "INSERT INTO a.t VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF (SELECT count(*) FROM t) = 0 THEN CREATE TYPE m5 AS ENUM ('x'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the file writes the table the IF reads under its public name",
            statements: &[
                "INSERT INTO public.t VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF (SELECT count(*) FROM t) = 1 THEN CREATE TYPE m5 AS ENUM ('x'); END IF; END $$;",
                "DROP TYPE m5;",
            ],
        },
        CrashCase {
            name: "the file's search_path puts the written table where the IF reads",
            statements: &[
                "SET search_path TO a, public;",
                "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF (SELECT count(*) FROM a.t) = 1 THEN CREATE TYPE public.m5 AS ENUM ('x'); END IF; END $$;",
                "DROP TYPE public.m5;",
            ],
        },
        CrashCase {
            name: "an ELSIF's condition reads the rows an earlier INSERT changes: a retry skips the creation",
            statements: &[
                "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF false THEN NULL; ELSIF (SELECT count(*) FROM t) = 1 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
                "DROP TYPE m5;",
            ],
        },
        CrashCase {
            name: "only a later ELSIF reads the rows: the IF's branch is created again",
            statements: &[
                "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF true THEN CREATE TYPE m5 AS ENUM ('a'); ELSIF (SELECT count(*) FROM t) = 1 THEN NULL; END IF; END $$;",
            ],
        },
        CrashCase {
            name: "an earlier INSERT whose row conflicts on the table's key adds nothing on a retry: the creation runs again",
            statements: &[
                "CREATE TABLE IF NOT EXISTS k (id int PRIMARY KEY);",
                "INSERT INTO k VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF (SELECT count(*) FROM k) = 1 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "an earlier INSERT leaves the key to its serial default: a retry adds a row and skips the creation",
            statements: &[
                "CREATE TABLE IF NOT EXISTS k2 (id serial PRIMARY KEY, v int);",
                "INSERT INTO k2 (v) VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF (SELECT count(*) FROM k2) = 1 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
                "DROP TYPE m5;",
            ],
        },
        CrashCase {
            name: "the table inherits its first columns: the INSERT's one value fills the parent's, leaves the key NULL and adds a row on a retry",
            statements: &[
                "CREATE TABLE IF NOT EXISTS parent (a int);",
                "CREATE TABLE IF NOT EXISTS k3 (id int UNIQUE) INHERITS (parent);",
                "INSERT INTO k3 VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF (SELECT count(*) FROM k3) = 1 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
                "DROP TYPE m5;",
            ],
        },
        CrashCase {
            name: "the table copies its first columns with LIKE: the INSERT's one value fills the copied column, leaves the key NULL and adds a row on a retry",
            statements: &[
                "CREATE TABLE IF NOT EXISTS source (a int);",
                "CREATE TABLE IF NOT EXISTS k4 (LIKE source, id int UNIQUE);",
                "INSERT INTO k4 VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF (SELECT count(*) FROM k4) = 1 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
                "DROP TYPE m5;",
            ],
        },
        CrashCase {
            name: "the table copies columns with LIKE, the INSERT names the key's: a retry adds nothing and creates again",
            statements: &[
                "CREATE TABLE IF NOT EXISTS source (a int);",
                "CREATE TABLE IF NOT EXISTS k4 (LIKE source, id int UNIQUE);",
                "INSERT INTO k4 (id) VALUES (1) ON CONFLICT DO NOTHING;",
                "DO $$ BEGIN IF (SELECT count(*) FROM k4) = 1 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "an INSERT that conflicts on a key after the block still changes what a re-run of the whole file finds",
            statements: &[
                "CREATE TABLE IF NOT EXISTS k (id int PRIMARY KEY);",
                "DO $$ BEGIN IF (SELECT count(*) FROM k) = 0 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
                "INSERT INTO k VALUES (1) ON CONFLICT DO NOTHING;",
            ],
        },
        CrashCase {
            name: "only a later statement writes the rows: a crash before it leaves them as they were",
            statements: &[
                "DO $$ BEGIN IF (SELECT count(*) FROM t) = 0 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
                "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;",
            ],
        },
    ]
}

/// A creation in an IF of a DO block whose condition reads the catalog: a guard only when what
/// the condition looks for is the object, or one the block makes.
fn made_in_a_catalog_branch_cases() -> Vec<CrashCase> {
    vec![
        CrashCase {
            name: "the IF counts another schema, which the block does not make: a retry creates again",
            statements: &[
                "DO $$ BEGIN IF (SELECT count(*) FROM pg_namespace WHERE nspname = 'a') = 1 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF checks that another schema is missing",
            statements: &[
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'zz') THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF checks the server's version",
            statements: &[
                "DO $$ BEGIN IF (SELECT setting FROM pg_settings WHERE name = 'server_version_num')::int >= 100000 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF checks the type itself",
            statements: &[
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_type WHERE typname = 'm5') THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF checks the type in its schema",
            statements: &[
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typname = 'm5') THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF resolves the type's name",
            statements: &[
                "DO $$ BEGIN IF to_regtype('public.m5') IS NULL THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF counts the type through a variable",
            statements: &[
                "DO $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM pg_type WHERE typname = 'm5'; IF n = 0 THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF checks the type's name held in a variable",
            statements: &[
                "DO $$ DECLARE v text := 'm5'; BEGIN IF NOT EXISTS (SELECT FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typname = v) THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF checks the array type the creation makes with it",
            statements: &[
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_type WHERE typname = '_m5') THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF checks a table the branch creates too",
            statements: &[
                "DO $$ BEGIN IF (SELECT count(*) FROM pg_class WHERE relname = 'scratch') = 0 THEN CREATE TABLE scratch (id int); CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF checks information_schema for another table: a retry creates again",
            statements: &[
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'zz') THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF checks information_schema for another table in the current schema",
            statements: &[
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'zz') THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF checks the current schema for the type",
            statements: &[
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = current_schema AND t.typname = 'm5') THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the IF checks information_schema for a table the branch creates too",
            statements: &[
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'scratch') THEN CREATE TABLE scratch (id int); CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "an ELSIF checks the type itself",
            statements: &[
                "DO $$ BEGIN IF false THEN NULL; ELSIF NOT EXISTS (SELECT FROM pg_type WHERE typname = 'm5') THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "an ELSIF after a catalog IF checks the type itself",
            statements: &[
                "DO $$ BEGIN IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'zz') THEN NULL; ELSEIF NOT EXISTS (SELECT FROM pg_type WHERE typname = 'm5') THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "an ELSIF checks that another schema is missing: a retry creates again",
            statements: &[
                "DO $$ BEGIN IF false THEN NULL; ELSIF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'zz') THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the branch before a guarding ELSIF creates the type unchecked",
            statements: &[
                "DO $$ BEGIN IF true THEN CREATE TYPE m5 AS ENUM ('a'); ELSIF NOT EXISTS (SELECT FROM pg_type WHERE typname = 'm5') THEN CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the ELSE of an IF that checks the type exists",
            statements: &[
                "DO $$ BEGIN IF EXISTS (SELECT FROM pg_type WHERE typname = 'm5') THEN NULL; ELSE CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
        CrashCase {
            name: "the ELSE of an ELSIF that checks the type exists",
            statements: &[
                "DO $$ BEGIN IF false THEN NULL; ELSIF EXISTS (SELECT FROM pg_type WHERE typname = 'm5') THEN NULL; ELSE CREATE TYPE m5 AS ENUM ('a'); END IF; END $$;",
            ],
        },
    ]
}

#[test]
fn a_creation_in_an_if_over_the_catalog_matches_postgres_in_both_models() {
    let failures = crash_point_mismatches(&made_in_a_catalog_branch_cases());
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_creation_in_an_if_over_rows_the_file_writes_matches_postgres_in_both_models() {
    let failures = crash_point_mismatches(&made_in_a_data_branch_cases());
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_rename_of_a_name_made_again_first_reports_the_new_name_taken() {
    // In a DO block and at the top level: the retry makes `mood` again and fails at the
    // rename because `mood_old`, which the first run left, is taken.
    for sql in [
        "DO $$ BEGIN CREATE TYPE mood AS ENUM ('a'); ALTER TYPE mood RENAME TO mood_old; END $$;\n",
        "CREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood RENAME TO mood_old;\n",
    ] {
        // A crash right after the rename: the retry runs the whole file again.
        let error = run_twice(&ScratchDb::postgres(), sql).expect_err(sql);
        assert!(
            error.contains("type \"mood_old\" already exists"),
            "{sql}: {error}"
        );
        let found = retry_findings(sql, &dialect_options(Dialect::Postgres));
        let rename = found
            .iter()
            .find(|f| f.rule.code == "PF118")
            .unwrap_or_else(|| panic!("{sql}: {found:#?}"));
        assert!(
            rename.message.starts_with(
                "renaming type `mood` fails on a retry because `mood_old` already exists"
            ),
            "{sql}: {}",
            rename.message
        );
    }
}
