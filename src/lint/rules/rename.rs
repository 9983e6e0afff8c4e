//! PF118: `RENAME` (table, column, constraint, index, type value…) fails on a retry because the
//! old name is gone.

use super::prelude::*;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF118",
    name: "rename-without-guard",
    default_severity: Severity::Error,
    summary: "RENAME fails on a retry because the old name no longer exists",
    doc: include_str!("../../../rules/PF118.md"),
    fix: FixAvailability::Never,
};

pub struct Rename;

impl Rule for Rename {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        if cx.do_guarded() {
            return;
        }
        let shape = cx.shape();
        let message = |what: &str| {
            format!(
                "renaming {what} fails on a retry because the old name no longer exists: guard it (a DO block that checks the catalog, or a check in your migration tool)"
            )
        };
        match &shape.kind {
            ShapeKind::Rename(kind) => out.push(Violation::new(
                cx.head_span(),
                message(&format!(
                    "{} `{}`",
                    kind.keyword().to_lowercase(),
                    cx.object_text()
                )),
            )),
            ShapeKind::AlterTable => {
                for action in &shape.actions {
                    if action.kind == AlterActionKind::Rename {
                        let what = match &action.name {
                            Some(n) => format!("`{}`", n.text),
                            None => format!("table `{}`", cx.object_text()),
                        };
                        out.push(Violation::new(action.range.clone(), message(&what)));
                    }
                }
            }
            _ => {}
        }
    }
}
