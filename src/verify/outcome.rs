//! What the proof found for each migration, before it becomes findings and a table.

use super::session::DbError;

/// A statement the server refused: its position in `Migration::steps` and the server's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFailure {
    pub step: usize,
    pub error: DbError,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Apply {
    Passed,
    Failed(StepFailure),
    /// An earlier migration failed, so this one was never reached.
    NotRun,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reapply {
    /// Succeeded and left the catalog fingerprint unchanged.
    Passed,
    Failed(StepFailure),
    /// Succeeded but changed the catalog: the `+`/`-` lines of the catalog dump.
    SchemaChanged(Vec<String>),
    NotRun,
}

/// A crash after `after` statements, then the whole migration again, failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashFailure {
    pub after: usize,
    pub failure: StepFailure,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrashPoints {
    /// Statement boundaries where a crash can leave the migration half-applied.
    pub possible: usize,
    pub passed: usize,
    pub failed: Vec<CrashFailure>,
    /// Crash points not tried, with the reason (e.g. the `--max-crash-points` bound).
    pub unproven: Vec<(usize, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationProof {
    pub apply: Apply,
    pub reapply: Reapply,
    pub crash_points: CrashPoints,
    /// Parts that could not be proven, said plainly (each becomes an `unknown` finding).
    pub unproven: Vec<String>,
}

impl MigrationProof {
    pub fn not_run() -> Self {
        MigrationProof {
            apply: Apply::NotRun,
            reapply: Reapply::NotRun,
            crash_points: CrashPoints::default(),
            unproven: Vec::new(),
        }
    }

    pub fn failed(&self) -> bool {
        matches!(self.apply, Apply::Failed(_))
            || matches!(self.reapply, Reapply::Failed(_) | Reapply::SchemaChanged(_))
            || !self.crash_points.failed.is_empty()
    }

    pub fn fully_proven(&self) -> bool {
        self.apply == Apply::Passed
            && self.reapply == Reapply::Passed
            && self.crash_points.failed.is_empty()
            && self.crash_points.unproven.is_empty()
            && self.unproven.is_empty()
    }
}
