//! PF006: the file holds syntax the dialect in use cannot have and that only another dialect
//! has (backtick-quoted identifiers, `ENGINE=`, `int(11)` or an `AUTO_INCREMENT` column read as
//! PostgreSQL, dollar quotes or `::` casts read as MySQL/MariaDB, SQLite's `AUTOINCREMENT`).
//! Every other finding of such a file was computed under the wrong grammar, so the engine
//! reports this one alone and the file counts as not checked.
//!
//! The evidence comes from the tokens the lexer already made for each statement (strings,
//! comments and quoted identifiers are single tokens, so nothing in them counts); the only
//! whole-file look is [`may_have_evidence`], a byte scan that tells the engine whether to hold
//! the file's findings until its end.

use super::prelude::*;
use crate::sql::lexer::{matching_paren, top_level};
use crate::sql::Tok;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;
use std::ops::Range;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF006",
    name: "dialect-mismatch",
    default_severity: Severity::Error,
    summary: "The file is written for another SQL dialect than the one lint reads it as, so it was not checked",
    doc: include_str!("../../../rules/PF006.md"),
    fix: FixAvailability::Never,
};

/// The engine drives this rule (it must see the evidence before the file's other rules run);
/// it is registered so that it can be selected, ignored, suppressed and documented.
pub struct DialectMismatch;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &DialectMismatch;

impl Rule for DialectMismatch {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }
}

/// The dialect a piece of evidence points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Looks {
    /// MySQL or MariaDB.
    MysqlFamily,
    Postgres,
    Sqlite,
}

impl Looks {
    fn product(self) -> &'static str {
        match self {
            Looks::MysqlFamily => "MySQL/MariaDB",
            Looks::Postgres => "PostgreSQL",
            Looks::Sqlite => "SQLite",
        }
    }

    fn setting(self) -> &'static str {
        match self {
            Looks::MysqlFamily => "mysql",
            Looks::Postgres => "postgres",
            Looks::Sqlite => "sqlite",
        }
    }
}

/// The first piece of evidence of a statement: where it is, what it is, which dialect it
/// belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub range: Range<usize>,
    pub what: &'static str,
    pub looks: Looks,
}

impl Evidence {
    /// The finding: names the dialect the file looks like and how to set it.
    pub fn violation(&self, dialect: Dialect) -> Violation {
        let looks = self.looks;
        let mut v = Violation::new(
            self.range.clone(),
            format!(
                "this file looks written for {}, not {}: {} is {} syntax that {} does not have; its statements were not checked (set the dialect: `--dialect {}`, or `dialect = \"{}\"` under `[lint]` in preflight.toml)",
                looks.product(),
                product(dialect),
                self.what,
                looks.product(),
                product(dialect),
                looks.setting(),
                looks.setting(),
            ),
        );
        if looks == Looks::MysqlFamily {
            v = v.note("for MariaDB, `--dialect mariadb`");
        }
        if self.what.starts_with("an integer type") {
            v = v.note(
                "SQLite accepts an integer type with a display width too: for a SQLite file, `--dialect sqlite`",
            );
        }
        if self.what.starts_with("a backtick") {
            v = v.note(
                "SQLite accepts backtick-quoted identifiers too: for a SQLite file, `--dialect sqlite`",
            );
        }
        v.unknown = true;
        v
    }
}

