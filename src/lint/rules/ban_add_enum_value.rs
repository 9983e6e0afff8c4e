//! PF446: a new enum value reaches running code that does not know it (squawk: ban-add-enum-value).

use super::prelude::*;
use crate::lint::compat::{object_is_new};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF446",
    "ban-add-enum-value",
    Severity::Warning,
    "a new enum value reaches running code that does not know it",
    include_str!("../../../rules/PF446.md"),
);

pub struct BanAddEnumValue;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAddEnumValue;

impl Rule for BanAddEnumValue {
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
        let Some(name) = shape.object() else { return };
        if object_is_new(cx, ObjectKind::Type, name) {
            return;
        }
        out.push(Violation::new(
            cx.head_span(),
            format!(
                "a new value of `{}` reaches running code that does not know it: exhaustive matches and enum parsers of the running version fail on rows that use it",
                name.text
            ),
        ));
    }
}
