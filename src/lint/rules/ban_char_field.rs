//! PF406: char(n) pads with spaces and is never faster than text.

use super::prelude::*;
use crate::lint::columns::{flag_types, TypeClass};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF406",
    "ban-char-field",
    Severity::Warning,
    "char(n) pads with spaces and is never faster than text",
    include_str!("../../../rules/PF406.md"),
);

pub struct BanCharField;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanCharField;

impl Rule for BanCharField {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        flag_types(cx, |c| c == TypeClass::Char, |t| format!("`{t}` is blank-padded to its length and compares with trailing spaces ignored: use text (or varchar)"), out);
    }
}
