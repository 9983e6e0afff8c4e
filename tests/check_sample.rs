//! `preflight check` on `migrations-sample` (offline: the staging and production snapshots):
//! the gate fails on the incident's lint and parity root causes (and the second incident's
//! connection pool), with every report written.

use assert_cmd::Command;
use std::path::Path;

#[test]
fn the_sample_fails_the_gate_on_the_incident() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample");
    let out_dir = tempfile::tempdir().unwrap();
    let sarif = out_dir.path().join("preflight.sarif");
    let html = out_dir.path().join("report.html");
    let output = Command::cargo_bin("preflight")
        .unwrap()
        .current_dir(&sample)
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(["--color=never", "check", "--report", "json=-"])
        .arg("--report")
        .arg(format!("sarif={}", sarif.display()))
        .arg("--report")
        .arg(format!("html={}", html.display()))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<(String, String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let at = f["path"]
                .as_str()
                .or(f["subject"].as_str())
                .unwrap_or_default();
            (
                f["stage"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                at.to_string(),
            )
        })
        .collect();
    let expected = [
        ("lint", "PF101", "migrations/20240115_add_user_profiles.sql"),
        ("lint", "PF102", "migrations/20240115_add_user_profiles.sql"),
        ("parity", "PA301", "DATABASE_URL"),
        ("parity", "PA401", "DATABASE_URL"),
        ("parity", "PA501", "REDIS_HOST"),
        // The second incident: DB_POOL_MIN=50 against production's 40 connections.
        ("parity", "PA601", "connections"),
        ("parity", "PA603", "connections"),
    ]
    .map(|(s, r, a)| (s.to_string(), r.to_string(), a.to_string()));
    assert_eq!(found, expected);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "preflight check failed: lint failed (2 errors); parity failed (4 errors, 1 warning); not configured: reconcile, verify\n"
    );
    // The parity matrix reaches the HTML report with coloured cells.
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<h2>Environment parity</h2>"));
    assert!(page.contains("class=\"cell-error\""));
    // Parity findings are anchored to the production section of the sample's preflight.toml.
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let pa301 = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "PA301")
        .unwrap();
    let anchor = &pa301["locations"][0]["physicalLocation"];
    assert_eq!(anchor["artifactLocation"]["uri"], "preflight.toml");
    let config = std::fs::read_to_string(sample.join("preflight.toml")).unwrap();
    let line = anchor["region"]["startLine"].as_u64().unwrap() as usize;
    assert_eq!(
        config.lines().nth(line - 1),
        Some("[environments.production]")
    );
}
