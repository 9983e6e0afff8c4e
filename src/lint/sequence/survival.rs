//! The proofs that a step of the statement being checked survives a retry, from what the file
//! does before and after it.

use super::{same_schema, Event, Key, Removed, Sequence, Step};
use crate::sql::ObjectKind;

impl Sequence {
    /// Does the step of the current statement survive a retry?
    pub(super) fn survives(&self, step: &Step) -> bool {
        // An object no statement removes has no history that could prove it.
        let removed = self.removed.get(&step.key.digest());
        let tx = self.transactional();
        // Only a drop (creation) of the same schema proves a creation (drop).
        let schema = self.resolve(step);
        let dropped_unblocked = |r: &Removed| {
            r.drops_in
                .iter()
                .any(|(s, unblocked)| *unblocked && same_schema(s, &schema))
        };
        // A `CREATE TABLE … AS` whose query reads what a later statement removes makes its
        // table on no retry that ran that removal: it proves no drop after it. Nor does the
        // re-add of `DROP COLUMN c, ADD COLUMN c int`, which fails whole once `c` is gone.
        let created = |r: &Removed| {
            r.creations_in.iter().any(|(s, k)| {
                same_schema(s, &schema)
                    && !self.creation_fails_on_retry(*k as usize)
                    && !self.readded_after_unguarded_drop(*k, step.key.digest())
            })
        };
        // The file's last top-level event on the object, when it is of this step's schema (as
        // written: the first pass does not follow the search_path).
        // A proof: that schema must be the step's, under the search_path the file set
        // (`CREATE TABLE a.d …` is not left removed by an unqualified rename of `d` away).
        let file_leaves = |r: &Removed, event: Event| {
            r.last_top == Some(event) && self.resolve_written(&r.last_top_schema) == schema
        };
        match step.event {
            Event::Remove if self.is_blocked(self.current_index, step.key.digest()) => false,
            Event::Create
                if matches!(
                    step.key,
                    Key::Object(ObjectKind::View | ObjectKind::MaterializedView, _)
                ) && u32::try_from(self.current_index)
                    .is_ok_and(|i| self.cascaded.contains(&i)) =>
            {
                true
            }
            Event::Create => {
                removed.is_some_and(|r| dropped_unblocked(r) || r.renamed_last_reruns.is_some())
                    || step.table.as_ref().is_some_and(|t| {
                        self.relation_removed_before(t, &schema)
                            || self.cascaded_view_before(t)
                            || (tx && self.relation_left_removed(t, step))
                    })
                    || (tx && removed.is_some_and(|r| file_leaves(r, Event::Remove)))
                    || (tx && self.left_by_handled_rename(step, &schema))
            }
            // A rename also needs its new name free: its own proof.
            Event::Remove if step.rename => self.rename_meets_both_names(step),
            Event::Remove => {
                removed.is_some_and(|r| {
                    created(r)
                        || (tx && file_leaves(r, Event::Create))
                        || (tx && self.left_by_rename(step.key.digest(), Some(&step.schema)))
                        || self.renamed_into_holds(step.key.digest(), r, &schema)
                }) || self.made_with_column(step)
                    || self.made_where_free_before_drop(step)
            }
        }
    }

