//! lint and fix read a migration through the tool's layout when the tool is known: only the
//! part a deploy runs is checked (a dbmate or goose down section runs on a rollback, not on a
//! retry of the deploy), and a file the tool never runs on a deploy is reported as not linted.
//! With the tool unknown, or a hand-rolled `generic` runner whose conventions preflight cannot
//! know, the whole file is linted as before, except an `X.down.sql` beside its `X.up.sql`: the
//! revert of that migration, which no deploy runs.

mod common;

use common::cli::{preflight, rule_lines, write};
use predicates::prelude::*;
use std::path::Path;

const DBMATE: &str = "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n";
/// A down section whose DROP no up statement re-creates: linted, it would be PF109.
const DBMATE_DROPS_LEGACY: &str =
    "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE legacy;\n";
const GOOSE: &str = "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE legacy;\n";

/// `lint --format json ARGS` in `dir`: the exit code, (rule, line) of each finding, stderr and
/// the parsed report.
fn lint(dir: &Path, args: &[&str]) -> (i32, Vec<(String, u64)>, String, serde_json::Value) {
    let output = preflight(dir)
        .args(["lint", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let findings = rule_lines(report["findings"].as_array().expect("findings"));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap(), findings, stderr, report)
}

fn rules_at(findings: &[(String, u64)]) -> Vec<(&str, u64)> {
    findings.iter().map(|(r, l)| (r.as_str(), *l)).collect()
}

#[test]
fn a_dbmate_down_section_is_not_linted_and_positions_stay_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "20240101000000_init.sql", DBMATE);
    write(tmp.path(), "20240102000000_legacy.sql", DBMATE_DROPS_LEGACY);
    // Detected from the directory (dbmate's marker lines), and named with --tracker.
    for args in [vec!["."], vec!["--tracker", "dbmate", "."]] {
        let (code, findings, _, _) = lint(tmp.path(), &args);
        assert_eq!(
            rules_at(&findings),
            [("PF101", 2), ("PF101", 2)],
            "{args:?}"
        );
        assert_eq!(code, 1);
    }
}

/// Newer dbmate runs every `-- migrate:up` section of a file, each in its own transaction: the
/// second section's CREATE is checked (and, with a crash possible between sections, the first
/// section's too), its down sections are not.
#[test]
fn every_dbmate_up_section_is_linted() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "20240101000000_init.sql",
        "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE legacy;\n\
         -- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n",
    );
    let (code, findings, _, _) = lint(tmp.path(), &["--tracker", "dbmate", "."]);
    assert_eq!(rules_at(&findings), [("PF101", 2), ("PF101", 6)]);
    assert_eq!(code, 1);
}

#[test]
fn a_goose_down_section_is_not_linted() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "00001_init.sql", GOOSE);
    for args in [vec!["."], vec!["--tracker", "goose", "."]] {
        let (_, findings, _, _) = lint(tmp.path(), &args);
        assert_eq!(rules_at(&findings), [("PF101", 2)], "{args:?}");
    }
}

#[test]
fn with_a_generic_runner_or_none_the_whole_file_is_linted() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "20240101000000_init.sql", DBMATE_DROPS_LEGACY);
    let file = file.to_str().unwrap();
    // Two tools' layouts in one directory: detection gives up, the tool is unknown.
    write(tmp.path(), "1_other.up.sql", "SELECT 1;\n");
    // `generic` is a hand-rolled runner: preflight cannot know that it skips down sections.
    for args in [vec!["--tracker", "generic", file], vec![file]] {
        let (_, findings, stderr, _) = lint(tmp.path(), &args);
        assert_eq!(
            stderr.contains("the migration tool is unknown"),
            args.len() == 1,
            "{stderr}"
        );
        assert_eq!(
            rules_at(&findings),
            [("PF101", 2), ("PF109", 4)],
            "{args:?}"
        );
    }
}

/// authelia-like: `V1.a.up.sql` and its revert `V1.a.down.sql`, no tool's naming (generic);
/// `V2.b.down.sql` has no up file beside it.
fn generic_with_down_scripts() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "V1.a.up.sql",
        "CREATE TABLE IF NOT EXISTS a (id int);\n",
    );
    write(tmp.path(), "V1.a.down.sql", "DROP TABLE a;\n");
    write(tmp.path(), "V2.b.down.sql", "DROP TABLE b;\n");
    tmp
}

