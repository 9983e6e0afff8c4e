//! PF118 on DO-block renames of types, domains, schemas and routines under an exception handler
//! of the missing old name only (`WHEN undefined_object`): when the file makes the old name
//! again before the block, a retry past the block finds it and fails on the new name an earlier
//! run left, with an error such a handler does not catch (PostgreSQL 15: `type "e2_old" already
//! exists`, `duplicate_object`, for an enum or a domain; `relation "c2_old" already exists`,
//! `duplicate_table`, for a composite type; `duplicate_schema`; `duplicate_function`). Lint is
//! compared with the server at every crash point and under a per-file transaction: it never
//! flags less than the server fails at.

mod common;

use common::retry::{crash_point_failures, retry_findings, retry_lines_in_model};
use common::ScratchDb;
use preflight::diagnostics::Finding;
use preflight::lint::LintOptions;
use preflight::runner::{ApplyModel, Runner};
use preflight::sql::Dialect;

/// A file that makes `make` (line 1), renames it in a DO block under `handler` (line 2) and
/// drops the new name (line 3).
fn file(make: &'static str, rename: &str, handler: &str, drop: &'static str) -> Vec<String> {
    vec![
        make.to_string(),
        format!("DO $$ BEGIN {rename} EXCEPTION WHEN {handler} THEN NULL; END $$;"),
        drop.to_string(),
    ]
}

/// Each kind of object: its creation, its rename, its drop under the new name, the condition a
/// retry raises once the old name is gone, and the one it raises once the new name is taken.
const OBJECTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "CREATE TYPE e2 AS ENUM ('a');",
        "ALTER TYPE e2 RENAME TO e2_old;",
        "DROP TYPE e2_old;",
        "undefined_object",
        "duplicate_object",
    ),
    (
        "CREATE TYPE c2 AS (x int);",
        "ALTER TYPE c2 RENAME TO c2_old;",
        "DROP TYPE c2_old;",
        "undefined_object",
        "duplicate_table",
    ),
    (
        "CREATE DOMAIN dm2 AS int;",
        "ALTER DOMAIN dm2 RENAME TO dm2_old;",
        "DROP DOMAIN dm2_old;",
        "undefined_object",
        "duplicate_object",
    ),
    (
        "CREATE SCHEMA s2;",
        "ALTER SCHEMA s2 RENAME TO s2_old;",
        "DROP SCHEMA s2_old;",
        "invalid_schema_name",
        "duplicate_schema",
    ),
    (
        "CREATE FUNCTION f2(int) RETURNS int LANGUAGE sql AS 'SELECT 1';",
        "ALTER FUNCTION f2(int) RENAME TO f2_old;",
        "DROP FUNCTION f2_old(int);",
        "undefined_function",
        "duplicate_function",
    ),
    (
        "CREATE PROCEDURE p2(int) LANGUAGE sql AS 'SELECT 1';",
        "ALTER PROCEDURE p2(int) RENAME TO p2_old;",
        "DROP PROCEDURE p2_old(int);",
        "undefined_function",
        "duplicate_function",
    ),
];

/// The lines PostgreSQL fails at and lint flags for `statements`, per model.
fn server_and_lint(
    db: &ScratchDb,
    statements: &[String],
) -> Vec<(Option<ApplyModel>, Vec<usize>, Vec<usize>)> {
    let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
    let sql = statements.join("\n") + "\n";
    [None, Some(ApplyModel::FileTransaction)]
        .into_iter()
        .map(|model| {
            (
                model,
                crash_point_failures(db, &refs, model),
                retry_lines_in_model(&sql, model),
            )
        })
        .collect()
}

/// Under a handler of the missing old name only, the server fails at the block after a crash
/// past it (every crash point) and PF118 flags it there; under a per-file transaction the file
/// drops the new name for good, no re-run meets it, and neither fails nor flags the block.
#[test]
fn a_do_block_rename_under_a_handler_of_the_missing_name_only_is_flagged_where_postgres_fails() {
    let db = ScratchDb::postgres();
    for &(make, rename, drop, missing, _) in OBJECTS {
        assert_fails_at_the_block_per_statement_only(&db, &file(make, rename, missing, drop));
    }
}

