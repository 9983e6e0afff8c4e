//! The token-level recogniser: for each statement, the DDL shape the rules need (what kind of
//! statement, which object, which guards are present, and the exact byte where a missing guard
//! would go). It works from tokens alone, so it also understands statements sqlparser rejects.

use super::lexer::Tok;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlterActionKind {
    AddColumn,
    DropColumn,
    AddConstraint,
    DropConstraint,
    /// MySQL/MariaDB `ADD INDEX|KEY`.
    AddIndex,
    DropIndex,
    Rename,
    Other,
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

/// Recognises the shape of one statement from its significant tokens (terminator excluded);
/// `text` is the file the tokens' byte ranges point into.
pub fn recognise(tokens: &[Tok], text: &str) -> Shape {
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
        Some("CREATE") => create(&mut c),
        Some("DROP") => drop(&mut c),
        Some("ALTER") => alter(&mut c),
        Some("RENAME") => {
            let mut shape = Shape::new(ShapeKind::Rename(ObjectKind::Table), whole_head);
            c.i = 1;
            c.eat("TABLE");
            shape.head.end = c.prev_end();
            shape.names.extend(c.name());
            shape
        }
        Some("INSERT") | Some("REPLACE") | Some("UPSERT") => insert(&mut c),
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

struct Cursor<'a> {
    t: &'a [Tok],
    i: usize,
    text: &'a str,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }

    fn kw(&self, k: &str) -> bool {
        self.peek().is_some_and(|t| t.is_kw(k))
    }

    fn eat(&mut self, k: &str) -> bool {
        let hit = self.kw(k);
        self.i += usize::from(hit);
        hit
    }

    /// Consumes all of `ks` in order, or nothing.
    fn eat_all(&mut self, ks: &[&str]) -> bool {
        let hit = ks
            .iter()
            .enumerate()
            .all(|(n, k)| self.t.get(self.i + n).is_some_and(|t| t.is_kw(k)));
        if hit {
            self.i += ks.len();
        }
        hit
    }

    fn prev_end(&self) -> usize {
        self.i
            .checked_sub(1)
            .and_then(|p| self.t.get(p))
            .map_or(0, |t| t.range.end)
    }

    /// A possibly qualified name: `a`, `s.a`, `"S"."a"`, `` `db`.`t` ``.
    fn name(&mut self) -> Option<Name> {
        let start = self.i;
        let mut parts = Vec::new();
        while let Some(Token::Word(w)) = self.peek().map(|t| &t.token) {
            parts.push(match w.quote_style {
                None if w.value.is_ascii() => w.value.to_ascii_lowercase(),
                None => w.value.to_lowercase(),
                Some(_) => w.value.clone(),
            });
            self.i += 1;
            if self.peek().is_some_and(|t| t.is(&Token::Period))
                && matches!(
                    self.t.get(self.i + 1).map(|t| &t.token),
                    Some(Token::Word(_))
                )
            {
                self.i += 1;
            } else {
                break;
            }
        }
        if parts.is_empty() {
            return None;
        }
        let range = self.t[start].range.start..self.prev_end();
        Some(Name {
            text: self.text.get(range.clone()).unwrap_or_default().to_string(),
            range,
            parts,
        })
    }

    /// A MySQL account written without spaces (`'app'@'%'`), as one name part.
    fn account(&mut self) -> Option<Name> {
        let start = self.peek()?.range.start;
        let mut end = start;
        while let Some(t) = self.peek().filter(|t| t.range.start == end) {
            end = t.range.end;
            self.i += 1;
        }
        let text = self.text.get(start..end)?.to_string();
        Some(Name {
            parts: vec![text.clone()],
            text,
            range: start..end,
        })
    }

    /// Moves to the next `kw` at parenthesis depth 0; returns whether it was found.
    fn seek(&mut self, kw: &str) -> bool {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t.token {
                Token::LParen => depth += 1,
                Token::RParen => depth = depth.saturating_sub(1),
                _ if depth == 0 && t.is_kw(kw) => return true,
                _ => {}
            }
            self.i += 1;
        }
        false
    }
}

const CREATE_MODIFIERS: &[&str] = &[
    "TEMP",
    "TEMPORARY",
    "UNLOGGED",
    "GLOBAL",
    "LOCAL",
    "UNIQUE",
    "RECURSIVE",
    "TRUSTED",
    "PROCEDURAL",
    "CONSTRAINT",
    "FULLTEXT",
    "SPATIAL",
    "VIRTUAL",
    "ONLINE",
    "OFFLINE",
    "DEFAULT",
    "NONCLUSTERED",
    "CLUSTERED",
];

