//! PF309: a foreign key added without `NOT VALID` scans the table while it blocks writes to
//! both tables (squawk: adding-foreign-key-constraint).

use super::super::safety::{
    add_column_definition, live_table_actions, not_valid, not_valid_fix, table_constraint,
    top_level_kw,
};
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF309",
    name: "foreign-key-without-not-valid",
    default_severity: Severity::Warning,
    summary: "A foreign key without NOT VALID blocks writes to both tables while every row is checked",
    doc: include_str!("../../../rules/PF309.md"),
    fix: FixAvailability::Sometimes(
        Applicability::Unsafe,
        "only for a named constraint alone in its statement, outside a transaction, on columns the file does not drop later",
    ),
};

pub struct ForeignKeyWithoutNotValid;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &ForeignKeyWithoutNotValid;

impl Rule for ForeignKeyWithoutNotValid {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for (action, tokens) in live_table_actions(cx) {
            let table_fk = matches!(table_constraint(action, tokens), Some((k, _)) if k == "FOREIGN");
            let column_fk = add_column_definition(action, tokens)
                .is_some_and(|def| top_level_kw(def, "REFERENCES").is_some());
            if !(table_fk || column_fk) || not_valid(tokens) {
                continue;
            }
            let (fix, note) = if table_fk {
                not_valid_fix(cx, action)
            } else {
                (None, Some("no fix: add the column first, then the foreign key as `ADD CONSTRAINT … NOT VALID`".into()))
            };
            let mut v = Violation::new(
                action.range.clone(),
                format!(
                    "a foreign key on `{}` takes SHARE ROW EXCLUSIVE locks on both tables while it checks every row: add it NOT VALID, then VALIDATE CONSTRAINT in a separate transaction",
                    cx.object_text()
                ),
            )
            .fix(fix);
            v.notes.extend(note);
            out.push(v);
        }
    }
}