#[test]
fn a_generic_down_script_beside_its_up_file_is_not_linted() {
    let tmp = generic_with_down_scripts();
    for tracker in [&[][..], &["--tracker", "generic"][..]] {
        let args = [tracker, &["."]].concat();
        let (code, _, _, report) = lint(tmp.path(), &args);
        let in_file: Vec<(String, String)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    common::cli::file_name(f),
                    f["rule"].as_str().unwrap().into(),
                )
            })
            .collect();
        // The lone down script may be what a hand-rolled runner applies: linted.
        assert_eq!(
            in_file,
            [("V2.b.down.sql".to_string(), "PF109".to_string())],
            "{args:?}"
        );
        assert_eq!(code, 1);
        let not_linted = report["not_linted"].as_array().expect("not_linted");
        assert_eq!(not_linted.len(), 1, "{not_linted:?}");
        assert_eq!(not_linted[0]["path"], "./V1.a.down.sql");
        assert_eq!(
            not_linted[0]["reason"],
            "a `.down.sql` script runs only on a revert, never on a deploy"
        );
    }
    // Named on the command line (as a pre-commit hook names changed files): the same.
    let (code, findings, _, report) = lint(tmp.path(), &["V1.a.down.sql"]);
    assert_eq!((code, findings.len()), (0, 0), "{findings:?}");
    assert_eq!(report["not_linted"][0]["path"], "V1.a.down.sql");
    let (_, findings, _, _) = lint(tmp.path(), &["V2.b.down.sql"]);
    assert_eq!(rules_at(&findings), [("PF109", 1)]);
}

#[test]
fn fix_leaves_a_generic_down_script_beside_its_up_file_alone() {
    let tmp = generic_with_down_scripts();
    preflight(tmp.path())
        .args(["fix", "."])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "V1.a.down.sql not linted: a `.down.sql` script",
        ));
    let read = |name: &str| std::fs::read_to_string(tmp.path().join(name)).unwrap();
    assert_eq!(read("V1.a.down.sql"), "DROP TABLE a;\n");
    assert_eq!(read("V2.b.down.sql"), "DROP TABLE IF EXISTS b;\n");
}

#[test]
fn a_flyway_undo_script_is_reported_as_not_linted() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "V1__init.sql", "CREATE TABLE a (id int);\n");
    write(tmp.path(), "U1__undo.sql", "DROP TABLE a;\n");
    let (code, findings, _, report) = lint(tmp.path(), &["--tracker", "flyway", "."]);
    assert_eq!(rules_at(&findings), [("PF101", 1)]);
    assert_eq!(code, 1);
    // The human report lists it in a table, with the reason.
    preflight(tmp.path())
        .args(["lint", "--tracker", "flyway", "."])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "Not linted: the migration tool never runs these files on a deploy",
        ))
        .stdout(predicate::str::contains("U1__undo.sql"))
        .stdout(predicate::str::contains(
            "a Flyway undo script runs only on `flyway undo`",
        ));
    let not_linted = report["not_linted"].as_array().expect("not_linted");
    assert_eq!(not_linted.len(), 1);
    assert!(not_linted[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("U1__undo.sql"));
    // Without the tool, the undo script is linted like any file.
    let (_, findings, _, report) = lint(tmp.path(), &["."]);
    assert!(
        findings.iter().any(|(rule, _)| rule == "PF109"),
        "{findings:?}"
    );
    assert!(report.get("not_linted").is_none());
}

#[test]
fn fix_leaves_a_flyway_undo_script_alone_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "V1__init.sql", "CREATE TABLE a (id int);\n");
    let undo = write(tmp.path(), "U1__undo.sql", "DROP TABLE a;\n");
    preflight(tmp.path())
        .args(["fix", "--tracker", "flyway", "."])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "U1__undo.sql not linted: a Flyway undo script",
        ));
    assert_eq!(std::fs::read_to_string(undo).unwrap(), "DROP TABLE a;\n");
}

#[test]
fn fix_leaves_a_dbmate_down_section_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "-- migrate:up\nCREATE TABLE a (id int);\nDROP TABLE old;\n-- migrate:down\nDROP TABLE a;\nCREATE TABLE old (id int);\n";
    let file = write(tmp.path(), "20240101000000_init.sql", text);
    preflight(tmp.path())
        .args(["fix", "--tracker", "dbmate"])
        .arg(&file)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("fixed"));
    let fixed = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        fixed,
        "-- migrate:up\nCREATE TABLE IF NOT EXISTS a (id int);\nDROP TABLE IF EXISTS old;\n-- migrate:down\nDROP TABLE a;\nCREATE TABLE old (id int);\n"
    );
}

