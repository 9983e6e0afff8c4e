//! What the rules ask of the file around a statement: what the statements before it did to an
//! object, and what later statements remove, re-create or build over it.

use super::steps::{arrivals, drops_with_cascade, schema, steps};
use super::{
    column_digest, in_schema, object_digest, Blocker, Event, EventLog, ForeignKeyChecks, Key,
    LastEvent, Sequence, Stamped, Step,
};
use crate::lint::digest::digest;
use crate::sql::{Name, ObjectKind};

impl Sequence {
    /// The view a later statement creates over what statement `i` drops, which makes the drop
    /// fail on a retry.
    pub fn blocked_drop(&self, i: usize) -> Option<&str> {
        self.blockers(i).next().map(|b| b.dependent.as_str())
    }

    /// What later statements create that still depends on what statement `i` drops when a
    /// retry runs it: a foreign key only while `foreign_key_checks` is on and no statement
    /// before ran code preflight does not read (as far as the statements before the current
    /// one tell; asked of the current statement).
    pub fn blockers(&self, i: usize) -> impl Iterator<Item = &Blocker> {
        let keys_block = self.foreign_key_checks == ForeignKeyChecks::On && !self.opaque_before;
        self.blocked
            .get(&i)
            .into_iter()
            .flatten()
            .filter(move |b| keys_block || !b.foreign_key)
            .filter(|b| b.via.is_none_or(|j| self.failed_drops.contains(&j)))
    }

    /// Does a dependent block statement `i`'s drop of `name` (a table, view or materialized
    /// view)?
    pub fn blocks_drop_of(&self, i: usize, kind: ObjectKind, name: &str) -> bool {
        self.is_blocked(i, object_digest(kind, name))
    }

    /// Does a later foreign key block statement `i`'s drop of key `name` on `table` (PF125)?
    pub fn blocks_key_drop(&self, i: usize, table: &str, name: &str) -> bool {
        self.is_blocked(
            i,
            Key::Constraint(table.to_string(), name.to_string()).digest(),
        )
    }

    /// Was `key` last removed, before the current statement, only by drops that a dependent
    /// blocks on a retry (PF125)? A retry then finds it still there.
    pub fn drop_blocked_before(&self, key: &Key) -> bool {
        self.removed.get(&key.digest()).is_some_and(|r| {
            r.removed_before && !r.removed_unblocked && r.last_before == Some(Event::Remove)
        })
    }

    pub(super) fn is_blocked(&self, i: usize, key: u64) -> bool {
        self.blockers(i).any(|b| b.key == key)
    }

    /// What the file's statements before the current one last did to `key`: `Some(true)`
    /// created it, `Some(false)` removed it, `None` never touched it.
    pub fn state_before(&self, key: &Key) -> Option<bool> {
        self.last_event
            .get(&key.digest())
            .map(|e| e.any.0 == Event::Create)
    }

    /// [`Self::state_before`], following renames: a name an earlier statement gave to what the
    /// file created counts as created (`CREATE TABLE a; RENAME a TO b`: a re-run of the whole
    /// file brings `b` back before a later `RENAME b TO c`), in any schema.
    pub fn state_before_through_renames(&self, key: &Key) -> Option<bool> {
        self.state_in(key.digest(), None)
    }

    /// [`Self::state_before`] of `key` in the schema a name writes (`written`: the schema part
    /// of the object's name, or for what lives on a table, of the table's; `None` when
    /// unqualified): an event on a same-named object of another schema does not count. An
    /// unqualified name is in the first schema of the search_path the file set; without one,
    /// its schema is not known and may be any (as the drop proofs take it).
    pub fn state_before_in(&self, key: &Key, written: Option<&str>) -> Option<bool> {
        self.state_in(key.digest(), self.schema_of(written))
    }

    /// The schema a name that writes `written` (`None`: unqualified) denotes before the current
    /// statement: that one, else the first of the search_path the file set (`None`: not known).
    pub fn schema_of<'a>(&'a self, written: Option<&'a str>) -> Option<&'a str> {
        written.or_else(|| self.search_path.home())
    }

    /// [`Self::state_before_in`] by digest, of a schema already resolved ([`super::Resolved`]).
    /// A rename carries the state to the new name: a table the file created is new under the
    /// name it is renamed to, a live table renamed to a name the file created is not.
    pub(super) fn state_in(&self, key: u64, schema: Option<&str>) -> Option<bool> {
        let found = last_in(&self.last_event, &self.last_event_in, key, schema);
        let arrived = if self.arrived.is_empty() {
            None
        } else {
            last_in(&self.arrived, &self.arrived_in, key, schema)
        };
        let (event, _) = found.into_iter().chain(arrived).max_by_key(|&(_, at)| at)?;
        Some(event == Event::Create)
    }

    /// Did the file's statements before the current one last rename `key` away (`RENAME
    /// COLUMN a TO b` before `ADD COLUMN a`)?
    pub fn renamed_away_before(&self, key: &Key) -> bool {
        self.removed
            .get(&key.digest())
            .is_some_and(|r| r.renamed_last)
    }

    /// Can column `table.column` have another type on a retry of statement `i` than the file
    /// left it with when `i` ran? When a later statement (with `same`, statement `i` itself
    /// too: a DO block's statements share its index) changes its type, or creates, drops or
    /// renames it or its table, top level or in a DO block; or when a DO block after it, or a
    /// routine anywhere, may change a type in SQL the first pass does not read (`EXECUTE '…'`,
    /// a routine body). Needs the first pass, which builds every `ALTER … TYPE` of a file with
    /// `USING` in it.
    pub fn column_changes_after(&self, i: usize, same: bool, table: &str, column: &str) -> bool {
        let after = |j: u32| j as usize > i || (same && j as usize == i);
        let column_key = column_digest(table, column);
        let table_key = object_digest(ObjectKind::Table, table);
        self.opaque_retypes
            .iter()
            .any(|&(j, routine)| routine || after(j))
            || self
                .retyped
                .iter()
                .any(|&(j, c)| c == column_key && after(j))
            || [column_key, table_key].iter().any(|&key| {
                self.events
                    .of(key)
                    .iter()
                    .chain(self.conditional.of(key))
                    .any(|&(_, j, _)| after(j))
            })
    }

    /// Does a statement of the file drop, rename or create type (or domain) `name`? A column
    /// of it can then have another type of that name on a retry (lemmy renames an enum away
    /// and creates it again).
    pub fn type_replaced(&self, name: &str) -> bool {
        [ObjectKind::Type, ObjectKind::Domain].iter().any(|&kind| {
            let key = object_digest(kind, name);
            !self.events.of(key).is_empty() || !self.conditional.of(key).is_empty()
        })
    }

    /// A view or materialized view a statement after `i` creates whose words include both.
    pub fn later_view_using(&self, i: usize, table: &str, column: &str) -> Option<String> {
        let (t, c) = (digest(table), digest(column));
        self.views
            .iter()
            .find(|(k, _, _, words)| *k as usize > i && words.contains(&t) && words.contains(&c))
            .map(|(_, _, text, _)| text.clone())
    }

    /// Does a statement after `i` give `table` a primary key on an AUTO_INCREMENT column?
    pub fn auto_increment_key_follows(&self, i: usize, table: &Name) -> bool {
        let own = schema(table);
        self.auto_increment_keys
            .get(&object_digest(ObjectKind::Table, table.base()))
            .is_some_and(|list| {
                list.iter().any(|(s, k)| {
                    let same = match (s, &own) {
                        (Some(a), Some(b)) => a == b,
                        _ => true,
                    };
                    same && *k as usize > i
                })
            })
    }

    /// On a first run of the file, is `key` there when statement `i` runs and still there
    /// until statement `j` removes it, and gone for good after that, or given back only by
    /// the rename that ends a table rebuild with everything statement `i` (whose words are
    /// `words`) reads of it (`back_only_by_rebuild`)?
    pub fn present_until(&self, key: &Key, i: usize, j: usize, words: &[&str]) -> bool {
        let d = key.digest();
        let events = self.events.of(d);
        let before_ok = events
            .iter()
            .rev()
            .find(|&&(_, k, _)| (k as usize) < i)
            .is_none_or(|&(_, _, e)| e == Event::Create);
        let no_create_between = !events
            .iter()
            .any(|&(_, k, e)| i <= k as usize && (k as usize) < j && e == Event::Create);
        let no_conditional = !self
            .conditional
            .of(d)
            .iter()
            .any(|&(_, k, _)| k as usize <= j);
        before_ok
            && no_create_between
            && no_conditional
            && (!self.returns_after(key, j) || self.back_only_by_rebuild(key, j, words))
    }

    /// Does table `key`, which statement `j` removes, come back after it only by the rename
    /// that ends a table rebuild (`CREATE TABLE t_new …; INSERT INTO t_new SELECT … FROM t;
    /// DROP TABLE t; ALTER TABLE t_new RENAME TO t`), with everything a statement whose words
    /// are `words` reads of it ([`Self::left_by_rename_with`])? Nothing creates it after `j`,
    /// and nothing gives another table its name before the file's last other event on it: from
    /// `j` to that rename, a run finds it gone. A check that it exists then skips the read on
    /// a retry after a crash in between, and a re-run of the whole file reads the new table,
    /// which has what the read uses.
    fn back_only_by_rebuild(&self, key: &Key, j: usize, words: &[&str]) -> bool {
        let Key::Object(ObjectKind::Table, _) = key else {
            return false;
        };
        let d = key.digest();
        let Some(removed) = self.removed.get(&d) else {
            return false;
        };
        let created = self
            .events_anywhere(d)
            .any(|&(_, k, e)| k as usize > j && e == Event::Create);
        let arrives_before_last = self.arrivals.get(&d).is_some_and(|list| {
            list.iter()
                .any(|&(k, _)| k as usize > j && k <= removed.last_at)
        });
        !created && !arrives_before_last && self.left_by_rename_with(d, words)
    }

    /// The statement that creates `key` again after a later statement of `i`'s file removed
    /// it, when that creation is the key's last event; with the columns it creates when it is
    /// a CREATE TABLE. `written`: the schema the name statement `i` reads a table by writes
    /// (`None`: unqualified); of a table, the removal and the creation must be of one that may
    /// be that (`may_act_on`).
    pub fn recreated_after(
        &self,
        key: &Key,
        i: usize,
        written: Option<&str>,
    ) -> Option<(usize, Vec<String>)> {
        let d = key.digest();
        let events = self.events.of(d);
        let &(_, k, last) = events.last()?;
        let acts_on = |j: u32, e: Event| self.may_act_on(key, i, j, e, written);
        if last != Event::Create || !acts_on(k, last) {
            return None;
        }
        events
            .iter()
            .find(|&&(_, j, e)| j as usize > i && j < k && e == Event::Remove && acts_on(j, e))?;
        let Some((at, created)) = self.table_columns.get(&d).filter(|(at, _)| *at == k) else {
            return Some((k as usize, Vec::new()));
        };
        // Under a per-file transaction a re-run finds the table as the file leaves it: with
        // the columns an `ADD COLUMN` or `RENAME COLUMN` after the creation gives, without
        // those a `DROP COLUMN` or `RENAME COLUMN` takes. Statement by statement a crash
        // right after the creation, or after any of those, leaves it so.
        let columns = self.columns_after(d, created.clone(), *at, u32::MAX, !self.transactional());
        Some((k as usize, columns))
    }

