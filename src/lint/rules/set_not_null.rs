//! PF305: `ALTER COLUMN … SET NOT NULL` scans the whole table under an ACCESS EXCLUSIVE lock,
//! unless a validated `CHECK (col IS NOT NULL)` already proves it (PostgreSQL 12+)
//! (squawk: adding-not-nullable-field).

use super::super::safety::{alter_column, column_name, live_table_actions, starts_with_kws};
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF305",
    name: "set-not-null-scans-table",
    default_severity: Severity::Error,
    summary: "SET NOT NULL blocks reads and writes while it scans the whole table",
    doc: include_str!("../../../rules/PF305.md"),
    fix: FixAvailability::Never,
};

pub struct SetNotNull;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &SetNotNull;

impl Rule for SetNotNull {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for (action, tokens) in live_table_actions(cx) {
            let Some((column, rest)) = alter_column(tokens) else {
                continue;
            };
            if !starts_with_kws(rest, &["SET", "NOT", "NULL"]) {
                continue;
            }
            let Some(col) = column_name(column) else {
                continue;
            };
            // No name when the table is not a plain name (a psql `:variable`): no CHECK can be
            // matched to it, and the SET NOT NULL still scans whatever table it is.
            let table = cx.shape().object();
            let check_proves = cx.file.postgres_version.is_none_or(|v| v >= 12);
            if check_proves
                && table.is_some_and(|t| cx.file.history.validated_not_null_check(t, &col))
            {
                continue;
            }
            // Before 12 the check does not spare the scan: it is the constraint to keep instead.
            let instead = if check_proves {
                format!("add `CHECK ({col} IS NOT NULL) NOT VALID`, VALIDATE it in another migration, then SET NOT NULL")
            } else {
                format!("before PostgreSQL 12 a validated check does not skip the scan: keep `CHECK ({col} IS NOT NULL) NOT VALID`, VALIDATEd in another migration, as the constraint instead of SET NOT NULL")
            };
            let on = table.map_or_else(|| "the table".to_string(), |t| format!("`{}`", t.text));
            out.push(Violation::new(
                action.range.clone(),
                format!(
                    "`SET NOT NULL` on `{col}` holds an ACCESS EXCLUSIVE lock on {on} while it scans every row: {instead}"
                ),
            ));
        }
    }
}

