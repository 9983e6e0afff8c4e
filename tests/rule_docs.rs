//! The documents of every rule family (`rules/CODE.md`, registered in `preflight::registry`):
//! each has the four sections, names only codes that exist, and every example written in an
//! executable form is executed:
//!
//! - lint (`PF`) and verify (`VF`) examples run in `lint_rule_docs.rs` and `verify_rule_docs.rs`;
//! - parity (`PA`): a ```` ```json production ```` block is a set of JSON pointers applied to a
//!   copy of the sample staging snapshot; the copy runs through the offline parity checks;
//! - check (`CK`): a ```` ```toml preflight.toml ```` block is the configuration `preflight check`
//!   runs with, in an empty project;
//! - reconcile (`RC`) examples need a tracker table in a live database; they are checked for
//!   their structure only (`STRUCTURAL_ONLY` lists every rule whose examples are not executed).
//!
//! Examples under "## Example" must produce the rule's code; those under "## Use instead" must not.

mod common;

use assert_cmd::Command;
use common::rule_docs::{assert_complete, examples, Example};
use preflight::diagnostics::RuleInfo;
use preflight::parity::{run_checks, CheckSettings, Environment, Snapshot};
use preflight::registry;
use std::collections::BTreeSet;
use std::path::Path;

/// Rules whose examples are prose or need a live database or AWS, so no test executes them.
const STRUCTURAL_ONLY: &[&str] = &[
    "RC101", "RC102", "RC103", "RC104", "RC105", "RC106", "RC107", "RC108", "RC109", "RC110",
    "RC111", "RC113", "RC114", "PA202", "PA303", "PA304", "PA305", "PA402", "PA404", "PA405",
    "PA502", "PA203", "PA308", "PA406", "PA407", "PA504", "PA601", "PA602", "PA603", "PA604",
    "PA109", "PA110", "PA111", "PA112", "PA309", "PA408", "PA409", "PA410",
];

#[test]
fn every_registered_rule_has_a_complete_document() {
    for rule in registry::all() {
        let doc = rule.doc;
        assert_complete(rule.code, rule.name, doc);
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("rules/{}.md", rule.code));
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            Some(doc),
            "{}: the registered document must be rules/{}.md",
            rule.code,
            rule.code
        );
    }
}

#[test]
fn every_document_in_rules_belongs_to_a_registered_rule() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let code = name.trim_end_matches(".md");
        assert!(
            registry::find(code).is_some_and(|r| r.code == code),
            "rules/{name} documents no registered rule"
        );
    }
}

/// `PF101`, `RC104`, … wherever they appear in a text.
fn codes_in(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut out = BTreeSet::new();
    for i in 0..bytes.len().saturating_sub(4) {
        let prefix = &bytes[i..i + 2];
        let boundary_before = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let boundary_after = bytes.get(i + 5).is_none_or(|b| !b.is_ascii_alphanumeric());
        if [b"PF", b"RC", b"VF", b"PA", b"CK"].contains(&prefix.try_into().unwrap())
            && bytes[i + 2..i + 5].iter().all(u8::is_ascii_digit)
            && boundary_before
            && boundary_after
        {
            out.insert(text[i..i + 5].to_string());
        }
    }
    out
}

#[test]
fn every_code_a_document_or_the_readme_names_exists() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let texts = registry::all()
        .map(|r| (r.code.to_string(), r.doc.to_string()))
        .chain([("README.md".to_string(), readme)]);
    for (whose, text) in texts {
        for code in codes_in(&text) {
            assert!(
                registry::find(&code).is_some(),
                "{whose} names {code}, which is not a rule"
            );
        }
    }
}

#[test]
fn structural_only_lists_exactly_the_rules_whose_examples_are_not_executed() {
    for rule in registry::all() {
        let executable: Vec<Example> = examples(rule.doc)
            .into_iter()
            .filter(|e| is_executable(rule, e))
            .collect();
        let both = executable.iter().any(|e| e.bad) && executable.iter().any(|e| !e.bad);
        assert_eq!(
            !both,
            STRUCTURAL_ONLY.contains(&rule.code),
            "{}: either give it an executed bad and good example, or list it in STRUCTURAL_ONLY",
            rule.code
        );
    }
}