/// Reads the object kind keyword(s) at the cursor.
fn object_kind(c: &mut Cursor) -> Option<ObjectKind> {
    let (tokens, at) = (c.t, c.i);
    let next_is = |k: &str| tokens.get(at + 1).is_some_and(|t| t.is_kw(k));
    let kind = match c.peek()?.bare_word()?.to_ascii_uppercase().as_str() {
        "TABLE" => ObjectKind::Table,
        "INDEX" => ObjectKind::Index,
        "SEQUENCE" => ObjectKind::Sequence,
        "SCHEMA" => ObjectKind::Schema,
        "DATABASE" => ObjectKind::Database,
        "EXTENSION" => ObjectKind::Extension,
        "VIEW" => ObjectKind::View,
        "MATERIALIZED" => {
            c.i += 1;
            if !c.kw("VIEW") {
                return None;
            }
            ObjectKind::MaterializedView
        }
        "FUNCTION" => ObjectKind::Function,
        "PROCEDURE" => ObjectKind::Procedure,
        "TRIGGER" => ObjectKind::Trigger,
        "TYPE" => ObjectKind::Type,
        "DOMAIN" => ObjectKind::Domain,
        "POLICY" => ObjectKind::Policy,
        "EVENT" if next_is("TRIGGER") => {
            c.i += 1;
            ObjectKind::EventTrigger
        }
        "EVENT" => ObjectKind::Event,
        "ROLE" | "USER" => ObjectKind::Role,
        "COLLATION" => ObjectKind::Collation,
        "SERVER" => ObjectKind::Server,
        "STATISTICS" => ObjectKind::Statistics,
        // MariaDB `CREATE AGGREGATE FUNCTION` is a function; PostgreSQL's is an aggregate.
        "AGGREGATE" if next_is("FUNCTION") => {
            c.i += 1;
            ObjectKind::Function
        }
        "AGGREGATE" => ObjectKind::Aggregate,
        "FOREIGN" if next_is("TABLE") => {
            c.i += 1;
            ObjectKind::ForeignTable
        }
        "RULE" => ObjectKind::Rule,
        "CAST" => ObjectKind::Cast,
        "PUBLICATION" => ObjectKind::Publication,
        "SUBSCRIPTION" => ObjectKind::Subscription,
        // OPERATOR CLASS / FAMILY are other objects.
        "OPERATOR" if !next_is("CLASS") && !next_is("FAMILY") => ObjectKind::Operator,
        _ => ObjectKind::Other,
    };
    c.i += 1;
    Some(kind)
}

fn create(c: &mut Cursor) -> Shape {
    let start = c.t[0].range.start;
    c.i = 1;
    let or_replace_at = Some(c.prev_end());
    let or_replace = c.eat_all(&["OR", "REPLACE"]);
    let mut temporary = false;
    // MySQL `DEFINER = user` and `ALGORITHM = …` / `SQL SECURITY …` precede the kind.
    for _ in 0..16 {
        if c.kw("DEFINER") || c.kw("ALGORITHM") {
            c.i += 1;
            c.i += usize::from(c.peek().is_some_and(|t| t.is(&Token::Eq)));
            c.i += 1;
            while c.peek().is_some_and(|t| {
                matches!(t.token, Token::AtSign | Token::LParen | Token::RParen)
                    || matches!(&t.token, Token::Word(w) if w.value.starts_with('@'))
            }) {
                c.i += 1;
                if c.t.get(c.i - 1).is_some_and(|t| t.is(&Token::AtSign)) {
                    c.i += 1;
                }
            }
        } else if c.eat_all(&["SQL", "SECURITY"]) {
            c.i += 1;
        } else if c.kw("TEMP") || c.kw("TEMPORARY") {
            temporary = true;
            c.i += 1;
        } else if CREATE_MODIFIERS.iter().any(|m| c.kw(m)) {
            c.i += 1;
        } else {
            break;
        }
    }
    let Some(kind) = object_kind(c) else {
        return Shape::new(ShapeKind::Create(ObjectKind::Other), start..c.prev_end());
    };
    let mut shape = Shape::new(ShapeKind::Create(kind), start..c.prev_end());
    shape.or_replace = or_replace;
    shape.or_replace_at = or_replace_at;
    shape.temporary = temporary;
    if kind == ObjectKind::Index && c.eat("CONCURRENTLY") {
        shape.concurrently = true;
        shape.head.end = c.prev_end();
    }
    let insert_at = c.prev_end();
    let present = c.eat_all(&["IF", "NOT", "EXISTS"]);
    shape.guard = Some(Guard { present, insert_at });
    match kind {
        ObjectKind::Index => {
            if !c.kw("ON") {
                shape.names.extend(c.name());
            }
            if c.seek("ON") {
                c.i += 1;
                c.eat("ONLY");
                shape.table = c.name();
            }
        }
        ObjectKind::Trigger | ObjectKind::Policy => {
            shape.names.extend(c.name());
            if c.seek("ON") {
                c.i += 1;
                shape.table = c.name();
            }
        }
        ObjectKind::Role => shape.names.extend(c.name().or_else(|| c.account())),
        _ => shape.names.extend(c.name()),
    }
    shape
}

