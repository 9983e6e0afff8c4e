//! SQL a replayed body builds at run time (`EXECUTE …`, `PREPARE s FROM @q; EXECUTE s`),
//! evaluated by [`crate::sql::dynamic`] with the body's parameters bound to the call's
//! arguments: a statement it names is replayed as one of the body's, under the catalog check
//! around its `EXECUTE`; one it cannot name stays reported as dynamic SQL.
//!
//! At the top level of a MySQL/MariaDB file, an `EXECUTE` runs what a user variable holds
//! ([`crate::sql::top_dynamic`], as lint reads it): a plain text runs as written; a choice
//! (`IF(<catalog check>, 'SELECT 1', 'ALTER TABLE t ADD COLUMN c INT')`) is replayed when its
//! one branch that changes the schema is guarded by a check of the object it changes (a create
//! then leaves the object there, an existing one untouched; a drop leaves it gone), whatever the
//! state before, which the model may not know.

use super::Replayer;
use crate::source::SourceFile;
use crate::sql::do_block::{BodyCall, Guarded};
use crate::sql::dynamic::{call_arguments, dynamic_sql, Bindings, Dynamic};
use crate::sql::lexer::{lex, Tok};
use crate::sql::top_dynamic::{guard, Value};
use crate::sql::{parse_source_with, AstMode, Dialect, DoBlockContext, ParsedFile};
use sqlparser::tokenizer::Token;
use std::ops::Range;
use std::rc::Rc;

/// Where a body is: its file, its bytes in it, and its catalog checks.
#[derive(Debug)]
pub(crate) struct Place {
    source: Rc<SourceFile>,
    dialect: Dialect,
    range: Range<usize>,
    guarded: Guarded,
}

impl Place {
    fn new(source: Rc<SourceFile>, dialect: Dialect, range: Range<usize>) -> Place {
        let guarded = Guarded::of(&lex(dialect, &source.text, range.clone()).tokens, dialect);
        Place {
            source,
            dialect,
            range,
            guarded,
        }
    }

    /// The body's dynamic statements, evaluated with `bindings`.
    pub(crate) fn dynamic(&self, bindings: &Bindings) -> Vec<Dynamic> {
        dynamic_sql(&self.source, self.dialect, self.range.clone(), bindings)
    }
}

/// A dynamic statement the replay of a top-level statement met: the bytes of the migration it
/// is on, and whether it was evaluated (and replayed).
#[derive(Debug, Clone)]
pub(crate) struct Event {
    range: Range<usize>,
    evaluated: bool,
}

/// Is the dynamic SQL of the statement at `range` all known: the replay met dynamic statements
/// there, and evaluated every one? Met none (a call the replay did not follow), it is not.
pub(crate) fn all_evaluated(events: &[Event], range: &Range<usize>) -> bool {
    let overlaps = |e: &&Event| e.range.start < range.end && range.start < e.range.end;
    let mut met = events.iter().filter(overlaps).peekable();
    met.peek().is_some() && met.all(|e| e.evaluated)
}

/// Is body statement `statement` one that prepares, runs or frees the SQL the body builds
/// (`dynamic`): `EXECUTE` where one of them is, `PREPARE … FROM`, `DEALLOCATE PREPARE`?
pub(crate) fn runs_dynamic(statement: &crate::sql::Statement, dynamic: &[Dynamic]) -> bool {
    !dynamic.is_empty()
        && (dynamic.iter().any(|d| d.at == statement.range.start) || prepares_or_frees(statement))
}

/// `PREPARE … FROM`, `DEALLOCATE PREPARE`, `DROP PREPARE`: nothing changes until an `EXECUTE`
/// runs what they prepare.
fn prepares_or_frees(statement: &crate::sql::Statement) -> bool {
    let first = statement.tokens.first();
    first.is_some_and(|t| t.is_kw("PREPARE") || t.is_kw("DEALLOCATE"))
        || (first.is_some_and(|t| t.is_kw("DROP"))
            && statement.tokens.get(1).is_some_and(|t| t.is_kw("PREPARE")))
}

