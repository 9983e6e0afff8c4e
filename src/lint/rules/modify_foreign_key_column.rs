//! PF204: a MariaDB `MODIFY`/`CHANGE` that gives a column a foreign key uses another type fails
//! on every run (errors 1832/1833), whatever `foreign_key_checks` says; so does one that makes
//! a column `NOT NULL` under an `ON DELETE`/`ON UPDATE SET NULL` key (error 1830).

use super::prelude::*;
use crate::lint::known_columns::{DeclaredType, ForeignKey, KnownType};
use crate::lint::online_ddl::{actions, TableChange};
use crate::sql::{column_change, AlterActionKind, Name};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF204",
    "modify-foreign-key-column-type",
    Severity::Error,
    "MODIFY/CHANGE of a column a foreign key uses to another type fails every time: \"Cannot change column … used in a foreign key constraint\" (MariaDB)",
    include_str!("../../../rules/PF204.md"),
);

pub struct ModifyForeignKeyColumnType;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &ModifyForeignKeyColumnType;

impl Rule for ModifyForeignKeyColumnType {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    // Measured on MariaDB only (MySQL was not).
    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Mariadb]
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        // A body's statements run where the file's top-level history may not tell.
        if cx.runs_in.is_in_body() {
            return;
        }
        let Some(table) = cx.shape().object() else {
            return;
        };
        let all = actions(cx);
        // `DROP FOREIGN KEY fk, MODIFY …` drops its own table's key first (accepted).
        let dropped: Vec<Option<String>> = all
            .iter()
            .filter(|(a, _)| a.kind == AlterActionKind::DropConstraint)
            .map(|(a, _)| a.name.as_ref().map(|n| n.base().to_string()))
            .collect();
        let kept = |fk: &ForeignKey| {
            !(fk.child.same_object(table)
                && dropped
                    .iter()
                    .any(|d| d.is_none() || fk.name.is_none() || *d == fk.name))
        };
        for (action, t) in &all {
            if action.kind != AlterActionKind::Other {
                continue;
            }
            let Some(change) = column_change::read(t) else {
                continue;
            };
            // Another type is checked first (1832 before 1830).
            let found = another_type(cx, table, &change, &kept)
                .or_else(|| not_null_under_set_null(cx, table, &change, &kept));
            if let Some((message, note)) = found {
                out.push(Violation::new(action.range.clone(), message).note(note));
            }
        }
    }
}

/// A foreign key that uses `column` (lower case) of `table` and that `pick` takes: one the
/// file's earlier statements made and left, else one an earlier migration of the directory
/// made that the file left.
fn key_using(
    cx: &StatementCx,
    table: &Name,
    column: &str,
    pick: &dyn Fn(&ForeignKey) -> bool,
) -> Option<ForeignKey> {
    let history = &cx.file.history;
    if let Some(key) = history
        .foreign_keys_using(table, column)
        .find(|fk| pick(fk) && (!fk.if_new || only_definition(cx, &fk.child)))
    {
        return Some(key.clone());
    }
    cx.options
        .earlier_routines
        .as_ref()
        .and_then(|e| e.foreign_key_before(&cx.source.path, table, column))
        .filter(|fk| history.leaves_foreign_key(fk) && pick(fk))
}

