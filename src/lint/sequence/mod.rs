//! In-file sequence analysis: the file's own effects ([`Statement::effects`], the replay model
//! reconcile and verify use), replayed statement by statement, say which statements survive a
//! retry because of what the rest of the file does.
//!
//! - A CREATE after a DROP of the same object in the same file always survives: any run that
//!   reaches the CREATE ran the DROP first. Not after a rename away (`RENAME COLUMN a TO b;
//!   ADD COLUMN a`): on a re-run of the whole file the new name is taken, so the rename fails
//!   or, once guarded, is skipped, and `a` is still there for the CREATE.
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

//!
//! The parts: `steps` (what a statement does to which object), `words` (the byte scans that
//! choose the statements the first pass needs), `look_ahead` (the first pass), `survival` (the
//! proofs for the statement being checked), `history` (what the rules ask of the file before
//! and after a statement), `labels` (enum labels, for PF123).

mod do_made;
mod history;
mod labels;
mod look_ahead;
mod references;
mod steps;
mod survival;
#[cfg(test)]
mod tests;
mod type_uses;
mod words;

pub use history::{
    column_cascaded_in_body, dropped_later_in_body, dropped_made_by, dropped_made_earlier_in_block,
    made_earlier_in_block, made_freed_earlier_in_block, made_removed_by,
    made_removed_later_in_block, renamed_made_earlier_in_block,
};
pub use steps::{folded, net_effects, Net};
pub use type_uses::TypeUse;
pub use words::{
    column_word, contains_ignore_case, role, without_with_data, words, Removals, Role,
};

use crate::lint::digest::{digest, DigestMap, DigestSet};
use crate::runner::ApplyModel;
use crate::sql::{Dialect, ObjectKind, ShapeKind, Statement};
pub(crate) use labels::creates_composite;
use labels::LabelChange;
pub(crate) use references::{foreign_key_checks_after, references, ForeignKeyChecks, Reference};
use std::collections::HashMap;
use std::ops::Range;
use steps::{arrivals, schema, steps, unnamed};

/// A `CREATE TABLE … AS` of the file ([`Sequence`]'s `created_as`): its statement, the folded
/// words its query reads, and each table it reads where a relation goes with the columns it
/// reads of it by name.
type CreatedAs = (u32, Vec<String>, Vec<(String, Vec<String>)>);

/// An object as the replay tracks it: names folded, schemas left out (a step carries its
/// schema: the proofs compare it, `Removed::drops_in`).
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

/// A type a column names: the digest of its folded base name, and its schema when spelt.
type TypeRef = (u64, Option<Box<str>>);

/// A type an object uses, with the key digest of the table's column of it (a table's).
type UsedType = (TypeRef, Option<u64>);

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
    /// A rename away: a retry may skip it (its guard finds the new name taken once it ran), so
    /// unlike a DROP it does not clear the name for a later creation.
    rename: bool,
    /// The name a rename gives the object, when the statement spells one.
    to: Option<Key>,
    /// The action's (or statement's) own `IF [NOT] EXISTS`.
    guarded: bool,
    /// The schema the statement writes for the object (for what lives on a table, and an
    /// index named unqualified, the table's), before the search_path resolves it.
    schema: Option<Box<str>>,
}

/// What the file does to an object that some statement removes: where, and what it did last
/// (from the first pass), and what the statements before the current one did (lint pass).
#[derive(Debug)]
struct Removed {
    /// The file's last event on it, counting DO blocks, and the statement of that event (the
    /// first pass may see a statement after one that follows it in the file).
    last: Event,
    last_at: u32,
    /// The file's last event on it among top-level statements; `None` when only DO blocks
    /// remove it and no top-level statement touches it after that. With the statement of
    /// that event, or of the first removal while `None`.
    last_top: Option<Event>,
    last_top_at: u32,
    /// The schema the statement of that top-level event writes (the first pass does not
    /// follow the search_path): it tells only of an object of that schema.
    last_top_schema: Resolved,
    /// The top-level statements before the current one: dropped it (renames away do not
    /// count: a retry may skip them), what last (which created it: `creations_in`).
    removed_before: bool,
    /// Dropped by an earlier statement whose drop a later view does not block.
    removed_unblocked: bool,
    last_before: Option<Event>,
    /// The last top-level event before the current statement was a rename away.
    renamed_last: bool,
    /// ... and that rename was proved to run on every run that reaches it
    /// ([`Sequence::rename_meets_both_names`]), so it does clear the name for a creation or a
    /// rename into it after it: the rename's schema, resolved.
    renamed_last_reruns: Option<Resolved>,
    /// The last top-level statement before the current one that renamed something to this
    /// name, with the digest of the name it had and the schema the rename acted in, resolved
    /// (the new name lives in the renamed object's schema: `ALTER TABLE d RENAME TO d_old`
    /// makes no `a.d_old`).
    renamed_into: Option<(u32, u64, Resolved)>,
    /// The schemas of the top-level statements before the current one that dropped it (with
    /// whether no later view blocks that drop) and that created it (with the statement), as
    /// [`Resolved`]: only a drop or creation of the same schema proves a creation or drop of it.
    drops_in: Vec<(Resolved, bool)>,
    creations_in: Vec<(Resolved, u32)>,
    /// The last top-level event before the current statement was a creation proved to
    /// survive a retry: a retry that gets here has the object as that statement made it.
    created_last_proved: bool,
}

