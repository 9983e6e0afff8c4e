//! `preflight check` end to end: exit codes, verdict line, several reports in one run, colour,
//! completions and --version.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn project(toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("preflight.toml"), toml).unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    dir
}

fn preflight(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("preflight").unwrap();
    cmd.current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("NO_COLOR");
    cmd
}

/// Reconcile asked for without a database URL setting: not checked, and that fails the gate.
const UNCONFIGURED_RECONCILE: &str =
    "[migrations]\ndir = \"migrations\"\n[check]\nstages = [\"reconcile\"]\n";

#[test]
fn nothing_configured_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    preflight(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("nothing to check")
                .and(predicate::str::is_match("^error: [^\n]*\n$").unwrap()),
        );
}

#[test]
fn unknown_report_kind_is_a_usage_error_before_anything_runs() {
    let dir = project(UNCONFIGURED_RECONCILE);
    preflight(dir.path())
        .args(["check", "--report", "pdf=out.pdf"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown report kind `pdf`"));
}

#[test]
fn requested_but_unconfigured_stage_is_not_checked_and_fails() {
    let dir = project(UNCONFIGURED_RECONCILE);
    preflight(dir.path())
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("CK102").and(predicate::str::contains(
            "preflight check failed: reconcile not checked (`[migrations] database_url_env` is not set)",
        )));
}

#[test]
fn allow_unknown_lets_it_pass() {
    let dir = project(&format!("{UNCONFIGURED_RECONCILE}allow_unknown = true\n"));
    preflight(dir.path()).arg("check").assert().code(0);
}

#[test]
fn several_reports_in_one_run() {
    let dir = project(UNCONFIGURED_RECONCILE);
    preflight(dir.path())
        .args([
            "check",
            "--report",
            "json=out.json",
            "--report",
            "sarif=out.sarif",
            "--report",
            "markdown=summary.md",
            "--report",
            "html=report.html",
        ])
        .assert()
        .code(1)
        .stdout("")
        // No human report on stdout: the verdict goes to stderr.
        .stderr(predicate::str::starts_with("preflight check failed: "));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    assert_eq!(json["verdict"]["outcome"], "fail");
    assert_eq!(json["findings"][0]["stage"], "reconcile");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "CK102");
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "preflight.toml",
        "a file-less finding is anchored to the config for code scanning"
    );
    let md = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(md.starts_with("## ❌ preflight check: failed"), "{md}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("class=\"verdict outcome-fail\""));
}

#[test]
fn json_on_stdout_stays_machine_readable() {
    let dir = project(UNCONFIGURED_RECONCILE);
    let out = preflight(dir.path())
        .args(["check", "--report", "json=-"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(json["command"], "check");
}

#[test]
fn markdown_appends_to_the_github_step_summary() {
    let dir = project(UNCONFIGURED_RECONCILE);
    let summary = dir.path().join("step_summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    preflight(dir.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--report"])
        .arg(format!("markdown={}", summary.display()))
        .assert()
        .code(1);
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("# earlier step\n## ❌ preflight check"),
        "{text}"
    );
}

#[test]
fn two_reports_on_stdout_are_refused() {
    let dir = project(UNCONFIGURED_RECONCILE);
    preflight(dir.path())
        .args(["check", "--report", "human", "--report", "json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only one report can go to stdout"));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let dir = project(UNCONFIGURED_RECONCILE);
    preflight(dir.path())
        .args(["--color", "always", "check"])
        .assert()
        .stdout(predicate::str::contains("\u{1b}["));
    preflight(dir.path())
        .args(["--color", "never", "check"])
        .assert()
        .stdout(predicate::str::contains("\u{1b}[").not());
    preflight(dir.path())
        .env("NO_COLOR", "1")
        .args(["--color", "auto", "check"])
        .assert()
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn quiet_and_verbose() {
    let dir = project(UNCONFIGURED_RECONCILE);
    preflight(dir.path())
        .args(["--verbose", "check", "--report", "json=out.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "reconcile: running\nreconcile: not checked in ",
        ));
    preflight(dir.path())
        .args(["--quiet", "check", "--report", "json=out.json"])
        .assert()
        .code(1)
        .stderr("");
}

#[test]
fn version_and_completions() {
    let dir = tempfile::tempdir().unwrap();
    preflight(dir.path())
        .arg("--version")
        .assert()
        .code(0)
        .stdout(format!("preflight {}\n", env!("CARGO_PKG_VERSION")));
    preflight(dir.path())
        .args(["completions", "bash"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("complete -F").and(predicate::str::contains("--report")));
    preflight(dir.path())
        .args(["completions", "zsh"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("#compdef preflight"));
}

/// A report file whose directory does not exist (or a directory given as the file) is refused
/// before any stage runs, naming the `--report` argument, rather than after the whole gate.
#[test]
fn a_report_file_with_nowhere_to_go_is_refused_before_anything_runs() {
    let dir = project(UNCONFIGURED_RECONCILE);
    for (spec, says) in [
        (
            "json=out/report.json",
            "error: --report json=out/report.json: the directory out does not exist; create it first\n",
        ),
        (
            "sarif=migrations",
            "error: --report sarif=migrations: migrations is a directory; name a file in it\n",
        ),
    ] {
        preflight(dir.path())
            .args(["check", "--verbose", "--report", "human", "--report", spec])
            .assert()
            .code(2)
            .stdout("")
            // --verbose names each stage as it starts: none did.
            .stderr(says);
    }
}
