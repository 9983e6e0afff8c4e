//! PF427: `ALTER COLUMN … ADD|SET GENERATED` / `DROP IDENTITY` changes how inserts of the running
//! application get their ids (squawk: ban-alter-identity).

use super::prelude::*;
use crate::lint::columns::existing_column_changes;
use crate::lint::safety::starts_with_kws;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF427",
    "ban-alter-identity",
    Severity::Warning,
    "changing a column's identity breaks inserts of the running application that rely on the old behaviour",
    include_str!("../../../rules/PF427.md"),
);

pub struct BanAlterIdentity;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanAlterIdentity;

/// The identity changes and what each breaks.
const CHANGES: &[(&[&str], &str)] = &[
    (
        &["ADD", "GENERATED"],
        "inserts that write the column explicitly fail once it is GENERATED ALWAYS",
    ),
    (
        &["SET", "GENERATED"],
        "GENERATED ALWAYS rejects inserts that write the column, BY DEFAULT lets them collide with the sequence",
    ),
    (
        &["DROP", "IDENTITY"],
        "inserts that leave the column out fail with a NOT NULL violation (or get NULL)",
    ),
];

impl Rule for BanAlterIdentity {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        for (table, name, rest) in existing_column_changes(cx) {
            let Some((kws, breaks)) = CHANGES.iter().find(|(kws, _)| starts_with_kws(rest, kws))
            else {
                continue;
            };
            out.push(Violation::new(
                rest[0].range.start..rest[kws.len() - 1].range.end,
                format!(
                    "changing the identity of `{}`.`{}`: {breaks}",
                    table.text, name.text
                ),
            ));
        }
    }
}
