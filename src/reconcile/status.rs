//! Each migration's status: the tracker's record, the file's checksum and the live objects
//! the migration is the last to touch, put together.

use super::db::Engine;
use super::expected::{Expected, Owner};
use super::schema::{differences, ObjectId, ObjectKind, Schema};
use super::trackers::{tracker_tables, ChecksumCheck, Record, RecordState, Tracker};
use crate::layout::{MigrationFile, VersionKey};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// The documented set of statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Recorded, and every object it creates is present as it creates it.
    Applied,
    /// Not recorded, and none of its objects exist.
    Pending,
    /// Not recorded, yet all its objects exist: the next deploy re-runs it.
    AppliedUnrecorded,
    /// Not recorded, some of its objects exist: a run stopped half-way.
    Partial,
    /// Recorded, but some of its objects are absent.
    MissingObjects,
    /// Recorded, objects present but different (type, nullability, default, index, enum labels).
    Drifted,
    /// Recorded, but the file changed since it was applied.
    ChecksumMismatch,
    /// golang-migrate's dirty flag.
    Dirty,
    /// The tracker records a failed run.
    Failed,
    /// Recorded, but no file has that version.
    Orphan,
    /// Not recorded and older than the newest recorded migration.
    OutOfOrder,
    /// Recorded, but nothing in the catalog shows its effect (data-only or unmodelled statements);
    /// or, recorded or not, a statement of it could not be read, so whether it ran completely
    /// is unknown.
    Unverifiable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::Pending => "pending",
            Status::AppliedUnrecorded => "applied_unrecorded",
            Status::Partial => "partial",
            Status::MissingObjects => "missing_objects",
            Status::Drifted => "drifted",
            Status::ChecksumMismatch => "checksum_mismatch",
            Status::Dirty => "dirty",
            Status::Failed => "failed",
            Status::Orphan => "orphan",
            Status::OutOfOrder => "out_of_order",
            Status::Unverifiable => "unverifiable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectState {
    Present,
    Missing,
    Drifted,
    /// Dropped by the migration, still in the database.
    StillPresent,
    /// Dropped by the migration, and gone.
    Dropped,
}

#[derive(Debug, Clone)]
pub struct ObjectCheck {
    pub id: ObjectId,
    pub state: ObjectState,
    pub differences: Vec<String>,
    /// Not in the live catalog at all (a column missing from an existing table is `Drifted`
    /// for a recorded migration, yet still absent).
    pub absent: bool,
    /// The statement that created, altered or dropped it.
    pub statement: Range<usize>,
}

#[derive(Debug, Clone)]
pub struct MigrationStatus {
    /// Index into the discovered files; `None` for an orphan record.
    pub file: Option<usize>,
    pub record: Option<Record>,
    pub status: Status,
    pub objects: Vec<ObjectCheck>,
    pub checksum: ChecksumCheck,
    /// Why the statuses `failed`, `unverifiable` were given.
    pub detail: Option<String>,
}

impl MigrationStatus {
    pub fn count(&self, state: ObjectState) -> usize {
        self.objects.iter().filter(|o| o.state == state).count()
    }
}

pub struct Inputs<'a> {
    pub files: &'a [MigrationFile],
    pub records: &'a [Record],
    pub expected: &'a Expected,
    pub live: &'a Schema,
    pub tracker: &'a dyn Tracker,
}

/// How a hand-rolled tracker may name the file: `20240115_add_x.sql` or its stem.
fn file_spellings(file: &MigrationFile) -> impl Iterator<Item = &str> {
    let stem = file.name.strip_suffix(".sql").unwrap_or(&file.name);
    [file.name.as_str(), stem].into_iter()
}

fn matches(file: &MigrationFile, record: &Record) -> bool {
    if file.baseline != record.baseline {
        return false;
    }
    if file.repeatable {
        // Flyway knows a repeatable migration by its description (the key), wherever its
        // script is.
        return record.version == file.version
            || record.name.as_deref() == Some(file.version.as_str())
            || record.key.same(&file.key);
    }
    !record.version.starts_with("R__") && file.key.same(&record.key)
}

/// The objects each migration is the last to create/alter, and those it drops, by migration.
type ByMigration<'e> = Vec<Vec<(&'e ObjectId, &'e Owner, bool)>>;

