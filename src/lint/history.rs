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
//!   table while it is on);
//! - MySQL/MariaDB's column definitions (`super::known_columns`), for what a `MODIFY` costs.
//!
//! Objects created or removed earlier (a table of this file, an index built on one) are the
//! sequence analysis's ([`super::sequence::Sequence`]).

use super::known_columns::{ForeignKey, Known, KnownColumns, KnownType};
use super::safety::{column_name, starts_with_kws, Locks};
use super::sequence::{foreign_key_checks_after, ForeignKeyChecks};
use crate::sql::tokens_in;
use crate::sql::{AlterActionKind, Name, ShapeKind, Statement, Tok};
use sqlparser::tokenizer::Token;
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
    /// MySQL/MariaDB: the column definitions the statements so far leave known.
    columns: KnownColumns,
    /// A statement may ask them ([`asks_column_definitions`]): else they are not kept.
    asks_columns: bool,
}

/// MySQL/MariaDB: may a statement of a file of text `text` ask what the column definitions
/// are ([`History::known_column`], [`History::known_type`], [`History::table_changes`], the
/// foreign keys, [`History::known_layout`]: only a `MODIFY`/`CHANGE` does, online-DDL cost and
/// PF204, and a `CONVERT TO`, PF351)? Not when the text has no `MODIFY`, `CHANGE` or `CONVERT`,
/// nor a `CALL` (a routine an earlier migration defines may run one): one byte scan, where
/// reading every column and key each `CREATE TABLE` defines costs more. A prepared statement's
/// text is the file's.
pub fn asks_column_definitions(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        let word: &[u8] = match b | 0x20 {
            b'm' => b"modify",
            b'c' => match bytes.get(i + 1).map(|n| n | 0x20) {
                Some(b'h') => b"change",
                Some(b'a') => b"call",
                Some(b'o') => b"convert",
                _ => return false,
            },
            _ => return false,
        };
        bytes
            .get(i..i + word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
    })
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
    ///
    /// `asks_columns`: a statement may ask what the column definitions are
    /// ([`asks_column_definitions`]).
    pub fn for_file(file_transaction: bool, asks_columns: bool) -> History {
        History {
            search_path: crate::sql::search_path::SessionPath::file(file_transaction),
            asks_columns,
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
        // Only a `MODIFY`/`CHANGE` reads them (and the foreign keys they keep).
        if self.asks_columns {
            self.columns.record(statement);
        }
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

    /// MySQL/MariaDB: what the file's earlier statements tell of `column` (lower case) of
    /// `table`.
    pub fn known_column(&self, table: &Name, column: &str) -> Known<'_> {
        self.columns.get(table, column)
    }

    /// MariaDB: how the file's earlier statements leave `table`'s every column and key: `None`
    /// when they did not touch it.
    pub fn known_layout(&self, table: &Name) -> Option<&crate::lint::table_layout::LayoutState> {
        self.columns.layout(table)
    }

    /// MySQL/MariaDB: the changes (`CONVERT TO`, a table character set, `ROW_FORMAT=`) the
    /// file's earlier statements made to `table`, which they did not reset, in order.
    pub fn table_changes(&self, table: &Name) -> &[crate::lint::online_ddl::TableChange] {
        self.columns.changes(table)
    }

    /// MySQL/MariaDB: what the file's earlier statements tell of the declared type of
    /// `column` (lower case) of `table`.
    pub fn known_type(&self, table: &Name, column: &str) -> KnownType<'_> {
        self.columns.type_of(table, column)
    }

    /// MySQL/MariaDB: the foreign keys the file's earlier statements created and left that
    /// use `column` (lower case) of `table`, on either side.
    pub fn foreign_keys_using<'a>(
        &'a self,
        table: &'a Name,
        column: &'a str,
    ) -> impl Iterator<Item = &'a ForeignKey> + 'a {
        self.columns.foreign_keys_using(table, column)
    }

    /// MySQL/MariaDB: do the file's earlier statements leave `key`, a foreign key an earlier
    /// migration made, in place?
    pub fn leaves_foreign_key(&self, key: &ForeignKey) -> bool {
        self.columns.leave_foreign_key(key)
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