    /// Does every run that reaches the current rename (`RENAME old TO new`) find `old` there
    /// and `new` free? In any apply model when the statements before it make `old`
    /// ([`Self::old_made_before`]) and free `new` ([`Self::new_freed_before`]): the table
    /// rebuild, `CREATE TABLE t_new …; INSERT …; DROP TABLE t; ALTER TABLE t_new RENAME TO t`.
    /// Under a per-file transaction a re-run starts from before the file or from the state the
    /// whole file left, so a name no statement before the rename touches may also be proved by
    /// that state ([`Self::left_after`]): lemmy's `ALTER TYPE x RENAME TO x__; CREATE TYPE x …;
    /// … DROP TYPE x__`, the swap `ALTER TABLE t RENAME TO t_old; ALTER TABLE t_new RENAME TO t;
    /// DROP TABLE t_old`, and `CREATE TABLE a …; ALTER TABLE a RENAME TO b; DROP TABLE b`.
    /// A rename with its own `IF EXISTS` needs only `new` free.
    fn rename_meets_both_names(&self, step: &Step) -> bool {
        let Some(to) = &step.to else { return false };
        let Ok(i) = u32::try_from(self.current_index) else {
            return false;
        };
        if self.column_renamed_back(step, to, i) {
            return true;
        }
        let (old, new) = (step.key.digest(), to.digest());
        let schema = self.resolve(step);
        let tx = self.transactional();
        // A column's rename on a table made right before on every run: every run finds the
        // columns there the first run found.
        let column_there = |key: &Key, present: bool| match key {
            Key::Column(_, column) => self.column_there_on_every_run(step, column, present),
            _ => false,
        };
        let old_there = self.old_made_before(old, new, i, &schema)
            || self.old_renamed_into_before(old, i, &schema)
            || (tx && self.left_after(old, Event::Create, step))
            || column_there(&step.key, true);
        let new_free = self.new_freed_before(new, i, &schema)
            || (tx && self.left_after(new, Event::Remove, step))
            || (tx && self.freed_by_handled_rename(new, i, &schema))
            || column_there(to, false);
        // `IF EXISTS` skips the rename once `old` is gone: it fails only on `new` taken
        // (`CREATE TABLE IF NOT EXISTS t_new AS SELECT id AS n FROM t; DROP TABLE IF EXISTS t;
        // ALTER TABLE IF EXISTS t_new RENAME TO t`), and leaves `old` gone either way.
        (old_there || step.guarded) && new_free
    }

    /// Is the current rename, `RENAME COLUMN y TO x` at `i`, the rename back of the statement
    /// right before it, `RENAME COLUMN x TO y` on the same table, with no other event of the
    /// file on either column (no `ADD`, `DROP`, other rename or DO block) and no statement
    /// removing or renaming the table? Every run that reaches the first rename finds `x` and not
    /// `y` (the first run did, and only these two renames change them: a creation of the table
    /// makes `x` on a fresh table only), and renames it, or finds `y` and not `x` (a crash
    /// between the two) and fails; either way the rename back finds `y` and `x` free:
    /// `CREATE TABLE IF NOT EXISTS t (a int); ALTER TABLE t RENAME COLUMN a TO b; ALTER TABLE t
    /// RENAME COLUMN b TO a` fails on a retry at the first rename only. Not after an `ADD COLUMN
    /// IF NOT EXISTS a`, which makes `a` again beside `b` (`tests/lint_do_block_quiet_handlers_db.rs`).
    fn column_renamed_back(&self, step: &Step, to: &Key, i: u32) -> bool {
        let (Key::Column(table, y), Key::Column(to_table, x)) = (&step.key, to) else {
            return false;
        };
        if table != to_table || step.guarded || i == 0 {
            return false;
        }
        let renamed_only_at = |d: u64, at: u32| {
            let mut events = self.events_anywhere(d).peekable();
            events.peek().is_some() && events.all(|&(_, k, e)| k == at && e == Event::Remove)
        };
        let arrived_only_at = |d: u64, at: u32, from: &str| {
            self.arrivals.get(&d).is_some_and(|list| {
                !list.is_empty() && list.iter().all(|(k, old)| *k == at && &**old == from)
            })
        };
        let table_removed = [ObjectKind::Table, ObjectKind::Type].iter().any(|&kind| {
            self.removed
                .contains_key(&super::object_digest(kind, table))
        });
        let (yd, xd) = (step.key.digest(), to.digest());
        !table_removed
            && renamed_only_at(xd, i - 1)
            && renamed_only_at(yd, i)
            && arrived_only_at(yd, i - 1, x)
            && arrived_only_at(xd, i, y)
    }

