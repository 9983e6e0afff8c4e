//! The command line: a thin layer that parses arguments, loads `preflight.toml`, calls the
//! library, renders the report and picks the exit code.

pub mod check;
pub mod lint;
pub mod parity;
pub mod reconcile;
pub mod verify;

use crate::config::Config;
use crate::diagnostics::{FailOn, Stage};
use crate::error::{exit, Error, Result};
use crate::gate::{Gate, GateFlags};
use crate::output::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "preflight",
    version,
    about = "Says, with evidence, whether a deploy is safe: SQL migrations, migration trackers, live schemas and environment parity.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file (default: preflight.toml found by walking up from the current directory).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to use colours (NO_COLOR is honoured under `auto`).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only findings and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print what is being checked as it happens.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Options shared by every command that reports findings.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub gate: GateArgs,
}

/// The gate's settings on the command line; they override preflight.toml.
#[derive(Debug, Clone, Args)]
pub struct GateArgs {
    /// Exit 1 when a finding of at least this severity is reported (default: the command's section of preflight.toml, else `[check] fail_on`, else error).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Let findings that could not be checked (`unknown`) pass; by default they fail the run, whatever `--fail-on` says.
    #[arg(long)]
    pub allow_unknown: bool,
}

impl GateArgs {
    pub fn flags(&self) -> GateFlags {
        GateFlags {
            fail_on: self.fail_on,
            allow_unknown: self.allow_unknown,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check SQL migrations for statements that fail or do damage when a deploy is retried.
    Lint(lint::LintArgs),
    /// Rewrite migrations to be retry-safe (IF NOT EXISTS, IF EXISTS, guarded blocks).
    Fix(lint::FixArgs),
    /// List every rule with its code, default severity and fix availability.
    Rules(lint::RulesArgs),
    /// Print the documentation of one rule.
    Explain(lint::ExplainArgs),
    /// Compare a migration tracker table with the live schema of a database.
    Reconcile(reconcile::ReconcileArgs),
    /// Prove migrations are retry-safe by replaying them in a scratch database.
    Verify(verify::VerifyArgs),
    /// Record an environment's ECS, Secrets Manager and IAM configuration as JSON (never secret values).
    Snapshot(parity::SnapshotArgs),
    /// Compare environments (live AWS or snapshots): variables, secrets, IAM, task definitions.
    Parity(parity::ParityArgs),
    /// The pre-deploy gate: lint, reconcile, verify and parity from preflight.toml.
    Check(check::CheckArgs),
    /// Print a shell completion script.
    Completions(check::CompletionsArgs),
}

/// What every command receives besides its own arguments.
pub struct Context {
    pub config: Config,
    pub color: bool,
    pub quiet: bool,
    pub verbose: bool,
}

impl Context {
    /// The gate of `stage`: the flags, else preflight.toml (see [`Gate::for_stage`]).
    pub fn gate(&self, stage: Stage, args: &GateArgs) -> Gate {
        Gate::for_stage(&self.config, stage, args.flags())
    }
}

/// Parses arguments, runs the command, and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            crate::say!("error: {e}");
            e.exit_code()
        }
    }
}

fn run(cli: Cli) -> Result<i32> {
    let color = match cli.global.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::IsTerminal::is_terminal(&std::io::stdout())
        }
    };
    let cwd =
        std::env::current_dir().map_err(|e| Error::Other(format!("current directory: {e}")))?;
    // `completions` and `rules`/`explain` need no configuration; a broken file must not block them.
    let needs_config = !matches!(
        cli.command,
        Command::Completions(_) | Command::Rules(_) | Command::Explain(_)
    );
    let config = if needs_config {
        Config::discover(cli.global.config.as_deref(), &cwd)?
    } else {
        Config::default()
    };
    let ctx = Context {
        config,
        color,
        quiet: cli.global.quiet,
        verbose: cli.global.verbose,
    };
    match cli.command {
        Command::Lint(args) => lint::run_lint(args, &ctx),
        Command::Fix(args) => lint::run_fix(args, &ctx),
        Command::Rules(args) => lint::run_rules(args, &ctx),
        Command::Explain(args) => lint::run_explain(args, &ctx),
        Command::Reconcile(args) => reconcile::run(args, &ctx),
        Command::Verify(args) => verify::run(args, &ctx),
        Command::Snapshot(args) => parity::run_snapshot(args, &ctx),
        Command::Parity(args) => parity::run_parity(args, &ctx),
        Command::Check(args) => check::run(args, &ctx),
        Command::Completions(args) => check::run_completions(args),
    }
}
