//! `preflight lint`, `rules` and `explain` as a user runs them: exit codes, what is flagged
//! where, bad input, configuration, suppressions and pull-request mode.

mod common;

use common::cli::{file_name, git, json_findings, preflight, rule_lines, write};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/migrations")
}

/// `preflight lint --format json ARGS` in `dir`, asserting the exit code; returns stdout.
fn lint_json<S: AsRef<std::ffi::OsStr>>(
    dir: &Path,
    args: impl IntoIterator<Item = S>,
    code: i32,
) -> Vec<u8> {
    preflight(dir)
        .args(["lint", "--format", "json"])
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone()
}

/// The rule code of each JSON finding, in report order.
fn rule_codes(findings: &[serde_json::Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_incident_sample_fails_with_both_statements_at_their_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let out = lint_json(tmp.path(), [sample_dir().as_os_str()], 1);
    let findings = json_findings(&out);
    let got: Vec<(String, u64, String)> = rule_lines(&findings)
        .into_iter()
        .zip(findings.iter().map(file_name))
        .map(|((rule, line), file)| (rule, line, file))
        .collect();
    assert_eq!(
        got,
        [
            ("PF101".into(), 2, "20240115_add_user_profiles.sql".into()),
            ("PF102".into(), 10, "20240115_add_user_profiles.sql".into()),
        ]
    );
    assert_eq!(findings[0]["fix"]["applicability"], "safe");
    assert_eq!(findings[0]["fix"]["edits"][0]["content"], " IF NOT EXISTS");
}

#[test]
fn human_output_names_file_line_and_rule() {
    let tmp = tempfile::tempdir().unwrap();
    preflight(tmp.path())
        .arg("lint")
        .arg(sample_dir().join("20240115_add_user_profiles.sql"))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "20240115_add_user_profiles.sql:2:1",
        ))
        .stdout(predicate::str::contains("PF101"))
        .stdout(predicate::str::contains(
            "20240115_add_user_profiles.sql:10:1",
        ));
}

#[test]
fn fail_on_threshold_decides_the_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "seed.sql",
        "INSERT INTO roles (name) VALUES ('admin');\n",
    );
    preflight(tmp.path())
        .arg("lint")
        .arg(&file)
        .assert()
        .code(0);
    preflight(tmp.path())
        .args(["lint", "--fail-on", "warning"])
        .arg(&file)
        .assert()
        .code(1);
    preflight(tmp.path())
        .args(["lint", "--fail-on", "never"])
        .arg(sample_dir())
        .assert()
        .code(0);
}

#[test]
fn missing_binary_and_non_utf8_inputs_are_one_line_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope.sql");
    preflight(tmp.path())
        .arg("lint")
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "nope.sql: no such file or directory",
        ));
    let binary = write(tmp.path(), "blob.sql", &[0u8, 159, 146, 150, 0, 1]);
    let assert = preflight(tmp.path())
        .arg("lint")
        .arg(&binary)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains("blob.sql") && stderr.contains("binary"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    let latin1 = write(tmp.path(), "latin1.sql", b"SELECT 'caf\xe9';\n");
    preflight(tmp.path())
        .arg("lint")
        .arg(&latin1)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "latin1.sql: is not valid UTF-8 (line 1",
        ));
}

