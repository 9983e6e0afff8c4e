//! `preflight verify`.

use super::{Context, ReportArgs};
use crate::diagnostics::Stage;
use crate::error::{Error, Result};
use crate::verify::{verify, VerifyOptions};
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
    #[arg(long, default_value_t = crate::verify::DEFAULT_MAX_CRASH_POINTS)]
    pub max_crash_points: usize,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(args: VerifyArgs, ctx: &Context) -> Result<i32> {
    let options = options(&args, ctx)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the async runtime: {e}")))?;
    let report = runtime.block_on(verify(&options))?;
    let mut out = anstream::stdout().lock();
    crate::output::write_report(&report, args.report.format, &mut out, ctx.color)
        .or_else(crate::output::ignore_broken_pipe)
        .map_err(|e| Error::Other(format!("cannot write the report: {e}")))?;
    // Unknown is not pass: an unproven part fails the run unless unknowns are allowed.
    Ok(ctx
        .gate(Stage::Verify, &args.report.gate)
        .exit_code(&report.findings))
}

/// Flags first, then `preflight.toml`.
fn options(args: &VerifyArgs, ctx: &Context) -> Result<VerifyOptions> {
    let config = &ctx.config;
    let dev_url = match &args.dev_url {
        Some(url) => url.clone(),
        None => config
            .url_from_env("dev_url_env", config.migrations.dev_url_env.as_deref())?
            .ok_or_else(|| {
                Error::Usage(
                    "verify needs a dev server: pass --dev-url (or PREFLIGHT_DEV_URL), or name its variable in [migrations] dev_url_env".into(),
                )
            })?,
    };
    let migrations_dir =
        match (&args.migrations, &config.migrations.dir) {
            (Some(dir), _) => dir.clone(),
            (None, Some(_)) => config.migrations_dir()?.unwrap_or_default(),
            (None, None) => return Err(Error::Usage(
                "verify needs the migrations directory: pass --migrations or set [migrations] dir"
                    .into(),
            )),
        };
    Ok(VerifyOptions {
        dev_url,
        migrations_dir,
        dialect: config.migrations.dialect,
        max_crash_points: args.max_crash_points,
        layout: crate::verify::configured_layout(config)?,
    })
}
