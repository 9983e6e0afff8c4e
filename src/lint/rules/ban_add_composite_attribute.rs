//! PF447: a new composite-type attribute changes the shape of values running code receives (squawk: ban-add-composite-attribute).

use super::prelude::*;
use crate::lint::compat::{keywords_span, altered_in_use};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF447",
    "ban-add-composite-attribute",
    Severity::Warning,
    "a new composite-type attribute changes the shape of values running code receives",
    include_str!("../../../rules/PF447.md"),
);

pub struct BanAddCompositeAttribute;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAddCompositeAttribute;

impl Rule for BanAddCompositeAttribute {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let Some((_, name)) = altered_in_use(cx, &[ObjectKind::Type]) else { return };
        if let Some(range) = keywords_span(&cx.statement.tokens, &["ADD", "ATTRIBUTE"]) {
            out.push(Violation::new(
                range,
                format!(
                    "a new attribute of `{}` changes the shape of the values the running version receives and sends",
                    name.text
                ),
            ));
        }
    }
}
