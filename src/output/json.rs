//! The JSON format (schema version 1, documented in `docs/json-schema.md`):
//! `{"version":1,"command":…,"findings":[…],<command-specific members>,"verdict":…,"summary":{…}}`.
//! Each finding uses the stable `Finding` serializer from `diagnostics`.

use super::Report;
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::io::{self, Write};

/// The JSON document, serialized straight from the report: building a `serde_json::Value`
/// first would copy every finding into a tree of maps before writing it.
struct JsonReport<'a>(&'a Report);

impl Serialize for JsonReport<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        let mut root = s.serialize_map(None)?;
        root.serialize_entry("version", &1)?;
        root.serialize_entry("command", &report.command)?;
        root.serialize_entry("findings", &report.findings)?;
        for (key, value) in &report.json_extra {
            root.serialize_entry(key, value)?;
        }
        if let Some(verdict) = &report.verdict {
            root.serialize_entry("verdict", verdict)?;
        }
        root.serialize_entry("summary", &report.summary())?;
        root.end()
    }
}

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // serde_json writes a few bytes at a time; a local buffer keeps those writes monomorphic
    // instead of one dynamic call each.
    let mut buffered = io::BufWriter::with_capacity(1 << 16, &mut *out);
    serde_json::to_writer_pretty(&mut buffered, &JsonReport(report))?;
    writeln!(buffered)?;
    buffered.flush()
}
