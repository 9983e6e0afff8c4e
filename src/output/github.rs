//! GitHub Actions workflow commands: one `::error …::message` (or `warning`, `notice`) per finding,
//! which GitHub turns into annotations on the pull request's diff.

use super::Report;
use crate::diagnostics::{Finding, Severity};
use std::io::{self, Write};

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for finding in &report.findings {
        writeln!(out, "{}", command(finding))?;
    }
    Ok(())
}

/// The workflow command for one finding.
pub(crate) fn command(f: &Finding) -> String {
    let kind = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut props: Vec<(&str, String)> = Vec::new();
    if let Some(path) = &f.location.path {
        props.push(("file", path.clone()));
        if let Some(start) = f.location.start {
            props.push(("line", start.line.to_string()));
            props.push(("col", start.column.to_string()));
        }
        if let Some(end) = f.location.end {
            props.push(("endLine", end.line.to_string()));
            props.push(("endColumn", end.column.to_string()));
        }
    }
    props.push(("title", format!("{} {}", f.code(), f.name())));
    let props: Vec<String> = props
        .into_iter()
        .map(|(k, v)| format!("{k}={}", escape_property(&v)))
        .collect();

    let mut message = String::new();
    if let Some(env) = &f.environment {
        message.push_str(&format!("[{env}] "));
    }
    if let Some(subject) = &f.subject {
        message.push_str(&format!("{subject}: "));
    }
    if f.unknown {
        message.push_str("not checked: ");
    }
    message.push_str(&f.message);
    for note in &f.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(fix) = &f.fix {
        message.push_str(&format!("\nfix: {}", fix.message));
    }
    format!("::{kind} {}::{}", props.join(","), escape_data(&message))
}

/// Escaping of a command's message, per the workflow-command rules.
pub(crate) fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a property value: as data, plus the separators `:` and `,`.
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
