//! MySQL and MariaDB online DDL, as the PF35x rules see it: what each `ALTER TABLE` action costs
//! a live table on a given server version, and the `ALGORITHM=` / `LOCK=` clauses that make the
//! server refuse (rather than silently copy the table or block writes).
//!
//! References: MySQL 8.0/8.4 Reference Manual, "Online DDL Operations" (innodb-online-ddl-operations);
//! MariaDB Knowledge Base, "InnoDB Online DDL Operations with the INSTANT Alter Algorithm" and
//! "… with the INPLACE Alter Algorithm". Verdicts are checked against a real MariaDB in
//! `tests/mysql_online_ddl.rs`.

use super::known_columns::Known;
use super::rule::StatementCx;
use super::safety::top_level_kw;
use crate::sql::column_change;
use crate::sql::lexer::matching_paren;
use crate::sql::tokens_in;
use crate::sql::{
    added_constraint_kind, AlterAction, AlterActionKind, Dialect, ObjectKind, ShapeKind, Tok,
};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;
use std::fmt;
use std::ops::Range;

/// A server version: `8.0.29`, `10.11`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32, pub u32, pub u32);

impl Version {
    /// `8.0.29`, `10.11`, `10.11.6-MariaDB`: two or three numbers, anything after a `-` ignored.
    pub fn parse(text: &str) -> Option<Version> {
        let numbers = text.trim().split('-').next()?;
        let parts: Vec<u32> = numbers
            .split('.')
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        match parts[..] {
            [major, minor] => Some(Version(major, minor, 0)),
            [major, minor, patch] => Some(Version(major, minor, patch)),
            _ => None,
        }
    }