/// The example forms the tests execute, per family.
fn is_executable(rule: &RuleInfo, e: &Example) -> bool {
    match &rule.code[..2] {
        "PF" | "VF" => e.info.starts_with("sql"),
        "PA" => e.info == "json production",
        "CK" => e.info == "toml preflight.toml",
        _ => false,
    }
}

fn staging() -> Snapshot {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/snapshots/staging.json");
    Snapshot::load(&path).expect("sample snapshot")
}

/// Staging's snapshot copied into production's account and names, with `pointers` set.
fn production(pointers: &serde_json::Map<String, serde_json::Value>) -> Snapshot {
    let text = staging()
        .to_json()
        .replace("111111111111", "222222222222")
        .replace("staging", "production");
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    for (pointer, new) in pointers {
        *value
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer} is not in the sample snapshot")) = new.clone();
    }
    Snapshot::parse(Path::new("production.json"), &value.to_string()).expect("edited snapshot")
}

#[test]
fn parity_examples_are_run_through_the_offline_checks() {
    let mut executed = 0;
    for rule in preflight::parity::RULES {
        for e in examples(rule.doc).iter().filter(|e| is_executable(rule, e)) {
            let pointers: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&e.body).unwrap_or_else(|err| {
                    panic!("{}: the example is not a JSON object: {err}", rule.code)
                });
            let envs = [
                Environment::new("staging", None, staging()),
                Environment::new("production", None, production(&pointers)),
            ];
            let report = run_checks(&envs, &CheckSettings::default());
            let reported = report.findings.iter().any(|f| f.rule == rule.code);
            assert_eq!(
                reported,
                e.bad,
                "{}: the {} example {}\n{}\nfindings: {:?}",
                rule.code,
                if e.bad { "bad" } else { "good" },
                if e.bad {
                    "is not reported"
                } else {
                    "is reported"
                },
                e.body,
                report
                    .findings
                    .iter()
                    .map(|f| (f.code(), &f.message))
                    .collect::<Vec<_>>()
            );
            executed += 1;
        }
    }
    assert!(executed >= 20, "only {executed} parity examples ran");
}

#[test]
fn check_examples_are_run_by_preflight_check() {
    let mut executed = 0;
    for rule in preflight::check::RULES {
        for e in examples(rule.doc).iter().filter(|e| is_executable(rule, e)) {
            let project = tempfile::tempdir().unwrap();
            std::fs::create_dir(project.path().join("migrations")).unwrap();
            // One clean migration: a migrations directory with nothing to lint is itself an
            // error (the lint stage is then not checked, CK101), which no example is about.
            std::fs::write(
                project.path().join("migrations/1_init.sql"),
                "CREATE TABLE IF NOT EXISTS t (id int);\n",
            )
            .unwrap();
            std::fs::write(project.path().join("preflight.toml"), &e.body).unwrap();
            let out = Command::cargo_bin("preflight")
                .unwrap()
                .current_dir(project.path())
                .env_remove("DATABASE_URL")
                .env_remove("DATABASE_URL_FOR_DOCS")
                .args(["check", "--report", "json=-", "--color", "never"])
                .output()
                .unwrap();
            let json: serde_json::Value =
                serde_json::from_slice(&out.stdout).unwrap_or_else(|err| {
                    panic!(
                        "{}: no JSON report ({err}); stderr: {}",
                        rule.code,
                        String::from_utf8_lossy(&out.stderr)
                    )
                });
            let reported = json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["rule"] == rule.code);
            assert_eq!(
                reported, e.bad,
                "{}: example\n{}\n{json}",
                rule.code, e.body
            );
            executed += 1;
        }
    }
    assert_eq!(executed, 4);
}
