//! Runs the enabled rules over a file and turns violations into findings: code, name,
//! severity (with overrides), exact location, suppressions.
//!
//! A file is split, checked and dropped statement by statement: memory holds the text, the
//! statement being checked and the one after it, the per-file summaries the look-back and
//! look-ahead rules need ([`Sequence`], [`History`], [`Guards`]) and the findings not yet
//! released ([`Ordered`]).

use super::calls::{self, Known, Origin};
use super::guards::Guards;
use super::history::{asks_column_definitions, History};
use super::ordered::{Order, Ordered};
use super::rule::{FileEnd, FileFacts, Rule, RunsIn, StatementCx, Violation};
use super::rules::REGISTRY;
use super::rules::{
    dialect_mismatch, invalid_suppression, uncommitted_transaction, unparsed_statement,
    unused_suppression,
};
use super::safety::Locks;
use super::sequence::{contains_ignore_case, role, Role, Sequence};
use super::suppress::{self, Directive, Table};
use super::LintOptions;
use crate::diagnostics::{code_span, Finding, Location, RuleInfo};
use crate::runner::ApplyModel;
use crate::source::SourceFile;
use crate::sql::{
    build_kept, parse_each, skim_each, skim_plain_each, AstMode, Dialect, ParsedFile, Skim,
    Statement,
};

/// Lints one file's text: with the migration tool known, only the part a deploy runs
/// (positions stay the file's own). Findings come in the engine's order: statement by
/// statement, then the file-level and suppression findings.
pub fn lint_source(source: &SourceFile, options: &LintOptions) -> Vec<Finding> {
    let mut findings = Vec::new();
    lint_streaming(source, options, Order::Engine, &mut |f| findings.push(f));
    findings
}

/// [`lint_source`], handing each finding to `sink` in report order (position, then rule) as
/// soon as no later finding can come before it. A file with suppression comments or client
/// directive lines, whose findings are only known at its end, is held and sorted instead; so
/// are the findings of a transaction until it is committed (PF317 reports an uncommitted one
/// at its BEGIN).
pub fn lint_source_each(source: &SourceFile, options: &LintOptions, sink: &mut dyn FnMut(Finding)) {
    lint_streaming(source, options, Order::Report, sink);
}

fn lint_streaming(
    source: &SourceFile,
    options: &LintOptions,
    order: Order,
    sink: &mut dyn FnMut(Finding),
) {
    let dialect = options.dialect;
    let _case = crate::sql::IdentifierCase::of(dialect, options.lower_case_table_names);
    let deployed = super::deploy::deployed(source, options);
    let source = deployed.as_ref().unwrap_or(source);
    let runner = options.runner.unwrap_or(crate::runner::Runner::UNKNOWN);
    let model = runner.model(dialect, source).model;
    let mut sequence = look_ahead(source, dialect, model);
    if let Some(prologue) = options.prologue_for(&source.path) {
        sequence.set_before_each_run(prologue);
    }
    // A file that may turn out to be written for another dialect holds its findings: a PF006
    // replaces them, wherever in the file its evidence is.
    let may_mismatch = options.is_enabled(&dialect_mismatch::INFO)
        && dialect_mismatch::may_have_evidence(&source.text, dialect);
    // A finding in the body of a routine of this file, which a later call runs, points back.
    let hold_all = order == Order::Engine
        || may_mismatch
        || may_report_late(source, dialect)
        || calls::may_define_routines(&source.text);
    let mut file = FileLinter::new(
        source,
        dialect,
        options,
        sequence,
        Ordered::new(sink, order, hold_all),
    );
    file.looking_for_mismatch = may_mismatch;
    // Rules work from tokens and shapes; sqlparser runs only where the recogniser gives up.
    let parsed = parse_each(source, dialect, AstMode::WhenUnrecognised, &mut |s| {
        file.statement(s)
    });
    file.finish(&parsed);
}

/// The sequence analysis's first pass: only a file that can remove something (a DROP or a
/// RENAME), build a view or change a column's type with USING has anything to look ahead at,
/// and only its statements that can matter are recognised.
///
/// A file of plain SQL takes one byte scan ([`skim_plain_each`]) that recognises the statements
/// that may remove something and those about views and AUTO_INCREMENT keys, and keeps the place
/// of the other creations; of these, once the names of what the file removes are known, only
/// those that mention one are recognised (a creation of anything else leaves nothing the lint
/// pass asks about). Any other file takes one pass of the full splitter over every statement
/// that may have an effect.
fn look_ahead(source: &SourceFile, dialect: Dialect, model: ApplyModel) -> Sequence {
    let text: &str = &source.text;
    // Views matter without a removal too: a later view over a column whose type changes; and
    // so do the type changes after an `ALTER … TYPE … USING` (PF124).
    let retypes = || contains_ignore_case(text, "using") && contains_ignore_case(text, "type");
    if !["drop", "rename", "view"]
        .iter()
        .any(|w| contains_ignore_case(text, w))
        && !retypes()
    {
        return Sequence::new(model, dialect);
    }
    let mut sequence = Sequence::new(model, dialect);
    let mut creations = Vec::new();
    let plain = skim_plain_each(
        source,
        dialect,
        &mut |statement| match role(statement) {
            Role::Removal | Role::Special => Skim::Build,
            Role::Creation => Skim::Keep,
            Role::Other => Skim::Skip,
        },
        &mut |statement| sequence.look_ahead_in(&statement, source),
        &mut creations,
    );
    // The kept creations have not been lexed: should one of them not lex cleanly after all,
    // the full splitter starts over.
    let narrowed = plain && {
        let removals = sequence.take_removals();
        build_kept(
            source,
            dialect,
            &creations,
            &mut |statement| removals.may_bring_back(statement),
            &mut |statement| sequence.look_ahead_in(&statement, source),
        )
    };
    drop(creations);
    if !narrowed {
        sequence = Sequence::new(model, dialect);
        skim_each(
            source,
            dialect,
            &mut Sequence::may_look_ahead,
            &mut |statement| sequence.look_ahead_in(&statement, source),
        );
    }
    sequence.end_look_ahead();
    sequence
}

