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
            // Every error the re-run may raise (an ALTER's actions): which comes first is not
            // known.
            Some(errors) => errors.iter().all(|&error| self.catches_error(error)),
            // `ALTER COLUMN c TYPE t USING …` evaluates its expression again on the new type:
            // what that raises depends on the expression (`function length(integer) does not
            // exist`, `invalid input syntax`, …), never an "already exists". Only OTHERS is
            // known to catch it.
            None if converts_with_using(statement) => false,
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

    /// Does it catch condition `(name, SQLSTATE)`?
    fn catches_error(&self, (name, code): (&str, &str)) -> bool {
        self.others
            || self.names.iter().any(|n| n == name)
            || self.codes.iter().any(|c| c.eq_ignore_ascii_case(code))
    }

    /// Does it catch what a re-run of rename `statement` raises once the old name was made
    /// again and an earlier run left the new one ([`collision_error`]): every condition it may
    /// raise? `true` when that is not known. `kind`: what the type a type's `RENAME TO`
    /// renames is known to be: no composite type raises `duplicate_object` only, a composite
    /// type `duplicate_table` only (PostgreSQL 15, onto the composite type an earlier run
    /// renamed: `relation "c_old" already exists`).
    pub(super) fn catches_collision(
        &self,
        statement: &crate::sql::Statement,
        kind: TypeKnown,
    ) -> bool {
        collision_error(statement).is_none_or(|errors| {
            let errors = match kind {
                TypeKnown::NoComposite if errors == TYPE_COLLISIONS => &errors[..1],
                TypeKnown::Composite if errors == TYPE_COLLISIONS => &errors[1..],
                _ => errors,
            };
            errors.iter().all(|&error| self.catches_error(error))
        })
    }

    /// Does it catch that error of rename `statement` ([`collision_error`]), a known one?
    pub(super) fn catches_known_collision(&self, statement: &crate::sql::Statement) -> bool {
        collision_error(statement)
            .is_some_and(|errors| errors.iter().all(|&error| self.catches_error(error)))
    }

    /// Does it catch what a statement raises when a table it reads is gone?
    pub(super) fn catches_missing_table(&self) -> bool {
        self.catches_error(UNDEFINED_TABLE)
    }

    /// Does it catch what a statement raises when a column it reads is gone?
    pub(super) fn catches_missing_column(&self) -> bool {
        self.catches_error(UNDEFINED_COLUMN)
    }

    /// Does it catch what a statement raises when a constraint it names is gone?
    pub(super) fn catches_missing_object(&self) -> bool {
        self.catches_error(UNDEFINED_OBJECT)
    }

    /// Does it catch what a statement raises when it compares an enum with a label the type
    /// lacks (`invalid input value for enum`)?
    pub(super) fn catches_bad_label(&self) -> bool {
        self.catches_error(INVALID_TEXT_REPRESENTATION)
    }

    /// Does it catch what adding the named constraint `action` of ALTER TABLE `statement`
    /// raises once the constraint is there ([`constraint_error`]: `duplicate_object` for a
    /// CHECK or a foreign key, `duplicate_table` for a UNIQUE key's index, a second primary
    /// key's `invalid_table_definition`)? `false` for an unnamed one, added again under a new
    /// name, and for anything else.
    pub(super) fn catches_constraint_readded(
        &self,
        statement: &crate::sql::Statement,
        action: &crate::sql::AlterAction,
    ) -> bool {
        action.kind == crate::sql::AlterActionKind::AddConstraint
            && action.name.is_some()
            && constraint_error(&statement.tokens, &action.range, true)
                .is_some_and(|error| self.catches_error(error))
    }

    /// Does it catch what a statement raises when it adds a foreign key whose referenced key
    /// is gone (`there is no unique constraint matching given keys for referenced table`)?
    pub(super) fn catches_bad_reference(&self) -> bool {
        self.catches_error(INVALID_FOREIGN_KEY)
    }

    /// Does a re-run of `statement` certainly fail, with an error this handler catches? A
    /// `CREATE` of a named object without `IF NOT EXISTS` or `OR REPLACE` (not a temporary
    /// table, which a retry's new session does not see), or an `ALTER TYPE … ADD VALUE` without
    /// `IF NOT EXISTS`: once the first run made it, the retry raises its "already exists".
    pub(super) fn catches_certain_failure(&self, statement: &crate::sql::Statement) -> bool {
        use crate::sql::ShapeKind;
        let shape = &statement.shape;
        let unguarded = !shape.guard.is_some_and(|g| g.present);
        let fails = match shape.kind {
            ShapeKind::Create(_) => {
                unguarded && !shape.or_replace && !shape.temporary && shape.object().is_some()
            }
            ShapeKind::AlterTypeAddValue => unguarded,
            _ => false,
        };
        fails
            && retry_error(statement)
                .is_some_and(|errors| errors.iter().all(|&error| self.catches_error(error)))
    }
}

/// Is byte `at` of a PL/pgSQL body directly in the block whose statements start at byte
/// `start`: in none of its IFs, CASEs, loops or inner blocks, and after nothing that may remove
/// objects (`DROP`, `RENAME`, or SQL it cannot read: `EXECUTE`, `PERFORM`, `CALL`)? A
/// statement there runs whenever the block gets to `at`, and meets what an earlier run of the
/// block made. `tokens`: the body's, the `;` between statements included.
pub(super) fn runs_first_in_block(tokens: &[Tok], start: usize, at: usize) -> bool {
    const STATEMENT_AFTER: [&str; 6] = ["BEGIN", "THEN", "ELSE", "LOOP", "DECLARE", "EXCEPTION"];
    let from = tokens.partition_point(|t| t.range.start < start);
    let to = tokens.partition_point(|t| t.range.start < at);
    let mut depth = 0usize;
    let mut k = from;
    while k < to {
        let t = &tokens[k];
        let prev = k.checked_sub(1).map(|p| &tokens[p]);
        let starts_statement = prev.is_none_or(|p| {
            p.token == Token::SemiColon
                || p.token == Token::ShiftRight
                || STATEMENT_AFTER.iter().any(|w| p.is_kw(w))
        });
        if may_remove(t) {
            return false;
        }
        if t.is_kw("END") {
            depth = depth.saturating_sub(1);
            // `END IF`, `END LOOP`, `END CASE` close one construct.
            if tokens
                .get(k + 1)
                .is_some_and(|n| n.is_kw("IF") || n.is_kw("LOOP") || n.is_kw("CASE"))
            {
                k += 1;
            }
        } else if t.is_kw("BEGIN")
            || t.is_kw("CASE")
            || t.is_kw("LOOP")
            || (t.is_kw("IF") && starts_statement)
        {
            depth += 1;
        }
        k += 1;
    }
    depth == 0
}

