//! The token-level recogniser: for each statement, the DDL shape the rules need (what kind of
//! statement, which object, which guards are present, and the exact byte where a missing guard
//! would go). It works from tokens alone, so it also understands statements sqlparser rejects.

mod alter;
pub use alter::{type_attribute_actions, AttributeAction};
mod create_drop;
mod cursor;
mod insert;
#[cfg(test)]
mod tests;

use super::lexer::{top_level, Tok};
use super::Dialect;
use cursor::Cursor;
use sqlparser::tokenizer::Token;
use std::fmt;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Table,
    Index,
    Sequence,
    Schema,
    Database,
    Extension,
    View,
    MaterializedView,
    Function,
    Procedure,
    Trigger,
    Type,
    Domain,
    Policy,
    Event,
    Role,
    Collation,
    Server,
    Statistics,
    ForeignTable,
    Aggregate,
    Rule,
    Cast,
    EventTrigger,
    Publication,
    Subscription,
    Operator,
    Other,
}

impl ObjectKind {
    /// Is its name a table's as MySQL's and MariaDB's `lower_case_table_names` counts them:
    /// a table's, a view's, a database's (schema's) or a trigger's? Those are compared exactly
    /// under `0`; columns, indexes, routines and events never are.
    pub fn names_table(self) -> bool {
        matches!(
            self,
            ObjectKind::Table
                | ObjectKind::View
                | ObjectKind::MaterializedView
                | ObjectKind::ForeignTable
                | ObjectKind::Database
                | ObjectKind::Schema
                | ObjectKind::Trigger
        )
    }

    /// The SQL keyword(s) of the kind, for messages.
    pub fn keyword(self) -> &'static str {
        match self {
            ObjectKind::Table => "TABLE",
            ObjectKind::Index => "INDEX",
            ObjectKind::Sequence => "SEQUENCE",
            ObjectKind::Schema => "SCHEMA",
            ObjectKind::Database => "DATABASE",
            ObjectKind::Extension => "EXTENSION",
            ObjectKind::View => "VIEW",
            ObjectKind::MaterializedView => "MATERIALIZED VIEW",
            ObjectKind::Function => "FUNCTION",
            ObjectKind::Procedure => "PROCEDURE",
            ObjectKind::Trigger => "TRIGGER",
            ObjectKind::Type => "TYPE",
            ObjectKind::Domain => "DOMAIN",
            ObjectKind::Policy => "POLICY",
            ObjectKind::Event => "EVENT",
            ObjectKind::Role => "ROLE",
            ObjectKind::Collation => "COLLATION",
            ObjectKind::Server => "SERVER",
            ObjectKind::Statistics => "STATISTICS",
            ObjectKind::ForeignTable => "FOREIGN TABLE",
            ObjectKind::Aggregate => "AGGREGATE",
            ObjectKind::Rule => "RULE",
            ObjectKind::Cast => "CAST",
            ObjectKind::EventTrigger => "EVENT TRIGGER",
            ObjectKind::Publication => "PUBLICATION",
            ObjectKind::Subscription => "SUBSCRIPTION",
            ObjectKind::Operator => "OPERATOR",
            ObjectKind::Other => "object",
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// An object name as written (`public."Users"`), with its bytes and its normalised parts
/// (unquoted parts folded to lower case, quotes removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub text: String,
    pub range: Range<usize>,
    pub parts: Vec<String>,
}

impl Name {
    /// The unqualified, normalised name (`users` for `public.Users`).
    pub fn base(&self) -> &str {
        self.parts.last().map_or("", String::as_str)
    }

    /// The schema part as written (`public` for `public.Users`), normalised; `None` when
    /// unqualified.
    pub fn schema(&self) -> Option<&str> {
        let n = self.parts.len();
        (n > 1).then(|| self.parts[n - 2].as_str())
    }

