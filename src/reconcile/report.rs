//! Turns migration statuses into findings (each with the user's next step, printed and never
//! run), the "Migrations" table and the `migrations` JSON member.

use super::db::Engine;
use super::expected::Expected;
use super::schema::Schema;
use super::schema::{ObjectId, ObjectKind};
use super::status::{MigrationStatus, ObjectCheck, ObjectState, Status};
use super::trackers::{ChecksumCheck, RecordState, Tracker};
use crate::diagnostics::{Finding, Location, RuleInfo};
use crate::layout::MigrationFile;
use crate::output::{Cell, CellStatus, Table};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

/// How many objects a message names before it says "and N more".
const NAMED_OBJECTS: usize = 4;

/// A migration with a statement nothing could read, recorded.
const UNREAD_NOTE: &str =
    "check that statement's effect by hand; preflight reports it as unknown, not as passed";

/// The same, not recorded: recording it as applied could skip the statement for good.
const UNREAD_UNRECORDED_NOTE: &str = "do not record it as applied before checking that statement by hand: if it did not run, the tracker would skip it for good; make the migration retry-safe and let the deploy re-run it";

pub struct Context<'a> {
    pub files: &'a [MigrationFile],
    /// Every migration the tool resolves locally: `files` and the ones preflight does not
    /// check (a Flyway baseline migration no record names), for `Tracker::orphan`.
    pub resolved: &'a [MigrationFile],
    pub tracker: &'a dyn Tracker,
    pub engine: Engine,
    pub dir: &'a Path,
    /// The migrations that ran SQL built at run time, which the replay cannot follow.
    pub dynamic: &'a [DynamicSql],
}

/// A migration that ran SQL it builds at run time (`EXECUTE`): the replay does not know what
/// that SQL did, so differences on the objects it may have touched may be its doing.
#[derive(Debug, Clone)]
pub struct DynamicSql {
    pub file: String,
    pub line: usize,
    /// How the first such statement starts (`` `EXECUTE stmt …` ``).
    pub what: String,
    /// The tables it names (in lower case, in its SQL or its strings); `None` when it names
    /// none the schema knows, so it may have touched anything.
    pub tables: Option<BTreeSet<String>>,
}

/// The migrations that ran dynamic SQL: those with such a statement that are not pending.
pub fn dynamic_sql(
    expected: &Expected,
    rows: &[MigrationStatus],
    files: &[MigrationFile],
    live: &Schema,
) -> Vec<DynamicSql> {
    let known: BTreeSet<String> = [&expected.schema, live]
        .into_iter()
        .flat_map(|s| s.objects.keys())
        .chain(expected.dropped.keys())
        .filter(|id| id.kind == ObjectKind::Table)
        .map(|id| id.name.to_lowercase())
        .collect();
    let mut out = Vec::new();
    for row in rows {
        let Some(index) = row.file else { continue };
        if matches!(row.status, Status::Pending | Status::OutOfOrder) {
            continue;
        }
        let (Some(model), Some(file)) = (expected.migrations.get(index), files.get(index)) else {
            continue;
        };
        let Some((range, what)) = model.dynamic.first() else {
            continue;
        };
        let tables: BTreeSet<String> = model.mentions.intersection(&known).cloned().collect();
        out.push(DynamicSql {
            file: file.name.clone(),
            line: file.source.line_col(range.start).line,
            what: what.clone(),
            tables: (!tables.is_empty()).then_some(tables),
        });
    }
    out
}

/// Notes naming the migrations whose dynamic SQL may have touched `objects`.
fn dynamic_notes<'o>(
    dynamic: &[DynamicSql],
    objects: impl IntoIterator<Item = &'o ObjectId> + Clone,
) -> Vec<String> {
    let mut notes = Vec::new();
    for d in dynamic {
        let whom = match &d.tables {
            None => "what it touches cannot be told from the file".to_string(),
            Some(tables) => {
                let named: BTreeSet<String> = objects
                    .clone()
                    .into_iter()
                    .map(|id| id.table().unwrap_or(&id.name).to_string())
                    .filter(|t| tables.contains(&t.to_lowercase()))
                    .collect();
                if named.is_empty() {
                    continue;
                }
                let named: Vec<String> = named.into_iter().collect();
                format!("it names {}", named.join(", "))
            }
        };
        notes.push(format!(
            "{} runs SQL it builds at run time (line {}: {}), which preflight cannot replay, and {whom}: this difference may be that migration's doing rather than a change made by hand; check what that statement ran",
            d.file, d.line, d.what
        ));
    }
    notes
}