    /// The version assumed when `[lint] mysql_version` is not set: the oldest release of the
    /// current long-term series (MySQL 8.4 LTS, MariaDB 10.6 LTS).
    pub fn assumed(dialect: Dialect) -> Version {
        match dialect {
            Dialect::Mariadb => Version(10, 6, 0),
            _ => Version(8, 4, 0),
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The server version a statement is checked against.
pub fn version(cx: &StatementCx) -> Version {
    cx.options
        .mysql_version
        .unwrap_or_else(|| Version::assumed(cx.dialect))
}

/// The `ALGORITHM=` and `LOCK=` clauses of an `ALTER TABLE` or `CREATE INDEX`.
#[derive(Debug, Default)]
pub struct Clauses {
    /// `(value upper-cased, bytes of the clause)`.
    pub algorithm: Option<(String, Range<usize>)>,
    pub lock: Option<(String, Range<usize>)>,
}

impl Clauses {
    pub fn of(tokens: &[Tok]) -> Clauses {
        let mut clauses = Clauses::default();
        for (i, t) in tokens.iter().enumerate() {
            let slot = if t.is_kw("ALGORITHM") {
                &mut clauses.algorithm
            } else if t.is_kw("LOCK") {
                &mut clauses.lock
            } else {
                continue;
            };
            let value_at = i + 1 + usize::from(tokens.get(i + 1).is_some_and(|x| x.is(&Token::Eq)));
            if let Some(value) = tokens.get(value_at).and_then(Tok::bare_word) {
                *slot = Some((
                    value.to_ascii_uppercase(),
                    t.range.start..tokens[value_at].range.end,
                ));
            }
        }
        clauses
    }

    fn algorithm_is(&self, values: &[&str]) -> bool {
        self.algorithm
            .as_ref()
            .is_some_and(|(v, _)| values.contains(&v.as_str()))
    }

    /// The server refuses to copy the table: `ALGORITHM=INPLACE|INSTANT|NOCOPY` (which never
    /// copy) or `LOCK=NONE` (which COPY and shared-lock operations cannot honour).
    pub fn refuses_copy(&self) -> bool {
        self.algorithm_is(&["INPLACE"]) || self.refuses_write_lock()
    }

    /// The server refuses to block writes, even in place: `LOCK=NONE`, or
    /// `ALGORITHM=INSTANT|NOCOPY`, which an in-place operation under a shared lock may not
    /// honour either ([`Cost::LocksWrites`]). `ALGORITHM=INPLACE` is no such clause: MariaDB
    /// builds a FULLTEXT index or drops system versioning in place under `LOCK=SHARED`.
    pub fn refuses_write_lock(&self) -> bool {
        self.algorithm_is(&["INSTANT", "NOCOPY"])
            || self.lock.as_ref().is_some_and(|(v, _)| v == "NONE")
    }

    /// The author asked for a table rebuild (or something cheaper).
    pub fn accepts_rebuild(&self) -> bool {
        self.algorithm_is(&["INPLACE", "COPY"])
    }
}

/// What an action does to a live table when the server picks the algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cost {
    /// Copies the table (`ALGORITHM=INPLACE` is refused) or holds a lock that blocks writes for
    /// the whole operation.
    BlocksWrites(&'static str),
    /// Done in place (`ALGORITHM=INPLACE` is accepted), but under a lock that blocks writes
    /// for the whole operation: only `LOCK=NONE` makes the server refuse.
    LocksWrites(&'static str),
    /// Rebuilds the table in place: writes continue, but it takes as long as a copy, doubles
    /// the disk space and replicas apply it serially (lag).
    Rebuilds(&'static str),
    /// Metadata only, or an index built online.
    Cheap,
}

/// What `action` of an `ALTER TABLE` (tokens `t`) costs on `version` of `dialect`;
/// `checks_foreign_keys`: the session's `foreign_key_checks` is on (the default).
pub fn action_cost(
    dialect: Dialect,
    version: Version,
    checks_foreign_keys: bool,
    action: &AlterAction,
    t: &[Tok],
) -> Cost {
    let first = t.first();
    let second = t.get(1);
    let has = |kw: &str| t.iter().any(|x| x.is_kw(kw));
    let instant_add = match dialect {
        Dialect::Mariadb => version >= Version(10, 3, 2),
        _ => version >= Version(8, 0, 12),
    };
    let instant_anywhere = match dialect {
        Dialect::Mariadb => version >= Version(10, 4, 0),
        _ => version >= Version(8, 0, 29),
    };
    let mariadb = dialect == Dialect::Mariadb;
    match action.kind {
        // An inline `REFERENCES p (id)` adds a foreign key (MariaDB 10.5.0 and later, MDEV-20729;
        // earlier ones parse and ignore it): `ERROR 1846 … Reason: Adding foreign keys needs
        // foreign_key_checks=OFF. Try ALGORITHM=COPY`, as `ADD FOREIGN KEY`.
        AlterActionKind::AddColumn
            if mariadb && version >= Version(10, 5, 0) && checks_foreign_keys && has("REFERENCES") =>
        {
            Cost::BlocksWrites("adding a column with an inline REFERENCES (a foreign key) while foreign_key_checks is on")
        }
        // In place, but `ERROR 1846 … LOCK=NONE is not supported. Reason: Adding an
        // auto-increment column requires a lock. Try LOCK=SHARED` (MySQL's manual: "Permits
        // Concurrent DML: No").
        AlterActionKind::AddColumn if has("AUTO_INCREMENT") => {
            Cost::LocksWrites("adding an AUTO_INCREMENT column")
        }
        AlterActionKind::AddColumn if has("STORED") || has("PERSISTENT") => {
            Cost::BlocksWrites("adding a STORED generated column")
        }
        AlterActionKind::AddColumn if !instant_add => Cost::Rebuilds("adding a column"),
        // InnoDB fills a new column in place only from a DEFAULT that is the same for every
        // row of the statement (constants, time and session functions): `ERROR 1845 …
        // ALGORITHM=INPLACE is not supported for this operation. Try ALGORITHM=COPY`.
        AlterActionKind::AddColumn if mariadb && default_differs_per_row(t) => {
            Cost::BlocksWrites("adding a column whose DEFAULT differs from row to row (it reads a column, a variable or a sequence, or calls UUID(), SYSDATE() or the like)")
        }
        AlterActionKind::AddColumn if (has("FIRST") || has("AFTER")) && !instant_anywhere => {
            Cost::Rebuilds("adding a column with FIRST/AFTER")
        }
        AlterActionKind::DropColumn if !instant_anywhere => Cost::Rebuilds("dropping a column"),
        AlterActionKind::AddIndex
            if first.is_some_and(|f| f.is_kw("ADD"))
                && second.is_some_and(|s| s.is_kw("FULLTEXT") || s.is_kw("SPATIAL")) =>
        {
            Cost::LocksWrites("adding a FULLTEXT or SPATIAL index")
        }
        AlterActionKind::AddConstraint => match added_constraint_kind(t) {
            Some("PRIMARY") => Cost::Rebuilds("adding a primary key"),
            // MariaDB: `ERROR 1845 … ALGORITHM=INPLACE is not supported for this operation. Try
            // ALGORITHM=COPY` (the rows are checked by copying them). Before 10.2.1 a CHECK
            // was parsed and ignored.
            Some("CHECK") if mariadb && version >= Version(10, 2, 1) => {
                Cost::BlocksWrites("adding a CHECK constraint")
            }
            // `ERROR 1846 … Reason: Adding foreign keys needs foreign_key_checks=OFF. Try
            // ALGORITHM=COPY`.
            Some("FOREIGN") if mariadb && checks_foreign_keys => {
                Cost::BlocksWrites("adding a foreign key while foreign_key_checks is on")
            }
            _ => Cost::Cheap,
        },
        // `ERROR 1845 … ALGORITHM=INPLACE is not supported for this operation. Try
        // ALGORITHM=COPY`. A `SYSTEM_TIME` period comes with `ADD SYSTEM VERSIONING`, which
        // is the costly action.
        AlterActionKind::AddPeriod if mariadb && !action.versioning() => {
            Cost::BlocksWrites("adding an application-time PERIOD")
        }
        // `ERROR 1846 … Reason: Not implemented for system-versioned timestamp tables. Try
        // ALGORITHM=COPY` (a table versioned by transaction id is altered in place, under
        // `LOCK=SHARED`).
        AlterActionKind::AddSystemVersioning => Cost::BlocksWrites("adding SYSTEM VERSIONING"),
        // In place, rebuilding the table, but `ERROR 1846 … LOCK=NONE is not supported.
        // Reason: Not implemented for system-versioned operations. Try LOCK=SHARED`.
        AlterActionKind::DropSystemVersioning => Cost::LocksWrites("dropping SYSTEM VERSIONING"),
        AlterActionKind::Other => other_action_cost(t),
        _ => Cost::Cheap,
    }
}

/// Functions a MariaDB DEFAULT evaluates for each row, neither constant nor a time or session
/// function: adding a column with one copies the table (each checked on MariaDB 10.11; `RAND()`,
/// `NOW()`, `CURDATE()`, `UTC_DATE()`, `UNIX_TIMESTAMP()`, `USER()`, `CONNECTION_ID()`, `DATABASE()`
/// and `VERSION()` are done instantly).
const PER_ROW_FUNCTIONS: &[&str] = &[
    "UUID",
    "UUID_SHORT",
    "SYS_GUID",
    "SYSDATE",
    "UTC_TIMESTAMP",
    "NEXTVAL",
    "LASTVAL",
    "RANDOM_BYTES",
];

/// Words of a DEFAULT expression that are no column: niladic functions, literals, interval units.
const NOT_COLUMNS: &[&str] = &[
    "CURRENT_TIMESTAMP",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_USER",
    "CURRENT_ROLE",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "UTC_DATE",
    "UTC_TIME",
    "NULL",
    "TRUE",
    "FALSE",
    "UNKNOWN",
    "MICROSECOND",
    "SECOND",
    "MINUTE",
    "HOUR",
    "DAY",
    "WEEK",
    "MONTH",
    "QUARTER",
    "YEAR",
    "SECOND_MICROSECOND",
    "MINUTE_MICROSECOND",
    "MINUTE_SECOND",
    "HOUR_MICROSECOND",
    "HOUR_SECOND",
    "HOUR_MINUTE",
    "DAY_MICROSECOND",
    "DAY_SECOND",
    "DAY_MINUTE",
    "DAY_HOUR",
    "YEAR_MONTH",
    "DIV",
    "MOD",
    "XOR",
    "SOUNDS",
    "RLIKE",
    "REGEXP",
    "SEPARATOR",
];

/// The tokens (indices into `t`) of the expression after `DEFAULT` in a column definition:
/// `(…)`, a call `f(…)`, or one token.
fn default_expression(t: &[Tok]) -> Range<usize> {
    let Some(at) = t.iter().position(|x| x.is_kw("DEFAULT")) else {
        return 0..0;
    };
    let paren_at = |i: usize| {
        t.get(i)
            .is_some_and(|x| x.is(&Token::LParen))
            .then(|| matching_paren(t, i))
            .flatten()
    };
    let end = paren_at(at + 1)
        .or_else(|| {
            t.get(at + 1)
                .and_then(Tok::bare_word)
                .and_then(|_| paren_at(at + 2))
        })
        .unwrap_or(at + 1);
    (at + 1).min(t.len())..(end + 1).min(t.len())
}

/// Does the DEFAULT of an added column (tokens `t`) differ from row to row for MariaDB: read a
/// column (a quoted or qualified name, or a bare word that is no keyword), a user variable or
/// a sequence, or call one of [`PER_ROW_FUNCTIONS`]?
fn default_differs_per_row(t: &[Tok]) -> bool {
    let expression = default_expression(t);
    let first = expression.start;
    expression.into_iter().any(|i| {
        let x = &t[i];
        let Token::Word(w) = &x.token else {
            return false;
        };
        let next = t.get(i + 1).map(|n| &n.token);
        let after = |kw: &str| i > first && t[i - 1].is_kw(kw);
        let upper = w.value.to_ascii_uppercase();
        if w.quote_style.is_none() && PER_ROW_FUNCTIONS.contains(&upper.as_str()) {
            return true;
        }
        if (x.is_kw("NEXT") || x.is_kw("PREVIOUS"))
            && t.get(i + 1).is_some_and(|n| n.is_kw("VALUE"))
        {
            return true;
        }
        if w.quote_style.is_none() && w.value.starts_with('@') {
            return !w.value.starts_with("@@");
        }
        // A call, a literal's prefix (`_latin1'x'`, `b'1'`), a character set, a type, a
        // sequence.
        let names_something_else = next == Some(&Token::LParen)
            || matches!(next, Some(Token::SingleQuotedString(_)))
            || ["USING", "COLLATE", "SET", "CHARSET", "AS", "FOR"]
                .into_iter()
                .any(after);
        match w.quote_style {
            Some('`') => !names_something_else,
            Some(_) => false,
            None => {
                !names_something_else
                    && w.keyword == Keyword::NoKeyword
                    && !NOT_COLUMNS.contains(&upper.as_str())
            }
        }
    })
}

/// MariaDB 10.3.2 and later: the `ADD COLUMN` of `actions` (an `ALTER TABLE`'s) that would be
/// instant alone but rebuilds the table because the statement also builds an index (`ADD
/// INDEX|KEY|UNIQUE`, an inline `UNIQUE`, or an inline `REFERENCES` that adds its foreign key
/// in place). InnoDB does instant ADD COLUMN only without index creation in the same statement
/// ("FIXME: allow instant ADD COLUMN together with INNOBASE_ONLINE_CREATE"): `ALGORITHM=NOCOPY`
/// gives `ERROR 1845 … Try ALGORITHM=INPLACE`. A VIRTUAL column is no stored column: not it.
pub fn column_rebuilt_by_index<'a>(
    dialect: Dialect,
    version: Version,
    checks_foreign_keys: bool,
    actions: &[(&'a AlterAction, &[Tok])],
) -> Option<&'a AlterAction> {
    if dialect != Dialect::Mariadb || version < Version(10, 3, 2) {
        return None;
    }
    let has = |t: &[Tok], kw: &str| t.iter().any(|x| x.is_kw(kw));
    let stored_column = |a: &AlterAction, t: &[Tok]| {
        a.kind == AlterActionKind::AddColumn
            && !has(t, "AS")
            && !has(t, "GENERATED")
            && action_cost(dialect, version, checks_foreign_keys, a, t) == Cost::Cheap
    };
    let builds_index = actions.iter().any(|(a, t)| match a.kind {
        AlterActionKind::AddIndex => true,
        AlterActionKind::AddConstraint => added_constraint_kind(t) == Some("UNIQUE"),
        AlterActionKind::AddColumn => has(t, "UNIQUE") || has(t, "REFERENCES"),
        _ => false,
    });
    if !builds_index {
        return None;
    }
    actions
        .iter()
        .find(|(a, t)| stored_column(a, t))
        .map(|(a, _)| *a)
}

/// Does `action` (tokens `t`) add a VIRTUAL generated column: `ADD [COLUMN] c type [GENERATED
/// ALWAYS] AS (expr) [VIRTUAL]` (MariaDB's default when neither `VIRTUAL` nor
/// `STORED`/`PERSISTENT` is said)?
fn adds_virtual_column(action: &AlterAction, t: &[Tok]) -> bool {
    action.kind == AlterActionKind::AddColumn
        && top_level_kw(t, "AS").is_some()
        && top_level_kw(t, "STORED").is_none()
        && top_level_kw(t, "PERSISTENT").is_none()
}

/// MariaDB 10.2 and later: what the VIRTUAL generated columns an `ALTER TABLE` adds cost with
/// its other actions (`actions`), as `(the first such column's action or the index on one,
/// cost)`. Alone, a VIRTUAL column is added instantly; InnoDB does it in place beside other
/// actions only when they are more VIRTUAL columns, `DROP COLUMN`, `DROP INDEX` or plain
/// (neither UNIQUE nor FULLTEXT/SPATIAL) index builds. Anything else (a stored column, a UNIQUE
/// key, a rename, a default, a table option, …) copies the table: `ERROR 1846 … Reason:
/// INPLACE ADD or DROP of virtual columns cannot be combined with other ALTER TABLE actions.
/// Try ALGORITHM=COPY`. An index on a VIRTUAL column the statement adds is built in place but
/// under a shared lock (`LOCK=NONE is not supported … Try LOCK=SHARED`; `ALGORITHM=NOCOPY` is
/// accepted), while the column and then the index, each alone, run with `LOCK=NONE`. Each
/// checked on MariaDB 10.11 by `tests/mysql_online_ddl.rs`.
pub fn virtual_column_cost<'a>(
    dialect: Dialect,
    version: Version,
    actions: &[(&'a AlterAction, &[Tok])],
) -> Option<(&'a AlterAction, Cost)> {
    if dialect != Dialect::Mariadb || version < Version(10, 2, 0) {
        return None;
    }
    let virtual_columns: Vec<_> = actions
        .iter()
        .filter(|(a, t)| adds_virtual_column(a, t))
        .collect();
    let (first, _) = virtual_columns.first()?;
    let has = |t: &[Tok], kw: &str| top_level_kw(t, kw).is_some();
    let plain_index = |a: &AlterAction, t: &[Tok]| {
        a.kind == AlterActionKind::AddIndex
            && !t
                .get(1)
                .is_some_and(|k| k.is_kw("FULLTEXT") || k.is_kw("SPATIAL"))
    };
    let combines = actions.iter().any(|(a, t)| {
        if adds_virtual_column(a, t) {
            // An inline key or constraint is another action.
            return ["UNIQUE", "PRIMARY", "REFERENCES", "CHECK"]
                .iter()
                .any(|kw| has(t, kw));
        }
        let clause = a.kind == AlterActionKind::Other
            && t.first()
                .is_some_and(|f| f.is_kw("ALGORITHM") || f.is_kw("LOCK"));
        !(clause
            || plain_index(a, t)
            || matches!(
                a.kind,
                AlterActionKind::DropIndex | AlterActionKind::DropColumn
            ))
    });
    if combines {
        return Some((
            first,
            Cost::BlocksWrites(
                "adding a VIRTUAL column in the same statement as other changes (InnoDB adds one in place only beside more VIRTUAL columns, DROP COLUMN and plain index builds and drops)",
            ),
        ));
    }
    let names: Vec<&str> = virtual_columns
        .iter()
        .filter_map(|(a, _)| a.name.as_ref())
        .map(|n| n.base())
        .collect();
    actions
        .iter()
        .filter(|(a, t)| plain_index(a, t))
        .find(|(_, t)| {
            let Some(open) = t.iter().position(|x| x.is(&Token::LParen)) else {
                return false;
            };
            let close = matching_paren(t, open).unwrap_or(t.len());
            // MariaDB's column names ignore case, quoted or not.
            t[open..close].iter().any(|x| match &x.token {
                Token::Word(w) => names.iter().any(|n| n.eq_ignore_ascii_case(&w.value)),
                _ => false,
            })
        })
        .map(|(a, _)| {
            (
                *a,
                Cost::LocksWrites(
                    "building an index on a VIRTUAL column added in the same statement",
                ),
            )
        })
}

/// Does `action` (tokens `t`) add a foreign key: `ADD [CONSTRAINT c] FOREIGN KEY …`, or a column
/// with an inline `REFERENCES`? Online schema-change tools (gh-ost, pt-online-schema-change)
/// refuse or mishandle tables with foreign keys, so such a finding needs other advice.
pub fn adds_foreign_key(action: &AlterAction, t: &[Tok]) -> bool {
    match action.kind {
        AlterActionKind::AddConstraint => added_constraint_kind(t) == Some("FOREIGN"),
        AlterActionKind::AddColumn => t.iter().any(|x| x.is_kw("REFERENCES")),
        _ => false,
    }
}

/// A MySQL/MariaDB column definition (the tokens after the column's name) as far as online DDL
/// tells its changes apart: the words of its type (with `UNSIGNED`, `CHARACTER SET`, `COLLATE`,
/// …) and whether it is `NOT NULL`; its `DEFAULT`, `COMMENT` and position (`FIRST`, `AFTER c`)
/// change no row. `None` for a definition with anything else (a key, `AUTO_INCREMENT`, a
/// generated expression, `ON UPDATE`, `INVISIBLE`, …) or a `TIMESTAMP`, whose NULL and DEFAULT
/// the server may fill in itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDefinition {
    type_words: Vec<String>,
    not_null: bool,
}

impl ColumnDefinition {
    pub fn of(t: &[Tok]) -> Option<ColumnDefinition> {
        const OTHER: &[&str] = &[
            "AUTO_INCREMENT",
            "PRIMARY",
            "UNIQUE",
            "KEY",
            "REFERENCES",
            "CHECK",
            "CONSTRAINT",
            "AS",
            "GENERATED",
            "ON",
            "INVISIBLE",
            "COLUMN_FORMAT",
            "STORAGE",
            "SERIAL",
            "WITH",
            "WITHOUT",
            "COMPRESSED",
            "TIMESTAMP",
        ];
        let mut definition = ColumnDefinition {
            type_words: Vec::new(),
            not_null: false,
        };
        let mut i = 0;
        while let Some(x) = t.get(i) {
            let next_is = |kw: &str| t.get(i + 1).is_some_and(|n| n.is_kw(kw));
            i += if x.is_kw("NOT") && next_is("NULL") {
                definition.not_null = true;
                2
            } else if x.is_kw("NULL") {
                definition.not_null = false;
                1
            } else if x.is_kw("DEFAULT") {
                default_expression(&t[i..]).end.max(1)
            } else if x.is_kw("COMMENT") || x.is_kw("AFTER") {
                2
            } else if x.is_kw("FIRST") {
                1
            } else if OTHER.iter().any(|kw| x.is_kw(kw)) {
                return None;
            } else {
                definition.type_words.push(match x.bare_word() {
                    Some(w) => w.to_ascii_uppercase(),
                    None => x.token.to_string(),
                });
                1
            };
        }
        definition.type_words = normalized(definition.type_words);
        (!definition.type_words.is_empty()).then_some(definition)
    }

    /// Does MariaDB 10.4 and later (checked on 10.11) change this column's type to `new`'s
    /// without touching a row, instantly or in place without a lock (the NULL attribute aside)?
    /// The same type in other words, a wider `VARCHAR`/`VARBINARY` that keeps its length
    /// bytes or goes from `utf8mb3` to `utf8mb4` within them, values appended to an `ENUM`/`SET`
    /// that keep its size, or another collation of the same, named, character set. `facts`:
    /// the table's `CREATE TABLE` options, when known.
    fn keeps_rows(&self, new: &ColumnDefinition, facts: Option<&TableFacts>) -> bool {
        let (old, new) = (&self.type_words, &new.type_words);
        old == new
            || in_length_bytes(old, new, facts)
            || appended_values(old, new)
            || collation_only(old, new)
    }
}

/// An `ALTER TABLE` table option that changes what is known of the table's columns without
/// making them unknown (checked on MariaDB 10.11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableChange {
    /// `CONVERT TO CHARACTER SET x [COLLATE y]`: every character column is in `x` (upper
    /// case) and collation `y` (upper case; `None`: `x`'s default), and so is the table's
    /// default.
    Convert(String, Option<String>),
    /// `[DEFAULT] CHARACTER SET x` / `CHARSET=x` / `COLLATE=x_y`: the table's default only;
    /// a column that took the old one keeps it.
    DefaultCharset(String, Option<String>),
    /// `ROW_FORMAT=x`: whether it is `REDUNDANT`.
    RowFormat(bool),
}

impl TableChange {
    /// The change an `ALTER TABLE` action (tokens `t`) makes, when it is only one of these:
    /// `CONVERT TO CHARACTER SET x [COLLATE y]`, a table character set or collation, a
    /// `ROW_FORMAT=`, with nothing else (no `ENGINE=`, no `CHARACTER SET DEFAULT`, no `BINARY`
    /// character set).
    pub fn of(t: &[Tok]) -> Option<TableChange> {
        let words: Vec<String> = t
            .iter()
            .filter(|x| !x.is(&Token::Eq))
            .map(|x| x.bare_word().map(str::to_ascii_uppercase))
            .collect::<Option<_>>()?;
        let words = normalized(std::iter::once(String::new()).chain(words).collect());
        let words = &words[1..];
        if let [row_format, value] = words {
            if row_format == "ROW_FORMAT" {
                return Some(TableChange::RowFormat(value == "REDUNDANT"));
            }
        }
        let (convert, rest) = match words {
            [convert, to, rest @ ..] if convert == "CONVERT" && to == "TO" => (true, rest),
            [default, rest @ ..] if default == "DEFAULT" => (false, rest),
            rest => (false, rest),
        };
        let set = character_set(rest)?;
        let only_charset =
            without_charset(rest).is_empty() && charset_width(set) > 0 && set != "BINARY";
        if !only_charset || set == "DEFAULT" {
            return None;
        }
        let collation = collation_named(rest).map(str::to_string);
        Some(if convert {
            TableChange::Convert(set.to_string(), collation)
        } else {
            TableChange::DefaultCharset(set.to_string(), collation)
        })
    }
}

impl ColumnDefinition {
    /// This definition after `change` of its table (whose facts were `facts`), or `None` when
    /// it is then unknown: `CONVERT TO` puts a `CHAR`/`VARCHAR`/`LONGTEXT` in the new
    /// character set (a `TINYTEXT`/`TEXT`/`MEDIUMTEXT` or an `ENUM`/`SET` only when it is in it
    /// already; others may be made a longer type: MariaDB 10.11 copies a `utf8mb3` `TEXT`
    /// converted to `utf8mb4`); a new table character set makes a column that took the old one
    /// name it (unknown when the old one is).
    pub fn after(
        &self,
        change: &TableChange,
        facts: Option<&TableFacts>,
    ) -> Option<ColumnDefinition> {
        let head = self.type_words.first()?.as_str();
        if !CHARACTER_TYPES.contains(&head) || matches!(change, TableChange::RowFormat(_)) {
            return Some(self.clone());
        }
        let (arguments, rest) = match type_arguments(&self.type_words) {
            Some((arguments, rest)) => (arguments, rest),
            None if self.type_words.get(1).is_some_and(|w| w == "(") => return None,
            None => (&[][..], &self.type_words[1..]),
        };
        let table = facts.and_then(|f| f.charset.as_deref());
        let old = character_set(rest).or(table);
        let mut type_words: Vec<String> =
            self.type_words[..self.type_words.len() - rest.len()].to_vec();
        match change {
            TableChange::Convert(set, _) => {
                let kept = old == Some(set.as_str());
                let long = arguments
                    .first()
                    .and_then(|n| n.parse::<u32>().ok())
                    .is_none_or(|n| n > 16383);
                if !without_charset(rest).is_empty()
                    || (!matches!(head, "CHAR" | "VARCHAR" | "LONGTEXT") && !kept)
                    || (head == "VARCHAR" && long)
                {
                    return None;
                }
            }
            TableChange::DefaultCharset(..) => {
                if character_set(rest).is_some() {
                    return Some(self.clone());
                }
                let old = old?;
                type_words.extend(["CHARACTER".to_string(), "SET".to_string(), old.to_string()]);
                type_words.extend(rest.iter().cloned());
            }
            TableChange::RowFormat(_) => {}
        }
        Some(ColumnDefinition {
            type_words,
            not_null: self.not_null,
        })
    }
}

/// MySQL/MariaDB type names that store characters in a character set (`JSON` aside).
pub(super) const CHARACTER_TYPES: &[&str] = &[
    "CHAR",
    "VARCHAR",
    "TINYTEXT",
    "TEXT",
    "MEDIUMTEXT",
    "LONGTEXT",
    "ENUM",
    "SET",
];

/// Type words in one spelling: `INTEGER` → `INT`, `BOOL`/`BOOLEAN` → `TINYINT` (`TINYINT(1)`),
/// an integer type's display width (`INT(11)`) dropped, `CHARSET` → `CHARACTER SET`.
fn normalized(words: Vec<String>) -> Vec<String> {
    const INTEGERS: &[&str] = &["TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT"];
    let mut out = Vec::with_capacity(words.len());
    let mut words = words.into_iter().peekable();
    if let Some(head) = words.next() {
        let head = match head.as_str() {
            "INTEGER" => "INT".to_string(),
            "BOOL" | "BOOLEAN" => "TINYINT".to_string(),
            _ => head,
        };
        if INTEGERS.contains(&head.as_str()) && words.peek().is_some_and(|w| w == "(") {
            words.by_ref().take_while(|w| w != ")").for_each(drop);
        }
        out.push(head);
    }
    for word in words {
        if word == "CHARSET" {
            out.extend(["CHARACTER".to_string(), "SET".to_string()]);
        } else {
            out.push(utf8mb3_spelled(word));
        }
    }
    out
}

/// MariaDB 10.6 and later read `utf8` as `utf8mb3` (`old_mode` aside): one spelling for both,
/// as a character set (`UTF8`) and in a collation's name (`UTF8_BIN`).
pub(super) fn utf8mb3_spelled(word: String) -> String {
    match word.strip_prefix("UTF8") {
        Some("") => "UTF8MB3".to_string(),
        Some(rest) if rest.starts_with('_') => format!("UTF8MB3{rest}"),
        _ => word,
    }
}

/// The collation a table gives a character column that spells none (MariaDB 10.11): the one
/// its `CREATE TABLE` names (`COLLATE=x`, or the default collation of its `CHARSET=x`), or,
/// where it names neither, the database's default when the table was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableCollation {
    /// A collation, lower case (`utf8mb4_general_ci`).
    Named(String),
    /// The database's default: the server's configuration, not the files, tells it.
    Database,
}

/// The collation MariaDB 10.11 gives a column or table that names character set `set` (lower
/// case, `utf8` spelt `utf8mb3`) and no collation; `None` for a set it does not know.
pub fn default_collation(set: &str) -> Option<String> {
    const GENERAL: &[&str] = &[
        "armscii8", "ascii", "cp1250", "cp1251", "cp1256", "cp1257", "cp850", "cp852", "cp866",
        "geostd8", "greek", "hebrew", "keybcs2", "koi8r", "koi8u", "latin2", "latin7", "macce",
        "macroman", "ucs2", "utf16", "utf16le", "utf32", "utf8mb3", "utf8mb4",
    ];
    let suffix = match set {
        "binary" => return Some("binary".to_string()),
        s if GENERAL.contains(&s) => "general_ci",
        "big5" | "gb2312" | "gbk" => "chinese_ci",
        "cp932" | "eucjpms" | "sjis" | "ujis" => "japanese_ci",
        "dec8" | "latin1" | "swe7" => "swedish_ci",
        "euckr" => "korean_ci",
        "hp8" => "english_ci",
        "latin5" => "turkish_ci",
        "tis620" => "thai_ci",
        _ => return None,
    };
    Some(format!("{set}_{suffix}"))
}

/// What a `CREATE TABLE`'s options (and the `ALTER TABLE`s since, [`TableChange`]) tell of its
/// columns: the character set a column without one takes (`[DEFAULT] CHARSET=x`, `CHARACTER SET
/// x`, `COLLATE=x_y`), upper case, and whether its rows are `ROW_FORMAT=REDUNDANT` (`None`:
/// unknown, as for a table whose `CREATE TABLE` is not known; a `CREATE TABLE` without the
/// option makes the server's default, `DYNAMIC`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableFacts {
    charset: Option<String>,
    /// The collation a character column that spells neither a character set nor a collation
    /// takes (PF204), when the statements tell it.
    collation: Option<TableCollation>,
    /// The collation a `COLLATE` names (upper case), kept across a `CONVERT TO … COLLATE`
    /// (`CONVERT TO` verdicts); `None`: the character set's default.
    named_collation: Option<String>,
    /// Whether its engine is InnoDB (a `CREATE TABLE` without `ENGINE=` makes the default,
    /// InnoDB); another engine makes no foreign key.
    innodb: Option<bool>,
    redundant: Option<bool>,
    /// A `CREATE TABLE IF NOT EXISTS` made it: these facts and its columns hold only if the
    /// table did not exist before (`calls::Earlier::only_definition`).
    if_new: bool,
}

impl TableFacts {
    /// From the tokens after the `CREATE TABLE`'s column list.
    pub fn of(options: &[Tok]) -> TableFacts {
        let words = normalized(
            std::iter::once(String::new())
                .chain(
                    options
                        .iter()
                        .filter_map(Tok::bare_word)
                        .filter(|w| !w.eq_ignore_ascii_case("DEFAULT"))
                        .map(str::to_ascii_uppercase),
                )
                .collect(),
        );
        let redundant = words
            .windows(2)
            .any(|w| w[0] == "ROW_FORMAT" && w[1] == "REDUNDANT");
        let charset = character_set(&words);
        // A character set or collation in a form not read (a string) leaves it unknown.
        let spells = options
            .iter()
            .any(|t| t.is_kw("CHARSET") || t.is_kw("CHARACTER") || t.is_kw("COLLATE"));
        let collation = match words.iter().position(|w| w == "COLLATE") {
            Some(at) => words
                .get(at + 1)
                .map(|c| TableCollation::Named(c.to_ascii_lowercase())),
            None => match charset {
                Some(set) => {
                    default_collation(&set.to_ascii_lowercase()).map(TableCollation::Named)
                }
                None if spells => None,
                None => Some(TableCollation::Database),
            },
        };
        let innodb = match words.iter().position(|w| w == "ENGINE") {
            Some(at) => words.get(at + 1).map(|e| e == "INNODB"),
            None => Some(true),
        };
        TableFacts {
            charset: charset.map(str::to_string),
            collation,
            named_collation: collation_named(&words).map(str::to_string),
            innodb,
            redundant: Some(redundant),
            if_new: false,
        }
    }

    /// Is the table's engine known not to be InnoDB (`ENGINE=MyISAM`): a foreign key added to
    /// it is not made?
    pub fn not_innodb(&self) -> bool {
        self.innodb == Some(false)
    }

    /// The collation a character column that spells neither a character set nor a collation
    /// takes in the table, when the statements tell it.
    pub fn collation(&self) -> Option<&TableCollation> {
        self.collation.as_ref()
    }

    /// The facts after `change`, from `facts` (`None`: nothing known).
    pub fn after(facts: Option<&TableFacts>, change: &TableChange) -> TableFacts {
        let mut out = facts.cloned().unwrap_or_default();
        match change {
            TableChange::Convert(set, collation) | TableChange::DefaultCharset(set, collation) => {
                out.charset = Some(set.clone());
                out.named_collation.clone_from(collation);
                // What a column that spelled no collation now has is not kept (PF204): a
                // `DEFAULT CHARSET` leaves the existing columns in their old one.
                out.collation = None;
            }
            TableChange::RowFormat(redundant) => out.redundant = Some(*redundant),
        }
        out
    }

    /// The facts of a `CREATE TABLE IF NOT EXISTS`: they hold only if it made the table.
    pub fn if_new(self) -> TableFacts {
        TableFacts {
            if_new: true,
            ..self
        }
    }

    /// The character set a column without one takes (upper case), when known.
    pub fn charset(&self) -> Option<&str> {
        self.charset.as_deref()
    }

    /// The collation a column without one takes (upper case), when named.
    pub fn named_collation(&self) -> Option<&str> {
        self.named_collation.as_deref()
    }

    /// Are its rows `ROW_FORMAT=REDUNDANT` (`None`: unknown)?
    pub fn redundant(&self) -> Option<bool> {
        self.redundant
    }

    /// Do they hold only if a `CREATE TABLE IF NOT EXISTS` made the table?
    pub fn only_if_new(&self) -> bool {
        self.if_new
    }

    /// The same facts, no longer hanging on whether the table existed before.
    pub fn settled(&self) -> TableFacts {
        TableFacts {
            if_new: false,
            ..self.clone()
        }
    }
}

/// The words between the type's parentheses (`VARCHAR(10)`: `10`; `ENUM('a','b')`: `'a' , 'b'`)
/// and those after them.
fn type_arguments(words: &[String]) -> Option<(&[String], &[String])> {
    if words.get(1).map(String::as_str) != Some("(") {
        return None;
    }
    let close = words.iter().position(|w| w == ")")?;
    Some((&words[2..close], &words[close + 1..]))
}

/// The character set the words after a type name (`CHARACTER SET x`, or a `COLLATE x_y`),
/// upper case.
fn character_set(rest: &[String]) -> Option<&str> {
    let after = |kw: &str| {
        rest.iter()
            .position(|w| w == kw)
            .and_then(|at| rest.get(at + 1))
    };
    if let Some(set) = rest
        .windows(2)
        .position(|w| w[0] == "CHARACTER" && w[1] == "SET")
        .and_then(|at| rest.get(at + 2))
    {
        return Some(set);
    }
    after("COLLATE").and_then(|c| c.split('_').next())
}

/// The same character type, or a wider `VARCHAR`/`VARBINARY`, in the same character set or
/// from `utf8mb3` to `utf8mb4`, the rest alike but for the collation: in place and instant while
/// the length bytes stay the same, which they do unless the column goes from 128–255 bytes to
/// more than 255 (ROW_FORMAT COMPACT, DYNAMIC and COMPRESSED; REDUNDANT extends any). A
/// definition without a character set takes the table's (`facts`, when known); without that,
/// each of 1–4 bytes a character must keep them. Checked on MariaDB 10.11: latin1
/// `VARCHAR(127)` → `VARCHAR(300)` and `VARCHAR(200)` → `VARCHAR(255)` are instant,
/// `VARCHAR(128)` → `VARCHAR(300)` copies; `utf8mb3` `VARCHAR(50)` (150 bytes) → `utf8mb4`
/// (200) and a `TEXT` are instant, `VARCHAR(80)` (240 → 320 bytes) copies; a `CHAR` is
/// instant but for `ROW_FORMAT=REDUNDANT`, an `ENUM` always copies.
fn in_length_bytes(old: &[String], new: &[String], facts: Option<&TableFacts>) -> bool {
    const TEXT: &[&str] = &[
        "CHAR",
        "VARCHAR",
        "VARBINARY",
        "TINYTEXT",
        "TEXT",
        "MEDIUMTEXT",
        "LONGTEXT",
    ];
    let head = old.first().map(String::as_str);
    if head != new.first().map(String::as_str) || !head.is_some_and(|h| TEXT.contains(&h)) {
        return false;
    }
    let parts = |words: &'_ [String]| -> Option<(Vec<String>, Vec<String>)> {
        match type_arguments(words) {
            Some((arguments, rest)) => Some((arguments.to_vec(), rest.to_vec())),
            None if words.get(1).is_some_and(|w| w == "(") => None,
            None => Some((Vec::new(), words[1..].to_vec())),
        }
    };
    let (Some((old_n, rest)), Some((new_n, new_rest))) = (parts(old), parts(new)) else {
        return false;
    };
    if without_charset(&rest) != without_charset(&new_rest) {
        return false;
    }
    let table_charset = facts.and_then(|f| f.charset.as_deref());
    let charset = |rest: &[String]| character_set(rest).or(table_charset).map(str::to_string);
    let redundant = facts.and_then(|f| f.redundant);
    let widths: Vec<(u32, u32)> = match (head, charset(&rest), charset(&new_rest)) {
        (Some("VARBINARY"), _, _) => vec![(1, 1)],
        (_, Some(a), Some(b)) if a == "UTF8MB3" && b == "UTF8MB4" => {
            // A REDUNDANT row keeps a CHAR's full width: more bytes copy it.
            if head == Some("CHAR") && redundant != Some(false) {
                return false;
            }
            vec![(3, 4)]
        }
        (_, a, b) if a != b => return false,
        (_, Some(a), _) => vec![(charset_width(&a), charset_width(&a))],
        _ => vec![(1, 1), (2, 2), (3, 3), (4, 4)],
    };
    if widths.iter().any(|(w, _)| *w == 0) {
        return false;
    }
    let length = |n: &[String]| match n {
        [n] => n.parse::<u32>().ok(),
        _ => None,
    };
    match (head, length(&old_n), length(&new_n)) {
        (Some("VARCHAR" | "VARBINARY"), Some(n), Some(m)) => {
            m >= n
                && (redundant == Some(true)
                    || widths
                        .iter()
                        .all(|(a, b)| n * a <= 127 || m * b <= 255 || n * a > 255))
        }
        _ => old_n == new_n,
    }
}

/// The collation the words after a type name (or a table's options) name: `COLLATE x`.
fn collation_named(rest: &[String]) -> Option<&str> {
    rest.iter()
        .position(|w| w == "COLLATE")
        .and_then(|at| rest.get(at + 1))
        .map(String::as_str)
}

/// The words but `CHARACTER SET x` and `COLLATE x`.
fn without_charset(rest: &[String]) -> Vec<&String> {
    let mut kept = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        i += match rest[i].as_str() {
            "CHARACTER" if rest.get(i + 1).is_some_and(|w| w == "SET") => 3,
            "COLLATE" => 2,
            _ => {
                kept.push(&rest[i]);
                1
            }
        };
    }
    kept
}

