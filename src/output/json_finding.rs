//! One finding written straight as pretty JSON: byte for byte what `Finding`'s `Serialize`
//! gives through serde_json with [`super::json::Pretty`], without serde's per-field calls and
//! byte-at-a-time string escaping (on a 20,000-statement lint those were a quarter of the run).
//! The streamed JSON report writes each finding with it; the tests compare it with serde_json.

use crate::diagnostics::{Applicability, Edit, Finding, LineCol, Severity};

/// Appends `finding` as an item of the report's `findings` list (its `{` at the current
/// position, its members at depth 3), to `out`. The layout is spelled out: a few pieces per
/// member instead of a separate write for each comma, newline, indentation and key.
pub(crate) fn finding(out: &mut Vec<u8>, finding: &Finding) {
    let l = &finding.location;
    out.extend_from_slice(b"{\n      \"rule\": ");
    string(out, finding.rule.code);
    out.extend_from_slice(b",\n      \"name\": ");
    string(out, finding.rule.name);
    out.extend_from_slice(b",\n      \"severity\": ");
    out.extend_from_slice(match finding.severity {
        Severity::Info => b"\"info\"",
        Severity::Warning => b"\"warning\"",
        Severity::Error => b"\"error\"",
    });
    out.extend_from_slice(b",\n      \"path\": ");
    match &l.path {
        Some(path) => string(out, path),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\n      \"line\": ");
    opt_number(out, l.start.map(|p| p.line));
    out.extend_from_slice(b",\n      \"column\": ");
    opt_number(out, l.start.map(|p| p.column));
    out.extend_from_slice(b",\n      \"end_line\": ");
    opt_number(out, l.end.map(|p| p.line));
    out.extend_from_slice(b",\n      \"end_column\": ");
    opt_number(out, l.end.map(|p| p.column));
    out.extend_from_slice(b",\n      \"message\": ");
    string(out, &finding.message);
    out.extend_from_slice(b",\n      \"fix\": ");
    match &finding.fix {
        None => out.extend_from_slice(b"null"),
        Some(fix) => {
            out.extend_from_slice(match fix.applicability {
                Applicability::Safe => b"{\n        \"applicability\": \"safe\"",
                Applicability::Unsafe => b"{\n        \"applicability\": \"unsafe\"",
            });
            out.extend_from_slice(b",\n        \"message\": ");
            string(out, &fix.message);
            out.extend_from_slice(b",\n        \"edits\": ");
            if fix.edits.is_empty() {
                out.extend_from_slice(b"[]");
            } else {
                for (i, e) in fix.edits.iter().enumerate() {
                    out.extend_from_slice(if i == 0 {
                        b"[\n          "
                    } else {
                        b",\n          "
                    });
                    edit(out, e);
                }
                out.extend_from_slice(b"\n        ]");
            }
            out.extend_from_slice(b"\n      }");
        }
    }
    if !finding.notes.is_empty() {
        out.extend_from_slice(b",\n      \"notes\": [");
        for (i, note) in finding.notes.iter().enumerate() {
            out.extend_from_slice(if i == 0 {
                b"\n        "
            } else {
                b",\n        "
            });
            string(out, note);
        }
        out.extend_from_slice(b"\n      ]");
    }
    if finding.unknown {
        out.extend_from_slice(b",\n      \"unknown\": true");
    }
    if let Some(environment) = &finding.environment {
        out.extend_from_slice(b",\n      \"environment\": ");
        string(out, environment);
    }
    if let Some(subject) = &finding.subject {
        out.extend_from_slice(b",\n      \"subject\": ");
        string(out, subject);
    }
    if let Some(stage) = finding.stage {
        out.extend_from_slice(b",\n      \"stage\": ");
        string(out, stage.name());
    }
    out.extend_from_slice(b"\n    }");
}

/// One edit of a fix's `edits` list (members at depth 6).
fn edit(out: &mut Vec<u8>, e: &Edit) {
    out.extend_from_slice(b"{\n            \"content\": ");
    string(out, &e.content);
    out.extend_from_slice(b",\n            \"location\": ");
    line_col(out, e.start);
    out.extend_from_slice(b",\n            \"end_location\": ");
    line_col(out, e.end);
    out.extend_from_slice(b",\n            \"start_byte\": ");
    number(out, e.range.start);
    out.extend_from_slice(b",\n            \"end_byte\": ");
    number(out, e.range.end);
    out.extend_from_slice(b"\n          }");
}