/// Findings that are only known at the end of the file and can sit anywhere in it: unused or
/// invalid suppressions (PF004, PF005) and client directive lines (PF002-style file checks).
fn may_report_late(source: &SourceFile, dialect: Dialect) -> bool {
    let text: &str = &source.text;
    contains_ignore_case(text, "preflight")
        || crate::sql::split::has_directive_line(text, source.bom_len(), dialect)
}

/// One file being linted, statement by statement.
struct FileLinter<'a> {
    source: &'a SourceFile,
    dialect: Dialect,
    rules: Vec<&'static dyn Rule>,
    emit: Emitter<'a>,
    guards: Guards,
    sequence: Sequence,
    history: History,
    /// The apply model of a known runner; `None` when the tool is unknown.
    known_model: Option<ApplyModel>,
    /// PF317 reports an open transaction at its BEGIN, once the file has ended.
    holds_transactions: bool,
    /// A top-level statement is checked once the next one is split: a fix depends on whether
    /// the file has more than one.
    pending: Option<Statement>,
    /// Suppressions before the first statement that are not `ignore-file`.
    first_ids: Vec<usize>,
    previous_end: Option<usize>,
    /// The statements are still read for evidence of another dialect (PF006).
    looking_for_mismatch: bool,
    /// The file is written for another dialect: its PF006, the file's only finding about what
    /// it says (PF007, about its name, stays).
    mismatch: Option<Violation>,
    /// The routines a statement can call.
    known: Known,
    /// Findings already reported on a statement of a routine's body (rule, bytes): a second
    /// call that runs it again does not repeat them.
    body_findings: std::collections::HashSet<(&'static str, usize, usize)>,
    /// The unknowns already reported once for the file ([`calls::Unknown::once_per_file`]).
    once_per_file: std::collections::HashSet<String>,
    /// [`FileFacts::row_writes`], read on first use.
    row_writes: std::cell::OnceCell<Vec<(usize, crate::sql::do_block::RowTable, bool)>>,
}

impl<'a> FileLinter<'a> {
    fn new(
        source: &'a SourceFile,
        dialect: Dialect,
        options: &'a LintOptions,
        sequence: Sequence,
        out: Ordered<'a>,
    ) -> Self {
        let rules: Vec<&'static dyn Rule> = REGISTRY
            .iter()
            .copied()
            .filter(|r| r.dialects().contains(&dialect) && options.is_enabled(r.info()))
            .collect();
        let holds_transactions = rules
            .iter()
            .any(|r| r.info().code == uncommitted_transaction::INFO.code);
        // A generic tracker promises nothing about transactions: as unknown as no tracker.
        let known_model = options
            .runner
            .filter(|r| r.tool.is_some_and(|t| t != "generic"))
            .map(|r| r.model(dialect, source).model);
        FileLinter {
            source,
            dialect,
            rules,
            emit: Emitter {
                source,
                path: source.display_path(),
                options,
                file_ids: Vec::new(),
                table: Table::default(),
                out,
                never_ends: false,
            },
            guards: Guards::for_file(
                known_model == Some(crate::runner::ApplyModel::FileTransaction),
            ),
            sequence,
            history: History::for_file(
                known_model == Some(crate::runner::ApplyModel::FileTransaction),
                !dialect.is_mysql_family() || asks_column_definitions(&source.text),
            ),
            known_model,
            holds_transactions,
            pending: None,
            first_ids: Vec::new(),
            previous_end: None,
            looking_for_mismatch: false,
            mismatch: None,
            known: Known::new(
                options
                    .earlier_routines
                    .as_ref()
                    .map(|e| e.for_file(&source.path)),
            ),
            body_findings: Default::default(),
            once_per_file: Default::default(),
            row_writes: Default::default(),
        }
    }

    /// The next top-level statement: checks the one before it.
    fn statement(&mut self, statement: Statement) {
        if let Some(previous) = self.pending.replace(statement) {
            self.check_top(previous, false);
        }
    }

