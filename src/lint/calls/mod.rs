//! Calls of routines: the statements a `CALL p(…)` runs (on PostgreSQL also `SELECT f(…)`, and
//! a body's or DO block's `PERFORM f(…)`), judged at the call as a DO block's statements are.
//!
//! - The routine is the one the file defines before the call (as the last `CREATE [OR
//!   REPLACE]` left it; a `DROP` ends it), else one an earlier migration of the file's
//!   directory defines, in the order its migration tool runs them ([`Earlier`]), and no
//!   migration in between drops.
//! - Its body's statements run with its parameters bound to the call's arguments; the calls
//!   it makes run their routines' bodies in turn (a routine already running is not entered
//!   again; [`CALL_BUDGET`] statements at most per top-level statement).
//! - SQL the body builds at run time (`PREPARE`/`EXECUTE`, PL/pgSQL `EXECUTE`) is evaluated
//!   where every part is a literal or a parameter bound to one ([`crate::sql::dynamic`]); the
//!   statement it makes runs as one of the body's, guarded by the IF around its `EXECUTE`.
//!   What cannot be evaluated is unknown: the call gets a PF001 finding, and what the call
//!   does to other objects is not assumed (the statements after it are judged as if it had
//!   done nothing to them).
//! - A `CALL` of a procedure no migration lint read defines (at that point: one a later
//!   migration defines, or one dropped before, is not defined) is unknown too: its body was not
//!   checked. Only `CALL`: a `SELECT f()` / `PERFORM f()` of a name the migrations do not define
//!   is nearly always a built-in function. One a routine's body calls is reported once per
//!   file, at the first statement that runs the routine ([`Unknown::once_per_file`]).
//! - A top-level block runs its calls as a top-level `CALL` does, and the SQL it builds at run
//!   time as a body's (evaluated, guarded by the IF or handler around its `EXECUTE`; findings at
//!   the block): a PostgreSQL DO block's `CALL p()` / `PERFORM f()` / `EXECUTE …`, and MariaDB's
//!   `BEGIN NOT ATOMIC … END`'s calls, `PREPARE`/`EXECUTE` and `EXECUTE IMMEDIATE`. The block's
//!   own statements are checked as the block's, not here.
//! - A guard around a call (in a block or a body: an IF that checks the catalog, a handler that
//!   catches the retry's error) guards what the call runs, as it guards the statements there.
//! - MySQL/MariaDB: a top-level `EXECUTE` runs the SQL a user variable holds, conditional DDL
//!   (`SET @s = IF(<catalog check>, 'ALTER …', 'SELECT 1')`) included
//!   ([`crate::sql::top_dynamic`]); findings point at the `EXECUTE`.

mod earlier;

pub use earlier::{after_change, Earlier, EarlierFor};
pub(in crate::lint) use earlier::{unread_as_given, unreadable};

use crate::source::SourceFile;
use crate::sql::do_block::{routine_statements, Guarded};
use crate::sql::dynamic::{call_arguments, dynamic_sql, routine_params, Bindings};
use crate::sql::lexer::{lex, Tok};
use crate::sql::top_dynamic as top;
use crate::sql::{
    compound_body_range, parse_source_with, routine_body, AstMode, Dialect, DoBlockContext,
    ObjectKind, RoutineBody, ShapeKind, Statement,
};
use sqlparser::tokenizer::Token;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// How many statements of called bodies one top-level statement may run (calls that fan out
/// multiply at every depth); past it, the rest is unknown.
pub const CALL_BUDGET: usize = 10_000;

/// A function or procedure as a call runs it.
#[derive(Debug)]
pub struct Routine {
    /// As its `CREATE` spells it.
    pub name: String,
    /// Its `CREATE` statement.
    statement: Statement,
    dialect: Dialect,
    /// The file that defines it, when not the one being linted.
    file: Option<Arc<SourceFile>>,
    /// Line of its `CREATE` in that file.
    line: usize,
    /// Its body, read on the first call (most routines are never called by a migration).
    body: OnceLock<Arc<Body>>,
}