/// Bytes a character of character set `set` (upper case) takes at most; 0 when unknown.
fn charset_width(set: &str) -> u32 {
    match set {
        "LATIN1" | "ASCII" | "BINARY" => 1,
        "UCS2" => 2,
        "UTF8MB3" => 3,
        "UTF8MB4" | "UTF16" | "UTF16LE" | "UTF32" => 4,
        _ => 0,
    }
}

/// `ENUM(…)`/`SET(…)` → the same values in the same order and more after them, the rest alike,
/// in the same storage size (an ENUM of up to 255 values takes a byte; a SET takes 1, 2, 3, 4 or
/// 8 bytes for 8, 16, 24, 32 or 64 values): instant (checked on MariaDB 10.11: a SET of 8
/// values given a 9th, an ENUM of 2 given 258 more, copy).
fn appended_values(old: &[String], new: &[String]) -> bool {
    let head = old.first().map(String::as_str);
    if head != new.first().map(String::as_str) || !matches!(head, Some("ENUM" | "SET")) {
        return false;
    }
    let (Some((old_values, rest)), Some((new_values, new_rest))) =
        (type_arguments(old), type_arguments(new))
    else {
        return false;
    };
    let count = |values: &[String]| values.iter().filter(|w| *w == ",").count() + 1;
    let size = |n: usize| match head {
        Some("ENUM") => usize::from(n > 255) + 1,
        _ => match n.div_ceil(8) {
            b @ 1..=4 => b,
            _ => 8,
        },
    };
    rest == new_rest
        && !old_values.is_empty()
        && new_values.starts_with(old_values)
        && new_values.get(old_values.len()).is_some_and(|w| w == ",")
        && size(count(old_values)) == size(count(new_values))
}

