//! PF424: `ALTER COLUMN … DROP EXPRESSION` turns a generated column into a plain one that
//! nothing fills any more (squawk: ban-drop-generated-expression).

use super::prelude::*;
use crate::lint::columns::existing_column_changes;
use crate::lint::safety::starts_with_kws;

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
        for (table, name, rest) in existing_column_changes(cx) {
            if !starts_with_kws(rest, &["DROP", "EXPRESSION"]) {
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