    /// Is `old` made by the last top-level creation of the rename's schema (`schema`, resolved)
    /// before the rename at `i`, with nothing removing it since? Schemas compare as resolved,
    /// and must be the same. A `CREATE TABLE … AS` whose query reads `new` made it on every run
    /// that reaches the rename all the same when the rename, unguarded, gives `new` back after
    /// every other event on it, with all the query reads of it ([`Self::left_by_rename_with`]):
    /// its retry fails only while `new` is gone, between the drop and the rename, where the
    /// first run's `old` is still there (`CREATE TABLE t_new AS SELECT * FROM t; DROP TABLE t;
    /// ALTER TABLE t_new RENAME TO t`). `SELECT n AS m FROM t` fails on the renamed `t` too.
    fn old_made_before(&self, old: u64, new: u64, i: u32, schema: &super::Resolved) -> bool {
        let Some(&(_, created)) = self
            .removed
            .get(&old)
            .and_then(|r| r.creations_in.iter().rev().find(|(s, _)| s == schema))
        else {
            return false;
        };
        let removed_since = |d: u64, from: u32, to: u32| {
            self.events_anywhere(d)
                .any(|&(_, k, e)| from < k && k < to && e == Event::Remove)
        };
        let given_back = |key: &Key, read: &[String]| {
            let read: Vec<&str> = read.iter().map(String::as_str).collect();
            key.digest() == new && self.left_by_rename_with(new, &read)
        };
        !self.creation_fails_on_retry_but(created as usize, given_back)
            && !removed_since(old, created, i)
    }

    /// Is `old` given its name for the rename at `i` by the last top-level rename into it before
    /// (`RENAME x TO old`, at `j`), one proved to run on every run that reaches it, of the
    /// rename's schema (`schema`, resolved), with nothing touching `old` since, nor the name it
    /// had after `j`? Every run that reaches `i` then finds `old`: the swap of a table an
    /// earlier rename makes, `CREATE TABLE x …; ALTER TABLE x RENAME TO t_new; ALTER TABLE t
    /// RENAME TO t_old; ALTER TABLE t_new RENAME TO t; DROP TABLE t_old` under a per-file
    /// transaction. Or a DO block whose body is that rename alone under handlers that do
    /// nothing (`renamed_whole_body_onto`), of an `x` made right before it on every run
    /// (`made_right_before`): a run that gets past the block renamed `x`, or met an `old` that
    /// made the rename fail into a handler of the collision, and finds `old` either way
    /// (`CREATE TABLE a …; DO $$ BEGIN ALTER TABLE a RENAME TO b; EXCEPTION WHEN
    /// undefined_table OR duplicate_table THEN NULL; END $$; ALTER TABLE b RENAME TO a`).
    fn old_renamed_into_before(&self, old: u64, i: u32, schema: &super::Resolved) -> bool {
        let Some((j, source, into)) = self.removed.get(&old).and_then(|r| r.renamed_into.clone())
        else {
            return false;
        };
        // The last rename into `old` before the current statement, which may come after `i`.
        if j >= i {
            return false;
        }
        let whole_body = || {
            into == *schema
                && self
                    .renamed_whole_body_onto
                    .iter()
                    .any(|&(k, to, _, from)| k == j && to == old && from == source)
                && self.made_right_before(source, j, |_| true)
        };
        let proved = self
            .removed
            .get(&source)
            .is_some_and(|r| r.renamed_last_reruns.as_ref() == Some(schema))
            || whole_body();
        let touched = |key: u64| {
            self.events_anywhere(key).any(|&(_, k, _)| j < k && k < i)
                || self
                    .arrivals
                    .get(&key)
                    .is_some_and(|list| list.iter().any(|&(k, _)| j < k && k < i))
        };
        proved && !touched(old) && !touched(source)
    }