/// The same type in another collation of the same character set, which both definitions name
/// (`CHARACTER SET x`, or `COLLATE x_…`): instant, or for an indexed column in place without a
/// lock (checked on MariaDB 10.11). A column without one takes the table's character set,
/// which a `COLLATE` may change: that copies.
fn collation_only(old: &[String], new: &[String]) -> bool {
    let Some(rest_at) = old.iter().position(|w| w == "CHARACTER" || w == "COLLATE") else {
        return false;
    };
    let Some(new_rest_at) = new.iter().position(|w| w == "CHARACTER" || w == "COLLATE") else {
        return false;
    };
    let (rest, new_rest) = (&old[rest_at..], &new[new_rest_at..]);
    old[..rest_at] == new[..new_rest_at]
        && without_charset(rest) == without_charset(new_rest)
        && character_set(rest).is_some_and(|set| character_set(new_rest) == Some(set))
}

/// What `action` (tokens `t`) of the statement `cx` checks costs, as [`action_cost`] says,
/// except that MariaDB 10.4 and later (checked on 10.11) changes no row for a `MODIFY`/`CHANGE`
/// of a column an earlier `ADD COLUMN` or `CREATE TABLE` of the file, or of an earlier
/// migration of its directory (`calls::Earlier::column_before`), defined when it changes no row
/// (`ColumnDefinition::keeps_rows`: the same type, a `VARCHAR` widened within its length
/// bytes, values appended to an `ENUM`/`SET`, another collation): a new
/// `DEFAULT`, `COMMENT`, name or position is instant, and `NULL` ↔ `NOT NULL` rebuilds the
/// table in place (`LOCK=NONE` accepted, `ALGORITHM=NOCOPY` refused; instant for `NOT NULL` →
/// `NULL` only in a `ROW_FORMAT=REDUNDANT` table).
pub fn cost_in_file(
    cx: &StatementCx,
    version: Version,
    checks_foreign_keys: bool,
    action: &AlterAction,
    t: &[Tok],
) -> Cost {
    let kept_type = || {
        if cx.dialect != Dialect::Mariadb
            || version < Version(10, 4, 0)
            || action.kind != AlterActionKind::Other
        {
            return None;
        }
        let change = column_change::read(t)?;
        let table = cx.shape().object()?;
        let column = change.old_name();
        let new = ColumnDefinition::of(change.definition)?;
        let earlier;
        let (old, facts) = match cx.file.history.known_column(table, &column) {
            // A `CREATE TABLE IF NOT EXISTS` of this file: only if no earlier migration may
            // have made the table, and none other defines it.
            Known::Defined(_, Some(facts))
                if facts.only_if_new()
                    && cx
                        .options
                        .earlier_routines
                        .as_ref()
                        .is_some_and(|e| !e.only_definition(&cx.source.path, table)) =>
            {
                return None
            }
            Known::Defined(old, facts) => (old, facts),
            Known::Unknown => return None,
            // A body may run where the earlier migrations left something else: its
            // statements guard on the catalog (`IF … data_type = 'tinyint' THEN MODIFY …`).
            Known::Untouched if cx.runs_in.is_in_body() => return None,
            Known::Untouched => {
                let found = cx.options.earlier_routines.as_ref()?.column_before(
                    &cx.source.path,
                    table,
                    &column,
                )?;
                // The file's own changes of the table since.
                earlier = cx.file.history.table_changes(table).iter().try_fold(
                    found,
                    |(definition, facts), change| {
                        crate::lint::calls::after_change(&definition, facts, change)
                    },
                )?;
                (&earlier.0, earlier.1.as_ref())
            }
        };
        // A REDUNDANT row marks NULL in a bitmap that allows it already (instant).
        let null_kept = old.not_null == new.not_null
            || (!new.not_null && facts.and_then(|f| f.redundant) == Some(true));
        old.keeps_rows(&new, facts).then_some(null_kept)
    };
    if converts_in_place(cx, version, action, t) {
        return Cost::Cheap;
    }
    match kept_type() {
        Some(true) => Cost::Cheap,
        Some(false) => Cost::Rebuilds("changing whether a column allows NULL (MODIFY/CHANGE)"),
        None => action_cost(cx.dialect, version, checks_foreign_keys, action, t),
    }
}

