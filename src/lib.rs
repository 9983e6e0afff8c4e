//! preflight: a pre-deploy gate. The binary is a thin CLI (`cli`) over these modules.

pub mod check;
pub mod cli;
pub mod config;
pub mod db;
pub mod diagnostics;
pub mod error;
pub mod fix;
pub mod gate;
pub mod layout;
pub mod lint;
pub mod output;
pub mod parity;
pub mod reconcile;
pub mod registry;
pub mod runner;
pub mod source;
pub mod sql;
pub mod verify;

/// Every rule code preflight can report, across all commands.
pub fn all_rules() -> Vec<&'static diagnostics::RuleInfo> {
    registry::all().collect()
}
