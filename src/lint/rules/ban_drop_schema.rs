//! PF419: `DROP SCHEMA` while the running application may still use it (squawk: ban-drop-schema).

use super::prelude::*;
use crate::lint::compat::drop_in_use;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF419",
    "ban-drop-schema",
    Severity::Warning,
    "DROP SCHEMA breaks running code that still uses anything in it",
    include_str!("../../../rules/PF419.md"),
);

pub struct BanDropSchema;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanDropSchema;

impl Rule for BanDropSchema {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        out.extend(drop_in_use(
            cx,
            &[ObjectKind::Schema],
            "breaks every running instance that still uses an object in it (with CASCADE, every object is gone)",
            "move what is still used out of the schema, deploy code that no longer uses it, then drop it",
        ));
    }
}
