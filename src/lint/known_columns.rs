//! MySQL/MariaDB: the column definitions statements leave known, for the online-DDL verdict of
//! a later `MODIFY`/`CHANGE` (`online_ddl::cost_in_file`). The file's own statements keep one
//! in `History`; each earlier migration of the file's directory is replayed into one of its
//! own (`calls::Earlier::column_before`), read back from the last.

use super::columns::{added_column_at, table_elements};
use super::online_ddl::{
    default_collation, ColumnDefinition, TableChange, TableCollation, TableFacts,
};
use super::table_layout::{LayoutEdit, LayoutState, TableLayout};
use crate::sql::added_constraint_kind;
use crate::sql::column_change;
use crate::sql::shape::starts_non_column;
use crate::sql::tokens_in;
use crate::sql::{AlterActionKind, Dialect, Name, ObjectKind, ShapeKind, Statement, Tok};
use sqlparser::tokenizer::Token;
use std::collections::HashMap;

/// What statements so far tell of a column.
#[derive(Debug, PartialEq, Eq)]
pub enum Known<'a> {
    /// Its definition, and its table's `CREATE TABLE` options when the same statements created
    /// the table.
    Defined(&'a ColumnDefinition, Option<&'a TableFacts>),
    /// They changed it (or its table, or something preflight does not follow) in a way that
    /// leaves its definition unknown.
    Unknown,
    /// They did not touch it: statements before them decide.
    Untouched,
}

/// A column as [`KnownColumns`] keeps it: table, column (lower case), online-DDL definition,
/// declared type.
type Entry = (Name, String, Option<ColumnDefinition>, Option<DeclaredType>);

/// A foreign key the statements so far created and left: `child (columns)` references
/// `parent (parent_columns)`, columns folded, with its name when the statement gave one.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub child: Name,
    pub columns: Vec<String>,
    pub parent: Name,
    pub parent_columns: Vec<String>,
    pub name: Option<String>,
    /// `ON DELETE SET NULL` or `ON UPDATE SET NULL`: MariaDB refuses to make a child column
    /// `NOT NULL` (error 1830).
    pub sets_null: bool,
    /// A `CREATE TABLE IF NOT EXISTS` made it: it exists only if the table did not before
    /// (`calls::Earlier::only_definition`).
    pub if_new: bool,
}

impl ForeignKey {
    /// Does it use `column` (lower case) of `table`, on either side?
    pub fn uses(&self, table: &Name, column: &str) -> bool {
        (self.child.same_object(table) && self.columns.iter().any(|c| c == column))
            || (self.parent.same_object(table) && self.parent_columns.iter().any(|c| c == column))
    }
}

/// The foreign keys the statements so far leave, reached through the tables on either side
/// (by base name): a file of many keys does not scan them all at each statement.
#[derive(Debug, Default)]
struct ForeignKeys {
    /// Each key made, `None` once removed.
    slots: Vec<Option<ForeignKey>>,
    /// Base name of a table → the slots of the keys made on it or to it.
    by_table: HashMap<String, Vec<usize>>,
}

impl ForeignKeys {
    fn push(&mut self, key: ForeignKey) {
        let at = self.slots.len();
        self.by_table
            .entry(key.child.base().to_string())
            .or_default()
            .push(at);
        if key.parent.base() != key.child.base() {
            self.by_table
                .entry(key.parent.base().to_string())
                .or_default()
                .push(at);
        }
        self.slots.push(Some(key));
    }

    /// The slots of the keys left that may involve `table`.
    fn slots_on(&self, table: &Name) -> Vec<usize> {
        self.by_table
            .get(table.base())
            .map_or_else(Vec::new, |slots| {
                slots
                    .iter()
                    .copied()
                    .filter(|&i| self.slots[i].is_some())
                    .collect()
            })
    }

    /// The keys left that may involve `table` (its base name on either side).
    fn on<'a>(&'a self, table: &Name) -> impl Iterator<Item = &'a ForeignKey> + 'a {
        self.by_table
            .get(table.base())
            .into_iter()
            .flatten()
            .filter_map(|&i| self.slots[i].as_ref())
    }

    /// `edit` on each key left that may involve `table`.
    fn edit_on(&mut self, table: &Name, mut edit: impl FnMut(&mut ForeignKey)) {
        for i in self.slots_on(table) {
            if let Some(key) = self.slots[i].as_mut() {
                edit(key);
            }
        }
    }

    /// Removes the keys that may involve `table` for which `gone` holds.
    fn remove_on(&mut self, table: &Name, gone: impl Fn(&ForeignKey) -> bool) {
        for i in self.slots_on(table) {
            if self.slots[i].as_ref().is_some_and(&gone) {
                self.slots[i] = None;
            }
        }
    }
}

/// What statements so far tell of a column's declared type ([`KnownColumns::type_of`]).
#[derive(Debug, PartialEq, Eq)]
pub enum KnownType<'a> {
    Declared(&'a DeclaredType),
    Unknown,
    Untouched,
}

