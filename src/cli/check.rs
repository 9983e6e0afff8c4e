//! `preflight check` and `preflight completions`.

use super::Context;
use crate::config::Stage;
use crate::diagnostics::FailOn;
use crate::error::{Error, Result};
use clap::Args;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Reports to write: `human`, `json=FILE`, `sarif=FILE`, `markdown=FILE`, `html=FILE` (repeatable; `-` is stdout).
    #[arg(long = "report", value_name = "KIND[=FILE]")]
    pub reports: Vec<String>,
    /// Only these stages (default: every configured stage).
    #[arg(long = "stage", value_enum)]
    pub stages: Vec<Stage>,
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

pub fn run(_args: CheckArgs, _ctx: &Context) -> Result<i32> {
    Err(Error::Usage("`preflight check` is being built".into()))
}

pub fn run_completions(args: CompletionsArgs) -> Result<i32> {
    use clap::CommandFactory;
    let mut cmd = super::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "preflight", &mut std::io::stdout());
    Ok(0)
}
