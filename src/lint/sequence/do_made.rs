//! What a DO block makes on every run that ends well: top-level history for the statements
//! after it (`DO $$ BEGIN CREATE TYPE m AS ENUM ('a'); END $$; DROP TYPE m;` finds the type on
//! a retry that reaches the drop, as after a top-level `CREATE TYPE`).

use super::history::{every_step_at, straight_run};
use super::steps::{arrivals, steps, Arrival};
use super::{Event, Key, Resolved, Sequence, Step};
use crate::source::SourceFile;
use crate::sql::lexer::Tok;
use crate::sql::{Dialect, ObjectKind, Statement};
use sqlparser::tokenizer::Token;

impl Sequence {
    /// First pass: [`look_ahead`](Self::look_ahead) of a statement of `source`, with what a DO
    /// block always makes (`always_made`): a creation on every run that ends well, as a
    /// top-level one (`DO $$ BEGIN CREATE TABLE IF NOT EXISTS t_new …; END $$; ALTER TABLE IF
    /// EXISTS t_new RENAME TO t` finds `t_new` on every run: `made_right_before`).
    pub fn look_ahead_in(&mut self, statement: &Statement, source: &SourceFile) {
        self.look_ahead(statement);
        if statement.nested.is_empty() || !is_do_block(statement) {
            return;
        }
        let index = u32::try_from(statement.index).unwrap_or(u32::MAX);
        // One reading of the body for every question.
        let body = body_tokens(statement, source);
        let run = always_run(statement, &source.text, &body);
        for step in always_made(&statement.nested, run) {
            self.made_in_blocks.push((index, step.key.digest()));
        }
        if run == 0 {
            let made = made_where_free(statement, &body);
            // A type's kind, for the "already exists" its rename raises.
            if let ([make], [key]) = (statement.nested.as_slice(), made.as_slice()) {
                if make.shape.kind == crate::sql::ShapeKind::Create(ObjectKind::Type) {
                    if super::creates_composite(make) {
                        self.composites.push((index, *key));
                    } else if make.tokens.iter().any(|t| t.is_kw("ENUM")) {
                        self.enums_in_blocks.push((index, *key));
                    }
                }
            }
            for &key in &made {
                self.made_where_free_in_blocks.push((index, key));
            }
            // A table's or type's schema, and a table's columns, for a read or a drop of it
            // after the block.
            if let [make] = statement.nested.as_slice() {
                for step in steps(make) {
                    let columns = match step.key {
                        Key::Object(ObjectKind::Table, _) => {
                            crate::lint::rules::read_removed_later::table_columns(make)
                        }
                        Key::Object(ObjectKind::Type, _) => Vec::new(),
                        _ => continue,
                    };
                    if made.contains(&step.key.digest()) {
                        self.made_where_free_tables.push((
                            index,
                            step.key.digest(),
                            step.schema,
                            columns,
                        ));
                    }
                }
            }
        }
        // A table made where free and dropped where taken: its handler's drop finds the
        // table whenever it runs, when only the table's own name makes the creation fail; and
        // a run that finds the name free makes the table ([`Self::made_where_free_before`]).
        if let Some((make, _)) = made_or_dropped(statement, &body) {
            let digest = make.key.digest();
            if crate::sql::do_block::makes_one_relation(&statement.nested[0]) {
                self.dropped_where_taken.push((index, digest));
            }
            self.made_or_dropped_in_blocks
                .push((index, digest, make.schema.clone()));
            self.made_where_free_tables.push((
                index,
                digest,
                make.schema,
                crate::lint::rules::read_removed_later::table_columns(&statement.nested[0]),
            ));
        }
        // A table renamed onto a name where free and that name dropped where taken: a retry
        // that finds the table the first run's rename left drops it
        // ([`Self::dropped_on_retry_before`]).
        if let Some((rename, dropped)) = renamed_or_dropped(statement, &body) {
            self.renamed_or_dropped_in_blocks.push((
                index,
                dropped.key.digest(),
                rename.key,
                rename.schema,
            ));
        }
        // A rename that is the whole body, under handlers of nothing but its old name missing,
        // leaves the old name gone on every run that commits, as a top-level rename does
        // (`Sequence::survives`: the state a per-file transaction's re-run starts from):
        // `CREATE TABLE a …; DO $$ BEGIN ALTER TABLE a RENAME TO b; EXCEPTION WHEN
        // undefined_table THEN NULL; END $$; DROP TABLE b`. Not under a handler of the new name
        // taken, which leaves the old one.
        // What the block always drops, as a top-level drop: every run that gets past the block
        // ran it, and nothing after it in the block brings the name back (`CREATE TABLE t …; DO
        // $$ BEGIN DROP TABLE t; END $$` leaves `t` gone, as `DROP TABLE t` would).
        for step in always_dropped(&statement.nested, run) {
            self.look_ahead_always_run(&step, index);
        }
        // So is a drop that is the whole body under handlers of nothing but the object missing:
        // a run that gets past the block dropped it or found it gone.
        if let ([only], 0) = (before_handlers(statement, &body), run) {
            if alone_before_handler(statement, &body)
                && catches_only_missing(around(&body, only).1, None)
            {
                for step in dropped_objects(only) {
                    self.look_ahead_always_run(&step, index);
                }
            }
        }
        // Under handlers that also catch the new name taken, it leaves the old name gone on a
        // run that finds the new one free: the lint pass tells where every run does
        // ([`Self::left_by_handled_rename`]).
        if run == 0 && alone_before_handler(statement, &body) {
            if let Some((rename, _)) = handled_rename(before_handlers(statement, &body)) {
                let handlers = around(&body, &statement.nested[0]).1;
                if catches_only_missing(handlers, None) {
                    self.look_ahead_always_run(&rename, index);
                }
                // Either way, a run that finds the new name free renames the old one away
                // (`Self::freed_by_handled_rename`: a rename back after the block).
                if let Some(to) = rename
                    .to
                    .as_ref()
                    .filter(|_| only_null_handlers(handlers, None))
                {
                    self.renames_under_handlers.push((
                        index,
                        rename.key.digest(),
                        to.digest(),
                        rename.schema.clone(),
                    ));
                }
            }
        }
        // What the block always renames, as a top-level rename: every run that gets past the
        // block ran it (`DO $$ BEGIN ALTER TABLE t RENAME TO t_old; END $$`).
        for (rename, arrival) in always_renamed(&statement.nested, run) {
            self.look_ahead_always_run(&rename, index);
            self.renamed_in_blocks.push((index, rename.key.digest()));
            let Some(to) = &rename.to else { continue };
            self.arrivals
                .entry(arrival.key.digest())
                .or_default()
                .push((index, arrival.old.into()));
            let onto = if rename.guarded {
                &mut self.guarded_onto
            } else {
                &mut self.renamed_onto
            };
            onto.push((
                index,
                to.digest(),
                rename.schema.clone(),
                rename.key.digest(),
            ));
        }
    }

    /// Lint pass, before [`passed_after`](Self::passed_after) of a DO statement (in `source`):
    /// the creations its body always makes (`always_made`) count as creations by the
    /// statement, for the removals after it (`Removed::creations_in`), and the drops it always
    /// runs (`always_dropped`) as drops by it, for the creations after it (`Removed::drops_in`).
    pub fn passed_do_block(&mut self, statement: &Statement, source: &SourceFile) {
        if statement.nested.is_empty() || self.removed.is_empty() {
            return;
        }
        let index = u32::try_from(statement.index).unwrap_or(u32::MAX);
        let body = body_tokens(statement, source);
        let run = always_run(statement, &source.text, &body);
        for step in always_made(&statement.nested, run) {
            let schema = self.resolve(&step);
            if let Some(removed) = self.removed.get_mut(&step.key.digest()) {
                removed.creations_in.push((schema, index));
            }
        }
        // The drops it always runs, as a top-level drop's (`Removed::drops_in`): every run that
        // gets past the block dropped the object, so a creation after it finds the name free
        // (`CREATE TABLE t …; DO $$ BEGIN DROP TABLE t; END $$; CREATE TABLE t …`). Not one
        // behind an IF or under a handler that may undo it (`always_run`).
        if is_do_block(statement) {
            for step in always_dropped(&statement.nested, run) {
                let schema = self.resolve(&step);
                let blocked = self.is_blocked(statement.index, step.key.digest());
                if let Some(removed) = self.removed.get_mut(&step.key.digest()) {
                    removed.drops_in.push((schema, !blocked));
                }
            }
        }
        // The names it always gives, as a top-level rename's arrival (`Removed::renamed_into`).
        // A routine's body runs at a call, not here.
        let renames = if is_do_block(statement) {
            always_renamed(&statement.nested, run)
        } else {
            Vec::new()
        };
        // A rename that is the whole body gives its new name, as a top-level rename's arrival
        // (`Removed::renamed_into`, [`Self::renamed_into_holds`]), when every run that gets
        // past the block finds it: under no handler, or handlers that do nothing
        // ([`sole_rename`]: `ALTER TABLE t ADD COLUMN IF NOT EXISTS x int; DO $$ BEGIN ALTER
        // TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN NULL; END $$;
        // ALTER TABLE t DROP COLUMN y`), or a table's or type's alone before any handler
        // ([`handled_rename`]). Nothing frees the old name (a handler of the collision leaves it).
        let whole_body_rename = if renames.is_empty() && is_do_block(statement) {
            sole_rename(statement, &body).or_else(|| {
                (run == 0)
                    .then(|| handled_rename(before_handlers(statement, &body)))
                    .flatten()
                    .filter(|_| alone_before_handler(statement, &body))
            })
        } else {
            None
        };
        if let Some((rename, arrival)) = whole_body_rename {
            let old = arrival.old_key().map(|k| k.digest());
            let schema = self.resolve(&rename);
            if let Some(to) = &rename.to {
                self.renamed_whole_body_onto.push((
                    index,
                    to.digest(),
                    rename.schema.clone(),
                    rename.key.digest(),
                ));
            }
            if let Some(removed) = self.removed.get_mut(&arrival.key.digest()) {
                removed.renamed_into = old.map(|old| (index, old, schema));
            }
        }
        for (rename, arrival) in renames {
            let old = arrival.old_key().map(|k| k.digest());
            let schema = self.resolve(&rename);
            // Proved as the same rename at the top level would be, it frees the old name for
            // what comes after it (`Removed::renamed_last_reruns`): `DO $$ BEGIN ALTER TABLE d2
            // RENAME TO d2_old; END $$; … CREATE TABLE d2 …` under a per-file transaction.
            let proved = self.survives(&rename).then(|| schema.clone());
            if let Some(removed) = self.removed.get_mut(&rename.key.digest()) {
                removed.renamed_last_reruns = proved;
            }
            if let Some(removed) = self.removed.get_mut(&arrival.key.digest()) {
                removed.renamed_into = old.map(|old| (index, old, schema));
            }
        }
    }

