//! Atlas: `atlas_schema_revisions.atlas_schema_revisions(version, description, type, applied,
//! total, executed_at, execution_time, error, error_stmt, hash, …)`. Files
//! `<VERSION>_<NAME>.sql` (any text before the first `_`, or a whole name without one, is the
//! version, compared as text) with an `atlas.sum` integrity file. Each file's hash is a running
//! SHA-256 over every file name and content up to and including it, base64-encoded.

use super::table_name::TrackerTable;
use super::Descriptor;
use super::{col, required, ChecksumCheck, Record, RecordState, Tracker};
use crate::diagnostics::{Finding, Severity};
use crate::error::Result;
use crate::layout::{Layout, MigrationFile, VersionKey};
use crate::reconcile::db::{Engine, TextRow};
use std::path::Path;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "atlas",
    aliases: &[],
    table: Some("atlas_schema_revisions"),
    recognise: super::any_table,
    layout: Layout::Atlas,
    build: |config, path| {
        let pinned = match TrackerTable::of(config, path)? {
            Some(t) => t
                .schema_of_fixed(
                    "Atlas",
                    TABLE,
                    "Atlas's --revisions-schema flag chooses only the schema",
                )?
                .map(|schema| (schema, t.sql().to_string(), t.setting)),
            None => None,
        };
        Ok(Box::new(Atlas { pinned }))
    },
};

const TABLE: &str = "atlas_schema_revisions";

pub struct Atlas {
    /// `--revisions-schema`, as `[migrations] tracker_table = "SCHEMA.atlas_schema_revisions"`
    /// names it: the schema (Atlas quotes it, so its case is kept) and the value as written.
    /// and the setting that named it.
    pinned: Option<(String, String, &'static str)>,
}

pub const SUM_FILE: &str = crate::layout::ATLAS_SUM;

impl Tracker for Atlas {
    fn table(&self) -> (Option<&str>, &str) {
        match &self.pinned {
            Some((schema, _, _)) => (Some(schema), TABLE),
            None => (Some(TABLE), TABLE),
        }
    }

    /// `--revisions-schema S` (`tracker_table = "S.atlas_schema_revisions"`): Atlas reads
    /// exactly that table.
    fn pinned_table(&self) -> Option<&str> {
        self.pinned.as_ref().map(|(_, written, _)| written.as_str())
    }

    fn table_source(&self) -> Option<String> {
        self.pinned
            .as_ref()
            .map(|(_, _, setting)| setting.to_string())
    }

    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    /// `revisionSchemaName` (`cmd/atlas/internal/cmdapi/migrate.go`): `--revisions-schema`, else
    /// the schema the URL is bound to (`search_path=` on PostgreSQL), else the schema
    /// `atlas_schema_revisions`. The flag is not visible here.
    fn home(&self, url: &super::UrlSettings) -> super::Home {
        match &url.search_path {
            Some(schema) => super::Home::Named {
                schema: schema.clone(),
                why: "the schema the URL's search_path binds Atlas to".into(),
                objects: false,
            },
            None => super::Home::Named {
                schema: "atlas_schema_revisions".into(),
                why: "Atlas's own schema, for a URL bound to no schema".into(),
                objects: false,
            },
        }
    }

    fn query(&self, engine: Engine, table: &str) -> String {
        let t = |c: &str| super::text_col(engine, c);
        format!(
            "SELECT version, description, {}, {}, error, hash, {} FROM {table} ORDER BY version",
            t("applied"),
            t("total"),
            t("type")
        )
    }

