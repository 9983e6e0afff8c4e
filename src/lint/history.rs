//! What the statements before the current one established, for the rules that look back
//! (production safety, PF3xx): lint streams a file and drops each statement once checked, so
//! each look-back is a small accumulator updated as a top-level statement passes.
//!
//! - the first lock-taking statement and the settings `SET` before it (PF314, PF315);
//! - the `CHECK (col IS NOT NULL)` constraints added, and the constraints validated (PF304);
//! - the transaction left open (PF317);
//! - the search_path the file set (`SET search_path`, `SET LOCAL` in a transaction), which
//!   decides where its unqualified names resolve (PF415);
//! - MySQL/MariaDB's session `foreign_key_checks` (PF351: adding a foreign key copies the
//!   table while it is on).
//!
//! Objects created or removed earlier (a table of this file, an index built on one) are the
//! sequence analysis's ([`super::sequence::Sequence`]).

use super::columns::added_column_at;
use super::online_ddl::ColumnDefinition;
use super::safety::{column_name, starts_with_kws, Locks};
use super::sequence::{foreign_key_checks_after, ForeignKeyChecks};
use crate::sql::added_constraint_kind;
use crate::sql::column_change;
use crate::sql::tokens_in;
use crate::sql::{AlterActionKind, Name, ObjectKind, ShapeKind, Statement, Tok};
use sqlparser::tokenizer::Token;
use std::collections::HashMap;
use std::ops::Range;

#[derive(Debug, Default)]
pub struct History {
    /// A statement took a lock that can queue behind application queries.
    lock_taken: bool,
    /// The settings `SET` before the first lock (lower case): `lock_timeout`, …
    settings_before_lock: Vec<String>,
    /// `ALTER TABLE` actions on NOT NULL checks, in file order.
    checks: Vec<CheckEvent>,
    /// The `BEGIN` of a transaction not committed or rolled back yet.
    open_transaction: Option<Range<usize>>,
    /// The search_path the statements so far set ([`crate::sql::search_path`]).
    search_path: crate::sql::search_path::SessionPath,
    /// A statement so far turned `check_function_bodies` off (`SET check_function_bodies =
    /// false`, as pg_dump writes, or `set_config('check_function_bodies', 'false', …)`) and
    /// none turned it on again.
    function_bodies_unchecked: bool,
    /// Where a statement so far set `check_function_bodies`: its first byte, and whether it
    /// turned it on, in file order.
    function_bodies_switches: Vec<(usize, bool)>,
    /// MySQL/MariaDB: the session's `foreign_key_checks` after the statements so far.
    foreign_key_checks: ForeignKeyChecks,
    /// MySQL/MariaDB: the columns earlier `ALTER TABLE … ADD COLUMN` actions defined (and later
    /// `MODIFY`/`CHANGE` redefined), as (table, column in lower case, definition), while no
    /// statement changed the table otherwise. By the table's base name, so that a file of
    /// many tables does not scan them all at each statement.
    added_columns: HashMap<String, Vec<(Name, String, ColumnDefinition)>>,
}

#[derive(Debug)]
enum CheckEvent {
    /// `ADD [CONSTRAINT name] CHECK (column IS NOT NULL) [NOT VALID]`.
    Added {
        table: Name,
        column: String,
        name: Option<String>,
        not_valid: bool,
    },
    /// `VALIDATE CONSTRAINT name`.
    Validated { table: Name, name: String },
}

impl History {
    /// A file's start; `file_transaction` when its runner runs it in one transaction (then a
    /// `SET LOCAL` lasts to the file's end).
    pub fn for_file(file_transaction: bool) -> History {
        History {
            search_path: crate::sql::search_path::SessionPath::file(file_transaction),
            ..History::default()
        }
    }

    /// The search_path the file's earlier statements set and left in effect; `None` when it
    /// is still the one the runner's connection has.
    pub fn search_path(&self) -> Option<&[String]> {
        self.search_path.schemas()
    }

    /// The schema an unqualified name denotes now ([`SessionPath::home`]).
    ///
    /// [`SessionPath::home`]: crate::sql::search_path::SessionPath::home
    pub fn search_home(&self) -> Option<&str> {
        self.search_path.home()
    }

    /// A top-level statement has been checked; `locks`: the locks it takes, and what it sets
    /// before them ([`Locks::of`], read before the sequence analysis takes it in: whether it
    /// takes a lock depends on the tables created before it).
    pub fn passed(&mut self, statement: &Statement, locks: &Locks) {
        let shape = &statement.shape;
        self.search_path.observe(&statement.tokens);
        if let Some(checked) = sets_check_function_bodies(&statement.tokens) {
            self.function_bodies_unchecked = !checked;
            self.function_bodies_switches
                .push((statement.range.start, checked));
        }
        self.foreign_key_checks = foreign_key_checks_after(statement, self.foreign_key_checks);
        match shape.kind {
            ShapeKind::Begin if self.open_transaction.is_none() => {
                self.open_transaction = Some(shape.head.clone());
            }
            ShapeKind::Commit | ShapeKind::Rollback => self.open_transaction = None,
            ShapeKind::AlterTable => self.record_checks(statement),
            _ => {}
        }
        self.record_columns(statement);
        // After the first lock nothing more decides PF314/PF315.
        if !self.lock_taken {
            self.settings_before_lock
                .extend(locks.settings.iter().cloned());
            self.lock_taken = locks.first.is_some();
        }
    }