fn drop(c: &mut Cursor) -> Shape {
    let start = c.t[0].range.start;
    c.i = 1;
    let temporary = c.eat("TEMPORARY");
    let Some(kind) = object_kind(c) else {
        return Shape::new(ShapeKind::Drop(ObjectKind::Other), start..c.prev_end());
    };
    let mut shape = Shape::new(ShapeKind::Drop(kind), start..c.prev_end());
    shape.temporary = temporary;
    if c.eat("CONCURRENTLY") {
        shape.concurrently = true;
        shape.head.end = c.prev_end();
    }
    let insert_at = c.prev_end();
    let present = c.eat_all(&["IF", "EXISTS"]);
    shape.guard = Some(Guard { present, insert_at });
    while let Some(name) = c.name() {
        shape.names.push(name);
        // Function signatures: `DROP FUNCTION f(int), g(text)`.
        if c.peek().is_some_and(|t| t.is(&Token::LParen)) {
            let mut depth = 0usize;
            while let Some(t) = c.peek() {
                match t.token {
                    Token::LParen => depth += 1,
                    Token::RParen => depth = depth.saturating_sub(1),
                    _ => {}
                }
                c.i += 1;
                if depth == 0 {
                    break;
                }
            }
        }
        if !c.peek().is_some_and(|t| t.is(&Token::Comma)) {
            break;
        }
        c.i += 1;
    }
    if c.eat("ON") {
        shape.table = c.name();
    }
    shape
}

fn alter(c: &mut Cursor) -> Shape {
    let start = c.t[0].range.start;
    c.i = 1;
    c.eat("ONLINE");
    c.eat("IGNORE");
    let Some(kind) = object_kind(c) else {
        return Shape::new(ShapeKind::Alter(ObjectKind::Other), start..c.prev_end());
    };
    let head = start..c.prev_end();
    let if_exists = c.eat_all(&["IF", "EXISTS"]);
    c.eat("ONLY");
    let name = c.name();
    c.i += usize::from(c.peek().is_some_and(|t| t.is(&Token::Mul)));
    let mut shape = Shape::new(ShapeKind::Alter(kind), head);
    shape.names.extend(name.clone());
    if if_exists {
        shape.guard = Some(Guard {
            present: true,
            insert_at: shape.head.end,
        });
    }
    if kind == ObjectKind::Table {
        shape.kind = ShapeKind::AlterTable;
        shape.actions = alter_table_actions(&c.t[c.i..], c.text);
        return shape;
    }
    let rest = &c.t[c.i..];
    if kind == ObjectKind::Type
        && rest.first().is_some_and(|t| t.is_kw("ADD"))
        && rest.get(1).is_some_and(|t| t.is_kw("VALUE"))
    {
        shape.kind = ShapeKind::AlterTypeAddValue;
        shape.head.end = rest[1].range.end;
        shape.guard = Some(Guard {
            present: rest.get(2).is_some_and(|t| t.is_kw("IF")),
            insert_at: rest[1].range.end,
        });
    } else if rest.iter().any(|t| t.is_kw("RENAME")) {
        shape.kind = ShapeKind::Rename(kind);
    }
    shape
}

fn alter_table_actions(tokens: &[Tok], text: &str) -> Vec<AlterAction> {
    let mut actions = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Comma if depth == 0 => {
                actions.extend(alter_table_action(&tokens[start..i], text));
                start = i + 1;
            }
            _ => {}
        }
    }
    actions.extend(alter_table_action(&tokens[start..], text));
    actions
}