    /// Does the rename at byte `at` of `rename`, a statement of the body of DO statement `top`
    /// (the one being checked), survive a retry as it would written at the top level in the
    /// block's place (`survives`)? Only a table rename that every run getting past
    /// the block ran ([`Self::look_ahead_in`]: no handler, no branch before it, nothing else of
    /// the body on either name): under a per-file transaction `CREATE TABLE d2 …; DO $$ BEGIN
    /// ALTER TABLE d2 RENAME TO d2_old; END $$; … DROP TABLE d2_old`, whose re-run finds `d2`
    /// made again and `d2_old` gone.
    pub fn body_rename_survives(&self, rename: &Statement, at: usize, top: usize) -> bool {
        let Ok(index) = u32::try_from(top) else {
            return false;
        };
        top == self.current_index
            && every_step_at(
                rename,
                at,
                |step| step.rename,
                |step| {
                    self.renamed_in_blocks.contains(&(index, step.key.digest()))
                        && self.survives(step)
                },
            )
    }

    /// Under a per-file transaction: is the file's last event on what `step` creates (in
    /// `schema`, resolved) the rename of it that is a DO block's whole body under handlers that
    /// do nothing, also of the new name taken (`renames_under_handlers`), with nothing renamed
    /// onto it after, and is the new name free at the block on every run
    /// ([`Self::free_at_block`])? Then every run that commits renamed it away, and a re-run,
    /// from before the file or from the state the whole file left, finds its name free:
    /// `CREATE TABLE a …; DO $$ BEGIN ALTER TABLE a RENAME TO b; EXCEPTION WHEN undefined_table
    /// OR duplicate_table THEN NULL; END $$; DROP TABLE b`.
    pub(super) fn left_by_handled_rename(&self, step: &Step, schema: &Resolved) -> bool {
        let old = step.key.digest();
        let Some(r) = self.removed.get(&old) else {
            return false;
        };
        self.handled_rename_frees(old, schema, |b| {
            r.last == Event::Remove && r.last_at == b && !self.arrives_where(old, |j| j > b)
        })
    }

    /// Under a per-file transaction: is `old` (in `schema`, resolved) free for top-level
    /// statement `i` on every run, because the last statement before `i` that touches it is a
    /// DO block that renames it away as [`Self::left_by_handled_rename`] proves? A run that
    /// gets past the block renamed it, or found it gone: the rename back `CREATE TABLE a …; DO
    /// $$ BEGIN ALTER TABLE a RENAME TO b; EXCEPTION WHEN undefined_table OR duplicate_table
    /// THEN NULL; END $$; ALTER TABLE b RENAME TO a; DROP TABLE a`.
    pub(super) fn freed_by_handled_rename(&self, old: u64, i: u32, schema: &Resolved) -> bool {
        self.handled_rename_frees(old, schema, |b| {
            b < i
                && !self.events_anywhere(old).any(|&(_, k, _)| b < k && k < i)
                && !self.arrives_where(old, |j| b < j && j < i)
        })
    }

    /// Is `old` (in `schema`, resolved) renamed away by a DO block at a statement `b` that
    /// `holds`, whose body is that rename alone under handlers that do nothing, also of the
    /// new name taken (`renames_under_handlers`), with the new name free at the block on every
    /// run ([`Self::free_at_block`])?
    fn handled_rename_frees(
        &self,
        old: u64,
        schema: &Resolved,
        holds: impl Fn(u32) -> bool,
    ) -> bool {
        self.renames_under_handlers
            .iter()
            .any(|&(b, from, new, ref written)| {
                from == old
                    && holds(b)
                    && self.resolve_written(written) == *schema
                    && self.free_at_block(new, b, written)
            })
    }

    /// Is the drop at byte `at` of `drop`, a statement of the body of DO statement `top` (the
    /// one being checked), the handler's drop of a block that makes the table where free and
    /// drops it where taken (`made_or_dropped`), whose creation makes no other relation
    /// (`do_block::makes_one_relation`), and which a later top-level statement
    /// removes (`left_removed_after`)? The handler runs only when the table is there,
    /// and finds it. A table the file keeps stays flagged: every retry's handler drops what
    /// the first run made and leaves no table, so what reads it after fails and, if nothing
    /// does, the schema has lost it.
    pub fn handler_drop_finds(&self, drop: &Statement, at: usize, top: usize) -> bool {
        let Ok(index) = u32::try_from(top) else {
            return false;
        };
        top == self.current_index
            && every_step_at(
                drop,
                at,
                |step| step.event == Event::Remove && !step.rename,
                |step| {
                    self.dropped_where_taken
                        .contains(&(index, step.key.digest()))
                        && self.left_removed_after(&step.key, &step.schema, top)
                },
            )
    }

    /// Under a per-file transaction: does DO statement `c`, which makes `d` where free and
    /// drops it where taken ([`made_or_dropped`]), find the name free on every run
    /// ([`Self::free_at_block`]: the file's last event on it is a top-level removal after the
    /// block, and nothing before the block makes it)? Then every run that gets past the block
    /// made it.
    pub(super) fn made_at_free_block(&self, d: u64, c: u32) -> bool {
        self.transactional()
            && self
                .made_or_dropped_in_blocks
                .iter()
                .any(|(k, key, written)| *k == c && *key == d && self.free_at_block(d, c, written))
    }

    /// The DO block before top-level statement `i` that drops table `key` on a retry, when it
    /// is the file's last event on the table before `i`, with no search_path change between:
    /// its body makes the table, by a creation (`made_or_dropped`) or a rename onto its
    /// name of a table made right before the block on every run (`renamed_or_dropped`), of
    /// the schema `written` (a read's, `None`: unqualified), and its handler of
    /// `duplicate_table` drops the table where taken. A retry that meets the table the first
    /// run left goes into that handler, and a read of the table after the block fails (`CREATE
    /// TABLE IF NOT EXISTS a …; DO $$ BEGIN ALTER TABLE a RENAME TO b; EXCEPTION WHEN
    /// duplicate_table THEN DROP TABLE b; END $$; SELECT id FROM b`). Not where every run
    /// finds the name free at the block, under a per-file transaction
    /// (`Self::made_at_free_block`, `Self::free_at_block`).
    pub fn dropped_on_retry_before(
        &self,
        key: &Key,
        i: usize,
        written: impl FnOnce() -> Option<String>,
    ) -> Option<usize> {
        if self.made_or_dropped_in_blocks.is_empty() && self.renamed_or_dropped_in_blocks.is_empty()
        {
            return None;
        }
        let Key::Object(ObjectKind::Table, _) = key else {
            return None;
        };
        let (d, i) = (key.digest(), u32::try_from(i).ok()?);
        let (c, _) = self.conditional.last_before(d, i)?;
        if self.events.last_before(d, i).is_some_and(|(k, _)| k >= c)
            || self.path_changes.iter().any(|&(k, _)| c < k && k < i)
        {
            return None;
        }
        // Read from the statement's tokens only for a table a block before it may drop.
        let written = written();
        let written = written.as_deref();
        let made = self
            .made_or_dropped_in_blocks
            .iter()
            .any(|(k, table, schema)| *k == c && *table == d && schema.as_deref() == written)
            && !self.made_at_free_block(d, c);
        let renamed = || {
            self.renamed_or_dropped_in_blocks
                .iter()
                .any(|(k, new, old, schema)| {
                    *k == c
                        && *new == d
                        && schema.as_deref() == written
                        && self.created_on_every_run(old, c as usize, written)
                        && !(self.transactional() && self.free_at_block(d, c, schema))
                })
        };
        (made || renamed()).then_some(c as usize)
    }

    /// Under a per-file transaction: is `new` free when the DO block at `b` runs, on every run?
    /// The file's last event on it is a top-level removal after the block, of the schema
    /// `written` (the block's rename's) resolves to, that nothing gives back, so a re-run of
    /// the whole file starts without it; and nothing before the block makes it, or renames
    /// anything onto it, so a first run finds it free there as the file's later removal
    /// expects (`DROP TABLE b` of the table the block gave that name), and so does every
    /// re-run.
    pub(super) fn free_at_block(&self, new: u64, b: u32, written: &Resolved) -> bool {
        let Some(r) = self.removed.get(&new) else {
            return false;
        };
        let left_removed = r.last == Event::Remove
            && r.last_top == Some(Event::Remove)
            && r.last_top_at == r.last_at
            && r.last_at > b
            && self.resolve_written(&r.last_top_schema) == self.resolve_written(written);
        let made_before = self
            .events_anywhere(new)
            .any(|&(_, j, e)| j < b && e == Event::Create);
        left_removed && !made_before && !self.arrives_where(new, |j| j < b || j > r.last_at)
    }

    /// Does a statement at an index `at` accepts rename something onto `key` (a top-level or a
    /// DO block's rename)?
    fn arrives_where(&self, key: u64, at: impl Fn(u32) -> bool) -> bool {
        self.renames_to.iter().any(|&(j, _, to)| to == key && at(j))
            || self
                .arrivals
                .get(&key)
                .is_some_and(|list| list.iter().any(|&(j, _)| at(j)))
    }

