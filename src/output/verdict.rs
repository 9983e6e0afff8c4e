//! The gate's decision: one status per stage and an overall outcome that picks the exit code.

use super::plural;
use crate::diagnostics::{Stage, Summary};
use crate::error::exit;
use serde::Serialize;

/// What the whole run concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every selected stage ran and nothing reached the threshold.
    Pass,
    /// A finding reached the threshold, or something could not be checked and that is not allowed.
    Fail,
    /// A stage could not run because of a configuration or connection error.
    Error,
}

impl Outcome {
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Pass => exit::OK,
            Outcome::Fail => exit::FINDINGS,
            Outcome::Error => exit::ERROR,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Outcome::Pass => "passed",
            Outcome::Fail => "failed",
            Outcome::Error => "could not complete",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    /// Ran; nothing reached the threshold and nothing was left unknown.
    Passed,
    /// Ran; at least one finding reached the threshold.
    Failed,
    /// Ran, but some things could not be checked (`unknown` findings).
    Incomplete,
    /// Could not run at all (error, or requested without the configuration it needs).
    NotChecked,
}

impl StageStatus {
    /// The serialized name, also used as a CSS class.
    pub fn key(self) -> &'static str {
        match self {
            StageStatus::Passed => "passed",
            StageStatus::Failed => "failed",
            StageStatus::Incomplete => "incomplete",
            StageStatus::NotChecked => "not_checked",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            StageStatus::Passed => "passed",
            StageStatus::Failed => "failed",
            StageStatus::Incomplete => "incomplete",
            StageStatus::NotChecked => "not checked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageResult {
    pub stage: Stage,
    pub status: StageStatus,
    pub summary: Summary,
    /// Why a stage was not checked (the error, or the missing setting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub outcome: Outcome,
    pub stages: Vec<StageResult>,
    /// Stages that are not configured in preflight.toml and so were not selected.
    pub not_configured: Vec<Stage>,
}

impl Verdict {
    pub fn exit_code(&self) -> i32 {
        self.outcome.exit_code()
    }

    /// The one-line verdict, e.g.
    /// `preflight check failed: lint failed (2 errors); reconcile not checked (…); parity passed`.
    pub fn line(&self) -> String {
        let stages: Vec<String> = self.stages.iter().map(stage_phrase).collect();
        let mut line = format!(
            "preflight check {}: {}",
            self.outcome.word(),
            stages.join("; ")
        );
        if !self.not_configured.is_empty() {
            line.push_str(&format!(
                "; not configured: {}",
                self.not_configured
                    .iter()
                    .map(|s| s.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        line
    }
}

fn stage_phrase(s: &StageResult) -> String {
    let counts = counts(&s.summary);
    match (s.status, &s.reason) {
        (StageStatus::NotChecked, Some(reason)) => format!("{} not checked ({reason})", s.stage),
        (_, _) if counts.is_empty() => format!("{} {}", s.stage, s.status.word()),
        (_, _) => format!("{} {} ({counts})", s.stage, s.status.word()),
    }
}

/// "2 errors, 1 warning, 1 unknown" (empty when there is nothing).
pub(crate) fn counts(s: &Summary) -> String {
    let mut parts = Vec::new();
    for (n, what) in [
        (s.errors, "error"),
        (s.warnings, "warning"),
        (s.infos, "info"),
    ] {
        if n > 0 {
            parts.push(plural(n, what));
        }
    }
    if s.unknown > 0 {
        parts.push(format!("{} unknown", s.unknown));
    }
    parts.join(", ")
}
