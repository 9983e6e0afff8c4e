//! MariaDB: a table's every column and key as statements leave them known, for what `ALTER
//! TABLE … CONVERT TO CHARACTER SET utf8mb4` costs (PF351). Checked on MariaDB 10.11: a
//! `utf8mb3` table converts instantly when each character column keeps its row format's
//! storage (a `CHAR` in rows other than `REDUNDANT`, a `VARCHAR` whose length bytes stay the
//! same, a `LONGTEXT` or `JSON`), and a column of a primary key or `UNIQUE` key keeps its
//! collation's order (another key on it is rebuilt in place, `ALGORITHM=NOCOPY`, `LOCK=NONE`).

use super::online_ddl::{utf8mb3_spelled, TableChange, TableFacts, CHARACTER_TYPES};
use crate::sql::column_change;
use crate::sql::lexer::matching_paren;
use crate::sql::{added_constraint_kind, AlterAction, AlterActionKind, Tok};
use sqlparser::tokenizer::Token;

/// What a column stores, as far as a new character set of its table changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Numbers, times, bytes: no character set.
    NotText,
    /// A character type (upper case: `CHAR`, `VARCHAR`, `TEXT`, …, `ENUM`, `SET`, `JSON`), its
    /// length (`CHAR`/`VARCHAR`), and the character set and collation it names (upper case).
    Text {
        head: String,
        length: Option<u32>,
        charset: Option<String>,
        collation: Option<String>,
    },
}

/// A table's columns and keys, as a `CREATE TABLE` and the `ALTER TABLE`s since define them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableLayout {
    /// Each column (lower case), what it stores (`None`: not read), whether it is `NOT NULL`.
    columns: Vec<(String, Option<Stored>, bool)>,
    /// The keys, each by the names (lower case) its parentheses hold; plain keys do not count.
    keys: Vec<Key>,
    /// The table's options.
    facts: TableFacts,
}

/// A key whose column's new collation order costs more than rebuilding it in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// The primary key: the clustered index, whose new order copies the table.
    Primary(Vec<String>),
    /// A `UNIQUE` key: without a primary key, one of `NOT NULL` columns is the clustered index.
    Unique(Vec<String>),
    /// A `FULLTEXT`/`SPATIAL` index: rebuilt under a lock that blocks writes.
    Fulltext(Vec<String>),
}

/// Type names that store no characters.
const NOT_TEXT: &[&str] = &[
    "TINYINT",
    "SMALLINT",
    "MEDIUMINT",
    "INT",
    "INTEGER",
    "BIGINT",
    "BOOL",
    "BOOLEAN",
    "SERIAL",
    "DECIMAL",
    "DEC",
    "NUMERIC",
    "FIXED",
    "FLOAT",
    "DOUBLE",
    "REAL",
    "BIT",
    "DATE",
    "DATETIME",
    "TIMESTAMP",
    "TIME",
    "YEAR",
    "BINARY",
    "VARBINARY",
    "TINYBLOB",
    "BLOB",
    "MEDIUMBLOB",
    "LONGBLOB",
    "UUID",
    "INET4",
    "INET6",
];

/// Upper case text of a bare word.
fn upper(t: &Tok) -> Option<String> {
    t.bare_word().map(str::to_ascii_uppercase)
}

/// A column's or key's name, lower case (MySQL/MariaDB column names ignore case).
fn lower(t: &Tok) -> Option<String> {
    match &t.token {
        Token::Word(w) => Some(w.value.to_lowercase()),
        _ => None,
    }
}

/// A column's definition as a layout holds it: what it stores, whether it is `NOT NULL`, the
/// key it makes inline (with its name as the key's only column).
pub type Column = (Option<Stored>, bool, Option<Key>);

/// A column definition (the tokens after the name `name`): what it stores (`None`: not read:
/// a generated column, `BINARY` as a collation, a `NATIONAL` type, `TEXT(n)`, …), whether it
/// is `NOT NULL` and the key it makes inline. `None` for what leaves the table unknown (an
/// inline `REFERENCES`, a `CHECK`).
fn column(name: &str, t: &[Tok]) -> Option<Column> {
    let inline = if t.iter().any(|x| x.is_kw("PRIMARY")) {
        Some(Key::Primary(vec![name.to_string()]))
    } else if t.iter().any(|x| x.is_kw("UNIQUE")) {
        Some(Key::Unique(vec![name.to_string()]))
    } else {
        None
    };
    let not_null = matches!(inline, Some(Key::Primary(_)))
        || t.windows(2)
            .any(|w| w[0].is_kw("NOT") && w[1].is_kw("NULL"));
    if t.iter().any(|x| x.is_kw("REFERENCES") || x.is_kw("CHECK")) {
        return None;
    }
    Some((stored(t), not_null, inline))
}

