//! In-file sequence analysis: the file's own effects ([`Statement::effects`], the replay model
//! reconcile and verify use), replayed statement by statement, say which statements survive a
//! retry because of what the rest of the file does.
//!
//! - A CREATE after a DROP of the same object in the same file always survives: any run that
//!   reaches the CREATE ran the DROP first.
//! - Under a per-file transaction only a full re-run can happen, from the state the whole file
//!   left: a DROP of an object the file re-creates later, and a CREATE of an object the file
//!   drops later, survive it too.
//! - A statement that reads a table or column a later statement drops or renames fails on a
//!   retry once that later statement has run (PF123).
//!
//! Lint streams a file (each statement is dropped once checked), so the replay keeps small
//! per-object summaries, by digest, instead of statements:
//!
//! - looking ahead: a first pass over the statements that can remove something
//!   ([`Sequence::may_look_ahead`]) records, per object some statement removes, where it is
//!   removed and the file's last event on it ([`Sequence::look_ahead`]);
//! - looking back: as the lint pass goes, each statement's effects are added once it is checked
//!   ([`Sequence::enter`], [`Sequence::passed`]).

use super::digest::{digest, DigestMap, DigestSet};
use crate::runner::ApplyModel;
use crate::sql::{AlterActionKind, Change, Effect, Name, ObjectKind, ShapeKind, Statement, Target};
use sqlparser::tokenizer::Token;
use std::collections::HashMap;
use std::ops::Range;

/// An object as the replay tracks it: names folded, schemas ignored (as the guards do).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Object(ObjectKind, String),
    Column(String, String),
    Constraint(String, String),
}

impl Key {
    fn digest(&self) -> u64 {
        match self {
            Key::Object(kind, name) => object_digest(*kind, name),
            Key::Column(table, column) => column_digest(table, column),
            Key::Constraint(table, name) => digest((2u8, table.as_str(), name.as_str())),
        }
    }
}

fn object_digest(kind: ObjectKind, name: &str) -> u64 {
    digest((0u8, kind, name))
}

fn column_digest(table: &str, column: &str) -> u64 {
    digest((1u8, table, column))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Create,
    /// Dropped, or renamed away.
    Remove,
}

/// One effect of a statement on a named object, with the bytes it covers.
struct Step {
    key: Key,
    event: Event,
    /// The table it lives on (columns, constraints, indexes).
    table: Option<String>,
    /// The ALTER TABLE action, or the whole statement.
    range: Range<usize>,
}

/// What the file does to an object that some statement removes: where, and what it did last
/// (from the first pass), and what the statements before the current one did (lint pass).
#[derive(Debug)]
struct Removed {
    /// Indexes of the top-level statements that remove it, directly or in a DO block
    /// (which may not run), ascending.
    removes: Vec<u32>,
    /// The file's last event on it, counting DO blocks.
    last: Event,
    /// The file's last event on it among top-level statements; `None` when only DO blocks
    /// remove it and no top-level statement touches it after that.
    last_top: Option<Event>,
    /// The top-level statements before the current one: created it, removed it, what last.
    created_before: bool,
    removed_before: bool,
    /// Removed by an earlier statement whose drop a later view does not block.
    removed_unblocked: bool,
    last_before: Option<Event>,
    /// For an index: the earlier top-level `CREATE INDEX` of that name, as (schema, table base
    /// name), so PF302 can tell an index built on a table of this file.
    indexes: Vec<(Option<Box<str>>, Box<str>)>,
}

