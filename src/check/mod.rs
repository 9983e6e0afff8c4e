//! `preflight check`: the pre-deploy gate. Runs the configured stages (lint → reconcile → verify
//! → parity) from `preflight.toml`, keeps going past a failing stage, tags every finding with its
//! stage and decides one verdict. A stage that cannot run is reported as not checked (`CK101`,
//! `CK102`), never as a pass.

mod rules;
mod stages;

pub use stages::{default_runners, missing_configuration, stage_name, StageRunner};

use crate::config::{Config, Stage};
use crate::diagnostics::{Finding, Summary};
use crate::error::{Error, Result};
use crate::gate::{Gate, GateFlags};
use crate::output::{Outcome, Report, StageResult, StageStatus, Verdict};
use crate::source::SourceFile;
use std::time::Instant;

pub use rules::RULES;

/// The order stages run in: cheap and static first, live environments last.
pub const STAGE_ORDER: [Stage; 4] = [Stage::Lint, Stage::Reconcile, Stage::Verify, Stage::Parity];

#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Stages asked for on the command line; empty means `[check] stages`, else every configured one.
    pub stages: Vec<Stage>,
    /// `--fail-on` and `--allow-unknown`; each stage's gate falls back to preflight.toml.
    pub gate: GateFlags,
}

/// What `check` tells its caller while it runs (for `--verbose`).
pub enum Progress<'a> {
    Started(Stage),
    Finished(&'a StageResult),
}

/// Runs the gate with preflight's own stages.
pub async fn check(
    config: &Config,
    options: &CheckOptions,
    on_progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Report> {
    let runners = default_runners();
    let runners: Vec<&dyn StageRunner> = runners.iter().map(|r| r.as_ref()).collect();
    check_with(config, options, &runners, on_progress).await
}

/// Runs the gate with the given stage runners (one per stage).
pub async fn check_with(
    config: &Config,
    options: &CheckOptions,
    runners: &[&dyn StageRunner],
    on_progress: &mut dyn FnMut(Progress<'_>),
) -> Result<Report> {
    let selection = select_stages(config, options)?;
    let mut report = Report::new("check");
    report.config_file = config_source(config);
    let mut results = Vec::new();
    let mut any_error = false;
    let mut any_failure = false;

    for stage in selection.run {
        on_progress(Progress::Started(stage));
        let started = Instant::now();
        let mut run = run_stage(stage, config, runners, &mut report).await;
        for f in &mut run.findings {
            f.stage = Some(stage);
        }
        let judgement = Gate::for_stage(config, stage, options.gate).judge(&run.findings);
        let status = if run.not_checked.is_some() {
            StageStatus::NotChecked
        } else {
            judgement.stage_status()
        };
        any_error |= run.errored;
        any_failure |= judgement.fails();
        let result = StageResult {
            stage,
            status,
            summary: Summary::of(&run.findings, files_of(&report, stage)),
            reason: run.not_checked,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        on_progress(Progress::Finished(&result));
        report.findings.extend(run.findings);
        results.push(result);
    }

    let outcome = if any_error {
        Outcome::Error
    } else if any_failure {
        Outcome::Fail
    } else {
        Outcome::Pass
    };
    report.verdict = Some(Verdict {
        outcome,
        stages: results,
        not_configured: selection.not_configured,
    });
    Ok(report)
}

/// What one stage produced.
struct StageRun {
    findings: Vec<Finding>,
    /// Why the stage did not run, if it did not.
    not_checked: Option<String>,
    /// It did not run because of an error (configuration, connection, I/O): exit 2.
    errored: bool,
}

/// Runs one stage, or explains why it cannot run; its tables, sources and JSON go into `report`.
async fn run_stage(
    stage: Stage,
    config: &Config,
    runners: &[&dyn StageRunner],
    report: &mut Report,
) -> StageRun {
    let not_run = |finding: Finding, why: String, errored: bool| StageRun {
        findings: vec![finding],
        not_checked: Some(why),
        errored,
    };
    if let Some(missing) = missing_configuration(stage, config) {
        return not_run(rules::not_configured(stage, &missing), missing, false);
    }
    let Some(runner) = runners.iter().find(|r| r.stage() == stage) else {
        let why = "this build of preflight has no runner for it".to_string();
        return not_run(rules::not_checked(stage, &why), why, true);
    };
    match runner.run(config).await {
        Ok(stage_report) => StageRun {
            findings: merge_stage(report, stage, stage_report),
            not_checked: None,
            errored: false,
        },
        Err(e) => {
            let why = e.to_string();
            not_run(rules::not_checked(stage, &why), why, true)
        }
    }
}

/// Folds a stage's report into the gate's; returns the stage's findings (not yet added).
fn merge_stage(report: &mut Report, stage: Stage, stage_report: Report) -> Vec<Finding> {
    report.sources.extend(stage_report.sources);
    if stage == Stage::Lint {
        report.files_checked += stage_report.files_checked;
    }
    report.tables.extend(stage_report.tables);
    if !stage_report.json_extra.is_empty() {
        report.json_extra.insert(
            stage_name(stage).to_string(),
            serde_json::Value::Object(stage_report.json_extra),
        );
    }
    stage_report.findings
}

/// The config file as a source, shown relative to the current directory. It was read moments
/// ago to load the configuration; if it vanished since, SARIF falls back to logical locations.
fn config_source(config: &Config) -> Option<SourceFile> {
    let path = config.path.as_deref()?;
    let text = std::fs::read_to_string(path).ok()?;
    Some(SourceFile::new(stages::relative_to_cwd(path), text))
}

fn files_of(report: &Report, stage: Stage) -> usize {
    if stage == Stage::Lint {
        report.files_checked
    } else {
        0
    }
}

struct Selection {
    run: Vec<Stage>,
    not_configured: Vec<Stage>,
}

/// `--stage` flags, else `[check] stages`, else every configured stage. Stages asked for but not
/// configured still "run": they are reported as not checked.
fn select_stages(config: &Config, options: &CheckOptions) -> Result<Selection> {
    let requested = if !options.stages.is_empty() {
        Some(options.stages.as_slice())
    } else {
        config.check.stages.as_deref()
    };
    match requested {
        Some(requested) => Ok(Selection {
            run: STAGE_ORDER
                .into_iter()
                .filter(|s| requested.contains(s))
                .collect(),
            not_configured: Vec::new(),
        }),
        None => {
            let (run, not_configured): (Vec<Stage>, Vec<Stage>) = STAGE_ORDER
                .into_iter()
                .partition(|s| missing_configuration(*s, config).is_none());
            if run.is_empty() {
                let file = config.path.as_ref().map_or_else(
                    || "no preflight.toml found".to_string(),
                    |p| p.display().to_string(),
                );
                return Err(Error::Usage(format!(
                    "{file}: nothing to check; configure at least `[migrations] dir` (lint) or an `[environments.NAME]` section (parity)"
                )));
            }
            Ok(Selection {
                run,
                not_configured,
            })
        }
    }
}

#[cfg(test)]
mod tests;
