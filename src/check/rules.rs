//! The gate's own rule codes: stages that could not be checked.

use super::stage_name;
use crate::config::Stage;
use crate::diagnostics::{Finding, RuleInfo, Severity};

pub const STAGE_NOT_CHECKED: RuleInfo = RuleInfo::new(
    "CK101",
    "stage-not-checked",
    Severity::Error,
    "A stage of the gate could not run (configuration or connection error)",
    include_str!("../../rules/CK101.md"),
);

pub const STAGE_NOT_CONFIGURED: RuleInfo = RuleInfo::new(
    "CK102",
    "stage-not-configured",
    Severity::Error,
    "A stage was requested but preflight.toml lacks the settings it needs",
    include_str!("../../rules/CK102.md"),
);

pub static RULES: &[RuleInfo] = &[STAGE_NOT_CHECKED, STAGE_NOT_CONFIGURED];

/// A stage that did not run blocks the deploy like an error would.
const NOT_CHECKED_SEVERITY: Severity = Severity::Error;

pub(super) fn not_checked(stage: Stage, why: &str) -> Finding {
    Finding::new(
        &STAGE_NOT_CHECKED,
        NOT_CHECKED_SEVERITY,
        format!("the {} stage could not run: {why}", stage_name(stage)),
    )
    .with_subject(stage_name(stage))
    .unknown()
}

pub(super) fn not_configured(stage: Stage, missing: &str) -> Finding {
    Finding::new(
        &STAGE_NOT_CONFIGURED,
        NOT_CHECKED_SEVERITY,
        format!(
            "the {} stage was requested but is not configured: {missing}",
            stage_name(stage)
        ),
    )
    .with_subject(stage_name(stage))
    .unknown()
}
