//! PF107: `CREATE MATERIALIZED VIEW` without `IF NOT EXISTS`.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF107",
    name: "create-materialized-view-without-if-not-exists",
    default_severity: Severity::Error,
    summary: "CREATE MATERIALIZED VIEW without IF NOT EXISTS fails when a retry finds the view",
    doc: include_str!("../../../rules/PF107.md"),
    fix: FixAvailability::Always(Applicability::Safe),
};

pub struct CreateMaterializedView;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateMaterializedView;

impl Rule for CreateMaterializedView {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        create_without_if_not_exists(cx, &[ObjectKind::MaterializedView], out);
    }
}