/// Lint flags every line the server fails at in `statements`, in both models; the server fails
/// at line 2 statement by statement only (the file drops the new name for good), and lint
/// flags line 2 exactly then.
fn assert_fails_at_the_block_per_statement_only(db: &ScratchDb, statements: &[String]) {
    for (model, server, lint) in server_and_lint(db, statements) {
        let missed: Vec<_> = server.iter().filter(|l| !lint.contains(l)).collect();
        assert!(
            missed.is_empty(),
            "{model:?}: server {server:?}, lint {lint:?}\n{statements:#?}"
        );
        assert_eq!(
            server.contains(&2),
            model.is_none(),
            "{model:?}: server {server:?}\n{statements:#?}"
        );
        assert_eq!(
            lint.contains(&2),
            server.contains(&2),
            "{model:?}: server {server:?}, lint {lint:?}\n{statements:#?}"
        );
    }
}

/// The condition PostgreSQL 15 raises when `make` (a creation of [`OBJECTS`], or of a table)
/// finds its name taken.
fn duplicate_of(make: &str) -> &'static str {
    if make.starts_with("CREATE TABLE") {
        "duplicate_table"
    } else if make.starts_with("CREATE SCHEMA") {
        "duplicate_schema"
    } else if make.starts_with("CREATE FUNCTION") || make.starts_with("CREATE PROCEDURE") {
        "duplicate_function"
    } else {
        "duplicate_object"
    }
}

/// A DO block whose only statement creates the old name under a handler of its own "already
/// exists" (`DO $$ BEGIN CREATE TABLE d3 (id int); EXCEPTION WHEN duplicate_table THEN NULL;
/// END $$;`), or a top-level `CREATE TABLE IF NOT EXISTS`, makes it on every run that finds it
/// gone: a retry past the rename's block (under a handler of the missing old name only, or a
/// rename with `IF EXISTS`, in a block or not) fails there on the new name an earlier run left (`relation "d3_old" already exists`, `type
/// "e2_old" already exists`), and PF118 flags it. Under a per-file transaction the file drops
/// the new name for good, and neither fails nor flags the block.
#[test]
fn a_rename_after_a_creation_under_its_own_duplicate_handler_is_flagged_where_postgres_fails() {
    let db = ScratchDb::postgres();
    let table = (
        "CREATE TABLE d3 (id int);",
        "ALTER TABLE d3 RENAME TO d3_old;",
        "DROP TABLE d3_old;",
        "undefined_table",
        "duplicate_table",
    );
    let mut files: Vec<Vec<String>> = Vec::new();
    for &(make, rename, drop, missing, _) in std::iter::once(&table).chain(OBJECTS) {
        let handled = format!(
            "DO $$ BEGIN {make} EXCEPTION WHEN {} THEN NULL; END $$;",
            duplicate_of(make)
        );
        let mut statements = file("", rename, missing, drop);
        statements[0] = handled;
        files.push(statements);
    }
    let mut statements = file("", table.1, table.3, table.2);
    statements[0] = "CREATE TABLE IF NOT EXISTS d3 (id int);".to_string();
    files.push(statements);
    // `IF EXISTS` instead of the handler, at the top level and in a DO block.
    let handled =
        "DO $$ BEGIN CREATE TABLE d3 (id int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;";
    for rename in [
        "ALTER TABLE IF EXISTS d3 RENAME TO d3_old;",
        "DO $$ BEGIN ALTER TABLE IF EXISTS d3 RENAME TO d3_old; END $$;",
    ] {
        files.push(vec![
            handled.to_string(),
            rename.to_string(),
            table.2.to_string(),
        ]);
    }
    for statements in files {
        assert_fails_at_the_block_per_statement_only(&db, &statements);
        for model in [None, Some(ApplyModel::FileTransaction)] {
            assert_eq!(
                pf118_lines(&statements, model).contains(&2),
                model.is_none(),
                "{model:?}\n{statements:#?}"
            );
        }
    }
}

