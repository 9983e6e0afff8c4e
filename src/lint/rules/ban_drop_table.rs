//! PF408: `DROP TABLE` while the running application may still use it.

use super::prelude::*;
use crate::lint::columns::created_earlier;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF408",
    "ban-drop-table",
    Severity::Warning,
    "DROP TABLE breaks the running version of the application while it still uses the table",
    include_str!("../../../rules/PF408.md"),
);

pub struct BanDropTable;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropTable;

impl Rule for BanDropTable {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        if shape.kind != ShapeKind::Drop(ObjectKind::Table) || shape.temporary {
            return;
        }
        let used: Vec<&str> = shape
            .names
            .iter()
            .filter(|n| !created_earlier(cx, n, None))
            .map(|n| n.text.as_str())
            .collect();
        if used.is_empty() {
            return;
        }
        out.push(
            Violation::new(
                cx.head_span(),
                format!(
                    "dropping table {} breaks every running instance that still uses it, and its data is gone",
                    used.iter().map(|n| code_span(n).to_string()).collect::<Vec<_>>().join(", ")
                ),
            )
            .note("deploy code that no longer uses the table first, then drop it in a later release"),
        );
    }
}
