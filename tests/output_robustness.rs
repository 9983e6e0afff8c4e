//! Renderers never panic on odd spans: out of range, inside a multi-byte character, reversed,
//! zero-width at end of file, spanning CRLF line ends; and multi-line spans show every line.

mod output_fixture;

use output_fixture::render;
use preflight::diagnostics::{Applicability, Finding, Fix, Location, RuleInfo, Severity};
use preflight::output::{Format, Report};
use preflight::source::SourceFile;

/// A rule declared for this test only: the renderers must print whatever code and name a
/// finding's rule has, catalogued or not.
fn rule(code: &'static str, name: &'static str) -> &'static RuleInfo {
    Box::leak(Box::new(RuleInfo::new(code, name, Severity::Error, "", "")))
}

const TEXT: &str = "\u{feff}é;\r\nCREATE TABLE «t» (\r\n  a int\r\n)";

fn report_with_span(start: usize, end: usize) -> Report {
    let source = SourceFile::new("m.sql", TEXT);
    let mut report = Report::new("lint");
    let location = Location {
        path: Some("m.sql".into()),
        start: Some(source.line_col(start)),
        end: Some(source.line_col(end)),
        bytes: Some(start..end),
    };
    let edit_at = start.min(TEXT.len());
    let fix = Fix {
        applicability: Applicability::Unsafe,
        message: "rewrite".into(),
        edits: vec![preflight::diagnostics::Edit {
            range: edit_at..end.max(edit_at),
            content: "X\n".into(),
            start: source.line_col(edit_at),
            end: source.line_col(end),
        }],
    };
    report.findings.push(
        Finding::new(rule("PF999", "odd"), Severity::Warning, "odd span")
            .at(location)
            .with_fix(fix),
    );
    report.add_source(&source);
    report
}

#[test]
fn no_span_makes_a_renderer_panic() {
    let len = TEXT.len();
    for start in 0..=len + 2 {
        for end in [
            0,
            start.saturating_sub(1),
            start,
            start + 1,
            start + 3,
            len,
            len + 5,
        ] {
            let report = report_with_span(start, end);
            for format in [
                Format::Human,
                Format::Html,
                Format::Sarif,
                Format::Json,
                Format::Github,
                Format::Markdown,
            ] {
                let out = render(&report, format, false);
                assert!(!out.is_empty(), "{format:?} {start}..{end}");
            }
        }
    }
}

#[test]
fn multi_line_span_shows_all_its_lines() {
    let start = TEXT.find("CREATE").unwrap();
    let out = render(&report_with_span(start, TEXT.len()), Format::Human, false);
    for line in [
        "2 | / CREATE TABLE «t» (",
        "3 | |   a int",
        "4 | | )",
        "2 + X",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
}
