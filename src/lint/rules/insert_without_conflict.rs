//! PF119: `INSERT` in a migration without conflict handling inserts again (or fails) on a retry.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF119",
    name: "insert-without-conflict-handling",
    default_severity: Severity::Warning,
    summary: "INSERT without ON CONFLICT / WHERE NOT EXISTS duplicates rows or fails on a retry",
    doc: include_str!("../../../rules/PF119.md"),
    fix: FixAvailability::Never,
};

pub struct InsertWithoutConflict;

impl Rule for InsertWithoutConflict {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        if shape.kind != ShapeKind::Insert || shape.conflict_handled || cx.do_guarded() {
            return;
        }
        let how = match cx.dialect {
            Dialect::Postgres => "ON CONFLICT DO NOTHING",
            Dialect::Mysql | Dialect::Mariadb => "INSERT IGNORE or ON DUPLICATE KEY UPDATE",
            Dialect::Sqlite => "INSERT OR IGNORE or ON CONFLICT DO NOTHING",
        };
        let table = cx.object_text();
        let span = shape.head.start..shape.object().map_or(shape.head.end, |n| n.range.end);
        out.push(Violation::new(
            span,
            format!(
                "this INSERT into `{table}` runs again on a retry, adding duplicate rows or failing on a unique key: use {how}, or WHERE NOT EXISTS"
            ),
        ));
    }
}
