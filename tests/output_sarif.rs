//! SARIF 2.1.0: rule metadata, regions, fixes, results without a file; validated by the official
//! SARIF validator (`sarif-multitool validate`, npm `@microsoft/sarif-multitool`).

mod output_fixture;

use output_fixture::*;
use preflight::output::Format;
use serde_json::Value;
use std::process::Command;

fn sarif(report: &preflight::output::Report) -> Value {
    serde_json::from_str(&render(report, Format::Sarif, false)).expect("valid JSON")
}

#[test]
fn results_point_at_rules_regions_and_fixes() {
    let v = sarif(&check_report());
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], r["ruleId"],
            "ruleIndex points at its rule"
        );
    }
    let index = &results[1];
    assert_eq!(index["level"], "error");
    let region = &index["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(6), Some(15)),
        "columns count code points, not bytes, after the non-ASCII comment"
    );
    assert_eq!(
        index["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        MIGRATION
    );
    let replacement = &index["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "IF NOT EXISTS ");
    assert_eq!(
        replacement["deletedRegion"]["startColumn"],
        replacement["deletedRegion"]["endColumn"]
    );

    let missing = results.iter().find(|r| r["ruleId"] == "PA101").unwrap();
    assert_eq!(
        missing["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "production/DATABASE_URL"
    );
    // Code scanning needs a file for every result: environment findings point at their
    // `[environments.NAME]` section of preflight.toml, other file-less findings at its top.
    let anchor = &missing["locations"][0]["physicalLocation"];
    assert_eq!(anchor["artifactLocation"]["uri"], "preflight.toml");
    assert_eq!(anchor["region"]["startLine"], 7);
    let ck = results.iter().find(|r| r["ruleId"] == "CK101").unwrap();
    assert_eq!(
        ck["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    assert_eq!(ck["properties"]["unknown"], true);
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
}

#[test]
fn catalog_rules_carry_help_and_default_level() {
    let v = sarif(&lint_report());
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let ck = rules
        .iter()
        .find(|r| r["id"] == "CK102")
        .expect("CK102 from all_rules()");
    assert_eq!(ck["name"], "stage-not-configured");
    assert_eq!(ck["defaultConfiguration"]["level"], "error");
    assert!(ck["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("## Why it matters"));
    assert!(ck["fullDescription"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Reports a stage"));
    // The description is the document's "What it does", not a later paragraph.
    let pf101 = rules.iter().find(|r| r["id"] == "PF101").unwrap();
    let what_it_does = preflight::registry::find("PF101").unwrap().doc;
    let first_line = what_it_does.lines().nth(3).unwrap();
    assert!(
        pf101["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .starts_with(first_line),
        "{}",
        pf101["fullDescription"]
    );
}

/// Runs the official validator. Absent validator: skipped locally, a failure under `CI=true`.
#[test]
fn official_validator_accepts_the_output() {
    let available = Command::new("sarif-multitool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "sarif-multitool is not installed; install it with `npm install -g @microsoft/sarif-multitool`"
        );
        eprintln!("skipping: sarif-multitool not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sample = preflight::lint::lint_paths(
        &[std::path::PathBuf::from("migrations-sample/migrations")],
        &preflight::lint::LintOptions::default(),
    )
    .expect("lint the sample");
    assert!(
        !sample.findings.is_empty(),
        "the incident sample has findings"
    );
    for (name, report) in [
        ("check", check_report()),
        ("lint", lint_report()),
        ("sample", sample),
    ] {
        let file = dir.path().join(format!("{name}.sarif"));
        std::fs::write(&file, render(&report, Format::Sarif, false)).unwrap();
        let output_file = dir.path().join(format!("{name}.validation.sarif"));
        let out = Command::new("sarif-multitool")
            .arg("validate")
            .arg(&file)
            .arg("--output")
            .arg(&output_file)
            .output()
            .expect("run sarif-multitool");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: sarif-multitool rejected the output:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The validator writes its own SARIF log: every error or warning in it (a missing
        // `level` means warning) is a problem with ours, except SARIF2005 (`informationUri`:
        // preflight has no public home page to point to yet).
        let log: Value =
            serde_json::from_str(&std::fs::read_to_string(&output_file).unwrap()).unwrap();
        let results = log["runs"][0]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let problems: Vec<String> = results
            .iter()
            .filter(|r| r["level"].is_null() || r["level"] == "error" || r["level"] == "warning")
            .filter(|r| r["ruleId"] != "SARIF2005")
            .map(|r| format!("{} {}", r["ruleId"], r["message"]))
            .collect();
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
}
