//! The human format: file findings as annotated source snippets (annotate-snippets) with the fix
//! shown as a diff, environment findings as one-liners grouped by environment, then the tables,
//! the summary and (for `check`) the verdict.

use super::fix_diff::{fix_diff, DiffKind};
use super::snippet::locate;
use super::{findings_by_stage, summary_line, text_table, Report};
use crate::diagnostics::{Applicability, Finding, Severity};
use crate::source::SourceFile;
use annotate_snippets::{Level, Renderer, Snippet};
use anstyle::{AnsiColor, Style};
use std::io::{self, Write};

pub(crate) fn write(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let painter = Painter { color };
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let show_stage_headers = report.verdict.is_some();
    for (stage, findings) in findings_by_stage(report) {
        if show_stage_headers {
            let title = stage.unwrap_or("other");
            writeln!(out, "{}", painter.bold(&format!("── {title} ──")))?;
        }
        let mut detached = Vec::new();
        for finding in findings {
            match report
                .source_of(finding)
                .and_then(|s| Some((s, locate(s, finding)?)))
            {
                Some((source, _)) => write_snippet(finding, source, &renderer, &painter, out)?,
                None => detached.push(finding),
            }
        }
        write_detached(&detached, &painter, out)?;
    }
    for table in &report.tables {
        text_table::write(table, out, color)?;
        writeln!(out)?;
    }
    writeln!(out, "{}", summary_line(&report.summary()))?;
    if let Some(verdict) = &report.verdict {
        let style = match verdict.outcome {
            super::Outcome::Pass => Style::new().fg_color(Some(AnsiColor::Green.into())).bold(),
            _ => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        };
        writeln!(out, "{}", painter.paint(style, &verdict.line()))?;
    }
    Ok(())
}

/// The human format finding by finding, for a streamed lint report: each finding's snippet as
/// it arrives; findings without a place in a file, then the tables, at the end.
pub(crate) struct Stream {
    painter: Painter,
    renderer: Renderer,
    detached: Vec<Finding>,
}

impl Stream {
    pub(crate) fn new(color: bool) -> Self {
        Stream {
            painter: Painter { color },
            renderer: if color {
                Renderer::styled()
            } else {
                Renderer::plain()
            },
            detached: Vec::new(),
        }
    }

    pub(crate) fn finding(
        &mut self,
        source: &SourceFile,
        finding: Finding,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let in_source = finding.location.path.as_deref() == Some(&*source.display_path());
        if in_source && locate(source, &finding).is_some() {
            write_snippet(&finding, source, &self.renderer, &self.painter, out)
        } else {
            self.detached.push(finding);
            Ok(())
        }
    }

    /// Everything after the findings but the summary line.
    pub(crate) fn finish(&mut self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let detached: Vec<&Finding> = self.detached.iter().collect();
        write_detached(&detached, &self.painter, out)?;
        for table in &report.tables {
            text_table::write(table, out, self.painter.color)?;
            writeln!(out)?;
        }
        Ok(())
    }
}

fn level(severity: Severity) -> Level {
    match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Info,
    }
}

fn title(finding: &Finding) -> String {
    if finding.unknown {
        format!("not checked: {}", finding.message)
    } else {
        finding.message.clone()
    }
}

fn fix_label(applicability: Applicability) -> &'static str {
    match applicability {
        Applicability::Safe => "safe fix",
        Applicability::Unsafe => "unsafe fix, applied with --unsafe-fixes",
    }
}