    /// Does PostgreSQL check the body of a `LANGUAGE sql` routine when a `CREATE FUNCTION` at
    /// this point creates it (`check_function_bodies`, on unless an earlier statement turned
    /// it off)?
    pub fn checks_function_bodies(&self) -> bool {
        !self.function_bodies_unchecked
    }

    /// [`Self::checks_function_bodies`] as of the top-level statement that starts at byte `at`
    /// of the file, one checked so far: what a `CREATE FUNCTION` there saw, whatever a later
    /// statement (before a call of it) sets.
    pub fn checked_function_bodies_at(&self, at: usize) -> bool {
        self.function_bodies_switches
            .iter()
            .rev()
            .find(|&&(start, _)| start < at)
            .is_none_or(|&(_, checked)| checked)
    }

    /// MySQL/MariaDB: the session checks foreign keys now (`foreign_key_checks` is on, as it
    /// is unless an earlier statement turned it off or set it to a value preflight cannot read).
    pub fn checks_foreign_keys(&self) -> bool {
        self.foreign_key_checks == ForeignKeyChecks::On
    }

    /// An earlier statement took a lock: nothing after it decides PF314/PF315.
    pub fn lock_taken(&self) -> bool {
        self.lock_taken
    }

    /// No earlier statement took a lock or set `setting` (lower case).
    pub fn no_lock_nor_setting(&self, setting: &str) -> bool {
        !self.lock_taken && !self.settings_before_lock.iter().any(|s| s == setting)
    }

    /// The transaction a `BEGIN` opened and nothing has closed yet: its head.
    pub fn open_transaction(&self) -> Option<&Range<usize>> {
        self.open_transaction.as_ref()
    }

    /// MySQL/MariaDB: how an earlier `ADD COLUMN` (or a `MODIFY`/`CHANGE` after it) of the
    /// file defined `column` (lower case) of `table`, when nothing since changed the table
    /// otherwise.
    pub fn added_column(&self, table: &Name, column: &str) -> Option<&ColumnDefinition> {
        self.added_columns
            .get(table.base())?
            .iter()
            .rev()
            .find(|(t, c, _)| t.same_object(table) && c == column)
            .map(|(_, _, d)| d)
    }

