//! Flyway: `flyway_schema_history(installed_rank, version, description, type, script,
//! checksum INT, …, success)`. Files `V<VERSION>__<DESCRIPTION>.sql` (`R__…` repeatable).
//! The checksum is CRC-32 over the file's lines without their terminators, the BOM stripped,
//! stored as a signed 32-bit integer (Flyway's `ChecksumCalculator`).

use super::flyway_config::FlywayConfig;
use super::Descriptor;
use super::{col, parse_bool, required, text_col, ChecksumCheck, Record, RecordState, Tracker};
use crate::diagnostics::Severity;
use crate::error::Result;
use crate::layout::{Discovered, Layout, MigrationFile, VersionKey};
use crate::reconcile::db::{Engine, TextRow};
use std::path::Path;
use std::sync::OnceLock;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "flyway",
    aliases: &[],
    table: Some("flyway_schema_history"),
    recognise: super::any_table,
    layout: Layout::Flyway,
    build: |config, path| {
        Ok(Box::new(Flyway {
            setting: super::table_name::TrackerTable::of(config, path)?,
            ..Flyway::default()
        }))
    },
};

#[derive(Default)]
pub struct Flyway {
    /// The project's `outOfOrder` and `ignoreMigrationPatterns`, read by `discover`.
    config: OnceLock<FlywayConfig>,
    /// `-table` with `-schemas`/`-defaultSchema` on Flyway's command line, as
    /// `[migrations] tracker_table` / `--tracker-table` names them: wins over the configuration.
    setting: Option<super::table_name::TrackerTable>,
    /// That table as the server stores it: Flyway quotes the names, so their case is kept.
    catalog: OnceLock<Option<super::CatalogName>>,
}

impl Flyway {
    fn config(&self) -> FlywayConfig {
        self.config.get().cloned().unwrap_or_default()
    }
}

/// Flyway's checksum. `BufferedReader.readLine` ends lines at `\n`, `\r` or `\r\n` and drops
/// them, and empty lines add no bytes, so the CRC runs over the text with every CR and LF
/// removed; a BOM at the start of the first line is removed too.
pub fn checksum(text: &str) -> i32 {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut hasher = crc32fast::Hasher::new();
    for line in body.split(['\r', '\n']) {
        hasher.update(line.as_bytes());
    }
    hasher.finalize() as i32
}

/// Records every versioned file at or below `version` that has no record of its own as
/// applied, named with `why`.
fn cover(out: &mut Vec<Record>, files: &[MigrationFile], version: &VersionKey, why: &str) {
    let below = |key: &VersionKey| key < version || key.same(version);
    for file in files
        .iter()
        .filter(|f| !f.repeatable && !f.baseline && below(&f.key))
    {
        if !out.iter().any(|r| !r.baseline && r.key.same(&file.key)) {
            let mut record = Record::new(file.version.clone(), RecordState::Applied);
            record.name = Some(format!("{} ({why})", file.name));
            out.push(record);
        }
    }
}

impl Tracker for Flyway {
    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    /// Reads the project's Flyway settings too (`flyway_config`): a malformed one is an error.
    fn discover(&self, dir: &Path) -> Result<Discovered> {
        let config = FlywayConfig::load(dir)?;
        let _ = self.config.set(config);
        self.layout().discover(dir)
    }

    /// The history table's schema: `defaultSchema`, else the first of `schemas`, else the
    /// connection's current schema (`SchemaHistoryFactory.prepareSchemas`; PostgreSQL's
    /// `doGetCurrentSchema` asks `SELECT current_schema`). With a configured schema Flyway
    /// also sets the search_path to it while it migrates, so the migrations' objects land there.
    fn home(&self, _url: &super::UrlSettings) -> super::Home {
        // `tracker_table = "schema.table"` stands for `-defaultSchema`/`-schemas` on Flyway's
        // command line, which win over the configuration as the setting does.
        let pinned = self.catalog.get().and_then(Option::as_ref);
        if let (Some(schema), Some(t)) = (pinned.and_then(|c| c.schema.as_ref()), &self.setting) {
            return super::Home::Named {
                schema: schema.clone(),
                why: format!("{}'s schema, Flyway's -defaultSchema/-schemas", t.setting),
                objects: true,
            };
        }
        match self.config().history_schema() {
            Some(setting) => super::Home::Named {
                schema: setting.value.clone(),
                why: format!("{}, where Flyway keeps it", setting.source),
                objects: true,
            },
            None => super::Home::CurrentSchema,
        }
    }

    fn connected(&self, names: super::NameCase) {
        let _ = self
            .catalog
            .set(self.setting.as_ref().map(|t| t.kept_case(names)));
    }

