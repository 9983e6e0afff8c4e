//! The human format: annotated snippets with carets at the exact span, fix diffs, grouped
//! environment findings, tables, summary and verdict.

mod output_fixture;

use output_fixture::*;
use preflight::output::Format;

/// Character column of the first `^` under the source line that contains `needle`.
fn caret_column_under(rendered: &str, needle: &str) -> (usize, usize) {
    let lines: Vec<&str> = rendered.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.contains(needle) && l.contains(" | "))
        .unwrap_or_else(|| panic!("no source line with {needle:?} in:\n{rendered}"));
    let source_line = lines[i];
    let caret_line = lines[i + 1];
    let expected = source_line[..source_line.find(needle).unwrap()]
        .chars()
        .count();
    let actual = caret_line[..caret_line.find('^').expect("caret line")]
        .chars()
        .count();
    (expected, actual)
}

#[test]
fn caret_sits_under_the_span_after_non_ascii_text_on_a_crlf_line() {
    let out = render(&lint_report(), Format::Human, false);
    let (expected, actual) = caret_column_under(&out, "CREATE INDEX");
    assert_eq!(expected, actual, "{out}");
    assert!(
        out.contains("--> migrations/20240115_add_user_profiles.sql:6:15"),
        "{out}"
    );
    let carets = out
        .lines()
        .find(|l| l.contains("^^^") && l.contains("create-index"))
        .unwrap();
    assert_eq!(
        carets.matches('^').count(),
        "CREATE INDEX idx_user_profiles_user_id".len()
    );
    assert!(!out.contains('\r'), "CR must not leak into the terminal");
}

#[test]
fn fix_is_shown_as_a_diff_of_the_affected_line() {
    let out = render(&lint_report(), Format::Human, false);
    assert!(out.contains("2 - CREATE TABLE user_profiles ("), "{out}");
    assert!(
        out.contains("2 + CREATE TABLE IF NOT EXISTS user_profiles ("),
        "{out}"
    );
    assert!(
        out.contains("= help: Add IF NOT EXISTS (safe fix)"),
        "{out}"
    );
    // Only the touched line is diffed, not the whole statement or file.
    assert!(!out.contains("- );"), "{out}");
}

#[test]
fn whole_check_report_matches_snapshot() {
    insta::assert_snapshot!(render(&check_report(), Format::Human, false));
}

#[test]
fn environment_findings_are_one_liners_grouped_by_environment() {
    let out = render(&check_report(), Format::Human, false);
    let production = out.find("\nproduction:\n").expect("production group");
    let staging = out.find("\nstaging:\n").expect("staging group");
    assert!(production < staging);
    assert!(out.contains("  error[PA101] DATABASE_URL: DATABASE_URL is defined in staging"));
    assert!(out.contains(
        "  warning[PA401] arn:aws:iam::111111111111:role/exec: not checked: could not simulate"
    ));
}

#[test]
fn colour_only_when_asked() {
    let plain = render(&check_report(), Format::Human, false);
    assert!(!plain.contains('\u{1b}'));
    let coloured = render(&check_report(), Format::Human, true);
    assert!(
        coloured.contains("\u{1b}["),
        "coloured output has ANSI escapes"
    );
}

#[test]
fn clean_report_says_so() {
    let mut report = preflight::output::Report::new("lint");
    report.files_checked = 4;
    assert_eq!(
        render(&report, Format::Human, false),
        "No findings in 4 files.\n"
    );
}
