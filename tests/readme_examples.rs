//! The README's walk-through, run as a newcomer runs it: every `console` block whose command is
//! `preflight …` is run from the repository root, and what it prints (stdout, then stderr, as
//! a terminal shows them: each command writes its stderr lines after its report) must be the
//! block's text. Reconcile gets a scratch database in the state `incident-state.sql` leaves;
//! check's report files go to a temporary directory.

mod common;

use common::ScratchDb;
use std::path::Path;

/// `(command line, expected output)` of each console block that runs preflight.
fn examples() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let mut out = Vec::new();
    let mut block: Option<Vec<&str>> = None;
    for line in readme.lines() {
        match (&mut block, line) {
            (None, "```console") => block = Some(Vec::new()),
            (Some(lines), "```") => {
                let at = lines.iter().rposition(|l| l.starts_with("$ preflight "));
                if let Some(at) = at {
                    let expected: String =
                        lines[at + 1..].iter().map(|l| format!("{l}\n")).collect();
                    out.push((lines[at][2..].to_string(), expected));
                }
                block = None;
            }
            (Some(lines), _) => lines.push(line),
            (None, _) => {}
        }
    }
    out
}

#[test]
fn every_walk_through_command_prints_what_the_readme_shows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reports = tempfile::tempdir().unwrap();
    let incident = ScratchDb::postgres();
    // As the README does it: psql runs the file (its `\ir` lines include the migrations).
    let state = std::process::Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
        ])
        .args([
            "-d",
            &incident.name,
            "-f",
            "migrations-sample/incident-state.sql",
        ])
        .current_dir(root)
        .output()
        .expect("psql is installed");
    assert!(state.status.success(), "{state:?}");
    let examples = examples();
    // The subcommand of each (after global options such as `--config FILE`).
    let commands: Vec<&str> = examples
        .iter()
        .map(|(c, _)| {
            let mut words = c.split_whitespace().skip(1);
            loop {
                match words.next() {
                    Some("--config") => {
                        words.next();
                    }
                    other => break other.unwrap_or(""),
                }
            }
        })
        .collect();
    assert_eq!(
        commands,
        ["lint", "fix", "reconcile", "verify", "parity", "check"],
        "the README's walk-through"
    );
    for (command, expected) in &examples {
        let args: Vec<String> = command
            .split_whitespace()
            .skip(1)
            .map(|arg| match arg {
                "postgres://postgres@127.0.0.1/incident" => incident.url.clone(),
                _ => match arg.split_once('=') {
                    Some((kind @ ("markdown" | "sarif" | "json" | "html"), file)) => {
                        format!("{kind}={}", reports.path().join(file).display())
                    }
                    _ => arg.to_string(),
                },
            })
            .collect();
        let out = common::cli::preflight(root)
            .args(&args)
            .output()
            .expect("run preflight");
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // The walk-through's exit codes: `fix --diff` writes nothing and passes, every other
        // step finds the incident.
        let code = if command.starts_with("preflight fix") {
            0
        } else {
            1
        };
        assert_eq!(out.status.code(), Some(code), "README: $ {command}");
        if printed != *expected {
            let diff = similar::TextDiff::from_lines(expected.as_str(), printed.as_str())
                .unified_diff()
                .header("README", "printed")
                .to_string();
            panic!("README: $ {command}\n{diff}");
        }
    }
}
