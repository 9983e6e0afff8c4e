//! The first pass: per object some statement removes, where and what the file does to it,
//! and what the later statements need (views over dropped tables, re-created tables' columns,
//! enum labels, renames).

use super::labels::{column_type_changes, composite_made, label_change, relabels, retyped_columns};
use super::references::{dropped_constraints, references};
use super::steps::{arrivals, drops_with_cascade, schema, steps, Arrival};
use super::type_uses::{type_user, TypeUser};
use super::words::{words, Removals};
use super::{
    column_digest, object_digest, Blocker, DropSite, Event, Key, LaterDrop, Removed, Sequence,
    Step, TypeRef, UsedType,
};
use crate::lint::digest::digest;
use crate::sql::{Dialect, ObjectKind, ShapeKind, Statement};

impl Sequence {
    /// Keeps the spelling of the table `key` names when it is not in lower case and table
    /// names are compared exactly ([`Self::tables_in_other_case`]).
    fn spell_table(&mut self, key: &Key) {
        let (Key::Object(ObjectKind::Table, table) | Key::Column(table, _)) = key else {
            return;
        };
        if !crate::sql::tables_exact() {
            return;
        }
        let folded = crate::sql::fold_unquoted(table);
        if folded == *table {
            return;
        }
        let spellings = self.table_spellings.entry(folded).or_default();
        if !spellings.iter().any(|s| **s == **table) {
            spellings.push(table.as_str().into());
        }
    }

    /// The tables other than `table` whose names differ from its only in case that the file's
    /// recorded steps name, as written: under MySQL's and MariaDB's `lower_case_table_names =
    /// 0` they are other tables (what the file does to `Users` leaves `users` alone). Empty
    /// where table names are compared without case.
    pub fn tables_in_other_case(&self, table: &str) -> Vec<String> {
        if !crate::sql::tables_exact() {
            return Vec::new();
        }
        let folded = crate::sql::fold_unquoted(table);
        let mut out: Vec<String> = self
            .table_spellings
            .get(&folded)
            .into_iter()
            .flatten()
            .filter(|s| ***s != *table)
            .map(|s| s.to_string())
            .collect();
        let lower_named = !self
            .events
            .of(object_digest(ObjectKind::Table, &folded))
            .is_empty();
        if folded != table && lower_named {
            out.push(folded);
        }
        out
    }

