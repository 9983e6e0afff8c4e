//! PF301: `CREATE INDEX` without `CONCURRENTLY` blocks writes to a live table while the index
//! builds (squawk: require-concurrent-index-creation).

use super::super::safety::concurrently_fix;
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF301",
    name: "create-index-without-concurrently",
    default_severity: Severity::Warning,
    summary: "CREATE INDEX without CONCURRENTLY blocks writes to the table while the index builds",
    doc: include_str!("../../../rules/PF301.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Safe,
        "only when --tracker names a tool that runs the file outside a transaction",
    ),
};

pub struct CreateIndexWithoutConcurrently;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateIndexWithoutConcurrently;

impl Rule for CreateIndexWithoutConcurrently {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        if shape.kind != ShapeKind::Create(ObjectKind::Index) || shape.concurrently {
            return;
        }
        let Some(table) = &shape.table else { return };
        if cx.table_is_new(table) {
            return;
        }
        let (fix, note) = concurrently_fix(cx, shape.head.end);
        let mut v = Violation::new(
            cx.head_span(),
            format!(
                "`CREATE INDEX` on `{}` takes a SHARE lock: writes to the table wait until the whole index is built; use CREATE INDEX CONCURRENTLY",
                table.text
            ),
        )
        .fix(fix);
        v.notes.extend(note);
        out.push(v);
    }
}
