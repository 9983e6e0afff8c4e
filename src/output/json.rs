//! The JSON format (schema version 1, documented in `docs/json-schema.md`):
//! `{"version":1,"command":…,"findings":[…],<command-specific members>,"verdict":…,"summary":{…}}`.
//! Each finding uses the stable `Finding` serializer from `diagnostics`.

use super::Report;
use crate::diagnostics::Summary;
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::io::{self, Write};

/// The JSON document, serialized straight from the report: building a `serde_json::Value`
/// first would copy every finding into a tree of maps before writing it.
pub(crate) struct JsonReport<'a>(&'a Report, Option<Summary>);

impl<'a> JsonReport<'a> {
    /// The report with a summary counted elsewhere (its findings were streamed).
    pub(crate) fn with_summary(report: &'a Report, summary: Summary) -> Self {
        JsonReport(report, Some(summary))
    }
}

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
        match &self.1 {
            Some(summary) => root.serialize_entry("summary", summary)?,
            None => root.serialize_entry("summary", &report.summary())?,
        }
        root.end()
    }
}

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // serde_json writes a few bytes at a time; a local buffer keeps those writes monomorphic
    // instead of one dynamic call each.
    let mut buffered = io::BufWriter::with_capacity(1 << 16, &mut *out);
    let mut serializer = serde_json::Serializer::with_formatter(&mut buffered, Pretty::default());
    JsonReport(report, None).serialize(&mut serializer)?;
    writeln!(buffered)?;
    buffered.flush()
}

/// serde_json's pretty layout (two-space indent), byte for byte, but each line break and its
/// indentation go out in one write instead of one write per level: with thousands of findings
/// nested four levels deep, those writes were a fifth of lint's run time.
#[derive(Default)]
pub(crate) struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// For a value written inside `depth` open brackets (an item of a streamed list).
    pub(crate) fn at_depth(depth: usize) -> Self {
        Pretty {
            depth,
            has_value: false,
        }
    }

    /// `,` (unless `first`), a newline and the indentation of the current depth.
    fn line_break<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        const BREAK: &[u8] = b",\n                                                                ";
        let from = usize::from(first);
        let to = 2 + 2 * self.depth;
        if to <= BREAK.len() {
            return w.write_all(&BREAK[from..to]);
        }
        w.write_all(&BREAK[from..2])?;
        (0..self.depth).try_for_each(|_| w.write_all(b"  "))
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line_break(w, true)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line_break(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line_break(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pretty(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, Pretty::default());
        value.serialize(&mut serializer).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn layout_is_serde_jsons_pretty_layout() {
        let mut deep = serde_json::json!([1, {"k": []}]);
        for _ in 0..40 {
            deep = serde_json::json!({ "a": [deep, {}], "b": "x" });
        }
        for value in [
            serde_json::json!({}),
            serde_json::json!([]),
            serde_json::json!({"a": [], "b": {}, "c": [1, [2, []], {"d": null}], "e": "\n"}),
            deep,
        ] {
            assert_eq!(
                pretty(&value),
                serde_json::to_string_pretty(&value).unwrap()
            );
        }
    }
}