/// What a column definition (the tokens after the name) stores; `None` when not read.
fn stored(t: &[Tok]) -> Option<Stored> {
    let generated = t.iter().any(|x| x.is_kw("AS") || x.is_kw("GENERATED"));
    let head = t.first().and_then(upper)?;
    if generated {
        return None;
    }
    if NOT_TEXT.contains(&head.as_str()) {
        return Some(Stored::NotText);
    }
    if !CHARACTER_TYPES.contains(&head.as_str()) && head != "JSON" {
        return None;
    }
    let mut i = 1;
    let mut length = None;
    if t.get(1).is_some_and(|x| x.is(&Token::LParen)) {
        let close = matching_paren(t, 1)?;
        if matches!(head.as_str(), "CHAR" | "VARCHAR") {
            length = match &t[2..close] {
                [n] => match &n.token {
                    Token::Number(n, _) => n.parse::<u32>().ok(),
                    _ => None,
                },
                _ => None,
            };
            length?;
        } else if !matches!(head.as_str(), "ENUM" | "SET") {
            // `TEXT(n)`: the server picks the type.
            return None;
        }
        i = close + 1;
    }
    let (mut charset, mut collation) = (None, None);
    while let Some(x) = t.get(i) {
        let next = t.get(i + 1).and_then(lower).map(|w| w.to_ascii_uppercase());
        i += if x.is_kw("CHARSET") {
            charset = next;
            2
        } else if x.is_kw("CHARACTER") && t.get(i + 1).is_some_and(|n| n.is_kw("SET")) {
            charset = t.get(i + 2).and_then(lower).map(|w| w.to_ascii_uppercase());
            3
        } else if x.is_kw("COLLATE") {
            collation = next;
            2
        } else if ["BINARY", "ASCII", "UNICODE", "BYTE"]
            .iter()
            .any(|kw| x.is_kw(kw))
        {
            return None;
        } else if x.is_kw("DEFAULT") || x.is_kw("COMMENT") {
            // Skip the value: a string may hold any word.
            2
        } else {
            1
        };
    }
    Some(Stored::Text {
        head,
        length,
        charset: charset.map(utf8mb3_spelled),
        collation: collation.map(utf8mb3_spelled),
    })
}

/// The names (lower case) in the first parentheses of `t` (a key definition, `ON t (…)`).
pub fn names_in_parens(t: &[Tok]) -> Option<Vec<String>> {
    key_columns(t)
}

/// The names (lower case) in the first parentheses of a key definition.
fn key_columns(t: &[Tok]) -> Option<Vec<String>> {
    let open = t.iter().position(|x| x.is(&Token::LParen))?;
    let close = matching_paren(t, open)?;
    Some(t[open + 1..close].iter().filter_map(lower).collect())
}

/// A key definition (`PRIMARY KEY (…)`, `UNIQUE …`, `FULLTEXT …`, `KEY …`, `INDEX …`, with
/// `CONSTRAINT c`): `Some(Some(key))`, `Some(None)` for a plain key, `None` for what leaves the
/// table unknown (`FOREIGN KEY`, `CHECK`, …).
fn key(t: &[Tok]) -> Option<Option<Key>> {
    let t = match t {
        [c, k, ..] if c.is_kw("CONSTRAINT") && is_key_word(k) => &t[1..],
        [c, _, ..] if c.is_kw("CONSTRAINT") => &t[2..],
        _ => t,
    };
    let first = t.first()?;
    let columns = key_columns(t)?;
    if first.is_kw("PRIMARY") {
        Some(Some(Key::Primary(columns)))
    } else if first.is_kw("UNIQUE") {
        Some(Some(Key::Unique(columns)))
    } else if first.is_kw("FULLTEXT") || first.is_kw("SPATIAL") {
        Some(Some(Key::Fulltext(columns)))
    } else if first.is_kw("KEY") || first.is_kw("INDEX") {
        Some(None)
    } else {
        None
    }
}

fn is_key_word(t: &Tok) -> bool {
    [
        "PRIMARY", "UNIQUE", "KEY", "INDEX", "FOREIGN", "CHECK", "FULLTEXT", "SPATIAL",
    ]
    .iter()
    .any(|kw| t.is_kw(kw))
}