/// Linting only a later migration reads the earlier ones of its directory for what they define:
/// one that cannot be read is said, naming it, as something not checked (PF001, unknown: the
/// run fails unless `--allow-unknown`), not passed over in silence.
#[test]
fn an_earlier_migration_that_cannot_be_read_is_reported_as_not_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "m/001_a.sql",
        "CREATE TABLE t (id INT, name VARCHAR(10));\n",
    );
    write(dir, "m/002_b.sql", b"\xff\xfeCREATE TABLE u (id INT);\n");
    // MariaDB's earlier column definition (PF351), a routine a CALL runs (PostgreSQL).
    write(
        dir,
        "m/003_c.sql",
        "ALTER TABLE t MODIFY name VARCHAR(20);\n",
    );
    write(
        dir,
        "p/001_a.sql",
        "CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;\n",
    );
    write(dir, "p/002_b.sql", b"SELECT 'caf\xe9';\n");
    write(dir, "p/003_c.sql", "SELECT 1;\nCALL p();\n");
    let unread = "what the earlier migrations of this file's directory define was not read";
    for (dialect, file, bad) in [
        (
            "mariadb",
            "m/003_c.sql",
            "m/002_b.sql: is not valid UTF-8 (line 1, byte 0); re-encode it as UTF-8",
        ),
        (
            "postgres",
            "p/003_c.sql",
            "p/002_b.sql: is not valid UTF-8 (line 1, byte 11); re-encode it as UTF-8",
        ),
    ] {
        let out = lint_json(dir, ["--dialect", dialect, file], 1);
        let findings = json_findings(&out);
        let said: Vec<&serde_json::Value> = findings
            .iter()
            .filter(|f| f["message"].as_str().unwrap().contains(unread))
            .collect();
        assert_eq!(said.len(), 1, "{file}: {findings:#?}");
        let message = said[0]["message"].as_str().unwrap();
        assert!(message.ends_with(bad), "{message}");
        assert_eq!(said[0]["rule"], "PF001", "{message}");
        assert_eq!(said[0]["unknown"], true, "{message}");
        assert_eq!(said[0]["line"], 1, "{message}");
        preflight(dir)
            .args(["lint", "--allow-unknown", "--dialect", dialect, file])
            .assert()
            .code(0)
            .stdout(predicate::str::contains(format!(
                "not checked: {unread}: {bad}"
            )));
    }
    // A file that needs nothing the earlier migrations define does not read them.
    write(
        dir,
        "m/004_d.sql",
        "CREATE TABLE IF NOT EXISTS v (id INT);\n",
    );
    lint_json(dir, ["--dialect", "mariadb", "m/004_d.sql"], 0);
    // Linted itself, the file is bad input: an error naming it.
    preflight(dir)
        .args(["lint", "--dialect", "mariadb", "m"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "m/002_b.sql: is not valid UTF-8 (line 1, byte 0); re-encode it as UTF-8",
        ));
}

#[test]
fn empty_files_and_directories_are_clean() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "empty.sql", "");
    write(
        tmp.path(),
        "only_comments.sql",
        "-- nothing here\n/* still nothing */\n",
    );
    let out = lint_json(tmp.path(), ["."], 0);
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn a_fifty_megabyte_file_is_linted_to_the_end_at_exact_lines() {
    let tmp = tempfile::tempdir().unwrap();
    // A 50 MB data migration: one huge string literal between two DDL statements.
    let blob = format!("{}\n", "x".repeat(99)).repeat(500_000);
    let sql = format!(
        "CREATE TABLE blobs (body text);\nINSERT INTO blobs VALUES ('{blob}');\nCREATE INDEX blobs_body ON blobs (body);\n"
    );
    assert!(sql.len() > 50_000_000);
    write(tmp.path(), "big.sql", &sql);
    let out = lint_json(tmp.path(), ["big.sql"], 1);
    let found = rule_lines(&json_findings(&out));
    assert_eq!(
        found,
        [
            ("PF101".to_string(), 1),
            ("PF119".to_string(), 2),
            ("PF102".to_string(), 500_003)
        ]
    );
}

#[test]
fn unterminated_dollar_quote_is_reported_and_earlier_statements_still_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "broken.sql",
        "CREATE TABLE a (id int);\nCREATE FUNCTION f() RETURNS int AS $$\nSELECT 1;\nCREATE TABLE b (id int);\n",
    );
    let out = lint_json(tmp.path(), [file.as_os_str()], 1);
    let findings = json_findings(&out);
    let rules = rule_lines(&findings);
    assert!(rules.contains(&("PF101".into(), 1)), "{rules:?}");
    assert!(rules.contains(&("PF002".into(), 2)), "{rules:?}");
    assert!(
        !rules.contains(&("PF101".into(), 4)),
        "text inside the quote is not SQL: {rules:?}"
    );
    let pf002 = findings.iter().find(|f| f["rule"] == "PF002").unwrap();
    assert!(pf002["message"].as_str().unwrap().contains("dollar-quoted"));
    assert_eq!(pf002["unknown"], true);

    let comment = write(
        tmp.path(),
        "comment.sql",
        "DROP TABLE a;\n/* never closed\nDROP TABLE b;\n",
    );
    let out = lint_json(tmp.path(), [comment.as_os_str()], 1);
    let got = rule_lines(&json_findings(&out));
    assert_eq!(got, [("PF109".to_string(), 1), ("PF002".to_string(), 2)]);
}