#[derive(Debug)]
struct Body {
    params: Vec<Option<String>>,
    /// Its statements and calls; `None` when the body is not SQL preflight reads.
    body: Option<RoutineBody>,
    range: Option<Range<usize>>,
    guarded: Guarded,
}

impl Body {
    /// The calls (and the SQL built at run time) of top-level block
    /// `statement`: a PostgreSQL DO block, or MariaDB's `BEGIN NOT ATOMIC … END`. Its own
    /// statements are not among them: they were checked as the block's.
    fn block(source: &SourceFile, dialect: Dialect, statement: &Statement) -> Option<Body> {
        let range = match statement.shape.kind {
            ShapeKind::Do if dialect == Dialect::Postgres => {
                crate::sql::do_block::body_range(source, &statement.tokens)?
            }
            ShapeKind::Other(ref word) if word == "BEGIN" && dialect.is_mysql_family() => {
                compound_body_range(&statement.tokens)?
            }
            _ => return None,
        };
        let (_, calls, tokens) = routine_statements(source, dialect, range.clone())?;
        Some(Body {
            params: Vec::new(),
            body: Some(RoutineBody {
                statements: Vec::new(),
                calls,
            }),
            guarded: Guarded::of(&tokens, dialect),
            range: Some(range),
        })
    }
}

impl Routine {
    /// The routine `CREATE FUNCTION|PROCEDURE` statement `statement` of `source` defines, by
    /// lower-case name. `file`: `source` when it is not the file being linted.
    fn of(
        source: &SourceFile,
        dialect: Dialect,
        statement: &Statement,
        file: Option<Arc<SourceFile>>,
    ) -> Option<(String, Routine)> {
        let name = statement.shape.names.first()?;
        let routine = Routine {
            name: name.text.clone(),
            statement: statement.clone(),
            dialect,
            file,
            line: source.line_col(statement.range.start).line,
            body: OnceLock::new(),
        };
        Some((crate::sql::fold_unquoted(name.base()), routine))
    }

    /// The text of its body (of its whole `CREATE` when the body is not found), whitespace
    /// runs as one space: two definitions with the same text run the same statements.
    fn body_text(&self) -> Option<String> {
        let source = self.file.as_deref()?;
        let range =
            crate::sql::do_block::routine_body_range(source, self.dialect, &self.statement.tokens)
                .unwrap_or_else(|| self.statement.range.clone());
        let text = source.text.get(range)?;
        Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// Its body, in `source` (the file that defines it).
    fn body(&self, source: &SourceFile) -> &Arc<Body> {
        self.body.get_or_init(|| {
            let (dialect, statement) = (self.dialect, &self.statement);
            let range =
                crate::sql::do_block::routine_body_range(source, dialect, &statement.tokens);
            let guarded = match &range {
                Some(body) => {
                    Guarded::of(&lex(dialect, &source.text, body.clone()).tokens, dialect)
                }
                None => Guarded::default(),
            };
            Arc::new(Body {
                params: routine_params(&statement.tokens),
                body: routine_body(source, dialect, statement),
                range,
                guarded,
            })
        })
    }
}

/// Is `statement` a definition or a drop of a routine: the lower-case names, and whether it
/// defines them.
fn routine_event(statement: &Statement) -> Option<(Vec<String>, bool)> {
    let names = || {
        statement
            .shape
            .names
            .iter()
            .map(|n| crate::sql::fold_unquoted(n.base()))
            .collect()
    };
    match statement.shape.kind {
        ShapeKind::Create(ObjectKind::Function | ObjectKind::Procedure) => Some((names(), true)),
        ShapeKind::Drop(ObjectKind::Function | ObjectKind::Procedure) => Some((names(), false)),
        _ => None,
    }
}

/// Could `text` define a routine (a byte scan, before anything is split)?
pub fn may_define_routines(text: &str) -> bool {
    use super::sequence::contains_ignore_case;
    contains_ignore_case(text, "procedure") || contains_ignore_case(text, "function")
}

/// The routines a file can call: those it has defined so far (`None`: dropped by it), and
/// those of the earlier migrations of its directory.
#[derive(Default)]
pub struct Known {
    own: HashMap<String, Option<Arc<Routine>>>,
    earlier: Option<EarlierFor>,
    /// MySQL/MariaDB top-level user variables and prepared statements holding SQL text.
    top: top::TopDynamic,
}

impl Known {
    pub fn new(earlier: Option<EarlierFor>) -> Known {
        Known {
            own: HashMap::new(),
            earlier,
            top: top::TopDynamic::default(),
        }
    }

