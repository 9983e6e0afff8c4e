//! Enum labels through a file (`CREATE TYPE … AS ENUM`, `ADD VALUE`, `RENAME VALUE`) and the
//! column type changes to re-created enums: a comparison with a label the type loses fails on
//! a retry (PF123).

use super::steps::folded;
use super::{column_digest, object_digest, Sequence};
use crate::sql::{AlterActionKind, ObjectKind, ShapeKind, Statement};
use sqlparser::tokenizer::Token;

/// What a statement does to an enum type's labels.
#[derive(Debug, Clone)]
pub(super) enum LabelChange {
    Create(Vec<String>),
    Add(String),
    Rename(String, String),
}

/// The labels of an enum after the changes up to statement `until` (inclusive), from its last
/// creation; `None` when no creation comes before.
pub(super) fn labels_until(changes: &[(u32, LabelChange)], until: u32) -> Option<Vec<String>> {
    let upto = changes.partition_point(|&(i, _)| i <= until);
    let changes = &changes[..upto];
    let start = changes
        .iter()
        .rposition(|(_, c)| matches!(c, LabelChange::Create(_)))?;
    let mut labels = Vec::new();
    for (_, change) in &changes[start..] {
        match change {
            LabelChange::Create(all) => labels = all.clone(),
            LabelChange::Add(label) => labels.push(label.clone()),
            LabelChange::Rename(old, new) => {
                for l in labels.iter_mut().filter(|l| *l == old) {
                    *l = new.clone();
                }
            }
        }
    }
    Some(labels)
}

/// The string literals of a statement, in order.
pub(super) fn string_literals(statement: &Statement) -> Vec<&str> {
    statement
        .tokens
        .iter()
        .filter_map(|t| match &t.token {
            Token::SingleQuotedString(s) => Some(s.as_str()),
            _ => None,
        })
        .collect()
}

/// `CREATE TYPE t AS ENUM (…)`, `ALTER TYPE t ADD VALUE 'x'`, `ALTER TYPE t RENAME VALUE 'a'
/// TO 'b'`: the type's key digest and the change.
pub(super) fn label_change(statement: &Statement) -> Option<(u64, LabelChange)> {
    let shape = &statement.shape;
    let name = shape.object()?;
    let literals = string_literals(statement);
    let change = match shape.kind {
        ShapeKind::Create(ObjectKind::Type) if statement.tokens.iter().any(|t| t.is_kw("ENUM")) => {
            LabelChange::Create(literals.iter().map(|l| l.to_string()).collect())
        }
        ShapeKind::AlterTypeAddValue => LabelChange::Add(literals.first()?.to_string()),
        ShapeKind::Rename(ObjectKind::Type) if relabels(statement).is_some() => {
            let [old, new] = literals[..] else {
                return None;
            };
            LabelChange::Rename(old.to_string(), new.to_string())
        }
        _ => return None,
    };
    Some((object_digest(ObjectKind::Type, name.base()), change))
}

/// The type key digest of a composite type `statement` creates (`CREATE TYPE t AS (…)`).
pub(super) fn composite_made(statement: &Statement) -> Option<u64> {
    let shape = &statement.shape;
    if shape.kind != ShapeKind::Create(ObjectKind::Type) || !creates_composite(statement) {
        return None;
    }
    Some(object_digest(ObjectKind::Type, shape.object()?.base()))
}

/// Is `statement`, a `CREATE TYPE`, one of a composite type: `AS (` (not `AS ENUM (`, `AS
/// RANGE (` or a base type's `CREATE TYPE t (INPUT = …)`)?
pub(crate) fn creates_composite(statement: &Statement) -> bool {
    statement
        .tokens
        .windows(2)
        .any(|w| w[0].is_kw("AS") && w[1].is(&Token::LParen))
}

