//! Splits a region of a file into statements. The tokenizer decides what is a string, a dollar
//! quote or a comment; on top of it we handle what a plain `;` split gets wrong:
//! psql meta-command lines (`\set …`), MySQL `DELIMITER` lines, and routine bodies whose inner
//! `;` do not end the statement (PostgreSQL `BEGIN ATOMIC … END`, SQLite trigger bodies,
//! MySQL `BEGIN … END` without a custom delimiter).

use super::lexer::{lex, lex_into, LexError, Tok};
use super::Dialect;
use crate::source::SourceFile;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;
use std::ops::Range;

/// A line that is not SQL but an instruction to the client that runs the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub kind: DirectiveKind,
    /// The line without its terminator.
    pub range: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectiveKind {
    /// A psql meta-command such as `\set`, `\connect` or `\i`: skipped, not SQL.
    PsqlMeta,
    /// MySQL client `DELIMITER x`: changes what ends a statement.
    Delimiter,
}

/// A statement before parsing: its significant tokens and where it ends.
#[derive(Debug, Clone)]
pub struct RawStatement {
    pub tokens: Vec<Tok>,
    pub range: Range<usize>,
    pub terminator: Option<Range<usize>>,
}

#[derive(Debug, Default)]
pub struct Split {
    pub statements: Vec<RawStatement>,
    pub directives: Vec<Directive>,
    pub error: Option<LexError>,
}

/// Splits `source.text[range]`. Directive lines are honoured only when `directives` is true
/// (a whole file, not the body of a DO block).
pub fn split(
    source: &SourceFile,
    dialect: Dialect,
    range: Range<usize>,
    directives: bool,
) -> Split {
    let mut statements = Vec::new();
    let mut out = split_each(source, dialect, range, directives, &mut |s| {
        statements.push(s)
    });
    out.statements = statements;
    out
}

/// [`split`], handing each statement to `each` as soon as it ends instead of collecting them:
/// memory stays bounded by the largest statement. The result holds no statements.
pub fn split_each(
    source: &SourceFile,
    dialect: Dialect,
    range: Range<usize>,
    directives: bool,
    each: &mut dyn FnMut(RawStatement),
) -> Split {
    let text: &str = &source.text;
    let mut out = Split::default();
    let mut pos = range.start;
    let mut delimiter: Option<String> = None;
    while pos < range.end {
        // The region runs to the next directive line that is really at top level: a candidate
        // inside an unterminated string makes the region fail to tokenize, so we look further.
        let mut search_from = pos;
        loop {
            let candidate = if directives {
                next_directive(text, search_from, range.end, dialect)
            } else {
                None
            };
            let region_end = candidate.as_ref().map_or(range.end, |d| d.range.start);
            // A region that runs to the end is final: its statements go out as they end. One
            // that stops at a directive may be retried further, so it is held until it lexes.
            let mut held = Vec::new();
            let region = if candidate.is_none() {
                split_region(source, dialect, pos..region_end, delimiter.as_deref(), each)
            } else {
                let hold = &mut |s| held.push(s);
                split_region(source, dialect, pos..region_end, delimiter.as_deref(), hold)
            };
            match (region.error.is_some(), candidate) {
                (true, Some(d)) => search_from = line_end_after(text, d.range.end, range.end),
                (_, candidate) => {
                    held.into_iter().for_each(&mut *each);
                    if let Some(error) = region.error {
                        out.error = Some(error);
                        return out;
                    }
                    match candidate {
                        None => pos = range.end,
                        Some(d) => {
                            if d.kind == DirectiveKind::Delimiter {
                                delimiter = new_delimiter(&text[d.range.clone()]);
                            }
                            pos = line_end_after(text, d.range.end, range.end);
                            out.directives.push(d);
                        }
                    }
                    break;
                }
            }
        }
    }
    out
}

fn line_end_after(text: &str, at: usize, limit: usize) -> usize {
    text[at..limit].find('\n').map_or(limit, |i| at + i + 1)
}

