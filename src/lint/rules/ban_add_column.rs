//! PF448: ADD COLUMN changes the shape of rows running code reads with SELECT * or writes positionally (squawk: ban-add-column).

use super::prelude::*;
use crate::lint::compat::{table_actions};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF448",
    "ban-add-column",
    Severity::Warning,
    "ADD COLUMN changes the shape of rows running code reads with SELECT * or writes positionally",
    include_str!("../../../rules/PF448.md"),
);

pub struct BanAddColumn;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAddColumn;

impl Rule for BanAddColumn {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for range in table_actions(cx, &[&["ADD", "COLUMN"]]) {
            out.push(Violation::new(
                range,
                format!(
                    "a new column on `{}` changes the rows the running version reads with `SELECT *` and breaks its inserts without a column list",
                    cx.object_text()
                ),
            ));
        }
        let shape = cx.shape();
        if shape.kind == ShapeKind::AlterTable && !shape.object().is_some_and(|t| cx.table_is_new(t)) {
            let tokens = &cx.statement.tokens;
            for action in &shape.actions {
                let t = crate::sql::tokens_in(tokens, &action.range);
                // `ADD name type` without COLUMN (not ADD CONSTRAINT / PRIMARY / UNIQUE / …).
                if action.kind == crate::sql::AlterActionKind::AddColumn && !t.get(1).is_some_and(|k| k.is_kw("COLUMN")) {
                    out.push(Violation::new(
                        action.range.clone(),
                        format!(
                            "a new column on `{}` changes the rows the running version reads with `SELECT *` and breaks its inserts without a column list",
                            cx.object_text()
                        ),
                    ));
                }
            }
        }
    }
}
