//! MySQL/MariaDB: the column definitions statements leave known, for the online-DDL verdict of
//! a later `MODIFY`/`CHANGE` (`online_ddl::cost_in_file`). The file's own statements keep one
//! in `History`; each earlier migration of the file's directory is replayed into one of its
//! own (`calls::Earlier::column_before`), read back from the last.

use super::columns::{added_column_at, table_elements};
use super::online_ddl::{ColumnDefinition, TableChange, TableFacts};
use crate::sql::added_constraint_kind;
use crate::sql::column_change;
use crate::sql::shape::starts_non_column;
use crate::sql::tokens_in;
use crate::sql::{AlterActionKind, Name, ObjectKind, ShapeKind, Statement};
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

#[derive(Debug, Default)]
pub struct KnownColumns {
    /// Per table (by base name, so that a file of many tables does not scan them all at each
    /// statement): (table, column in lower case, definition; `None` once unknown), latest last.
    columns: HashMap<String, Vec<(Name, String, Option<ColumnDefinition>)>>,
    /// Per table: the statements reset what is known of it (`CREATE`, `DROP`, a change of the
    /// table as a whole); a `CREATE TABLE`'s options when it created it. Latest last.
    tables: HashMap<String, Vec<(Name, Option<TableFacts>)>>,
    /// A statement preflight does not follow (a `CALL`, a block, …) may have changed any table.
    forgot_all: bool,
    /// Per table (by base name): the tables a `CREATE TABLE` of the statements names, in any
    /// form.
    created: HashMap<String, Vec<Name>>,
    /// The tables a `DROP TABLE` removed, and no statement since made again (or may have: a
    /// table renamed, a statement preflight does not follow).
    dropped: Vec<Name>,
    /// An `ALTER TABLE … RENAME` gave a table a new name, which a `CREATE TABLE IF NOT
    /// EXISTS` may find taken.
    renamed_table: bool,
    /// Per table (by base name) the statements did not reset: the facts and the changes
    /// (`CONVERT TO`, a table character set, `ROW_FORMAT=`) their `ALTER TABLE`s made, for
    /// the columns earlier statements define.
    changed: HashMap<String, Vec<(Name, TableFacts, Vec<TableChange>)>>,
}

impl KnownColumns {
    /// How the statements so far leave `column` (lower case) of `table`.
    pub fn get(&self, table: &Name, column: &str) -> Known<'_> {
        let facts = || self.facts(table);
        let entry = self.columns.get(table.base()).and_then(|columns| {
            columns
                .iter()
                .rev()
                .find(|(t, c, _)| t.same_object(table) && c == column)
        });
        match entry {
            Some((_, _, Some(definition))) => Known::Defined(definition, facts()),
            Some((_, _, None)) => Known::Unknown,
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
            for (_, _, definition) in columns.iter_mut().filter(|(t, _, _)| t.same_object(table)) {
                *definition = definition
                    .as_ref()
                    .and_then(|d| d.after(&change, facts.as_ref()));
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
                .is_some_and(|c| c.iter().any(|(t, _, _)| t.same_object(table)))
    }

    /// Does a `CREATE TABLE` of the statements (in any form) name `table`, but for one that
    /// makes it again after a `DROP TABLE` of theirs?
    pub fn creates(&self, table: &Name) -> bool {
        self.created
            .get(table.base())
            .is_some_and(|t| t.iter().any(|t| t.same_object(table)))
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
                return;
            }
            ShapeKind::Other(word)
                if ["UPDATE", "DELETE", "SET", "SELECT"].contains(&word.as_str()) =>
            {
                return
            }
            ShapeKind::Create(ObjectKind::Table) => {
                self.record_created(statement);
                return;
            }
            ShapeKind::Drop(ObjectKind::Table) => {
                for table in &shape.names {
                    self.forget_table(table, None);
                    self.dropped.push(table.clone());
                }
                return;
            }
            _ => {
                self.columns.clear();
                self.tables.clear();
                self.changed.clear();
                self.forgot_all = true;
                self.dropped.clear();
                return;
            }
        }
        let Some(table) = shape.object() else {
            return;
        };
        for action in &shape.actions {
            let t = tokens_in(&statement.tokens, &action.range);
            let named = action
                .name
                .as_ref()
                .map(|n| crate::sql::fold_unquoted(n.base()));
            let (gone, defined) = match (action.kind, column_change::read(t)) {
                // `IF NOT EXISTS` may leave a column of another definition in place.
                (AlterActionKind::AddColumn, _) => {
                    let definition =
                        ColumnDefinition::of(t.get(added_column_at(t) + 1..).unwrap_or(&[]))
                            .filter(|_| !action.guard.is_some_and(|g| g.present));
                    (named.clone(), named.map(|n| (n, definition)))
                }
                (AlterActionKind::DropColumn, _) => (named.clone(), named.map(|n| (n, None))),
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
                    (named, new.map(|n| (n, definition)))
                }
                (AlterActionKind::Other, Some(change)) => (
                    Some(change.old_name()),
                    Some((change.new_name(), ColumnDefinition::of(change.definition))),
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
                columns.retain(|(t, c, _)| !(t.same_object(table) && *c == gone));
                columns.push((table.clone(), gone, None));
            }
            if let Some((column, definition)) = defined {
                columns.retain(|(t, c, _)| !(t.same_object(table) && *c == column));
                columns.push((table.clone(), column, definition));
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
    fn record_created(&mut self, statement: &Statement) {
        let shape = &statement.shape;
        let Some(table) = shape.object() else {
            return;
        };
        // After a `DROP TABLE` of the statements, `IF NOT EXISTS` makes the table anew.
        let dropped = self.dropped.iter().any(|t| t.same_object(table));
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
            return;
        };
        let options = &statement.tokens[statement
            .tokens
            .partition_point(|t| t.range.start <= last.range.end)..];
        // The element list's closing parenthesis, then the table options.
        let options = options.get(1..).unwrap_or(&[]);
        if options.iter().any(|t| t.is_kw("AS") || t.is_kw("SELECT")) {
            self.forget_table(table, None);
            return;
        }
        let facts = TableFacts::of(options);
        self.forget_table(table, Some(if guarded { facts.if_new() } else { facts }));
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
            ));
        }
        let columns = self.columns.entry(table.base().to_string()).or_default();
        for (column, definition) in defined {
            let definition = definition.filter(|_| !keyed.contains(&column));
            columns.push((table.clone(), column, definition));
        }
    }

    /// Reset what is known of `table`: its columns become unknown; `facts`, when a `CREATE
    /// TABLE` made it anew.
    pub fn forget_table(&mut self, table: &Name, facts: Option<TableFacts>) {
        self.dropped.retain(|t| !t.same_object(table));
        if let Some(changed) = self.changed.get_mut(table.base()) {
            changed.retain(|(t, _, _)| !t.same_object(table));
        }
        if let Some(columns) = self.columns.get_mut(table.base()) {
            columns.retain(|(t, _, _)| !t.same_object(table));
        }
        let tables = self.tables.entry(table.base().to_string()).or_default();
        tables.retain(|(t, _)| !t.same_object(table));
        tables.push((table.clone(), facts));
    }
}
