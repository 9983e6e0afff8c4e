//! Statement boundaries of plain SQL found by a byte scan, without the lexer: lint's first pass
//! (look-ahead at what later statements remove) needs the boundaries of every statement but the
//! tokens of only a few. The scan gives up on anything where the real splitter
//! ([`super::split`]) could decide differently: dollar quotes, backslashes (E'' strings, MySQL
//! escapes), block comments, client directive lines, non-ASCII or unusual characters outside
//! quotes, routine bodies (a CREATE whose text holds BEGIN), unterminated literals. Plain files,
//! the common case, never reach those; the others take the full splitter.

use super::split::has_directive_line;
use super::Dialect;
use std::ops::Range;

/// Splits `text[range]` (a whole file after its BOM) into statements exactly as
/// [`super::split::split_each`] with directives does, handing each statement's range (first
/// token to terminator) and terminator to `each`. Returns `false` as soon as the text is not
/// plain SQL; `each` may have seen the statements before that point, which are right, but the
/// rest must come from the real splitter.
pub fn split_plain_each(
    text: &str,
    dialect: Dialect,
    range: Range<usize>,
    each: &mut dyn FnMut(Range<usize>, Option<Range<usize>>),
) -> bool {
    if has_directive_line(text, range.start, dialect) {
        return false;
    }
    let bytes = &text.as_bytes()[..range.end];
    let postgres = dialect == Dialect::Postgres;
    let mut at = range.start;
    // The current statement's first significant byte, and the end of its last one.
    let mut first: Option<usize> = None;
    let mut last_end = at;
    while at < bytes.len() {
        let byte = bytes[at];
        let next = bytes.get(at + 1).copied();
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' => {
                at += 1;
                continue;
            }
            // MySQL wants whitespace after `--`; only PostgreSQL's comment is this simple.
            b'-' if next == Some(b'-') => {
                if !postgres {
                    return false;
                }
                at = text[at..range.end]
                    .find('\n')
                    .map_or(range.end, |i| at + i + 1);
                continue;
            }
            b';' => {
                if let Some(start) = first.take() {
                    if may_be_routine_body(&text[start..at]) {
                        return false;
                    }
                    each(start..at + 1, Some(at..at + 1));
                }
                at += 1;
                continue;
            }
            // A doubled quote inside a literal reads here as two adjacent literals: the same end.
            b'\'' | b'"' => {
                let Some(close) = bytes[at + 1..].iter().position(|&b| b == byte) else {
                    return false; // unterminated: the splitter reports it
                };
                let end = at + 1 + close + 1;
                if bytes[at..end].contains(&b'\\') {
                    return false;
                }
                first.get_or_insert(at);
                at = end;
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                first.get_or_insert(at);
                at += 1;
                while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
                    at += 1;
                }
            }
            b'0'..=b'9' => {
                first.get_or_insert(at);
                while at < bytes.len() && bytes[at].is_ascii_digit() {
                    at += 1;
                }
                // Numeric separators are an error in some dialects.
                if bytes.get(at) == Some(&b'_') {
                    return false;
                }
            }
            // `._` after a non-word is a tokenize error; `/*` opens a (nestable) comment.
            b'.' if next == Some(b'_') => return false,
            b'/' if next == Some(b'*') => return false,
            b'[' | b']' if !postgres => return false,
            b'(' | b')' | b',' | b'.' | b'=' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'%'
            | b':' | b'[' | b']' => {
                first.get_or_insert(at);
                at += 1;
            }
            _ => return false,
        }
        last_end = at;
    }
    if let Some(start) = first {
        each(start..last_end, None);
    }
    true
}

/// Could the splitter's routine-body tracking keep this `;` inside the statement? Only in a
/// statement that starts with CREATE and has a BEGIN before it.
fn may_be_routine_body(statement: &str) -> bool {
    statement
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("create"))
        && statement
            .as_bytes()
            .windows(5)
            .any(|w| w.eq_ignore_ascii_case(b"begin"))
}
