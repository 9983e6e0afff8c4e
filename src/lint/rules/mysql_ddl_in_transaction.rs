//! PF121: MySQL and MariaDB commit DDL implicitly, so BEGIN … COMMIT around it protects nothing.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF121",
    name: "ddl-in-transaction-autocommits",
    default_severity: Severity::Warning,
    summary: "MySQL/MariaDB DDL inside BEGIN … COMMIT commits immediately; a failure leaves a half-applied migration",
    doc: include_str!("../../../rules/PF121.md"),
    fix: FixAvailability::Never,
};

pub struct MysqlDdlInTransaction;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &MysqlDdlInTransaction;

impl Rule for MysqlDdlInTransaction {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        MYSQL_FAMILY
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let is_ddl = matches!(
            shape.kind,
            ShapeKind::Create(_)
                | ShapeKind::Drop(_)
                | ShapeKind::AlterTable
                | ShapeKind::Alter(_)
                | ShapeKind::Rename(_)
        ) || matches!(&shape.kind, ShapeKind::Other(k) if k == "TRUNCATE");
        if !is_ddl || !cx.statement.context.in_transaction || shape.temporary {
            return;
        }
        out.push(Violation::new(
            cx.head_span(),
            format!(
                "{} commits this DDL implicitly, ending the transaction: if a later statement fails, this one stays applied, so every statement must be retry-safe on its own",
                product(cx.dialect)
            ),
        ));
    }
}
