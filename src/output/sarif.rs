//! SARIF 2.1.0 for GitHub code scanning and other SARIF viewers. Rule metadata comes from
//! `crate::all_rules()`; results point at file regions (columns in Unicode code points) or, for
//! environment findings, at a logical location named after the environment and subject.

use super::Report;
use crate::diagnostics::{Finding, LineCol, RuleInfo, Severity, Stage};
use crate::source::SourceFile;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::{self, Write};

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// Relative artifact paths are relative to where preflight ran (the repository root in CI).
const SRCROOT: &str = "%SRCROOT%";

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report))?;
    writeln!(out)
}

/// Rule id → index in the run's rules list (the catalog, then codes only findings name).
pub(crate) fn rule_index(report: &Report) -> HashMap<String, usize> {
    rules_and_index(report).1
}

pub(crate) fn to_value(report: &Report) -> Value {
    let (rules, index) = rules_and_index(report);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, index[f.code()], report.config_file.as_ref()))
        .collect();
    let successful = report
        .verdict
        .as_ref()
        .is_none_or(|v| v.outcome != super::Outcome::Error);
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "preflight",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{ "executionSuccessful": successful }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn rules_and_index(report: &Report) -> (Vec<Value>, HashMap<String, usize>) {
    let mut rules: Vec<Value> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for info in crate::all_rules() {
        // SARIF rule ids must be unique; the first registration of a code wins.
        if !index.contains_key(info.code) {
            index.insert(info.code.to_string(), rules.len());
            rules.push(rule_descriptor(info));
        }
    }
    // A finding whose code is not in the catalog still gets a descriptor, so ruleIndex is valid.
    for f in &report.findings {
        if !index.contains_key(f.code()) {
            index.insert(f.code().to_string(), rules.len());
            rules.push(json!({
                "id": f.code(),
                "name": f.name(),
                "shortDescription": { "text": sentence(f.name()) },
                "defaultConfiguration": { "level": level(f.severity) },
            }));
        }
    }
    (rules, index)
}

fn rule_descriptor(info: &RuleInfo) -> Value {
    let mut d = json!({
        "id": info.code,
        "name": info.name,
        "shortDescription": { "text": sentence(info.summary) },
        "fullDescription": { "text": sentence(first_paragraph(info.doc).unwrap_or(info.summary)) },
        "defaultConfiguration": { "level": level(info.default_severity) },
        "properties": { "fix": info.fix.applicability().map(|a| format!("{a:?}").to_lowercase()) },
    });
    if !info.doc.trim().is_empty() {
        d["help"] = json!({ "text": info.doc, "markdown": info.doc });
    }
    d
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub(crate) fn result(f: &Finding, rule_index: usize, config: Option<&SourceFile>) -> Value {
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(f.code()));
    r.insert("ruleIndex".into(), json!(rule_index));
    r.insert("level".into(), json!(level(f.severity)));
    let mut text = String::new();
    if f.unknown {
        text.push_str("Not checked: ");
    }
    text.push_str(&f.message);
    for note in &f.notes {
        text.push('\n');
        text.push_str(note);
    }
    r.insert("message".into(), json!({ "text": sentence(&text) }));
    let mut location = Map::new();
    if let Some(path) = &f.location.path {
        let mut physical = json!({ "artifactLocation": artifact(path) });
        if let Some(start) = f.location.start {
            physical["region"] = region(start, f.location.end);
        }
        location.insert("physicalLocation".into(), physical);
    } else if let Some(config) = config {
        let line = f
            .environment
            .as_deref()
            .and_then(|env| section_line(config, env))
            .unwrap_or(1);
        location.insert(
            "physicalLocation".into(),
            json!({
                "artifactLocation": artifact(&config.display_path()),
                "region": { "startLine": line },
            }),
        );
    }
    let logical: Vec<&str> = [f.environment.as_deref(), f.subject.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if !logical.is_empty() {
        location.insert(
            "logicalLocations".into(),
            json!([{
                "name": logical.last(),
                "fullyQualifiedName": logical.join("/"),
                "kind": "resource",
            }]),
        );
    }
    if !location.is_empty() {
        r.insert("locations".into(), json!([location]));
    }
    if let (Some(fix), Some(path)) = (&f.fix, &f.location.path) {
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                json!({
                    "deletedRegion": region(e.start, Some(e.end)),
                    "insertedContent": { "text": e.content },
                })
            })
            .collect();
        r.insert(
            "fixes".into(),
            json!([{
                "description": { "text": sentence(&fix.message) },
                "artifactChanges": [{ "artifactLocation": artifact(path), "replacements": replacements }],
            }]),
        );
    }
    let mut properties = Map::new();
    properties.insert("name".into(), json!(f.name()));
    if f.unknown {
        properties.insert("unknown".into(), json!(true));
    }
    for (key, value) in [
        ("environment", f.environment.as_deref()),
        ("subject", f.subject.as_deref()),
        ("stage", f.stage.map(Stage::name)),
    ] {
        if let Some(v) = value {
            properties.insert(key.into(), json!(v));
        }
    }
    r.insert("properties".into(), Value::Object(properties));
    Value::Object(r)
}

fn region(start: LineCol, end: Option<LineCol>) -> Value {
    let mut region = json!({ "startLine": start.line, "startColumn": start.column });
    if let Some(end) = end.filter(|e| *e >= start) {
        region["endLine"] = json!(end.line);
        region["endColumn"] = json!(end.column);
    }
    region
}

fn artifact(path: &str) -> Value {
    let unix = path.replace('\\', "/");
    if unix.starts_with('/') {
        json!({ "uri": format!("file://{}", percent_encode(&unix)) })
    } else {
        let relative = unix.strip_prefix("./").unwrap_or(&unix);
        json!({ "uri": percent_encode(relative), "uriBaseId": SRCROOT })
    }
}

/// Percent-encodes everything but unreserved URI characters and `/`.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// SARIF viewers expect messages to be sentences.
fn sentence(text: &str) -> String {
    let t = text.trim_end();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// The first prose paragraph of a Markdown rule doc (headings skipped).
/// The body of the document's "What it does" section (every rule document has one, with or
/// without a blank line under the heading), else its first plain paragraph.
fn first_paragraph(doc: &str) -> Option<&str> {
    const WHAT: &str = "## What it does";
    let what_it_does = doc.find(WHAT).map(|at| {
        let body = doc[at + WHAT.len()..].trim_start();
        let end = [body.find("\n\n"), body.find("\n#")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(body.len());
        body[..end].trim()
    });
    what_it_does
        .filter(|p| !p.is_empty() && !p.starts_with('#'))
        .or_else(|| {
            doc.split("\n\n")
                .map(str::trim)
                .find(|p| !p.is_empty() && !p.starts_with('#') && !p.starts_with("```"))
        })
}

/// The line of `[environments.NAME]` in the config, where an environment's findings belong.
fn section_line(config: &SourceFile, environment: &str) -> Option<usize> {
    let headers = [
        format!("[environments.{environment}]"),
        format!("[environments.\"{environment}\"]"),
    ];
    (1..=config.line_count()).find(|&n| {
        let line = config.text[config.line_range(n)].trim();
        headers.iter().any(|h| line.starts_with(h.as_str()))
    })
}
