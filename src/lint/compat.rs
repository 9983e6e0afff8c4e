//! What the compatibility rules share (drops, renames and moves that break the running version
//! of the application, PF416–PF427): which objects are new, so that no running code can use
//! them (created earlier in the file or by an earlier pending migration, squawk issue #349),
//! and the shape of a "you drop something in use" finding.

use super::rule::{StatementCx, Violation};
use super::sequence::Key;
use crate::sql::{Name, ObjectKind, ShapeKind};

/// Was `name` (of `kind`) created by an earlier statement of the file, or by an earlier pending
/// migration? Then no running version of the application uses it.
pub fn object_is_new(cx: &StatementCx, kind: ObjectKind, name: &Name) -> bool {
    let key = Key::Object(kind, name.base().to_string());
    cx.file.is_new(&key, cx.file.top_index)
}

/// A `DROP` of one of `kinds` that names objects in use: one finding for the statement,
/// naming them, `consequence` saying what breaks.
pub fn drop_in_use(cx: &StatementCx, kinds: &[ObjectKind], consequence: &str, note: &str) -> Option<Violation> {
    let shape = cx.shape();
    let ShapeKind::Drop(kind) = shape.kind else {
        return None;
    };
    if !kinds.contains(&kind) || shape.temporary {
        return None;
    }
    let used: Vec<&str> = shape
        .names
        .iter()
        .filter(|n| !object_is_new(cx, kind, n))
        .map(|n| n.text.as_str())
        .collect();
    if used.is_empty() {
        return None;
    }
    let noun = kind.keyword().to_ascii_lowercase();
    let message = format!("dropping {noun} `{}` {consequence}", used.join("`, `"));
    Some(Violation::new(cx.head_span(), message).note(note))
}
