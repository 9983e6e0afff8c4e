//! PF104: `CREATE SEQUENCE` without `IF NOT EXISTS`.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF104",
    name: "create-sequence-without-if-not-exists",
    default_severity: Severity::Error,
    summary: "CREATE SEQUENCE without IF NOT EXISTS fails when a retry finds the sequence",
    doc: include_str!("../../../rules/PF104.md"),
    fix: FixAvailability::Always(Applicability::Safe),
};

pub struct CreateSequence;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateSequence;

impl Rule for CreateSequence {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mariadb]
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        create_without_if_not_exists(cx, &[ObjectKind::Sequence], out);
    }
}
