//! PF108: `ALTER TABLE … ADD COLUMN` without `IF NOT EXISTS`.

use super::prelude::*;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF108",
    name: "add-column-without-if-not-exists",
    default_severity: Severity::Error,
    summary: "ADD COLUMN without IF NOT EXISTS fails when a retry finds the column",
    doc: include_str!("../../../rules/PF108.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Safe,
        "not on MySQL or SQLite, which have no ADD COLUMN IF NOT EXISTS",
    ),
};

pub struct AddColumn;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &AddColumn;

impl Rule for AddColumn {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
            return;
        };
        if cx.do_guarded() {
            return;
        }
        for action in &shape.actions {
            let (AlterActionKind::AddColumn, Some(guard), Some(column)) =
                (action.kind, action.guard, &action.name)
            else {
                continue;
            };
            if guard.present || cx.guards.column_dropped(table, column) {
                continue;
            }
            let span = action.head.start..column.range.end;
            let col = &column.text;
            let v = match cx.dialect {
                Dialect::Postgres | Dialect::Mariadb => Violation::new(
                    span,
                    format!("adding column `{col}` fails on a retry once it exists: add IF NOT EXISTS"),
                )
                .fix(Some(cx.insert_fix(guard.insert_at, "IF NOT EXISTS", Applicability::Safe))),
                Dialect::Mysql => Violation::new(
                    span,
                    format!(
                        "adding column `{col}` fails on a retry once it exists (\"Duplicate column name\"), and MySQL has no ADD COLUMN IF NOT EXISTS: check information_schema.columns first"
                    ),
                ),
                Dialect::Sqlite => Violation::new(
                    span,
                    format!(
                        "adding column `{col}` fails on a retry once it exists (\"duplicate column name\"), and SQLite has no ADD COLUMN IF NOT EXISTS: check pragma_table_info first"
                    ),
                ),
            };
            out.push(v);
        }
    }
}
