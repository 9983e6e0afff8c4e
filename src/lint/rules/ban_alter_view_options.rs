//! PF442: ALTER VIEW … SET/RESET options change how the running application's queries on the view behave (squawk: ban-alter-view-options).

use super::prelude::*;
use crate::lint::compat::{altered_in_use};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF442",
    "ban-alter-view-options",
    Severity::Warning,
    "ALTER VIEW … SET/RESET options change how the running application's queries on the view behave",
    include_str!("../../../rules/PF442.md"),
);

pub struct BanAlterViewOptions;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAlterViewOptions;

impl Rule for BanAlterViewOptions {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let Some((kind, name)) = altered_in_use(cx, &[ObjectKind::View, ObjectKind::MaterializedView]) else {
            return;
        };
        let tokens = &cx.statement.tokens;
        let span = [&["SET", "("][..], &["RESET", "("]].iter().find_map(|kws| {
            let at = tokens.windows(2).position(|w| w[0].is_kw(kws[0]) && w[1].is(&sqlparser::tokenizer::Token::LParen))?;
            Some(tokens[at].range.start..tokens[at + 1].range.end)
        });
        if let Some(range) = span {
            out.push(Violation::new(
                range,
                format!(
                    "changing the options of {} `{}` (security_barrier, security_invoker, check_option) changes what the running version's queries see or may write",
                    kind.keyword().to_ascii_lowercase(),
                    name.text
                ),
            ));
        }
    }
}