    /// First pass: adds a top-level statement's removals (and, of removed objects, later
    /// creations). Any statement may be skipped that [`may_look_ahead`](Self::may_look_ahead)
    /// refuses. Statements come in file order, or: every statement of [`Role::Removal`](super::Role::Removal) in
    /// file order, then, in file order, those of the others that matter ([`Role::Special`](super::Role::Special),
    /// and a [`Role::Creation`](super::Role::Creation) that [`Removals::may_bring_back`] what they remove).
    pub fn look_ahead(&mut self, statement: &Statement) {
        let index = u32::try_from(statement.index).unwrap_or(u32::MAX);
        // MySQL's and MariaDB's `USE db` too.
        if self.dialect != Dialect::Sqlite {
            if let Some(change) = crate::sql::search_path::path_change(&statement.tokens) {
                self.path_changes.push((index, super::path_after(change)));
                return;
            }
        }
        let top = steps(statement);
        // The statement's own CASCADE: the same for each name of a `DROP TABLE a, b CASCADE`.
        let cascade = top.iter().any(|step| drops_with_cascade(statement, step));
        for step in &top {
            if drops_with_cascade(statement, step) && takes_foreign_keys(&step.key) {
                self.cascaded_columns.insert((step.key.digest(), index));
            }
            self.look_ahead_step(step, true, index);
            self.events.push(step.key.digest(), index, step.event);
            self.spell_table(&step.key);
            if step.guarded && step.event == Event::Create {
                self.made_if_missing.push((index, step.key.digest()));
            }
            // A column's step acts in its table's schema.
            if let Key::Object(ObjectKind::Table, _) | Key::Column(..) = step.key {
                self.table_schemas
                    .entry(step.key.digest())
                    .or_default()
                    .push((index, step.event, step.schema.clone()));
            }
            if step.rename {
                self.renamed_away.insert((step.key.digest(), index));
                // The step's own guard: the table's `IF EXISTS` guards the table's rename
                // (`ALTER TABLE IF EXISTS t RENAME TO t2`, which [`steps`] folds in), not one of
                // a column of it, which runs whenever the table is there.
                let guarded = step.guarded;
                if let Some(to) = &step.to {
                    let onto = if guarded {
                        &mut self.guarded_onto
                    } else {
                        &mut self.renamed_onto
                    };
                    onto.push((index, to.digest(), step.schema.clone(), step.key.digest()));
                }
            }
        }
        if statement.shape.kind == ShapeKind::AlterTable {
            self.readded_at_once
                .extend(readded_at_once(&top).map(|(d, guarded)| (index, d, guarded)));
        }
        // What a DO block's statements do may or may not happen (a guarded rename is skipped
        // when its new name exists): it can make a read fail (PF123), never prove a CREATE safe.
        for nested in &statement.nested {
            if nested.shape.kind == ShapeKind::Rename(ObjectKind::Type) {
                self.value_renamed_in_blocks.extend(relabels(nested));
            }
            for step in steps(nested) {
                if drops_with_cascade(nested, &step) && takes_foreign_keys(&step.key) {
                    self.cascaded_columns.insert((step.key.digest(), index));
                }
                // A block's drop or rename of a column may run: the column may be gone after
                // it. What it gives may not be there.
                if let (Event::Remove, Key::Column(table, column)) = (step.event, &step.key) {
                    self.column_changes
                        .entry(object_digest(ObjectKind::Table, table))
                        .or_default()
                        .push((index, Some(column.clone()), None));
                }
                self.look_ahead_step(&step, false, index);
                self.conditional.push(step.key.digest(), index, step.event);
                self.spell_table(&step.key);
            }
        }
        if let Some(kind) = relabels(statement) {
            self.relabelled.entry(kind).or_default().push(index);
        }
        if let Some((key, change)) = label_change(statement) {
            self.labels.entry(key).or_default().push((index, change));
        } else if let Some(key) = composite_made(statement) {
            self.composites.push((index, key));
        }
        self.type_changes.extend(
            column_type_changes(statement)
                .into_iter()
                .map(|(column, to)| (index, column, to)),
        );
        for column in std::iter::once(statement)
            .chain(&statement.nested)
            .flat_map(retyped_columns)
        {
            self.retyped.push((index, column));
        }
        if let Some(routine) = opaque_retype(statement) {
            self.opaque_retypes.push((index, routine));
        }
        for Arrival { key, old, .. } in arrivals(statement) {
            self.arrivals
                .entry(key.digest())
                .or_default()
                .push((index, old.into()));
        }
        // What a re-creation of a table creates: PF123 tells a read of its new columns. A
        // composite type's attributes too: a drop of one finds it after the type is made again.
        let mut columns: Option<Vec<String>> = None;
        for step in &top {
            if let Key::Column(table, column) = &step.key {
                let change = match step.event {
                    Event::Create => (index, None, Some(column.clone())),
                    Event::Remove => {
                        let to = match &step.to {
                            Some(Key::Column(_, new)) => Some(new.clone()),
                            _ => None,
                        };
                        (index, Some(column.clone()), to)
                    }
                };
                self.column_changes
                    .entry(object_digest(ObjectKind::Table, table))
                    .or_default()
                    .push(change);
            }
            let (Event::Create, Key::Object(kind @ (ObjectKind::Table | ObjectKind::Type), _)) =
                (step.event, &step.key)
            else {
                continue;
            };
            let columns = columns
                .get_or_insert_with(|| match kind {
                    ObjectKind::Table => {
                        crate::lint::rules::read_removed_later::table_columns(statement)
                    }
                    _ => created_attributes(statement),
                })
                .clone();
            if step.guarded && *kind == ObjectKind::Table {
                self.fresh_columns
                    .push((index, step.key.digest(), columns.clone()));
            }
            let last = self.table_columns.entry(step.key.digest()).or_default();
            if last.0 <= index {
                *last = (index, columns);
            }
        }
        let shape = &statement.shape;
        match &shape.kind {
            ShapeKind::Create(kind @ (ObjectKind::View | ObjectKind::MaterializedView)) => {
                if let Some(name) = shape.object() {
                    let key = object_digest(*kind, name.base());
                    // A word as a table's name and as a column's ([`super::column_word`]).
                    let words = words(statement)
                        .iter()
                        .flat_map(|w| {
                            let column = super::column_word(w);
                            let twin = (column != w.as_str()).then(|| digest(&column));
                            std::iter::once(digest(w.as_str())).chain(twin)
                        })
                        .collect();
                    self.views.push((index, key, name.text.clone(), words));
                }
            }
            ShapeKind::Create(ObjectKind::Table) if creates_as_query(statement) => {
                let mut read = words(statement);
                if let Some(name) = shape.object() {
                    read.retain(|w| w != name.base());
                }
                let columns = crate::lint::rules::read_removed_later::created_as_reads(
                    statement,
                    self.dialect,
                );
                self.created_as.push((index, read, columns));
            }
            ShapeKind::AlterTable => {
                let has = |kw: &str| statement.tokens.iter().any(|t| t.is_kw(kw));
                if has("PRIMARY") && has("AUTO_INCREMENT") {
                    if let Some(name) = shape.object() {
                        self.auto_increment_keys
                            .entry(object_digest(ObjectKind::Table, name.base()))
                            .or_default()
                            .push((schema(name), index));
                    }
                }
            }
            _ => {}
        }
        // What a DO block creates over a type is there after the first run as well.
        let users = std::iter::once(statement)
            .chain(&statement.nested)
            .filter_map(type_user);
        for TypeUser {
            kind,
            name,
            how,
            types,
        } in users
        {
            let types = types
                .into_iter()
                .map(|(r, column)| (r, column.map(|c| column_digest(name.base(), &c))))
                .collect();
            self.type_users.push((
                index,
                object_digest(kind, name.base()),
                name.text.clone(),
                how,
                types,
            ));
        }
        if let ShapeKind::Drop(
            kind @ (ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView),
        ) = shape.kind
        {
            let guarded = shape.guard.is_some_and(|g| g.present);
            for (position, name) in shape.names.iter().enumerate() {
                self.drop_sites.push(DropSite {
                    index,
                    kind,
                    base: name.base().to_string(),
                    schema: schema(name).map(String::from),
                    position,
                    count: shape.names.len(),
                    range: statement.range.clone(),
                    guarded,
                    cascade,
                    text: name.text.clone(),
                });
            }
        }
        if self.dialect == Dialect::Postgres {
            self.look_ahead_keys(statement, &top);
        }
        self.references.extend(
            references(statement, self.dialect)
                .into_iter()
                .map(|r| (index, r)),
        );
        let nested = statement.nested.iter().flat_map(dropped_constraints);
        for (table, name) in dropped_constraints(statement).into_iter().chain(nested) {
            self.constraint_drops.push((index, table, name));
        }
        if let ShapeKind::Drop(kind @ (ObjectKind::Type | ObjectKind::Domain)) = shape.kind {
            if !cascade {
                for name in &shape.names {
                    self.type_drops.push((
                        index,
                        object_digest(kind, name.base()),
                        digest(name.base()),
                        schema(name),
                    ));
                }
            }
        }
        for step in top.iter().filter(|s| s.event == Event::Remove) {
            if let Key::Object(
                ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView,
                name,
            ) = &step.key
            {
                // MySQL and MariaDB parse CASCADE and ignore it: a view over the table stays.
                let list =
                    if drops_with_cascade(statement, step) && self.dialect == Dialect::Postgres {
                        &mut self.cascades
                    } else {
                        &mut self.drops
                    };
                list.push((index, step.key.digest(), digest(name.as_str())));
            }
        }
    }

