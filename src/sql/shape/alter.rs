//! `ALTER …`: the altered object, and for `ALTER TABLE` each comma-separated action.

use super::cursor::{object_kind, Cursor};
use super::{AlterAction, AlterActionKind, Guard, ObjectKind, Shape, ShapeKind};
use crate::sql::lexer::{top_level, Tok};
use crate::sql::Dialect;
use sqlparser::tokenizer::Token;

pub(super) fn alter(c: &mut Cursor, dialect: Dialect) -> Shape {
    let start = c.t[0].range.start;
    c.i = 1;
    c.eat("ONLINE");
    c.eat("IGNORE");
    let Some(kind) = object_kind(c) else {
        return Shape::new(ShapeKind::Alter(ObjectKind::Other), start..c.prev_end());
    };
    let head = start..c.prev_end();
    let if_exists = c.eat_all(&["IF", "EXISTS"]);
    c.eat("ONLY");
    let name = c.name_of(kind);
    c.i += usize::from(c.peek().is_some_and(|t| t.is(&Token::Mul)));
    let mut shape = Shape::new(ShapeKind::Alter(kind), head);
    shape.names.extend(name.clone());
    if if_exists {
        shape.guard = Some(Guard {
            present: true,
            insert_at: shape.head.end,
        });
    }
    if kind == ObjectKind::Table {
        shape.kind = ShapeKind::AlterTable;
        shape.actions = alter_table_actions(&c.t[c.i..], c.text, dialect);
        return shape;
    }
    let rest = &c.t[c.i..];
    if kind == ObjectKind::Type
        && rest.first().is_some_and(|t| t.is_kw("ADD"))
        && rest.get(1).is_some_and(|t| t.is_kw("VALUE"))
    {
        shape.kind = ShapeKind::AlterTypeAddValue;
        shape.head.end = rest[1].range.end;
        shape.guard = Some(Guard {
            present: rest.get(2).is_some_and(|t| t.is_kw("IF")),
            insert_at: rest[1].range.end,
        });
    } else if rest.iter().any(|t| t.is_kw("RENAME")) {
        shape.kind = ShapeKind::Rename(kind);
    }
    shape
}

fn alter_table_actions(tokens: &[Tok], text: &str, dialect: Dialect) -> Vec<AlterAction> {
    let mut actions = Vec::new();
    let mut start = 0;
    for (i, t) in top_level(tokens) {
        if t.is(&Token::Comma) {
            actions.extend(alter_table_action(&tokens[start..i], text, dialect));
            start = i + 1;
        }
    }
    actions.extend(alter_table_action(&tokens[start..], text, dialect));
    actions
}

