//! A hand-rolled tracker described in `[migrations.generic_tracker]`: a table with a column
//! holding each migration's version or file name and, optionally, a status column. This
//! covers the incident's own `migrations(name, executed_at, status)` table. No checksums.

use super::Descriptor;
use super::{col, literal, required, Record, RecordState, Tracker};
use crate::config::{GenericTrackerConfig, MigrationsConfig};
use crate::error::{Error, Result};
use crate::layout::{Layout, MigrationFile, VersionKey};
use crate::reconcile::db::{Engine, TextRow};
use std::path::Path;

/// How the registry finds and builds this tracker.
pub static DESCRIPTOR: Descriptor = Descriptor {
    name: "generic",
    aliases: &[],
    table: None,
    recognise: super::any_table,
    layout: Layout::Generic,
    build,
};

fn build(config: &MigrationsConfig, config_path: &Path) -> Result<Box<dyn Tracker>> {
    match &config.generic_tracker {
        Some(g) => Ok(Box::new(Generic::new(g.clone(), config_path)?)),
        None => Err(Error::config(
            config_path,
            "tracker `generic` needs a [migrations.generic_tracker] section (table, version_column, status_column)",
        )),
    }
}

pub struct Generic {
    config: GenericTrackerConfig,
    /// Lower-cased status values that mean "applied".
    success: Vec<String>,
}

const DEFAULT_SUCCESS: &[&str] = &[
    "success",
    "succeeded",
    "applied",
    "done",
    "completed",
    "complete",
    "ok",
    "true",
    "1",
];

fn check_identifier(value: &str, key: &str, config_path: &Path) -> Result<()> {
    let valid = !value.is_empty()
        && value.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !part.starts_with(|c: char| c.is_ascii_digit())
        });
    if valid {
        Ok(())
    } else {
        Err(Error::config(
            config_path,
            format!("[migrations.generic_tracker] {key} = {value:?} is not a plain SQL identifier (letters, digits, _; schema.table allowed)"),
        ))
    }
}

impl Generic {
    pub fn new(config: GenericTrackerConfig, config_path: &Path) -> Result<Self> {
        check_identifier(&config.table, "table", config_path)?;
        check_identifier(&config.version_column, "version_column", config_path)?;
        if let Some(c) = &config.status_column {
            check_identifier(c, "status_column", config_path)?;
        }
        if let Some(c) = &config.executed_at_column {
            check_identifier(c, "executed_at_column", config_path)?;
        }
        let success = if config.success_values.is_empty() {
            DEFAULT_SUCCESS.iter().map(|s| s.to_string()).collect()
        } else {
            config
                .success_values
                .iter()
                .map(|s| s.to_lowercase())
                .collect()
        };
        Ok(Generic { config, success })
    }

    /// The table without a schema prefix, and the prefix.
    pub fn split_table(&self) -> (Option<&str>, &str) {
        match self.config.table.split_once('.') {
            Some((schema, table)) => (Some(schema), table),
            None => (None, &self.config.table),
        }
    }
}

/// The version part of a recorded value: `20240115_add_x.sql`, `20240115_add_x` and `20240115`
/// all mean version `20240115`.
fn version_of_value(value: &str) -> &str {
    let base = value.rsplit('/').next().unwrap_or(value);
    let stem = base
        .strip_suffix(".up.sql")
        .or_else(|| base.strip_suffix(".sql"))
        .unwrap_or(base);
    crate::layout::files::split_version(stem, '_').map_or(stem, |(v, _)| v)
}

impl Tracker for Generic {
    fn table(&self) -> (Option<&str>, &str) {
        self.split_table()
    }

    fn descriptor(&self) -> &'static Descriptor {
        &DESCRIPTOR
    }

    /// The runner's SQL names a schema-qualified table as configured, so it reads that
    /// schema's table only, never one of the same name in the reconciled schema.
    fn pinned_table(&self) -> Option<&str> {
        self.split_table().0.map(|_| self.config.table.as_str())
    }

    fn query(&self, _engine: Engine, table: &str) -> String {
        match &self.config.status_column {
            Some(status) => format!(
                "SELECT {}, {status} FROM {table}",
                self.config.version_column
            ),
            None => format!("SELECT {} FROM {table}", self.config.version_column),
        }
    }

    fn records(&self, rows: Vec<TextRow>, _files: &[MigrationFile]) -> Result<Vec<Record>> {
        let mut out: Vec<Record> = Vec::new();
        for row in &rows {
            let value = required(row, 0, "generic", &self.config.version_column)?;
            let state = match (&self.config.status_column, col(row, 1, "generic")?) {
                (None, _) => RecordState::Applied,
                (Some(_), Some(s)) if self.success.contains(&s.trim().to_lowercase()) => {
                    RecordState::Applied
                }
                (Some(c), status) => RecordState::Failed(format!(
                    "{c} = {}",
                    status.map_or("NULL".to_string(), literal)
                )),
            };
            let mut record = Record::new(value, state);
            record.key = VersionKey::parse(version_of_value(value));
            // A later successful row for the same migration supersedes a failed one.
            if let Some(existing) = out.iter_mut().find(|r| r.version == record.version) {
                if record.state == RecordState::Applied {
                    *existing = record;
                }
                continue;
            }
            out.push(record);
        }
        Ok(out)
    }

    fn mark_applied(&self, file: &MigrationFile, _engine: Engine, _dir: &Path) -> String {
        let mut columns = vec![self.config.version_column.clone()];
        let mut values = vec![literal(&file.name)];
        if let Some(status) = &self.config.status_column {
            columns.push(status.clone());
            values.push(literal(
                self.config
                    .success_values
                    .first()
                    .map_or("success", String::as_str),
            ));
        }
        if let Some(at) = &self.config.executed_at_column {
            columns.push(at.clone());
            values.push("CURRENT_TIMESTAMP".into());
        }
        format!(
            "INSERT INTO {} ({}) VALUES ({});  -- use the value your runner writes for {}",
            self.config.table,
            columns.join(", "),
            values.join(", "),
            file.name
        )
    }

    fn clear_failed(&self, file: &MigrationFile, _dir: &Path) -> String {
        format!(
            "repair the schema by hand, then update the row of {} in {} to a success status or delete it and re-run",
            file.name, self.config.table
        )
    }

    fn remove_record(&self, record: &Record) -> String {
        format!(
            "restore its file, or if it must be forgotten: DELETE FROM {} WHERE {} = {};",
            self.config.table,
            self.config.version_column,
            literal(&record.version)
        )
    }
}
