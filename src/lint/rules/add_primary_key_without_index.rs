//! PF312: `ADD PRIMARY KEY` (or a new column's `PRIMARY KEY`) builds its index under an ACCESS
//! EXCLUSIVE lock (squawk: adding-serial-primary-key-field).

use super::super::safety::{add_column_definition, has_top_level_seq, live_table_actions, table_constraint};
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF312",
    name: "add-primary-key-without-index",
    default_severity: Severity::Error,
    summary: "ADD PRIMARY KEY builds its index while blocking reads and writes; build it CONCURRENTLY first",
    doc: include_str!("../../../rules/PF312.md"),
    fix: FixAvailability::Never,
};

pub struct AddPrimaryKeyWithoutIndex;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &AddPrimaryKeyWithoutIndex;

impl Rule for AddPrimaryKeyWithoutIndex {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for (action, tokens) in live_table_actions(cx) {
            let flagged = match table_constraint(action, tokens) {
                Some((kind, rest)) => kind == "PRIMARY" && !has_top_level_seq(rest, &["USING", "INDEX"]),
                None => add_column_definition(action, tokens)
                    .is_some_and(|def| has_top_level_seq(def, &["PRIMARY", "KEY"])),
            };
            if !flagged {
                continue;
            }
            out.push(Violation::new(
                action.range.clone(),
                format!(
                    "this primary key builds its index on `{}` under an ACCESS EXCLUSIVE lock (and a new serial column rewrites the table): CREATE UNIQUE INDEX CONCURRENTLY first, then ADD PRIMARY KEY USING INDEX",
                    cx.object_text()
                ),
            ));
        }
    }
}