    /// Is `new` last removed before the rename at `i` by a top-level statement of the rename's
    /// schema (`schema`, resolved) with nothing giving it back since? A drop that nothing
    /// blocks, or a rename away proved to run on every run that reaches it (a retry may skip
    /// any other: it is not a drop), also one of a DO block that always runs it
    /// ([`Self::look_ahead_in`]: the swap `DO $$ BEGIN ALTER TABLE t RENAME TO t_old; END $$;
    /// ALTER TABLE t_new RENAME TO t; DROP TABLE t_old`).
    fn new_freed_before(&self, new: u64, i: u32, schema: &super::Resolved) -> bool {
        let Some(r) = self.removed.get(&new) else {
            return false;
        };
        let top = self
            .events
            .of(new)
            .iter()
            .rev()
            .find(|&&(_, k, _)| k < i)
            .map(|&(_, k, e)| (k, e));
        // The last DO block before `i` that always renames `new` away (a DO statement has no
        // top-level event of its own).
        let block = self
            .renamed_in_blocks
            .iter()
            .filter(|&&(k, old)| old == new && k < i)
            .map(|&(k, _)| k)
            .max();
        let (dropped, renamed, in_block) = match (top, block) {
            (Some((k, e)), b) if b.is_none_or(|b| b < k) => {
                if e != Event::Remove {
                    return false;
                }
                (k, self.renamed_away.contains(&(new, k)), false)
            }
            (_, Some(b)) => (b, true, true),
            _ => return false,
        };
        let freed = if renamed {
            r.renamed_last_reruns.as_ref() == Some(schema)
        } else {
            r.drops_in
                .last()
                .is_some_and(|(s, unblocked)| *unblocked && s == schema)
        };
        // The block's own events on `new` are its rename's: no other statement of its body
        // touches the name.
        let since = |k: u32| (dropped < k || (dropped == k && !in_block)) && k < i;
        let new_back = self.conditional.of(new).iter().any(|&(_, k, _)| since(k))
            || self
                .arrivals
                .get(&new)
                .is_some_and(|list| list.iter().any(|&(k, _)| since(k)));
        freed && !new_back
    }

    /// Under a per-file transaction, does a re-run reach the current statement with `key`
    /// as the whole file left it, `present` (created) or not (removed), because no statement
    /// before the current one touches it? Present: the file's last event on it is a top-level
    /// creation after the current statement, or an unguarded top-level rename of the written
    /// schema gives it the name after every other event ([`Self::left_by_rename`]). Removed:
    /// the file's last event on it is a removal after the current statement, of the schema
    /// `step` acts in, with nothing renamed into the name since, and nothing before the current
    /// statement but removals. `written`: the schema `step` writes.
    fn left_after(&self, key: u64, present: Event, step: &Step) -> bool {
        let written = &step.schema;
        let i = self.current_index;
        let Some(r) = self.removed.get(&key) else {
            return false;
        };
        // Kept removed, a removal before the current statement changes nothing: the re-run
        // finds the name free there all the same (the column swap that drops the swapped-in
        // column at the end: `RENAME COLUMN c TO c_old; RENAME COLUMN c_new TO c; DROP COLUMN
        // c`).
        let event_before = self
            .events_anywhere(key)
            .any(|&(_, j, e)| (j as usize) < i && (present == Event::Create || e == Event::Create));
        let arrivals = self.arrivals.get(&key);
        let arrival_before =
            arrivals.is_some_and(|list| list.iter().any(|&(j, _)| (j as usize) < i));
        let left = match present {
            Event::Create => {
                (r.last == Event::Create
                    && r.last_top == Some(Event::Create)
                    && r.last_at as usize > i)
                    || self.left_by_rename(key, Some(written))
            }
            // The removal must be of the step's schema: `DROP TABLE a.d_old` at the end of
            // the file leaves the `d_old` an unqualified `RENAME TO d_old` makes (unless the
            // search_path puts `a` first). The first pass keeps the schema a statement writes:
            // an unqualified removal counts for an unqualified step (the same search_path).
            Event::Remove => {
                let arrives_after =
                    arrivals.is_some_and(|list| list.iter().any(|&(j, _)| j > r.last_at));
                let same_schema = match &r.last_top_schema {
                    Some(s) => self.resolve(step).as_deref() == Some(&**s),
                    None => written.is_none(),
                };
                r.last == Event::Remove && r.last_at as usize > i && !arrives_after && same_schema
            }
        };
        left && !event_before && !arrival_before
    }

