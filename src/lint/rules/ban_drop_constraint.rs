//! PF423: `ALTER TABLE … DROP CONSTRAINT` removes a guarantee the running application relies on
//! (squawk: ban-drop-constraint).

use super::prelude::*;
use crate::lint::columns::created_earlier;
use crate::lint::sequence::Key;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF423",
    "ban-drop-constraint",
    Severity::Warning,
    "DROP CONSTRAINT removes a guarantee (uniqueness, a foreign key, a check) running code relies on",
    include_str!("../../../rules/PF423.md"),
);

pub struct BanDropConstraint;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropConstraint;

impl Rule for BanDropConstraint {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let (ShapeKind::AlterTable, Some(table)) = (&shape.kind, shape.object()) else {
            return;
        };
        if created_earlier(cx, table, None) {
            return;
        }
        for action in &shape.actions {
            if action.kind != AlterActionKind::DropConstraint {
                continue;
            }
            let Some(name) = &action.name else { continue };
            let key = Key::Constraint(table.base().to_string(), name.base().to_string());
            if cx.file.is_new(&key, table.schema()) {
                continue;
            }
            out.push(
                Violation::new(
                    action.range.clone(),
                    format!(
                        "dropping constraint `{}` on `{}` removes a guarantee running code may rely on (a unique key behind an upsert, a foreign key behind a join)",
                        name.text, table.text
                    ),
                )
                .note("if the constraint is being replaced, add the new one (NOT VALID, then VALIDATE) before dropping the old"),
            );
        }
    }
}
