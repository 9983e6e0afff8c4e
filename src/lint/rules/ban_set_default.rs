//! PF432: SET DEFAULT changes the value running code's inserts store when they leave the column out (squawk: ban-set-default).

use super::prelude::*;
use crate::lint::compat::{column_actions, keywords_span, altered_in_use};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF432",
    "ban-set-default",
    Severity::Warning,
    "SET DEFAULT changes the value running code's inserts store when they leave the column out",
    include_str!("../../../rules/PF432.md"),
);

pub struct BanSetDefault;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanSetDefault;

impl Rule for BanSetDefault {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for (range, column) in column_actions(cx, &["SET", "DEFAULT"]) {
            out.push(Violation::new(
                range,
                format!(
                    "`SET DEFAULT` on `{}`.`{}` changes what inserts of the running version store when they leave the column out",
                    cx.object_text(),
                    column.text
                ),
            ));
        }
        if let Some((kind, name)) = altered_in_use(cx, &[ObjectKind::Domain, ObjectKind::View]) {
            if let Some(range) = keywords_span(&cx.statement.tokens, &["SET", "DEFAULT"]) {
                out.push(Violation::new(
                    range,
                    format!(
                        "`SET DEFAULT` on {} `{}` changes what inserts of the running version store",
                        kind.keyword().to_ascii_lowercase(),
                        name.text
                    ),
                ));
            }
        }
    }
}