    /// Does a retry that reaches the current statement find the object an earlier rename
    /// (`RENAME old TO new`, at `i`) gave this name (lemmy's `DROP TYPE x__` after `ALTER TYPE x
    /// RENAME TO x__; CREATE TYPE x …`)? It does when nothing touches `new` between the rename
    /// and the current statement, and the file creates `old` again after the rename, before
    /// the current statement, with nothing removing `old` after that creation, or creates
    /// `old` before the rename on every run (`ADD COLUMN c_new …; … RENAME COLUMN c_new TO c;
    /// DROP COLUMN c`): from any crash point, the retry meets either `old` not yet renamed
    /// (the rename runs), or `new` already there (the rename, guarded, is skipped, or
    /// unguarded fails itself), never both names missing. The rename acted in `schema` (the
    /// current step's, resolved): its new name lives in the renamed object's schema, and a
    /// statement naming another (`ALTER TABLE d RENAME TO d_old; … DROP TABLE a.d_old`) acts
    /// on another object.
    pub(super) fn renamed_into_holds(
        &self,
        new: u64,
        removed: &Removed,
        schema: &super::Resolved,
    ) -> bool {
        removed
            .renamed_into
            .as_ref()
            .is_some_and(|(_, _, renamed_in)| renamed_in == schema)
            && self.renamed_into_holds_until(new, removed, self.current_index)
    }

    /// [`Self::renamed_into_holds`] for a statement that reads `new`, which statement `until`
    /// (after it) removes first: `old` made again after the rename, before `until`, also
    /// counts (`ALTER TABLE t RENAME TO t_old; INSERT … FROM t_old; CREATE TABLE t …; DROP
    /// TABLE t_old`). A retry from before `until` finds `new` as the first run left it; one
    /// from after it finds `old` there at the rename, which makes `new` again.
    pub(super) fn renamed_into_holds_until(
        &self,
        new: u64,
        removed: &Removed,
        until: usize,
    ) -> bool {
        let Some((i, old, ref renamed_in)) = removed.renamed_into else {
            return false;
        };
        let now = self.current_index;
        // Created again, or given the name again, after the rename ([`Self::remade_between`]).
        let remade = self.remade_between(old, i, until).map(|(c, _)| c);
        let new_touched_between = self
            .events_anywhere(new)
            .any(|&(_, k, _)| i < k && (k as usize) < now);
        if new_touched_between {
            return false;
        }
        // Or made right before the rename on every run: the file's last event on `old` before
        // it is a top-level creation that does not fail on a retry, with no DO block touching
        // `old` in between. The rename then finds `old` whatever state a retry starts from,
        // and either runs or fails because `new` is taken (`CREATE TABLE IF NOT EXISTS a …;
        // ALTER TABLE a RENAME TO b; DROP TABLE b`).
        // A top-level creation in the schema the rename acted in: `CREATE TABLE a.d …; DO $$
        // BEGIN ALTER TABLE IF EXISTS d RENAME TO d_old; END $$` makes no `d_old` of `a.d`.
        let made_in_schema = |c: u32| {
            self.removed.get(&old).is_none_or(|r| {
                r.creations_in
                    .iter()
                    .filter(|&&(_, k)| k == c)
                    .all(|(s, _)| s == renamed_in)
            })
        };
        // Or by a DO block that makes it wherever it is gone (`DO $$ BEGIN CREATE TABLE a …;
        // EXCEPTION WHEN duplicate_table THEN NULL; END $$`), or gives it the name on every run
        // that gets past it (`Self::old_renamed_into_before`: `CREATE TABLE c …; DO $$ BEGIN
        // ALTER TABLE c RENAME TO d; EXCEPTION WHEN undefined_table OR duplicate_table THEN
        // NULL; END $$; ALTER TABLE d RENAME TO e; DROP TABLE e`).
        let made_before = self.made_right_before(old, i, |c| {
            !self.creation_fails_on_retry(c as usize) && made_in_schema(c)
        }) || self.made_where_free_before(old, i)
            || self.old_renamed_into_before(old, i, renamed_in);
        let Some(created) = remade else {
            return made_before;
        };
        made_before
            || !self
                .events_anywhere(old)
                .any(|&(_, k, e)| k > created && e == Event::Remove)
    }