/// Is `action` (tokens `t`) of the statement `cx` checks a `CONVERT TO CHARACTER SET utf8mb4`
/// that MariaDB 10.4 and later (checked on 10.11) does without copying the table, as every
/// column and key of the table, known from a `CREATE TABLE` of the file or of an earlier
/// migration and the `ALTER TABLE`s of its file since, tell (`table_layout::Layout`)? Not
/// with another action in the statement, nor for a table the file changed after an earlier
/// migration defined it (its layout is unknown then).
fn converts_in_place(cx: &StatementCx, version: Version, action: &AlterAction, t: &[Tok]) -> bool {
    if cx.dialect != Dialect::Mariadb
        || version < Version(10, 4, 0)
        || action.kind != AlterActionKind::Other
        || !t.first().is_some_and(|f| f.is_kw("CONVERT"))
    {
        return false;
    }
    let Some(TableChange::Convert(to, collation)) = TableChange::of(t) else {
        return false;
    };
    // Alone, or with a rebuild in place (`ENGINE=InnoDB`, `FORCE`: PF353), which does what
    // the conversion needs in place too (checked on MariaDB 10.11, `LOCK=NONE` accepted).
    let alone = actions(cx).iter().all(|(a, t)| {
        let words: Vec<&str> = t.iter().filter_map(Tok::bare_word).collect();
        std::ptr::eq(*a, action)
            || t.first()
                .is_some_and(|f| f.is_kw("ALGORITHM") || f.is_kw("LOCK"))
            || matches!(words[..], [force] if force.eq_ignore_ascii_case("FORCE"))
            || matches!(words[..], [engine, innodb]
                if engine.eq_ignore_ascii_case("ENGINE") && innodb.eq_ignore_ascii_case("InnoDB"))
    });
    let Some(table) = cx.shape().object() else {
        return false;
    };
    if !alone || cx.runs_in.is_in_body() {
        return false;
    }
    let before = || {
        cx.options
            .earlier_routines
            .as_ref()?
            .layout_before(&cx.source.path, table)
    };
    let layout = match cx.file.history.known_layout(table) {
        None => before(),
        Some(state) => state.after(before),
    };
    let Some(mut layout) = layout else {
        return false;
    };
    // A `CREATE TABLE IF NOT EXISTS` of this file: only if no earlier migration may have
    // made the table, and none other defines it.
    if layout.only_if_new() {
        let only = cx
            .options
            .earlier_routines
            .as_ref()
            .is_some_and(|e| e.only_definition(&cx.source.path, table));
        if !only {
            return false;
        }
        layout = layout.settled();
    }
    layout.converts_in_place(&to, collation.as_deref(), version < Version(11, 0, 0))
}