#[derive(Debug, Default)]
pub struct KnownColumns {
    /// Per table (by base name, so that a file of many tables does not scan them all at each
    /// statement): (table, column in lower case, definition; `None` once unknown, or for a
    /// column of a key; its declared type, `None` once unknown), latest last.
    columns: HashMap<String, Vec<Entry>>,
    /// The foreign keys the statements so far leave in place (PF204), with the tables on both
    /// sides as written.
    foreign_keys: ForeignKeys,
    /// Per table: the statements reset what is known of it (`CREATE`, `DROP`, a change of the
    /// table as a whole); a `CREATE TABLE`'s options when it created it. Latest last.
    tables: HashMap<String, Vec<(Name, Option<TableFacts>)>>,
    /// A statement preflight does not follow (a `CALL`, a block, …) may have changed any table.
    forgot_all: bool,
    /// Per table (by base name): the tables a `CREATE TABLE` of the statements names, in any
    /// form.
    created: HashMap<String, Vec<Name>>,
    /// Per table (by base name, as a file of many drops would otherwise scan them all at each
    /// statement): the tables a `DROP TABLE` removed, and no statement since made again (or may
    /// have: a table renamed, a statement preflight does not follow).
    dropped: HashMap<String, Vec<Name>>,
    /// An `ALTER TABLE … RENAME` gave a table a new name, which a `CREATE TABLE IF NOT
    /// EXISTS` may find taken.
    renamed_table: bool,
    /// Per table (by base name) the statements did not reset: the facts and the changes
    /// (`CONVERT TO`, a table character set, `ROW_FORMAT=`) their `ALTER TABLE`s made, for
    /// the columns earlier statements define.
    changed: HashMap<String, Vec<(Name, TableFacts, Vec<TableChange>)>>,
    /// The constraints the statements dropped (`DROP FOREIGN KEY x`, `DROP CONSTRAINT x`), by
    /// table, with the name (`None`: not read): a foreign key an earlier migration made may be
    /// among them.
    dropped_keys: Vec<(Name, Option<String>)>,
    /// Per table (by base name) the statements touched: its every column and key as a `CREATE
    /// TABLE` and the `ALTER TABLE`s since leave them (`None`: unknown), for what a `CONVERT
    /// TO CHARACTER SET` costs.
    layouts: HashMap<String, Vec<(Name, LayoutState)>>,
}

