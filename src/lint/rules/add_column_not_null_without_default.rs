//! PF306: `ADD COLUMN … NOT NULL` without a default fails on a table that has rows
//! (squawk: adding-required-field).

use super::super::safety::{add_column_definition, has_top_level_seq, live_table_actions, top_level_kw, SERIAL_TYPES};
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF306",
    name: "add-column-not-null-without-default",
    default_severity: Severity::Error,
    summary: "ADD COLUMN … NOT NULL without a DEFAULT fails on a table that has rows",
    doc: include_str!("../../../rules/PF306.md"),
    fix: FixAvailability::Never,
};

pub struct AddColumnNotNullWithoutDefault;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &AddColumnNotNullWithoutDefault;

impl Rule for AddColumnNotNullWithoutDefault {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for (action, tokens) in live_table_actions(cx) {
            let Some(def) = add_column_definition(action, tokens) else {
                continue;
            };
            let fills = top_level_kw(def, "DEFAULT").is_some()
                || top_level_kw(def, "GENERATED").is_some()
                || def.first().is_some_and(|t| SERIAL_TYPES.iter().any(|s| t.is_kw(s)));
            if fills || !has_top_level_seq(def, &["NOT", "NULL"]) {
                continue;
            }
            // Before 11 a DEFAULT is written into every row: not a way out there.
            let instead = if cx.file.postgres_version.is_some_and(|v| v < 11) {
                "add it nullable, backfill in batches, then enforce it with a CHECK … NOT VALID validated in another migration (before PostgreSQL 11 a DEFAULT rewrites the table)"
            } else {
                "add a DEFAULT, or add it nullable, backfill, then SET NOT NULL"
            };
            out.push(Violation::new(
                action.range.clone(),
                format!(
                    "`ADD COLUMN {} … NOT NULL` has no DEFAULT: it fails with \"contains null values\" once `{}` has rows; {instead}",
                    name_text(action.name.as_ref()),
                    cx.object_text()
                ),
            ));
        }
    }
}
