//! Suppression comments: `-- preflight: ignore CODE[, CODE]` on the lines before a statement
//! (or at the end of its last line), and `-- preflight: ignore-file [CODE…]` before the first
//! statement. Codes may be rule codes or names; no codes means every rule.
//!
//! Every comment found is kept in a [`Table`] with the bytes of each code, and the engine marks
//! what each one suppressed, so that PF004 can report a code that names no rule and PF005 a
//! suppression that suppressed nothing (ruff's unused-noqa model).

use crate::diagnostics::RuleInfo;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directive {
    Ignore,
    IgnoreFile,
}

/// A code or rule name as written in a suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub text: String,
    pub range: Range<usize>,
}

impl Code {
    pub fn names(&self, info: &RuleInfo) -> bool {
        self.text.eq_ignore_ascii_case(info.code) || self.text.eq_ignore_ascii_case(info.name)
    }
}

/// Where a comment sits, which decides what it can suppress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Before a statement or at the end of its last line (`ignore`), or before the first
    /// statement (`ignore-file`): it applies.
    Applies,
    /// Somewhere it applies to nothing: `ignore-file` after the first statement, `ignore` after
    /// the last one.
    Nowhere,
}

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub directive: Directive,
    pub placement: Placement,
    /// The comment's bytes, from `--` to the end of its text.
    pub comment: Range<usize>,
    /// Empty: every rule.
    pub codes: Vec<Code>,
    /// Which codes suppressed a finding (one entry, for "every rule", when `codes` is empty).
    pub used: Vec<bool>,
}

/// A comment that starts like a suppression but is not one (`-- preflight: ignored PF101`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The word that is not a directive, with its bytes.
    pub word: Code,
}

/// Every suppression comment of a file, in the order found.
#[derive(Debug, Default)]
pub struct Table {
    pub suppressions: Vec<Suppression>,
    pub malformed: Vec<Malformed>,
}

impl Table {
    /// Reads the whole-line comments (and a comment after the statement on its last line) of
    /// `range`; returns the ids of the `want` directives found. Others are kept as placed
    /// nowhere. A comment inside a statement is never a suppression: callers pass only gaps.
    pub fn scan(&mut self, text: &str, range: Range<usize>, want: &[Directive]) -> Vec<usize> {
        let Some(region) = text.get(range.clone()) else {
            return Vec::new();
        };
        let mut ids = Vec::new();
        let mut at = range.start;
        for line in region.split_inclusive(['\n', '\r']) {
            let start = at;
            at += line.len();
            match parse_comment(line, start) {
                Some(Parsed::Directive(directive, comment, codes)) => {
                    if let Some(id) = self.find(comment.start) {
                        ids.extend(want.contains(&directive).then_some(id));
                        continue;
                    }
                    let applies = want.contains(&directive);
                    let used = vec![false; codes.len().max(1)];
                    self.suppressions.push(Suppression {
                        directive,
                        placement: if applies {
                            Placement::Applies
                        } else {
                            Placement::Nowhere
                        },
                        comment,
                        codes,
                        used,
                    });
                    if applies {
                        ids.push(self.suppressions.len() - 1);
                    }
                }
                Some(Parsed::Malformed(word))
                    if !self.malformed.iter().any(|m| m.word.range == word.range) =>
                {
                    self.malformed.push(Malformed { word });
                }
                Some(Parsed::Malformed(_)) | None => {}
            }
        }
        ids
    }

    fn find(&self, comment_start: usize) -> Option<usize> {
        self.suppressions
            .iter()
            .position(|s| s.comment.start == comment_start)
    }

    /// Does any of `ids` suppress a finding of `info`? Marks every code that does.
    pub fn suppresses(&mut self, ids: &[usize], info: &RuleInfo) -> bool {
        let mut hit = false;
        for &id in ids {
            let s = &mut self.suppressions[id];
            if s.codes.is_empty() {
                s.used[0] = true;
                hit = true;
            }
            for (i, code) in s.codes.iter().enumerate() {
                if code.names(info) {
                    s.used[i] = true;
                    hit = true;
                }
            }
        }
        hit
    }
}

enum Parsed {
    Directive(Directive, Range<usize>, Vec<Code>),
    Malformed(Code),
}