impl KnownColumns {
    /// How the statements so far leave `column` (lower case) of `table`.
    pub fn get(&self, table: &Name, column: &str) -> Known<'_> {
        let facts = || self.facts(table);
        match self.entry(table, column) {
            Some((_, _, Some(definition), _)) => Known::Defined(definition, facts()),
            Some((_, _, None, _)) => Known::Unknown,
            None if self.forgot_all || self.reset(table) => Known::Unknown,
            None => Known::Untouched,
        }
    }

    /// What the statements tell of `table`'s options: a `CREATE TABLE`'s (and the changes
    /// since), or those the changes of a table they did not reset tell.
    fn facts(&self, table: &Name) -> Option<&TableFacts> {
        let reset = self
            .tables
            .get(table.base())
            .and_then(|t| t.iter().rev().find(|(t, _)| t.same_object(table)));
        match reset {
            Some((_, facts)) => facts.as_ref(),
            None => self
                .changed
                .get(table.base())?
                .iter()
                .find(|(t, _, _)| t.same_object(table))
                .map(|(_, facts, _)| facts),
        }
    }

    /// Do the statements leave `table` of an engine other than InnoDB (its `CREATE TABLE`
    /// says `ENGINE=MyISAM`, …), which makes no foreign key?
    pub fn not_innodb(&self, table: &Name) -> bool {
        self.facts(table).is_some_and(TableFacts::not_innodb)
    }

    /// Do the statements tell `table`'s options (a `CREATE TABLE` of it, or a reset)?
    pub fn tells_options(&self, table: &Name) -> bool {
        self.reset(table)
    }

    /// The changes (`CONVERT TO`, a table character set, `ROW_FORMAT=`) the statements made
    /// to `table`, which they did not reset, in order: what they do to a column an earlier
    /// migration defined ([`ColumnDefinition::after`]).
    pub fn changes(&self, table: &Name) -> &[TableChange] {
        self.changed
            .get(table.base())
            .and_then(|c| c.iter().find(|(t, _, _)| t.same_object(table)))
            .map_or(&[], |(_, _, changes)| changes)
    }

    /// Take `change` of `table` in: the columns the statements define, and the table's facts.
    fn change_table(&mut self, table: &Name, change: TableChange) {
        let facts = self.facts(table).cloned();
        if let Some(columns) = self.columns.get_mut(table.base()) {
            // A new character set leaves a declared type that spells none, or the old one,
            // unknown (PF204 compares only what both spell).
            let keeps_types = matches!(change, TableChange::RowFormat(_));
            for (_, _, definition, declared) in columns
                .iter_mut()
                .filter(|(t, _, _, _)| t.same_object(table))
            {
                *definition = definition
                    .as_ref()
                    .and_then(|d| d.after(&change, facts.as_ref()));
                if !keeps_types {
                    *declared = None;
                }
            }
        }
        let after = TableFacts::after(facts.as_ref(), &change);
        if let Some(entry) = self
            .tables
            .get_mut(table.base())
            .and_then(|t| t.iter_mut().rev().find(|(t, _)| t.same_object(table)))
        {
            entry.1 = Some(after);
            return;
        }
        let changed = self.changed.entry(table.base().to_string()).or_default();
        match changed.iter_mut().find(|(t, _, _)| t.same_object(table)) {
            Some((_, facts, changes)) => {
                *facts = after;
                changes.push(change);
            }
            None => changed.push((table.clone(), after, vec![change])),
        }
    }

    /// How the statements so far leave the declared type of `column` (lower case) of `table`:
    /// known also for a column of a key, or with `AUTO_INCREMENT`, which
    /// [`get`](Self::get) leaves unknown.
    pub fn type_of(&self, table: &Name, column: &str) -> KnownType<'_> {
        match self.entry(table, column) {
            Some((_, _, _, Some(declared))) => KnownType::Declared(declared),
            Some((_, _, _, None)) => KnownType::Unknown,
            None if self.forgot_all || self.reset(table) => KnownType::Unknown,
            None => KnownType::Untouched,
        }
    }

    /// The collation `table` gives a character column that spells none, when the statements
    /// tell it: from its facts, else from the declared type of its `column` (lower case) they
    /// recorded.
    fn table_collation(&self, table: &Name, column: Option<&str>) -> Option<TableCollation> {
        if let Some(collation) = self.facts(table).and_then(TableFacts::collation) {
            return Some(collation.clone());
        }
        match self.entry(table, column?) {
            Some((_, _, _, Some(declared))) => declared.table_collation.clone(),
            _ => None,
        }
    }

    /// The latest entry of `column` (lower case) of `table`.
    fn entry(&self, table: &Name, column: &str) -> Option<&Entry> {
        self.columns.get(table.base()).and_then(|columns| {
            columns
                .iter()
                .rev()
                .find(|(t, c, _, _)| t.same_object(table) && c == column)
        })
    }

    /// The foreign keys the statements so far leave that use `column` (lower case) of
    /// `table`, on either side.
    pub fn foreign_keys_using<'a>(
        &'a self,
        table: &'a Name,
        column: &'a str,
    ) -> impl Iterator<Item = &'a ForeignKey> + 'a {
        self.foreign_keys
            .on(table)
            .filter(move |fk| fk.uses(table, column))
    }

    /// Do the statements leave `key`, a foreign key made before them, in place: none dropped it
    /// or a constraint of its table that may be it, nor reset (dropped, made, renamed, …)
    /// either of its tables, nor did anything preflight does not follow?
    pub fn leave_foreign_key(&self, key: &ForeignKey) -> bool {
        !self.forgot_all
            && !self.reset(&key.child)
            && !self.reset(&key.parent)
            && !self.dropped_keys.iter().any(|(table, name)| {
                table.same_object(&key.child)
                    && (name.is_none() || key.name.is_none() || *name == key.name)
            })
    }

    /// Did a statement reset what is known of `table`?
    fn reset(&self, table: &Name) -> bool {
        self.tables
            .get(table.base())
            .is_some_and(|t| t.iter().any(|(t, _)| t.same_object(table)))
    }

    /// Did a statement touch `table`: reset it, or define or drop a column of it?
    fn touched(&self, table: &Name) -> bool {
        self.reset(table)
            || self
                .columns
                .get(table.base())
                .is_some_and(|c| c.iter().any(|(t, _, _, _)| t.same_object(table)))
    }

    /// Does a `CREATE TABLE` of the statements (in any form) name `table`, but for one that
    /// makes it again after a `DROP TABLE` of theirs?
    pub fn creates(&self, table: &Name) -> bool {
        self.created
            .get(table.base())
            .is_some_and(|t| t.iter().any(|t| t.same_object(table)))
    }

    /// How the statements leave `table`'s every column and key: `None` when they did not touch
    /// it, `Some(None)` when unknown.
    pub fn layout(&self, table: &Name) -> Option<&LayoutState> {
        let found = self
            .layouts
            .get(table.base())
            .and_then(|l| l.iter().find(|(t, _)| t.same_object(table)));
        match found {
            Some((_, layout)) => Some(layout),
            None if self.forgot_all => Some(&LayoutState::Unknown),
            None => None,
        }
    }

    /// Set `table`'s layout.
    fn set_layout(&mut self, table: &Name, layout: LayoutState) {
        let layouts = self.layouts.entry(table.base().to_string()).or_default();
        match layouts.iter_mut().find(|(t, _)| t.same_object(table)) {
            Some(entry) => entry.1 = layout,
            None => layouts.push((table.clone(), layout)),
        }
    }

    /// Take `table`'s layout out (no copy of its edits): untouched, no edits yet.
    fn take_layout(&mut self, table: &Name) -> LayoutState {
        let taken = self.layouts.get_mut(table.base()).and_then(|l| {
            let at = l.iter().position(|(t, _)| t.same_object(table))?;
            Some(l.swap_remove(at).1)
        });
        match taken {
            Some(state) => state,
            None if self.forgot_all => LayoutState::Unknown,
            None => LayoutState::Edits(Vec::new()),
        }
    }

    /// Take `edits` of `table` in for its layout, as one statement's.
    fn edit_layout(&mut self, table: &Name, edits: impl IntoIterator<Item = LayoutEdit>) {
        let state = self.take_layout(table);
        let state = edits.into_iter().fold(state, LayoutState::then);
        self.set_layout(table, state);
    }

    /// Did a statement preflight does not follow forget every table?
    pub fn forgot_all(&self) -> bool {
        self.forgot_all
    }

    /// Take `statement` in: an `ADD COLUMN`, a `CREATE TABLE` or a `MODIFY`/`CHANGE` (re)defines
    /// a column, a drop makes it unknown and a rename moves it; any other change to the table
    /// (`CONVERT TO`, a new default character set, a rename of the table) resets all of the
    /// table, and a statement preflight does not follow (a `CALL`, a block, …) forgets all.
    pub fn record(&mut self, statement: &Statement) {
        // Only MariaDB's online-DDL verdicts read them.
        if !statement.dialect.is_mysql_family() {
            return;
        }
        let shape = &statement.shape;
        match &shape.kind {
            ShapeKind::AlterTable => {}
            // Rows, transactions, indexes and definitions that run nothing now leave the
            // columns as they are.
            ShapeKind::Insert
            | ShapeKind::Begin
            | ShapeKind::Commit
            | ShapeKind::Rollback
            | ShapeKind::Drop(ObjectKind::Index)
            | ShapeKind::Create(
                ObjectKind::View
                | ObjectKind::Function
                | ObjectKind::Procedure
                | ObjectKind::Trigger
                | ObjectKind::Sequence,
            )
            | ShapeKind::Drop(
                ObjectKind::View
                | ObjectKind::Function
                | ObjectKind::Procedure
                | ObjectKind::Trigger
                | ObjectKind::Sequence,
            ) => return,
            // A FULLTEXT or SPATIAL index on a column makes a new collation of it lock writes
            // (`LOCK=NONE` refused on MariaDB 10.11).
            ShapeKind::Create(ObjectKind::Index) => {
                let special = statement
                    .tokens
                    .iter()
                    .take(3)
                    .any(|t| t.is_kw("FULLTEXT") || t.is_kw("SPATIAL"));
                if let Some(table) = shape.table.as_ref().filter(|_| special) {
                    self.forget_table(table, None);
                }
                let unique = statement.tokens.iter().take(3).any(|t| t.is_kw("UNIQUE"));
                if let Some(table) = shape.table.as_ref().filter(|_| unique && !special) {
                    // The indexed names: those in the parentheses after `ON t`.
                    let on = statement.tokens.iter().position(|t| t.is_kw("ON"));
                    let columns = on.and_then(|at| {
                        crate::lint::table_layout::names_in_parens(&statement.tokens[at..])
                    });
                    match columns {
                        Some(columns) => self.edit_layout(table, [LayoutEdit::Unique(columns)]),
                        None => self.set_layout(table, LayoutState::Unknown),
                    }
                }
                return;
            }
            ShapeKind::Other(word)
                if ["UPDATE", "DELETE", "SET", "SELECT"].contains(&word.as_str()) =>
            {
                return
            }
            ShapeKind::Create(ObjectKind::Table) => {
                if let Some(table) = shape.object() {
                    self.foreign_keys
                        .remove_on(table, |fk| fk.child.same_object(table));
                }
                // `IF NOT EXISTS` makes the keys only if it made the table, as its columns.
                match self.record_created(statement) {
                    Some(if_new) => self.add_foreign_keys(statement, if_new),
                    None if !shape.guard.is_some_and(|g| g.present) => {
                        self.add_foreign_keys(statement, false)
                    }
                    None => {}
                }
                return;
            }
            ShapeKind::Drop(ObjectKind::Table) => {
                for table in &shape.names {
                    self.forget_table(table, None);
                    self.dropped
                        .entry(table.base().to_string())
                        .or_default()
                        .push(table.clone());
                    self.foreign_keys.remove_on(table, |_| true);
                }
                return;
            }
            _ => {
                self.columns.clear();
                self.tables.clear();
                self.changed.clear();
                self.foreign_keys = ForeignKeys::default();
                self.layouts.clear();
                self.forgot_all = true;
                self.dropped.clear();
                return;
            }
        }
        let Some(table) = shape.object() else {
            return;
        };
        self.add_foreign_keys(statement, false);
        // Its every column and key, set after the actions below (which may forget the table's
        // columns, that a layout follows).
        // Only MariaDB's `CONVERT TO` verdicts read the layouts.
        if statement.dialect != Dialect::Mariadb {
            self.record_actions(statement, table);
            return;
        }
        let state = self.take_layout(table);
        self.record_actions(statement, table);
        let state = shape
            .actions
            .iter()
            .fold(state, |state, action| match state {
                LayoutState::Unknown => state,
                _ => state.then(LayoutEdit::of(
                    action,
                    tokens_in(&statement.tokens, &action.range),
                )),
            });
        self.set_layout(table, state);
    }

    /// Take each action of `statement`, an `ALTER TABLE` of `table`, in for the columns.
    fn record_actions(&mut self, statement: &Statement, table: &Name) {
        let shape = &statement.shape;
        for action in &shape.actions {
            let t = tokens_in(&statement.tokens, &action.range);
            self.foreign_key_action(table, action, t);
            let named = action
                .name
                .as_ref()
                .map(|n| crate::sql::fold_unquoted(n.base()));
            let (gone, defined) = match (action.kind, column_change::read(t)) {
                // `IF NOT EXISTS` may leave a column of another definition in place.
                (AlterActionKind::AddColumn, _) => {
                    let after_name = t.get(added_column_at(t) + 1..).unwrap_or(&[]);
                    let added = !action.guard.is_some_and(|g| g.present);
                    let definition = ColumnDefinition::of(after_name).filter(|_| added);
                    let declared = DeclaredType::of(after_name)
                        .filter(|_| added)
                        .map(|d| d.in_table(self.table_collation(table, None)));
                    (named.clone(), named.map(|n| (n, definition, declared)))
                }
                (AlterActionKind::DropColumn, _) => (named.clone(), named.map(|n| (n, None, None))),
                // A new collation of a column of the primary key copies the table, and of one a
                // FULLTEXT or SPATIAL index covers locks writes (MariaDB 10.11): the
                // definitions no longer tell what a MODIFY costs.
                (AlterActionKind::AddConstraint, _)
                    if added_constraint_kind(t) == Some("PRIMARY") =>
                {
                    self.forget_table(table, None);
                    continue;
                }
                (AlterActionKind::AddIndex, _)
                    if t.get(1)
                        .is_some_and(|k| k.is_kw("FULLTEXT") || k.is_kw("SPATIAL")) =>
                {
                    self.forget_table(table, None);
                    continue;
                }
                // `RENAME COLUMN a TO b`: the definition goes with the column.
                (AlterActionKind::Rename, _) if named.is_some() => {
                    let new = t
                        .iter()
                        .position(|x| x.is_kw("TO"))
                        .and_then(|at| t.get(at + 1))
                        .and_then(|x| match &x.token {
                            Token::Word(w) => Some(crate::sql::fold_unquoted(&w.value)),
                            _ => None,
                        });
                    let definition = match named.as_deref().map(|old| self.get(table, old)) {
                        Some(Known::Defined(d, _)) => Some(d.clone()),
                        _ => None,
                    };
                    let declared = match named.as_deref().map(|old| self.type_of(table, old)) {
                        Some(KnownType::Declared(d)) => Some(d.clone()),
                        _ => None,
                    };
                    (named, new.map(|n| (n, definition, declared)))
                }
                (AlterActionKind::Other, Some(change)) => (
                    Some(change.old_name()),
                    Some((
                        change.new_name(),
                        ColumnDefinition::of(change.definition),
                        DeclaredType::of(change.definition).map(|d| {
                            d.in_table(self.table_collation(table, Some(&change.old_name())))
                        }),
                    )),
                ),
                (AlterActionKind::Other, None)
                    if t.first()
                        .is_some_and(|f| f.is_kw("ALGORITHM") || f.is_kw("LOCK")) =>
                {
                    continue
                }
                // `CONVERT TO CHARACTER SET`, a table character set, `ROW_FORMAT=`: what they
                // do to the columns is known.
                (AlterActionKind::Other, None) if TableChange::of(t).is_some() => {
                    if let Some(change) = TableChange::of(t) {
                        self.change_table(table, change);
                    }
                    continue;
                }
                (AlterActionKind::Other | AlterActionKind::Rename, _) => {
                    // A table renamed onto another name may be the one a later `IF NOT
                    // EXISTS` finds.
                    if action.kind == AlterActionKind::Rename {
                        self.renamed_table = true;
                        self.dropped.clear();
                    }
                    self.forget_table(table, None);
                    continue;
                }
                _ => continue,
            };
            let columns = self.columns.entry(table.base().to_string()).or_default();
            if let Some(gone) = gone {
                columns.retain(|(t, c, _, _)| !(t.same_object(table) && *c == gone));
                columns.push((table.clone(), gone, None, None));
            }
            if let Some((column, definition, declared)) = defined {
                columns.retain(|(t, c, _, _)| !(t.same_object(table) && *c == column));
                columns.push((table.clone(), column, definition, declared));
            }
        }
    }

    /// `CREATE TABLE t (…) options`: the table's columns as it defines them. A column of its
    /// primary key or of a FULLTEXT/SPATIAL index stays unknown (a new collation of it copies
    /// the table, or locks writes). `LIKE` and `AS SELECT` leave them unknown. `IF NOT EXISTS`
    /// defines them only if the table did not exist: after an earlier statement touched the
    /// table (or one preflight does not follow ran) they are unknown; else they are known
    /// with facts that say so ([`TableFacts::only_if_new`]), for the directory to confirm that
    /// no earlier migration names the table (`calls::Earlier::only_definition`).
    fn record_created(&mut self, statement: &Statement) -> Option<bool> {
        let shape = &statement.shape;
        let table = shape.object()?;
        // After a `DROP TABLE` of the statements, `IF NOT EXISTS` makes the table anew.
        let dropped = self
            .dropped
            .get(table.base())
            .is_some_and(|d| d.iter().any(|t| t.same_object(table)));
        let guarded = shape.guard.is_some_and(|g| g.present) && !dropped;
        let existed = guarded && (self.forgot_all || self.renamed_table || self.touched(table));
        if !dropped {
            self.created
                .entry(table.base().to_string())
                .or_default()
                .push(table.clone());
        }
        let elements = if existed {
            Vec::new()
        } else {
            table_elements(statement)
        };
        let Some(last) = elements.last().and_then(|e| e.last()) else {
            self.forget_table(table, None);
            return None;
        };
        let options = &statement.tokens[statement
            .tokens
            .partition_point(|t| t.range.start < last.range.end)..];
        // The element list's closing parenthesis, then the table options.
        let options = options.get(1..).unwrap_or(&[]);
        if options.iter().any(|t| t.is_kw("AS") || t.is_kw("SELECT")) {
            self.forget_table(table, None);
            return None;
        }
        let facts = TableFacts::of(options);
        let collation = facts.collation().cloned();
        let facts = if guarded { facts.if_new() } else { facts };
        self.forget_table(table, Some(facts.clone()));
        // Only MariaDB's `CONVERT TO` verdicts read the layouts.
        if statement.dialect == Dialect::Mariadb {
            let layout = TableLayout::of(&elements, facts);
            self.set_layout(
                table,
                layout.map_or(LayoutState::Unknown, LayoutState::Known),
            );
        }
        let mut keyed: Vec<String> = Vec::new();
        let mut defined = Vec::new();
        for element in elements {
            if starts_non_column(element, statement.dialect) {
                let special = element
                    .iter()
                    .take(3)
                    .any(|t| t.is_kw("PRIMARY") || t.is_kw("FULLTEXT") || t.is_kw("SPATIAL"));
                if special {
                    keyed.extend(element.iter().filter_map(crate::sql::folded));
                }
                continue;
            }
            let Some(Token::Word(name)) = element.first().map(|t| &t.token) else {
                continue;
            };
            defined.push((
                crate::sql::fold_unquoted(&name.value),
                ColumnDefinition::of(&element[1..]),
                // Under `IF NOT EXISTS` it holds only if the table did not exist: PF204 asks
                // the directory (`DeclaredType::only_if_new`).
                DeclaredType::of(&element[1..]).map(|d| DeclaredType {
                    if_new: guarded,
                    ..d.in_table(collation.clone())
                }),
            ));
        }
        let columns = self.columns.entry(table.base().to_string()).or_default();
        for (column, definition, declared) in defined {
            let definition = definition.filter(|_| !keyed.contains(&column));
            columns.push((table.clone(), column, definition, declared));
        }
        Some(guarded)
    }

    /// Reset what is known of `table`: its columns become unknown; `facts`, when a `CREATE
    /// TABLE` made it anew.
    pub fn forget_table(&mut self, table: &Name, facts: Option<TableFacts>) {
        if let Some(dropped) = self.dropped.get_mut(table.base()) {
            dropped.retain(|t| !t.same_object(table));
        }
        if let Some(changed) = self.changed.get_mut(table.base()) {
            changed.retain(|(t, _, _)| !t.same_object(table));
        }
        if let Some(columns) = self.columns.get_mut(table.base()) {
            columns.retain(|(t, _, _, _)| !t.same_object(table));
        }
        let tables = self.tables.entry(table.base().to_string()).or_default();
        tables.retain(|(t, _)| !t.same_object(table));
        tables.push((table.clone(), facts));
        self.set_layout(table, LayoutState::Unknown);
    }
}