fn group_by_migration<'e>(expected: &'e Expected, migrations: usize) -> ByMigration<'e> {
    let mut out: ByMigration<'e> = vec![Vec::new(); migrations];
    let owned = expected.owners.iter().map(|(id, o)| (id, o, false));
    let dropped = expected.dropped.iter().map(|(id, o)| (id, o, true));
    for (id, owner, is_drop) in owned.chain(dropped) {
        if let Some(slot) = out.get_mut(owner.migration) {
            slot.push((id, owner, is_drop));
        }
    }
    out
}

/// Checks one migration's owned and dropped objects against the live catalog.
fn object_checks(objects: &[(&ObjectId, &Owner, bool)], inputs: &Inputs<'_>) -> Vec<ObjectCheck> {
    let mut out = Vec::with_capacity(objects.len());
    for &(id, owner, is_drop) in objects {
        let absent = !inputs.live.contains(id);
        let (state, differences) = if is_drop {
            let state = if absent {
                ObjectState::Dropped
            } else {
                ObjectState::StillPresent
            };
            (state, Vec::new())
        } else {
            let Some(want) = inputs.expected.schema.get(id) else {
                continue;
            };
            match inputs.live.get(id) {
                // A column or constraint gone from a table that exists: the table drifted.
                None if table_exists(id, inputs.live) => (
                    ObjectState::Drifted,
                    vec!["missing from the table".to_string()],
                ),
                None => (ObjectState::Missing, Vec::new()),
                Some(have) => {
                    let diffs = differences(want, have);
                    if diffs.is_empty() {
                        (ObjectState::Present, diffs)
                    } else {
                        (ObjectState::Drifted, diffs)
                    }
                }
            }
        };
        out.push(ObjectCheck {
            id: id.clone(),
            state,
            differences,
            absent,
            statement: owner.statement.clone(),
        });
    }
    out.sort_by(|a, b| {
        a.statement
            .start
            .cmp(&b.statement.start)
            .then(a.id.cmp(&b.id))
    });
    out
}

fn table_exists(id: &ObjectId, live: &Schema) -> bool {
    matches!(id.kind, ObjectKind::Column | ObjectKind::Constraint)
        && id
            .table()
            .is_some_and(|t| live.contains(&ObjectId::new(ObjectKind::Table, t)))
}

pub fn evaluate(inputs: &Inputs<'_>) -> Vec<MigrationStatus> {
    let mut used = vec![false; inputs.records.len()];
    let mut rows = Vec::new();
    let newest_recorded: Option<&VersionKey> = inputs
        .records
        .iter()
        .filter(|r| !r.version.starts_with("R__"))
        .map(|r| &r.key)
        .max();

    let by_migration = group_by_migration(inputs.expected, inputs.files.len());
    // Records that name a file exactly (`20240115_add_x.sql` or its stem) are kept for it.
    let mut by_value: HashMap<&str, usize> = HashMap::new();
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in inputs.records.iter().enumerate() {
        by_value.entry(r.version.as_str()).or_insert(i);
        by_key.entry(r.key.identity()).or_default().push(i);
    }
    let file_names: HashSet<&str> = inputs.files.iter().flat_map(file_spellings).collect();
    let names_a_file: Vec<bool> = inputs
        .records
        .iter()
        .map(|r| file_names.contains(r.version.as_str()))
        .collect();
    for (index, file) in inputs.files.iter().enumerate() {
        // A record naming the file wins over one that only shares its version.
        let record_index = file_spellings(file)
            .find_map(|n| by_value.get(n).copied())
            .filter(|&i| inputs.records[i].baseline == file.baseline)
            .or_else(|| {
                by_key
                    .get(&file.key.identity())?
                    .iter()
                    .copied()
                    .find(|&i| !used[i] && !names_a_file[i] && matches(file, &inputs.records[i]))
            });
        if let Some(i) = record_index {
            used[i] = true;
        }
        let record = record_index.map(|i| inputs.records[i].clone());
        let objects = object_checks(&by_migration[index], inputs);
        let model = inputs
            .expected
            .migrations
            .get(index)
            .cloned()
            .unwrap_or_default();

        let (status, checksum, detail) = file_status(
            file,
            record.as_ref(),
            &objects,
            &model,
            newest_recorded,
            inputs,
        );
        rows.push(MigrationStatus {
            file: Some(index),
            record,
            status,
            objects,
            checksum,
            detail,
        });
    }

    for (i, record) in inputs.records.iter().enumerate() {
        if !used[i] {
            rows.push(MigrationStatus {
                file: None,
                record: Some(record.clone()),
                status: Status::Orphan,
                objects: Vec::new(),
                checksum: ChecksumCheck::NotTracked,
                detail: None,
            });
        }
    }
    rows
}