/// The message and note for a `MODIFY`/`CHANGE` that gives a column a foreign key uses another
/// type or collation (errors 1832, 1833, 1846).
fn another_type(
    cx: &StatementCx,
    table: &Name,
    change: &column_change::ColumnChange,
    kept: &dyn Fn(&ForeignKey) -> bool,
) -> Option<(String, &'static str)> {
    let new = DeclaredType::of(change.definition)?;
    let column = change.old_name();
    let history = &cx.file.history;
    // The type first, the key only for another type: the walk back through earlier
    // migrations for a key goes to the first that names the table.
    let earlier;
    let old = match history.known_type(table, &column) {
        KnownType::Declared(old) if old.only_if_new() && !only_definition(cx, table) => {
            return None
        }
        KnownType::Declared(old) => old,
        KnownType::Unknown => return None,
        // A new character set of the table since leaves the type before unknown.
        KnownType::Untouched
            if history
                .table_changes(table)
                .iter()
                .any(|c| !matches!(c, TableChange::RowFormat(_))) =>
        {
            return None
        }
        KnownType::Untouched => {
            earlier = cx
                .options
                .earlier_routines
                .as_ref()
                .and_then(|e| e.type_before(&cx.source.path, table, &column))?;
            &earlier
        }
    };
    // A column that spells no collation takes its table's, known where the type before was
    // read (no new table character set since).
    let new = new.in_table(old.table_collation().cloned());
    let unless = old.collation_unless_database(&new);
    if !old.differs_from(&new) && unless.is_none() {
        return None;
    }
    let key = key_using(cx, table, &column, kept)?;
    let referencing = key.child.same_object(table) && key.columns.contains(&column);
    let (error, other) = if referencing && change.renames() {
        (
            "error 1846: \"Columns participating in a foreign key are renamed\"".to_string(),
            format!("references `{}`", key.parent.text),
        )
    } else if referencing {
        (
            format!("error 1832: \"Cannot change column '{column}': used in a foreign key constraint\""),
            format!("references `{}`", key.parent.text),
        )
    } else {
        (
            format!("error 1833: \"Cannot change column '{column}': used in a foreign key constraint … of table …\""),
            format!("of `{}` references it", key.child.text),
        )
    };
    let when = match &unless {
        Some(collation) => format!(
            "fails on every run unless the table was made in a database whose default collation is `{collation}` (one side spells no character set or collation, so it takes that default, which the server's configuration decides)"
        ),
        None => "fails on every run".to_string(),
    };
    Some((
        format!(
            "changing `{}.{column}` from {} to {} {when}: {} {other}, and MariaDB refuses to change the type or collation of a column a foreign key uses ({error}), even with foreign_key_checks = 0",
            cx.object_text(),
            old.spelt(),
            new.spelt(),
            named(&key),
        ),
        "drop the foreign key (`ALTER TABLE … DROP FOREIGN KEY …, MODIFY …`), change the columns on both sides, then add the foreign key again",
    ))
}

/// The message and note for a `MODIFY`/`CHANGE` that makes a column `NOT NULL` (or part of an
/// inline `PRIMARY KEY`) while a foreign key from it says `ON DELETE SET NULL` or `ON UPDATE
/// SET NULL` (error 1830, whatever the column held).
fn not_null_under_set_null(
    cx: &StatementCx,
    table: &Name,
    change: &column_change::ColumnChange,
    kept: &dyn Fn(&ForeignKey) -> bool,
) -> Option<(String, &'static str)> {
    let t = change.definition;
    let not_null = t.iter().enumerate().any(|(i, x)| {
        x.is_kw("NOT")
            && t.get(i + 1).is_some_and(|n| n.is_kw("NULL"))
            && !i.checked_sub(1).is_some_and(|p| t[p].is_kw("IS"))
    }) || t
        .windows(2)
        .any(|w| w[0].is_kw("PRIMARY") && w[1].is_kw("KEY"));
    if !not_null {
        return None;
    }
    let column = change.old_name();
    let key = key_using(cx, table, &column, &|fk: &ForeignKey| {
        fk.sets_null
            && fk.child.same_object(table)
            && fk.columns.contains(&column)
            && kept(fk)
    })?;
    Some((
        format!(
            "making `{}.{column}` NOT NULL fails on every run: {} references `{}` with SET NULL, and MariaDB refuses a NOT NULL column such a key would set to NULL (error 1830: \"Column '{column}' cannot be NOT NULL: needed in a foreign key constraint … SET NULL\"), even with foreign_key_checks = 0",
            cx.object_text(),
            named(&key),
            key.parent.text,
        ),
        "keep the column nullable, or drop the foreign key and add it again with another ON DELETE/ON UPDATE action",
    ))
}

/// Is a `CREATE TABLE IF NOT EXISTS` of `table` in this file the table's only definition, no
/// earlier migration of its directory having made it (as PF351 asks)? Taken as so for a file
/// linted without its directory.
fn only_definition(cx: &StatementCx, table: &Name) -> bool {
    cx.options
        .earlier_routines
        .as_ref()
        .is_none_or(|e| e.only_definition(&cx.source.path, table))
}

/// "foreign key `x`", or "a foreign key" for one the statement did not name.
fn named(key: &ForeignKey) -> String {
    key.name
        .as_ref()
        .map_or_else(|| "a foreign key".to_string(), |n| format!("foreign key `{n}`"))
}
