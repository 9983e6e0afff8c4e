//! PostgreSQL `DO $$ … $$` blocks: the DDL inside runs at migration time, so it is split out and
//! checked like any other statement; and a block that catches "already exists" errors or checks
//! the catalog before acting is a retry guard.

use super::lexer::Tok;
use super::split::{split, RawStatement};
use super::Dialect;
use crate::source::SourceFile;
use sqlparser::tokenizer::Token;
use std::ops::Range;

/// Bytes of the body of a DO statement's dollar-quoted string (between the quotes).
pub fn body_range(source: &SourceFile, tokens: &[Tok]) -> Option<Range<usize>> {
    let body = tokens.iter().find_map(|t| match &t.token {
        Token::DollarQuotedString(s) => Some((t.range.clone(), s.tag.clone().unwrap_or_default())),
        _ => None,
    })?;
    let (range, tag) = body;
    let quote = format!("${tag}$");
    let text = source.text.get(range.clone())?;
    if !(text.starts_with(&quote) && text.ends_with(&quote) && text.len() >= 2 * quote.len()) {
        return None;
    }
    Some(range.start + quote.len()..range.end - quote.len())
}

/// The SQL statements inside a DO body, with PL/pgSQL control words (`BEGIN`, `IF … THEN`,
/// `EXCEPTION WHEN … THEN`) stripped from their front.
pub fn inner_statements(source: &SourceFile, body: Range<usize>) -> (Vec<RawStatement>, Vec<Tok>) {
    let segments = split(source, Dialect::Postgres, body, false);
    let mut all_tokens = Vec::new();
    let mut inner = Vec::new();
    for segment in segments.statements {
        if let Some(k) = embedded_start(&segment.tokens) {
            let tokens = segment.tokens[k..].to_vec();
            inner.push(RawStatement {
                range: tokens[0].range.start..segment.range.end,
                tokens,
                terminator: segment.terminator.clone(),
            });
        }
        all_tokens.extend(segment.tokens);
    }
    (inner, all_tokens)
}

/// The statements of a DO body that run SQL the block builds at run time (PL/pgSQL
/// `EXECUTE`, e.g. `EXECUTE format('ALTER TABLE %I …', t)`), or that call a routine `dynamic`
/// says does (`PERFORM f()`): byte ranges, from `EXECUTE` or the statement's start.
pub fn dynamic_statements(
    source: &SourceFile,
    body: Range<usize>,
    dynamic: &dyn Fn(&str) -> bool,
) -> Vec<Range<usize>> {
    let segments = split(source, Dialect::Postgres, body, false);
    let mut out = Vec::new();
    for segment in segments.statements {
        let tokens = &segment.tokens;
        let execute = tokens.iter().enumerate().find(|(k, t)| {
            t.is_kw("EXECUTE")
                && (*k == 0
                    || tokens[k - 1].is(&Token::ShiftRight)
                    || AFTER_CONTROL.iter().any(|s| tokens[k - 1].is_kw(s)))
        });
        if let Some((_, t)) = execute {
            out.push(t.range.start..segment.range.end);
        } else if calls(tokens, dynamic) {
            out.push(segment.range.clone());
        }
    }
    out
}

/// Do `tokens` call a routine `dynamic` accepts (`name (`)?
pub fn calls(tokens: &[Tok], dynamic: &dyn Fn(&str) -> bool) -> bool {
    // `(` first: only a word before one is lower-cased and looked up.
    tokens.windows(2).any(|pair| {
        pair[1].is(&Token::LParen)
            && matches!(&pair[0].token, Token::Word(w) if dynamic(&w.value.to_lowercase()))
    })
}

const SQL_STARTS: &[&str] = &["CREATE", "ALTER", "DROP", "INSERT"];
const AFTER_CONTROL: &[&str] = &["BEGIN", "THEN", "ELSE", "LOOP", "DECLARE"];

fn embedded_start(tokens: &[Tok]) -> Option<usize> {
    tokens.iter().enumerate().find_map(|(k, t)| {
        let starts_sql = SQL_STARTS.iter().any(|s| t.is_kw(s));
        let after_control = k == 0
            || tokens[k - 1].is(&Token::ShiftRight)
            || AFTER_CONTROL.iter().any(|s| tokens[k - 1].is_kw(s));
        (starts_sql && after_control).then_some(k)
    })
}

/// Which parts of a DO body are guarded: all of it when an exception handler catches
/// "already exists" / "does not exist" (or `WHEN OTHERS`); otherwise the branches of
/// `IF [NOT] EXISTS (SELECT … FROM pg_…/information_schema…) THEN … END IF`.
#[derive(Debug, Default)]
pub struct Guarded {
    whole_block: bool,
    branches: Vec<Range<usize>>,
}

impl Guarded {
    pub fn of(tokens: &[Tok]) -> Guarded {
        Guarded {
            whole_block: catches_duplicates(tokens),
            branches: catalog_checked_branches(tokens),
        }
    }

    /// Is a statement starting at byte `at` guarded?
    pub fn covers(&self, at: usize) -> bool {
        self.whole_block || self.branches.iter().any(|b| b.contains(&at))
    }
}

const CAUGHT_CODES: &[&str] = &[
    "42710", "42P07", "42701", "42P06", "42723", "42P04", "42P01", "42703", "42704", "42P16",
];

fn catches_duplicates(tokens: &[Tok]) -> bool {
    let Some(handler) = tokens.iter().position(|t| t.is_kw("EXCEPTION")) else {
        return false;
    };
    let mut in_condition = false;
    for t in &tokens[handler..] {
        if t.is_kw("WHEN") {
            in_condition = true;
        } else if t.is_kw("THEN") {
            in_condition = false;
        } else if in_condition {
            let hit = match &t.token {
                Token::Word(w) if w.quote_style.is_none() => {
                    let w = w.value.to_ascii_lowercase();
                    // invalid_table_definition: "multiple primary keys … are not allowed".
                    w == "others"
                        || w == "invalid_table_definition"
                        || w.starts_with("duplicate_")
                        || w.starts_with("undefined_")
                }
                Token::SingleQuotedString(code) => {
                    CAUGHT_CODES.iter().any(|c| c.eq_ignore_ascii_case(code))
                }
                _ => false,
            };
            if hit {
                return true;
            }
        }
    }
    false
}

/// Byte ranges between `THEN` and the matching `END IF` of IFs whose condition reads the catalog.
fn catalog_checked_branches(tokens: &[Tok]) -> Vec<Range<usize>> {
    let lookup = |t: &Tok| {
        t.bare_word().is_some_and(|w| {
            let w = w.to_ascii_lowercase();
            w.starts_with("pg_") || w == "information_schema" || w.starts_with("to_reg")
        })
    };
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut branches = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let after_end = i > 0 && tokens[i - 1].is_kw("END");
        if t.is_kw("IF") && after_end {
            if let Some(Some(start)) = open.pop() {
                branches.push(start..t.range.start);
            }
        } else if t.is_kw("IF") {
            let condition = tokens[i + 1..].iter().take_while(|t| !t.is_kw("THEN"));
            let mut reads_catalog = false;
            let mut then_end = None;
            for (k, c) in condition.enumerate() {
                reads_catalog |= lookup(c);
                then_end = tokens.get(i + 1 + k + 1).map(|t| t.range.end);
            }
            open.push(reads_catalog.then_some(then_end).flatten());
        }
    }
    branches
}
