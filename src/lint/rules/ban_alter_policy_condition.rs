//! PF438: ALTER POLICY … USING / WITH CHECK changes which rows the running application can see or write (squawk: ban-alter-policy-condition).

use super::prelude::*;
use crate::lint::compat::{keywords_span, altered_in_use};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF438",
    "ban-alter-policy-condition",
    Severity::Warning,
    "ALTER POLICY … USING / WITH CHECK changes which rows the running application can see or write",
    include_str!("../../../rules/PF438.md"),
);

pub struct BanAlterPolicyCondition;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAlterPolicyCondition;

impl Rule for BanAlterPolicyCondition {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        if altered_in_use(cx, &[ObjectKind::Policy]).is_none() {
            return;
        }
        let tokens = &cx.statement.tokens;
        let span = keywords_span(tokens, &["USING"]).or_else(|| keywords_span(tokens, &["WITH", "CHECK"]));
        if let Some(range) = span {
            out.push(Violation::new(
                range,
                format!("changing the condition of policy `{}` changes which rows the running version can read or write", cx.object_text()),
            ));
        }
    }
}