#[test]
fn ddl_in_strings_and_comments_is_not_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "quiet.sql",
        "-- CREATE TABLE a (id int);\n/* CREATE INDEX i ON a (id); /* nested */ DROP TABLE a; */\nSELECT 'CREATE TABLE b (id int); DROP TABLE c;';\nSELECT $x$ ALTER TABLE d ADD COLUMN e int; $x$;\nCOMMENT ON TABLE users IS 'CREATE TABLE users';\n",
    );
    preflight(tmp.path())
        .args(["lint", "--fail-on", "info"])
        .arg(&file)
        .assert()
        .code(0);
}

#[test]
fn suppression_comments_silence_only_what_they_name() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "s.sql",
        "-- preflight: ignore PF101\nCREATE TABLE a (id int);\nCREATE TABLE b (id int); -- preflight: ignore create-table-without-if-not-exists\n-- preflight: ignore PF102\nCREATE TABLE c (id int);\n",
    );
    let out = lint_json(tmp.path(), [file.as_os_str()], 1);
    let found = rule_lines(&json_findings(&out));
    // The ignore of PF102 on line 4 suppressed nothing, which is reported too (PF005).
    assert_eq!(found, [("PF005".into(), 4), ("PF101".into(), 5)]);

    let whole = write(
        tmp.path(),
        "w.sql",
        "-- preflight: ignore-file PF101\nCREATE TABLE a (id int);\nDROP TABLE b;\n",
    );
    let out = lint_json(tmp.path(), [whole.as_os_str()], 1);
    assert_eq!(rule_codes(&json_findings(&out)), ["PF109"]);
}

#[test]
fn config_selects_ignores_overrides_and_filters_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let migrations = tmp.path().join("db");
    std::fs::create_dir_all(migrations.join("archive")).unwrap();
    write(
        &migrations,
        "001.sql",
        "CREATE TABLE a (id int);\nCREATE INDEX i ON a (id);\n",
    );
    write(&migrations.join("archive"), "000.sql", "DROP TABLE old;\n");
    write(
        tmp.path(),
        "preflight.toml",
        "[migrations]\ndir = \"db\"\n[lint]\nignore = [\"PF101\"]\nexclude = [\"db/archive/**\"]\n[lint.severity]\nPF102 = \"warning\"\n",
    );
    let out = lint_json(tmp.path(), [] as [&str; 0], 0);
    let findings = json_findings(&out);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "PF102");
    assert_eq!(findings[0]["severity"], "warning");
    preflight(tmp.path())
        .args(["lint", "--select", "PF1", "--ignore", "PF102,PF101"])
        .assert()
        .code(0);
}

#[test]
fn bad_configuration_is_an_error_naming_the_setting() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "preflight.toml", "[lint]\nselect = [\"PF9\"]\n");
    write(tmp.path(), "a.sql", "SELECT 1;\n");
    preflight(tmp.path())
        .args(["lint", "a.sql"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "preflight.toml: [lint] select: `PF9` matches no rule",
        ));
    preflight(tmp.path())
        .args(["--config", "/dev/null", "lint", "--ignore", "NOPE", "a.sql"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`NOPE` matches no rule"));
}

#[test]
fn dialect_changes_what_is_flagged_and_fixable() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "m.sql",
        "ALTER TABLE users ADD COLUMN bio TEXT;\n",
    );
    for (dialect, fixable) in [
        ("postgres", true),
        ("mariadb", true),
        ("mysql", false),
        ("sqlite", false),
    ] {
        let dialect_args = ["--dialect", dialect];
        let args = dialect_args
            .iter()
            .map(std::ffi::OsStr::new)
            .chain([file.as_os_str()]);
        let out = lint_json(tmp.path(), args, 1);
        let findings = json_findings(&out);
        assert_eq!(findings[0]["rule"], "PF108", "{dialect}");
        assert_eq!(!findings[0]["fix"].is_null(), fixable, "{dialect}");
    }
}

#[test]
fn dialect_comes_from_preflight_toml_unless_given_on_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "preflight.toml",
        "[lint]\ndialect = \"mysql\"\n",
    );
    write(tmp.path(), "x.sql", "CREATE INDEX i ON t (c);\n");
    let fixable = |extra: &[&str]| {
        let out = lint_json(tmp.path(), ["x.sql"].iter().chain(extra), 1);
        let findings = json_findings(&out);
        assert_eq!(findings[0]["rule"], "PF102");
        !findings[0]["fix"].is_null()
    };
    // MySQL has no CREATE INDEX IF NOT EXISTS, so no fix; PostgreSQL has one.
    assert!(!fixable(&[]));
    assert!(fixable(&["--dialect", "postgres"]));
}

