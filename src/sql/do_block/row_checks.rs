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

/// Where `text` (a file in `dialect`) writes rows of a table, as (byte of the verb, base name
/// lower case, as [`row_checked_branches`] names the tables a condition reads): `INSERT INTO
/// t`, `UPDATE [ONLY] t`, `DELETE FROM [ONLY] t`, `TRUNCATE [TABLE] [ONLY] t, …`, `MERGE INTO
/// t`, `COPY t … FROM`; in dollar-quoted bodies (DO blocks, routines) and the string literal an
/// `EXECUTE` runs too. A word that only looks like such a verb (`ON UPDATE CASCADE`) names a
/// table that is not written: a retry rule then claims less, never more.
pub fn row_writes(text: &str, dialect: crate::sql::Dialect) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    writes_in(text, dialect, 0..text.len(), 0, &mut out);
    out
}

fn writes_in(
    text: &str,
    dialect: crate::sql::Dialect,
    range: Range<usize>,
    depth: usize,
    out: &mut Vec<(usize, String)>,
) {
    let tokens = crate::sql::lexer::lex(dialect, text, range).tokens;
    for (k, t) in tokens.iter().enumerate() {
        let inner = match &t.token {
            Token::DollarQuotedString(s) => {
                let quote = s.tag.as_deref().unwrap_or_default().len() + 2;
                Some(t.range.start + quote..t.range.end.saturating_sub(quote))
            }
            Token::SingleQuotedString(_) if k > 0 && tokens[k - 1].is_kw("EXECUTE") => {
                Some(t.range.start + 1..t.range.end.saturating_sub(1))
            }
            _ => None,
        };
        // The quotes as lexed (`E'…'` and an unterminated quote are not read).
        let quoted = |r: &Range<usize>| {
            let whole = text.get(t.range.clone()).unwrap_or_default();
            r.start < r.end
                && text.get(r.clone()).is_some()
                && whole.get(..r.start - t.range.start) == whole.get(r.end - t.range.start..)
        };
        if let Some(inner) = inner.filter(|r| depth < 8 && quoted(r)) {
            writes_in(text, dialect, inner, depth + 1, out);
            continue;
        }
        let at = t.range.start;
        let next_is = |n: usize, kw: &str| tokens.get(k + n).is_some_and(|t| t.is_kw(kw));
        let mut push = |from: usize| {
            let from = from + usize::from(tokens.get(from).is_some_and(|t| t.is_kw("ONLY")));
            let end = name_end(&tokens, from);
            if let Some(Token::Word(w)) = end.and_then(|e| tokens.get(e)).map(|t| &t.token) {
                out.push((at, w.value.to_lowercase()));
            }
            end
        };
        if (t.is_kw("INSERT") || t.is_kw("MERGE")) && next_is(1, "INTO")
            || t.is_kw("DELETE") && next_is(1, "FROM")
        {
            push(k + 2);
        } else if t.is_kw("UPDATE") {
            push(k + 1);
        } else if t.is_kw("TRUNCATE") {
            let mut from = k + 1 + usize::from(next_is(1, "TABLE"));
            while let Some(end) = push(from) {
                if !tokens.get(end + 1).is_some_and(|t| t.is(&Token::Comma)) {
                    break;
                }
                from = end + 2;
            }
        } else if t.is_kw("COPY") {
            let rest = tokens[k + 1..]
                .iter()
                .take_while(|t| !t.is(&Token::SemiColon));
            if rest.clone().any(|t| t.is_kw("FROM")) && !rest.clone().any(|t| t.is_kw("TO")) {
                push(k + 1);
            }
        }
    }
}

/// The last part of the name `s.t` that starts at token `from`: its index.
fn name_end(tokens: &[Tok], from: usize) -> Option<usize> {
    let mut i = from;
    while tokens.get(i + 1).is_some_and(|t| t.is(&Token::Period)) {
        i += 2;
    }
    matches!(tokens.get(i)?.token, Token::Word(_)).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::row_writes;
    use crate::sql::Dialect;

    fn written(sql: &str) -> Vec<String> {
        row_writes(sql, Dialect::Postgres)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn the_writes_of_a_file_its_do_bodies_and_executed_strings() {
        let sql = "INSERT INTO s.a VALUES (1);\nUPDATE ONLY b SET x = 1;\nDELETE FROM c;\n\
                   TRUNCATE TABLE d, ONLY e;\nCOPY f FROM stdin;\nCOPY g TO stdout;\n\
                   DO $$ BEGIN MERGE INTO h USING z ON true WHEN MATCHED THEN DELETE; \
                   EXECUTE 'INSERT INTO i VALUES (1)'; END $$;\nSELECT * FROM j;";
        assert_eq!(written(sql), ["a", "b", "c", "d", "e", "f", "h", "i"]);
    }
}
