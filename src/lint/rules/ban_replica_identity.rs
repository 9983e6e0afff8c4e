//! PF434: REPLICA IDENTITY changes what logical replication and CDC consumers receive for updates and deletes (squawk: ban-replica-identity).

use super::prelude::*;
use crate::lint::compat::{table_actions};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF434",
    "ban-replica-identity",
    Severity::Warning,
    "REPLICA IDENTITY changes what logical replication and CDC consumers receive for updates and deletes",
    include_str!("../../../rules/PF434.md"),
);

pub struct BanReplicaIdentity;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanReplicaIdentity;

impl Rule for BanReplicaIdentity {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for range in table_actions(cx, &[&["REPLICA", "IDENTITY"]]) {
            out.push(Violation::new(
                range,
                format!(
                    "changing the replica identity of `{}` changes what logical replication and CDC consumers receive for its updates and deletes",
                    cx.object_text()
                ),
            ));
        }
    }
}