impl Removed {
    fn new(last_top: Option<Event>, index: u32) -> Self {
        Removed {
            last: Event::Remove,
            last_at: index,
            last_top,
            last_top_at: index,
            last_top_schema: None,
            removed_before: false,
            removed_unblocked: false,
            last_before: None,
            renamed_last: false,
            renamed_last_reruns: None,
            renamed_into: None,
            created_last_proved: false,
            drops_in: Vec::new(),
            creations_in: Vec::new(),
        }
    }
}

/// The schema a name denotes: the one written, else the first of the search_path the file set
/// (`None`: the connection's own, which lint does not know, or `$user` first).
type Resolved = Option<Box<str>>;

/// Can `a` and `b` be the same schema ([`crate::sql::search_path::may_be_same_schema`])?
fn same_schema(a: &Resolved, b: &Resolved) -> bool {
    crate::sql::search_path::may_be_same_schema(a.as_deref(), b.as_deref())
}

/// The digest of object `key` (a [`Key::digest`]) in `schema`, as the look-back per schema
/// keys it.
fn in_schema(key: u64, schema: &str) -> u64 {
    digest((3u8, key, schema))
}

/// A top-level step on a table: the statement, the event, and the schema the step writes
/// (`None`: unqualified).
type TableStep = (u32, Event, Option<Box<str>>);

/// What a statement does to one column of a table ([`Sequence::column_changes`]): the
/// statement, the column it takes away (`DROP COLUMN`, or the old name of `RENAME COLUMN`) and
/// the one it gives (`ADD COLUMN`, or the new name of `RENAME COLUMN`), folded.
type ColumnChange = (u32, Option<String>, Option<String>);

/// Where an unqualified name goes after a top-level search_path change the first pass saw:
/// `Some(home)` as [`crate::sql::search_path::SessionPath::home`] tells it (`Some(None)`: the
/// connection's own path), `None` when the first pass cannot tell (`SET LOCAL`, which lasts
/// until the end of a transaction it does not follow; `"$user"` first; an empty path).
type PathAfter = Option<Resolved>;

/// [`PathAfter`] a search_path change.
fn path_after(change: crate::sql::search_path::PathChange) -> PathAfter {
    if change.local {
        return None;
    }
    match change.schemas {
        None => Some(None),
        Some(schemas) => schemas
            .first()
            .filter(|s| *s != "$user")
            .map(|s| Some(s.as_str().into())),
    }
}

/// Of a rename step: the digest of the name it gives, and the name it had.
type Renamed = (u64, Key);

/// An event with the count of top-level steps passed when it happened (its order).
type Stamped = (Event, u32);

/// The last top-level events on an object before the current statement.
#[derive(Debug, Clone, Copy)]
struct LastEvent {
    /// In any schema.
    any: Stamped,
    /// Of a name whose schema the file does not tell ([`Resolved`] `None`: it may be any).
    unknown: Option<Stamped>,
}

/// Records `at` as the last event on `key` of `schema` (`None`: not known) in a look-back.
fn record(
    last: &mut DigestMap<LastEvent>,
    last_in: &mut DigestMap<Stamped>,
    key: u64,
    schema: Option<&str>,
    at: Stamped,
) {
    let entry = last.entry(key).or_insert(LastEvent {
        any: at,
        unknown: None,
    });
    entry.any = at;
    match schema {
        Some(s) => {
            last_in.insert(in_schema(key, s), at);
        }
        None => entry.unknown = Some(at),
    }
}

/// Of a `CREATE INDEX`: the index's schema (as written, else its table's), the table's base
/// name, and the table's schema as the file's search_path resolved it ([`Resolved`]).
type SchemaTable = (Option<Box<str>>, Box<str>, Resolved);

/// Events per object in one flat list, 16 bytes an event: in file order during the first pass,
/// then grouped by object (file order within an object) for look-ups.
#[derive(Debug, Default)]
struct EventLog(Vec<(u64, u32, Event)>);

impl EventLog {
    fn push(&mut self, key: u64, index: u32, event: Event) {
        self.0.push((key, index, event));
    }

    /// Groups the events by object, each object's in file order (a stable sort: the events
    /// of one statement are pushed together, in their order).
    fn group(&mut self) {
        self.0.sort_by_key(|&(key, index, _)| (key, index));
    }

    /// After [`group`](Self::group): the statement and event of the last event on `key` of a
    /// statement before `i`.
    fn last_before(&self, key: u64, i: u32) -> Option<(u32, Event)> {
        self.of(key)
            .iter()
            .rev()
            .find(|&&(_, c, _)| c < i)
            .map(|&(_, c, e)| (c, e))
    }

    /// After [`group`](Self::group): the events of `key`, in file order.
    fn of(&self, key: u64) -> &[(u64, u32, Event)] {
        let start = self.0.partition_point(|&(k, _, _)| k < key);
        let end = start + self.0[start..].partition_point(|&(k, _, _)| k == key);
        &self.0[start..end]
    }
}

impl Sequence {
    /// The events on `key` of the top-level statements, then those of DO blocks (which may
    /// not happen), each in file order.
    fn events_anywhere(&self, key: u64) -> impl Iterator<Item = &(u64, u32, Event)> {
        self.events.of(key).iter().chain(self.conditional.of(key))
    }
}

/// A table or type a DO block makes wherever it is gone: (statement, key digest, the schema
/// the creation writes, the columns a table's spells).
type MadeWhereFree = (u32, u64, Option<Box<str>>, Vec<String>);

/// A top-level rename onto a name the statement spells: (statement, key digest of the new
/// name, the schema the statement writes, key digest of the old name).
type RenameOnto = (u32, u64, Option<Box<str>>, u64);

