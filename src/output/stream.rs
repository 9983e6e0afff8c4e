//! Lint reports written while the findings arrive: human, JSON and SARIF put the findings before
//! everything that depends on all of them (the summary, the tables), so a finding can be written
//! as soon as lint releases it and then dropped. The bytes are exactly what the collecting
//! renderers write for the same report; the summary is counted, not collected.

use super::json::{JsonReport, Pretty};
use super::{human, json_finding, sarif, summary_line, Format, Report};
use crate::diagnostics::{Finding, Summary};
use crate::source::SourceFile;
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, BufWriter, Write};

/// A report being written finding by finding.
pub struct FindingStream<W: Write> {
    out: BufWriter<W>,
    kind: Kind,
    summary: Summary,
    any: bool,
    /// One JSON finding's bytes, reused: each goes to the writer in one piece.
    scratch: Vec<u8>,
}

enum Kind {
    Json,
    Sarif { index: HashMap<String, usize> },
    Human(human::Stream),
}

/// `"findings": []` / `"results": []` in a report without findings: where the streamed list goes.
const JSON_LIST: &str = "\"findings\": []";
const SARIF_LIST: &str = "\"results\": []";

/// The formats a [`FindingStream`] writes (the others need the whole report).
pub fn streamable(format: Format) -> bool {
    matches!(format, Format::Human | Format::Json | Format::Sarif)
}

impl<W: Write> FindingStream<W> {
    /// Starts a report of `command` (no verdict, no configuration file: a single command's).
    pub fn begin(command: &str, format: Format, out: W, color: bool) -> io::Result<Self> {
        let mut out = BufWriter::with_capacity(1 << 16, out);
        let empty = Report::new(command);
        let kind = match format {
            Format::Json => {
                let skeleton = json_text(&empty, &Summary::default())?;
                let at = skeleton.find(JSON_LIST).expect("the findings member") + JSON_LIST.len();
                out.write_all(&skeleton.as_bytes()[..at - 2])?;
                Kind::Json
            }
            Format::Sarif => {
                let skeleton = sarif_text(&empty)?;
                let at = skeleton.rfind(SARIF_LIST).expect("the results member") + SARIF_LIST.len();
                out.write_all(&skeleton.as_bytes()[..at - 2])?;
                Kind::Sarif {
                    index: sarif::rule_index(&empty),
                }
            }
            _ => Kind::Human(human::Stream::new(color)),
        };
        Ok(FindingStream {
            out,
            kind,
            summary: Summary::default(),
            any: false,
            scratch: Vec::new(),
        })
    }

    /// Writes one finding of `source` (findings come in report order).
    pub fn finding(&mut self, source: &SourceFile, finding: Finding) -> io::Result<()> {
        self.summary.count(&finding);
        let first = !self.any;
        self.any = true;
        match &mut self.kind {
            Kind::Json => {
                let item = &mut self.scratch;
                item.clear();
                item.extend_from_slice(match first {
                    true => b"[\n    ",
                    false => b",\n    ",
                });
                json_finding::finding(item, &finding);
                self.out.write_all(item)
            }
            Kind::Sarif { index } => {
                if first {
                    self.out.write_all(b"[")?;
                }
                let rule = index.get(finding.code()).copied().unwrap_or_default();
                list_item(
                    &mut self.out,
                    &sarif::result(&finding, rule, None),
                    4,
                    first,
                )
            }
            Kind::Human(stream) => stream.finding(source, finding, &mut self.out as &mut dyn Write),
        }
    }

    /// Ends the report: `report` has everything but the findings (files checked, tables,
    /// command-specific members). Returns the counted summary.
    pub fn finish(mut self, report: &Report) -> io::Result<Summary> {
        let summary = Summary {
            files: report.files_checked,
            ..self.summary.clone()
        };
        match &mut self.kind {
            Kind::Json => {
                self.close_list(2)?;
                let skeleton = json_text(report, &summary)?;
                let at = skeleton.find(JSON_LIST).expect("the findings member") + JSON_LIST.len();
                self.out.write_all(&skeleton.as_bytes()[at..])?;
            }
            Kind::Sarif { .. } => {
                self.close_list(4)?;
                let skeleton = sarif_text(report)?;
                let at = skeleton.rfind(SARIF_LIST).expect("the results member") + SARIF_LIST.len();
                self.out.write_all(&skeleton.as_bytes()[at..])?;
            }
            Kind::Human(stream) => {
                stream.finish(report, &mut self.out as &mut dyn Write)?;
                writeln!(self.out, "{}", summary_line(&summary))?;
            }
        }
        self.out.flush()?;
        Ok(summary)
    }

    /// `]` after the items (on its own line at the list's depth), or `[]` for none.
    fn close_list(&mut self, depth: usize) -> io::Result<()> {
        if !self.any {
            return self.out.write_all(b"[]");
        }
        self.out.write_all(b"\n")?;
        (1..depth).try_for_each(|_| self.out.write_all(b"  "))?;
        self.out.write_all(b"]")
    }
}

/// One item of a pretty-printed list whose items sit at `depth`.
fn list_item<W: Write>(
    out: &mut W,
    item: &impl Serialize,
    depth: usize,
    first: bool,
) -> io::Result<()> {
    out.write_all(if first { b"\n" } else { b",\n" })?;
    (0..depth).try_for_each(|_| out.write_all(b"  "))?;
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, Pretty::at_depth(depth));
    item.serialize(&mut serializer).map_err(io::Error::from)
}

fn json_text(report: &Report, summary: &Summary) -> io::Result<String> {
    let mut text = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut text, Pretty::default());
    JsonReport::with_summary(report, summary.clone()).serialize(&mut serializer)?;
    text.push(b'\n');
    Ok(String::from_utf8(text).expect("serde_json writes UTF-8"))
}

fn sarif_text(report: &Report) -> io::Result<String> {
    let mut text = Vec::new();
    sarif::write(report, &mut text)?;
    Ok(String::from_utf8(text).expect("serde_json writes UTF-8"))
}