    /// Same object? Schemas are compared only when both names carry one.
    pub fn same_object(&self, other: &Name) -> bool {
        if self.base() != other.base() {
            return false;
        }
        match (self.parts.len(), other.parts.len()) {
            (a, b) if a > 1 && b > 1 => self.parts[a - 2] == other.parts[b - 2],
            _ => true,
        }
    }
}

/// An `IF [NOT] EXISTS` clause: whether it is there, and where it would be inserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guard {
    pub present: bool,
    /// Byte just after the keyword the clause follows (e.g. after `TABLE`); insert `" IF NOT EXISTS"` here.
    pub insert_at: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShapeKind {
    Create(ObjectKind),
    Drop(ObjectKind),
    /// `ALTER TABLE … <actions>`; the actions are in `Shape::actions`.
    AlterTable,
    /// `ALTER TYPE … ADD VALUE`.
    AlterTypeAddValue,
    /// `ALTER <kind> … RENAME …`, MySQL `RENAME TABLE`.
    Rename(ObjectKind),
    Alter(ObjectKind),
    Insert,
    Begin,
    Commit,
    Rollback,
    /// PostgreSQL `DO` block.
    Do,
    /// A statement preflight recognises but has no rule for (SELECT, UPDATE, GRANT, SET, …);
    /// holds the leading keyword in upper case.
    Other(String),
    /// Neither a known keyword nor anything else preflight recognises.
    Unknown,
}

impl ShapeKind {
    /// May the statement rename something: `ALTER … RENAME`, MySQL `RENAME TABLE`, or an
    /// `ALTER TABLE`, whose actions may rename the table, a column, an index or a constraint?
    pub fn may_rename(&self) -> bool {
        matches!(self, ShapeKind::Rename(_) | ShapeKind::AlterTable)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlterActionKind {
    AddColumn,
    DropColumn,
    AddConstraint,
    DropConstraint,
    /// MySQL/MariaDB `ADD INDEX|KEY`.
    AddIndex,
    DropIndex,
    /// MariaDB `ADD PERIOD [IF NOT EXISTS] FOR p (s, e)`; `name` is the period (`SYSTEM_TIME`
    /// for the system-time period), the guard is after `PERIOD`.
    AddPeriod,
    /// MariaDB `DROP PERIOD [IF EXISTS] FOR p`.
    DropPeriod,
    /// MariaDB `ADD SYSTEM VERSIONING`, which has no `IF NOT EXISTS` form.
    AddSystemVersioning,
    /// MariaDB `DROP SYSTEM VERSIONING`, which has no `IF EXISTS` form.
    DropSystemVersioning,
    Rename,
    Other,
}

impl AlterActionKind {
    /// Does the action add something a re-run finds already there (a column, a constraint, an
    /// index, a period)?
    pub fn adds(self) -> bool {
        matches!(
            self,
            AlterActionKind::AddColumn
                | AlterActionKind::AddConstraint
                | AlterActionKind::AddIndex
                | AlterActionKind::AddPeriod
        )
    }
}

/// One comma-separated action of an `ALTER TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlterAction {
    pub kind: AlterActionKind,
    /// Bytes of the action (`ADD COLUMN bio text`).
    pub range: Range<usize>,
    /// Bytes of the action's leading keywords (`ADD COLUMN`), where findings point.
    pub head: Range<usize>,
    pub name: Option<Name>,
    pub guard: Option<Guard>,
}

impl AlterAction {
    /// Its leading keywords through its name (`ADD PERIOD FOR p`), where findings point.
    pub fn head_through_name(&self) -> Range<usize> {
        let end = self.name.as_ref().map_or(self.head.end, |n| n.range.end);
        self.head.start..end
    }

