//! PF416: `DROP VIEW` while the running application may still use it (squawk: ban-drop-view).

use super::prelude::*;
use crate::lint::compat::drop_in_use;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF416",
    "ban-drop-view",
    Severity::Warning,
    "DROP VIEW breaks the running version of the application while it still queries the view",
    include_str!("../../../rules/PF416.md"),
);

pub struct BanDropView;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropView;

impl Rule for BanDropView {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        out.extend(drop_in_use(
            cx,
            &[ObjectKind::View, ObjectKind::MaterializedView],
            "breaks every running instance that still queries it",
            "deploy code that no longer queries the view first, then drop it in a later release",
        ));
    }
}