    /// Keep [`Self::added_columns`]: an `ADD COLUMN` or a `MODIFY`/`CHANGE` (re)defines a
    /// column, a drop forgets it and a rename moves it; any other change to the table (`CONVERT TO`, a
    /// new default character set, a rename of the table) forgets all of the table, and a
    /// statement preflight does not follow (a `CALL`, a block, …) forgets all.
    fn record_columns(&mut self, statement: &Statement) {
        // Only MariaDB's online-DDL verdicts read them.
        if !statement.dialect.is_mysql_family() {
            return;
        }
        let shape = &statement.shape;
        match &shape.kind {
            ShapeKind::AlterTable => {}
            // Rows, transactions and indexes leave the columns as they are.
            ShapeKind::Insert
            | ShapeKind::Begin
            | ShapeKind::Commit
            | ShapeKind::Rollback
            | ShapeKind::Drop(ObjectKind::Index) => return,
            // A FULLTEXT or SPATIAL index on a column makes a new collation of it lock writes
            // (`LOCK=NONE` refused on MariaDB 10.11).
            ShapeKind::Create(ObjectKind::Index) => {
                let special = statement
                    .tokens
                    .iter()
                    .take(3)
                    .any(|t| t.is_kw("FULLTEXT") || t.is_kw("SPATIAL"));
                if let Some(table) = shape.table.as_ref().filter(|_| special) {
                    self.forget_table(table);
                }
                return;
            }
            ShapeKind::Other(word)
                if ["UPDATE", "DELETE", "SET", "SELECT"].contains(&word.as_str()) =>
            {
                return
            }
            ShapeKind::Create(ObjectKind::Table) | ShapeKind::Drop(ObjectKind::Table) => {
                for table in &shape.names {
                    self.forget_table(table);
                }
                return;
            }
            _ => {
                self.added_columns.clear();
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
                    (named.clone(), named.zip(definition))
                }
                (AlterActionKind::DropColumn, _) => (named, None),
                // A new collation of a column of the primary key copies the table, and of one a
                // FULLTEXT or SPATIAL index covers locks writes (MariaDB 10.11): the
                // definitions no longer tell what a MODIFY costs.
                (AlterActionKind::AddConstraint, _)
                    if added_constraint_kind(t) == Some("PRIMARY") =>
                {
                    self.forget_table(table);
                    continue;
                }
                (AlterActionKind::AddIndex, _)
                    if t.get(1)
                        .is_some_and(|k| k.is_kw("FULLTEXT") || k.is_kw("SPATIAL")) =>
                {
                    self.forget_table(table);
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
                    let definition = named
                        .as_deref()
                        .and_then(|old| self.added_column(table, old))
                        .cloned();
                    (named, new.zip(definition))
                }
                (AlterActionKind::Other, Some(change)) => (
                    Some(change.old_name()),
                    ColumnDefinition::of(change.definition).map(|d| (change.new_name(), d)),
                ),
                (AlterActionKind::Other, None)
                    if t.first()
                        .is_some_and(|f| f.is_kw("ALGORITHM") || f.is_kw("LOCK")) =>
                {
                    continue
                }
                (AlterActionKind::Other | AlterActionKind::Rename, _) => {
                    self.forget_table(table);
                    continue;
                }
                _ => continue,
            };
            let columns = self
                .added_columns
                .entry(table.base().to_string())
                .or_default();
            if let Some(gone) = gone {
                columns.retain(|(t, c, _)| !(t.same_object(table) && *c == gone));
            }
            if let Some((column, definition)) = defined {
                columns.push((table.clone(), column, definition));
            }
        }
    }

    /// Forget the columns [`Self::added_columns`] holds of `table`.
    fn forget_table(&mut self, table: &Name) {
        if let Some(columns) = self.added_columns.get_mut(table.base()) {
            columns.retain(|(t, _, _)| !t.same_object(table));
        }
    }

    /// An earlier statement added a `CHECK (column IS NOT NULL)` on `table` that is validated
    /// by now (added without NOT VALID, or validated later).
    pub fn validated_not_null_check(&self, table: &Name, column: &str) -> bool {
        let mut pending: Vec<&str> = Vec::new();
        for event in &self.checks {
            match event {
                CheckEvent::Added {
                    table: t,
                    column: c,
                    name,
                    not_valid,
                } if t.same_object(table) && c == column => {
                    if !not_valid {
                        return true;
                    }
                    pending.extend(name.as_deref());
                }
                CheckEvent::Validated { table: t, name }
                    if t.same_object(table) && pending.contains(&name.as_str()) =>
                {
                    return true;
                }
                _ => {}
            }
        }
        false
    }

    fn record_checks(&mut self, statement: &Statement) {
        let Some(table) = statement.shape.object() else {
            return;
        };
        for action in &statement.shape.actions {
            let tokens = tokens_in(&statement.tokens, &action.range);
            if action.kind == AlterActionKind::AddConstraint {
                // Any VALID keyword (NOT VALID) leaves the check to be validated.
                let not_valid = tokens.iter().any(|t| t.is_kw("VALID"));
                for column in not_null_columns(tokens) {
                    self.checks.push(CheckEvent::Added {
                        table: table.clone(),
                        column,
                        name: action.name.as_ref().map(|n| n.base().to_string()),
                        not_valid,
                    });
                }
            } else if starts_with_kws(tokens, &["VALIDATE", "CONSTRAINT"]) {
                if let Some(name) = tokens.get(2).and_then(column_name) {
                    self.checks.push(CheckEvent::Validated {
                        table: table.clone(),
                        name,
                    });
                }
            }
        }
    }
}

/// The columns of `… CHECK ( col IS NOT NULL ) …` in an action's tokens.
fn not_null_columns(tokens: &[Tok]) -> Vec<String> {
    tokens
        .windows(6)
        .filter(|w| {
            w[0].is_kw("CHECK")
                && w[1].is(&Token::LParen)
                && starts_with_kws(&w[3..], &["IS", "NOT", "NULL"])
        })
        .filter_map(|w| column_name(&w[2]))
        .collect()
}

/// What a statement sets `check_function_bodies` to: `SET [SESSION | LOCAL]
/// check_function_bodies { = | TO } value`, `RESET check_function_bodies` (on), or
/// `set_config('check_function_bodies', 'value', …)`. `None` when it does not set it.
fn sets_check_function_bodies(tokens: &[Tok]) -> Option<bool> {
    let named = |t: &Tok| match &t.token {
        Token::Word(w) => w.value.eq_ignore_ascii_case("check_function_bodies"),
        Token::SingleQuotedString(s) => s.eq_ignore_ascii_case("check_function_bodies"),
        _ => false,
    };
    let at = tokens.iter().position(named)?;
    let first = tokens.first()?;
    let value = if first.is_kw("RESET") {
        return Some(true);
    } else if first.is_kw("SET") {
        let next = tokens.get(at + 1)?;
        if !(next.is(&Token::Eq) || next.is_kw("TO")) {
            return None;
        }
        tokens.get(at + 2)?
    } else if at > 1 && tokens[at - 1].is(&Token::LParen) && tokens[at - 2].is_kw("SET_CONFIG") {
        tokens.get(at + 1).filter(|t| t.is(&Token::Comma))?;
        tokens.get(at + 2)?
    } else {
        return None;
    };
    let text = match &value.token {
        Token::Word(w) => w.value.to_ascii_lowercase(),
        Token::SingleQuotedString(s) => s.to_ascii_lowercase(),
        Token::Number(n, _) => n.clone(),
        _ => return None,
    };
    match text.as_str() {
        "off" | "false" | "0" | "no" | "f" | "n" => Some(false),
        _ => Some(true),
    }
}
