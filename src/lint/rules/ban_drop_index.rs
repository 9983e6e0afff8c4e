//! PF431: DROP INDEX can remove a uniqueness guarantee or the plan running queries depend on (squawk: ban-drop-index).

use super::prelude::*;
use crate::lint::compat::{drop_in_use};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF431",
    "ban-drop-index",
    Severity::Warning,
    "DROP INDEX can remove a uniqueness guarantee or the plan running queries depend on",
    include_str!("../../../rules/PF431.md"),
);

pub struct BanDropIndex;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropIndex;

impl Rule for BanDropIndex {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        out.extend(drop_in_use(
            cx,
            &[ObjectKind::Index],
            "can remove a uniqueness guarantee running code relies on, or turn its queries into sequential scans",
            "check the index is unused (pg_stat_user_indexes.idx_scan) and not behind an ON CONFLICT first",
        ));
    }
}
