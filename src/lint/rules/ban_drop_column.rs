//! PF407: `ALTER TABLE … DROP COLUMN` while the running application may still read it.

use super::prelude::*;
use crate::lint::columns::created_earlier;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF407",
    "ban-drop-column",
    Severity::Warning,
    "DROP COLUMN breaks the running version of the application while it still reads the column",
    include_str!("../../../rules/PF407.md"),
);

pub struct BanDropColumn;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropColumn;

impl Rule for BanDropColumn {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
            return;
        };
        for action in &shape.actions {
            if action.kind != AlterActionKind::DropColumn
                || created_earlier(cx, table, action.name.as_ref())
            {
                continue;
            }
            let column = name_text(action.name.as_ref());
            let end = action.name.as_ref().map_or(action.head.end, |n| n.range.end);
            out.push(
                Violation::new(
                    action.head.start..end,
                    format!(
                        "dropping column {} of {} breaks every running instance that still reads or writes it",
                        code_span(&column),
                        code_span(&table.text)
                    ),
                )
                .note("deploy code that no longer uses the column first, then drop it in a later release"),
            );
        }
    }
}