    /// `tracker_table = "schema.table"`: Flyway's `-defaultSchema`/`-schemas` put the table in
    /// that schema, where it reads exactly that table.
    fn pinned_table(&self) -> Option<&str> {
        self.setting
            .as_ref()
            .filter(|t| t.name.has_schema())
            .map(|t| t.sql())
    }

    fn table_source(&self) -> Option<String> {
        match &self.setting {
            Some(t) => Some(t.setting.to_string()),
            None => self
                .config
                .get()
                .and_then(|c| c.table.as_ref())
                .map(|t| t.source.clone()),
        }
    }

    /// `tracker_table` when given, else `table` as configured, else `flyway_schema_history`.
    fn table(&self) -> (Option<&str>, &str) {
        if let Some(t) = self.catalog.get().and_then(Option::as_ref) {
            return (t.schema.as_deref(), &t.table);
        }
        let configured = self.config.get().and_then(|c| c.table.as_ref());
        (
            None,
            configured.map_or("flyway_schema_history", |t| t.value.as_str()),
        )
    }

    fn query(&self, engine: Engine, table: &str) -> String {
        format!(
            "SELECT version, description, script, {}, {}, type FROM {table} ORDER BY installed_rank",
            text_col(engine, "checksum"),
            text_col(engine, "success"),
        )
    }

