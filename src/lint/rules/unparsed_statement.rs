//! PF001: a statement neither sqlparser nor the recogniser understood was not checked.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF001",
    name: "unparsed-statement",
    default_severity: Severity::Info,
    summary: "A statement preflight could not understand, so it was not checked",
    doc: include_str!("../../../rules/PF001.md"),
    fix: FixAvailability::Never,
};

pub struct UnparsedStatement;

impl Rule for UnparsedStatement {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let stmt = cx.statement;
        if !stmt.is_unrecognised() {
            return;
        }
        let first = stmt
            .tokens
            .first()
            .map_or(stmt.range.clone(), |t| t.range.clone());
        let mut v = Violation::new(
            first,
            "preflight could not parse or recognise this statement, so it was not checked: review it by hand",
        );
        if let Some(e) = &stmt.parse_error {
            v = v.note(format!("sqlparser: {e}"));
        }
        v.unknown = true;
        out.push(v);
    }
}
