//! Markdown for the job summary: verdict, stages, findings per stage, tables; table-safe text.

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
fn check_summary_snapshot() {
    insta::assert_snapshot!(render(&check_report(), Format::Markdown, false));
}

#[test]
fn cell_text_cannot_break_the_table_or_inject_html() {
    let mut report = Report::new("lint");
    report.findings.push(Finding::new(
        rule("PF001", "parse"),
        Severity::Info,
        "a | b <script>alert(1)</script>\nnext",
    ));
    let out = render(&report, Format::Markdown, false);
    let row = out.lines().find(|l| l.contains("PF001")).unwrap();
    assert!(
        row.contains(r"a \| b &lt;script&gt;alert(1)&lt;/script&gt; next"),
        "{row}"
    );
    assert_eq!(row.matches(" | ").count(), 3, "{row}");
}

#[test]
fn sql_in_code_spans_shows_as_written_and_stays_in_its_cell() {
    // CommonMark shows an entity inside a code span as typed: `a &lt; b` would read so on
    // GitHub. Text outside the span is still escaped, and a `|` in the span still cannot
    // split the table's cell.
    let mut report = Report::new("lint");
    report.findings.push(Finding::new(
        rule("PF108", "add-column"),
        Severity::Error,
        "`` ALTER TABLE `t` ADD CHECK (a < b OR c | d) `` fails <here>",
    ));
    let out = render(&report, Format::Markdown, false);
    let row = out.lines().find(|l| l.contains("PF108")).unwrap();
    assert!(
        row.contains(r"``ALTER TABLE `t` ADD CHECK (a < b OR c \| d)`` fails &lt;here&gt;"),
        "{row}"
    );
    assert_eq!(row.matches(" | ").count(), 3, "{row}");
}