/// Why a top-level `EXECUTE` is not replayed.
const NOT_EVALUATED: &str = "runs SQL it builds at run time (EXECUTE) from a value preflight could not evaluate (a query's result, or a user variable this file did not set): what it did is not modelled";
const NOT_A_CHECK: &str = "runs SQL chosen by a condition that is not a catalog check of the object it changes (information_schema naming that object, true exactly when it exists or does not): what it did is not modelled";
const TWO_CHANGES: &str = "runs one of two statements that both change the schema, chosen by the catalog: which one ran depends on the state before it, and what it did is not modelled";

impl Replayer {
    /// A top-level MySQL/MariaDB prepared statement: `true` when `statement` is one. Its
    /// `PREPARE` and `DEALLOCATE` change nothing; its `EXECUTE` (or `EXECUTE IMMEDIATE`) runs
    /// the SQL a user variable holds, replayed or reported as not modelled.
    pub(super) fn top_prepared(
        &mut self,
        file: &ParsedFile,
        statement: &crate::sql::Statement,
    ) -> bool {
        if prepares_or_frees(statement) {
            return true;
        }
        let Some(value) = self.top_dynamic.executed(&self.bindings, &statement.tokens) else {
            return false;
        };
        let range = statement.range.clone();
        let runs = self.top_runs(file.dialect, statement.index, value);
        self.dynamic_events.push(Event {
            range: range.clone(),
            evaluated: runs.is_ok(),
        });
        match runs {
            Ok(runs) => {
                for run in runs {
                    self.current.statement = range.clone();
                    self.foreign_keys.clear();
                    self.replay_one(&run);
                }
            }
            Err(why) => self.opaque(why.into()),
        }
        true
    }

