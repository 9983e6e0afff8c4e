//! PF113: `CREATE FUNCTION` / `CREATE PROCEDURE` (and PostgreSQL `CREATE AGGREGATE`) without
//! `OR REPLACE`.

use super::create_view::or_replace;
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF113",
    name: "create-routine-without-or-replace",
    default_severity: Severity::Error,
    summary: "CREATE FUNCTION/PROCEDURE/AGGREGATE without OR REPLACE fails when a retry finds the routine",
    doc: include_str!("../../../rules/PF113.md"),
    fix: FixAvailability::Sometimes(Applicability::Safe, "not on MySQL, which has no CREATE OR REPLACE for routines"),
};

pub struct CreateRoutine;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateRoutine;

impl Rule for CreateRoutine {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb]
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        or_replace(cx, ObjectKind::Function, out);
        or_replace(cx, ObjectKind::Procedure, out);
        // PostgreSQL 12+: CREATE OR REPLACE AGGREGATE.
        if cx.dialect == Dialect::Postgres {
            or_replace(cx, ObjectKind::Aggregate, out);
        }
    }
}