    /// End of the first pass: which drops a later view blocks (needs the file's last events).
    pub fn end_look_ahead(&mut self) {
        let mut drops = std::mem::take(&mut self.drops);
        let mut views = std::mem::take(&mut self.views);
        // In file order (stable: one statement's in their order).
        drops.sort_by_key(|d| d.0);
        views.sort_by_key(|v| v.0);
        self.cascades.sort_by_key(|c| c.0);
        self.found = Removals::default();
        self.events.group();
        self.conditional.group();
        self.key_drop_blockers();
        self.foreign_key_blockers();
        // MySQL, MariaDB and SQLite keep no dependencies of views: a view does not block a drop.
        // SQLite refuses `DROP TABLE [IF EXISTS] v` of a view's name, though ("use DROP VIEW").
        let pg = self.dialect == Dialect::Postgres;
        let sqlite = self.dialect == Dialect::Sqlite;
        for (i, key, name_digest) in drops.iter().filter(|_| pg || sqlite) {
            let dependent = views.iter().find(|(k, view, text, words)| {
                if !pg && digest(folded_base(text).as_str()) != *name_digest {
                    return false;
                }
                let events = self.events.of(*view);
                let dropped_first = events.iter().any(|&(_, j, e)| j < *i && e == Event::Remove);
                let gone_after_file = self.transactional()
                    && events.last().map(|&(_, _, e)| e) == Some(Event::Remove);
                k > i
                    && view != key
                    && words.contains(name_digest)
                    && !dropped_first
                    && !gone_after_file
            });
            if let Some((_, _, text, _)) = dependent {
                self.blocked.entry(*i as usize).or_default().push(Blocker {
                    key: *key,
                    dropped: None,
                    dropped_base: None,
                    via: None,
                    same_name: digest(folded_base(text).as_str()) == *name_digest,
                    dependent: text.clone(),
                    foreign_key: false,
                    type_use: None,
                    later_in_statement: false,
                    later_drop: None,
                    key_drop: None,
                });
            }
        }
        // An object that uses a type (or domain) the file drops earlier without CASCADE
        // (PostgreSQL): a table with a column of it, a domain, composite type, function or view
        // over it. A retry meets it at the drop, which fails (`cannot drop type … because other
        // objects depend on it`).
        let type_users = std::mem::take(&mut self.type_users);
        for (i, key, name_digest, dropped_schema) in std::mem::take(&mut self.type_drops)
            .into_iter()
            .filter(|_| pg)
        {
            // Names whose schemas are both spelt and differ are other types.
            let same = |(base, schema): &TypeRef| {
                *base == name_digest
                    && match (schema, &dropped_schema) {
                        (Some(a), Some(b)) => a == b,
                        _ => true,
                    }
            };
            let dependent = type_users.iter().find(|(k, user, _, _, types)| {
                let events = self.events.of(*user);
                // A DO block's drop of it may run: no claim then.
                let dropped_first = events
                    .iter()
                    .chain(self.conditional.of(*user))
                    .any(|&(_, j, e)| j < i && e == Event::Remove);
                // Dropped by the file's last statement on it (renamed, it still uses the type).
                let gone_after_file = |events: &[(u64, u32, Event)]| {
                    self.transactional()
                        && events.last().is_some_and(|&(k, j, e)| {
                            e == Event::Remove && !self.renamed_away.contains(&(k, j))
                        })
                };
                // Under a per-file transaction, a column the file drops later does not use the
                // type when the retry comes.
                let uses = |(r, column): &UsedType| {
                    same(r) && !column.is_some_and(|c| gone_after_file(self.events.of(c)))
                };
                *k > i
                    && *user != key
                    && types.iter().any(uses)
                    && !dropped_first
                    && !gone_after_file(events)
            });
            if let Some((_, _, text, how, _)) = dependent {
                self.blocked.entry(i as usize).or_default().push(Blocker {
                    key,
                    dropped: None,
                    dropped_base: None,
                    via: None,
                    same_name: false,
                    dependent: text.clone(),
                    foreign_key: false,
                    type_use: Some(*how),
                    later_in_statement: false,
                    later_drop: None,
                    key_drop: None,
                });
            }
        }
        // A view over an object that an earlier `DROP … CASCADE` removes and the file creates
        // again before the view: a retry that reaches the view ran the drop, whose cascade
        // removed the view the last attempt created over the new object.
        for (i, key, name_digest) in std::mem::take(&mut self.cascades) {
            for (k, _, _, words) in &views {
                let over_recreated = words.contains(&name_digest)
                    && self
                        .events
                        .of(key)
                        .iter()
                        .any(|&(_, j, e)| i < j && j < *k && e == Event::Create);
                if *k > i && over_recreated {
                    self.cascaded.insert(*k);
                }
            }
        }
        // The cascade goes on through views over those views (lemmy: a view over a
        // materialized view over the dropped view).
        // Only views already known to be cascaded are folded and hashed: most files have none.
        for (at, (k, _, _, words)) in views.iter().enumerate() {
            if self.cascaded.is_empty() {
                break;
            }
            let over_cascaded = views[..at].iter().any(|(j, _, text, _)| {
                if !self.cascaded.contains(j) {
                    return false;
                }
                let base = text.rsplit('.').next().unwrap_or(text);
                let base = match base.strip_prefix('"').and_then(|b| b.strip_suffix('"')) {
                    Some(quoted) if crate::sql::quoted_names_keep_case() => quoted.to_string(),
                    Some(quoted) => crate::sql::fold_unquoted(quoted),
                    None => crate::sql::fold_unquoted(base),
                };
                words.contains(&digest(base.as_str()))
            });
            if over_cascaded {
                self.cascaded.insert(*k);
            }
        }
        self.views = views;
        // The queries after the first pass are all about objects the file removes: those
        // with a `removed` entry.
        let removed = &self.removed;
        self.events
            .0
            .retain(|(key, _, _)| removed.contains_key(key));
        self.conditional
            .0
            .retain(|(key, _, _)| removed.contains_key(key));
        self.conditional.group();
        self.arrivals.retain(|key, _| removed.contains_key(key));
        self.renamed_onto
            .retain(|(_, key, _, _)| removed.contains_key(key));
        self.guarded_onto
            .retain(|(_, key, _, _)| removed.contains_key(key));
        self.relabelled.retain(|key, _| removed.contains_key(key));
        let value_renamed = &self.value_renamed_in_blocks;
        self.labels
            .retain(|key, _| removed.contains_key(key) || value_renamed.contains(key));
        for changes in self.labels.values_mut() {
            changes.sort_by_key(|&(i, _)| i);
        }
        self.type_changes
            .retain(|(_, _, to)| removed.contains_key(to));
        self.type_changes.sort_by_key(|&(i, _, _)| i);
        self.table_columns
            .retain(|key, _| removed.contains_key(key));
        self.column_changes
            .retain(|key, _| removed.contains_key(key));
        // The first pass sees removals before the other statements: in file order, each
        // statement's changes as it writes them.
        for changes in self.column_changes.values_mut() {
            changes.sort_by_key(|&(i, _, _)| i);
        }
        self.table_schemas
            .retain(|key, _| removed.contains_key(key));
        self.made_in_blocks
            .retain(|(_, key)| removed.contains_key(key));
        self.made_where_free_in_blocks
            .retain(|(_, key)| removed.contains_key(key));
        self.made_if_missing
            .retain(|(_, key)| removed.contains_key(key));
        self.fresh_columns
            .retain(|(_, key, _)| removed.contains_key(key));
        self.made_where_free_tables
            .retain(|(_, key, _, _)| removed.contains_key(key));
        self.composites.retain(|(_, key)| removed.contains_key(key));
        self.enums_in_blocks
            .retain(|(_, key)| removed.contains_key(key));
        self.events.0.shrink_to_fit();
        self.conditional.0.shrink_to_fit();
        self.table_columns.shrink_to_fit();
        self.table_schemas.shrink_to_fit();
        // The search_path statements come in file order among the removals; the creations
        // the first pass builds after them set no path.
        self.path_changes.sort_by_key(|&(at, _)| at);
    }

