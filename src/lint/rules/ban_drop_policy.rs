//! PF435: DROP POLICY changes which rows the running application's roles can see or write (squawk: ban-drop-policy).

use super::prelude::*;
use crate::lint::compat::{drop_in_use};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF435",
    "ban-drop-policy",
    Severity::Warning,
    "DROP POLICY changes which rows the running application's roles can see or write",
    include_str!("../../../rules/PF435.md"),
);

pub struct BanDropPolicy;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropPolicy;

impl Rule for BanDropPolicy {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        out.extend(drop_in_use(
            cx,
            &[ObjectKind::Policy],
            "changes which rows every role of the running version can read or write (with row level security on, access can vanish)",
            "create the replacement policy first, then drop the old one",
        ));
    }
}
