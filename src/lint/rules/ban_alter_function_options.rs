//! PF441: ALTER FUNCTION options (SECURITY, SET, volatility, …) change how running code's calls behave (squawk: ban-alter-function-options).

use super::prelude::*;
use crate::lint::compat::{keywords_span, altered_in_use};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF441",
    "ban-alter-function-options",
    Severity::Warning,
    "ALTER FUNCTION options (SECURITY, SET, volatility, …) change how running code's calls behave",
    include_str!("../../../rules/PF441.md"),
);

pub struct BanAlterFunctionOptions;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAlterFunctionOptions;

impl Rule for BanAlterFunctionOptions {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let Some((kind, name)) = altered_in_use(cx, &[ObjectKind::Function, ObjectKind::Procedure]) else {
            return;
        };
        let tokens = &cx.statement.tokens;
        // Ownership is PF436's, the schema PF426's, the name PF425's.
        let other = [&["OWNER", "TO"][..], &["SET", "SCHEMA"], &["DEPENDS", "ON"], &["NO", "DEPENDS"]];
        if other.iter().any(|kws| keywords_span(tokens, kws).is_some()) {
            return;
        }
        out.push(Violation::new(
            cx.head_span(),
            format!(
                "changing the options of {} `{}` changes how the running version's calls behave (privileges, search_path, volatility)",
                kind.keyword().to_ascii_lowercase(),
                name.text
            ),
        ));
    }
}