/// `DELIMITER //` → `Some("//")`; `DELIMITER ;` → `None` (back to the default).
fn new_delimiter(line: &str) -> Option<String> {
    let rest = line.trim_start().get("delimiter".len()..)?.trim();
    let word = rest.split_whitespace().next()?;
    (word != ";").then(|| word.to_string())
}

/// Does a line of `text[from..]` look like a client directive (a psql meta-command, `DELIMITER`)?
/// Quick and conservative: a candidate inside a string counts too.
pub fn has_directive_line(text: &str, from: usize, dialect: Dialect) -> bool {
    next_directive(text, from, text.len(), dialect).is_some()
}

/// The next line in `text[from..end]` whose first non-blank characters look like a directive.
fn next_directive(text: &str, from: usize, end: usize, dialect: Dialect) -> Option<Directive> {
    if !matches!(dialect, Dialect::Postgres) && !dialect.is_mysql_family() {
        return None;
    }
    let mut line_start = from;
    // `from` may be mid-line only at the start of a region; a directive must begin a line.
    if from > 0 && !text[..from].ends_with('\n') && &text[..from] != "\u{feff}" {
        line_start = line_end_after(text, from, end);
    }
    while line_start < end {
        let line_end = text[line_start..end]
            .find('\n')
            .map_or(end, |i| line_start + i);
        let line = &text[line_start..line_end];
        let trimmed = line.trim_start();
        let is_directive = match dialect {
            Dialect::Postgres => trimmed.starts_with('\\'),
            _ => {
                trimmed.len() > 9
                    && trimmed.is_char_boundary(9)
                    && trimmed[..9].eq_ignore_ascii_case("delimiter")
                    && trimmed[9..].starts_with([' ', '\t'])
            }
        };
        if is_directive {
            let mut stop = line_end;
            while stop > line_start && text.as_bytes()[stop - 1] == b'\r' {
                stop -= 1;
            }
            let kind = if dialect == Dialect::Postgres {
                DirectiveKind::PsqlMeta
            } else {
                DirectiveKind::Delimiter
            };
            return Some(Directive {
                kind,
                range: line_start + (line.len() - trimmed.len())..stop,
            });
        }
        line_start = line_end + 1;
    }
    None
}

fn split_region(
    source: &SourceFile,
    dialect: Dialect,
    range: Range<usize>,
    delimiter: Option<&str>,
    each: &mut dyn FnMut(RawStatement),
) -> Split {
    match delimiter {
        None => split_on_semicolons(source, dialect, range, each),
        Some(d) => split_on_delimiter(source, dialect, range, d, each),
    }
}

fn split_on_semicolons(
    source: &SourceFile,
    dialect: Dialect,
    range: Range<usize>,
    each: &mut dyn FnMut(RawStatement),
) -> Split {
    let mut out = Split::default();
    let mut current: Vec<Tok> = Vec::new();
    let mut body = BodyDepth::default();
    // Tokens go straight into their statement: no file-sized token vector in between.
    let error = lex_into(dialect, &source.text, range.clone(), |tok| {
        if matches!(tok.token, Token::SemiColon) {
            body.settle();
            if body.depth == 0 {
                let terminator = tok.range.clone();
                // Statements of a file tend to be alike: start the next at this one's size.
                let next = Vec::with_capacity(current.len());
                push_statement(
                    each,
                    std::mem::replace(&mut current, next),
                    Some(terminator),
                );
                body = BodyDepth::default();
                return;
            }
        }
        body.observe(&current, &tok, dialect);
        current.push(tok);
    });
    if let Some(error) = error {
        // The statement that holds the unterminated construct runs to the end of the region.
        // A construct that opens a statement (a comment, a string) leaves no statement to check.
        if let Some(first) = current.first() {
            each(RawStatement {
                range: first.range.start..range.end,
                tokens: current,
                terminator: None,
            });
        }
        out.error = Some(error);
    } else {
        push_statement(each, current, None);
    }
    out
}