    fn records(&self, rows: Vec<TextRow>, files: &[MigrationFile]) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        for row in &rows {
            let version = required(row, 0, "atlas", "version")?;
            let applied: u64 = col(row, 2, "atlas")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let total: u64 = col(row, 3, "atlas")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let error = col(row, 4, "atlas")?.filter(|e| !e.is_empty());
            let state = match error {
                Some(e) => {
                    RecordState::Failed(format!("failed: {}", e.lines().next().unwrap_or(e)))
                }
                None if applied < total => RecordState::Failed(format!(
                    "partially applied: {applied} of {total} statements"
                )),
                None => RecordState::Applied,
            };
            let mut record = Record::new(version, state);
            // Atlas compares versions as strings (`Executor.Pending`), as discovery keys them.
            record.key = VersionKey::text(version);
            record.name = col(row, 1, "atlas")?.map(str::to_string);
            record.checksum = col(row, 5, "atlas")?.map(str::to_string);
            out.push(record);
        }
        // Atlas checks and runs only the files from the first revision on (`Executor.Pending`):
        // the files before it, those below a `migrate apply --baseline` revision, count as
        // applied. A database whose first revision is a checkpoint's started at that checkpoint
        // (`FilesFromLastCheckpoint`): the files before it never ran there, and are no run's
        // (`Discovered::start_at_checkpoint`); nor is a checkpoint ever counted applied unrun.
        let first = out.iter().map(|r| r.key.clone()).min();
        let started_at_checkpoint = first
            .as_ref()
            .is_some_and(|first| files.iter().any(|f| f.checkpoint && f.key.same(first)));
        if let Some(first) = first.filter(|_| !started_at_checkpoint) {
            for file in files
                .iter()
                .filter(|f| !f.checkpoint && f.key < first && !f.key.same(&first))
            {
                let mut record = Record::new(file.version.clone(), RecordState::Applied);
                record.key = file.key.clone();
                record.name = Some(format!("{} (before the first revision)", file.name));
                out.push(record);
            }
        }
        Ok(out)
    }

    fn check_checksum(&self, file: &MigrationFile, record: &Record) -> ChecksumCheck {
        let (Some(recorded), Some(computed)) = (&record.checksum, &file.directory_checksum) else {
            return ChecksumCheck::NotTracked;
        };
        if recorded.is_empty() {
            return ChecksumCheck::NotTracked;
        }
        if recorded.strip_prefix("h1:").unwrap_or(recorded) == computed {
            ChecksumCheck::Match
        } else {
            ChecksumCheck::Mismatch {
                recorded: recorded.clone(),
                computed: computed.clone(),
            }
        }
    }

    fn mark_applied(&self, file: &MigrationFile, _engine: Engine, dir: &Path) -> String {
        format!(
            "atlas migrate set {} --url \"$DATABASE_URL\" --dir file://{}",
            file.version,
            dir.display()
        )
    }

    fn accept_checksum(&self, file: &MigrationFile, _computed: &str, _engine: Engine) -> String {
        format!(
            "restore {} to the applied text; Atlas compares applied files by hash (`atlas migrate status` shows the mismatch)",
            file.name
        )
    }

    fn clear_failed(&self, file: &MigrationFile, _engine: Engine, dir: &Path) -> String {
        format!(
            "finish or undo its statements by hand, then `atlas migrate set {} --url \"$DATABASE_URL\" --dir file://{}` (or the previous version) and `atlas migrate apply`",
            file.version,
            dir.display()
        )
    }

    fn remove_record(&self, record: &Record, _engine: Engine) -> String {
        format!(
            "restore the file of version {} from version control",
            record.version
        )
    }

    /// A file starting with `atlas:sum ignore` has no `atlas.sum` line, and `Executor.Execute`
    /// (`sql/migrate/migrate.go`) looks its hash up there before running it
    /// (`HashFile.SumByName`): `atlas migrate apply` stops on it, so a file not applied yet
    /// never will be while it keeps the directive.
    fn cannot_apply(&self, file: &MigrationFile) -> Option<Finding> {
        if file.directory_checksum.is_some() || !crate::layout::atlas_sum_ignored(&file.source.text)
        {
            return None;
        }
        let mut finding = Finding::for_rule(
            &crate::reconcile::ATLAS_SUM_MISMATCH,
            format!(
                "{} is not applied and starts with an `atlas:sum ignore` line, so atlas.sum has no line for it and `atlas migrate apply` stops on it (\"sql/migrate: scanning checksum from \"{}\": checksum not found\")",
                file.name, file.name
            ),
        )
        .with_note("remove the `atlas:sum ignore` line, then `atlas migrate hash`")
        .with_subject(file.name.clone());
        finding.location.path = Some(file.source.display_path());
        Some(finding)
    }

