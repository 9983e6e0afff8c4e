//! PF007: a file named like a migration that the directory's tool never runs is reported at its
//! line 1, naming the tool and the name it expects, and still linted; the tool is the one named
//! (`--tracker`, `[migrations] tracker`), else every tool whose layout the directory has. A
//! directory is a tool's only when one of its files fits the tool's naming, so authelia-like
//! `V0001.Initial_Schema.up.sql` files are a generic runner's, not golang-migrate's.

mod common;

use common::cli::{preflight, write};
use std::path::Path;

/// `lint --format json ARGS` in `dir`: the findings as (rule, file name, line, message, notes)
/// and the report.
fn lint(dir: &Path, args: &[&str]) -> (Vec<(String, String, u64, String)>, serde_json::Value) {
    let output = preflight(dir)
        .args(["lint", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let findings = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap_or_default();
            let name = Path::new(path).file_name().unwrap().to_string_lossy();
            let notes = f["notes"].as_array().map_or(String::new(), |n| {
                n.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ")
            });
            (
                f["rule"].as_str().unwrap().to_string(),
                name.into_owned(),
                f["line"].as_u64().unwrap(),
                format!("{} || {notes}", f["message"].as_str().unwrap()),
            )
        })
        .collect();
    (findings, report)
}

/// The files PF007 reports, in report order.
fn never_run(findings: &[(String, String, u64, String)]) -> Vec<&str> {
    findings
        .iter()
        .filter(|(rule, ..)| rule == "PF007")
        .map(|(_, name, line, _)| {
            assert_eq!(*line, 1, "{name}");
            name.as_str()
        })
        .collect()
}

fn golang_migrate_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "1_a.up.sql",
        "CREATE TABLE IF NOT EXISTS a (id int);\n",
    );
    write(tmp.path(), "1_a.down.sql", "DROP TABLE IF EXISTS a;\n");
    write(tmp.path(), "V2.b.up.sql", "CREATE TABLE b (id int);\n");
    tmp
}

#[test]
fn a_golang_migrate_file_whose_name_does_not_parse_is_reported_and_still_linted() {
    let tmp = golang_migrate_dir();
    let (findings, report) = lint(tmp.path(), &["--dialect", "postgres", "."]);
    assert_eq!(never_run(&findings), ["V2.b.up.sql"]);
    let (_, _, _, message) = findings.iter().find(|f| f.0 == "PF007").unwrap();
    assert!(
        message.contains("golang-migrate") && message.contains("`<VERSION>_<TITLE>.up.sql`"),
        "{message}"
    );
    // Still linted: once renamed, it runs as written.
    assert!(
        findings
            .iter()
            .any(|(rule, name, ..)| rule == "PF101" && name == "V2.b.up.sql"),
        "{findings:?}"
    );
    // The down script stays "not linted", not a PF007.
    let not_linted: Vec<&str> = report["not_linted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["path"].as_str().unwrap())
        .collect();
    assert_eq!(not_linted, ["./1_a.down.sql"]);
    let severity = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PF007")
        .unwrap()["severity"]
        .clone();
    assert_eq!(severity, "warning");
}

/// A file given by name says nothing about its directory's layout: PF007 only when the tool is
/// named.
#[test]
fn a_file_named_on_the_command_line_is_reported_only_for_a_named_tool() {
    let tmp = golang_migrate_dir();
    let (findings, _) = lint(tmp.path(), &["V2.b.up.sql"]);
    assert!(never_run(&findings).is_empty(), "{findings:?}");
    let (findings, _) = lint(tmp.path(), &["--tracker", "golang-migrate", "V2.b.up.sql"]);
    assert_eq!(never_run(&findings), ["V2.b.up.sql"]);
}

/// Flyway: one `_` after the version, a lower-case prefix; undo scripts and files that are no
/// migrations (a seed, a callback) are not reported.
#[test]
fn flyway_files_it_never_runs_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let sql = "SELECT 1;\n";
    for name in [
        "V1__init.sql",
        "V2_add_users.sql",
        "v3__lower.sql",
        "U1__init.sql",
        "seed.sql",
        "afterMigrate.sql",
    ] {
        write(tmp.path(), name, sql);
    }
    let (findings, _) = lint(tmp.path(), &["--tracker", "flyway", "."]);
    assert_eq!(never_run(&findings), ["V2_add_users.sql", "v3__lower.sql"]);
    let (_, _, _, message) = findings.iter().find(|f| f.0 == "PF007").unwrap();
    assert!(
        message.contains("flyway needs `V<VERSION>__<DESCRIPTION>.sql`"),
        "{message}"
    );
    // Detected: Flyway's layout (refinery refuses `U1__init.sql` beside `V1__init.sql`).
    let (findings, _) = lint(tmp.path(), &["."]);
    assert_eq!(never_run(&findings), ["V2_add_users.sql", "v3__lower.sql"]);
    // Without it, refinery's too, which skips them as well.
    std::fs::remove_file(tmp.path().join("U1__init.sql")).unwrap();
    let (findings, _) = lint(tmp.path(), &["."]);
    assert_eq!(never_run(&findings), ["V2_add_users.sql", "v3__lower.sql"]);
    let (_, _, _, message) = findings.iter().find(|f| f.0 == "PF007").unwrap();
    assert!(
        message.starts_with("flyway never runs") && message.contains("laid out for refinery too"),
        "{message}"
    );
}

