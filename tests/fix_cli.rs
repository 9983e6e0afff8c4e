//! `preflight fix`: the exact rewrite of the incident, idempotency, byte preservation (case,
//! CRLF, BOM, comments, permissions), --diff, --check and --unsafe-fixes.

mod common;

use common::cli::preflight;
use predicates::prelude::*;
use preflight::fix::fix_source;
use preflight::lint::LintOptions;
use preflight::source::SourceFile;
use preflight::sql::{parse_source, Dialect, ShapeKind};
use std::path::{Path, PathBuf};

fn copy_sample(to: &Path) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/migrations");
    let dir = to.join("migrations");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn fixes_the_incident_exactly_and_a_second_run_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_sample(tmp.path());
    let target = dir.join("20240115_add_user_profiles.sql");
    let before = read(&target);
    let others: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p != &target)
        .map(|p| (p.clone(), read(&p)))
        .collect();
    preflight(tmp.path())
        .args(["fix", "migrations"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("Fixed 2 issues in 1 of 4 files"))
        .stderr(predicate::str::contains("checksum"));
    let after = read(&target);
    let expected = before
        .replace(
            "CREATE TABLE user_profiles (",
            "CREATE TABLE IF NOT EXISTS user_profiles (",
        )
        .replace(
            "CREATE INDEX idx_user_profiles_user_id ON user_profiles(user_id);",
            "CREATE INDEX IF NOT EXISTS idx_user_profiles_user_id ON user_profiles(user_id);",
        );
    assert_eq!(after, expected);
    assert!(after.contains("CREATE TABLE IF NOT EXISTS user_profiles (\n"));
    assert!(after.contains(
        "CREATE INDEX IF NOT EXISTS idx_user_profiles_user_id ON user_profiles(user_id);\n"
    ));
    for (path, text) in others {
        assert_eq!(read(&path), text, "{} must not change", path.display());
    }
    preflight(tmp.path())
        .args(["fix", "migrations"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("Fixed 0 issues in 0 of 4 files"));
    assert_eq!(read(&target), after);
    preflight(tmp.path())
        .args(["lint", "migrations"])
        .assert()
        .code(0);
}

#[test]
fn diff_prints_and_writes_nothing_and_check_exits_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_sample(tmp.path());
    let target = dir.join("20240115_add_user_profiles.sql");
    let before = read(&target);
    preflight(tmp.path())
        .args(["fix", "--diff", "migrations"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "-CREATE TABLE user_profiles (\n+CREATE TABLE IF NOT EXISTS user_profiles (",
        ))
        .stdout(predicate::str::contains(
            "+++ b/migrations/20240115_add_user_profiles.sql",
        ));
    assert_eq!(read(&target), before);
    preflight(tmp.path())
        .args(["fix", "--check", "migrations"])
        .assert()
        .code(1);
    assert_eq!(read(&target), before);
    preflight(tmp.path())
        .args(["fix", "migrations"])
        .assert()
        .code(0);
    preflight(tmp.path())
        .args(["fix", "--check", "migrations"])
        .assert()
        .code(0);
}

#[test]
fn keeps_case_line_endings_bom_comments_and_whitespace() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("m.sql");
    let original = "\u{feff}-- keep me\r\ncreate table  users (\r\n  id int -- inline\r\n);\r\n\r\nCreate Index ix on users (id);\r\nalter table users add\tbio text;\r\ndrop view v;";
    std::fs::write(&path, original).unwrap();
    preflight(tmp.path())
        .args(["fix", "m.sql"])
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        "\u{feff}-- keep me\r\ncreate table if not exists  users (\r\n  id int -- inline\r\n);\r\n\r\nCreate Index If Not Exists ix on users (id);\r\nalter table users add if not exists\tbio text;\r\ndrop view if exists v;"
            .as_bytes()
    );
}

