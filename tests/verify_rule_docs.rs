//! The VF rule documents in `rules/`: each has the four sections, and each documented example
//! does what it says on the real PostgreSQL: `preflight verify` reports the rule for the bad
//! examples, and proves the good ones with no finding at all.

mod common;

use common::rule_docs::assert_complete;
use common::ScratchDb;
use preflight::verify::{verify, VerifyOptions, RULES};

/// The ```sql examples (no dialect: verify runs on PostgreSQL): `true` for a bad one.
fn examples(doc: &str) -> Vec<(bool, String)> {
    common::rule_docs::examples(doc)
        .into_iter()
        .filter(|e| e.info == "sql")
        .map(|e| (e.bad, e.body + "\n"))
        .collect()
}

#[test]
fn every_verify_rule_has_a_complete_document() {
    for rule in RULES {
        assert_complete(rule.code, rule.name, rule.doc);
        let examples = examples(rule.doc);
        assert!(
            examples.iter().any(|(bad, _)| *bad),
            "{} has no bad example",
            rule.code
        );
        assert!(
            examples.iter().any(|(bad, _)| !*bad),
            "{} has no good example",
            rule.code
        );
    }
}

#[tokio::test]
async fn documented_examples_behave_as_documented_on_postgres() {
    let db = ScratchDb::postgres();
    let mut failures = Vec::new();
    for rule in RULES {
        for (bad, sql) in examples(rule.doc) {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("001_example.sql"), &sql).unwrap();
            let report = verify(&VerifyOptions {
                dev_url: db.server_url.clone(),
                migrations_dir: dir.path().to_path_buf(),
                dialect: None,
                max_crash_points: 50,
                layout: None,
                apply_model: None,
            })
            .await
            .expect("verify runs");
            let codes: Vec<&str> = report.findings.iter().map(|f| f.code()).collect();
            let as_documented = if bad {
                codes.contains(&rule.code)
            } else {
                codes.is_empty()
            };
            if !as_documented {
                let kind = if bad { "bad" } else { "good" };
                failures.push(format!(
                    "{} {kind} example gave {codes:?}:\n{sql}",
                    rule.code
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