/// Whole objects first (tables, indexes, types…), their parts (columns, constraints) last.
fn prominence(kind: ObjectKind) -> u8 {
    match kind {
        ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView => 0,
        ObjectKind::Index | ObjectKind::Enum | ObjectKind::Domain | ObjectKind::Function => 1,
        ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::Schema | ObjectKind::Extension => 2,
        ObjectKind::Column => 3,
        ObjectKind::Constraint => 4,
        ObjectKind::Sequence => 5,
    }
}

fn list(objects: &[&ObjectCheck]) -> String {
    let mut objects = objects.to_vec();
    objects.sort_by_key(|o| prominence(o.id.kind));
    let mut names: Vec<String> = objects
        .iter()
        .take(NAMED_OBJECTS)
        .map(|o| o.id.to_string())
        .collect();
    if objects.len() > NAMED_OBJECTS {
        names.push(format!("and {} more", objects.len() - NAMED_OBJECTS));
    }
    names.join(", ")
}

/// The objects the migration creates (not those it drops).
fn created(row: &MigrationStatus) -> impl Iterator<Item = &ObjectCheck> {
    row.objects
        .iter()
        .filter(|o| !matches!(o.state, ObjectState::StillPresent | ObjectState::Dropped))
}

/// The row's version: its file's, else its tracker record's.
fn version(row: &MigrationStatus, file: Option<&MigrationFile>) -> String {
    file.map(|f| f.version.clone())
        .or_else(|| row.record.as_ref().map(|r| r.version.clone()))
        .unwrap_or_default()
}

fn with_state(row: &MigrationStatus, state: ObjectState) -> Vec<&ObjectCheck> {
    row.objects.iter().filter(|o| o.state == state).collect()
}

/// The rule's finding about `file`, pointing at the statement that makes `at` (else the file).
fn locate(
    rule: &'static RuleInfo,
    message: String,
    file: &MigrationFile,
    at: Option<&ObjectCheck>,
) -> Finding {
    let mut f = Finding::for_rule(rule, message);
    f.location = match at {
        Some(o) if o.statement.end > o.statement.start => file.source.location(o.statement.clone()),
        _ => Location {
            path: Some(file.source.display_path()),
            ..Location::default()
        },
    };
    f.with_subject(file.name.clone())
}

/// What one row's finding is built from.
struct Facts<'a> {
    row: &'a MigrationStatus,
    file: &'a MigrationFile,
    tool: &'a str,
    ctx: &'a Context<'a>,
    exist: Vec<&'a ObjectCheck>,
    absent: Vec<&'a ObjectCheck>,
    missing: Vec<&'a ObjectCheck>,
    drifted: Vec<&'a ObjectCheck>,
    still: Vec<&'a ObjectCheck>,
    /// The tracker's command that records the migration as applied.
    mark: String,
}

pub fn findings(rows: &[MigrationStatus], ctx: &Context<'_>) -> Vec<Finding> {
    let tool = ctx.tracker.described();
    let mut out = Vec::new();
    for row in rows {
        let Some(file) = row.file.map(|i| &ctx.files[i]) else {
            if let Some(record) = &row.record {
                let rule = &crate::reconcile::ORPHAN_RECORD;
                let (message, severity) = ctx.tracker.orphan(record, ctx.resolved).unwrap_or_else(|| {
                    (
                        format!(
                            "{tool} records version {} as applied but no migration file has that version",
                            record.version
                        ),
                        rule.default_severity,
                    )
                });
                let mut f = Finding::for_rule(rule, message)
                    .with_subject(record.version.clone())
                    .with_note(ctx.tracker.remove_record(record, ctx.engine));
                f.severity = severity;
                out.push(f);
            }
            continue;
        };
        let missing = with_state(row, ObjectState::Missing);
        let (absent, exist): (Vec<&ObjectCheck>, Vec<&ObjectCheck>) =
            created(row).partition(|o| o.absent);
        let drifted = with_state(row, ObjectState::Drifted);
        let still = with_state(row, ObjectState::StillPresent);
        let mark = ctx.tracker.mark_applied(file, ctx.engine, ctx.dir);
        let facts = Facts {
            row,
            file,
            tool: &tool,
            ctx,
            exist,
            absent,
            missing,
            drifted,
            still,
            mark,
        };
        let f = unrecorded_finding(&facts)
            .or_else(|| recorded_finding(&facts))
            .or_else(|| run_state_finding(&facts))
            .or_else(|| unverifiable_finding(&facts));
        out.extend(f);
        if row.record.is_none() {
            out.extend(ctx.tracker.cannot_apply(file));
        }
    }
    out
}

