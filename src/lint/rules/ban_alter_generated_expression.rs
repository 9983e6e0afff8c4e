//! PF430: SET EXPRESSION recomputes a generated column running code reads, under an ACCESS EXCLUSIVE rewrite (squawk: ban-alter-generated-expression).

use super::prelude::*;
use crate::lint::compat::{column_actions};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF430",
    "ban-alter-generated-expression",
    Severity::Warning,
    "SET EXPRESSION recomputes a generated column running code reads, under an ACCESS EXCLUSIVE rewrite",
    include_str!("../../../rules/PF430.md"),
);

pub struct BanAlterGeneratedExpression;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAlterGeneratedExpression;

impl Rule for BanAlterGeneratedExpression {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for (range, column) in column_actions(cx, &["SET", "EXPRESSION"]) {
            out.push(Violation::new(
                range,
                format!(
                    "`SET EXPRESSION` changes what `{}`.`{}` holds for every row: running code reads the new values mid-rollout (and the table is rewritten)",
                    cx.object_text(),
                    column.text
                ),
            ));
        }
    }
}
