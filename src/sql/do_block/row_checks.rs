//! IFs that test a table's rows before changing them (`IF NOT EXISTS (SELECT … FROM t WHERE …)
//! THEN INSERT INTO t …`): such an INSERT does not run again on a retry that finds its row.

use crate::sql::lexer::Tok;
use sqlparser::tokenizer::Token;
use std::ops::Range;

/// Every IF's branch (from `THEN` to its `END IF`), with the tables whose rows its condition
/// reads ([`super::Guarded::checks_rows`]).
pub(super) fn row_checked_branches(tokens: &[Tok]) -> Vec<(Range<usize>, Vec<String>)> {
    // Variable → the tables of the `SELECT … INTO variable FROM …` that filled it.
    let mut filled: Vec<(usize, String, Vec<String>)> = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        if !t.is_kw("INTO") || !tokens[..k].iter().rev().take(40).any(|t| t.is_kw("SELECT")) {
            continue;
        }
        let Some(variable) = tokens.get(k + 1).and_then(|t| t.bare_word()) else {
            continue;
        };
        let tables = tables_after_from(&tokens[k..]);
        filled.push((k, variable.to_ascii_lowercase(), tables));
    }
    let mut open: Vec<Option<(usize, Vec<String>)>> = Vec::new();
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let after_end = i > 0 && tokens[i - 1].is_kw("END");
        if t.is_kw("IF") && after_end {
            if let Some(Some((start, tables))) = open.pop() {
                out.push((start..t.range.start, tables));
            }
        } else if t.is_kw("IF") && !is_if_function(tokens, i) {
            let Some(then) = tokens[i + 1..].iter().position(|t| t.is_kw("THEN")) else {
                open.push(None);
                continue;
            };
            let condition = &tokens[i + 1..i + 1 + then];
            let mut tables = tables_after_from(condition);
            for word in condition.iter().filter_map(|t| t.bare_word()) {
                let word = word.to_ascii_lowercase();
                // The fill last before this IF.
                let last = filled.iter().rev().find(|(at, v, _)| *at < i && *v == word);
                if let Some((_, _, t)) = last {
                    tables.extend(t.iter().cloned());
                }
            }
            open.push(Some((tokens[i + 1 + then].range.end, tables)));
        }
    }
    out
}

/// Is the `IF` at `i` MySQL's `IF(condition, a, b)` function rather than a statement?
fn is_if_function(tokens: &[Tok], i: usize) -> bool {
    let Some(previous) = i.checked_sub(1).map(|p| &tokens[p]) else {
        return false;
    };
    tokens.get(i + 1).is_some_and(|t| t.is(&Token::LParen))
        && (matches!(
            previous.token,
            Token::Eq | Token::Comma | Token::LParen | Token::Assignment
        ) || ["SELECT", "SET", "RETURN", "WHEN", "AND", "OR", "NOT"]
            .iter()
            .any(|w| previous.is_kw(w)))
}

/// The base names (lower case) after each `FROM` of `tokens`, up to the end of that query (the
/// first `;` or `THEN`).
fn tables_after_from(tokens: &[Tok]) -> Vec<String> {
    let end = tokens
        .iter()
        .position(|t| t.is(&Token::SemiColon) || t.is_kw("THEN"))
        .unwrap_or(tokens.len());
    let tokens = &tokens[..end];
    let mut out = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        if !t.is_kw("FROM") {
            continue;
        }
        // `FROM s.t`: the last part.
        let mut i = k + 1;
        while tokens.get(i + 1).is_some_and(|t| t.is(&Token::Period)) {
            i += 2;
        }
        if let Some(Token::Word(w)) = tokens.get(i).map(|t| &t.token) {
            out.push(w.value.to_lowercase());
        }
    }
    out
}
