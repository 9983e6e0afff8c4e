//! One gate for every command: `lint`, `check --stage lint` and `fix --check` exit the same way
//! on the same file, for every mix of findings (error, warning, info, unknown), every
//! `--fail-on` and with or without `--allow-unknown`; and unknown fails unless allowed.

use assert_cmd::Command;
use std::path::Path;

/// One statement per kind of finding (PostgreSQL).
const ERROR: &str = "CREATE TABLE t (id int);\n"; // PF101, error
const WARNING: &str = "INSERT INTO roles (name) VALUES ('admin');\n"; // PF119, warning
const INFO: &str = "\\set ON_ERROR_STOP on\n"; // PF003, info
const UNKNOWN: &str = "FROBNICATE the_table WITH gusto;\n"; // PF001, unknown

const FAIL_ON: [&str; 4] = ["error", "warning", "info", "never"];

fn preflight(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("preflight").unwrap();
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

fn exit_code(cmd: &mut Command) -> i32 {
    let out = cmd.output().unwrap();
    out.status.code().expect("exit code")
}

/// A project with `[migrations] dir = "migrations"` holding one file, plus `toml`.
fn project(sql: &str, toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("preflight.toml"),
        format!("[migrations]\ndir = \"migrations\"\n{toml}"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    std::fs::write(dir.path().join("migrations/001.sql"), sql).unwrap();
    dir
}

/// The exit codes of the three commands, with `extra` flags.
fn three_exit_codes(dir: &Path, extra: &[&str]) -> [i32; 3] {
    [
        exit_code(preflight(dir).arg("lint").arg("migrations").args(extra)),
        exit_code(
            preflight(dir)
                .args(["check", "--stage", "lint"])
                .args(extra),
        ),
        exit_code(
            preflight(dir)
                .args(["fix", "--check", "migrations"])
                .args(extra),
        ),
    ]
}

/// What the README promises: a finding at or above the threshold fails; an unknown finding
/// fails whatever the threshold unless allowed.
fn expected(kinds: [bool; 4], fail_on: &str, allow_unknown: bool) -> i32 {
    let [error, warning, info, unknown] = kinds;
    let reached = match fail_on {
        "error" => error,
        "warning" => error || warning,
        "info" => error || warning || info,
        _ => false,
    };
    i32::from(reached || (unknown && !allow_unknown))
}

#[test]
fn lint_check_and_fix_check_exit_alike_for_every_mix_of_findings() {
    let mut mismatches = Vec::new();
    for mask in 0u8..16 {
        let kinds = [0, 1, 2, 3].map(|bit| mask & (1 << bit) != 0);
        let sql: String = [ERROR, WARNING, INFO, UNKNOWN]
            .iter()
            .zip(kinds)
            .filter(|(_, on)| *on)
            .map(|(s, _)| *s)
            .collect();
        let dir = project(&sql, "");
        for fail_on in FAIL_ON {
            for allow_unknown in [false, true] {
                let mut flags = vec!["--fail-on", fail_on];
                if allow_unknown {
                    flags.push("--allow-unknown");
                }
                let want = expected(kinds, fail_on, allow_unknown);
                let got = three_exit_codes(dir.path(), &flags);
                if got != [want; 3] {
                    mismatches.push(format!(
                        "{kinds:?} (error, warning, info, unknown) {flags:?}: lint, check, fix --check gave {got:?}, expected {want}"
                    ));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn the_same_settings_from_preflight_toml_give_the_same_exit_codes() {
    // [lint] outranks [check]; the flag outranks both.
    let cases: [(&str, &str, &[&str], i32); 7] = [
        ("[check]\nfail_on = \"warning\"\n", WARNING, &[], 1),
        (
            "[lint]\nfail_on = \"error\"\n[check]\nfail_on = \"warning\"\n",
            WARNING,
            &[],
            0,
        ),
        ("[check]\nallow_unknown = true\n", UNKNOWN, &[], 0),
        (
            "[lint]\nallow_unknown = false\n[check]\nallow_unknown = true\n",
            UNKNOWN,
            &[],
            1,
        ),
        ("[lint]\nfail_on = \"never\"\n", ERROR, &[], 0),
        ("[lint]\nfail_on = \"never\"\n", UNKNOWN, &[], 1),
        (
            "[lint]\nfail_on = \"never\"\n",
            ERROR,
            &["--fail-on", "error"],
            1,
        ),
    ];
    for (toml, sql, flags, want) in cases {
        let dir = project(sql, toml);
        assert_eq!(
            three_exit_codes(dir.path(), flags),
            [want; 3],
            "{toml} with {sql:?} {flags:?}"
        );
    }
}
#[test]
fn an_unrecognised_alter_table_action_is_unknown_and_fails_unless_allowed() {
    let dir = project("ALTER TABLE a FROBNICATE;\n", "");
    let out = preflight(dir.path())
        .args(["lint", "--format", "json", "migrations"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["rule"], "PF001");
    assert_eq!(f["unknown"], true);
    // The span is the part that was not understood: `FROBNICATE`, columns 15 to 25.
    assert_eq!(
        (&f["line"], &f["column"], &f["end_line"], &f["end_column"]),
        (&1.into(), &15.into(), &1.into(), &25.into())
    );
    assert_eq!(
        three_exit_codes(dir.path(), &["--allow-unknown"]),
        [0, 0, 0]
    );
    assert_eq!(three_exit_codes(dir.path(), &[]), [1, 1, 1]);
}

/// `preflight … 2>&1 | head` closes stderr before preflight is done: the notes and the
/// verdict line are lost, but the run must not panic (exit 101); it exits as it would have.
#[test]
fn a_closed_stderr_loses_lines_but_keeps_the_exit_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = root.join("migrations-sample");
    let config = sample.join("preflight.toml");
    let migrations = sample.join("migrations");
    let cases: [(&[&std::ffi::OsStr], i32); 4] = [
        // lint's note on the unknown migration tool, after the report
        (&["lint".as_ref(), migrations.as_os_str()], 1),
        // fix's summary and notes
        (
            &["fix".as_ref(), "--diff".as_ref(), migrations.as_os_str()],
            0,
        ),
        // check's verdict line goes to stderr when stdout carries JSON
        (
            &[
                "--config".as_ref(),
                config.as_os_str(),
                "check".as_ref(),
                "--report".as_ref(),
                "json=-".as_ref(),
            ],
            1,
        ),
        // an error line
        (&["lint".as_ref(), "absent.sql".as_ref()], 2),
    ];
    for (args, code) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("preflight"))
            .args(args)
            .current_dir(tmp.path())
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end at once: every write to stderr fails with a broken pipe.
        drop(child.stderr.take());
        let mut stdout = Vec::new();
        std::io::Read::read_to_end(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "{args:?}");
    }
}

/// `preflight … | head` closes stdout early: the output ends there, the run does not. No
/// error line, and the exit code is the run's own, as `check` already did.
#[test]
fn a_closed_stdout_ends_the_output_not_the_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sample = root.join("migrations-sample");
    let config = sample.join("preflight.toml");
    let migrations = sample.join("migrations");
    let (m, c) = (migrations.to_str().unwrap(), config.to_str().unwrap());
    let cases: [(&[&str], i32); 10] = [
        (&["rules"], 0),
        (&["completions", "bash"], 0),
        (&["completions", "zsh"], 0),
        (&["rules", "--json"], 0),
        (&["explain", "PF101"], 0),
        (&["lint", m], 1),
        (&["lint", "--format", "json", m], 1),
        (&["lint", "--format", "markdown", m], 1),
        (&["fix", "--diff", m], 0),
        (&["--config", c, "parity"], 1),
    ];
    for (args, code) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("preflight"))
            .args(args)
            .current_dir(tmp.path())
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let mut stderr = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
}