/// One change of a table's layout, read from an `ALTER TABLE` action or a `CREATE UNIQUE
/// INDEX`: kept (small, no tokens) where the statements do not know the layout, for one an
/// earlier migration knows.
#[derive(Debug, Clone)]
pub enum LayoutEdit {
    AddColumn(String, Column),
    DropColumn(String),
    /// A key added (`None`: a plain one).
    Key(Option<Key>),
    /// A `CREATE UNIQUE INDEX` on these columns.
    Unique(Vec<String>),
    RenameColumn(String, String),
    /// `MODIFY`/`CHANGE` of a column: old name, new name, new definition.
    Change(String, String, Column),
    Table(TableChange),
    /// Nothing a layout holds changes (`ALGORITHM=`, `LOCK=`, an index dropped).
    Keep,
    Unknown,
}

impl LayoutEdit {
    /// What `action` (tokens `t`) of an `ALTER TABLE` does to the table's layout.
    pub fn of(action: &AlterAction, t: &[Tok]) -> LayoutEdit {
        Self::read(action, t).unwrap_or(LayoutEdit::Unknown)
    }

    fn read(action: &AlterAction, t: &[Tok]) -> Option<LayoutEdit> {
        Some(match (action.kind, column_change::read(t)) {
            (AlterActionKind::AddColumn, _) => {
                if action.guard.is_some_and(|g| g.present) {
                    return None;
                }
                let name = action.name.as_ref()?.base().to_lowercase();
                let at = super::columns::added_column_at(t);
                let column = column(&name, t.get(at + 1..)?)?;
                LayoutEdit::AddColumn(name, column)
            }
            (AlterActionKind::DropColumn, _) => {
                LayoutEdit::DropColumn(action.name.as_ref()?.base().to_lowercase())
            }
            (AlterActionKind::AddConstraint | AlterActionKind::AddIndex, _) => {
                if action.kind == AlterActionKind::AddConstraint
                    && !matches!(added_constraint_kind(t), Some("PRIMARY" | "UNIQUE"))
                {
                    return None;
                }
                LayoutEdit::Key(key(t.get(1..)?)?)
            }
            // The keys stay counted (more than there are), but for the primary key: without
            // it, a unique key may become the clustered index.
            (AlterActionKind::DropConstraint | AlterActionKind::DropIndex, _) => {
                if t.iter().any(|x| x.is_kw("PRIMARY")) {
                    return None;
                }
                LayoutEdit::Keep
            }
            (AlterActionKind::Rename, _) if action.name.is_some() => {
                let old = action.name.as_ref()?.base().to_lowercase();
                let new = t
                    .iter()
                    .position(|x| x.is_kw("TO"))
                    .and_then(|at| t.get(at + 1))
                    .and_then(lower)?;
                LayoutEdit::RenameColumn(old, new)
            }
            (AlterActionKind::Other, Some(change)) => {
                let (old, new) = (change.old_name(), change.new_name());
                let column = column(&new, change.definition)?;
                LayoutEdit::Change(old, new, column)
            }
            (AlterActionKind::Other, None)
                if t.first()
                    .is_some_and(|f| f.is_kw("ALGORITHM") || f.is_kw("LOCK")) =>
            {
                LayoutEdit::Keep
            }
            (AlterActionKind::Other, None) => LayoutEdit::Table(TableChange::of(t)?),
            _ => return None,
        })
    }
}

/// How statements leave a table's layout they touched.
#[derive(Debug, Clone)]
pub enum LayoutState {
    /// A `CREATE TABLE` of theirs, and their changes since.
    Known(TableLayout),
    /// Their changes of a table they did not create, in order, for a layout known before
    /// them.
    Edits(Vec<LayoutEdit>),
    Unknown,
}

impl LayoutState {
    /// The state after `edit`: applied to a known layout, recorded for one known before.
    pub fn then(self, edit: LayoutEdit) -> LayoutState {
        match self {
            LayoutState::Known(layout) => match layout.after_edit(&edit) {
                Some(layout) => LayoutState::Known(layout),
                None => LayoutState::Unknown,
            },
            LayoutState::Edits(mut edits) => {
                edits.push(edit);
                LayoutState::Edits(edits)
            }
            LayoutState::Unknown => LayoutState::Unknown,
        }
    }