impl KnownColumns {
    /// The foreign keys a `CREATE TABLE` or `ALTER TABLE … ADD` of `statement` creates.
    fn add_foreign_keys(&mut self, statement: &Statement, if_new: bool) {
        let Some(child) = statement.shape.object() else {
            return;
        };
        // MariaDB 10.11 accepts `ADD FOREIGN KEY` on a MyISAM table and makes nothing.
        if self.not_innodb(child) {
            return;
        }
        if !statement.tokens.iter().any(|t| t.is_kw("REFERENCES")) {
            return;
        }
        for reference in crate::lint::sequence::references(statement, statement.dialect) {
            let parts = reference
                .parent_schema
                .iter()
                .cloned()
                .chain(std::iter::once(reference.parent.clone()))
                .collect();
            self.foreign_keys.push(ForeignKey {
                child: child.clone(),
                columns: reference.columns,
                parent: Name {
                    text: reference.parent,
                    range: 0..0,
                    parts,
                },
                parent_columns: reference.parent_columns,
                name: reference.name,
                sets_null: reference.sets_null,
                if_new,
            });
        }
    }

    /// What one `ALTER TABLE` action (tokens `t`) of `table` does to the foreign keys: `DROP
    /// FOREIGN KEY x` drops `x` (and any the statements did not name: the server named it), a
    /// dropped column takes those on it, a renamed column keeps them under its new name, and a
    /// renamed table leaves them unknown (dropped here: not flagged).
    fn foreign_key_action(&mut self, table: &Name, action: &crate::sql::AlterAction, t: &[Tok]) {
        if action.kind == AlterActionKind::DropConstraint {
            self.dropped_keys.push((
                table.clone(),
                action.name.as_ref().map(|n| n.base().to_string()),
            ));
        }
        if self.foreign_keys.on(table).next().is_none() {
            return;
        }
        let named = action
            .name
            .as_ref()
            .map(|n| crate::sql::fold_unquoted(n.base()));
        match action.kind {
            AlterActionKind::DropConstraint => {
                let dropped = action.name.as_ref().map(|n| n.base().to_string());
                self.foreign_keys.remove_on(table, |fk| {
                    fk.child.same_object(table)
                        && (fk.name.is_none() || dropped.is_none() || fk.name == dropped)
                });
            }
            AlterActionKind::DropColumn => {
                if let Some(column) = named {
                    self.foreign_keys
                        .remove_on(table, |fk| fk.uses(table, &column));
                }
            }
            AlterActionKind::Rename if named.is_none() => {
                self.foreign_keys.remove_on(table, |_| true);
            }
            _ => {
                let renamed = match (action.kind, column_change::read(t)) {
                    (AlterActionKind::Other, Some(change)) if change.renames() => {
                        Some((change.old_name(), change.new_name()))
                    }
                    (AlterActionKind::Rename, _) => named.zip(
                        t.iter()
                            .position(|x| x.is_kw("TO"))
                            .and_then(|at| t.get(at + 1))
                            .and_then(crate::sql::folded),
                    ),
                    _ => None,
                };
                let Some((old, new)) = renamed else { return };
                self.foreign_keys.edit_on(table, |fk| {
                    let sides = [
                        (&fk.child, &mut fk.columns),
                        (&fk.parent, &mut fk.parent_columns),
                    ];
                    for (side, columns) in sides {
                        if side.same_object(table) {
                            for c in columns.iter_mut().filter(|c| **c == old) {
                                c.clone_from(&new);
                            }
                        }
                    }
                });
            }
        }
    }
}

