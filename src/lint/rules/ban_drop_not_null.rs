//! PF410: `ALTER COLUMN … DROP NOT NULL` while the running application assumes values.

use super::prelude::*;
use crate::lint::columns::{created_earlier, token_name};
use crate::sql::tokens_in;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF410",
    "ban-drop-not-null",
    Severity::Warning,
    "DROP NOT NULL lets NULLs reach running code that assumes the column always has a value",
    include_str!("../../../rules/PF410.md"),
);

pub struct BanDropNotNull;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropNotNull;

impl Rule for BanDropNotNull {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
            return;
        };
        for action in &shape.actions {
            // `ALTER [COLUMN] name DROP NOT NULL`
            let t = tokens_in(&cx.statement.tokens, &action.range);
            let n = t.len();
            let drops = n >= 5
                && t[0].is_kw("ALTER")
                && t[n - 3].is_kw("DROP")
                && t[n - 2].is_kw("NOT")
                && t[n - 1].is_kw("NULL");
            if !drops {
                continue;
            }
            let column = &t[n - 4];
            let name = token_name(&cx.source.text, column);
            if created_earlier(cx, table, Some(&name)) {
                continue;
            }
            out.push(Violation::new(
                t[n - 3].range.start..t[n - 1].range.end,
                format!(
                    "dropping NOT NULL on `{}`.`{}` lets NULLs reach running code that assumes a value",
                    table.text, name.text
                ),
            ));
        }
    }
}
