//! `preflight lint`, `fix`, `rules`, `explain`.

use super::{Context, ReportArgs};
use crate::error::{Error, Result};
use crate::sql::Dialect;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories (walked for .sql files). Default: `[migrations] dir` from preflight.toml.
    pub paths: Vec<PathBuf>,
    /// SQL dialect (default: postgres, or the dialect in preflight.toml).
    #[arg(long, value_enum)]
    pub dialect: Option<Dialect>,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Only files added or changed since this git ref (pull-request mode).
    #[arg(long, value_name = "GIT_REF")]
    pub since: Option<String>,
    /// Enable only these rule codes or prefixes (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Disable these rule codes or prefixes (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Files or directories. Default: `[migrations] dir` from preflight.toml.
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum)]
    pub dialect: Option<Dialect>,
    /// Print a unified diff and write nothing.
    #[arg(long)]
    pub diff: bool,
    /// Write nothing; exit 1 if any file would change.
    #[arg(long)]
    pub check: bool,
    /// Also apply unsafe fixes (guarded DO blocks).
    #[arg(long)]
    pub unsafe_fixes: bool,
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A rule code (e.g. PF101) or name.
    pub rule: String,
}

pub fn run_lint(_args: LintArgs, _ctx: &Context) -> Result<i32> {
    Err(Error::Usage("`preflight lint` is being built".into()))
}

pub fn run_fix(_args: FixArgs, _ctx: &Context) -> Result<i32> {
    Err(Error::Usage("`preflight fix` is being built".into()))
}

pub fn run_rules(_args: RulesArgs, _ctx: &Context) -> Result<i32> {
    Err(Error::Usage("`preflight rules` is being built".into()))
}

pub fn run_explain(_args: ExplainArgs, _ctx: &Context) -> Result<i32> {
    Err(Error::Usage("`preflight explain` is being built".into()))
}
