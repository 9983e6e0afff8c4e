//! PF103: `CREATE INDEX ON t (c)` — PostgreSQL picks a fresh name, so every retry adds an index.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF103",
    name: "unnamed-index",
    default_severity: Severity::Error,
    summary: "An unnamed CREATE INDEX adds another index on every retry",
    doc: include_str!("../../../rules/PF103.md"),
    fix: FixAvailability::Never,
};

pub struct UnnamedIndex;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &UnnamedIndex;

impl Rule for UnnamedIndex {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        if shape.kind != ShapeKind::Create(ObjectKind::Index) || shape.object().is_some() {
            return;
        }
        let table = name_text(shape.table.as_ref());
        out.push(Violation::new(
            cx.head_span(),
            format!(
                "this index on `{table}` has no name, so PostgreSQL generates a new one and every retry adds another copy: name it and add IF NOT EXISTS"
            ),
        ));
    }
}
