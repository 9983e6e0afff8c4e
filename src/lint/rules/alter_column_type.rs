//! PF307: `ALTER COLUMN … TYPE` rewrites the table (and its indexes) under an ACCESS EXCLUSIVE
//! lock (squawk: changing-column-type).

use super::super::safety::{alter_column, live_table_actions, starts_with_kws};
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF307",
    name: "alter-column-type",
    default_severity: Severity::Error,
    summary: "ALTER COLUMN … TYPE rewrites the table and its indexes while blocking reads and writes",
    doc: include_str!("../../../rules/PF307.md"),
    fix: FixAvailability::Never,
};

pub struct AlterColumnType;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &AlterColumnType;

impl Rule for AlterColumnType {
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
            if !(starts_with_kws(rest, &["TYPE"]) || starts_with_kws(rest, &["SET", "DATA", "TYPE"])) {
                continue;
            }
            out.push(Violation::new(
                action.range.clone(),
                format!(
                    "changing the type of `{}` rewrites `{}` and rebuilds its indexes under an ACCESS EXCLUSIVE lock (only a few changes, e.g. varchar(n) to text, skip the rewrite); add a new column, backfill it in batches and switch over",
                    &cx.source.text[column.range.clone()],
                    cx.object_text()
                ),
            ));
        }
    }
}