/// A migration the tracker has no record of, whose objects (some or all) exist.
fn unrecorded_finding(facts: &Facts<'_>) -> Option<Finding> {
    let Facts {
        row,
        file,
        tool,
        exist,
        absent,
        mark,
        ..
    } = facts;
    match row.status {
        Status::AppliedUnrecorded => Some(
            locate(
                &crate::reconcile::APPLIED_UNRECORDED,
                    format!(
                        "{} has already run ({} exist) but {tool} has no record of it; the next deploy runs it again",
                        file.name,
                        list(exist)
                    ),
                file,
                exist.first().copied(),
            )
            .with_note(format!(
                "make it retry-safe (`preflight fix {}`) and let the deploy re-run it",
                file.source.display_path()
            ))
            .with_note(format!("or, as its changes are complete, record it as applied: {mark}")),
        ),
        Status::Partial => Some(
            locate(
                &crate::reconcile::PARTIALLY_APPLIED,
                    format!(
                        "{} ran part-way: {} of {} objects exist; missing: {}",
                        file.name,
                        exist.len(),
                        exist.len() + absent.len(),
                        list(absent)
                    ),
                file,
                absent.first().copied(),
            )
            .with_note(format!(
                "make it retry-safe (`preflight fix {}`) so the deploy can finish it, or finish it by hand",
                file.source.display_path()
            ))
            .with_note(format!(
                "record it as applied only once every object exists: {mark}"
            ))
            .with_notes(dynamic_notes(facts.ctx.dynamic, absent.iter().map(|o| &o.id))),
        ),
        _ => None,
    }
}

/// Why a recorded migration's objects can be missing. refinery_cli (0.10) on MySQL/MariaDB
/// records a migration as applied and exits 0 when a statement after the first fails (found
/// with the real tool: bench/tools_reference.py), so there the record itself may be wrong.
fn missing_objects_cause(ctx: &Context<'_>) -> String {
    let usual = "something dropped them after the migration ran, or it ran against another database; re-create them with a new migration";
    if ctx.tracker.name() == "refinery" && ctx.engine != Engine::Postgres {
        format!("refinery records a migration on MySQL/MariaDB as applied even when one of its statements failed: look for that failure in the deploy's log before anything else; otherwise {usual}")
    } else {
        usual.to_string()
    }
}