    fn records(&self, rows: Vec<TextRow>, files: &[MigrationFile]) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        let mut baseline: Option<VersionKey> = None;
        // The newest successful baseline migration, and its script.
        let mut covered: Option<(VersionKey, String)> = None;
        for row in &rows {
            let kind = col(row, 5, "flyway")?.unwrap_or("");
            if kind == "BASELINE" {
                // `flyway baseline`: every migration up to this version counts as applied.
                baseline = col(row, 0, "flyway")?.map(VersionKey::parse);
                continue;
            }
            let script = required(row, 2, "flyway", "script")?;
            // Repeatable migrations have no version; Flyway knows them by description
            // (`MigrationInfoServiceImpl`, `resolvedRepeatable.get(description)`), whatever
            // directory their script is in.
            let recorded_version = col(row, 0, "flyway")?;
            let repeatable = recorded_version.is_none();
            let version = recorded_version.unwrap_or(script);
            let key = if repeatable {
                VersionKey::text(col(row, 1, "flyway")?.unwrap_or(script))
            } else {
                VersionKey::parse(version)
            };
            // A baseline migration's row (`SQL_BASELINE`, `JDBC_BASELINE`, `SCRIPT_BASELINE`:
            // the types `org.flywaydb.core.api.MigrationType` marks `isBaselineMigration`; the
            // `BASELINE` marker is not one) names the `B` script of its version, not the `V` one.
            let is_baseline = kind.ends_with("_BASELINE");
            let same_migration = |r: &Record| {
                r.key.same(&key)
                    && r.baseline == is_baseline
                    && (repeatable || r.version == version)
            };
            let success = parse_bool(col(row, 4, "flyway")?);
            // `flyway repair` marks a migration whose file is gone as deleted, `flyway undo`
            // (UNDO_SQL, …) undoes one: the latest record of that version no longer counts, so
            // Flyway runs the migration again if its file is there and misses nothing if not
            // (`MigrationInfoServiceImpl.markAsDeleted`, the `deleted`/`undone` attributes).
            if success && (kind == "DELETE" || kind.starts_with("UNDO")) {
                if let Some(i) = out.iter().rposition(same_migration) {
                    out.remove(i);
                }
                continue;
            }
            // Schema-creation markers are not migrations.
            if matches!(kind, "SCHEMA" | "DELETE") {
                continue;
            }
            let mut record = Record::new(
                version,
                if success {
                    RecordState::Applied
                } else {
                    RecordState::Failed("success = false: Flyway recorded a failed run".into())
                },
            );
            record.key = key.clone();
            record.name = Some(script.to_string());
            record.checksum = col(row, 3, "flyway")?.map(str::to_string);
            record.baseline = is_baseline;
            if is_baseline && success {
                covered = covered.max(Some(key.clone()).map(|k| (k, script.to_string())));
            }
            // A later successful run of the same version supersedes a failed one.
            out.retain(|r: &Record| !same_migration(r));
            out.push(record);
        }
        if let Some(baseline) = baseline {
            cover(&mut out, files, &baseline, "below the baseline");
        }
        // A baseline migration stands for every versioned migration at or below its version:
        // Flyway lists none of them as pending (`MigrationInfoServiceImpl.refresh` skips a
        // pending versioned migration whose version is at most `latestBaselineMigration`, and
        // `MigrationInfoImpl.getState` calls one `IGNORED`), so they count as applied.
        if let Some((version, script)) = covered {
            let why = format!("covered by the baseline migration {script}");
            cover(&mut out, files, &version, &why);
        }
        Ok(out)
    }

    fn check_checksum(&self, file: &MigrationFile, record: &Record) -> ChecksumCheck {
        let Some(recorded) = &record.checksum else {
            return ChecksumCheck::NotTracked;
        };
        let computed = checksum(&file.source.text).to_string();
        if recorded.trim() == computed {
            ChecksumCheck::Match
        } else {
            ChecksumCheck::Mismatch {
                recorded: recorded.clone(),
                computed,
            }
        }
    }

    fn mark_applied(&self, file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        format!(
            "`flyway migrate -target={v} -skipExecutingMigrations=true` records it without running it (Flyway Teams); with Flyway Community make it idempotent and run `flyway migrate`",
            v = file.version
        )
    }

    fn accept_checksum(&self, file: &MigrationFile, _computed: &str, _engine: Engine) -> String {
        format!(
            "restore {} to the applied text, or if the edit is intended: `flyway repair` (realigns the recorded checksums with the files)",
            file.name
        )
    }

    fn clear_failed(&self, _file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        "repair the schema by hand, then `flyway repair` (removes the failed entry) and `flyway migrate`".into()
    }

    fn remove_record(&self, record: &Record, _engine: Engine) -> String {
        match record.name.as_deref() {
            Some(script) => format!(
                "restore {script}, or `flyway repair` to mark the missing migration as deleted"
            ),
            _ => format!(
                "restore the file of version {}, or `flyway repair` to mark the missing migration as deleted",
                record.version
            ),
        }
    }

    /// An applied migration whose script is gone, as Flyway's validate judges it: an ordinary
    /// versioned one (`V`), or a baseline migration (`SQL_BASELINE`), whose row names its `B`
    /// script, never the `V` script of that version (Flyway resolves an applied row by version
    /// and type, `MigrationInfoServiceImpl.refresh`). Repeatable and failed rows keep the
    /// generic wording (Flyway reports a failed one as "Detected failed migration").
    fn orphan(&self, record: &Record, files: &[MigrationFile]) -> Option<(String, Severity)> {
        let script = record.name.as_deref().unwrap_or(&record.version);
        if record.baseline {
            let same_version = files
                .iter()
                .find(|f| !f.repeatable && !f.baseline && f.key.same(&record.key))
                .map_or(String::new(), |f| {
                    format!(" ({} has that version but is another migration)", f.name)
                });
            let gone = format!(
                "flyway records the baseline migration {script} as applied but the script is gone{same_version}"
            );
            return Some(validate_missing(&gone, record, files, &self.config()));
        }
        // A repeatable row's key is its description, not a version.
        if record.key.is_numeric() && record.state == RecordState::Applied {
            let gone = format!("flyway records {script} as applied but the script is gone");
            return Some(validate_missing(&gone, record, files, &self.config()));
        }
        None
    }

    fn out_of_order_advice(&self) -> Option<String> {
        if self.config().out_of_order().is_some() {
            return Some(
                "check that it still applies after the newer migrations: Flyway runs it after them"
                    .into(),
            );
        }
        Some(
            "renumber it above the newest applied migration, or run `flyway migrate -outOfOrder=true` to apply it where it is"
                .into(),
        )
    }

    /// A pending versioned migration below the newest applied version is `IGNORED`
    /// (`MigrationInfoImpl.getState`), which validate refuses (`validate`: "Detected resolved
    /// migration not applied to database") unless ignoreMigrationPatterns has `*:ignored`
    /// (migrate then skips it for good); with `outOfOrder` it is pending and migrate runs it.
    fn out_of_order(&self, file: &MigrationFile) -> Option<(String, Severity)> {
        let config = self.config();
        let name = &file.name;
        let older = "is pending but older than the newest applied migration";
        if let Some(source) = config.out_of_order() {
            return Some((
                format!("{name} {older}: outOfOrder is true ({source}), so `flyway migrate` runs it out of order, after the newer ones"),
                Severity::Warning,
            ));
        }
        if let Some((pattern, Some(source))) = config.ignoring(!file.repeatable, "ignored") {
            return Some((
                format!("{name} {older}: Flyway counts it as ignored, and `flyway validate` lets it pass because ignoreMigrationPatterns includes `{pattern}` ({source}): `flyway migrate` skips it for good, it never runs"),
                Severity::Warning,
            ));
        }
        Some((
            format!(
                "{name} {older}: Flyway counts it as ignored, and `flyway validate`, and `flyway migrate` before it runs anything, fails with \"Detected resolved migration not applied to database: {}\" unless ignoreMigrationPatterns includes `*:ignored` (migrate then skips it for good) or outOfOrder is true (migrate then runs it)",
                file.version
            ),
            Severity::Error,
        ))
    }
}