#[derive(Debug, Default)]
pub struct Sequence {
    model: Option<ApplyModel>,
    /// Objects some statement removes (first pass), with their history so far (lint pass).
    removed: DigestMap<Removed>,
    /// Digests of the tables with a column some statement removes.
    tables_losing_columns: DigestSet,
    /// Some statement (a DO block's too) drops or renames a table: a foreign key to it may go
    /// with it (`DROP TABLE p CASCADE`).
    removes_tables: bool,
    /// First pass: the renames that give an object a name the statement spells (DO blocks'
    /// too), as (statement, key digest of the old name, of the new one). The object lives on
    /// under the new name, with what depends on it.
    renames_to: Vec<(u32, u64, u64)>,
    /// First pass: the top-level renames without a guard (`IF EXISTS`) that give an object a
    /// name the statement spells, as (statement, key digest of the new name, the schema the
    /// statement writes, key digest of the old name): a run of the file that gets past one
    /// leaves the object under that name ([`Sequence::left_by_rename`]).
    renamed_onto: Vec<RenameOnto>,
    /// First pass: the top-level renames with a guard (`ALTER TABLE IF EXISTS a RENAME TO b`),
    /// as [`Self::renamed_onto`]. A run skips one when its source is gone: it counts only
    /// where a creation right before makes the source ([`Sequence::renames_onto`]).
    guarded_onto: Vec<RenameOnto>,
    /// Lint pass: the DO blocks checked so far whose body is one rename onto a spelt name that
    /// gives it on every run getting past the block (`Removed::renamed_into` from
    /// [`Sequence::passed_do_block`]: `DO $$ BEGIN ALTER TABLE a RENAME TO b; EXCEPTION WHEN
    /// undefined_table THEN NULL; END $$`), as [`Self::renamed_onto`].
    renamed_whole_body_onto: Vec<RenameOnto>,
    /// Lint pass, only in a file that drops a column or a table (or a key with CASCADE): the constraints the statements checked
    /// so far add by name (`ALTER TABLE t ADD CONSTRAINT c …`, in a DO block too), as (table,
    /// constraint, the folded words the action reads). PostgreSQL drops a constraint with a
    /// column it is on, and a foreign key with the table it references (`DROP TABLE p
    /// CASCADE`): a later `VALIDATE CONSTRAINT c` reads those too.
    added_constraints: Vec<crate::lint::rules::read_removed_later::AddedConstraint>,
    /// Lint pass, where [`Self::added_constraints`] is recorded: the primary keys and unique
    /// constraints the statements checked so far declare on columns, named or not: which key
    /// a foreign key to some columns depends on.
    /// By table, so that a drop looks only at its table's.
    declared_keys: HashMap<String, Vec<crate::sql::keys::DeclaredKey>>,
    /// Lint pass, where [`Self::added_constraints`] is recorded: what the top-level `UPDATE t
    /// SET a = <expression>` statements checked so far copy, as (statement, column digest of
    /// `t.a`, column digest of `t.w`) for each plain word `w` of the expression.
    column_copies: Vec<(u32, u64, u64)>,
    /// For an index some statement removes: the earlier top-level `CREATE INDEX` of that name,
    /// as (schema, table base name), so PF302 can tell an index built on a table of this file.
    index_tables: DigestMap<Vec<SchemaTable>>,
    /// The steps of the statement being checked, applied once it has been checked: key,
    /// event, whether it is a rename away, whether it was proved to survive, its schema, the
    /// digest of the name a rename gives, with the name it had.
    current: Vec<(u64, Event, bool, bool, Resolved, Option<Renamed>)>,
    /// Statement index → ranges proved to survive a retry (the current statement only, while
    /// streaming).
    safe: HashMap<usize, Vec<Range<usize>>>,
    /// First pass, when the file can remove something: every top-level event per object, and
    /// the DO-block ones (per-object summaries, no statements).
    events: EventLog,
    conditional: EventLog,
    /// Key → statements that give an existing object this name (`RENAME … TO key`), with
    /// the name it had (folded; empty where the statement does not spell it).
    arrivals: DigestMap<Vec<(u32, Box<str>)>>,
    /// Types some top-level statement changes the labels of (`ADD VALUE`, `RENAME VALUE`),
    /// by statement index; only types the file removes are kept.
    relabelled: DigestMap<Vec<u32>>,
    /// First pass: types a DO block's statement renames a value of (`RENAME VALUE`), whose
    /// `labels` are kept too ([`Sequence::label_added_before`]).
    value_renamed_in_blocks: DigestSet,
    /// Enum types the file creates (`CREATE TYPE t AS ENUM`) and relabels, per type key, in
    /// file order; only types the file removes (re-creates) or a DO block renames a value of
    /// are kept.
    labels: DigestMap<Vec<(u32, LabelChange)>>,
    /// Composite types the top-level statements create (`CREATE TYPE t AS (…)`), and DO blocks
    /// make wherever they are gone, as (statement, type key digest); only types the file
    /// removes are kept.
    composites: Vec<(u32, u64)>,
    /// Enum types DO blocks make wherever they are gone (`do_made::made_where_free`), as
    /// (statement, type key digest); only types the file removes are kept. Their composite
    /// types are in [`Self::composites`].
    enums_in_blocks: Vec<(u32, u64)>,
    /// `ALTER TABLE t ALTER COLUMN c TYPE x`: statement, column key digest, type key digest;
    /// only to types the file removes.
    type_changes: Vec<(u32, u64, u64)>,
    /// Every column some statement (or DO-block statement) changes the type of, whatever the
    /// new type: statement index, column key digest (PF124: the types a retry meets).
    retyped: Vec<(u32, u64)>,
    /// Statements whose type changes the first pass cannot read, which may change any column's
    /// type: a DO block or routine whose text (strings too: `EXECUTE '…'`, a routine body)
    /// has ALTER and TYPE in it. With whether it is a routine (a call anywhere may run it).
    opaque_retypes: Vec<(u32, bool)>,
    /// First pass: `CREATE TABLE … AS` statements, by index, with the folded words their query
    /// reads (the created table's name left out). One that reads what a later statement removes
    /// fails on a retry once that ran, so it brings nothing back ([`Self::created_on_every_run`]).
    /// With each table the query reads where a relation goes and the columns it reads of it
    /// (`read_removed_later::created_as_reads`): the fresh table a `CREATE TABLE IF NOT
    /// EXISTS` makes of it on a retry may lack one.
    created_as: Vec<CreatedAs>,
    /// Where table names are compared exactly ([`crate::sql::tables_exact`]): the tables the
    /// recorded steps name in a case other than lower case, by their folded name, as written
    /// ([`Self::tables_in_other_case`]).
    table_spellings: HashMap<String, Vec<Box<str>>>,
    /// First pass: the top-level creations with their own `IF NOT EXISTS`, as (statement, key
    /// digest); only objects the file removes are kept. A run may skip one and keep a table
    /// that was there before the file, with other columns ([`Self::renamed_on_every_run`]).
    made_if_missing: Vec<(u32, u64)>,
    /// First pass: the top-level `ALTER TABLE`s that drop a column and add it again (`DROP
    /// COLUMN c, ADD COLUMN c int`), as (statement, column key digest, whether the drop has
    /// `IF EXISTS`). The statement is atomic: no crash point finds the column gone, but it may
    /// come back with another type; and without `IF EXISTS` it fails whole where it is gone.
    readded_at_once: Vec<(u32, u64, bool)>,
    /// First pass: the columns each top-level `CREATE TABLE IF NOT EXISTS` spells, as
    /// (statement, table digest, columns folded), also where the file creates the table again
    /// later (`Self::read_lacked_by_fresh_table`); only tables the file removes are kept.
    fresh_columns: Vec<(u32, u64, Vec<String>)>,
    /// First pass: what DO blocks always make (`do_made::always_made`), as (statement, key
    /// digest); only objects the file removes are kept.
    made_in_blocks: Vec<(u32, u64)>,
    /// First pass: what DO blocks make on every run that finds the name free, as (statement,
    /// key digest): a creation under a handler of its own "already exists"
    /// (`do_made::made_where_free`); only objects the file removes are kept.
    made_where_free_in_blocks: Vec<(u32, u64)>,
    /// First pass: of [`Self::made_where_free_in_blocks`], the tables and types, as
    /// (statement, key digest, the schema the creation writes, the columns a table's spells);
    /// only those the file removes are kept ([`Sequence::made_where_free_on_every_run`], a
    /// drop's `made_where_free_before_drop`).
    made_where_free_tables: Vec<MadeWhereFree>,
    /// First pass: the DO blocks whose body makes a table where free and drops it where taken
    /// (`do_made::made_or_dropped`), as (statement, key digest, the schema the creation
    /// writes); a run that finds the name free makes it ([`Sequence::made_at_free_block`]).
    made_or_dropped_in_blocks: Vec<(u32, u64, Option<Box<str>>)>,
    /// First pass: the DO blocks whose body renames a table onto a name where free and drops
    /// the table under that name where taken (`do_made::renamed_or_dropped`), as (statement,
    /// digest of the new name, the old name, the schema the rename writes).
    renamed_or_dropped_in_blocks: Vec<(u32, u64, Key, Option<Box<str>>)>,
    /// First pass: of [`Self::made_or_dropped_in_blocks`], those whose creation makes no other
    /// relation, as (statement, key digest): the handler's drop finds the table
    /// ([`Sequence::handler_drop_finds`]).
    dropped_where_taken: Vec<(u32, u64)>,
    /// First pass: the table renames DO blocks always run (`do_made::always_renamed`), as
    /// (statement, digest of the old name).
    renamed_in_blocks: Vec<(u32, u64)>,
    /// First pass: the renames of a table or a type that are the whole body of a DO block,
    /// under handlers that do nothing whatever they catch (`do_made::handled_rename`), as
    /// (statement, digest of the old name, digest of the new name, the schema the rename
    /// writes). A run that finds the new name free there renames the old one away
    /// ([`Sequence::left_by_handled_rename`]).
    renames_under_handlers: Vec<(u32, u64, u64, Option<Box<str>>)>,
    /// Views the file creates: index, key, name text, the words of the statement.
    views: Vec<(u32, u64, String, DigestSet)>,
    /// Uncascaded drops of tables and views: index, key digest, digest of the folded base name.
    drops: Vec<(u32, u64, u64)>,
    /// `DROP … CASCADE` of tables and views, the same way.
    cascades: Vec<(u32, u64, u64)>,
    /// Uncascaded drops of types and domains: index, key digest, digest of the folded base
    /// name, the schema when spelt.
    type_drops: Vec<(u32, u64, u64, Option<Box<str>>)>,
    /// Objects statements (and their DO blocks) make depend on types ([`type_uses`]): index,
    /// key, name text, how, the types (digest of the folded base name, the schema when spelt),
    /// each with the key digest of a table's column of it.
    type_users: Vec<(u32, u64, String, TypeUse, Vec<UsedType>)>,
    /// Statements creating a view that an earlier `DROP … CASCADE` of what it reads removes.
    cascaded: std::collections::HashSet<u32>,
    /// Column and constraint drops of a statement with CASCADE (`ALTER TABLE p DROP COLUMN id
    /// CASCADE`, `DROP CONSTRAINT p_pkey CASCADE`): key digest, statement index. A foreign key
    /// that references the column, or the key, goes with it.
    cascaded_columns: std::collections::HashSet<(u64, u32)>,
    /// First pass: the renames of a table to a name the statement spells (DO blocks' too), as
    /// (statement, old name, new name), folded: a column keeps its name under the new one.
    table_renames: Vec<(u32, Box<str>, Box<str>)>,
    /// The removals that are renames (key digest, statement): the object lives on under its
    /// new name, with what depends on it.
    renamed_away: std::collections::HashSet<(u64, u32)>,
    /// Statement index → what a later statement creates that still depends on what it drops
    /// when a retry runs it (PF125).
    blocked: HashMap<usize, Vec<Blocker>>,
    /// The dialect: views block drops on PostgreSQL only, `FOREIGN_KEY_CHECKS` exists on MySQL
    /// and MariaDB only, MySQL ignores a column's inline `REFERENCES`.
    dialect: Dialect,
    /// First pass: the foreign keys top-level statements create, by statement index.
    references: Vec<(u32, Reference)>,
    /// First pass: `DROP FOREIGN KEY` / `DROP CONSTRAINT` (DO blocks too): index, table, name.
    constraint_drops: Vec<(u32, String, String)>,
    /// First pass: every table, view and materialized view a top-level DROP names.
    drop_sites: Vec<DropSite>,
    /// First pass (PostgreSQL): the top-level `ALTER TABLE p DROP CONSTRAINT k` without
    /// CASCADE ([`KeyDrop`]), which a later foreign key to the key blocks on a retry.
    key_drops: Vec<KeyDrop>,
    /// First pass (PostgreSQL), when the file drops a key: table → the primary keys and unique
    /// constraints top-level statements declare on it, with their statement index.
    key_adds: HashMap<String, Vec<(u32, crate::sql::keys::DeclaredKey)>>,
    /// Lint pass: the session's `foreign_key_checks` before the current statement.
    foreign_key_checks: ForeignKeyChecks,
    /// Lint pass: top-level statements whose drop a dependent blocked.
    failed_drops: std::collections::HashSet<u32>,
    /// Lint pass: a statement before the current one runs code preflight does not read (`CALL`,
    /// `EXECUTE`, a statement it does not recognise): it may have dropped a dependent.
    opaque_before: bool,
    /// Table (or composite type) → the last top-level CREATE TABLE (CREATE TYPE … AS) of it:
    /// index and created columns (attributes).
    table_columns: DigestMap<(u32, Vec<String>)>,
    /// Table → what statements do to its columns, in file order: each top-level `ADD COLUMN`
    /// (no column taken, the column given), `DROP COLUMN` (taken, none given) and `RENAME
    /// COLUMN` (taken, given), and each DO block's drop or rename (taken only: it may run),
    /// columns folded. The columns of [`Self::table_columns`] are then not all it has after
    /// them ([`Sequence::columns_after`]).
    column_changes: DigestMap<Vec<ColumnChange>>,
    /// Table (or column) → each top-level step on it (a creation or removal): of same-named
    /// tables of several schemas, which one a step acts on ([`Sequence::recreated_after`]).
    table_schemas: DigestMap<Vec<TableStep>>,
    /// First pass (PostgreSQL): the top-level statements that change the search_path, in file
    /// order, with where an unqualified name goes after each ([`PathAfter`]).
    path_changes: Vec<(u32, PathAfter)>,
    /// Table base → (schema, index) of ALTER TABLEs with PRIMARY and AUTO_INCREMENT.
    auto_increment_keys: DigestMap<Vec<(Option<Box<str>>, u32)>>,
    /// Look-back over every object: the last top-level event before the current statement
    /// (of an object no statement removes, that is whether a statement before created it).
    last_event: DigestMap<LastEvent>,
    /// The same per schema the file tells ([`in_schema`]: the key with the schema its step
    /// acted in): a table created in one schema leaves a same-named table of another as it was.
    last_event_in: DigestMap<Stamped>,
    /// Look-back for the production-safety rules only ([`Sequence::state_before_in`]): the
    /// last rename that gave an object each name, as a creation when the object had the
    /// file's creation as its last event (a table the file created, renamed, is still new) and
    /// a removal otherwise (what arrives under the name is not the file's). Kept apart from
    /// `last_event`, which the retry proofs read ([`Sequence::state_before`]).
    arrived: DigestMap<LastEvent>,
    /// The same per schema the file tells, as `last_event_in` (a rename keeps the schema).
    arrived_in: DigestMap<Stamped>,
    /// Top-level steps passed so far: the order of the look-back's events.
    steps_passed: u32,
    /// Index of the current statement (lint pass).
    current_index: usize,
    /// The names of what the statements seen so far remove (first pass).
    found: Removals,
    /// What the runner executes before every run of the file: what it removes, a retry
    /// creates again (`lint::prologue`).
    before_each_run: Option<crate::lint::prologue::Prologue>,
    /// The search_path the top-level statements passed so far set (the prologue's proofs
    /// resolve unqualified names by it).
    search_path: crate::sql::search_path::SessionPath,
}