/// Can `text` hold evidence against `dialect` at all? A byte scan, no lexing: when it says no,
/// the engine releases findings as it goes; when yes, it holds them until the file's end,
/// where a PF006 drops them. Never `false` where [`evidence`] could find something.
pub fn may_have_evidence(text: &str, dialect: Dialect) -> bool {
    let bytes = text.as_bytes();
    let words: &[&[u8]] = match dialect {
        Dialect::Postgres => &[
            b"engine",
            b"auto_increment",
            b"charset",
            b"row_format",
            b"autoincrement",
            b"modify",
            b"change",
        ],
        Dialect::Mysql | Dialect::Mariadb => &[b"autoincrement", b"concurrently"],
        Dialect::Sqlite => &[
            b"engine",
            b"auto_increment",
            b"charset",
            b"row_format",
            b"concurrently",
            b"modify",
            b"change",
        ],
    };
    // `DROP FOREIGN KEY`, `DROP PRIMARY KEY` (PostgreSQL) and `DROP INDEX … ON`: the word after
    // `drop`, or anything but a plain space before it (a comment), says maybe.
    let after_drop: &[&[u8]] = match dialect {
        Dialect::Postgres => &[b"foreign", b"primary", b"index"],
        Dialect::Sqlite => &[b"index"],
        Dialect::Mysql | Dialect::Mariadb => &[],
    };
    // `int(11)` (PostgreSQL): one of these words followed by `(` or by a comment.
    let before_paren: &[&str] = match dialect {
        Dialect::Postgres => &DISPLAY_WIDTH_TYPES,
        Dialect::Mysql | Dialect::Mariadb | Dialect::Sqlite => &[],
    };
    let backtick = dialect == Dialect::Postgres;
    let dollar = dialect.is_mysql_family();
    let double_colon = dialect != Dialect::Postgres;
    // The first letters of the words looked for, as a mask over a..z: most words are skipped
    // after one test of their first byte.
    let drop = if after_drop.is_empty() { 0 } else { 1 << (b'd' - b'a') };
    let firsts = words
        .iter()
        .copied()
        .chain(before_paren.iter().map(|w| w.as_bytes()))
        .fold(drop, |mask, w| mask | 1u32 << (w[0] - b'a'));
    let (n, mut i) = (bytes.len(), 0);
    while i < n {
        let b = bytes[i];
        if b.is_ascii_alphabetic() {
            // A keyword is a whole run of letters, digits and `_` that starts with a letter
            // (a lexer may glue more to it, a digit or `$` before it: a run then only says
            // yes more often). Most runs are dismissed by their first letter and length.
            let start = i;
            i += 1;
            while i < n && WORD[bytes[i] as usize] {
                i += 1;
            }
            if firsts & (1 << ((b | 0x20) - b'a')) != 0 {
                let word = &bytes[start..i];
                if words
                    .iter()
                    .any(|w| w.len() == word.len() && w.eq_ignore_ascii_case(word))
                    || (!after_drop.is_empty()
                        && word.eq_ignore_ascii_case(b"drop")
                        && drop_then(&bytes[i..], after_drop))
                    || (before_paren
                        .iter()
                        .any(|w| w.len() == word.len() && w.as_bytes().eq_ignore_ascii_case(word))
                        && paren_then(&bytes[i..]))
                {
                    return true;
                }
            }
            continue;
        }
        if (backtick && b == b'`')
            || (dollar && b == b'$')
            || (double_colon && b == b':' && bytes.get(i + 1) == Some(&b':'))
        {
            return true;
        }
        i += 1;
    }
    false
}

/// Letters, digits and `_`: the bytes of a keyword after its first.
const WORD: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

/// After `drop`: one of `next`, or anything but white space and a word (a comment).
fn drop_then(rest: &[u8], next: &[&[u8]]) -> bool {
    let gap = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let word = &rest[gap..];
    word.first().is_some_and(|b| !b.is_ascii_alphabetic())
        || next.iter().any(|w| starts_with_ignore_case(word, w))
}

/// After a type's name: `(`, or a comment that may hide one.
fn paren_then(rest: &[u8]) -> bool {
    let gap = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
    matches!(rest.get(gap), Some(b'(' | b'-' | b'/' | b'#'))
}

fn starts_with_ignore_case(hay: &[u8], word: &[u8]) -> bool {
    hay.len() >= word.len() && hay[..word.len()].eq_ignore_ascii_case(word)
}

/// The first evidence in a top-level statement's tokens that the file is not written for
/// `dialect`, if any.
pub fn evidence(tokens: &[Tok], text: &str, dialect: Dialect) -> Option<Evidence> {
    let by_token = token_evidence(tokens, text, dialect);
    let by_statement = match dialect {
        Dialect::Postgres | Dialect::Sqlite => mysql_alter_or_drop(tokens, dialect),
        Dialect::Mysql | Dialect::Mariadb => None,
    };
    let by_column = match dialect {
        Dialect::Postgres => mysql_column_definition(tokens),
        Dialect::Sqlite | Dialect::Mysql | Dialect::Mariadb => None,
    };
    [by_token, by_statement, by_column]
        .into_iter()
        .flatten()
        .min_by_key(|e| e.range.start)
}

