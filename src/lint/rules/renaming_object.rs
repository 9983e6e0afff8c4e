//! PF425: renaming an index, view, sequence, function, type, schema, trigger, domain,
//! constraint or enum value while the running application uses the old name (squawk:
//! renaming-object).

use super::prelude::*;
use crate::lint::columns::created_earlier;
use crate::sql::tokens_in;
use crate::lint::compat::object_is_new;
use crate::lint::sequence::Key;
use crate::sql::AlterActionKind;

pub const INFO: RuleInfo = RuleInfo::new(
    "PF425",
    "renaming-object",
    Severity::Warning,
    "renaming a view, function, type, sequence, index, constraint or enum value breaks running code that uses the old name",
    include_str!("../../../rules/PF425.md"),
);

pub struct RenamingObject;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &RenamingObject;

impl Rule for RenamingObject {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }

    fn dialects(&self) -> &'static [Dialect] {
        POSTGRES
    }

    fn check_statement(&self, cx: &StatementCx, out: &mut Vec<Violation>) {
        let shape = cx.shape();
        let Some(object) = shape.object() else { return };
        match shape.kind {
            // Tables are PF412's; columns and attributes PF411's.
            ShapeKind::Rename(kind) if kind != ObjectKind::Table => {
                let tokens = &cx.statement.tokens;
                let Some(at) = tokens.iter().position(|t| t.is_kw("RENAME")) else {
                    return;
                };
                let what = match tokens.get(at + 1) {
                    Some(t) if t.is_kw("TO") => kind.keyword().to_ascii_lowercase(),
                    Some(t) if t.is_kw("VALUE") => "enum value of".to_string(),
                    Some(t) if t.is_kw("CONSTRAINT") => "constraint of".to_string(),
                    _ => return,
                };
                if object_is_new(cx, kind, object) {
                    return;
                }
                let end = tokens.get(at + 1).map_or(tokens[at].range.end, |t| t.range.end);
                out.push(renamed(tokens[at].range.start..end, &what, &object.text));
            }
            ShapeKind::AlterTable => {
                if created_earlier(cx, object, None) {
                    return;
                }
                for action in &shape.actions {
                    let t = tokens_in(&cx.statement.tokens, &action.range);
                    let constraint = action.kind == AlterActionKind::Rename
                        && t.get(1).is_some_and(|k| k.is_kw("CONSTRAINT"));
                    let Some(name) = action.name.as_ref().filter(|_| constraint) else {
                        continue;
                    };
                    let key = Key::Constraint(object.base().to_string(), name.base().to_string());
                    if cx.file.is_new(&key, object.schema()) {
                        continue;
                    }
                    out.push(renamed(action.range.clone(), "constraint", &name.text));
                }
            }
            _ => {}
        }
    }
}

fn renamed(range: std::ops::Range<usize>, what: &str, name: &str) -> Violation {
    Violation::new(
        range,
        format!("renaming {what} `{name}` breaks every running instance that still uses the old name"),
    )
    .note("create the new object beside the old one (or keep the old name as a view or wrapper) until no running code uses it")
}
