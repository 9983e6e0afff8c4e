//! PF424: `ALTER COLUMN … DROP EXPRESSION` turns a generated column into a plain one that
//! nothing fills any more (squawk: ban-drop-generated-expression).

use super::prelude::*;
use crate::lint::columns::{created_earlier, token_name, tokens_in};
use crate::lint::safety::{alter_column, starts_with_kws};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF424",
    "ban-drop-generated-expression",
    Severity::Warning,
    "DROP EXPRESSION stops computing a generated column that running code reads",
    include_str!("../../../rules/PF424.md"),
);

pub struct BanDropGeneratedExpression;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropGeneratedExpression;

impl Rule for BanDropGeneratedExpression {
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
            let tokens = tokens_in(&cx.statement.tokens, &action.range);
            let Some((column, rest)) = alter_column(tokens) else {
                continue;
            };
            if !starts_with_kws(rest, &["DROP", "EXPRESSION"]) {
                continue;
            }
            let name = token_name(&cx.source.text, column);
            if created_earlier(cx, table, Some(&name)) {
                continue;
            }
            out.push(Violation::new(
                rest[0].range.start..rest[1].range.end,
                format!(
                    "`DROP EXPRESSION` makes `{}`.`{}` a plain column: rows written from now on get NULL (or its default) unless running code fills it",
                    table.text, name.text
                ),
            ));
        }
    }
}
