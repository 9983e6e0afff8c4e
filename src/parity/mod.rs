//! See the module docs of the submodules.

pub mod iam;

use crate::diagnostics::RuleInfo;

/// Rule codes this stage reports.
pub static RULES: &[RuleInfo] = &[];