    /// A top-level statement of the file has run: the routines it defines or drops.
    pub fn record(&mut self, source: &SourceFile, dialect: Dialect, statement: &Statement) {
        if dialect.is_mysql_family() {
            self.top.record(&Bindings::top(dialect), &statement.tokens);
        }
        let Some((names, defines)) = routine_event(statement) else {
            return;
        };
        if defines {
            if let Some((name, routine)) = Routine::of(source, dialect, statement, None) {
                self.own.insert(name, Some(Arc::new(routine)));
            }
        } else {
            for name in names {
                self.own.insert(name, None);
            }
        }
    }

    /// Routine `name` as the file has left it, else each distinct definition the runs of the
    /// earlier migrations that reach the file leave (more than one only with Atlas
    /// checkpoints); none when nothing defines it.
    fn get(&self, name: &str) -> Vec<Arc<Routine>> {
        match self.own.get(name) {
            Some(routine) => routine.iter().cloned().collect(),
            None => self
                .earlier
                .as_ref()
                .map(|e| e.get(name))
                .unwrap_or_default(),
        }
    }

    fn may_call(&self) -> bool {
        !self.own.is_empty() || self.earlier.is_some()
    }

    /// Did lint read the migrations that run before this file (its directory's layout is one
    /// it knows, and the file is one of its migrations)?
    fn read_earlier(&self) -> bool {
        self.earlier.as_ref().is_some_and(EarlierFor::resolved)
    }
}

/// Where a statement a call runs comes from.
#[derive(Debug)]
pub enum Origin {
    /// The body of a routine of the file being linted: findings point at the statement.
    Here,
    /// The body of a routine another file defines.
    Elsewhere(Arc<SourceFile>),
    /// SQL a body builds at run time, evaluated (the statement's bytes are in this text).
    Dynamic(SourceFile),
    /// SQL a top-level `EXECUTE` runs, held by a user variable (MySQL/MariaDB).
    Prepared(SourceFile),
}

/// One statement a call runs.
#[derive(Debug)]
pub struct Run {
    pub statement: Statement,
    pub origin: Origin,
    /// The routine whose body runs it.
    pub routine: String,
    /// Line of that routine's `CREATE` (in the file that defines it).
    pub defined_at: usize,
    /// The first statement of another run's body of the same call (Atlas checkpoints: the
    /// checkpoint's body beside the plain files'): what the statements from run `i` on
    /// established (a `DROP … IF EXISTS` guarding a later create) did not happen in this run.
    pub restart: Option<usize>,
    /// The statement of the body that fails first on a retry into a handler around this one,
    /// when that keeps this one from running again
    /// ([`crate::sql::DoBlockContext::after_failure_of`]).
    pub fails_first: Option<Box<Statement>>,
    /// The statement is one of a PL/pgSQL routine's body, where an `IF` can hold it.
    pub plpgsql: bool,
    /// PostgreSQL: the statement is one of a routine of this file whose body PostgreSQL
    /// analyses at its `CREATE` ([`crate::sql::do_block::is_sql_routine`]: `LANGUAGE sql`).
    pub checked_at_create: bool,
    /// Which body runs it (runs with the same one run statements of one body), and where in
    /// its source that body starts.
    pub body: (usize, usize),
    /// The call of another routine's body that runs this body, when there is one: the call's
    /// bytes, and which body makes it (as [`Run::body`]'s first).
    pub entered_by: Option<(Range<usize>, usize)>,
    /// The first byte of the routine's `CREATE` in its file (0 for a DO block's own body).
    pub created_at: usize,
}

impl Run {
    pub fn source<'a>(&'a self, here: &'a SourceFile) -> &'a SourceFile {
        match &self.origin {
            Origin::Here => here,
            Origin::Elsewhere(file) => file,
            Origin::Dynamic(text) | Origin::Prepared(text) => text,
        }
    }