    /// The gap before the first statement, which holds the file's `ignore-file` comments too.
    fn scan_first_gap(&mut self, first_end: usize) {
        let text: &str = &self.source.text;
        let bom = self.source.bom_len();
        let first_gap = self.emit.table.scan(
            text,
            bom..first_end,
            &[Directive::Ignore, Directive::IgnoreFile],
        );
        let table = &self.emit.table;
        let (file_ids, first_ids): (Vec<usize>, Vec<usize>) = first_gap
            .into_iter()
            .partition(|&id| table.suppressions[id].directive == Directive::IgnoreFile);
        self.emit.file_ids = file_ids;
        self.first_ids = first_ids;
    }

    fn check_top(&mut self, statement: Statement, only_statement: bool) {
        let text: &str = &self.source.text;
        self.emit.out.statement_begins();
        let mut ids = match self.previous_end {
            None => {
                self.scan_first_gap(statement.range.start);
                self.first_ids.clone()
            }
            Some(end) => self
                .emit
                .scan(suppress::gap_start(text, end)..statement.range.start),
        };
        ids.extend(self.emit.scan(trailing(text, &statement)));
        if self.looking_for_mismatch {
            self.look_for_mismatch(&statement, &ids);
        }
        if self.mismatch.is_some() {
            // Read under the wrong grammar: no rule runs.
            self.previous_end = Some(statement.range.end);
            return;
        }
        self.sequence.enter(&statement);
        let options = self.emit.options;
        let (source, dialect) = (self.source, self.dialect);
        let pending = options
            .pending
            .as_ref()
            .and_then(|p| p.created_before(&source.path));
        // What its calls run: the rules check it after the statement, and a call takes the
        // locks of what it runs (PF314/PF315).
        let expansion = calls::expand(&self.known, source, dialect, &statement);
        let locks = if self.history.lock_taken() {
            Locks::none(source, &statement)
        } else {
            Locks::of(
                source,
                &statement,
                expansion.runs.iter().map(|r| &r.statement),
                &self.sequence,
                pending,
            )
        };
        let file = FileFacts {
            sequence: &self.sequence,
            top_index: statement.index,
            top_start: statement.range.start,
            top_end: statement.range.end,
            row_writes: &self.row_writes,
            known_model: self.known_model,
            history: &self.history,
            only_statement,
            postgres_version: options.postgres_version,
            pending,
            locks: &locks,
        };
        let top = StatementCx {
            options,
            source,
            dialect,
            statement: &statement,
            guards: &self.guards,
            sequence: Some((&self.sequence, statement.index)),
            runs_in: RunsIn::TopLevel,
            earlier_in_body: &[],
            later_in_body: &[],
            file,
        };
        // Only a statement without a terminator can run into the end of the file: the others
        // are not lexed again.
        self.emit.never_ends = statement.terminator.is_none()
            && crate::sql::lexer::lex(dialect, text, statement.range.clone())
                .error
                .is_some();
        check(&self.rules, &top, &ids, &mut self.emit);
        let sequence = &self.sequence;
        self.guards.record_except(
            &statement,
            |kind, name| sequence.blocks_drop_of(statement.index, kind, name.base()),
            |table, name| sequence.blocks_key_drop(statement.index, table.base(), name.base()),
        );
        let mut nested_end = statement.range.start;
        for (position, inner) in statement.nested.iter().enumerate() {
            let unguarded;
            let first = inner
                .context
                .do_block
                .and_then(|d| d.after_failure_of)
                .map(|first| statement.nested.get(first));
            let inner = match first_failure_undone(first, inner, &self.sequence) {
                Some(statement) => {
                    unguarded = statement;
                    &unguarded
                }
                None => inner,
            };
            let mut own = ids.clone();
            own.extend(
                self.emit
                    .scan(suppress::gap_start(text, nested_end)..inner.range.start),
            );
            own.extend(self.emit.scan(trailing(text, inner)));
            // A DO block's statements share the file facts of the DO statement.
            self.emit.never_ends = inner.terminator.is_none()
                && crate::sql::lexer::lex(dialect, text, inner.range.clone())
                    .error
                    .is_some();
            let cx = StatementCx {
                options,
                source,
                dialect,
                statement: inner,
                guards: &self.guards,
                sequence: None,
                runs_in: RunsIn::DoBody,
                earlier_in_body: &statement.nested[..position],
                later_in_body: &statement.nested[position + 1..],
                file,
            };
            check(&self.rules, &cx, &own, &mut self.emit);
            self.guards.record(inner);
            nested_end = inner.range.end;
        }
        // A call's findings point at the statements of the routines it runs, which end.
        self.emit.never_ends = false;
        let mut calls = CallChecker {
            rules: &self.rules,
            guards: &mut self.guards,
            emit: &mut self.emit,
            body_findings: &mut self.body_findings,
            once_per_file: &mut self.once_per_file,
        };
        calls.check(source, dialect, &statement, &expansion, &ids, file);
        self.known.record(source, dialect, &statement);
        self.history.passed(&statement, &locks);
        self.guards.passed(&statement);
        self.sequence.passed_do_block(&statement, source);
        self.sequence.passed_after(&statement, pending);
        self.emit.out.hold_transaction =
            self.holds_transactions && self.history.open_transaction().is_some();
        self.previous_end = Some(statement.range.end);
    }