impl Removed {
    fn new(last_top: Option<Event>) -> Self {
        Removed {
            removes: Vec::new(),
            last: Event::Remove,
            last_top,
            created_before: false,
            removed_before: false,
            removed_unblocked: false,
            last_before: None,
            indexes: Vec::new(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Sequence {
    model: Option<ApplyModel>,
    /// Objects some statement removes (first pass), with their history so far (lint pass).
    removed: DigestMap<Removed>,
    /// Digests of the tables with a column some statement removes.
    tables_losing_columns: DigestSet,
    /// Tables and columns created by the statements before the current one and never removed by
    /// the file (the removed ones are tracked in `removed`).
    created: DigestSet,
    /// The steps of the statement being checked, applied once it has been checked.
    current: Vec<(u64, Event, bool)>,
    /// Statement index → ranges proved to survive a retry (the current statement only, while
    /// streaming).
    safe: HashMap<usize, Vec<Range<usize>>>,
    /// First pass, when the file can remove something: every top-level event per object, and
    /// the DO-block ones (per-object summaries, no statements).
    events: DigestMap<Vec<(u32, Event)>>,
    conditional: DigestMap<Vec<(u32, Event)>>,
    /// Key → statements that give an existing object this name (`RENAME … TO key`).
    arrivals: DigestMap<Vec<u32>>,
    /// Views the file creates: index, key, name text, the words of the statement.
    views: Vec<(u32, u64, String, DigestSet)>,
    /// Uncascaded drops of tables and views: index, (key digest, folded base name) per step.
    drops: Vec<(u32, Vec<(u64, String)>)>,
    /// Statement index → (dropped key, name of a view a later statement creates over it).
    blocked: HashMap<usize, (u64, String)>,
    /// Table → the last top-level CREATE TABLE of it: index and created columns.
    table_columns: DigestMap<(u32, Vec<String>)>,
    /// Table base → (schema, index) of ALTER TABLEs with PRIMARY and AUTO_INCREMENT.
    auto_increment_keys: DigestMap<Vec<(Option<Box<str>>, u32)>>,
    /// Look-back over every object: the last top-level event before the current statement.
    last_event: DigestMap<Event>,
    /// Index of the current statement (lint pass).
    current_index: usize,
}

impl Sequence {
    pub fn new(model: ApplyModel) -> Sequence {
        Sequence {
            model: Some(model),
            ..Sequence::default()
        }
    }

    /// Can the statement whose text is `text` matter to the look-ahead? Only a DROP or RENAME
    /// removes an object; under a per-file transaction, a later CREATE of a removed object
    /// matters too. The first pass builds only the statements this accepts.
    pub fn may_look_ahead(&self, text: &str) -> bool {
        // Creations matter in every apply model (a later CREATE brings a dropped object back,
        // a later view blocks a drop): every statement that has effects is recognised.
        ["drop", "rename", "create", "alter", "add"]
            .iter()
            .any(|w| contains_ignore_case(text, w))
    }

    /// First pass: adds a top-level statement's removals (and, of removed objects, later
    /// creations). Statements come in file order; any statement may be skipped that
    /// [`may_look_ahead`](Self::may_look_ahead) refuses.
    pub fn look_ahead(&mut self, statement: &Statement) {
        let index = u32::try_from(statement.index).unwrap_or(u32::MAX);
        let top = steps(statement);
        for step in &top {
            self.look_ahead_step(step, index, true);
            self.events
                .entry(step.key.digest())
                .or_default()
                .push((index, step.event));
        }
        // What a DO block's statements do may or may not happen (a guarded rename is skipped
        // when its new name exists): it can make a read fail (PF123), never prove a CREATE safe.
        for step in statement.nested.iter().flat_map(steps) {
            self.look_ahead_step(&step, index, false);
            self.conditional
                .entry(step.key.digest())
                .or_default()
                .push((index, step.event));
        }
        for key in arrivals(statement) {
            self.arrivals.entry(key.digest()).or_default().push(index);
        }
        // What a re-creation of a table creates: PF123 tells a read of its new columns.
        let mut columns: Option<Vec<String>> = None;
        for step in &top {
            if step.event == Event::Create && matches!(step.key, Key::Object(ObjectKind::Table, _))
            {
                let columns = columns
                    .get_or_insert_with(|| {
                        super::rules::read_removed_later::created_columns(statement)
                    })
                    .clone();
                self.table_columns
                    .insert(step.key.digest(), (index, columns));
            }
        }
        let shape = &statement.shape;
        match &shape.kind {
            ShapeKind::Create(kind @ (ObjectKind::View | ObjectKind::MaterializedView)) => {
                if let Some(name) = shape.object() {
                    let key = object_digest(*kind, name.base());
                    let words = words(statement)
                        .iter()
                        .map(|w| digest(w.as_str()))
                        .collect();
                    self.views.push((index, key, name.text.clone(), words));
                }
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
        if !statement.tokens.iter().any(|t| t.is_kw("CASCADE")) {
            let dropped: Vec<(u64, String)> = top
                .iter()
                .filter(|s| s.event == Event::Remove)
                .filter_map(|s| match &s.key {
                    Key::Object(
                        ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView,
                        name,
                    ) => Some((s.key.digest(), name.clone())),
                    _ => None,
                })
                .collect();
            if !dropped.is_empty() {
                self.drops.push((index, dropped));
            }
        }
    }

    /// End of the first pass: which drops a later view blocks (needs the file's last events).
    pub fn end_look_ahead(&mut self) {
        let drops = std::mem::take(&mut self.drops);
        let views = std::mem::take(&mut self.views);
        for (i, dropped) in &drops {
            for (key, name) in dropped {
                let name_digest = digest(name.as_str());
                let dependent = views.iter().find(|(k, view, _, words)| {
                    let events = self.events.get(view).map_or(&[][..], Vec::as_slice);
                    let dropped_first = events.iter().any(|&(j, e)| j < *i && e == Event::Remove);
                    let gone_after_file = self.transactional()
                        && events.last().map(|&(_, e)| e) == Some(Event::Remove);
                    k > i
                        && view != key
                        && words.contains(&name_digest)
                        && !dropped_first
                        && !gone_after_file
                });
                if let Some((_, _, text, _)) = dependent {
                    self.blocked.insert(*i as usize, (*key, text.clone()));
                }
            }
        }
        self.views = views;
        // The queries after the first pass are all about objects the file removes.
        let removed: DigestSet = [&self.events, &self.conditional]
            .iter()
            .flat_map(|m| m.iter())
            .filter(|(_, list)| list.iter().any(|&(_, e)| e == Event::Remove))
            .map(|(&key, _)| key)
            .collect();
        self.events.retain(|key, _| removed.contains(key));
        self.conditional.retain(|key, _| removed.contains(key));
        self.arrivals.retain(|key, _| removed.contains(key));
        self.table_columns.retain(|key, _| removed.contains(key));
        self.events.shrink_to_fit();
        self.table_columns.shrink_to_fit();
    }

    /// The view a later statement creates over what statement `i` drops, which makes the drop
    /// fail on a retry.
    pub fn blocked_drop(&self, i: usize) -> Option<&str> {
        self.blocked.get(&i).map(|(_, name)| name.as_str())
    }

    fn is_blocked(&self, i: usize, key: u64) -> bool {
        self.blocked.get(&i).is_some_and(|(k, _)| *k == key)
    }

    /// What the file's statements before the current one last did to `key`: `Some(true)`
    /// created it, `Some(false)` removed it, `None` never touched it.
    pub fn state_before(&self, key: &Key) -> Option<bool> {
        self.last_event
            .get(&key.digest())
            .map(|&e| e == Event::Create)
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
    /// until statement `j` removes it, and gone for good after that?
    pub fn present_until(&self, key: &Key, i: usize, j: usize) -> bool {
        let d = key.digest();
        let events = self.events.get(&d).map_or(&[][..], Vec::as_slice);
        let before_ok = events
            .iter()
            .rev()
            .find(|&&(k, _)| (k as usize) < i)
            .is_none_or(|&(_, e)| e == Event::Create);
        let no_create_between = !events
            .iter()
            .any(|&(k, e)| i <= k as usize && (k as usize) < j && e == Event::Create);
        let no_conditional = !self
            .conditional
            .get(&d)
            .is_some_and(|list| list.iter().any(|&(k, _)| k as usize <= j));
        before_ok && no_create_between && no_conditional && !self.returns_after(key, j)
    }

    /// The statement that creates `key` again after a later statement of `i`'s file removed
    /// it, when that creation is the key's last event; with the columns it creates when it is
    /// a CREATE TABLE.
    pub fn recreated_after(&self, key: &Key, i: usize) -> Option<(usize, &[String])> {
        let d = key.digest();
        let events = self.events.get(&d)?;
        let (j, _) = events
            .iter()
            .find(|&&(j, e)| j as usize > i && e == Event::Remove)?;
        match events.last() {
            Some(&(k, Event::Create)) if k > *j => {
                let columns = match self.table_columns.get(&d) {
                    Some((at, columns)) if *at == k => columns.as_slice(),
                    _ => &[][..],
                };
                Some((k as usize, columns))
            }
            _ => None,
        }
    }

    /// Does a statement after `i` bring `key` back, by creating it or renaming something to it?
    pub fn returns_after(&self, key: &Key, i: usize) -> bool {
        let d = key.digest();
        let created = [&self.events, &self.conditional]
            .iter()
            .filter_map(|m| m.get(&d))
            .flatten()
            .any(|&(j, e)| j as usize > i && e == Event::Create);
        created
            || self
                .arrivals
                .get(&d)
                .is_some_and(|list| list.iter().any(|&j| j as usize > i))
    }

    fn look_ahead_step(&mut self, step: &Step, index: u32, top: bool) {
        let key = step.key.digest();
        match step.event {
            Event::Remove => {
                let removed = self
                    .removed
                    .entry(key)
                    .or_insert_with(|| Removed::new(None));
                if removed.removes.last() != Some(&index) {
                    removed.removes.push(index);
                }
                removed.last = Event::Remove;
                if top {
                    removed.last_top = Some(Event::Remove);
                }
                if let Key::Column(table, _) = &step.key {
                    self.tables_losing_columns
                        .insert(object_digest(ObjectKind::Table, table));
                }
            }
            Event::Create => {
                if let Some(removed) = self.removed.get_mut(&key) {
                    removed.last = Event::Create;
                    if top {
                        removed.last_top = Some(Event::Create);
                    }
                }
            }
        }
    }

    /// Lint pass: the top-level statement about to be checked. Proves what of it survives a
    /// retry, for [`proves_safe`](Self::proves_safe); forgets the previous statement's proof.
    pub fn enter(&mut self, statement: &Statement) {
        self.enter_keeping(statement, false);
    }

    fn enter_keeping(&mut self, statement: &Statement, keep: bool) {
        if !keep {
            self.safe.clear();
        }
        let i = statement.index;
        self.current_index = i;
        let list = steps(statement);
        let safe: Vec<&Step> = list.iter().filter(|s| self.survives(s)).collect();
        if statement.shape.kind == ShapeKind::AlterTable {
            let ranges = safe.iter().map(|s| s.range.clone()).collect::<Vec<_>>();
            if !ranges.is_empty() {
                self.safe.insert(i, ranges);
            }
        } else if !list.is_empty() && safe.len() == list.len() && !unnamed(statement) {
            self.safe.insert(i, vec![statement.range.clone()]);
        }
        self.current = list
            .iter()
            .map(|s| {
                let tracked = matches!(s.key, Key::Object(ObjectKind::Table, _) | Key::Column(..));
                (s.key.digest(), s.event, tracked)
            })
            .collect();
    }

    /// Lint pass: the statement entered last has been checked (with its DO-block statements):
    /// its effects become history for the statements after it.
    pub fn passed(&mut self, statement: &Statement) {
        for (key, event, tracked) in std::mem::take(&mut self.current) {
            self.last_event.insert(key, event);
            let blocked = self.is_blocked(statement.index, key);
            match self.removed.get_mut(&key) {
                Some(removed) => {
                    removed.created_before |= event == Event::Create;
                    removed.removed_before |= event == Event::Remove;
                    removed.removed_unblocked |= event == Event::Remove && !blocked;
                    removed.last_before = Some(event);
                }
                None if tracked && event == Event::Create => {
                    self.created.insert(key);
                }
                None => {}
            }
        }
        self.record_index(statement);
    }

    /// A `CREATE INDEX` of an index the file drops somewhere: remembered for PF302.
    fn record_index(&mut self, statement: &Statement) {
        let shape = &statement.shape;
        if shape.kind != ShapeKind::Create(ObjectKind::Index) {
            return;
        }
        let (Some(name), Some(table)) = (shape.object(), shape.table.as_ref()) else {
            return;
        };
        if let Some(removed) = self
            .removed
            .get_mut(&object_digest(ObjectKind::Index, name.base()))
        {
            removed.indexes.push((schema(name), table.base().into()));
        }
    }

    /// An earlier top-level `CREATE INDEX` made `index` on a table created earlier in the file
    /// (and not removed since).
    pub fn index_created_on_new_table(&self, index: &Name) -> bool {
        let Some(removed) = self
            .removed
            .get(&object_digest(ObjectKind::Index, index.base()))
        else {
            return false;
        };
        let own = schema(index);
        removed.indexes.iter().any(|(schema, table)| {
            let same = match (schema, &own) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            same && self.table_created_before(table)
        })
    }

    /// The analysis proved the bytes `range` of top-level statement `index` survive a retry.
    pub fn proves_safe(&self, index: usize, range: &Range<usize>) -> bool {
        self.safe.get(&index).is_some_and(|ranges| {
            ranges
                .iter()
                .any(|r| r.start <= range.start && range.end <= r.end)
        })
    }

    fn transactional(&self) -> bool {
        self.model == Some(ApplyModel::FileTransaction)
    }

    /// Does the step of the current statement survive a retry?
    fn survives(&self, step: &Step) -> bool {
        // An object no statement removes has no history that could prove it.
        let removed = self.removed.get(&step.key.digest());
        let tx = self.transactional();
        match step.event {
            Event::Remove if self.is_blocked(self.current_index, step.key.digest()) => false,
            Event::Create => {
                removed.is_some_and(|r| r.removed_unblocked)
                    || step
                        .table
                        .as_ref()
                        .is_some_and(|t| self.table_removed_before(t))
                    || (tx && removed.is_some_and(|r| r.last_top == Some(Event::Remove)))
            }
            Event::Remove => removed
                .is_some_and(|r| r.created_before || (tx && r.last_top == Some(Event::Create))),
        }
    }

    /// Does a statement before the current one create table `table` (base name, folded) with
    /// no later drop or rename before it?
    pub fn table_created_before(&self, table: &str) -> bool {
        self.created_before_digest(object_digest(ObjectKind::Table, table))
    }

    fn table_removed_before(&self, table: &str) -> bool {
        self.removed
            .get(&object_digest(ObjectKind::Table, table))
            .is_some_and(|r| r.removed_before)
    }

    /// Did a statement before the current one create `key`, with nothing removing it since?
    /// (The running application cannot depend on an object the same migration creates.)
    /// Tables and columns only.
    pub fn created_before(&self, key: &Key) -> bool {
        self.created_before_digest(key.digest())
    }

    fn created_before_digest(&self, key: u64) -> bool {
        match self.removed.get(&key) {
            Some(removed) => removed.last_before == Some(Event::Create),
            None => self.created.contains(&key),
        }
    }

    /// Is `key` gone for a retry of statement `i`? Some later statement removes it, and under
    /// a per-file transaction the file does not bring it back.
    fn removed_after(&self, key: u64, i: usize) -> Option<usize> {
        let removed = self.removed.get(&key)?;
        let j = removed.removes.iter().find(|&&j| j as usize > i)?;
        if self.transactional() && removed.last != Event::Remove {
            return None;
        }
        Some(*j as usize)
    }

    /// Does any statement of the file remove a table or column? When none does, no statement
    /// reads something removed later, and PF123 need not collect a statement's words.
    pub fn removes_anything(&self) -> bool {
        !self.removed.is_empty()
    }

    /// The tables and columns a later statement removes that statement `i` (whose words are
    /// `words`) mentions: `(key, removing statement index)`.
    pub fn reads_removed_later(&self, i: usize, words: &[String]) -> Vec<(Key, usize)> {
        if self.removed.is_empty() {
            return Vec::new();
        }
        let mut distinct: Vec<&str> = words.iter().map(String::as_str).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let mut out: Vec<(Key, usize)> = Vec::new();
        for &table in &distinct {
            let table_key = object_digest(ObjectKind::Table, table);
            if let Some(j) = self.removed_after(table_key, i) {
                out.push((Key::Object(ObjectKind::Table, table.to_string()), j));
            }
            if !self.tables_losing_columns.contains(&table_key) {
                continue;
            }
            for &column in &distinct {
                if let Some(j) = self.removed_after(column_digest(table, column), i) {
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

/// The schema part of a qualified name (`s` of `s.t`), as [`Name::same_object`] compares it.
fn schema(name: &Name) -> Option<Box<str>> {
    let n = name.parts.len();
    (n > 1).then(|| name.parts[n - 2].as_str().into())
}

/// ASCII case-insensitive substring search for a lower-case ASCII `word`.
pub fn contains_ignore_case(text: &str, word: &str) -> bool {
    let (hay, word) = (text.as_bytes(), word.as_bytes());
    let Some(&first) = word.first() else {
        return true;
    };
    let mut at = 0;
    while let Some(i) = hay[at..].iter().position(|&b| b | 0x20 == first) {
        let start = at + i;
        if hay.len() - start < word.len() {
            return false;
        }
        if hay[start..start + word.len()].eq_ignore_ascii_case(word) {
            return true;
        }
        at = start + 1;
    }
    false
}

/// The lower-cased words of a statement (identifiers and keywords, quotes removed).
pub fn words(statement: &Statement) -> Vec<String> {
    statement
        .tokens
        .iter()
        .filter_map(|t| match &t.token {
            Token::Word(w) if w.quote_style.is_some() => Some(w.value.clone()),
            Token::Word(w) => Some(w.value.to_lowercase()),
            _ => None,
        })
        .collect()
}

/// The names a statement gives to objects that already exist: `ALTER TABLE t RENAME [TO|AS]
/// new`, `RENAME COLUMN a TO b`, `RENAME TABLE a TO b`.
fn arrivals(statement: &Statement) -> Vec<Key> {
    let shape = &statement.shape;
    let within = |range: &Range<usize>| {
        statement
            .tokens
            .iter()
            .filter(|t| range.start <= t.range.start && t.range.end <= range.end)
            .collect::<Vec<_>>()
    };
    match &shape.kind {
        ShapeKind::AlterTable => {
            let Some(table) = shape.object().map(|t| t.base().to_string()) else {
                return Vec::new();
            };
            shape
                .actions
                .iter()
                .filter(|a| a.kind == AlterActionKind::Rename)
                .filter_map(|a| {
                    let tokens = within(&a.range);
                    let new = match tokens.iter().position(|t| t.is_kw("TO") || t.is_kw("AS")) {
                        Some(at) => tokens.get(at + 1),
                        // MySQL's `RENAME new`.
                        None if a.name.is_none() => tokens.get(1),
                        None => None,
                    };
                    let new = folded(new?)?;
                    Some(match &a.name {
                        None => Key::Object(ObjectKind::Table, new),
                        Some(_) if renames_constraint(statement, a) => {
                            Key::Constraint(table.clone(), new)
                        }
                        Some(_) => Key::Column(table.clone(), new),
                    })
                })
                .collect()
        }
        ShapeKind::Rename(ObjectKind::Table) => {
            let tokens = within(&statement.range);
            tokens
                .windows(2)
                .filter(|w| w[0].is_kw("TO"))
                .filter_map(|w| folded(w[1]))
                .map(|new| Key::Object(ObjectKind::Table, new))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A word as the replay keys it: unquoted → lower case.
pub fn folded(token: &crate::sql::Tok) -> Option<String> {
    super::safety::column_name(token)
}

/// What a whole file leaves behind, per key: `true` it creates the object (and does not remove
/// it again), `false` it removes or renames it away. The pending-migration look-back
/// (`lint::pending`) chains these across the files of a directory.
pub fn net_effects(statements: &[Statement]) -> HashMap<Key, bool> {
    let mut out = HashMap::new();
    for step in statements.iter().flat_map(steps) {
        out.insert(step.key, step.event == Event::Create);
    }
    out
}

fn unnamed(statement: &Statement) -> bool {
    statement.effects().iter().any(|e| e.name.is_none())
}

fn steps(statement: &Statement) -> Vec<Step> {
    let shape = &statement.shape;
    let table = shape.object().map(|t| t.base().to_string());
    if shape.kind == ShapeKind::AlterTable {
        let Some(table) = table else {
            return Vec::new();
        };
        return shape
            .actions
            .iter()
            .filter_map(|a| {
                if let Some(event) = primary_key_event(statement, a) {
                    return Some(Step {
                        key: primary_key(&table),
                        event,
                        table: Some(table.clone()),
                        range: a.range.clone(),
                    });
                }
                let event = match a.kind {
                    AlterActionKind::AddColumn
                    | AlterActionKind::AddConstraint
                    | AlterActionKind::AddIndex => Event::Create,
                    AlterActionKind::Rename
                    | AlterActionKind::DropColumn
                    | AlterActionKind::DropConstraint
                    | AlterActionKind::DropIndex => Event::Remove,
                    AlterActionKind::Other => return None,
                };
                let key = match (a.kind, &a.name) {
                    // `RENAME TO new`: the table goes away under its old name.
                    (AlterActionKind::Rename, None) => {
                        Key::Object(ObjectKind::Table, table.clone())
                    }
                    (_, None) => return None,
                    (AlterActionKind::AddColumn | AlterActionKind::DropColumn, Some(n)) => {
                        Key::Column(table.clone(), n.base().to_string())
                    }
                    (AlterActionKind::Rename, Some(n)) if renames_constraint(statement, a) => {
                        Key::Constraint(table.clone(), n.base().to_string())
                    }
                    (AlterActionKind::Rename, Some(n)) => {
                        Key::Column(table.clone(), n.base().to_string())
                    }
                    // MariaDB's `DROP INDEX IF EXISTS `PRIMARY`` (PF111's fix) is the key.
                    (AlterActionKind::DropIndex, Some(n))
                        if n.base().eq_ignore_ascii_case("PRIMARY") =>
                    {
                        primary_key(&table)
                    }
                    (AlterActionKind::AddIndex | AlterActionKind::DropIndex, Some(n)) => {
                        Key::Object(ObjectKind::Index, n.base().to_string())
                    }
                    (_, Some(n)) => Key::Constraint(table.clone(), n.base().to_string()),
                };
                Some(Step {
                    key,
                    event,
                    table: Some(table.clone()),
                    range: a.range.clone(),
                })
            })
            .collect();
    }
    statement
        .effects()
        .iter()
        .filter_map(|e: &Effect| {
            let name: &Name = e.name?;
            let Target::Object(kind) = e.target else {
                return None;
            };
            let event = match e.change {
                Change::Create => Event::Create,
                Change::Drop | Change::Rename => Event::Remove,
                Change::Alter => return None,
            };
            Some(Step {
                key: Key::Object(kind, name.base().to_string()),
                event,
                table: e.table.map(|t| t.base().to_string()),
                range: statement.range.clone(),
            })
        })
        .collect()
}

/// The primary key of `table` as the replay tracks it: PostgreSQL's name for an unnamed key
/// (`<table>_pkey`, so `DROP CONSTRAINT t_pkey` matches `ADD PRIMARY KEY (…)`), which also stands
/// for MySQL's `PRIMARY`.
fn primary_key(table: &str) -> Key {
    Key::Constraint(table.to_string(), format!("{table}_pkey"))
}

/// An unnamed `ADD PRIMARY KEY` creates the table's primary key; MySQL's `DROP PRIMARY KEY`
/// removes it.
fn primary_key_event(statement: &Statement, action: &crate::sql::AlterAction) -> Option<Event> {
    let mut words = statement
        .tokens
        .iter()
        .filter(|t| t.range.start >= action.range.start && t.range.end <= action.range.end);
    let (verb, primary, key) = (words.next()?, words.next()?, words.next()?);
    if !primary.is_kw("PRIMARY") || !key.is_kw("KEY") {
        return None;
    }
    if verb.is_kw("ADD") {
        Some(Event::Create)
    } else if verb.is_kw("DROP") {
        Some(Event::Remove)
    } else {
        None
    }
}

fn renames_constraint(statement: &Statement, action: &crate::sql::AlterAction) -> bool {
    statement
        .tokens
        .iter()
        .filter(|t| t.range.start >= action.range.start && t.range.end <= action.range.end)
        .nth(1)
        .is_some_and(|t| t.is_kw("CONSTRAINT") || t.is_kw("INDEX") || t.is_kw("KEY"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::sql::{parse_source, Dialect};

    /// Both passes over every statement, keeping every statement's proof.
    fn replay(statements: &[Statement], model: ApplyModel) -> Sequence {
        let mut s = Sequence::new(model);
        for st in statements {
            s.look_ahead(st);
        }
        s.end_look_ahead();
        for st in statements {
            s.enter_keeping(st, true);
            s.passed(st);
        }
        s
    }

    fn seq(sql: &str, model: ApplyModel) -> (Vec<Statement>, Sequence) {
        let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Postgres);
        let s = replay(&parsed.statements, model);
        (parsed.statements, s)
    }

    fn safe(sql: &str, model: ApplyModel) -> Vec<bool> {
        let (stmts, s) = seq(sql, model);
        stmts
            .iter()
            .map(|st| s.proves_safe(st.index, &st.range))
            .collect()
    }

    #[test]
    fn drop_then_create_is_safe_on_a_full_rerun_only() {
        let sql = "DROP VIEW v; CREATE VIEW v AS SELECT 1;";
        assert_eq!(safe(sql, ApplyModel::FileTransaction), [true, true]);
        assert_eq!(safe(sql, ApplyModel::StatementByStatement), [false, true]);
    }

    #[test]
    fn create_then_drop_later_survives_a_full_rerun() {
        let sql = "CREATE TABLE tmp (a int); DROP TABLE tmp;";
        assert_eq!(safe(sql, ApplyModel::FileTransaction), [true, true]);
        assert_eq!(safe(sql, ApplyModel::StatementByStatement), [false, true]);
    }

    #[test]
    fn readd_of_the_same_constraint_is_safe_per_action() {
        let sql = "ALTER TABLE t DROP CONSTRAINT c; ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);";
        let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
        for st in &stmts {
            assert!(s.proves_safe(st.index, &st.shape.actions[0].range));
        }
    }

    #[test]
    fn an_unnamed_primary_key_is_the_one_its_drop_names() {
        let sql = "ALTER TABLE t DROP CONSTRAINT t_pkey; ALTER TABLE t ADD PRIMARY KEY (a, b);";
        let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
        for st in &stmts {
            assert!(s.proves_safe(st.index, &st.shape.actions[0].range));
        }
        for sql in [
            "ALTER TABLE t DROP PRIMARY KEY; ALTER TABLE t ADD PRIMARY KEY (a, b);",
            "ALTER TABLE t DROP INDEX IF EXISTS `PRIMARY`; ALTER TABLE t ADD PRIMARY KEY (a, b);",
        ] {
            let parsed = parse_source(&SourceFile::new("m.sql", sql), Dialect::Mariadb);
            let (stmts, s) = (
                &parsed.statements,
                replay(&parsed.statements, ApplyModel::StatementByStatement),
            );
            let proved: Vec<bool> = stmts
                .iter()
                .map(|st| s.proves_safe(st.index, &st.shape.actions[0].range))
                .collect();
            assert_eq!(proved, [false, true], "{sql}");
        }
    }

    #[test]
    fn a_drop_a_later_view_depends_on_is_blocked_and_proves_nothing() {
        let sql = "DROP VIEW v; CREATE VIEW v AS SELECT 1; \
                   CREATE MATERIALIZED VIEW mv AS SELECT * FROM v; DROP TABLE t CASCADE; \
                   CREATE VIEW w AS SELECT * FROM t;";
        let (_, s) = seq(sql, ApplyModel::StatementByStatement);
        assert_eq!(s.blocked_drop(0), Some("mv"));
        assert_eq!(
            s.blocked_drop(3),
            None,
            "CASCADE drops the dependents along"
        );
        // The CREATE after a blocked drop is not proved safe by it.
        assert!(!safe(sql, ApplyModel::StatementByStatement)[1]);
    }

    #[test]
    fn a_table_read_then_created_before_its_drop_is_not_present_until_it() {
        let sql = "SELECT * FROM t; CREATE TABLE t (a int); DROP TABLE t;";
        let (_, s) = seq(sql, ApplyModel::StatementByStatement);
        let key = Key::Object(ObjectKind::Table, "t".into());
        assert!(!s.present_until(&key, 0, 2));
        let sql = "SELECT * FROM t; DROP TABLE t; CREATE TABLE t (b int);";
        let (_, s) = seq(sql, ApplyModel::StatementByStatement);
        assert!(!s.present_until(&key, 0, 1), "it comes back after the drop");
        assert_eq!(
            s.recreated_after(&key, 0),
            Some((2, &["b".to_string()][..]))
        );
    }

    #[test]
    fn a_rename_inside_a_do_block_still_removes_the_old_name() {
        let sql = "INSERT INTO b SELECT * FROM a;\nDO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'a') THEN ALTER TABLE a RENAME TO a_old; END IF; END $$;";
        let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
        let hits = s.reads_removed_later(0, &words(&stmts[0]));
        assert_eq!(hits, [(Key::Object(ObjectKind::Table, "a".into()), 1)]);
    }

    #[test]
    fn reads_of_a_column_dropped_later() {
        let sql = "UPDATE t SET a = 1; ALTER TABLE t DROP COLUMN a;";
        let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
        let hits = s.reads_removed_later(0, &words(&stmts[0]));
        assert_eq!(hits, [(Key::Column("t".into(), "a".into()), 1)]);
        // Re-added later: a full re-run finds the column again.
        let sql =
            "UPDATE t SET a = 1; ALTER TABLE t DROP COLUMN a; ALTER TABLE t ADD COLUMN a int;";
        let (stmts, s) = seq(sql, ApplyModel::FileTransaction);
        assert!(s.reads_removed_later(0, &words(&stmts[0])).is_empty());
        let (stmts, s) = seq(sql, ApplyModel::StatementByStatement);
        assert_eq!(s.reads_removed_later(0, &words(&stmts[0])).len(), 1);
    }
}
