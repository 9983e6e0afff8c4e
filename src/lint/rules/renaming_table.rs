//! PF412: renaming a table while the running application still uses the old name.

use super::prelude::*;
use crate::lint::columns::created_earlier;
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
                let Some(action) = shape
                    .actions
                    .iter()
                    .find(|a| a.kind == AlterActionKind::Rename && a.name.is_none())
                else {
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
                    "renaming table `{}` breaks every running instance that still uses the old name",
                    table.text
                ),
            )
            .note("keep the old name working during the rollout (e.g. a view with the old name), or rename in a release no running code depends on"),
        );
    }
}