/// The columns an `ALTER TABLE` changes the type of, whatever the new type: column key digests.
pub(super) fn retyped_columns(statement: &Statement) -> Vec<u64> {
    type_changes(statement)
        .into_iter()
        .map(|(column, _)| column)
        .collect()
}

/// The columns an `ALTER TABLE` changes the type of (`ALTER [COLUMN] c [SET DATA] TYPE x`):
/// column key digest and the new type's key digest.
pub(super) fn column_type_changes(statement: &Statement) -> Vec<(u64, u64)> {
    type_changes(statement)
        .into_iter()
        .filter_map(|(column, to)| Some((column, to?)))
        .collect()
}

/// Each type change of an `ALTER TABLE`: the column's key digest, and the new type's when its
/// name can be read.
fn type_changes(statement: &Statement) -> Vec<(u64, Option<u64>)> {
    let shape = &statement.shape;
    let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
        return Vec::new();
    };
    shape
        .actions
        .iter()
        .filter(|a| a.kind == AlterActionKind::Other)
        .filter_map(|a| {
            let tokens = crate::sql::tokens_in(&statement.tokens, &a.range);
            let change = crate::lint::rules::alter_column_type_rerun::type_change(tokens)?;
            let column = column_digest(table.base(), &folded(change.column)?);
            let to = tokens
                .iter()
                .rfind(|t| t.range.end == change.type_end)
                .and_then(folded)
                .map(|to| object_digest(ObjectKind::Type, &to));
            Some((column, to))
        })
        .collect()
}

/// The type whose labels `ALTER TYPE t ADD VALUE …` or `ALTER TYPE t RENAME VALUE …` changes,
/// as a key digest.
pub(super) fn relabels(statement: &Statement) -> Option<u64> {
    let shape = &statement.shape;
    let value_renamed = || {
        statement
            .tokens
            .windows(2)
            .any(|w| w[0].is_kw("RENAME") && w[1].is_kw("VALUE"))
    };
    let relabelled = match shape.kind {
        ShapeKind::AlterTypeAddValue => true,
        ShapeKind::Rename(ObjectKind::Type) => value_renamed(),
        _ => false,
    };
    let name = shape.object().filter(|_| relabelled)?;
    Some(object_digest(ObjectKind::Type, name.base()))
}

impl Sequence {
    /// Does some statement change a column to an enum type the file creates again? Only then
    /// can [`label_lost_after`](Self::label_lost_after) find anything.
    pub fn converts_to_recreated_types(&self) -> bool {
        !self.type_changes.is_empty()
    }

    /// The first statement after `i` that changes column `table.column` to an enum type the
    /// file creates again, when `label` is missing from that type in a state a retry of `i`
    /// can meet: the labels the file leaves it with, and (a crash point right after the
    /// change) the labels it has then. Returns the changing statement's index.
    pub fn label_lost_after(
        &self,
        i: usize,
        table: &str,
        column: &str,
        label: &str,
    ) -> Option<usize> {
        let column = column_digest(table, column);
        let &(j, _, to) = self
            .type_changes
            .iter()
            .find(|&&(j, c, _)| j as usize > i && c == column)?;
        let changes = self.labels.get(&to)?;
        let final_labels = labels_until(changes, u32::MAX)?;
        let at_change = labels_until(changes, j)?;
        let missing = !final_labels.iter().any(|l| l == label)
            || (!self.transactional() && !at_change.iter().any(|l| l == label));
        missing.then_some(j as usize)
    }

    /// Does the current statement, `ALTER TYPE name RENAME VALUE 'old' TO 'new'`, run again on
    /// a re-run? It does when the statement before it that last touched the type created it,
    /// that creation is proved to run again (lemmy's 2025-08-01-000042 re-creates the enum
    /// with `old`, then renames the value), and the labels it made have `old` and not `new`.
    pub fn value_rename_reruns(&self, name: &str, old: &str, new: &str) -> bool {
        let key = object_digest(ObjectKind::Type, name);
        let Some(removed) = self.removed.get(&key) else {
            return false;
        };
        let before = u32::try_from(self.current_index)
            .ok()
            .and_then(|i| i.checked_sub(1));
        let Some(labels) = before
            .zip(self.labels.get(&key))
            .and_then(|(before, changes)| labels_until(changes, before))
        else {
            return false;
        };
        removed.created_last_proved
            && labels.iter().any(|l| l == old)
            && !labels.iter().any(|l| l == new)
    }