    /// Does a statement whose index `between` accepts drop foreign key `r` (by its name, or any
    /// key of its table when either name is not known)?
    fn reference_dropped(
        &self,
        r: &super::references::Reference,
        between: &dyn Fn(u32) -> bool,
    ) -> bool {
        self.constraint_drops.iter().any(|(at, table, name)| {
            between(*at)
                && *table == r.child
                && (r.name.is_none() || name.is_empty() || r.name.as_ref() == Some(name))
        })
    }

    /// First pass (PostgreSQL): a top-level statement's uncascaded `DROP CONSTRAINT`s and the
    /// keys it declares ([`crate::sql::keys::declared_keys`]), for [`Self::key_drop_blockers`].
    fn look_ahead_keys(&mut self, statement: &Statement, top: &[Step]) {
        if !matches!(
            statement.shape.kind,
            ShapeKind::AlterTable | ShapeKind::Create(ObjectKind::Table)
        ) {
            return;
        }
        for step in top {
            if let (Event::Remove, false, Key::Constraint(table, name)) =
                (step.event, step.rename, &step.key)
            {
                if !drops_with_cascade(statement, step) {
                    self.key_drops.push(super::KeyDrop {
                        index: u32::try_from(statement.index).unwrap_or(u32::MAX),
                        table: table.clone(),
                        schema: step.schema.as_deref().map(String::from),
                        name: name.clone(),
                    });
                }
            }
        }
        let index = u32::try_from(statement.index).unwrap_or(u32::MAX);
        for key in crate::sql::keys::declared_keys(statement) {
            self.key_adds
                .entry(key.table.clone())
                .or_default()
                .push((index, key));
        }
    }

