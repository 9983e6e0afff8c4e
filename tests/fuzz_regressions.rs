//! Inputs `cargo fuzz` (fuzz/) found that broke lint or fix, minimized, each with what it broke.
//! The fuzz targets check these properties on any input; here they are pinned as plain tests.

use preflight::diagnostics::Finding;
use preflight::lint::{lint_source, LintOptions};
use preflight::source::SourceFile;
use preflight::sql::lexer::{lex_with, Engine};
use preflight::sql::Dialect;

/// Every rule, opt-in ones included, as the fuzz targets run them.
fn lint_all_rules(dialect: Dialect, sql: &str) -> Vec<Finding> {
    let options = LintOptions {
        dialect,
        select: vec!["PF".into()],
        ..LintOptions::default()
    };
    lint_source(&SourceFile::new("m.sql", sql), &options)
}

fn codes(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.rule.code).collect()
}

/// PF305 panicked ("ALTER TABLE with actions has a table") when the recogniser read actions
/// but no table name (`?` is not a name): the SET NOT NULL still scans whatever table it is.
#[test]
fn set_not_null_after_a_table_that_is_not_a_name_is_flagged() {
    let sql = "ALTER TABLE ?,ALTER U SET NOT NULL";
    let findings = lint_all_rules(Dialect::Postgres, sql);
    let pf305: Vec<_> = findings.iter().filter(|f| f.rule.code == "PF305").collect();
    assert_eq!(pf305.len(), 1, "{:?}", codes(&findings));
    assert!(
        pf305[0].message.contains("lock on the table"),
        "{}",
        pf305[0].message
    );
    // The statement is still reported as not understood.
    assert!(
        codes(&findings).contains(&"PF001"),
        "{:?}",
        codes(&findings)
    );
}

/// The lexer's fast path closed `/*/*/` at the `*/` whose `*` belongs to a nested `/*`, where
/// sqlparser (PostgreSQL nests comments) reads an unterminated comment.
#[test]
fn comment_opener_sharing_its_star_with_a_closer_lexes_as_sqlparser_does() {
    for dialect in [
        Dialect::Postgres,
        Dialect::Mysql,
        Dialect::Mariadb,
        Dialect::Sqlite,
    ] {
        for text in ["/*/*/", "/*/*/ SELECT 1; */", "SELECT 1 /*/*/;"] {
            let reference = lex_with(Engine::SqlparserOnly, dialect, text, 0..text.len());
            let fast = lex_with(Engine::FastPathFirst, dialect, text, 0..text.len());
            assert_eq!(fast.tokens, reference.tokens, "{dialect} {text:?}");
            assert_eq!(fast.error, reference.error, "{dialect} {text:?}");
        }
    }
}

/// PF309's `NOT VALID` split on a statement an unterminated quoted identifier runs to the end of
/// the file: `NOT VALID` went inside the quote and every fix round appended another `VALIDATE
/// CONSTRAINT` (fixing twice changed the text). Such a statement gets no split.
#[test]
fn a_not_valid_split_is_not_offered_for_a_statement_that_never_ends() {
    let sql = "ALTER TABLE \"sessions\" ADD CONSTRAINT \"sessions_nid_fk_idx\" FOREIGN KEY (\"\"id\") ON UPDATE RESTRICT ON DELETE CASCADE;";
    let options = LintOptions {
        dialect: Dialect::Postgres,
        select: vec!["PF".into()],
        ..LintOptions::default()
    };
    let once = preflight::fix::fix_source(&SourceFile::new("m.sql", sql), &options, true);
    let twice = preflight::fix::fix_source(
        &SourceFile::new("m.sql", once.fixed.as_str()),
        &options,
        true,
    );
    assert_eq!(twice.fixed, once.fixed);
    assert!(!once.fixed.contains("NOT VALID"), "{}", once.fixed);
    assert!(
        codes(&once.found).contains(&"PF002"),
        "{:?}",
        codes(&once.found)
    );
}

/// Any fix on a statement that never ends: a DO-block wrap put its `END $preflight$` inside the
/// unterminated string, so the "fixed" file hid the broken statement in a body (lint no longer
/// reported PF002) and still did not run. The statement keeps its findings, without a fix, and
/// says why.
#[test]
fn no_fix_is_offered_for_a_statement_that_never_ends() {
    let options = LintOptions {
        dialect: Dialect::Postgres,
        select: vec!["PF".into()],
        ..LintOptions::default()
    };
    for sql in [
        "ALTER TABLE accounts ADD CONSTRAINT c CHECK (name <> 'x);\n",
        "ALTER TABLE accounts ADD CONSTRAINT c UNIQUE (\"name);\n",
        "CREATE INDEX i ON accounts (lower(name)) WHERE name <> 'x;\n",
    ] {
        let outcome = preflight::fix::fix_source(&SourceFile::new("m.sql", sql), &options, true);
        assert_eq!(outcome.fixed, sql, "fixed a statement that never ends");
        assert!(
            codes(&outcome.found).contains(&"PF002"),
            "{:?}",
            codes(&outcome.found)
        );
        let retry = outcome
            .found
            .iter()
            .find(|f| matches!(f.rule.code, "PF102" | "PF116"))
            .expect("the retry finding stays");
        assert!(
            retry
                .notes
                .iter()
                .any(|n| n.starts_with("no fix: the statement never ends")),
            "{:?}",
            retry.notes
        );
    }
    // A statement before it that ends is fixed as usual.
    let sql = "CREATE TABLE a (id int);\nALTER TABLE a ADD CONSTRAINT c CHECK (id <> 'x);\n";
    let outcome = preflight::fix::fix_source(&SourceFile::new("m.sql", sql), &options, true);
    assert!(
        outcome.fixed.starts_with("CREATE TABLE IF NOT EXISTS a"),
        "{}",
        outcome.fixed
    );
}
