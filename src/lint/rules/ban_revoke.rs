//! PF436: REVOKE or an ownership change takes privileges away from roles the running application uses (squawk: ban-revoke).

use super::prelude::*;
use crate::lint::compat::{table_actions, keywords_span, altered_in_use};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF436",
    "ban-revoke",
    Severity::Warning,
    "REVOKE or an ownership change takes privileges away from roles the running application uses",
    include_str!("../../../rules/PF436.md"),
);

/// Objects `ALTER … OWNER TO` can move (tables are `ALTER TABLE` actions).
const ALL_ALTERABLE: &[ObjectKind] = &[
    ObjectKind::View,
    ObjectKind::MaterializedView,
    ObjectKind::Sequence,
    ObjectKind::Function,
    ObjectKind::Procedure,
    ObjectKind::Type,
    ObjectKind::Domain,
    ObjectKind::Schema,
    ObjectKind::Database,
    ObjectKind::Aggregate,
];

pub struct BanRevoke;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanRevoke;

impl Rule for BanRevoke {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let tokens = &cx.statement.tokens;
        if tokens.first().is_some_and(|t| t.is_kw("REVOKE")) {
            out.push(Violation::new(
                cx.head_span(),
                "`REVOKE` takes privileges away: the running version's queries that need them fail with \"permission denied\"",
            ));
            return;
        }
        let altered = altered_in_use(cx, ALL_ALTERABLE).is_some()
            || (cx.shape().kind == ShapeKind::AlterTable && !table_actions(cx, &[&["OWNER", "TO"]]).is_empty());
        if let Some(range) = keywords_span(tokens, &["OWNER", "TO"]).filter(|_| altered) {
            out.push(Violation::new(
                range,
                "changing the owner moves the owner's privileges: the running version's role may lose what it could do as owner",
            ));
        }
    }
}
