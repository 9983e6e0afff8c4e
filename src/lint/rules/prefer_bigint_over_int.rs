//! PF401: a 32-bit integer column runs out at 2,147,483,647.

use super::prelude::*;
use crate::lint::columns::{flag_types, TypeClass};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF401",
    "prefer-bigint-over-int",
    Severity::Warning,
    "a 32-bit integer column runs out at 2,147,483,647",
    include_str!("../../../rules/PF401.md"),
);

pub struct PreferBigintOverInt;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &PreferBigintOverInt;

impl Rule for PreferBigintOverInt {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        flag_types(cx, TypeClass::is_int, |t| format!("`{t}` is a 32-bit integer, which runs out at 2,147,483,647 (ids and counters do): use bigint"), out);
    }
}