/// The named tool decides, over detection: `V1_1__more.sql` is Flyway's (so not reported when
/// the directory could be Flyway's) but not refinery's, and a generic runner runs every file.
#[test]
fn the_named_tool_decides_over_detection() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "V1__init.sql", "SELECT 1;\n");
    write(tmp.path(), "V1_1__more.sql", "SELECT 1;\n");
    let (findings, _) = lint(tmp.path(), &["."]);
    assert!(never_run(&findings).is_empty(), "{findings:?}");
    let (findings, _) = lint(tmp.path(), &["--tracker", "refinery", "."]);
    assert_eq!(never_run(&findings), ["V1_1__more.sql"]);
    // In preflight.toml too.
    std::fs::write(
        tmp.path().join("preflight.toml"),
        "[migrations]\ntracker = \"refinery\"\n",
    )
    .unwrap();
    let (findings, _) = lint(tmp.path(), &["."]);
    assert_eq!(never_run(&findings), ["V1_1__more.sql"]);
    // `--tracker` wins over preflight.toml.
    let (findings, _) = lint(tmp.path(), &["--tracker", "flyway", "."]);
    assert!(never_run(&findings).is_empty(), "{findings:?}");

    let tmp = golang_migrate_dir();
    let (findings, _) = lint(tmp.path(), &["--tracker", "generic", "."]);
    assert!(never_run(&findings).is_empty(), "{findings:?}");
}

/// authelia names its migrations `V0001.Initial_Schema.up.sql`: `.up.sql`, but no version
/// golang-migrate can parse, so the directory is a generic runner's. Its files run in name
/// order: a procedure an earlier file defines is known to a later file's CALL (no PF001), and
/// no file is reported as never run.
#[test]
fn authelia_like_names_are_a_generic_runners_and_earlier_procedures_are_known() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "V0001.Procedures.up.sql",
        "DELIMITER //\nCREATE PROCEDURE drop_legacy()\nBEGIN\n  DROP TABLE IF EXISTS legacy;\nEND //\nDELIMITER ;\n",
    );
    write(
        tmp.path(),
        "V0001.Procedures.down.sql",
        "DROP PROCEDURE IF EXISTS drop_legacy;\n",
    );
    write(tmp.path(), "V0002.Cleanup.up.sql", "CALL drop_legacy();\n");
    write(tmp.path(), "V0002.Cleanup.down.sql", "SELECT 1;\n");
    let (findings, _) = lint(tmp.path(), &["--dialect", "mariadb", "."]);
    assert!(never_run(&findings).is_empty(), "{findings:?}");
    assert!(
        !findings.iter().any(|(rule, ..)| rule == "PF001"),
        "{findings:?}"
    );
}

/// `fix --check` exits as lint does on the same files, PF007 included.
#[test]
fn fix_check_reports_a_file_never_run_as_lint_does() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "1_a.up.sql",
        "CREATE TABLE IF NOT EXISTS a (id int);\n",
    );
    write(
        tmp.path(),
        "V2.b.up.sql",
        "CREATE TABLE IF NOT EXISTS b (id int);\n",
    );
    for command in ["lint", "fix"] {
        let check: &[&str] = if command == "fix" { &["--check"] } else { &[] };
        preflight(tmp.path())
            .arg(command)
            .args(check)
            .args(["--fail-on", "warning", "."])
            .assert()
            .code(1);
    }
    std::fs::rename(
        tmp.path().join("V2.b.up.sql"),
        tmp.path().join("2_b.up.sql"),
    )
    .unwrap();
    for command in ["lint", "fix"] {
        let check: &[&str] = if command == "fix" { &["--check"] } else { &[] };
        preflight(tmp.path())
            .arg(command)
            .args(check)
            .args(["--fail-on", "warning", "."])
            .assert()
            .code(0);
    }
}

