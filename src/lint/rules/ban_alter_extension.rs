//! PF452: ALTER EXTENSION … UPDATE changes functions and types running code uses (squawk: ban-alter-extension).

use super::prelude::*;
use crate::lint::compat::{keywords_span, altered_in_use};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF452",
    "ban-alter-extension",
    Severity::Warning,
    "ALTER EXTENSION … UPDATE changes functions and types running code uses",
    include_str!("../../../rules/PF452.md"),
);

pub struct BanAlterExtension;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAlterExtension;

impl Rule for BanAlterExtension {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let Some((_, name)) = altered_in_use(cx, &[ObjectKind::Extension]) else { return };
        if let Some(range) = keywords_span(&cx.statement.tokens, &["UPDATE"]) {
            out.push(Violation::new(
                range,
                format!(
                    "updating extension `{}` replaces its functions, types and operators under the running version",
                    name.text
                ),
            ));
        }
    }
}
