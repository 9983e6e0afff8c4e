//! PF110: `ALTER TABLE … DROP COLUMN` without `IF EXISTS`.

use super::prelude::*;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF110",
    name: "drop-column-without-if-exists",
    default_severity: Severity::Error,
    summary: "DROP COLUMN without IF EXISTS fails when a retry finds the column already gone",
    doc: include_str!("../../../rules/PF110.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Safe,
        "not on MySQL or SQLite, which have no DROP COLUMN IF EXISTS",
    ),
};

pub struct DropColumn;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &DropColumn;

impl Rule for DropColumn {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        alter_drop(cx, AlterActionKind::DropColumn, "column", out);
    }
}

/// Shared by PF110 and PF111: an `ALTER TABLE … DROP <thing>` action without IF EXISTS.
pub(super) fn alter_drop(
    cx: &StatementCx,
    kind: AlterActionKind,
    what: &str,
    out: &mut Vec<Violation>,
) {
    let shape = cx.shape();
    if shape.kind != ShapeKind::AlterTable || cx.do_guarded() {
        return;
    }
    for action in &shape.actions {
        let same_kind = action.kind == kind
            || (kind == AlterActionKind::DropConstraint
                && action.kind == AlterActionKind::DropIndex);
        let (true, Some(guard), Some(name)) = (same_kind, action.guard, &action.name) else {
            continue;
        };
        if guard.present {
            continue;
        }
        let span = action.head.start..name.range.end;
        let n = &name.text;
        let what = if action.kind == AlterActionKind::DropIndex {
            "index"
        } else {
            what
        };
        let v = match cx.dialect {
            Dialect::Postgres | Dialect::Mariadb => Violation::new(
                span,
                format!("dropping {what} `{n}` fails on a retry once it is gone: add IF EXISTS"),
            )
            .fix(Some(cx.insert_fix(guard.insert_at, "IF EXISTS", Applicability::Safe))),
            Dialect::Mysql | Dialect::Sqlite => Violation::new(
                span,
                format!(
                    "dropping {what} `{n}` fails on a retry once it is gone, and {} has no IF EXISTS for it: check the catalog first",
                    product(cx.dialect)
                ),
            ),
        };
        out.push(v);
    }
}
