//! PF304: `ALTER TABLE … DETACH PARTITION` without `CONCURRENTLY` takes an ACCESS EXCLUSIVE
//! lock on the partitioned table (squawk: require-concurrent-partition-detach).

use super::super::safety::{live_table_actions, starts_with_kws};
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF304",
    name: "detach-partition-without-concurrently",
    default_severity: Severity::Warning,
    summary: "DETACH PARTITION without CONCURRENTLY blocks every query on the partitioned table",
    doc: include_str!("../../../rules/PF304.md"),
    fix: FixAvailability::Never,
};

pub struct DetachPartitionWithoutConcurrently;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &DetachPartitionWithoutConcurrently;

impl Rule for DetachPartitionWithoutConcurrently {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for (action, tokens) in live_table_actions(cx) {
            if !starts_with_kws(tokens, &["DETACH", "PARTITION"]) {
                continue;
            }
            if tokens.iter().any(|t| t.is_kw("CONCURRENTLY") || t.is_kw("FINALIZE")) {
                continue;
            }
            out.push(Violation::new(
                action.range.clone(),
                "`DETACH PARTITION` takes an ACCESS EXCLUSIVE lock on the partitioned table: every query on it waits; use DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+)",
            ));
        }
    }
}