    /// PostgreSQL: the drops of a key (`ALTER TABLE p DROP [IF EXISTS] CONSTRAINT p_u1`, no
    /// CASCADE) that the file adds again after the drop, when a later foreign key of the file
    /// references exactly that key's columns (`REFERENCES p (code)`; a primary key, also
    /// `REFERENCES p`): a retry from a crash point after the foreign key meets it at the drop,
    /// which fails (`cannot drop constraint p_u1 on table p because other objects depend on
    /// it`). Not claimed where another key the file declares on `p` has the same columns (the
    /// foreign key may use that one), for a self-reference, or where a statement before the drop
    /// removes the child, its foreign key or `p`, or a DO block touches the child; under a
    /// per-file transaction, where the file removes the child, its key, `p` or the key after
    /// the foreign key. The state is keyed by table: each drop looks at the foreign keys to its
    /// own table and that table's keys only.
    fn key_drop_blockers(&mut self) {
        let mut drops = std::mem::take(&mut self.key_drops);
        let adds = std::mem::take(&mut self.key_adds);
        if drops.is_empty() || self.references.is_empty() {
            return;
        }
        drops.sort_by_key(|d| d.index);
        let mut by_parent: std::collections::HashMap<&str, Vec<usize>> =
            std::collections::HashMap::new();
        for (at, (_, r)) in self.references.iter().enumerate() {
            by_parent.entry(r.parent.as_str()).or_default().push(at);
        }
        let tx = self.transactional();
        let mut found: Vec<(usize, Blocker)> = Vec::new();
        for d in &drops {
            let i = d.index;
            let keys = adds.get(&d.table).map_or(&[][..], Vec::as_slice);
            // The key's name dropped again (no CASCADE) at a statement in `between`.
            let name_dropped = |name: &str, between: &dyn Fn(u32) -> bool| {
                drops
                    .iter()
                    .any(|o| o.table == d.table && o.name == name && between(o.index))
            };
            let parent = object_digest(ObjectKind::Table, &d.table);
            let parent_events = self.events.of(parent);
            for &at in by_parent.get(d.table.as_str()).into_iter().flatten() {
                let (k, r) = &self.references[at];
                let k = *k;
                let same_schema = match (&r.parent_schema, &d.schema) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                };
                if k <= i || r.child == d.table || !same_schema {
                    continue;
                }
                // The key comes back between the drop and the foreign key, and is the one of
                // those columns there at the foreign key.
                let matches = |key: &crate::sql::keys::DeclaredKey| {
                    if r.parent_columns.is_empty() {
                        key.is_primary
                    } else {
                        key.columns.len() == r.parent_columns.len()
                            && key.columns.iter().all(|c| r.parent_columns.contains(c))
                    }
                };
                let Some((j, _)) = keys
                    .iter()
                    .filter(|(j, key)| i < *j && *j < k && key.name == d.name && matches(key))
                    .max_by_key(|(j, _)| *j)
                else {
                    continue;
                };
                let j = *j;
                let other_key = keys
                    .iter()
                    .any(|(at, key)| *at < k && key.name != d.name && matches(key));
                if other_key || name_dropped(&d.name, &|o| j < o && o < k) {
                    continue;
                }
                let child = object_digest(ObjectKind::Table, &r.child);
                let child_events = self.events.of(child);
                let removed = |events: &[(u64, u32, Event)], between: &dyn Fn(u32) -> bool| {
                    events
                        .iter()
                        .any(|&(_, at, e)| between(at) && e == Event::Remove)
                };
                let fk_dropped = |between: &dyn Fn(u32) -> bool| self.reference_dropped(r, between);
                let before = |at: u32| at < i;
                let after = |at: u32| at > k;
                if removed(child_events, &before)
                    || removed(parent_events, &before)
                    || fk_dropped(&before)
                    || !self.conditional.of(child).is_empty()
                    || (tx
                        && (removed(child_events, &after)
                            || removed(parent_events, &after)
                            || fk_dropped(&after)
                            || name_dropped(&d.name, &after)))
                {
                    continue;
                }
                let dependent = match &r.child_schema {
                    Some(schema) => format!("{schema}.{}", r.child),
                    None => r.child.clone(),
                };
                let key = Key::Constraint(d.table.clone(), d.name.clone()).digest();
                if found
                    .iter()
                    .any(|(f, b)| *f == i as usize && b.key == key && b.dependent == dependent)
                {
                    continue;
                }
                found.push((
                    i as usize,
                    Blocker {
                        key,
                        dropped: Some(d.table.clone()),
                        dropped_base: None,
                        via: None,
                        dependent,
                        foreign_key: true,
                        type_use: None,
                        same_name: false,
                        later_in_statement: false,
                        later_drop: None,
                        key_drop: Some((d.name.clone(), r.name.clone())),
                    },
                ));
            }
        }
        for (i, blocker) in found {
            self.blocked.entry(i).or_default().push(blocker);
        }
    }

    /// The drops of a table that a foreign key from a table the file creates (or alters) later
    /// still references when a retry runs them: the child exists then (from any crash point
    /// after the key's statement; under a per-file transaction, when the file leaves it and its
    /// key in place), unless a statement before the drop removes it or its key. The parent is
    /// created again between the drop and the key by a top-level statement. Where a DO block
    /// touches the child, nothing is claimed.
    fn foreign_key_blockers(&mut self) {
        let mut sites = std::mem::take(&mut self.drop_sites);
        if self.references.is_empty() {
            return;
        }
        sites.sort_by_key(|d| (d.index, d.position));
        self.references.sort_by_key(|r| r.0);
        let mut by_parent: std::collections::HashMap<&str, Vec<usize>> =
            std::collections::HashMap::new();
        for (at, (_, r)) in self.references.iter().enumerate() {
            by_parent.entry(r.parent.as_str()).or_default().push(at);
        }
        let same_schema = |a: &Option<String>, b: &Option<String>| match (a, b) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        let tx = self.transactional();
        let mut found: Vec<(usize, Blocker)> = Vec::new();
        // A drop that fails leaves its table in place: a drop of the child that a retry cannot
        // run either does not clear the way for its parent's (ranger: `x_service`'s drop fails,
        // so `x_service_def`'s after it does too). Repeated until nothing new is found.
        loop {
            let before = found.len();
            for d in sites.iter().filter(|d| d.kind == ObjectKind::Table) {
                // PostgreSQL's CASCADE drops the foreign keys along; MySQL and MariaDB ignore it.
                if d.cascade && self.dialect == Dialect::Postgres {
                    continue;
                }
                let i = d.index;
                let parent = object_digest(ObjectKind::Table, &d.base);
                let parent_events = self.events.of(parent);
                for &at in by_parent.get(d.base.as_str()).into_iter().flatten() {
                    let (k, r) = &self.references[at];
                    let k = *k;
                    if k <= i || r.child == d.base || !same_schema(&r.parent_schema, &d.schema) {
                        continue;
                    }
                    let recreated = parent_events
                        .iter()
                        .any(|&(_, j, e)| i < j && j < k && e == Event::Create);
                    let parent_gone_after = parent_events
                        .iter()
                        .any(|&(_, j, e)| j > k && e == Event::Remove);
                    let child = object_digest(ObjectKind::Table, &r.child);
                    let child_events = self.events.of(child);
                    let failing_drop = |j: u32| {
                        found.iter().any(|(f, b)| {
                            *f == j as usize
                                && b.foreign_key
                                && b.dropped_base.as_deref() == Some(r.child.as_str())
                        })
                    };
                    let removals_before: Vec<u32> = child_events
                        .iter()
                        .filter(|&&(_, j, e)| j < i && e == Event::Remove)
                        .map(|&(_, j, _)| j)
                        .collect();
                    let removed_first = removals_before.iter().any(|&j| !failing_drop(j));
                    let via = removals_before.last().copied();
                    let child_gone_after = child_events
                        .iter()
                        .any(|&(_, j, e)| j > k && e == Event::Remove);
                    let in_do_block = !self.conditional.of(child).is_empty();
                    let key_dropped =
                        |between: &dyn Fn(u32) -> bool| self.reference_dropped(r, between);
                    if !recreated
                        || removed_first
                        || in_do_block
                        || key_dropped(&|j| j < i)
                        || (tx
                            && (child_gone_after || parent_gone_after || key_dropped(&|j| j > k)))
                    {
                        continue;
                    }
                    // Dropped by the same statement: PostgreSQL and MySQL drop both; MariaDB
                    // drops the names in order, and refuses the parent while the child is there.
                    let mut later_in_statement = false;
                    if let Some(same) = sites
                        .iter()
                        .find(|s| s.index == i && s.kind == ObjectKind::Table && s.base == r.child)
                    {
                        if self.dialect != Dialect::Mariadb || same.position < d.position {
                            continue;
                        }
                        later_in_statement = true;
                    }
                    let later_drop = sites
                        .iter()
                        .find(|s| {
                            s.kind == ObjectKind::Table
                                && s.base == r.child
                                && s.index > i
                                && s.index < k
                                && same_schema(&s.schema, &r.child_schema)
                        })
                        .map(|s| LaterDrop {
                            range: s.range.clone(),
                            single: s.count == 1,
                            guarded: s.guarded,
                            name: s.text.clone(),
                        });
                    let dependent = match &r.child_schema {
                        Some(schema) => format!("{schema}.{}", r.child),
                        None => r.child.clone(),
                    };
                    let known = found.iter().any(|(f, b)| {
                        *f == i as usize && b.key == parent && b.dependent == dependent
                    });
                    if !known {
                        found.push((
                            i as usize,
                            Blocker {
                                key: parent,
                                dropped: (d.count > 1).then(|| d.base.clone()),
                                dropped_base: Some(d.base.clone()),
                                dependent,
                                same_name: false,
                                foreign_key: true,
                                type_use: None,
                                later_in_statement,
                                later_drop,
                                via,
                                key_drop: None,
                            },
                        ));
                    }
                }
            }
            if found.len() == before {
                break;
            }
        }
        for (i, blocker) in found {
            self.blocked.entry(i).or_default().push(blocker);
        }
        self.references = Vec::new();
        self.constraint_drops = Vec::new();
    }

    /// An event of statement `index` on an object. Every removal comes before any event of
    /// a later statement: a creation before the object's first removal is no event of it.
    pub(super) fn look_ahead_step(&mut self, step: &Step, top: bool, index: u32) {
        let key = step.key.digest();
        let removed = match step.event {
            Event::Remove => {
                self.found.add_step(step);
                if let (true, Some(to)) = (step.rename, &step.to) {
                    self.renames_to.push((index, key, to.digest()));
                    if let (
                        Key::Object(ObjectKind::Table, old),
                        Key::Object(ObjectKind::Table, new),
                    ) = (&step.key, to)
                    {
                        self.table_renames
                            .push((index, old.as_str().into(), new.as_str().into()));
                    }
                }
                self.removes_tables |= matches!(step.key, Key::Object(ObjectKind::Table, _));
                if let Key::Column(table, _) = &step.key {
                    self.tables_losing_columns
                        .insert(object_digest(ObjectKind::Table, table));
                }
                self.removed
                    .entry(key)
                    .or_insert_with(|| Removed::new(None, index))
            }
            Event::Create => match self.removed.get_mut(&key) {
                Some(removed) => removed,
                None => return,
            },
        };
        // A statement seen later may come first in the file: only a later one's event counts.
        if index >= removed.last_at {
            removed.last = step.event;
            removed.last_at = index;
        }
        if top {
            top_event(removed, step, index);
        }
    }

    /// A rename in the DO block of statement `index` that every run getting past the block
    /// ran ([`look_ahead_in`](Self::look_ahead_in)), already seen as the block's by
    /// [`look_ahead_step`](Self::look_ahead_step): a top-level event too, for what the file
    /// leaves (`Removed::last_top`), as `ALTER TABLE d2 RENAME TO d2_old` written at the top
    /// level is.
    pub(super) fn look_ahead_always_run(&mut self, step: &Step, index: u32) {
        if let Some(removed) = self.removed.get_mut(&step.key.digest()) {
            top_event(removed, step, index);
        }
    }
}