fn split_on_delimiter(
    source: &SourceFile,
    dialect: Dialect,
    range: Range<usize>,
    delimiter: &str,
    each: &mut dyn FnMut(RawStatement),
) -> Split {
    let text: &str = &source.text;
    let mut out = Split::default();
    let mut start = range.start;
    let mut search = range.start;
    while start < range.end {
        let found = text[search..range.end].find(delimiter).map(|i| search + i);
        let segment_end = found.unwrap_or(range.end);
        let lexed = lex(dialect, text, start..segment_end);
        if let Some(error) = lexed.error {
            if let Some(at) = found {
                // The delimiter sits inside a string or comment: keep looking.
                search = at + delimiter.len();
                continue;
            }
            if let Some(first) = lexed.tokens.first() {
                each(RawStatement {
                    range: first.range.start..range.end,
                    tokens: lexed.tokens,
                    terminator: None,
                });
            }
            out.error = Some(error);
            return out;
        }
        let terminator = found.map(|at| at..at + delimiter.len());
        push_statement(each, lexed.tokens, terminator);
        start = found.map_or(range.end, |at| at + delimiter.len());
        search = start;
    }
    out
}

fn push_statement(
    each: &mut dyn FnMut(RawStatement),
    mut tokens: Vec<Tok>,
    terminator: Option<Range<usize>>,
) {
    // Shrinking in place is cheap and the tokens may live as long as the parsed file.
    tokens.shrink_to_fit();
    let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else {
        return;
    };
    let end = terminator.as_ref().map_or(last.range.end, |t| t.end);
    each(RawStatement {
        range: first.range.start..end,
        tokens,
        terminator,
    });
}

/// Tracks `BEGIN … END` bodies inside `CREATE FUNCTION/PROCEDURE/TRIGGER/EVENT`, where `;` does
/// not end the statement.
#[derive(Default)]
struct BodyDepth {
    depth: usize,
    routine: bool,
    /// An `END` whose meaning depends on the next token (`END IF` closes nothing we counted).
    pending_end: bool,
}

impl BodyDepth {
    /// Called at a `;`: a pending END closes its block.
    fn settle(&mut self) {
        if std::mem::take(&mut self.pending_end) {
            self.depth = self.depth.saturating_sub(1);
        }
    }

    fn observe(&mut self, before: &[Tok], tok: &Tok, dialect: Dialect) {
        if before.is_empty() {
            return;
        }
        if !self.routine {
            // By keyword, not by text: this runs for every token of every statement.
            self.routine = matches!(&before[0].token, Token::Word(w) if w.keyword == Keyword::CREATE && w.quote_style.is_none())
                && matches!(&tok.token, Token::Word(w) if w.quote_style.is_none() && matches!(
                    w.keyword,
                    Keyword::FUNCTION | Keyword::PROCEDURE | Keyword::TRIGGER | Keyword::EVENT
                ));
            return;
        }
        let previous = before.last();
        if std::mem::take(&mut self.pending_end) {
            if ["IF", "LOOP", "WHILE", "REPEAT", "FOR"]
                .iter()
                .any(|k| tok.is_kw(k))
            {
                return;
            }
            self.depth = self.depth.saturating_sub(1);
        }
        if tok.is_kw("BEGIN") {
            if self.depth > 0 || dialect != Dialect::Postgres {
                self.depth += 1;
            }
        } else if tok.is_kw("ATOMIC") && previous.is_some_and(|p| p.is_kw("BEGIN")) {
            self.depth += 1;
        } else if self.depth > 0 && tok.is_kw("CASE") {
            // `END CASE` closes a CASE statement; a CASE expression ends with a bare END.
            if !previous.is_some_and(|p| p.is_kw("END")) {
                self.depth += 1;
            }
        } else if self.depth > 0 && tok.is_kw("END") {
            self.pending_end = true;
        }
    }
}