#[cfg(unix)]
#[test]
fn keeps_file_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("m.sql");
    std::fs::write(&path, "CREATE TABLE t (id int);\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    preflight(tmp.path())
        .args(["fix", "m.sql"])
        .assert()
        .code(0);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_eq!(read(&path), "CREATE TABLE IF NOT EXISTS t (id int);\n");
}

#[cfg(unix)]
#[test]
fn a_symlinked_migration_is_fixed_through_the_link() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    let real = shared.join("001.sql");
    std::fs::write(&real, "CREATE TABLE t (id int);\n").unwrap();
    let migrations = tmp.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    let link = migrations.join("001.sql");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    preflight(tmp.path())
        .args(["fix", "migrations"])
        .assert()
        .code(0);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(read(&real), "CREATE TABLE IF NOT EXISTS t (id int);\n");
}

#[test]
fn unsafe_fixes_wrap_statements_without_a_guard_form_in_do_blocks() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("t.sql");
    let original = "CREATE TYPE mood AS ENUM ('happy', 'sad');\n";
    std::fs::write(&path, original).unwrap();
    preflight(tmp.path())
        .args(["fix", "t.sql"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("1 fixable with --unsafe-fixes"));
    assert_eq!(read(&path), original);
    preflight(tmp.path())
        .args(["fix", "--unsafe-fixes", "t.sql"])
        .assert()
        .code(0);
    assert_eq!(
        read(&path),
        "DO $preflight$ BEGIN\nCREATE TYPE mood AS ENUM ('happy', 'sad');\nEXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;\nEND $preflight$;\n"
    );
    preflight(tmp.path())
        .args(["lint", "--fail-on", "info", "t.sql"])
        .assert()
        .code(0);
}

#[test]
fn fixed_files_parse_to_the_same_statements_plus_guards() {
    let original = "CREATE TABLE a (id int);\nCREATE INDEX i ON a (id);\nALTER TABLE a ADD COLUMN b int, DROP COLUMN c;\nDROP TABLE z;\nCREATE VIEW v AS SELECT 1;\nCREATE SEQUENCE s;\nALTER TYPE e ADD VALUE 'x';\n";
    let source = SourceFile::new("m.sql", original);
    let options = LintOptions::default();
    let outcome = fix_source(&source, &options, false);
    assert_eq!(outcome.remaining.len(), 0, "{:?}", outcome.remaining);
    let fixed = SourceFile::new("m.sql", outcome.fixed.clone());
    let before = parse_source(&source, Dialect::Postgres);
    let after = parse_source(&fixed, Dialect::Postgres);
    assert_eq!(before.statements.len(), after.statements.len());
    for (b, a) in before.statements.iter().zip(&after.statements) {
        assert_eq!(b.shape.kind, a.shape.kind);
        let parts = |s: &preflight::sql::Statement| -> Vec<Vec<String>> {
            s.shape.names.iter().map(|n| n.parts.clone()).collect()
        };
        assert_eq!(parts(b), parts(a));
        assert!(
            a.ast.is_some(),
            "fixed statement must parse: {}",
            a.text(&fixed)
        );
        if matches!(a.shape.kind, ShapeKind::Create(_) | ShapeKind::Drop(_)) {
            assert!(a.shape.guard.unwrap().present || a.shape.or_replace);
        }
    }
    let again = fix_source(&fixed, &options, true);
    assert_eq!(again.fixed, outcome.fixed);
    assert!(again.applied.is_empty());
}

#[test]
fn fix_errors_are_one_line_and_exit_two() {
    let tmp = tempfile::tempdir().unwrap();
    preflight(tmp.path())
        .args(["fix", "absent.sql"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "absent.sql: no such file or directory",
        ));
}

