//! `preflight reconcile`.

use super::{Context, ReportArgs};
use crate::diagnostics::Stage;
use crate::error::{Error, Result};
use crate::output;
use crate::reconcile::{reconcile, ReconcileOptions};
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
    /// Schema whose objects are compared (PostgreSQL; default: the URL's schema= for Prisma,
    /// Flyway's defaultSchema, else the connection's current schema, usually public).
    #[arg(long)]
    pub schema: Option<String>,
    /// The tracker table the migration tool's own flags choose (goose -table, dbmate
    /// --migrations-table, Flyway -table/-schemas, Atlas --revisions-schema): NAME or
    /// SCHEMA.NAME, as the tool writes it. Default: `[migrations] tracker_table`.
    #[arg(long, value_name = "[SCHEMA.]NAME")]
    pub tracker_table: Option<String>,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub fn run(args: ReconcileArgs, ctx: &Context) -> Result<i32> {
    let options = ReconcileOptions::resolve(
        &ctx.config,
        args.database_url,
        args.migrations,
        args.tracker,
        args.schema,
        args.tracker_table,
    )?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the async runtime: {e}")))?;
    let report = runtime.block_on(reconcile(&options))?;
    if ctx.verbose {
        crate::say!("{}", run_summary(&report));
    }
    let mut stdout = std::io::stdout().lock();
    output::write_report(&report, args.report.format, &mut stdout, ctx.color)
        .or_else(output::ignore_broken_pipe)
        .map_err(|e| Error::Other(format!("writing the report: {e}")))?;
    Ok(ctx
        .gate(Stage::Reconcile, &args.report.gate)
        .exit_code(&report.findings))
}

/// One line for `--verbose`: what was compared and what it cost.
fn run_summary(report: &output::Report) -> String {
    let db = &report.json_extra["database"];
    let timings = report.json_extra["timings_ms"]
        .as_object()
        .map(|t| {
            t.iter()
                .map(|(phase, ms)| format!("{} {ms} ms", phase.replace('_', " ")))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    format!(
        "reconcile: {} tracker, {} migration files, {} live objects in {} ({}), {} queries; {timings}",
        db["tracker"].as_str().unwrap_or("?"),
        report.files_checked,
        db["objects"],
        db["url"].as_str().unwrap_or("?"),
        db["engine"].as_str().unwrap_or("?"),
        db["queries"],
    )
}
