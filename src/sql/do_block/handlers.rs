//! PL/pgSQL exception handlers and MySQL/MariaDB `DECLARE … HANDLER`s: which statements of a
//! block a handler covers, and whether it catches the error a statement's re-run raises.

use crate::sql::lexer::Tok;
use sqlparser::tokenizer::Token;
use std::ops::Range;

const CAUGHT_CODES: &[&str] = &[
    "42710", "42P07", "42701", "42P06", "42723", "42P04", "42P01", "42703", "42704", "42P16",
];

/// A PL/pgSQL exception handler: the bytes of the statements it guards (between its block's
/// `BEGIN` and `EXCEPTION`; not its own `WHEN … THEN` branches), and what it catches.
#[derive(Debug, Default, Clone)]
pub(super) struct Handler {
    pub(super) range: Range<usize>,
    /// `WHEN OTHERS`.
    others: bool,
    /// Condition names, lower case.
    names: Vec<String>,
    /// `SQLSTATE '…'` codes, upper case.
    codes: Vec<String>,
}

impl Handler {
    /// Does it catch the error a re-run of `statement` raises? When that error is not known,
    /// any "already exists" / "does not exist" condition counts.
    pub(super) fn catches(&self, statement: &crate::sql::Statement) -> bool {
        if self.others {
            return true;
        }
        match retry_error(statement) {
            Some(errors) => errors.iter().any(|(name, code)| {
                self.names.iter().any(|n| n == name)
                    || self.codes.iter().any(|c| c.eq_ignore_ascii_case(code))
            }),
            None => {
                // invalid_table_definition: "multiple primary keys … are not allowed".
                self.names.iter().any(|w| {
                    w == "invalid_table_definition"
                        || w.starts_with("duplicate_")
                        || w.starts_with("undefined_")
                }) || self
                    .codes
                    .iter()
                    .any(|c| CAUGHT_CODES.contains(&c.as_str()))
            }
        }
    }
}

const DUPLICATE_TABLE: (&str, &str) = ("duplicate_table", "42P07");
const DUPLICATE_OBJECT: (&str, &str) = ("duplicate_object", "42710");
const DUPLICATE_COLUMN: (&str, &str) = ("duplicate_column", "42701");
const DUPLICATE_FUNCTION: (&str, &str) = ("duplicate_function", "42723");
const DUPLICATE_SCHEMA: (&str, &str) = ("duplicate_schema", "42P06");
const INVALID_TABLE_DEFINITION: (&str, &str) = ("invalid_table_definition", "42P16");
const UNDEFINED_TABLE: (&str, &str) = ("undefined_table", "42P01");
const UNDEFINED_OBJECT: (&str, &str) = ("undefined_object", "42704");
const UNDEFINED_COLUMN: (&str, &str) = ("undefined_column", "42703");
const UNDEFINED_FUNCTION: (&str, &str) = ("undefined_function", "42883");
const INVALID_SCHEMA_NAME: (&str, &str) = ("invalid_schema_name", "3F000");
const UNIQUE_VIOLATION: (&str, &str) = ("unique_violation", "23505");

