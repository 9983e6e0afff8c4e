//! PF451: ALTER SYSTEM changes server configuration for every session and every application on the server (squawk: ban-alter-system-options).

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF451",
    "ban-alter-system-options",
    Severity::Warning,
    "ALTER SYSTEM changes server configuration for every session and every application on the server",
    include_str!("../../../rules/PF451.md"),
);

pub struct BanAlterSystemOptions;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAlterSystemOptions;

impl Rule for BanAlterSystemOptions {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let tokens = &cx.statement.tokens;
        let system = tokens.first().is_some_and(|t| t.is_kw("ALTER")) && tokens.get(1).is_some_and(|t| t.is_kw("SYSTEM"));
        if !system {
            return;
        }
        out.push(Violation::new(
            tokens[0].range.start..tokens[1].range.end,
            "`ALTER SYSTEM` changes the server's configuration (after a reload) for every session of every application on it, and fails inside a transaction",
        ));
    }
}
