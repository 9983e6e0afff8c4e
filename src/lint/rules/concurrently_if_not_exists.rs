//! PF202: `CREATE INDEX CONCURRENTLY IF NOT EXISTS` keeps an INVALID index left by a failed run.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF202",
    name: "concurrently-if-not-exists-keeps-invalid-index",
    default_severity: Severity::Warning,
    summary:
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS skips an INVALID index a failed run left behind",
    doc: include_str!("../../../rules/PF202.md"),
    fix: FixAvailability::Never,
};

pub struct ConcurrentlyIfNotExists;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &ConcurrentlyIfNotExists;

impl Rule for ConcurrentlyIfNotExists {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        if shape.kind != ShapeKind::Create(ObjectKind::Index)
            || !shape.concurrently
            || !shape.guard.is_some_and(|g| g.present)
            || cx.dropped_before(ObjectKind::Index)
        {
            return;
        }
        let index = cx.object_text();
        out.push(Violation::new(
            cx.head_span(),
            format!(
                "if an earlier run failed while building `{index}`, an INVALID index of that name remains and IF NOT EXISTS silently keeps it: precede this with DROP INDEX CONCURRENTLY IF EXISTS {index};"
            ),
        ));
    }
}
