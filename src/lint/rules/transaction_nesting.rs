//! PF316: `BEGIN` inside a transaction that is already open: the file's own earlier BEGIN, or
//! the transaction the migration tool wraps the file in (squawk: transaction-nesting).

use super::prelude::*;
use crate::runner::ApplyModel;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF316",
    name: "transaction-nesting",
    default_severity: Severity::Warning,
    summary: "BEGIN inside an open transaction is ignored, and its COMMIT ends the outer transaction early",
    doc: include_str!("../../../rules/PF316.md"),
    fix: FixAvailability::Never,
};

pub struct TransactionNesting;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &TransactionNesting;

impl Rule for TransactionNesting {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let stmt = cx.statement;
        if stmt.shape.kind != ShapeKind::Begin || stmt.context.do_block.is_some() {
            return;
        }
        let outer = if stmt.context.in_transaction {
            "the file's earlier BEGIN"
        } else if cx.file.known_model == Some(ApplyModel::FileTransaction) {
            "the transaction the migration tool runs this file in"
        } else {
            return;
        };
        out.push(Violation::new(
            stmt.shape.head.clone(),
            format!(
                "a transaction is already open ({outer}): PostgreSQL ignores this BEGIN with a warning, and the next COMMIT ends the outer transaction, so what follows is no longer atomic"
            ),
        ));
    }
}
