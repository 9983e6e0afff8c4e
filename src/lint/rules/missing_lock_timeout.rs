//! PF314: the first lock-taking statement of a file runs without `lock_timeout` (squawk:
//! require-lock-timeout). Opt-in: select it by code or name.

use super::super::safety::{first_lock_without, lock_note, set_timeout_fix};
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF314",
    name: "missing-lock-timeout",
    default_severity: Severity::Warning,
    summary: "A lock without lock_timeout queues behind long queries and blocks all traffic behind it",
    doc: include_str!("../../../rules/PF314.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Unsafe,
        "not for a statement of another file's routine",
    ),
};

pub struct MissingLockTimeout;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &MissingLockTimeout;

impl Rule for MissingLockTimeout {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        if !first_lock_without(cx, "lock_timeout") {
            return;
        }
        let mut v = Violation::new(cx.head_span(), "no `SET lock_timeout` before the file's first lock: if a long query holds the table, this statement queues for the lock and every query on the table queues behind it")
            .fix(set_timeout_fix(cx, "lock_timeout", "5s"));
        if let Some(note) = lock_note(cx) {
            v = v.note(note);
        }
        out.push(v);
    }
}