    /// The statements a top-level `EXECUTE` of `value` runs, each under the catalog check that
    /// chooses it; or why they cannot be told.
    fn top_runs(
        &self,
        dialect: Dialect,
        parent: usize,
        value: Value,
    ) -> Result<Vec<crate::sql::Statement>, &'static str> {
        let branches = value.ok_or(NOT_EVALUATED)?;
        let mut out = Vec::new();
        let mut chosen_changes = 0;
        for branch in &branches {
            let built = SourceFile::new("SQL built at run time", branch.text.as_str());
            let parsed = parse_source_with(&built, dialect, AstMode::Always);
            let chosen = !branch.condition.is_empty();
            let mut changes = false;
            for mut run in parsed.statements {
                if !chosen {
                    out.push(run);
                    continue;
                }
                if !self.changes_schema(&run) {
                    // `SELECT 1`, `DO 0`: the branch that does nothing.
                    continue;
                }
                let (guarded, drops_checked) = guard(branch, &run, &self.bindings);
                if !guarded {
                    return Err(NOT_A_CHECK);
                }
                run.context.do_block = Some(DoBlockContext {
                    guarded,
                    drops_checked,
                    parent,
                    ..Default::default()
                });
                changes = true;
                out.push(run);
            }
            chosen_changes += usize::from(changes);
        }
        if chosen_changes > 1 {
            return Err(TWO_CHANGES);
        }
        Ok(out)
    }

    /// Can `statement`, one branch of a choice, change the schema: anything but a `SELECT` or
    /// `DO` that calls no routine the migrations define.
    fn changes_schema(&self, statement: &crate::sql::Statement) -> bool {
        let Some(first) = statement.tokens.first() else {
            return false;
        };
        let calls = crate::sql::do_block::called_names(&statement.tokens);
        !(first.is_kw("SELECT") || first.is_kw("DO"))
            || calls.iter().any(|n| self.routines.contains_key(n))
    }

    /// The current migration's text, shared.
    fn source_of(&mut self, file: &ParsedFile) -> Rc<SourceFile> {
        let index = self.current.migration;
        match &self.file_source {
            Some((i, source)) if *i == index => source.clone(),
            _ => {
                let source = Rc::new(file.source.clone());
                self.file_source = Some((index, source.clone()));
                source
            }
        }
    }

    /// The body of routine definition `statement` of `file`.
    pub(super) fn routine_place(
        &mut self,
        file: &ParsedFile,
        statement: &crate::sql::Statement,
    ) -> Option<Rc<Place>> {
        let range = crate::sql::do_block::routine_body_range(
            &file.source,
            file.dialect,
            &statement.tokens,
        )?;
        let source = self.source_of(file);
        Some(Rc::new(Place::new(source, file.dialect, range)))
    }

    /// The body of DO block `statement` of `file`.
    pub(super) fn do_place(
        &mut self,
        file: &ParsedFile,
        statement: &crate::sql::Statement,
    ) -> Option<Rc<Place>> {
        let range = crate::sql::do_block::body_range(&file.source, &statement.tokens)?;
        let source = self.source_of(file);
        Some(Rc::new(Place::new(source, Dialect::Postgres, range)))
    }

    /// The body of MariaDB compound statement `statement` of `file`.
    pub(super) fn compound_place(
        &mut self,
        file: &ParsedFile,
        statement: &crate::sql::Statement,
    ) -> Option<Rc<Place>> {
        let range = crate::sql::compound_body_range(&statement.tokens)?;
        let source = self.source_of(file);
        Some(Rc::new(Place::new(source, file.dialect, range)))
    }

    /// The dynamic statements of a top-level block's body, which has no parameters.
    pub(super) fn top_dynamic(&self, place: Option<&Place>) -> Vec<Dynamic> {
        place.map_or_else(Vec::new, |p| p.dynamic(&Bindings::top(p.dialect)))
    }

    /// Each of `names` that `tokens` call, with its parameters bound to the call's arguments
    /// (evaluated with the bindings of the body being replayed).
    pub(super) fn bind_calls(&self, tokens: &[Tok], names: &[String]) -> Vec<(String, Bindings)> {
        names
            .iter()
            .map(|name| {
                let params = self.routines.get(name).map(|r| r.params.as_slice());
                let at = tokens.iter().enumerate().position(|(k, t)| {
                    let word =
                        matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case(name));
                    word && (tokens.get(k + 1).is_some_and(|n| n.is(&Token::LParen))
                        || (k > 0 && tokens[k - 1].is_kw("CALL")))
                });
                let bound = match (params, at) {
                    (Some(params), Some(at)) => {
                        Bindings::bind(params, &call_arguments(tokens, at), &self.bindings)
                    }
                    _ => Bindings::bind(&[], &[], &self.bindings),
                };
                (name.clone(), bound)
            })
            .collect()
    }

    /// [`Self::bind_calls`] for a call of a body at `place`.
    pub(super) fn bind_body_call(
        &self,
        place: Option<&Place>,
        call: &BodyCall,
    ) -> Vec<(String, Bindings)> {
        let tokens = match place {
            Some(p) => lex(p.dialect, &p.source.text, call.range.clone()).tokens,
            None => Vec::new(),
        };
        self.bind_calls(&tokens, &call.names)
    }

    /// Replays dynamic statement `d` of the body at `place`: each statement its SQL makes, as
    /// one of the body's behind the checks around its `EXECUTE`. `false` when the budget of
    /// calls is spent (the rest of the body is not replayed).
    pub(super) fn replay_dynamic(
        &mut self,
        d: &Dynamic,
        place: Option<&Place>,
        in_place: bool,
    ) -> bool {
        let on = match in_place {
            true => self.current.statement.clone(),
            false => d.range.clone(),
        };
        let (Some(text), Some(place)) = (&d.text, place) else {
            self.dynamic_events.push(Event {
                range: on,
                evaluated: false,
            });
            if !in_place {
                // (A called body's is said once per call, by `run_calls`.)
                self.opaque(
                    "runs SQL it builds at run time (EXECUTE) from values preflight cannot evaluate: that part is not modelled".into(),
                );
            }
            return true;
        };
        self.dynamic_events.push(Event {
            range: on.clone(),
            evaluated: true,
        });
        let built = SourceFile::new("SQL built at run time", text.as_str());
        let parsed = parse_source_with(&built, place.dialect, AstMode::Always);
        for mut statement in parsed.statements {
            if in_place {
                if self.call_budget == 0 {
                    self.opaque("calls nest too deep to replay".into());
                    return false;
                }
                self.call_budget -= 1;
            }
            statement.context.do_block = Some(DoBlockContext {
                // A check that never finds what the statement creates guards nothing.
                guarded: place.guarded.covers(d.at, &statement)
                    && place.guarded.never_finds(d.at, &statement).is_none(),
                drops_checked: place
                    .guarded
                    .drops_checked(d.at, &statement, &self.bindings),
                parent: 0,
                ..Default::default()
            });
            self.current.statement = on.clone();
            self.foreign_keys.clear();
            self.replay_one(&statement);
        }
        true
    }
}
