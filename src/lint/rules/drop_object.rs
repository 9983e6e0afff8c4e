//! PF109: `DROP TABLE/INDEX/VIEW/…` without `IF EXISTS`.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF109",
    name: "drop-without-if-exists",
    default_severity: Severity::Error,
    summary: "DROP without IF EXISTS fails when a retry finds the object already gone",
    doc: include_str!("../../../rules/PF109.md"),
    fix: Some(Applicability::Safe),
};

pub struct DropObject;

impl Rule for DropObject {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let ShapeKind::Drop(kind) = shape.kind else {
            return;
        };
        let Some(guard) = shape.guard else { return };
        if guard.present || kind == ObjectKind::Other || cx.do_guarded() {
            return;
        }
        let what = format!("DROP {kind} {}", cx.object_text());
        let supported = match cx.dialect {
            Dialect::Postgres | Dialect::Mariadb => true,
            Dialect::Mysql => kind != ObjectKind::Index,
            Dialect::Sqlite => matches!(
                kind,
                ObjectKind::Table | ObjectKind::Index | ObjectKind::View | ObjectKind::Trigger
            ),
        };
        let v = if supported {
            Violation::new(
                cx.head_span(),
                format!("`{what}` fails on a retry once it is gone: add IF EXISTS"),
            )
            .fix(Some(cx.insert_fix(
                guard.insert_at,
                "IF EXISTS",
                Applicability::Safe,
            )))
        } else {
            Violation::new(
                cx.head_span(),
                format!(
                    "`{what}` fails on a retry once it is gone, and {} has no IF EXISTS for it: check the catalog first",
                    product(cx.dialect)
                ),
            )
        };
        out.push(v);
    }
}