/// The path of each finding in a JSON report.
fn finding_paths(out: &[u8]) -> Vec<String> {
    json_findings(out)
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn since_lints_only_files_changed_since_the_ref() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "001_old.sql", "CREATE TABLE old (id int);\n");
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "old"]);
    write(repo, "002_new.sql", "CREATE TABLE new (id int);\n");
    let out = lint_json(repo, ["--since", "main", "."], 1);
    let paths = finding_paths(&out);
    assert_eq!(paths.len(), 1);
    assert!(paths[0].ends_with("002_new.sql"), "{paths:?}");
    // A migration renamed (and edited) since the ref is linted under its new name.
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "new"]);
    git(repo, &["mv", "001_old.sql", "003_renamed.sql"]);
    git(repo, &["commit", "-q", "-m", "rename"]);
    let out = lint_json(repo, ["--since", "HEAD~1", "."], 1);
    let paths = finding_paths(&out);
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(paths[0].ends_with("003_renamed.sql"), "{paths:?}");
    // Nothing changed since the ref: a pass, and it says that nothing was linted.
    preflight(repo)
        .args(["lint", "--since", "HEAD", "."])
        .assert()
        .code(0)
        .stdout("No findings.\n")
        .stderr(predicate::str::contains(
            "note: no .sql file changed since HEAD: nothing was linted",
        ));
    preflight(repo)
        .args(["lint", "--since", "no-such-ref", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--since no-such-ref"));
}

#[test]
fn rules_lists_every_lint_rule_and_explain_prints_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = preflight(tmp.path())
        .args(["rules", "--json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let rules: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    for code in preflight::lint::RULES.iter().map(|r| r.code) {
        assert!(rules.iter().any(|r| r["code"] == code), "{code} missing");
    }
    let pf101 = rules.iter().find(|r| r["code"] == "PF101").unwrap();
    assert_eq!(pf101["fix"], "safe");
    assert_eq!(pf101["fix_availability"], "always");
    assert_eq!(pf101["severity"], "error");
    // PF102's fix depends on the dialect: MySQL has no IF NOT EXISTS for indexes.
    let pf102 = rules.iter().find(|r| r["code"] == "PF102").unwrap();
    assert_eq!(pf102["fix_availability"], "sometimes");
    assert!(pf102["fix_limitation"]
        .as_str()
        .is_some_and(|t| t.contains("MySQL")));
    let rc101 = rules.iter().find(|r| r["code"] == "RC101").unwrap();
    assert_eq!(
        (&rc101["fix_availability"], &rc101["command"]),
        (&serde_json::json!("never"), &serde_json::json!("reconcile"))
    );
    preflight(tmp.path())
        .arg("rules")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "create-table-without-if-not-exists",
        ));
    preflight(tmp.path())
        .args(["explain", "create-index-without-if-not-exists"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("# PF102"))
        .stdout(predicate::str::contains("## Use instead"))
        .stdout(predicate::str::contains(
            "Automatic fix: safe, on some findings: not on MySQL",
        ));
    preflight(tmp.path())
        .args(["explain", "pa501"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "# PA501 loopback-in-production",
        ))
        .stdout(predicate::str::contains("Reported by: preflight parity"));
    preflight(tmp.path())
        .args(["explain", "PF999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule is called `PF999`"));
}