/// A handler that also catches the "already exists" of the new name guards the rename: the
/// server never fails at the block, and lint does not flag it. A type's `RENAME TO` raises
/// `duplicate_object` for an enum the file made (`CREATE TYPE e2 AS ENUM`), `duplicate_table`
/// for a composite type (`CREATE TYPE c2 AS (x int)`: `relation "c2_old" already exists`).
#[test]
fn a_do_block_rename_under_a_handler_of_both_errors_is_not_flagged_and_never_fails_on_postgres() {
    let db = ScratchDb::postgres();
    for &(make, rename, drop, missing, taken) in OBJECTS {
        for handler in [format!("{missing} OR {taken}"), "OTHERS".to_string()] {
            let statements = file(make, rename, &handler, drop);
            for (model, server, lint) in server_and_lint(&db, &statements) {
                assert!(
                    !server.contains(&2) && !lint.contains(&2),
                    "{model:?}: server {server:?}, lint {lint:?}\n{statements:#?}"
                );
            }
        }
    }
}

/// A type's `RENAME TO` counts the condition its kind raises: under `WHEN undefined_object OR
/// duplicate_object` a composite type's retry fails with `duplicate_table`, and under `WHEN
/// undefined_object OR duplicate_table` an enum's with `duplicate_object`, and PF118 flags
/// both; it counts both conditions for a type made where lint does not read its kind (a
/// rename into its name). Under `WHEN undefined_object OR duplicate_object OR duplicate_table`
/// neither fails nor is flagged.
#[test]
fn a_type_rename_of_a_type_not_known_as_an_enum_needs_a_handler_of_both_conditions() {
    let db = ScratchDb::postgres();
    let composite = |handler: &str| {
        file(
            "CREATE TYPE c2 AS (x int);",
            "ALTER TYPE c2 RENAME TO c2_old;",
            handler,
            "DROP TYPE c2_old;",
        )
    };
    let enumerated = file(
        "CREATE TYPE e2 AS ENUM ('a');",
        "ALTER TYPE e2 RENAME TO e2_old;",
        "undefined_object OR duplicate_table",
        "DROP TYPE e2_old;",
    );
    for statements in [
        composite("undefined_object OR duplicate_object"),
        enumerated,
    ] {
        for (model, server, lint) in server_and_lint(&db, &statements) {
            let missed: Vec<_> = server.iter().filter(|l| !lint.contains(l)).collect();
            assert!(
                missed.is_empty() && server.contains(&2) == model.is_none(),
                "{model:?}: server {server:?}, lint {lint:?}\n{statements:#?}"
            );
        }
    }
    let statements = composite("undefined_object OR duplicate_object OR duplicate_table");
    for (model, server, lint) in server_and_lint(&db, &statements) {
        assert!(
            !server.contains(&2) && !lint.contains(&2),
            "{model:?}: server {server:?}, lint {lint:?}\n{statements:#?}"
        );
    }
    // Made by a rename into its name: lint does not know it is an enum.
    let sql = "CREATE TYPE x2 AS ENUM ('a');\nALTER TYPE x2 RENAME TO e2;\n\
               DO $$ BEGIN ALTER TYPE e2 RENAME TO e2_old; EXCEPTION WHEN undefined_object OR duplicate_object THEN NULL; END $$;\n\
               DROP TYPE e2_old;\n";
    assert!(
        retry_lines_in_model(sql, None).contains(&3),
        "{:?}",
        retry_lines_in_model(sql, None)
    );
}

