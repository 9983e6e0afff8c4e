//! IFs that test a table's rows before changing them (`IF NOT EXISTS (SELECT … FROM t WHERE …)
//! THEN INSERT INTO t …`): such an INSERT does not run again on a retry that finds its row.

use super::{if_statements, IfArm};
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
    // The tables the condition of `arm` reads.
    let reads = |arm: &IfArm| -> Vec<RowTable> {
        let condition = &tokens[arm.condition.clone()];
        let mut tables = tables_after_from(condition);
        for word in condition.iter().filter_map(|t| t.bare_word()) {
            let word = word.to_ascii_lowercase();
            // The fill last before this condition.
            let last = filled
                .iter()
                .rev()
                .find(|(at, v, _)| *at < arm.keyword && *v == word);
            if let Some((_, _, t)) = last {
                tables.extend(t.iter().cloned());
            }
        }
        tables
    };
    let mut out = RowChecked {
        checks: Vec::new(),
        reads: Vec::new(),
    };
    for statement in if_statements(tokens, |i| !is_if_function(tokens, i)) {
        let end = tokens[statement.end].range.start;
        // Where the branch of each arm starts: after its `THEN`.
        let start = |arm: &IfArm| tokens[arm.condition.end].range.end;
        let mut decided_by: Vec<RowTable> = Vec::new();
        for (k, arm) in statement.arms.iter().enumerate() {
            let tables = reads(arm);
            if k == 0 {
                let bases = tables.iter().map(|t| t.base.clone()).collect();
                out.checks.push((start(arm)..end, bases));
            }
            decided_by.extend(tables);
            let until = statement
                .arms
                .get(k + 1)
                .map_or(end, |next| tokens[next.keyword].range.start);
            out.reads.push((start(arm)..until, decided_by.clone()));
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
/// Last, whether a re-run of the write changes no row: an INSERT that skips conflicting rows
/// (`Inserted`) into the table a top-level `CREATE TABLE` of the file made before it, whose
/// rows each give every column of one of its keys a literal (`Inserted::conflicts_in`), when
/// the file alters or drops no table of that name, drops no index or constraint, and creates
/// it only once.
pub fn row_writes(
    text: &str,
    dialect: crate::sql::Dialect,
    file_transaction: bool,
) -> Vec<(usize, RowTable, bool)> {
    let mut scan = Scan::default();
    let mut path = SessionPath::file(file_transaction);
    writes_in(text, dialect, 0..text.len(), 0, Err(&mut path), &mut scan);
    let keyed = |at: usize, table: &RowTable| {
        let mut defs = scan.keyed.iter().filter(|k| k.table.base == table.base);
        match (defs.next(), defs.next()) {
            (Some(def), None) if def.at < at && def.table == *table => Some(def),
            _ => None,
        }
    };
    scan.writes
        .iter()
        .map(|(at, table, inserted)| {
            let unchanged = inserted.as_ref().is_some_and(|inserted| {
                !scan.drops_keys
                    && !scan.altered.contains(&table.base)
                    && keyed(*at, table).is_some_and(|def| inserted.conflicts_in(def))
            });
            (*at, table.clone(), unchanged)
        })
        .collect()
}

/// What [`writes_in`] reads from a file.
#[derive(Default)]
struct Scan {
    /// (byte of the verb, table, what an INSERT that skips conflicting rows inserts).
    writes: Vec<(usize, RowTable, Option<Inserted>)>,
    /// The tables a top-level `CREATE TABLE` makes, with their keys.
    keyed: Vec<Keyed>,
    /// The base names of the tables an `ALTER TABLE` or `DROP TABLE` names.
    altered: Vec<String>,
    /// The file drops an index or a constraint somewhere (`DROP INDEX`, `DROP CONSTRAINT`).
    drops_keys: bool,
}

/// A table `CREATE TABLE [IF NOT EXISTS] t (…)` makes: its columns in order (`None` when the
/// statement takes some from another table, `LIKE other` or `INHERITS (parent)`, whose columns
/// lint does not know), and the columns of each `PRIMARY KEY` and `UNIQUE` (lower case).
struct Keyed {
    at: usize,
    table: RowTable,
    columns: Option<Vec<String>>,
    keys: Vec<Vec<String>>,
}

impl Keyed {
    /// Reads `tokens` (from `CREATE`, in `dialect`) when they are `CREATE TABLE [IF NOT EXISTS]
    /// t (…)`.
    fn of(
        tokens: &[Tok],
        at: usize,
        home: Option<&str>,
        dialect: crate::sql::Dialect,
    ) -> Option<Keyed> {
        let mut i = 2;
        if tokens.get(2).is_some_and(|t| t.is_kw("IF")) {
            i = 5;
        }
        let (table, end) = table_at(tokens, i)?;
        let open = end + 1;
        if !tokens.get(open).is_some_and(|t| t.is(&Token::LParen)) {
            return None;
        }
        let close = crate::sql::lexer::matching_paren(tokens, open)?;
        let mut keyed = Keyed {
            at,
            table: table.resolved(home),
            columns: Some(Vec::new()),
            keys: Vec::new(),
        };
        if tokens[close + 1..].iter().any(|t| t.is_kw("INHERITS")) {
            keyed.columns = None;
        }
        for element in
            crate::sql::dynamic::split_top(&tokens[open + 1..close], |t| t.is(&Token::Comma))
        {
            let word = |t: &Tok| match &t.token {
                Token::Word(w) => Some(w.value.to_lowercase()),
                _ => None,
            };
            let first = element.first()?;
            let constraint = crate::sql::shape::starts_non_column(element, dialect);
            // ON CONFLICT takes no deferrable key as arbiter: such an INSERT fails (PostgreSQL 15).
            let deferrable = element
                .iter()
                .enumerate()
                .any(|(j, t)| t.is_kw("DEFERRABLE") && !(j > 0 && element[j - 1].is_kw("NOT")));
            let key = element
                .iter()
                .position(|t| t.is_kw("PRIMARY") || t.is_kw("UNIQUE"))
                .filter(|_| !deferrable);
            if !constraint {
                let column = word(first)?;
                if key.is_some() {
                    keyed.keys.push(vec![column.clone()]);
                }
                if let Some(columns) = &mut keyed.columns {
                    columns.push(column);
                }
            } else if first.is_kw("LIKE") {
                keyed.columns = None;
            } else if let Some(key) = key {
                // `PRIMARY KEY (a, b)`, `UNIQUE [NULLS …] (a)`.
                let open = key + element[key..].iter().position(|t| t.is(&Token::LParen))?;
                let close = crate::sql::lexer::matching_paren(element, open)?;
                let columns: Option<Vec<String>> = element[open + 1..close]
                    .iter()
                    .filter(|t| !t.is(&Token::Comma))
                    .map(word)
                    .collect();
                keyed.keys.push(columns?);
            }
        }
        Some(keyed)
    }
}

/// The rows of `INSERT INTO t [(columns)] VALUES (…), … ON CONFLICT [(target)] DO NOTHING`
/// (MySQL: `INSERT IGNORE INTO …`): for each, which of its values are literals other than
/// NULL (`1`, `-1`, `'a'`, `true`), which a re-run inserts again as they were.
struct Inserted {
    columns: Option<Vec<String>>,
    rows: Vec<Vec<bool>>,
    target: Option<Vec<String>>,
}

impl Inserted {
    /// Reads `tokens` (the statement from the table's name at `name`; `ignore`: MySQL's `INSERT
    /// IGNORE`), when it is such an INSERT.
    fn of(tokens: &[Tok], name: usize, ignore: bool) -> Option<Inserted> {
        let word = |t: &Tok| match &t.token {
            Token::Word(w) => Some(w.value.to_lowercase()),
            _ => None,
        };
        let list = |open: usize| -> Option<(Vec<String>, usize)> {
            let close = crate::sql::lexer::matching_paren(tokens, open)?;
            let names: Option<Vec<String>> = tokens[open + 1..close]
                .iter()
                .filter(|t| !t.is(&Token::Comma))
                .map(word)
                .collect();
            Some((names?, close))
        };
        let mut i = name + 1;
        let mut columns = None;
        if tokens.get(i).is_some_and(|t| t.is(&Token::LParen)) {
            let (names, close) = list(i)?;
            columns = Some(names);
            i = close + 1;
        }
        if !tokens.get(i).is_some_and(|t| t.is_kw("VALUES")) {
            return None;
        }
        i += 1;
        let mut rows = Vec::new();
        while tokens.get(i).is_some_and(|t| t.is(&Token::LParen)) {
            let close = crate::sql::lexer::matching_paren(tokens, i)?;
            let values =
                crate::sql::dynamic::split_top(&tokens[i + 1..close], |t| t.is(&Token::Comma));
            rows.push(values.iter().map(|v| literal(v)).collect());
            i = close + 1;
            if !tokens.get(i).is_some_and(|t| t.is(&Token::Comma)) {
                break;
            }
            i += 1;
        }
        let rest = &tokens[i..];
        let target = match rest {
            [] if ignore => None,
            [on, conflict, open, ..] if on.is_kw("ON") && conflict.is_kw("CONFLICT") && !ignore => {
                let (target, close) = match open.is(&Token::LParen) {
                    true => {
                        let (names, close) = list(i + 2)?;
                        (Some(names), close + 1 - i)
                    }
                    false => (None, 2),
                };
                let done =
                    matches!(rest.get(close..)?, [d, n] if d.is_kw("DO") && n.is_kw("NOTHING"));
                if !done {
                    return None;
                }
                target
            }
            _ => return None,
        };
        (!rows.is_empty()).then_some(Inserted {
            columns,
            rows,
            target,
        })
    }

    /// Does every row conflict, on a re-run, with the one its first run left on a key of
    /// `table` (the conflict target's, when it names one), so that the re-run inserts nothing?
    /// It does when each row gives every column of the key a literal.
    fn conflicts_in(&self, table: &Keyed) -> bool {
        let Some(columns) = self.columns.as_ref().or(table.columns.as_ref()) else {
            return false;
        };
        table.keys.iter().any(|key| {
            let arbiter = self.target.as_ref().is_none_or(|target| {
                target.len() == key.len() && target.iter().all(|c| key.contains(c))
            });
            arbiter
                && self.rows.iter().all(|row| {
                    row.len() == columns.len()
                        && key
                            .iter()
                            .all(|c| columns.iter().position(|n| n == c).is_some_and(|p| row[p]))
                })
        })
    }
}

/// Is `value` (the tokens of one value of a VALUES row) a literal other than NULL?
fn literal(value: &[Tok]) -> bool {
    let value = match value {
        [minus, rest @ ..] if minus.is(&Token::Minus) => rest,
        _ => value,
    };
    match value {
        [t] => {
            matches!(t.token, Token::Number(..) | Token::SingleQuotedString(_))
                || t.is_kw("TRUE")
                || t.is_kw("FALSE")
        }
        _ => false,
    }
}

fn writes_in(
    text: &str,
    dialect: crate::sql::Dialect,
    range: Range<usize>,
    depth: usize,
    mut path: Result<Option<&str>, &mut SessionPath>,
    out: &mut Scan,
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
        // This statement's tokens from `k` (read for the few verbs that need them).
        let statement = || {
            let end = tokens[k..]
                .iter()
                .position(|t| t.is(&Token::SemiColon))
                .map_or(tokens.len(), |p| k + p);
            &tokens[k..end]
        };
        if t.is_kw("DROP") && (next_is(1, "INDEX") || next_is(1, "CONSTRAINT")) {
            out.drops_keys = true;
        }
        if (t.is_kw("ALTER") || t.is_kw("DROP")) && next_is(1, "TABLE") {
            let statement = statement();
            let mut from = 2;
            while ["IF", "EXISTS", "ONLY"]
                .iter()
                .any(|w| statement.get(from).is_some_and(|t| t.is_kw(w)))
            {
                from += 1;
            }
            // `DROP TABLE a, b`: every name.
            for name in
                crate::sql::dynamic::split_top(&statement[from.min(statement.len())..], |t| {
                    t.is(&Token::Comma)
                })
            {
                if let Some((table, _)) = table_at(name, 0) {
                    out.altered.push(table.base);
                }
            }
        }
        if depth == 0 && t.is_kw("CREATE") && next_is(1, "TABLE") {
            out.keyed
                .extend(Keyed::of(statement(), at, home.as_deref(), dialect));
        }
        let mut push = |from: usize| {
            let from = from + usize::from(tokens.get(from).is_some_and(|t| t.is_kw("ONLY")));
            let (table, end) = table_at(&tokens, from)?;
            let inserted = t
                .is_kw("INSERT")
                .then(|| {
                    let statement = statement();
                    let ignore = statement.iter().take(5).any(|t| t.is_kw("IGNORE"));
                    Inserted::of(statement, end - k, ignore)
                })
                .flatten();
            out.writes
                .push((at, table.resolved(home.as_deref()), inserted));
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
/// last part. In lower case; as written where table names are compared exactly (MySQL and
/// MariaDB under `lower_case_table_names = 0`, [`crate::sql::tables_exact`]: a check of the
/// rows of `Users` does not read those an `INSERT INTO users` writes).
fn table_at(tokens: &[Tok], from: usize) -> Option<(RowTable, usize)> {
    let exact = crate::sql::tables_exact();
    let part = |i: usize| match tokens.get(i).map(|t| &t.token) {
        Some(Token::Word(w)) if exact => Some(w.value.clone()),
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
            .map(|(_, t, _)| shown(t))
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
            .map(|(_, t, _)| shown(t))
            .collect();
        assert_eq!(written, ["db.k", "l", "m"]);
    }

    fn unchanged(sql: &str) -> Vec<bool> {
        row_writes(sql, Dialect::Postgres, false)
            .iter()
            .map(|(_, _, unchanged)| *unchanged)
            .collect()
    }

    #[test]
    fn an_insert_whose_rows_conflict_on_a_key_changes_nothing_when_run_again() {
        let table = "CREATE TABLE IF NOT EXISTS k (id int PRIMARY KEY, v text, \
                     w int, UNIQUE (v, w));\n";
        let unchanged = |insert: &str| self::unchanged(&format!("{table}{insert}"));
        assert_eq!(
            unchanged("INSERT INTO k VALUES (1) ON CONFLICT DO NOTHING;"),
            [false]
        );
        assert_eq!(
            unchanged("INSERT INTO k VALUES (1, 'a', 2) ON CONFLICT DO NOTHING;"),
            [true]
        );
        assert_eq!(
            unchanged("INSERT INTO k (v, w) VALUES ('a', -2), ('b', 3) ON CONFLICT DO NOTHING;"),
            [true]
        );
        assert_eq!(
            unchanged("INSERT INTO k (id) VALUES (1) ON CONFLICT (id) DO NOTHING;"),
            [true]
        );
        // Not the key the target names, a value that is no literal, no ON CONFLICT, an update.
        assert_eq!(
            unchanged("INSERT INTO k (id) VALUES (1) ON CONFLICT (v, w) DO NOTHING;"),
            [false]
        );
        assert_eq!(
            unchanged("INSERT INTO k (id) VALUES (NULL) ON CONFLICT DO NOTHING;"),
            [false]
        );
        assert_eq!(
            unchanged("INSERT INTO k (id) VALUES (now()) ON CONFLICT DO NOTHING;"),
            [false]
        );
        assert_eq!(unchanged("INSERT INTO k (id) VALUES (1);"), [false]);
        assert!(
            !unchanged("INSERT INTO k (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET v = 'a';")[0]
        );
        assert_eq!(
            unchanged("INSERT INTO k (v) SELECT 'a' ON CONFLICT DO NOTHING;"),
            [false]
        );
        // The file changes the table's keys, or made another table of the name.
        let insert = "INSERT INTO k (id) VALUES (1) ON CONFLICT DO NOTHING;";
        for after in [
            "ALTER TABLE k DROP CONSTRAINT k_pkey;",
            "DROP INDEX k_v_w_key;",
            "DROP TABLE IF EXISTS other, k;",
            "CREATE TABLE a.k (id int);",
        ] {
            assert_eq!(unchanged(&format!("{insert}\n{after}")), [false], "{after}");
            assert_eq!(unchanged(insert), [true]);
        }
        let deferred = "CREATE TABLE k (id int PRIMARY KEY DEFERRABLE);\n\
                        INSERT INTO k VALUES (1) ON CONFLICT DO NOTHING;";
        assert_eq!(self::unchanged(deferred), [false]);
        // The table is another schema's.
        assert_eq!(
            unchanged(&format!(
                "{table}INSERT INTO a.k (id) VALUES (1) ON CONFLICT DO NOTHING;"
            )),
            [false]
        );
        assert_eq!(
            row_writes(
                "CREATE TABLE k (id INT PRIMARY KEY);\nINSERT IGNORE INTO k VALUES (1);",
                Dialect::Mariadb,
                false
            )
            .iter()
            .map(|(_, _, unchanged)| *unchanged)
            .collect::<Vec<_>>(),
            [true]
        );
    }

    #[test]
    fn an_index_element_is_no_column_and_copied_columns_leave_the_order_unknown() {
        let mariadb = |sql: &str| -> Vec<bool> {
            row_writes(sql, Dialect::Mariadb, false)
                .iter()
                .map(|(_, _, unchanged)| *unchanged)
                .collect()
        };
        // MySQL's and MariaDB's indexes in the list are no columns: `VALUES (1, 2)` fills both.
        for index in ["KEY k_v (v)", "INDEX (v)", "FULLTEXT KEY f (v)"] {
            let sql = format!(
                "CREATE TABLE k (id INT PRIMARY KEY, v TEXT, {index});\n\
                 INSERT IGNORE INTO k VALUES (1, 'a');"
            );
            assert_eq!(mariadb(&sql), [true], "{sql}");
        }
        // A PostgreSQL column named `key` is one.
        assert_eq!(
            unchanged(
                "CREATE TABLE kv (key text PRIMARY KEY, value text);\n\
                 INSERT INTO kv VALUES ('a', 'b') ON CONFLICT DO NOTHING;"
            ),
            [true]
        );
        // Columns copied from another table come first, or where LIKE stands: a value may
        // fill one of those and leave the key NULL. A column list says where each value goes.
        for table in [
            "CREATE TABLE k (LIKE src, id int UNIQUE);",
            "CREATE TABLE k (id int UNIQUE) INHERITS (parent);",
        ] {
            let insert = |sql: &str| unchanged(&format!("{table}\n{sql}"));
            assert_eq!(
                insert("INSERT INTO k VALUES (1) ON CONFLICT DO NOTHING;"),
                [false]
            );
            assert_eq!(
                insert("INSERT INTO k (id) VALUES (1) ON CONFLICT DO NOTHING;"),
                [true]
            );
        }
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
