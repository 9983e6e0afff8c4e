//! PF114: `CREATE TRIGGER` without `OR REPLACE` (SQLite: without `IF NOT EXISTS`).

use super::create_view::or_replace;
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF114",
    name: "create-trigger-without-or-replace",
    default_severity: Severity::Error,
    summary: "CREATE TRIGGER without OR REPLACE fails when a retry finds the trigger",
    doc: include_str!("../../../rules/PF114.md"),
    fix: FixAvailability::Sometimes(Applicability::Safe, "not on MySQL, which has no CREATE OR REPLACE TRIGGER, nor for PostgreSQL constraint triggers"),
};

pub struct CreateTrigger;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateTrigger;

impl Rule for CreateTrigger {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        or_replace(cx, ObjectKind::Trigger, out);
    }
}