/// Files whose line 2 defines a routine that renames `d2` to `d2_old` under a handler (in its
/// body, or in a DO block around the call) of `handler`, and whose line 3 calls it: line 1
/// makes `d2` (or the body does, before the rename), line 4 drops `d2_old`.
fn routine_files(handler: &str) -> Vec<Vec<String>> {
    let rename = "ALTER TABLE d2 RENAME TO d2_old;";
    let guarded = format!("BEGIN {rename} EXCEPTION WHEN {handler} THEN NULL; END");
    let make = "CREATE TABLE d2 (id int);";
    let drop = "DROP TABLE d2_old;";
    let file = |first: &str, routine: String, call: String| {
        vec![first.to_string(), routine, call, drop.to_string()]
    };
    vec![
        file(
            make,
            format!("CREATE OR REPLACE PROCEDURE p2() LANGUAGE plpgsql AS $$ {guarded} $$;"),
            "CALL p2();".to_string(),
        ),
        file(
            make,
            format!(
                "CREATE OR REPLACE FUNCTION f2() RETURNS void LANGUAGE plpgsql AS $$ {guarded} $$;"
            ),
            "SELECT f2();".to_string(),
        ),
        file(
            make,
            format!("CREATE OR REPLACE PROCEDURE p2() LANGUAGE plpgsql AS $$ BEGIN {rename} END $$;"),
            format!("DO $$ BEGIN CALL p2(); EXCEPTION WHEN {handler} THEN NULL; END $$;"),
        ),
        // The body makes `d2` itself, right before the rename.
        file(
            "CREATE TABLE d (id int);",
            format!(
                "CREATE OR REPLACE PROCEDURE p2() LANGUAGE plpgsql AS $$ BEGIN {make} {rename} EXCEPTION WHEN {handler} THEN NULL; END $$;"
            ),
            "CALL p2();".to_string(),
        ),
    ]
}

/// PF118's findings in `statements` under `model`.
fn pf118_findings(statements: &[String], model: Option<ApplyModel>) -> Vec<Finding> {
    let options = LintOptions {
        dialect: Dialect::Postgres,
        runner: model.map(|m| Runner::UNKNOWN.declaring(Some(m))),
        ..LintOptions::default()
    };
    retry_findings(&(statements.join("\n") + "\n"), &options)
        .into_iter()
        .filter(|f| f.rule.code == "PF118")
        .collect()
}

/// The lines PF118 flags in `statements` under `model`.
fn pf118_lines(statements: &[String], model: Option<ApplyModel>) -> Vec<usize> {
    pf118_findings(statements, model)
        .iter()
        .map(|f| f.location.start.expect("a line").line)
        .collect()
}

/// A rename in the body of a routine the file calls is judged as one in a DO block: under a
/// handler of `undefined_table` alone a retry of the call after a crash past it fails
/// (`relation "d2_old" already exists`) and PF118 flags the rename (line 2, in the body);
/// under a per-file transaction the file drops `d2_old` for good, and neither fails nor flags.
/// Under `WHEN undefined_table OR duplicate_table` neither ever does.
#[test]
fn a_rename_in_a_called_routine_under_a_handler_of_the_missing_name_only_is_flagged_where_postgres_fails(
) {
    let db = ScratchDb::postgres();
    for handler in ["undefined_table", "undefined_table OR duplicate_table"] {
        for statements in routine_files(handler) {
            let refs: Vec<&str> = statements.iter().map(String::as_str).collect();
            for model in [None, Some(ApplyModel::FileTransaction)] {
                let server = crash_point_failures(&db, &refs, model);
                let lint = pf118_lines(&statements, model);
                let fails = model.is_none() && !handler.contains("duplicate_table");
                assert_eq!(
                    (server.contains(&3), lint.contains(&2)),
                    (fails, fails),
                    "{model:?}: server {server:?}, PF118 {lint:?}\n{statements:#?}"
                );
            }
        }
    }
}

