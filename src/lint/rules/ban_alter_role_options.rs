//! PF443: ALTER ROLE changes login, privileges or settings of roles the running application connects as (squawk: ban-alter-role-options).

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF443",
    "ban-alter-role-options",
    Severity::Warning,
    "ALTER ROLE changes login, privileges or settings of roles the running application connects as",
    include_str!("../../../rules/PF443.md"),
);

pub struct BanAlterRoleOptions;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAlterRoleOptions;

impl Rule for BanAlterRoleOptions {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        if cx.shape().kind != ShapeKind::Alter(ObjectKind::Role) {
            return;
        }
        out.push(Violation::new(
            cx.head_span(),
            format!(
                "changing role `{}` changes what sessions of the running version that use it can do (login, privileges, settings)",
                cx.object_text()
            ),
        ));
    }
}
