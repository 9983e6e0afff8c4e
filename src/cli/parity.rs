//! `preflight snapshot` and `preflight parity`.

use super::{Context, ReportArgs};
use crate::diagnostics::Stage;
use crate::error::{exit, Error, Result};
use crate::output::write_report;
use crate::parity::{describe_output, parity, ParityOptions};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The environment (a `[environments.NAME]` table of preflight.toml).
    #[arg(long)]
    pub env: String,
    /// Write here instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub timeout: TimeoutArg,
}

/// `--timeout`, shared by `snapshot` and `parity`.
#[derive(Debug, Args)]
pub struct TimeoutArg {
    /// Seconds the live AWS reads may take in all (default: `[parity] timeout`, else 300); what is not read by then is reported as unknown.
    #[arg(long = "timeout", value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub seconds: Option<u64>,
}

impl TimeoutArg {
    fn or_config(&self, ctx: &Context) -> Option<Duration> {
        self.seconds
            .or(ctx.config.parity.timeout)
            .map(Duration::from_secs)
    }
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
    pub timeout: TimeoutArg,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run_snapshot(args: SnapshotArgs, ctx: &Context) -> Result<i32> {
    let mut options = ParityOptions::from_config(&ctx.config)?;
    options.select(std::slice::from_ref(&args.env), &config_path(ctx))?;
    let Some(source) = options.environments.first() else {
        return Err(Error::Usage(format!("no environment `{}`", args.env)));
    };
    let timeout = args.timeout.or_config(ctx);
    let snapshot =
        runtime()?.block_on(crate::parity::take_snapshot(source, !ctx.quiet, timeout))?;
    let json = snapshot.to_json();
    match &args.output {
        Some(path) => std::fs::write(path, json).map_err(|e| Error::io(path, e))?,
        // `preflight snapshot … | head` closes stdout early: that ends the output, not the run.
        None => std::io::stdout()
            .write_all(json.as_bytes())
            .or_else(crate::output::ignore_broken_pipe)
            .map_err(|e| Error::Other(format!("stdout: {e}")))?,
    }
    let failed = snapshot.failed_reads();
    if ctx.verbose {
        crate::say!(
            "snapshot of {}: {} service(s), {} secret(s), {} role(s), {} failed read(s); written to {}",
            args.env,
            snapshot.services.len(),
            snapshot.secrets.len(),
            snapshot.roles.len(),
            failed.len(),
            describe_output(args.output.as_ref())
        );
    }
    // An incomplete snapshot is still written (parity reports each gap as unknown), but the
    // user hears of it now rather than at the next parity run.
    if !ctx.quiet && !failed.is_empty() {
        crate::say!(
            "warning: snapshot of {}: {} read(s) failed, parity will report them as unknown; first: {}",
            args.env,
            failed.len(),
            failed[0]
        );
    }
    Ok(exit::OK)
}

pub fn run_parity(args: ParityArgs, ctx: &Context) -> Result<i32> {
    let mut options = ParityOptions::from_config(&ctx.config)?;
    options.select(&args.envs, &config_path(ctx))?;
    options.verify_secret_keys = args.verify_secret_keys;
    options.simulate = args.simulate;
    options.timeout = args.timeout.or_config(ctx);
    // Drawn only when stderr is a terminal, whatever the format of stdout.
    options.progress = !ctx.quiet;
    let report = runtime()?.block_on(parity(&options))?;
    let mut out = std::io::stdout().lock();
    write_report(&report, args.report.format, &mut out, ctx.color)
        .or_else(crate::output::ignore_broken_pipe)
        .map_err(|e| Error::Other(format!("stdout: {e}")))?;
    Ok(ctx
        .gate(Stage::Parity, &args.report.gate)
        .exit_code(&report.findings))
}

fn config_path(ctx: &Context) -> PathBuf {
    ctx.config
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::config::FILE_NAME))
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("could not start the async runtime: {e}")))
}