    /// PF006: the first evidence that the file is written for another dialect drops what the
    /// rules found so far (held, since the file may have such evidence) and stops them. A
    /// suppressed PF006 lets the file be linted as it is.
    fn look_for_mismatch(&mut self, statement: &Statement, ids: &[usize]) {
        let text: &str = &self.source.text;
        let Some(evidence) = dialect_mismatch::evidence(&statement.tokens, text, self.dialect)
        else {
            return;
        };
        self.looking_for_mismatch = false;
        let info = &dialect_mismatch::INFO;
        // Both are asked, so that each comment that covers it counts as used.
        let by_file = self.emit.table.suppresses(&self.emit.file_ids, info);
        if by_file | self.emit.table.suppresses(ids, info) {
            return;
        }
        self.emit.out.discard();
        self.mismatch = Some(evidence.violation(self.dialect));
    }

    /// After the last statement: file-level rules (which see the file's directives and
    /// tokenize error; its statements were checked and dropped), then PF004/PF005.
    fn finish(mut self, parsed: &ParsedFile) {
        if let Some(last) = self.pending.take() {
            let only = last.index == 0;
            self.check_top(last, only);
        }
        let text: &str = &self.source.text;
        match self.previous_end {
            None => self.scan_first_gap(text.len()),
            // After the last statement a suppression applies to nothing, but is still read (PF005).
            Some(end) => {
                self.emit
                    .table
                    .scan(text, suppress::gap_start(text, end)..text.len(), &[]);
            }
        }
        let end = FileEnd {
            source: self.source,
            options: self.emit.options,
            parsed,
            history: &self.history,
        };
        if let Some(mismatch) = self.mismatch.take() {
            // Neither PF004/PF005 nor the file-level rules that judge what the file says: they
            // would judge statements and suppressions read under the wrong grammar.
            self.emit.emit(&dialect_mismatch::INFO, mismatch);
            for rule in self.rules.iter().filter(|r| !r.reads_the_file()) {
                let mut violations = Vec::new();
                rule.check_file(&end, &mut violations);
                for v in violations {
                    self.emit.push(rule.info(), v, &[]);
                }
            }
            self.emit.out.release();
            return;
        }
        for rule in &self.rules {
            let mut violations = Vec::new();
            rule.check_file(&end, &mut violations);
            for v in violations {
                self.emit.push(rule.info(), v, &[]);
            }
        }
        self.emit.check_suppressions(&self.rules);
        self.emit.out.release();
    }
}

/// `inner`, a statement of a DO block or of a called routine's body, without the guard of the
/// body's statement that fails first on a retry ([`crate::sql::do_block::Guarded::fails_first`])
/// when the file removes what that statement makes: a retry that dropped it (before the block,
/// or after it in a run that went on further) makes it again, and `inner` runs again. `first`:
/// `None` when `inner` has no such guard, `Some(None)` when that statement is not known.
/// `None`: its guard stands.
fn first_failure_undone(
    first: Option<Option<&Statement>>,
    inner: &Statement,
    sequence: &Sequence,
) -> Option<Statement> {
    inner.context.do_block?.after_failure_of?;
    let removed = first?.is_none_or(|first| {
        let shape = &first.shape;
        let kind = match shape.kind {
            crate::sql::ShapeKind::Create(kind) => kind,
            crate::sql::ShapeKind::AlterTypeAddValue => crate::sql::ObjectKind::Type,
            _ => return true,
        };
        shape.object().is_none_or(|name| {
            sequence.removes(&super::sequence::Key::Object(kind, name.base().to_string()))
        })
    });
    removed.then(|| {
        let mut inner = inner.clone();
        if let Some(d) = inner.context.do_block.as_mut() {
            d.guarded = false;
            d.after_failure_of = None;
        }
        inner
    })
}

/// Checks what the calls of a top-level statement run (the parts of [`FileLinter`] it needs,
/// borrowed apart from the file facts the rules read).
struct CallChecker<'l, 'a> {
    rules: &'l [&'static dyn Rule],
    guards: &'l mut Guards,
    emit: &'l mut Emitter<'a>,
    body_findings: &'l mut std::collections::HashSet<(&'static str, usize, usize)>,
    once_per_file: &'l mut std::collections::HashSet<String>,
}

