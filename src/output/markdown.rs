//! Markdown for `$GITHUB_STEP_SUMMARY` or a pull-request comment: the verdict, a table of stages,
//! the findings per stage and the report's tables. Long finding lists are cut with a count of
//! what was left out (GitHub limits a step summary to 1 MiB).

use super::{findings_by_stage, summary_line, verdict::counts, CellStatus, Outcome, Report};
use crate::diagnostics::{code_span, split_code_spans, Finding, Severity};
use std::io::{self, Write};

/// Findings listed per stage before the rest is summarised as "… and N more".
const MAX_FINDINGS_PER_GROUP: usize = 100;

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let summary = report.summary();
    match &report.verdict {
        Some(verdict) => {
            let icon = match verdict.outcome {
                Outcome::Pass => "✅",
                Outcome::Fail => "❌",
                Outcome::Error => "⚠️",
            };
            writeln!(
                out,
                "## {icon} preflight {}: {}\n",
                report.command,
                verdict.outcome.word()
            )?;
            writeln!(out, "{}\n", escape(&verdict.line()))?;
            writeln!(out, "| Stage | Result | Findings | Notes |")?;
            writeln!(out, "|---|---|---|---|")?;
            for s in &verdict.stages {
                let found = counts(&s.summary);
                writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    escape(s.stage.name()),
                    s.status.word(),
                    if found.is_empty() {
                        "none".into()
                    } else {
                        found
                    },
                    escape(s.reason.as_deref().unwrap_or(""))
                )?;
            }
            for stage in &verdict.not_configured {
                writeln!(out, "| {} | not configured | | |", escape(stage.name()))?;
            }
            writeln!(out)?;
        }
        None => {
            let icon = if summary.errors > 0 { "❌" } else { "✅" };
            writeln!(out, "## {icon} preflight {}\n", report.command)?;
        }
    }
    writeln!(out, "{}\n", escape(&summary_line(&summary)))?;

    for (stage, findings) in findings_by_stage(report) {
        match stage {
            Some(stage) => writeln!(out, "### Findings: {}\n", escape(stage))?,
            None => writeln!(out, "### Findings\n")?,
        }
        writeln!(out, "| Severity | Rule | Where | Message |")?;
        writeln!(out, "|---|---|---|---|")?;
        for f in findings.iter().take(MAX_FINDINGS_PER_GROUP) {
            writeln!(
                out,
                "| {} | `{}` {} | {} | {} |",
                severity(f),
                f.code(),
                escape(f.name()),
                escape(&place(f)),
                escape(&message(f))
            )?;
        }
        if findings.len() > MAX_FINDINGS_PER_GROUP {
            writeln!(
                out,
                "\n… and {} more; see the JSON or SARIF report for all of them.",
                findings.len() - MAX_FINDINGS_PER_GROUP
            )?;
        }
        writeln!(out)?;
    }

    for table in &report.tables {
        writeln!(out, "### {}\n", escape(&table.title))?;
        writeln!(
            out,
            "| {} |",
            table
                .columns
                .iter()
                .map(|c| escape(c))
                .collect::<Vec<_>>()
                .join(" | ")
        )?;
        writeln!(out, "|{}", "---|".repeat(table.columns.len().max(1)))?;
        for row in &table.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|c| format!("{}{}", status_mark(c.status), escape(&c.text)))
                .collect();
            writeln!(out, "| {} |", cells.join(" | "))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn severity(f: &Finding) -> &'static str {
    match (f.unknown, f.severity) {
        (true, _) => "❔ not checked",
        (false, Severity::Error) => "🔴 error",
        (false, Severity::Warning) => "🟡 warning",
        (false, Severity::Info) => "🔵 info",
    }
}

fn status_mark(status: CellStatus) -> &'static str {
    match status {
        CellStatus::Ok => "✅ ",
        CellStatus::Warning => "🟡 ",
        CellStatus::Error => "❌ ",
        CellStatus::Unknown => "❔ ",
        CellStatus::Neutral => "",
    }
}

fn place(f: &Finding) -> String {
    let mut parts = Vec::new();
    if let Some(env) = &f.environment {
        parts.push(env.clone());
    }
    if let Some(path) = &f.location.path {
        match f.location.start {
            Some(s) => parts.push(format!("{path}:{}:{}", s.line, s.column)),
            None => parts.push(path.clone()),
        }
    }
    if let Some(subject) = &f.subject {
        parts.push(subject.clone());
    }
    parts.join(" · ")
}

fn message(f: &Finding) -> String {
    let mut m = f.message.clone();
    if let Some(fix) = &f.fix {
        m.push_str(&format!(" Fix: {}.", fix.message.trim_end_matches('.')));
    }
    m
}

/// Makes text safe inside a Markdown table cell: no raw HTML, no cell breaks, one line.
/// Backticks stay: messages quote SQL and names in code spans on purpose.
/// `text` for a table cell or a line of Markdown: HTML's special characters become entities in
/// plain text, where a renderer would read them as HTML, but not inside code spans, where
/// CommonMark shows an entity as typed (`a<b` would read `a&lt;b`). A `|` is escaped
/// everywhere: GitHub splits table cells before it reads code spans.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (is_code, part) in split_code_spans(text) {
        if is_code {
            let flat = part.replace('\r', "").replace('\n', " ");
            out.push_str(&code_span(&flat).to_string().replace('|', "\\|"));
            continue;
        }
        for c in part.chars() {
            match c {
                '|' => out.push_str("\\|"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '\r' => {}
                '\n' => out.push(' '),
                _ => out.push(c),
            }
        }
    }
    out
}
