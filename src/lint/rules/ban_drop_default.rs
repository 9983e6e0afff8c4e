//! PF429: `ALTER COLUMN … DROP DEFAULT` (or `ALTER DOMAIN … DROP DEFAULT`) while the running
//! application inserts rows that leave the column out (squawk: ban-drop-default).

use super::prelude::*;
use crate::lint::columns::existing_column_changes;
use crate::lint::compat::object_is_new;
use crate::lint::safety::starts_with_kws;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF429",
    "ban-drop-default",
    Severity::Warning,
    "DROP DEFAULT breaks inserts of the running application that leave the column out",
    include_str!("../../../rules/PF429.md"),
);

pub struct BanDropDefault;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropDefault;

impl Rule for BanDropDefault {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let Some(object) = shape.object() else { return };
        let tokens = &cx.statement.tokens;
        match shape.kind {
            ShapeKind::AlterTable => {
                for (table, name, rest) in existing_column_changes(cx) {
                    if !starts_with_kws(rest, &["DROP", "DEFAULT"]) {
                        continue;
                    }
                    out.push(Violation::new(
                        rest[0].range.start..rest[1].range.end,
                        format!(
                            "dropping the default of `{}`.`{}`: inserts of the running version that leave the column out now store NULL, or fail if it is NOT NULL",
                            table.text, name.text
                        ),
                    ));
                }
            }
            ShapeKind::Alter(ObjectKind::Domain) => {
                let Some(at) = tokens
                    .windows(2)
                    .position(|w| w[0].is_kw("DROP") && w[1].is_kw("DEFAULT"))
                else {
                    return;
                };
                if object_is_new(cx, ObjectKind::Domain, object) {
                    return;
                }
                out.push(Violation::new(
                    tokens[at].range.start..tokens[at + 1].range.end,
                    format!(
                        "dropping the default of domain `{}`: inserts of the running version that leave its columns out now store NULL, or fail on a NOT NULL domain",
                        object.text
                    ),
                ));
            }
            _ => {}
        }
    }
}