    /// Is type `name` an enum for the current statement: the file's last statement before it
    /// on the type (a DO block's too, or a rename into its name) is a top-level `CREATE TYPE
    /// name AS ENUM`, or a DO block that makes it so wherever it is gone
    /// (`do_made::made_where_free`)? Only of a type the file removes; `false` when not known.
    pub fn created_as_enum_before(&self, name: &str) -> bool {
        self.created_last_before(name, |key, at| {
            self.enums_in_blocks.contains(&(at, key))
                || self.labels.get(&key).is_some_and(|changes| {
                    changes
                        .iter()
                        .any(|(i, change)| *i == at && matches!(change, LabelChange::Create(_)))
                })
        })
    }

    /// Is type `name` a composite type for the current statement: the file's last statement
    /// before it on the type (a DO block's too, or a rename into its name) is a top-level
    /// `CREATE TYPE name AS (…)`, or a DO block that makes it so wherever it is gone? Only of a
    /// type the file removes; `false` when not known.
    pub fn created_as_composite_before(&self, name: &str) -> bool {
        self.created_last_before(name, |key, at| self.composites.contains(&(at, key)))
    }

    /// Is the file's last statement before the current one on type `name` (a DO block's too,
    /// or a rename into its name) one that `made` (given the type's key digest and the
    /// statement) tells made it?
    fn created_last_before(&self, name: &str, made: impl Fn(u64, u32) -> bool) -> bool {
        let key = object_digest(ObjectKind::Type, name);
        let now = u32::try_from(self.current_index).unwrap_or(u32::MAX);
        let Some(at) = self
            .events_anywhere(key)
            .map(|&(_, i, _)| i)
            .filter(|&i| i < now)
            .max()
        else {
            return false;
        };
        let renamed_into_since = self
            .arrivals
            .get(&key)
            .is_some_and(|list| list.iter().any(|&(j, _)| j >= at && j < now));
        !renamed_into_since && made(key, at)
    }

    /// Is the file's last top-level change of label `label` of type `name` before the current
    /// statement an `ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'label'`? A retry that gets past
    /// it finds the label again, also where an earlier run renamed it away (`RENAME VALUE
    /// 'label' TO …` in a DO block after it). Only of a type the file removes or a DO block
    /// renames a value of; `false` when not known.
    pub fn label_added_before(&self, name: &str, label: &str) -> bool {
        let now = u32::try_from(self.current_index).unwrap_or(u32::MAX);
        let Some(changes) = self.labels.get(&object_digest(ObjectKind::Type, name)) else {
            return false;
        };
        changes
            .iter()
            .rev()
            .filter(|&&(i, _)| i < now)
            .find_map(|(_, change)| match change {
                LabelChange::Add(l) => (l == label).then_some(true),
                LabelChange::Rename(old, new) => (old == label || new == label).then_some(false),
                LabelChange::Create(all) => all.iter().any(|l| l == label).then_some(false),
            })
            .unwrap_or(false)
    }

    /// Does a statement after `i` change the labels of type `name` (`ADD VALUE`,
    /// `RENAME VALUE`), where the file also removes the type (renames it away to re-create
    /// it)?
    pub fn type_relabelled_after(&self, i: usize, name: &str) -> bool {
        self.relabelled
            .get(&object_digest(ObjectKind::Type, name))
            .is_some_and(|list| list.iter().any(|&j| j as usize > i))
    }
}