fn alter_table_action(tokens: &[Tok], text: &str) -> Option<AlterAction> {
    let first = tokens.first()?;
    let last = tokens.last()?;
    let mut c = Cursor {
        t: tokens,
        i: 1,
        text,
    };
    let mut action = AlterAction {
        kind: AlterActionKind::Other,
        range: first.range.start..last.range.end,
        head: first.range.clone(),
        name: None,
        guard: None,
    };
    let guard = |c: &mut Cursor, words: &[&str]| {
        let insert_at = c.prev_end();
        Guard {
            present: c.eat_all(words),
            insert_at,
        }
    };
    if first.is_kw("ADD") {
        const CONSTRAINT_KINDS: [&str; 5] = ["PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "EXCLUDE"];
        let named = c.eat("CONSTRAINT");
        if named || CONSTRAINT_KINDS.iter().any(|k| c.kw(k)) {
            action.kind = AlterActionKind::AddConstraint;
            if named {
                action.head.end = c.prev_end();
                action.guard = Some(guard(&mut c, &["IF", "NOT", "EXISTS"]));
                // `ADD CONSTRAINT PRIMARY KEY (…)` (MySQL) has no name.
                if !CONSTRAINT_KINDS.iter().any(|k| c.kw(k)) {
                    action.name = c.name();
                }
            }
            // MySQL/MariaDB: `UNIQUE [INDEX|KEY] [IF NOT EXISTS] [name]`,
            // `FOREIGN KEY [IF NOT EXISTS] [name]` (IF NOT EXISTS is MariaDB's).
            if c.eat("UNIQUE") || c.eat_all(&["FOREIGN", "KEY"]) {
                let _ = c.eat("INDEX") || c.eat("KEY");
                let after_keywords = guard(&mut c, &["IF", "NOT", "EXISTS"]);
                if after_keywords.present || action.guard.is_none() {
                    action.guard = Some(after_keywords);
                }
                // PostgreSQL follows UNIQUE with `(`, `NULLS` or `USING INDEX`, never a name.
                if action.name.is_none() && !c.kw("NULLS") && !c.kw("USING") {
                    action.name = c.name();
                }
            }
        } else if ["INDEX", "KEY", "FULLTEXT", "SPATIAL"]
            .iter()
            .any(|k| c.kw(k))
        {
            action.kind = AlterActionKind::AddIndex;
            c.i += 1;
            c.eat("INDEX");
            c.eat("KEY");
            action.head.end = c.prev_end();
            action.guard = Some(guard(&mut c, &["IF", "NOT", "EXISTS"]));
            action.name = c.name();
        } else if c.kw("PARTITION") || c.kw("VALUE") {
            // ADD PARTITION / other: no idempotency rule.
        } else {
            action.kind = AlterActionKind::AddColumn;
            c.eat("COLUMN");
            action.head.end = c.prev_end();
            action.guard = Some(guard(&mut c, &["IF", "NOT", "EXISTS"]));
            action.name = c.name();
        }
    } else if first.is_kw("DROP") {
        if c.eat("CONSTRAINT") || c.eat_all(&["FOREIGN", "KEY"]) || c.eat("CHECK") {
            action.kind = AlterActionKind::DropConstraint;
        } else if c.eat("INDEX") || c.eat("KEY") {
            action.kind = AlterActionKind::DropIndex;
        } else if c.kw("PRIMARY")
            || c.kw("PARTITION")
            || c.kw("DEFAULT")
            || c.kw("NOT")
            || c.kw("EXPRESSION")
            || c.kw("IDENTITY")
        {
            return Some(action);
        } else {
            action.kind = AlterActionKind::DropColumn;
            c.eat("COLUMN");
        }
        action.head.end = c.prev_end();
        action.guard = Some(guard(&mut c, &["IF", "EXISTS"]));
        action.name = c.name();
    } else if first.is_kw("RENAME") {
        action.kind = AlterActionKind::Rename;
        c.eat("COLUMN");
        c.eat("CONSTRAINT");
        c.eat("INDEX");
        c.eat("KEY");
        action.head.end = c.prev_end();
        if !c.kw("TO") && !c.kw("AS") {
            action.name = c.name();
        }
    }
    Some(action)
}

fn insert(c: &mut Cursor) -> Shape {
    let tokens = c.t;
    let first = &tokens[0];
    let mut shape = Shape::new(ShapeKind::Insert, first.range.clone());
    let has_pair = |a: &str, b: &str| tokens.windows(2).any(|w| w[0].is_kw(a) && w[1].is_kw(b));
    shape.conflict_handled = !first.is_kw("INSERT")
        || has_pair("ON", "CONFLICT")
        || has_pair("ON", "DUPLICATE")
        || has_pair("NOT", "EXISTS")
        || has_pair("OR", "IGNORE")
        || has_pair("OR", "REPLACE")
        || tokens.get(1).is_some_and(|t| t.is_kw("IGNORE"));
    c.i = 1;
    if c.seek("INTO") {
        c.i += 1;
        shape.names.extend(c.name());
    }
    shape
}