/// The condition (name, SQLSTATE) PostgreSQL raises when `statement` runs a second time, as
/// checked on PostgreSQL 15 (tests/lint_calls_db.rs): an index, sequence or view is a relation
/// (`relation "…" already exists`), so is the index of a UNIQUE or EXCLUDE constraint; a second
/// primary key is "multiple primary keys"; a missing schema is `invalid_schema_name`; rows
/// inserted again violate a unique key. `None`
/// when it is not known.
fn retry_error(statement: &crate::sql::Statement) -> Option<Vec<(&'static str, &'static str)>> {
    use crate::sql::{AlterActionKind, ObjectKind as K, ShapeKind};
    let shape = &statement.shape;
    let one = |e| Some(vec![e]);
    match &shape.kind {
        ShapeKind::Create(kind) => match kind {
            K::Table | K::Index | K::Sequence | K::View | K::MaterializedView => {
                one(DUPLICATE_TABLE)
            }
            K::Type | K::Domain | K::Trigger | K::Policy | K::Extension | K::Role => {
                one(DUPLICATE_OBJECT)
            }
            K::Function | K::Procedure => one(DUPLICATE_FUNCTION),
            K::Schema => one(DUPLICATE_SCHEMA),
            _ => None,
        },
        ShapeKind::Drop(kind) => match kind {
            K::Table | K::Sequence | K::View => one(UNDEFINED_TABLE),
            K::Index | K::Type | K::Trigger | K::Policy | K::Extension => one(UNDEFINED_OBJECT),
            K::Function | K::Procedure => one(UNDEFINED_FUNCTION),
            K::Schema => one(INVALID_SCHEMA_NAME),
            _ => None,
        },
        ShapeKind::AlterTypeAddValue => one(DUPLICATE_OBJECT),
        // The rows are there: a unique key rejects them again.
        ShapeKind::Insert => one(UNIQUE_VIOLATION),
        ShapeKind::AlterTable => {
            // The first action that fails raises the error: only one kind of action is known.
            let mut errors = shape.actions.iter().map(|a| match a.kind {
                AlterActionKind::AddColumn => Some(DUPLICATE_COLUMN),
                AlterActionKind::DropColumn => Some(UNDEFINED_COLUMN),
                AlterActionKind::DropConstraint => Some(UNDEFINED_OBJECT),
                AlterActionKind::AddConstraint => constraint_error(&statement.tokens, &a.range),
                _ => None,
            });
            let first = errors.next()??;
            errors.all(|e| e == Some(first)).then(|| vec![first])
        }
        _ => None,
    }
}

/// What a re-run of `ADD CONSTRAINT` action `range` of `tokens` raises: a foreign key or check
/// that exists is `duplicate_object`; UNIQUE and EXCLUDE build an index, a relation.
fn constraint_error(tokens: &[Tok], range: &Range<usize>) -> Option<(&'static str, &'static str)> {
    let action = tokens
        .iter()
        .filter(|t| range.start <= t.range.start && t.range.end <= range.end);
    for t in action {
        if t.is_kw("PRIMARY") {
            return Some(INVALID_TABLE_DEFINITION);
        } else if t.is_kw("UNIQUE") || t.is_kw("EXCLUDE") {
            return Some(DUPLICATE_TABLE);
        } else if t.is_kw("FOREIGN") || t.is_kw("CHECK") {
            return Some(DUPLICATE_OBJECT);
        }
    }
    None
}

