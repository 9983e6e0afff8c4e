//! PF413: `TRUNCATE … CASCADE` empties every table that references the truncated ones.

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF413",
    "ban-truncate-cascade",
    Severity::Error,
    "TRUNCATE … CASCADE also empties every table with a foreign key to the truncated tables",
    include_str!("../../../rules/PF413.md"),
);

pub struct BanTruncateCascade;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanTruncateCascade;

impl Rule for BanTruncateCascade {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let tokens = &cx.statement.tokens;
        let truncate = matches!(&cx.shape().kind, ShapeKind::Other(w) if w == "TRUNCATE");
        let Some(cascade) = tokens.iter().find(|t| t.is_kw("CASCADE")) else {
            return;
        };
        if truncate {
            out.push(Violation::new(
                cascade.range.clone(),
                "CASCADE also truncates every table with a foreign key to these, and every table referencing those: truncate them by name",
            ));
        }
    }
}