fn token_evidence(tokens: &[Tok], text: &str, dialect: Dialect) -> Option<Evidence> {
    let creates_table = tokens.first().is_some_and(|t| t.is_kw("CREATE"));
    for (i, tok) in tokens.iter().enumerate() {
        let found = match &tok.token {
            Token::Char('`') if dialect == Dialect::Postgres => backtick_identifier(tokens, i),
            Token::DoubleColon if dialect != Dialect::Postgres => double_colon(tokens, i, dialect),
            Token::Word(w) if w.quote_style.is_none() => match w.keyword {
                Keyword::AUTOINCREMENT if dialect != Dialect::Sqlite => {
                    sqlite_autoincrement(tokens, i)
                }
                Keyword::CONCURRENTLY if dialect != Dialect::Postgres => {
                    concurrently(tokens, i)
                }
                _ if dialect.is_mysql_family() && w.value.starts_with('$') => {
                    dollar_quote(tokens, i)
                }
                _ => None,
            },
            Token::RParen if creates_table && !dialect.is_mysql_family() => {
                mysql_table_option(tokens, i)
            }
            _ => None,
        };
        if let Some(found) = found {
            // MySQL runs the text of an executable comment (`/*! … */`) as SQL and the lexer
            // hands over its tokens, but a PostgreSQL or SQLite construct there is not what
            // the author meant the server to run: it proves nothing.
            if dialect.is_mysql_family() && in_executable_comment(text, tokens, found.range.start)
            {
                continue;
            }
            return Some(found);
        }
    }
    None
}

/// MySQL's `ALTER TABLE name MODIFY|CHANGE …` (an action PostgreSQL and SQLite do not have),
/// `ALTER TABLE name DROP FOREIGN KEY|PRIMARY KEY` (PostgreSQL reserves both words, so they
/// cannot be a column's name) and `DROP INDEX name ON table`.
fn mysql_alter_or_drop(tokens: &[Tok], dialect: Dialect) -> Option<Evidence> {
    let word = |i: usize, kw: &str| tokens.get(i).is_some_and(|t| t.is_kw(kw));
    let evidence = |range: Range<usize>, what| Evidence {
        range,
        what,
        looks: Looks::MysqlFamily,
    };
    if word(0, "DROP") && word(1, "INDEX") {
        let mut i = 2;
        if word(i, "IF") && word(i + 1, "EXISTS") {
            i += 2;
        }
        i = after_name(tokens, i)?;
        return word(i, "ON").then(|| evidence(tokens[i].range.clone(), "`DROP INDEX … ON`"));
    }
    if !(word(0, "ALTER") && word(1, "TABLE")) {
        return None;
    }
    let mut i = 2;
    if word(i, "IF") && word(i + 1, "EXISTS") {
        i += 2;
    }
    if word(i, "ONLY") {
        i += 1;
    }
    // `ALTER TABLE ALL IN TABLESPACE … OWNED BY role, role`: the commas separate roles.
    if word(i, "ALL") {
        return None;
    }
    let mut action = Some(after_name(tokens, i)?);
    let mut depth = 0usize;
    for (j, t) in tokens.iter().enumerate().skip(i) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Comma if depth == 0 => action = Some(j + 1),
            _ => {}
        }
        if action != Some(j) {
            continue;
        }
        action = None;
        let named = matches!(tokens.get(j + 1).map(|t| &t.token), Some(Token::Word(_)));
        if (t.is_kw("MODIFY") || t.is_kw("CHANGE")) && named {
            return Some(evidence(t.range.clone(), "`ALTER TABLE … MODIFY`/`CHANGE`"));
        }
        if dialect == Dialect::Postgres
            && t.is_kw("DROP")
            && (word(j + 1, "FOREIGN") || word(j + 1, "PRIMARY"))
            && word(j + 2, "KEY")
        {
            return Some(evidence(
                t.range.start..tokens[j + 2].range.end,
                "`DROP FOREIGN KEY`/`DROP PRIMARY KEY`",
            ));
        }
    }
    None
}

/// The integer types MySQL gives a display width (`int(11)`); PostgreSQL rejects a modifier
/// on `int`, `integer`, `bigint` and `smallint`, and has no `tinyint` or `mediumint`.
const DISPLAY_WIDTH_TYPES: [&str; 6] = [
    "int",
    "integer",
    "bigint",
    "smallint",
    "tinyint",
    "mediumint",
];

