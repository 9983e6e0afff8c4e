//! `[[migrations.before_each_run]]` and `--before-each-run` on `lint` and `fix`, over
//! fixtures/before-each-run/: a runner that drops and re-creates schema `r` before every run of
//! replaceable/*.sql (as lemmy does with its replaceable schema). tests/before_each_run_db.rs
//! proves on PostgreSQL that what lint accepts there survives a retry and what it flags fails.

mod common;

use common::cli::{json_findings, preflight, rule_lines, write};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const LEMMY: &str = "DROP SCHEMA IF EXISTS r CASCADE; CREATE SCHEMA r;";

/// The fixture directory copied into a fresh temporary one (fix writes; lint must not depend on
/// where the repository is).
fn fixture() -> (tempfile::TempDir, PathBuf) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/before-each-run");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("project");
    for sub in ["", "migrations", "replaceable"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for entry in std::fs::read_dir(from.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, dir.join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    (tmp, dir)
}

/// `(file name, rule, line)` of each finding of `preflight lint --format json ARGS`.
fn findings(dir: &Path, args: &[&str]) -> Vec<(String, String, u64)> {
    let out = preflight(dir)
        .args(["lint", "--format", "json", "--fail-on", "never"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let found = json_findings(&out.stdout);
    let names = found.iter().map(common::cli::file_name);
    names
        .zip(rule_lines(&found))
        .map(|(name, (rule, line))| (name, rule, line))
        .collect()
}

fn of_file<'a>(all: &'a [(String, String, u64)], name: &str) -> Vec<(&'a str, u64)> {
    all.iter()
        .filter(|(n, _, _)| n == name)
        .map(|(_, rule, line)| (rule.as_str(), *line))
        .collect()
}

/// What replaceable/functions.sql creates, each flagged when nothing runs before the file.
const FUNCTIONS_UNGUARDED: [(&str, u64); 8] = [
    ("PF113", 3),
    ("PF113", 6),
    ("PF113", 12),
    ("PF114", 20),
    ("PF101", 23),
    ("PF102", 28),
    ("PF108", 30),
    ("PF112", 32),
];

/// What the prologue leaves in place: flagged with or without it.
const STILL_FLAGGED: [(&str, &str, u64); 3] = [
    ("0002_r_greeting.sql", "PF113", 2),
    ("audit.sql", "PF113", 3),
    ("audit.sql", "PF114", 9),
];

fn expected(rows: &[(&str, &str, u64)]) -> Vec<(String, String, u64)> {
    rows.iter()
        .map(|(n, r, l)| (n.to_string(), r.to_string(), *l))
        .collect()
}

#[test]
fn the_configured_prologue_clears_what_it_removes_in_the_files_it_runs_before() {
    let (_tmp, dir) = fixture();
    let all = findings(&dir, &["."]);
    // functions.sql: nothing; 0002 (outside the glob) and audit.sql (outside schema r): flagged.
    assert_eq!(all, expected(&STILL_FLAGGED));
    // Without the config the same files are flagged.
    write(&dir, "preflight.toml", "");
    let all = findings(&dir, &["."]);
    assert_eq!(of_file(&all, "functions.sql"), FUNCTIONS_UNGUARDED);
    assert_eq!(of_file(&all, "0002_r_greeting.sql"), [("PF113", 2)]);
}

#[test]
fn the_flag_runs_before_every_linted_file() {
    let (_tmp, dir) = fixture();
    write(&dir, "preflight.toml", "");
    let all = findings(&dir, &["--before-each-run", LEMMY, "."]);
    // 0002 is under the flag too: its function is in r.
    assert_eq!(all, expected(&STILL_FLAGGED[1..]));
    // A prologue that removes something else proves nothing here.
    let all = findings(
        &dir,
        &["--before-each-run", "DROP SCHEMA IF EXISTS s CASCADE;", "."],
    );
    assert_eq!(of_file(&all, "functions.sql"), FUNCTIONS_UNGUARDED);
}

#[test]
fn fix_leaves_what_the_prologue_removes_and_fixes_the_rest() {
    let (_tmp, dir) = fixture();
    let functions = dir.join("replaceable/functions.sql");
    let before = std::fs::read_to_string(&functions).unwrap();
    preflight(&dir)
        .args(["fix", "."])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("Fixed 3 issues in 2 of 4 files"));
    assert_eq!(std::fs::read_to_string(&functions).unwrap(), before);
    let audit = std::fs::read_to_string(dir.join("replaceable/audit.sql")).unwrap();
    assert!(audit.contains("CREATE OR REPLACE FUNCTION public.audit_person"));
    assert!(audit.contains("CREATE OR REPLACE TRIGGER audit_person"));
    // The flag form, with no config: the same file is left alone.
    let (_tmp, dir) = fixture();
    write(&dir, "preflight.toml", "");
    preflight(&dir)
        .args([
            "fix",
            "--check",
            "--before-each-run",
            LEMMY,
            "replaceable/functions.sql",
        ])
        .assert()
        .code(0);
    preflight(&dir)
        .args(["fix", "--check", "replaceable/functions.sql"])
        .assert()
        .code(1);
}

/// `preflight lint` in `dir` with this preflight.toml: exit code 2 and one line naming `needle`.
fn config_error(config: &str, needle: &str) {
    let (_tmp, dir) = fixture();
    write(&dir, "preflight.toml", config);
    let out = preflight(&dir).args(["lint", "."]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(needle), "{needle} in {stderr}");
}

#[test]
fn a_bad_table_is_a_config_error_naming_it() {
    let good = "[[migrations.before_each_run]]\npaths = [\"replaceable/*.sql\"]\nsql = \"DROP SCHEMA r CASCADE;\"\n";
    config_error(
        &format!("{good}[[migrations.before_each_run]]\npaths = [\"x/*.sql\"]\n"),
        "preflight.toml: migrations.before_each_run[1].sql: missing",
    );
    config_error(
        "[[migrations.before_each_run]]\nsql = \"DROP SCHEMA r;\"\n",
        "migrations.before_each_run[0].paths: missing",
    );
    config_error(
        "[[migrations.before_each_run]]\npaths = [\"a/[z\"]\nsql = \"DROP SCHEMA r;\"\n",
        "migrations.before_each_run[0].paths: `a/[z`",
    );
    config_error(
        &format!("{good}[[migrations.before_each_run]]\npaths = [\"x\"]\nsql = \"DROP SCHEMA r;\\nSELECT 'oops;\"\n"),
        "migrations.before_each_run[1].sql: line 2: ",
    );
    config_error(
        "[[migrations.before_each_run]]\npaths = [\"x\"]\nsql = \"DROP SCHEMA r;\"\nwhen = \"always\"\n",
        "unknown field `when`",
    );
    // The flag's SQL too, as a usage error.
    let (_tmp, dir) = fixture();
    preflight(&dir)
        .args(["lint", "--before-each-run", "SELECT 'oops", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: --before-each-run: line 1: ",
        ));
}

#[test]
fn a_glob_that_matches_no_linted_file_is_a_warning_on_lint_and_fix_not_on_check() {
    let (_tmp, dir) = fixture();
    let config = format!(
        "[migrations]\ndir = \".\"\n[check]\nstages = [\"lint\"]\n\
         [[migrations.before_each_run]]\npaths = [\"replaceable/*.sql\", \"replacable/*.sql\"]\nsql = \"{LEMMY}\"\n"
    );
    write(&dir, "preflight.toml", &config);
    let warning = "warning: migrations.before_each_run[0].paths: `replacable/*.sql` matches no file (none of the 4 linted, none under the config's directory or [migrations] dir)";
    for command in ["lint", "fix"] {
        preflight(&dir)
            .args(
                [command, "--check", "."]
                    .iter()
                    .filter(|a| command == "fix" || **a != "--check"),
            )
            .assert()
            .stderr(predicate::str::contains(warning))
            .stderr(predicate::str::contains("`replaceable/*.sql`").not());
    }
    // Linting a subset that leaves the glob's files out (a pull request's changed files) is no
    // typo: the glob matches files on disk, so only the misspelt one is reported.
    preflight(&dir)
        .args(["lint", "migrations/0001_person.sql"])
        .assert()
        .stderr(predicate::str::contains(
            warning.replace("4 linted", "1 linted"),
        ))
        .stderr(predicate::str::contains("`replaceable/*.sql`").not());
    // check runs lint with the same prologue (functions.sql is not flagged) and no warning.
    preflight(&dir)
        .args(["check"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("audit.sql"))
        .stdout(predicate::str::contains("functions.sql").not())
        .stderr(predicate::str::contains("before_each_run").not());
    // The glob that matches keeps working: functions.sql has no finding.
    let all = findings(&dir, &["."]);
    assert_eq!(all, expected(&STILL_FLAGGED));
}

#[test]
fn a_glob_may_be_relative_to_the_migrations_dir() {
    let (_tmp, dir) = fixture();
    let config = format!(
        "[migrations]\ndir = \"replaceable\"\n\
         [[migrations.before_each_run]]\npaths = [\"functions.sql\"]\nsql = \"{LEMMY}\"\n"
    );
    write(&dir, "preflight.toml", &config);
    // `lint` with no path lints `[migrations] dir`; run from elsewhere, paths are absolute.
    let all = findings(&dir, &[]);
    assert_eq!(all, expected(&STILL_FLAGGED[1..]));
    let elsewhere = dir.join("migrations");
    let config_path = dir.join("preflight.toml");
    let all = findings(
        &elsewhere,
        &["--config", config_path.to_str().unwrap(), "../replaceable"],
    );
    assert_eq!(all, expected(&STILL_FLAGGED[1..]));
}

/// A file that sets the search_path to the schema the prologue empties creates, unqualified,
/// in that schema: its creations survive a retry. Under another path they are still flagged.
#[test]
fn unqualified_creations_under_the_files_own_search_path_are_in_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write(dir, "preflight.toml", "");
    let body = "CREATE FUNCTION greeting() RETURNS text LANGUAGE sql AS $$ SELECT 'hi' $$;\n";
    write(
        dir,
        "migrations/1_in_r.sql",
        &format!("SET search_path TO r, public;\n{body}"),
    );
    write(
        dir,
        "migrations/2_in_public.sql",
        &format!("SET search_path TO public;\n{body}"),
    );
    write(dir, "migrations/3_unset.sql", body);
    let all = findings(dir, &["--before-each-run", LEMMY, "migrations"]);
    assert_eq!(of_file(&all, "1_in_r.sql"), []);
    assert_eq!(of_file(&all, "2_in_public.sql"), [("PF113", 2)]);
    assert_eq!(of_file(&all, "3_unset.sql"), [("PF113", 1)]);
}