    /// Where the routine is defined, for messages: `file.sql:12`.
    pub fn defined_where(&self, here: &SourceFile) -> String {
        let file = match &self.origin {
            Origin::Elsewhere(file) => file.display_path(),
            _ => here.display_path(),
        };
        format!("{file}:{}", self.defined_at)
    }
}

/// What the calls of one top-level statement run, in the order they run it, and what of it
/// could not be known.
#[derive(Debug, Default)]
pub struct Expansion {
    pub runs: Vec<Run>,
    pub unknown: Vec<Unknown>,
}

/// Something a call runs that could not be known: one sentence, and what to do about it.
#[derive(Debug, PartialEq, Eq)]
pub struct Unknown {
    pub why: String,
    pub notes: Vec<String>,
    /// Reported once per file: a `CALL` a routine's body makes of a procedure nothing defines
    /// is the same call whichever statement runs the routine.
    pub once_per_file: bool,
}

impl Unknown {
    fn new(why: impl Into<String>) -> Unknown {
        Unknown {
            why: why.into(),
            notes: Vec::new(),
            once_per_file: false,
        }
    }
}

impl Expansion {
    /// Each unknown once: a body may call the same undefined procedure twice.
    fn unknown(&mut self, unknown: Unknown) {
        if !self.unknown.contains(&unknown) {
            self.unknown.push(unknown);
        }
    }
}

/// Schemas of MySQL/MariaDB's own procedures (`sys.…`, and Amazon RDS's `mysql.rds_…`): no
/// migration defines them, and what they do is not SQL preflight reads.
const SYSTEM_SCHEMAS: &[&str] = &["mysql", "sys"];

/// The statements the calls of top-level statement `statement` (of `source`, the file being
/// linted) run.
pub fn expand(
    known: &Known,
    source: &SourceFile,
    dialect: Dialect,
    statement: &Statement,
) -> Expansion {
    let mut out = runs_of(known, source, dialect, statement);
    // A body's statements run at the call, in the call's transaction, not in the one (if any)
    // around the routine's CREATE (PF121: MySQL commits the DDL of a procedure a CALL inside
    // START TRANSACTION … COMMIT runs).
    for run in &mut out.runs {
        run.statement.context.in_transaction = statement.context.in_transaction;
    }
    out
}

/// [`expand`], the runs' statements in the context of their bodies.
fn runs_of(
    known: &Known,
    source: &SourceFile,
    dialect: Dialect,
    statement: &Statement,
) -> Expansion {
    let mut out = Expansion::default();
    if dialect.is_mysql_family() {
        if let Some(value) = known
            .top
            .executed(&Bindings::top(dialect), &statement.tokens)
        {
            executed(dialect, statement, value, &mut out);
            return out;
        }
    }
    // Only a CALL can name a procedure nothing defines: without routines, nothing else runs
    // but what a block builds at run time.
    let calls_something = || {
        let text = &source.text[statement.range.clone()];
        let has = |word| super::sequence::contains_ignore_case(text, word);
        match statement.tokens.first() {
            Some(first) if first.is_kw("CALL") => true,
            Some(first) if first.is_kw("DO") => has("call") || has("execute"),
            _ if compound_body_range(&statement.tokens).is_some() => has("call") || has("execute"),
            _ => false,
        }
    };
    if !known.may_call() && !calls_something() {
        return out;
    }
    let mut walk = Walk {
        known,
        here: source,
        dialect,
        parent: statement.index,
        stack: Vec::new(),
        outer: Vec::new(),
        in_do: false,
        budget: CALL_BUDGET,
        out: &mut out,
    };
    let tokens = &statement.tokens;
    let none = Bindings::top(dialect);
    if let Some(block) = Body::block(source, dialect, statement) {
        // A DO block's `PERFORM f(…)`, a block's `CALL p()` and `EXECUTE`, run as a body's do.
        walk.in_do = true;
        walk.run(source, &Arc::new(block), None, &none);
        return out;
    }
    for (name_at, _) in called_at(tokens, dialect) {
        walk.call(tokens, name_at, &none);
    }
    out
}

/// The statements a top-level `EXECUTE` runs: each branch of what its variable holds, guarded
/// as its condition says ([`top::guard`]); what is not known is unknown.
fn executed(dialect: Dialect, statement: &Statement, value: top::Value, out: &mut Expansion) {
    let Some(branches) = value else {
        out.unknown(Unknown::new(
            "it runs SQL held in a variable whose text preflight could not evaluate (or that this file did not set), so what it does was not checked",
        ));
        return;
    };
    let bindings = Bindings::top(dialect);
    for branch in branches {
        let built = SourceFile::new("(SQL built at run time)", branch.text.as_str());
        let parsed = parse_source_with(&built, dialect, AstMode::WhenUnrecognised);
        for mut run in parsed.statements {
            let (guarded, drops_checked) = top::guard(&branch, &run, &bindings);
            run.context.do_block = Some(DoBlockContext {
                guarded,
                drops_checked,
                parent: statement.index,
                ..Default::default()
            });
            out.runs.push(Run {
                statement: run,
                origin: Origin::Prepared(built.clone()),
                routine: String::new(),
                defined_at: 0,
                restart: None,
                fails_first: None,
                plpgsql: false,
                checked_at_create: false,
                body: (0, 0),
                entered_by: None,
                created_at: 0,
            });
        }
    }
}

/// The routines `tokens` call at the top level: `CALL [db.]p[(…)]`, and on PostgreSQL every
/// `f(` of a `SELECT` (`PERFORM` in a body). Token index of each name, with the lower-case
/// name.
fn called_at(tokens: &[Tok], dialect: Dialect) -> Vec<(usize, String)> {
    let Some(first) = tokens.first() else {
        return Vec::new();
    };
    if first.is_kw("CALL") {
        let i = call_target(tokens, 0);
        return match tokens.get(i).map(|t| &t.token) {
            Some(Token::Word(w)) => vec![(i, crate::sql::fold_unquoted(&w.value))],
            _ => Vec::new(),
        };
    }
    if dialect == Dialect::Postgres && (first.is_kw("SELECT") || first.is_kw("PERFORM")) {
        return tokens
            .windows(2)
            .enumerate()
            .filter_map(|(k, pair)| match &pair[0].token {
                Token::Word(w) if pair[1].is(&Token::LParen) => {
                    Some((k, crate::sql::fold_unquoted(&w.value)))
                }
                _ => None,
            })
            .collect();
    }
    Vec::new()
}

/// The token index of the procedure's name in the `CALL` at `tokens[call]`: past its
/// qualifiers (`CALL db.p`).
fn call_target(tokens: &[Tok], call: usize) -> usize {
    let mut i = call + 1;
    while tokens.get(i + 1).is_some_and(|t| t.is(&Token::Period)) {
        i += 2;
    }
    i
}

/// The start of the name ending at `tokens[name_at]` (`db.p`), and whether a `CALL` names it.
fn called_by_call(tokens: &[Tok], name_at: usize) -> (usize, bool) {
    let mut i = name_at;
    while i >= 2
        && tokens[i - 1].is(&Token::Period)
        && matches!(tokens[i - 2].token, Token::Word(_))
    {
        i -= 2;
    }
    (i, i >= 1 && tokens[i - 1].is_kw("CALL"))
}

/// A call in a body (or a block): the body, where in it the call is, and the body's bindings.
struct Caller {
    body: Arc<Body>,
    at: usize,
    /// The bytes of the call, in the source of `body`.
    call: Range<usize>,
    bindings: Bindings,
}

struct Walk<'a> {
    known: &'a Known,
    here: &'a SourceFile,
    dialect: Dialect,
    /// The top-level statement whose calls these are.
    parent: usize,
    /// The routines running: lower-case name, and as their `CREATE` spells it.
    stack: Vec<(String, String)>,
    /// Where the calls running were made, outermost first: a guard around a call guards what
    /// it runs.
    outer: Vec<Caller>,
    /// Walking a DO block's calls (not the statement's own CALL).
    in_do: bool,
    budget: usize,
    out: &'a mut Expansion,
}

