//! PF317: a `BEGIN` the file never ends with `COMMIT` or `ROLLBACK` (squawk:
//! ban-uncommitted-transaction).

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF317",
    name: "uncommitted-transaction",
    default_severity: Severity::Error,
    summary: "A BEGIN without COMMIT leaves the transaction, and its locks, to whatever the runner does next",
    doc: include_str!("../../../rules/PF317.md"),
    fix: FixAvailability::Never,
};

pub struct UncommittedTransaction;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &UncommittedTransaction;

impl Rule for UncommittedTransaction {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_file(&self, file: &FileEnd, out: &mut Vec<Violation>) {
        if let Some(range) = file.history.open_transaction() {
            out.push(Violation::new(
                range.clone(),
                "this transaction is never committed or rolled back in the file: its locks stay held until the runner's connection ends it, and the runner may roll back everything after it",
            ));
        }
    }
}
