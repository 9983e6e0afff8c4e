//! Markdown for the job summary: verdict, stages, findings per stage, tables; table-safe text.

mod output_fixture;

use output_fixture::*;
use preflight::diagnostics::{Finding, Severity};
use preflight::output::{Format, Report};

#[test]
fn check_summary_snapshot() {
    insta::assert_snapshot!(render(&check_report(), Format::Markdown, false));
}

#[test]
fn cell_text_cannot_break_the_table_or_inject_html() {
    let mut report = Report::new("lint");
    report.findings.push(Finding::new(
        "PF001",
        "parse",
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
