//! The gate's own rule codes: stages that could not be checked.

use super::stage_name;
use crate::config::Stage;
use crate::diagnostics::{Finding, RuleInfo, Severity};

pub static RULES: &[RuleInfo] = &[
    RuleInfo {
        code: "CK101",
        name: "stage-not-checked",
        default_severity: Severity::Error,
        summary: "A stage of the gate could not run (configuration or connection error)",
        doc: "## What it does\n\nReports a stage of `preflight check` (lint, reconcile, verify or parity) that was selected but failed to run: the database refused the connection, the URL variable was not set, AWS credentials were missing, a file could not be read.\n\n## Why it matters\n\nWhat could not be checked is not a pass. The gate exits 2 so a pipeline stops instead of deploying on a partial answer.\n\n## Example\n\n`[migrations] database_url_env = \"DATABASE_URL\"` while `DATABASE_URL` is not set in the CI job.\n\n## Use instead\n\nFix the error the finding quotes, or remove the stage from `[check] stages` (or `--stage`) for jobs that cannot reach it.\n",
        fix: None,
    },
    RuleInfo {
        code: "CK102",
        name: "stage-not-configured",
        default_severity: Severity::Error,
        summary: "A stage was requested but preflight.toml lacks the settings it needs",
        doc: "## What it does\n\nReports a stage named in `--stage` or `[check] stages` whose settings are missing from `preflight.toml` (for example `reconcile` without `[migrations] database_url_env`).\n\n## Why it matters\n\nThe stage was asked for, so skipping it silently would let an unchecked deploy through. The finding is `unknown`: it fails the gate unless `[check] allow_unknown = true`.\n\n## Example\n\n```toml\n[check]\nstages = [\"lint\", \"reconcile\"]\n[migrations]\ndir = \"migrations\"\n```\n\n## Use instead\n\n```toml\n[migrations]\ndir = \"migrations\"\ndatabase_url_env = \"DATABASE_URL\"\n```\n",
        fix: None,
    },
];

/// A stage that did not run blocks the deploy like an error would.
const NOT_CHECKED_SEVERITY: Severity = Severity::Error;

pub(super) fn not_checked(stage: Stage, why: &str) -> Finding {
    Finding::new(
        "CK101",
        "stage-not-checked",
        NOT_CHECKED_SEVERITY,
        format!("the {} stage could not run: {why}", stage_name(stage)),
    )
    .with_subject(stage_name(stage))
    .unknown()
}

pub(super) fn not_configured(stage: Stage, missing: &str) -> Finding {
    Finding::new(
        "CK102",
        "stage-not-configured",
        NOT_CHECKED_SEVERITY,
        format!(
            "the {} stage was requested but is not configured: {missing}",
            stage_name(stage)
        ),
    )
    .with_subject(stage_name(stage))
    .unknown()
}