impl CallChecker<'_, '_> {
    /// The statements the calls of `statement` run, checked at the call as a DO block's are
    /// (see `calls`). A finding on a statement of a routine of this file points at that
    /// statement (its fix applies there); one on another file's routine, or on SQL a body
    /// builds at run time, points at the call and names what it runs. What could not be
    /// followed is a PF001 on the call.
    fn check(
        &mut self,
        source: &SourceFile,
        dialect: Dialect,
        statement: &Statement,
        expansion: &calls::Expansion,
        ids: &[usize],
        file: FileFacts,
    ) {
        let options = self.emit.options;
        if expansion.runs.is_empty() && expansion.unknown.is_empty() {
            return;
        }
        let text: &str = &source.text;
        let call = one_line(&text[statement.range.clone()]);
        let call_line = source.line_col(statement.range.start).line;
        let call_span = statement.range.start
            ..statement
                .range
                .end
                .min(suppress::line_end(text, statement.range.start));
        // Another run's body of the same call starts from the guards before the first one.
        let restarts: std::collections::HashSet<usize> =
            expansion.runs.iter().filter_map(|r| r.restart).collect();
        // The statements before and after a run that the call runs too, from the run that
        // last started over to the next one: what those after it remove is gone on a retry of
        // the call, and a constraint one before it adds is the one it validates (PF123).
        let ran: Vec<Statement> = expansion.runs.iter().map(|r| r.statement.clone()).collect();
        let starts_over = |k: usize| expansion.runs[k].restart.is_some();
        let around = |i: usize| {
            let start = (1..=i).rev().find(|&k| starts_over(k)).unwrap_or(0);
            let end = (i + 1..ran.len())
                .find(|&k| starts_over(k))
                .unwrap_or(ran.len());
            (&ran[start..i], &ran[i + 1..end])
        };
        // The statement that runs right before run `k` when that is the first statement of a
        // body a call right after it runs (`ALTER TABLE t ADD COLUMN IF NOT EXISTS c …; CALL
        // q();` where q's body is `BEGIN ALTER TABLE t DROP COLUMN c; …`): nothing but `;`
        // between that statement and the `CALL` in the caller's body, nothing but `BEGIN`
        // between the start of the called body and run `k`. Each such call runs that
        // statement right before it, or the caller's body stopped on its failure.
        let entered_right_after = |k: usize| -> Option<&Statement> {
            let prev = expansion.runs.get(k.checked_sub(1)?)?;
            let run = &expansion.runs[k];
            let (call, caller) = run.entered_by.clone()?;
            let in_text = |r: &calls::Run| {
                r.body.0 != 0 && matches!(r.origin, Origin::Here | Origin::Elsewhere(_))
            };
            if prev.body.0 != caller || !in_text(prev) || !in_text(run) {
                return None;
            }
            let tokens = |text: &str, range: std::ops::Range<usize>| {
                (range.start <= range.end && text.is_char_boundary(range.start))
                    .then(|| crate::sql::lexer::lex(dialect, text, range))
                    .filter(|lexed| lexed.error.is_none())
                    .map(|lexed| lexed.tokens)
            };
            let caller_text = &prev.source(source).text;
            let end = prev
                .statement
                .terminator
                .as_ref()
                .map_or(prev.statement.range.end, |t| {
                    t.end.max(prev.statement.range.end)
                });
            let between = tokens(caller_text, end..call.start)?;
            let called = tokens(caller_text, call)?;
            let opening = tokens(
                &run.source(source).text,
                run.body.1..run.statement.range.start,
            )?;
            (between
                .iter()
                .all(|t| t.is(&sqlparser::tokenizer::Token::SemiColon))
                && called.first().is_some_and(|t| t.is_kw("CALL"))
                && opening.len() <= 1
                && opening.iter().all(|t| t.is_kw("BEGIN")))
            .then_some(&prev.statement)
        };
        let mut before: std::collections::HashMap<usize, Guards> = Default::default();
        let mut body_from = 0;
        // Where the statements of the same body as run `i` end: the first run after it of
        // another body (or none).
        let mut body_to = vec![expansion.runs.len(); expansion.runs.len()];
        for k in (1..expansion.runs.len()).rev() {
            body_to[k - 1] = if same_body(&expansion.runs[k - 1], &expansion.runs[k]) {
                body_to[k]
            } else {
                k
            };
        }
        // PostgreSQL runs a call's bodies in the transaction of the statement that calls them
        // unless one ends it (`COMMIT` in a procedure): what a body makes and removes again
        // later in it is never left by a crash. Not when SQL a body builds is not known.
        let one_transaction = dialect.ddl_is_transactional()
            && expansion.unknown.is_empty()
            && !expansion.runs.iter().any(|r| {
                matches!(
                    r.statement.shape.kind,
                    crate::sql::ShapeKind::Commit | crate::sql::ShapeKind::Rollback
                )
            });
        for (i, run) in expansion.runs.iter().enumerate() {
            if let Some(guards) = run.restart.and_then(|from| before.get(&from)) {
                *self.guards = guards.clone();
            }
            if restarts.contains(&i) {
                before.insert(i, self.guards.clone());
            }
            let run_source = run.source(source);
            // A statement of this file's body also obeys the comments above it and after it.
            let mut own = ids.to_vec();
            if let Origin::Here = run.origin {
                let at = run.statement.range.start;
                own.extend(self.emit.scan(comment_lines_above(text, at)..at));
                own.extend(self.emit.scan(trailing(text, &run.statement)));
            }
            // As in a DO block: the guard of a statement after one that fails first on a retry
            // stands only while the file does not remove what that one makes.
            let undone = run
                .statement
                .context
                .do_block
                .and_then(|d| d.after_failure_of)
                .and_then(|_| {
                    first_failure_undone(
                        Some(run.fails_first.as_deref()),
                        &run.statement,
                        file.sequence,
                    )
                });
            let (earlier_in_body, later_in_body) = around(i);
            let statement = undone.as_ref().unwrap_or(&run.statement);
            // The statements of the same body right before this one.
            if i > 0 && !same_body(&expansion.runs[i - 1], run) {
                body_from = i;
            }
            let body_before =
                &earlier_in_body[body_from.saturating_sub(i - earlier_in_body.len())..];
            let body_after = &later_in_body[..(body_to[i] - i - 1).min(later_in_body.len())];
            let cx = StatementCx {
                options,
                source: run_source,
                dialect,
                statement,
                guards: self.guards,
                sequence: None,
                // What it reads a later statement removes is gone on a retry, as in a DO block.
                runs_in: RunsIn::RoutineBody {
                    plpgsql: run.plpgsql,
                    // As `check_function_bodies` was at the routine's `CREATE`, not at the
                    // call.
                    sql_checked_at_create: (run.checked_at_create
                        && file.history.checked_function_bodies_at(run.created_at))
                    .then_some(run.defined_at),
                },
                earlier_in_body,
                later_in_body,
                file,
            };
            for rule in self.rules {
                let mut violations = Vec::new();
                rule.check_statement(&cx, &mut violations);
                let info = rule.info();
                for v in violations {
                    // As in a DO block: a drop of what the statement right before it in the
                    // body makes. Each call runs the body from its start, so that statement ran
                    // right before the drop, or failed and stopped the body.
                    // In one transaction (PostgreSQL), as in a DO block: a creation a later
                    // statement of the same body removes again.
                    if EXISTENCE_RULES.contains(&info.code)
                        && !v.needs_removed
                        && (crate::lint::sequence::dropped_made_earlier_in_block(
                            statement,
                            v.range.start,
                            body_before,
                            &run_source.text,
                            dialect,
                        ) || (one_transaction
                            && crate::lint::sequence::made_removed_later_in_block(
                                statement,
                                v.range.start,
                                body_after,
                                &run_source.text,
                                dialect,
                            ))
                            || entered_right_after(i).is_some_and(|maker| {
                                crate::lint::sequence::dropped_made_by(
                                    statement,
                                    v.range.start,
                                    maker,
                                )
                            })
                            // In one transaction: a creation the first statement of a body
                            // a call right after it runs removes again.
                            || (one_transaction
                                && i + 1 < expansion.runs.len()
                                && entered_right_after(i + 1).is_some()
                                && crate::lint::sequence::made_removed_by(
                                    statement,
                                    v.range.start,
                                    &expansion.runs[i + 1].statement,
                                )))
                    {
                        continue;
                    }
                    let v = with_guard_note(info, v, statement);
                    let v = match &run.origin {
                        Origin::Here => {
                            let key = (info.code, v.range.start, v.range.end);
                            if !self.body_findings.insert(key) {
                                continue;
                            }
                            v.note(format!(
                                "runs when {} on line {call_line} calls {}",
                                code_span(&call),
                                run.routine
                            ))
                        }
                        Origin::Elsewhere(_) | Origin::Dynamic(_) | Origin::Prepared(_) => {
                            let ran = one_line(&run_source.text[run.statement.range.clone()]);
                            let whose = match &run.origin {
                                Origin::Prepared(_) => "SQL built at run time".to_string(),
                                Origin::Dynamic(_) => format!(
                                    "SQL the body of {} ({}) builds at run time",
                                    run.routine,
                                    run.defined_where(source)
                                ),
                                _ => format!(
                                    "in the body of {} ({})",
                                    run.routine,
                                    run.defined_where(source)
                                ),
                            };
                            Violation {
                                range: call_span.clone(),
                                message: format!(
                                    "{} runs {}, {whose}: {}",
                                    code_span(&call),
                                    code_span(&ran),
                                    v.message
                                ),
                                fix: None,
                                notes: v.notes,
                                unknown: v.unknown,
                                needs_removed: v.needs_removed,
                            }
                        }
                    };
                    self.emit.push(info, v, &own);
                }
            }
            self.guards.record(&run.statement);
        }
        if self
            .rules
            .iter()
            .any(|r| r.info().code == unparsed_statement::INFO.code)
        {
            for unknown in &expansion.unknown {
                // A routine's call of an undefined procedure: at the first statement only.
                if unknown.once_per_file && !self.once_per_file.insert(unknown.why.clone()) {
                    continue;
                }
                let mut v = Violation::new(
                    call_span.clone(),
                    format!("{}: {}", code_span(&call), unknown.why),
                );
                v.notes = unknown.notes.clone();
                v.unknown = true;
                self.emit.push(&unparsed_statement::INFO, v, ids);
            }
        }
    }
}

