//! The parsing core: split a migration file into statements with exact byte ranges, recognise
//! each statement's DDL shape from its tokens, and parse it with sqlparser. Every later stage
//! (lint, fix, reconcile, verify) reads SQL through this module; there is no second SQL parser.
//!
//! Entry point: [`parse_source`]. Each [`Statement`] carries its tokens, its [`Shape`] (what it
//! creates, drops or alters, with guard positions) and its [`StatementContext`] (inside an
//! explicit transaction, inside a DO block). Statements inside a PostgreSQL `DO` body are in
//! [`Statement::nested`]; [`ParsedFile::all_statements`] walks both levels in file order.
//! [`Statement::effects`] lists the schema changes a statement makes (for reconcile/verify).

pub mod column_change;
pub mod dialect;
pub mod do_block;
pub mod dynamic;
pub mod effects;
pub mod fast_lexer;
pub mod keys;
pub mod lexer;
mod mysql_forms;
pub mod plain_split;
pub mod search_path;
pub mod shape;
pub mod split;
pub mod top_dynamic;
pub mod unread;

pub use dialect::Dialect;
pub use effects::{Change, Effect, Target};
pub use lexer::{tokens_in, top_level, Tok};
pub use shape::{
    added_constraint_kind, type_attribute_actions, AlterAction, AlterActionKind, Guard, Name,
    ObjectKind, Shape, ShapeKind,
};
pub use split::{Directive, DirectiveKind};

use crate::source::SourceFile;
use split::RawStatement;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan};
use std::ops::Range;

/// PostgreSQL's serial pseudo-types (upper case): a column of one is NOT NULL and fills existing
/// rows from its sequence.
pub const SERIAL_TYPES: &[&str] = &[
    "SERIAL",
    "BIGSERIAL",
    "SMALLSERIAL",
    "SERIAL2",
    "SERIAL4",
    "SERIAL8",
];

/// One statement of a migration file.
#[derive(Debug, Clone)]
pub struct Statement {
    /// 0-based position among the file's top-level statements (for nested statements: among
    /// the statements of their DO body).
    pub index: usize,
    /// Bytes of the statement in `SourceFile::text`, from its first token to its terminator
    /// (the `;` or custom delimiter included when there is one).
    pub range: Range<usize>,
    /// The terminator's bytes, when the statement has one.
    pub terminator: Option<Range<usize>>,
    /// Significant tokens (no whitespace or comments, no terminator), with exact byte ranges.
    pub tokens: Vec<Tok>,
    /// What the token-level recogniser understood, even when sqlparser did not.
    pub shape: Shape,
    /// Bytes of a part the recogniser could not place in a statement whose head it knew (an
    /// `ALTER TABLE` action, an object kind): see [`unread`].
    pub unread: Option<Range<usize>>,
    pub context: StatementContext,
    /// The sqlparser AST, when sqlparser understood the statement. Boxed: the AST type is
    /// ~3.4 KB, and most statements of a lint run have none.
    pub ast: Option<Box<sqlparser::ast::Statement>>,
    /// Why sqlparser could not parse it, when it could not.
    pub parse_error: Option<String>,
    /// Statements inside a PostgreSQL DO body.
    pub nested: Vec<Statement>,
    /// In a body: why the catalog check around it, which looks like a guard, does not guard it
    /// ([`do_block::Guarded::never_finds`]), for the retry rules' findings.
    pub guard_note: Option<String>,
    /// In a body: what the guards around it keep its reads from failing on once what it reads
    /// is gone ([`do_block::Guarded::read_guard`]); `None` when nothing does.
    pub read_guard: Option<Box<ReadGuard>>,
    /// In a body: the tables whose rows the conditions that decide whether it runs read
    /// ([`do_block::Guarded::condition_reads`]), as named. Empty elsewhere.
    pub branch_reads: Vec<do_block::RowTable>,
    /// The dialect the file is read in (a DO body's statements: PostgreSQL's).
    pub dialect: Dialect,
}

impl Statement {
    pub fn text<'a>(&self, source: &'a SourceFile) -> &'a str {
        &source.text[self.range.clone()]
    }

    /// Neither sqlparser nor the recogniser understood it (or all of it).
    pub fn is_unrecognised(&self) -> bool {
        self.ast.is_none() && (self.shape.kind == ShapeKind::Unknown || self.unread.is_some())
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatementContext {
    /// Inside an explicit `BEGIN`/`START TRANSACTION` … `COMMIT` block of the file.
    pub in_transaction: bool,
    /// Inside a DO block, and whether the block guards this statement.
    pub do_block: Option<DoBlockContext>,
}

/// What the guards around a statement of a body do when a table or column it reads is gone
/// (PF123): a handler that catches `undefined_table` / `undefined_column` (or `OTHERS`), or an
/// IF whose catalog check holds only while something it names exists. A handler for the
/// statement's own retry error (`duplicate_object`) does not: the read still fails.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadGuard {
    /// A handler around it catches `undefined_table` (42P01), or on MySQL/MariaDB 1146.
    pub missing_table: bool,
    /// A handler around it catches `undefined_column` (42703), or on MariaDB 1054 (on MySQL
    /// every error a read of a missing column by it may raise).
    pub missing_column: bool,
    /// ... what a missing column of a key it adds raises: `undefined_column`, on MariaDB 1072
    /// (`Key column 'c' doesn't exist in table`).
    pub missing_key_column: bool,
    /// A handler around it catches `undefined_object` (42704): a constraint it names is gone.
    pub missing_object: bool,
    /// A handler around it catches `invalid_text_representation` (22P02): an enum compared
    /// with a label it lacks.
    pub bad_label: bool,
    /// A handler around it catches `invalid_foreign_key` (42830): the key a foreign key it
    /// adds references is gone (`there is no unique constraint matching given keys`).
    pub bad_reference: bool,
    /// A handler around it catches what adding a foreign key raises when the table it
    /// references is gone: `undefined_table` (42P01), on MariaDB 1005, on MySQL 1824 (not the
    /// 1146 of a read of that table).
    pub missing_parent: bool,
    /// Of each IF around it whose catalog check holds only while what it tests exists: the
    /// names the check mentions, lower case.
    pub checks: Vec<Vec<String>>,
    /// The positions of the ALTER TABLE's named `ADD CONSTRAINT` actions whose re-run's
    /// "already exists" (or a second primary key's `invalid_table_definition`) a PostgreSQL
    /// handler around it catches: once such a constraint is there, a retry fails on it first
    /// when PostgreSQL runs it before another action, and the handler skips the rest.
    pub readded_caught: Vec<usize>,
}

