//! PostgreSQL `DO $$ … $$` blocks: the DDL inside runs at migration time, so it is split out and
//! checked like any other statement; and a block that catches "already exists" errors or checks
//! the catalog before acting is a retry guard.

use super::lexer::Tok;
use super::split::{split, RawStatement};
use super::Dialect;
use crate::source::SourceFile;
use sqlparser::tokenizer::Token;
use std::ops::Range;

/// Bytes of the body of a DO statement's dollar-quoted string (between the quotes).
pub fn body_range(source: &SourceFile, tokens: &[Tok]) -> Option<Range<usize>> {
    let body = tokens.iter().find_map(|t| match &t.token {
        Token::DollarQuotedString(s) => Some((t.range.clone(), s.tag.clone().unwrap_or_default())),
        _ => None,
    })?;
    let (range, tag) = body;
    let quote = format!("${tag}$");
    let text = source.text.get(range.clone())?;
    if !(text.starts_with(&quote) && text.ends_with(&quote) && text.len() >= 2 * quote.len()) {
        return None;
    }
    Some(range.start + quote.len()..range.end - quote.len())
}

/// The SQL statements inside a DO body, with PL/pgSQL control words (`BEGIN`, `IF … THEN`,
/// `EXCEPTION WHEN … THEN`) stripped from their front.
pub fn inner_statements(source: &SourceFile, body: Range<usize>) -> (Vec<RawStatement>, Vec<Tok>) {
    let segments = split(source, Dialect::Postgres, body, false);
    let mut all_tokens = Vec::new();
    let mut inner = Vec::new();
    for segment in segments.statements {
        if let Some(k) = embedded_start(&segment.tokens) {
            inner.push(statement_from(&segment, k));
        }
        all_tokens.extend(segment.tokens);
    }
    (inner, all_tokens)
}

/// The statement of body segment `segment` that starts at its token `k` (control words before
/// it stripped), to the segment's end.
fn statement_from(segment: &RawStatement, k: usize) -> RawStatement {
    let tokens = segment.tokens[k..].to_vec();
    RawStatement {
        range: tokens[0].range.start..segment.range.end,
        tokens,
        terminator: segment.terminator.clone(),
    }
}

/// The statements of a DO body that run SQL the block builds at run time (PL/pgSQL
/// `EXECUTE`, e.g. `EXECUTE format('ALTER TABLE %I …', t)`), or that call a routine `dynamic`
/// says does (`PERFORM f()`): byte ranges, from `EXECUTE` or the statement's start.
pub fn dynamic_statements(
    source: &SourceFile,
    body: Range<usize>,
    dynamic: &dyn Fn(&str) -> bool,
) -> Vec<Range<usize>> {
    let segments = split(source, Dialect::Postgres, body, false);
    let mut out = Vec::new();
    for segment in segments.statements {
        let tokens = &segment.tokens;
        let execute = tokens.iter().enumerate().find(|(k, t)| {
            t.is_kw("EXECUTE")
                && (*k == 0
                    || tokens[k - 1].is(&Token::ShiftRight)
                    || AFTER_CONTROL.iter().any(|s| tokens[k - 1].is_kw(s)))
        });
        if let Some((_, t)) = execute {
            out.push(t.range.start..segment.range.end);
        } else if calls(tokens, dynamic) {
            out.push(segment.range.clone());
        }
    }
    out
}

/// Do `tokens` call a routine `dynamic` accepts (`name (`)?
pub fn calls(tokens: &[Tok], dynamic: &dyn Fn(&str) -> bool) -> bool {
    // `(` first: only a word before one is lower-cased and looked up.
    tokens.windows(2).any(|pair| {
        pair[1].is(&Token::LParen)
            && matches!(&pair[0].token, Token::Word(w) if dynamic(&w.value.to_lowercase()))
    })
}

const SQL_STARTS: &[&str] = &["CREATE", "ALTER", "DROP", "INSERT"];
const AFTER_CONTROL: &[&str] = &["BEGIN", "THEN", "ELSE", "LOOP", "DECLARE"];

fn embedded_start(tokens: &[Tok]) -> Option<usize> {
    statement_start(tokens, SQL_STARTS, AFTER_CONTROL)
}

/// Which parts of a DO body are guarded: the statements of a block whose exception handler
/// catches the error their re-run raises ("already exists" / "does not exist", or `WHEN
/// OTHERS`), or those in the scope of a MySQL handler for it; otherwise the branches of
/// `IF [NOT] EXISTS (SELECT … FROM pg_…/information_schema…) THEN … END IF`.
#[derive(Debug, Default)]
pub struct Guarded {
    /// MySQL/MariaDB: `DECLARE … HANDLER`s.
    mysql_handlers: Vec<MysqlHandler>,
    handlers: Vec<Handler>,
    branches: Vec<Branch>,
    /// The catalog stores names as the migration spells them after folding, and compares them
    /// with case (PostgreSQL): a check whose literal differs only in case never finds them.
    exact_names: bool,
    /// Every IF's branch (catalog check or not), and the tables its condition reads rows of
    /// (directly, or through a variable a `SELECT … INTO` filled), lower case.
    row_checks: Vec<(Range<usize>, Vec<String>)>,
}

/// The statements of an IF whose condition reads the catalog: the bytes between `THEN` and
/// `END IF`, and the condition's tokens.
#[derive(Debug)]
struct Branch {
    range: Range<usize>,
    condition: Vec<Tok>,
    /// The string literals the check compares names with: the condition's, and those of the
    /// catalog reads that filled the variables it tests.
    literals: Vec<Compared>,
    /// The check folds case somewhere (`lower(…)`, `ILIKE`, `~*`): its literals are not
    /// compared as they are.
    folds: bool,
    check: Check,
}

/// What a branch's condition tests, as far as a retry of what it creates goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Check {
    /// The branch runs when something exists (`IF EXISTS (…)`, `IF n > 0`): it does not keep a
    /// create from running again.
    Positive,
    /// `NOT EXISTS (SELECT … FROM pg_index … indkey[0] = v)`, `v` read from `attname = 'c'`:
    /// the branch is skipped when an index leads with column `c` (as stored).
    IndexLeading(String),
    /// Anything else: it may skip the branch on a retry.
    Unknown,
}

/// A string literal a catalog check compares with: its value, and how the check spells the
/// comparison (`attname = 'gz_jsonData'`), for messages.
#[derive(Debug, Clone)]
struct Compared {
    value: String,
    spelled: String,
}

impl Guarded {
    /// The guards of body `tokens`, in `dialect`.
    pub fn of(tokens: &[Tok], dialect: Dialect) -> Guarded {
        Guarded {
            mysql_handlers: mysql_handlers(tokens, dialect == Dialect::Mariadb),
            handlers: exception_handlers(tokens),
            branches: catalog_checked_branches(tokens),
            exact_names: dialect == Dialect::Postgres,
            row_checks: row_checked_branches(tokens),
        }
    }

    /// Why the catalog check around statement `statement` (at byte `at`) never finds an object
    /// it creates, when it never does: on PostgreSQL the check compares a literal that differs
    /// from the stored name only in case (`attname = 'gz_jsonData'` for the unquoted
    /// `gz_jsonData`, stored `gz_jsondata`). Such a branch runs again on a retry: it guards
    /// nothing. `None` when no enclosing check has such a literal, one has the exact name, or
    /// an exception handler catches the retry's error anyway.
    pub fn never_finds(&self, at: usize, statement: &super::Statement) -> Option<String> {
        if self.handled(at, statement) {
            return None;
        }
        let names = checked_names(statement);
        let (compared, name) = self.miscased(at, &names, statement)?;
        let how = if name.chars().any(char::is_uppercase) {
            format!("the quoted name as \"{name}\"")
        } else {
            format!("the unquoted name as {name}")
        };
        Some(format!(
            "the guard compares {}, but PostgreSQL stores {how}, so the check never finds it",
            compared.spelled
        ))
    }

