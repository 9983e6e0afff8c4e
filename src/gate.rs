//! The gate: the one rule every command (`lint`, `fix --check`, `reconcile`, `verify`, `parity`
//! and each stage of `check`) uses to turn findings into a verdict and an exit code.
//!
//! - A finding fails the gate when its severity reaches `fail_on`.
//! - A finding that says "this could not be checked" (`unknown`: a statement not understood, an
//!   object not readable, a stage not run) fails it whatever its severity and whatever
//!   `fail_on` says, unless unknowns are allowed. `fail_on = "never"` silences severities, not
//!   unknowns: unknown is never a pass unless the user says so.
//!
//! Settings, first found wins: the command-line flag (`--fail-on`, `--allow-unknown`), the
//! stage's own section (`[lint]`, `[parity]`), `[check]`, the default (`error`, unknowns fail).

use crate::config::Config;
use crate::diagnostics::{FailOn, Finding, Stage};
use crate::error::exit;
use crate::output::{Outcome, StageStatus};

/// What the command line says about the gate; `None`/`false` defer to preflight.toml.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GateFlags {
    pub fail_on: Option<FailOn>,
    pub allow_unknown: bool,
}

/// The resolved settings of one stage's gate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gate {
    pub fail_on: FailOn,
    pub allow_unknown: bool,
}

impl Gate {
    /// The gate of `stage`: flag, else the stage's section, else `[check]`, else the default.
    pub fn for_stage(config: &Config, stage: Stage, flags: GateFlags) -> Gate {
        let (fail_on, allow_unknown) = match stage {
            Stage::Lint => (config.lint.fail_on, config.lint.allow_unknown),
            Stage::Parity => (config.parity.fail_on, config.parity.allow_unknown),
            // Both read `[migrations]`, which holds no gate settings.
            Stage::Reconcile | Stage::Verify => (None, None),
        };
        Gate {
            fail_on: flags
                .fail_on
                .or(fail_on)
                .or(config.check.fail_on)
                .unwrap_or_default(),
            allow_unknown: flags.allow_unknown
                || allow_unknown
                    .or(config.check.allow_unknown)
                    .unwrap_or(false),
        }
    }

    /// Judges a set of findings.
    pub fn judge(&self, findings: &[Finding]) -> Judgement {
        let mut judgement = Judgement {
            reached: 0,
            unknown: 0,
            allow_unknown: self.allow_unknown,
        };
        for f in findings {
            if f.unknown {
                judgement.unknown += 1;
            } else if self.fail_on.is_reached_by(f.severity) {
                judgement.reached += 1;
            }
        }
        judgement
    }

    /// The exit code of a command that reported `findings`: 1 when the gate fails, else 0.
    pub fn exit_code(&self, findings: &[Finding]) -> i32 {
        self.judge(findings).exit_code()
    }
}

/// The gate's decision on a set of findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judgement {
    /// Findings (not unknown) at or above the threshold.
    pub reached: usize,
    /// Findings that say "this could not be checked".
    pub unknown: usize,
    pub allow_unknown: bool,
}

impl Judgement {
    pub fn fails(&self) -> bool {
        self.reached > 0 || (self.unknown > 0 && !self.allow_unknown)
    }

    pub fn outcome(&self) -> Outcome {
        if self.fails() {
            Outcome::Fail
        } else {
            Outcome::Pass
        }
    }

    pub fn exit_code(&self) -> i32 {
        if self.fails() {
            exit::FINDINGS
        } else {
            exit::OK
        }
    }

    /// The status of a stage that ran: failed, incomplete (unknowns, allowed or not) or passed.
    pub fn stage_status(&self) -> StageStatus {
        if self.reached > 0 {
            StageStatus::Failed
        } else if self.unknown > 0 {
            StageStatus::Incomplete
        } else {
            StageStatus::Passed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Severity;
    use std::path::Path;

    const TEST_RULE: crate::diagnostics::RuleInfo =
        crate::diagnostics::RuleInfo::new("X001", "x", Severity::Error, "test rule", "");

    fn finding(severity: Severity) -> Finding {
        Finding::new(&TEST_RULE, severity, "m")
    }

    #[test]
    fn unknown_fails_the_gate_unless_allowed_whatever_the_threshold() {
        let unknown = [finding(Severity::Info).unknown()];
        for fail_on in [FailOn::Error, FailOn::Warning, FailOn::Info, FailOn::Never] {
            let strict = Gate {
                fail_on,
                allow_unknown: false,
            };
            assert!(strict.judge(&unknown).fails(), "{fail_on:?}");
            let lenient = Gate {
                fail_on,
                allow_unknown: true,
            };
            assert!(!lenient.judge(&unknown).fails(), "{fail_on:?}");
            assert_eq!(
                lenient.judge(&unknown).stage_status(),
                StageStatus::Incomplete
            );
        }
    }

    #[test]
    fn an_allowed_unknown_error_does_not_count_as_an_error() {
        let gate = Gate {
            fail_on: FailOn::Error,
            allow_unknown: true,
        };
        assert!(!gate.judge(&[finding(Severity::Error).unknown()]).fails());
    }

    #[test]
    fn severities_fail_from_the_threshold_up() {
        let gate = |fail_on| Gate {
            fail_on,
            allow_unknown: false,
        };
        let warning = [finding(Severity::Warning)];
        assert!(!gate(FailOn::Error).judge(&warning).fails());
        assert!(gate(FailOn::Warning).judge(&warning).fails());
        assert!(gate(FailOn::Info).judge(&warning).fails());
        assert!(!gate(FailOn::Never)
            .judge(&[finding(Severity::Error)])
            .fails());
        assert_eq!(gate(FailOn::Error).exit_code(&[]), 0);
        assert_eq!(
            gate(FailOn::Error).exit_code(&[finding(Severity::Error)]),
            1
        );
    }

    #[test]
    fn settings_come_from_the_flag_then_the_section_then_check() {
        let config = |toml: &str| Config::parse(Path::new("p.toml"), toml).unwrap();
        let none = GateFlags::default();
        let cfg = config(
            "[lint]\nfail_on = \"info\"\n[check]\nfail_on = \"warning\"\nallow_unknown = true\n[parity]\nallow_unknown = false\n",
        );
        let lint = Gate::for_stage(&cfg, Stage::Lint, none);
        assert_eq!((lint.fail_on, lint.allow_unknown), (FailOn::Info, true));
        let parity = Gate::for_stage(&cfg, Stage::Parity, none);
        assert_eq!(
            (parity.fail_on, parity.allow_unknown),
            (FailOn::Warning, false)
        );
        let reconcile = Gate::for_stage(&cfg, Stage::Reconcile, none);
        assert_eq!(
            (reconcile.fail_on, reconcile.allow_unknown),
            (FailOn::Warning, true)
        );
        let flagged = Gate::for_stage(
            &cfg,
            Stage::Parity,
            GateFlags {
                fail_on: Some(FailOn::Never),
                allow_unknown: true,
            },
        );
        assert_eq!(
            (flagged.fail_on, flagged.allow_unknown),
            (FailOn::Never, true)
        );
        let default = Gate::for_stage(&Config::default(), Stage::Verify, none);
        assert_eq!(default, Gate::default());
        assert_eq!(
            (default.fail_on, default.allow_unknown),
            (FailOn::Error, false)
        );
    }
}
