//! PF106: `CREATE EXTENSION` without `IF NOT EXISTS`.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF106",
    name: "create-extension-without-if-not-exists",
    default_severity: Severity::Error,
    summary: "CREATE EXTENSION without IF NOT EXISTS fails when a retry finds the extension",
    doc: include_str!("../../../rules/PF106.md"),
    fix: FixAvailability::Always(Applicability::Safe),
};

pub struct CreateExtension;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateExtension;

impl Rule for CreateExtension {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        create_without_if_not_exists(cx, &[ObjectKind::Extension], out);
    }
}