/// A MySQL/MariaDB column's declared data type as far as the server tells types apart when a
/// foreign key uses the column (PF204): the type's name in one spelling (`INTEGER` → `INT`, an
/// integer's display width dropped), its arguments, whether it is `UNSIGNED`, and the
/// character set and collation it spells. Read from the tokens after the column's name; its
/// other attributes (`NOT NULL`, `DEFAULT`, `AUTO_INCREMENT`, a key) do not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredType {
    name: String,
    arguments: Vec<String>,
    unsigned: bool,
    charset: Option<String>,
    collation: Option<String>,
    /// The collation its table gives a column that spells none, when known where the type
    /// was read ([`DeclaredType::in_table`]).
    table_collation: Option<TableCollation>,
    /// A `CREATE TABLE IF NOT EXISTS` declared it: it holds only if the table did not exist
    /// (`calls::Earlier::only_definition`).
    if_new: bool,
}

impl DeclaredType {
    /// `None` where the type is not one plain name with arguments and attributes preflight
    /// reads (`DOUBLE PRECISION`, `NATIONAL CHAR`, a generated column, …).
    pub fn of(t: &[Tok]) -> Option<DeclaredType> {
        const ATTRIBUTES: &[&str] = &[
            "NOT",
            "NULL",
            "DEFAULT",
            "AUTO_INCREMENT",
            "PRIMARY",
            "UNIQUE",
            "KEY",
            "COMMENT",
            "REFERENCES",
            "CHECK",
            "CONSTRAINT",
            "INVISIBLE",
            "COLUMN_FORMAT",
            "STORAGE",
            "FIRST",
            "AFTER",
            "ON",
        ];
        let head = t.first()?.bare_word()?.to_ascii_uppercase();
        let (name, mut unsigned) = match head.as_str() {
            "INTEGER" | "INT4" => ("INT", false),
            "INT1" => ("TINYINT", false),
            "INT2" => ("SMALLINT", false),
            "INT3" | "MIDDLEINT" => ("MEDIUMINT", false),
            "INT8" => ("BIGINT", false),
            "BOOL" | "BOOLEAN" => ("TINYINT", false),
            "SERIAL" => ("BIGINT", true),
            "DEC" | "NUMERIC" | "FIXED" => ("DECIMAL", false),
            "CHARACTER" => ("CHAR", false),
            other => (other, false),
        };
        let mut declared = DeclaredType {
            name: name.to_string(),
            arguments: Vec::new(),
            unsigned,
            charset: None,
            collation: None,
            table_collation: None,
            if_new: false,
        };
        let mut i = 1;
        if t.get(1).is_some_and(|x| x.is(&Token::LParen)) {
            let close = crate::sql::lexer::matching_paren(t, 1)?;
            declared.arguments = t[2..close].iter().map(|x| x.token.to_string()).collect();
            i = close + 1;
        }
        if INTEGERS.contains(&declared.name.as_str()) {
            declared.arguments.clear();
        }
        // Attributes of the type itself, then the column's (where only `COLLATE` and
        // `CHARACTER SET` still concern the type).
        let mut in_type = true;
        while let Some(x) = t.get(i) {
            let word = x.bare_word().map(str::to_ascii_uppercase);
            let next = t.get(i + 1).and_then(crate::sql::folded);
            i += match word.as_deref() {
                Some("UNSIGNED" | "ZEROFILL") if in_type => {
                    unsigned = true;
                    1
                }
                Some("SIGNED") if in_type => 1,
                Some("CHARSET") => {
                    declared.charset = Some(next?);
                    2
                }
                Some("CHARACTER") if t.get(i + 1).is_some_and(|n| n.is_kw("SET")) => {
                    declared.charset = Some(t.get(i + 2).and_then(crate::sql::folded)?);
                    3
                }
                Some("COLLATE") => {
                    declared.collation = Some(next?);
                    2
                }
                // A generated column, or a binary collation by another name.
                Some("AS" | "GENERATED" | "BINARY" | "ASCII" | "UNICODE" | "BYTE") => return None,
                Some(w) if ATTRIBUTES.contains(&w) => {
                    in_type = false;
                    1
                }
                _ if in_type => return None,
                _ => 1,
            };
        }
        declared.unsigned = unsigned;
        let spelt = |set: String| match set.as_str() {
            "utf8" => "utf8mb3".to_string(),
            _ => set,
        };
        declared.charset = declared.charset.map(spelt);
        declared.collation = declared.collation.map(|c| match c.strip_prefix("utf8_") {
            Some(rest) => format!("utf8mb3_{rest}"),
            None => c,
        });
        Some(declared)
    }

