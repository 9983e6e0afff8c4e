use super::*;
use crate::config::Config;
use crate::diagnostics::Severity;
use futures::future::LocalBoxFuture;
use std::path::Path;

/// A stage runner that returns what the test gives it.
struct Scripted {
    stage: Stage,
    outcome: ScriptedResult,
}

impl StageRunner for Scripted {
    fn stage(&self) -> Stage {
        self.stage
    }
    fn run<'a>(&'a self, _config: &'a Config) -> LocalBoxFuture<'a, Result<Report>> {
        Box::pin(async move { (self.outcome)() })
    }
}

fn config(toml: &str) -> Config {
    Config::parse(Path::new("preflight.toml"), toml).unwrap()
}

const LINT_AND_PARITY: &str =
    "[migrations]\ndir = \"migrations\"\n[environments.production]\nsnapshot = \"prod.json\"\n";

fn report_with(findings: Vec<Finding>) -> Result<Report> {
    let mut r = Report::new("x");
    r.findings = findings;
    r.files_checked = 2;
    Ok(r)
}

fn lint_error() -> Result<Report> {
    report_with(vec![Finding::new(
        crate::registry::find("PF101").unwrap(),
        Severity::Error,
        "m",
    )])
}

fn lint_warning() -> Result<Report> {
    report_with(vec![Finding::new(
        crate::registry::find("PF118").unwrap(),
        Severity::Warning,
        "m",
    )])
}

fn clean() -> Result<Report> {
    report_with(Vec::new())
}

fn parity_unknown() -> Result<Report> {
    report_with(vec![Finding::new(
        crate::registry::find("PA401").unwrap(),
        Severity::Warning,
        "could not simulate",
    )
    .unknown()])
}

fn refused() -> Result<Report> {
    Err(Error::Database("connection refused".into()))
}

type ScriptedResult = fn() -> Result<Report>;

fn run(
    cfg: &Config,
    options: &CheckOptions,
    runners: &[(Stage, ScriptedResult)],
) -> Result<Report> {
    let scripted: Vec<Scripted> = runners
        .iter()
        .map(|(stage, outcome)| Scripted {
            stage: *stage,
            outcome: *outcome,
        })
        .collect();
    let runners: Vec<&dyn StageRunner> = scripted.iter().map(|s| s as &dyn StageRunner).collect();
    let mut seen = Vec::new();
    let report = futures::executor::block_on(check_with(cfg, options, &runners, &mut |p| {
        if let Progress::Started(s) = p {
            seen.push(s)
        }
    }));
    if let Ok(r) = &report {
        let ran: Vec<&str> = r
            .verdict
            .as_ref()
            .unwrap()
            .stages
            .iter()
            .map(|s| s.stage.name())
            .collect();
        let started: Vec<&str> = seen.iter().map(|s| stage_name(*s)).collect();
        assert_eq!(
            ran, started,
            "every selected stage reports start and result"
        );
    }
    report
}

fn statuses(report: &Report) -> Vec<(String, StageStatus)> {
    report
        .verdict
        .as_ref()
        .unwrap()
        .stages
        .iter()
        .map(|s| (s.stage.name().to_string(), s.status))
        .collect()
}

#[test]
fn a_failing_stage_fails_the_gate_and_later_stages_still_run() {
    let cfg = config(LINT_AND_PARITY);
    let report = run(
        &cfg,
        &CheckOptions::default(),
        &[(Stage::Lint, lint_error), (Stage::Parity, clean)],
    )
    .unwrap();
    let verdict = report.verdict.as_ref().unwrap();
    assert_eq!(verdict.outcome, Outcome::Fail);
    assert_eq!(verdict.exit_code(), 1);
    assert_eq!(
        statuses(&report),
        [
            ("lint".to_string(), StageStatus::Failed),
            ("parity".to_string(), StageStatus::Passed)
        ]
    );
    assert_eq!(verdict.not_configured, [Stage::Reconcile, Stage::Verify]);
    assert_eq!(report.findings[0].stage, Some(Stage::Lint));
    assert_eq!(report.files_checked, 2);
    assert_eq!(
        verdict.line(),
        "preflight check failed: lint failed (1 error); parity passed; not configured: reconcile, verify"
    );
}