/// A fix lint offers that `fix` could not apply, because another fix changed its statement
/// first, is named with its reason, not only counted: PF123's DO-block guard of a `CREATE
/// INDEX` that PF301's fix makes CONCURRENTLY (which no DO block can run).
#[test]
fn a_fix_another_fix_made_impossible_is_named_with_its_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("t.sql");
    std::fs::write(
        &path,
        "-- no-transaction\nCREATE INDEX IF NOT EXISTS t_old_idx ON t (old);\nALTER TABLE t DROP COLUMN IF EXISTS old;\n",
    )
    .unwrap();
    preflight(tmp.path())
        .args([
            "fix",
            "--diff",
            "--unsafe-fixes",
            "--dialect",
            "postgres",
            "--tracker",
            "sqlx",
            "t.sql",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("+CREATE INDEX CONCURRENTLY IF NOT EXISTS t_old_idx"))
        .stdout(predicate::str::contains("DO $preflight$").not())
        .stderr(predicate::str::contains(
            "note: t.sql:2:1: PF123's fix was not applied: no fix: a DO block cannot hold this statement",
        ));
}

/// Two rules wrap one statement in a DO block: PF116 (a handler for "already exists") and PF123
/// (a check that the column a later statement drops is still there). PF116's wrap is made
/// first; PF123 then flags the statement inside it (the handler does not keep its read from
/// failing) and puts its check inside the block: both fixes apply, and none is named as lost.
#[test]
fn a_second_wrap_of_the_same_statement_goes_inside_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("t.sql");
    std::fs::write(
        &path,
        "ALTER TABLE t ALTER COLUMN old TYPE bigint, ADD CONSTRAINT t_a_key UNIQUE (a);\nALTER TABLE t DROP COLUMN IF EXISTS old;\n",
    )
    .unwrap();
    preflight(tmp.path())
        .args([
            "fix",
            "--diff",
            "--unsafe-fixes",
            "--dialect",
            "postgres",
            "--select",
            "PF116,PF123",
            "t.sql",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("+DO $preflight$ BEGIN").count(1))
        .stdout(predicate::str::contains("+IF EXISTS (SELECT 1 FROM pg_attribute").count(1))
        .stdout(predicate::str::contains(
            "+EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;",
        ))
        .stderr(predicate::str::contains("was not applied").not());
}

/// A wrap whose rule no longer offers it inside another's (PF124's type-change check, in
/// PF123's block around the same ALTER, where a `$` in the column's name keeps PF124's IF out
/// of the body) vanished without a word. It is named.
#[test]
fn a_second_wrap_of_the_same_statement_is_named_as_not_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("t.sql");
    std::fs::write(
        &path,
        "ALTER TABLE t ALTER COLUMN old$x TYPE int USING old$x::int;\nALTER TABLE t DROP COLUMN IF EXISTS old$x;\n",
    )
    .unwrap();
    preflight(tmp.path())
        .args([
            "fix",
            "--diff",
            "--unsafe-fixes",
            "--dialect",
            "postgres",
            "--select",
            "PF123,PF124",
            "t.sql",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("+DO $preflight$ BEGIN").count(1))
        .stderr(predicate::str::contains(
            "note: t.sql:1:15: PF124's fix was not applied: another fix changed its statement first",
        ));
}

/// Each ADD CONSTRAINT of one ALTER offers the same wrap (made on the second round, after the
/// ADD COLUMN's IF NOT EXISTS): applied once, it serves them all, and none is named as lost.
#[test]
fn one_wrap_for_several_constraints_of_an_alter_is_no_lost_fix() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("t.sql"),
        "ALTER TABLE t\n    ADD COLUMN s uuid NULL,\n    ADD CONSTRAINT t_s_fk FOREIGN KEY (s) REFERENCES s (id),\n    ADD CONSTRAINT t_a_check CHECK (a > 0);\n",
    )
    .unwrap();
    preflight(tmp.path())
        .args([
            "fix",
            "--diff",
            "--unsafe-fixes",
            "--dialect",
            "postgres",
            "t.sql",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("ADD COLUMN IF NOT EXISTS s uuid"))
        .stdout(predicate::str::contains("+DO $preflight$ BEGIN").count(1))
        .stderr(predicate::str::contains("was not applied").not());
}
