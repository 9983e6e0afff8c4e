//! PF444: ALTER DATABASE changes settings every session of the running application inherits (squawk: ban-alter-database-options).

use super::prelude::*;
use crate::lint::compat::{keywords_span};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF444",
    "ban-alter-database-options",
    Severity::Warning,
    "ALTER DATABASE changes settings every session of the running application inherits",
    include_str!("../../../rules/PF444.md"),
);

pub struct BanAlterDatabaseOptions;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAlterDatabaseOptions;

impl Rule for BanAlterDatabaseOptions {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        if cx.shape().kind != ShapeKind::Alter(ObjectKind::Database) {
            return;
        }
        // Ownership is PF436's.
        if keywords_span(&cx.statement.tokens, &["OWNER", "TO"]).is_some() {
            return;
        }
        out.push(Violation::new(
            cx.head_span(),
            format!(
                "changing database `{}` changes settings every new session of the running version inherits",
                cx.object_text()
            ),
        ));
    }
}