    /// Does the drop at byte `at` of `drop`, a statement of the body of DO statement `top` (the
    /// one being checked, at bytes `top_range` of `source`), find what it drops on every run?
    /// It does when the top-level statements right before the block make the object on every
    /// run that reaches it ([`Self::made_again_right_before_current`]: `CREATE TABLE [IF NOT
    /// EXISTS] t …`, which either makes it or fails on it there; not a `CREATE TABLE … AS` that
    /// fails on a retry, `Self::creation_fails_on_retry`), and the drop runs right after
    /// the block's opening `BEGIN`, or after statements in one straight run from it
    /// (`straight_run`: no IF, loop, handler or nested block between) that touch neither the
    /// object nor the table it lives on and drop nothing with CASCADE: `CREATE TABLE t (id int);
    /// DO $$ BEGIN DROP TABLE t; END $$;` runs twice. A handler after it changes nothing: a run
    /// that gets to the drop got there from `BEGIN`.
    pub fn body_drop_made_before(
        &self,
        drop: &Statement,
        at: usize,
        earlier: &[Statement],
        source: &SourceFile,
        (top, top_range): (usize, std::ops::Range<usize>),
    ) -> bool {
        if top != self.current_index {
            return false;
        }
        let earlier_steps: Vec<(usize, Step)> = earlier
            .iter()
            .enumerate()
            .flat_map(|(i, s)| steps(s).into_iter().map(move |step| (i, step)))
            .collect();
        if earlier_steps
            .iter()
            .any(|(i, step)| super::steps::drops_with_cascade(&earlier[*i], step))
        {
            return false;
        }
        let found = every_step_at(
            drop,
            at,
            |step| step.event == Event::Remove && !step.rename,
            |step| {
                let Key::Object(_, name) = &step.key else {
                    return false;
                };
                let touches = |k: &Key, table: Option<&String>| {
                    k == &step.key
                        || matches!(k, Key::Object(ObjectKind::Table, t) if t == name || Some(t) == step.table.as_ref())
                        || (table.is_some() && table == step.table.as_ref())
                };
                let touched = earlier_steps
                    .iter()
                    .any(|(_, other)| touches(&other.key, other.table.as_ref()))
                    || earlier
                        .iter()
                        .flat_map(arrivals)
                        .any(|a| touches(&a.key, None));
                // A `CREATE TABLE … AS` whose query reads what a later statement removes makes
                // nothing on a retry that ran that removal.
                let schema = step.schema.as_deref();
                let made = self.made_right_before_current_where(&step.key, schema, |c| {
                    !self.creation_fails_on_retry(c as usize)
                }) || u32::try_from(top)
                    .is_ok_and(|i| self.made_where_free_before(step.key.digest(), i));
                !touched && made
            },
        );
        if !found {
            return false;
        }
        let run: Vec<&Statement> = earlier.iter().chain([drop]).collect();
        straight_run(&run, &source.text, Dialect::Postgres) && opens_body(source, top_range, run[0])
    }

    /// Does the drop at byte `at` of `drop`, a statement of the body of DO statement `top` (the
    /// one being checked, at bytes `top_range` of `source`; `earlier` and `later`: the body's
    /// statements before and after it), find what it drops on every run because the block
    /// itself makes it again? The drop and a later creation of the same object, of the same
    /// schema as written (a later step of the same statement too: `DROP COLUMN c, ADD COLUMN
    /// c`), are in the straight run from the body's opening `BEGIN` of a body with no handler
    /// ([`always_run`]), nothing after the creation in the body touches it, and no other
    /// statement of the file removes it or the table it lives on (but a column's table made
    /// right before the block with the column), or drops anything with CASCADE. The block is one transaction: every run that gets past it leaves the object
    /// there, and a run that reaches it either finds what the last one left or comes first,
    /// when the object is what the file found (`DO $$ BEGIN DROP TABLE t; CREATE TABLE t (id
    /// int); END $$` runs twice).
    fn body_drop_made_again(
        &self,
        drop: &Statement,
        at: usize,
        (earlier, later): (&[Statement], &[Statement]),
        source: &SourceFile,
        (top, top_range): (usize, std::ops::Range<usize>),
    ) -> bool {
        let Ok(index) = u32::try_from(top) else {
            return false;
        };
        if top != self.current_index {
            return false;
        }
        let body: Vec<&Statement> = earlier.iter().chain([drop]).chain(later).collect();
        let cascades = body.iter().any(|s| {
            steps(s)
                .iter()
                .any(|step| super::steps::drops_with_cascade(s, step))
        });
        if cascades || self.cascades.iter().any(|&(i, _, _)| i != index) {
            return false;
        }
        let lexed = crate::sql::lexer::lex(Dialect::Postgres, &source.text, top_range);
        let Some(range) = crate::sql::do_block::body_range(source, &lexed.tokens) else {
            return false;
        };
        let tokens = crate::sql::lexer::lex(Dialect::Postgres, &source.text, range);
        if lexed.error.is_some() || tokens.error.is_some() {
            return false;
        }
        let run = run_from_begin(&body, &source.text, &tokens.tokens);
        let position = earlier.len();
        if position >= run {
            return false;
        }
        // Only the block removes it (or its table), nothing renames anything onto it.
        let removed_elsewhere = |key: &Key| {
            let d = key.digest();
            self.events_anywhere(d)
                .any(|&(_, j, e)| j != index && e == Event::Remove)
                || self.arrives_where(d, |j| j != index)
        };
        let own = steps(drop);
        every_step_at(
            drop,
            at,
            |step| step.event == Event::Remove && !step.rename,
            |step| {
                let touches = |other: &Step| other.key == step.key;
                let arrives = |s: &Statement| arrivals(s).iter().any(|a| a.key == step.key);
                // The steps after the drop, in body order, each with its statement's place.
                let later_steps: Vec<(usize, Step)> = later
                    .iter()
                    .enumerate()
                    .flat_map(|(k, s)| steps(s).into_iter().map(move |o| (position + 1 + k, o)))
                    .collect();
                let after: Vec<(usize, &Step)> = own
                    .iter()
                    .filter(|o| o.range.start > step.range.start)
                    .map(|o| (position, o))
                    .chain(later_steps.iter().map(|(k, o)| (*k, o)))
                    .filter(|(_, o)| touches(o))
                    .collect();
                // The last touch is a creation the block always runs.
                let last = after.last().is_some_and(|(k, o)| {
                    *k < run && o.event == Event::Create && o.schema == step.schema
                });
                let arrived = body.iter().any(|s| arrives(s));
                let table = step
                    .table
                    .as_ref()
                    .map(|t| Key::Object(ObjectKind::Table, t.clone()));
                // A column's table the file removes elsewhere counts when a top-level `CREATE
                // TABLE` right before the block spells the column: a retry that finds the
                // table gone makes it there with the column.
                let spelled_right_before = |table: &Key| match &step.key {
                    Key::Column(_, column) => self
                        .columns_made_right_before_at(table.digest(), index)
                        .is_some_and(|(_, columns)| columns.contains(column)),
                    _ => false,
                };
                last && !arrived
                    && !removed_elsewhere(&step.key)
                    && !table
                        .as_ref()
                        .is_some_and(|t| removed_elsewhere(t) && !spelled_right_before(t))
            },
        )
    }

    /// Does the step at byte `at` of `statement`, a statement of the body of DO statement
    /// `top`, survive a retry because the block makes its object good again: a drop the block
    /// makes again later (`body_drop_made_again`), or a creation right after its own
    /// drop in the same statement (`body_made_after_own_drop`)?
    pub fn body_made_again(
        &self,
        statement: &Statement,
        at: usize,
        around: (&[Statement], &[Statement]),
        source: &SourceFile,
        top: (usize, std::ops::Range<usize>),
    ) -> bool {
        self.body_drop_made_again(statement, at, around, source, top.clone())
            || self.body_made_after_own_drop(statement, at, around, source, top)
    }

    /// Does the creation at byte `at` of `make`, a statement of the body of DO statement `top`,
    /// follow its own drop in the same statement (`ALTER TABLE r DROP COLUMN c, ADD COLUMN c
    /// int`), one with `IF EXISTS` or that finds the object on every run
    /// ([`Self::body_drop_made_again`])? The statement is atomic: the creation runs only right
    /// after the drop removed the object, as for the same statement at the top level.
    fn body_made_after_own_drop(
        &self,
        make: &Statement,
        at: usize,
        around: (&[Statement], &[Statement]),
        source: &SourceFile,
        top: (usize, std::ops::Range<usize>),
    ) -> bool {
        let own = steps(make);
        every_step_at(
            make,
            at,
            |step| step.event == Event::Create,
            |step| {
                own.iter().any(|drop| {
                    drop.key == step.key
                        && drop.event == Event::Remove
                        && !drop.rename
                        && drop.range.start < step.range.start
                        && (drop.guarded
                            || self.body_drop_made_again(
                                make,
                                drop.range.start,
                                around,
                                source,
                                top.clone(),
                            ))
                })
            },
        )
    }

    /// Under a per-file transaction: is every object `make` (a statement of the body of DO
    /// statement `top`) creates at byte `at` removed by a later top-level statement, the file's
    /// last event on it (DO blocks' too)? A re-run starts from before the file or from the
    /// state the whole file left, and finds the name free either way, as for a top-level
    /// creation the file drops later.
    pub fn body_creation_left_removed(&self, make: &Statement, at: usize, top: usize) -> bool {
        self.transactional()
            && every_step_at(
                make,
                at,
                |step| step.event == Event::Create,
                |step| self.left_removed_after(&step.key, &step.schema, top),
            )
    }

    /// Under a per-file transaction: does a later top-level statement remove for good every
    /// name `rename` (a statement of the body of DO statement `top`) gives? A re-run starts
    /// from before the file or from the state the whole file left, so it never meets the new
    /// name an earlier run gave, whatever a handler around the rename catches.
    pub fn body_rename_target_left_removed(&self, rename: &Statement, top: usize) -> bool {
        let renames: Vec<Step> = steps(rename).into_iter().filter(|s| s.rename).collect();
        self.transactional()
            && !renames.is_empty()
            && renames.iter().all(|step| {
                step.to
                    .as_ref()
                    .is_some_and(|to| self.left_removed_after(to, &step.schema, top))
            })
    }