impl ReadGuard {
    /// Does the statement survive `table` (lower case) being gone, or, with `column`, that
    /// column of it?
    pub fn protects(&self, table: &str, column: Option<&str>) -> bool {
        let caught = match column {
            None => self.missing_table,
            Some(_) => self.missing_column,
        };
        caught || self.checked(table, column)
    }

    /// Does an IF around the statement check that `table` (and `column`) exist?
    fn checked(&self, table: &str, column: Option<&str>) -> bool {
        let names = |mentions: &Vec<String>, name: &str| {
            let name = name.to_lowercase();
            mentions.contains(&name)
        };
        self.checks
            .iter()
            .any(|m| names(m, table) && column.is_none_or(|c| names(m, c)))
    }

    /// Does the statement survive `column` of `table` (lower case) being gone, when that
    /// makes it raise what `loss` says ([`do_block::column_loss`])?
    pub fn protects_column(&self, table: &str, column: &str, loss: do_block::ColumnLoss) -> bool {
        let caught = match loss {
            do_block::ColumnLoss::Field => self.missing_column,
            do_block::ColumnLoss::Key => self.missing_key_column,
            do_block::ColumnLoss::Either => self.missing_column && self.missing_key_column,
        };
        caught || self.checked(table, Some(column))
    }

    /// Does the statement survive `table` (lower case), which a foreign key it adds
    /// references, being gone?
    pub fn protects_parent(&self, table: &str) -> bool {
        self.missing_parent
            || self
                .checks
                .iter()
                .any(|m| m.contains(&table.to_lowercase()))
    }

    /// Does the statement survive constraint `name` of `table` being gone, with `column` that
    /// it is on (a `VALIDATE CONSTRAINT`)? A handler for `undefined_object`, or a check that
    /// holds only while the table and the column or the constraint exist.
    pub fn protects_constraint(&self, table: &str, column: &str, name: &str) -> bool {
        let names = |mentions: &Vec<String>, name: &str| mentions.contains(&name.to_lowercase());
        self.missing_object
            || self
                .checks
                .iter()
                .any(|m| names(m, table) && (names(m, column) || names(m, name)))
    }