    /// The rename that gives table `key` its name back after a later statement than `i`
    /// removed it, as the table rebuild's does (`CREATE TABLE t_new (…); INSERT INTO t_new
    /// SELECT … FROM t; DROP TABLE t; ALTER TABLE t_new RENAME TO t`), when that rename is the
    /// file's last event on the name, with the columns of the `CREATE TABLE` that makes its
    /// source right before it (`made_right_before`): a re-run of the whole file reads
    /// that table under the name, as after a re-creation ([`Self::recreated_after`]). The
    /// removal and the rename must be of a table that may be the one statement `i` reads under
    /// schema `written` (`may_act_on`).
    pub fn rebuilt_after(
        &self,
        key: &Key,
        i: usize,
        written: Option<&str>,
    ) -> Option<(usize, Vec<String>)> {
        let Key::Object(ObjectKind::Table, base) = key else {
            return None;
        };
        let d = key.digest();
        let removed = self.removed.get(&d)?;
        let (j, _, schema, old) = self
            .renames_onto()
            .filter(|entry| entry.1 == d)
            .max_by_key(|entry| entry.0)?;
        // After every other event on the name, and every other rename onto it.
        let arrives_again = self
            .arrivals
            .get(&d)
            .is_some_and(|list| list.iter().any(|&(k, _)| k > *j));
        if *j <= removed.last_at
            || arrives_again
            || !self.in_read_schema(base, i, *j, schema.as_deref(), written)
        {
            return None;
        }
        self.events.of(d).iter().find(|&&(_, r, e)| {
            r as usize > i && r < *j && e == Event::Remove && self.may_act_on(key, i, r, e, written)
        })?;
        // What the file does to the source's columns before the rename is done on a re-run
        // too; what it does to the table after it, only under a per-file transaction: a
        // crash between the rename and an `ADD COLUMN` leaves the table without the column,
        // one right after a `DROP COLUMN` without the dropped one.
        let (_, at_rename) = self.columns_made_right_before_at(*old, *j)?;
        let columns = self.columns_after(d, at_rename, *j, u32::MAX, !self.transactional());
        Some((*j as usize, columns))
    }

    /// The columns table `table` (digest) has after the statements after `from` and before
    /// `to` changed its `columns` ([`Self::column_changes`]: `ADD COLUMN` gives one, `DROP
    /// COLUMN` takes one, `RENAME COLUMN` both). `every_state`: only those it has right after
    /// each of those statements too, as a crash after any of them leaves it: none a change
    /// gives, none a change takes even if a later one gives it back.
    fn columns_after(
        &self,
        table: u64,
        mut columns: Vec<String>,
        from: u32,
        to: u32,
        every_state: bool,
    ) -> Vec<String> {
        let list = self.column_changes.get(&table).into_iter().flatten();
        for (_, taken, given) in list.filter(|(k, _, _)| from < *k && *k < to) {
            if let Some(taken) = taken {
                columns.retain(|c| c != taken);
            }
            match given {
                Some(given) if !every_state && !columns.contains(given) => {
                    columns.push(given.clone());
                }
                _ => {}
            }
        }
        columns
    }

    /// May the top-level `event` of statement `j` on table `key` act on the table a name of
    /// statement `i` (the current one) that writes schema `written` (`None`: unqualified)
    /// denotes? A name without a schema is in the first of the search_path in force at its
    /// statement: the file's before the current statement, and for `j`, the one the last
    /// search_path change from `i` on set (`SELECT c FROM t; SET search_path TO a; DROP TABLE
    /// t` drops `a.t`); where the first pass cannot tell it, the name may be any table. Under
    /// the connection's own, `public.t` and `t` may be the same table, `a.t` and `t` not
    /// ([`crate::sql::do_block::RowTable::may_be`]). A column: as its table. Any other key: yes.
    fn may_act_on(&self, key: &Key, i: usize, j: u32, event: Event, written: Option<&str>) -> bool {
        // A column: of its table.
        let (Key::Object(ObjectKind::Table, base) | Key::Column(base, _)) = key else {
            return true;
        };
        self.table_schemas.get(&key.digest()).is_some_and(|steps| {
            steps
                .iter()
                .filter(|&&(at, e, _)| at == j && e == event)
                .any(|(_, _, schema)| self.in_read_schema(base, i, j, schema.as_deref(), written))
        })
    }

    /// May a top-level step of statement `j` on table `base` that writes schema `schema`
    /// (`None`: unqualified) act on the table a name of statement `i` that writes `written`
    /// denotes ([`Self::may_act_on`])?
    fn in_read_schema(
        &self,
        base: &str,
        i: usize,
        j: u32,
        schema: Option<&str>,
        written: Option<&str>,
    ) -> bool {
        use crate::sql::do_block::RowTable;
        let home = self.search_path.home();
        let read = RowTable {
            schema: written.map(str::to_string),
            base: base.to_string(),
        }
        .resolved(home);
        let postgres = self.dialect == crate::sql::Dialect::Postgres;
        // The search_path of statement `j`: the current one's, unless a statement from `i` on
        // changed it (`None`: not known).
        let path_at_j = match self.path_changes.iter().rev().find(|&&(at, _)| at < j) {
            Some((at, after)) if *at as usize >= i => after.as_ref().map(|home| home.as_deref()),
            _ => Some(home),
        };
        match (schema, path_at_j) {
            (None, None) => true,
            (schema, home_j) => RowTable {
                schema: schema.map(str::to_string),
                base: base.to_string(),
            }
            .resolved(home_j.flatten())
            .may_be(&read, postgres),
        }
    }

    /// May a statement after `i` (the current one) that removes table `key` remove the table a
    /// name of statement `i` that writes schema `written` (`None`: unqualified) denotes? A
    /// top-level one where `may_act_on` says so, one in a DO block always (its names
    /// are not followed). A column: as its table, when a top-level statement after `i` drops it
    /// by that name (one a cascade takes, under a name a rename gave its table, may be it). Any
    /// other key: yes.
    pub fn removal_after_may_act_on(&self, key: &Key, i: usize, written: Option<&str>) -> bool {
        let column = matches!(key, Key::Column(..));
        if !(column || matches!(key, Key::Object(ObjectKind::Table, _))) {
            return true;
        }
        let d = key.digest();
        let after = |&&(_, j, e): &&(u64, u32, Event)| j as usize > i && e == Event::Remove;
        let mut top = self.events.of(d).iter().filter(after).peekable();
        self.conditional.of(d).iter().any(|e| after(&e))
            || (column && top.peek().is_none())
            || top.any(|&(_, j, e)| self.may_act_on(key, i, j, e, written))
    }

    /// Does a statement after `i` bring `key` back, by creating it or renaming something to it?
    pub fn returns_after(&self, key: &Key, i: usize) -> bool {
        self.returns_where(key, |j| j > i)
    }

    /// [`Self::returns_after`] for a statement of the body of DO block `i`, whose own
    /// statements count too (`DO $$ BEGIN ALTER TABLE IF EXISTS d RENAME TO d_old; CREATE TABLE
    /// IF NOT EXISTS d …; END $$`: the next run meets `d` again).
    pub fn returns_from(&self, key: &Key, i: usize) -> bool {
        self.returns_where(key, |j| j >= i)
    }

    /// Does a statement `at` accepts (by index) create `key`, or rename something to it?
    fn returns_where(&self, key: &Key, at: impl Fn(usize) -> bool) -> bool {
        let d = key.digest();
        let created = self
            .events_anywhere(d)
            .any(|&(_, j, e)| at(j as usize) && e == Event::Create);
        created
            || self
                .arrivals
                .get(&d)
                .is_some_and(|list| list.iter().any(|&(j, _)| at(j as usize)))
    }

    /// The first top-level statement after `i` that gives an existing column of the same table
    /// the name of column `key` (`RENAME COLUMN old TO name`), with `old`, when no later
    /// statement removes the name again: after the whole file ran, the column under that name
    /// is the renamed one, holding whatever the file moved into `old`.
    pub fn renamed_into_after(&self, key: &Key, i: usize) -> Option<(usize, &str)> {
        let Key::Column(..) = key else { return None };
        let d = key.digest();
        let &(j, ref old) = self
            .arrivals
            .get(&d)?
            .iter()
            .find(|(j, old)| *j as usize > i && !old.is_empty())?;
        let removed_again = self
            .events_anywhere(d)
            .any(|&(_, k, e)| k > j && e == Event::Remove);
        (!removed_again).then_some((j as usize, old))
    }

    /// Does a top-level `UPDATE table SET into = …` before statement `i` copy column `from`
    /// into `into`, after an earlier statement of the file added `into` (the column rebuild:
    /// `ADD COLUMN c_new …; UPDATE t SET c_new = c; DROP COLUMN c; RENAME COLUMN c_new TO c`)?
    /// A re-run of the whole file then adds `into` again and fills it from `from` before `i`.
    pub fn copied_before(&self, table: &str, from: &str, into: &str, i: usize) -> bool {
        let (from, into) = (column_digest(table, from), column_digest(table, into));
        self.column_copies.iter().any(|&(k, to, read)| {
            to == into
                && read == from
                && (k as usize) < i
                && self
                    .events
                    .of(into)
                    .iter()
                    .any(|&(_, j, e)| j < k && e == Event::Create)
        })
    }

    /// An earlier top-level `CREATE INDEX` made `index` on a table created earlier in the file
    /// (in the table's schema, and not removed since).
    pub fn index_created_on_new_table(&self, index: &Name) -> bool {
        let Some(tables) = self
            .index_tables
            .get(&object_digest(ObjectKind::Index, index.base()))
        else {
            return false;
        };
        let own = schema(index);
        tables.iter().any(|(schema, table, table_schema)| {
            let same = match (schema, &own) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            let table = object_digest(ObjectKind::Table, table);
            same && self.state_in(table, table_schema.as_deref()) == Some(true)
        })
    }

    /// Is `name` a view or materialized view that an earlier statement of the file created
    /// over something an earlier `DROP … CASCADE` removed? A retry that reaches this statement
    /// ran that drop, whose cascade took the last attempt's view and what was on it (lemmy: the
    /// unique index on a materialized view over a view dropped with CASCADE).
    pub(super) fn cascaded_view_before(&self, name: &str) -> bool {
        if self.cascaded.is_empty() {
            return false;
        }
        let keys = [
            object_digest(ObjectKind::MaterializedView, name),
            object_digest(ObjectKind::View, name),
        ];
        self.views.iter().any(|(k, key, _, _)| {
            (*k as usize) < self.current_index && self.cascaded.contains(k) && keys.contains(key)
        })
    }