    /// Is the file's last event on `key` (written in `schema`) a top-level removal of the same
    /// schema, after top-level statement `top`? The same under the search_path the file set,
    /// not one that may be: `DROP TABLE a.d_old` does not remove the `d_old` an unqualified
    /// `RENAME TO d_old` makes.
    pub(super) fn left_removed_after(&self, key: &Key, schema: &Resolved, top: usize) -> bool {
        self.removed.get(&key.digest()).is_some_and(|r| {
            r.last == Event::Remove
                && r.last_top == Some(Event::Remove)
                && r.last_at == r.last_top_at
                && r.last_top_at as usize > top
                && self.resolve_written(&r.last_top_schema) == self.resolve_written(schema)
        })
    }
}

/// How many statements of a PostgreSQL DO block's body every run of the block that ends well
/// runs: one straight run from the body's opening `BEGIN` (no `IF`, loop, nested block or other
/// PL/pgSQL statement before it: [`straight_run`]; a `DECLARE` section of plain declarations
/// may come before the `BEGIN`: [`opens_after_declarations`]), in a body with no handler
/// (one could catch a later error and undo the block's work). None for anything else.
/// `body`: the body's tokens ([`body_tokens`]); `text`: the file's.
fn always_run(statement: &Statement, text: &str, body: &[Tok]) -> usize {
    let nested: Vec<&Statement> = statement.nested.iter().collect();
    run_from_begin(&nested, text, body)
}

/// [`always_run`] of a body whose statements are `nested`, in order.
fn run_from_begin(nested: &[&Statement], text: &str, body: &[Tok]) -> usize {
    if nested.is_empty() {
        return 0;
    }
    // A handler whose every branch fails the block (`WHEN undefined_column THEN RAISE 'x'`)
    // changes nothing: the block fails as it would without it.
    let handlers = body
        .iter()
        .enumerate()
        .filter(|&(k, t)| t.is_kw("EXCEPTION") && !(k > 0 && body[k - 1].is_kw("RAISE")))
        .count();
    let last = &nested[nested.len() - 1];
    let handler =
        handlers > 1 || (handlers == 1 && !handlers_doing(around(body, last).1, fails_block));
    if handler || !opens_after_declarations(body, nested[0]) {
        return 0;
    }
    // The statements that run, one right after the other, from the opening `BEGIN`.
    let mut run = 1;
    while run < nested.len() && straight_run(&nested[run - 1..=run], text, Dialect::Postgres) {
        run += 1;
    }
    run
}

/// The tokens of the body of DO statement `statement` of `source`, lexed once for every
/// question of this module; none when it has no body or does not lex.
fn body_tokens(statement: &Statement, source: &SourceFile) -> Vec<Tok> {
    let Some(body) = crate::sql::do_block::body_range(source, &statement.tokens) else {
        return Vec::new();
    };
    let lexed = crate::sql::lexer::lex(Dialect::Postgres, &source.text, body);
    if lexed.error.is_some() {
        return Vec::new();
    }
    lexed.tokens
}

/// Does every run of the body of the DO statement at bytes `top` of `source` that gets to
/// `first` get there from the opening `BEGIN` and nothing that may change anything: `first` is
/// right after that `BEGIN`, after a `DECLARE` section of plain declarations
/// ([`opens_after_declarations`]), or first in the branch of an `IF` right after either whose
/// condition calls nothing ([`calls_nothing`]: `IF EXISTS (SELECT 1 FROM pg_class WHERE
/// relname = 'u') THEN DROP TABLE t; …`)?
fn opens_body(source: &SourceFile, top: std::ops::Range<usize>, first: &Statement) -> bool {
    let lexed = crate::sql::lexer::lex(Dialect::Postgres, &source.text, top);
    let Some(body) = crate::sql::do_block::body_range(source, &lexed.tokens) else {
        return false;
    };
    let body = crate::sql::lexer::lex(Dialect::Postgres, &source.text, body);
    if lexed.error.is_some() || body.error.is_some() {
        return false;
    }
    let before = around(&body.tokens, first).0;
    if declarations_then_begin(before) {
        return true;
    }
    let Some((then, before)) = before.split_last() else {
        return false;
    };
    let Some(at) = before.iter().position(|t| t.is_kw("IF")) else {
        return false;
    };
    let condition = &before[at + 1..];
    then.is_kw("THEN")
        && declarations_then_begin(&before[..at])
        && !condition.is_empty()
        && calls_nothing(condition)
}

/// Are `condition`'s tokens (an `IF`'s, between `IF` and `THEN`) one expression that calls no
/// routine and runs no PL/pgSQL: an opening parenthesis only after `EXISTS`, `IN`, `ANY`, `ALL`,
/// `AND`, `OR`, `NOT` or a symbol, never after a name (`f(`, `current_setting(`), and no `;`?
/// Such a condition may be true or false; it changes nothing.
fn calls_nothing(condition: &[Tok]) -> bool {
    const OPENERS: &[&str] = &["EXISTS", "IN", "ANY", "ALL", "AND", "OR", "NOT"];
    !condition.iter().any(|t| {
        t.is(&Token::SemiColon)
            || ["IF", "THEN", "BEGIN", "LOOP", "END", "PERFORM", "EXECUTE"]
                .iter()
                .any(|w| t.is_kw(w))
    }) && condition.windows(2).all(|w| {
        !w[1].is(&Token::LParen)
            || !matches!(w[0].token, Token::Word(_))
            || OPENERS.iter().any(|o| w[0].is_kw(o))
    })
}

/// The tokens of `body` (a body's, [`body_tokens`]) before `statement`, and those after it.
fn around<'a>(body: &'a [Tok], statement: &Statement) -> (&'a [Tok], &'a [Tok]) {
    let before = body.partition_point(|t| t.range.start < statement.range.start);
    let after = body.partition_point(|t| t.range.start < statement.range.end);
    (&body[..before], &body[after.max(before)..])
}

/// The statements of the body of DO statement `statement` (tokens `body`) before its first
/// `EXCEPTION`: without those of its handlers (`EXCEPTION WHEN … THEN INSERT INTO log …`), which
/// run only when a statement before them failed. What the handlers do is for
/// [`only_null_handlers`] to judge.
fn before_handlers<'a>(statement: &'a Statement, body: &[Tok]) -> &'a [Statement] {
    // Not the `EXCEPTION` of a `RAISE EXCEPTION`.
    let handlers = body
        .windows(2)
        .find(|w| w[1].is_kw("EXCEPTION") && !w[0].is_kw("RAISE"))
        .map(|w| &w[1]);
    let Some(exception) = handlers else {
        return &statement.nested;
    };
    let main = statement
        .nested
        .partition_point(|s| s.range.start < exception.range.start);
    &statement.nested[..main]
}

/// Is `first` right after the opening `BEGIN` of a body whose tokens are `body`: no
/// `DECLARE`, label or inner block before it?
fn opens_with_begin(body: &[Tok], first: &Statement) -> bool {
    matches!(around(body, first).0, [begin] if begin.is_kw("BEGIN"))
}

/// The objects (key digests) a PostgreSQL DO block makes on every run that finds their name
/// free, though not on every run ([`always_made`]): its body is one creation, right after the
/// opening `BEGIN` (after a `DECLARE` section of plain declarations too:
/// [`opens_after_declarations`]), guarded by nothing but a handler of the error its retry raises, its own
/// "already exists" (`DO $$ BEGIN CREATE TABLE d3 (id int); EXCEPTION WHEN duplicate_table THEN
/// NULL; END $$`), or the one statement of an IF that checks the catalog for its names' absence
/// ([`checked_absent`]: `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename =
/// 'd3') THEN CREATE TABLE d3 (id int); END IF; END $$`). A run that finds the name taken fails
/// into the handler or skips the IF, one that finds it free makes it, as `CREATE TABLE IF NOT
/// EXISTS` does.
fn made_where_free(statement: &Statement, body: &[Tok]) -> Vec<u64> {
    let [make] = statement.nested.as_slice() else {
        return Vec::new();
    };
    if !matches!(make.shape.kind, crate::sql::ShapeKind::Create(_)) {
        return Vec::new();
    }
    let made: Vec<Step> = steps(make)
        .into_iter()
        .filter(|step| step.event == Event::Create && matches!(step.key, Key::Object(..)))
        .collect();
    let handled = make
        .context
        .do_block
        .is_some_and(|d| d.guarded && d.after_failure_of.is_none())
        && opens_after_declarations(body, make);
    if made.is_empty() || !(handled || checked_absent(body, make, &made)) {
        return Vec::new();
    }
    made.iter().map(|step| step.key.digest()).collect()
}