    /// Does MariaDB see another type in `new` than in `self`, one a foreign key on the column
    /// keeps it from taking (error 1832/1833)? Only where the definitions tell for sure:
    /// another type name (both known), another signedness of an integer, another precision or
    /// scale of a `DECIMAL`, other fractional seconds of a `DATETIME`/`TIMESTAMP`/`TIME`,
    /// another length of a character or binary string, another collation where both sides'
    /// are known. Checked on MariaDB 10.11 (rules/PF204.md).
    pub fn differs_from(&self, new: &DeclaredType) -> bool {
        const KNOWN: &[&str] = &[
            "TINYINT",
            "SMALLINT",
            "MEDIUMINT",
            "INT",
            "BIGINT",
            "DECIMAL",
            "FLOAT",
            "DOUBLE",
            "BIT",
            "CHAR",
            "VARCHAR",
            "BINARY",
            "VARBINARY",
            "DATE",
            "DATETIME",
            "TIMESTAMP",
            "TIME",
            "YEAR",
            "UUID",
        ];
        if self.name != new.name {
            return KNOWN.contains(&self.name.as_str()) && KNOWN.contains(&new.name.as_str());
        }
        // The numbers between the type's parentheses, `None` when one is not a number.
        let numbers = |d: &DeclaredType| -> Option<Vec<u32>> {
            d.arguments
                .iter()
                .filter(|a| *a != ",")
                .map(|a| a.parse::<u32>().ok())
                .collect()
        };
        match self.name.as_str() {
            n if INTEGERS.contains(&n) => self.unsigned != new.unsigned,
            // Precision and scale: `DECIMAL` is `DECIMAL(10,0)`, `DECIMAL(M)` is `DECIMAL(M,0)`.
            "DECIMAL" => {
                let both = |d: &DeclaredType| match numbers(d)?.as_slice() {
                    [] => Some((10, 0)),
                    [m] => Some((*m, 0)),
                    [m, s] => Some((*m, *s)),
                    _ => None,
                };
                matches!((both(self), both(new)), (Some(a), Some(b)) if a != b)
            }
            // Fractional seconds: none is 0.
            "DATETIME" | "TIMESTAMP" | "TIME" => {
                let fsp = |d: &DeclaredType| match numbers(d)?.as_slice() {
                    [] => Some(0),
                    [n] => Some(*n),
                    _ => None,
                };
                matches!((fsp(self), fsp(new)), (Some(a), Some(b)) if a != b)
            }
            "CHAR" | "VARCHAR" | "BINARY" | "VARBINARY" => {
                let length = |d: &DeclaredType| match d.arguments.as_slice() {
                    [n] => n.parse::<u32>().ok(),
                    _ => None,
                };
                let collations = match (self.collation(), new.collation()) {
                    (Some(TableCollation::Named(a)), Some(TableCollation::Named(b))) => a != b,
                    _ => false,
                };
                matches!((length(self), length(new)), (Some(a), Some(b)) if a != b) || collations
            }
            _ => false,
        }
    }