/// Moves the rows of checked Flyway baseline migrations (`B` scripts, checked after the replayed
/// files) to where Flyway lists them: after the versioned migrations up to their version (of
/// one version, `SQL` sorts before `SQL_BASELINE`), before the newer ones and the repeatable
/// ones.
pub fn baselines_in_version_order(rows: &mut Vec<MigrationStatus>, files: &[MigrationFile]) {
    let file = |row: &MigrationStatus| row.file.map(|i| &files[i]);
    let (baselines, mut out): (Vec<MigrationStatus>, Vec<MigrationStatus>) = std::mem::take(rows)
        .into_iter()
        .partition(|row| file(row).is_some_and(|f| f.baseline));
    for row in baselines {
        let Some(key) = file(&row).map(|f| &f.key) else {
            continue;
        };
        let at = out
            .iter()
            .rposition(|r| {
                file(r).is_some_and(|f| !f.repeatable && (f.key < *key || f.key.same(key)))
            })
            .map_or(0, |i| i + 1);
        out.insert(at, row);
    }
    *rows = out;
}

/// What the objects of one migration look like in the live catalog.
struct Evidence {
    /// Objects it creates that exist, are missing, differ.
    existing: usize,
    missing: usize,
    drifted: usize,
    total: usize,
    /// Objects it drops that still exist.
    still_present: usize,
    checkable: bool,
}

impl Evidence {
    fn of(objects: &[ObjectCheck]) -> Evidence {
        // Creations are the evidence; drops only say something once a migration is recorded.
        let created: Vec<&ObjectCheck> = objects
            .iter()
            .filter(|o| !matches!(o.state, ObjectState::StillPresent | ObjectState::Dropped))
            .collect();
        let existing = created.iter().filter(|o| !o.absent).count();
        let missing = created
            .iter()
            .filter(|o| o.state == ObjectState::Missing)
            .count();
        let drifted = created
            .iter()
            .filter(|o| o.state == ObjectState::Drifted)
            .count();
        let still_present = objects
            .iter()
            .filter(|o| o.state == ObjectState::StillPresent)
            .count();
        let checkable = !objects.is_empty();
        Evidence {
            existing,
            missing,
            drifted,
            total: created.len(),
            still_present,
            checkable,
        }
    }
}

/// One migration's status, the checksum comparison, and why (for `failed`, `unverifiable`).
fn file_status(
    file: &MigrationFile,
    record: Option<&Record>,
    objects: &[ObjectCheck],
    model: &super::expected::MigrationModel,
    newest_recorded: Option<&VersionKey>,
    inputs: &Inputs<'_>,
) -> (Status, ChecksumCheck, Option<String>) {
    let evidence = Evidence::of(objects);
    match record {
        Some(record) => recorded_status(file, record, &evidence, model, inputs),
        None => (
            unrecorded_status(file, &evidence, model, newest_recorded),
            ChecksumCheck::NotTracked,
            unread_reason(file, model)
                .filter(|_| evidence.total > 0 && evidence.existing == evidence.total),
        ),
    }
}

fn recorded_status(
    file: &MigrationFile,
    record: &Record,
    evidence: &Evidence,
    model: &super::expected::MigrationModel,
    inputs: &Inputs<'_>,
) -> (Status, ChecksumCheck, Option<String>) {
    let checksum = inputs.tracker.check_checksum(file, record);
    let mut detail = None;
    let status = match &record.state {
        RecordState::Dirty => Status::Dirty,
        RecordState::Failed(why) => {
            detail = Some(why.clone());
            Status::Failed
        }
        RecordState::Applied => {
            if matches!(checksum, ChecksumCheck::Mismatch { .. }) {
                // Flyway re-applies a changed repeatable (R__) script on the next
                // migrate: that is its purpose, not an edit to an applied one.
                if file.repeatable {
                    Status::Pending
                } else {
                    Status::ChecksumMismatch
                }
            } else if evidence.missing > 0 {
                Status::MissingObjects
            } else if evidence.drifted > 0 || evidence.still_present > 0 {
                Status::Drifted
            } else if let Some(unread) = unread_reason(file, model) {
                // A statement nothing could read: what it did is unknown.
                detail = Some(unread);
                Status::Unverifiable
            } else if !evidence.checkable && (model.data_statements > 0 || !model.opaque.is_empty())
            {
                detail = Some(unverifiable_reason(model));
                Status::Unverifiable
            } else {
                Status::Applied
            }
        }
    };
    (status, checksum, detail)
}