    /// Does it change MariaDB's system versioning (`ADD|DROP SYSTEM VERSIONING`, `ADD|DROP
    /// PERIOD FOR SYSTEM_TIME`), which has no `IF [NOT] EXISTS`?
    pub fn versioning(&self) -> bool {
        match self.kind {
            AlterActionKind::AddSystemVersioning | AlterActionKind::DropSystemVersioning => true,
            AlterActionKind::AddPeriod | AlterActionKind::DropPeriod => self
                .name
                .as_ref()
                .is_some_and(|n| n.base().eq_ignore_ascii_case("system_time")),
            _ => false,
        }
    }
}

/// The kind word of an `ADD [CONSTRAINT name] PRIMARY KEY|UNIQUE|FOREIGN KEY|CHECK …` action
/// (its tokens: `action`): the first of those keywords in it.
pub fn added_constraint_kind(action: &[Tok]) -> Option<&'static str> {
    action.iter().find_map(|t| {
        ["PRIMARY", "UNIQUE", "FOREIGN", "CHECK"]
            .into_iter()
            .find(|k| t.is_kw(k))
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub kind: ShapeKind,
    /// Bytes of the leading keywords (`CREATE UNIQUE INDEX CONCURRENTLY`), where findings point.
    pub head: Range<usize>,
    /// The objects the statement creates, drops or alters (several for `DROP TABLE a, b`).
    pub names: Vec<Name>,
    /// The table an index, trigger or policy is on.
    pub table: Option<Name>,
    pub or_replace: bool,
    /// Byte just after `CREATE`, where `" OR REPLACE"` would go.
    pub or_replace_at: Option<usize>,
    pub guard: Option<Guard>,
    pub concurrently: bool,
    pub temporary: bool,
    pub actions: Vec<AlterAction>,
    /// INSERT only: `ON CONFLICT`, `ON DUPLICATE KEY`, `IGNORE`, `OR REPLACE`, `WHERE NOT EXISTS`, `REPLACE INTO`.
    pub conflict_handled: bool,
}

impl Shape {
    pub fn object(&self) -> Option<&Name> {
        self.names.first()
    }

    fn new(kind: ShapeKind, head: Range<usize>) -> Self {
        Shape {
            kind,
            head,
            names: Vec::new(),
            table: None,
            or_replace: false,
            or_replace_at: None,
            guard: None,
            concurrently: false,
            temporary: false,
            actions: Vec::new(),
            conflict_handled: false,
        }
    }
}

const OTHER_LEADING: &[&str] = &[
    "SELECT",
    "WITH",
    "UPDATE",
    "DELETE",
    "SET",
    "RESET",
    "SHOW",
    "COMMENT",
    "GRANT",
    "REVOKE",
    "ANALYZE",
    "ANALYSE",
    "VACUUM",
    "LOCK",
    "UNLOCK",
    "CALL",
    "EXECUTE",
    "EXEC",
    "REFRESH",
    "CLUSTER",
    "REINDEX",
    "TRUNCATE",
    "COPY",
    "SAVEPOINT",
    "RELEASE",
    "USE",
    "PRAGMA",
    "NOTIFY",
    "LISTEN",
    "UNLISTEN",
    "DECLARE",
    "FETCH",
    "CLOSE",
    "PREPARE",
    "DEALLOCATE",
    "EXPLAIN",
    "VALUES",
    "TABLE",
    "DISCARD",
    "SECURITY",
    "IMPORT",
    "LOAD",
    "OPTIMIZE",
    "FLUSH",
    "ATTACH",
    "DETACH",
    "MERGE",
    "CHECKPOINT",
    "CHECKSUM",
    "REPAIR",
    "HANDLER",
    "INSTALL",
    "UNINSTALL",
    "KILL",
    "PURGE",
    "SIGNAL",
    "RESIGNAL",
    "DESCRIBE",
    "DESC",
    "SOURCE",
    "CHECK",
    "MOVE",
];

/// The possibly qualified name at the start of `tokens` (`f`, `s.f`, `"S"."f"`), its parts
/// folded as the recogniser folds them; `text` is the file the tokens' byte ranges point into
/// (only [`Name::text`] reads it).
pub fn name_at(tokens: &[Tok], text: &str) -> Option<Name> {
    Cursor {
        t: tokens,
        i: 0,
        text,
    }
    .name()
}

/// Does `element`, one top-level element of a `CREATE TABLE t (…)` list in `dialect`, start
/// something other than a column? A table constraint (`[CONSTRAINT c] PRIMARY KEY (…)`,
/// `UNIQUE`, `CHECK`, `FOREIGN KEY`, `EXCLUDE`), `LIKE other`, MySQL's and MariaDB's indexes
/// (`{INDEX | KEY} [name] [USING BTREE] (a, …)`, `FULLTEXT`/`SPATIAL [INDEX | KEY] …`) and
/// MariaDB's `PERIOD FOR p (a, b)`. PostgreSQL and SQLite have no index among a table's
/// elements and reserve none of `key`, `index`, `fulltext` and `spatial`: there those always
/// start a column (`key text`, `key geometry(Point)`, `index my_type(word)`). In MySQL and
/// MariaDB they start an index only when a list of its columns follows (a word or an
/// expression first, and no number or string at its top level, as a type's arguments have:
/// `key geometry(Point, 4326)`). `period` starts a period only before `FOR` (or MariaDB's `IF
/// NOT EXISTS FOR` of `ALTER TABLE … ADD PERIOD`): PostgreSQL reserves `FOR`, so there `period
/// tstzrange` is a column. `ALTER TABLE … ADD` reads its `INDEX`/`KEY` and `PERIOD` actions
/// with this too.
pub fn starts_non_column(element: &[Tok], dialect: Dialect) -> bool {
    const CONSTRAINT: [&str; 7] = [
        "CONSTRAINT",
        "PRIMARY",
        "UNIQUE",
        "CHECK",
        "FOREIGN",
        "EXCLUDE",
        "LIKE",
    ];
    let kw = |i: usize, kws: &[&str]| {
        element
            .get(i)
            .is_some_and(|t| kws.iter().any(|k| t.is_kw(k)))
    };
    if kw(0, &CONSTRAINT) {
        return true;
    }
    if kw(0, &["PERIOD"]) {
        // MariaDB's `ALTER TABLE t ADD PERIOD IF NOT EXISTS FOR p (s, e)`.
        let guard = kw(1, &["IF"]) && kw(2, &["NOT"]) && kw(3, &["EXISTS"]);
        return kw(if guard { 4 } else { 1 }, &["FOR"]);
    }
    if !dialect.is_mysql_family() || !kw(0, &["INDEX", "KEY", "FULLTEXT", "SPATIAL"]) {
        return false;
    }
    let mut i = 1;
    if kw(0, &["FULLTEXT", "SPATIAL"]) && kw(1, &["INDEX", "KEY"]) {
        i += 1;
    }
    // MariaDB's `ALTER TABLE t ADD INDEX IF NOT EXISTS i (a)`.
    if kw(i, &["IF"]) && kw(i + 1, &["NOT"]) && kw(i + 2, &["EXISTS"]) {
        i += 3;
    }
    // The index's name, then its type.
    if element
        .get(i)
        .is_some_and(|t| matches!(t.token, Token::Word(_)) && !t.is_kw("USING"))
    {
        i += 1;
    }
    if kw(i, &["USING"]) {
        i += 2;
    }
    if !element.get(i).is_some_and(|t| t.is(&Token::LParen))
        || !element
            .get(i + 1)
            .is_some_and(|t| matches!(t.token, Token::Word(_) | Token::LParen))
    {
        return false;
    }
    // A type's arguments hold numbers and strings (`key geometry(Point, 4326)`,
    // `key enum('a', 'b')`); an index's list of columns never has one at its top level.
    let close = crate::sql::lexer::matching_paren(element, i).unwrap_or(element.len());
    !top_level(&element[i + 1..close]).any(|(_, t)| {
        matches!(
            t.token,
            Token::Number(..) | Token::SingleQuotedString(_) | Token::NationalStringLiteral(_)
        )
    })
}

/// MariaDB's anonymous compound statement `[label:] BEGIN NOT ATOMIC … END`: not a
/// transaction, but a block whose statements run like a DO block's.
pub fn is_compound_statement(tokens: &[Tok]) -> bool {
    let labelled = tokens.get(1).is_some_and(|t| t.token == Token::Colon);
    let start = if labelled { 2 } else { 0 };
    ["BEGIN", "NOT", "ATOMIC"]
        .iter()
        .enumerate()
        .all(|(k, kw)| tokens.get(start + k).is_some_and(|t| t.is_kw(kw)))
}

/// Recognises the shape of one statement from its significant tokens (terminator excluded);
/// `text` is the file the tokens' byte ranges point into, written in `dialect`.
pub fn recognise(tokens: &[Tok], text: &str, dialect: Dialect) -> Shape {
    let Some(first) = tokens.first() else {
        return Shape::new(ShapeKind::Unknown, 0..0);
    };
    let mut c = Cursor {
        t: tokens,
        i: 0,
        text,
    };
    let whole_head = first.range.clone();
    match first.bare_word().map(str::to_ascii_uppercase).as_deref() {
        Some("CREATE") => create_drop::create(&mut c),
        Some("DROP") => create_drop::drop(&mut c),
        Some("ALTER") => alter::alter(&mut c, dialect),
        Some("RENAME") => {
            let mut shape = Shape::new(ShapeKind::Rename(ObjectKind::Table), whole_head);
            c.i = 1;
            c.eat("TABLE");
            shape.head.end = c.prev_end();
            // MariaDB: `RENAME TABLE IF EXISTS a TO b`.
            let insert_at = shape.head.end;
            let present = c.eat_all(&["IF", "EXISTS"]);
            shape.guard = Some(Guard { present, insert_at });
            shape.names.extend(c.table_name());
            shape
        }
        Some("INSERT") | Some("REPLACE") | Some("UPSERT") => insert::insert(&mut c),
        _ if is_compound_statement(tokens) => {
            Shape::new(ShapeKind::Other("BEGIN".into()), whole_head)
        }
        Some("BEGIN") => Shape::new(ShapeKind::Begin, whole_head),
        Some("START") if tokens.get(1).is_some_and(|t| t.is_kw("TRANSACTION")) => {
            Shape::new(ShapeKind::Begin, first.range.start..tokens[1].range.end)
        }
        Some("COMMIT") | Some("END") => Shape::new(ShapeKind::Commit, whole_head),
        Some("ROLLBACK") | Some("ABORT") if !tokens.iter().any(|t| t.is_kw("TO")) => {
            Shape::new(ShapeKind::Rollback, whole_head)
        }
        Some("DO") => Shape::new(ShapeKind::Do, whole_head),
        Some(word) if OTHER_LEADING.contains(&word) || word == "ROLLBACK" || word == "ABORT" => {
            let mut shape = Shape::new(ShapeKind::Other(word.to_string()), whole_head);
            shape.concurrently =
                word == "REINDEX" && tokens.iter().any(|t| t.is_kw("CONCURRENTLY"));
            shape
        }
        _ => Shape::new(ShapeKind::Unknown, whole_head),
    }
}