#[test]
fn suppressions_are_checked_like_rules() {
    let tmp = tempfile::tempdir().unwrap();
    // A typo in the code: reported with the code it meant, and PF101 is not suppressed.
    let typo = write(
        tmp.path(),
        "typo.sql",
        "-- preflight: ignore PF1O1\nCREATE TABLE a (id int);\n",
    );
    let findings = json_findings(&lint_json(tmp.path(), [typo.as_os_str()], 1));
    let got: Vec<(&str, u64, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("PF004", 1, 22), ("PF101", 2, 1)]);
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .ends_with("did you mean `PF101`?"),
        "{}",
        findings[0]["message"]
    );

    // A suppression whose statement is retry-safe now: reported at info, so lint still passes.
    let unused = write(
        tmp.path(),
        "unused.sql",
        "-- keep me\n-- preflight: ignore PF101\r\nCREATE TABLE IF NOT EXISTS a (id int);\n",
    );
    let findings = json_findings(&lint_json(tmp.path(), [unused.as_os_str()], 0));
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "PF005");
    assert_eq!(findings[0]["severity"], "info");
    assert_eq!(findings[0]["line"], 2);
    // `--fail-on info` fails on it; `fix` removes exactly that line.
    lint_json(
        tmp.path(),
        ["--fail-on", "info", unused.to_str().unwrap()],
        1,
    );
    preflight(tmp.path())
        .arg("fix")
        .arg(&unused)
        .assert()
        .code(0);
    assert_eq!(
        std::fs::read_to_string(&unused).unwrap(),
        "-- keep me\nCREATE TABLE IF NOT EXISTS a (id int);\n"
    );

    // A suppression that did its job is not reported, nor is PF001's once reviewed.
    let used = write(
        tmp.path(),
        "used.sql",
        "-- preflight: ignore PF101\nCREATE TABLE a (id int);\nCREATE TABLE b (id int); -- preflight: ignore PF101\n-- preflight: ignore PF001\nALTER TABLE a FROBNICATE;\n",
    );
    assert!(json_findings(&lint_json(tmp.path(), [used.as_os_str()], 0)).is_empty());
}

#[test]
fn a_declared_apply_model_decides_for_a_generic_runner() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "m.sql",
        "DROP VIEW active_users;\nCREATE VIEW active_users AS SELECT 1;\n",
    );
    // A hand-rolled runner: worst case unless its model is declared.
    let rules = |args: &[&str], code: i32| {
        let assert = preflight(tmp.path())
            .args(["lint", "--format", "json", "--tracker", "generic"])
            .args(args)
            .arg(&file)
            .assert()
            .code(code);
        json_findings(&assert.get_output().stdout).len()
    };
    assert_eq!(rules(&[], 1), 1);
    assert_eq!(rules(&["--apply-model", "file-transaction"], 0), 0);
    // In preflight.toml too.
    std::fs::write(
        tmp.path().join("preflight.toml"),
        "[migrations]\ntracker = \"generic\"\napply_model = \"file-transaction\"\n",
    )
    .unwrap();
    let assert = preflight(tmp.path())
        .args(["lint", "--format", "json"])
        .arg(&file)
        .assert()
        .code(0);
    assert!(json_findings(&assert.get_output().stdout).is_empty());
}