fn write_snippet(
    finding: &Finding,
    source: &SourceFile,
    renderer: &Renderer,
    painter: &Painter,
    out: &mut dyn Write,
) -> io::Result<()> {
    let Some(at) = locate(source, finding) else {
        return Ok(());
    };
    let path = source.display_path();
    let title = title(finding);
    let level = level(finding.severity);
    let snippet = Snippet::source(&source.text[at.lines.clone()])
        .line_start(at.first_line)
        .origin(&path)
        .fold(true)
        .annotation(level.span(at.relative_span()).label(finding.name()));
    let fix_help = finding
        .fix
        .as_ref()
        .map(|f| format!("{} ({})", f.message, fix_label(f.applicability)));
    let message = level
        .title(&title)
        .id(finding.code())
        .snippet(snippet)
        .footers(finding.notes.iter().map(|n| Level::Note.title(n)))
        .footers(fix_help.iter().map(|h| Level::Help.title(h)));
    writeln!(out, "{}", renderer.render(message))?;
    if let Some(fix) = &finding.fix {
        write_fix_diff(source, fix, painter, out)?;
    }
    writeln!(out)
}

fn write_fix_diff(
    source: &SourceFile,
    fix: &crate::diagnostics::Fix,
    painter: &Painter,
    out: &mut dyn Write,
) -> io::Result<()> {
    let lines = match fix_diff(source, fix) {
        Ok(lines) => lines,
        Err(why) => return writeln!(out, "   = fix not shown: {why}"),
    };
    let number_width = lines
        .iter()
        .filter_map(|l| l.old_line.max(l.new_line))
        .max()
        .unwrap_or(0)
        .to_string()
        .len();
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    for line in lines {
        let (number, sign, style) = match line.kind {
            DiffKind::Removed => (line.old_line, '-', red),
            DiffKind::Added => (line.new_line, '+', green),
            DiffKind::Context => (line.old_line, ' ', Style::new()),
        };
        let number = number.map(|n| n.to_string()).unwrap_or_default();
        let text = format!("{number:>number_width$} {sign} {}", line.text);
        writeln!(out, "{}", painter.paint(style, &text))?;
    }
    Ok(())
}

/// Findings without a source span: one line each, grouped by environment, then by subject.
fn write_detached(findings: &[&Finding], painter: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let mut sorted: Vec<&Finding> = findings.to_vec();
    // Stable: keeps each stage's own order within an environment/subject.
    sorted.sort_by(|a, b| {
        (&a.environment, &a.location.path, &a.subject).cmp(&(
            &b.environment,
            &b.location.path,
            &b.subject,
        ))
    });
    let mut current_env: Option<Option<&str>> = None;
    for f in sorted {
        let env = f.environment.as_deref();
        if current_env != Some(env) {
            current_env = Some(env);
            if let Some(env) = env {
                writeln!(out, "{}", painter.bold(&format!("{env}:")))?;
            }
        }
        let indent = if env.is_some() { "  " } else { "" };
        let severity = painter.severity(f.severity);
        let mut line = format!("{indent}{severity}[{}] ", f.rule);
        if let Some(path) = &f.location.path {
            line.push_str(path);
            if let Some(start) = f.location.start {
                line.push_str(&format!(":{}:{}", start.line, start.column));
            }
            line.push_str(": ");
        }
        if let Some(subject) = &f.subject {
            line.push_str(&format!("{subject}: "));
        }
        line.push_str(&title(f));
        line.push_str(&format!(" ({})", f.name()));
        writeln!(out, "{line}")?;
        for note in &f.notes {
            writeln!(out, "{indent}    note: {note}")?;
        }
        if let Some(fix) = &f.fix {
            writeln!(
                out,
                "{indent}    help: {} ({})",
                fix.message,
                fix_label(fix.applicability)
            )?;
        }
    }
    if !findings.is_empty() {
        writeln!(out)?;
    }
    Ok(())
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color && style != Style::new() {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    fn severity(&self, severity: Severity) -> String {
        let color = match severity {
            Severity::Error => AnsiColor::Red,
            Severity::Warning => AnsiColor::Yellow,
            Severity::Info => AnsiColor::Cyan,
        };
        self.paint(
            Style::new().fg_color(Some(color.into())).bold(),
            &severity.to_string(),
        )
    }
}
