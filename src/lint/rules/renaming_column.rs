//! PF411: renaming a column while the running application still uses the old name.

use super::prelude::*;
use crate::lint::columns::{created_earlier, token_name};
use crate::sql::tokens_in;
use crate::sql::column_change::{self, ColumnChange, ColumnChangeKind};
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF411",
    "renaming-column",
    Severity::Warning,
    "renaming a column breaks the running version of the application, which uses the old name",
    include_str!("../../../rules/PF411.md"),
);

pub struct RenamingColumn;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &RenamingColumn;

impl Rule for RenamingColumn {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
            return;
        };
        for action in &shape.actions {
            let t = tokens_in(&cx.statement.tokens, &action.range);
            let Some(old) = renamed_column(cx, action.kind, t) else {
                continue;
            };
            let name = token_name(&cx.source.text, old);
            if created_earlier(cx, table, Some(&name)) {
                continue;
            }
            out.push(
                Violation::new(
                    action.head.start..old.range.end,
                    format!(
                        "renaming column {} of {} breaks every running instance that still uses the old name",
                        code_span(&name.text),
                        code_span(&table.text)
                    ),
                )
                .note("add the new column, write both, backfill, move readers, then drop the old one (or use a view)"),
            );
        }
    }
}

/// The old name's token: `RENAME [COLUMN] old TO new`, or MySQL's `CHANGE [COLUMN] old new …`
/// with a different new name.
pub(super) fn renamed_column<'a>(
    cx: &StatementCx,
    kind: AlterActionKind,
    t: &'a [crate::sql::Tok],
) -> Option<&'a crate::sql::Tok> {
    if kind != AlterActionKind::Rename {
        return renaming_change(cx, t).map(|change| change.old);
    }
    let mut i = 1 + usize::from(t.get(1)?.is_kw("COLUMN"));
    if ["CONSTRAINT", "INDEX", "KEY", "TO", "AS"]
        .iter()
        .any(|k| t[1].is_kw(k))
    {
        return None;
    }
    if t.get(i)?.is_kw("IF") {
        i += 2;
    }
    t.get(i)
}

/// MySQL's and MariaDB's `CHANGE [COLUMN] [IF EXISTS] old new …` with a different new name
/// (PostgreSQL has no `CHANGE`).
pub(super) fn renaming_change<'a>(
    cx: &StatementCx,
    t: &'a [crate::sql::Tok],
) -> Option<ColumnChange<'a>> {
    if cx.dialect == Dialect::Postgres {
        return None;
    }
    column_change::read(t).filter(|c| c.kind == ColumnChangeKind::Change && c.renames())
}
