//! PF302: `DROP INDEX` without `CONCURRENTLY` takes an ACCESS EXCLUSIVE lock on the index's
//! table (squawk: require-concurrent-index-deletion).

use super::super::safety::concurrently_fix;
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF302",
    name: "drop-index-without-concurrently",
    default_severity: Severity::Warning,
    summary: "DROP INDEX without CONCURRENTLY blocks reads and writes of the table while it waits and runs",
    doc: include_str!("../../../rules/PF302.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Safe,
        "only when --tracker names a tool that runs the file outside a transaction",
    ),
};

pub struct DropIndexWithoutConcurrently;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &DropIndexWithoutConcurrently;

impl Rule for DropIndexWithoutConcurrently {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        if shape.kind != ShapeKind::Drop(ObjectKind::Index) || shape.concurrently {
            return;
        }
        // An index this file created sits on a table the file may have created too; an index
        // on a new table is not worth a lock finding, but only its CREATE knows the table.
        if created_on_new_table(cx) {
            return;
        }
        // CONCURRENTLY drops one index at a time.
        let (fix, note) = if shape.names.len() == 1 {
            concurrently_fix(cx, shape.head.end)
        } else {
            (None, Some("no fix: DROP INDEX CONCURRENTLY drops one index per statement".into()))
        };
        let mut v = Violation::new(
            cx.head_span(),
            format!(
                "`DROP INDEX {}` takes an ACCESS EXCLUSIVE lock on its table: it waits behind running queries and blocks every query behind it; use DROP INDEX CONCURRENTLY",
                cx.object_text()
            ),
        )
        .fix(fix);
        v.notes.extend(note);
        out.push(v);
    }
}

/// Every dropped index was created earlier in the file on a table the file created.
fn created_on_new_table(cx: &StatementCx) -> bool {
    let names = &cx.shape().names;
    !names.is_empty()
        && names
            .iter()
            .all(|name| cx.file.sequence.index_created_on_new_table(name))
}
