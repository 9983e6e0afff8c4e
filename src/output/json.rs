//! The JSON format (schema version 1, documented in `docs/json-schema.md`):
//! `{"version":1,"command":…,"findings":[…],<command-specific members>,"verdict":…,"summary":{…}}`.
//! Each finding uses the stable `Finding` serializer from `diagnostics`.

use super::Report;
use serde_json::{json, Map, Value};
use std::io::{self, Write};

pub(crate) fn to_value(report: &Report) -> serde_json::Result<Value> {
    let mut root = Map::new();
    root.insert("version".into(), json!(1));
    root.insert("command".into(), json!(report.command));
    root.insert("findings".into(), serde_json::to_value(&report.findings)?);
    for (key, value) in &report.json_extra {
        root.insert(key.clone(), value.clone());
    }
    if let Some(verdict) = &report.verdict {
        root.insert("verdict".into(), serde_json::to_value(verdict)?);
    }
    root.insert("summary".into(), serde_json::to_value(report.summary())?);
    Ok(Value::Object(root))
}

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report)?)?;
    writeln!(out)
}
