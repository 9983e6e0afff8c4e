//! PF117: `ALTER TYPE … ADD VALUE` without `IF NOT EXISTS`.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF117",
    name: "add-enum-value-without-if-not-exists",
    default_severity: Severity::Error,
    summary: "ALTER TYPE … ADD VALUE without IF NOT EXISTS fails when a retry finds the value",
    doc: include_str!("../../../rules/PF117.md"),
    fix: FixAvailability::Always(Applicability::Safe),
};

pub struct AlterTypeAddValue;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &AlterTypeAddValue;

impl Rule for AlterTypeAddValue {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let (ShapeKind::AlterTypeAddValue, Some(guard)) = (&shape.kind, shape.guard) else {
            return;
        };
        if guard.present || cx.do_guarded() {
            return;
        }
        out.push(
            Violation::new(
                shape.head.clone(),
                format!(
                    "adding a value to enum `{}` fails on a retry once the value exists: add IF NOT EXISTS",
                    cx.object_text()
                ),
            )
            .fix(Some(cx.insert_fix(guard.insert_at, "IF NOT EXISTS", Applicability::Safe))),
        );
    }
}