    /// Did an earlier statement remove the table, materialized view or (composite) type `name`
    /// of `schema`? What was on it (indexes, triggers, constraints, a type's attributes) went
    /// with it. A type never shares its name with a table of its schema (the table's row type
    /// has it).
    pub(super) fn relation_removed_before(&self, name: &str, schema: &super::Resolved) -> bool {
        [
            ObjectKind::Table,
            ObjectKind::MaterializedView,
            ObjectKind::Type,
        ]
        .iter()
        .any(|&kind| {
            self.removed
                .get(&object_digest(kind, name))
                .is_some_and(|r| {
                    r.drops_in
                        .iter()
                        .any(|(s, _)| super::same_schema(s, schema))
                })
        })
    }

    /// Under a per-file transaction, does the file leave the table, materialized view or
    /// (composite) type `name` that `step` lives on removed: the file's last event on it (DO
    /// blocks' too) is a top-level drop after the current statement, of the step's schema, with
    /// nothing renamed onto the name after it? A re-run starts from before the file or from the
    /// state the whole file left, so whatever the current statement makes on it is gone with it:
    /// `CREATE TABLE IF NOT EXISTS t (id int); ALTER TABLE t ADD COLUMN c int; DROP TABLE t`.
    /// A rename away leaves it removed too for a column (or a type's attribute), which goes
    /// with the renamed object, not for what has a name of its own in the schema (an index, a
    /// key's index), which the renamed object keeps.
    pub(super) fn relation_left_removed(&self, name: &str, step: &super::Step) -> bool {
        let column = matches!(step.key, Key::Column(..));
        let schema = self.resolve(step);
        [
            ObjectKind::Table,
            ObjectKind::MaterializedView,
            ObjectKind::Type,
        ]
        .iter()
        .any(|&kind| {
            let d = object_digest(kind, name);
            self.removed.get(&d).is_some_and(|r| {
                let at = r.last_top_at;
                let arrives_after = self
                    .arrivals
                    .get(&d)
                    .is_some_and(|list| list.iter().any(|&(j, _)| j >= at));
                r.last == Event::Remove
                    && r.last_top == Some(Event::Remove)
                    && r.last_at == at
                    && at as usize > self.current_index
                    && self.resolve_written(&r.last_top_schema) == schema
                    && (column || !self.renamed_away.contains(&(d, at)))
                    && !arrives_after
            })
        })
    }

    /// Does every run that reaches the current statement find the column (or a composite type's
    /// attribute) that `step` removes, because the table (type) it lives on is made with it right
    /// before ([`Self::column_there_on_every_run`])? `DROP TABLE IF EXISTS t; CREATE TABLE t (a
    /// int, b int); ALTER TABLE t DROP COLUMN b`.
    pub(super) fn made_with_column(&self, step: &super::Step) -> bool {
        let Key::Column(_, column) = &step.key else {
            return false;
        };
        self.column_there_on_every_run(step, column, true)
    }

    /// Does every run that reaches the current statement find column (or attribute) `column`
    /// of the relation `step` acts on there (`present`) or not, as the file's first run does?
    /// The file's last event on the relation before the current statement is a top-level
    /// creation that fails on no retry, and that creation runs on every run: a top-level drop of
    /// the same schema that nothing blocks frees the name right before it (`DROP TABLE IF
    /// EXISTS t; CREATE TABLE t (a int, b int); ALTER TABLE t DROP COLUMN b`), or, under a
    /// per-file transaction, nothing touches the relation before it and the file leaves it
    /// removed ([`Self::relation_left_removed`]). Every run then goes on from the table the
    /// creation spells through the same top-level `ADD COLUMN`, `DROP COLUMN` and `RENAME
    /// COLUMN` as the first ([`Self::columns_after`]: `CREATE TABLE t (a int); ALTER TABLE t
    /// RENAME COLUMN a TO b` leaves `b` there and `a` free), with no DO block touching the
    /// relation or the column in between.
    pub(super) fn column_there_on_every_run(
        &self,
        step: &super::Step,
        column: &str,
        present: bool,
    ) -> bool {
        let Some(table) = &step.table else {
            return false;
        };
        let Ok(i) = u32::try_from(self.current_index) else {
            return false;
        };
        let schema = self.resolve(step);
        let col = super::column_digest(table, column);
        // A DO block touching the column since `from`.
        let block_touched = |from: u32| {
            self.conditional
                .of(col)
                .iter()
                .any(|&(_, k, _)| from < k && k < i)
        };
        // The column changes are keyed by the table's name whatever the relation.
        let changed = object_digest(ObjectKind::Table, table);
        [ObjectKind::Table, ObjectKind::Type].iter().any(|&kind| {
            let d = object_digest(kind, table);
            // What may happen to the relation in a DO block before the current statement.
            if self.conditional.of(d).iter().any(|&(_, k, _)| k < i) {
                return false;
            }
            let made = match self.events.last_before(d, i) {
                Some((c, Event::Create)) => self
                    .table_columns
                    .get(&d)
                    .filter(|(at, _)| *at == c && self.made_on_every_run(d, c, &schema, step)),
                _ => None,
            };
            let (from, columns) = match made {
                Some(&(c, ref created)) => {
                    (c, self.columns_after(changed, created.clone(), c, i, false))
                }
                None if kind == ObjectKind::Table => match self.rebuilt_before(d, i, &schema) {
                    Some(rebuilt) => rebuilt,
                    None => return false,
                },
                None => return false,
            };
            !block_touched(from) && columns.iter().any(|have| have == column) == present
        })
    }

    /// Does the top-level creation at `c` of relation `d` (digest) make it on every run that
    /// reaches the current statement, in `schema` (resolved)? It fails on no retry, and a
    /// top-level drop of that schema that nothing blocks frees the name right before it, or,
    /// under a per-file transaction, nothing touches the relation before it and the file leaves
    /// it removed ([`Self::relation_left_removed`]).
    fn made_on_every_run(
        &self,
        d: u64,
        c: u32,
        schema: &super::Resolved,
        step: &super::Step,
    ) -> bool {
        let (Some(r), Some(table)) = (self.removed.get(&d), &step.table) else {
            return false;
        };
        let in_schema = r
            .creations_in
            .iter()
            .filter(|&&(_, k)| k == c)
            .all(|(s, _)| s == schema);
        let runs = match self.events.last_before(d, c) {
            Some((k, Event::Remove)) => self.freed_by_drop(d, k, schema),
            Some(_) => false,
            None => self.transactional() && self.relation_left_removed(table, step),
        };
        in_schema && runs && !self.creation_fails_on_retry(c as usize)
    }

    /// The columns table `d` (digest) has on every run that reaches statement `i`, when the
    /// last thing the file does to the name before `i` is the rename that ends a table rebuild
    /// (`CREATE TABLE t_new (…); … DROP TABLE t; ALTER TABLE t_new RENAME TO t`), in `schema`
    /// (resolved): a top-level rename every run that reaches it runs, right after a drop of the
    /// name ([`Self::made_on_every_run`]'s), of a source made right before it
    /// ([`Self::made_right_before`]) by a CREATE TABLE that spells its columns; changed by what
    /// the file does to the source's columns before the rename and to the table's after it
    /// ([`Self::columns_after`]). With the source's creation.
    fn rebuilt_before(
        &self,
        d: u64,
        i: u32,
        schema: &super::Resolved,
    ) -> Option<(u32, Vec<String>)> {
        let (j, _, written, old) = self
            .renames_onto()
            .filter(|entry| entry.1 == d && entry.0 < i)
            .max_by_key(|entry| entry.0)?;
        let arrives_between = self
            .arrivals
            .get(&d)
            .is_some_and(|list| list.iter().any(|&(k, _)| *j < k && k < i));
        let touched_between = self.events.last_before(d, i).is_some_and(|(k, _)| k > *j);
        if arrives_between || touched_between || self.resolve_written(written) != *schema {
            return None;
        }
        let (k, event) = self.events.last_before(d, *j)?;
        if !(event == Event::Remove && self.freed_by_drop(d, k, schema)) {
            return None;
        }
        let (at, at_rename) = self.columns_made_right_before_at(*old, *j)?;
        if self.creation_fails_on_retry(at as usize) {
            return None;
        }
        Some((at, self.columns_after(d, at_rename, *j, i, false)))
    }

    /// Does the top-level drop at statement `k` of relation `d` (digest) free its name in
    /// `schema` (resolved) on every run: a drop, not a rename away, of that schema that nothing
    /// blocks (the file's last drop of it, `Removed::drops_in`)?
    fn freed_by_drop(&self, d: u64, k: u32, schema: &super::Resolved) -> bool {
        !self.renamed_away.contains(&(d, k))
            && self.removed.get(&d).is_some_and(|r| {
                r.drops_in
                    .last()
                    .is_some_and(|(s, unblocked)| *unblocked && s == schema)
            })
    }

    /// Of table `old` (digest) at statement `j` (a rebuild's rename of it, a read), when a
    /// top-level `CREATE TABLE` that spells its columns makes it right before
    /// (`made_right_before`): that creation's statement, and the table's columns at `j`, after
    /// what the file does to them in between ([`Self::columns_after`]).
    pub(super) fn columns_made_right_before_at(
        &self,
        old: u64,
        j: u32,
    ) -> Option<(u32, Vec<String>)> {
        let (at, created) = self.table_columns.get(&old)?;
        if !(*at < j && self.made_right_before(old, j, |c| c == *at)) {
            return None;
        }
        Some((*at, self.columns_after(old, created.clone(), *at, j, false)))
    }

    /// Did a statement before the current one create `key`, with nothing removing it since?
    /// (The running application cannot depend on an object the same migration creates.)
    /// Tables and columns only.
    pub fn created_before(&self, key: &Key) -> bool {
        let tracked = matches!(key, Key::Object(ObjectKind::Table, _) | Key::Column(..));
        self.created_before_digest(key.digest(), tracked)
    }

    /// `tracked`: a table or column. An object no statement removes has only creations: any
    /// earlier event created it.
    pub(super) fn created_before_digest(&self, key: u64, tracked: bool) -> bool {
        match self.removed.get(&key) {
            Some(removed) => removed.last_before == Some(Event::Create),
            None => tracked && self.last_event.contains_key(&key),
        }
    }

    /// `Self::removed_after` of `key`: the later statement that removes it for a retry of
    /// statement `i`, if any.
    pub fn removed_after_key(&self, key: &Key, i: usize) -> Option<usize> {
        self.removed_after(key.digest(), i)
    }