/// One name of a top-level `DROP TABLE|VIEW|MATERIALIZED VIEW`.
#[derive(Debug, Clone)]
struct DropSite {
    index: u32,
    kind: ObjectKind,
    /// Base name, folded, and the schema when spelt.
    base: String,
    schema: Option<String>,
    /// Its place among the statement's names, and how many it has.
    position: usize,
    count: usize,
    /// The statement's bytes, whether it has IF EXISTS and CASCADE, the name as written.
    range: Range<usize>,
    guarded: bool,
    cascade: bool,
    text: String,
}

/// A top-level `ALTER TABLE p DROP CONSTRAINT k` without CASCADE (PostgreSQL).
#[derive(Debug, Clone)]
struct KeyDrop {
    index: u32,
    /// The table's base name, folded, and its schema when spelt.
    table: String,
    schema: Option<String>,
    /// The constraint's name, folded.
    name: String,
}

/// What blocks a drop on a retry: an object a later statement creates that depends on the
/// dropped one.
#[derive(Debug, Clone)]
pub struct Blocker {
    key: u64,
    /// The dropped table's base name, when the statement names several.
    pub dropped: Option<String>,
    /// The dropped table's base name (foreign keys).
    dropped_base: Option<String>,
    /// The file drops the dependent before, at this statement, but that drop fails on a retry
    /// itself (another dependent blocks it): valid only while it does.
    pub via: Option<u32>,
    /// The dependent's name as the statement creating it spells it.
    pub dependent: String,
    /// A foreign key (else a view, or a table's column): `SET FOREIGN_KEY_CHECKS = 0` lifts it.
    pub foreign_key: bool,
    /// An object using the dropped type or domain, and how (PostgreSQL).
    pub type_use: Option<TypeUse>,
    /// A view of the dropped table's own name: the drop meets a view, not a table.
    pub same_name: bool,
    /// MariaDB: the dependent is dropped by the same statement, after the dropped table.
    pub later_in_statement: bool,
    /// The file's first drop of the dependent after this statement, before it creates it again.
    pub later_drop: Option<LaterDrop>,
    /// A drop of a key (`ALTER TABLE p DROP CONSTRAINT p_u1`) that the dependent's foreign key
    /// uses: the key's name, and the foreign key's when it has one.
    pub key_drop: Option<(String, Option<String>)>,
}