    /// `atlas.sum` against the entries `atlas migrate hash` would write now
    /// (`crate::layout::atlas_hashes`: checkpoints included, `atlas:sum ignore` files without
    /// an entry). Atlas refuses to run unless they are the same (`migrate.Validate`); the first
    /// difference is reported, since later hashes chain from it.
    fn directory_findings(&self, dir: &Path, files: &[MigrationFile]) -> Vec<Finding> {
        let sum_path = dir.join(SUM_FILE);
        let Ok(text) = std::fs::read_to_string(&sum_path) else {
            return vec![Finding::new(
                &crate::reconcile::ATLAS_SUM_MISMATCH,
                Severity::Warning,
                format!(
                    "{} is missing; Atlas refuses to apply a directory without it",
                    sum_path.display()
                ),
            )
            .with_note("run `atlas migrate hash` after reviewing the files")];
        };
        // Atlas reads atlas.sum before it compares anything (`readHashFile`, from
        // `Executor.Pending` and `migrate.Validate`, `sql/migrate/migrate.go` / `dir.go`):
        // a line without `h1:` or a header that is not the sum of the lines
        // (`HashFile.UnmarshalText`) stops `atlas migrate apply` before any file runs. Either
        // is reported on atlas.sum; the lines are still compared with the files below, since
        // `atlas migrate hash` rewrites both.
        let sum = crate::layout::AtlasSum::parse(&text);
        let mut out = Vec::new();
        let on_sum = |message: String| {
            let mut finding = Finding::for_rule(&crate::reconcile::ATLAS_SUM_MISMATCH, message)
                .with_note("review the migration files and atlas.sum's lines, then `atlas migrate hash` to rewrite atlas.sum")
                .with_subject(SUM_FILE.to_string());
            finding.location.path = Some(sum_path.display().to_string());
            finding
        };
        if let Some(line) = sum.malformed_line {
            out.push(on_sum(
                format!("atlas.sum line {line} is not `NAME h1:HASH`, so Atlas refuses the directory (\"checksum file format invalid\") and `atlas migrate apply` stops before running any file"),
            ));
        } else if !sum.header_matches() {
            out.push(on_sum(
                format!(
                    "atlas.sum's first line (h1:{}) is not the sum of its file lines (h1:{}), so Atlas refuses the directory (\"checksum mismatch\") and `atlas migrate apply` stops before running any file",
                    sum.header,
                    crate::layout::atlas_sum_total(&sum.entries)
                ),
            ));
        }
        let recorded = sum.entries;
        let listed: Vec<(&MigrationFile, &String)> = files
            .iter()
            .filter_map(|f| Some((f, f.directory_checksum.as_ref()?)))
            .collect();
        let note = "Atlas refuses to run with a stale atlas.sum; review the change, then `atlas migrate hash`";
        for (at, (file, hash)) in listed.iter().enumerate() {
            if recorded
                .get(at)
                .is_some_and(|(n, h)| n == &file.name && h == *hash)
            {
                continue;
            }
            let message = if recorded.iter().any(|(n, _)| n == &file.name) {
                format!(
                    "{} (or a file before it) changed after `atlas migrate hash`",
                    file.name
                )
            } else {
                format!("{} is not listed in atlas.sum", file.name)
            };
            let mut finding = Finding::for_rule(&crate::reconcile::ATLAS_SUM_MISMATCH, message)
                .with_note(note)
                .with_subject(file.name.clone());
            finding.location.path = Some(file.source.display_path());
            out.push(finding);
            return out;
        }
        if let Some((name, _)) = recorded.get(listed.len()) {
            let why = if files.iter().any(|f| &f.name == name) {
                "it starts with an `atlas:sum ignore` line"
            } else {
                "the file is gone"
            };
            let mut finding = Finding::for_rule(
                    &crate::reconcile::ATLAS_SUM_MISMATCH,
                    format!("atlas.sum lists {name}, which `atlas migrate hash` would no longer list: {why}"),
                )
                .with_note(note)
                .with_subject(name.clone());
            finding.location.path = Some(sum_path.display().to_string());
            out.push(finding);
        }
        out
    }
}