    /// Is `key` gone for a retry of statement `i`? Some later statement removes it, and under
    /// a per-file transaction the file does not bring it back.
    pub(super) fn removed_after(&self, key: u64, i: usize) -> Option<usize> {
        self.removed_after_but(key, i, |_| false)
    }

    /// [`Self::removed_after`], not counting a top-level removal by a statement `skip` tells.
    fn removed_after_but(&self, key: u64, i: usize, skip: impl Fn(u32) -> bool) -> Option<usize> {
        let removed = self.removed.get(&key)?;
        // The first statement after `i` that removes it, directly or in a DO block.
        let first_after = |log: &EventLog, skip: &dyn Fn(u32) -> bool| {
            log.of(key)
                .iter()
                .find(|&&(_, j, e)| j as usize > i && e == Event::Remove && !skip(j))
                .map(|&(_, j, _)| j)
        };
        let j = first_after(&self.events, &skip)
            .into_iter()
            .chain(first_after(&self.conditional, &|_| false))
            .min()?;
        if self.transactional() && removed.last != Event::Remove {
            return None;
        }
        Some(j as usize)
    }

    /// The top-level renames that every run reaching them runs, as [`Self::renamed_onto`]
    /// (statement, new name, schema written, old name): those without a guard, and those with
    /// `IF EXISTS` whose source a top-level creation makes right before
    /// ([`Self::made_right_before`]): the swap `CREATE TABLE IF NOT EXISTS t_new …; ALTER TABLE
    /// IF EXISTS t RENAME TO t_old; ALTER TABLE IF EXISTS t_new RENAME TO t`. A guarded rename
    /// of a source the file does not make may be skipped, and gives its new name nothing.
    pub(super) fn renames_onto(&self) -> impl Iterator<Item = &super::RenameOnto> {
        self.renamed_onto
            .iter()
            .chain(self.guarded_onto.iter().filter(|&entry| {
                // A creation that fails on a retry because `old` exists leaves it there all the
                // same; a `CREATE TABLE … AS` only when its query fails on no retry that reaches
                // the rename without `old` ([`Self::copy_gives_back`]).
                self.made_right_before(entry.3, entry.0, |c| self.copy_gives_back(c, entry))
            }))
    }

    /// Is top-level statement `c` no `CREATE TABLE … AS`, or one whose query reads nothing a
    /// later statement removes but the table the guarded rename `entry` of what it makes gives
    /// the name back, after every removal of it, with all the query reads of it
    /// ([`Self::gives_back_with`])? Its retry then fails only while that table is gone, between
    /// its removal and the rename, where the first run's copy is still there for the rename:
    /// `CREATE TABLE IF NOT EXISTS t_new AS SELECT * FROM t; DROP TABLE IF EXISTS t; ALTER TABLE
    /// IF EXISTS t_new RENAME TO t`. A read of a table losing a column is not known to hold.
    fn copy_gives_back(&self, c: u32, entry: &super::RenameOnto) -> bool {
        let Some((_, read, _)) = self.created_as.iter().find(|&&(k, _, _)| k == c) else {
            return true;
        };
        let words: Vec<&str> = read.iter().map(String::as_str).collect();
        words.iter().all(|w| {
            let table = object_digest(ObjectKind::Table, w);
            let removed_later = self
                .events_anywhere(table)
                .any(|&(_, k, e)| k > c && e == Event::Remove);
            !self.tables_losing_columns.contains(&table)
                && (!removed_later || (table == entry.1 && self.gives_back_with(entry, &words)))
        })
    }

    /// Is `old` made for top-level statement `i` on every run that reaches it, by a top-level
    /// creation (at statement `c`, which `counts`) that is the file's last event on it before
    /// `i`, with no DO block touching it in between? Or by a DO block (at `c`) that always makes
    /// it ([`Self::look_ahead_in`]), with nothing touching it after that block before `i`. Or
    /// by a top-level rename onto it after every event on it before `i` (`RENAME x TO old`; a DO
    /// block's may fail on something else and undo it), of an `x` made so for the rename: the
    /// rename then either runs or fails on `old` taken, and leaves `old` either way. A rename
    /// back is such a rename (`CREATE TABLE IF NOT EXISTS a …; ALTER TABLE a RENAME TO b; ALTER
    /// TABLE b RENAME TO a; ALTER TABLE a RENAME TO c; DROP TABLE c`), as is a rename of a table
    /// the file makes right before it. A guard (`IF EXISTS`) on the rename changes neither case.
    pub(super) fn made_right_before(&self, old: u64, i: u32, counts: impl Fn(u32) -> bool) -> bool {
        self.made_right_before_dyn(old, i, &counts)
    }

    fn made_right_before_dyn(&self, old: u64, i: u32, counts: &dyn Fn(u32) -> bool) -> bool {
        let top = self.events.last_before(old, i);
        let block = self.conditional.last_before(old, i).map(|(c, _)| c);
        let arrival = self
            .renamed_onto
            .iter()
            .chain(&self.guarded_onto)
            .filter(|e| e.1 == old && e.0 < i && !self.renamed_in_blocks.contains(&(e.0, e.3)))
            .max_by_key(|e| e.0);
        if let Some(&(j, _, _, x)) = arrival {
            if top.is_none_or(|(k, _)| k < j) && block.is_none_or(|k| k < j) {
                return x != old && self.made_right_before_dyn(x, j, counts);
            }
        }
        match (top, block) {
            (Some((c, e)), block) if block.is_none_or(|k| k < c) => e == Event::Create && counts(c),
            (top, Some(c)) if top.is_none_or(|(k, _)| k < c) => {
                self.made_in_blocks.contains(&(c, old)) && counts(c)
            }
            _ => false,
        }
    }

    /// Is `key` made for the current statement on every run that reaches it, by the file's last
    /// event on it before: a top-level creation or a DO block that always makes it
    /// (`made_right_before`)? A retry then finds it there too: `DO $$ BEGIN CREATE
    /// TABLE IF NOT EXISTS t_new …; END $$; … ALTER TABLE IF EXISTS t_new RENAME TO t` meets
    /// the `t` an earlier run left. A top-level creation counts when its schema may be the
    /// one `written` (the schema the current statement writes for `key`, `None`: unqualified)
    /// denotes ([`Self::schema_of`]): under `SET search_path TO public`, `CREATE TABLE a.d …`
    /// makes no `d`.
    pub fn made_right_before_current(&self, key: &Key, written: Option<&str>) -> bool {
        self.made_right_before_current_where(key, written, |_| true)
    }

    /// [`Self::made_right_before_current`] by a statement `c` that `counts` too.
    pub(super) fn made_right_before_current_where(
        &self,
        key: &Key,
        written: Option<&str>,
        counts: impl Fn(u32) -> bool,
    ) -> bool {
        let d = key.digest();
        let schema: super::Resolved = self.schema_of(written).map(Into::into);
        let in_schema = |c: u32| {
            self.removed.get(&d).is_none_or(|r| {
                r.creations_in
                    .iter()
                    .filter(|&&(_, k)| k == c)
                    .all(|(s, _)| super::same_schema(s, &schema))
            }) && counts(c)
        };
        u32::try_from(self.current_index).is_ok_and(|i| self.made_right_before(d, i, in_schema))
    }

    /// [`Self::made_right_before_current`], or made by a DO block that makes it on every run
    /// that finds the name free ([`Self::look_ahead_in`]: a creation under a handler of its
    /// own "already exists"), with nothing touching it after that block before the current
    /// statement. A retry that finds the name gone makes it again there.
    pub fn made_again_right_before_current(&self, key: &Key, written: Option<&str>) -> bool {
        let Ok(i) = u32::try_from(self.current_index) else {
            return false;
        };
        self.made_right_before_current(key, written) || self.made_where_free_before(key.digest(), i)
    }

    /// Is `key` (digest) made for top-level statement `i` by a DO block that makes it on every
    /// run that finds the name free ([`Self::look_ahead_in`]), the file's last event on it
    /// before `i`? A run that reaches `i` finds it there. Under a per-file transaction, also a
    /// block that drops it where taken, when every run finds the name free there
    /// ([`Self::made_at_free_block`]).
    pub(super) fn made_where_free_before(&self, d: u64, i: u32) -> bool {
        self.conditional.last_before(d, i).is_some_and(|(c, _)| {
            self.events.last_before(d, i).is_none_or(|(k, _)| k < c)
                && (self.made_where_free_in_blocks.contains(&(c, d))
                    || self.made_at_free_block(d, c))
        })
    }

    /// Does a run of the whole file leave an object under `key` because an unguarded
    /// top-level rename gives something this name after every other event of the file on it
    /// (the table rebuild: `CREATE TABLE t_new …; DROP TABLE t; ALTER TABLE t_new RENAME TO
    /// t`)? A run that committed ran that rename. `schema`: the schema a statement writes for
    /// the name (`None`: any), which the rename's must be, as written.
    pub(super) fn left_by_rename(&self, key: u64, schema: Option<&super::Resolved>) -> bool {
        let Some(removed) = self.removed.get(&key) else {
            return false;
        };
        self.renames_onto().any(|(j, to, written, _)| {
            *to == key && *j > removed.last_at && schema.is_none_or(|s| s == written)
        })
    }

    /// Under a per-file transaction, does a re-run find table `key`, left by a rename
    /// ([`Self::left_by_rename`]), with everything a statement whose words are `words` reads
    /// of it? The table is the rename's source, which a top-level `CREATE TABLE` of the file
    /// made before the rename; every word must be one of its columns, the name of either table,
    /// or a keyword of a plain copy ([`READ_KEYWORDS`]: `id` is a keyword to sqlparser, and a
    /// column here). Of a source whose columns are not spelt (`CREATE TABLE t_new AS SELECT *
    /// FROM t`) only a read of no column by name counts: the copy `SELECT * FROM t` itself. uaa's `INSERT INTO new_t SELECT u.id, a.clientid … FROM users u, t a`
    /// reads columns the new `t` does not have, and a re-run fails there.
    pub(super) fn left_by_rename_with(&self, key: u64, words: &[&str]) -> bool {
        self.renames_onto()
            .any(|entry| entry.1 == key && self.gives_back_with(entry, words))
    }

    /// Does rename `entry` give its new name back after every removal of it, from a table a
    /// top-level `CREATE TABLE` made before it, with everything a statement whose words are
    /// `words` reads of it ([`Self::left_by_rename_with`])?
    fn gives_back_with(&self, &(j, to, _, old): &super::RenameOnto, words: &[&str]) -> bool {
        let Some(removed) = self.removed.get(&to) else {
            return false;
        };
        let Some((at, columns)) = self.table_columns.get(&old) else {
            return false;
        };
        j > removed.last_at && *at < j && plain_read(words, columns, [to, old])
    }

