//! `preflight check` and `preflight completions`.

use super::{Context, GateArgs};
use crate::check::{self, CheckOptions, Progress};
use crate::config::Stage;
use crate::error::{Error, Result};
use crate::output::{Destination, Format, ReportTarget};
use clap::Args;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Reports to write: `human`, `json=FILE`, `sarif=FILE`, `markdown=FILE`, `html=FILE` (repeatable; `-` is stdout).
    #[arg(long = "report", value_name = "KIND[=FILE]")]
    pub reports: Vec<String>,
    /// Only these stages (default: `[check] stages`, else every configured stage).
    #[arg(long = "stage", value_enum)]
    pub stages: Vec<Stage>,
    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

pub fn run(args: CheckArgs, ctx: &Context) -> Result<i32> {
    let targets = ReportTarget::parse_all(&args.reports)?;
    let options = CheckOptions {
        stages: args.stages,
        gate: args.gate.flags(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the async runtime: {e}")))?;
    let verbose = ctx.verbose;
    let mut on_progress = |event: Progress<'_>| {
        if !verbose {
            return;
        }
        match event {
            Progress::Started(stage) => crate::say!("{}: running", check::stage_name(stage)),
            Progress::Finished(r) => {
                crate::say!("{}: {} in {} ms", r.stage, r.status.word(), r.duration_ms)
            }
        }
    };
    let mut report = runtime.block_on(check::check(&ctx.config, &options, &mut on_progress))?;
    if ctx.quiet {
        // --quiet: findings and the verdict only.
        report.tables.clear();
    }
    for target in &targets {
        target.write(&report, ctx.color)?;
    }
    let verdict = report
        .verdict
        .as_ref()
        .ok_or_else(|| Error::Other("the gate produced no verdict".into()))?;
    let human_on_stdout = targets
        .iter()
        .any(|t| t.format == Format::Human && t.destination == Destination::Stdout);
    if !human_on_stdout && !ctx.quiet {
        // Machine-readable stdout stays clean; the one-line verdict goes to stderr.
        crate::say!("{}", verdict.line());
    }
    Ok(verdict.exit_code())
}

pub fn run_completions(args: CompletionsArgs) -> Result<i32> {
    use clap::CommandFactory;
    use std::io::Write;
    let mut cmd = super::Cli::command();
    // clap_complete panics when its writer fails: it writes to memory, and a closed stdout
    // (`preflight completions bash | head`) ends the output as for every other command.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "preflight", &mut script);
    std::io::stdout()
        .write_all(&script)
        .or_else(crate::output::ignore_broken_pipe)
        .map_err(|e| Error::Other(format!("stdout: {e}")))?;
    Ok(0)
}