/// Is `t` a word that starts what may remove objects: `DROP`, `RENAME`, or SQL a body cannot
/// read (`EXECUTE`, `PERFORM`, `CALL`)?
pub(super) fn may_remove(t: &Tok) -> bool {
    ["DROP", "RENAME", "EXECUTE", "PERFORM", "CALL"]
        .iter()
        .any(|w| t.is_kw(w))
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
const INVALID_TEXT_REPRESENTATION: (&str, &str) = ("invalid_text_representation", "22P02");
const INVALID_FOREIGN_KEY: (&str, &str) = ("invalid_foreign_key", "42830");
const UNDEFINED_FUNCTION: (&str, &str) = ("undefined_function", "42883");
const INVALID_SCHEMA_NAME: (&str, &str) = ("invalid_schema_name", "3F000");
const UNIQUE_VIOLATION: (&str, &str) = ("unique_violation", "23505");
const INVALID_PARAMETER_VALUE: (&str, &str) = ("invalid_parameter_value", "22023");
/// What a type's `RENAME TO` raises once the new name is taken: `type "e_old" already exists`
/// for an enum (or a domain, a range), `relation "c_old" already exists` for a composite type.
const TYPE_COLLISIONS: [(&str, &str); 2] = [DUPLICATE_OBJECT, DUPLICATE_TABLE];

/// What a type's `RENAME TO` is known to rename, for the "already exists" its retry raises
/// ([`TYPE_COLLISIONS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TypeKnown {
    /// Not known: either.
    Any,
    /// No composite type (an enum): `duplicate_object`.
    NoComposite,
    /// A composite type: `duplicate_table`.
    Composite,
}

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
        // `ALTER TYPE t ADD ATTRIBUTE a …` has no IF NOT EXISTS: `column "a" of relation "t"
        // already exists`; a `DROP ATTRIBUTE b` without IF EXISTS: `column "b" of relation "t"
        // does not exist`. Either may come first. Other actions are not known to fail.
        ShapeKind::Alter(K::Type) => {
            let mut errors = Vec::new();
            for action in crate::sql::type_attribute_actions(&statement.tokens) {
                let error = if action.adds() {
                    DUPLICATE_COLUMN
                } else if action.drops() && !action.guarded {
                    UNDEFINED_COLUMN
                } else {
                    continue;
                };
                if !errors.contains(&error) {
                    errors.push(error);
                }
            }
            (!errors.is_empty()).then_some(errors)
        }
        // The old name is gone (PostgreSQL 15): `relation "i" does not exist`, `type "mood"
        // does not exist`, `"a" is not an existing enum label`, `column "a" does not exist`.
        // `ALTER … IF EXISTS x RENAME TO y` only notices then: its retry fails only once the
        // file made `x` again and an earlier run left `y`, with `relation "y" already exists`
        // (`duplicate_table`) for a relation.
        ShapeKind::Rename(kind) => {
            let word = |w: &str| statement.tokens.iter().any(|t| t.is_kw(w));
            let renames_object = statement.renames_object();
            if renames_object && shape.guard.is_some_and(|g| g.present) {
                let relation = matches!(
                    kind,
                    K::Index | K::Sequence | K::View | K::MaterializedView | K::Table
                );
                return relation.then(|| vec![DUPLICATE_TABLE]);
            }
            match kind {
                K::Index | K::Sequence | K::View | K::MaterializedView | K::Table
                    if renames_object =>
                {
                    one(UNDEFINED_TABLE)
                }
                K::View | K::MaterializedView if word("COLUMN") => one(UNDEFINED_COLUMN),
                K::Type | K::Domain if renames_object => one(UNDEFINED_OBJECT),
                K::Type if word("VALUE") => one(INVALID_PARAMETER_VALUE),
                K::Type if word("ATTRIBUTE") => one(UNDEFINED_COLUMN),
                K::Schema if renames_object => one(INVALID_SCHEMA_NAME),
                K::Function | K::Procedure if renames_object => one(UNDEFINED_FUNCTION),
                _ => None,
            }
        }
        // The rows are there: a unique key rejects them again.
        ShapeKind::Insert => one(UNIQUE_VIOLATION),
        ShapeKind::AlterTable => {
            // The action that fails first raises the error, and PostgreSQL runs an ALTER's
            // actions in passes, not in the written order (a primary key before a foreign
            // key): every error an action is known to raise has to be caught. An action whose
            // re-run raises nothing (`SET NOT NULL`, an unnamed UNIQUE or CHECK added again)
            // or is guarded by IF [NOT] EXISTS or is not known adds none; no known error at all
            // is "not known".
            let mut errors = Vec::new();
            for a in &shape.actions {
                // `IF [NOT] EXISTS` on the action: its re-run only notices.
                if a.guard.as_ref().is_some_and(|g| g.present) {
                    continue;
                }
                let error = match a.kind {
                    AlterActionKind::AddColumn => Some(DUPLICATE_COLUMN),
                    AlterActionKind::DropColumn => Some(UNDEFINED_COLUMN),
                    AlterActionKind::DropConstraint => Some(UNDEFINED_OBJECT),
                    AlterActionKind::AddConstraint => {
                        constraint_error(&statement.tokens, &a.range, a.name.is_some())
                    }
                    // The old name is gone: `RENAME [COLUMN] a TO b` raises `column "a" does
                    // not exist`, `RENAME CONSTRAINT` `constraint "c" … does not exist`,
                    // `RENAME TO` `relation "t" does not exist` (but under `ALTER TABLE IF
                    // EXISTS`, which only notices: its retry fails only on the new name an
                    // earlier run left, once the file made `t` again).
                    AlterActionKind::Rename => {
                        let second = crate::sql::tokens_in(&statement.tokens, &a.range).get(1);
                        if second.is_some_and(|t| t.is_kw("CONSTRAINT")) {
                            Some(UNDEFINED_OBJECT)
                        } else if a.name.is_some() {
                            Some(UNDEFINED_COLUMN)
                        } else if shape.guard.is_some_and(|g| g.present) {
                            Some(DUPLICATE_TABLE)
                        } else {
                            Some(UNDEFINED_TABLE)
                        }
                    }
                    _ => None,
                };
                if let Some(error) = error.filter(|e| !errors.contains(e)) {
                    errors.push(error);
                }
            }
            (!errors.is_empty()).then_some(errors)
        }
        _ => None,
    }
}

/// The conditions (name, SQLSTATE) PostgreSQL 15 may raise when rename `statement` runs again
/// after the statements before it made the old name again, so that an earlier run left the
/// new one: `relation "t_old" already exists` (`duplicate_table`) for `RENAME TO` of a table,
/// index, sequence or view, `column "b" of relation "t" already exists` (`duplicate_column`)
/// for a column rename or a type's `RENAME ATTRIBUTE`, `constraint "c2" for relation "t"
/// already exists` (`duplicate_object`) for `RENAME CONSTRAINT`, `type "d_old" already exists`
/// (`duplicate_object`) for a domain's `RENAME TO`, `enum label "b" already exists`
/// (`duplicate_object`) for `RENAME VALUE`, `duplicate_schema` for a schema and
/// `duplicate_function` for a function or procedure. A type's `RENAME TO` raises
/// `duplicate_object` for an enum (any type but a composite one), `duplicate_table` for a
/// composite type (whose row type the new name, a relation, takes): both, as `ALTER TYPE` does
/// not tell which ([`TYPE_COLLISIONS`]). `None` for anything else and under `IF EXISTS`, which
/// [`retry_error`] does not count either.
fn collision_error(
    statement: &crate::sql::Statement,
) -> Option<&'static [(&'static str, &'static str)]> {
    use crate::sql::{AlterActionKind, ObjectKind as K, ShapeKind};
    let shape = &statement.shape;
    let if_exists = shape.guard.is_some_and(|g| g.present);
    let word = |w: &str| statement.tokens.iter().any(|t| t.is_kw(w));
    let renames_object = statement.renames_object();
    match &shape.kind {
        ShapeKind::Rename(kind) if renames_object && !if_exists => match kind {
            K::Index | K::Sequence | K::View | K::MaterializedView | K::Table => {
                Some(&[DUPLICATE_TABLE])
            }
            K::Type => Some(&TYPE_COLLISIONS),
            K::Domain => Some(&[DUPLICATE_OBJECT]),
            K::Schema => Some(&[DUPLICATE_SCHEMA]),
            K::Function | K::Procedure => Some(&[DUPLICATE_FUNCTION]),
            _ => None,
        },
        ShapeKind::Rename(K::Type) if word("VALUE") => Some(&[DUPLICATE_OBJECT]),
        ShapeKind::Rename(K::Type) if word("ATTRIBUTE") => Some(&[DUPLICATE_COLUMN]),
        ShapeKind::AlterTable => {
            let [a] = &shape.actions[..] else {
                return None;
            };
            if a.kind != AlterActionKind::Rename || a.guard.as_ref().is_some_and(|g| g.present) {
                return None;
            }
            let second = crate::sql::tokens_in(&statement.tokens, &a.range).get(1);
            if second.is_some_and(|t| t.is_kw("CONSTRAINT")) {
                Some(&[DUPLICATE_OBJECT])
            } else if a.name.is_some() {
                Some(&[DUPLICATE_COLUMN])
            } else if if_exists {
                None
            } else {
                Some(&[DUPLICATE_TABLE])
            }
        }
        _ => None,
    }
}