    /// On a first run, is `key` there when the DO block at `i` starts, and is it left alone by
    /// `earlier`, the statements of that block before the one that reads it? Then a check that
    /// it exists, where the reading statement stands, holds on the first run; and once the
    /// block's own later removal ran, which takes the whole block (it runs as one statement),
    /// the check tells a retry that the read already ran.
    pub fn present_in_block(&self, key: &Key, i: usize, earlier: &[crate::sql::Statement]) -> bool {
        let d = key.digest();
        let before_ok = self
            .events
            .of(d)
            .iter()
            .rev()
            .find(|&&(_, k, _)| (k as usize) < i)
            .is_none_or(|&(_, _, e)| e == Event::Create);
        // An earlier DO block, or a statement that may not run, may have changed it.
        let no_conditional = !self
            .conditional
            .of(d)
            .iter()
            .any(|&(_, k, _)| (k as usize) < i);
        let table = match key {
            Key::Object(ObjectKind::Table, t) | Key::Column(t, _) => Some(t),
            _ => None,
        };
        let touches = |k: &Key| {
            k == key || matches!(k, Key::Object(ObjectKind::Table, t) if Some(t) == table)
        };
        // What the earlier statements create, drop, or rename to the name.
        let touched = earlier.iter().any(|s| {
            steps(s).iter().any(|step| touches(&step.key))
                || arrivals(s).iter().any(|a| touches(&a.key))
        });
        before_ok && no_conditional && !touched
    }

    /// Is `key` there whenever top-level statement `i` runs, on a retry too, because the
    /// file's last top-level event on it before `i` creates it (`ADD COLUMN [IF NOT EXISTS]`,
    /// `CREATE TABLE`), and no DO block in between may remove it? A later removal then does not
    /// make a read at `i` fail: every run that gets to `i` made it first. (A `CREATE TABLE`
    /// creates no column: `CREATE TABLE IF NOT EXISTS t (old int)` skips a `t` a retry left
    /// without `old`.) `written`: the schema the read writes for the table (`None`:
    /// unqualified); the creation must be of that schema (resolved by the file's search_path),
    /// or, when that is not known, as unqualified as the read.
    pub fn created_on_every_run(&self, key: &Key, i: usize, written: Option<&str>) -> bool {
        self.created_on_every_run_at(key, i, written).is_some()
    }

    /// The creation (its statement) that makes `key` for statement `i` on every run
    /// ([`Self::created_on_every_run`]).
    fn created_on_every_run_at(&self, key: &Key, i: usize, written: Option<&str>) -> Option<u32> {
        let d = key.digest();
        let last = self.last_event.get(&d)?;
        let in_schema = match self.schema_of(written) {
            Some(schema) => last_in(&self.last_event, &self.last_event_in, d, Some(schema)),
            None => last.unknown.filter(|u| *u == last.any),
        };
        if in_schema.is_none_or(|(event, _)| event != Event::Create) {
            return None;
        }
        let &(_, k, event) = self
            .events
            .of(d)
            .iter()
            .rev()
            .find(|&&(_, k, _)| (k as usize) < i)?;
        (event == Event::Create
            && !self
                .conditional
                .of(d)
                .iter()
                .any(|&(_, j, e)| e == Event::Remove && k <= j && (j as usize) < i)
            && !self.creation_fails_on_retry(k as usize)
            && !self.readded_after_unguarded_drop(k, d))
        .then_some(k)
    }

    /// Is the creation of `d` at top-level statement `k` the re-add of an `ALTER TABLE` that
    /// drops it first without `IF EXISTS` (`DROP COLUMN c, ADD COLUMN c int`)? A retry that
    /// finds the column gone fails there whole, and makes nothing.
    pub(super) fn readded_after_unguarded_drop(&self, k: u32, d: u64) -> bool {
        self.readded_at_once.contains(&(k, d, false))
    }