fn alter_table_action(tokens: &[Tok], text: &str, dialect: Dialect) -> Option<AlterAction> {
    let first = tokens.first()?;
    let last = tokens.last()?;
    let mut c = Cursor {
        t: tokens,
        i: 1,
        text,
    };
    let mut action = AlterAction {
        kind: AlterActionKind::Other,
        range: first.range.start..last.range.end,
        head: first.range.clone(),
        name: None,
        guard: None,
    };
    let guard = |c: &mut Cursor, words: &[&str]| {
        let insert_at = c.prev_end();
        Guard {
            present: c.eat_all(words),
            insert_at,
        }
    };
    if first.is_kw("ADD") {
        const CONSTRAINT_KINDS: [&str; 5] = ["PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "EXCLUDE"];
        let named = c.eat("CONSTRAINT");
        if named || CONSTRAINT_KINDS.iter().any(|k| c.kw(k)) {
            action.kind = AlterActionKind::AddConstraint;
            if named {
                action.head.end = c.prev_end();
                action.guard = Some(guard(&mut c, &["IF", "NOT", "EXISTS"]));
                // `ADD CONSTRAINT PRIMARY KEY (…)` (MySQL) has no name.
                if !CONSTRAINT_KINDS.iter().any(|k| c.kw(k)) {
                    action.name = c.name();
                }
            }
            // MySQL/MariaDB: `UNIQUE [INDEX|KEY] [IF NOT EXISTS] [name]`,
            // `FOREIGN KEY [IF NOT EXISTS] [name]` (IF NOT EXISTS is MariaDB's).
            if c.eat("UNIQUE") || c.eat_all(&["FOREIGN", "KEY"]) {
                let _ = c.eat("INDEX") || c.eat("KEY");
                let after_keywords = guard(&mut c, &["IF", "NOT", "EXISTS"]);
                if after_keywords.present || action.guard.is_none() {
                    action.guard = Some(after_keywords);
                }
                // PostgreSQL follows UNIQUE with `(`, `NULLS` or `USING INDEX`, never a name.
                if action.name.is_none() && !c.kw("NULLS") && !c.kw("USING") {
                    action.name = c.name();
                }
            }
        } else if ["INDEX", "KEY", "FULLTEXT", "SPATIAL"]
            .iter()
            .any(|k| c.kw(k))
            // PostgreSQL reserves none of these: `ADD key char(2)` adds a column `key`.
            && super::starts_non_column(&c.t[c.i..], dialect)
        {
            action.kind = AlterActionKind::AddIndex;
            c.i += 1;
            c.eat("INDEX");
            c.eat("KEY");
            action.head.end = c.prev_end();
            action.guard = Some(guard(&mut c, &["IF", "NOT", "EXISTS"]));
            action.name = c.name();
        } else if c.kw("PERIOD") && super::starts_non_column(&c.t[c.i..], dialect) {
            // MariaDB's `ADD PERIOD [IF NOT EXISTS] FOR p (s, e)`: PostgreSQL reserves `FOR`, so
            // there `ADD period …` is a column only when no `FOR` follows.
            action.kind = AlterActionKind::AddPeriod;
            period(&mut c, &mut action, &["IF", "NOT", "EXISTS"]);
        } else if system_versioning(&c) {
            // MariaDB's `ADD SYSTEM VERSIONING` (the whole action: PostgreSQL's `ADD system
            // versioning` would be a column `system` of a type `versioning`, given more).
            action.kind = AlterActionKind::AddSystemVersioning;
            action.head.end = last.range.end;
        } else if c.kw("PARTITION") || c.kw("VALUE") {
            // ADD PARTITION / other: no idempotency rule.
        } else {
            action.kind = AlterActionKind::AddColumn;
            c.eat("COLUMN");
            action.head.end = c.prev_end();
            action.guard = Some(guard(&mut c, &["IF", "NOT", "EXISTS"]));
            action.name = c.name();
        }
    } else if first.is_kw("DROP") {
        let word = |k: usize, w: &str| c.t.get(c.i + k).is_some_and(|t| t.is_kw(w));
        if word(0, "PERIOD")
            && (word(1, "FOR") || word(1, "IF") && word(2, "EXISTS") && word(3, "FOR"))
        {
            // MariaDB's `DROP PERIOD [IF EXISTS] FOR p`; PostgreSQL reserves `FOR`, so no
            // column `period` is dropped this way.
            action.kind = AlterActionKind::DropPeriod;
            period(&mut c, &mut action, &["IF", "EXISTS"]);
            return Some(action);
        } else if system_versioning(&c) {
            action.kind = AlterActionKind::DropSystemVersioning;
            action.head.end = last.range.end;
            return Some(action);
        } else if c.eat("CONSTRAINT") || c.eat_all(&["FOREIGN", "KEY"]) || c.eat("CHECK") {
            action.kind = AlterActionKind::DropConstraint;
        } else if c.eat("INDEX") || c.eat("KEY") {
            action.kind = AlterActionKind::DropIndex;
        } else if c.kw("PRIMARY")
            || c.kw("PARTITION")
            || c.kw("DEFAULT")
            || c.kw("NOT")
            || c.kw("EXPRESSION")
            || c.kw("IDENTITY")
        {
            return Some(action);
        } else {
            action.kind = AlterActionKind::DropColumn;
            c.eat("COLUMN");
        }
        action.head.end = c.prev_end();
        action.guard = Some(guard(&mut c, &["IF", "EXISTS"]));
        action.name = c.name();
    } else if first.is_kw("RENAME") {
        action.kind = AlterActionKind::Rename;
        // One kind word at most: in `RENAME COLUMN key TO akey` the `key` is the column.
        let kind_word = c.eat("COLUMN") || c.eat("CONSTRAINT") || c.eat("INDEX") || c.eat("KEY");
        action.head.end = c.prev_end();
        // MariaDB: `RENAME COLUMN|INDEX|KEY IF EXISTS old TO new`.
        action.guard = Some(guard(&mut c, &["IF", "EXISTS"]));
        if !c.kw("TO") && !c.kw("AS") {
            let name = c.name();
            // PostgreSQL's `RENAME a TO b` renames a column; MySQL's `RENAME new` (no TO
            // after the name) renames the table, as `RENAME TO new` does.
            if kind_word || c.kw("TO") {
                action.name = name;
            }
        }
    }
    Some(action)
}

/// `PERIOD [<guard>] FOR name` of MariaDB's `ADD PERIOD` and `DROP PERIOD`, the cursor on
/// `PERIOD`: the head ends after `PERIOD`, where the guard goes; the name is the period's.
fn period(c: &mut Cursor, action: &mut AlterAction, guard_words: &[&str]) {
    c.i += 1;
    let insert_at = c.prev_end();
    action.head.end = insert_at;
    action.guard = Some(Guard {
        present: c.eat_all(guard_words),
        insert_at,
    });
    c.eat("FOR");
    action.name = c.name();
}

/// Is the rest of the action, the cursor after its `ADD` or `DROP`, MariaDB's `SYSTEM
/// VERSIONING`?
fn system_versioning(c: &Cursor) -> bool {
    let rest = &c.t[c.i..];
    rest.len() == 2 && rest[0].is_kw("SYSTEM") && rest[1].is_kw("VERSIONING")
}

/// One `ADD ATTRIBUTE a …`, `DROP ATTRIBUTE [IF EXISTS] a …` or `RENAME ATTRIBUTE a TO b`
/// action of PostgreSQL's `ALTER TYPE t` (a composite type), found by
/// [`type_attribute_actions`].
#[derive(Debug, Clone, Copy)]
pub struct AttributeAction<'a> {
    /// The index of its `ADD`/`DROP`/`RENAME` keyword in the statement's tokens.
    pub at: usize,
    /// Its `ADD`/`DROP`/`RENAME` keyword.
    pub verb: &'a Tok,
    /// Its `ATTRIBUTE` keyword, where `IF EXISTS` goes.
    pub keyword: &'a Tok,
    /// `IF [NOT] EXISTS` follows the keyword.
    pub guarded: bool,
    /// The attribute's name.
    pub name: &'a Tok,
    /// The index of the name in the statement's tokens (a rename's `TO new` follows).
    pub name_at: usize,
}

