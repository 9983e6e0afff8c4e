//! PF313: `VACUUM FULL` and `CLUSTER` rewrite the table under an ACCESS EXCLUSIVE lock for as
//! long as the copy takes (squawk 2.x: prefer-repack).

use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF313",
    name: "vacuum-full-or-cluster",
    default_severity: Severity::Error,
    summary: "VACUUM FULL and CLUSTER rewrite the table while blocking reads and writes",
    doc: include_str!("../../../rules/PF313.md"),
    fix: FixAvailability::Never,
};

pub struct VacuumFullOrCluster;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &VacuumFullOrCluster;

impl Rule for VacuumFullOrCluster {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let ShapeKind::Other(word) = &cx.shape().kind else {
            return;
        };
        let tokens = &cx.statement.tokens;
        let head = match word.as_str() {
            // `VACUUM FULL t` and `VACUUM (FULL, ANALYZE) t`; `FULL false` turns it off.
            "VACUUM" => tokens.iter().position(|t| t.is_kw("FULL")).filter(|&f| {
                !tokens
                    .get(f + 1)
                    .is_some_and(|t| t.is_kw("FALSE") || t.is_kw("OFF") || t.is_kw("0"))
            }),
            "CLUSTER" => Some(0),
            _ => None,
        };
        let Some(end) = head else { return };
        out.push(Violation::new(
            tokens[0].range.start..tokens[end].range.end,
            format!(
                "`{word}` copies the whole table under an ACCESS EXCLUSIVE lock: reads and writes wait until it ends; use pg_repack (or pg_squeeze), which rewrites online"
            ),
        ));
    }
}
