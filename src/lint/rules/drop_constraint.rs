//! PF111: `ALTER TABLE … DROP CONSTRAINT` (MySQL: `DROP FOREIGN KEY`, `DROP INDEX`) without `IF EXISTS`.

use super::drop_column::alter_drop;
use super::prelude::*;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF111",
    name: "drop-constraint-without-if-exists",
    default_severity: Severity::Error,
    summary:
        "DROP CONSTRAINT without IF EXISTS fails when a retry finds the constraint already gone",
    doc: include_str!("../../../rules/PF111.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Safe,
        "not on MySQL, which has no DROP CONSTRAINT IF EXISTS",
    ),
};

pub struct DropConstraint;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &DropConstraint;

impl Rule for DropConstraint {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb]
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        alter_drop(cx, AlterActionKind::DropConstraint, "constraint", out);
    }
}