    /// The layout these statements leave, after `before` (what statements before them left;
    /// `None`: unknown).
    pub fn after(&self, before: impl FnOnce() -> Option<TableLayout>) -> Option<TableLayout> {
        match self {
            LayoutState::Known(layout) => Some(layout.clone()),
            LayoutState::Edits(edits) => before()?.after_edits(edits),
            LayoutState::Unknown => None,
        }
    }
}

impl TableLayout {
    /// The layout after `edits`, in order; `None` when it is then unknown.
    pub fn after_edits(self, edits: &[LayoutEdit]) -> Option<TableLayout> {
        edits
            .iter()
            .try_fold(self, |layout, edit| layout.after_edit(edit))
    }

    /// From a `CREATE TABLE`'s elements and options (`facts`); `None` where an element leaves
    /// the table unknown (a foreign key, a `CHECK`, a `FULLTEXT`/`SPATIAL` index, `LIKE`).
    pub fn of(elements: &[&[Tok]], facts: TableFacts) -> Option<TableLayout> {
        let mut layout = TableLayout {
            columns: Vec::new(),
            keys: Vec::new(),
            facts,
        };
        for element in elements {
            let first = element.first()?;
            if is_key_word(first) || first.is_kw("CONSTRAINT") {
                layout.keys.extend(key(element)?);
                continue;
            }
            let name = lower(first)?;
            let (what, not_null, inline) = column(&name, &element[1..])?;
            layout.keys.extend(inline);
            layout.columns.push((name, what, not_null));
        }
        Some(layout)
    }

    /// Do its facts hold only if a `CREATE TABLE IF NOT EXISTS` made the table?
    pub fn only_if_new(&self) -> bool {
        self.facts.only_if_new()
    }

    /// The same layout, no longer hanging on whether the table existed before.
    pub fn settled(&self) -> TableLayout {
        TableLayout {
            facts: self.facts.settled(),
            ..self.clone()
        }
    }

    /// The layout after `edit`; `None` when it is then unknown.
    pub fn after_edit(mut self, edit: &LayoutEdit) -> Option<TableLayout> {
        match edit {
            LayoutEdit::AddColumn(name, (what, not_null, inline)) => {
                self.keys.extend(inline.clone());
                self.columns.retain(|(c, _, _)| c != name);
                self.columns.push((name.clone(), what.clone(), *not_null));
            }
            LayoutEdit::DropColumn(name) => self.columns.retain(|(c, _, _)| c != name),
            LayoutEdit::Key(key) => self.keys.extend(key.clone()),
            LayoutEdit::Unique(columns) => self.keys.push(Key::Unique(columns.clone())),
            LayoutEdit::RenameColumn(old, new) => {
                for (c, _, _) in self.columns.iter_mut().filter(|(c, _, _)| c == old) {
                    c.clone_from(new);
                }
                self.rename_in_keys(old, new);
            }
            LayoutEdit::Change(old, new, (what, not_null, inline)) => {
                let at = self.columns.iter().position(|(c, _, _)| c == old)?;
                self.columns[at] = (new.clone(), what.clone(), *not_null);
                self.rename_in_keys(old, new);
                self.keys.extend(inline.clone());
            }
            LayoutEdit::Table(change) => return self.after_change(change),
            LayoutEdit::Keep => {}
            LayoutEdit::Unknown => return None,
        }
        Some(self)
    }

    /// A column renamed `old` → `new`: the keys hold it under both names.
    fn rename_in_keys(&mut self, old: &str, new: &str) {
        for key in &mut self.keys {
            let (Key::Primary(columns) | Key::Unique(columns) | Key::Fulltext(columns)) = key;
            if columns.iter().any(|c| c == old) {
                columns.push(new.to_string());
            }
        }
    }

    /// The columns (lower case) whose new collation order copies the table or blocks writes:
    /// those of the primary key, of a `FULLTEXT`/`SPATIAL` index, and without a primary key
    /// those of a `UNIQUE` key of `NOT NULL` columns (the clustered index is one of them).
    fn ordered(&self) -> Vec<&str> {
        let not_null = |c: &String| {
            self.columns
                .iter()
                .any(|(name, _, not_null)| name == c && *not_null)
        };
        let primary = self.keys.iter().any(|k| matches!(k, Key::Primary(_)));
        let mut out = Vec::new();
        for key in &self.keys {
            match key {
                Key::Primary(columns) | Key::Fulltext(columns) => {
                    out.extend(columns.iter().map(String::as_str))
                }
                Key::Unique(columns) if !primary && columns.iter().all(not_null) => {
                    out.extend(columns.iter().map(String::as_str))
                }
                Key::Unique(_) => {}
            }
        }
        out
    }

