//! PF421: `DROP DOMAIN` while the running application may still use it (squawk: ban-drop-domain).

use super::prelude::*;
use crate::lint::compat::drop_in_use;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF421",
    "ban-drop-domain",
    Severity::Warning,
    "DROP DOMAIN breaks running code that still casts to the domain",
    include_str!("../../../rules/PF421.md"),
);

pub struct BanDropDomain;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropDomain;

impl Rule for BanDropDomain {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        out.extend(drop_in_use(
            cx,
            &[ObjectKind::Domain],
            "breaks every running instance that still casts to or binds it",
            "deploy code that no longer uses the domain first, then drop it in a later release",
        ));
    }
}
