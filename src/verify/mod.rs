//! `preflight verify`: proves migrations are retry-safe by replaying them on a scratch database
//! created on a dev server, and always dropped afterwards.
//!
//! * `plan`: the migration files in order, split into statements by the `sql` module.
//! * `server`: the dev server and the scratch-database guard.
//! * `session`: one connection: run a statement, dump the catalog.
//! * `catalog`: the catalog fingerprint queries and their diff.
//! * `prover`: the proof itself (savepoints on PostgreSQL, fresh databases on MySQL/MariaDB).
//! * `outcome`, `report`, `rules`: results, and their findings (VF1xx) and table.

mod catalog;
mod outcome;
pub mod plan;
mod prover;
mod report;
mod rules;
mod server;
mod session;

pub use rules::RULES;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::layout::{Discovered, Layout};
use crate::output::Report;
use crate::runner::{ApplyModel, Runner};
use crate::sql::Dialect;
use server::Server;
use std::path::{Path, PathBuf};

/// Default bound on crash points per migration on MySQL/MariaDB (each needs a fresh database).
pub const DEFAULT_MAX_CRASH_POINTS: usize = 50;

#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// A server preflight may create scratch databases on. The URL's own database is never written.
    pub dev_url: String,
    pub migrations_dir: PathBuf,
    /// The dialect the files are written in; defaults to the server's.
    pub dialect: Option<Dialect>,
    /// Crash points tried per migration on engines without transactional DDL.
    pub max_crash_points: usize,
    /// The migration tool whose layout the directory follows (`[migrations] tracker`);
    /// `None` detects it from the directory, as reconcile does.
    pub layout: Option<Layout>,
    /// How the runner applies each file (`--apply-model`, `[migrations] apply_model`), for a
    /// runner preflight does not model. With `layout` set, the tool's own model decides the
    /// rest (`crate::runner`); with neither, every crash point is tried. A file applied in one
    /// transaction (on PostgreSQL) has no crash points: a crash rolls all of it back.
    pub apply_model: Option<ApplyModel>,
}

impl VerifyOptions {
    /// From `preflight.toml`: the dev URL from the variable named by `[migrations] dev_url_env`,
    /// the directory from `[migrations] dir`.
    pub fn from_config(config: &Config) -> Result<VerifyOptions> {
        let config_path = config
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(crate::config::FILE_NAME));
        let dev_url = config
            .url_from_env("dev_url_env", config.migrations.dev_url_env.as_deref())?
            .ok_or_else(|| {
                Error::config(
                    &config_path,
                    "[migrations] dev_url_env is not set: name the environment variable that holds the dev server URL (or pass --dev-url)",
                )
            })?;
        let dir = config.migrations.dir.as_deref().ok_or_else(|| {
            Error::config(
                &config_path,
                "[migrations] dir is not set: name the migrations directory (or pass --migrations)",
            )
        })?;
        Ok(VerifyOptions {
            dev_url,
            migrations_dir: config.resolve(dir),
            dialect: config.migrations.dialect,
            max_crash_points: DEFAULT_MAX_CRASH_POINTS,
            layout: configured_layout(config)?,
            apply_model: config.migrations.apply_model,
        })
    }
}

/// The runner whose apply model decides the crash points: the configured tool, else the one
/// tool whose layout the directory has (as lint detects it), with the declared apply model.
/// Unknown tries every crash point.
pub fn runner(options: &VerifyOptions) -> Runner {
    match options.layout {
        Some(layout) => Runner::named(layout.name()).unwrap_or(Runner::UNKNOWN),
        None => Runner::detect(&options.migrations_dir),
    }
    .declaring(options.apply_model)
}

