//! PF450: ALTER SEQUENCE RESTART/INCREMENT/bounds change the ids the running application's inserts get (squawk: ban-alter-sequence-values).

use super::prelude::*;
use crate::lint::compat::{keywords_span, altered_in_use};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF450",
    "ban-alter-sequence-values",
    Severity::Warning,
    "ALTER SEQUENCE RESTART/INCREMENT/bounds change the ids the running application's inserts get",
    include_str!("../../../rules/PF450.md"),
);

pub struct BanAlterSequenceValues;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAlterSequenceValues;

impl Rule for BanAlterSequenceValues {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let Some((_, name)) = altered_in_use(cx, &[ObjectKind::Sequence]) else { return };
        const OPTIONS: &[&str] = &["RESTART", "INCREMENT", "MINVALUE", "MAXVALUE", "START", "CYCLE", "AS", "CACHE"];
        let tokens = &cx.statement.tokens;
        let Some(range) = OPTIONS.iter().find_map(|o| keywords_span(tokens, &[o])) else {
            return;
        };
        out.push(Violation::new(
            range,
            format!(
                "changing sequence `{}` changes the values the running version's inserts get: RESTART can hand out ids already used",
                name.text
            ),
        ));
    }
}
