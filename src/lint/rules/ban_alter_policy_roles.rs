//! PF439: ALTER POLICY … TO changes which roles of the running application the policy admits (squawk: ban-alter-policy-roles).

use super::prelude::*;
use crate::lint::compat::{keywords_span, altered_in_use};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF439",
    "ban-alter-policy-roles",
    Severity::Warning,
    "ALTER POLICY … TO changes which roles of the running application the policy admits",
    include_str!("../../../rules/PF439.md"),
);

pub struct BanAlterPolicyRoles;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAlterPolicyRoles;

impl Rule for BanAlterPolicyRoles {
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
        if let Some(range) = keywords_span(&cx.statement.tokens, &["TO"]) {
            out.push(Violation::new(
                range,
                format!("changing the roles of policy `{}` changes which roles of the running version it admits", cx.object_text()),
            ));
        }
    }
}
