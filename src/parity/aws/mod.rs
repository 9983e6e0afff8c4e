//! The live reader: one environment's ECS services, task definitions, referenced secrets and
//! parameters (metadata only), KMS keys and IAM roles, read through the standard AWS
//! configuration (`AWS_PROFILE`, `AWS_REGION`, `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`,
//! `AWS_ENDPOINT_URL`, …) plus the environment's `aws_profile`, `region` and `role_arn`.
//!
//! Read-only: only Describe/List/Get calls. Calls run concurrently with a bound, the SDK retries
//! throttling with backoff, and the number of calls grows linearly with the number of services.
//! GetSecretValue is called only with `--verify-secret-keys`, and then the value is parsed to
//! check one JSON key and dropped at once.
//!
//! Modules: `ecs` (services, the task definitions they run and, for `memberOf` placement
//! constraints outside Fargate, the cluster's container instances), `secrets` (Secrets Manager,
//! SSM and KMS metadata, `--verify-secret-keys`), `iam` (roles and their policies,
//! `--simulate`), `rds` (the database's connection limit and the services' scaling ranges,
//! for capacity), `ecr` (images: repository, tag, policy, manifest architectures), `logs`
//! (awslogs groups) and `environment_files` (S3 HeadObject of `environmentFiles`).

mod ecr;
mod ecs;
mod environment_files;
mod iam;
mod logs;
mod rds;
mod secrets;

pub use iam::simulate;

use super::snapshot::{Snapshot, Unreadable};
use crate::config::EnvironmentConfig;
use crate::error::{Error, Result};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::http::HttpResponse;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::stream::{self, StreamExt};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::future::Future;
use std::time::Duration;

/// How the live reader behaves.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Read secret values only to check that referenced JSON keys exist.
    pub verify_secret_keys: bool,
    /// Draw a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
    /// At most this many AWS calls in flight.
    pub concurrency: usize,
    /// Attempts per call, retried with backoff on throttling and transient errors, unless
    /// `AWS_MAX_ATTEMPTS`/`AWS_RETRY_MODE` or the profile's `max_attempts`/`retry_mode` say otherwise.
    pub max_attempts: u32,
    /// When every read must be over (`--timeout`): calls still running then fail as timed out
    /// (their resources become unknowns), and later calls fail at once.
    pub deadline: Option<tokio::time::Instant>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            verify_secret_keys: false,
            progress: false,
            concurrency: 8,
            max_attempts: 5,
            deadline: None,
        }
    }
}

/// Error codes that mean "this does not exist" (as opposed to "could not be read").
pub(super) const NOT_FOUND_CODES: &[&str] = &[
    "ResourceNotFoundException",
    "NotFoundException",
    "NoSuchEntity",
    "NoSuchEntityException",
    "ParameterNotFound",
];

/// Why a call failed: the thing is absent, or it could not be read (reported as unknown).
pub(super) enum Failure {
    NotFound,
    Unreadable(String),
}

pub(super) fn classify<E>(err: &aws_sdk_sts::error::SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_sts::error::SdkError;
    match err {
        SdkError::ServiceError(_) => match err.code() {
            Some(code) if NOT_FOUND_CODES.contains(&code) => Failure::NotFound,
            Some(code) => Failure::Unreadable(match err.message() {
                Some(message) => one_line(&format!("{code}: {message}")),
                None => code.to_string(),
            }),
            None => Failure::Unreadable(match err.raw_response() {
                Some(raw) => format!("HTTP {} without an AWS error code", raw.status().as_u16()),
                None => "an error without an AWS error code".into(),
            }),
        },
        SdkError::TimeoutError(_) => Failure::Unreadable("timed out".into()),
        SdkError::DispatchFailure(d) if d.is_timeout() => Failure::Unreadable("timed out".into()),
        SdkError::DispatchFailure(_) => Failure::Unreadable(format!(
            "could not reach the endpoint: {}",
            one_line(&DisplayErrorContext(err).to_string())
        )),
        SdkError::ResponseError(_) => Failure::Unreadable("the response could not be read".into()),
        _ => Failure::Unreadable(one_line(&DisplayErrorContext(err).to_string())),
    }
}

pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn describe<E>(err: &aws_sdk_sts::error::SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match classify(err) {
        Failure::NotFound => "not found".into(),
        Failure::Unreadable(why) => why,
    }
}