#[test]
fn directories_of_different_tools_in_one_run_get_no_tool_rather_than_the_first_ones() {
    // Under dbmate's per-file transaction a retry re-runs the whole file, so the index is
    // there again for the DROP; with the tool unknown, a crash between the two statements
    // leaves it gone and the retry's DROP fails (PF109).
    let tmp = tempfile::tempdir().unwrap();
    let body = "DROP INDEX i;\nCREATE INDEX i ON t (x);\n";
    write(
        tmp.path(),
        "db/migrations/20240101000000_idx.sql",
        &format!("-- migrate:up\n{body}-- migrate:down\n"),
    );
    write(tmp.path(), "scripts/fix.sql", body);
    let dbmate = "db/migrations/20240101000000_idx.sql";
    let plain = "scripts/fix.sql";
    let (_, alone, _, _) = lint(tmp.path(), &[dbmate]);
    assert!(!alone.iter().any(|(r, _)| r == "PF109"), "{alone:?}");
    let (_, alone, _, _) = lint(tmp.path(), &[plain]);
    assert!(alone.contains(&("PF109".to_string(), 1)), "{alone:?}");

    let (_, together, stderr, report) = lint(tmp.path(), &[dbmate, plain]);
    let pf109_in: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "PF109")
        .map(common::cli::file_name)
        .collect();
    assert!(pf109_in.contains(&"fix.sql".to_string()), "{together:?}");
    assert!(
        stderr.contains("laid out for different migration tools"),
        "{stderr}"
    );
}

/// Synapse's convention: `X.sql.postgres` and `X.sql.sqlite` beside plain `.sql` files, each run
/// only by the engine its name ends in. A directory of them is linted for the dialect lint
/// judges, and the other engine's files are listed as not linted rather than passed over.
#[test]
fn engine_suffixed_files_are_linted_for_their_own_dialect_and_listed_otherwise() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "64/01_rename.sql.postgres",
        "ALTER TABLE a RENAME TO b;\n",
    );
    write(
        tmp.path(),
        "64/01_rename.sql.sqlite",
        "DROP TABLE legacy;\n",
    );
    write(tmp.path(), "64/02_all.sql", "CREATE TABLE c (id int);\n");
    let findings_in = |report: &serde_json::Value| -> Vec<(String, String)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    common::cli::file_name(f),
                    f["rule"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let (code, _, _, report) = lint(tmp.path(), &["64"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings_in(&report),
        [
            ("01_rename.sql.postgres".to_string(), "PF118".to_string()),
            ("02_all.sql".to_string(), "PF101".to_string())
        ]
    );
    assert_eq!(report["not_linted"][0]["path"], "64/01_rename.sql.sqlite");
    assert_eq!(
        report["not_linted"][0]["reason"],
        "a `.sql.sqlite` file runs only on SQLite: pass --dialect sqlite to lint it"
    );
    let (_, _, _, report) = lint(tmp.path(), &["--dialect", "sqlite", "64"]);
    assert_eq!(
        findings_in(&report),
        [
            ("01_rename.sql.sqlite".to_string(), "PF109".to_string()),
            ("02_all.sql".to_string(), "PF101".to_string())
        ]
    );
    assert_eq!(report["not_linted"][0]["path"], "64/01_rename.sql.postgres");
    // A directory holding only one engine's files has something to lint.
    std::fs::remove_file(tmp.path().join("64/02_all.sql")).unwrap();
    let (code, findings, _, _) = lint(tmp.path(), &["64"]);
    assert_eq!((code, rules_at(&findings)), (1, vec![("PF118", 1)]));
    // fix rewrites what the deploy runs and leaves the other engine's file as it is.
    preflight(tmp.path())
        .args(["fix", "--unsafe-fixes", "--dialect", "sqlite", "64"])
        .assert()
        .stderr(predicate::str::contains(
            "01_rename.sql.postgres not linted: a `.sql.postgres` file runs only on PostgreSQL",
        ));
    let read = |name: &str| std::fs::read_to_string(tmp.path().join(name)).unwrap();
    assert_eq!(
        read("64/01_rename.sql.sqlite"),
        "DROP TABLE IF EXISTS legacy;\n"
    );
    assert_eq!(
        read("64/01_rename.sql.postgres"),
        "ALTER TABLE a RENAME TO b;\n"
    );
}