fn other_action_cost(t: &[Tok]) -> Cost {
    let Some(first) = t.first() else {
        return Cost::Cheap;
    };
    let word = |i: usize, kw: &str| t.get(i).is_some_and(|x| x.is_kw(kw));
    if first.is_kw("MODIFY") || first.is_kw("CHANGE") {
        Cost::BlocksWrites("changing a column's type (MODIFY/CHANGE)")
    } else if first.is_kw("CONVERT") && word(1, "TO") {
        Cost::BlocksWrites("converting the table's character set")
    } else if first.is_kw("DROP") && word(1, "PRIMARY") {
        Cost::BlocksWrites("dropping the primary key")
    } else if first.is_kw("ENGINE") || first.is_kw("ROW_FORMAT") || first.is_kw("FORCE") {
        Cost::Rebuilds("rebuilding the table (ENGINE, ROW_FORMAT or FORCE)")
    } else {
        Cost::Cheap
    }
}

/// The tokens of each action of an `ALTER TABLE` (none for other statements).
pub fn actions<'a>(cx: &'a StatementCx) -> Vec<(&'a AlterAction, &'a [Tok])> {
    let shape = cx.shape();
    if shape.kind != ShapeKind::AlterTable {
        return Vec::new();
    }
    shape
        .actions
        .iter()
        .map(|a| (a, tokens_in(&cx.statement.tokens, &a.range)))
        .collect()
}

