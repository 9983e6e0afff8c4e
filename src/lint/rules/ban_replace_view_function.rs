//! PF437: CREATE OR REPLACE of a view, routine, trigger or rule changes its behaviour under the running application (squawk: ban-replace-view-function).

use super::prelude::*;
use crate::lint::compat::{object_is_new};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF437",
    "ban-replace-view-function",
    Severity::Warning,
    "CREATE OR REPLACE of a view, routine, trigger or rule changes its behaviour under the running application",
    include_str!("../../../rules/PF437.md"),
);

pub struct BanReplaceViewFunction;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanReplaceViewFunction;

impl Rule for BanReplaceViewFunction {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let ShapeKind::Create(kind) = shape.kind else { return };
        // squawk counts triggers and rules too: replacing one changes what running writes do.
        let replaced = [
            ObjectKind::View,
            ObjectKind::Function,
            ObjectKind::Procedure,
            ObjectKind::Trigger,
            ObjectKind::Rule,
        ];
        if !shape.or_replace || !replaced.contains(&kind) {
            return;
        }
        let Some(name) = shape.object() else { return };
        if object_is_new(cx, kind, name) {
            return;
        }
        out.push(Violation::new(
            cx.head_span(),
            format!(
                "`CREATE OR REPLACE` changes what {} `{}` returns or does for the running version, with no deploy of its own",
                kind.keyword().to_ascii_lowercase(),
                name.text
            ),
        ));
    }
}
