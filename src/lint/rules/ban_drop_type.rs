//! PF418: `DROP TYPE` while the running application may still use it (squawk: ban-drop-type).

use super::prelude::*;
use crate::lint::compat::drop_in_use;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF418",
    "ban-drop-type",
    Severity::Warning,
    "DROP TYPE breaks running code that still casts to or binds the type",
    include_str!("../../../rules/PF418.md"),
);

pub struct BanDropType;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropType;

impl Rule for BanDropType {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        out.extend(drop_in_use(
            cx,
            &[ObjectKind::Type],
            "breaks every running instance that still uses it (casts, parameters, prepared statements)",
            "deploy code that no longer uses the type first, then drop it in a later release",
        ));
    }
}
