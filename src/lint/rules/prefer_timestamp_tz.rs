//! PF405: timestamp without time zone drops the offset of every value written with one.

use super::prelude::*;
use crate::lint::columns::{flag_types, TypeClass};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF405",
    "prefer-timestamp-tz",
    Severity::Warning,
    "timestamp without time zone drops the offset of every value written with one",
    include_str!("../../../rules/PF405.md"),
);

pub struct PreferTimestampTz;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &PreferTimestampTz;

impl Rule for PreferTimestampTz {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        flag_types(cx, |c| c == TypeClass::TimestampWithoutTz, |t| format!("`{t}` drops the UTC offset of the values it stores: use timestamptz"), out);
    }
}