#[test]
fn tracker_decides_whether_a_drop_the_file_recreates_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "m.sql",
        "DROP VIEW active_users;\nCREATE VIEW active_users AS SELECT 1;\n",
    );
    // Diesel runs the file in one transaction: only a full re-run, which the pair survives.
    let assert = preflight(tmp.path())
        .args(["lint", "--format", "json", "--tracker", "diesel"])
        .arg(&file)
        .assert()
        .code(0);
    assert!(json_findings(&assert.get_output().stdout).is_empty());
    // Unknown tool: a crash between the two leaves the view gone, and the DROP fails; said once.
    let assert = preflight(tmp.path())
        .args(["lint", "--format", "json"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("the migration tool is unknown"));
    assert_eq!(
        rule_codes(&json_findings(&assert.get_output().stdout)),
        ["PF109"]
    );
    preflight(tmp.path())
        .args(["lint", "--tracker", "nope"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown tracker `nope`"));
}

/// A wrong path must not pass the gate: a directory with no `.sql` file below it (empty, or
/// only other files), or one whose files the include/exclude globs all leave out, is an input
/// error naming the directory, not "No findings" about files lint never saw.
#[test]
fn a_directory_with_nothing_to_lint_is_an_error_not_a_pass() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    write(tmp.path(), "docs/README.md", "no SQL here\n");
    for (dir, says) in [
        ("empty", "empty: contains no .sql files to check"),
        ("docs", "docs: contains no .sql files to check"),
    ] {
        for command in ["lint", "fix"] {
            let out = preflight(tmp.path())
                .args([command, dir])
                .assert()
                .code(2)
                .get_output()
                .clone();
            let stderr = String::from_utf8(out.stderr).unwrap();
            assert!(
                stderr.starts_with(&format!("error: {says}")),
                "{command}: {stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{command}: {stderr}");
            assert!(out.stdout.is_empty(), "{command}");
        }
    }
    // Files there, but the configured globs select none of them.
    write(tmp.path(), "db/0001_init.sql", "CREATE TABLE t (id int);\n");
    write(
        tmp.path(),
        "preflight.toml",
        "[lint]\ninclude = [\"migrations/**/*.sql\"]\n",
    );
    preflight(tmp.path())
        .args(["lint", "db"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "db: none of its 1 .sql file is selected by [lint] include/exclude",
        ));
}

/// A directory whose every file a deploy skips (written for another engine, or revert scripts
/// of a tool that runs them only on a revert) was passed for the wrong engine or tool: an input
/// error naming the directory and the first skipped file, for lint, fix and check alike. A
/// file named on the command line stays a pass (a pre-commit hook may name a down script alone),
/// and a directory with one file that runs is linted as before.
#[test]
fn a_directory_whose_files_no_deploy_runs_is_an_error_not_a_pass() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "my/0001_init.sql.mysql",
        "CREATE TABLE t (id int);\n",
    );
    write(tmp.path(), "down/0001_init.down.sql", "DROP TABLE t;\n");
    write(
        tmp.path(),
        "mixed/0001_init.sql.mysql",
        "CREATE TABLE t (id int);\n",
    );
    write(
        tmp.path(),
        "mixed/0001_init.sql.postgres",
        "CREATE TABLE t (id int);\n",
    );
    let mysql = "a `.sql.mysql` file runs only on MySQL or MariaDB: pass --dialect mysql (or mariadb) to lint it";
    let skipped = format!("my/0001_init.sql.mysql: {mysql}");
    for (args, says) in [
        (&["my"][..], format!("error: my: nothing to lint: a deploy runs none of its 1 .sql file ({skipped})")),
        (
            &["--tracker", "golang-migrate", "down"],
            "error: down: nothing to lint: a deploy runs none of its 1 .sql file (down/0001_init.down.sql: a `.down.sql` script runs only on a revert, never on a deploy)".to_string(),
        ),
    ] {
        for command in ["lint", "fix"] {
            let out = preflight(tmp.path())
                .arg(command)
                .args(args)
                .assert()
                .code(2)
                .get_output()
                .clone();
            let stderr = String::from_utf8(out.stderr).unwrap();
            assert!(stderr.starts_with(&says), "{command} {args:?}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{command} {args:?}: {stderr}");
            assert!(out.stdout.is_empty(), "{command} {args:?}");
        }
    }
    // The file itself: listed as not linted, a pass.
    preflight(tmp.path())
        .args(["lint", "my/0001_init.sql.mysql"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(mysql));
    // One file of the directory runs: linted, the other listed.
    preflight(tmp.path())
        .args(["lint", "--format", "json", "mixed"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("PF101"));
    // check's lint stage: could not run, as for an empty directory.
    write(tmp.path(), "preflight.toml", "[migrations]\ndir = \"my\"\n");
    preflight(tmp.path())
        .args(["check", "--stage", "lint"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(format!(
            "my: nothing to lint: a deploy runs none of its 1 .sql file ({skipped})"
        )));
}

/// A bad tracker name or rule code says where it came from: `[migrations] tracker` in the file
/// (which lint and fix used to blame on a `--tracker` never passed, while reconcile, verify and
/// lint accepted different spellings), or the flag that carried it.
#[test]
fn unknown_trackers_and_rule_codes_name_their_setting() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "a.sql", "CREATE TABLE t (id int);\n");
    write(
        tmp.path(),
        "conf/preflight.toml",
        "[migrations]\ntracker = \"sqlxx\"\n",
    );
    for args in [
        &["lint", "a.sql"][..],
        &["fix", "a.sql"],
        &["reconcile", "--database-url", "postgres://u@127.0.0.1:1/x"],
    ] {
        let out = preflight(tmp.path())
            .args(["--config", "conf/preflight.toml"])
            .args(args)
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let stderr = String::from_utf8(out).unwrap();
        assert!(
            stderr.starts_with(
                "error: conf/preflight.toml: [migrations] tracker: unknown tracker `sqlxx` (did you mean `sqlx`?); use auto or one of: sqlx, flyway,"
            ),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    // The same names everywhere: an alias and another case are the tool reconcile knows.
    for name in ["migrate", "Flyway", "AUTO"] {
        write(
            tmp.path(),
            "conf/preflight.toml",
            &format!("[migrations]\ntracker = \"{name}\"\n"),
        );
        preflight(tmp.path())
            .args([
                "--config",
                "conf/preflight.toml",
                "lint",
                "--tracker",
                name,
                "a.sql",
            ])
            .assert()
            .code(1);
    }
    let no_config = ["--config", "/dev/null"];
    for (flag, value, says) in [
        (
            "--tracker",
            "nope",
            "error: --tracker: unknown tracker `nope`; use auto or one of:",
        ),
        (
            "--select",
            "PF999",
            "error: --select: `PF999` matches no rule",
        ),
        (
            "--extend-select",
            "PF4,XX",
            "error: --extend-select: `XX` matches no rule",
        ),
        ("--ignore", "PF101,", "error: --ignore: an empty rule code"),
    ] {
        let out = preflight(tmp.path())
            .args(no_config)
            .args(["lint", flag, value, "a.sql"])
            .assert()
            .code(2)
            .get_output()
            .stderr
            .clone();
        let stderr = String::from_utf8(out).unwrap();
        assert!(stderr.starts_with(says), "{flag}: {stderr}");
    }
}

/// A `[migrations] dir` that is not there says so, naming the setting and the path it resolved
/// to, from every command that reads it (before: `…/migratons: no such file or directory`,
/// a path the user never typed).
#[test]
fn a_missing_migrations_dir_names_the_setting() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "preflight.toml",
        "[migrations]\ndir = \"migratons\"\n",
    );
    let says = format!(
        "preflight.toml: [migrations] dir = \"migratons\": {} does not exist (relative paths resolve against this file's directory)",
        tmp.path().canonicalize().unwrap().join("migratons").display()
    );
    let unreachable = "postgres://u@127.0.0.1:1/x";
    for args in [
        &["lint"][..],
        &["fix"],
        &["verify", "--dev-url", unreachable],
        &["reconcile", "--database-url", unreachable],
        &["check"],
    ] {
        let out = preflight(&tmp.path().canonicalize().unwrap())
            .args(args)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let printed = String::from_utf8_lossy(&out.stderr).to_string()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(printed.contains(&says), "{args:?}: {printed}");
    }
}