/// What Flyway's validate (which `migrate` runs first) makes of an applied versioned row that
/// no local migration resolves (`MigrationInfoImpl.getState`, `validate`): "missing" when a
/// newer local migration exists, failing with "Detected applied migration not resolved locally"
/// unless ignoreMigrationPatterns has `*:missing`; "future" when none is newer, which the
/// default `*:future` ignores (a configured ignoreMigrationPatterns replaces that default).
/// "Newer" is against every local migration with a version
/// (`MigrationInfoServiceImpl.refresh` raises `lastResolved` for each resolved one): a `B`
/// script counts even without a history row, a repeatable (no version) does not, nor does an
/// undo script, which Flyway Community does not resolve. `gone` says which row and that its
/// script is gone.
fn validate_missing(
    gone: &str,
    record: &Record,
    files: &[MigrationFile],
    config: &FlywayConfig,
) -> (String, Severity) {
    let version = &record.version;
    let newer = files
        .iter()
        .any(|f| !f.repeatable && f.key > record.key && !f.key.same(&record.key));
    let state = if newer { "missing" } else { "future" };
    let patterns_source = config.ignore_patterns.as_ref().map(|s| s.source.as_str());
    match (newer, config.ignoring(true, state)) {
        (true, Some((pattern, source))) => (
            format!("{gone}: Flyway counts it as missing, and `flyway validate` lets it pass because ignoreMigrationPatterns includes `{pattern}` ({})", source.unwrap_or_default()),
            Severity::Warning,
        ),
        (true, None) => (
            format!("{gone}: `flyway validate`, and `flyway migrate` before it runs anything, fails with \"Detected applied migration not resolved locally: {version}\" unless ignoreMigrationPatterns includes `*:missing`"),
            Severity::Error,
        ),
        (false, Some((_, None))) => (
            format!("{gone}: no local migration is newer, so Flyway counts it as a future migration, which validate ignores by default (ignoreMigrationPatterns `*:future`); once a newer one is added, validate fails with \"Detected applied migration not resolved locally: {version}\""),
            Severity::Warning,
        ),
        (false, Some((pattern, Some(source)))) => (
            format!("{gone}: no local migration is newer, so Flyway counts it as a future migration, which `flyway validate` lets pass because ignoreMigrationPatterns includes `{pattern}` ({source})"),
            Severity::Warning,
        ),
        (false, None) => (
            format!("{gone}: no local migration is newer, so Flyway counts it as a future migration, and `flyway validate`, and `flyway migrate` before it runs anything, fails on it: ignoreMigrationPatterns ({}) replaces Flyway's default `*:future` and does not include it", patterns_source.unwrap_or_default()),
            Severity::Error,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(version: &str, script: &str, checksum: i32, kind: &str) -> TextRow {
        [version, "d", script, &checksum.to_string(), "true", kind]
            .iter()
            .map(|v| Some(v.to_string()))
            .collect()
    }

    /// An applied `SQL_BASELINE` row names the `B` script, never `V3`, and stands for `V1`–`V3`;
    /// `V4` above it has no record (pending).
    #[test]
    fn an_applied_baseline_migration_covers_the_versioned_ones_up_to_its_version() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "V1__a.sql",
            "V2__b.sql",
            "V3__c.sql",
            "V4__d.sql",
            "B3__base.sql",
        ] {
            std::fs::write(dir.path().join(name), format!("-- {name}\n")).unwrap();
        }
        let found = Layout::Flyway.discover(dir.path()).unwrap();
        assert_eq!(found.files.len(), 4);
        let [base] = found.baselines.as_slice() else {
            panic!("{:?}", found.baselines);
        };
        assert!(base.baseline && base.version == "3");
        let sum = checksum(&base.source.text);
        let records = Flyway::default()
            .records(
                vec![row("3", "B3__base.sql", sum, "SQL_BASELINE")],
                &found.files,
            )
            .unwrap();
        let b = &records[0];
        assert!(b.baseline && b.name.as_deref() == Some("B3__base.sql"));
        assert_eq!(
            Flyway::default().check_checksum(base, b),
            ChecksumCheck::Match,
            "the B script is checked against its own row"
        );
        let covered: Vec<&str> = records[1..].iter().map(|r| r.version.as_str()).collect();
        assert_eq!(covered, ["1", "2", "3"]);
        assert!(records[1..].iter().all(|r| !r.baseline
            && r.name
                .as_deref()
                .unwrap()
                .contains("covered by the baseline migration B3__base.sql")));
        // A failed baseline migration covers nothing.
        let mut failed = row("3", "B3__base.sql", sum, "SQL_BASELINE");
        failed[4] = Some("false".into());
        let records = Flyway::default()
            .records(vec![failed], &found.files)
            .unwrap();
        assert_eq!(records.len(), 1);
    }
}
