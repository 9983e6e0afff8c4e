//! GitHub workflow commands: one annotation per finding, with the escaping GitHub requires.

mod output_fixture;

use output_fixture::*;
use preflight::diagnostics::{Finding, RuleInfo, Severity};
use preflight::output::{Format, Report};

/// A rule declared for this test only: the renderers must print whatever code and name a
/// finding's rule has, catalogued or not.
fn rule(code: &'static str, name: &'static str) -> &'static RuleInfo {
    Box::leak(Box::new(RuleInfo::new(code, name, Severity::Error, "", "")))
}

#[test]
fn file_findings_carry_their_full_range() {
    let out = render(&lint_report(), Format::Github, false);
    let first = out.lines().next().unwrap();
    assert_eq!(
        first,
        "::error file=migrations/20240115_add_user_profiles.sql,line=2,col=1,endLine=2,endColumn=27,title=PF101 create-table-without-if-not-exists::CREATE TABLE without IF NOT EXISTS fails when the deploy is retried%0Anote: an earlier run may have created the table before failing%0Afix: Add IF NOT EXISTS"
    );
}

#[test]
fn properties_and_messages_are_escaped() {
    let mut report = Report::new("parity");
    let mut f = Finding::new(
        rule("PA201", "odd: name, really"),
        Severity::Warning,
        "100% wrong\r\nsecond: line, here",
    )
    .with_environment("prod");
    f.location.path = Some("dir,with:odd%chars.sql".into());
    report.findings.push(f);
    report
        .findings
        .push(Finding::new(rule("PF001", "parse"), Severity::Info, "fyi"));
    let out = render(&report, Format::Github, false);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "::warning file=dir%2Cwith%3Aodd%25chars.sql,title=PA201 odd%3A name%2C really::[prod] 100%25 wrong%0D%0Asecond: line, here"
    );
    assert_eq!(lines[1], "::notice title=PF001 parse::fyi");
    assert_eq!(lines.len(), 2);
}
