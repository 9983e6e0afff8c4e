//! The JSON format: version 1, the documented per-finding fields, command extras and summary.

mod output_fixture;

use output_fixture::*;
use preflight::output::Format;
use serde_json::{json, Value};

fn parse(report: &preflight::output::Report) -> Value {
    serde_json::from_str(&render(report, Format::Json, false)).expect("valid JSON")
}

#[test]
fn lint_report_has_the_documented_shape() {
    let v = parse(&lint_report());
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["version", "command", "findings", "summary"]);
    assert_eq!(v["version"], 1);
    let f = &v["findings"][1];
    assert_eq!(f["rule"], "PF102");
    assert_eq!(f["name"], "create-index-without-if-not-exists");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["path"], MIGRATION);
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(6), Some(15))
    );
    assert_eq!(
        (f["end_line"].as_u64(), f["end_column"].as_u64()),
        (Some(6), Some(53))
    );
    assert_eq!(f["fix"]["applicability"], "safe");
    assert_eq!(f["fix"]["edits"][0]["content"], "IF NOT EXISTS ");
    assert_eq!(
        v["summary"],
        json!({"files": 1, "findings": 2, "errors": 2, "warnings": 0, "infos": 0, "unknown": 0, "fixable": 2})
    );
}

#[test]
fn check_report_carries_verdict_stages_and_environment_fields() {
    let mut report = check_report();
    report.json_extra.insert(
        "parity".into(),
        json!({"environments": ["staging", "production"]}),
    );
    let v = parse(&report);
    assert_eq!(v["command"], "check");
    assert_eq!(v["verdict"]["outcome"], "error");
    assert_eq!(v["verdict"]["stages"][1]["status"], "not_checked");
    assert_eq!(v["verdict"]["not_configured"], json!(["verify"]));
    assert_eq!(v["parity"]["environments"][1], "production");
    let missing = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PA101")
        .unwrap();
    assert_eq!(missing["environment"], "production");
    assert_eq!(missing["subject"], "DATABASE_URL");
    assert_eq!(missing["stage"], "parity");
    assert_eq!(missing["path"], Value::Null);
    let unknown = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["unknown"] == true)
        .count();
    assert_eq!(unknown, 2);
}

#[test]
fn snapshot() {
    insta::assert_snapshot!(render(&check_report(), Format::Json, false));
}