pub(super) struct Clients {
    pub(super) ecs: aws_sdk_ecs::Client,
    pub(super) secrets: aws_sdk_secretsmanager::Client,
    pub(super) ssm: aws_sdk_ssm::Client,
    pub(super) kms: aws_sdk_kms::Client,
    pub(super) iam: aws_sdk_iam::Client,
    pub(super) sts: aws_sdk_sts::Client,
    pub(super) rds: aws_sdk_rds::Client,
    pub(super) autoscaling: aws_sdk_applicationautoscaling::Client,
    pub(super) ecr: aws_sdk_ecr::Client,
    pub(super) logs: aws_sdk_cloudwatchlogs::Client,
    pub(super) s3: aws_sdk_s3::Client,
}

/// The SDK configuration of one environment: the standard chain, narrowed by the environment's
/// profile and region, then the role to assume if it names one.
///
/// Retries: standard mode with `options.max_attempts`, unless `AWS_MAX_ATTEMPTS`/`AWS_RETRY_MODE`
/// or the profile's `max_attempts`/`retry_mode` set them. Timeouts (the SDK's `TimeoutConfig`):
/// [`CONNECT_TIMEOUT`], [`ATTEMPT_TIMEOUT`] per attempt and [`OPERATION_TIMEOUT`] per call with
/// its retries; with a deadline, the SDK's clock stops there (see `DeadlineSleep`).
pub async fn sdk_config(config: &EnvironmentConfig, options: &ReadOptions) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let loader = |retry: Option<RetryConfig>| {
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts.clone());
        if let Some(retry) = retry {
            loader = loader.retry_config(retry);
        }
        if let Some(deadline) = options.deadline {
            loader = loader.sleep_impl(DeadlineSleep { deadline });
        }
        if let Some(profile) = &config.aws_profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &config.region {
            loader = loader.region(Region::new(region.clone()));
        }
        loader
    };
    let mut base = loader(None).load().await;
    // What the environment and the profile chose, or the SDK's default (standard, 3 attempts),
    // which preflight raises: a large account's reads meet throttling. (A profile that says
    // exactly `max_attempts = 3` looks like the default; AWS_MAX_ATTEMPTS=3 is honoured.)
    let resolved = base
        .retry_config()
        .cloned()
        .unwrap_or_else(RetryConfig::standard);
    let from_environment = ["AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    let retry = if resolved == RetryConfig::standard() && !from_environment {
        RetryConfig::standard().with_max_attempts(options.max_attempts.max(1))
    } else {
        resolved
    };
    if Some(&retry) != base.retry_config() {
        base = base.to_builder().retry_config(retry.clone()).build();
    }
    let Some(role_arn) = &config.role_arn else {
        return base;
    };
    let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name("preflight-parity")
        .configure(&base)
        .build()
        .await;
    loader(Some(retry))
        .credentials_provider(provider)
        .load()
        .await
}

/// Time allowed to open a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for one attempt of a call (a slow answer is then retried).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// Time allowed for one call, retries and backoff included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// The SDK's sleep (retry backoff, attempt and operation timeouts), cut short at the deadline:
/// from then on every timeout has expired, so a call in flight ends as timed out and a new one
/// fails at once; no backoff outlasts it. The reader's error handling then records each
/// resource as unreadable, exactly as for any other timeout.
#[derive(Debug, Clone)]
struct DeadlineSleep {
    deadline: tokio::time::Instant,
}

impl aws_smithy_async::rt::sleep::AsyncSleep for DeadlineSleep {
    fn sleep(&self, duration: Duration) -> aws_smithy_async::rt::sleep::Sleep {
        let wake = (tokio::time::Instant::now() + duration).min(self.deadline);
        aws_smithy_async::rt::sleep::Sleep::new(tokio::time::sleep_until(wake))
    }
}

pub(super) fn clients(sdk: &SdkConfig) -> Clients {
    Clients {
        ecs: aws_sdk_ecs::Client::new(sdk),
        secrets: aws_sdk_secretsmanager::Client::new(sdk),
        ssm: aws_sdk_ssm::Client::new(sdk),
        kms: aws_sdk_kms::Client::new(sdk),
        iam: aws_sdk_iam::Client::new(sdk),
        sts: aws_sdk_sts::Client::new(sdk),
        rds: aws_sdk_rds::Client::new(sdk),
        autoscaling: aws_sdk_applicationautoscaling::Client::new(sdk),
        ecr: aws_sdk_ecr::Client::new(sdk),
        logs: aws_sdk_cloudwatchlogs::Client::new(sdk),
        s3: aws_sdk_s3::Client::new(sdk),
    }
}