    /// The first of `names` (as the catalog stores them) that the catalog checks of the
    /// branches around byte `at` compare only with a literal differing in case, with that
    /// literal.
    fn miscased<'a>(
        &'a self,
        at: usize,
        names: &'a [String],
        statement: &super::Statement,
    ) -> Option<(&'a Compared, &'a String)> {
        if !self.exact_names {
            return None;
        }
        let around: Vec<&Branch> = self
            .branches
            .iter()
            .filter(|b| b.range.contains(&at))
            .collect();
        if around.iter().any(|b| b.folds) {
            return None;
        }
        let literals = || around.iter().flat_map(|b| b.literals.iter());
        let leading = leading_index_column(statement);
        names.iter().find_map(|name| {
            if literals().any(|l| l.value == *name) {
                return None;
            }
            let lower = name.to_lowercase();
            let like = |l: &Compared| l.value.to_lowercase() == lower;
            let miscased = literals().find(|l| like(l))?;
            // Another check around it that does not compare this name may still skip it on a
            // retry; one that tests that something exists (`IF n > 0`), or an index on another
            // leading column (ranger's `indkey[0] = v`), does not.
            let other_guard = around
                .iter()
                .filter(|b| !b.literals.iter().any(like))
                .any(|b| match &b.check {
                    Check::Positive => false,
                    Check::IndexLeading(column) => leading.as_ref().is_none_or(|c| c == column),
                    Check::Unknown => true,
                });
            (!other_guard).then_some((miscased, name))
        })
    }

    /// Does an IF around byte `at` test rows of `table` (lower case, base name) first: `IF NOT
    /// EXISTS (SELECT … FROM t WHERE …) THEN INSERT INTO t …`, or `SELECT count(*) INTO v FROM t
    /// WHERE …; IF v = 0 THEN INSERT INTO t …`? Such an INSERT does not run again on a retry
    /// that finds its row.
    pub fn checks_rows(&self, at: usize, table: &str) -> bool {
        self.row_checks
            .iter()
            .any(|(range, tables)| range.contains(&at) && tables.iter().any(|t| t == table))
    }

    /// Applies the guards around byte `at` of this body to `statement`, which runs there (a
    /// statement of the body, SQL it builds at `at`, or one of a routine a call at `at` runs):
    /// in a branch whose catalog check can find what it creates, or an INSERT behind a check of
    /// its table's rows ([`Guarded::checks_rows`]), it is guarded; a drop the check names is
    /// checked ([`Guarded::drops_checked`]). A guard it already has is kept.
    pub fn apply(
        &self,
        statement: &mut super::Statement,
        at: usize,
        bindings: &super::dynamic::Bindings,
    ) {
        let covered = self.covers(at, statement);
        let never_finds = covered.then(|| self.never_finds(at, statement)).flatten();
        let rows_checked = statement.shape.kind == super::ShapeKind::Insert
            && statement
                .shape
                .object()
                .is_some_and(|t| self.checks_rows(at, &t.base().to_lowercase()));
        let checked = self.drops_checked(at, statement, bindings);
        let Some(d) = statement.context.do_block.as_mut() else {
            return;
        };
        let was_guarded = d.guarded;
        d.guarded |= (covered && never_finds.is_none()) || rows_checked;
        d.drops_checked |= checked;
        if !was_guarded && statement.guard_note.is_none() {
            statement.guard_note = never_finds;
        }
    }

    /// Is statement `statement`, starting at byte `at`, guarded?
    pub fn covers(&self, at: usize, statement: &super::Statement) -> bool {
        self.handled(at, statement) || self.branches.iter().any(|b| b.range.contains(&at))
    }

    /// Does an exception handler whose block holds byte `at` catch the error a re-run of
    /// `statement` raises?
    fn handled(&self, at: usize, statement: &super::Statement) -> bool {
        self.handlers
            .iter()
            .any(|h| h.range.contains(&at) && h.catches(statement))
            || self
                .mysql_handlers
                .iter()
                .any(|h| h.range.contains(&at) && h.catches(statement))
    }

    /// Does the statement `statement`, starting at byte `at`, remove what it drops whenever it
    /// exists, as `DROP … IF EXISTS` does? It does when it sits in a branch whose catalog check
    /// names each object it drops (a literal, or a parameter `bindings` binds to it: `IF EXISTS
    /// (SELECT … WHERE INDEX_NAME = indexName) THEN … DROP INDEX …`): the check finds the object
    /// and it is dropped, or finds none and nothing is there to drop.
    pub fn drops_checked(
        &self,
        at: usize,
        statement: &super::Statement,
        bindings: &super::dynamic::Bindings,
    ) -> bool {
        let names = dropped_names(statement);
        if names.is_empty() {
            return false;
        }
        let condition = self
            .branches
            .iter()
            .filter(|b| b.range.contains(&at))
            .max_by_key(|b| b.range.start)
            .map(|b| &b.condition);
        let Some(condition) = condition else {
            return false;
        };
        let negated = condition.first().is_some_and(|t| t.is_kw("NOT"));
        // A check whose literal differs in case never finds the object: it is never dropped.
        !negated
            && names
                .iter()
                .all(|name| condition.iter().any(|t| bindings.names(t, name)))
            && self.miscased(at, &names, statement).is_none()
    }
}

/// The names (as the catalog stores them) a catalog check around `statement` must find for it
/// to be skipped on a retry: what a `CREATE` creates, and an `ALTER TABLE`'s table with the
/// columns, constraints and indexes it adds.
fn checked_names(statement: &super::Statement) -> Vec<String> {
    use super::ShapeKind;
    let shape = &statement.shape;
    match &shape.kind {
        ShapeKind::Create(_) => shape.names.iter().map(|n| n.base().to_string()).collect(),
        ShapeKind::AlterTable => {
            let adds: Vec<String> = shape
                .actions
                .iter()
                .filter(|a| a.kind.adds())
                .filter_map(|a| a.name.as_ref().map(|n| n.base().to_string()))
                .collect();
            match (adds.is_empty(), shape.object()) {
                (false, Some(table)) => std::iter::once(table.base().to_string())
                    .chain(adds)
                    .collect(),
                _ => adds,
            }
        }
        _ => Vec::new(),
    }
}

