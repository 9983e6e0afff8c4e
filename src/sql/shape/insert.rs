//! `INSERT`/`REPLACE`/`UPSERT`: the target table and whether conflicts are handled.

use super::cursor::Cursor;
use super::{Shape, ShapeKind};

pub(super) fn insert(c: &mut Cursor) -> Shape {
    let tokens = c.t;
    let first = &tokens[0];
    let mut shape = Shape::new(ShapeKind::Insert, first.range.clone());
    let has_pair = |a: &str, b: &str| tokens.windows(2).any(|w| w[0].is_kw(a) && w[1].is_kw(b));
    shape.conflict_handled = !first.is_kw("INSERT")
        || has_pair("ON", "CONFLICT")
        || has_pair("ON", "DUPLICATE")
        || has_pair("NOT", "EXISTS")
        || has_pair("OR", "IGNORE")
        || has_pair("OR", "REPLACE")
        || tokens.get(1).is_some_and(|t| t.is_kw("IGNORE"));
    c.i = 1;
    if c.seek("INTO") {
        c.i += 1;
        shape.names.extend(c.table_name());
    }
    shape
}
