//! The rule catalog: every lint rule has a document in `rules/` with the four sections, and
//! every documented example does what the document says — bad examples are flagged by that
//! rule, good examples are not.

use preflight::lint::{lint_source, LintOptions, RULES};
use preflight::source::SourceFile;
use preflight::sql::Dialect;

struct Example {
    sql: String,
    dialect: Dialect,
    bad: bool,
}

/// Fenced ```sql blocks; the info string may name a dialect (```sql mysql). Blocks under
/// "## Example" are bad, blocks under "## Use instead" are good.
fn examples(doc: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut section = "";
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if let Some(title) = line.strip_prefix("## ") {
            section = match title.trim() {
                "Example" => "bad",
                "Use instead" => "good",
                _ => "",
            };
            continue;
        }
        let Some(info) = line.strip_prefix("```sql") else {
            continue;
        };
        let dialect = match info.trim() {
            "" | "postgres" => Dialect::Postgres,
            "mysql" => Dialect::Mysql,
            "mariadb" => Dialect::Mariadb,
            "sqlite" => Dialect::Sqlite,
            other => panic!("unknown dialect `{other}` in a fence"),
        };
        let sql: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        if !section.is_empty() {
            out.push(Example {
                sql: sql.join("\n"),
                dialect,
                bad: section == "bad",
            });
        }
    }
    out
}

#[test]
fn every_rule_has_a_complete_document() {
    for rule in RULES.iter() {
        let doc = rule.doc;
        assert!(
            doc.starts_with(&format!("# {} {}\n", rule.code, rule.name)),
            "{}: the title must be `# CODE name`",
            rule.code
        );
        for section in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Use instead",
        ] {
            assert!(doc.contains(section), "{} lacks `{section}`", rule.code);
        }
        let ex = examples(doc);
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
