//! PF445: ENABLE/DISABLE/FORCE ROW LEVEL SECURITY changes which rows the running application can see (squawk: ban-alter-row-level-security).

use super::prelude::*;
use crate::lint::compat::{table_actions};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF445",
    "ban-alter-row-level-security",
    Severity::Warning,
    "ENABLE/DISABLE/FORCE ROW LEVEL SECURITY changes which rows the running application can see",
    include_str!("../../../rules/PF445.md"),
);

pub struct BanAlterRowLevelSecurity;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAlterRowLevelSecurity;

impl Rule for BanAlterRowLevelSecurity {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let forms: &[&[&str]] = &[&["ENABLE", "ROW", "LEVEL"], &["DISABLE", "ROW", "LEVEL"], &["FORCE", "ROW", "LEVEL"], &["NO", "FORCE", "ROW"]];
        for range in table_actions(cx, forms) {
            out.push(Violation::new(
                range,
                format!(
                    "changing row level security on `{}` changes which rows the running version's queries see: enabling it without a policy hides every row",
                    cx.object_text()
                ),
            ));
        }
    }
}
