//! Running the `preflight` binary as a user does, in a directory of the test's own, and the
//! files and git history such a test sets up there.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// `preflight` run in `dir` (a temporary directory, so no stray preflight.toml is picked up),
/// without colour.
pub fn preflight(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("preflight").expect("binary");
    cmd.current_dir(dir).env("NO_COLOR", "1");
    cmd
}

/// Writes `dir/name` (creating its directories) and returns its path.
pub fn write<B: AsRef<[u8]> + ?Sized>(dir: &Path, name: &str, bytes: &B) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).expect("create fixture directory");
    std::fs::write(&path, bytes).expect("write fixture");
    path
}

/// Runs git in `dir` as a throwaway identity; a failure fails the test with git's output.
pub fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@t"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// The `findings` of a JSON report.
pub fn json_findings(output: &[u8]) -> Vec<serde_json::Value> {
    let report: serde_json::Value = serde_json::from_slice(output).expect("JSON report");
    report["findings"].as_array().expect("findings").clone()
}

/// `(rule, line)` of each JSON finding, in report order.
pub fn rule_lines(findings: &[serde_json::Value]) -> Vec<(String, u64)> {
    findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").to_string(),
                f["line"].as_u64().expect("line"),
            )
        })
        .collect()
}

/// The file name (last path component) of a JSON finding.
pub fn file_name(finding: &serde_json::Value) -> String {
    let path = finding["path"].as_str().expect("path");
    path.rsplit('/').next().unwrap_or(path).to_string()
}