/// A MySQL column definition read as PostgreSQL, in `CREATE TABLE name (…)`'s column list or
/// after `ALTER TABLE name ADD [COLUMN] [IF NOT EXISTS]`: an integer type with a display width
/// (`int(11)`, `bigint(20) unsigned`) right after the column's name, or `AUTO_INCREMENT` after
/// its type. Only these positions count: PostgreSQL does not reserve `auto_increment` (it may
/// name a column, a type, a constraint or a table, or be an alias: `SELECT 1 auto_increment`)
/// and has cast functions named like types (`int4(x)`), but it has no column attribute and no
/// modifier of these types.
fn mysql_column_definition(tokens: &[Tok]) -> Option<Evidence> {
    let word = |i: usize, kw: &str| tokens.get(i).is_some_and(|t| t.is_kw(kw));
    // Each column definition as the range of its tokens.
    let mut columns: Vec<Range<usize>> = Vec::new();
    if word(0, "CREATE") {
        let open = column_list_open(tokens)?;
        let close = matching_paren(tokens, open)?;
        columns = elements(tokens, open + 1, close);
    } else if word(0, "ALTER") && word(1, "TABLE") {
        let mut i = 2;
        if word(i, "IF") && word(i + 1, "EXISTS") {
            i += 2;
        }
        if word(i, "ONLY") {
            i += 1;
        }
        let start = after_name(tokens, i)?;
        for action in elements(tokens, start, tokens.len()) {
            let mut j = action.start;
            if !word(j, "ADD") {
                continue;
            }
            j += 1;
            if word(j, "COLUMN") {
                j += 1;
            }
            if word(j, "IF") && word(j + 1, "NOT") && word(j + 2, "EXISTS") {
                j += 3;
            }
            columns.push(j..action.end);
        }
    } else {
        return None;
    }
    let evidence = |range: Range<usize>, what| Evidence {
        range,
        what,
        looks: Looks::MysqlFamily,
    };
    for column in columns {
        if column.len() < 2 {
            continue;
        }
        // Read as MySQL reads it: an index among the elements is no column definition.
        if crate::sql::shape::starts_non_column(&tokens[column.clone()], Dialect::Mysql) {
            continue;
        }
        // The type, right after the name: `int(11)`.
        let ty = column.start + 1;
        let width = tokens[ty]
            .bare_word()
            .is_some_and(|w| DISPLAY_WIDTH_TYPES.iter().any(|t| w.eq_ignore_ascii_case(t)))
            && tokens.get(ty + 1).is_some_and(|t| t.token == Token::LParen)
            && tokens
                .get(ty + 2)
                .is_some_and(|t| matches!(t.token, Token::Number(..)))
            && ty + 3 < column.end
            && tokens[ty + 3].token == Token::RParen;
        if width {
            return Some(evidence(
                tokens[ty].range.start..tokens[ty + 3].range.end,
                "an integer type with a display width",
            ));
        }
        // `AUTO_INCREMENT` after the type, outside parentheses, and not a name that follows
        // `CONSTRAINT`, `REFERENCES`, `COLLATE`, … or a dot.
        let attributes = top_level(&tokens[ty + 1..column.end]).map(|(k, t)| (ty + 1 + k, t));
        for (j, t) in attributes.filter(|(_, t)| t.is_kw("AUTO_INCREMENT")) {
            let previous = &tokens[j - 1];
            let names_something = previous.token == Token::Period
                || [
                    "CONSTRAINT",
                    "REFERENCES",
                    "COLLATE",
                    "DEFAULT",
                    "COMPRESSION",
                    "STORAGE",
                    "TABLESPACE",
                ]
                .iter()
                .any(|k| previous.is_kw(k));
            if !names_something {
                return Some(evidence(
                    t.range.clone(),
                    "an `AUTO_INCREMENT` column attribute",
                ));
            }
        }
    }
    None
}

/// The elements of a comma-separated list in `tokens[from..to]`: the ranges between the
/// commas outside parentheses.
fn elements(tokens: &[Tok], from: usize, to: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = from;
    for (k, _) in top_level(&tokens[from..to]).filter(|(_, t)| t.is(&Token::Comma)) {
        out.push(start..from + k);
        start = from + k + 1;
    }
    if start < to {
        out.push(start..to);
    }
    out
}