impl AttributeAction<'_> {
    pub fn adds(&self) -> bool {
        self.verb.is_kw("ADD")
    }

    pub fn drops(&self) -> bool {
        self.verb.is_kw("DROP")
    }
}

/// The `ADD ATTRIBUTE`, `DROP ATTRIBUTE` and `RENAME ATTRIBUTE` actions of an `ALTER TYPE`
/// statement's `tokens`, outside parentheses, in order.
pub fn type_attribute_actions(tokens: &[Tok]) -> Vec<AttributeAction<'_>> {
    let mut out = Vec::new();
    for (i, t) in top_level(tokens) {
        let Some(keyword) = tokens.get(i + 1).filter(|k| k.is_kw("ATTRIBUTE")) else {
            continue;
        };
        if !(t.is_kw("ADD") || t.is_kw("DROP") || t.is_kw("RENAME")) {
            continue;
        }
        let mut at = i + 2;
        let guarded = tokens.get(at).is_some_and(|t| t.is_kw("IF"));
        while tokens
            .get(at)
            .is_some_and(|t| t.is_kw("IF") || t.is_kw("NOT") || t.is_kw("EXISTS"))
        {
            at += 1;
        }
        if let Some(name) = tokens.get(at).filter(|n| crate::sql::folded(n).is_some()) {
            out.push(AttributeAction {
                at: i,
                verb: t,
                keyword,
                guarded,
                name,
                name_at: at,
            });
        }
    }
    out
}
