//! IFs that test a table's rows before changing them (`IF NOT EXISTS (SELECT … FROM t WHERE …)
//! THEN INSERT INTO t …`): such an INSERT does not run again on a retry that finds its row.

use crate::sql::lexer::Tok;
use crate::sql::search_path::SessionPath;
use sqlparser::tokenizer::Token;
use std::ops::Range;

/// A table whose rows a statement reads or writes: the schema (`None`: the name has none, and
/// the file's own search_path does not place it) and the base name, lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowTable {
    pub schema: Option<String>,
    pub base: String,
}

impl RowTable {
    /// The table under the search_path whose first schema is `home` (`None`: the connection's
    /// own): an unqualified name is in `home`.
    pub fn resolved(&self, home: Option<&str>) -> RowTable {
        RowTable {
            schema: self.schema.clone().or_else(|| home.map(str::to_string)),
            base: self.base.clone(),
        }
    }

    /// May `self` and `other` (both [`resolved`](Self::resolved)) be the same table? Two known
    /// schemas must be equal (`a.t` is not `b.t`). On PostgreSQL (`postgres`) a name without
    /// one is looked up through the connection's search_path, `"$user", public` unless the
    /// runner changed it: it may be `public.t` or another unqualified `t`, not `a.t`. On
    /// MySQL/MariaDB it is in the connection's database, which may be any (`db.t`, `t`).
    pub fn may_be(&self, other: &RowTable, postgres: bool) -> bool {
        self.base == other.base
            && match (&self.schema, &other.schema) {
                (Some(a), Some(b)) => a == b,
                (None, None) => true,
                (Some(s), None) | (None, Some(s)) => !postgres || s == "public",
            }
    }
}

/// The IFs of a body and the tables their conditions read rows of.
pub(super) struct RowChecked {
    /// Every IF's branch (from its first `THEN` to its `END IF`), with the tables the IF's
    /// own condition reads ([`super::Guarded::checks_rows`]), base names.
    pub(super) checks: Vec<(Range<usize>, Vec<String>)>,
    /// Every branch of every IF (from a `THEN` to the next `ELSIF`, or to `END IF`: an `ELSE`
    /// runs on the conditions before it), with the tables the conditions that decide whether
    /// it runs read: the IF's and those of the `ELSIF`s up to it
    /// ([`super::Guarded::condition_reads`]).
    pub(super) reads: Vec<(Range<usize>, Vec<RowTable>)>,
}

/// An IF open while reading a body: where its first branch starts and what its condition
/// reads, where its current branch starts and what the conditions up to it read.
struct OpenIf {
    first: usize,
    first_tables: Vec<String>,
    branch: usize,
    reads: Vec<RowTable>,
}