/// The token after a name (words joined by dots) that starts at `i`.
fn after_name(tokens: &[Tok], mut i: usize) -> Option<usize> {
    loop {
        if !matches!(tokens.get(i)?.token, Token::Word(_)) {
            return None;
        }
        i += 1;
        if tokens.get(i).is_none_or(|t| t.token != Token::Period) {
            return Some(i);
        }
        i += 1;
    }
}

/// `` `name` ``: a backtick, a word or number right after it and a backtick right after that.
/// PostgreSQL allows a backtick only in a user-defined operator's name, never around a word.
fn backtick_identifier(tokens: &[Tok], i: usize) -> Option<Evidence> {
    let (inner, close) = (tokens.get(i + 1)?, tokens.get(i + 2)?);
    let word = matches!(inner.token, Token::Word(_) | Token::Number(..));
    (word
        && inner.range.start == tokens[i].range.end
        && close.token == Token::Char('`')
        && close.range.start == inner.range.end)
        .then(|| Evidence {
            range: tokens[i].range.start..close.range.end,
            what: "a backtick-quoted identifier",
            looks: Looks::MysqlFamily,
        })
}

/// `x::type`: PostgreSQL's cast. SQLite reads `$name::part` as one parameter name, which the
/// lexer splits, so a `::` right after a `$` parameter is not one.
fn double_colon(tokens: &[Tok], i: usize, dialect: Dialect) -> Option<Evidence> {
    if dialect == Dialect::Sqlite {
        let previous = i.checked_sub(1).map(|p| &tokens[p]);
        if previous.is_some_and(|p| {
            matches!(p.token, Token::Placeholder(_)) && p.range.end == tokens[i].range.start
        }) {
            return None;
        }
    }
    Some(Evidence {
        range: tokens[i].range.clone(),
        what: "a `::` cast",
        looks: Looks::Postgres,
    })
}

/// SQLite's `PRIMARY KEY [ASC|DESC] AUTOINCREMENT`, ending the column's constraint or followed
/// by another. MySQL accepts an index name after `PRIMARY KEY`, so `AUTOINCREMENT` followed by
/// its column list, `USING` or anything else is not evidence.
fn sqlite_autoincrement(tokens: &[Tok], i: usize) -> Option<Evidence> {
    let before = |back: usize| i.checked_sub(back).map(|p| &tokens[p]);
    let after_key = match before(1) {
        Some(t) if t.is_kw("KEY") => before(2).is_some_and(|t| t.is_kw("PRIMARY")),
        Some(t) if t.is_kw("ASC") || t.is_kw("DESC") => {
            before(2).is_some_and(|t| t.is_kw("KEY"))
                && before(3).is_some_and(|t| t.is_kw("PRIMARY"))
        }
        _ => false,
    };
    let ends = match tokens.get(i + 1) {
        None => true,
        Some(t) => {
            matches!(t.token, Token::Comma | Token::RParen | Token::SemiColon)
                || ["NOT", "NULL", "UNIQUE", "DEFAULT", "CHECK", "REFERENCES"]
                    .iter()
                    .any(|k| t.is_kw(k))
        }
    };
    (after_key && ends).then(|| Evidence {
        range: tokens[i].range.clone(),
        what: "`AUTOINCREMENT` (one word) after `PRIMARY KEY`",
        looks: Looks::Sqlite,
    })
}

/// `CREATE [UNIQUE] INDEX CONCURRENTLY name ON …` or `DROP INDEX CONCURRENTLY name`. MySQL
/// reads a `concurrently` right after `INDEX` as the index's name, so only one followed by
/// another name (not `ON` or `USING`) is evidence.
fn concurrently(tokens: &[Tok], i: usize) -> Option<Evidence> {
    let before = |back: usize| i.checked_sub(back).map(|p| &tokens[p]);
    let after_index = before(1).is_some_and(|t| t.is_kw("INDEX"))
        && match before(2) {
            Some(t) if t.is_kw("UNIQUE") => before(3).is_some_and(|t| t.is_kw("CREATE")),
            Some(t) => t.is_kw("CREATE") || t.is_kw("DROP"),
            None => false,
        };
    let next = tokens.get(i + 1)?;
    let named = matches!(next.token, Token::Word(_)) && !next.is_kw("ON") && !next.is_kw("USING");
    (after_index && named).then(|| Evidence {
        range: tokens[i].range.clone(),
        what: "`INDEX CONCURRENTLY`",
        looks: Looks::Postgres,
    })
}