#[test]
fn a_stage_that_cannot_connect_is_not_checked_and_exits_2() {
    let cfg = config(LINT_AND_PARITY);
    let report = run(
        &cfg,
        &CheckOptions::default(),
        &[(Stage::Lint, clean), (Stage::Parity, refused)],
    )
    .unwrap();
    let verdict = report.verdict.as_ref().unwrap();
    assert_eq!(verdict.outcome, Outcome::Error);
    assert_eq!(verdict.exit_code(), 2);
    let ck = &report.findings[0];
    assert_eq!((ck.code(), ck.unknown), ("CK101", true));
    assert!(ck.message.contains("connection refused"), "{}", ck.message);
    assert!(verdict
        .line()
        .contains("parity not checked (database: connection refused)"));
}

#[test]
fn a_requested_stage_without_settings_fails_unless_unknown_is_allowed() {
    let toml = "[migrations]\ndir = \"m\"\n[check]\nstages = [\"lint\", \"reconcile\"]\n";
    let report = run(
        &config(toml),
        &CheckOptions::default(),
        &[(Stage::Lint, clean)],
    )
    .unwrap();
    assert_eq!(report.verdict.as_ref().unwrap().outcome, Outcome::Fail);
    assert_eq!(report.findings[0].rule, "CK102");
    assert!(report.findings[0]
        .message
        .contains("`[migrations] database_url_env` is not set"));

    let allowed = format!("{toml}allow_unknown = true\n");
    let report = run(
        &config(&allowed),
        &CheckOptions::default(),
        &[(Stage::Lint, clean)],
    )
    .unwrap();
    assert_eq!(report.verdict.as_ref().unwrap().outcome, Outcome::Pass);
}

#[test]
fn parity_unknowns_fail_unless_parity_allows_them() {
    let options = CheckOptions {
        stages: vec![Stage::Parity],
        ..CheckOptions::default()
    };
    let strict = run(
        &config(LINT_AND_PARITY),
        &options,
        &[(Stage::Parity, parity_unknown)],
    )
    .unwrap();
    assert_eq!(strict.verdict.as_ref().unwrap().outcome, Outcome::Fail);
    assert_eq!(statuses(&strict)[0].1, StageStatus::Incomplete);

    let lenient = format!("{LINT_AND_PARITY}[parity]\nallow_unknown = true\n");
    let report = run(
        &config(&lenient),
        &options,
        &[(Stage::Parity, parity_unknown)],
    )
    .unwrap();
    assert_eq!(report.verdict.as_ref().unwrap().outcome, Outcome::Pass);
}

#[test]
fn the_threshold_decides_whether_warnings_fail() {
    let cfg = config("[migrations]\ndir = \"m\"\n");
    let default = run(
        &cfg,
        &CheckOptions::default(),
        &[(Stage::Lint, lint_warning)],
    )
    .unwrap();
    assert_eq!(default.verdict.as_ref().unwrap().outcome, Outcome::Pass);
    let strict = CheckOptions {
        gate: crate::gate::GateFlags {
            fail_on: Some(crate::diagnostics::FailOn::Warning),
            allow_unknown: false,
        },
        ..CheckOptions::default()
    };
    let report = run(&cfg, &strict, &[(Stage::Lint, lint_warning)]).unwrap();
    assert_eq!(report.verdict.as_ref().unwrap().outcome, Outcome::Fail);
}

#[test]
fn nothing_configured_is_a_usage_error() {
    let err = run(&config(""), &CheckOptions::default(), &[]).unwrap_err();
    assert!(err.to_string().contains("nothing to check"), "{err}");
}