/// A MySQL migration linted as PostgreSQL (the default) says so, at the first backtick, and
/// nothing else: no `relation ""`, no "could not recognise". The file counts as not checked,
/// which fails the gate whatever `--fail-on` says unless unknowns are allowed; with the dialect
/// set it is linted as MySQL.
#[test]
fn a_mysql_file_read_as_postgres_is_reported_as_a_dialect_mismatch_only() {
    let tmp = tempfile::tempdir().unwrap();
    let sql = "CREATE TABLE `users` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\nALTER TABLE `users` ADD COLUMN `email` varchar(255) AFTER `id`;\n";
    write(tmp.path(), "001_init.sql", sql);
    let out = lint_json(tmp.path(), ["001_init.sql"], 1);
    let findings = json_findings(&out);
    assert_eq!(rule_lines(&findings), [("PF006".to_string(), 1)]);
    let f = &findings[0];
    assert_eq!(
        (f["column"].as_u64(), f["end_column"].as_u64()),
        (Some(14), Some(21))
    );
    assert_eq!(f["unknown"], true);
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("MySQL/MariaDB") && message.contains("--dialect mysql"),
        "{message}"
    );
    assert!(message.contains("dialect = \"mysql\""), "{message}");
    // Unknown is not pass: `--fail-on never` does not let it through, `--allow-unknown` does.
    lint_json(tmp.path(), ["--fail-on", "never", "001_init.sql"], 1);
    lint_json(tmp.path(), ["--allow-unknown", "001_init.sql"], 0);
    // The human summary counts the file as not checked.
    preflight(tmp.path())
        .args(["lint", "001_init.sql"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("1 could not be checked"));
    // With the dialect set, by flag or by preflight.toml, there is no PF006.
    let as_mysql = json_findings(&lint_json(
        tmp.path(),
        ["--dialect", "mysql", "001_init.sql"],
        1,
    ));
    assert!(!rule_codes(&as_mysql).contains(&"PF006".to_string()));
    assert!(rule_codes(&as_mysql).contains(&"PF101".to_string()));
    write(
        tmp.path(),
        "preflight.toml",
        "[lint]\ndialect = \"mysql\"\n",
    );
    let configured = json_findings(&lint_json(tmp.path(), ["001_init.sql"], 1));
    assert_eq!(rule_codes(&configured), rule_codes(&as_mysql));
}

