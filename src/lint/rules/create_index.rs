//! PF102: `CREATE INDEX name` (or MySQL `ALTER TABLE … ADD INDEX name`) without `IF NOT EXISTS`.

use super::prelude::*;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF102",
    name: "create-index-without-if-not-exists",
    default_severity: Severity::Error,
    summary: "CREATE INDEX without IF NOT EXISTS fails when a retry finds the index",
    doc: include_str!("../../../rules/PF102.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Safe,
        "not on MySQL, which has no IF NOT EXISTS for indexes",
    ),
};

pub struct CreateIndex;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &CreateIndex;

impl Rule for CreateIndex {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        match shape.kind {
            ShapeKind::Create(ObjectKind::Index) => {
                let Some(guard) = shape.guard else { return };
                if guard.present
                    || shape.object().is_none()
                    || cx.do_guarded()
                    || cx.dropped_before(ObjectKind::Index)
                    || dropped_from_table(cx)
                {
                    return;
                }
                out.push(violation(
                    cx,
                    cx.head_span(),
                    &cx.object_text(),
                    guard.insert_at,
                ));
            }
            ShapeKind::AlterTable if cx.dialect.is_mysql_family() && !cx.do_guarded() => {
                let Some(table) = shape.object() else { return };
                for action in &shape.actions {
                    let (AlterActionKind::AddIndex, Some(guard), Some(name)) =
                        (action.kind, action.guard, &action.name)
                    else {
                        continue;
                    };
                    if guard.present || cx.guards.constraint_dropped(table, name) {
                        continue;
                    }
                    let span = action.head.start..name.range.end;
                    out.push(violation(cx, span, &name.text, guard.insert_at));
                }
            }
            _ => {}
        }
    }
}

/// MySQL/MariaDB: an earlier `ALTER TABLE t DROP INDEX IF EXISTS name` (index names are per
/// table there) dropped the index `CREATE INDEX name ON t` creates.
fn dropped_from_table(cx: &StatementCx) -> bool {
    let shape = cx.shape();
    match (shape.table.as_ref(), shape.object()) {
        (Some(table), Some(name)) if cx.dialect.is_mysql_family() => {
            cx.guards.constraint_dropped(table, name)
        }
        _ => false,
    }
}

fn violation(
    cx: &StatementCx,
    span: std::ops::Range<usize>,
    index: &str,
    insert_at: usize,
) -> Violation {
    if cx.dialect == Dialect::Mysql {
        return Violation::new(
            span,
            format!(
                "index {} fails on a retry once it exists (\"Duplicate key name\"), and MySQL has no IF NOT EXISTS for indexes: check information_schema.statistics first, or drop it before creating it",
                code_span(index)
            ),
        );
    }
    Violation::new(
        span,
        format!(
            "index {} fails on a retry once it exists: add IF NOT EXISTS",
            code_span(index)
        ),
    )
    .fix(Some(cx.insert_fix(
        insert_at,
        "IF NOT EXISTS",
        Applicability::Safe,
    )))
}