/// A file the tool never runs that is also written for another dialect (PF006, which drops the
/// file's other findings) is still reported as never run: that holds whatever its dialect.
#[test]
fn a_file_never_run_in_another_dialect_is_reported_with_its_dialect_mismatch() {
    let tmp = golang_migrate_dir();
    write(
        tmp.path(),
        "V3.c.up.sql",
        "CREATE TABLE `c` (id int(11) NOT NULL AUTO_INCREMENT) ENGINE=InnoDB;\n",
    );
    let (findings, _) = lint(tmp.path(), &["--dialect", "postgres", "."]);
    let mut rules_of_c: Vec<&str> = findings
        .iter()
        .filter(|(_, name, ..)| name == "V3.c.up.sql")
        .map(|(rule, ..)| rule.as_str())
        .collect();
    rules_of_c.sort();
    assert_eq!(rules_of_c, ["PF006", "PF007"], "{findings:?}");
    assert_eq!(never_run(&findings), ["V2.b.up.sql", "V3.c.up.sql"]);
}

/// Diesel reads any directory name as a version (`initial/`, `v2_posts/`), so none of those is
/// reported; it skips a hidden directory (`migrations_directories`), whose `up.sql` is.
#[test]
fn diesel_reports_only_a_hidden_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let sql = "SELECT 1;\n";
    for name in [
        "initial/up.sql",
        "initial/down.sql",
        "v2_posts/up.sql",
        "2024-01-01-000000-000a_tags/up.sql",
        ".2024-01-02-000000_draft/up.sql",
    ] {
        write(tmp.path(), name, sql);
    }
    for args in [&["--tracker", "diesel", "."][..], &["."]] {
        let (findings, _) = lint(tmp.path(), args);
        assert_eq!(never_run(&findings), ["up.sql"], "{args:?}: {findings:?}");
        let (_, _, _, message) = findings.iter().find(|f| f.0 == "PF007").unwrap();
        assert!(
            message.contains("Diesel skips hidden directories"),
            "{message}"
        );
    }
}

/// A sub-directory without `up.sql` makes `diesel migration run` refuse the whole directory
/// (`FileBasedMigrations::from_path`): PF007 names it once, on its linted files, else (nothing
/// in it to lint) on the directory's first migration.
#[test]
fn diesel_names_a_sub_directory_that_makes_it_refuse_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        "2024-01-01-000000_users/up.sql",
        "2024-01-02-000000_posts/up.sql",
    ] {
        write(tmp.path(), name, "SELECT 1;\n");
    }
    write(tmp.path(), "2024-01-03-000000_tags/down.sql", "SELECT 1;\n");
    for args in [&["--tracker", "diesel", "."][..], &["."]] {
        let (findings, _) = lint(tmp.path(), args);
        let reported: Vec<(&str, &str)> = findings
            .iter()
            .filter(|f| f.0 == "PF007")
            .map(|f| (f.1.as_str(), f.3.as_str()))
            .collect();
        assert_eq!(reported.len(), 1, "{args:?}: {findings:?}");
        assert_eq!(reported[0].0, "up.sql", "{args:?}: {findings:?}");
        assert!(
            reported[0].1.starts_with("diesel never runs this file: `2024-01-03-000000_tags/` has no up.sql, so `diesel migration run` refuses the whole migrations directory: \"Invalid migration directory"),
            "{}",
            reported[0].1
        );
    }
}