    /// The type as read in a table that gives a column that spells no collation `table`
    /// (`None`: unknown).
    pub fn in_table(self, table: Option<TableCollation>) -> DeclaredType {
        DeclaredType {
            table_collation: table,
            ..self
        }
    }

    /// Does it hold only if a `CREATE TABLE IF NOT EXISTS` made the table?
    pub fn only_if_new(&self) -> bool {
        self.if_new
    }

    /// The collation its table gives a column that spells none, when known where the type
    /// was read.
    pub fn table_collation(&self) -> Option<&TableCollation> {
        self.table_collation.as_ref()
    }

    /// The collation of a `CHAR`/`VARCHAR` of this type (MariaDB 10.11, measured): the one it
    /// spells, else the default collation of the character set it spells (not the table's),
    /// else its table's; `None` when unknown or not a character string.
    fn collation(&self) -> Option<TableCollation> {
        if !matches!(self.name.as_str(), "CHAR" | "VARCHAR") {
            return None;
        }
        match (&self.collation, &self.charset) {
            (Some(collation), _) => Some(TableCollation::Named(collation.clone())),
            (None, Some(set)) => default_collation(set).map(TableCollation::Named),
            (None, None) => self.table_collation.clone(),
        }
    }

    /// Where `new` keeps every other part of the type, the collation one side names when the
    /// other takes the database's default (neither the column nor its table spells one): the
    /// change fails (errors 1832/1833) unless the table was made with that collation.
    pub fn collation_unless_database(&self, new: &DeclaredType) -> Option<String> {
        if self.differs_from(new) {
            return None;
        }
        match (self.collation()?, new.collation()?) {
            (TableCollation::Named(c), TableCollation::Database)
            | (TableCollation::Database, TableCollation::Named(c)) => Some(c),
            _ => None,
        }
    }

    /// The type as a statement would spell it, for a message.
    pub fn spelt(&self) -> String {
        let mut out = self.name.clone();
        if !self.arguments.is_empty() {
            out.push('(');
            out.push_str(&self.arguments.join(""));
            out.push(')');
        }
        if self.unsigned {
            out.push_str(" UNSIGNED");
        }
        if let Some(set) = &self.charset {
            out.push_str(&format!(" CHARACTER SET {set}"));
        }
        if let Some(collation) = &self.collation {
            out.push_str(&format!(" COLLATE {collation}"));
        }
        out
    }
}

const INTEGERS: &[&str] = &["TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT"];
