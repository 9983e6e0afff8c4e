//! PF449: NO INHERIT removes a child table's rows from queries on the parent the running application runs (squawk: ban-detach-inheritance).

use super::prelude::*;
use crate::lint::compat::{table_actions};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF449",
    "ban-detach-inheritance",
    Severity::Warning,
    "NO INHERIT removes a child table's rows from queries on the parent the running application runs",
    include_str!("../../../rules/PF449.md"),
);

pub struct BanDetachInheritance;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDetachInheritance;

impl Rule for BanDetachInheritance {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for range in table_actions(cx, &[&["NO", "INHERIT"]]) {
            out.push(Violation::new(
                range,
                format!(
                    "`NO INHERIT` removes `{}`'s rows from every query of the running version on the parent table",
                    cx.object_text()
                ),
            ));
        }
    }
}
