//! PF422: `DROP EXTENSION` while the running application may still use it (squawk: ban-drop-extension).

use super::prelude::*;
use crate::lint::compat::drop_in_use;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF422",
    "ban-drop-extension",
    Severity::Warning,
    "DROP EXTENSION removes its functions, types and operators, which running code may still use",
    include_str!("../../../rules/PF422.md"),
);

pub struct BanDropExtension;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropExtension;

impl Rule for BanDropExtension {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        out.extend(drop_in_use(
            cx,
            &[ObjectKind::Extension],
            "removes its functions, types and operators: every running instance that still uses one breaks",
            "deploy code that no longer uses anything of the extension first, then drop it in a later release",
        ));
    }
}
