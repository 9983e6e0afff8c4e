//! The rule catalog: every lint rule has a document in `rules/` with the four sections, and
//! every documented example does what the document says — bad examples are flagged by that
//! rule, good examples are not.

mod common;

use common::rule_docs::assert_complete;
use preflight::lint::{lint_paths, lint_source, LintOptions, RULES};
use preflight::runner::Runner;
use preflight::source::SourceFile;
use preflight::sql::Dialect;

struct Example {
    sql: String,
    dialect: Dialect,
    bad: bool,
    /// `tracker=NAME`: the migration tool the example is linted for.
    tracker: Option<String>,
    /// `file=NAME`: the example is a file of that name, linted in a migrations directory of
    /// its own (rules that judge a file by its name and directory, PF007).
    file: Option<String>,
}

/// The ```sql examples; the info string may name a dialect (```sql mysql), a tool
/// (`tracker=flyway`) and a file name (`file=V2_add.sql`).
fn examples(doc: &str) -> Vec<Example> {
    common::rule_docs::examples(doc)
        .into_iter()
        .filter_map(|e| {
            let mut example = Example {
                sql: e.body,
                dialect: Dialect::Postgres,
                bad: e.bad,
                tracker: None,
                file: None,
            };
            for word in e.info.strip_prefix("sql")?.split_whitespace() {
                match word.split_once('=') {
                    Some(("tracker", name)) => example.tracker = Some(name.to_string()),
                    Some(("file", name)) => example.file = Some(name.to_string()),
                    _ => {
                        example.dialect = match word {
                            "postgres" => Dialect::Postgres,
                            "mysql" => Dialect::Mysql,
                            "mariadb" => Dialect::Mariadb,
                            "sqlite" => Dialect::Sqlite,
                            other => panic!("unknown dialect `{other}` in a fence"),
                        }
                    }
                }
            }
            Some(example)
        })
        .collect()
}

/// The rule codes lint reports on the example: on its text, or, with a file name, on that file
/// alone in a fresh migrations directory (linted as a directory, as `preflight lint DIR` does).
fn codes(rule: &str, example: &Example, n: usize) -> Vec<String> {
    let options = LintOptions {
        dialect: example.dialect,
        // Opt-in rules run when named.
        extend_select: vec![rule.to_string()],
        runner: example
            .tracker
            .as_deref()
            .map(|t| Runner::named(t).expect("a known tracker in a fence")),
        ..LintOptions::default()
    };
    let Some(file) = &example.file else {
        let source = SourceFile::new(format!("{rule}.sql"), example.sql.clone());
        return lint_source(&source, &options)
            .iter()
            .map(|f| f.rule.to_string())
            .collect();
    };
    let dir = std::env::temp_dir().join(format!(
        "preflight-rule-doc-{rule}-{n}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // `file=` may name a sub-directory (Diesel's `<VERSION>_<NAME>/up.sql`).
    std::fs::create_dir_all(dir.join(file).parent().unwrap()).unwrap();
    std::fs::write(dir.join(file), &example.sql).unwrap();
    let report = lint_paths(std::slice::from_ref(&dir), &options).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    report.findings.iter().map(|f| f.rule.to_string()).collect()
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
        for (n, example) in examples(rule.doc).into_iter().enumerate() {
            let flagged = codes(rule.code, &example, n).iter().any(|c| c == rule.code);
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