/// Runs the proof. Errors (bad URL, unreachable server, no permission to create databases,
/// unreadable files, Ctrl-C) stop it; failed proofs are findings.
pub async fn verify(options: &VerifyOptions) -> Result<Report> {
    let server = Server::from_url(&options.dev_url)?;
    let dialect = options.dialect.unwrap_or(server.dialect());
    if dialect.is_mysql_family() != server.dialect().is_mysql_family() || dialect == Dialect::Sqlite
    {
        return Err(Error::Usage(format!(
            "the migrations are {dialect} but --dev-url is a {} server; verify must run them on the engine they are written for",
            server.dialect()
        )));
    }
    let sources = migration_files(&options.migrations_dir, options.layout)?;
    let runner = runner(options);
    let work = prove(&server, dialect, sources, runner, options.max_crash_points);
    tokio::select! {
        report = work => report,
        Ok(()) = tokio::signal::ctrl_c() => Err(Error::Other(
            "interrupted (Ctrl-C): the proof stopped and its scratch databases were dropped".into(),
        )),
    }
}

/// The layout `[migrations] tracker` names; `None` for `auto` or unset.
pub fn configured_layout(config: &Config) -> Result<Option<Layout>> {
    match config.migrations.tracker.as_deref() {
        None => Ok(None),
        Some(name) if name.eq_ignore_ascii_case("auto") => Ok(None),
        Some(name) => Layout::from_name(name).map(Some).ok_or_else(|| {
            let config_path = config
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from(crate::config::FILE_NAME));
            Error::config(
                &config_path,
                format!(
                    "[migrations] tracker: {}",
                    crate::reconcile::trackers::unknown_name(name)
                ),
            )
        }),
    }
}

/// The files a run applies, in order, each with its "up" part: the same layout model as
/// reconcile's, so both replay the same statements.
pub fn migration_files(dir: &Path, layout: Option<Layout>) -> Result<Discovered> {
    if !dir.is_dir() {
        return Err(Error::input(
            dir,
            "is not a directory; pass the migrations directory with --migrations or set [migrations] dir",
        ));
    }
    let layout = layout.unwrap_or_else(|| Layout::detect(dir));
    let mut discovered = layout.discover(dir)?;
    // The scratch database has no revisions: Atlas starts it at its last checkpoint.
    discovered.start_at_checkpoint(None);
    if discovered.files.is_empty() {
        // A wrong path must not pass the gate as "nothing to prove".
        return Err(Error::input(dir, "contains no migration files (*.sql)"));
    }
    Ok(discovered)
}

async fn prove(
    server: &Server,
    dialect: Dialect,
    sources: Discovered,
    runner: Runner,
    max_crash_points: usize,
) -> Result<Report> {
    let started = std::time::Instant::now();
    let database = server::ScratchDatabase::create(server).await?;
    let create_time = started.elapsed();
    let mut session = database.connect().await?;
    let server_version = session.server_version().await?;
    let migrations: Vec<plan::Migration> = sources
        .files
        .into_iter()
        .map(|file| {
            let mut migration = plan::plan(file.source, file.up, dialect, server_version);
            let model = runner.model(dialect, &migration.source);
            migration.apply_in(model, dialect);
            migration
        })
        .collect();
    let run = prover::Prover::new(server, &migrations, max_crash_points, (database, session))
        .run()
        .await?;
    let mut report = report::build(&migrations, &run.proofs, server.dialect());
    if !sources.ignored.is_empty() {
        // Not a migration for the tool: never run, and said so rather than skipped silently.
        report.json_extra.insert(
            "ignored_files".into(),
            serde_json::json!(sources
                .ignored
                .iter()
                .map(|i| serde_json::json!({"path": i.path, "reason": i.reason}))
                .collect::<Vec<_>>()),
        );
    }
    report.json_extra.insert(
        "scratch_databases".into(),
        serde_json::json!({
            "server": server.describe(),
            "created_and_dropped": run.scratch_databases,
        }),
    );
    // Where the time went: CREATE/DROP DATABASE are the server's cost, not the proof's.
    report.json_extra.insert(
        "timings_ms".into(),
        serde_json::json!({
            "create_database": create_time.as_millis(),
            "proof": run.proof_time.as_millis(),
            "drop_database": run.drop_time.as_millis(),
        }),
    );
    Ok(report)
}
