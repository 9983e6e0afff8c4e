//! PF433: ENABLE/DISABLE TRIGGER or RULE changes the side effects of the running application's writes (squawk: ban-disable-trigger).

use super::prelude::*;
use crate::lint::compat::{table_actions};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF433",
    "ban-disable-trigger",
    Severity::Warning,
    "ENABLE/DISABLE TRIGGER or RULE changes the side effects of the running application's writes",
    include_str!("../../../rules/PF433.md"),
);

pub struct BanDisableTrigger;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDisableTrigger;

impl Rule for BanDisableTrigger {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let forms: &[&[&str]] = &[&["DISABLE", "TRIGGER"], &["ENABLE", "TRIGGER"], &["ENABLE", "REPLICA"], &["ENABLE", "ALWAYS"], &["DISABLE", "RULE"], &["ENABLE", "RULE"]];
        for range in table_actions(cx, forms) {
            out.push(Violation::new(
                range,
                format!(
                    "changing which triggers or rules fire on `{}` changes what every write of the running version does (audit rows, derived columns, checks)",
                    cx.object_text()
                ),
            ));
        }
    }
}
