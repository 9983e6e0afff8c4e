//! PF404: varchar(n) costs the same as text, and changing n later can lock the table.

use super::prelude::*;
use crate::lint::columns::{flag_types, TypeClass};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF404",
    "prefer-text-field",
    Severity::Warning,
    "varchar(n) costs the same as text, and changing n later can lock the table",
    include_str!("../../../rules/PF404.md"),
);

pub struct PreferTextField;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &PreferTextField;

impl Rule for PreferTextField {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        flag_types(cx, |c| c == TypeClass::VarcharWithLength, |t| format!("`{t}` stores the same as text, and raising the limit later takes an ACCESS EXCLUSIVE lock: use text with a CHECK (char_length(…) <= n)"), out);
    }
}
