//! PF412: renaming a table while the running application still uses the old name.

use super::prelude::*;
use crate::lint::columns::created_earlier;
use crate::sql::tokens_in;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF412",
    "renaming-table",
    Severity::Warning,
    "renaming a table breaks the running version of the application, which uses the old name",
    include_str!("../../../rules/PF412.md"),
);

pub struct RenamingTable;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &RenamingTable;

impl Rule for RenamingTable {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let Some(table) = shape.object() else { return };
        let span = match &shape.kind {
            ShapeKind::Rename(ObjectKind::Table) => cx.head_span(),
            ShapeKind::AlterTable => {
                // `RENAME TO new` / `RENAME AS new` (not `RENAME COLUMN key TO …`).
                let renames_table = |a: &&crate::sql::AlterAction| {
                    let t = tokens_in(&cx.statement.tokens, &a.range);
                    a.kind == AlterActionKind::Rename
                        && t.get(1).is_some_and(|x| x.is_kw("TO") || x.is_kw("AS"))
                };
                let Some(action) = shape.actions.iter().find(renames_table) else {
                    return;
                };
                action.range.clone()
            }
            _ => return,
        };
        if created_earlier(cx, table, None) {
            return;
        }
        out.push(
            Violation::new(
                span,
                format!(
                    "renaming table {} breaks every running instance that still uses the old name",
                    code_span(&table.text)
                ),
            )
            .note("keep the old name working during the rollout (e.g. a view with the old name), or rename in a release no running code depends on"),
        );
    }
}
