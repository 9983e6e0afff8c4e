//! The VF rule documents in `rules/`: each has the four sections, and each documented example
//! does what it says on the real PostgreSQL: `preflight verify` reports the rule for the bad
//! examples, and proves the good ones with no finding at all.

mod common;

use common::ScratchDb;
use preflight::verify::{verify, VerifyOptions, RULES};

/// Fenced ```sql blocks: `true` under "## Example", `false` under "## Use instead".
fn examples(doc: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut section = None;
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if let Some(title) = line.strip_prefix("## ") {
            section = match title.trim() {
                "Example" => Some(true),
                "Use instead" => Some(false),
                _ => None,
            };
            continue;
        }
        if line.trim() != "```sql" {
            continue;
        }
        let sql: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        if let Some(bad) = section {
            out.push((bad, sql.join("\n") + "\n"));
        }
    }
    out
}

#[test]
fn every_verify_rule_has_a_complete_document() {
    for rule in RULES {
        assert!(
            rule.doc
                .starts_with(&format!("# {} {}\n", rule.code, rule.name)),
            "{}: the title must be `# CODE name`",
            rule.code
        );
        for section in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Use instead",
        ] {
            assert!(
                rule.doc.contains(section),
                "{} lacks `{section}`",
                rule.code
            );
        }
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
