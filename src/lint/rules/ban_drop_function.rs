//! PF417: `DROP FUNCTION` while the running application may still use it (squawk: ban-drop-function).

use super::prelude::*;
use crate::lint::compat::drop_in_use;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF417",
    "ban-drop-function",
    Severity::Warning,
    "DROP FUNCTION breaks running code, triggers and defaults that still call it",
    include_str!("../../../rules/PF417.md"),
);

pub struct BanDropFunction;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropFunction;

impl Rule for BanDropFunction {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        out.extend(drop_in_use(
            cx,
            &[ObjectKind::Function, ObjectKind::Procedure, ObjectKind::Aggregate],
            "breaks every running instance, trigger or default that still calls it",
            "deploy code that no longer calls it first; a trigger or column default that calls it must go first too",
        ));
    }
}