/// Top-level statement `index` does `step` to the object of `removed`: the file's last
/// top-level event on it, unless a later statement's is known.
fn top_event(removed: &mut Removed, step: &Step, index: u32) {
    if index >= removed.last_top_at {
        removed.last_top = Some(step.event);
        removed.last_top_at = index;
        removed.last_top_schema = step.schema.clone();
    }
}

/// The base name of a view's name as written, as the replay keys it (`s."V"` → `V`, `s.V` → `v`).
fn folded_base(text: &str) -> String {
    let base = text.rsplit('.').next().unwrap_or(text);
    match base
        .strip_prefix('"')
        .and_then(|b| b.strip_suffix('"'))
        .or_else(|| base.strip_prefix('`').and_then(|b| b.strip_suffix('`')))
    {
        Some(quoted) if crate::sql::quoted_names_keep_case() => quoted.to_string(),
        Some(quoted) => crate::sql::fold_unquoted(quoted),
        None => crate::sql::fold_unquoted(base),
    }
}

/// Is `statement` a DO block or a routine whose text, strings included (`EXECUTE '…'`, a body
/// in `$$ … $$`), may change a column's type (has ALTER and TYPE)? `Some(true)` for a routine,
/// which a call before or after the statement may run.
fn opaque_retype(statement: &Statement) -> Option<bool> {
    use sqlparser::tokenizer::Token;
    let routine = matches!(
        statement.shape.kind,
        ShapeKind::Create(ObjectKind::Function | ObjectKind::Procedure)
    );
    let block = statement.tokens.first().is_some_and(|t| t.is_kw("DO"));
    if !routine && !block {
        return None;
    }
    let (mut alter, mut retype) = (false, false);
    for t in &statement.tokens {
        let text = match &t.token {
            Token::Word(w) => w.value.as_str(),
            Token::SingleQuotedString(s) => s.as_str(),
            Token::DollarQuotedString(d) => d.value.as_str(),
            _ => continue,
        };
        alter |= super::words::contains_ignore_case(text, "alter");
        retype |= super::words::contains_ignore_case(text, "type");
    }
    (alter && retype).then_some(routine)
}

