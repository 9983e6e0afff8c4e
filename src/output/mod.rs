//! Renderers. Every command builds a `Report`; the renderers turn it into human text, JSON,
//! SARIF, GitHub workflow commands, Markdown or HTML. One module per format; the shared pieces
//! (snippet spans, fix diffs, text tables, the check verdict) have their own small modules.

mod fix_diff;
mod github;
mod html;
mod human;
mod json;
mod json_finding;
mod markdown;
mod sarif;
mod snippet;
mod stream;
mod target;
mod text_table;
mod verdict;

pub use stream::{streamable, FindingStream};
pub use target::{ignore_broken_pipe, Destination, ReportTarget};
pub use verdict::{Outcome, StageResult, StageStatus, Verdict};

use crate::diagnostics::{Finding, Stage, Summary};
use crate::source::SourceFile;
use serde::Serialize;
use std::collections::BTreeMap;

/// Output format of a report (`--format`, and the kinds of `preflight check --report`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
    Sarif,
    Github,
    Markdown,
    Html,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        [
            Format::Human,
            Format::Json,
            Format::Sarif,
            Format::Github,
            Format::Markdown,
            Format::Html,
        ]
        .into_iter()
        .find(|f| f.name() == name)
    }
}

/// How a table cell should be read (and coloured).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CellStatus {
    Ok,
    Warning,
    Error,
    Unknown,
    Neutral,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub text: String,
    pub status: CellStatus,
}

impl Cell {
    pub fn new(text: impl Into<String>, status: CellStatus) -> Self {
        Cell {
            text: text.into(),
            status,
        }
    }
}

/// A status table: the migration status table of reconcile, the parity matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Everything a command reports.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The command that produced it: `lint`, `reconcile`, `verify`, `parity`, `check`.
    pub command: String,
    pub findings: Vec<Finding>,
    /// Sources by display path, so renderers can show the offending lines.
    pub sources: BTreeMap<String, SourceFile>,
    pub files_checked: usize,
    pub tables: Vec<Table>,
    /// Command-specific top-level JSON members (e.g. `migrations` for reconcile).
    pub json_extra: serde_json::Map<String, serde_json::Value>,
    /// The gate's decision per stage; set by `check`, `None` for single commands.
    pub verdict: Option<Verdict>,
    /// The preflight.toml of this run. SARIF anchors findings that have no file of their own
    /// (environments, stages) to it, because code scanning needs a file for every result.
    pub config_file: Option<SourceFile>,
}

impl Report {
    pub fn new(command: impl Into<String>) -> Self {
        Report {
            command: command.into(),
            ..Report::default()
        }
    }

    pub fn summary(&self) -> Summary {
        Summary::of(&self.findings, self.files_checked)
    }

    pub fn add_source(&mut self, source: &SourceFile) {
        self.sources.insert(source.display_path(), source.clone());
    }

    /// The loaded source a finding points into, if any.
    fn source_of(&self, finding: &Finding) -> Option<&SourceFile> {
        self.sources.get(finding.location.path.as_deref()?)
    }
}

/// Renders a report. The output module owns every format; commands only build `Report`s.
/// `color` only affects the human format.
pub fn write_report(
    report: &Report,
    format: Format,
    out: &mut dyn std::io::Write,
    color: bool,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(report, out, color),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
        Format::Markdown => markdown::write(report, out),
        Format::Html => html::write(report, out),
    }
}

/// "3 findings (2 errors, 1 warning) in 4 files" — shared by the text-like formats.
pub fn summary_line(summary: &Summary) -> String {
    // Environment-only runs read no files; "in 0 files" would only confuse.
    let files = match summary.files {
        0 => String::new(),
        n => format!(" in {}", plural(n, "file")),
    };
    if summary.findings == 0 {
        return format!("No findings{files}.");
    }
    let mut parts = Vec::new();
    for (n, what) in [
        (summary.errors, "error"),
        (summary.warnings, "warning"),
        (summary.infos, "info"),
    ] {
        if n > 0 {
            parts.push(plural(n, what));
        }
    }
    let mut line = format!(
        "{} ({}){files}",
        plural(summary.findings, "finding"),
        parts.join(", ")
    );
    if summary.unknown > 0 {
        line.push_str(&format!("; {} could not be checked", summary.unknown));
    }
    if summary.fixable > 0 {
        line.push_str(&format!(
            "; {} fixable with `preflight fix`",
            summary.fixable
        ));
    }
    line.push('.');
    line
}

pub(crate) fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Findings in display order, grouped by stage (for `check`) in the verdict's stage order.
pub(crate) fn findings_by_stage(report: &Report) -> Vec<(Option<&str>, Vec<&Finding>)> {
    let mut order: Vec<Option<&str>> = Vec::new();
    if let Some(v) = &report.verdict {
        order.extend(v.stages.iter().map(|s| Some(s.stage.name())));
    }
    let mut groups: Vec<(Option<&str>, Vec<&Finding>)> =
        order.into_iter().map(|s| (s, Vec::new())).collect();
    for f in &report.findings {
        let stage = f.stage.map(Stage::name);
        match groups.iter_mut().find(|(s, _)| *s == stage) {
            Some((_, list)) => list.push(f),
            None => groups.push((stage, vec![f])),
        }
    }
    groups.retain(|(_, list)| !list.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Severity;

    #[test]
    fn summary_line_counts_and_omits_zero_files() {
        let findings = vec![
            Finding::new(
                &crate::parity::rules::TASK_DEFINITION_DRIFT,
                Severity::Error,
                "m",
            )
            .unknown(),
            Finding::new(
                &crate::parity::rules::EXPECTED_DIFFERENCE,
                Severity::Warning,
                "m",
            ),
        ];
        assert_eq!(
            summary_line(&Summary::of(&findings, 0)),
            "2 findings (1 error, 1 warning); 1 could not be checked."
        );
        assert_eq!(summary_line(&Summary::of(&[], 1)), "No findings in 1 file.");
    }
}