/// `RENAME VALUE 'a' TO 'b'` in a DO block under a handler of the missing label only
/// (`invalid_parameter_value`), after `ADD VALUE IF NOT EXISTS 'a'`: a retry adds `a` again and
/// fails on the `b` an earlier run left (`enum label "b" already exists`, `duplicate_object`),
/// in both models (the file cannot free a label), and PF118 flags it. A handler of both never
/// fails, and is not flagged.
#[test]
fn a_value_rename_after_the_file_adds_the_value_again_is_flagged_where_postgres_fails() {
    let db = ScratchDb::postgres();
    db.exec("CREATE TYPE ev AS ENUM ('x');");
    for handler in [
        "invalid_parameter_value",
        "invalid_parameter_value OR duplicate_object",
    ] {
        let statements = vec![
            "ALTER TYPE ev ADD VALUE IF NOT EXISTS 'a';".to_string(),
            format!(
                "DO $$ BEGIN ALTER TYPE ev RENAME VALUE 'a' TO 'b'; EXCEPTION WHEN {handler} THEN NULL; END $$;"
            ),
        ];
        let fails = !handler.contains("duplicate_object");
        for (model, server, lint) in server_and_lint(&db, &statements) {
            assert_eq!(
                (server.contains(&2), lint.contains(&2)),
                (fails, fails),
                "{model:?}: server {server:?}, lint {lint:?}\n{statements:#?}"
            );
        }
    }
}

/// `RENAME ATTRIBUTE x TO y` of a composite type after the file's `ALTER TYPE ct ADD ATTRIBUTE
/// x int`, in a DO block under a handler of the missing attribute only (`undefined_column`) and
/// at the top level: a retry past it adds `x` again and fails on the `y` an earlier run left
/// (`column "y" of relation "ct" already exists`, `duplicate_column`), in both models, unless
/// the file drops `y` after it (`ALTER TYPE ct DROP ATTRIBUTE y`) and runs in a per-file
/// transaction. PF118 flags the rename exactly where the server fails; a handler of both never
/// fails and is not flagged. (Line 1 is left out: a retry of `ADD ATTRIBUTE`, which has no `IF
/// NOT EXISTS`, fails once it ran, and PF108 flags it: tests/lint_type_attributes_db.rs.)
#[test]
fn an_attribute_rename_after_the_file_adds_the_attribute_again_is_flagged_where_postgres_fails() {
    let db = ScratchDb::postgres();
    db.exec("CREATE TYPE ct AS (a int);");
    let add = "ALTER TYPE ct ADD ATTRIBUTE x int;".to_string();
    let rename = "ALTER TYPE ct RENAME ATTRIBUTE x TO y;";
    let drop = "ALTER TYPE ct DROP ATTRIBUTE y;".to_string();
    let guarded =
        |handler: &str| format!("DO $$ BEGIN {rename} EXCEPTION WHEN {handler} THEN NULL; END $$;");
    let both = "undefined_column OR duplicate_column";
    let files = [
        vec![add.clone(), guarded("undefined_column")],
        vec![add.clone(), guarded("undefined_column"), drop.clone()],
        vec![add.clone(), guarded(both)],
        vec![add.clone(), rename.to_string()],
        vec![add.clone(), rename.to_string(), drop.clone()],
    ];
    for statements in files {
        for (model, server, lint) in server_and_lint(&db, &statements) {
            let fails =
                !statements[1].contains(both) && (model.is_none() || !statements.contains(&drop));
            let past_first =
                |lines: &[usize]| lines.iter().copied().filter(|&l| l > 1).collect::<Vec<_>>();
            assert_eq!(
                (past_first(&server), past_first(&lint)),
                (
                    if fails { vec![2] } else { vec![] },
                    if fails { vec![2] } else { vec![] }
                ),
                "{model:?}: server {server:?}, lint {lint:?}\n{statements:#?}"
            );
            assert_eq!(
                pf118_lines(&statements, model).contains(&2),
                fails,
                "{model:?}: server {server:?}\n{statements:#?}"
            );
            // The finding names the attribute, of its type, not the type alone.
            for finding in pf118_findings(&statements, model) {
                let message = finding.message;
                assert!(
                    message.starts_with("renaming attribute `x` of type `ct` fails on a retry because `y` already exists"),
                    "{message}"
                );
            }
        }
    }
}