/// A later top-level `DROP TABLE` of a dependent.
#[derive(Debug, Clone)]
pub struct LaterDrop {
    /// The statement's bytes (terminator included).
    pub range: Range<usize>,
    /// It drops the dependent alone.
    pub single: bool,
    /// It has IF EXISTS.
    pub guarded: bool,
    /// The dependent's name as that statement writes it.
    pub name: String,
}

impl Sequence {
    pub fn new(model: ApplyModel, dialect: Dialect) -> Sequence {
        Sequence {
            model: Some(model),
            dialect,
            search_path: crate::sql::search_path::SessionPath::file(
                model == ApplyModel::FileTransaction,
            ),
            ..Sequence::default()
        }
    }

    /// Can the statement whose text is `text` matter to the look-ahead? Only a DROP or RENAME
    /// removes an object, and a later creation of a removed object matters in every apply
    /// model (it brings it back, or a later view blocks its drop); a search_path change tells
    /// which table a later unqualified name is (PostgreSQL; MySQL's `USE db`). The first pass over a file
    /// the byte scan cannot split builds only the statements this accepts; on plain SQL it
    /// chooses by [`role`].
    pub fn may_look_ahead(text: &str) -> bool {
        [
            "drop",
            "rename",
            "create",
            "alter",
            "add",
            "search_path",
            "set_config",
            "reset",
            "schema",
        ]
        .iter()
        .any(|w| contains_ignore_case(text, w))
            || text
                .trim_start()
                .as_bytes()
                .get(..4)
                .is_some_and(|w| w[..3].eq_ignore_ascii_case(b"use") && w[3].is_ascii_whitespace())
    }

