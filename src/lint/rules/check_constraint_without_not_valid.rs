//! PF308: `ADD CONSTRAINT … CHECK` (or PostgreSQL 18's `… NOT NULL col`) without `NOT VALID` scans the table under an ACCESS
//! EXCLUSIVE lock (squawk: constraint-missing-not-valid).

use super::super::safety::{live_table_actions, not_valid, not_valid_fix, table_constraint};
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF308",
    name: "check-constraint-without-not-valid",
    default_severity: Severity::Error,
    summary: "ADD CHECK without NOT VALID blocks reads and writes while every row is checked",
    doc: include_str!("../../../rules/PF308.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Unsafe,
        "only for a named constraint alone in its statement, outside a transaction, on columns the file does not drop later",
    ),
};

pub struct CheckConstraintWithoutNotValid;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CheckConstraintWithoutNotValid;

impl Rule for CheckConstraintWithoutNotValid {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for (action, tokens) in live_table_actions(cx) {
            match table_constraint(action, tokens) {
                // `NOT NULL col` is PostgreSQL 18's named not-null constraint: the same scan.
                Some((kind, _)) if (kind == "CHECK" || kind == "NOT") && !not_valid(tokens) => {}
                _ => continue,
            }
            let (fix, note) = not_valid_fix(cx, action);
            let mut v = Violation::new(
                action.range.clone(),
                format!(
                    "`ADD CHECK` on `{}` holds an ACCESS EXCLUSIVE lock while it checks every row: add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction",
                    cx.object_text()
                ),
            )
            .fix(fix);
            v.notes.extend(note);
            out.push(v);
        }
    }
}