/// One line (`start` is its first byte in the file): a whole-line comment, or a statement's
/// trailing comment when the line starts inside the statement's last line.
fn parse_comment(line: &str, start: usize) -> Option<Parsed> {
    let dashes = line.find("--")?;
    // Only a comment that is all the line holds, or follows the statement on its last line
    // (the caller passes that line from the statement's end).
    if !line[..dashes].trim().is_empty() {
        return None;
    }
    let comment_end = start + line.trim_end().len();
    let body_at = dashes + 2;
    let body = line[body_at..].trim_start();
    let rest = body.strip_prefix("preflight:")?;
    let word_at = line.len() - rest.trim_start().len();
    let word_len = rest
        .trim_start()
        .find(|c: char| c.is_whitespace() || c == ',')
        .unwrap_or(rest.trim_start().len());
    let word = &line[word_at..word_at + word_len];
    let directive = match word {
        "ignore" => Directive::Ignore,
        "ignore-file" => Directive::IgnoreFile,
        // Only a word that tries to be a directive is reported; other notes are left alone.
        w if w.to_ascii_lowercase().starts_with("ignore") => {
            return Some(Parsed::Malformed(Code {
                text: w.to_string(),
                range: start + word_at..start + word_at + word_len,
            }));
        }
        _ => return None,
    };
    let mut codes = Vec::new();
    let mut at = word_at + word_len;
    let line_text = line.trim_end();
    while at < line_text.len() {
        let skip = line_text[at..]
            .find(|c: char| !(c.is_whitespace() || c == ','))
            .unwrap_or(line_text.len() - at);
        at += skip;
        if at >= line_text.len() {
            break;
        }
        let len = line_text[at..]
            .find(|c: char| c.is_whitespace() || c == ',')
            .unwrap_or(line_text.len() - at);
        codes.push(Code {
            text: line_text[at..at + len].to_string(),
            range: start + at..start + at + len,
        });
        at += len;
    }
    Some(Parsed::Directive(
        directive,
        start + dashes..comment_end,
        codes,
    ))
}

/// Where the trailing comment region of a statement ends: the end of its last line.
pub fn line_end(text: &str, from: usize) -> usize {
    text[from..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| from + i)
}

/// Where the gap before a statement starts: the line after the previous statement ends, so a
/// trailing comment of the previous statement is not read as this one's.
pub fn gap_start(text: &str, previous_end: usize) -> usize {
    text[previous_end..]
        .find('\n')
        .map_or(text.len(), |i| previous_end + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Option<(Directive, Vec<String>)> {
        match parse_comment(line, 0)? {
            Parsed::Directive(d, _, codes) => {
                Some((d, codes.into_iter().map(|c| c.text).collect()))
            }
            Parsed::Malformed(_) => None,
        }
    }

    #[test]
    fn parses_codes_and_names() {
        assert_eq!(
            parse("-- preflight: ignore PF101, create-index-without-if-not-exists"),
            Some((
                Directive::Ignore,
                vec!["PF101".into(), "create-index-without-if-not-exists".into()]
            ))
        );
        assert_eq!(
            parse("--preflight: ignore-file\n"),
            Some((Directive::IgnoreFile, vec![]))
        );
        assert_eq!(parse("-- preflight: ignored PF101"), None);
        assert_eq!(parse("SELECT 1 -- preflight: ignore"), None);
        assert_eq!(parse("-- preflight: reviewed by hand"), None);
    }

    #[test]
    fn code_bytes_point_into_the_file() {
        let text = "SELECT 1;\n-- preflight: ignore PF101,PF1O2\n";
        let mut table = Table::default();
        let ids = table.scan(text, 10..text.len(), &[Directive::Ignore]);
        assert_eq!(ids, [0]);
        let s = &table.suppressions[0];
        let codes: Vec<&str> = s.codes.iter().map(|c| &text[c.range.clone()]).collect();
        assert_eq!(codes, ["PF101", "PF1O2"]);
        assert_eq!(&text[s.comment.clone()], "-- preflight: ignore PF101,PF1O2");
    }

    #[test]
    fn a_word_that_tries_to_be_a_directive_is_malformed() {
        let text = "-- preflight: ignored PF101\n";
        let mut table = Table::default();
        table.scan(text, 0..text.len(), &[Directive::Ignore]);
        assert_eq!(table.malformed[0].word.text, "ignored");
        assert!(table.suppressions.is_empty());
    }
}
