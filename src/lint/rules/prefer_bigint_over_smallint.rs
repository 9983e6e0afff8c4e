//! PF402: a 16-bit integer column runs out at 32,767.

use super::prelude::*;
use crate::lint::columns::{flag_types, TypeClass};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF402",
    "prefer-bigint-over-smallint",
    Severity::Warning,
    "a 16-bit integer column runs out at 32,767",
    include_str!("../../../rules/PF402.md"),
);

pub struct PreferBigintOverSmallint;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &PreferBigintOverSmallint;

impl Rule for PreferBigintOverSmallint {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        flag_types(cx, TypeClass::is_smallint, |t| format!("`{t}` is a 16-bit integer, which runs out at 32,767: use bigint (or int when the range is known and small)"), out);
    }
}
