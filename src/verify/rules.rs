//! The `VF1xx` rule codes `preflight verify` reports; their documents are in `rules/`.

use crate::diagnostics::{FixAvailability, RuleInfo, Severity};

pub const APPLY_FAILS: &RuleInfo = &RULES[0];
pub const REAPPLY_FAILS: &RuleInfo = &RULES[1];
pub const REAPPLY_CHANGES_SCHEMA: &RuleInfo = &RULES[2];
pub const CRASH_RETRY_FAILS: &RuleInfo = &RULES[3];
pub const PROOF_INCOMPLETE: &RuleInfo = &RULES[4];

pub static RULES: &[RuleInfo] = &[
    RuleInfo {
        code: "VF100",
        name: "migration-fails-on-apply",
        default_severity: Severity::Error,
        summary: "A migration fails when applied once, in order, to a fresh database",
        doc: include_str!("../../rules/VF100.md"),
        fix: FixAvailability::Never,
    },
    RuleInfo {
        code: "VF101",
        name: "reapply-fails",
        default_severity: Severity::Error,
        summary: "Applying a migration a second time fails",
        doc: include_str!("../../rules/VF101.md"),
        fix: FixAvailability::Never,
    },
    RuleInfo {
        code: "VF102",
        name: "reapply-changes-schema",
        default_severity: Severity::Error,
        summary: "Applying a migration a second time succeeds but changes the schema",
        doc: include_str!("../../rules/VF102.md"),
        fix: FixAvailability::Never,
    },
    RuleInfo {
        code: "VF103",
        name: "crash-retry-fails",
        default_severity: Severity::Error,
        summary: "Retrying a migration after a crash part-way through it fails",
        doc: include_str!("../../rules/VF103.md"),
        fix: FixAvailability::Never,
    },
    RuleInfo {
        code: "VF104",
        name: "proof-incomplete",
        default_severity: Severity::Warning,
        summary: "Part of the retry-safety proof could not be carried out",
        doc: include_str!("../../rules/VF104.md"),
        fix: FixAvailability::Never,
    },
];