/// A PostgreSQL dollar quote (`$$`, `$body$`), which MySQL reads as an identifier: one that
/// closes a body (`$$ LANGUAGE plpgsql`) or opens one (`AS $$ BEGIN`, `DO $$ DECLARE`).
fn dollar_quote(tokens: &[Tok], i: usize) -> Option<Evidence> {
    let Token::Word(w) = &tokens[i].token else {
        return None;
    };
    let tag = w.value.strip_prefix('$')?.strip_suffix('$')?;
    if !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let next = tokens.get(i + 1);
    let closes = next.is_some_and(|t| t.is_kw("LANGUAGE"));
    let opens = i
        .checked_sub(1)
        .is_some_and(|p| tokens[p].is_kw("AS") || tokens[p].is_kw("DO"))
        && next.is_some_and(|t| t.is_kw("BEGIN") || t.is_kw("DECLARE"));
    (closes || opens).then(|| Evidence {
        range: tokens[i].range.clone(),
        what: "a dollar-quoted body",
        looks: Looks::Postgres,
    })
}

/// A MySQL table option right after the column list of `CREATE [TEMPORARY] TABLE [IF NOT
/// EXISTS] name (…)`: `ENGINE`, `AUTO_INCREMENT`, `[DEFAULT] CHARSET`, `ROW_FORMAT`. Neither
/// PostgreSQL (`INHERITS`, `PARTITION BY`, `WITH (…)`, `TABLESPACE`…) nor SQLite
/// (`WITHOUT ROWID`, `STRICT`) has any of them there.
fn mysql_table_option(tokens: &[Tok], close: usize) -> Option<Evidence> {
    let open = column_list_open(tokens)?;
    if matching_paren(tokens, open)? != close {
        return None;
    }
    let first = tokens.get(close + 1)?;
    let option = if first.is_kw("DEFAULT") {
        tokens.get(close + 2).filter(|t| t.is_kw("CHARSET"))?
    } else {
        first
    };
    ["ENGINE", "AUTO_INCREMENT", "CHARSET", "ROW_FORMAT"]
        .iter()
        .any(|k| option.is_kw(k))
        .then_some(Evidence {
            range: first.range.start..option.range.end,
            what: "a table option after the column list",
            looks: Looks::MysqlFamily,
        })
}

/// The `(` that opens the column list: right after the table name, the name right after
/// `CREATE [TEMPORARY|TEMP] TABLE [IF NOT EXISTS]`.
fn column_list_open(tokens: &[Tok]) -> Option<usize> {
    let mut i = 1;
    if tokens
        .get(i)
        .is_some_and(|t| t.is_kw("TEMPORARY") || t.is_kw("TEMP"))
    {
        i += 1;
    }
    if !tokens.get(i)?.is_kw("TABLE") {
        return None;
    }
    i += 1;
    if tokens.get(i)?.is_kw("IF") {
        if !(tokens.get(i + 1)?.is_kw("NOT") && tokens.get(i + 2)?.is_kw("EXISTS")) {
            return None;
        }
        i += 3;
    }
    // The name: words joined by dots; a backtick-quoted one is evidence by itself.
    let i = after_name(tokens, i)?;
    (tokens.get(i)?.token == Token::LParen).then_some(i)
}