/// The exception handlers of PL/pgSQL body `tokens`. Each guards the statements of its own
/// block (`BEGIN stmts EXCEPTION WHEN … THEN … END`), nested blocks' included: an error a
/// nested block does not catch propagates out to it.
pub(super) fn exception_handlers(tokens: &[Tok]) -> Vec<Handler> {
    enum Frame {
        /// A block: where its statements start, and its handler once `EXCEPTION` is read.
        Block(usize, Option<usize>),
        Case,
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut handlers: Vec<Handler> = Vec::new();
    // The handler whose `WHEN` conditions are being read.
    let mut reading: Option<usize> = None;
    // The handler of a body read without its `BEGIN`.
    let mut bare: Option<usize> = None;
    for (k, t) in tokens.iter().enumerate() {
        let prev = k.checked_sub(1).map(|p| &tokens[p]);
        let next = tokens.get(k + 1);
        if let Some(h) = reading {
            if t.is_kw("THEN") {
                reading = None;
            } else if let Token::Word(w) = &t.token {
                let word = w.value.to_ascii_lowercase();
                let code = (word == "sqlstate").then_some(next).flatten();
                match code.map(|c| &c.token) {
                    Some(Token::SingleQuotedString(code)) => {
                        handlers[h].codes.push(code.to_ascii_uppercase())
                    }
                    _ if w.quote_style.is_none() && word == "others" => handlers[h].others = true,
                    _ if w.quote_style.is_none() && word != "or" => handlers[h].names.push(word),
                    _ => {}
                }
            }
            continue;
        }
        if t.is_kw("BEGIN") {
            stack.push(Frame::Block(t.range.end, None));
        } else if t.is_kw("CASE") && !prev.is_some_and(|p| p.is_kw("END")) {
            stack.push(Frame::Case);
        } else if t.is_kw("END") {
            if !next.is_some_and(|n| n.is_kw("IF") || n.is_kw("LOOP")) {
                stack.pop();
            }
        } else if t.is_kw("EXCEPTION")
            && next.is_some_and(|n| n.is_kw("WHEN"))
            && !prev.is_some_and(|p| p.is_kw("RAISE"))
        {
            let index = handlers.len();
            // A body without its `BEGIN`: the block's statements start with it.
            let start = match stack.last_mut() {
                Some(Frame::Block(start, handler)) => {
                    *handler = Some(index);
                    *start
                }
                _ => {
                    bare = Some(index);
                    tokens[0].range.start
                }
            };
            handlers.push(Handler {
                range: start..t.range.start,
                ..Handler::default()
            });
        } else if t.is_kw("WHEN") {
            // A handler's condition list: after `EXCEPTION`, or after a statement of the
            // branch before it, in the block whose handler it is.
            let handler = match stack.last() {
                Some(Frame::Block(_, Some(h))) => Some(*h),
                None => bare,
                _ => None,
            };
            let starts = prev.is_some_and(|p| p.is_kw("EXCEPTION") || p.token == Token::SemiColon);
            if starts {
                reading = handler;
            }
        }
    }
    handlers
}

/// MySQL/MariaDB error numbers and SQLSTATEs a retry of DDL raises when its object already
/// exists or is already gone: table exists (1050, 42S01), unknown table (1051, 1146, 42S02),
/// duplicate column (1060, 42S21), unknown column (1054, 42S22), duplicate key name (1061),
/// can't drop a missing column or key (1091), multiple primary keys (1068), missing key
/// (1176), duplicate foreign key (1826, 1022), routine/trigger exists or not (1304, 1305,
/// 1359, 1360), database exists or not (1007, 1008); `42000` is the class of several of them.
const MYSQL_CAUGHT: &[&str] = &[
    "1007", "1008", "1022", "1050", "1051", "1054", "1060", "1061", "1068", "1091", "1146", "1176",
    "1304", "1305", "1359", "1360", "1826", "42S01", "42S02", "42S21", "42S22", "42000",
];

/// A MySQL/MariaDB body that declares `DECLARE CONTINUE|EXIT HANDLER FOR …` one of
/// [`MYSQL_CAUGHT`], `SQLEXCEPTION`, or a condition declared (`DECLARE c CONDITION FOR …`) as
/// one of them: the error a retry raises is caught, as a PL/pgSQL `EXCEPTION WHEN
/// duplicate_…` catches it.
pub(super) fn mysql_handler_catches_duplicates(tokens: &[Tok]) -> bool {
    let caught = |t: &Tok| match &t.token {
        Token::Number(n, _) => MYSQL_CAUGHT.contains(&n.as_str()),
        Token::SingleQuotedString(s) => MYSQL_CAUGHT.iter().any(|c| c.eq_ignore_ascii_case(s)),
        _ => false,
    };
    // `code`, `SQLSTATE 'x'`, `SQLSTATE VALUE 'x'` at `k`: the index of the token naming it.
    let code_at = |mut k: usize| {
        if tokens.get(k).is_some_and(|t| t.is_kw("SQLSTATE")) {
            k += 1;
            if tokens.get(k).is_some_and(|t| t.is_kw("VALUE")) {
                k += 1;
            }
        }
        k
    };
    let mut conditions: Vec<String> = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        let declared = k > 0 && tokens[k - 1].is_kw("DECLARE");
        let is_condition = tokens.get(k + 1).is_some_and(|n| n.is_kw("CONDITION"))
            && tokens.get(k + 2).is_some_and(|n| n.is_kw("FOR"));
        if declared && is_condition && tokens.get(code_at(k + 3)).is_some_and(caught) {
            if let Some(name) = t.bare_word() {
                conditions.push(name.to_ascii_lowercase());
            }
        }
    }
    for (k, t) in tokens.iter().enumerate() {
        let handler = t.is_kw("HANDLER")
            && k >= 2
            && tokens[k - 2].is_kw("DECLARE")
            && ["CONTINUE", "EXIT", "UNDO"]
                .iter()
                .any(|w| tokens[k - 1].is_kw(w))
            && tokens.get(k + 1).is_some_and(|n| n.is_kw("FOR"));
        if !handler {
            continue;
        }
        // The handler's conditions: a comma-separated list after FOR.
        let mut at = code_at(k + 2);
        while let Some(code) = tokens.get(at) {
            let named = code
                .bare_word()
                .is_some_and(|w| conditions.contains(&w.to_ascii_lowercase()));
            if caught(code) || code.is_kw("SQLEXCEPTION") || named {
                return true;
            }
            match tokens.get(at + 1) {
                Some(t) if t.token == Token::Comma => at = code_at(at + 2),
                _ => break,
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use crate::sql::do_block::tests::nested_guards;
    use crate::sql::Dialect;

    #[test]
    fn a_handler_guards_the_statements_of_its_own_block_only() {
        let guards = |body: &str| -> Vec<bool> {
            nested_guards(body, Dialect::Postgres)
                .into_iter()
                .map(|(guarded, _)| guarded)
                .collect()
        };
        // The handler of a later nested block.
        assert_eq!(
            guards("CREATE TABLE a (id int);\nBEGIN PERFORM 1; EXCEPTION WHEN duplicate_table THEN NULL; END;"),
            [false]
        );
        // A nested block's handler guards its statements, not those after it.
        assert_eq!(
            guards("BEGIN CREATE TABLE a (id int); EXCEPTION WHEN duplicate_table THEN NULL; END;\nCREATE TABLE b (id int);"),
            [true, false]
        );
        // A nested block without a handler (or with another one) is in the enclosing block.
        assert_eq!(
            guards("BEGIN CREATE TABLE a (id int); END;\nBEGIN CREATE TABLE b (id int); EXCEPTION WHEN duplicate_object THEN NULL; END;\nEXCEPTION WHEN duplicate_table THEN NULL;"),
            [true, true]
        );
        // Neither the handler's own branch, nor a `RAISE EXCEPTION` or a CASE … END before it.
        assert_eq!(
            guards("RAISE EXCEPTION 'x';\nCREATE TABLE a AS SELECT CASE WHEN true THEN 1 END AS x;\nEXCEPTION WHEN duplicate_table THEN CREATE TABLE b (id int);"),
            [true, false]
        );
    }

    #[test]
    fn a_handler_guards_only_statements_whose_retry_raises_what_it_catches() {
        let guards = |body: &str, condition: &str| -> Vec<bool> {
            let body = format!("{body}\nEXCEPTION WHEN {condition} THEN NULL;");
            nested_guards(&body, Dialect::Postgres)
                .into_iter()
                .map(|(guarded, _)| guarded)
                .collect()
        };
        let body = "CREATE INDEX z ON t (a);\n\
                    ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id);\n\
                    ALTER TABLE t ADD CONSTRAINT u UNIQUE (a);\n\
                    ALTER TABLE t ADD COLUMN c int;\n\
                    ALTER TABLE t ADD PRIMARY KEY (a);\n\
                    DROP INDEX d;\n\
                    DROP SCHEMA s;\n\
                    INSERT INTO m (k) VALUES ('a');";
        assert_eq!(
            guards(body, "duplicate_object"),
            [false, true, false, false, false, false, false, false]
        );
        assert_eq!(
            guards(body, "duplicate_table OR duplicate_column"),
            [true, false, true, true, false, false, false, false]
        );
        assert_eq!(
            guards(
                body,
                "SQLSTATE '42P16' OR undefined_object OR invalid_schema_name"
            ),
            [false, false, false, false, true, true, true, false]
        );
        assert_eq!(
            guards(body, "unique_violation"),
            [false, false, false, false, false, false, false, true]
        );
        assert_eq!(guards(body, "OTHERS"), [true; 8]);
        // What a statement raises is not known: any "already exists" still counts.
        assert_eq!(
            guards("CREATE COLLATION c (locale = 'C');", "duplicate_object"),
            [true]
        );
    }
}