    /// Of a read of table `key` at statement `i` (the columns it reads by name: `words`, the
    /// schema it writes: `written`) that a top-level `CREATE TABLE IF NOT EXISTS` makes on
    /// every run ([`Self::created_on_every_run`], `made_if_missing`), where the file's last
    /// event on it is a top-level removal after `i` (`left_removed_after`, no rename onto it
    /// after `i`) or, statement by statement, a top-level removal after `i` may leave it gone
    /// (a crash right after it), and the creation spells its columns: the first
    /// word that is no column that creation spells or an `ADD COLUMN` gives before `i`, no
    /// name of the table or its schema or of another table the file acts on, and no keyword of
    /// a plain copy (`plain_read`). A first run may skip the creation and read a table there
    /// before the file, with that column; once the file removed it, a retry makes a fresh one
    /// without: `CREATE TABLE IF NOT EXISTS t (id int); INSERT INTO t (x) …; DROP TABLE t`
    /// fails at the INSERT (`column "x" of relation "t" does not exist`) where `t (id, x)` was
    /// there.
    pub fn read_lacked_by_fresh_table<'w>(
        &self,
        key: &Key,
        i: usize,
        written: Option<&str>,
        words: &[&'w str],
    ) -> Option<&'w str> {
        if !matches!(key, Key::Object(ObjectKind::Table, _)) {
            return None;
        }
        let d = key.digest();
        let k = self.created_on_every_run_at(key, i, written)?;
        // A retry past the removal makes the table fresh only where the file leaves it removed:
        // a later creation or rename onto the name gives the retry that table instead.
        let arrives_later = self
            .arrivals
            .get(&d)
            .is_some_and(|list| list.iter().any(|&(j, _)| j as usize > i));
        if !self.made_if_missing.contains(&(k, d)) {
            return None;
        }
        // Statement by statement, a crash right after a top-level removal after `i` leaves the
        // name gone whatever the file does after it: the retry makes the table fresh all the
        // same (`…; DROP TABLE t; CREATE TABLE t (id int, x int)`, a crash between the two).
        let removed_at_top = || {
            self.events.of(d).iter().any(|&(_, j, e)| {
                j as usize > i && e == Event::Remove && self.may_act_on(key, i, j, e, written)
            })
        };
        let left_removed =
            !arrives_later && self.left_removed_after(key, &written.map(Into::into), i);
        if !(left_removed || (!self.transactional() && removed_at_top())) {
            return None;
        }
        // The columns the creation spells (its own, also where the file creates it again).
        let (_, _, created) = self
            .fresh_columns
            .iter()
            .find(|(at, t, _)| *at == k && *t == d)?;
        let created = created.clone();
        let to = u32::try_from(i).unwrap_or(u32::MAX);
        let columns = self.columns_after(d, created, k, to, false);
        // Another table the file acts on (the source of a copy into it, `INSERT INTO t2
        // SELECT * FROM t`, which a later statement drops) is no column read of this one.
        let known_table = |w: &str| {
            let t = object_digest(ObjectKind::Table, w);
            self.last_event.contains_key(&t) || self.events_anywhere(t).next().is_some()
        };
        words.iter().copied().find(|w| {
            written != Some(*w)
                && !plain_read(std::slice::from_ref(w), &columns, [d, d])
                && !known_table(w)
        })
    }

    /// Is table `key` there whenever top-level statement `i`, which reads it (its words:
    /// `words`), runs, on a retry too, because the file's last event on it before `i` is a DO
    /// block that makes it wherever it is gone (`DO $$ BEGIN CREATE TABLE t (x int); EXCEPTION
    /// WHEN duplicate_table THEN NULL; END $$`, `Self::made_where_free_before`)? As after a
    /// top-level `CREATE TABLE IF NOT EXISTS` ([`Self::created_on_every_run`]): a run that
    /// finds the name free makes it, one that finds it taken skips. The creation writes the
    /// schema the read does (`written`, `None`: unqualified), with no search_path change
    /// between. A retry that made it reads the table the block spells: every word of the read
    /// must be a column of it (or one a top-level `ADD COLUMN` gives it before the read), its
    /// name or a keyword of a plain copy; a table there before the file may have had others.
    pub fn made_where_free_on_every_run(
        &self,
        key: &Key,
        i: usize,
        written: Option<&str>,
        words: &[&str],
    ) -> bool {
        let d = key.digest();
        let Ok(i) = u32::try_from(i) else {
            return false;
        };
        if !matches!(key, Key::Object(ObjectKind::Table, _)) {
            return false;
        }
        self.made_where_free_table(d, i, written)
            .is_some_and(|(c, columns)| {
                let columns = self.columns_after(d, columns.to_vec(), c, i, false);
                plain_read(words, &columns, [d, d])
            })
    }

    /// The DO block (statement, and the columns it spells) that makes table `d` wherever it is
    /// gone as the file's last event on it before statement `i` ([`Self::made_where_free_before`]),
    /// when its creation writes schema `written` (`None`: unqualified) with no search_path change
    /// between.
    pub(super) fn made_where_free_table(
        &self,
        d: u64,
        i: u32,
        written: Option<&str>,
    ) -> Option<(u32, &[String])> {
        if !self.made_where_free_before(d, i) {
            return None;
        }
        let (c, _) = self.conditional.last_before(d, i)?;
        if self.path_changes.iter().any(|&(k, _)| c < k && k < i) {
            return None;
        }
        self.made_where_free_tables
            .iter()
            .find(|(k, table, schema, _)| *k == c && *table == d && schema.as_deref() == written)
            .map(|(_, _, _, columns)| (c, columns.as_slice()))
    }

    /// Does every retry that reaches the current top-level statement, which reads `key` (its
    /// words: `words`), find it, though statement `removed_at` after it removes it? An earlier
    /// top-level rename gave it its name from an `old` that a retry past `removed_at` finds
    /// again (`renamed_into_holds_until`): the swap that copies from the old table
    /// after it, `ALTER TABLE t RENAME TO t_old; ALTER TABLE t_new RENAME TO t; INSERT INTO t
    /// SELECT * FROM t_old; DROP TABLE t_old`. Also a DO block whose body is that rename alone,
    /// under handlers (`Self::renamed_whole_body_onto`): with `old` made right before it, a
    /// run that gets past the block renamed `old`, or met the `key` an earlier run left (`CREATE
    /// TABLE a …; DO $$ BEGIN ALTER TABLE a RENAME TO b; EXCEPTION WHEN undefined_table THEN
    /// NULL; END $$; INSERT INTO b …; DROP TABLE b`). The rename writes the schema the read does
    /// (`written`), and nothing of the file makes `key` again after the read: a retry would
    /// meet that one, which may lack what the read reads.
    pub fn renamed_on_every_run(
        &self,
        key: &Key,
        removed_at: usize,
        written: Option<&str>,
        words: &[&str],
    ) -> bool {
        let d = key.digest();
        let Some(removed) = self.removed.get(&d) else {
            return false;
        };
        let Some((at, old, _)) = removed.renamed_into else {
            return false;
        };
        let now = self.current_index;
        let same_schema = self
            .renamed_onto
            .iter()
            .chain(&self.guarded_onto)
            .chain(&self.renamed_whole_body_onto)
            .any(|(j, to, schema, _)| *j == at && *to == d && schema.as_deref() == written);
        // Under a per-file transaction a re-run starts from before the file or from the state
        // the whole file left: when that has `key` removed, it never meets the one made again.
        let made_again = (self
            .events_anywhere(d)
            .any(|&(_, k, e)| k as usize > now && e == Event::Create)
            || self
                .arrivals
                .get(&d)
                .is_some_and(|list| list.iter().any(|&(k, _)| k as usize > now)))
            && !(self.transactional()
                && self.left_removed_after(key, &written.map(Into::into), now));
        // Touched between the read and statement `c`.
        let touched_until = |c: u32| {
            let between = |k: u32| k as usize > now && k < c;
            self.events_anywhere(d).any(|&(_, k, _)| between(k))
                || self
                    .arrivals
                    .get(&d)
                    .is_some_and(|list| list.iter().any(|&(k, _)| between(k)))
        };
        // A retry past the removal finds under `key` the table the file gave `old` after the
        // rename (the swapped-in `t`, or a `CREATE TABLE t …` after `RENAME t TO t_old`), not
        // the first run's: every word of a read of a table must be a column of that one, the
        // name of either table or a keyword of a plain copy. vaultwarden's `ALTER TABLE ciphers
        // RENAME TO oldCiphers; CREATE TABLE ciphers (…); … SELECT uuid, folder_uuid FROM
        // oldCiphers` fails there: the new `ciphers` has no `folder_uuid`. Without such a
        // table, the one `old`'s creation right before the rename made (`renamed_into_holds_until`):
        // the first run's, unless that creation may skip a table there before the file (`CREATE
        // TABLE IF NOT EXISTS a (id int)`, a DO block that makes it where free), whose columns a
        // retry's `old` may lack: then the columns that creation spells, and those an `ADD
        // COLUMN` gives before the read, must be all it reads.
        let reads_hold = match self.remade_between(old, at, removed_at) {
            _ if !matches!(key, Key::Object(ObjectKind::Table, _)) => true,
            None if self
                .made_right_before(old, at, |c| !self.made_if_missing.contains(&(c, old))) =>
            {
                true
            }
            None => {
                let now = u32::try_from(now).unwrap_or(u32::MAX);
                let made = self.columns_made_right_before_at(old, at);
                let made = made.map(|(_, columns)| columns).unwrap_or_default();
                let columns = self.columns_after(d, made, at, now, false);
                plain_read(words, &columns, [d, old])
            }
            // A rename back of the table the read reads, untouched since (the read may be that
            // rename: `ALTER TABLE a RENAME TO b; ALTER TABLE b RENAME TO a; … DROP TABLE b`):
            // the retry's `old` is that table, the read's.
            Some((c, table)) if table == d && !touched_until(c) => true,
            Some((c, table)) => self
                .table_columns
                .get(&table)
                .is_some_and(|(made, columns)| *made <= c && plain_read(words, columns, [d, old])),
        };
        same_schema
            && !made_again
            && reads_hold
            && self.renamed_into_holds_until(d, removed, removed_at)
    }

    /// Is top-level statement `k` a `CREATE TABLE … AS` whose query reads what a later
    /// statement removes (PF123 flags it), or a column that the fresh table a retry's `CREATE
    /// TABLE IF NOT EXISTS` makes of a table it reads lacks ([`Self::read_lacked_by_fresh_table`])?
    /// A retry fails there once that ran, or, with the read
    /// guarded, skips it: either way the table is not made again for what reads it after
    /// (lemmy's `CREATE TEMPORARY TABLE comment_temp AS …` of a column dropped at the end, then
    /// `UPDATE … FROM comment_temp`).
    pub(super) fn creation_fails_on_retry(&self, k: usize) -> bool {
        self.creation_fails_on_retry_but(k, |_, _| false)
    }

    /// [`Self::creation_fails_on_retry`], where a removal of what `excused` accepts (given the
    /// words the query reads) does not count.
    pub(super) fn creation_fails_on_retry_but(
        &self,
        k: usize,
        excused: impl Fn(&Key, &[String]) -> bool,
    ) -> bool {
        self.created_as
            .iter()
            .find(|(j, _, _)| *j as usize == k)
            .is_some_and(|(_, read, columns)| {
                // A table a `CREATE TABLE IF NOT EXISTS` makes: the retry's fresh one may lack
                // a column the query reads.
                let fresh_lacks = |key: &Key| {
                    let Key::Object(ObjectKind::Table, table) = key else {
                        return false;
                    };
                    columns
                        .iter()
                        .find(|(t, _)| t == table)
                        .is_some_and(|(_, columns)| {
                            let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
                            self.read_lacked_by_fresh_table(key, k, None, &columns)
                                .is_some()
                        })
                };
                self.reads_removed_later(k, read).iter().any(|(key, _)| {
                    (!self.created_on_every_run(key, k, None) || fresh_lacks(key))
                        && !excused(key, read)
                })
            })
    }

    /// A statement of a DO body that mentions `words`, where `later` are the statements of the
    /// body after it: the tables and columns those remove (drop, or rename away) with nothing
    /// after them in the body bringing them back, as `(key, top)`, `top` being the DO
    /// statement's index. The block runs as one statement: once it ran, they are gone for a
    /// retry of it. Under a per-file transaction, only what the file leaves removed.
    pub fn reads_removed_later_in_body(
        &self,
        later: &[crate::sql::Statement],
        top: usize,
        words: &[String],
    ) -> Vec<(Key, usize)> {
        let mut last: Vec<(Key, Event)> = Vec::new();
        for step in later.iter().flat_map(steps) {
            let mentioned = match &step.key {
                Key::Object(ObjectKind::Table, t) => words.contains(t),
                Key::Column(t, c) => {
                    words.contains(t) && words.iter().any(|w| super::column_word(w) == *c)
                }
                _ => false,
            };
            if !mentioned {
                continue;
            }
            match last.iter_mut().find(|(k, _)| *k == step.key) {
                Some(entry) => entry.1 = step.event,
                None => last.push((step.key, step.event)),
            }
        }
        last.into_iter()
            .filter(|(key, event)| {
                *event == Event::Remove
                    && !(self.transactional()
                        && self
                            .removed
                            .get(&key.digest())
                            .is_some_and(|r| r.last != Event::Remove))
            })
            .map(|(key, _)| (key, top))
            .collect()
    }

    /// Is `first` gone whenever a retry of statement `i` finds `then` gone? A statement after
    /// `i` removes `first` before any removes `then` (a DO block's removals counted at the
    /// block), and no statement after that one gives `first` back: at every crash point after
    /// `then`'s removal, and on the full re-run, `first` is gone too.
    pub fn gone_before(&self, first: &Key, then: &Key, i: usize) -> bool {
        let (Some(at), Some(later)) = (
            self.removed_after(first.digest(), i),
            self.removed_after(then.digest(), i),
        ) else {
            return false;
        };
        at < later && self.stays_gone(first, i)
    }

    /// Does a statement after `i` remove `key` (a DO block's removals counted at the block),
    /// and no statement after the first such one give it back? Then at every crash point after
    /// that removal, and on the full re-run, `key` is gone.
    pub fn stays_gone(&self, key: &Key, i: usize) -> bool {
        let key = key.digest();
        let Some(at) = self.removed_after(key, i) else {
            return false;
        };
        let stays = |log: &EventLog| {
            log.of(key)
                .iter()
                .all(|&(_, j, e)| j as usize <= at || e == Event::Remove)
        };
        stays(&self.events) && stays(&self.conditional)
    }

    /// Does a statement of the file (a DO block's included), before the current one or after
    /// it, remove `key`?
    pub fn removes(&self, key: &Key) -> bool {
        self.removed.contains_key(&key.digest())
    }

    /// Is `foreign_key_checks` off for the current statement, as the top-level `SET`s before
    /// it tell (a retry runs them again first)?
    pub fn foreign_key_checks_off(&self) -> bool {
        self.foreign_key_checks == ForeignKeyChecks::Off
    }

    /// Does any statement of the file remove a table or column? When none does, no statement
    /// reads something removed later, and PF123 need not collect a statement's words.
    pub fn removes_anything(&self) -> bool {
        !self.removed.is_empty()
    }

    /// Did a statement checked so far add a constraint by name, in a file that drops a
    /// column or a table (or a key with CASCADE)? Without one, no `VALIDATE CONSTRAINT` needs
    /// looking up.
    pub fn adds_constraints(&self) -> bool {
        !self.added_constraints.is_empty()
    }

    /// The words the last `ADD CONSTRAINT name` on `table` before the current statement
    /// reads (its columns, a foreign key's other table); `None` when none of the file's did,
    /// or the file drops no column, no table and no key with CASCADE.
    /// With the columns a foreign key references, as (table, column).
    pub fn constraint_reads(
        &self,
        table: &str,
        name: &str,
    ) -> Option<(
        &[String],
        &[crate::lint::rules::read_removed_later::ColumnRef],
    )> {
        self.added_constraints
            .iter()
            .rev()
            .find(|(t, n, _, _)| t == table && n == name)
            .map(|(_, _, words, references)| (words.as_slice(), references.as_slice()))
    }

    /// The name of `table`'s primary key as the last statement checked so far that declares one
    /// on it leaves it: the name it gives (`CONSTRAINT p_pk PRIMARY KEY (id)`, in `CREATE TABLE`
    /// or `ALTER TABLE … ADD`), else PostgreSQL's default (`p_pkey`), from
    /// [`Self::declared_keys`]; `None` when none does. Recorded only where
    /// [`Self::constraint_reads`] is.
    pub fn declared_primary_key(&self, table: &str) -> Option<String> {
        self.declared_keys(table)
            .into_iter()
            .rev()
            .find(|key| key.is_primary)
            .map(|key| key.name.clone())
    }

    /// The primary keys and unique constraints the statements checked so far declare on
    /// `table`'s columns, in their order; recorded only where [`Self::constraint_reads`] is.
    pub fn declared_keys(&self, table: &str) -> Vec<&crate::sql::keys::DeclaredKey> {
        self.declared_keys
            .get(table)
            .map_or_else(Vec::new, |keys| keys.iter().collect())
    }

    /// The first statement after `i` that drops table `key`, or what a rename after `i` made
    /// of it: a foreign key to it follows a rename (`ALTER TABLE p RENAME TO p2`), and goes
    /// with a drop (`DROP TABLE p CASCADE`). A rename to a name the statement does not spell
    /// counts as a drop. Under a per-file transaction, only what the file leaves removed.
    pub fn dropped_after(&self, key: &Key, i: usize) -> Option<usize> {
        let d = key.digest();
        self.removed_after(d, i)?;
        self.dropped_or_renamed_after(d, i, 8)
    }

    /// The first statement after `i` that drops column or constraint `key` with CASCADE
    /// (`ALTER TABLE p DROP COLUMN id CASCADE`, `DROP CONSTRAINT p_pkey CASCADE`), taking a
    /// foreign key that references it, also under a name a later rename gives its table
    /// (`ALTER TABLE p RENAME TO p2; ALTER TABLE p2 DROP COLUMN id CASCADE`). Under a per-file
    /// transaction, only what the file leaves removed.
    pub fn column_cascaded_after(&self, key: &Key, i: usize) -> Option<usize> {
        self.cascaded_after(key, i, 8)
    }

    fn cascaded_after(&self, key: &Key, i: usize, depth: u8) -> Option<usize> {
        let d = key.digest();
        let here = self.removed_after(d, i).and_then(|_| {
            self.events_anywhere(d)
                .filter(|&&(_, j, e)| j as usize > i && e == Event::Remove)
                .map(|&(_, j, _)| j)
                .filter(|&j| self.cascaded_columns.contains(&(d, j)))
                .min()
                .map(|j| j as usize)
        });
        let table = on_table(key).filter(|_| depth > 0);
        let renamed = self
            .table_renames
            .iter()
            .filter(|(j, from, _)| *j as usize > i && table.is_some_and(|t| **from == **t))
            // The drop may follow the rename in the same DO block (statement `j`).
            .filter_map(|(j, _, to)| {
                self.cascaded_after(&moved_to(key, to), *j as usize - 1, depth - 1)
            })
            .min();
        here.into_iter().chain(renamed).min()
    }

    fn dropped_or_renamed_after(&self, d: u64, i: usize, depth: u8) -> Option<usize> {
        let removals = self
            .events_anywhere(d)
            .filter(|&&(_, j, e)| j as usize > i && e == Event::Remove)
            .map(|&(_, j, _)| j);
        let mut first = None::<usize>;
        for j in removals {
            let renamed: Vec<u64> = self
                .renames_to
                .iter()
                .filter(|&&(k, from, _)| k == j && from == d)
                .map(|&(_, _, to)| to)
                .collect();
            let at = if renamed.is_empty() || depth == 0 {
                Some(j as usize)
            } else {
                renamed
                    .iter()
                    .filter_map(|&to| self.dropped_or_renamed_after(to, j as usize, depth - 1))
                    .min()
            };
            first = match (first, at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        first
    }

    /// The tables and columns a later statement removes that statement `i` (whose words are
    /// `words`) mentions: `(key, removing statement index)`. An `ALTER TABLE` that drops a
    /// column and adds it again ([`Self::readded_at_once`]) removes it for none.
    pub fn reads_removed_later(&self, i: usize, words: &[String]) -> Vec<(Key, usize)> {
        self.uses_removed_later(i, words, false)
    }

    /// Does top-level statement `j` drop column `key` and add it again, in one atomic `ALTER
    /// TABLE` (`DROP COLUMN c, ADD COLUMN c int`)? No crash point finds it gone, but it may come
    /// back with another type.
    pub fn readded_at_once(&self, key: &Key, j: usize) -> bool {
        let d = key.digest();
        self.readded_at_once
            .iter()
            .any(|&(k, c, _)| k as usize == j && c == d)
    }

    /// [`Self::reads_removed_later`] of a statement that `writes` rows or compares values: an
    /// `ALTER TABLE` that drops a column it names and adds it again counts, since the column
    /// may come back with a type the values do not fit, under a per-file transaction too.
    pub fn uses_removed_later(
        &self,
        i: usize,
        words: &[String],
        writes: bool,
    ) -> Vec<(Key, usize)> {
        if self.removed.is_empty() {
            return Vec::new();
        }
        let mut distinct: Vec<&str> = words.iter().map(String::as_str).collect();
        distinct.sort_unstable();
        distinct.dedup();
        // A word names a column as folded ([`super::column_word`]).
        let mut columns: Vec<std::borrow::Cow<str>> =
            distinct.iter().map(|w| super::column_word(w)).collect();
        if crate::sql::tables_exact() {
            columns.sort_unstable();
            columns.dedup();
        }
        let mut out: Vec<(Key, usize)> = Vec::new();
        for &table in &distinct {
            let table_key = object_digest(ObjectKind::Table, table);
            if let Some(j) = self.removed_after(table_key, i) {
                if !(self.transactional() && self.left_by_rename_with(table_key, &distinct)) {
                    out.push((Key::Object(ObjectKind::Table, table.to_string()), j));
                }
            }
            if !self.tables_losing_columns.contains(&table_key) {
                continue;
            }
            for column in &columns {
                let column: &str = column;
                let column_key = column_digest(table, column);
                // The column rebuild (`ADD COLUMN c_new …; UPDATE t SET c_new = c; DROP COLUMN
                // c; RENAME COLUMN c_new TO c`): under a per-file transaction, a re-run starts
                // with the renamed column under this name.
                let at_once = |j: u32| {
                    self.readded_at_once
                        .iter()
                        .any(|&(k, c, _)| k == j && c == column_key)
                };
                let removed = self
                    .removed_after_but(column_key, i, at_once)
                    .filter(|_| !(self.transactional() && self.left_by_rename(column_key, None)));
                let readded = self
                    .readded_at_once
                    .iter()
                    .filter(|&&(j, c, _)| writes && c == column_key && j as usize > i)
                    .map(|&(j, _, _)| j as usize)
                    .min();
                if let Some(j) = removed.into_iter().chain(readded).min() {
                    out.push((Key::Column(table.to_string(), column.to_string()), j));
                }
            }
        }
        if out.len() > 1 {
            out.sort_by(|a, b| {
                a.1.cmp(&b.1)
                    .then_with(|| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)))
            });
        }
        out
    }
}