    /// The SQL the runner executes before every run of this file: creations of what it
    /// removes survive a retry.
    pub fn set_before_each_run(&mut self, prologue: crate::lint::prologue::Prologue) {
        self.before_each_run = Some(prologue);
    }

    /// The first pass has seen every statement of [`Role::Removal`]: the names under which
    /// what they remove can come back.
    pub fn take_removals(&mut self) -> Removals {
        std::mem::take(&mut self.found)
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
        let safe: Vec<&Step> = list
            .iter()
            .enumerate()
            .filter(|&(at, s)| self.survives(s) || self.survives_in_pair(&list, at))
            .map(|(_, s)| s)
            .collect();
        // Each action of an `ALTER TABLE` (or a composite type's `ALTER TYPE`) stands alone.
        if matches!(
            statement.shape.kind,
            ShapeKind::AlterTable | ShapeKind::Alter(ObjectKind::Type)
        ) {
            let ranges = safe.iter().map(|s| s.range.clone()).collect::<Vec<_>>();
            if !ranges.is_empty() {
                self.safe.insert(i, ranges);
            }
        } else if !list.is_empty() && safe.len() == list.len() && !unnamed(statement) {
            self.safe.insert(i, vec![statement.range.clone()]);
        }
        if let Some(prologue) = &self.before_each_run {
            let survivors = prologue.survivors_under(statement, self.search_path.schemas());
            if !survivors.is_empty() {
                self.safe.entry(i).or_default().extend(survivors);
            }
        }
        self.current = list
            .iter()
            .map(|s| {
                let proved = safe.iter().any(|p| std::ptr::eq(*p, s));
                let to = s.to.as_ref().filter(|_| s.rename);
                let to = to.map(|to| (to.digest(), s.key.clone()));
                (
                    s.key.digest(),
                    s.event,
                    s.rename,
                    proved,
                    self.resolve(s),
                    to,
                )
            })
            .collect();
    }

