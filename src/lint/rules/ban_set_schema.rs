//! PF426: `ALTER … SET SCHEMA` moves an object away from the name running code uses
//! (squawk: ban-set-schema).

use super::prelude::*;
use crate::lint::columns::created_earlier;
use crate::sql::tokens_in;
use crate::lint::compat::object_is_new;
use crate::lint::safety::{has_top_level_seq, starts_with_kws};

pub const INFO: RuleInfo = RuleInfo::new(
    "PF426",
    "ban-set-schema",
    Severity::Warning,
    "SET SCHEMA moves an object away from the qualified name (or search_path) running code finds it by",
    include_str!("../../../rules/PF426.md"),
);

pub struct BanSetSchema;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &BanSetSchema;

impl Rule for BanSetSchema {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let Some(object) = shape.object() else { return };
        let tokens = &cx.statement.tokens;
        let (kind, range) = match shape.kind {
            ShapeKind::AlterTable => {
                let moves = shape.actions.iter().find(|a| {
                    starts_with_kws(tokens_in(tokens, &a.range), &["SET", "SCHEMA"])
                });
                let Some(action) = moves else { return };
                if created_earlier(cx, object, None) {
                    return;
                }
                (ObjectKind::Table, action.range.clone())
            }
            ShapeKind::Alter(kind) if has_top_level_seq(tokens, &["SET", "SCHEMA"]) => {
                if object_is_new(cx, kind, object) {
                    return;
                }
                let at = tokens
                    .windows(2)
                    .position(|w| w[0].is_kw("SET") && w[1].is_kw("SCHEMA"))
                    .expect("found at depth 0 above");
                (kind, tokens[at].range.start..tokens[at + 1].range.end)
            }
            _ => return,
        };
        out.push(
            Violation::new(
                range,
                format!(
                    "moving {} `{}` to another schema breaks every running instance that finds it under its current schema",
                    kind.keyword().to_ascii_lowercase(),
                    object.text
                ),
            )
            .note("deploy code that uses the new schema (or finds both through search_path) first"),
        );
    }
}
