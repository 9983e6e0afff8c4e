//! A quote or comment that never ends inside a PostgreSQL DO body or routine body: the file
//! lexes (the outer dollar quote closes), but PostgreSQL rejects the block or routine when it
//! reads the body (`unterminated quoted string`), on the first run already.

use preflight::diagnostics::Finding;
use preflight::fix::fix_source;
use preflight::lint::{lint_source, LintOptions};
use preflight::source::SourceFile;
use preflight::sql::Dialect;

fn options() -> LintOptions {
    LintOptions {
        dialect: Dialect::Postgres,
        ..LintOptions::default()
    }
}

fn lint(sql: &str) -> Vec<Finding> {
    lint_source(&SourceFile::new("m.sql", sql), &options())
}

#[test]
fn an_unterminated_string_in_a_do_body_is_reported_where_it_starts() {
    let sql = "DO $$ BEGIN\n  CREATE TABLE t (c text DEFAULT 'x);\n  CREATE TABLE u (id int);\nEND $$;\nCREATE TABLE v (id int);\n";
    let findings = lint(sql);
    let pf002: Vec<_> = findings.iter().filter(|f| f.rule.code == "PF002").collect();
    assert_eq!(pf002.len(), 1, "{findings:#?}");
    let start = pf002[0].location.start.expect("a position");
    assert_eq!((start.line, start.column), (2, 34));
    assert!(pf002[0].unknown, "the rest of the body was not checked");
    assert!(
        pf002[0].message.contains("rejects the DO block"),
        "{}",
        pf002[0].message
    );
}

#[test]
fn an_unterminated_string_in_a_routine_body_is_reported() {
    let sql =
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 'a;\nEND $$;\n";
    let findings = lint(sql);
    let pf002: Vec<_> = findings.iter().filter(|f| f.rule.code == "PF002").collect();
    assert_eq!(pf002.len(), 1, "{findings:#?}");
    let start = pf002[0].location.start.expect("a position");
    assert_eq!((start.line, start.column), (3, 10));
    assert!(pf002[0].message.contains("rejects the routine"));
}

#[test]
fn bodies_whose_quotes_close_are_not_reported() {
    let sql = "DO $$ BEGIN\n  CREATE TABLE IF NOT EXISTS t (c text DEFAULT 'it''s', d text DEFAULT E'\\'');\n  -- a comment with a ' quote\nEND $$;\nCREATE OR REPLACE FUNCTION f() RETURNS text LANGUAGE sql AS $body$ SELECT $q$it's$q$ $body$;\n";
    let findings = lint(sql);
    assert!(
        !findings.iter().any(|f| f.rule.code == "PF002"),
        "{findings:#?}"
    );
}

/// A statement of the body that runs into the open quote keeps its finding but gets no fix:
/// `IF NOT EXISTS` would not make the block run.
#[test]
fn a_body_statement_that_never_ends_gets_no_fix() {
    let sql = "DO $$ BEGIN\n  CREATE TABLE t (c text DEFAULT 'x);\nEND $$;\n";
    let outcome = fix_source(&SourceFile::new("m.sql", sql), &options(), true);
    assert_eq!(outcome.fixed, sql);
    let pf101 = outcome
        .found
        .iter()
        .find(|f| f.rule.code == "PF101")
        .expect("the retry finding stays");
    assert!(pf101.fix.is_none());
    assert!(
        pf101
            .notes
            .iter()
            .any(|n| n.starts_with("no fix: the statement never ends")),
        "{:?}",
        pf101.notes
    );
}
