//! `CREATE …` and `DROP …`: the object kind, its names, and where an `IF [NOT] EXISTS` goes.

use super::cursor::{object_kind, Cursor};
use super::{Guard, ObjectKind, Shape, ShapeKind};
use sqlparser::tokenizer::Token;

const CREATE_MODIFIERS: &[&str] = &[
    "TEMP",
    "TEMPORARY",
    "UNLOGGED",
    "GLOBAL",
    "LOCAL",
    "UNIQUE",
    "RECURSIVE",
    "TRUSTED",
    "PROCEDURAL",
    "CONSTRAINT",
    "FULLTEXT",
    "SPATIAL",
    "VIRTUAL",
    "ONLINE",
    "OFFLINE",
    "DEFAULT",
    "NONCLUSTERED",
    "CLUSTERED",
];

pub(super) fn create(c: &mut Cursor) -> Shape {
    let start = c.t[0].range.start;
    c.i = 1;
    let or_replace_at = Some(c.prev_end());
    let or_replace = c.eat_all(&["OR", "REPLACE"]);
    let mut temporary = false;
    // MySQL `DEFINER = user` and `ALGORITHM = …` / `SQL SECURITY …` precede the kind.
    for _ in 0..16 {
        if c.kw("DEFINER") || c.kw("ALGORITHM") {
            c.i += 1;
            c.i += usize::from(c.peek().is_some_and(|t| t.is(&Token::Eq)));
            c.i += 1;
            while c.peek().is_some_and(|t| {
                matches!(t.token, Token::AtSign | Token::LParen | Token::RParen)
                    || matches!(&t.token, Token::Word(w) if w.value.starts_with('@'))
            }) {
                c.i += 1;
                if c.t.get(c.i - 1).is_some_and(|t| t.is(&Token::AtSign)) {
                    c.i += 1;
                }
            }
        } else if c.eat_all(&["SQL", "SECURITY"]) {
            c.i += 1;
        } else if c.kw("TEMP") || c.kw("TEMPORARY") {
            temporary = true;
            c.i += 1;
        } else if CREATE_MODIFIERS.iter().any(|m| c.kw(m)) {
            c.i += 1;
        } else {
            break;
        }
    }
    let Some(kind) = object_kind(c) else {
        return Shape::new(ShapeKind::Create(ObjectKind::Other), start..c.prev_end());
    };
    let mut shape = Shape::new(ShapeKind::Create(kind), start..c.prev_end());
    shape.or_replace = or_replace;
    shape.or_replace_at = or_replace_at;
    shape.temporary = temporary;
    if kind == ObjectKind::Index && c.eat("CONCURRENTLY") {
        shape.concurrently = true;
        shape.head.end = c.prev_end();
    }
    let insert_at = c.prev_end();
    let present = c.eat_all(&["IF", "NOT", "EXISTS"]);
    shape.guard = Some(Guard { present, insert_at });
    match kind {
        ObjectKind::Index => {
            if !c.kw("ON") {
                shape.names.extend(c.name());
            }
            if c.seek("ON") {
                c.i += 1;
                c.eat("ONLY");
                shape.table = c.table_name();
            }
        }
        ObjectKind::Trigger | ObjectKind::Policy => {
            shape.names.extend(c.name_of(kind));
            if c.seek("ON") {
                c.i += 1;
                shape.table = c.table_name();
            }
        }
        ObjectKind::Role => shape.names.extend(c.name().or_else(|| c.account())),
        _ => shape.names.extend(c.name_of(kind)),
    }
    shape
}

pub(super) fn drop(c: &mut Cursor) -> Shape {
    let start = c.t[0].range.start;
    c.i = 1;
    let temporary = c.eat("TEMPORARY");
    let Some(kind) = object_kind(c) else {
        return Shape::new(ShapeKind::Drop(ObjectKind::Other), start..c.prev_end());
    };
    let mut shape = Shape::new(ShapeKind::Drop(kind), start..c.prev_end());
    shape.temporary = temporary;
    if c.eat("CONCURRENTLY") {
        shape.concurrently = true;
        shape.head.end = c.prev_end();
    }
    let insert_at = c.prev_end();
    let present = c.eat_all(&["IF", "EXISTS"]);
    shape.guard = Some(Guard { present, insert_at });
    while let Some(name) = c.name_of(kind) {
        shape.names.push(name);
        // Function signatures: `DROP FUNCTION f(int), g(text)`.
        if c.peek().is_some_and(|t| t.is(&Token::LParen)) {
            let mut depth = 0usize;
            while let Some(t) = c.peek() {
                match t.token {
                    Token::LParen => depth += 1,
                    Token::RParen => depth = depth.saturating_sub(1),
                    _ => {}
                }
                c.i += 1;
                if depth == 0 {
                    break;
                }
            }
        }
        if !c.peek().is_some_and(|t| t.is(&Token::Comma)) {
            break;
        }
        c.i += 1;
    }
    if c.eat("ON") {
        shape.table = c.table_name();
    }
    shape
}
