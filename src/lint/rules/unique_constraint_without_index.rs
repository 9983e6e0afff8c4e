//! PF310: `ADD UNIQUE` / `ADD EXCLUDE` (and a new column's `UNIQUE`) build their index under an
//! ACCESS EXCLUSIVE lock (squawk: disallowed-unique-constraint).

use super::super::safety::{add_column_definition, live_table_actions, table_constraint, top_level_kw};
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF310",
    name: "unique-constraint-without-index",
    default_severity: Severity::Error,
    summary: "ADD UNIQUE or EXCLUDE builds its index while blocking reads and writes; build it CONCURRENTLY first",
    doc: include_str!("../../../rules/PF310.md"),
    fix: FixAvailability::Never,
};

pub struct UniqueConstraintWithoutIndex;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &UniqueConstraintWithoutIndex;

impl Rule for UniqueConstraintWithoutIndex {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for (action, tokens) in live_table_actions(cx) {
            let flagged = match table_constraint(action, tokens) {
                Some((kind, rest)) => {
                    (kind == "UNIQUE" && top_level_kw(rest, "USING").is_none_or(|u| {
                        !rest.get(u + 1).is_some_and(|t| t.is_kw("INDEX"))
                    })) || kind == "EXCLUDE"
                }
                None => add_column_definition(action, tokens)
                    .is_some_and(|def| top_level_kw(def, "UNIQUE").is_some()),
            };
            if !flagged {
                continue;
            }
            out.push(Violation::new(
                action.range.clone(),
                format!(
                    "this constraint builds a unique index on `{}` under an ACCESS EXCLUSIVE lock: CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … UNIQUE USING INDEX",
                    cx.object_text()
                ),
            ));
        }
    }
}