/// The base names of the objects `statement` drops: a `DROP`'s objects, an `ALTER TABLE`'s
/// dropped columns, constraints and indexes.
pub(crate) fn dropped_names(statement: &super::Statement) -> Vec<String> {
    use super::{AlterActionKind, ShapeKind};
    let shape = &statement.shape;
    match &shape.kind {
        ShapeKind::Drop(_) => shape.names.iter().map(|n| n.base().to_string()).collect(),
        ShapeKind::AlterTable => {
            let drops: Vec<String> = shape
                .actions
                .iter()
                .filter(|a| {
                    matches!(
                        a.kind,
                        AlterActionKind::DropColumn
                            | AlterActionKind::DropConstraint
                            | AlterActionKind::DropIndex
                    )
                })
                .filter_map(|a| a.name.as_ref().map(|n| n.base().to_string()))
                .collect();
            // Every action a drop: one that also adds something is not a drop guard.
            match drops.len() == shape.actions.len() {
                true => drops,
                false => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

const CAUGHT_CODES: &[&str] = &[
    "42710", "42P07", "42701", "42P06", "42723", "42P04", "42P01", "42703", "42704", "42P16",
];

/// A PL/pgSQL exception handler: the bytes of the statements it guards (between its block's
/// `BEGIN` and `EXCEPTION`; not its own `WHEN … THEN` branches), and what it catches.
#[derive(Debug, Default, Clone)]
struct Handler {
    range: Range<usize>,
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
    fn catches(&self, statement: &super::Statement) -> bool {
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
fn retry_error(statement: &super::Statement) -> Option<Vec<(&'static str, &'static str)>> {
    use super::{AlterActionKind, ObjectKind as K, ShapeKind};
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
fn exception_handlers(tokens: &[Tok]) -> Vec<Handler> {
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
/// MySQL 8: a CHECK constraint's name is taken.
const ER_CHECK_CONSTRAINT_DUP_NAME: MysqlError = (3822, "HY000");
const ER_UNKNOWN_SEQUENCES: MysqlError = (4091, "42S02");
const ER_UNKNOWN_VIEW: MysqlError = (4092, "42S02");

/// The errors a second run of `statement` can raise on MySQL/MariaDB (`mariadb`: which of the
/// two), as checked on MariaDB 10.11 (tests/lint_mysql_handlers_db.rs). Where the servers
/// differ, MySQL's are its documented ones: a foreign key whose name is taken is 1005 (errno
/// 121) on MariaDB, 1826 on MySQL 8 and 1022 on 5.7; a CHECK's is 1826 on MariaDB and 3822 on
/// MySQL; a missing view is 4092 on MariaDB, 1051 on MySQL. `None` when it is not known.
fn mysql_retry_errors(statement: &super::Statement, mariadb: bool) -> Option<Vec<MysqlError>> {
    use super::{ObjectKind as K, ShapeKind};
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
    Some(errors.to_vec())
}

/// The errors a second run of `ALTER TABLE` `statement` can raise: those of each action that
/// fails again (the server reports one of them: a duplicate column before a duplicate key,
/// whatever their order). `None` when an action's is not known.
fn mysql_alter_table_errors(
    statement: &super::Statement,
    mariadb: bool,
) -> Option<Vec<MysqlError>> {
    use super::AlterActionKind as A;
    let mut errors = Vec::new();
    for action in &statement.shape.actions {
        // `ADD COLUMN IF NOT EXISTS`, `DROP INDEX IF EXISTS` (MariaDB) do not fail.
        if action.guard.as_ref().is_some_and(|g| g.present) {
            continue;
        }
        let words: Vec<&Tok> = statement
            .tokens
            .iter()
            .filter(|t| action.range.start <= t.range.start && t.range.end <= action.range.end)
            .collect();
        let word = |k: usize, w: &str| words.get(k).is_some_and(|t| t.is_kw(w));
        let action_errors: &[MysqlError] = match action.kind {
            A::AddColumn => &[ER_DUP_FIELDNAME],
            A::AddIndex => &[ER_DUP_KEYNAME],
            A::DropColumn | A::DropIndex | A::DropConstraint => &[ER_CANT_DROP_FIELD_OR_KEY],
            A::AddConstraint => {
                let kind = words.iter().find(|t| {
                    ["PRIMARY", "UNIQUE", "FOREIGN", "CHECK"]
                        .iter()
                        .any(|k| t.is_kw(k))
                })?;
                if kind.is_kw("PRIMARY") {
                    &[ER_MULTIPLE_PRI_KEY]
                } else if kind.is_kw("UNIQUE") {
                    &[ER_DUP_KEYNAME]
                } else if kind.is_kw("FOREIGN") && mariadb {
                    &[ER_CANT_CREATE_TABLE]
                } else if kind.is_kw("FOREIGN") {
                    &[ER_DUP_CONSTRAINT_NAME, ER_DUP_KEY]
                } else if mariadb {
                    &[ER_DUP_CONSTRAINT_NAME]
                } else {
                    &[ER_CHECK_CONSTRAINT_DUP_NAME]
                }
            }
            A::Rename if word(1, "COLUMN") => &[ER_BAD_FIELD],
            A::Rename if word(1, "INDEX") || word(1, "KEY") => &[ER_KEY_DOES_NOT_EXIST],
            A::Rename if word(1, "TO") || word(1, "AS") || action.name.is_none() => {
                &[ER_NO_SUCH_TABLE]
            }
            // `CHANGE [COLUMN] old new …` with a new name: `old` is gone.
            A::Other if word(0, "CHANGE") => {
                let at = if word(1, "COLUMN") { 2 } else { 1 };
                let name = |k: usize| {
                    words.get(k).and_then(|t| match &t.token {
                        Token::Word(w) => Some(w.value.to_lowercase()),
                        _ => None,
                    })
                };
                match (name(at), name(at + 1)) {
                    (Some(old), Some(new)) if old != new => &[ER_BAD_FIELD],
                    _ => return None,
                }
            }
            A::Other if word(0, "DROP") && word(1, "PRIMARY") => &[ER_CANT_DROP_FIELD_OR_KEY],
            _ => return None,
        };
        errors.extend_from_slice(action_errors);
    }
    (!errors.is_empty()).then_some(errors)
}

/// A MySQL/MariaDB `DECLARE CONTINUE|EXIT HANDLER FOR …`: the bytes of the statements in its
/// scope, and what it catches. Its scope is the rest of the `BEGIN … END` block that declares
/// it, nested blocks included (an error they do not catch reaches it), but not the bodies of
/// that block's handlers. CONTINUE and EXIT both keep the error from failing the retry.
#[derive(Debug, Default, Clone)]
struct MysqlHandler {
    range: Range<usize>,
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
    /// any of [`MYSQL_CAUGHT`] counts.
    fn catches(&self, statement: &super::Statement) -> bool {
        if self.reraises {
            return false;
        }
        if self.any_error {
            return true;
        }
        match mysql_retry_errors(statement, self.mariadb) {
            Some(errors) => errors.iter().any(|(number, state)| {
                self.numbers.contains(number) || self.sqlstates.iter().any(|s| s == state)
            }),
            None => {
                self.numbers
                    .iter()
                    .any(|n| MYSQL_CAUGHT.contains(&n.to_string().as_str()))
                    || self
                        .sqlstates
                        .iter()
                        .any(|s| MYSQL_CAUGHT.contains(&s.as_str()))
            }
        }
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
fn mysql_handlers(tokens: &[Tok], mariadb: bool) -> Vec<MysqlHandler> {
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
                let compound = ["IF", "CASE", "LOOP", "WHILE", "REPEAT", "FOR"]
                    .iter()
                    .find(|w| s.is_kw(w));
                // Its end: the first `END IF` (`END CASE` …) after it.
                let end = compound.and_then(|w| {
                    (start + 1..tokens.len().saturating_sub(1))
                        .find(|&e| tokens[e].is_kw("END") && tokens[e + 1].is_kw(w))
                        .map(|e| tokens[e + 1].range.end)
                });
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

/// The bytes between `THEN` and the matching `END IF` of IFs whose condition reads the catalog,
/// with their conditions.
fn catalog_checked_branches(tokens: &[Tok]) -> Vec<Branch> {
    let lookup = |t: &Tok| {
        t.bare_word().is_some_and(|w| {
            let w = w.to_ascii_lowercase();
            w.starts_with("pg_") || w == "information_schema" || w.starts_with("to_reg")
        })
    };
    // `SELECT count(*) INTO v FROM pg_attribute …; IF v = 0 THEN`: v holds a catalog read.
    let fills = catalog_variables(tokens, &lookup);
    let filled = |t: &Tok| {
        t.bare_word()
            .is_some_and(|w| fills.iter().any(|(_, v, _)| v.eq_ignore_ascii_case(w)))
    };
    let lookup = |t: &Tok| lookup(t) || filled(t);
    let mut open: Vec<Option<(usize, Range<usize>)>> = Vec::new();
    let mut branches = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let after_end = i > 0 && tokens[i - 1].is_kw("END");
        if t.is_kw("IF") && after_end {
            if let Some(Some((start, condition))) = open.pop() {
                // What the check compares: the condition, and the last fill before the IF of
                // each variable it tests.
                let mut read: Vec<&[Tok]> = vec![&tokens[condition.clone()]];
                let mut filled_by: Vec<(&str, &[Tok])> = Vec::new();
                for word in tokens[condition.clone()]
                    .iter()
                    .filter_map(|t| t.bare_word())
                {
                    let last = fills
                        .iter()
                        .rev()
                        .find(|(at, v, _)| *at < condition.start && v.eq_ignore_ascii_case(word));
                    if let Some((_, _, statement)) = last {
                        read.push(&tokens[statement.clone()]);
                        filled_by.push((word, &tokens[statement.clone()]));
                    }
                }
                branches.push(Branch {
                    range: start..t.range.start,
                    check: check_of(&tokens[condition.clone()], &filled_by),
                    condition: tokens[condition].to_vec(),
                    literals: read.iter().flat_map(|r| compared_literals(r)).collect(),
                    folds: read.iter().any(|r| folds_case(r)),
                });
            }
        } else if t.is_kw("IF") {
            let condition = tokens[i + 1..].iter().take_while(|t| !t.is_kw("THEN"));
            let mut reads_catalog = false;
            let mut then_end = None;
            let mut end = i + 1;
            for (k, c) in condition.enumerate() {
                reads_catalog |= lookup(c);
                then_end = tokens.get(i + 1 + k + 1).map(|t| t.range.end);
                end = i + 1 + k + 1;
            }
            let open_branch = then_end.map(|start| (start, i + 1..end));
            open.push(reads_catalog.then_some(open_branch).flatten());
        }
    }
    branches
}

/// Every IF's branch (from `THEN` to its `END IF`), with the tables whose rows its condition
/// reads ([`Guarded::checks_rows`]).
fn row_checked_branches(tokens: &[Tok]) -> Vec<(Range<usize>, Vec<String>)> {
    // Variable → the tables of the `SELECT … INTO variable FROM …` that filled it.
    let mut filled: Vec<(usize, String, Vec<String>)> = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        if !t.is_kw("INTO") || !tokens[..k].iter().rev().take(40).any(|t| t.is_kw("SELECT")) {
            continue;
        }
        let Some(variable) = tokens.get(k + 1).and_then(|t| t.bare_word()) else {
            continue;
        };
        let tables = tables_after_from(&tokens[k..]);
        filled.push((k, variable.to_ascii_lowercase(), tables));
    }
    let mut open: Vec<Option<(usize, Vec<String>)>> = Vec::new();
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let after_end = i > 0 && tokens[i - 1].is_kw("END");
        if t.is_kw("IF") && after_end {
            if let Some(Some((start, tables))) = open.pop() {
                out.push((start..t.range.start, tables));
            }
        } else if t.is_kw("IF") && !is_if_function(tokens, i) {
            let Some(then) = tokens[i + 1..].iter().position(|t| t.is_kw("THEN")) else {
                open.push(None);
                continue;
            };
            let condition = &tokens[i + 1..i + 1 + then];
            let mut tables = tables_after_from(condition);
            for word in condition.iter().filter_map(|t| t.bare_word()) {
                let word = word.to_ascii_lowercase();
                // The fill last before this IF.
                let last = filled.iter().rev().find(|(at, v, _)| *at < i && *v == word);
                if let Some((_, _, t)) = last {
                    tables.extend(t.iter().cloned());
                }
            }
            open.push(Some((tokens[i + 1 + then].range.end, tables)));
        }
    }
    out
}

/// Is the `IF` at `i` MySQL's `IF(condition, a, b)` function rather than a statement?
fn is_if_function(tokens: &[Tok], i: usize) -> bool {
    let Some(previous) = i.checked_sub(1).map(|p| &tokens[p]) else {
        return false;
    };
    tokens.get(i + 1).is_some_and(|t| t.is(&Token::LParen))
        && (matches!(
            previous.token,
            Token::Eq | Token::Comma | Token::LParen | Token::Assignment
        ) || ["SELECT", "SET", "RETURN", "WHEN", "AND", "OR", "NOT"]
            .iter()
            .any(|w| previous.is_kw(w)))
}

/// The base names (lower case) after each `FROM` of `tokens`, up to the end of that query (the
/// first `;` or `THEN`).
fn tables_after_from(tokens: &[Tok]) -> Vec<String> {
    let end = tokens
        .iter()
        .position(|t| t.is(&Token::SemiColon) || t.is_kw("THEN"))
        .unwrap_or(tokens.len());
    let tokens = &tokens[..end];
    let mut out = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        if !t.is_kw("FROM") {
            continue;
        }
        // `FROM s.t`: the last part.
        let mut i = k + 1;
        while tokens.get(i + 1).is_some_and(|t| t.is(&Token::Period)) {
            i += 2;
        }
        if let Some(Token::Word(w)) = tokens.get(i).map(|t| &t.token) {
            out.push(w.value.to_lowercase());
        }
    }
    out
}

/// What condition `condition` tests ([`Check`]); `filled_by`: the statements that filled the
/// variables it names.
fn check_of(condition: &[Tok], filled_by: &[(&str, &[Tok])]) -> Check {
    let number = |t: &Tok, n: &str| matches!(&t.token, Token::Number(v, _) if v == n);
    let exists = condition.first().is_some_and(|t| t.is_kw("EXISTS"));
    let not_null = matches!(condition, [.., is, not, null]
        if is.is_kw("IS") && not.is_kw("NOT") && null.is_kw("NULL"));
    let above_zero = matches!(condition, [.., op, n]
        if (matches!(op.token, Token::Gt | Token::Neq) && number(n, "0"))
            || (op.is(&Token::GtEq) && number(n, "1")));
    let positive = exists || not_null || above_zero;
    if positive {
        return Check::Positive;
    }
    let reads_index = condition.iter().any(|t| t.is_kw("pg_index"));
    let negated = condition.first().is_some_and(|t| t.is_kw("NOT"));
    // `indkey [ 0 ] = v`
    let variable = condition.windows(6).find_map(|w| {
        let leading = w[0].is_kw("indkey")
            && w[1].is(&Token::LBracket)
            && number(&w[2], "0")
            && w[3].is(&Token::RBracket)
            && w[4].is(&Token::Eq);
        leading.then(|| w[5].bare_word()).flatten()
    });
    let column = variable.and_then(|v| {
        let (_, fill) = filled_by.iter().find(|(w, _)| w.eq_ignore_ascii_case(v))?;
        attname_literal(fill)
    });
    match column {
        Some(column) if reads_index && negated => Check::IndexLeading(column),
        _ => Check::Unknown,
    }
}

/// The column a catalog read names: `attname = 'c'` or `attname IN ('c')`.
fn attname_literal(tokens: &[Tok]) -> Option<String> {
    let at = tokens.iter().position(|t| t.is_kw("attname"))?;
    let literal = match tokens.get(at + 1..at + 3)? {
        [eq, lit] if eq.is(&Token::Eq) => lit,
        [in_, open] if in_.is_kw("IN") && open.is(&Token::LParen) => tokens.get(at + 3)?,
        _ => return None,
    };
    match &literal.token {
        Token::SingleQuotedString(s) => Some(s.clone()),
        _ => None,
    }
}

/// The first column of the index `statement` creates (`CREATE INDEX … ON t (c, …)`, `ADD
/// CONSTRAINT … UNIQUE (c, …)` or `PRIMARY KEY (c, …)`), as stored (folded unless quoted).
fn leading_index_column(statement: &super::Statement) -> Option<String> {
    let tokens = &statement.tokens;
    let head = tokens
        .iter()
        .position(|t| t.is_kw("UNIQUE") || t.is_kw("KEY") || t.is_kw("ON"))?;
    let open = head + tokens[head..].iter().position(|t| t.is(&Token::LParen))?;
    match &tokens.get(open + 1)?.token {
        Token::Word(w) if super::keeps_case(w) => Some(w.value.clone()),
        Token::Word(w) => Some(w.value.to_lowercase()),
        _ => None,
    }
}

/// The string literals of `tokens` a check compares names with: `x = 'lit'`, `'lit' = x`,
/// `x LIKE 'lit'`, `x IN ('a', 'b')`; not a function's argument or a cast (`'t'::regclass`).
fn compared_literals(tokens: &[Tok]) -> Vec<Compared> {
    let mut out = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        let Token::SingleQuotedString(value) = &t.token else {
            continue;
        };
        let before = k.checked_sub(1).map(|p| &tokens[p]);
        let after = tokens.get(k + 1);
        if after.is_some_and(|a| a.is(&Token::DoubleColon)) {
            continue;
        }
        let compared = before.is_some_and(|b| b.is(&Token::Eq) || b.is_kw("LIKE"))
            || after.is_some_and(|a| a.is(&Token::Eq))
            || in_list(tokens, k);
        if !compared {
            continue;
        }
        let lit = format!("'{value}'");
        let spelled = match (before, k.checked_sub(2).map(|p| &tokens[p])) {
            (
                Some(op),
                Some(Tok {
                    token: Token::Word(w),
                    ..
                }),
            ) if op.is(&Token::Eq) => {
                format!("{} = {lit}", w.value)
            }
            _ => lit,
        };
        out.push(Compared {
            value: value.clone(),
            spelled,
        });
    }
    out
}

/// Is the literal at `k` an element of an `IN ('a', 'b')` list?
fn in_list(tokens: &[Tok], k: usize) -> bool {
    let mut i = k;
    while i > 0 {
        let t = &tokens[i - 1];
        if t.is(&Token::LParen) {
            return i >= 2 && tokens[i - 2].is_kw("IN");
        }
        if !(t.is(&Token::Comma) || matches!(t.token, Token::SingleQuotedString(_))) {
            return false;
        }
        i -= 1;
    }
    false
}

/// Does a check of `tokens` fold case (`lower(…)`, `upper(…)`, `ILIKE`, `~*`, `~~*`, a `citext`
/// cast)? (A literal read as an identifier, `to_regclass('…')` or `'…'::regclass`, is folded
/// as the name is, and is not one [`compared_literals`] returns.)
fn folds_case(tokens: &[Tok]) -> bool {
    tokens.iter().any(|t| match &t.token {
        Token::TildeAsterisk
        | Token::ExclamationMarkTildeAsterisk
        | Token::DoubleTildeAsterisk
        | Token::ExclamationMarkDoubleTildeAsterisk => true,
        Token::Word(w) if w.quote_style.is_none() => {
            ["lower", "upper", "initcap", "ilike", "citext"]
                .iter()
                .any(|f| w.value.eq_ignore_ascii_case(f))
        }
        _ => false,
    })
}

/// The variables a body assigns a catalog read to: `SELECT … INTO v … FROM
/// pg_…/information_schema…`, `v := (SELECT … FROM pg_…)`, MySQL's `SET v = (SELECT …)`. Each
/// with the token index of the assignment (`INTO`, `:=`), its lower-case name, and the token
/// range of the statement that assigns it.
fn catalog_variables(
    tokens: &[Tok],
    reads_catalog: &dyn Fn(&Tok) -> bool,
) -> Vec<(usize, String, Range<usize>)> {
    // A statement's bounds: a `;`, or a control word (the body readers may drop the `;`).
    let bound = |t: &Tok| {
        t.is(&Token::SemiColon)
            || ["BEGIN", "THEN", "ELSE", "ELSIF", "END", "LOOP", "DECLARE"]
                .iter()
                .any(|w| t.is_kw(w))
    };
    let statement = |k: usize| {
        let start = tokens[..k].iter().rposition(bound).map_or(0, |p| p + 1);
        let end = tokens[k..]
            .iter()
            .position(bound)
            .map_or(tokens.len(), |p| k + p);
        start..end
    };
    let mut out = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        let (names, range) = if t.is_kw("INTO") {
            let range = statement(k);
            let selects = tokens[range.start..k].iter().any(|t| t.is_kw("SELECT"));
            if !selects {
                continue;
            }
            let names: Vec<&Tok> = tokens[k + 1..range.end]
                .iter()
                .take_while(|t| !t.is_kw("FROM"))
                .filter(|t| t.bare_word().is_some())
                .collect();
            (names, range)
        } else if t.is(&Token::Assignment)
            || (t.is(&Token::Eq) && k >= 2 && tokens[k - 2].is_kw("SET"))
        {
            match k.checked_sub(1).map(|p| &tokens[p]) {
                Some(name) => (vec![name], statement(k)),
                None => continue,
            }
        } else {
            continue;
        };
        if tokens[range.clone()].iter().any(reads_catalog) {
            out.extend(names.into_iter().filter_map(|n| {
                n.bare_word()
                    .map(|w| (k, w.to_ascii_lowercase(), range.clone()))
            }));
        }
    }
    out
}

/// A statement of a body (a DO block's or a routine's) that may call routines: its bytes, and
/// the names it may call ([`called_names`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyCall {
    pub range: Range<usize>,
    pub names: Vec<String>,
}

/// The names `tokens` may call, in lower case, in order, each once: every word followed by `(`
/// (`PERFORM f()`, `SELECT s.f(1)`, `x := f()`, `IF f() THEN`) but the table of `INTO t (…)`,
/// and the name after `CALL` (`CALL p`, `CALL db.p()`). Built-in functions and type names
/// (`format(`, `varchar(`) are among them; only names the migrations define as routines mean a
/// call.
pub fn called_names(tokens: &[Tok]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        let name = name.to_lowercase();
        if !out.contains(&name) {
            out.push(name);
        }
    };
    for (k, t) in tokens.iter().enumerate() {
        let Token::Word(w) = &t.token else { continue };
        if t.is_kw("CALL") {
            let mut i = k + 1;
            while tokens.get(i + 1).is_some_and(|t| t.is(&Token::Period)) {
                i += 2;
            }
            if let Some(Token::Word(name)) = tokens.get(i).map(|t| &t.token) {
                add(&name.value);
            }
        } else if tokens.get(k + 1).is_some_and(|t| t.is(&Token::LParen))
            && !is_into_target(tokens, k)
        {
            add(&w.value);
        }
    }
    out
}

/// Is the word at `k` the table of `INTO t (columns)` or `INTO s.t (columns)` (not a call)?
fn is_into_target(tokens: &[Tok], k: usize) -> bool {
    let mut i = k;
    while i >= 2
        && tokens[i - 1].is(&Token::Period)
        && matches!(tokens[i - 2].token, Token::Word(_))
    {
        i -= 2;
    }
    i >= 1 && tokens[i - 1].is_kw("INTO")
}

/// Words that start a body statement the replay runs: schema changes as in a DO block, MySQL's
/// `RENAME TABLE`, and data changes (which the replay counts as data: a migration that only
/// calls a routine changing data is a data migration).
const BODY_SQL_STARTS: &[&str] = &[
    "CREATE", "ALTER", "DROP", "INSERT", "RENAME", "UPDATE", "DELETE", "REPLACE",
];
/// Words after which a body statement starts: a DO block's, and MySQL's `WHILE … DO`, `REPEAT`.
const BODY_AFTER_CONTROL: &[&str] = &["BEGIN", "THEN", "ELSE", "LOOP", "DECLARE", "DO", "REPEAT"];

/// The statements of a routine's body (`body`, bytes of `source`, in `dialect`), with control
/// words (`BEGIN`, `IF … THEN`, `ELSE`, a loop's head) stripped from their front as in a DO block
/// ([`inner_statements`]), and the calls it makes outside them (`CALL p()`, `PERFORM f()`, an
/// `IF` condition's `f()`), in body order; with all the body's tokens (on MySQL/MariaDB the
/// `;` between statements too). `None` when the body cannot be split (a string or comment left
/// open).
pub fn routine_statements(
    source: &SourceFile,
    dialect: Dialect,
    body: Range<usize>,
) -> Option<(Vec<RawStatement>, Vec<BodyCall>, Vec<Tok>)> {
    let segments = split(source, dialect, body, false);
    if segments.error.is_some() {
        return None;
    }
    let mut inner = Vec::new();
    let mut calls = Vec::new();
    let mut all_tokens = Vec::new();
    for segment in segments.statements {
        let start = statement_start(&segment.tokens, BODY_SQL_STARTS, BODY_AFTER_CONTROL);
        let head = &segment.tokens[..start.unwrap_or(segment.tokens.len())];
        let names = called_names(head);
        if !names.is_empty() {
            calls.push(BodyCall {
                range: segment.range.clone(),
                names,
            });
        }
        if let Some(k) = start {
            inner.push(statement_from(&segment, k));
        }
        all_tokens.extend(segment.tokens);
        // MySQL/MariaDB: the `;` tells a block's `END; IF …` from `END IF`.
        if let Some(range) = segment.terminator.filter(|_| dialect.is_mysql_family()) {
            all_tokens.push(Tok {
                token: Token::SemiColon,
                range,
            });
        }
    }
    Some((inner, calls, all_tokens))
}

/// Bytes of the body of `CREATE FUNCTION|PROCEDURE` statement `tokens` of `source`: on
/// PostgreSQL its dollar-quoted string, a single-quoted one without escapes, or what is between
/// `BEGIN ATOMIC` and `END`, or from `RETURN` to the end, for a body in SQL or PL/pgSQL; on
/// MySQL/MariaDB from its `BEGIN` (or its single statement) to the end. `None` when the body
/// cannot be read as SQL here (a C, PL/Python … body, a string with escapes).
pub fn routine_body_range(
    source: &SourceFile,
    dialect: Dialect,
    tokens: &[Tok],
) -> Option<Range<usize>> {
    let at = tokens
        .iter()
        .position(|t| t.is_kw("FUNCTION") || t.is_kw("PROCEDURE"))?;
    let open = at + tokens[at..].iter().position(|t| t.is(&Token::LParen))?;
    let close = super::lexer::matching_paren(tokens, open)?;
    let rest = &tokens[close + 1..];
    if dialect.is_mysql_family() {
        const STARTS: &[&str] = &[
            "BEGIN", "CREATE", "ALTER", "DROP", "INSERT", "RENAME", "CALL", "SELECT", "UPDATE",
            "DELETE", "REPLACE", "RETURN", "IF", "WHILE", "LOOP", "REPEAT", "CASE",
        ];
        let labelled = |k: usize| {
            rest.get(k + 1).is_some_and(|t| t.is(&Token::Colon))
                && matches!(rest[k].token, Token::Word(_))
        };
        let start =
            (0..rest.len()).find(|&k| labelled(k) || STARTS.iter().any(|s| rest[k].is_kw(s)))?;
        return Some(rest[start].range.start..rest.last()?.range.end);
    }
    let language = rest
        .iter()
        .position(|t| t.is_kw("LANGUAGE"))
        .and_then(|k| rest.get(k + 1))
        .map(|t| match &t.token {
            Token::Word(w) => w.value.to_lowercase(),
            Token::SingleQuotedString(s) => s.to_lowercase(),
            _ => String::new(),
        });
    if !language
        .as_deref()
        .is_none_or(|l| l == "sql" || l == "plpgsql")
    {
        return None;
    }
    if let Some(body) = body_range(source, rest) {
        return Some(body);
    }
    let after_as = rest
        .iter()
        .position(|t| t.is_kw("AS"))
        .and_then(|k| rest.get(k + 1));
    if let Some(t) = after_as {
        let Token::SingleQuotedString(value) = &t.token else {
            return None;
        };
        // The bytes are the body only when nothing in it is escaped (`''`).
        let text = source.text.get(t.range.clone())?;
        return (text.len() == value.len() + 2 && text[1..text.len() - 1] == **value)
            .then(|| t.range.start + 1..t.range.end - 1);
    }
    if let Some(atomic) = rest
        .windows(2)
        .position(|w| w[0].is_kw("BEGIN") && w[1].is_kw("ATOMIC"))
    {
        let end = rest.last().filter(|t| t.is_kw("END"))?;
        return Some(rest[atomic + 1].range.end..end.range.start);
    }
    // A SQL-standard `RETURN expression` body: no statements, and the calls of its expression.
    let at = rest.iter().position(|t| t.is_kw("RETURN"))?;
    Some(rest[at].range.start..rest.last()?.range.end)
}

/// The first token of `tokens` that starts a statement: one of `starts` at the front, after a
/// PL/pgSQL label (`<<name>>`) or after one of `after`.
fn statement_start(tokens: &[Tok], starts: &[&str], after: &[&str]) -> Option<usize> {
    tokens.iter().enumerate().find_map(|(k, t)| {
        let starts_sql = starts.iter().any(|s| t.is_kw(s));
        let after_control = k == 0
            || tokens[k - 1].is(&Token::ShiftRight)
            || after.iter().any(|s| tokens[k - 1].is_kw(s));
        (starts_sql && after_control).then_some(k)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> SourceFile {
        SourceFile::new("t.sql", text)
    }

    /// (guarded, note) of each statement of the DO block `body` on `dialect`.
    fn nested_guards(body: &str, dialect: Dialect) -> Vec<(bool, Option<String>)> {
        let text = format!("DO $$\nBEGIN\n{body}\nEND $$;");
        let parsed = super::super::parse_source(&source(&text), dialect);
        parsed.statements[0]
            .nested
            .iter()
            .map(|s| (s.context.do_block.unwrap().guarded, s.guard_note.clone()))
            .collect()
    }

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

    const COLUMN_CHECK: &str = "IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = (SELECT oid FROM pg_class WHERE relname = 'zone') AND attname = 'LIT') THEN\n  ALTER TABLE zone ADD COLUMN gz_jsonData bytea;\nEND IF;";

    #[test]
    fn a_check_whose_literal_differs_from_the_stored_name_in_case_guards_nothing() {
        let check =
            |literal: &str| nested_guards(&COLUMN_CHECK.replace("LIT", literal), Dialect::Postgres);
        assert_eq!(
            check("gz_jsonData"),
            [(
                false,
                Some("the guard compares attname = 'gz_jsonData', but PostgreSQL stores the unquoted name as gz_jsondata, so the check never finds it".to_string())
            )]
        );
        assert_eq!(check("gz_jsondata"), [(true, None)]);
        // An unrelated literal: the check is read as before.
        assert_eq!(check("other"), [(true, None)]);
        // A quoted name keeps its case.
        let quoted = |literal: &str| {
            nested_guards(
                &COLUMN_CHECK
                    .replace("LIT", literal)
                    .replace("gz_jsonData bytea", "\"gz_jsonData\" bytea"),
                Dialect::Postgres,
            )
        };
        assert_eq!(quoted("gz_jsonData"), [(true, None)]);
        let (guarded, note) = quoted("gz_jsondata").remove(0);
        assert!(!guarded);
        assert!(note
            .unwrap()
            .contains("stores the quoted name as \"gz_jsonData\""));
        // A check that folds case finds it.
        let lowered =
            COLUMN_CHECK.replace("attname = 'LIT'", "lower(attname) = lower('gz_jsonData')");
        assert_eq!(nested_guards(&lowered, Dialect::Postgres), [(true, None)]);
        let ilike = COLUMN_CHECK.replace("attname = 'LIT'", "attname ILIKE 'gz_jsonData'");
        assert_eq!(nested_guards(&ilike, Dialect::Postgres), [(true, None)]);
    }

    #[test]
    fn a_miscased_table_name_or_a_variable_filled_from_the_catalog_counts_too() {
        // The table's name, in the check of a constraint on it.
        let body = "IF NOT EXISTS (SELECT 1 FROM information_schema.table_constraints WHERE table_name = 'Orders' AND constraint_name = 'orders_uk') THEN\n  ALTER TABLE orders ADD CONSTRAINT orders_uk UNIQUE (a);\nEND IF;";
        let (guarded, note) = nested_guards(body, Dialect::Postgres).remove(0);
        assert!(!guarded);
        assert!(note
            .unwrap()
            .starts_with("the guard compares table_name = 'Orders'"));
        // ranger's patch 029: the constraint's check is an IF inside an IF that tests the
        // column exists (`n > 0`, which a retry does not change), around an IF that looks for
        // an index leading with that column (`indkey[0] = n`), but the constraint's index
        // leads with another one.
        let body = "SELECT attnum INTO n FROM pg_attribute WHERE attname = 'b';\nIF n > 0 THEN\n  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'T_UK_a') THEN\n    IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indkey[0] = n) THEN\n      ALTER TABLE t ADD CONSTRAINT t_uk_A UNIQUE (a, b);\n    END IF;\n  END IF;\nEND IF;";
        let (guarded, note) = nested_guards(body, Dialect::Postgres).remove(0);
        assert!(!guarded);
        assert!(note
            .unwrap()
            .starts_with("the guard compares conname = 'T_UK_a'"));
        // ranger's patch 065: the index check finds the constraint's own index on a retry.
        let leading = body.replace("UNIQUE (a, b)", "UNIQUE (b)");
        assert_eq!(nested_guards(&leading, Dialect::Postgres), [(true, None)]);
        let listed = leading.replace("attname = 'b'", "attname in('b')");
        assert_eq!(nested_guards(&listed, Dialect::Postgres), [(true, None)]);
        let body = "SELECT count(*) INTO n FROM pg_attribute WHERE attname = 'Gz';\nIF n = 0 THEN\n  ALTER TABLE t ADD COLUMN gz int;\nEND IF;";
        assert!(!nested_guards(body, Dialect::Postgres)[0].0);
        // A literal read as an identifier is folded like the name.
        let body = "IF to_regclass('Orders') IS NULL THEN\n  CREATE TABLE orders (a int);\nEND IF;";
        assert_eq!(nested_guards(body, Dialect::Postgres), [(true, None)]);
        // An exception handler catches the retry's error anyway.
        let body = "IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'Orders') THEN\n  CREATE TABLE orders (a int);\nEND IF;\nEXCEPTION WHEN duplicate_table THEN NULL;";
        assert_eq!(nested_guards(body, Dialect::Postgres), [(true, None)]);
    }

    #[test]
    fn mysql_compares_names_without_case_and_keeps_the_guard() {
        let body = "IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'gz_jsonData') THEN\n  ALTER TABLE t ADD COLUMN gz_jsondata int;\nEND IF;";
        let text = format!("CREATE PROCEDURE p() BEGIN\n{body}\nEND");
        let src = source(&text);
        let parsed = super::super::parse_source(&src, Dialect::Mariadb);
        let body =
            super::super::routine_body(&src, Dialect::Mariadb, &parsed.statements[0]).unwrap();
        let inner = &body.statements[0];
        assert!(inner.context.do_block.unwrap().guarded);
        assert_eq!(inner.guard_note, None);
    }

    /// Whether each statement of procedure body `body` (in `BEGIN … END`) on `dialect` is
    /// guarded.
    fn routine_guards(body: &str, dialect: Dialect) -> Vec<bool> {
        let text = format!("CREATE PROCEDURE p() BEGIN\n{body}\nEND");
        let src = source(&text);
        let parsed = super::super::parse_source(&src, dialect);
        let body = super::super::routine_body(&src, dialect, &parsed.statements[0]).unwrap();
        body.statements
            .iter()
            .map(|s| s.context.do_block.unwrap().guarded)
            .collect()
    }

    #[test]
    fn a_mysql_handler_guards_the_rest_of_its_block_but_not_handler_bodies() {
        let guards = |body: &str| routine_guards(body, Dialect::Mariadb);
        // A nested block's handler guards its statements, not those before or after it.
        assert_eq!(
            guards("CREATE TABLE a (id INT);\nBEGIN\n  DECLARE CONTINUE HANDLER FOR 1050 BEGIN END;\n  CREATE TABLE b (id INT);\nEND;\nCREATE TABLE c (id INT);"),
            [false, true, false]
        );
        // The enclosing block's handler guards a nested block's statements, in loops and IFs.
        assert_eq!(
            guards("DECLARE EXIT HANDLER FOR SQLSTATE VALUE '42S01' BEGIN END;\nlbl: BEGIN\n  WHILE 1 DO\n    IF x THEN CREATE TABLE a (id INT); END IF;\n  END WHILE;\n  SELECT CASE WHEN 1 THEN 2 END;\nEND lbl;\nCREATE TABLE b (id INT);"),
            [true, true]
        );
        // A handler's body is in no handler's scope of its block, but in the enclosing one's.
        assert_eq!(
            guards("DECLARE CONTINUE HANDLER FOR 1050 BEGIN END;\nDECLARE CONTINUE HANDLER FOR 1060 BEGIN CREATE TABLE a (id INT); END;\nCREATE TABLE b (id INT);"),
            [false, true]
        );
        assert_eq!(
            guards("DECLARE CONTINUE HANDLER FOR 1050 BEGIN END;\nBEGIN\n  DECLARE CONTINUE HANDLER FOR 1060 BEGIN CREATE TABLE a (id INT); END;\n  CREATE TABLE b (id INT);\nEND;"),
            [true, true]
        );
        assert_eq!(
            guards("DECLARE CONTINUE HANDLER FOR 1050 IF x THEN CREATE TABLE a (id INT); END IF;\nCREATE TABLE b (id INT);"),
            [false, true]
        );
        // A block's END before an IF or a loop (no `END IF`).
        assert_eq!(
            guards("DECLARE CONTINUE HANDLER FOR 1050 BEGIN END;\nIF x THEN CREATE TABLE a (id INT); END IF;\nWHILE y DO CREATE TABLE b (id INT); END WHILE;"),
            [true, true]
        );
        // A named condition: the innermost declaration of the name.
        assert_eq!(
            guards("DECLARE d CONDITION FOR 1050;\nBEGIN\n  DECLARE d CONDITION FOR 1060;\n  DECLARE CONTINUE HANDLER FOR d BEGIN END;\n  CREATE TABLE a (id INT);\n  ALTER TABLE t ADD COLUMN c INT;\nEND;"),
            [false, true]
        );
    }

    #[test]
    fn a_mysql_handler_guards_only_statements_whose_retry_raises_what_it_catches() {
        let body = "CREATE TABLE x (id INT);\n\
                    ALTER TABLE t ADD COLUMN c INT;\n\
                    CREATE INDEX i ON t (a);\n\
                    ALTER TABLE t DROP COLUMN c;\n\
                    ALTER TABLE t ADD PRIMARY KEY (id);\n\
                    DROP TABLE x;\n\
                    INSERT INTO u (k) VALUES (1);\n\
                    ALTER TABLE t CHANGE a b INT;\n\
                    RENAME TABLE r TO s;\n\
                    ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (p) REFERENCES q (id);\n\
                    DROP VIEW v;";
        let guards = |condition: &str, dialect: Dialect| {
            let body = format!("DECLARE CONTINUE HANDLER FOR {condition} BEGIN END;\n{body}");
            routine_guards(&body, dialect)
        };
        let maria = |condition: &str| guards(condition, Dialect::Mariadb);
        let (f, t) = (false, true);
        assert_eq!(maria("1060"), [f, t, f, f, f, f, f, f, f, f, f]);
        assert_eq!(maria("SQLSTATE '42000'"), [f, f, t, t, t, f, f, f, f, f, f]);
        assert_eq!(maria("SQLSTATE '42S02'"), [f, f, f, f, f, t, f, f, t, f, t]);
        assert_eq!(maria("1062"), [f, f, f, f, f, f, t, f, f, f, f]);
        assert_eq!(maria("1054, 1146"), [f, f, f, f, f, f, f, t, t, f, f]);
        assert_eq!(maria("1005"), [f, f, f, f, f, f, f, f, f, t, f]);
        assert_eq!(maria("1051"), [f, f, f, f, f, t, f, f, f, f, f]);
        assert_eq!(maria("SQLEXCEPTION"), [t; 11]);
        assert_eq!(maria("SQLWARNING, NOT FOUND"), [f; 11]);
        // MySQL raises other errors for a taken foreign key name and a missing view.
        let mysql = |condition: &str| guards(condition, Dialect::Mysql);
        assert_eq!(mysql("1826"), [f, f, f, f, f, f, f, f, f, t, f]);
        assert_eq!(mysql("1051"), [f, f, f, f, f, t, f, f, f, f, t]);
        // A handler that raises the error again catches nothing, unless it may not.
        let guards = |handler: &str| {
            let body = format!("DECLARE {handler};\nCREATE TABLE a (id INT);");
            routine_guards(&body, Dialect::Mariadb)
        };
        assert_eq!(
            guards("EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END"),
            [f]
        );
        assert_eq!(
            guards("CONTINUE HANDLER FOR 1050 SIGNAL SQLSTATE '45000'"),
            [f]
        );
        assert_eq!(
            guards("EXIT HANDLER FOR 1050 BEGIN IF x THEN RESIGNAL; END IF; END"),
            [t]
        );
        assert_eq!(
            guards("EXIT HANDLER FOR 1050 lbl: BEGIN LEAVE lbl; RESIGNAL; END"),
            [t]
        );
        // What a statement raises is not known: any "already exists" / "does not exist" counts.
        assert_eq!(
            routine_guards(
                "DECLARE CONTINUE HANDLER FOR 1061 BEGIN END;\nALTER TABLE t ADD PARTITION (PARTITION p1 VALUES LESS THAN (10));",
                Dialect::Mariadb
            ),
            [true]
        );
    }

    #[test]
    fn a_drop_whose_check_never_finds_it_does_not_count_as_if_exists() {
        let body = "IF EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'T_A_idx') THEN\n  DROP INDEX t_a_idx;\nEND IF;";
        let text = format!("DO $$\nBEGIN\n{body}\nEND $$;");
        let parsed = super::super::parse_source(&source(&text), Dialect::Postgres);
        let drop = parsed.statements[0].nested[0].context.do_block.unwrap();
        // The drop itself never fails (it never runs), but it removes nothing.
        assert!(drop.guarded);
        assert!(!drop.drops_checked);
        let text = text.replace("'T_A_idx'", "'t_a_idx'");
        let parsed = super::super::parse_source(&source(&text), Dialect::Postgres);
        assert!(
            parsed.statements[0].nested[0]
                .context
                .do_block
                .unwrap()
                .drops_checked
        );
    }

    #[test]
    fn called_names_are_calls_and_call_targets_not_insert_tables() {
        let text = "INSERT INTO s.audit (a) SELECT f(1), S.G(x) FROM t; CALL db.p; CALL q()";
        let lexed = super::super::lexer::lex(Dialect::Postgres, text, 0..text.len());
        assert_eq!(called_names(&lexed.tokens), ["f", "g", "p", "q"]);
    }

    #[test]
    fn routine_bodies_are_found_where_each_dialect_puts_them() {
        let body = |text: &str, dialect: Dialect| {
            let src = source(text);
            let lexed = super::super::lexer::lex(dialect, text, 0..text.len());
            routine_body_range(&src, dialect, &lexed.tokens).map(|r| text[r].to_string())
        };
        let pg = Dialect::Postgres;
        assert_eq!(
            body(
                "CREATE FUNCTION f() RETURNS void AS $b$ SELECT 1 $b$ LANGUAGE plpgsql",
                pg
            )
            .as_deref(),
            Some(" SELECT 1 ")
        );
        assert_eq!(
            body(
                "CREATE PROCEDURE p() LANGUAGE sql AS 'ALTER TABLE t ADD c int'",
                pg
            )
            .as_deref(),
            Some("ALTER TABLE t ADD c int")
        );
        assert_eq!(
            body(
                "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT ''x'''",
                pg
            ),
            None
        );
        assert_eq!(
            body(
                "CREATE FUNCTION f() RETURNS int AS 'MODULE_PATHNAME', 'f' LANGUAGE c",
                pg
            ),
            None
        );
        assert_eq!(
            body(
                "CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u AS $$ return 1 $$",
                pg
            ),
            None
        );
        assert_eq!(
            body("CREATE PROCEDURE p() BEGIN ATOMIC SELECT g(); END", pg).as_deref(),
            Some(" SELECT g(); ")
        );
        assert_eq!(
            body(
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN g() + 1",
                pg
            )
            .as_deref(),
            Some("RETURN g() + 1")
        );
        let my = Dialect::Mariadb;
        assert_eq!(
            body("CREATE DEFINER=`root`@`%` PROCEDURE p(IN a INT) COMMENT 'x' lbl: BEGIN SELECT 1; END", my).as_deref(),
            Some("lbl: BEGIN SELECT 1; END")
        );
        assert_eq!(
            body(
                "CREATE FUNCTION f() RETURNS VARCHAR(10) DETERMINISTIC RETURN 'a'",
                my
            )
            .as_deref(),
            Some("RETURN 'a'")
        );
        assert_eq!(
            body("CREATE PROCEDURE p() ALTER TABLE t ADD c INT", my).as_deref(),
            Some("ALTER TABLE t ADD c INT")
        );
    }
}
