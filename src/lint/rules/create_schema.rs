//! PF105: `CREATE SCHEMA` without `IF NOT EXISTS`.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF105",
    name: "create-schema-without-if-not-exists",
    default_severity: Severity::Error,
    summary: "CREATE SCHEMA (or DATABASE) without IF NOT EXISTS fails when a retry finds it",
    doc: include_str!("../../../rules/PF105.md"),
    fix: FixAvailability::Always(Applicability::Safe),
};

pub struct CreateSchema;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateSchema;

impl Rule for CreateSchema {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb]
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        create_without_if_not_exists(cx, &[ObjectKind::Schema, ObjectKind::Database], out);
    }
}