/// The columns an `ALTER TABLE`'s `steps` drop and then add again, as key digests, with
/// whether the drop has `IF EXISTS`: the statement's last step on each is the addition.
fn readded_at_once(steps: &[Step]) -> impl Iterator<Item = (u64, bool)> + '_ {
    steps.iter().enumerate().filter_map(|(at, step)| {
        let drop = steps[..at]
            .iter()
            .find(|s| s.event == Event::Remove && !s.rename && s.key == step.key)?;
        let readds = matches!(step.key, Key::Column(..))
            && step.event == Event::Create
            && !steps[at + 1..].iter().any(|s| s.key == step.key);
        readds.then(|| (step.key.digest(), drop.guarded))
    })
}

/// A drop of a column or a constraint (the referenced key) with CASCADE takes the foreign keys
/// that reference it.
fn takes_foreign_keys(key: &Key) -> bool {
    matches!(key, Key::Column(..) | Key::Constraint(..))
}

/// `CREATE TABLE t [(columns)] AS query`: an `AS` outside parentheses (a column's `GENERATED …
/// AS (…)` or `AS IDENTITY` sits inside the column list).
fn creates_as_query(statement: &Statement) -> bool {
    crate::lint::safety::top_level_kw(&statement.tokens, "AS").is_some()
}

/// The attribute names of PostgreSQL's `CREATE TYPE name AS (a int, …)`, folded: the first word
/// of each element of the list. Empty for any other `CREATE TYPE` (an enum, a range, a base
/// type).
fn created_attributes(statement: &Statement) -> Vec<String> {
    use sqlparser::tokenizer::Token;
    let tokens = &statement.tokens;
    let Some(open) = tokens
        .windows(2)
        .position(|w| w[0].is_kw("AS") && w[1].is(&Token::LParen))
        .map(|at| at + 1)
    else {
        return Vec::new();
    };
    let close = crate::sql::lexer::matching_paren(tokens, open).unwrap_or(tokens.len());
    crate::sql::dynamic::split_top(&tokens[open + 1..close], |t| t.is(&Token::Comma))
        .into_iter()
        .filter_map(|element| super::folded(element.first()?))
        .collect()
}