/// Is byte `at` inside a MySQL executable comment (`/*! … */`, `/*!50001 … */`)? Its opener
/// sits in a gap between tokens, or just before the statement's first token: the gaps from a
/// little before the statement to `at` are read for the last opener and closer.
fn in_executable_comment(text: &str, tokens: &[Tok], at: usize) -> bool {
    let Some(first) = tokens.first() else {
        return false;
    };
    let bytes = text.as_bytes();
    let from = first.range.start.saturating_sub(64);
    let window = &bytes[from..at];
    let last = |needle: &[u8]| window.windows(needle.len()).rposition(|w| w == needle);
    match (last(b"/*!"), last(b"*/")) {
        (Some(open), Some(close)) => open > close,
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::lexer::lex;

    fn found(sql: &str, dialect: Dialect) -> Option<(String, Looks)> {
        let lexed = lex(dialect, sql, 0..sql.len());
        let e = evidence(&lexed.tokens, sql, dialect)?;
        assert!(
            may_have_evidence(sql, dialect),
            "the byte scan misses {sql:?}"
        );
        Some((sql[e.range].to_string(), e.looks))
    }

    #[test]
    fn mysql_read_as_postgres() {
        let pg = Dialect::Postgres;
        assert_eq!(
            found("CREATE TABLE `users` (id int)", pg),
            Some(("`users`".into(), Looks::MysqlFamily))
        );
        assert_eq!(
            found("CREATE TABLE users (id int) ENGINE=InnoDB", pg),
            Some(("ENGINE".into(), Looks::MysqlFamily))
        );
        assert_eq!(
            found("create table if not exists s.users (id int, x int) default charset=utf8mb4", pg),
            Some(("default charset".into(), Looks::MysqlFamily))
        );
        // Comments, strings and quoted identifiers are not code.
        assert_eq!(found("-- the `users` table\nSELECT '`x`', \"`y`\"", pg), None);
        assert_eq!(found("/*!40101 SET NAMES utf8 */; SELECT 1", pg), None);
        // PostgreSQL's own table options, and words named like MySQL's elsewhere.
        assert_eq!(found("CREATE TABLE t (engine text) WITH (fillfactor = 70)", pg), None);
        assert_eq!(found("CREATE TABLE p PARTITION OF t (a) DEFAULT", pg), None);
        assert_eq!(found("UPDATE t SET engine = 'x'", pg), None);
        // ALTER TABLE actions and DROP INDEX … ON only MySQL has.
        assert_eq!(
            found("ALTER TABLE s.t ADD COLUMN a int, MODIFY b text NOT NULL", pg),
            Some(("MODIFY".into(), Looks::MysqlFamily))
        );
        assert_eq!(
            found("ALTER TABLE t DROP FOREIGN KEY t_fk", pg),
            Some(("DROP FOREIGN KEY".into(), Looks::MysqlFamily))
        );
        assert_eq!(
            found("DROP INDEX IF EXISTS i ON t", Dialect::Sqlite),
            Some(("ON".into(), Looks::MysqlFamily))
        );
        assert_eq!(found("ALTER TABLE t RENAME COLUMN modify TO change", pg), None);
        assert_eq!(found("ALTER TABLE t ADD COLUMN change int, DROP COLUMN modify", pg), None);
        assert_eq!(found("ALTER TABLE t ALTER COLUMN a SET DEFAULT f(1, change)", pg), None);
        assert_eq!(found("DROP INDEX i, j CASCADE", pg), None);
        assert_eq!(
            found("ALTER TABLE ALL IN TABLESPACE a OWNED BY r, change SET TABLESPACE b", pg),
            None
        );
        assert_eq!(found("ALTER TABLE t DROP CONSTRAINT t_pkey", pg), None);
    }

    #[test]
    fn mysql_column_definitions_read_as_postgres() {
        let pg = Dialect::Postgres;
        let mysql = |sql| found(sql, pg).map(|(text, looks)| (text, looks == Looks::MysqlFamily));
        assert_eq!(
            mysql("CREATE TABLE users (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name text)"),
            Some(("AUTO_INCREMENT".into(), true))
        );
        assert_eq!(
            mysql("create table t (id integer auto_increment, a int)"),
            Some(("auto_increment".into(), true))
        );
        assert_eq!(
            mysql("CREATE TABLE t (a text, id int(11) NOT NULL)"),
            Some(("int(11)".into(), true))
        );
        assert_eq!(
            mysql("CREATE TABLE IF NOT EXISTS s.t (n bigint(20) unsigned, f tinyint(1) DEFAULT 0)"),
            Some(("bigint(20)".into(), true))
        );
        assert_eq!(
            mysql("CREATE TABLE t (a int /* w */ (11))"),
            Some(("int /* w */ (11)".into(), true))
        );
        assert_eq!(
            mysql("ALTER TABLE t ADD COLUMN a text, ADD b smallint(6) NOT NULL"),
            Some(("smallint(6)".into(), true))
        );
        assert_eq!(
            mysql("ALTER TABLE t ADD COLUMN IF NOT EXISTS id bigint NOT NULL AUTO_INCREMENT"),
            Some(("AUTO_INCREMENT".into(), true))
        );
        // The first piece of evidence in the statement.
        assert_eq!(
            mysql("CREATE TABLE t (id int(11) NOT NULL AUTO_INCREMENT) ENGINE=InnoDB"),
            Some(("int(11)".into(), true))
        );
        // PostgreSQL's own: modifiers of other types, `auto_increment` as a name or an alias,
        // cast functions named like types, a quoted "auto_increment".
        for sql in [
            "CREATE TABLE t (a numeric(10), b varchar(20), c float(8), d bit(3), e time(3), f timestamp(6), g decimal(10, 2), h interval(3))",
            "CREATE TABLE t (auto_increment int, \"auto_increment\" int DEFAULT 0)",
            "CREATE TABLE t (a auto_increment, b public.auto_increment NOT NULL)",
            "CREATE TABLE t (a int CONSTRAINT auto_increment NOT NULL REFERENCES auto_increment)",
            "CREATE TABLE t (a text COLLATE auto_increment, b int CHECK (auto_increment > 0))",
            "CREATE TABLE t (a int \"auto_increment\")",
            "CREATE TABLE t (int int, integer int)",
            "CREATE TABLE t (CONSTRAINT auto_increment PRIMARY KEY (id), LIKE auto_increment)",
            "ALTER TABLE t ADD COLUMN auto_increment int, ADD CONSTRAINT auto_increment UNIQUE (a)",
            "ALTER TABLE t ALTER COLUMN a TYPE int USING auto_increment",
            "SELECT 1 auto_increment, int4(3.5), a int FROM t",
            "INSERT INTO t (auto_increment) VALUES (1)",
            "CREATE TABLE t AS SELECT 1 auto_increment",
            "COMMENT ON COLUMN t.a IS 'was int(11) AUTO_INCREMENT'",
            "ALTER TABLE ALL IN TABLESPACE a OWNED BY r, add SET TABLESPACE b",
        ] {
            assert_eq!(found(sql, pg), None, "{sql}");
        }
        // SQLite reads both as a type's name (`INTEGER AUTO_INCREMENT`, `int(11)`), MySQL has
        // them.
        for d in [Dialect::Sqlite, Dialect::Mysql, Dialect::Mariadb] {
            assert_eq!(found("CREATE TABLE t (id int(11) AUTO_INCREMENT)", d), None);
        }
    }

    #[test]
    fn postgres_read_as_mysql() {
        let my = Dialect::Mysql;
        assert_eq!(
            found("SELECT a::int FROM t", my),
            Some(("::".into(), Looks::Postgres))
        );
        assert_eq!(
            found("CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql", my),
            Some(("$$".into(), Looks::Postgres))
        );
        assert_eq!(
            found("DO $body$ DECLARE n int; BEGIN END $body$", my),
            Some(("$body$".into(), Looks::Postgres))
        );
        assert_eq!(
            found("CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)", my),
            Some(("CONCURRENTLY".into(), Looks::Postgres))
        );
        // MySQL's own: an index named concurrently, `$` identifiers, DELIMITER $$ blocks,
        // executable comments.
        assert_eq!(found("CREATE INDEX concurrently ON t (a)", my), None);
        assert_eq!(found("SELECT a$b, $x, 1 AS $$ FROM t", my), None);
        assert_eq!(
            found("DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END $$\nDELIMITER ;\n", my),
            None
        );
        assert_eq!(found("/*!50001 SELECT a::int */", my), None);
    }

    #[test]
    fn sqlite_read_as_others() {
        let sql = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a text)";
        for d in [Dialect::Postgres, Dialect::Mysql] {
            assert_eq!(
                found(sql, d),
                Some(("AUTOINCREMENT".into(), Looks::Sqlite))
            );
        }
        // MySQL: an index named autoincrement.
        assert_eq!(
            found("CREATE TABLE t (id int, PRIMARY KEY autoincrement (id))", Dialect::Mysql),
            None
        );
        assert_eq!(found(sql, Dialect::Sqlite), None);
        // SQLite's `$name::part` parameter.
        assert_eq!(found("SELECT $a::b", Dialect::Sqlite), None);
        assert_eq!(
            found("SELECT a::int", Dialect::Sqlite),
            Some(("::".into(), Looks::Postgres))
        );
    }
}
