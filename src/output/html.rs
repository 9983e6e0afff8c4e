//! One self-contained HTML page (inline CSS, no scripts, no network): the verdict, the stages,
//! findings with their SQL snippets and suggested fixes, and the tables (migration status, the
//! parity matrix) with coloured cells. Every piece of text is escaped.

use super::fix_diff::{fix_diff, DiffKind};
use super::snippet::locate;
use super::{findings_by_stage, summary_line, verdict::counts, CellStatus, Outcome, Report, Table};
use crate::diagnostics::{Applicability, Finding, Severity};
use crate::source::SourceFile;
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};
use std::io::{self, Write};

/// Longest snippet shown per finding; the rest is counted, not dropped silently.
const MAX_SNIPPET_LINES: usize = 20;

const CSS: &str = "
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{margin:0;font-size:24px}h2{margin:32px 0 12px;font-size:19px}h3{margin:20px 0 8px;font-size:16px}
.verdict{padding:18px 24px;border-radius:8px;color:#fff}
.verdict p{margin:6px 0 0}
.outcome-pass{background:#1a7f37}.outcome-fail{background:#cf222e}.outcome-error{background:#9a6700}
table{border-collapse:collapse;background:#fff;margin:4px 0}
th,td{border:1px solid #d0d7de;padding:5px 10px;text-align:left;vertical-align:top}
th{background:#eaeef2}
.cell-ok{background:#dafbe1;color:#116329}.cell-warning{background:#fff8c5;color:#7d4e00}
.cell-error{background:#ffebe9;color:#a40e26;font-weight:600}.cell-unknown{background:#eee6ff;color:#6639ba}
.status-passed{color:#1a7f37}.status-failed{color:#cf222e;font-weight:600}
.status-incomplete,.status-not_checked{color:#6639ba;font-weight:600}
.finding{background:#fff;border:1px solid #d0d7de;border-left:5px solid #d0d7de;border-radius:6px;padding:10px 16px;margin:10px 0}
.finding.severity-error{border-left-color:#cf222e}.finding.severity-warning{border-left-color:#bf8700}
.finding.severity-info{border-left-color:#0969da}.finding.unknown{border-left-color:#8250df}
.finding h4{margin:0 0 4px;font-size:15px}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;color:#fff;background:#57606a}
.severity-error .badge{background:#cf222e}.severity-warning .badge{background:#bf8700}
.severity-info .badge{background:#0969da}.unknown .badge{background:#8250df}
.where{color:#57606a;margin:0;font-family:ui-monospace,monospace;font-size:13px}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:8px 0;overflow-x:auto;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
pre span.line{display:block;padding:0 12px;white-space:pre}
.ln{display:inline-block;min-width:3em;color:#8c959f;user-select:none}
mark{background:#ffd8d3;color:inherit;text-decoration:underline wavy #cf222e}
.del{background:#ffebe9}.add{background:#dafbe1}
.notes{margin:4px 0;color:#57606a}
footer{margin:32px 0;color:#57606a}
";

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let summary = report.summary();
    let (outcome_class, heading) = match &report.verdict {
        Some(v) => (
            match v.outcome {
                Outcome::Pass => "outcome-pass",
                Outcome::Fail => "outcome-fail",
                Outcome::Error => "outcome-error",
            },
            format!("preflight {} {}", report.command, v.outcome.word()),
        ),
        None if summary.errors > 0 => ("outcome-fail", format!("preflight {}", report.command)),
        None => ("outcome-pass", format!("preflight {}", report.command)),
    };
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>",
        text(&heading)
    )?;
    writeln!(
        out,
        "<header id=\"verdict\" class=\"verdict {outcome_class}\">"
    )?;
    writeln!(out, "<h1>{}</h1>", text(&heading))?;
    if let Some(v) = &report.verdict {
        writeln!(out, "<p>{}</p>", text(&v.line()))?;
    }
    writeln!(
        out,
        "<p id=\"summary\">{}</p>\n</header>",
        text(&summary_line(&summary))
    )?;

    if let Some(v) = &report.verdict {
        writeln!(out, "<section id=\"stages\">\n<h2>Stages</h2>\n<table>")?;
        writeln!(
            out,
            "<tr><th>Stage</th><th>Result</th><th>Findings</th><th>Notes</th></tr>"
        )?;
        for s in &v.stages {
            let found = counts(&s.summary);
            writeln!(
                out,
                "<tr><td>{}</td><td class=\"status-{}\">{}</td><td>{}</td><td>{}</td></tr>",
                text(s.stage.name()),
                s.status.key(),
                text(s.status.word()),
                text(if found.is_empty() { "none" } else { &found }),
                text(s.reason.as_deref().unwrap_or("")),
            )?;
        }
        for stage in &v.not_configured {
            writeln!(
                out,
                "<tr><td>{}</td><td>not configured</td><td></td><td></td></tr>",
                text(stage.name())
            )?;
        }
        writeln!(out, "</table>\n</section>")?;
    }

    writeln!(out, "<section id=\"findings\">\n<h2>Findings</h2>")?;
    if report.findings.is_empty() {
        writeln!(out, "<p>No findings.</p>")?;
    }
    for (stage, findings) in findings_by_stage(report) {
        if let Some(stage) = stage {
            writeln!(out, "<h3>{}</h3>", text(stage))?;
        }
        for f in findings {
            write_finding(report, f, out)?;
        }
    }
    writeln!(out, "</section>")?;

    for (i, table) in report.tables.iter().enumerate() {
        write_table(i, table, out)?;
    }
    writeln!(
        out,
        "<footer>Generated by preflight {}.</footer>\n</main>\n</body>\n</html>",
        text(env!("CARGO_PKG_VERSION"))
    )
}

fn write_finding(report: &Report, f: &Finding, out: &mut dyn Write) -> io::Result<()> {
    let severity = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    };
    let unknown = if f.unknown { " unknown" } else { "" };
    writeln!(
        out,
        "<article class=\"finding severity-{severity}{unknown}\" data-rule=\"{}\">",
        attr(f.code())
    )?;
    let badge = if f.unknown { "not checked" } else { severity };
    writeln!(
        out,
        "<h4><span class=\"badge\">{badge}</span> <code>{}</code> {}</h4>",
        text(f.code()),
        text(f.name())
    )?;
    let mut place = Vec::new();
    if let Some(env) = &f.environment {
        place.push(env.clone());
    }
    if let Some(path) = &f.location.path {
        match f.location.start {
            Some(s) => place.push(format!("{path}:{}:{}", s.line, s.column)),
            None => place.push(path.clone()),
        }
    }
    if let Some(subject) = &f.subject {
        place.push(subject.clone());
    }
    if !place.is_empty() {
        writeln!(out, "<p class=\"where\">{}</p>", text(&place.join(" · ")))?;
    }
    writeln!(
        out,
        "<p class=\"message\">{}</p>",
        with_code_spans(&f.message)
    )?;
    let source = report.source_of(f);
    if let Some(source) = source {
        write_snippet(source, f, out)?;
    }
    if !f.notes.is_empty() {
        writeln!(out, "<ul class=\"notes\">")?;
        for note in &f.notes {
            writeln!(out, "<li>{}</li>", with_code_spans(note))?;
        }
        writeln!(out, "</ul>")?;
    }
    if let Some(fix) = &f.fix {
        let kind = match fix.applicability {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        };
        writeln!(
            out,
            "<div class=\"fix\"><p>Suggested fix ({kind}): {}</p>",
            text(&fix.message)
        )?;
        if let Some(source) = source {
            match fix_diff(source, fix) {
                Ok(lines) => {
                    write!(out, "<pre class=\"diff\">")?;
                    for line in lines {
                        let (class, sign, number) = match line.kind {
                            DiffKind::Removed => ("del", '-', line.old_line),
                            DiffKind::Added => ("add", '+', line.new_line),
                            DiffKind::Context => ("ctx", ' ', line.old_line),
                        };
                        write!(
                            out,
                            "<span class=\"line {class}\"><span class=\"ln\">{}</span>{sign} {}</span>",
                            number.map(|n| n.to_string()).unwrap_or_default(),
                            text(&line.text)
                        )?;
                    }
                    writeln!(out, "</pre>")?;
                }
                Err(why) => writeln!(out, "<p>The fix cannot be shown: {}</p>", text(&why))?,
            }
        }
        writeln!(out, "</div>")?;
    }
    writeln!(out, "</article>")
}

fn write_snippet(source: &SourceFile, f: &Finding, out: &mut dyn Write) -> io::Result<()> {
    let Some(at) = locate(source, f) else {
        return Ok(());
    };
    let last_line = source.line_col(at.lines.end).line;
    let shown_last = last_line.min(at.first_line + MAX_SNIPPET_LINES - 1);
    write!(out, "<pre class=\"snippet\">")?;
    for n in at.first_line..=shown_last {
        let range = source.line_range(n);
        let line = &source.text[range.clone()];
        let mark_start = at.span.start.clamp(range.start, range.end) - range.start;
        let mark_end = at.span.end.clamp(range.start, range.end) - range.start;
        write!(out, "<span class=\"line\"><span class=\"ln\">{n}</span>")?;
        if mark_start < mark_end {
            write!(
                out,
                "{}<mark>{}</mark>{}",
                text(&line[..mark_start]),
                text(&line[mark_start..mark_end]),
                text(&line[mark_end..])
            )?;
        } else {
            write!(out, "{}", text(line))?;
        }
        write!(out, "</span>")?;
    }
    if shown_last < last_line {
        write!(
            out,
            "<span class=\"line\"><span class=\"ln\">…</span>{} more lines</span>",
            last_line - shown_last
        )?;
    }
    writeln!(out, "</pre>")
}

fn write_table(i: usize, table: &Table, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<section class=\"report-table\" id=\"table-{i}\">")?;
    writeln!(out, "<h2>{}</h2>\n<table>\n<tr>", text(&table.title))?;
    for c in &table.columns {
        write!(out, "<th>{}</th>", text(c))?;
    }
    writeln!(out, "</tr>")?;
    for row in &table.rows {
        write!(out, "<tr>")?;
        for cell in row {
            let class = match cell.status {
                CellStatus::Ok => "cell-ok",
                CellStatus::Warning => "cell-warning",
                CellStatus::Error => "cell-error",
                CellStatus::Unknown => "cell-unknown",
                CellStatus::Neutral => "cell-neutral",
            };
            write!(out, "<td class=\"{class}\">{}</td>", text(&cell.text))?;
        }
        writeln!(out, "</tr>")?;
    }
    writeln!(out, "</table>\n</section>")
}

/// Escapes `s`, showing its Markdown code spans (SQL, names) as code: a double-backtick span
/// too (`` `users` ``, MySQL's quoting). A backtick nothing pairs with leaves all as text.
fn with_code_spans(s: &str) -> String {
    let parts = crate::diagnostics::split_code_spans(s);
    if parts.iter().any(|(code, part)| !code && part.contains('`')) {
        return text(s).into_owned();
    }
    let mut html = String::with_capacity(s.len() + 16);
    for (code, part) in parts {
        if code {
            html.push_str("<code>");
            html.push_str(&text(&part));
            html.push_str("</code>");
        } else {
            html.push_str(&text(&part));
        }
    }
    html
}
