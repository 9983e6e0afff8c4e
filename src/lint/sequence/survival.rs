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
        // table on no retry that ran that removal: it proves no drop after it.
        let created = |r: &Removed| {
            r.creations_in
                .iter()
                .any(|(s, k)| same_schema(s, &schema) && !self.creation_fails_on_retry(*k as usize))
        };
        // The file's last top-level event on the object, when it is of this step's schema (as
        // written: the first pass does not follow the search_path).
        let file_leaves = |r: &Removed, event: Event| {
            r.last_top == Some(event) && same_schema(&r.last_top_schema, &step.schema)
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
                removed.is_some_and(|r| dropped_unblocked(r) || r.renamed_last_reruns)
                    || step.table.as_ref().is_some_and(|t| {
                        self.relation_removed_before(t, &schema) || self.cascaded_view_before(t)
                    })
                    || (tx && removed.is_some_and(|r| file_leaves(r, Event::Remove)))
            }
            // A rename also needs its new name free: its own proof.
            Event::Remove if step.rename => {
                self.rename_reruns(step) || self.rename_meets_both_names(step)
            }
            Event::Remove => removed.is_some_and(|r| {
                created(r)
                    || (tx && file_leaves(r, Event::Create))
                    || (tx && self.left_by_rename(step.key.digest(), Some(&step.schema)))
                    || self.renamed_into_holds(step.key.digest(), r)
            }),
        }
    }

    /// Does every run that reaches the current rename (`RENAME old TO new`) find `old` there
    /// and `new` free, in any apply model? It does when an earlier top-level statement creates
    /// `old` (a retry runs it, or, guarded, finds it made) and nothing removes `old` since, and
    /// the file's last event on `new` before the rename is a top-level drop (not a rename away,
    /// which a retry may skip) that nothing blocks, with nothing giving `new` back since: the
    /// table rebuild, `CREATE TABLE t_new …; INSERT …; DROP TABLE t; ALTER TABLE t_new RENAME
    /// TO t`.
    fn rename_meets_both_names(&self, step: &Step) -> bool {
        let Some(to) = &step.to else { return false };
        let Ok(i) = u32::try_from(self.current_index) else {
            return false;
        };
        let (old, new) = (step.key.digest(), to.digest());
        let schema = self.resolve(step);
        let all = |d: u64| {
            [&self.events, &self.conditional]
                .into_iter()
                .flat_map(move |log| log.of(d))
        };
        // Schemas compare as resolved, and must be the same (a drop of unqualified `t` under
        // an unknown search_path does not free `a.t`). `old` made by the last creation of its
        // schema before the rename, kept since.
        let Some(&(_, created)) = self
            .removed
            .get(&old)
            .and_then(|r| r.creations_in.iter().rev().find(|(s, _)| *s == schema))
        else {
            return false;
        };
        let old_kept = !self.creation_fails_on_retry(created as usize)
            && !all(old).any(|&(_, k, e)| created < k && k < i && e == Event::Remove);
        // `new` dropped last, by a drop of its schema that nothing blocks.
        let Some(r) = self.removed.get(&new) else {
            return false;
        };
        let Some(&(_, dropped, Event::Remove)) =
            self.events.of(new).iter().rev().find(|&&(_, k, _)| k < i)
        else {
            return false;
        };
        let dropped_unblocked = !self.renamed_away.contains(&(new, dropped))
            && r.drops_in
                .last()
                .is_some_and(|(s, unblocked)| *unblocked && *s == schema);
        let new_back = self
            .conditional
            .of(new)
            .iter()
            .any(|&(_, k, _)| dropped <= k && k < i)
            || self
                .arrivals
                .get(&new)
                .is_some_and(|list| list.iter().any(|&(k, _)| dropped <= k && k < i));
        old_kept && dropped_unblocked && !new_back
    }

    /// Does a retry that reaches the current statement find the object an earlier rename
    /// (`RENAME old TO new`, at `i`) gave this name (lemmy's `DROP TYPE x__` after `ALTER TYPE x
    /// RENAME TO x__; CREATE TYPE x …`)? It does when nothing touches `new` between the rename
    /// and the current statement, and the file creates `old` again after the rename, before
    /// the current statement, with nothing removing `old` after that creation, or creates
    /// `old` before the rename on every run (`ADD COLUMN c_new …; … RENAME COLUMN c_new TO c;
    /// DROP COLUMN c`): from any crash point, the retry meets either `old` not yet renamed
    /// (the rename runs), or `new` already there (the rename, guarded, is skipped, or
    /// unguarded fails itself), never both names missing.
    pub(super) fn renamed_into_holds(&self, new: u64, removed: &Removed) -> bool {
        let Some((i, old)) = removed.renamed_into else {
            return false;
        };
        let now = self.current_index;
        let all = |d: u64| {
            [&self.events, &self.conditional]
                .into_iter()
                .flat_map(move |log| log.of(d))
        };
        let new_touched_between = all(new).any(|&(_, k, _)| i < k && (k as usize) < now);
        if new_touched_between {
            return false;
        }
        // Or made before the rename on every run, by a top-level statement that is its last
        // event before the rename, with no DO block in between that may remove it (the column
        // rebuild's `ADD COLUMN c_new …; … RENAME COLUMN c_new TO c`): a run that reaches the
        // rename finds `old` there, so the rename runs, or finds `new` taken.
        let made_before = self
            .events
            .of(old)
            .iter()
            .rev()
            .find(|&&(_, c, _)| c < i)
            .is_some_and(|&(_, c, e)| {
                e == Event::Create
                    && !self.creation_fails_on_retry(c as usize)
                    && !self
                        .conditional
                        .of(old)
                        .iter()
                        .any(|&(_, k, e)| e == Event::Remove && c <= k && k < i)
            });
        if made_before {
            return true;
        }
        // Created again by a top-level statement: a DO block's creation may not happen.
        let Some(&(_, created, _)) = self
            .events
            .of(old)
            .iter()
            .rev()
            .find(|&&(_, c, e)| i < c && (c as usize) < now && e == Event::Create)
        else {
            return false;
        };
        !all(old).any(|&(_, k, e)| k > created && e == Event::Remove)
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
        ![&self.events, &self.conditional]
            .iter()
            .flat_map(|log| log.of(d))
            .any(|&(_, j, e)| j as usize > self.current_index && e == Event::Remove)
    }

    /// Does the current statement's rename of `step.key` to `step.to` run again on a re-run?
    /// Only under a per-file transaction, where a re-run starts from before the file (the
    /// first run again) or from the state the whole file left: there the old name must be
    /// back (the file creates it again, as lemmy's `RENAME TO x__; CREATE TYPE x …; DROP TYPE
    /// x__` does) and the new name gone (the file drops it). No statement before the rename
    /// may touch either name, so the state the file left is the one the rename meets.
    pub(super) fn rename_reruns(&self, step: &Step) -> bool {
        let Some(to) = &step.to else { return false };
        let i = self.current_index;
        let (old, new) = (step.key.digest(), to.digest());
        let untouched_before = |d: u64| {
            let event_before = [&self.events, &self.conditional]
                .iter()
                .flat_map(|log| log.of(d))
                .any(|&(_, j, _)| (j as usize) < i);
            let arrival_before = self
                .arrivals
                .get(&d)
                .is_some_and(|list| list.iter().any(|&(j, _)| (j as usize) < i));
            !event_before && !arrival_before
        };
        let old_back = self.removed.get(&old).is_some_and(|r| {
            r.last == Event::Create && r.last_top == Some(Event::Create) && r.last_at as usize > i
        });
        let new_gone = self.removed.get(&new).is_some_and(|r| {
            let arrives_after = self
                .arrivals
                .get(&new)
                .is_some_and(|list| list.iter().any(|&(j, _)| j > r.last_at));
            r.last == Event::Remove && r.last_at as usize > i && !arrives_after
        });
        self.transactional()
            && old_back
            && new_gone
            && untouched_before(old)
            && untouched_before(new)
    }
}