    /// `guard` with `outer` (the guard around a call that runs the statement) added: either
    /// keeps the read from failing.
    pub fn around(
        guard: Option<Box<ReadGuard>>,
        outer: Option<Box<ReadGuard>>,
    ) -> Option<Box<ReadGuard>> {
        match (guard, outer) {
            (Some(mut guard), Some(outer)) => {
                guard.missing_table |= outer.missing_table;
                guard.missing_column |= outer.missing_column;
                guard.missing_key_column |= outer.missing_key_column;
                guard.missing_object |= outer.missing_object;
                guard.bad_reference |= outer.bad_reference;
                guard.missing_parent |= outer.missing_parent;
                guard.checks.extend(outer.checks);
                for at in outer.readded_caught {
                    if !guard.readded_caught.contains(&at) {
                        guard.readded_caught.push(at);
                    }
                }
                Some(guard)
            }
            (guard, outer) => guard.or(outer),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DoBlockContext {
    /// A block around the statement has a handler that catches the error its re-run raises
    /// (duplicate_table for an index, …, or OTHERS), or the statement sits in an `IF [NOT]
    /// EXISTS (SELECT … FROM pg_…/information_schema…) THEN` branch.
    pub guarded: bool,
    /// ... by a catalog check that names what it drops: the statement removes its objects
    /// whenever they exist, as `DROP … IF EXISTS` does ([`do_block::Guarded::drops_checked`]).
    pub drops_checked: bool,
    /// ... by exception handlers only, none of which catches the "already exists" a rename's
    /// re-run raises once the file made the old name again (`WHEN undefined_table` around
    /// `ALTER TABLE t RENAME TO t_old`): the rename is guarded only while nothing does
    /// ([`do_block::Guarded::apply`]).
    pub collision_uncaught: bool,
    /// [`Self::collision_uncaught`] for a type's `RENAME TO` of a type known to be no composite
    /// type (an enum, a domain): it raises `duplicate_object` (`type "e_old" already exists`),
    /// a composite type's `duplicate_table`, and `collision_uncaught` counts both. The same as
    /// `collision_uncaught` for any other statement.
    pub enum_collision_uncaught: bool,
    /// [`Self::collision_uncaught`] for a type's `RENAME TO` of a type known to be a composite
    /// type: it raises `duplicate_table` (`relation "c_old" already exists`) once an earlier
    /// run left the new name. The same as `collision_uncaught` for any other statement.
    pub composite_collision_uncaught: bool,
    /// Not guarded, but a rename whose retry's "already exists" (the new name an earlier run
    /// left) a handler around it catches, and the first statement of the body that may touch
    /// objects: only a missing old name fails it ([`do_block::Guarded::collision_caught`]).
    pub collision_caught: bool,
    /// Index of the DO statement among the top-level statements.
    pub parent: usize,
    /// Guarded only because statement `n` of the same DO body runs before it and fails first
    /// on a retry, with an error the block's handler catches ([`do_block::Guarded::fails_first`]):
    /// not when the file removed what that statement makes before the block.
    pub after_failure_of: Option<usize>,
}

/// A file split into statements.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub source: SourceFile,
    pub dialect: Dialect,
    pub statements: Vec<Statement>,
    /// psql meta-command and `DELIMITER` lines, which are not SQL.
    pub directives: Vec<Directive>,
    /// Set when tokenizing stopped early (e.g. an unterminated dollar quote): statements before
    /// it are complete; the last statement runs from its start to the end of the file.
    pub tokenize_error: Option<TokenizeError>,
}

impl ParsedFile {
    /// Top-level statements and the statements nested in DO bodies, in file order.
    pub fn all_statements(&self) -> impl Iterator<Item = &Statement> {
        self.statements
            .iter()
            .flat_map(|s| std::iter::once(s).chain(s.nested.iter()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenizeError {
    /// sqlparser's description, e.g. "Unterminated dollar-quoted string".
    pub message: String,
    /// Byte where the construct that is never closed begins.
    pub offset: usize,
}

/// When to run sqlparser on a statement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AstMode {
    /// Every statement gets an AST (or a parse error).
    #[default]
    Always,
    /// Only statements the token-level recogniser does not understand: everything lint needs,
    /// at a fraction of the cost.
    WhenUnrecognised,
    /// Never: shapes and effects only (lint's first pass over a file).
    Never,
}

/// Splits and parses a file. Never fails: what cannot be understood is reported on the result.
pub fn parse_source(source: &SourceFile, dialect: Dialect) -> ParsedFile {
    parse_source_with(source, dialect, AstMode::Always)
}

/// [`parse_source`], choosing which statements sqlparser parses.
pub fn parse_source_with(source: &SourceFile, dialect: Dialect, mode: AstMode) -> ParsedFile {
    let mut statements = Vec::new();
    let mut parsed = parse_each(source, dialect, mode, &mut |s| statements.push(s));
    parsed.statements = statements;
    parsed
}

/// [`parse_source_with`], handing each top-level statement (with its nested statements) to
/// `each` as soon as it is split and recognised, instead of collecting them: a caller that drops
/// each statement after use needs memory for the largest statement only. The result holds the
/// directives and the tokenize error, and no statements.
pub fn parse_each(
    source: &SourceFile,
    dialect: Dialect,
    mode: AstMode,
    each: &mut dyn FnMut(Statement),
) -> ParsedFile {
    let split = split_and_build(source, dialect, mode, &mut |_| true, each);
    ParsedFile {
        source: source.clone(),
        dialect,
        statements: Vec::new(),
        directives: split.directives,
        tokenize_error: split.error.map(|e| TokenizeError {
            message: e.message,
            offset: e.construct_start,
        }),
    }
}

/// A quick first pass over a file: splits it exactly as [`parse_each`] does (the same
/// statements, the same indexes) but recognises, without any AST, only the top-level
/// statements whose text `wanted` accepts; the others are dropped as tokens.
pub fn skim_each(
    source: &SourceFile,
    dialect: Dialect,
    wanted: &mut dyn FnMut(&str) -> bool,
    each: &mut dyn FnMut(Statement),
) {
    split_and_build(source, dialect, AstMode::Never, wanted, each);
}

/// What [`skim_plain_each`] does with a statement, chosen from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skim {
    /// Not needed: never tokenized.
    Skip,
    /// Tokenized, recognised and handed over now.
    Build,
    /// Its place is kept for [`build_kept`], once the caller knows whether it needs it.
    Keep,
}

/// A statement the byte scan found and [`skim_plain_each`] kept: its index and bytes (to its
/// terminator, which is the last byte when it is a `;`), not tokenized. 12 bytes.
#[derive(Debug, Clone, Copy)]
pub struct KeptStatement {
    index: u32,
    start: u32,
    end: u32,
}

/// [`skim_each`] for a file of plain SQL: the boundaries come from a byte scan
/// ([`plain_split`]) and only the statements `choose` builds are tokenized; those it keeps are
/// added to `kept`, for [`build_kept`]. Returns `false` when the file is not plain SQL (or is
/// 4 GiB or more); `each` may then have seen its first statements, and the caller starts over
/// with [`skim_each`].
pub fn skim_plain_each(
    source: &SourceFile,
    dialect: Dialect,
    choose: &mut dyn FnMut(&str) -> Skim,
    each: &mut dyn FnMut(Statement),
    kept: &mut Vec<KeptStatement>,
) -> bool {
    let text: &str = &source.text;
    if u32::try_from(text.len()).is_err() {
        return false;
    }
    let mut lexed_cleanly = true;
    let mut build_top = TopBuilder::new(source, dialect, AstMode::Never);
    let plain = plain_split::split_plain_each(
        text,
        dialect,
        source.bom_len()..text.len(),
        &mut |range, terminator| {
            let index = build_top.index;
            build_top.index += 1;
            match choose(&text[range.clone()]) {
                Skim::Skip => {}
                Skim::Build => {
                    let raw = plain_raw(source, dialect, range, terminator, &mut lexed_cleanly);
                    build_top.build(index, raw, each);
                }
                // The file is under 4 GiB, so are its offsets and its statement count.
                Skim::Keep => kept.push(KeptStatement {
                    index: index as u32,
                    start: range.start as u32,
                    end: range.end as u32,
                }),
            }
        },
    );
    plain && lexed_cleanly
}

/// The statements `kept` by [`skim_plain_each`] of the same file that `wanted` accepts,
/// tokenized and recognised as [`skim_plain_each`] would have (the same indexes), in the
/// order of `kept`. Returns `false` when one of them does not lex cleanly: the caller starts
/// over with [`skim_each`].
pub fn build_kept(
    source: &SourceFile,
    dialect: Dialect,
    kept: &[KeptStatement],
    wanted: &mut dyn FnMut(&str) -> bool,
    each: &mut dyn FnMut(Statement),
) -> bool {
    let text: &str = &source.text;
    let mut lexed_cleanly = true;
    let mut build_top = TopBuilder::new(source, dialect, AstMode::Never);
    for k in kept {
        let range = k.start as usize..k.end as usize;
        if !wanted(&text[range.clone()]) {
            continue;
        }
        // The byte scan ends a statement at its `;` or, without one, at its last token.
        let terminator = (text.as_bytes()[range.end - 1] == b';').then(|| range.end - 1..range.end);
        let raw = plain_raw(source, dialect, range, terminator, &mut lexed_cleanly);
        build_top.build(k.index as usize, raw, each);
    }
    lexed_cleanly
}

/// A statement of the byte scan, tokenized.
fn plain_raw(
    source: &SourceFile,
    dialect: Dialect,
    range: Range<usize>,
    terminator: Option<Range<usize>>,
    lexed_cleanly: &mut bool,
) -> RawStatement {
    let end = terminator.as_ref().map_or(range.end, |t| t.start);
    let lexed = lexer::lex(dialect, &source.text, range.start..end);
    *lexed_cleanly &= lexed.error.is_none();
    RawStatement {
        tokens: lexed.tokens,
        range,
        terminator,
    }
}

/// Numbers the top-level statements of a file as they are split, and recognises those wanted.
struct TopBuilder<'a> {
    source: &'a SourceFile,
    dialect: Dialect,
    parser_dialect: Box<dyn sqlparser::dialect::Dialect>,
    mode: AstMode,
    in_transaction: bool,
    index: usize,
    /// The names the statements built so far took in PostgreSQL's catalog, for a DO block's
    /// catalog checks ([`do_block::TakenNames`]); `None` when the file has no catalog check
    /// (no `pg_`, `information_schema` or `to_reg` in its text), or is not PostgreSQL.
    taken: Option<do_block::TakenNames>,
    /// The index of the statement after the last one built: one built after a gap (a statement
    /// not wanted) follows statements whose names were not taken in.
    next_built: usize,
}

impl<'a> TopBuilder<'a> {
    fn new(source: &'a SourceFile, dialect: Dialect, mode: AstMode) -> Self {
        // Only PostgreSQL's catalog checks read the names: other dialects skip the walk.
        let checks_catalog = dialect == Dialect::Postgres && mentions_catalog(&source.text);
        TopBuilder {
            source,
            dialect,
            parser_dialect: dialect.parser_dialect(),
            mode,
            in_transaction: false,
            index: 0,
            taken: checks_catalog.then(Default::default),
            next_built: 0,
        }
    }

    /// The next top-level statement, at `range`: its tokens are asked for only if it is wanted.
    fn next(
        &mut self,
        range: Range<usize>,
        raw: impl FnOnce() -> RawStatement,
        wanted: &mut dyn FnMut(&str) -> bool,
        each: &mut dyn FnMut(Statement),
    ) {
        let index = self.index;
        self.index += 1;
        if wanted(&self.source.text[range]) {
            self.build(index, raw(), each);
        }
    }

    /// Recognises top-level statement `index` (with its DO block's statements) and hands it
    /// to `each`. A transaction is followed across the statements built.
    fn build(&mut self, index: usize, raw: RawStatement, each: &mut dyn FnMut(Statement)) {
        let (source, dialect, mode) = (self.source, self.dialect, self.mode);
        let in_transaction = self.in_transaction;
        let parser_dialect = self.parser_dialect.as_ref();
        let context = StatementContext {
            in_transaction,
            do_block: None,
        };
        let mut statement = build(source, dialect, parser_dialect, raw, index, context, mode);
        if let Some(taken) = self.taken.as_mut().filter(|_| index != self.next_built) {
            taken.clear();
        }
        self.next_built = index + 1;
        match statement.shape.kind {
            ShapeKind::Begin => self.in_transaction = true,
            ShapeKind::Commit | ShapeKind::Rollback => self.in_transaction = false,
            ShapeKind::Do if dialect == Dialect::Postgres => {
                let tracked = self.taken.is_some();
                let mut taken = self.taken.take().unwrap_or_default();
                statement.nested = nested_statements(
                    source,
                    parser_dialect,
                    &statement,
                    in_transaction,
                    mode,
                    &mut taken,
                );
                self.taken = tracked.then_some(taken);
            }
            // MariaDB's `BEGIN NOT ATOMIC … END` runs its statements as a DO block does.
            ShapeKind::Other(ref word) if word == "BEGIN" && dialect.is_mysql_family() => {
                statement.nested = compound_body(source, dialect, &statement)
                    .map(|body| body.statements)
                    .unwrap_or_default();
            }
            _ => {}
        }
        if let Some(taken) = self.taken.as_mut() {
            taken.after(&statement);
        }
        each(statement);
    }
}

/// Does `text` mention the catalog anywhere, in any case: `pg_`, `information_schema` or
/// `to_reg`? Each has an underscore, so one walk over the underscores (`str::find` of a char is
/// a memchr) answers it, where a case-blind scan for each word cost about 25 instructions a
/// byte of the file.
fn mentions_catalog(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(i) = text[at..].find('_') {
        let under = at + i;
        let before =
            |w: &[u8]| under >= w.len() && bytes[under - w.len()..under].eq_ignore_ascii_case(w);
        let after = |w: &[u8]| {
            bytes
                .get(under + 1..under + 1 + w.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(w))
        };
        if before(b"pg")
            || (before(b"information") && after(b"schema"))
            || (before(b"to") && after(b"reg"))
        {
            return true;
        }
        at = under + 1;
    }
    false
}

fn split_and_build(
    source: &SourceFile,
    dialect: Dialect,
    mode: AstMode,
    wanted: &mut dyn FnMut(&str) -> bool,
    each: &mut dyn FnMut(Statement),
) -> split::Split {
    let mut build_top = TopBuilder::new(source, dialect, mode);
    let mut on_raw = |raw: RawStatement| build_top.next(raw.range.clone(), || raw, wanted, each);
    let range = source.bom_len()..source.text.len();
    split::split_each(source, dialect, range, true, &mut on_raw)
}

fn nested_statements(
    source: &SourceFile,
    parser_dialect: &dyn sqlparser::dialect::Dialect,
    parent: &Statement,
    in_transaction: bool,
    mode: AstMode,
    taken: &mut do_block::TakenNames,
) -> Vec<Statement> {
    let Some(body) = do_block::body_range(source, &parent.tokens) else {
        return Vec::new();
    };
    let (inner, body_tokens) = do_block::inner_statements(source, body);
    let guarded =
        do_block::Guarded::of(&body_tokens, Dialect::Postgres).with_taken(std::mem::take(taken));
    let mut statements: Vec<Statement> = Vec::new();
    for (i, raw) in inner.into_iter().enumerate() {
        let context = StatementContext {
            in_transaction,
            do_block: Some(DoBlockContext {
                // Set from the body's guards by `with_guards`.
                guarded: false,
                drops_checked: false,
                parent: parent.index,
                ..Default::default()
            }),
        };
        let mut statement = with_guards(
            build(
                source,
                Dialect::Postgres,
                parser_dialect,
                raw,
                i,
                context,
                mode,
            ),
            &guarded,
        );
        mark_after_failure(&mut statement, &guarded, &body_tokens, &statements);
        statements.push(statement);
    }
    *taken = guarded.into_taken();
    statements
}

/// `statement` of a PL/pgSQL body (its guards applied), after `before`: guarded when an
/// earlier statement fails first on a retry into a handler around it
/// ([`do_block::Guarded::fails_first`]), with that statement's position in
/// [`DoBlockContext::after_failure_of`]; otherwise, for a rename, whether a handler catches
/// its collision ([`DoBlockContext::collision_caught`]). `tokens`: the body's.
fn mark_after_failure(
    statement: &mut Statement,
    guarded: &do_block::Guarded,
    tokens: &[Tok],
    before: &[Statement],
) {
    let unguarded = statement.context.do_block.is_some_and(|d| !d.guarded);
    let first = unguarded
        .then(|| guarded.fails_first(tokens, before, statement))
        .flatten();
    let collision_caught = unguarded
        && first.is_none()
        && statement.shape.kind.may_rename()
        && guarded.collision_caught(tokens, statement);
    let Some(d) = statement.context.do_block.as_mut() else {
        return;
    };
    d.collision_caught = collision_caught;
    if let Some(first) = first {
        d.guarded = true;
        d.after_failure_of = Some(first);
        statement.guard_note = None;
    }
}

/// A routine's body as the replay runs it when the routine is called: its statements, built
/// as a DO block's are (context: in a guarded branch or not, `parent` the routine's statement),
/// and its calls of other routines, each in body order. Their byte ranges are in the file that
/// defines the routine.
#[derive(Debug, Clone, Default)]
pub struct RoutineBody {
    pub statements: Vec<Statement>,
    pub calls: Vec<do_block::BodyCall>,
}

/// The body of `CREATE FUNCTION|PROCEDURE` statement `statement` of `source` (see
/// [`do_block::routine_body_range`]), or `None` when it cannot be read as SQL.
pub fn routine_body(
    source: &SourceFile,
    dialect: Dialect,
    statement: &Statement,
) -> Option<RoutineBody> {
    let body = do_block::routine_body_range(source, dialect, &statement.tokens)?;
    body_at(source, dialect, statement, body)
}

/// The statements of MariaDB's anonymous compound statement `[label:] BEGIN NOT ATOMIC … END
/// [label]` `statement` of `source`, read as a routine's body is; `None` when it is not one or
/// cannot be split.
pub fn compound_body(
    source: &SourceFile,
    dialect: Dialect,
    statement: &Statement,
) -> Option<RoutineBody> {
    let body = compound_body_range(&statement.tokens)?;
    body_at(source, dialect, statement, body)
}

/// The bytes between `[label:] BEGIN NOT ATOMIC` and the last `END` of compound statement
/// `tokens`; `None` when it is not one.
pub fn compound_body_range(tokens: &[Tok]) -> Option<Range<usize>> {
    if !shape::is_compound_statement(tokens) {
        return None;
    }
    let labelled = tokens.get(1).is_some_and(|t| t.token == Token::Colon);
    let start = if labelled { 2 } else { 0 };
    let end = tokens.iter().rposition(|t| t.is_kw("END"))?;
    let from = tokens[start + 2].range.end;
    let to = tokens[end].range.start;
    (from <= to).then_some(from..to)
}

/// The statements and calls of body `body` (bytes of `source`) of `statement`.
fn body_at(
    source: &SourceFile,
    dialect: Dialect,
    statement: &Statement,
    body: Range<usize>,
) -> Option<RoutineBody> {
    let (inner, calls, body_tokens) = do_block::routine_statements(source, dialect, body)?;
    let guarded = do_block::Guarded::of(&body_tokens, dialect);
    let parser_dialect = dialect.parser_dialect();
    let mut statements: Vec<Statement> = Vec::new();
    for (i, raw) in inner.into_iter().enumerate() {
        let context = StatementContext {
            in_transaction: statement.context.in_transaction,
            do_block: Some(DoBlockContext {
                // Set from the body's guards by `with_guards`.
                guarded: false,
                drops_checked: false,
                parent: statement.index,
                ..Default::default()
            }),
        };
        let built = build(
            source,
            dialect,
            parser_dialect.as_ref(),
            raw,
            i,
            context,
            AstMode::Always,
        );
        let mut built = with_guards(built, &guarded);
        // As in a DO block: a call runs the body as one statement, so a statement after one
        // whose re-run certainly fails into the handler does not run again.
        mark_after_failure(&mut built, &guarded, &body_tokens, &statements);
        statements.push(built);
    }
    Some(RoutineBody { statements, calls })
}

/// `statement` of a body (its context not guarded yet), with the body's guards around it
/// applied ([`do_block::Guarded::apply`]).
fn with_guards(mut statement: Statement, guarded: &do_block::Guarded) -> Statement {
    let at = statement.range.start;
    guarded.apply(&mut statement, at, &dynamic::Bindings::default());
    statement.read_guard = guarded.read_guard(at, &statement);
    statement
}

fn build(
    source: &SourceFile,
    dialect: Dialect,
    parser_dialect: &dyn sqlparser::dialect::Dialect,
    raw: RawStatement,
    index: usize,
    context: StatementContext,
    mode: AstMode,
) -> Statement {
    let shape = shape::recognise(&raw.tokens, &source.text, dialect);
    let unread = unread::unread_part(&shape, &raw.tokens);
    let (ast, parse_error) = if mode == AstMode::Always
        || (mode == AstMode::WhenUnrecognised
            && (shape.kind == ShapeKind::Unknown || unread.is_some()))
    {
        parse_tokens(parser_dialect, source, &raw.tokens)
    } else {
        (None, None)
    };
    Statement {
        index,
        range: raw.range,
        terminator: raw.terminator,
        tokens: raw.tokens,
        shape,
        unread,
        context,
        ast,
        parse_error,
        nested: Vec::new(),
        guard_note: None,
        branch_reads: Vec::new(),
        read_guard: None,
        dialect,
    }
}

fn parse_tokens(
    parser_dialect: &dyn sqlparser::dialect::Dialect,
    source: &SourceFile,
    tokens: &[Tok],
) -> (Option<Box<sqlparser::ast::Statement>>, Option<String>) {
    let first = parse_whole(parser_dialect, source, tokens);
    if first.is_ok() || !parser_dialect.is::<sqlparser::dialect::MySqlDialect>() {
        return split_result(first);
    }
    // A MySQL form sqlparser rejects is parsed as its equivalent (see `mysql_forms`).
    let second = mysql_forms::equivalent(tokens)
        .map(|equivalent| parse_whole(parser_dialect, source, &equivalent));
    match second {
        Some(Ok(ast)) => (Some(ast), None),
        _ => split_result(first),
    }
}

fn split_result(
    result: Result<Box<sqlparser::ast::Statement>, String>,
) -> (Option<Box<sqlparser::ast::Statement>>, Option<String>) {
    match result {
        Ok(ast) => (Some(ast), None),
        Err(e) => (None, Some(e)),
    }
}

/// The statement's AST when sqlparser reads all of it, else why not.
fn parse_whole(
    parser_dialect: &dyn sqlparser::dialect::Dialect,
    source: &SourceFile,
    tokens: &[Tok],
) -> Result<Box<sqlparser::ast::Statement>, String> {
    let tokens = parser_tokens(source, tokens);
    let mut parser = Parser::new(parser_dialect).with_tokens_with_locations(tokens);
    match parser.parse_statement() {
        Ok(ast) => {
            let next = parser.peek_token();
            match next.token {
                Token::EOF | Token::SemiColon => Ok(Box::new(ast)),
                other => Err(format!(
                    "sqlparser stopped before the end of the statement, at {}",
                    crate::diagnostics::code_span(&other.to_string())
                )),
            }
        }
        Err(e) => Err(e.to_string()),
    }
}

/// The statement's tokens as sqlparser's parser takes them, with 1-based line and character
/// column positions (as preflight reports them: `\r\n`, `\n` and a lone `\r` end a line), so
/// that its error messages point into the file. One binary search for the first token, then a
/// walk over the statement's own text.
pub fn parser_tokens(source: &SourceFile, tokens: &[Tok]) -> Vec<TokenWithSpan> {
    let text = source.text.as_bytes();
    let Some(first) = tokens.first() else {
        return Vec::new();
    };
    let lc = source.line_col(first.range.start);
    let (mut byte, mut line, mut column) = (first.range.start, lc.line as u64, lc.column as u64);
    let mut location_of = |at: usize| {
        if at < byte {
            // Out of order (never for one statement's tokens): look it up.
            let lc = source.line_col(at);
            return Location::new(lc.line as u64, lc.column as u64);
        }
        for (i, &b) in text[byte..at].iter().enumerate() {
            let line_break = b == b'\n' || (b == b'\r' && text.get(byte + i + 1) != Some(&b'\n'));
            if line_break {
                line += 1;
                column = 1;
            } else if !(0x80..0xC0).contains(&b) {
                column += 1;
            }
        }
        byte = at;
        Location::new(line, column)
    };
    tokens
        .iter()
        .map(|t| {
            let start = location_of(t.range.start);
            TokenWithSpan {
                token: t.token.clone(),
                span: Span::new(start, location_of(t.range.end)),
            }
        })
        .collect()
}

/// Does a quoted identifier keep its case when names are compared? A double-quoted (or
/// bracketed) one does on PostgreSQL: it folds only unquoted names. A backquoted one does not:
/// backquotes are MySQL's, MariaDB's and SQLite's, where quoting changes nothing about case
/// (MySQL compares column, index and routine names without case, and an unquoted name keeps its
/// case exactly as a backquoted one does), so `` `getX` `` and `getX` are the same name, as
/// unquoted names are compared (folded to lower case). Nor does any quoted name in a SQLite file
/// ([`IdentifierCase`]): SQLite compares names without ASCII case, quoted or not
/// (`DROP TABLE IF EXISTS t; CREATE TABLE "T" (id int)` runs twice).
pub fn keeps_case(w: &sqlparser::tokenizer::Word) -> bool {
    w.quote_style.is_some_and(|q| q != '`') && quoted_names_keep_case()
}

/// Does a double-quoted name keep its case in the file being linted ([`keeps_case`])? Not in
/// a SQLite file.
pub fn quoted_names_keep_case() -> bool {
    FOLDING.with(|f| f.get().dialect) != Some(Dialect::Sqlite)
}

/// A name token as it is compared: unquoted (or backquoted), folded to lower case
/// ([`keeps_case`], [`fold_unquoted`]); `None` for a token that is not a word. For a MySQL or
/// MariaDB table name, [`folded_table`].
pub fn folded(t: &Tok) -> Option<String> {
    match &t.token {
        Token::Word(w) if keeps_case(w) => Some(w.value.clone()),
        Token::Word(w) => Some(fold_unquoted(&w.value)),
        _ => None,
    }
}

/// `name`, a name part as lint keys it (a table's when `table`: [`table_key`]; else
/// [`folded`]), as `tokens` write it, for a message that quotes the server's error: MySQL,
/// MariaDB and SQLite name an object as the statement writes it (`Table 'T' already exists`),
/// PostgreSQL as it stores it, which is the key. The first word of `tokens` keyed `name`;
/// `name` itself when none is.
pub fn written_name(dialect: Dialect, tokens: &[Tok], name: &str, table: bool) -> String {
    if dialect == Dialect::Postgres {
        return name.to_string();
    }
    let key = |t: &Tok| if table { folded_table(t) } else { folded(t) };
    tokens
        .iter()
        .find_map(|t| match &t.token {
            Token::Word(w) if key(t).as_deref() == Some(name) => Some(w.value.clone()),
            _ => None,
        })
        .unwrap_or_else(|| name.to_string())
}

/// MySQL's and MariaDB's `lower_case_table_names`: how the server stores and compares the names
/// of databases, tables (views too), table aliases and triggers. Column, index, routine and
/// event names are compared without case whatever it says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LowerCaseTableNames {
    /// `0`, the default on Linux: stored as written and compared exactly (`t` and `T` are two
    /// tables).
    #[default]
    Exact,
    /// `1`, the default on Windows: stored in lower case, compared without case.
    Lower,
    /// `2`, the default on macOS: stored as written, compared in lower case.
    CompareLower,
}

impl LowerCaseTableNames {
    /// The setting's value as the server's variable takes it (0, 1 or 2).
    pub fn from_value(value: i64) -> Option<LowerCaseTableNames> {
        match value {
            0 => Some(LowerCaseTableNames::Exact),
            1 => Some(LowerCaseTableNames::Lower),
            2 => Some(LowerCaseTableNames::CompareLower),
            _ => None,
        }
    }

    /// The server variable's value.
    pub fn value(self) -> u8 {
        match self {
            LowerCaseTableNames::Exact => 0,
            LowerCaseTableNames::Lower => 1,
            LowerCaseTableNames::CompareLower => 2,
        }
    }
}

/// How the file being linted compares names ([`IdentifierCase`]).
#[derive(Debug, Clone, Copy)]
struct Folding {
    /// The file's dialect; `None` outside lint (every letter folds, quoted names keep case).
    dialect: Option<Dialect>,
    /// `lower_case_table_names`, for a MySQL or MariaDB file.
    tables: LowerCaseTableNames,
}

thread_local! {
    static FOLDING: std::cell::Cell<Folding> = const {
        std::cell::Cell::new(Folding { dialect: None, tables: LowerCaseTableNames::Exact })
    };
}

/// An unquoted (or backquoted) name as lint compares it, folded to lower case as the dialect
/// of the file being linted folds it: PostgreSQL only its ASCII letters (`downcase_identifier`
/// leaves `É` alone in a UTF8 database, so `Éq` and `éq` are two tables and `ÉQ` is `Éq`), and
/// so does SQLite; MySQL and MariaDB every letter (they compare column, index and routine names
/// without case in every letter: `Éa` and `éa` are one column).
pub fn fold_unquoted(name: &str) -> String {
    let ascii =
        FOLDING.with(|f| matches!(f.get().dialect, Some(Dialect::Postgres | Dialect::Sqlite)));
    if name.is_ascii() || ascii {
        name.to_ascii_lowercase()
    } else {
        name.to_lowercase()
    }
}

/// The name of a database, table, view or trigger (one part of it), as written without its
/// quotes, as lint keys it: under MySQL and MariaDB with `lower_case_table_names = 0` exactly as
/// written (`t` and `T` are two tables), elsewhere as [`folded`] keys any name. Every reader of
/// a MySQL or MariaDB table name keys it here, or through [`folded_table`].
pub fn table_key(w: &sqlparser::tokenizer::Word) -> String {
    if tables_exact() || keeps_case(w) {
        w.value.clone()
    } else {
        fold_unquoted(&w.value)
    }
}

/// A table name token as it is compared ([`table_key`]); `None` for a token that is not a word.
pub fn folded_table(t: &Tok) -> Option<String> {
    match &t.token {
        Token::Word(w) => Some(table_key(w)),
        _ => None,
    }
}

/// Does the file being linted compare table names exactly (MySQL or MariaDB under
/// `lower_case_table_names = 0`)?
pub fn tables_exact() -> bool {
    FOLDING.with(|f| {
        let f = f.get();
        matches!(f.dialect, Some(Dialect::Mysql | Dialect::Mariadb))
            && f.tables == LowerCaseTableNames::Exact
    })
}

/// While it lives, [`fold_unquoted`] (and [`folded`], [`table_key`], and the recogniser's
/// names) fold names as `dialect` does, table names as `tables` says for MySQL and MariaDB; the
/// fold before it comes back when it is dropped. Lint holds one for each file it reads: the
/// dialect is the file's, and the name readers that fold are too many to hand it to each.
pub struct IdentifierCase {
    before: Folding,
}

impl IdentifierCase {
    pub fn of(dialect: Dialect, tables: LowerCaseTableNames) -> IdentifierCase {
        let now = Folding {
            dialect: Some(dialect),
            tables,
        };
        let before = FOLDING.with(|f| f.replace(now));
        IdentifierCase { before }
    }
}

impl Drop for IdentifierCase {
    fn drop(&mut self) {
        FOLDING.with(|f| f.set(self.before));
    }
}

/// A name token as `dialect`'s catalog stores it, for comparing with a string the catalog
/// returns: [`folded`], except that PostgreSQL folds only the ASCII letters of an unquoted name
/// (`Éq` is stored `Éq`, `ÀB` `Àb`, in a UTF8 database), where MariaDB compares column names
/// without case in every letter (`Ñame` and `ñame` are one column).
pub fn folded_in(t: &Tok, dialect: Dialect) -> Option<String> {
    match &t.token {
        Token::Word(w) if dialect == Dialect::Postgres && !keeps_case(w) => {
            Some(w.value.to_ascii_lowercase())
        }
        _ => folded(t),
    }
}

#[cfg(test)]
mod tests {
    use super::mentions_catalog;
    use crate::lint::sequence::contains_ignore_case;

    #[test]
    fn the_catalog_is_mentioned_exactly_where_a_case_blind_scan_finds_a_catalog_word() {
        for text in [
            "",
            "_",
            "pg_",
            "PG_CLASS",
            "select 1 from Pg_Class",
            "g_class",
            "p_g",
            "information_schema.tables",
            "INFORMATION_SCHEMA",
            "information_",
            "_schema",
            "information_scheme",
            "to_regclass('t')",
            "TO_REG",
            "to_re",
            "o_reg",
            "user_id, to_char(x), __pg",
            "café_pg_x",
            "é_to_regé",
        ] {
            let scanned = ["pg_", "information_schema", "to_reg"]
                .iter()
                .any(|w| contains_ignore_case(text, w));
            assert_eq!(mentions_catalog(text), scanned, "{text:?}");
        }
    }
}