/// A recorded migration whose objects or file differ from what ran.
fn recorded_finding(facts: &Facts<'_>) -> Option<Finding> {
    let Facts {
        row,
        file,
        tool,
        ctx,
        missing,
        drifted,
        still,
        ..
    } = facts;
    match row.status {
        Status::MissingObjects => Some(
            locate(
                &crate::reconcile::MISSING_OBJECTS,
                format!(
                    "{tool} records {} as applied but {} of its objects are missing: {}",
                    file.name,
                    missing.len(),
                    list(missing)
                ),
                file,
                missing.first().copied(),
            )
            .with_notes(dynamic_notes(ctx.dynamic, missing.iter().map(|o| &o.id)))
            .with_note(missing_objects_cause(ctx)),
        ),
        Status::Drifted => {
            let mut details: Vec<String> = drifted
                .iter()
                .flat_map(|o| o.differences.iter().map(move |d| format!("{}: {d}", o.id)))
                .collect();
            details.extend(
                still
                    .iter()
                    .map(|o| format!("{} was dropped by it but still exists", o.id)),
            );
            let first = drifted.first().or(still.first()).copied();
            let mut f = locate(
                &crate::reconcile::SCHEMA_DRIFT,
                format!(
                    "{} is recorded as applied but the database differs from it: {}",
                    file.name,
                    details.first().cloned().unwrap_or_default()
                ),
                file,
                first,
            );
            for d in details.iter().skip(1) {
                f = f.with_note(d.clone());
            }
            let touched = drifted.iter().chain(still.iter()).map(|o| &o.id);
            let notes = dynamic_notes(ctx.dynamic, touched);
            let by_hand = match notes.is_empty() {
                true => "someone changed the database by hand; write a migration that makes the change, or revert it",
                false => "otherwise someone changed the database by hand; write a migration that makes the change, or revert it",
            };
            Some(f.with_notes(notes).with_note(by_hand))
        }
        Status::ChecksumMismatch => {
            let (recorded, computed) = match &row.checksum {
                ChecksumCheck::Mismatch { recorded, computed } => {
                    (recorded.clone(), computed.clone())
                }
                _ => Default::default(),
            };
            Some(
                locate(
                    &crate::reconcile::CHECKSUM_MISMATCH,
                        format!(
                            "{} was edited after it was applied: {tool} recorded checksum {recorded}, the file now gives {computed}",
                            file.name
                        ),
                    file,
                    None,
                )
                .with_note(ctx.tracker.accept_checksum(file, &computed, ctx.engine)),
            )
        }
        _ => None,
    }
}

/// A failed, dirty or out-of-order migration.
fn run_state_finding(facts: &Facts<'_>) -> Option<Finding> {
    let Facts {
        row,
        file,
        tool,
        ctx,
        exist,
        absent,
        ..
    } = facts;
    match row.status {
        Status::Dirty | Status::Failed => {
            let what = match (&row.status, row.record.as_ref().map(|r| &r.state)) {
                (Status::Dirty, _) => {
                    "is marked dirty: a run started and did not finish".to_string()
                }
                (_, Some(RecordState::Failed(why))) => format!("failed: {why}"),
                _ => "failed".to_string(),
            };
            Some(
                locate(
                    &crate::reconcile::FAILED_MIGRATION,
                    format!(
                        "{tool} says {} {what}; {} of its objects exist, {} missing{}",
                        file.name,
                        exist.len(),
                        absent.len(),
                        if absent.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", list(absent))
                        }
                    ),
                    file,
                    absent.first().copied(),
                )
                .with_note(ctx.tracker.clear_failed(file, ctx.engine, ctx.dir)),
            )
        }
        Status::OutOfOrder => {
            let advice = ctx
                .tracker
                .out_of_order_advice()
                .unwrap_or_else(|| "check whether your tool will still run it".into());
            let rule = &crate::reconcile::OUT_OF_ORDER;
            let (message, severity) = ctx.tracker.out_of_order(file).unwrap_or_else(|| {
                (
                    format!(
                        "{} is pending but older than the newest applied migration",
                        file.name
                    ),
                    rule.default_severity,
                )
            });
            let mut f = locate(rule, message, file, None).with_note(advice);
            f.severity = severity;
            Some(f)
        }
        _ => None,
    }
}

/// A migration whose effect preflight cannot see: reported as unknown.
fn unverifiable_finding(facts: &Facts<'_>) -> Option<Finding> {
    let Facts {
        row, file, exist, ..
    } = facts;
    match row.status {
        Status::Unverifiable if row.record.is_none() => Some(
            locate(
                &crate::reconcile::UNVERIFIABLE_MIGRATION,
                    format!(
                        "{} has no record and its objects exist ({}), but {}; whether it ran completely is unknown",
                        file.name,
                        list(exist),
                        row.detail.clone().unwrap_or_default()
                    ),
                file,
                None,
            )
            .with_note(UNREAD_UNRECORDED_NOTE)
            .unknown(),
        ),
        Status::Unverifiable if !row.objects.is_empty() => Some(
            locate(
                &crate::reconcile::UNVERIFIABLE_MIGRATION,
                    format!(
                        "{} is recorded as applied and its objects are as expected, but {}; whether all of it ran is unknown",
                        file.name,
                        row.detail.clone().unwrap_or_default()
                    ),
                file,
                None,
            )
            .with_note(UNREAD_NOTE)
            .unknown(),
        ),
        Status::Unverifiable => Some(
            locate(
                &crate::reconcile::UNVERIFIABLE_MIGRATION,
                    format!(
                        "{} is recorded as applied but nothing in the catalog shows its effect ({})",
                        file.name,
                        row.detail.clone().unwrap_or_default()
                    ),
                file,
                None,
            )
            .with_note("check its effect by hand; preflight reports it as unknown, not as passed")
            .unknown(),
        ),
        _ => None,
    }
}