/// Do runs `a` and `b` run statements of one body: the same routine of the same file? SQL a
/// body builds at run time is in no body's text.
fn same_body(a: &calls::Run, b: &calls::Run) -> bool {
    a.routine == b.routine
        && a.defined_at == b.defined_at
        && match (&a.origin, &b.origin) {
            (Origin::Here, Origin::Here) => true,
            (Origin::Elsewhere(x), Origin::Elsewhere(y)) => std::sync::Arc::ptr_eq(x, y),
            _ => false,
        }
}

/// Rules whose finding says "the object already exists / is already gone on a retry": the
/// in-file sequence analysis can prove such a statement survives (a DROP the file re-creates, a
/// CREATE after a DROP of the same object, a rename whose old name the file creates again and
/// whose new name it drops).
const EXISTENCE_RULES: &[&str] = &[
    "PF101", "PF102", "PF104", "PF105", "PF106", "PF107", "PF108", "PF109", "PF110", "PF111",
    "PF112", "PF113", "PF114", "PF115", "PF116", "PF118", "PF122",
];

/// `text` on one line (whitespace runs as one space), cut at 80 characters, without its `;`.
fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = line.trim_end_matches(';').trim_end();
    match line.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

/// The start of the blank and `--` comment lines right above the line of byte `at`.
fn comment_lines_above(text: &str, at: usize) -> usize {
    let mut start = text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    while start > 0 {
        let above = text[..start - 1].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let line = text[above..start].trim();
        if !(line.is_empty() || line.starts_with("--")) {
            break;
        }
        start = above;
    }
    start
}

