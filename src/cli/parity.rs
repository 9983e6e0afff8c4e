//! `preflight snapshot` and `preflight parity`.

use super::{Context, ReportArgs};
use crate::error::{Error, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The environment (a `[environments.NAME]` table of preflight.toml).
    #[arg(long)]
    pub env: String,
    /// Write here instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ParityArgs {
    /// Only these environments (default: all configured).
    #[arg(long = "env", value_name = "NAME")]
    pub envs: Vec<String>,
    /// Read secret values, only to check that referenced JSON keys exist. Values are never printed or stored.
    #[arg(long)]
    pub verify_secret_keys: bool,
    /// Cross-check IAM answers with iam:SimulatePrincipalPolicy.
    #[arg(long)]
    pub simulate: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run_snapshot(_args: SnapshotArgs, _ctx: &Context) -> Result<i32> {
    Err(Error::Usage("`preflight snapshot` is being built".into()))
}

pub fn run_parity(_args: ParityArgs, _ctx: &Context) -> Result<i32> {
    Err(Error::Usage("`preflight parity` is being built".into()))
}