fn line_col(out: &mut Vec<u8>, at: LineCol) {
    out.extend_from_slice(b"{\n              \"line\": ");
    number(out, at.line);
    out.extend_from_slice(b",\n              \"column\": ");
    number(out, at.column);
    out.extend_from_slice(b"\n            }");
}

fn opt_number(out: &mut Vec<u8>, n: Option<usize>) {
    match n {
        Some(n) => number(out, n),
        None => out.extend_from_slice(b"null"),
    }
}

fn number(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Does any byte of the word need an escape in a JSON string: a control character (below 0x20),
/// `"` or `\`? (Exact for "any"; which byte is found one at a time.)
fn needs_escape(word: u64) -> bool {
    let has_zero = |v: u64| v.wrapping_sub(LOW_BITS) & !v & HIGH_BITS;
    let below_space = word.wrapping_sub(LOW_BITS * 0x20) & !word & HIGH_BITS;
    (below_space
        | has_zero(word ^ (LOW_BITS * u64::from(b'"')))
        | has_zero(word ^ (LOW_BITS * u64::from(b'\\'))))
        != 0
}

/// `s` as a JSON string, escaped as serde_json escapes it: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
/// `\t`, other control characters as `\u00xx` (lower-case hex); everything else as is.
fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut plain = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            if !needs_escape(word) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0C => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x00..=0x1F => b'u',
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[plain..i]);
        if short == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xF)]);
        } else {
            out.push(b'\\');
            out.push(short);
        }
        i += 1;
        plain = i;
    }
    out.extend_from_slice(&bytes[plain..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Fix, Location, Stage};
    use crate::output::json::Pretty;
    use serde::Serialize;

    /// What serde_json writes for an item of the report's `findings` list (depth 2).
    fn by_serde(f: &Finding) -> String {
        let mut out = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, Pretty::at_depth(2));
        f.serialize(&mut serializer).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn direct(f: &Finding) -> String {
        let mut out = Vec::new();
        finding(&mut out, f);
        String::from_utf8(out).unwrap()
    }

    fn edit_at(range: std::ops::Range<usize>, content: &str) -> Edit {
        Edit {
            range: range.clone(),
            content: content.to_string(),
            start: LineCol {
                line: 1,
                column: range.start + 1,
            },
            end: LineCol {
                line: 12_345_678,
                column: usize::MAX,
            },
        }
    }

    #[test]
    fn writes_what_serde_writes_for_every_member_and_escape() {
        let rule = &crate::lint::RULES[0];
        // Every byte below 0x80 and some beyond, at every offset of an 8-byte word.
        let all_ascii: String = (0u8..0x80).map(char::from).collect();
        let mut texts = vec![
            String::new(),
            "plain".to_string(),
            "exactly8".to_string(),
            all_ascii.clone(),
            format!("é\u{2028}ü\"\\{all_ascii}\u{7f}"),
        ];
        for shift in 0..9 {
            texts.push(format!(
                "{}\"{}\\{}\n",
                "x".repeat(shift),
                "y".repeat(shift),
                "ab"
            ));
        }
        for (n, text) in texts.iter().enumerate() {
            let mut f = Finding::new(rule, crate::diagnostics::Severity::Warning, text.clone());
            if n % 2 == 0 {
                f = f.at(Location {
                    path: Some(format!("dir/{text}.sql")),
                    start: Some(LineCol { line: n, column: 0 }),
                    end: Some(LineCol {
                        line: 10 * n,
                        column: 1000,
                    }),
                    bytes: None,
                });
                f.notes = vec![text.clone(), "second".to_string()];
                f.fix = Some(Fix {
                    applicability: Applicability::Unsafe,
                    message: text.clone(),
                    edits: vec![edit_at(0..n, text), edit_at(n..n, "")],
                });
            } else {
                f.fix = Some(Fix {
                    applicability: Applicability::Safe,
                    message: String::new(),
                    edits: Vec::new(),
                });
                f.unknown = true;
                f.environment = Some(text.clone());
                f.subject = Some("subject".to_string());
                f.stage = Some(Stage::Parity);
            }
            assert_eq!(direct(&f), by_serde(&f), "{text:?}");
        }
        let bare = Finding::new(rule, crate::diagnostics::Severity::Error, "m");
        assert_eq!(direct(&bare), by_serde(&bare));
    }
}
