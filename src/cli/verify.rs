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
    /// The tool that applies the migrations (sqlx, flyway, golang-migrate, goose, dbmate,
    /// prisma, diesel, refinery, atlas, generic): which files it runs, in which order, and
    /// whether a crash rolls a file back (then the file has no crash points to try).
    /// Default: `[migrations] tracker`, else the tool whose layout the directory has (as
    /// lint detects it); when none is known, every crash point is tried.
    #[arg(long, value_name = "NAME")]
    pub tracker: Option<String>,
    /// How the runner applies each file, for a runner preflight does not model (a hand-rolled
    /// one, `generic`): `file-transaction` (a crash rolls the file back, so only the re-apply
    /// is a retry) or `statement-by-statement` (every crash point). Default: `[migrations]
    /// apply_model`, else the tool's own model. MySQL and MariaDB commit DDL implicitly: there
    /// every crash point is tried whatever is declared.
    #[arg(long, value_enum, value_name = "MODEL")]
    pub apply_model: Option<crate::runner::ApplyModel>,
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
    let runner = crate::verify::runner(&options);
    if runner.tool.is_none() && runner.declared.is_none() && !ctx.quiet {
        crate::say!("{}", crate::runner::UNKNOWN_TOOL_NOTE);
    }
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
        layout: match &args.tracker {
            Some(name) if !name.eq_ignore_ascii_case("auto") => Some(
                crate::layout::Layout::from_name(name)
                    .ok_or_else(|| crate::reconcile::trackers::unknown_flag(name))?,
            ),
            Some(_) => None,
            None => crate::verify::configured_layout(config)?,
        },
        apply_model: args.apply_model.or(config.migrations.apply_model),
    })
}