    /// The layout after `change` of the table; `None` when it is then unknown.
    pub fn after_change(mut self, change: &TableChange) -> Option<TableLayout> {
        let table_set = self.facts.charset().map(str::to_string);
        let table_collation = self.facts.named_collation().map(str::to_string);
        for (_, what, _) in &mut self.columns {
            let Some(Stored::Text {
                head,
                charset,
                collation,
                ..
            }) = what
            else {
                continue;
            };
            let set = charset
                .clone()
                .or_else(|| collation.as_deref().and_then(set_of))
                .or_else(|| table_set.clone());
            match change {
                TableChange::Convert(to, _) => {
                    // A TINYTEXT/TEXT/MEDIUMTEXT may be made a longer type.
                    if set.as_deref() != Some(to.as_str())
                        && !matches!(head.as_str(), "CHAR" | "VARCHAR" | "LONGTEXT" | "JSON")
                    {
                        *what = None;
                        continue;
                    }
                    // It takes the table's new character set and collation.
                    *charset = None;
                    *collation = None;
                }
                TableChange::DefaultCharset(..) => {
                    // A column that took the table's keeps the old one.
                    if charset.is_none() && collation.is_none() {
                        let Some(set) = set else {
                            *what = None;
                            continue;
                        };
                        *charset = Some(set);
                        collation.clone_from(&table_collation);
                    }
                }
                TableChange::RowFormat(_) => {}
            }
        }
        self.facts = TableFacts::after(Some(&self.facts), change);
        Some(self)
    }

    /// Does MariaDB (10.4 and later, checked on 10.11) convert the table to `utf8mb4` in
    /// collation `collation` (`None`: the set's default) without copying it: instantly, or
    /// rebuilding a key in place? `version_10`: the server's default `utf8mb4`/`utf8mb3`
    /// collations are `_general_ci` (10.x).
    pub fn converts_in_place(&self, to: &str, collation: Option<&str>, version_10: bool) -> bool {
        if to != "UTF8MB4" || self.facts.only_if_new() {
            return false;
        }
        let order = |set: &str, collation: Option<&str>| -> Option<String> {
            match collation {
                Some(c) => c
                    .strip_prefix(set)
                    .and_then(|rest| rest.strip_prefix('_'))
                    .map(str::to_string),
                None if version_10 && matches!(set, "UTF8MB3" | "UTF8MB4") => {
                    Some("GENERAL_CI".to_string())
                }
                None => Some("DEFAULT".to_string()),
            }
        };
        let new_order = order(to, collation);
        let redundant = self.facts.redundant();
        let ordered = self.ordered();
        self.columns.iter().all(|(name, what, _)| {
            let Some(what) = what else { return false };
            let Stored::Text {
                head,
                length,
                charset,
                collation: own,
            } = what
            else {
                return true;
            };
            // The set and collation it has: its own, else the table's.
            let (set, old_collation) = match (charset, own) {
                (Some(set), own) => (Some(set.clone()), own.clone()),
                (None, Some(own)) => (set_of(own), Some(own.clone())),
                (None, None) => (
                    self.facts.charset().map(str::to_string),
                    self.facts.named_collation().map(str::to_string),
                ),
            };
            let Some(set) = set else { return false };
            let stays = match set.as_str() {
                "UTF8MB4" => true,
                "UTF8MB3" => match (head.as_str(), length) {
                    // REDUNDANT rows keep a CHAR's full width.
                    ("CHAR", _) => redundant == Some(false),
                    ("VARCHAR", Some(n)) => {
                        *n <= 16383 && (redundant == Some(true) || (n * 3 <= 255) == (n * 4 <= 255))
                    }
                    ("LONGTEXT" | "JSON", _) => true,
                    _ => false,
                },
                _ => false,
            };
            // A new order of a clustered index's column copies the table; of a FULLTEXT
            // index's, locks writes.
            let old_order = order(&set, old_collation.as_deref());
            let same_order = old_order.is_some() && old_order == new_order;
            stays && (same_order || !ordered.contains(&name.as_str()))
        })
    }
}

/// The character set a collation's name starts with (`UTF8MB4_BIN`: `UTF8MB4`).
fn set_of(collation: &str) -> Option<String> {
    collation.split('_').next().map(str::to_string)
}