impl Walk<'_> {
    /// The call of the routine named at `tokens[name_at]`, with the caller's `bindings`.
    fn call(&mut self, tokens: &[Tok], name_at: usize, bindings: &Bindings) {
        let Some(name) = tokens[name_at].token_word() else {
            return;
        };
        let (start, procedure_call) = called_by_call(tokens, name_at);
        let routines = self.known.get(&name);
        if routines.is_empty() {
            if procedure_call {
                self.undefined(&tokens[start..=name_at]);
            }
            return;
        }
        if self.stack.iter().any(|(running, _)| *running == name) {
            return;
        }
        let args = call_arguments(tokens, name_at);
        // The body each run that reaches the call runs (one, but with Atlas checkpoints), each
        // from the state before the call.
        let first = self.out.runs.len();
        for (k, routine) in routines.into_iter().enumerate() {
            let at = self.out.runs.len();
            let source: &SourceFile = routine.file.as_deref().unwrap_or(self.here);
            let bound = Bindings::bind(&routine.body(source).params, &args, bindings);
            self.stack.push((name.clone(), routine.name.clone()));
            self.body(&routine, &bound, procedure_call);
            self.stack.pop();
            if let Some(run) = self.out.runs.get_mut(at).filter(|_| k > 0) {
                run.restart = Some(first);
            }
        }
    }

    /// A `CALL` of procedure `name` (its tokens, qualifiers included), which no migration lint
    /// read defines: its body was not checked.
    fn undefined(&mut self, name: &[Tok]) {
        let words: Vec<String> = name
            .iter()
            .filter_map(|t| match &t.token {
                Token::Word(w) => Some(w.value.clone()),
                _ => None,
            })
            .collect();
        let shown = words.join(".");
        let why = match self.stack.last() {
            // The statement's own CALL.
            None if !self.in_do => format!(
                "the body of procedure {shown} was not checked, because no migration lint read defines it"
            ),
            None => format!(
                "it calls procedure {shown}, whose body was not checked, because no migration lint read defines it"
            ),
            Some((_, caller)) => format!(
                "{caller} calls procedure {shown}, whose body was not checked, because no migration lint read defines it"
            ),
        };
        let system = self.dialect.is_mysql_family()
            && words.len() == 2
            && SYSTEM_SCHEMAS.contains(&words[0].to_lowercase().as_str());
        let mut notes = Vec::new();
        if system {
            notes.push(format!(
                "{shown} is a procedure of the server (or of Amazon RDS), not one a migration defines: review what it does when the migration runs again, then suppress this finding with `-- preflight: ignore PF001`"
            ));
        } else {
            notes.push(
                "define the procedure in this file or in a migration that runs before it, and lint checks what its body does at the call; if it is created outside the migrations, review what it does when the migration runs again, then suppress this finding with `-- preflight: ignore PF001`"
                    .to_string(),
            );
            let name = words
                .last()
                .map(|w| crate::sql::fold_unquoted(w))
                .unwrap_or_default();
            let earlier = self.known.earlier.as_ref();
            let later = earlier.and_then(|e| e.defined_later(&name));
            let skipped = earlier.and_then(|e| e.defined_before_checkpoint(&name));
            if let Some(later) = later {
                notes.push(format!(
                    "{later} defines it, but runs after this file in the order lint runs the directory's migrations in"
                ));
            } else if let Some(skipped) = skipped {
                notes.push(format!(
                    "{skipped} defines it, but an Atlas checkpoint runs first, on a database that starts at it, where the migrations before it do not run"
                ));
            } else if !self.known.read_earlier() {
                notes.push(
                    "lint read no earlier migration for this file: it was linted without its directory, or the migration tool preflight took its directory for (from the file names) does not run it, so what earlier migrations define is not known"
                        .to_string(),
                );
            }
        }
        self.out.unknown(Unknown {
            why,
            notes,
            once_per_file: self.stack.last().is_some(),
        });
    }

    /// The calls of body call `call` of `body` (bytes of `source`).
    fn body_call(
        &mut self,
        source: &SourceFile,
        body: &Arc<Body>,
        call: &crate::sql::do_block::BodyCall,
        bindings: &Bindings,
    ) {
        let tokens = lex(self.dialect, &source.text, call.range.clone()).tokens;
        for (k, t) in tokens.iter().enumerate() {
            let Some(word) = t.token_word() else { continue };
            let called = tokens.get(k + 1).is_some_and(|n| n.is(&Token::LParen))
                || called_by_call(&tokens, k).1;
            if called && call.names.contains(&word) {
                self.outer.push(Caller {
                    body: body.clone(),
                    at: t.range.start,
                    call: call.range.clone(),
                    bindings: bindings.clone(),
                });
                self.call(&tokens, k, bindings);
                self.outer.pop();
            }
        }
    }

    /// Runs `routine`'s body: its statements, its calls and the SQL it builds, in body order.
    fn body(&mut self, routine: &Arc<Routine>, bindings: &Bindings, procedure_call: bool) {
        let source: &SourceFile = routine.file.as_deref().unwrap_or(self.here);
        let parts = routine.body(source);
        if parts.body.is_none() || parts.range.is_none() {
            if procedure_call {
                self.out.unknown(Unknown::new(format!(
                    "its body is not SQL preflight can read, so what {} does was not checked",
                    routine.name
                )));
            }
            return;
        }
        self.run(source, parts, Some(routine), bindings);
    }

    /// Runs `parts` (bytes of `source`): the body of `routine`, or (`None`) the top-level
    /// block being linted; its statements, its calls and the SQL it builds, in body order.
    fn run(
        &mut self,
        source: &SourceFile,
        parts: &Arc<Body>,
        routine: Option<&Arc<Routine>>,
        bindings: &Bindings,
    ) {
        let (Some(body), Some(body_range)) = (&parts.body, &parts.range) else {
            return;
        };
        let whose = match routine {
            Some(routine) => format!("the body of {}", routine.name),
            None => "the block".to_string(),
        };
        let dynamic = dynamic_sql(source, self.dialect, body_range.clone(), bindings);
        // Merged in body order: statements, calls, dynamic SQL.
        enum Item<'b> {
            Statement(&'b Statement),
            Call(&'b crate::sql::do_block::BodyCall),
            Dynamic(&'b crate::sql::dynamic::Dynamic),
        }
        let mut items: Vec<(usize, Item)> = body
            .statements
            .iter()
            .map(|s| (s.range.start, Item::Statement(s)))
            .chain(body.calls.iter().map(|c| (c.range.start, Item::Call(c))))
            .chain(dynamic.iter().map(|d| (d.at, Item::Dynamic(d))))
            .collect();
        items.sort_by_key(|(at, _)| *at);
        for (_, item) in items {
            if self.budget == 0 {
                self.out.unknown(Unknown::new(format!(
                    "calls nest too deep (more than {CALL_BUDGET} statements) to follow into {}",
                    routine.map_or("the block's calls", |r| r.name.as_str())
                )));
                return;
            }
            match item {
                Item::Statement(statement) => {
                    self.budget -= 1;
                    let mut statement = statement.clone();
                    if let Some(d) = statement.context.do_block.as_mut() {
                        d.parent = self.parent;
                    }
                    let origin = match routine.and_then(|r| r.file.as_ref()) {
                        None => Origin::Here,
                        Some(file) => Origin::Elsewhere(file.clone()),
                    };
                    let fails_first = statement
                        .context
                        .do_block
                        .and_then(|d| d.after_failure_of)
                        .and_then(|first| body.statements.get(first))
                        .map(|first| Box::new(first.clone()));
                    self.push(routine, statement, origin);
                    if let Some(run) = self.out.runs.last_mut() {
                        run.fails_first = fails_first;
                        run.body = (body_id(parts), body_range.start);
                    }
                }
                Item::Call(call) => self.body_call(source, parts, call, bindings),
                Item::Dynamic(dynamic) => {
                    let Some(text) = &dynamic.text else {
                        let what = source.text[dynamic.range.clone()]
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ");
                        self.out.unknown(Unknown::new(format!(
                            "{whose} runs SQL it builds at run time ({}) from values preflight could not evaluate, so what it does was not checked",
                            crate::diagnostics::code_span(what.trim_end_matches(';'))
                        )));
                        continue;
                    };
                    let built = match routine {
                        Some(routine) => SourceFile::new(
                            format!("{} (SQL built at run time)", routine.name),
                            text.as_str(),
                        ),
                        None => SourceFile::new("(SQL built at run time)", text.as_str()),
                    };
                    let parsed = parse_source_with(&built, self.dialect, AstMode::WhenUnrecognised);
                    for mut statement in parsed.statements {
                        self.budget = self.budget.saturating_sub(1);
                        statement.context.do_block = Some(DoBlockContext {
                            guarded: false,
                            drops_checked: false,
                            parent: self.parent,
                            ..Default::default()
                        });
                        parts.guarded.apply(&mut statement, dynamic.at, bindings);
                        let origin = match routine {
                            Some(_) => Origin::Dynamic(built.clone()),
                            // What the block builds runs as a top-level EXECUTE's SQL does.
                            None => Origin::Prepared(built.clone()),
                        };
                        self.push(routine, statement, origin);
                    }
                }
            }
        }
    }

    /// `statement` runs, in the body of `routine` (`None`: of the block being linted), guarded
    /// also by the guards around the calls that run it.
    fn push(&mut self, routine: Option<&Arc<Routine>>, mut statement: Statement, origin: Origin) {
        for caller in &self.outer {
            let guarded = &caller.body.guarded;
            guarded.apply(&mut statement, caller.at, &caller.bindings);
            // An IF or handler around the call keeps the body's reads from failing too (PF123).
            statement.read_guard = crate::sql::ReadGuard::around(
                statement.read_guard.take(),
                guarded.read_guard(caller.at, &statement),
            );
        }
        // SQL built at run time is not in the body's text.
        let plpgsql = matches!(origin, Origin::Here | Origin::Elsewhere(_))
            && routine.is_some_and(|r| {
                r.dialect == Dialect::Postgres
                    && crate::sql::do_block::is_plpgsql_routine(&r.statement.tokens)
            });
        let checked_at_create = matches!(origin, Origin::Here)
            && routine.is_some_and(|r| {
                r.dialect == Dialect::Postgres
                    && crate::sql::do_block::is_sql_routine(&r.statement.tokens)
            });
        let entered_by = self
            .outer
            .last()
            .map(|caller| (caller.call.clone(), body_id(&caller.body)));
        self.out.runs.push(Run {
            statement,
            origin,
            routine: routine.map(|r| r.name.clone()).unwrap_or_default(),
            defined_at: routine.map_or(0, |r| r.line),
            restart: None,
            fails_first: None,
            plpgsql,
            checked_at_create,
            body: (0, 0),
            entered_by,
            created_at: routine.map_or(0, |r| r.statement.range.start),
        });
    }
}

/// Which body `body` is, for [`Run::body`]: the address of the one `Body` each routine (and
/// block) has while the calls are followed.
fn body_id(body: &Arc<Body>) -> usize {
    Arc::as_ptr(body) as usize
}

trait TokenWord {
    /// The lower-case word, quoted or not.
    fn token_word(&self) -> Option<String>;
}

impl TokenWord for Tok {
    fn token_word(&self) -> Option<String> {
        match &self.token {
            Token::Word(w) => Some(crate::sql::fold_unquoted(&w.value)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