/// A DO block whose only statement renames `a` to `b` under a handler, after a statement that
/// makes `a` on every run (`CREATE TABLE IF NOT EXISTS`, or a DO block that makes it wherever it
/// is gone): a run that gets past the block finds `b`, renamed then or left by an earlier run
/// (a handler of the collision catches it; without one the block fails, PF118's finding), and
/// a drop of `b` after it never fails. Lint flags exactly where PostgreSQL fails, at every
/// crash point and under a per-file transaction: not the drop, but the drop after a block
/// whose statement before the rename fails into the handler on a retry and skips it
/// (`CREATE TABLE h6_x …`), and after a rename of a name the file does not make.
#[test]
fn a_drop_of_what_a_handled_rename_gave_is_flagged_only_where_postgres_fails() {
    use common::retry::{crash_point_mismatches, Case};
    let db = ScratchDb::postgres();
    db.exec("CREATE TABLE h7 (id int);");
    let cases = [
        Case {
            name: "under a handler of the missing name only",
            statements: &[
                "CREATE TABLE IF NOT EXISTS h1 (id int);",
                "DO $$ BEGIN ALTER TABLE h1 RENAME TO h1_b; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
                "DROP TABLE h1_b;",
            ],
        },
        Case {
            name: "under a handler of both",
            statements: &[
                "CREATE TABLE IF NOT EXISTS h2 (id int);",
                "DO $$ BEGIN ALTER TABLE h2 RENAME TO h2_b; EXCEPTION WHEN undefined_table OR duplicate_table THEN NULL; END $$;",
                "DROP TABLE h2_b;",
            ],
        },
        Case {
            name: "after a creation under its own duplicate handler",
            statements: &[
                "DO $$ BEGIN CREATE TABLE h3 (id int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
                "DO $$ BEGIN ALTER TABLE h3 RENAME TO h3_b; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
                "DROP TABLE h3_b;",
            ],
        },
        Case {
            name: "a composite type after a creation under its own duplicate handler",
            statements: &[
                "DO $$ BEGIN CREATE TYPE h9 AS (x int); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
                "DO $$ BEGIN ALTER TYPE h9 RENAME TO h9_b; EXCEPTION WHEN undefined_object THEN NULL; END $$;",
                "DROP TYPE h9_b;",
            ],
        },
        Case {
            name: "a statement before the rename fails into the handler",
            statements: &[
                "CREATE TABLE IF NOT EXISTS h6 (id int);",
                "DO $$ BEGIN CREATE TABLE h6_x (id int); ALTER TABLE h6 RENAME TO h6_b; EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
                "DROP TABLE h6_b;",
            ],
        },
        Case {
            name: "the file does not make the old name",
            statements: &[
                "DO $$ BEGIN ALTER TABLE h7 RENAME TO h7_b; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
                "DROP TABLE h7_b;",
            ],
        },
    ];
    let mismatches = crash_point_mismatches(&db, &cases);
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

/// A DO block whose only statement creates `a` in an IF that checks the catalog for `a`'s
/// absence (`IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'a') THEN CREATE TABLE a
/// …; END IF`, `IF to_regtype('a') IS NULL THEN …`) makes `a` on every run that finds it gone,
/// as a creation under a handler of its own "already exists" does: a retry past the rename of
/// `a` after it (under a handler of the missing name only, or with `IF EXISTS`) finds `a` again
/// and fails on the new name an earlier run left (`relation "i1_old" already exists`). PF118
/// flags the rename exactly there, and a drop of the new name after it is not flagged: lint
/// matches PostgreSQL at every crash point and under a per-file transaction. A check that
/// may find something else (`OR tablename = 'i6_old'`) skips the creation on such a retry, and
/// the server does not fail at the rename; nor does lint flag it.
#[test]
fn a_rename_after_a_catalog_checked_creation_is_flagged_where_postgres_fails() {
    use common::retry::{crash_point_mismatches, Case};
    let db = ScratchDb::postgres();
    let cases = [
        Case {
            name: "pg_tables, a rename under a handler of the missing name only",
            statements: &[
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = 'i1') THEN CREATE TABLE i1 (id int); END IF; END $$;",
                "DO $$ BEGIN ALTER TABLE i1 RENAME TO i1_old; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
                "DROP TABLE i1_old;",
            ],
        },
        Case {
            name: "information_schema.tables, a rename with IF EXISTS",
            statements: &[
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'i2') THEN CREATE TABLE i2 (id int); END IF; END $$;",
                "ALTER TABLE IF EXISTS i2 RENAME TO i2_old;",
                "DROP TABLE i2_old;",
            ],
        },
        Case {
            name: "to_regtype, a type's rename",
            statements: &[
                "DO $$ BEGIN IF to_regtype('i3') IS NULL THEN CREATE TYPE i3 AS ENUM ('a'); END IF; END $$;",
                "DO $$ BEGIN ALTER TYPE i3 RENAME TO i3_old; EXCEPTION WHEN undefined_object THEN NULL; END $$;",
                "DROP TYPE i3_old;",
            ],
        },
    ];
    let mismatches = crash_point_mismatches(&db, &cases);
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    let statements = [
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'i6' OR tablename = 'i6_old') THEN CREATE TABLE i6 (id int); END IF; END $$;",
        "DO $$ BEGIN ALTER TABLE i6 RENAME TO i6_old; EXCEPTION WHEN undefined_table THEN NULL; END $$;",
        "DROP TABLE IF EXISTS i6_old;",
    ]
    .map(String::from);
    for (model, server, lint) in server_and_lint(&db, &statements) {
        assert!(
            !server.contains(&2) && !lint.contains(&2),
            "{model:?}: server {server:?}, lint {lint:?}"
        );
    }
}