/// Is `make`, the only statement of a DO body (whose tokens are `body`), the whole branch of an
/// IF right after the opening `BEGIN`, the body's only statement, whose condition holds
/// whenever every object of `made` (its creations) is missing? The condition is `NOT EXISTS
/// (…)` of a catalog read comparing a name column with each name (`tablename = 'd3'`,
/// `typname = 'e2'`), with nothing but `AND` joining its tests (no `OR`, `NOT`, pattern or
/// inequality, which could find something else under another name), or `to_regclass('d3') IS
/// NULL` (any `to_reg…`). A run that finds them gone enters the branch and makes them.
fn checked_absent(body: &[Tok], make: &Statement, made: &[Step]) -> bool {
    use crate::sql::lexer::matching_paren;
    let (before, after) = around(body, make);
    // `BEGIN IF <condition> THEN`, then `[;] END IF; END [;]`; a `DECLARE` section of plain
    // declarations may come before the `BEGIN` ([`declarations_then_begin`]).
    let Some(at) = before.iter().position(|t| t.is_kw("IF")) else {
        return false;
    };
    let ([.., begin], [open, condition @ .., then]) = before.split_at(at) else {
        return false;
    };
    let semi = |t: &Tok| t.token == Token::SemiColon;
    let closed = match after {
        [first, rest @ ..] if semi(first) => rest,
        rest => rest,
    };
    let closes = matches!(closed, [end, fi, s, last] | [end, fi, s, last, _]
        if end.is_kw("END") && fi.is_kw("IF") && semi(s) && last.is_kw("END"))
        && closed.get(4).is_none_or(semi);
    let opens = begin.is_kw("BEGIN") && declarations_then_begin(&before[..at]);
    if !(opens && open.is_kw("IF") && then.is_kw("THEN") && closes) {
        return false;
    }
    let literal = |t: &Tok| match &t.token {
        Token::SingleQuotedString(s) => s.rsplit('.').next().map(str::to_lowercase),
        _ => None,
    };
    let names: Vec<&str> = made
        .iter()
        .filter_map(|step| match &step.key {
            Key::Object(_, name) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    // `to_regclass('d3') IS NULL`
    if let [f, l, name, r, is, null] = condition {
        let resolves = f
            .bare_word()
            .is_some_and(|w| w.to_ascii_lowercase().starts_with("to_reg"))
            && l.is(&Token::LParen)
            && r.is(&Token::RParen)
            && is.is_kw("IS")
            && null.is_kw("NULL");
        return resolves && names.iter().all(|n| literal(name).as_deref() == Some(*n));
    }
    let [not, exists, query @ ..] = condition else {
        return false;
    };
    let whole = query.first().is_some_and(|t| t.is(&Token::LParen))
        && matching_paren(query, 0) == Some(query.len() - 1);
    if !(not.is_kw("NOT") && exists.is_kw("EXISTS") && whole) {
        return false;
    }
    let catalog = query.iter().any(|t| {
        t.bare_word().is_some_and(|w| {
            let w = w.to_ascii_lowercase();
            w.starts_with("pg_") || w == "information_schema"
        })
    });
    let widens = query.iter().any(|t| {
        [
            "OR", "NOT", "LIKE", "ILIKE", "SIMILAR", "CASE", "ANY", "SOME",
        ]
        .iter()
        .any(|w| t.is_kw(w))
            || !matches!(
                t.token,
                Token::Word(_)
                    | Token::SingleQuotedString(_)
                    | Token::Number(..)
                    | Token::LParen
                    | Token::RParen
                    | Token::Comma
                    | Token::Period
                    | Token::Eq
                    | Token::Mul
                    | Token::DoubleColon
                    | Token::Whitespace(_)
            )
    });
    // `<name column> = 'name'` for each name.
    let compared = |name: &str| {
        query.windows(3).any(|w| {
            w[0].bare_word()
                .is_some_and(|c| c.to_ascii_lowercase().ends_with("name"))
                && w[1].is(&Token::Eq)
                && literal(&w[2]).as_deref() == Some(name)
        })
    };
    catalog && !widens && names.iter().all(|n| compared(n))
}

/// The rename of a table or a type onto a spelt name that is the only statement of a DO
/// block's body (`nested`), with the name it gives: under a handler
/// ([`alone_before_handler`]), a run that finds the old name renames it, or fails on the new
/// name an earlier run left, which a handler of it catches (the block fails otherwise: PF118
/// flags it). A run that gets past the block finds the new name either way, as after a
/// top-level rename, when the file makes the old name right before it
/// (`Sequence::renamed_into_holds`): `CREATE TABLE IF NOT EXISTS a …; DO $$ BEGIN ALTER TABLE
/// a RENAME TO b; EXCEPTION WHEN undefined_table THEN NULL; END $$; DROP TABLE b`.
fn handled_rename(nested: &[Statement]) -> Option<(Step, Arrival)> {
    let [rename] = nested else {
        return None;
    };
    only_rename(rename).filter(|(step, _)| {
        matches!(
            step.key,
            Key::Object(ObjectKind::Table | ObjectKind::Type, _)
        )
    })
}

/// The step and arrival of `statement` when it is one rename onto a spelt name, and nothing else.
fn only_rename(statement: &Statement) -> Option<(Step, Arrival)> {
    let (mut own, mut arrived) = (steps(statement), arrivals(statement));
    let ([step], [arrival]) = (own.as_slice(), arrived.as_slice()) else {
        return None;
    };
    let onto = step.to.as_ref() == Some(&arrival.key);
    (step.rename && onto).then(|| (own.remove(0), arrived.remove(0)))
}

/// Is the only statement of the body of DO statement `statement` right after the opening
/// `BEGIN` and right before the block's `EXCEPTION`: the block runs nothing else that could
/// fail into the handler and undo the rename, or skip it?
fn alone_before_handler(statement: &Statement, body: &[Tok]) -> bool {
    let [only] = before_handlers(statement, body) else {
        return false;
    };
    let rest = match around(body, only).1 {
        [semi, rest @ ..] if semi.token == Token::SemiColon => rest,
        rest => rest,
    };
    opens_after_declarations(body, only) && rest.first().is_some_and(|t| t.is_kw("EXCEPTION"))
}

/// Is `first` right after the opening `BEGIN` of a body whose tokens are `body`
/// ([`opens_with_begin`]), or after a `DECLARE` section right before it whose declarations call
/// nothing ([`plain_declaration`]): `DECLARE n int; s text := 'x'; BEGIN`? Such a section runs
/// the same on every run, before the block's handlers, and changes nothing.
fn opens_after_declarations(body: &[Tok], first: &Statement) -> bool {
    declarations_then_begin(around(body, first).0)
}

/// Are `before`, the tokens of a body before its first statement, its opening `BEGIN` alone, or
/// a `DECLARE` section of plain declarations and then `BEGIN` ([`opens_after_declarations`])?
fn declarations_then_begin(before: &[Tok]) -> bool {
    match before {
        [begin] => begin.is_kw("BEGIN"),
        [declare, section @ .., begin] if declare.is_kw("DECLARE") && begin.is_kw("BEGIN") => {
            let Some((semi, section)) = section.split_last() else {
                return true;
            };
            semi.is(&Token::SemiColon)
                && section
                    .split(|t| t.is(&Token::SemiColon))
                    .all(plain_declaration)
        }
        _ => false,
    }
}

/// The built-in types a declaration of [`plain_declaration`] may have, by the words that spell
/// them (`double precision`, `timestamp with time zone`, `character varying`).
const PLAIN_TYPE_WORDS: &[&str] = &[
    "int",
    "integer",
    "int2",
    "int4",
    "int8",
    "smallint",
    "bigint",
    "numeric",
    "decimal",
    "real",
    "double",
    "precision",
    "float",
    "float4",
    "float8",
    "text",
    "varchar",
    "char",
    "character",
    "varying",
    "boolean",
    "bool",
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "with",
    "without",
    "zone",
    "interval",
    "uuid",
    "json",
    "jsonb",
    "bytea",
    "record",
];

/// Is `ty` a built-in type of [`PLAIN_TYPE_WORDS`], with only numbers, parentheses, commas and
/// brackets beside its words (`varchar(10)`, `int[]`, `timestamp with time zone`)?
fn plain_type(ty: &[Tok]) -> bool {
    let plain_word = |t: &Tok| {
        t.bare_word()
            .is_some_and(|w| PLAIN_TYPE_WORDS.iter().any(|p| p.eq_ignore_ascii_case(w)))
    };
    ty.first().is_some_and(plain_word)
        && ty.iter().all(|t| {
            plain_word(t)
                || matches!(
                    t.token,
                    Token::LParen
                        | Token::RParen
                        | Token::Comma
                        | Token::Number(..)
                        | Token::LBracket
                        | Token::RBracket
                )
        })
}

/// Is `tokens` (without its `;`) a PL/pgSQL declaration that calls nothing and reads no object:
/// `name type [{:= | = | DEFAULT} literal]`, of a built-in type ([`PLAIN_TYPE_WORDS`], with a
/// length or precision and `[]`), the literal a number, a string, `TRUE`, `FALSE` or `NULL`?
/// Not a table's row type (`r t`, `x t.c%TYPE`), which names an object the file may rename.
fn plain_declaration(tokens: &[Tok]) -> bool {
    let Some((name, ty, value)) = crate::sql::dynamic::declaration(tokens) else {
        return false;
    };
    let type_ok = plain_type(ty);
    let literal = match value {
        None => true,
        Some([v]) => {
            matches!(v.token, Token::Number(..) | Token::SingleQuotedString(_))
                || ["TRUE", "FALSE", "NULL"].iter().any(|w| v.is_kw(w))
        }
        Some([minus, n]) => minus.is(&Token::Minus) && matches!(n.token, Token::Number(..)),
        Some(_) => false,
    };
    !PLAIN_TYPE_WORDS.contains(&name.as_str()) && type_ok && literal
}

/// Are `tokens`, what follows a DO body's only statement, handlers that do nothing
/// ([`only_null_handlers`]) of no condition but a missing relation or type
/// (`undefined_table`, `undefined_object`), what a rename raises once its old name is gone?
fn catches_only_missing(tokens: &[Tok], renamed: Option<&Statement>) -> bool {
    only_null_handlers(tokens, renamed)
        && catches_only(
            tokens,
            &["undefined_table", "undefined_object"],
            &["42P01", "42704"],
        )
}

/// Do the handlers of `tokens` catch nothing but the conditions `names`, or their SQLSTATE
/// `codes` (`WHEN SQLSTATE '42P01'`), joined by `OR`?
fn catches_only(tokens: &[Tok], names: &[&str], codes: &[&str]) -> bool {
    let mut in_conditions = false;
    tokens.iter().all(|t| {
        if t.is_kw("WHEN") {
            in_conditions = true;
        } else if t.is_kw("THEN") {
            in_conditions = false;
        } else if in_conditions {
            let code = |c: &str| codes.iter().any(|k| k.eq_ignore_ascii_case(c));
            return t.is_kw("OR")
                || names.iter().any(|n| t.is_kw(n))
                || t.is_kw("SQLSTATE")
                || matches!(&t.token, Token::SingleQuotedString(c) if code(c));
        }
        true
    })
}

/// The creation and the drop of a PostgreSQL DO block whose body is a `CREATE TABLE t`
/// alone before handlers of nothing but `duplicate_table` whose only statement is `DROP TABLE
/// t`, both of the same schema as written and without a guard of their own (`DO $$ BEGIN
/// CREATE TABLE b (id int); EXCEPTION WHEN duplicate_table THEN DROP TABLE b; END $$`). A run
/// that finds the name free makes the table, one that finds it taken goes into the handler,
/// which drops it (or fails, when what took a name is not `t`).
fn made_or_dropped(statement: &Statement, body: &[Tok]) -> Option<(Step, Step)> {
    let [make, _] = statement.nested.as_slice() else {
        return None;
    };
    let table = crate::sql::ShapeKind::Create(ObjectKind::Table);
    if make.shape.kind != table {
        return None;
    }
    let mut made: Vec<Step> = steps(make)
        .into_iter()
        .filter(|step| matches!(step.key, Key::Object(..)))
        .collect();
    let [m] = made.as_slice() else {
        return None;
    };
    if m.event != Event::Create || m.guarded {
        return None;
    }
    let dropped = handler_drop_of(statement, body, &m.key, &m.schema)?;
    Some((made.remove(0), dropped))
}

/// The rename and the drop of a PostgreSQL DO block whose body is a table's rename `ALTER
/// TABLE a RENAME TO b` alone before handlers of nothing but `duplicate_table` whose only
/// statement is `DROP TABLE b`, of the schema the rename writes (`DO $$ BEGIN ALTER TABLE a
/// RENAME TO b; EXCEPTION WHEN duplicate_table THEN DROP TABLE b; END $$`). A run that finds
/// `b` free renames `a` onto it; one that finds `b` taken goes into the handler, which drops
/// it and leaves `a`.
fn renamed_or_dropped(statement: &Statement, body: &[Tok]) -> Option<(Step, Step)> {
    let [rename, _] = statement.nested.as_slice() else {
        return None;
    };
    let (step, arrival) = only_rename(rename)?;
    if !matches!(step.key, Key::Object(ObjectKind::Table, _)) || step.guarded {
        return None;
    }
    let dropped = handler_drop_of(statement, body, &arrival.key, &step.schema)?;
    Some((step, dropped))
}

/// The drop of `made` (in `schema`, as written) by the handler of DO statement `statement`
/// (body tokens `body`) whose body's first statement, alone before it, makes it: handlers of
/// nothing but `duplicate_table` whose only statement is that `DROP TABLE`, without `IF
/// EXISTS`, the second of the body's statements ([`made_or_dropped`],
/// [`renamed_or_dropped`]).
fn handler_drop_of(
    statement: &Statement,
    body: &[Tok],
    made: &Key,
    schema: &Option<Box<str>>,
) -> Option<Step> {
    let [make, drop] = statement.nested.as_slice() else {
        return None;
    };
    if !alone_before_handler(statement, body) {
        return None;
    }
    let mut dropped = dropped_objects(drop);
    let [d] = dropped.as_slice() else {
        return None;
    };
    let same = d.key == *made && d.schema == *schema && !d.guarded;
    let handlers = around(body, make).1;
    let only_the_drop = handlers_doing(handlers, |s| {
        s.first().is_some_and(|t| t.range.start == drop.range.start)
    });
    (same && only_the_drop && catches_only(handlers, &["duplicate_table"], &["42P07"]))
        .then(|| dropped.remove(0))
}

/// The rename of a PostgreSQL DO block whose body is that rename alone (right after the opening
/// `BEGIN`, with no handler, or handlers that all do `NULL`), with the name it gives. Every run
/// of the block runs it, or fails on the old name gone or the new one taken, and changes
/// nothing else: a run that found the old name leaves the new one, whatever a handler catches.
fn sole_rename(statement: &Statement, body: &[Tok]) -> Option<(Step, Arrival)> {
    let [rename] = before_handlers(statement, body) else {
        return None;
    };
    let handlers = around(body, rename).1;
    if !opens_with_begin(body, rename) || !only_null_handlers(handlers, Some(rename)) {
        return None;
    }
    only_rename(rename)
}

/// Are `tokens`, what follows a DO body's only statement, its end with nothing but handlers
/// that do nothing: `[;] [EXCEPTION WHEN … THEN NULL; …] END [;]`, where a handler may also
/// `RAISE NOTICE` and the like ([`changes_nothing`]), fail the block ([`fails_block`]): then
/// the block fails as it would with no handler, and the DO statement's failure undoes the whole
/// block), or, beside the column rename `renamed`, add a column of another name
/// ([`adds_beside_rename`])?
fn only_null_handlers(tokens: &[crate::sql::Tok], renamed: Option<&Statement>) -> bool {
    handlers_doing(tokens, |s| {
        changes_nothing(s) || fails_block(s) || renamed.is_some_and(|r| adds_beside_rename(s, r))
    })
}

/// Are `tokens`, what follows a DO body's last statement, its end with nothing but handlers
/// each of whose statements `does` accepts: `[;] [EXCEPTION WHEN … THEN …; …] END [;]`?
fn handlers_doing(tokens: &[crate::sql::Tok], does: impl Fn(&[crate::sql::Tok]) -> bool) -> bool {
    use sqlparser::tokenizer::Token;
    let semi = |t: &crate::sql::Tok| t.is(&Token::SemiColon);
    let mut rest = tokens;
    if rest.first().is_some_and(semi) {
        rest = &rest[1..];
    }
    if rest.last().is_some_and(semi) {
        rest = &rest[..rest.len() - 1];
    }
    let Some((end, rest)) = rest.split_last() else {
        return false;
    };
    if !end.is_kw("END") {
        return false;
    }
    let Some((exception, mut rest)) = rest.split_first() else {
        return true;
    };
    if !exception.is_kw("EXCEPTION") || rest.is_empty() {
        return false;
    }
    // Each handler: `WHEN <conditions> THEN`, then statements that change nothing, each ended
    // by `;`, up to the next `WHEN` or the end.
    while let Some(then) = rest.iter().position(|t| t.is_kw("THEN")) {
        if !rest[0].is_kw("WHEN") {
            return false;
        }
        let mut after = &rest[then + 1..];
        let mut acts = 0;
        while let Some(end) = after.iter().position(semi) {
            if !does(&after[..end]) {
                return false;
            }
            acts += 1;
            after = &after[end + 1..];
            if after.first().is_none_or(|t| t.is_kw("WHEN")) {
                break;
            }
        }
        if acts == 0 {
            return false;
        }
        rest = after;
    }
    rest.is_empty()
}

/// Is `statement` (a handler's, without its `;`) `ALTER TABLE t ADD [COLUMN] IF NOT EXISTS c
/// <built-in type>` ([`plain_type`]: no default, constraint or reference), where `renamed`, the
/// block's column rename, is `ALTER TABLE t RENAME [COLUMN] old TO new` of the same `t`, spelt
/// the same, and `c` is not `old` (in any case)? The rename raised on `t`, so `t` is there; the
/// addition fails on nothing and takes nothing away, and does not make the old name again, so a
/// run past the block leaves what a handler of `NULL` does, and maybe one column more.
fn adds_beside_rename(statement: &[Tok], renamed: &Statement) -> bool {
    let word = |t: &Tok| match &t.token {
        Token::Word(w) => Some(crate::sql::fold_unquoted(&w.value)),
        _ => None,
    };
    let table_then = |tokens: &[Tok], action: &str| -> Option<usize> {
        let ([alter, table, ..], true) = (tokens, tokens.len() > 3) else {
            return None;
        };
        let at = tokens.iter().position(|t| t.is_kw(action))?;
        let name = &tokens[2..at];
        let plain = !name.is_empty()
            && name.iter().all(|t| {
                t.is(&Token::Period) || (word(t).is_some() && !t.is_kw("IF") && !t.is_kw("ONLY"))
            });
        (alter.is_kw("ALTER") && table.is_kw("TABLE") && plain).then_some(at)
    };
    let (Some(add), Some(rename)) = (
        table_then(statement, "ADD"),
        table_then(&renamed.tokens, "RENAME"),
    ) else {
        return false;
    };
    let same_table = statement[2..add].len() == renamed.tokens[2..rename].len()
        && statement[2..add]
            .iter()
            .zip(&renamed.tokens[2..rename])
            .all(|(a, b)| a.token == b.token);
    let skip_column = |tokens: &[Tok], at: usize| {
        at + usize::from(tokens.get(at).is_some_and(|t| t.is_kw("COLUMN")))
    };
    let old = renamed.tokens.get(skip_column(&renamed.tokens, rename + 1));
    let rest = &statement[skip_column(statement, add + 1)..];
    let [if_, not, exists, column, ty @ ..] = rest else {
        return false;
    };
    let guarded = if_.is_kw("IF") && not.is_kw("NOT") && exists.is_kw("EXISTS");
    let other = word(column).is_some() && word(column) != old.and_then(word);
    // A column cannot be a `record`.
    let column_type = plain_type(ty) && !ty.iter().any(|t| t.is_kw("record"));
    same_table && guarded && other && old.and_then(word).is_some() && column_type
}

/// Is `statement` (a handler's, without its `;`) one that changes no object and cannot fail on
/// a name: `NULL`; a `RAISE` of a level below `EXCEPTION` (`DEBUG`, `LOG`, `INFO`, `NOTICE`,
/// `WARNING`) whose arguments are string literals, `SQLERRM` and `SQLSTATE` (a `RAISE` without
/// a level raises an exception; an argument that calls something may change anything); a
/// `PERFORM` of such values (`PERFORM 1`); or an `INSERT INTO log [(cols)] VALUES (…)` of them,
/// which writes a row and no catalog (its duplicate rows or unique key on a retry are PF119's
/// finding, at the block).
fn changes_nothing(statement: &[crate::sql::Tok]) -> bool {
    let value = |t: &crate::sql::Tok| {
        matches!(
            t.token,
            Token::SingleQuotedString(_) | Token::Number(..) | Token::Comma
        ) || ["SQLERRM", "SQLSTATE", "NULL", "TRUE", "FALSE"]
            .iter()
            .any(|w| t.is_kw(w))
    };
    match statement {
        [null] => null.is_kw("NULL"),
        [perform, args @ ..] if perform.is_kw("PERFORM") => {
            !args.is_empty() && args.iter().all(value)
        }
        [insert, into, rest @ ..] if insert.is_kw("INSERT") && into.is_kw("INTO") => {
            logs_values(rest, value)
        }
        [raise, level, args @ ..] => {
            raise.is_kw("RAISE")
                && ["DEBUG", "LOG", "INFO", "NOTICE", "WARNING"]
                    .iter()
                    .any(|l| level.is_kw(l))
                && args.iter().all(raise_argument)
        }
        _ => false,
    }
}

/// Is `t` a token of a `RAISE`'s arguments that call nothing: a string literal, a comma,
/// `SQLERRM` or `SQLSTATE`?
fn raise_argument(t: &crate::sql::Tok) -> bool {
    matches!(t.token, Token::SingleQuotedString(_) | Token::Comma)
        || t.is_kw("SQLERRM")
        || t.is_kw("SQLSTATE")
}

/// Is `statement` (a handler's, without its `;`) a `RAISE` of an exception, whose arguments
/// call nothing: `RAISE`, `RAISE 'x'`, `RAISE EXCEPTION 'x: %', SQLERRM`? It fails the block
/// (a `RAISE` without a level raises an exception).
fn fails_block(statement: &[crate::sql::Tok]) -> bool {
    match statement {
        [raise] => raise.is_kw("RAISE"),
        [raise, level, args @ ..] if level.is_kw("EXCEPTION") => {
            raise.is_kw("RAISE") && !args.is_empty() && args.iter().all(raise_argument)
        }
        [raise, message, args @ ..] => {
            raise.is_kw("RAISE")
                && matches!(message.token, Token::SingleQuotedString(_))
                && args.iter().all(raise_argument)
        }
        _ => false,
    }
}

/// Are `tokens`, what follows `INSERT INTO`, a table's name, an optional column list and
/// `VALUES` with rows of nothing but what `value` accepts: `log (msg) VALUES ('skipped',
/// SQLERRM)`? No query, `DEFAULT`, call, `ON CONFLICT` or `RETURNING`.
fn logs_values(tokens: &[crate::sql::Tok], value: impl Fn(&crate::sql::Tok) -> bool) -> bool {
    let Some(values) = tokens.iter().position(|t| t.is_kw("VALUES")) else {
        return false;
    };
    let (target, rows) = (&tokens[..values], &tokens[values + 1..]);
    let name = target
        .iter()
        .take_while(|t| !t.is(&Token::LParen))
        .all(|t| t.is(&Token::Period) || matches!(t.token, Token::Word(_)));
    let columns = &target[target
        .iter()
        .position(|t| t.is(&Token::LParen))
        .unwrap_or(target.len())..];
    let columns_ok = match columns {
        [] => true,
        [open, inner @ .., close] => {
            open.is(&Token::LParen)
                && close.is(&Token::RParen)
                && inner
                    .iter()
                    .all(|t| t.is(&Token::Comma) || matches!(t.token, Token::Word(_)))
        }
        _ => false,
    };
    let mut depth = 0usize;
    let rows_ok = !rows.is_empty()
        && rows.iter().all(|t| match t.token {
            Token::LParen => {
                depth += 1;
                depth == 1
            }
            Token::RParen => {
                depth = depth.saturating_sub(1);
                true
            }
            Token::Comma => true,
            _ => depth == 1 && value(t),
        });
    !target.is_empty() && name && columns_ok && rows_ok && depth == 0
}

/// The table and column renames onto a spelt name that every run of a DO block that ends
/// well runs (of [`always_run`]'s statements), with the name each gives, when no other
/// statement of the body touches either name: the block then leaves the object under the new
/// name, as a top-level rename does (`ALTER TABLE t ADD COLUMN IF NOT EXISTS a int; DO $$ BEGIN
/// ALTER TABLE t RENAME COLUMN a TO b; END $$; ALTER TABLE t DROP COLUMN b` under a per-file
/// transaction).
fn always_renamed(nested: &[Statement], run: usize) -> Vec<(Step, Arrival)> {
    let mut out = Vec::new();
    for (at, s) in nested.iter().enumerate().take(run) {
        let (own, arrived) = (steps(s), arrivals(s));
        let ([rename], [arrival]) = (own.as_slice(), arrived.as_slice()) else {
            continue;
        };
        let (Key::Object(ObjectKind::Table, _) | Key::Column(..), Some(to)) =
            (&rename.key, &rename.to)
        else {
            continue;
        };
        let touches = |k: &Key| k == &rename.key || k == to;
        let others = nested
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != at)
            .any(|(_, o)| {
                steps(o).iter().any(|step| touches(&step.key))
                    || arrivals(o).iter().any(|a| touches(&a.key))
            });
        if rename.rename && arrival.key == *to && !others {
            let arrival = Arrival {
                key: arrival.key.clone(),
                old: arrival.old.clone(),
            };
            out.push((own.into_iter().next().expect("one step"), arrival));
        }
    }
    out
}

/// The objects `statement` drops (not renames away), when that is all it does.
fn dropped_objects(statement: &Statement) -> Vec<Step> {
    let own = steps(statement);
    let drops = own.iter().all(|step| {
        step.event == Event::Remove && !step.rename && matches!(step.key, Key::Object(..))
    });
    if drops && arrivals(statement).is_empty() {
        own
    } else {
        Vec::new()
    }
}

/// The objects a PostgreSQL DO block's body drops on every run of the block that ends well (by
/// a statement [`always_run`] runs), with no later statement of the body touching the name.
fn always_dropped(nested: &[Statement], run: usize) -> Vec<Step> {
    let mut out = Vec::new();
    for (at, s) in nested.iter().enumerate().take(run) {
        for step in dropped_objects(s) {
            let touched = nested[at + 1..].iter().any(|o| {
                steps(o).iter().any(|other| other.key == step.key)
                    || arrivals(o).iter().any(|a| a.key == step.key)
            });
            if !touched {
                out.push(step);
            }
        }
    }
    out
}

/// The creations of a PostgreSQL DO block's body that every run of the block that ends well
/// makes and leaves: of a statement [`always_run`] runs, not removed or renamed away by a later
/// step of the body.
fn always_made(nested: &[Statement], run: usize) -> Vec<Step> {
    if run == 0 {
        return Vec::new();
    }
    let all: Vec<Vec<Step>> = nested.iter().map(steps).collect();
    let mut kept = Vec::new();
    for (i, own) in all.iter().enumerate().take(run) {
        for (j, step) in own.iter().enumerate() {
            let later = own[j + 1..].iter().chain(all[i + 1..].iter().flatten());
            let removed_later = later
                .filter(|other| other.event == Event::Remove)
                .any(|other| other.key == step.key);
            kept.push(step.event == Event::Create && !removed_later);
        }
    }
    let mut kept = kept.into_iter();
    all.into_iter()
        .take(run)
        .flatten()
        .filter(|_| kept.next().unwrap_or(false))
        .collect()
}

/// Is `statement` a `DO` block (not a routine, whose body runs at a call)?
fn is_do_block(statement: &Statement) -> bool {
    statement.tokens.first().is_some_and(|t| t.is_kw("DO"))
}

#[cfg(test)]
mod tests {
    use super::{
        alone_before_handler, always_made, always_run, body_tokens, calls_nothing, sole_rename,
    };
    use crate::source::SourceFile;
    use crate::sql::{parse_source, Dialect};

    /// The names of what the DO block of `sql` always makes.
    fn made(sql: &str) -> Vec<String> {
        let file = parse_source(&SourceFile::new("m.sql", sql), Dialect::Postgres);
        let statement = &file.statements[0];
        let source = SourceFile::new("m.sql", sql);
        always_made(
            &statement.nested,
            always_run(statement, sql, &body_tokens(statement, &source)),
        )
        .iter()
        .map(|s| format!("{:?}", s.key))
        .collect()
    }

    /// How many objects the DO block of `sql` makes wherever they are gone.
    fn made_where_free(sql: &str) -> usize {
        let source = SourceFile::new("m.sql", sql);
        let file = parse_source(&source, Dialect::Postgres);
        let statement = &file.statements[0];
        super::made_where_free(statement, &body_tokens(statement, &source)).len()
    }

    #[test]
    fn a_creation_in_an_if_that_checks_its_absence_is_made_where_free() {
        for sql in [
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'd') THEN CREATE TABLE d (id int); END IF; END $$;",
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'D') THEN CREATE TABLE d (id int); END IF; END $$;",
            "DO $$ BEGIN IF to_regtype('public.m') IS NULL THEN CREATE TYPE m AS ENUM ('a'); END IF; END $$",
            "DO $$ BEGIN CREATE TABLE d (id int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            // After a DECLARE section of plain declarations.
            "DO $$ DECLARE n int := 0; BEGIN CREATE TABLE d (id int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "DO $$ DECLARE n int; BEGIN IF to_regtype('m') IS NULL THEN CREATE TYPE m AS ENUM ('a'); END IF; END $$",
        ] {
            assert_eq!(made_where_free(sql), 1, "{sql}");
        }
        for sql in [
            // Another name, an `OR`, a pattern, a negation: it may skip the creation.
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'e') THEN CREATE TABLE d (id int); END IF; END $$;",
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'd' OR tablename = 'e') THEN CREATE TABLE d (id int); END IF; END $$;",
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename LIKE 'd%') THEN CREATE TABLE d (id int); END IF; END $$;",
            "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'd') THEN CREATE TABLE d (id int); END IF; END $$;",
            // Not the IF right after `BEGIN`, or not alone in it, or with an `ELSE`.
            "DO $$ BEGIN PERFORM 1; IF to_regclass('d') IS NULL THEN CREATE TABLE d (id int); END IF; END $$;",
            "DO $$ BEGIN IF to_regclass('d') IS NULL THEN CREATE TABLE d (id int); ELSE NULL; END IF; END $$;",
            "DO $$ BEGIN IF to_regclass('d') IS NULL THEN CREATE TABLE d (id int); END IF; RAISE 'x'; END $$;",
            // A declaration that calls something.
            "DO $$ DECLARE n int := f(); BEGIN CREATE TABLE d (id int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "DO $$ DECLARE n int := f(); BEGIN IF to_regclass('d') IS NULL THEN CREATE TABLE d (id int); END IF; END $$;",
        ] {
            assert_eq!(made_where_free(sql), 0, "{sql}");
        }
    }

    /// Whether the DO block of `sql` makes a table where free and drops it where taken.
    fn made_or_dropped(sql: &str) -> bool {
        let source = SourceFile::new("m.sql", sql);
        let statement = &parse_source(&source, Dialect::Postgres).statements[0];
        super::made_or_dropped(statement, &body_tokens(statement, &source)).is_some()
    }

    #[test]
    fn a_handler_of_duplicate_table_that_drops_the_created_table_drops_it_where_taken() {
        for sql in [
            "DO $$ BEGIN CREATE TABLE b (id int); EXCEPTION WHEN duplicate_table THEN DROP TABLE b; END $$;",
            "DO $$ BEGIN CREATE TABLE s.b (id int); EXCEPTION WHEN SQLSTATE '42P07' THEN DROP TABLE s.b; END $$;",
            "DO $$ DECLARE n int; BEGIN CREATE TABLE b (id int); EXCEPTION WHEN duplicate_table THEN DROP TABLE b; END $$;",
        ] {
            assert!(made_or_dropped(sql), "{sql}");
        }
        for sql in [
            // Another table, another schema, a guard, another condition, more in the handler.
            "DO $$ BEGIN CREATE TABLE b (id int); EXCEPTION WHEN duplicate_table THEN DROP TABLE c; END $$;",
            "DO $$ BEGIN CREATE TABLE b (id int); EXCEPTION WHEN duplicate_table THEN DROP TABLE s.b; END $$;",
            "DO $$ BEGIN CREATE TABLE b (id int); EXCEPTION WHEN duplicate_table THEN DROP TABLE IF EXISTS b; END $$;",
            "DO $$ BEGIN CREATE TABLE b (id int); EXCEPTION WHEN others THEN DROP TABLE b; END $$;",
            "DO $$ BEGIN CREATE TABLE b (id int); EXCEPTION WHEN duplicate_table OR undefined_table THEN DROP TABLE b; END $$;",
            "DO $$ BEGIN CREATE TABLE b (id int); EXCEPTION WHEN duplicate_table THEN DROP TABLE b; CREATE TABLE c (id int); END $$;",
            // Something else before the handler may raise it.
            "DO $$ BEGIN CREATE TABLE a (id int); CREATE TABLE b (id int); EXCEPTION WHEN duplicate_table THEN DROP TABLE b; END $$;",
            "DO $$ BEGIN CREATE TABLE b (id int); DROP TABLE b; END $$;",
        ] {
            assert!(!made_or_dropped(sql), "{sql}");
        }
    }

    #[test]
    fn a_creation_in_the_straight_run_from_begin_is_always_made() {
        let sql = "DO $$ BEGIN CREATE TYPE m AS ENUM ('a'); CREATE TABLE t (id int); END $$;";
        assert_eq!(made(sql).len(), 2);
    }

    #[test]
    fn a_creation_behind_a_branch_a_handler_or_a_later_drop_is_not() {
        for sql in [
            "DO $$ BEGIN IF true THEN CREATE TYPE m AS ENUM ('a'); END IF; END $$;",
            "DO $$ BEGIN CREATE TYPE m AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
            "DO $$ DECLARE n int := f(); BEGIN CREATE TYPE m AS ENUM ('a'); END $$;",
            "DO $$ BEGIN BEGIN CREATE TYPE m AS ENUM ('a'); END; END $$;",
            "DO $$ BEGIN CREATE TYPE m AS ENUM ('a'); DROP TYPE m; END $$;",
            "DO $$ BEGIN CREATE TYPE m AS ENUM ('a'); ALTER TYPE m RENAME TO n; END $$;",
        ] {
            assert_eq!(made(sql), Vec::<String>::new(), "{sql}");
        }
        // A DECLARE section of plain declarations runs the same on every run, and changes
        // nothing.
        let sql = "DO $$ DECLARE n int := 0; s text; BEGIN CREATE TYPE m AS ENUM ('a'); END $$;";
        assert_eq!(made(sql).len(), 1);
        // Only what comes before the first branch.
        let sql = "DO $$ BEGIN CREATE TYPE m AS ENUM ('a'); IF true THEN CREATE TYPE n AS ENUM ('a'); END IF; END $$;";
        assert_eq!(made(sql).len(), 1);
    }

    /// Whether the DO block of `sql` is a rename alone, under handlers that do nothing.
    fn sole(sql: &str) -> bool {
        let source = SourceFile::new("m.sql", sql);
        let file = parse_source(&source, Dialect::Postgres);
        let statement = &file.statements[0];
        sole_rename(statement, &body_tokens(statement, &source)).is_some()
    }

    #[test]
    fn a_rename_alone_under_null_handlers_is_a_sole_rename() {
        for sql in [
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN NULL; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column OR duplicate_column THEN NULL; WHEN others THEN NULL; END $$;",
            // A handler that only reports changes nothing either.
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN RAISE NOTICE 'x'; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN RAISE WARNING 'x: %', SQLERRM; RAISE LOG 'y'; WHEN others THEN NULL; END $$;",
            // A RAISE without a level, or of an exception, fails the block, as no handler
            // would: the DO statement's failure undoes it all.
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN RAISE 'x'; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN RAISE EXCEPTION 'x: %', SQLERRM; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN RAISE; END $$;",
            // Nor does one that performs or logs literals: a row, no object.
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN RAISE NOTICE 'x'; PERFORM 1; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN INSERT INTO log (msg, n) VALUES ('x', 1), (SQLERRM, NULL); END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN INSERT INTO app.log VALUES (SQLSTATE); END $$;",
            // Nor one that adds, if missing, a column of another name than the old one to the
            // renamed table.
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN ALTER TABLE t ADD COLUMN IF NOT EXISTS y int; END $$;",
            "DO $$ BEGIN ALTER TABLE s.t RENAME x TO y; EXCEPTION WHEN others THEN ALTER TABLE s.t ADD IF NOT EXISTS z timestamp with time zone; END $$;",
        ] {
            assert!(sole(sql), "{sql}");
        }
        for sql in [
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; CREATE TABLE z (id int); END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN ALTER TABLE t ADD COLUMN y int; END $$;",
            // An argument may call anything.
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN RAISE EXCEPTION '%', f(); END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN RAISE NOTICE '%', f(); END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN PERFORM f(); END $$;",
            // An addition that makes the old name again, may fail, or acts on another table.
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN ALTER TABLE t ADD COLUMN IF NOT EXISTS x int; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN ALTER TABLE t ADD COLUMN IF NOT EXISTS X int; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN ALTER TABLE t ADD COLUMN IF NOT EXISTS z int NOT NULL; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN ALTER TABLE t ADD COLUMN IF NOT EXISTS z int DEFAULT f(); END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN ALTER TABLE t ADD COLUMN IF NOT EXISTS z record; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN ALTER TABLE u ADD COLUMN IF NOT EXISTS z int; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN ALTER TABLE t ADD COLUMN z int; END $$;",
            "DO $$ BEGIN ALTER TABLE IF EXISTS t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN ALTER TABLE IF EXISTS t ADD COLUMN IF NOT EXISTS z int; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN PERFORM; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN INSERT INTO log SELECT 'x'; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN INSERT INTO log VALUES (f()); END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN INSERT INTO log VALUES (1) RETURNING n; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN INSERT INTO log VALUES (1) ON CONFLICT DO NOTHING; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN INSERT INTO log VALUES ((1)); END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; RAISE EXCEPTION 'x'; EXCEPTION WHEN undefined_column THEN NULL; END $$;",
            "DO $$ BEGIN ALTER TABLE t RENAME COLUMN x TO y; EXCEPTION WHEN undefined_column THEN END $$;",
            "DO $$ BEGIN IF true THEN ALTER TABLE t RENAME COLUMN x TO y; END IF; END $$;",
            "DO $$ DECLARE n int; BEGIN ALTER TABLE t RENAME COLUMN x TO y; END $$;",
            "DO $$ BEGIN ALTER TABLE t ADD COLUMN y int; END $$;",
        ] {
            assert!(!sole(sql), "{sql}");
        }
    }

    /// Whether the only statement of the DO block of `sql` is alone before its handlers.
    fn alone(sql: &str) -> bool {
        let source = SourceFile::new("m.sql", sql);
        let file = parse_source(&source, Dialect::Postgres);
        let statement = &file.statements[0];
        alone_before_handler(statement, &body_tokens(statement, &source))
    }

    #[test]
    fn a_declare_section_that_calls_nothing_may_come_before_the_handled_statement() {
        let handled =
            "ALTER TABLE a RENAME TO b; EXCEPTION WHEN undefined_table THEN NULL; END $$;";
        for declare in [
            "BEGIN",
            "DECLARE BEGIN",
            "DECLARE n int; BEGIN",
            "DECLARE n int := 0; s varchar(10) DEFAULT 'x'; f boolean = true; BEGIN",
            "DECLARE n bigint := -1; t timestamp with time zone; a text[]; d double precision := NULL; BEGIN",
        ] {
            let sql = format!("DO $$ {declare} {handled}");
            assert!(alone(&sql), "{sql}");
        }
        for declare in [
            // A call, a read, a row type of a table, anything but a literal.
            "DECLARE n int := f(); BEGIN",
            "DECLARE n int := (SELECT count(*) FROM a); BEGIN",
            "DECLARE n int := 1 + 1; BEGIN",
            "DECLARE r a; BEGIN",
            "DECLARE r a%ROWTYPE; BEGIN",
            "DECLARE x a.id%TYPE; BEGIN",
            "DECLARE n int NOT NULL := 1; BEGIN",
            "DECLARE n CONSTANT int := 1; BEGIN",
            "DECLARE c CURSOR FOR SELECT 1; BEGIN",
            "DECLARE n int BEGIN",
            "<<l>> DECLARE n int; BEGIN",
        ] {
            let sql = format!("DO $$ {declare} {handled}");
            assert!(!alone(&sql), "{sql}");
        }
    }

    #[test]
    fn an_if_condition_calls_nothing_without_a_name_before_a_parenthesis() {
        let calls = |condition: &str| {
            let lexed = crate::sql::lexer::lex(Dialect::Postgres, condition, 0..condition.len());
            calls_nothing(&lexed.tokens)
        };
        for condition in [
            "EXISTS (SELECT 1 FROM pg_class WHERE relname = 'u')",
            "n > 0 AND NOT (n = 2)",
            "x IN (1, 2) OR y = ANY ('{1}')",
        ] {
            assert!(calls(condition), "{condition}");
        }
        for condition in [
            "current_setting('server_version_num')::int >= 100000",
            "f(1) > 0",
            "EXISTS (SELECT f() FROM t)",
            "true; DROP TABLE t",
        ] {
            assert!(!calls(condition), "{condition}");
        }
    }
}