    /// The last statement after `from` and before `until` that gives `old` its name again: a
    /// top-level creation (a DO block's may not happen), or a rename that every run that gets
    /// past it ran ([`Self::renames_onto`]: the swap `RENAME t TO t_old; RENAME t_new TO t;
    /// DROP TABLE t_old`), with the table whose columns it has there (`old`'s own creation, or
    /// the rename's source).
    pub(super) fn remade_between(&self, old: u64, from: u32, until: usize) -> Option<(u32, u64)> {
        let between = |c: u32| from < c && (c as usize) < until;
        let creation = self
            .events
            .of(old)
            .iter()
            .rev()
            .find(|&&(_, c, e)| between(c) && e == Event::Create)
            .map(|&(_, c, _)| (c, old));
        let arrival = self
            .renames_onto()
            .filter(|&&(j, to, _, _)| to == old && between(j))
            .map(|&(j, _, _, source)| (j, source))
            .max();
        creation.max(arrival)
    }

    /// Is the table or type the current step drops made, in the schema it writes, by a DO
    /// block that makes it wherever it is gone, as the file's last event on it before the drop
    /// ([`Self::made_where_free_table`])? Every retry that reaches the drop ran the block, which
    /// made the object or found it there: `DO $$ BEGIN CREATE TABLE t (x int); EXCEPTION WHEN
    /// duplicate_table THEN NULL; END $$; … DROP TABLE t`, `DO $$ BEGIN CREATE TYPE m AS ENUM
    /// ('a'); EXCEPTION WHEN duplicate_object THEN NULL; END $$; DROP TYPE m`.
    fn made_where_free_before_drop(&self, step: &Step) -> bool {
        matches!(
            step.key,
            Key::Object(ObjectKind::Table | ObjectKind::Type, _)
        ) && u32::try_from(self.current_index).is_ok_and(|i| {
            self.made_where_free_table(step.key.digest(), i, step.schema.as_deref())
                .is_some()
        })
    }

    /// A step of one `ALTER TABLE` that drops and adds the same object (`DROP CONSTRAINT c,
    /// ADD CONSTRAINT c …`): the statement is atomic, so the add always follows its own drop.
    /// The add survives when the drop does not fail first: it has `IF EXISTS`, or a retry
    /// always finds the object ([`pair_drop_finds`](Self::pair_drop_finds)); the drop survives
    /// in the second case.
    pub(super) fn survives_in_pair(&self, list: &[Step], at: usize) -> bool {
        let step = &list[at];
        if step.rename {
            return false;
        }
        let same = |other: &Step| other.key == step.key && !other.rename;
        match step.event {
            Event::Create => list[..at].iter().any(|drop| {
                same(drop)
                    && drop.event == Event::Remove
                    && (drop.guarded || self.pair_drop_finds(&step.key))
            }),
            Event::Remove => {
                list[at + 1..]
                    .iter()
                    .any(|add| same(add) && add.event == Event::Create)
                    && self.pair_drop_finds(&step.key)
            }
        }
    }

    /// Does a retry that reaches the current statement, which drops and re-adds `key`, find
    /// the object its own earlier run added? Any run got past the statement whole or not at
    /// all; what can take the object away since is a later statement: under a per-file
    /// transaction, one that leaves it removed at the end of the file; otherwise any later
    /// removal (a crash point after it).
    pub(super) fn pair_drop_finds(&self, key: &Key) -> bool {
        let d = key.digest();
        let Some(removed) = self.removed.get(&d) else {
            return false;
        };
        if self.transactional() {
            return removed.last == Event::Create && removed.last_top == Some(Event::Create);
        }
        !self
            .events_anywhere(d)
            .any(|&(_, j, e)| j as usize > self.current_index && e == Event::Remove)
    }
}