/// The IFs of body `tokens` ([`RowChecked`]).
pub(super) fn row_checked_branches(tokens: &[Tok]) -> RowChecked {
    // Variable → the tables of the `SELECT … INTO variable FROM …` that filled it.
    let mut filled: Vec<(usize, String, Vec<RowTable>)> = Vec::new();
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
    // The tables the condition after token `i` (an IF or ELSIF) reads, and the index of its
    // `THEN`.
    let condition = |i: usize| -> Option<(usize, Vec<RowTable>)> {
        let then = i + 1 + tokens[i + 1..].iter().position(|t| t.is_kw("THEN"))?;
        let condition = &tokens[i + 1..then];
        let mut tables = tables_after_from(condition);
        for word in condition.iter().filter_map(|t| t.bare_word()) {
            let word = word.to_ascii_lowercase();
            // The fill last before this condition.
            let last = filled.iter().rev().find(|(at, v, _)| *at < i && *v == word);
            if let Some((_, _, t)) = last {
                tables.extend(t.iter().cloned());
            }
        }
        Some((then, tables))
    };
    let mut open: Vec<Option<OpenIf>> = Vec::new();
    let mut out = RowChecked {
        checks: Vec::new(),
        reads: Vec::new(),
    };
    for (i, t) in tokens.iter().enumerate() {
        let after_end = i > 0 && tokens[i - 1].is_kw("END");
        if t.is_kw("IF") && after_end {
            if let Some(Some(o)) = open.pop() {
                out.checks.push((o.first..t.range.start, o.first_tables));
                out.reads.push((o.branch..t.range.start, o.reads));
            }
        } else if t.is_kw("ELSIF") || t.is_kw("ELSEIF") {
            let Some(Some(o)) = open.last_mut() else {
                continue;
            };
            let Some((then, tables)) = condition(i) else {
                continue;
            };
            out.reads.push((o.branch..t.range.start, o.reads.clone()));
            o.reads.extend(tables);
            o.branch = tokens[then].range.end;
        } else if t.is_kw("IF") && !is_if_function(tokens, i) {
            let Some((then, tables)) = condition(i) else {
                open.push(None);
                continue;
            };
            let start = tokens[then].range.end;
            open.push(Some(OpenIf {
                first: start,
                first_tables: tables.iter().map(|t| t.base.clone()).collect(),
                branch: start,
                reads: tables,
            }));
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

/// The tables after each `FROM` of `tokens`, up to the end of that query (the first `;` or
/// `THEN`).
fn tables_after_from(tokens: &[Tok]) -> Vec<RowTable> {
    let end = tokens
        .iter()
        .position(|t| t.is(&Token::SemiColon) || t.is_kw("THEN"))
        .unwrap_or(tokens.len());
    let tokens = &tokens[..end];
    tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.is_kw("FROM"))
        .filter_map(|(k, _)| table_at(tokens, k + 1).map(|(table, _)| table))
        .collect()
}

/// Where `text` (a file in `dialect`) writes rows of a table, as (byte of the verb, the table,
/// its schema that of the name, else the first of the search_path the file set before the
/// statement; `file_transaction`: the runner runs the file in one transaction, so a `SET
/// LOCAL` lasts): `INSERT [IGNORE] INTO t`, `REPLACE INTO t`, `UPDATE [ONLY] t`, `DELETE FROM
/// [ONLY] t`, `TRUNCATE [TABLE] [ONLY] t, …`, `MERGE INTO t`, `COPY t … FROM`; in dollar-quoted
/// bodies (DO blocks, routines, under the path of the statement that holds them) and the
/// string literal an `EXECUTE` runs too. A word that only looks like such a verb (`ON UPDATE
/// CASCADE`) names a table that is not written: a retry rule then claims less, never more.
pub fn row_writes(
    text: &str,
    dialect: crate::sql::Dialect,
    file_transaction: bool,
) -> Vec<(usize, RowTable)> {
    let mut out = Vec::new();
    let mut path = SessionPath::file(file_transaction);
    writes_in(text, dialect, 0..text.len(), 0, Err(&mut path), &mut out);
    out
}

/// [`row_writes`] in `range`: at the top (`Err`), following the search_path each statement
/// sets; in a body (`Ok`), under the first schema of the path of the statement that holds it.
fn writes_in(
    text: &str,
    dialect: crate::sql::Dialect,
    range: Range<usize>,
    depth: usize,
    mut path: Result<Option<&str>, &mut SessionPath>,
    out: &mut Vec<(usize, RowTable)>,
) {
    let tokens = crate::sql::lexer::lex(dialect, text, range).tokens;
    let mut statement_start = 0;
    for (k, t) in tokens.iter().enumerate() {
        let home = match &path {
            Ok(home) => home.map(str::to_string),
            Err(path) => path.home().map(str::to_string),
        };
        if let Err(path) = &mut path {
            if t.is(&Token::SemiColon) {
                path.observe(&tokens[statement_start..k]);
                statement_start = k + 1;
            }
        }
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
            writes_in(text, dialect, inner, depth + 1, Ok(home.as_deref()), out);
            continue;
        }
        let at = t.range.start;
        let next_is = |n: usize, kw: &str| tokens.get(k + n).is_some_and(|t| t.is_kw(kw));
        let mut push = |from: usize| {
            let from = from + usize::from(tokens.get(from).is_some_and(|t| t.is_kw("ONLY")));
            let (table, end) = table_at(&tokens, from)?;
            out.push((at, table.resolved(home.as_deref())));
            Some(end)
        };
        // MySQL's `INSERT [LOW_PRIORITY | DELAYED | HIGH_PRIORITY] [IGNORE] INTO`, `REPLACE
        // [LOW_PRIORITY | DELAYED] INTO`.
        let modifiers = tokens[k + 1..]
            .iter()
            .take_while(|t| {
                ["LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"]
                    .iter()
                    .any(|w| t.is_kw(w))
            })
            .count();
        let inserts = t.is_kw("INSERT") || t.is_kw("REPLACE");
        if inserts && next_is(1 + modifiers, "INTO") {
            push(k + 2 + modifiers);
        } else if t.is_kw("MERGE") && next_is(1, "INTO") || t.is_kw("DELETE") && next_is(1, "FROM")
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

/// The table `s.t` (or `t`, `db.s.t`) whose name starts at token `from`, and the index of its
/// last part.
fn table_at(tokens: &[Tok], from: usize) -> Option<(RowTable, usize)> {
    let part = |i: usize| match tokens.get(i).map(|t| &t.token) {
        Some(Token::Word(w)) => Some(w.value.to_lowercase()),
        _ => None,
    };
    let mut i = from;
    while tokens.get(i + 1).is_some_and(|t| t.is(&Token::Period)) {
        i += 2;
    }
    let base = part(i)?;
    let schema = (i > from).then(|| part(i - 2)).flatten();
    Some((RowTable { schema, base }, i))
}

#[cfg(test)]
mod tests {
    use super::{row_checked_branches, row_writes, RowTable};
    use crate::sql::Dialect;

    fn shown(t: &RowTable) -> String {
        match &t.schema {
            Some(s) => format!("{s}.{}", t.base),
            None => t.base.clone(),
        }
    }

    fn written(sql: &str) -> Vec<String> {
        row_writes(sql, Dialect::Postgres, false)
            .iter()
            .map(|(_, t)| shown(t))
            .collect()
    }

    #[test]
    fn the_writes_of_a_file_its_do_bodies_and_executed_strings() {
        let sql = "INSERT INTO s.a VALUES (1);\nUPDATE ONLY b SET x = 1;\nDELETE FROM c;\n\
                   TRUNCATE TABLE d, ONLY e;\nCOPY f FROM stdin;\nCOPY g TO stdout;\n\
                   DO $$ BEGIN MERGE INTO h USING z ON true WHEN MATCHED THEN DELETE; \
                   EXECUTE 'INSERT INTO i VALUES (1)'; END $$;\nSELECT * FROM j;";
        assert_eq!(written(sql), ["s.a", "b", "c", "d", "e", "f", "h", "i"]);
        let sql = "INSERT IGNORE INTO db.k VALUES (1); INSERT LOW_PRIORITY INTO l VALUES (1);\n\
                   REPLACE DELAYED INTO m VALUES (1); SELECT replace(x, 'a', 'b') FROM n;";
        let written: Vec<String> = row_writes(sql, Dialect::Mariadb, false)
            .iter()
            .map(|(_, t)| shown(t))
            .collect();
        assert_eq!(written, ["db.k", "l", "m"]);
    }

    #[test]
    fn a_written_table_is_in_the_schema_the_files_search_path_puts_first() {
        let sql = "INSERT INTO t VALUES (1);\nSET search_path TO x, public;\n\
                   INSERT INTO t VALUES (1);\nDO $$ BEGIN DELETE FROM u; END $$;\n\
                   RESET search_path;\nUPDATE v SET id = 1;";
        assert_eq!(written(sql), ["t", "x.t", "x.u", "v"]);
    }

    #[test]
    fn a_branch_runs_on_the_conditions_of_the_if_and_the_elsifs_before_it() {
        let body = "BEGIN IF (SELECT count(*) FROM a.t) = 0 THEN NULL; \
                    ELSIF (SELECT count(*) FROM u) = 1 THEN NULL; ELSE NULL; END IF; END";
        let tokens = crate::sql::lexer::lex(Dialect::Postgres, body, 0..body.len()).tokens;
        let checked = row_checked_branches(&tokens);
        let reads: Vec<(&str, Vec<String>)> = checked
            .reads
            .iter()
            .map(|(r, tables)| (&body[r.clone()], tables.iter().map(shown).collect()))
            .collect();
        assert_eq!(
            reads,
            [
                (" NULL; ", vec!["a.t".to_string()]),
                (
                    " NULL; ELSE NULL; END ",
                    vec!["a.t".to_string(), "u".to_string()]
                ),
            ]
        );
        // What the IF's own condition reads covers all its branches, as it did.
        assert_eq!(checked.checks.len(), 1);
        assert_eq!(checked.checks[0].1, ["t"]);
    }
}