/// The keywords of a plain copy between tables ([`Sequence::left_by_rename_with`]).
const READ_KEYWORDS: &[&str] = &[
    "create", "table", "if", "exists", "insert", "into", "select", "from", "where", "and", "or",
    "not", "null", "is", "in", "as", "distinct", "on", "conflict", "do", "nothing", "values",
    "update", "set", "delete", "order", "by", "group", "limit", "true", "false", "all", "ignore",
    "replace",
];

/// Is every word of a read (`words`) a column of `columns`, the name of one of `tables` (their
/// digests), or a keyword of a plain copy ([`READ_KEYWORDS`])?
fn plain_read(words: &[&str], columns: &[String], tables: [u64; 2]) -> bool {
    words.iter().all(|w| {
        let column = super::column_word(w);
        columns.iter().any(|c| *c == column)
            || tables.contains(&object_digest(ObjectKind::Table, w))
            || READ_KEYWORDS.iter().any(|k| w.eq_ignore_ascii_case(k))
    })
}

/// Does a statement of `later` (the statements of a body after the current one) drop table
/// `key`, under its name or one a rename of `later` gives it? A rename alone keeps the table,
/// and a foreign key to it; a rename to a name the statement does not spell counts as a drop,
/// as in [`Sequence::dropped_after`].
pub fn dropped_later_in_body(later: &[crate::sql::Statement], key: &Key) -> bool {
    let mut names = vec![key.clone()];
    for step in later.iter().flat_map(steps) {
        if step.event != Event::Remove || !names.contains(&step.key) {
            continue;
        }
        match (step.rename, step.to) {
            (true, Some(to)) => names.push(to),
            _ => return true,
        }
    }
    false
}

/// Does a statement of `later` (the statements of a body after the current one) drop column
/// or constraint `key` with CASCADE (`ALTER TABLE p DROP COLUMN id CASCADE`), taking a foreign
/// key that references it, also under a name a rename of `later` gives its table?
pub fn column_cascaded_in_body(later: &[crate::sql::Statement], key: &Key) -> bool {
    let mut names = vec![key.clone()];
    for s in later {
        let own = steps(s);
        if own
            .iter()
            .any(|step| drops_with_cascade(s, step) && names.contains(&step.key))
        {
            return true;
        }
        for step in own.iter().filter(|step| step.rename) {
            if let (
                Key::Object(ObjectKind::Table, old),
                Some(Key::Object(ObjectKind::Table, new)),
            ) = (&step.key, &step.to)
            {
                let moved: Vec<Key> = names
                    .iter()
                    .filter(|k| on_table(k).is_some_and(|t| t == old))
                    .map(|k| moved_to(k, new))
                    .collect();
                names.extend(moved);
            }
        }
    }
    false
}

/// The table a column or constraint key is on.
fn on_table(key: &Key) -> Option<&String> {
    match key {
        Key::Column(table, _) | Key::Constraint(table, _) => Some(table),
        Key::Object(..) => None,
    }
}

/// A column or constraint key on `table` instead: it keeps its name when its table is renamed.
fn moved_to(key: &Key, table: &str) -> Key {
    match key {
        Key::Column(_, c) => Key::Column(table.to_string(), c.clone()),
        Key::Constraint(_, c) => Key::Constraint(table.to_string(), c.clone()),
        Key::Object(..) => key.clone(),
    }
}

/// Does a statement of `earlier` (the statements of a DO body before `read`) make `key` every
/// time `read` runs? The last of them that touches it (or, for a column, its table) adds it
/// (`ADD COLUMN [IF NOT EXISTS]`, or `CREATE TABLE` for a table), and only statements stand
/// between it and `read`, in one straight run: nothing but `;` separates them (no `IF`, `END`,
/// handler, loop or other PL/pgSQL statement), so `read` runs only right after it. `text` is
/// the file the statements are in; `written`, the schema the read writes for the table, which
/// the statement that adds it must write too.
pub fn made_earlier_in_block(
    key: &Key,
    written: Option<&str>,
    earlier: &[crate::sql::Statement],
    read: &crate::sql::Statement,
    text: &str,
    dialect: crate::sql::Dialect,
) -> bool {
    let table = match key {
        Key::Object(ObjectKind::Table, t) | Key::Column(t, _) | Key::Constraint(t, _) => Some(t),
        Key::Object(..) => None,
    };
    let touches =
        |k: &Key| k == key || matches!(k, Key::Object(ObjectKind::Table, t) if Some(t) == table);
    let Some(at) = earlier.iter().rposition(|s| {
        steps(s).iter().any(|step| touches(&step.key))
            || arrivals(s).iter().any(|a| touches(&a.key))
    }) else {
        return false;
    };
    let maker = &earlier[at];
    let own = steps(maker);
    let makes = makes_only(maker, key, written);
    // Or a rename gives it the name (`ALTER TYPE mood RENAME TO mood_old`, `RENAME CONSTRAINT
    // t_c TO t_c2`) of what a statement right before makes.
    let renamed = || {
        let arrived: Vec<_> = arrivals(maker)
            .into_iter()
            .filter(|a| touches(&a.key))
            .collect();
        matches!(arrived.as_slice(), [a] if a.key == *key)
            && !own.iter().any(|step| touches(&step.key))
            && arrived[0].old_key().is_some_and(|old| {
                made_earlier_in_block(&old, written, &earlier[..at], maker, text, dialect)
            })
    };
    if !(makes || renamed()) {
        return false;
    }
    let run: Vec<&crate::sql::Statement> = earlier[at..].iter().chain([read]).collect();
    straight_run(&run, text, dialect)
}

