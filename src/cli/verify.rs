//! `preflight verify`.

use super::{Context, ReportArgs};
use crate::error::{Error, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A server preflight may create a scratch database on. The database named in the URL is never touched.
    #[arg(long, env = "PREFLIGHT_DEV_URL", hide_env_values = true)]
    pub dev_url: Option<String>,
    /// Migrations directory. Default: `[migrations] dir`.
    #[arg(long)]
    pub migrations: Option<PathBuf>,
    /// Crash-point retries per migration on engines without transactional DDL (MySQL, MariaDB).
    #[arg(long, default_value_t = 50)]
    pub max_crash_points: usize,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(_args: VerifyArgs, _ctx: &Context) -> Result<i32> {
    Err(Error::Usage("`preflight verify` is being built".into()))
}