/// Runs `work` over `items` with at most `limit` in flight, advancing the progress bar.
pub(super) async fn bounded<I, T, F, Fut>(
    items: I,
    limit: usize,
    bar: &ProgressBar,
    work: F,
) -> Vec<T>
where
    I: IntoIterator,
    F: Fn(I::Item) -> Fut,
    Fut: Future<Output = T>,
{
    let items: Vec<I::Item> = items.into_iter().collect();
    bar.inc_length(items.len() as u64);
    stream::iter(items.into_iter().map(|item| {
        let fut = work(item);
        async move {
            let out = fut.await;
            bar.inc(1);
            out
        }
    }))
    .buffer_unordered(limit.max(1))
    .collect()
    .await
}

pub(super) fn progress_bar(name: &str, wanted: bool) -> ProgressBar {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    if !wanted || !terminal {
        return ProgressBar::hidden();
    }
    // Environments are read concurrently: their bars share the terminal, one line each.
    static BARS: std::sync::OnceLock<MultiProgress> = std::sync::OnceLock::new();
    let bars = BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
    let bar = bars.add(ProgressBar::new(0));
    if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} AWS calls") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(format!("reading {name}"));
    bar
}

/// Reads one environment from live AWS.
pub async fn read_environment(
    name: &str,
    config: &EnvironmentConfig,
    options: &ReadOptions,
) -> Result<Snapshot> {
    let Some(cluster) = config.cluster.clone() else {
        return Err(Error::Usage(format!(
            "[environments.{name}] needs `cluster` to be read from AWS"
        )));
    };
    let sdk = sdk_config(config, options).await;
    let c = clients(&sdk);
    let bar = progress_bar(name, options.progress);
    let limit = options.concurrency;
    let mut snap = Snapshot::new(name);
    snap.region = sdk.region().map(|r| r.to_string());
    snap.cluster = Some(cluster.clone());
    if snap.region.is_none() {
        return Err(Error::Usage(format!(
            "[environments.{name}]: no AWS region; set `region` there, or AWS_REGION, or a region in the profile"
        )));
    }

    match c.sts.get_caller_identity().send().await {
        Ok(out) => snap.account_id = out.account().map(str::to_string),
        Err(err) => snap.unreadable.push(Unreadable {
            operation: "sts:GetCallerIdentity".into(),
            resource: name.to_string(),
            error: describe(&err),
        }),
    }

    let service_names = match ecs::service_names(&c, &cluster, config).await {
        Ok(names) => names,
        Err(error) => {
            snap.unreadable.push(Unreadable {
                operation: "ecs:ListServices".into(),
                resource: cluster.clone(),
                error,
            });
            bar.finish_and_clear();
            return Ok(snap);
        }
    };
    ecs::read_services(&c, &cluster, &service_names, limit, &bar, &mut snap).await;
    ecs::read_task_definitions(&c, limit, &bar, &mut snap).await;
    ecs::read_container_instances(&c, &cluster, limit, &bar, &mut snap).await;
    if snap.account_id.is_none() {
        snap.account_id = snap
            .services
            .iter()
            .find_map(|s| s.task_definition_arn.split(':').nth(4).map(str::to_string));
    }
    secrets::read_secrets(&c, limit, &bar, &mut snap).await;
    secrets::read_parameters(&c, limit, &bar, &mut snap).await;
    // Images before keys: a repository may be encrypted with a key of its own.
    ecr::read_images(&c, limit, &bar, &mut snap).await;
    secrets::read_keys(&c, limit, &bar, &mut snap).await;
    iam::read_roles(&c, limit, &bar, &mut snap).await;
    logs::read_log_groups(&c, limit, &bar, &mut snap).await;
    environment_files::read_environment_files(&c, limit, &bar, &mut snap).await;
    if options.verify_secret_keys {
        secrets::verify_secret_keys(&c, limit, &bar, &mut snap).await;
    }
    if let Some(db) = &config.database {
        rds::read_capacity(&c, &cluster, db, &bar, &mut snap).await;
    }
    bar.finish_and_clear();
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn bounded_keeps_at_most_the_limit_in_flight() {
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let bar = ProgressBar::hidden();
        let out = bounded(0..20, 3, &bar, |i| {
            let (in_flight, peak) = (&in_flight, &peak);
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                i * 2
            }
        })
        .await;
        let mut out = out;
        out.sort();
        assert_eq!(out, (0..20).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 3);
        assert_eq!(bar.position(), 20);
    }
}