    /// Does renaming `key` to `to` (in `schema`) give `to` back to the object that left it: the
    /// last event on `to` is the rename that gave `key` its name, with nothing on `key` since?
    fn renamed_back(&self, key: u64, to: u64, schema: Option<&str>) -> bool {
        let away = history::last_in(&self.last_event, &self.last_event_in, to, schema);
        let arrival = history::last_in(&self.arrived, &self.arrived_in, key, schema);
        let own = history::last_in(&self.last_event, &self.last_event_in, key, schema);
        match (away, arrival) {
            (Some((Event::Remove, left)), Some((_, came))) => {
                left == came && own.is_none_or(|(_, at)| at < came)
            }
            _ => false,
        }
    }

    /// The schema a step of the current statement acts in, under the search_path the
    /// statements before it set (see [`Resolved`]).
    fn resolve(&self, step: &Step) -> Resolved {
        self.resolve_written(&step.schema)
    }

    /// [`Self::resolve`] of a schema as a statement wrote it (`None`: unqualified).
    fn resolve_written(&self, written: &Resolved) -> Resolved {
        written
            .clone()
            .or_else(|| self.search_path.home().map(Into::into))
    }

    /// Lint pass: the statement entered last has been checked (with its DO-block statements):
    /// its effects become history for the statements after it.
    pub fn passed(&mut self, statement: &Statement) {
        self.passed_after(statement, None);
    }

    /// [`Self::passed`] of a file that pending migrations run before (`pending`: what they
    /// leave created): a table one of them created, renamed here, is new under its new name.
    pub fn passed_after(
        &mut self,
        statement: &Statement,
        pending: Option<&crate::lint::pending::Created>,
    ) {
        // Resolved before the statement's own SET (a CREATE INDEX sets no path).
        self.record_index(statement);
        // A key dropped with CASCADE takes the foreign keys that reference it too.
        if !self.tables_losing_columns.is_empty()
            || self.removes_tables
            || !self.cascaded_columns.is_empty()
        {
            for s in std::iter::once(statement).chain(&statement.nested) {
                self.added_constraints
                    .extend(crate::lint::rules::read_removed_later::added_constraints(s));
                self.forget_dropped_keys(s);
                for key in crate::sql::keys::declared_keys(s) {
                    self.declared_keys
                        .entry(key.table.clone())
                        .or_default()
                        .push(key);
                }
            }
            let at = u32::try_from(statement.index).unwrap_or(u32::MAX);
            self.column_copies
                .extend(
                    column_copies(statement)
                        .into_iter()
                        .map(|(table, into, from)| {
                            (
                                at,
                                column_digest(&table, &into),
                                column_digest(&table, &from),
                            )
                        }),
                );
        }
        self.search_path.observe(&statement.tokens);
        // The schema each rename of the statement acted in, by the digest of the name it gives.
        let renamed_in: Vec<(u64, Resolved)> = self
            .current
            .iter()
            .filter_map(|(_, _, _, _, schema, to)| to.as_ref().map(|(to, _)| (*to, schema.clone())))
            .collect();
        for (key, event, rename, proved, schema, to) in std::mem::take(&mut self.current) {
            self.steps_passed += 1;
            if let Some((to, old)) = to {
                // What the name had before this step: new, or not the file's.
                let new = match self.state_in(key, schema.as_deref()) {
                    Some(created) => created,
                    None => pending.is_some_and(|p| p.contains(&old, schema.as_deref())),
                };
                // A table swap: the file dropped (or renamed away) a table of the new name
                // before. Outside a transaction the running version reaches the renamed table,
                // with the rows the file copied in, by that name at once: it is not new to it.
                // Not when that table is the one coming back: `CREATE TABLE d2 …; ALTER TABLE
                // d2 RENAME TO d3; ALTER TABLE d3 RENAME TO d2` leaves the file's new `d2`,
                // which a re-run makes again before a later `RENAME d2 TO …`.
                let swap = self.state_in(to, schema.as_deref()) == Some(false)
                    && !self.renamed_back(key, to, schema.as_deref());
                let event = if new && !swap {
                    Event::Create
                } else {
                    Event::Remove
                };
                record(
                    &mut self.arrived,
                    &mut self.arrived_in,
                    to,
                    schema.as_deref(),
                    (event, self.steps_passed),
                );
            }
            let at = (event, self.steps_passed);
            record(
                &mut self.last_event,
                &mut self.last_event_in,
                key,
                schema.as_deref(),
                at,
            );
            let blocked = self.is_blocked(statement.index, key);
            if let Some(removed) = self.removed.get_mut(&key) {
                let dropped = event == Event::Remove && !rename;
                removed.removed_before |= dropped;
                removed.removed_unblocked |= dropped && !blocked;
                removed.last_before = Some(event);
                removed.renamed_last = rename;
                removed.renamed_last_reruns = (rename && proved).then(|| schema.clone());
                removed.created_last_proved = event == Event::Create && proved;
                if dropped {
                    removed.drops_in.push((schema, !blocked));
                } else if event == Event::Create {
                    removed
                        .creations_in
                        .push((schema, u32::try_from(statement.index).unwrap_or(u32::MAX)));
                }
            }
        }
        for arrival in arrivals(statement) {
            let new = arrival.key.digest();
            if let Some(removed) = self.removed.get_mut(&new) {
                let old = arrival.old_key().map(|k| k.digest());
                let schema = renamed_in
                    .iter()
                    .find(|(to, _)| *to == new)
                    .map(|(_, s)| s.clone());
                removed.renamed_into = old
                    .zip(schema)
                    .map(|(old, schema)| (statement.index as u32, old, schema));
            }
        }
        if self.blockers(statement.index).next().is_some() {
            self.failed_drops.insert(statement.index as u32);
        }
        self.opaque_before |= match &statement.shape.kind {
            ShapeKind::Unknown => !statement.tokens.is_empty(),
            ShapeKind::Other(word) => matches!(word.as_str(), "CALL" | "EXECUTE" | "EXEC"),
            _ => false,
        };
        if matches!(self.dialect, Dialect::Mysql | Dialect::Mariadb) {
            self.foreign_key_checks =
                references::foreign_key_checks_after(statement, self.foreign_key_checks);
        }
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
        let key = object_digest(ObjectKind::Index, name.base());
        if self.removed.contains_key(&key) {
            let table_schema = schema(table);
            let resolved = table_schema
                .clone()
                .or_else(|| self.search_path.home().map(Into::into));
            self.index_tables.entry(key).or_default().push((
                schema(name).or(table_schema),
                table.base().into(),
                resolved,
            ));
        }
    }

