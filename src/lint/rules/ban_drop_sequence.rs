//! PF420: `DROP SEQUENCE` while the running application may still use it (squawk: ban-drop-sequence).

use super::prelude::*;
use crate::lint::compat::drop_in_use;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF420",
    "ban-drop-sequence",
    Severity::Warning,
    "DROP SEQUENCE breaks running code and column defaults that still take values from it",
    include_str!("../../../rules/PF420.md"),
);

pub struct BanDropSequence;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropSequence;

impl Rule for BanDropSequence {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        out.extend(drop_in_use(
            cx,
            &[ObjectKind::Sequence],
            "breaks every running instance and column default that still calls nextval() on it",
            "remove the column defaults and the code that use the sequence first, then drop it in a later release",
        ));
    }
}
