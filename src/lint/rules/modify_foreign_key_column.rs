//! PF204: a MariaDB `MODIFY`/`CHANGE` that gives a column a foreign key uses another type fails
//! on every run (errors 1832/1833), whatever `foreign_key_checks` says.

use super::prelude::*;
use crate::lint::known_columns::{DeclaredType, ForeignKey, KnownType};
use crate::lint::online_ddl::{actions, TableChange};
use crate::sql::{column_change, AlterActionKind};

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
        for (action, t) in &all {
            if action.kind != AlterActionKind::Other {
                continue;
            }
            let Some(change) = column_change::read(t) else {
                continue;
            };
            let Some(new) = DeclaredType::of(change.definition) else {
                continue;
            };
            let column = change.old_name();
            let history = &cx.file.history;
            // The type first, the key only for another type: the walk back through earlier
            // migrations for a key goes to the first that names the table.
            let earlier;
            let old = match history.known_type(table, &column) {
                KnownType::Declared(old) => old,
                KnownType::Unknown => continue,
                // A new character set of the table since leaves the type before unknown.
                KnownType::Untouched
                    if history
                        .table_changes(table)
                        .iter()
                        .any(|c| !matches!(c, TableChange::RowFormat(_))) =>
                {
                    continue
                }
                KnownType::Untouched => {
                    let Some(found) = cx
                        .options
                        .earlier_routines
                        .as_ref()
                        .and_then(|e| e.type_before(&cx.source.path, table, &column))
                    else {
                        continue;
                    };
                    earlier = found;
                    &earlier
                }
            };
            // A column that spells no collation takes its table's, known where the type
            // before was read (no new table character set since).
            let new = new.in_table(old.table_collation().cloned());
            let unless = old.collation_unless_database(&new);
            if !old.differs_from(&new) && unless.is_none() {
                continue;
            }
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
            let in_file = history.foreign_keys_using(table, &column).find(|fk| kept(fk));
            let key = match in_file {
                Some(key) => key.clone(),
                // One an earlier migration of the directory made, that this file left.
                None => {
                    let Some(key) = cx
                        .options
                        .earlier_routines
                        .as_ref()
                        .and_then(|e| e.foreign_key_before(&cx.source.path, table, &column))
                        .filter(|fk| history.leaves_foreign_key(fk) && kept(fk))
                    else {
                        continue;
                    };
                    key
                }
            };
            let referencing = key.child.same_object(table)
                && key.columns.contains(&column);
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
            let named = key
                .name
                .as_ref()
                .map_or_else(|| "a foreign key".to_string(), |n| format!("foreign key `{n}`"));
            let when = match &unless {
                Some(collation) => format!(
                    "fails on every run unless the table was made in a database whose default collation is `{collation}` (one side spells no character set or collation, so it takes that default, which the server's configuration decides)"
                ),
                None => "fails on every run".to_string(),
            };
            out.push(
                Violation::new(
                    action.range.clone(),
                    format!(
                        "changing `{}.{column}` from {} to {} {when}: {named} {other}, and MariaDB refuses to change the type or collation of a column a foreign key uses ({error}), even with foreign_key_checks = 0",
                        cx.object_text(),
                        old.spelt(),
                        new.spelt(),
                    ),
                )
                .note("drop the foreign key (`ALTER TABLE … DROP FOREIGN KEY …, MODIFY …`), change the columns on both sides, then add the foreign key again"),
            );
        }
    }
}
