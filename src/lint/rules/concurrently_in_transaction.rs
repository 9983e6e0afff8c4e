//! PF201: `CREATE/DROP INDEX CONCURRENTLY` and `REINDEX … CONCURRENTLY` cannot run inside a
//! transaction block (or a DO block).

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF201",
    name: "concurrently-in-transaction",
    default_severity: Severity::Error,
    summary:
        "CONCURRENTLY inside a transaction block fails: \"cannot run inside a transaction block\"",
    doc: include_str!("../../../rules/PF201.md"),
    fix: FixAvailability::Never,
};

pub struct ConcurrentlyInTransaction;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &ConcurrentlyInTransaction;

impl Rule for ConcurrentlyInTransaction {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let stmt = cx.statement;
        if !stmt.shape.concurrently {
            return;
        }
        let message = if cx.runs_in.is_routine_body() {
            // A call runs it: PostgreSQL refuses it in any function or procedure body, in a
            // transaction or not.
            "CONCURRENTLY cannot run in a routine's body (`… CONCURRENTLY cannot be executed from a function`), and this statement is in the body of a routine a call runs: move it out of the routine and run it as a statement of its own (and disable your tool's per-migration transaction)".to_string()
        } else {
            let inside = if stmt.context.do_block.is_some() {
                "a DO block"
            } else if stmt.context.in_transaction {
                "the BEGIN … COMMIT block"
            } else {
                return;
            };
            format!(
                "CONCURRENTLY cannot run inside a transaction block, and this statement is inside {inside}: move it out and run it on its own (and disable your tool's per-migration transaction)"
            )
        };
        out.push(Violation::new(cx.head_span(), message));
    }
}