/// Does `maker` make `key` (in schema `written`) and touch nothing else of it or its table: it
/// has steps on them, all of which create `key`, and nothing arrives under either name?
fn makes_only(maker: &crate::sql::Statement, key: &Key, written: Option<&str>) -> bool {
    let table = match key {
        Key::Object(ObjectKind::Table, t) | Key::Column(t, _) | Key::Constraint(t, _) => Some(t),
        Key::Object(..) => None,
    };
    let touches =
        |k: &Key| k == key || matches!(k, Key::Object(ObjectKind::Table, t) if Some(t) == table);
    let own = steps(maker);
    let touching: Vec<&Step> = own.iter().filter(|step| touches(&step.key)).collect();
    !touching.is_empty()
        && touching.iter().all(|step| {
            step.key == *key && step.event == Event::Create && step.schema.as_deref() == written
        })
        && !arrivals(maker).iter().any(|a| touches(&a.key))
}

/// Does the removal of `drop` at byte `at` take only what `maker` makes, with nothing else of
/// the same objects touched ([`made_earlier_in_block`]'s test of the statement that makes it)?
/// For a drop that runs right after `maker` where their texts cannot tell it: the first
/// statement of a body a call right after `maker` runs.
pub fn dropped_made_by(
    drop: &crate::sql::Statement,
    at: usize,
    maker: &crate::sql::Statement,
) -> bool {
    every_step_at(
        drop,
        at,
        |step| step.event == Event::Remove && !step.rename,
        |step| makes_only(maker, &step.key, step.schema.as_deref()),
    )
}

/// Is every object `make` creates at byte `at` one that `remover` removes (or renames away)?
/// For a removal that runs right after `make` in the same transaction where their texts
/// cannot tell it: the first statement of a body a call right after `make` runs (PostgreSQL).
pub fn made_removed_by(
    make: &crate::sql::Statement,
    at: usize,
    remover: &crate::sql::Statement,
) -> bool {
    every_step_at(
        make,
        at,
        |step| step.event == Event::Create,
        |step| frees_key(remover, &step.key, step.schema.as_deref()),
    )
}

/// Do the statements of `run` (of one body, in order) run one right after the other: nothing
/// but `;` separates them (no `IF`, `END`, handler, loop or other PL/pgSQL statement)?
pub(super) fn straight_run(
    run: &[&crate::sql::Statement],
    text: &str,
    dialect: crate::sql::Dialect,
) -> bool {
    run.windows(2).all(|pair| {
        let end = pair[0]
            .terminator
            .as_ref()
            .map_or(pair[0].range.end, |t| t.end.max(pair[0].range.end));
        let start = pair[1].range.start;
        if end > start || start > text.len() || !text.is_char_boundary(end) {
            return false;
        }
        let between = crate::sql::lexer::lex(dialect, text, end..start);
        between.error.is_none()
            && between
                .tokens
                .iter()
                .all(|t| matches!(t.token, sqlparser::tokenizer::Token::SemiColon))
    })
}

/// Does the removal (`DROP …`, `ALTER TABLE … DROP …`) of `drop` at byte `at` take what a
/// statement right before it in its DO body makes on every run, so that a retry of the block
/// finds it there again? `CREATE TABLE IF NOT EXISTS t …; DROP TABLE t` or `ADD COLUMN IF NOT
/// EXISTS old …; DROP COLUMN old`: the drop needs no IF EXISTS (see `made_earlier_in_block`).
pub fn dropped_made_earlier_in_block(
    drop: &crate::sql::Statement,
    at: usize,
    earlier: &[crate::sql::Statement],
    text: &str,
    dialect: crate::sql::Dialect,
) -> bool {
    // `DROP TABLE a, b`: every object the drop at `at` takes.
    every_step_at(
        drop,
        at,
        |step| step.event == Event::Remove && !step.rename,
        |step| {
            made_earlier_in_block(
                &step.key,
                step.schema.as_deref(),
                earlier,
                drop,
                text,
                dialect,
            )
        },
    )
}

/// Do the steps of `statement` at byte `at` that `chosen` selects exist, and does `holds` hold
/// for every one of them?
pub(super) fn every_step_at(
    statement: &crate::sql::Statement,
    at: usize,
    chosen: impl Fn(&Step) -> bool,
    holds: impl Fn(&Step) -> bool,
) -> bool {
    let at_byte: Vec<Step> = steps(statement)
        .into_iter()
        .filter(|step| step.range.contains(&at) && chosen(step))
        .collect();
    !at_byte.is_empty() && at_byte.iter().all(holds)
}

/// Is what `make` creates at byte `at` (`CREATE TYPE`, `ADD CONSTRAINT`) removed or renamed
/// away by a statement of `later` (the rest of its DO body) on every run, in one straight run
/// (see `made_earlier_in_block`)? Then a retry of the block finds the name free again: `CREATE
/// TYPE mood …; DROP TYPE mood;` runs twice (after a rename away, the rename's own retry is its
/// rule's business). Only the object's own removal counts: a drop of its table leaves the
/// retry's ALTER failing there.
pub fn made_removed_later_in_block(
    make: &crate::sql::Statement,
    at: usize,
    later: &[crate::sql::Statement],
    text: &str,
    dialect: crate::sql::Dialect,
) -> bool {
    made_freed_in_block(make, at, later, text, dialect, freed_later)
}

/// Does the rename at byte `at` of `rename` (in a DO body) take what a statement right before
/// it makes (see `made_earlier_in_block`) to a name a later statement of the block frees again
/// (see `freed_later`)? Then a retry of the block finds the old name made again and the new one
/// free: `CREATE TYPE mood …; ALTER TYPE mood RENAME TO mood_old; DROP TYPE mood_old;`.
pub fn renamed_made_earlier_in_block(
    rename: &crate::sql::Statement,
    at: usize,
    earlier: &[crate::sql::Statement],
    later: &[crate::sql::Statement],
    text: &str,
    dialect: crate::sql::Dialect,
) -> bool {
    every_step_at(
        rename,
        at,
        |step| step.event == Event::Remove && step.rename,
        |step| {
            let schema = step.schema.as_deref();
            step.to.as_ref().is_some_and(|to| {
                made_earlier_in_block(&step.key, schema, earlier, rename, text, dialect)
                    && freed_later(to, schema, rename, later, text, dialect)
            })
        },
    )
}

/// Is what `make` creates at byte `at` (`CREATE TABLE t`) freed by a statement right before
/// it in its DO body (see `freed_earlier`): `DROP TABLE t; CREATE TABLE t …`? PostgreSQL's DO
/// block is one transaction, so the creation runs only right after the drop found and removed
/// the object, and never meets it there, on a retry either (the drop's own retry is its rule's
/// business).
pub fn made_freed_earlier_in_block(
    make: &crate::sql::Statement,
    at: usize,
    earlier: &[crate::sql::Statement],
    text: &str,
    dialect: crate::sql::Dialect,
) -> bool {
    made_freed_in_block(make, at, earlier, text, dialect, freed_earlier)
}

/// What `freed_later` or `freed_earlier` tells.
type Freed = fn(
    &Key,
    Option<&str>,
    &crate::sql::Statement,
    &[crate::sql::Statement],
    &str,
    crate::sql::Dialect,
) -> bool;

/// Is every object `make` creates at byte `at` one that `freed` says a statement of `others`
/// (of its DO body) frees, in one straight run with it?
fn made_freed_in_block(
    make: &crate::sql::Statement,
    at: usize,
    others: &[crate::sql::Statement],
    text: &str,
    dialect: crate::sql::Dialect,
    freed: Freed,
) -> bool {
    every_step_at(
        make,
        at,
        |step| step.event == Event::Create,
        |step| {
            freed(
                &step.key,
                step.schema.as_deref(),
                make,
                others,
                text,
                dialect,
            )
        },
    )
}

/// Is the first statement of `later` that touches `key` (of schema `written`) one that removes
/// it or renames it away, with only statements between it and `from`?
fn freed_later(
    key: &Key,
    written: Option<&str>,
    from: &crate::sql::Statement,
    later: &[crate::sql::Statement],
    text: &str,
    dialect: crate::sql::Dialect,
) -> bool {
    let Some(j) = later.iter().position(|s| touches_key(s, key)) else {
        return false;
    };
    let run: Vec<&crate::sql::Statement> = std::iter::once(from).chain(&later[..=j]).collect();
    frees_key(&later[j], key, written) && straight_run(&run, text, dialect)
}

/// Is the last statement of `earlier` that touches `key` (of schema `written`) one that removes
/// it or renames it away, with only statements between it and `to`?
fn freed_earlier(
    key: &Key,
    written: Option<&str>,
    to: &crate::sql::Statement,
    earlier: &[crate::sql::Statement],
    text: &str,
    dialect: crate::sql::Dialect,
) -> bool {
    let Some(j) = earlier.iter().rposition(|s| touches_key(s, key)) else {
        return false;
    };
    let run: Vec<&crate::sql::Statement> = earlier[j..].iter().chain([to]).collect();
    frees_key(&earlier[j], key, written) && straight_run(&run, text, dialect)
}

/// Does `statement` touch `key`: a step on it, or a rename onto it?
fn touches_key(statement: &crate::sql::Statement, key: &Key) -> bool {
    steps(statement).iter().any(|other| other.key == *key)
        || arrivals(statement).iter().any(|a| a.key == *key)
}

/// Does `statement` remove `key` of schema `written` (a drop, or a rename away), and rename
/// nothing onto it?
fn frees_key(statement: &crate::sql::Statement, key: &Key, written: Option<&str>) -> bool {
    steps(statement).iter().any(|other| {
        other.key == *key && other.event == Event::Remove && other.schema.as_deref() == written
    }) && !arrivals(statement).iter().any(|a| a.key == *key)
}

/// The last event of a look-back on `key` in `schema` (`None`: not known, any).
pub(super) fn last_in(
    last: &super::DigestMap<LastEvent>,
    last_in: &super::DigestMap<Stamped>,
    key: u64,
    schema: Option<&str>,
) -> Option<Stamped> {
    let last = last.get(&key)?;
    match schema {
        // Any schema's: the last event of all.
        None => Some(last.any),
        // Of this schema, or of a name the file did not place (it may be this one): the later.
        Some(schema) => {
            let known = last_in.get(&in_schema(key, schema)).copied();
            known
                .into_iter()
                .chain(last.unknown)
                .max_by_key(|&(_, at)| at)
        }
    }
}
