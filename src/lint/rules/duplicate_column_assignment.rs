//! PF203: an `UPDATE … SET`, `INSERT (…)` column list or `ON CONFLICT DO UPDATE SET` that names
//! the same column twice fails every time (squawk: ban-duplicate-column-assignments).

use super::prelude::*;
use crate::lint::columns::token_name;
use crate::sql::{top_level, Tok};
use sqlparser::tokenizer::Token;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF203",
    "duplicate-column-assignment",
    Severity::Error,
    "a column assigned twice in one UPDATE or INSERT fails every time: \"multiple assignments to same column\"",
    include_str!("../../../rules/PF203.md"),
);

pub struct DuplicateColumnAssignment;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &DuplicateColumnAssignment;

impl Rule for DuplicateColumnAssignment {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    // MySQL and SQLite accept a repeated assignment (the last one wins).
    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let tokens = &cx.statement.tokens;
        let Some(first) = tokens.first() else { return };
        if !(first.is_kw("UPDATE") || first.is_kw("INSERT") || first.is_kw("WITH")) {
            return;
        }
        let text = &cx.source.text;
        let mut lists: Vec<Vec<&Tok>> = Vec::new();
        for (i, t) in top_level(tokens) {
            if t.is_kw("SET") && tokens[..i].iter().any(|u| u.is_kw("UPDATE")) {
                lists.push(set_targets(&tokens[i + 1..]));
            } else if t.is_kw("INTO") && tokens[..i].iter().any(|u| u.is_kw("INSERT")) {
                lists.extend(insert_columns(&tokens[i + 1..]));
            }
        }
        for list in lists {
            let mut seen: Vec<String> = Vec::new();
            for tok in list {
                let name = token_name(text, tok);
                let base = name.base().to_string();
                if seen.contains(&base) {
                    out.push(Violation::new(
                        tok.range.clone(),
                        format!(
                            "column `{}` is assigned twice: PostgreSQL rejects the statement (\"multiple assignments to same column\") on every run",
                            name.text
                        ),
                    ));
                } else {
                    seen.push(base);
                }
            }
        }
    }
}

/// The plain columns a `SET` list assigns: `a = …`, `(a, b) = …`. Subscripted or field targets
/// (`a[1] = …`, `a.f = …`) may repeat a column legally and are left out.
fn set_targets(tokens: &[Tok]) -> Vec<&Tok> {
    const ENDS: &[&str] = &["FROM", "WHERE", "RETURNING"];
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut item_start = true;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        match t.token {
            Token::LParen if depth == 0 && item_start => {
                // `(a, b) = (…)`: the names up to the closing parenthesis.
                let mut j = i + 1;
                while j < tokens.len() && !tokens[j].is(&Token::RParen) {
                    if is_plain_target(tokens, j) {
                        out.push(&tokens[j]);
                    }
                    j += 1;
                }
                i = j + 1;
                item_start = false;
                continue;
            }
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Comma if depth == 0 => item_start = true,
            _ if depth == 0 && ENDS.iter().any(|k| t.is_kw(k)) => break,
            Token::Word(_) if depth == 0 && item_start => {
                if tokens.get(i + 1).is_some_and(|n| n.is(&Token::Eq)) {
                    out.push(t);
                }
                item_start = false;
            }
            _ => item_start = false,
        }
        i += 1;
    }
    out
}

/// A name inside `( … ) =` followed by `,` or `)`, not by `[` or `.`.
fn is_plain_target(tokens: &[Tok], j: usize) -> bool {
    matches!(tokens[j].token, Token::Word(_))
        && tokens
            .get(j + 1)
            .is_some_and(|n| n.is(&Token::Comma) || n.is(&Token::RParen))
        && tokens
            .get(j.wrapping_sub(1))
            .is_some_and(|p| p.is(&Token::Comma) || p.is(&Token::LParen))
}

/// `INSERT INTO name [AS alias] (a, b, …)`: the column list's names.
fn insert_columns(tokens: &[Tok]) -> Option<Vec<&Tok>> {
    let mut i = 0;
    // The table name: words joined by dots.
    while tokens.get(i).is_some_and(|t| matches!(t.token, Token::Word(_)))
        && !tokens[i].is_kw("AS")
    {
        i += 1;
        if tokens.get(i).is_some_and(|t| t.is(&Token::Period)) {
            i += 1;
        } else {
            break;
        }
    }
    if tokens.get(i).is_some_and(|t| t.is_kw("AS")) {
        i += 2;
    }
    if !tokens.get(i)?.is(&Token::LParen) {
        return None;
    }
    if tokens.get(i + 1).is_some_and(|t| t.is_kw("SELECT") || t.is_kw("WITH") || t.is_kw("VALUES")) {
        return None;
    }
    let mut out = Vec::new();
    let mut j = i + 1;
    while j < tokens.len() && !tokens[j].is(&Token::RParen) {
        if is_plain_target(tokens, j) {
            out.push(&tokens[j]);
        }
        j += 1;
    }
    Some(out)
}