fn unrecorded_status(
    file: &MigrationFile,
    evidence: &Evidence,
    model: &super::expected::MigrationModel,
    newest_recorded: Option<&VersionKey>,
) -> Status {
    // Objects that exist, even if different, are evidence the migration ran.
    let all_exist = evidence.total > 0 && evidence.existing == evidence.total;
    if all_exist && !model.unread.is_empty() {
        // Its objects exist, but a statement could not be read: whether the run
        // finished is unknown, so recording it as applied is not advised.
        Status::Unverifiable
    } else if all_exist {
        Status::AppliedUnrecorded
    } else if evidence.existing > 0 {
        Status::Partial
    } else if newest_recorded.is_some_and(|newest| *newest > file.key) && !file.repeatable {
        Status::OutOfOrder
    } else {
        Status::Pending
    }
}

/// "line N could not be read (why)" for the first statement of the migration nothing could
/// read, if any.
fn unread_reason(file: &MigrationFile, model: &super::expected::MigrationModel) -> Option<String> {
    let (range, why) = model.unread.first()?;
    let line = file.source.line_col(range.start).line;
    Some(format!("line {line} could not be read: {why}"))
}

fn unverifiable_reason(model: &super::expected::MigrationModel) -> String {
    let mut parts = Vec::new();
    if model.data_statements > 0 {
        parts.push(format!("{} data statement(s)", model.data_statements));
    }
    if let Some((_, why)) = model.opaque.first() {
        parts.push(why.clone());
    }
    parts.join("; ")
}

/// Live objects no migration creates, leaving out tracker tables (and the schema the tracker's
/// table is configured in), objects that live on an unmanaged table (the table is reported),
/// and objects a migration drops. `tracker_table` is the tracker's table when it is one of the
/// reconciled schema's, None when the tracker reads it in another schema only (`other.migrations`:
/// a `migrations` here is unmanaged).
pub fn unmanaged(
    expected: &Expected,
    live: &Schema,
    (tracker_schema, tracker_table): (Option<&str>, Option<&str>),
    engine: Engine,
) -> Vec<ObjectId> {
    let tracker_tables = tracker_tables();
    // `tracker_table` is the name as the server's catalog stores it (resolved by the
    // connection's `NameCase`), and so are the known tools' own names.
    let stored_is_tracker = |t: &str| tracker_table == Some(t) || tracker_tables.contains(&t);
    // MySQL's live catalog keys tables by their lower-cased name (live/mysql.rs): the key is a
    // tracker table only if every table stored under it is one, so an unrelated `migrations`
    // next to a tracker table `Migrations` (lower_case_table_names 0) is still reported.
    let is_tracker = |t: &str| match live.stored_names.get(t) {
        Some(stored) if engine != Engine::Postgres => stored.iter().all(|s| stored_is_tracker(s)),
        _ => stored_is_tracker(t),
    };
    let table_managed = |t: &str| {
        expected
            .schema
            .contains(&ObjectId::new(ObjectKind::Table, t))
    };
    let mut out = Vec::new();
    for (id, attrs) in &live.objects {
        if expected.schema.contains(id) || expected.dropped.contains_key(id) {
            continue;
        }
        // Atlas keeps its revisions table in a schema of the same name.
        if id.kind == ObjectKind::Schema
            && (tracker_tables.contains(&id.name.as_str())
                || tracker_schema == Some(id.name.as_str()))
        {
            continue;
        }
        let table = match id.kind {
            ObjectKind::Index => attrs.get("table").map(String::as_str),
            ObjectKind::Sequence => attrs.get("owned_by").map(String::as_str),
            _ => id.table(),
        };
        if let Some(t) = table {
            if is_tracker(t) {
                continue;
            }
            // Parts of an unmanaged table are covered by the table's own entry, and parts of
            // a table whose columns the model does not know cannot be judged.
            if id.kind != ObjectKind::Table
                && (!table_managed(t) || expected.tables_with_unknown_columns.contains(t))
            {
                continue;
            }
            // A sequence owned by a managed column (serial, identity) belongs to that column.
            if id.kind == ObjectKind::Sequence {
                continue;
            }
        }
        // MySQL's auto-created indexes for foreign keys are named by the server.
        if engine != Engine::Postgres && id.kind == ObjectKind::Index {
            continue;
        }
        out.push(id.clone());
    }
    out
}
