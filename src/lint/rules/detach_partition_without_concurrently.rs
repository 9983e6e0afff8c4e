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

/// What to do before PostgreSQL 14, where the lock cannot be avoided, only kept short.
const SHORT_LOCK: &str = "run the plain detach in its own migration after `SET lock_timeout = '2s'` and retry on timeout, so the lock never queues behind a long query";

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
            let concurrently = tokens
                .iter()
                .any(|t| t.is_kw("CONCURRENTLY") || t.is_kw("FINALIZE"));
            let message = match (concurrently, cx.file.postgres_version.filter(|&v| v < 14)) {
                (true, None) => continue,
                // The suggested form is a syntax error before 14: the deploy fails.
                (true, Some(v)) => format!(
                    "`DETACH PARTITION … CONCURRENTLY` needs PostgreSQL 14; `postgres_version = {v}` rejects it and the migration fails: {SHORT_LOCK}"
                ),
                (false, Some(v)) => format!(
                    "`DETACH PARTITION` takes an ACCESS EXCLUSIVE lock on the partitioned table: every query on it waits, and PostgreSQL {v} has no concurrent detach: {SHORT_LOCK}"
                ),
                (false, None) => "`DETACH PARTITION` takes an ACCESS EXCLUSIVE lock on the partitioned table: every query on it waits; use DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+)".to_string(),
            };
            out.push(Violation::new(action.range.clone(), message));
        }
    }
}