/// A comment after the statement on its last line.
fn trailing(text: &str, statement: &Statement) -> std::ops::Range<usize> {
    statement.range.end..suppress::line_end(text, statement.range.end)
}

/// A retry rule's finding on a statement whose catalog check looks like a guard but never
/// finds what it creates says why the check does not count.
fn with_guard_note(info: &RuleInfo, v: Violation, statement: &Statement) -> Violation {
    match &statement.guard_note {
        Some(note) if info.code.starts_with("PF1") => v.note(note.clone()),
        _ => v,
    }
}

fn check(rules: &[&dyn Rule], cx: &StatementCx, suppressed: &[usize], emit: &mut Emitter) {
    for rule in rules {
        let mut violations = Vec::new();
        rule.check_statement(cx, &mut violations);
        let info = rule.info();
        for v in violations {
            let v = with_guard_note(info, v, cx.statement);
            let proved = EXISTENCE_RULES.contains(&info.code)
                && !v.needs_removed
                && (cx
                    .sequence
                    .is_some_and(|(seq, index)| seq.proves_safe(index, &v.range))
                    || proved_in_do_body(cx, v.range.start)
                    || branch_may_be_skipped(cx));
            if !proved {
                emit.push(info, v, suppressed);
            }
        }
    }
}

/// Does the DO block that `cx`'s statement runs in make a retry of the finding at byte `at`
/// survive? A drop of what the statement right before it in the block makes, a creation a
/// later statement of the block removes again or one right before it frees, or a rename of the
/// one to a name the block frees again; under a per-file transaction, a creation a later top-level statement removes
/// for good. Or a rename the block always runs that the file around it proves, as it would
/// the same rename at the top level; or a drop, right after the block's `BEGIN`, of what the
/// top-level statements right before the block make on every run, or of what the block itself
/// always makes again after it; or a handler's drop of the table whose creation raised the
/// `duplicate_table` it catches.
///
/// The creation freed before it or undone later in the block, and the rename, count only where the block's DDL
/// is one transaction (PostgreSQL's DO). MariaDB/MySQL commit each DDL statement of a
/// compound block (`BEGIN NOT ATOMIC`) as it runs, so a crash between the creation and its
/// removal leaves it there, as at the top level: `ALTER TABLE t4 ADD COLUMN c INT; ALTER
/// TABLE t4 DROP COLUMN c;` in a block fails with 1060 on the retry.
fn proved_in_do_body(cx: &StatementCx, at: usize) -> bool {
    use crate::lint::sequence::{
        dropped_made_earlier_in_block, made_freed_earlier_in_block, made_removed_later_in_block,
        renamed_made_earlier_in_block,
    };
    let (statement, text, dialect) = (cx.statement, &cx.source.text, cx.dialect);
    let undone_later = || {
        dialect.ddl_is_transactional()
            && (made_removed_later_in_block(statement, at, cx.later_in_body, text, dialect)
                || made_freed_earlier_in_block(statement, at, cx.earlier_in_body, text, dialect)
                || renamed_made_earlier_in_block(
                    statement,
                    at,
                    cx.earlier_in_body,
                    cx.later_in_body,
                    text,
                    dialect,
                ))
    };
    cx.runs_in == RunsIn::DoBody
        && (dropped_made_earlier_in_block(statement, at, cx.earlier_in_body, text, dialect)
            || undone_later()
            || cx
                .file
                .sequence
                .body_creation_left_removed(statement, at, cx.file.top_index)
            || cx
                .file
                .sequence
                .body_rename_survives(statement, at, cx.file.top_index)
            || cx.file.sequence.body_drop_made_before(
                statement,
                at,
                cx.earlier_in_body,
                cx.source,
                (cx.file.top_index, cx.file.top_start..cx.file.top_end),
            )
            || cx.file.sequence.body_made_again(
                statement,
                at,
                (cx.earlier_in_body, cx.later_in_body),
                cx.source,
                (cx.file.top_index, cx.file.top_start..cx.file.top_end),
            )
            || cx
                .file
                .sequence
                .handler_drop_finds(statement, at, cx.file.top_index))
}