/// `CREATE FULLTEXT|SPATIAL INDEX`: the keyword's token.
pub fn fulltext_index<'a>(cx: &StatementCx<'a>) -> Option<&'a Tok> {
    if cx.shape().kind != ShapeKind::Create(ObjectKind::Index) {
        return None;
    }
    cx.statement
        .tokens
        .iter()
        .take(3)
        .find(|t| t.is_kw("FULLTEXT") || t.is_kw("SPATIAL"))
}

/// Is the statement's table (an `ALTER TABLE`'s, a `CREATE INDEX`'s) one the same file
/// created? A new table is empty: copying or locking it costs nothing.
pub fn on_new_table(cx: &StatementCx) -> bool {
    let shape = cx.shape();
    shape
        .table
        .as_ref()
        .or(shape.object())
        .is_some_and(|t| super::columns::created_earlier(cx, t, None))
}

/// Does the statement's `ALTER TABLE` also add a primary key (so dropping one is in place)?
pub fn adds_primary_key(actions: &[(&AlterAction, &[Tok])]) -> bool {
    actions.iter().any(|(a, t)| {
        a.kind == AlterActionKind::AddConstraint && t.iter().any(|x| x.is_kw("PRIMARY"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::sql::parse_source;

    /// The definition of the first action of `sql`, a `MODIFY`/`CHANGE`.
    fn modified(sql: &str) -> Option<(String, String, Option<ColumnDefinition>)> {
        let source = SourceFile::new("m.sql", sql);
        let parsed = parse_source(&source, Dialect::Mariadb);
        let statement = &parsed.statements[0];
        let action = tokens_in(&statement.tokens, &statement.shape.actions[0].range);
        let change = column_change::read(action)?;
        Some((
            change.old_name(),
            change.new_name(),
            ColumnDefinition::of(change.definition),
        ))
    }

    #[test]
    fn a_column_definition_is_its_type_and_nullability() {
        let same = |a: &str, b: &str| {
            let (_, _, a) = modified(a).unwrap();
            let (_, _, b) = modified(b).unwrap();
            a.unwrap() == b.unwrap()
        };
        assert!(same(
            "ALTER TABLE t MODIFY e int DEFAULT 1;",
            "ALTER TABLE t MODIFY COLUMN e INT COMMENT 'x' AFTER id;"
        ));
        assert!(same(
            "ALTER TABLE t MODIFY e VARCHAR(10) CHARACTER SET utf8mb4 DEFAULT (concat('a', 'b'));",
            "ALTER TABLE t CHANGE e E2 varchar(10) character set UTF8MB4 FIRST;"
        ));
        assert!(!same(
            "ALTER TABLE t MODIFY e INT NULL;",
            "ALTER TABLE t MODIFY e INT NOT NULL;"
        ));
        assert!(!same(
            "ALTER TABLE t MODIFY e VARCHAR(10);",
            "ALTER TABLE t MODIFY e VARCHAR(10) COLLATE latin1_bin;"
        ));
        assert_eq!(
            modified("ALTER TABLE t CHANGE COLUMN IF EXISTS `E` e2 INT;").map(|m| (m.0, m.1)),
            Some(("e".to_string(), "e2".to_string()))
        );
        // What changes more than the type and NULL, or what the server fills in itself.
        for other in [
            "ALTER TABLE t MODIFY e INT AUTO_INCREMENT;",
            "ALTER TABLE t MODIFY e INT UNIQUE;",
            "ALTER TABLE t MODIFY e INT AS (a + 1) VIRTUAL;",
            "ALTER TABLE t MODIFY e DATETIME ON UPDATE CURRENT_TIMESTAMP;",
            "ALTER TABLE t MODIFY e TIMESTAMP;",
            "ALTER TABLE t MODIFY e INT INVISIBLE;",
        ] {
            assert_eq!(modified(other).unwrap().2, None, "{other}");
        }
        assert!(modified("ALTER TABLE t ALTER COLUMN e SET DEFAULT 1;").is_none());
    }

    #[test]
    fn a_type_change_keeps_the_rows_only_where_mariadb_changes_none() {
        let keeps = |old: &str, new: &str| {
            let definition = |sql: String| modified(&sql).unwrap().2.unwrap();
            definition(format!("ALTER TABLE t MODIFY e {old};"))
                .keeps_rows(&definition(format!("ALTER TABLE t MODIFY e {new};")), None)
        };
        // Other words for the same type.
        assert!(keeps("INT", "INTEGER(11) DEFAULT 1"));
        assert!(keeps("TINYINT(1)", "BOOLEAN"));
        assert!(keeps(
            "VARCHAR(5) CHARSET latin1",
            "VARCHAR(5) CHARACTER SET latin1"
        ));
        assert!(!keeps("INT", "BIGINT"));
        assert!(!keeps("INT", "INT UNSIGNED"));
        // A wider VARCHAR keeps its length bytes: up to 127 bytes, or to at most 255.
        // Without a named character set, up to 4 bytes a character.
        assert!(keeps("VARCHAR(31)", "VARCHAR(300)"));
        assert!(!keeps("VARCHAR(32)", "VARCHAR(300)"));
        assert!(!keeps("VARCHAR(40)", "VARCHAR(100)"));
        assert!(keeps(
            "VARCHAR(127) CHARACTER SET latin1",
            "VARCHAR(300) CHARACTER SET latin1"
        ));
        assert!(!keeps(
            "VARCHAR(128) CHARACTER SET latin1",
            "VARCHAR(300) CHARACTER SET latin1"
        ));
        assert!(keeps(
            "VARCHAR(64) COLLATE utf8mb4_bin",
            "VARCHAR(100) COLLATE utf8mb4_bin"
        ));
        assert!(!keeps(
            "VARCHAR(63) CHARACTER SET utf8mb4",
            "VARCHAR(64) CHARACTER SET utf8mb4"
        ));
        assert!(!keeps("VARCHAR(20)", "VARCHAR(10)"));
        assert!(!keeps("VARCHAR(10)", "VARCHAR(20) CHARACTER SET utf8mb4"));
        assert!(!keeps("CHAR(10)", "CHAR(20)"));
        assert!(keeps("VARBINARY(100)", "VARBINARY(255)"));
        assert!(!keeps("VARBINARY(200)", "VARBINARY(300)"));
        // Values appended to an ENUM or SET of the same size.
        assert!(keeps("ENUM('a', 'b')", "ENUM('a', 'b', 'c')"));
        assert!(!keeps("ENUM('a', 'b')", "ENUM('a', 'c', 'b')"));
        assert!(!keeps("ENUM('a', 'b')", "ENUM('a')"));
        assert!(!keeps("ENUM('a', 'b')", "ENUM('a', 'bc')"));
        assert!(keeps(
            "SET('a')",
            "SET('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h')"
        ));
        assert!(!keeps(
            "SET('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h')",
            "SET('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i')"
        ));
        // Another collation of a character set both name.
        assert!(keeps(
            "VARCHAR(10) CHARACTER SET latin1",
            "VARCHAR(10) COLLATE latin1_bin"
        ));
        assert!(keeps(
            "TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
            "TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
        ));
        assert!(!keeps("VARCHAR(10)", "VARCHAR(10) COLLATE latin1_bin"));
        assert!(!keeps(
            "VARCHAR(10) CHARACTER SET latin1",
            "VARCHAR(10) CHARACTER SET utf8mb4"
        ));
        // Wider, in another collation of the same character set (instant; for an indexed
        // column, in place without a lock).
        assert!(keeps(
            "VARCHAR(10) CHARACTER SET latin1",
            "VARCHAR(12) COLLATE latin1_bin"
        ));
        // `utf8` is `utf8mb3`; `utf8mb3` to `utf8mb4` keeps the length bytes up to 127 bytes
        // before or 255 after, and for a TEXT.
        assert!(keeps("TEXT CHARACTER SET utf8", "TEXT CHARSET utf8mb3"));
        assert!(keeps(
            "VARCHAR(10) COLLATE utf8_bin",
            "VARCHAR(10) CHARACTER SET utf8mb3 COLLATE utf8mb3_bin"
        ));
        assert!(keeps(
            "VARCHAR(50) CHARACTER SET utf8mb3",
            "VARCHAR(50) CHARACTER SET utf8mb4"
        ));
        assert!(keeps(
            "VARCHAR(100) CHARACTER SET utf8",
            "VARCHAR(100) CHARACTER SET utf8mb4"
        ));
        assert!(!keeps(
            "VARCHAR(80) CHARACTER SET utf8mb3",
            "VARCHAR(80) CHARACTER SET utf8mb4"
        ));
        assert!(keeps(
            "TEXT CHARACTER SET utf8mb3",
            "TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ));
        assert!(!keeps(
            "ENUM('a') CHARACTER SET utf8mb3",
            "ENUM('a') CHARACTER SET utf8mb4"
        ));
        assert!(!keeps(
            "CHAR(10) CHARACTER SET utf8mb3",
            "CHAR(10) CHARACTER SET utf8mb4"
        ));
    }

    /// The change the first action of `sql`, an `ALTER TABLE`, makes.
    fn change(sql: &str) -> Option<TableChange> {
        let source = SourceFile::new("m.sql", sql);
        let parsed = parse_source(&source, Dialect::Mariadb);
        let statement = &parsed.statements[0];
        TableChange::of(tokens_in(
            &statement.tokens,
            &statement.shape.actions[0].range,
        ))
    }

    #[test]
    fn table_options_that_change_what_is_known_of_the_columns() {
        let convert = |set: &str| Some(TableChange::Convert(set.to_string(), None));
        let default = |set: &str| Some(TableChange::DefaultCharset(set.to_string(), None));
        assert_eq!(
            change("ALTER TABLE t CONVERT TO CHARACTER SET utf8;"),
            convert("UTF8MB3")
        );
        assert_eq!(
            change("ALTER TABLE t CONVERT TO CHARSET utf8mb4 COLLATE utf8mb4_bin;"),
            Some(TableChange::Convert(
                "UTF8MB4".to_string(),
                Some("UTF8MB4_BIN".to_string())
            ))
        );
        assert_eq!(
            change("ALTER TABLE t DEFAULT CHARSET=latin1;"),
            default("LATIN1")
        );
        assert_eq!(
            change("ALTER TABLE t CHARACTER SET = utf8mb4 COLLATE = utf8mb4_bin;"),
            Some(TableChange::DefaultCharset(
                "UTF8MB4".to_string(),
                Some("UTF8MB4_BIN".to_string())
            ))
        );
        assert_eq!(
            change("ALTER TABLE t COLLATE utf8mb4_bin;"),
            Some(TableChange::DefaultCharset(
                "UTF8MB4".to_string(),
                Some("UTF8MB4_BIN".to_string())
            ))
        );
        assert_eq!(
            change("ALTER TABLE t ROW_FORMAT=REDUNDANT;"),
            Some(TableChange::RowFormat(true))
        );
        assert_eq!(
            change("ALTER TABLE t ROW_FORMAT = DYNAMIC;"),
            Some(TableChange::RowFormat(false))
        );
        for other in [
            "ALTER TABLE t ENGINE=InnoDB;",
            "ALTER TABLE t CONVERT TO CHARACTER SET binary;",
            "ALTER TABLE t CONVERT TO CHARACTER SET DEFAULT;",
            "ALTER TABLE t DEFAULT CHARSET=utf8mb4 ENGINE=InnoDB;",
        ] {
            assert_eq!(change(other), None, "{other}");
        }
        // What they do to a column: CONVERT TO puts a CHAR, VARCHAR or LONGTEXT in the new
        // character set; a TEXT, ENUM or SET may become another type (unknown).
        let definition = |d: &str| {
            modified(&format!("ALTER TABLE t MODIFY e {d};"))
                .unwrap()
                .2
                .unwrap()
        };
        let after = |d: &str, c: &TableChange| definition(d).after(c, None);
        let to_utf8mb4 = TableChange::Convert("UTF8MB4".to_string(), None);
        for (old, new) in [
            ("VARCHAR(10) CHARACTER SET latin1", "VARCHAR(10)"),
            ("CHAR(10) COLLATE utf8mb3_bin NOT NULL", "CHAR(10) NOT NULL"),
            ("LONGTEXT", "LONGTEXT"),
            ("TEXT CHARACTER SET utf8mb4", "TEXT"),
            ("INT", "INT"),
        ] {
            assert_eq!(after(old, &to_utf8mb4), Some(definition(new)), "{old}");
        }
        for old in [
            "TEXT",
            "TEXT CHARACTER SET utf8mb3",
            "ENUM('a')",
            "VARCHAR(20000)",
        ] {
            assert_eq!(after(old, &to_utf8mb4), None, "{old}");
        }
        // A new table character set: the column names the old one, or is unknown.
        let to_latin1 = TableChange::DefaultCharset("LATIN1".to_string(), None);
        assert_eq!(after("VARCHAR(10)", &to_latin1), None);
        let facts = TableFacts::after(None, &TableChange::Convert("UTF8MB4".to_string(), None));
        assert_eq!(
            definition("VARCHAR(10) NOT NULL").after(&to_latin1, Some(&facts)),
            Some(definition("VARCHAR(10) CHARACTER SET utf8mb4 NOT NULL"))
        );
        assert_eq!(
            after("VARCHAR(10) COLLATE utf8mb4_bin", &to_latin1),
            Some(definition("VARCHAR(10) COLLATE utf8mb4_bin"))
        );
    }

    #[test]
    fn versions_parse_like_the_servers_report_them() {
        assert_eq!(Version::parse("8.0.29"), Some(Version(8, 0, 29)));
        assert_eq!(Version::parse("10.11"), Some(Version(10, 11, 0)));
        assert_eq!(
            Version::parse("10.11.6-MariaDB-log"),
            Some(Version(10, 11, 6))
        );
        assert_eq!(Version::parse("eight"), None);
        assert_eq!(Version::parse("8"), None);
        assert!(Version(8, 0, 12) < Version(8, 0, 29));
    }
}
