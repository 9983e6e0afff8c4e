//! `preflight reconcile`.

use super::{Context, ReportArgs};
use crate::error::{Error, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Database URL (postgres://… or mysql://…). Default: the variable named by `[migrations] database_url_env`.
    #[arg(long, env = "PREFLIGHT_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Migrations directory. Default: `[migrations] dir`.
    #[arg(long)]
    pub migrations: Option<PathBuf>,
    /// Tracker: auto, sqlx, flyway, golang-migrate, goose, dbmate, prisma, diesel, refinery, atlas, generic.
    #[arg(long)]
    pub tracker: Option<String>,
    /// Schema to reconcile (PostgreSQL; default public).
    #[arg(long)]
    pub schema: Option<String>,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(_args: ReconcileArgs, _ctx: &Context) -> Result<i32> {
    Err(Error::Usage("`preflight reconcile` is being built".into()))
}