/// Does ALTER TABLE `statement` change a column's type with a `USING` expression?
fn converts_with_using(statement: &crate::sql::Statement) -> bool {
    use crate::sql::{AlterActionKind, ShapeKind};
    let shape = &statement.shape;
    shape.kind == ShapeKind::AlterTable
        && shape.actions.iter().any(|a| {
            let mut words = crate::sql::tokens_in(&statement.tokens, &a.range).iter();
            a.kind == AlterActionKind::Other
                && words.clone().any(|t| t.is_kw("TYPE"))
                && words.any(|t| t.is_kw("USING"))
        })
}

/// What a re-run of `ADD CONSTRAINT` action `range` of `tokens` raises: a foreign key or check
/// that exists is `duplicate_object`; UNIQUE and EXCLUDE build an index, a relation.
fn constraint_error(
    tokens: &[Tok],
    range: &Range<usize>,
    named: bool,
) -> Option<(&'static str, &'static str)> {
    for t in crate::sql::tokens_in(tokens, range) {
        if t.is_kw("PRIMARY") {
            return Some(INVALID_TABLE_DEFINITION);
        } else if !named
            && ["UNIQUE", "EXCLUDE", "FOREIGN", "CHECK"]
                .iter()
                .any(|k| t.is_kw(k))
        {
            // Added again under a new generated name: no error.
            return None;
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
    // What that handler caught before this branch's conditions: (names, codes, others).
    let mut before_branch = (0, 0, false);
    // The handler of a body read without its `BEGIN`.
    let mut bare: Option<usize> = None;
    for (k, t) in tokens.iter().enumerate() {
        let prev = k.checked_sub(1).map(|p| &tokens[p]);
        let next = tokens.get(k + 1);
        if let Some(h) = reading {
            if t.is_kw("THEN") {
                reading = None;
                // A branch that raises an exception first catches nothing: the block fails
                // as it would without it (`WHEN duplicate_column THEN RAISE 'x'`).
                if raises_first(&tokens[k + 1..]) {
                    let (names, codes, others) = before_branch;
                    handlers[h].names.truncate(names);
                    handlers[h].codes.truncate(codes);
                    handlers[h].others = others;
                }
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
                if let Some(h) = handler {
                    let h = &handlers[h];
                    before_branch = (h.names.len(), h.codes.len(), h.others);
                }
            }
        }
    }
    handlers
}

/// Is the first statement of `branch` (what follows a handler's `THEN`) a PL/pgSQL `RAISE` of
/// an exception: `RAISE;`, `RAISE 'x'`, `RAISE EXCEPTION …`, `RAISE unique_violation`, `RAISE
/// USING …`? A `RAISE` without a level raises an exception; `DEBUG` to `WARNING` only report.
fn raises_first(branch: &[Tok]) -> bool {
    match branch {
        [raise, level, ..] if raise.is_kw("RAISE") => {
            !["DEBUG", "LOG", "INFO", "NOTICE", "WARNING"]
                .iter()
                .any(|l| level.is_kw(l))
        }
        _ => false,
    }
}

/// MySQL/MariaDB error numbers and SQLSTATEs a retry of DDL raises when its object already
/// exists or is already gone: table exists (1050, 42S01), unknown table (1051, 1146, 42S02),
/// duplicate column (1060, 42S21), unknown column (1054, 42S22), duplicate key name (1061),
/// can't drop a missing column or key (1091), multiple primary keys (1068), missing key
/// (1176), duplicate foreign key (1826, 1022), routine/trigger exists or not (1304, 1305,
/// 1359, 1360), database exists or not (1007, 1008); `42000` is the class of several of them.
/// A handler for one of them guards a statement whose retry error is not known.
const MYSQL_CAUGHT: &[&str] = &[
    "1007", "1008", "1022", "1050", "1051", "1054", "1060", "1061", "1068", "1091", "1146", "1176",
    "1304", "1305", "1359", "1360", "1826", "42S01", "42S02", "42S21", "42S22", "42000",
];

/// A MySQL/MariaDB error: its number and SQLSTATE.
type MysqlError = (u32, &'static str);

const ER_CANT_CREATE_TABLE: MysqlError = (1005, "HY000");
const ER_DB_CREATE_EXISTS: MysqlError = (1007, "HY000");
const ER_DB_DROP_EXISTS: MysqlError = (1008, "HY000");
const ER_DUP_KEY: MysqlError = (1022, "23000");
const ER_TABLE_EXISTS: MysqlError = (1050, "42S01");
const ER_BAD_TABLE: MysqlError = (1051, "42S02");
const ER_BAD_FIELD: MysqlError = (1054, "42S22");
const ER_DUP_FIELDNAME: MysqlError = (1060, "42S21");
const ER_DUP_KEYNAME: MysqlError = (1061, "42000");
const ER_DUP_ENTRY: MysqlError = (1062, "23000");
const ER_MULTIPLE_PRI_KEY: MysqlError = (1068, "42000");
/// A key names a column the table lacks (`Key column 'c' doesn't exist in table`).
const ER_KEY_COLUMN_DOES_NOT_EXIST: MysqlError = (1072, "42000");
const ER_CANT_DROP_FIELD_OR_KEY: MysqlError = (1091, "42000");
const ER_NO_SUCH_TABLE: MysqlError = (1146, "42S02");
const ER_KEY_DOES_NOT_EXIST: MysqlError = (1176, "42000");
const ER_SP_ALREADY_EXISTS: MysqlError = (1304, "42000");
const ER_SP_DOES_NOT_EXIST: MysqlError = (1305, "42000");
const ER_TRG_ALREADY_EXISTS: MysqlError = (1359, "HY000");
const ER_TRG_DOES_NOT_EXIST: MysqlError = (1360, "HY000");
const ER_EVENT_ALREADY_EXISTS: MysqlError = (1537, "HY000");
const ER_EVENT_DOES_NOT_EXIST: MysqlError = (1539, "HY000");
/// MariaDB: a CHECK constraint's name is taken; MySQL: a foreign key's (ER_FK_DUP_NAME).
const ER_DUP_CONSTRAINT_NAME: MysqlError = (1826, "HY000");
/// MySQL 8: the table a foreign key references is gone (`Failed to open the referenced table
/// '%s'`, MySQL's Server Error Message Reference,
/// <https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html>; not run here).
/// MariaDB knows the code too, but 10.11 raises 1005 (errno 150, `Foreign key constraint is
/// incorrectly formed`) for an ALTER's `FOREIGN KEY … REFERENCES gone (id)` (checked), and
/// nothing under `foreign_key_checks = 0`.
const ER_FK_CANNOT_OPEN_PARENT: MysqlError = (1824, "HY000");
/// MySQL 8.0.16+: a CHECK constraint names a column the table lacks (`Check constraint '%s'
/// refers to non-existing column '%s'`, the same reference; CHECK constraints themselves:
/// <https://dev.mysql.com/doc/refman/8.0/en/create-table-check-constraints.html>; not run
/// here). MariaDB 10.11 raises 1054 (`Unknown column 'c' in 'CHECK'`, checked). MySQL refuses
/// to drop a column a CHECK uses (`Check_constraint_column_dependency_checker`, MySQL's source
/// documentation), where MariaDB drops a CHECK on that column alone along with it (MDEV-11114):
/// on MySQL a re-run meets 3820 only once the file dropped the constraint before the column.
const ER_CHECK_CONSTRAINT_REFERS_UNKNOWN_COLUMN: MysqlError = (3820, "HY000");
/// MySQL 8: a CHECK constraint's name is taken.
const ER_CHECK_CONSTRAINT_DUP_NAME: MysqlError = (3822, "HY000");
const ER_UNKNOWN_SEQUENCES: MysqlError = (4091, "42S02");
const ER_UNKNOWN_VIEW: MysqlError = (4092, "42S02");
/// MariaDB: `DROP SYSTEM VERSIONING` of a table that is not system-versioned.
const ER_VERS_NOT_VERSIONED: MysqlError = (4124, "HY000");
/// MariaDB: `ADD SYSTEM VERSIONING` (or `ADD PERIOD FOR SYSTEM_TIME`) of a system-versioned table.
const ER_VERS_ALREADY_VERSIONED: MysqlError = (4135, "HY000");
/// MariaDB: `ADD PERIOD FOR p` of a table that has an application-time period.
const ER_MORE_THAN_ONE_PERIOD: MysqlError = (4154, "HY000");

/// The errors a second run of `statement` can raise on MySQL/MariaDB (`mariadb`: which of the
/// two), as checked on MariaDB 10.11 (tests/lint_mysql_handlers_db.rs). Where the servers
/// differ, MySQL's are its documented ones: a foreign key whose name is taken is 1005 (errno
/// 121) on MariaDB, 1826 on MySQL 8 and 1022 on 5.7; a CHECK's is 1826 on MariaDB and 3822 on
/// MySQL; a missing view is 4092 on MariaDB, 1051 on MySQL. `None` when it is not known.
fn mysql_retry_errors(statement: &crate::sql::Statement, mariadb: bool) -> Option<RetryErrors> {
    use crate::sql::{ObjectKind as K, ShapeKind};
    let errors: &[MysqlError] = match &statement.shape.kind {
        ShapeKind::Create(kind) => match kind {
            K::Table | K::View | K::Sequence => &[ER_TABLE_EXISTS],
            K::Index => &[ER_DUP_KEYNAME],
            K::Function | K::Procedure => &[ER_SP_ALREADY_EXISTS],
            K::Trigger => &[ER_TRG_ALREADY_EXISTS],
            K::Database | K::Schema => &[ER_DB_CREATE_EXISTS],
            K::Event => &[ER_EVENT_ALREADY_EXISTS],
            _ => return None,
        },
        ShapeKind::Drop(kind) => match kind {
            K::Table => &[ER_BAD_TABLE],
            K::View if mariadb => &[ER_UNKNOWN_VIEW],
            K::View => &[ER_BAD_TABLE],
            K::Sequence => &[ER_UNKNOWN_SEQUENCES],
            K::Index => &[ER_CANT_DROP_FIELD_OR_KEY],
            K::Function | K::Procedure => &[ER_SP_DOES_NOT_EXIST],
            K::Trigger => &[ER_TRG_DOES_NOT_EXIST],
            K::Database | K::Schema => &[ER_DB_DROP_EXISTS],
            K::Event => &[ER_EVENT_DOES_NOT_EXIST],
            _ => return None,
        },
        // `RENAME TABLE a TO b`: `a` is gone.
        ShapeKind::Rename(K::Table) => &[ER_NO_SUCH_TABLE],
        // The rows are there: a unique key rejects them again.
        ShapeKind::Insert => &[ER_DUP_ENTRY],
        ShapeKind::AlterTable => return mysql_alter_table_errors(statement, mariadb),
        _ => return None,
    };
    Some(RetryErrors {
        certain: errors.to_vec(),
        ..RetryErrors::default()
    })
}

/// What a second run of a statement raises, as far as its parts tell.
#[derive(Debug, Default)]
struct RetryErrors {
    /// One of these, from the parts that fail again whatever the file does, in the parts'
    /// order (the server reports one of them: [`reported_first`]).
    certain: Vec<MysqlError>,
    /// These only when a later statement of the file removed what a part changes in place
    /// (`MODIFY a …` when the file drops or renames `a` after it).
    possible: Vec<MysqlError>,
    /// A part's error is not known.
    unknown: bool,
}

/// The errors a second run of `ALTER TABLE` `statement` can raise: those of each action that
/// fails again (the server reports one of them: [`reported_first`]). An action whose error is
/// not known leaves the others' known. `None` when no action's is known, or when the ALTER as a
/// whole raises another error first.
fn mysql_alter_table_errors(
    statement: &crate::sql::Statement,
    mariadb: bool,
) -> Option<RetryErrors> {
    use crate::sql::AlterActionKind as A;
    let mut errors = RetryErrors::default();
    for action in &statement.shape.actions {
        // `ADD COLUMN IF NOT EXISTS`, `DROP INDEX IF EXISTS` (MariaDB) do not fail.
        if action.guard.as_ref().is_some_and(|g| g.present) {
            continue;
        }
        let words = crate::sql::tokens_in(&statement.tokens, &action.range);
        let word = |k: usize, w: &str| words.get(k).is_some_and(|t| t.is_kw(w));
        let action_errors: &[MysqlError] = match action.kind {
            // MariaDB runs `DROP SYSTEM VERSIONING` beside other actions only under
            // `system_versioning_alter_history = KEEP` (else 4119 on the first run); a retry
            // finds the table not versioned, and reports that (4124) before what the other
            // actions raise, whatever the setting then ([`mariadb_rank`], checked on 10.11).
            A::DropSystemVersioning if mariadb => &[ER_VERS_NOT_VERSIONED],
            // What else the same ALTER changes on a system-versioned table raises its own
            // error first ("Not allowed for system-versioned", 4119, for an added column; 4135
            // under `system_versioning_alter_history = KEEP`, checked on MariaDB 10.11).
            _ if action.versioning() && !statement.shape.actions.iter().all(|a| a.versioning()) => {
                return None
            }
            A::AddPeriod | A::AddSystemVersioning if action.versioning() => {
                &[ER_VERS_ALREADY_VERSIONED]
            }
            A::AddPeriod => &[ER_MORE_THAN_ONE_PERIOD],
            A::DropSystemVersioning => &[ER_VERS_NOT_VERSIONED],
            A::AddColumn => &[ER_DUP_FIELDNAME],
            A::AddIndex => &[ER_DUP_KEYNAME],
            A::DropColumn | A::DropIndex | A::DropConstraint | A::DropPeriod => {
                &[ER_CANT_DROP_FIELD_OR_KEY]
            }
            A::AddConstraint => match crate::sql::added_constraint_kind(words) {
                None => {
                    errors.unknown = true;
                    continue;
                }
                Some("PRIMARY") => &[ER_MULTIPLE_PRI_KEY],
                Some("UNIQUE") => &[ER_DUP_KEYNAME],
                Some("FOREIGN") if mariadb => &[ER_CANT_CREATE_TABLE],
                Some("FOREIGN") => &[ER_DUP_CONSTRAINT_NAME, ER_DUP_KEY],
                _ if mariadb => &[ER_DUP_CONSTRAINT_NAME],
                _ => &[ER_CHECK_CONSTRAINT_DUP_NAME],
            },
            A::Rename if word(1, "COLUMN") => &[ER_BAD_FIELD],
            A::Rename if word(1, "INDEX") || word(1, "KEY") => &[ER_KEY_DOES_NOT_EXIST],
            A::Rename if word(1, "TO") || word(1, "AS") || action.name.is_none() => {
                &[ER_NO_SUCH_TABLE]
            }
            // `CHANGE [COLUMN] old new …` with a new name: `old` is gone. MariaDB's `CHANGE
            // [COLUMN] IF EXISTS` then only notes it (1054 as a note, checked on 10.11).
            A::Other if word(0, "CHANGE") || word(0, "MODIFY") => {
                match crate::sql::column_change::read(words) {
                    Some(change) if change.if_exists => continue,
                    Some(change) if change.renames() => &[ER_BAD_FIELD],
                    // `MODIFY a …`, `CHANGE a a …` find `a` again and change nothing, unless the
                    // file drops or renames `a` later (1054, reported before the others' errors,
                    // checked on 10.11). A key or constraint in the definition may fail again
                    // (`MODIFY id INT PRIMARY KEY`: 1068).
                    Some(change) if !defines_key_or_constraint(change.definition) => {
                        errors.possible.push(ER_BAD_FIELD);
                        continue;
                    }
                    _ => {
                        errors.unknown = true;
                        continue;
                    }
                }
            }
            A::Other if word(0, "DROP") && word(1, "PRIMARY") => &[ER_CANT_DROP_FIELD_OR_KEY],
            _ => {
                errors.unknown = true;
                continue;
            }
        };
        errors.certain.extend_from_slice(action_errors);
    }
    (!errors.certain.is_empty() || (!errors.possible.is_empty() && !errors.unknown))
        .then_some(errors)
}

/// Where MariaDB reports error `number` among those an ALTER's actions raise, lowest first
/// (checked on 10.11, each pair in both orders, tests/lint_mysql_handlers_db.rs): the table
/// renamed away (1146) before anything, a `DROP SYSTEM VERSIONING` of a table that is not
/// system-versioned (4124), a column a `CHANGE`/`MODIFY`/`RENAME COLUMN` names that
/// is gone (1054), a second application-time period (4154), a drop of a missing column, key,
/// foreign key or constraint (1091), a rename of a missing index (1176), a duplicate column
/// (1060), a duplicate key name (1061) or a second primary key (1068) in the order of their
/// actions, a CHECK's name taken (1826), a foreign key's (1005). `None` for the others.
/// What an ALTER raises once something it reads is gone ranks apart ([`column_loss`]): a
/// `MODIFY`'s column (1054), a key's column (1072), a CHECK's column (1054), the table a foreign
/// key references (1005, errno 150); a CHECK's name taken (1826) also comes before that 1005.
fn mariadb_rank(number: u32) -> Option<usize> {
    const ORDER: [&[MysqlError]; 10] = [
        &[ER_NO_SUCH_TABLE],
        &[ER_VERS_NOT_VERSIONED],
        &[ER_BAD_FIELD],
        &[ER_MORE_THAN_ONE_PERIOD],
        &[ER_CANT_DROP_FIELD_OR_KEY],
        &[ER_KEY_DOES_NOT_EXIST],
        &[ER_DUP_FIELDNAME],
        &[ER_DUP_KEYNAME, ER_MULTIPLE_PRI_KEY],
        &[ER_DUP_CONSTRAINT_NAME],
        &[ER_CANT_CREATE_TABLE],
    ];
    ORDER
        .iter()
        .position(|errors| errors.iter().any(|e| e.0 == number))
}

/// Which handler a re-run of `statement` needs once `column` (folded) of the table it alters
/// or indexes is gone, as MariaDB reports first (checked on 10.11, each pair in both orders): a
/// `MODIFY`/`CHANGE` of it (1054, `Unknown column 'c' in 't'`) before a key's column (1072)
/// before a CHECK's (1054, `Unknown column 'c' in 'CHECK'`) before the table a foreign key
/// references (1005, errno 150: [`super::super::ReadGuard::protects_parent`]). So `ADD UNIQUE
/// (c), MODIFY c BIGINT` fails with 1054, `ADD INDEX i (c), ADD CONSTRAINT k CHECK (c > 0)`
/// with 1072, `ADD CONSTRAINT f FOREIGN KEY (q) REFERENCES gone (id), ADD CONSTRAINT k CHECK (c
/// > 0)` with 1054. An action of another kind that names the column, or whose kind is not
/// known, leaves it open: [`ColumnLoss::Either`].
pub fn column_loss(statement: &crate::sql::Statement, table: &str, column: &str) -> ColumnLoss {
    use crate::sql::{ObjectKind, ShapeKind};
    let shape = &statement.shape;
    match shape.kind {
        ShapeKind::AlterTable | ShapeKind::Create(ObjectKind::Index) => {}
        _ => return ColumnLoss::Field,
    }
    let Some(reads) = column_reads(statement, table, column) else {
        return ColumnLoss::Either;
    };
    if shape.kind != ShapeKind::AlterTable {
        return ColumnLoss::Key;
    }
    match reads {
        ColumnReads { changed: true, .. } => ColumnLoss::Field,
        ColumnReads {
            key: true,
            other: false,
            ..
        } => ColumnLoss::Key,
        ColumnReads {
            key: false,
            other: false,
            ..
        } => ColumnLoss::Field,
        _ => ColumnLoss::Either,
    }
}

/// MariaDB: does a re-run of ALTER `statement` fail once `column` (folded) of `table`, the table
/// it alters, is gone, on an action whose error for that is known ([`column_loss`]): a
/// `MODIFY`/`CHANGE` (not `IF EXISTS`), a key or a CHECK that names it?
pub fn column_read_fails(statement: &crate::sql::Statement, table: &str, column: &str) -> bool {
    statement.shape.kind == crate::sql::ShapeKind::AlterTable
        && column_reads(statement, table, column).is_some_and(|r| r.changed || r.key || r.check)
}

/// How the actions of ALTER TABLE (or CREATE INDEX) `statement` read `column` of `table`.
#[derive(Debug, Default, Clone, Copy)]
struct ColumnReads {
    /// A `MODIFY`/`CHANGE` of it, without MariaDB's `IF EXISTS`.
    changed: bool,
    /// A key's own column list names it.
    key: bool,
    /// A CHECK names it.
    check: bool,
    /// An action of another kind names it, or one's kind or columns are not known.
    other: bool,
}

/// [`ColumnReads`] of `statement` for `column` of `table`; `None` when the statement is not on
/// `table`. A CREATE INDEX reads its columns as a key's.
fn column_reads(
    statement: &crate::sql::Statement,
    table: &str,
    column: &str,
) -> Option<ColumnReads> {
    use crate::sql::{AlterActionKind as A, ObjectKind, ShapeKind};
    let shape = &statement.shape;
    let same = |t: &Tok| crate::sql::folded(t).is_some_and(|w| w.eq_ignore_ascii_case(column));
    let on = match shape.kind {
        ShapeKind::Create(ObjectKind::Index) => shape.table.as_ref(),
        _ => shape.object(),
    };
    if !on.is_some_and(|n| n.base().eq_ignore_ascii_case(table)) {
        return None;
    }
    let mut reads = ColumnReads::default();
    if shape.kind != ShapeKind::AlterTable {
        reads.key = true;
        return Some(reads);
    }
    for a in &shape.actions {
        let words = crate::sql::tokens_in(&statement.tokens, &a.range);
        if let Some(change) = crate::sql::column_change::read(words) {
            reads.changed |= !change.if_exists && same(change.old);
            continue;
        }
        let kind = match a.kind {
            A::AddIndex => Some("INDEX"),
            A::AddConstraint => crate::sql::added_constraint_kind(words),
            _ => Some("OTHER"),
        };
        match kind {
            Some("INDEX" | "PRIMARY" | "UNIQUE" | "FOREIGN") => {
                // The key's own columns: its first parenthesised list.
                let open = words.iter().position(|t| t.is(&Token::LParen));
                match open.and_then(|o| Some((o, crate::sql::lexer::matching_paren(words, o)?))) {
                    Some((open, close)) => reads.key |= words[open..close].iter().any(same),
                    None => reads.other = true,
                }
            }
            Some("CHECK") => reads.check |= words.iter().any(same),
            Some(_) => reads.other |= words.iter().any(same),
            None => reads.other = true,
        }
    }
    Some(reads)
}

/// What a re-run raises first once a column a statement reads is gone ([`column_loss`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnLoss {
    /// 1054 (`undefined_column`): [`super::super::ReadGuard::missing_column`].
    Field,
    /// 1072, a key's column: [`super::super::ReadGuard::missing_key_column`].
    Key,
    /// Not known which: both.
    Either,
}

/// Of the errors an ALTER's actions raise again (in the actions' order), those the server may
/// report: on MariaDB, when each is ranked ([`mariadb_rank`]), the first of the lowest rank;
/// elsewhere a duplicate column (1060) before a duplicate key (1061), whatever the actions'
/// order. Otherwise all of them: one of them is reported.
fn reported_first(certain: &[MysqlError], mariadb: bool) -> &[MysqlError] {
    if mariadb {
        let ranks: Option<Vec<usize>> = certain.iter().map(|e| mariadb_rank(e.0)).collect();
        if let Some(first) = ranks.and_then(|r| (0..r.len()).min_by_key(|&k| r[k])) {
            return std::slice::from_ref(&certain[first]);
        }
    }
    let column_or_key = |e: &MysqlError| e.0 == ER_DUP_FIELDNAME.0 || e.0 == ER_DUP_KEYNAME.0;
    if certain.iter().all(column_or_key) && certain.iter().any(|e| e.0 == ER_DUP_FIELDNAME.0) {
        std::slice::from_ref(&ER_DUP_FIELDNAME)
    } else {
        certain
    }
}

/// Does a column definition (`INT PRIMARY KEY`, `INT KEY`, `INT CHECK (…)`, `INT REFERENCES p
/// (id)`) add a key or a constraint besides the column? `UNIQUE [KEY]` is left out: MariaDB adds
/// a second unique index on a re-run (`a_2`, a note), and fails on none.
fn defines_key_or_constraint(definition: &[Tok]) -> bool {
    definition.iter().enumerate().any(|(k, t)| {
        ["PRIMARY", "CONSTRAINT", "CHECK", "REFERENCES"]
            .iter()
            .any(|w| t.is_kw(w))
            || (t.is_kw("KEY") && !(k > 0 && definition[k - 1].is_kw("UNIQUE")))
    })
}

/// A MySQL/MariaDB `DECLARE CONTINUE|EXIT HANDLER FOR …`: the bytes of the statements in its
/// scope, and what it catches. Its scope is the rest of the `BEGIN … END` block that declares
/// it, nested blocks included (an error they do not catch reaches it), but not the bodies of
/// that block's handlers. CONTINUE and EXIT both keep the error from failing the retry.
#[derive(Debug, Default, Clone)]
pub(super) struct MysqlHandler {
    pub(super) range: Range<usize>,
    /// `SQLEXCEPTION`: every error (SQLSTATE class other than 00, 01 and 02). `SQLWARNING` and
    /// `NOT FOUND` catch no error.
    any_error: bool,
    /// Its statement raises the error again (`RESIGNAL`, `SIGNAL`, not under an IF or a loop):
    /// it catches nothing for a retry's purposes.
    reraises: bool,
    /// Error numbers, and SQLSTATEs (upper case), named conditions' included.
    numbers: Vec<u32>,
    sqlstates: Vec<String>,
    /// The server is MariaDB (not MySQL).
    mariadb: bool,
}

impl MysqlHandler {
    /// Does it catch the error a re-run of `statement` raises? When that error is not known,
    /// any of [`MYSQL_CAUGHT`] counts; when one action's is not known, it must still catch the
    /// known error of another.
    ///
    /// A `MODIFY a …` whose column the file drops later makes the full re-run fail first with
    /// 1054 ([`RetryErrors::possible`], [`reported_first`]; PF123's read), but a crash between
    /// the ALTER and the drop (MariaDB's DDL commits as it goes) leaves `a` there, and that
    /// retry fails with the other actions' error: the handler must catch that one all the same
    /// (checked on 10.11 at every crash point: `ADD COLUMN c INT, MODIFY a BIGINT` under a
    /// handler for 1054 alone, then `DROP COLUMN IF EXISTS a`, fails with 1060 after a crash
    /// before the drop), as a CHECK's name taken (1826) must be caught beside its column's 1054.
    pub(super) fn catches(&self, statement: &crate::sql::Statement) -> bool {
        if self.reraises {
            return false;
        }
        if self.any_error {
            return true;
        }
        let catches_one = |errors: &[MysqlError]| errors.iter().any(|&e| self.catches_error(e));
        let catches_listed = || {
            self.numbers
                .iter()
                .any(|n| MYSQL_CAUGHT.contains(&n.to_string().as_str()))
                || self
                    .sqlstates
                    .iter()
                    .any(|s| MYSQL_CAUGHT.contains(&s.as_str()))
        };
        match mysql_retry_errors(statement, self.mariadb) {
            // An action whose error is not known does not make a handler for it catch another
            // action's known one (`ADD COLUMN c …, MODIFY a …` under a handler for 1054 fails
            // with 1060).
            Some(errors) if !errors.certain.is_empty() => {
                catches_one(reported_first(&errors.certain, self.mariadb))
                    && (!errors.unknown || catches_listed())
            }
            // Nothing fails for certain: a `MODIFY` fails only when the file removed its column.
            Some(errors) => catches_one(&errors.possible),
            None => catches_listed(),
        }
    }

    /// Does it catch what a statement raises when a table it reads is gone (1146, `42S02`)?
    pub(super) fn catches_missing_table(&self) -> bool {
        self.catches_error(ER_NO_SUCH_TABLE)
    }

    /// Does it catch what `statement` raises when a column it reads is gone, other than a
    /// column of a key it adds ([`Self::catches_missing_key_column`])? On MariaDB 1054
    /// (`42S22`): a CHECK's column too (`Unknown column 'c' in 'CHECK'`, checked on 10.11).
    /// MySQL 8, not run here, documents 3820 (`Check constraint … refers to non-existing
    /// column`) for a CHECK, and its order among an ALTER's errors is not known: there a
    /// handler must catch every error any of the ALTER's reads may raise (1054, 1072 for a
    /// key, 3820 for a CHECK), for either kind of column.
    pub(super) fn catches_missing_column(&self, statement: &crate::sql::Statement) -> bool {
        if self.mariadb {
            self.catches_error(ER_BAD_FIELD)
        } else {
            self.catches_any_missing_column(statement)
        }
    }

    /// Does it catch what `statement` raises when a column of a key it adds is gone (`CREATE
    /// INDEX`, an ALTER's `ADD INDEX`, `ADD [CONSTRAINT c] PRIMARY KEY|UNIQUE|FOREIGN KEY (c)`)?
    /// On MariaDB 1072 (`Key column 'c' doesn't exist in table`, checked on 10.11); on MySQL as
    /// [`Self::catches_missing_column`] says.
    pub(super) fn catches_missing_key_column(&self, statement: &crate::sql::Statement) -> bool {
        if self.mariadb {
            self.catches_error(ER_KEY_COLUMN_DOES_NOT_EXIST)
        } else {
            self.catches_any_missing_column(statement)
        }
    }

    /// MySQL: does it catch every error a read of a missing column by `statement` may raise:
    /// 1054, 1072 where it adds a key, 3820 where it adds a CHECK?
    fn catches_any_missing_column(&self, statement: &crate::sql::Statement) -> bool {
        use crate::sql::{AlterActionKind as A, ObjectKind, ShapeKind};
        let shape = &statement.shape;
        let mut check = false;
        let (field, key_column) = match shape.kind {
            ShapeKind::Create(ObjectKind::Index) => (false, true),
            ShapeKind::AlterTable => {
                let (mut field, mut key_column) = (false, false);
                for a in &shape.actions {
                    let kind = match a.kind {
                        A::AddIndex => Some("INDEX"),
                        A::AddConstraint => crate::sql::added_constraint_kind(
                            crate::sql::tokens_in(&statement.tokens, &a.range),
                        ),
                        _ => Some("OTHER"),
                    };
                    check |= matches!(kind, Some("CHECK") | None);
                    match kind {
                        Some("INDEX" | "PRIMARY" | "UNIQUE" | "FOREIGN") => key_column = true,
                        Some(_) => field = true,
                        None => (field, key_column) = (true, true),
                    }
                }
                (field, key_column)
            }
            _ => (true, false),
        };
        (!field || self.catches_error(ER_BAD_FIELD))
            && (!key_column || self.catches_error(ER_KEY_COLUMN_DOES_NOT_EXIST))
            && (!check || self.catches_error(ER_CHECK_CONSTRAINT_REFERS_UNKNOWN_COLUMN))
    }

    /// Does it catch what adding a foreign key raises when the table it references is gone:
    /// on MariaDB 1005 (`Can't create table … (errno: 150 "Foreign key constraint is incorrectly
    /// formed")`, checked on 10.11), on MySQL 1824 (`Failed to open the referenced table`, as
    /// MySQL's error reference documents it: [`ER_FK_CANNOT_OPEN_PARENT`])?
    pub(super) fn catches_missing_parent(&self) -> bool {
        self.catches_error(if self.mariadb {
            ER_CANT_CREATE_TABLE
        } else {
            ER_FK_CANNOT_OPEN_PARENT
        })
    }

    /// Does it catch `error`?
    fn catches_error(&self, (number, state): MysqlError) -> bool {
        !self.reraises
            && (self.any_error
                || self.numbers.contains(&number)
                || self.sqlstates.iter().any(|s| s == state))
    }
}

/// A MySQL/MariaDB condition value: an error number or a SQLSTATE.
#[derive(Debug, Clone)]
enum MysqlCondition {
    Number(u32),
    Sqlstate(String),
}

/// The condition value at token `k` of `tokens` (`1060`, `SQLSTATE [VALUE] '42S21'`), and the
/// index of the token after it.
fn mysql_condition_at(tokens: &[Tok], mut k: usize) -> Option<(MysqlCondition, usize)> {
    if tokens.get(k).is_some_and(|t| t.is_kw("SQLSTATE")) {
        k += 1 + usize::from(tokens.get(k + 1).is_some_and(|t| t.is_kw("VALUE")));
        return match &tokens.get(k)?.token {
            Token::SingleQuotedString(s) => {
                Some((MysqlCondition::Sqlstate(s.to_ascii_uppercase()), k + 1))
            }
            _ => None,
        };
    }
    match &tokens.get(k)?.token {
        Token::Number(n, _) => Some((MysqlCondition::Number(n.parse().ok()?), k + 1)),
        _ => None,
    }
}

/// Does the handler statement starting at token `start` of `tokens` raise the error again: is
/// it `RESIGNAL`/`SIGNAL`, or a `BEGIN … END` block one of whose own statements is, outside any
/// IF, CASE or loop, and before any `LEAVE`/`RETURN`? (It tells statements by their `;`.)
fn reraises(tokens: &[Tok], start: usize) -> bool {
    let raises = |t: &Tok| t.is_kw("RESIGNAL") || t.is_kw("SIGNAL");
    let Some(first) = tokens.get(start) else {
        return false;
    };
    if !first.is_kw("BEGIN") {
        return raises(first);
    }
    const COMPOUND: [&str; 5] = ["IF", "LOOP", "WHILE", "REPEAT", "FOR"];
    // Blocks and CASEs open (the handler's own block is 1), and IFs and loops open in it.
    let (mut depth, mut compound) = (0usize, 0usize);
    for (k, t) in tokens.iter().enumerate().skip(start) {
        let prev = k.checked_sub(1).map(|p| &tokens[p]);
        let next = tokens.get(k + 1);
        let at_start = k == start + 1
            || (k > start && prev.is_some_and(|p| p.is(&Token::SemiColon) || p.is(&Token::Colon)));
        if t.is_kw("BEGIN") || (t.is_kw("CASE") && !prev.is_some_and(|p| p.is_kw("END"))) {
            depth += 1;
        } else if t.is_kw("END") {
            if next.is_some_and(|n| COMPOUND.iter().any(|w| n.is_kw(w))) {
                compound = compound.saturating_sub(usize::from(depth == 1));
                continue;
            }
            depth -= 1;
            if depth == 0 {
                return false;
            }
        } else if depth == 1 && at_start {
            if COMPOUND.iter().any(|w| t.is_kw(w)) {
                compound += 1;
            } else if compound == 0 && (t.is_kw("LEAVE") || t.is_kw("RETURN")) {
                return false;
            } else if compound == 0 && raises(t) {
                return true;
            }
        }
    }
    false
}

/// The index of the last token of the IF, CASE or loop statement that starts at token `start`
/// of MySQL/MariaDB body `tokens`: the `IF` of the `END IF` (`CASE`, `LOOP`, `WHILE`, `REPEAT`,
/// `FOR`) that matches it, past the compound statements and `BEGIN … END` blocks nested in it
/// (a CASE expression ends with a bare `END`). `None` when it is not closed.
fn compound_end(tokens: &[Tok], start: usize) -> Option<usize> {
    const LOOPS: [&str; 5] = ["IF", "LOOP", "WHILE", "REPEAT", "FOR"];
    let mut depth = 0usize;
    for k in start..tokens.len() {
        let t = &tokens[k];
        let prev = k.checked_sub(1).map(|p| &tokens[p]);
        let after_end = prev.is_some_and(|p| p.is_kw("END"));
        let opens = if after_end {
            false
        } else if t.is_kw("BEGIN") || t.is_kw("CASE") {
            true
        } else {
            // An IF or a loop statement (not `IF(…)` or `IF EXISTS` inside a statement, nor
            // `FOR` of a handler or `REPEAT(…)`): one that starts a statement.
            LOOPS.iter().any(|w| t.is_kw(w))
                && (k == start || super::starts_statement(tokens, k))
                && !super::is_call(tokens, k)
        };
        if opens {
            depth += 1;
        } else if t.is_kw("END") {
            // `END IF` (…) closes a compound statement, a bare `END` a block or a CASE
            // expression: either closes the innermost one open.
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                let closes = tokens
                    .get(k + 1)
                    .filter(|n| n.is_kw("CASE") || LOOPS.iter().any(|w| n.is_kw(w)));
                return Some(if closes.is_some() { k + 1 } else { k });
            }
        }
    }
    None
}

/// A `BEGIN … END` block (or a CASE) open while [`mysql_handlers`] reads a body.
enum MysqlFrame {
    Block {
        /// `DECLARE name CONDITION FOR …`: lower-case names.
        conditions: Vec<(String, MysqlCondition)>,
        /// Indexes of the handlers it declares.
        handlers: Vec<usize>,
        /// Where its handlers' scope starts: after the last handler's statement.
        scope: usize,
        /// It is the statement of a handler of the enclosing block.
        handler_body: bool,
    },
    Case,
}

impl MysqlFrame {
    fn block(scope: usize, handler_body: bool) -> MysqlFrame {
        MysqlFrame::Block {
            conditions: Vec::new(),
            handlers: Vec::new(),
            scope,
            handler_body,
        }
    }
}

/// The `DECLARE CONTINUE|EXIT HANDLER`s of MySQL/MariaDB body `tokens` (on `mariadb` or MySQL),
/// each with its scope ([`MysqlHandler`]).
pub(super) fn mysql_handlers(tokens: &[Tok], mariadb: bool) -> Vec<MysqlHandler> {
    if !tokens.iter().any(|t| t.is_kw("HANDLER")) {
        return Vec::new();
    }
    let Some(first) = tokens.first() else {
        return Vec::new();
    };
    // The bottom frame: a body read without its `BEGIN` (a `BEGIN NOT ATOMIC` block's).
    let mut stack = vec![MysqlFrame::block(first.range.start, false)];
    let mut handlers: Vec<MysqlHandler> = Vec::new();
    // The `BEGIN` of the handler statement being declared.
    let mut handler_begin: Option<usize> = None;
    let innermost = |stack: &[MysqlFrame]| -> Option<usize> {
        stack
            .iter()
            .rposition(|f| matches!(f, MysqlFrame::Block { .. }))
    };
    let close = |frame: MysqlFrame, end: usize, handlers: &mut Vec<MysqlHandler>| {
        if let MysqlFrame::Block {
            handlers: declared,
            scope,
            ..
        } = frame
        {
            for h in declared {
                handlers[h].range = scope..end.max(scope);
            }
        }
    };
    for (k, t) in tokens.iter().enumerate() {
        let prev = k.checked_sub(1).map(|p| &tokens[p]);
        let next = tokens.get(k + 1);
        if t.is_kw("BEGIN") {
            let handler_body = handler_begin.take() == Some(k);
            stack.push(MysqlFrame::block(t.range.end, handler_body));
        } else if t.is_kw("CASE") && !prev.is_some_and(|p| p.is_kw("END")) {
            stack.push(MysqlFrame::Case);
        } else if t.is_kw("END") {
            let closes_loop = next.is_some_and(|n| {
                ["IF", "LOOP", "WHILE", "REPEAT", "FOR"]
                    .iter()
                    .any(|w| n.is_kw(w))
            });
            if closes_loop || stack.len() == 1 {
                continue;
            }
            let Some(frame) = stack.pop() else { continue };
            let body_of_handler = matches!(
                frame,
                MysqlFrame::Block {
                    handler_body: true,
                    ..
                }
            );
            close(frame, t.range.start, &mut handlers);
            // The enclosing block's handlers are in scope after this handler's statement.
            if body_of_handler {
                if let Some(i) = innermost(&stack) {
                    if let MysqlFrame::Block { scope, .. } = &mut stack[i] {
                        *scope = (*scope).max(t.range.end);
                    }
                }
            }
        } else if t.is_kw("DECLARE") {
            let Some(i) = innermost(&stack) else {
                continue;
            };
            let MysqlFrame::Block {
                conditions,
                handlers: declared,
                scope,
                ..
            } = &mut stack[i]
            else {
                continue;
            };
            let word = |at: usize, w: &str| tokens.get(at).is_some_and(|t| t.is_kw(w));
            if word(k + 2, "CONDITION") && word(k + 3, "FOR") {
                let name = match next.map(|n| &n.token) {
                    Some(Token::Word(w)) => w.value.to_lowercase(),
                    _ => continue,
                };
                if let Some((condition, _)) = mysql_condition_at(tokens, k + 4) {
                    conditions.push((name, condition));
                }
                continue;
            }
            let kind = ["CONTINUE", "EXIT", "UNDO"].iter().any(|w| word(k + 1, w));
            if !(kind && word(k + 2, "HANDLER") && word(k + 3, "FOR")) {
                continue;
            }
            let mut handler = MysqlHandler {
                mariadb,
                ..MysqlHandler::default()
            };
            // The condition values, a comma-separated list.
            let mut at = k + 4;
            let mut named = Vec::new();
            loop {
                if let Some((condition, after)) = mysql_condition_at(tokens, at) {
                    match condition {
                        MysqlCondition::Number(n) => handler.numbers.push(n),
                        MysqlCondition::Sqlstate(s) => handler.sqlstates.push(s),
                    }
                    at = after;
                } else if word(at, "SQLEXCEPTION") || word(at, "SQLWARNING") {
                    handler.any_error |= word(at, "SQLEXCEPTION");
                    at += 1;
                } else if word(at, "NOT") && word(at + 1, "FOUND") {
                    at += 2;
                } else if let Some(Token::Word(w)) = tokens.get(at).map(|t| &t.token) {
                    named.push(w.value.to_lowercase());
                    at += 1;
                } else {
                    break;
                }
                if tokens.get(at).is_some_and(|t| t.is(&Token::Comma)) {
                    at += 1;
                } else {
                    break;
                }
            }
            // The handler's statement: a block, a compound statement, or a simple one.
            let label = tokens.get(at + 1).is_some_and(|t| t.is(&Token::Colon));
            let start = if label { at + 2 } else { at };
            handler.reraises = reraises(tokens, start);
            if word(start, "BEGIN") {
                handler_begin = Some(start);
            } else if let Some(s) = tokens.get(start) {
                let compound = super::LOOP_OR_IF.iter().any(|w| s.is_kw(w));
                // Its end: the `END IF` (`END CASE` …) that closes it.
                let end = compound
                    .then(|| compound_end(tokens, start))
                    .flatten()
                    .map(|e| tokens[e].range.end);
                *scope = (*scope).max(end.unwrap_or(s.range.end));
            }
            declared.push(handlers.len());
            handlers.push(handler);
            // Named conditions: the innermost declaration of the name in scope.
            for name in named {
                let found = stack.iter().rev().find_map(|f| match f {
                    MysqlFrame::Block { conditions, .. } => conditions
                        .iter()
                        .rev()
                        .find(|(n, _)| *n == name)
                        .map(|(_, c)| c.clone()),
                    MysqlFrame::Case => None,
                });
                let handler = handlers.last_mut().expect("just pushed");
                match found {
                    Some(MysqlCondition::Number(n)) => handler.numbers.push(n),
                    Some(MysqlCondition::Sqlstate(s)) => handler.sqlstates.push(s),
                    None => {}
                }
            }
        }
    }
    let end = tokens.last().map_or(0, |t| t.range.end);
    while let Some(frame) = stack.pop() {
        close(frame, end, &mut handlers);
    }
    handlers
}

#[cfg(test)]
mod tests {
    use crate::sql::do_block::tests::nested_guards;
    use crate::sql::Dialect;

    /// Whether each statement of PL/pgSQL block body `body` is guarded, in order.
    fn pg_guards(body: &str) -> Vec<bool> {
        nested_guards(body, Dialect::Postgres)
            .into_iter()
            .map(|(guarded, _)| guarded)
            .collect()
    }

    #[test]
    fn a_handler_guards_the_statements_of_its_own_block_only() {
        // The handler of a later nested block.
        assert_eq!(
            pg_guards("CREATE TABLE a (id int);\nBEGIN PERFORM 1; EXCEPTION WHEN duplicate_table THEN NULL; END;"),
            [false]
        );
        // A nested block's handler guards its statements, not those after it.
        assert_eq!(
            pg_guards("BEGIN CREATE TABLE a (id int); EXCEPTION WHEN duplicate_table THEN NULL; END;\nCREATE TABLE b (id int);"),
            [true, false]
        );
        // A nested block without a handler (or with another one) is in the enclosing block.
        assert_eq!(
            pg_guards("BEGIN CREATE TABLE a (id int); END;\nBEGIN CREATE TABLE b (id int); EXCEPTION WHEN duplicate_object THEN NULL; END;\nEXCEPTION WHEN duplicate_table THEN NULL;"),
            [true, true]
        );
        // Neither the handler's own branch, nor a `RAISE EXCEPTION` or a CASE … END before it.
        assert_eq!(
            pg_guards("RAISE EXCEPTION 'x';\nCREATE TABLE a AS SELECT CASE WHEN true THEN 1 END AS x;\nEXCEPTION WHEN duplicate_table THEN CREATE TABLE b (id int);"),
            [true, false]
        );
    }

    #[test]
    fn every_condition_of_a_handler_counts_and_a_block_s_end_is_not_an_end_if() {
        // The conditions of the handler's second WHEN.
        assert_eq!(
            pg_guards("ALTER TABLE t ADD COLUMN c int;\nEXCEPTION\n  WHEN duplicate_table THEN NULL;\n  WHEN duplicate_column THEN NULL;"),
            [true]
        );
        // A nested block's `END;` before an IF: the IF's check is read.
        assert_eq!(
            pg_guards("BEGIN PERFORM 1; END;\nIF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'i') THEN CREATE INDEX i ON t (a); END IF;"),
            [true]
        );
        // A CASE statement's next WHEN in a handler's branch is no condition of the handler.
        assert_eq!(
            pg_guards("ALTER TABLE t ADD COLUMN c int;\nEXCEPTION\n  WHEN duplicate_table THEN CASE x WHEN 1 THEN NULL; WHEN duplicate_column THEN NULL; END CASE;"),
            [false]
        );
    }

    #[test]
    fn a_handler_guards_only_statements_whose_retry_raises_what_it_catches() {
        let guards = |body: &str, condition: &str| {
            pg_guards(&format!("{body}\nEXCEPTION WHEN {condition} THEN NULL;"))
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
