//! The seam between the gate and the stage libraries: which settings each stage needs, and a
//! runner per stage that builds that stage's `Report` from the configuration.

use crate::config::{Config, Stage};
use crate::error::{Error, Result};
use crate::output::Report;
use crate::{lint, parity, reconcile, verify};
use futures::future::LocalBoxFuture;
use std::path::{Path, PathBuf};

/// Runs one stage of the gate.
pub trait StageRunner {
    fn stage(&self) -> Stage;
    fn run<'a>(&'a self, config: &'a Config) -> LocalBoxFuture<'a, Result<Report>>;
}

pub fn stage_name(stage: Stage) -> &'static str {
    stage.name()
}

/// The setting a stage needs that `config` lacks, or `None` when the stage can run.
pub fn missing_configuration(stage: Stage, config: &Config) -> Option<String> {
    let m = &config.migrations;
    match stage {
        Stage::Lint if m.dir.is_none() => Some("`[migrations] dir` is not set".into()),
        Stage::Reconcile if m.dir.is_none() => Some("`[migrations] dir` is not set".into()),
        Stage::Reconcile if m.database_url_env.is_none() => {
            Some("`[migrations] database_url_env` is not set".into())
        }
        Stage::Verify if m.dir.is_none() => Some("`[migrations] dir` is not set".into()),
        Stage::Verify if m.dev_url_env.is_none() => {
            Some("`[migrations] dev_url_env` is not set".into())
        }
        Stage::Parity if config.environments.is_empty() => {
            Some("no `[environments.NAME]` section".into())
        }
        _ => None,
    }
}

/// preflight's own stages.
pub fn default_runners() -> Vec<Box<dyn StageRunner>> {
    vec![
        Box::new(LintStage),
        Box::new(ReconcileStage),
        Box::new(VerifyStage),
        Box::new(ParityStage),
    ]
}

/// `[migrations] dir` resolved against the config file, shown relative to the current directory
/// when it is inside it (so SARIF and GitHub annotations get repository-relative paths).
fn migrations_dir(config: &Config) -> Result<Option<PathBuf>> {
    Ok(config.migrations_dir()?.map(|dir| relative_to_cwd(&dir)))
}

/// `path` relative to the current directory when it is inside it, else unchanged.
pub(super) fn relative_to_cwd(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| path.to_path_buf())
}

struct LintStage;

impl StageRunner for LintStage {
    fn stage(&self) -> Stage {
        Stage::Lint
    }

    fn run<'a>(&'a self, config: &'a Config) -> LocalBoxFuture<'a, Result<Report>> {
        Box::pin(async move {
            let options = lint::LintOptions::from_config(config)?;
            let dir = migrations_dir(config)?.ok_or_else(|| {
                Error::config(
                    config
                        .path
                        .as_deref()
                        .unwrap_or(Path::new(crate::config::FILE_NAME)),
                    "[migrations] dir is not set",
                )
            })?;
            lint::lint_paths(&[dir], &options)
        })
    }
}

struct ReconcileStage;

impl StageRunner for ReconcileStage {
    fn stage(&self) -> Stage {
        Stage::Reconcile
    }

    fn run<'a>(&'a self, config: &'a Config) -> LocalBoxFuture<'a, Result<Report>> {
        Box::pin(async move {
            let mut options = reconcile::ReconcileOptions::from_config(config)?;
            if let Some(dir) = migrations_dir(config)? {
                options.migrations_dir = dir;
            }
            reconcile::reconcile(&options).await
        })
    }
}

struct VerifyStage;

impl StageRunner for VerifyStage {
    fn stage(&self) -> Stage {
        Stage::Verify
    }

    fn run<'a>(&'a self, config: &'a Config) -> LocalBoxFuture<'a, Result<Report>> {
        Box::pin(async move {
            let mut options = verify::VerifyOptions::from_config(config)?;
            if let Some(dir) = migrations_dir(config)? {
                options.migrations_dir = dir;
            }
            verify::verify(&options).await
        })
    }
}

struct ParityStage;

impl StageRunner for ParityStage {
    fn stage(&self) -> Stage {
        Stage::Parity
    }

    fn run<'a>(&'a self, config: &'a Config) -> LocalBoxFuture<'a, Result<Report>> {
        Box::pin(async move {
            let options = parity::ParityOptions::from_config(config)?;
            parity::parity(&options).await
        })
    }
}