/// A version longer than `__diesel_schema_migrations.version` (VARCHAR(50)) cannot be recorded:
/// `diesel migration run` fails on it, and PF007 says so, naming what to do.
#[test]
fn diesel_reports_a_version_longer_than_its_tracker_column() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "9".repeat(51);
    write(tmp.path(), "initial/up.sql", "SELECT 1;\n");
    write(tmp.path(), &format!("{long}_x/up.sql"), "SELECT 1;\n");
    write(
        tmp.path(),
        &format!("{}_y/up.sql", "8".repeat(50)),
        "SELECT 1;\n",
    );
    for args in [&["--tracker", "diesel", "."][..], &["."]] {
        let (findings, _) = lint(tmp.path(), args);
        assert_eq!(never_run(&findings), ["up.sql"], "{args:?}: {findings:?}");
        let (_, _, _, message) = findings.iter().find(|f| f.0 == "PF007").unwrap();
        assert!(
            message.starts_with(&format!(
                "diesel never runs this file: has version `{long}` (51 characters)"
            )) && message.contains("VARCHAR(50)")
                // Without strict mode MariaDB cuts the version instead (warning 1265, tried on
                // MariaDB 10.11), and Diesel then runs the migration on every run.
                && message.contains("cuts the version to 50 characters with a warning instead"),
            "{message}"
        );
    }
}

/// Two files of one version: Flyway, goose and the other tools that refuse them run none of the
/// directory's migrations, so the deploy stops before the first one. PF007 says so on the second
/// file, whether the tool is named or detected, and with `--pending-since` too; a directory
/// another of its tools accepts (refinery refuses Flyway's `U1__init.sql` beside `V1__init.sql`,
/// Flyway runs it) is not reported.
#[test]
fn two_files_of_one_version_are_reported_where_the_tool_refuses_them() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "V1__users.sql", "SELECT 1;\n");
    write(tmp.path(), "V1__posts.sql", "SELECT 1;\n");
    write(tmp.path(), "V2__tags.sql", "SELECT 1;\n");
    for args in [
        &["--tracker", "flyway", "."][..],
        &["."],
        &["--pending-since", "V1", "."],
    ] {
        let (findings, _) = lint(tmp.path(), args);
        assert_eq!(never_run(&findings), ["V1__users.sql"], "{args:?}");
        let (_, _, _, message) = findings.iter().find(|f| f.0 == "PF007").unwrap();
        assert!(
            message.starts_with("flyway never runs this file: `V1__users.sql` has the same version 1 as V1__posts.sql; the migration tool refuses duplicate versions"),
            "{args:?}: {message}"
        );
    }
    let (findings, _) = lint(tmp.path(), &["."]);
    let (_, _, _, message) = findings.iter().find(|f| f.0 == "PF007").unwrap();
    assert!(
        message.contains("laid out for refinery too, which refuses it as well"),
        "{message}"
    );

    let goose = tempfile::tempdir().unwrap();
    let up = "-- +goose Up\nSELECT 1;\n";
    write(goose.path(), "001_users.sql", up);
    write(goose.path(), "001_posts.sql", up);
    let (findings, _) = lint(goose.path(), &["."]);
    assert_eq!(never_run(&findings), ["001_users.sql"]);

    let sqlx = tempfile::tempdir().unwrap();
    write(sqlx.path(), "1_users.sql", "SELECT 1;\n");
    write(sqlx.path(), "1_posts.sql", "SELECT 1;\n");
    let (findings, _) = lint(sqlx.path(), &["--tracker", "sqlx", "."]);
    assert_eq!(never_run(&findings), ["1_users.sql"]);
    let (_, _, _, message) = findings.iter().find(|f| f.0 == "PF007").unwrap();
    assert!(
        message.contains("sqlx records both under that version, so the second fails"),
        "{message}"
    );

    let atlas = tempfile::tempdir().unwrap();
    write(atlas.path(), "1_users.sql", "SELECT 1;\n");
    write(atlas.path(), "1_posts.sql", "SELECT 1;\n");
    write(atlas.path(), "atlas.sum", "h1:unused\n");
    let (findings, _) = lint(atlas.path(), &["."]);
    assert_eq!(never_run(&findings), ["1_users.sql"]);
    let (_, _, _, message) = findings.iter().find(|f| f.0 == "PF007").unwrap();
    assert!(
        message.contains("Atlas keeps one revision per version, so the second fails or never runs"),
        "{message}"
    );

    let accepted = tempfile::tempdir().unwrap();
    write(accepted.path(), "V1__init.sql", "SELECT 1;\n");
    write(accepted.path(), "U1__init.sql", "SELECT 1;\n");
    let (findings, _) = lint(accepted.path(), &["."]);
    assert!(never_run(&findings).is_empty(), "{findings:?}");
}