    /// The analysis proved the bytes `range` of top-level statement `index` survive a retry.
    pub fn proves_safe(&self, index: usize, range: &Range<usize>) -> bool {
        self.safe.get(&index).is_some_and(|ranges| {
            ranges
                .iter()
                .any(|r| r.start <= range.start && range.end <= r.end)
        })
    }

    /// Is the file applied in one transaction (only a re-run of the whole file can happen)?
    /// Takes out of [`Self::declared_keys`] the keys `statement` drops, by name (`DROP
    /// CONSTRAINT [IF EXISTS] k`), with a column of theirs (`DROP COLUMN code`) or with their
    /// table (`DROP TABLE p`), and gives a renamed key its new name (`RENAME CONSTRAINT k TO
    /// k2`): what is left are the keys there after it, in the order PostgreSQL made their
    /// indexes, which is how it picks the key a foreign key depends on (PostgreSQL 15,
    /// `transformFkeyCheckAttrs`: the first usable unique index on the columns, by OID).
    fn forget_dropped_keys(&mut self, statement: &Statement) {
        // Only these remove a table, a column or a constraint; the others need no steps.
        if self.declared_keys.is_empty()
            || !matches!(
                statement.shape.kind,
                ShapeKind::AlterTable | ShapeKind::Drop(_) | ShapeKind::Rename(_)
            )
        {
            return;
        }
        for step in steps(statement) {
            if step.event != Event::Remove {
                continue;
            }
            match (&step.key, &step.to) {
                (Key::Constraint(table, name), Some(Key::Constraint(_, new))) if step.rename => {
                    for key in self.declared_keys.get_mut(table).into_iter().flatten() {
                        if key.name == *name {
                            key.name.clone_from(new);
                        }
                    }
                }
                (Key::Constraint(table, name), _) => {
                    if let Some(keys) = self.declared_keys.get_mut(table) {
                        keys.retain(|key| key.name != *name);
                    }
                }
                (Key::Column(table, column), _) if !step.rename => {
                    if let Some(keys) = self.declared_keys.get_mut(table) {
                        keys.retain(|key| !key.columns.contains(column));
                    }
                }
                (Key::Object(ObjectKind::Table, table), _) if !step.rename => {
                    self.declared_keys.remove(table);
                }
                _ => {}
            }
        }
    }

    pub fn transactional(&self) -> bool {
        self.model == Some(ApplyModel::FileTransaction)
    }
}

/// What `UPDATE t SET a = <expression>, …` copies: (table, `a`, word) for each plain word of
/// each assignment's expression (`SET c_new = c` copies `c` into `c_new`), folded. Only a plain
/// `UPDATE [ONLY] [schema.]t [[AS] alias] SET` of one column a time; nothing for anything else.
fn column_copies(statement: &Statement) -> Vec<(String, String, String)> {
    use sqlparser::tokenizer::Token;
    let tokens = &statement.tokens;
    let mut at = 1;
    if !tokens.first().is_some_and(|t| t.is_kw("UPDATE")) {
        return Vec::new();
    }
    if tokens.get(at).is_some_and(|t| t.is_kw("ONLY")) {
        at += 1;
    }
    if tokens.get(at + 1).is_some_and(|t| t.is(&Token::Period)) {
        at += 2;
    }
    let Some(table) = tokens.get(at).and_then(folded) else {
        return Vec::new();
    };
    let Some(set) = tokens[at..]
        .iter()
        .position(|t| t.is_kw("SET"))
        .map(|k| k + at)
    else {
        return Vec::new();
    };
    let list = &tokens[set + 1..];
    let end = crate::sql::dynamic::split_top(list, |t| {
        t.is_kw("FROM") || t.is_kw("WHERE") || t.is_kw("RETURNING")
    })[0]
        .len();
    let mut out = Vec::new();
    for item in crate::sql::dynamic::split_top(&list[..end], |t| t.is(&Token::Comma)) {
        let [target, eq, expression @ ..] = item else {
            continue;
        };
        let Some(into) = folded(target).filter(|_| eq.is(&Token::Eq)) else {
            continue;
        };
        for word in expression.iter().filter_map(folded) {
            out.push((table.clone(), into.clone(), word));
        }
    }
    out
}
