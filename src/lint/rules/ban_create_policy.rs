//! PF440: CREATE POLICY on a table in use changes which rows the running application can see or write (squawk: ban-create-policy).

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF440",
    "ban-create-policy",
    Severity::Warning,
    "CREATE POLICY on a table in use changes which rows the running application can see or write",
    include_str!("../../../rules/PF440.md"),
);

pub struct BanCreatePolicy;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanCreatePolicy;

impl Rule for BanCreatePolicy {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        if shape.kind != ShapeKind::Create(ObjectKind::Policy) {
            return;
        }
        let Some(table) = shape.table.as_ref() else { return };
        if cx.table_is_new(table) {
            return;
        }
        out.push(Violation::new(
            cx.head_span(),
            format!(
                "a new policy on `{}` changes which rows the running version can read or write once row level security is on",
                table.text
            ),
        ));
    }
}