/// A type a DO block makes wherever it is gone (under a handler of its own "already exists",
/// or in an IF that checks its absence) has the kind its `CREATE TYPE` gives it: its rename
/// under a handler of the condition that kind raises on a retry (`duplicate_object` for an
/// enum, `duplicate_table` for a composite type) never fails and is not flagged; under a
/// handler of the other one the server fails at the rename after a crash past it, and PF118
/// flags it there. Lint matches PostgreSQL at every crash point and under a per-file
/// transaction.
#[test]
fn a_rename_of_a_type_a_do_block_made_needs_a_handler_of_what_its_kind_raises() {
    use common::retry::{crash_point_mismatches, Case};
    let db = ScratchDb::postgres();
    let cases = [
        Case {
            name: "an enum under duplicate_object",
            statements: &[
                "DO $$ BEGIN CREATE TYPE k1 AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
                "DO $$ BEGIN ALTER TYPE k1 RENAME TO k1_b; EXCEPTION WHEN undefined_object OR duplicate_object THEN NULL; END $$;",
                "DROP TYPE k1_b;",
            ],
        },
        Case {
            name: "an enum under duplicate_table",
            statements: &[
                "DO $$ BEGIN CREATE TYPE k3 AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
                "DO $$ BEGIN ALTER TYPE k3 RENAME TO k3_b; EXCEPTION WHEN undefined_object OR duplicate_table THEN NULL; END $$;",
                "DROP TYPE k3_b;",
            ],
        },
        Case {
            name: "a composite type under duplicate_table",
            statements: &[
                "DO $$ BEGIN IF to_regtype('k2') IS NULL THEN CREATE TYPE k2 AS (x int); END IF; END $$;",
                "DO $$ BEGIN ALTER TYPE k2 RENAME TO k2_b; EXCEPTION WHEN undefined_object OR duplicate_table THEN NULL; END $$;",
                "DROP TYPE k2_b;",
            ],
        },
        Case {
            name: "a composite type under duplicate_object",
            statements: &[
                "DO $$ BEGIN IF to_regtype('k4') IS NULL THEN CREATE TYPE k4 AS (x int); END IF; END $$;",
                "DO $$ BEGIN ALTER TYPE k4 RENAME TO k4_b; EXCEPTION WHEN undefined_object OR duplicate_object THEN NULL; END $$;",
                "DROP TYPE k4_b;",
            ],
        },
    ];
    let mismatches = crash_point_mismatches(&db, &cases);
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
