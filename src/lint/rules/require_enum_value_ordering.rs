//! PF428: `ALTER TYPE … ADD VALUE` without `BEFORE` or `AFTER` appends the value, which decides
//! how it sorts and compares (squawk: require-enum-value-ordering).

use super::prelude::*;
use crate::lint::safety::top_level_kw;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF428",
    "require-enum-value-ordering",
    Severity::Warning,
    "ADD VALUE without BEFORE or AFTER puts the value last, which decides ORDER BY and < on the enum",
    include_str!("../../../rules/PF428.md"),
);

pub struct RequireEnumValueOrdering;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &RequireEnumValueOrdering;

impl Rule for RequireEnumValueOrdering {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        if shape.kind != ShapeKind::AlterTypeAddValue {
            return;
        }
        let tokens = &cx.statement.tokens;
        if top_level_kw(tokens, "BEFORE").is_some() || top_level_kw(tokens, "AFTER").is_some() {
            return;
        }
        out.push(
            Violation::new(
                cx.head_span(),
                format!(
                    "`ADD VALUE` without BEFORE or AFTER appends the value to `{}`: it sorts after every existing value in ORDER BY, min/max and comparisons",
                    cx.object_text()
                ),
            )
            .note("say where it belongs (`ADD VALUE 'x' BEFORE 'y'` or `AFTER 'y'`); last is fine when that is the order you mean"),
        );
    }
}