/// May a retry skip the statement of a DO body in `cx` because a condition that decides whether
/// it runs (an IF's, an ELSIF's) reads rows the file writes (`INSERT INTO t …; DO $$ BEGIN IF
/// (SELECT count(*) FROM t) = 1 THEN CREATE TYPE …`)? Then the retry may find other rows and
/// take another branch, so its existence findings claim what lint cannot tell. A condition
/// that reads nothing the file writes (`IF true`, a version check, rows nothing changes, a
/// table of another schema: [`RowTable::may_be`]) is what it was on the run that made the
/// object, and the finding stands. A retry after a crash right after the DO statement has run
/// the statements before it, and the block, once more: their writes count, but for an INSERT
/// before the DO statement that a re-run repeats without adding a row (`INSERT INTO k VALUES
/// (1) ON CONFLICT DO NOTHING` after the file's `CREATE TABLE k (id int PRIMARY KEY)`); under a
/// per-file transaction a re-run follows the whole file, and every write after the DO
/// statement counts too.
///
/// [`RowTable::may_be`]: crate::sql::do_block::RowTable::may_be
fn branch_may_be_skipped(cx: &StatementCx) -> bool {
    if cx.runs_in != RunsIn::DoBody || cx.statement.branch_reads.is_empty() {
        return false;
    }
    // The body runs under the search_path the statements before the DO set.
    let home = cx.file.history.search_home();
    let reads: Vec<_> = cx
        .statement
        .branch_reads
        .iter()
        .map(|t| t.resolved(home))
        .collect();
    let postgres = cx.dialect == crate::sql::Dialect::Postgres;
    let transactional = cx.file.sequence.transactional();
    let until = if transactional {
        usize::MAX
    } else {
        cx.file.top_end
    };
    cx.file
        .row_writes
        .get_or_init(|| {
            crate::sql::do_block::row_writes(&cx.source.text, cx.dialect, transactional)
        })
        .iter()
        .any(|(at, table, unchanged)| {
            // A write before the DO statement that a re-run repeats without changing a row
            // leaves what the condition reads as the first run left it.
            let repeated_alike = *unchanged && *at < cx.file.top_start;
            *at < until && !repeated_alike && reads.iter().any(|r| r.may_be(table, postgres))
        })
}

struct Emitter<'a> {
    source: &'a SourceFile,
    /// `source.display_path()`, formatted once rather than per finding.
    path: String,
    options: &'a LintOptions,
    /// The `ignore-file` comments before the first statement.
    file_ids: Vec<usize>,
    table: Table,
    out: Ordered<'a>,
    /// The statement being checked runs to the end of the file because a quote or comment in
    /// it never ends (PF002): its findings get no fix. Whatever a fix edits there, the
    /// statement still does not run, and an edit after the opening quote lands inside it.
    never_ends: bool,
}

impl Emitter<'_> {
    /// Reads the suppression comments of a gap; returns the ids of the `ignore` ones.
    fn scan(&mut self, range: std::ops::Range<usize>) -> Vec<usize> {
        self.table
            .scan(&self.source.text, range, &[Directive::Ignore])
    }

    fn push(&mut self, info: &'static RuleInfo, v: Violation, suppressed: &[usize]) {
        // Both are asked (no short circuit), so that each comment that covers it counts as used.
        let by_file = self.table.suppresses(&self.file_ids, info);
        if by_file | self.table.suppresses(suppressed, info) {
            return;
        }
        self.emit(info, v);
    }

    /// PF004 and PF005, from what the other rules' findings used. Only an `ignore-file` that
    /// names them (not a blanket one, which would hide its own unused report) suppresses them.
    fn check_suppressions(&mut self, rules: &[&dyn Rule]) {
        let enabled: Vec<&'static RuleInfo> = rules.iter().map(|r| r.info()).collect();
        let mut violations = Vec::new();
        if enabled.contains(&&invalid_suppression::INFO) {
            violations.extend(
                invalid_suppression::check(&self.table)
                    .into_iter()
                    .map(|v| (&invalid_suppression::INFO, v)),
            );
        }
        if enabled.contains(&&unused_suppression::INFO) {
            violations.extend(
                unused_suppression::check(self.source, &self.table, &enabled)
                    .into_iter()
                    .map(|v| (&unused_suppression::INFO, v)),
            );
        }
        violations.sort_by_key(|(_, v)| (v.range.start, v.range.end));
        for (info, v) in violations {
            let named = self.file_ids.iter().any(|&id| {
                self.table.suppressions[id]
                    .codes
                    .iter()
                    .any(|c| c.names(info))
            });
            if !named {
                self.emit(info, v);
            }
        }
    }

    fn emit(&mut self, info: &'static RuleInfo, v: Violation) {
        let mut finding =
            Finding::new(info, self.options.severity_of(info), v.message).at(Location {
                path: Some(self.path.clone()),
                ..self.source.location_in_file(v.range)
            });
        finding.fix = v.fix;
        finding.notes = v.notes;
        if self.never_ends && finding.fix.take().is_some() {
            finding.notes.push(
                "no fix: the statement never ends (a quote or comment in it is never closed, PF002)"
                    .to_string(),
            );
        }
        finding.unknown = v.unknown;
        self.out.push(finding);
    }
}
