//! PF409: `DROP DATABASE` in a migration.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF409",
    "ban-drop-database",
    Severity::Error,
    "DROP DATABASE in a migration destroys every table the application uses",
    include_str!("../../../rules/PF409.md"),
);

pub struct BanDropDatabase;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropDatabase;

impl Rule for BanDropDatabase {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        &[Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb]
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        // MySQL and MariaDB spell it `DROP SCHEMA` too.
        let database = shape.kind == ShapeKind::Drop(ObjectKind::Database)
            || (cx.dialect != Dialect::Postgres && shape.kind == ShapeKind::Drop(ObjectKind::Schema));
        if database {
            out.push(Violation::new(
                cx.head_span(),
                format!(
                    "dropping database {} destroys every table in it; a migration should never do this",
                    code_span(&cx.object_text())
                ),
            ));
        }
    }
}
