//! Suppression comments: `-- preflight: ignore CODE[, CODE]` on the lines before a statement
//! (or at the end of its last line), and `-- preflight: ignore-file [CODE…]` before the first
//! statement. Codes may be rule codes or names; no codes means every rule.

use crate::diagnostics::RuleInfo;
use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeSet {
    All,
    Some(Vec<String>),
}

impl CodeSet {
    pub fn covers(&self, info: &RuleInfo) -> bool {
        match self {
            CodeSet::All => true,
            CodeSet::Some(codes) => codes
                .iter()
                .any(|c| c.eq_ignore_ascii_case(info.code) || c.eq_ignore_ascii_case(info.name)),
        }
    }

    fn merge(self, other: CodeSet) -> CodeSet {
        match (self, other) {
            (CodeSet::All, _) | (_, CodeSet::All) => CodeSet::All,
            (CodeSet::Some(mut a), CodeSet::Some(b)) => {
                a.extend(b);
                CodeSet::Some(a)
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    Ignore,
    IgnoreFile,
}

fn parse_comment(line: &str) -> Option<(Directive, CodeSet)> {
    let body = line.trim().strip_prefix("--")?.trim_start();
    let rest = body.strip_prefix("preflight:")?.trim_start();
    let (directive, codes) = if let Some(codes) = rest.strip_prefix("ignore-file") {
        (Directive::IgnoreFile, codes)
    } else {
        (Directive::Ignore, rest.strip_prefix("ignore")?)
    };
    if !codes.is_empty() && !codes.starts_with([' ', '\t', ',']) {
        return None;
    }
    let codes: Vec<String> = codes
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    let set = if codes.is_empty() {
        CodeSet::All
    } else {
        CodeSet::Some(codes)
    };
    Some((directive, set))
}

/// Only whole lines that are comments count; a comment inside a statement is not a suppression.
fn scan(text: &str, range: Range<usize>, want: Directive) -> Option<CodeSet> {
    let region = text.get(range)?;
    region
        .split(['\n', '\r'])
        .filter_map(parse_comment)
        .filter(|(d, _)| *d == want)
        .map(|(_, set)| set)
        .reduce(CodeSet::merge)
}

/// `ignore-file` comments before the first statement (`end`).
pub fn file_level(text: &str, end: usize) -> Option<CodeSet> {
    scan(text, 0..end, Directive::IgnoreFile)
}

/// `ignore` comments between `gap_start` and the statement, plus a trailing comment on the
/// statement's last line.
pub fn for_statement(text: &str, gap_start: usize, statement: &Range<usize>) -> Option<CodeSet> {
    let before = scan(text, gap_start..statement.start, Directive::Ignore);
    let line_end = text[statement.end..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| statement.end + i);
    let trailing = scan(text, statement.end..line_end, Directive::Ignore);
    match (before, trailing) {
        (Some(a), Some(b)) => Some(a.merge(b)),
        (a, b) => a.or(b),
    }
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

    #[test]
    fn parses_codes_and_names() {
        assert_eq!(
            parse_comment("-- preflight: ignore PF101, create-index-without-if-not-exists"),
            Some((
                Directive::Ignore,
                CodeSet::Some(vec![
                    "PF101".into(),
                    "create-index-without-if-not-exists".into()
                ])
            ))
        );
        assert_eq!(
            parse_comment("--preflight: ignore-file"),
            Some((Directive::IgnoreFile, CodeSet::All))
        );
        assert_eq!(parse_comment("-- preflight: ignored PF101"), None);
        assert_eq!(parse_comment("SELECT 1 -- preflight: ignore"), None);
    }
}