/// A suppressed or ignored PF006 lints the file as it is, with every rule; the suppression
/// counts as used.
#[test]
fn a_suppressed_dialect_mismatch_lints_the_file_as_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "a.sql",
        "-- preflight: ignore-file PF006\nCREATE TABLE a (id int);\nCREATE TABLE `b` (id int);\n",
    );
    write(
        tmp.path(),
        "b.sql",
        "CREATE TABLE a (id int);\nCREATE TABLE `b` (id int);\n",
    );
    let suppressed = json_findings(&lint_json(tmp.path(), ["a.sql"], 1));
    assert_eq!(rule_codes(&suppressed), ["PF101", "PF101"]);
    let ignored = json_findings(&lint_json(tmp.path(), ["--ignore", "PF006", "b.sql"], 1));
    assert_eq!(rule_codes(&ignored), ["PF101", "PF101"]);
    let reported = json_findings(&lint_json(tmp.path(), ["b.sql"], 1));
    assert_eq!(rule_lines(&reported), [("PF006".to_string(), 2)]);
}

/// MariaDB's `BEGIN NOT ATOMIC … END` is a compound statement: the DDL after it is not inside
/// a transaction, so PF121 (DDL in a transaction commits implicitly) has nothing to say, while
/// the same DDL after a real `BEGIN` still gets it.
#[test]
fn a_mariadb_compound_statement_does_not_open_a_transaction() {
    let tmp = tempfile::tempdir().unwrap();
    let compound = write(
        tmp.path(),
        "compound.sql",
        "DELIMITER ;;\nBEGIN NOT ATOMIC SELECT 1; END;;\nDELIMITER ;\nCREATE TABLE IF NOT EXISTS t (id INT);\n",
    );
    let out = lint_json(
        tmp.path(),
        ["--dialect", "mariadb", compound.to_str().unwrap()],
        0,
    );
    assert_eq!(rule_codes(&json_findings(&out)), Vec::<String>::new());

    let transaction = write(
        tmp.path(),
        "transaction.sql",
        "BEGIN;\nCREATE TABLE IF NOT EXISTS t (id INT);\nCOMMIT;\n",
    );
    let out = lint_json(
        tmp.path(),
        ["--dialect", "mariadb", transaction.to_str().unwrap()],
        0,
    );
    assert_eq!(rule_codes(&json_findings(&out)), vec!["PF121".to_string()]);
}

/// `[lint] lower_case_table_names` and `--lower-case-table-names`: under 0 (the default, a
/// Linux server's) a MariaDB drop of `t` does not free `T`, so `CREATE TABLE T` fails on a
/// retry; under 1 or 2 the names are one table. A value the server's variable cannot take is
/// an error naming the setting.
#[test]
fn lower_case_table_names_decides_whether_t_and_capital_t_are_one_table() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "m.sql",
        "DROP TABLE IF EXISTS t;\nCREATE TABLE T (id int);\n",
    );
    let rules = |config: &str, extra: &[&str], code: i32| {
        write(tmp.path(), "preflight.toml", config);
        let args = ["--dialect", "mariadb", "m.sql"];
        let out = lint_json(tmp.path(), args.iter().chain(extra), code);
        json_findings(&out)
            .iter()
            .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(rules("", &[], 1), ["PF101"]);
    assert_eq!(
        rules("[lint]\nlower_case_table_names = 0\n", &[], 1),
        ["PF101"]
    );
    assert!(rules("[lint]\nlower_case_table_names = 1\n", &[], 0).is_empty());
    assert!(rules("", &["--lower-case-table-names", "2"], 0).is_empty());
    assert_eq!(
        rules(
            "[lint]\nlower_case_table_names = 1\n",
            &["--lower-case-table-names", "0"],
            1
        ),
        ["PF101"]
    );
    write(
        tmp.path(),
        "preflight.toml",
        "[lint]\nlower_case_table_names = 3\n",
    );
    preflight(tmp.path())
        .args(["lint", "m.sql"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "preflight.toml: [lint] lower_case_table_names: `3` is not 0, 1 or 2",
        ));
    preflight(tmp.path())
        .args([
            "--config",
            "/dev/null",
            "lint",
            "--lower-case-table-names",
            "9",
            "m.sql",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--lower-case-table-names: `9` is not 0, 1 or 2",
        ));
}
