//! The rule catalog: every lint rule has a document in `rules/` with the four sections, and
//! every documented example does what the document says — bad examples are flagged by that
//! rule, good examples are not.

mod common;

use common::rule_docs::assert_complete;
use preflight::lint::{lint_source, LintOptions, RULES};
use preflight::source::SourceFile;
use preflight::sql::Dialect;

struct Example {
    sql: String,
    dialect: Dialect,
    bad: bool,
}

/// The ```sql examples; the info string may name a dialect (```sql mysql).
fn examples(doc: &str) -> Vec<Example> {
    common::rule_docs::examples(doc)
        .into_iter()
        .filter_map(|e| {
            let dialect = match e.info.strip_prefix("sql")?.trim() {
                "" | "postgres" => Dialect::Postgres,
                "mysql" => Dialect::Mysql,
                "mariadb" => Dialect::Mariadb,
                "sqlite" => Dialect::Sqlite,
                other => panic!("unknown dialect `{other}` in a fence"),
            };
            Some(Example {
                sql: e.body,
                dialect,
                bad: e.bad,
            })
        })
        .collect()
}

#[test]
fn every_rule_has_a_complete_document() {
    for rule in RULES.iter() {
        assert_complete(rule.code, rule.name, rule.doc);
        let ex = examples(rule.doc);
        assert!(ex.iter().any(|e| e.bad), "{} has no bad example", rule.code);
        assert!(
            ex.iter().any(|e| !e.bad),
            "{} has no good example",
            rule.code
        );
    }
}

#[test]
fn documented_examples_behave_as_documented() {
    let mut failures = Vec::new();
    for rule in RULES.iter() {
        for example in examples(rule.doc) {
            // `PF` selects every rule; naming the rule also runs it when it is opt-in.
            let options = LintOptions {
                dialect: example.dialect,
                // Opt-in rules run when named.
                extend_select: vec![rule.code.to_string()],
                ..LintOptions::default()
            };
            let source = SourceFile::new(format!("{}.sql", rule.code), example.sql.clone());
            let flagged = lint_source(&source, &options)
                .iter()
                .any(|f| f.rule == rule.code);
            if flagged != example.bad {
                failures.push(format!(
                    "{} ({}) {} example {}:\n{}",
                    rule.code,
                    example.dialect,
                    if example.bad { "bad" } else { "good" },
                    if example.bad {
                        "is not flagged"
                    } else {
                        "is flagged"
                    },
                    example.sql
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let mut codes: Vec<_> = RULES.iter().map(|r| r.code).collect();
    let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
    codes.sort_unstable();
    names.sort_unstable();
    codes.dedup();
    names.dedup();
    assert_eq!(codes.len(), RULES.len());
    assert_eq!(names.len(), RULES.len());
    for r in RULES.iter() {
        assert!(r.code.starts_with("PF") && r.code.len() == 5, "{}", r.code);
        assert!(
            r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            r.name
        );
    }
}
