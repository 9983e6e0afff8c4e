//! PF315: the first lock-taking statement of a file runs without `statement_timeout` (squawk:
//! require-statement-timeout). Opt-in: select it by code or name.

use super::super::safety::{first_lock_without, lock_note, set_timeout_fix};
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF315",
    name: "missing-statement-timeout",
    default_severity: Severity::Warning,
    summary: "A locking migration without statement_timeout can hold its lock indefinitely",
    doc: include_str!("../../../rules/PF315.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Unsafe,
        "not for a statement of another file's routine",
    ),
};

pub struct MissingStatementTimeout;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &MissingStatementTimeout;

impl Rule for MissingStatementTimeout {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        if !first_lock_without(cx, "statement_timeout") {
            return;
        }
        let mut v = Violation::new(cx.head_span(), "no `SET statement_timeout` before the file's first lock: a slow rewrite or scan holds its lock for as long as it runs")
            .fix(set_timeout_fix(cx, "statement_timeout", "5min"));
        if let Some(note) = lock_note(cx) {
            v = v.note(note);
        }
        out.push(v);
    }
}
