//! PF352: an explicit `ALGORITHM=COPY` or `LOCK=SHARED|EXCLUSIVE` on MySQL/MariaDB.

use super::prelude::*;
use crate::lint::online_ddl::{on_new_table, Clauses};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF352",
    "mysql-explicit-copy-or-lock",
    Severity::Warning,
    "ALGORITHM=COPY or LOCK=SHARED/EXCLUSIVE asks MySQL/MariaDB to block writes during the ALTER",
    include_str!("../../../rules/PF352.md"),
);

pub struct MysqlExplicitCopyOrLock;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &MysqlExplicitCopyOrLock;

impl Rule for MysqlExplicitCopyOrLock {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        MYSQL_FAMILY
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let kind = &cx.shape().kind;
        if *kind != ShapeKind::AlterTable && *kind != ShapeKind::Create(ObjectKind::Index) {
            return;
        }
        if on_new_table(cx) {
            return;
        }
        let clauses = Clauses::of(&cx.statement.tokens);
        if let Some((value, range)) = &clauses.algorithm {
            if value == "COPY" {
                out.push(Violation::new(
                    range.clone(),
                    "ALGORITHM=COPY copies the table row by row and blocks writes until it is done: use INPLACE or INSTANT, or an online schema-change tool",
                ));
            }
        }
        if let Some((value, range)) = &clauses.lock {
            if value == "SHARED" || value == "EXCLUSIVE" {
                let blocks = if value == "SHARED" { "writes" } else { "reads and writes" };
                out.push(Violation::new(
                    range.clone(),
                    format!("LOCK={value} blocks {blocks} to the table until the ALTER is done: use LOCK=NONE"),
                ));
            }
        }
    }
}