pub fn unmanaged_findings(objects: &[ObjectId], dynamic: &[DynamicSql]) -> Vec<Finding> {
    objects
        .iter()
        .map(|id| {
            Finding::for_rule(&crate::reconcile::UNMANAGED_OBJECT,
                format!("{id} exists in the database but no migration creates it"),
            )
            .with_subject(id.to_string())
            .with_notes(dynamic_notes(dynamic, [id]))
            .with_note("if it is needed, add a migration that creates it (so new environments get it); otherwise drop it")
        })
        .collect()
}

fn cell_status(status: Status) -> CellStatus {
    match status {
        Status::Applied => CellStatus::Ok,
        Status::Pending => CellStatus::Neutral,
        Status::Drifted | Status::Orphan | Status::OutOfOrder => CellStatus::Warning,
        Status::Unverifiable => CellStatus::Unknown,
        _ => CellStatus::Error,
    }
}

fn recorded_text(row: &MigrationStatus) -> &'static str {
    match row.record.as_ref().map(|r| &r.state) {
        None => "no",
        Some(RecordState::Applied) => "yes",
        Some(RecordState::Failed(_)) => "failed",
        Some(RecordState::Dirty) => "dirty",
    }
}

fn objects_text(row: &MigrationStatus) -> String {
    let created = created(row).count();
    if row.objects.is_empty() {
        return "-".into();
    }
    let mut text = format!("{}/{created} present", row.count(ObjectState::Present));
    let drifted = row.count(ObjectState::Drifted);
    if drifted > 0 {
        text.push_str(&format!(", {drifted} drifted"));
    }
    text
}

pub fn table(rows: &[MigrationStatus], files: &[MigrationFile]) -> Table {
    Table {
        title: "Migrations".into(),
        columns: ["file", "version", "recorded", "status", "objects"]
            .map(String::from)
            .to_vec(),
        rows: rows
            .iter()
            .map(|row| {
                let file = row.file.map(|i| &files[i]);
                let version = version(row, file);
                vec![
                    Cell::new(
                        file.map_or("(no file)".to_string(), |f| f.name.clone()),
                        CellStatus::Neutral,
                    ),
                    Cell::new(version, CellStatus::Neutral),
                    Cell::new(recorded_text(row), CellStatus::Neutral),
                    Cell::new(row.status.as_str(), cell_status(row.status)),
                    Cell::new(objects_text(row), CellStatus::Neutral),
                ]
            })
            .collect(),
    }
}

pub fn json(rows: &[MigrationStatus], files: &[MigrationFile]) -> Value {
    Value::Array(
        rows.iter()
            .map(|row| {
                let file = row.file.map(|i| &files[i]);
                let version = version(row, file);
                let objects: Vec<Value> = row
                    .objects
                    .iter()
                    .map(|o| {
                        let mut v = json!({
                            "kind": o.id.kind,
                            "name": o.id.qualified_name(),
                            "state": o.state,
                        });
                        if !o.differences.is_empty() {
                            v["differences"] = json!(o.differences);
                        }
                        v
                    })
                    .collect();
                let mut v = json!({
                    "file": file.map(|f| f.source.display_path()),
                    "version": version,
                    "recorded": row.record.is_some(),
                    "status": row.status.as_str(),
                    "objects": objects,
                });
                if let ChecksumCheck::Mismatch { recorded, computed } = &row.checksum {
                    v["checksum"] = json!({"recorded": recorded, "computed": computed});
                }
                if let Some(detail) = &row.detail {
                    v["detail"] = json!(detail);
                }
                v
            })
            .collect(),
    )
}
