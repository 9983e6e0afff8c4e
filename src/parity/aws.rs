//! The live reader: one environment's ECS services, task definitions, referenced secrets and
//! parameters (metadata only), KMS keys and IAM roles, read through the standard AWS
//! configuration (`AWS_PROFILE`, `AWS_REGION`, `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`,
//! `AWS_ENDPOINT_URL`, …) plus the environment's `aws_profile`, `region` and `role_arn`.
//!
//! Read-only: only Describe/List/Get calls. Calls run concurrently with a bound, the SDK retries
//! throttling with backoff, and the number of calls grows linearly with the number of services.
//! GetSecretValue is called only with `--verify-secret-keys`, and then the value is parsed to
//! check one JSON key and dropped at once.

use super::environment::Environment;
use super::permissions;
use super::reference::ValueFrom;
use super::rules::{finding, SIMULATION_DISAGREES};
use super::snapshot::*;
use super::EnvironmentSource;
use crate::config::EnvironmentConfig;
use crate::diagnostics::Finding;
use crate::error::{Error, Result};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::config::http::HttpResponse;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::stream::{self, StreamExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::{BTreeMap, BTreeSet};
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
    /// Attempts per call, retried with backoff on throttling and transient errors.
    pub max_attempts: u32,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            verify_secret_keys: false,
            progress: false,
            concurrency: 8,
            max_attempts: 5,
        }
    }
}

/// Error codes that mean "this does not exist" (as opposed to "could not be read").
const NOT_FOUND_CODES: &[&str] = &[
    "ResourceNotFoundException",
    "NotFoundException",
    "NoSuchEntity",
    "NoSuchEntityException",
    "ParameterNotFound",
];

/// Why a call failed: the thing is absent, or it could not be read (reported as unknown).
enum Failure {
    NotFound,
    Unreadable(String),
}

fn classify<E>(err: &aws_sdk_sts::error::SdkError<E, HttpResponse>) -> Failure
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

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn describe<E>(err: &aws_sdk_sts::error::SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match classify(err) {
        Failure::NotFound => "not found".into(),
        Failure::Unreadable(why) => why,
    }
}

struct Clients {
    ecs: aws_sdk_ecs::Client,
    secrets: aws_sdk_secretsmanager::Client,
    ssm: aws_sdk_ssm::Client,
    kms: aws_sdk_kms::Client,
    iam: aws_sdk_iam::Client,
    sts: aws_sdk_sts::Client,
}

/// The SDK configuration of one environment: the standard chain, narrowed by the environment's
/// profile and region, then the role to assume if it names one.
pub async fn sdk_config(config: &EnvironmentConfig, max_attempts: u32) -> SdkConfig {
    // AWS_MAX_ATTEMPTS / AWS_RETRY_MODE (or the profile's) win; otherwise standard mode with
    // `max_attempts`, which retries throttling with exponential backoff.
    let user_retry = ["AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    let retry = RetryConfig::standard().with_max_attempts(max_attempts.max(1));
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(20))
        .operation_timeout(Duration::from_secs(60))
        .build();
    let loader = || {
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts.clone());
        if !user_retry {
            loader = loader.retry_config(retry.clone());
        }
        if let Some(profile) = &config.aws_profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &config.region {
            loader = loader.region(Region::new(region.clone()));
        }
        loader
    };
    let base = loader().load().await;
    let Some(role_arn) = &config.role_arn else {
        return base;
    };
    let provider = aws_config::sts::AssumeRoleProvider::builder(role_arn)
        .session_name("preflight-parity")
        .configure(&base)
        .build()
        .await;
    loader().credentials_provider(provider).load().await
}

fn clients(sdk: &SdkConfig) -> Clients {
    Clients {
        ecs: aws_sdk_ecs::Client::new(sdk),
        secrets: aws_sdk_secretsmanager::Client::new(sdk),
        ssm: aws_sdk_ssm::Client::new(sdk),
        kms: aws_sdk_kms::Client::new(sdk),
        iam: aws_sdk_iam::Client::new(sdk),
        sts: aws_sdk_sts::Client::new(sdk),
    }
}

/// Runs `work` over `items` with at most `limit` in flight, advancing the progress bar.
async fn bounded<I, T, F, Fut>(items: I, limit: usize, bar: &ProgressBar, work: F) -> Vec<T>
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

fn progress_bar(name: &str, wanted: bool) -> ProgressBar {
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    if !wanted || !terminal {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
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
    let sdk = sdk_config(config, options.max_attempts).await;
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

    let service_names = match service_names(&c, &cluster, config).await {
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
    read_services(&c, &cluster, &service_names, limit, &bar, &mut snap).await;
    read_task_definitions(&c, limit, &bar, &mut snap).await;
    if snap.account_id.is_none() {
        snap.account_id = snap
            .services
            .iter()
            .find_map(|s| s.task_definition_arn.split(':').nth(4).map(str::to_string));
    }
    read_secrets(&c, limit, &bar, &mut snap).await;
    read_parameters(&c, limit, &bar, &mut snap).await;
    read_keys(&c, limit, &bar, &mut snap).await;
    read_roles(&c, limit, &bar, &mut snap).await;
    if options.verify_secret_keys {
        verify_secret_keys(&c, limit, &bar, &mut snap).await;
    }
    bar.finish_and_clear();
    Ok(snap)
}

async fn service_names(
    c: &Clients,
    cluster: &str,
    config: &EnvironmentConfig,
) -> std::result::Result<Vec<String>, String> {
    if !config.services.is_empty() {
        return Ok(config.services.clone());
    }
    let pages = c
        .ecs
        .list_services()
        .cluster(cluster)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| describe(&e))?;
    Ok(pages
        .iter()
        .flat_map(|p| p.service_arns())
        .map(|arn| arn.rsplit('/').next().unwrap_or(arn).to_string())
        .collect())
}

async fn read_services(
    c: &Clients,
    cluster: &str,
    names: &[String],
    limit: usize,
    bar: &ProgressBar,
    snap: &mut Snapshot,
) {
    // DescribeServices takes at most 10 services per call.
    let batches: Vec<Vec<String>> = names.chunks(10).map(<[String]>::to_vec).collect();
    let results = bounded(batches, limit, bar, |batch| async move {
        let out = c
            .ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(batch.clone()))
            .send()
            .await;
        (batch, out)
    })
    .await;
    let mut found = BTreeMap::new();
    for (batch, result) in results {
        match result {
            Ok(out) => {
                for s in out.services() {
                    if s.status() == Some("INACTIVE") {
                        continue; // a deleted service: reported as missing below
                    }
                    if let Some(service) = service_snapshot(s) {
                        found.insert(service.name.clone(), service);
                    }
                }
                for f in out.failures() {
                    if f.reason() != Some("MISSING") {
                        snap.unreadable.push(Unreadable {
                            operation: "ecs:DescribeServices".into(),
                            resource: f.arn().unwrap_or(cluster).to_string(),
                            error: f.reason().unwrap_or("failure").to_string(),
                        });
                    }
                }
            }
            Err(err) => {
                for name in batch {
                    snap.unreadable.push(Unreadable {
                        operation: "ecs:DescribeServices".into(),
                        resource: format!("{cluster}/{name}"),
                        error: describe(&err),
                    });
                }
            }
        }
    }
    let unreadable: BTreeSet<String> = snap.unreadable.iter().map(|u| u.resource.clone()).collect();
    for name in names {
        match found.remove(name) {
            Some(service) => snap.services.push(service),
            None if unreadable.contains(&format!("{cluster}/{name}")) => {}
            None => snap.missing_services.push(name.clone()),
        }
    }
    // Services listed by ARN or found under another spelling keep their order at the end.
    snap.services.extend(found.into_values());
}

fn service_snapshot(s: &aws_sdk_ecs::types::Service) -> Option<ServiceSnapshot> {
    let name = s.service_name()?.to_string();
    let deployment = s.deployment_configuration();
    let breaker = deployment.and_then(|d| d.deployment_circuit_breaker());
    Some(ServiceSnapshot {
        name,
        arn: s.service_arn().map(str::to_string),
        status: s.status().map(str::to_string),
        task_definition_arn: s.task_definition().unwrap_or_default().to_string(),
        settings: ServiceSettings {
            launch_type: s.launch_type().map(|l| l.as_str().to_string()),
            platform_version: s.platform_version().map(str::to_string),
            desired_count: Some(s.desired_count()),
            scheduling_strategy: s.scheduling_strategy().map(|x| x.as_str().to_string()),
            deployment_minimum_healthy_percent: deployment
                .and_then(|d| d.minimum_healthy_percent()),
            deployment_maximum_percent: deployment.and_then(|d| d.maximum_percent()),
            deployment_circuit_breaker: breaker.map(|b| b.enable()),
            deployment_rollback: breaker.map(|b| b.rollback()),
            health_check_grace_period_seconds: s.health_check_grace_period_seconds(),
            enable_execute_command: Some(s.enable_execute_command()),
            assign_public_ip: s
                .network_configuration()
                .and_then(|n| n.awsvpc_configuration())
                .and_then(|a| a.assign_public_ip())
                .map(|a| a.as_str().to_string()),
            propagate_tags: s.propagate_tags().map(|p| p.as_str().to_string()),
            capacity_provider_strategy: s
                .capacity_provider_strategy()
                .iter()
                .map(|c| CapacityProviderItem {
                    capacity_provider: c.capacity_provider().to_string(),
                    weight: c.weight(),
                    base: c.base(),
                })
                .collect(),
            load_balancers: s
                .load_balancers()
                .iter()
                .map(|l| LoadBalancer {
                    target_group_arn: l.target_group_arn().map(str::to_string),
                    container_name: l.container_name().map(str::to_string),
                    container_port: l.container_port(),
                })
                .collect(),
        },
        task_definition: None,
    })
}

async fn read_task_definitions(c: &Clients, limit: usize, bar: &ProgressBar, snap: &mut Snapshot) {
    let arns: BTreeSet<String> = snap
        .services
        .iter()
        .map(|s| s.task_definition_arn.clone())
        .filter(|a| !a.is_empty())
        .collect();
    let results = bounded(arns, limit, bar, |arn| async move {
        let out = c
            .ecs
            .describe_task_definition()
            .task_definition(&arn)
            .send()
            .await;
        (arn, out)
    })
    .await;
    let mut read = BTreeMap::new();
    for (arn, result) in results {
        match result {
            Ok(out) => {
                if let Some(t) = out.task_definition() {
                    read.insert(arn, task_definition(t));
                }
            }
            Err(err) => snap.unreadable.push(Unreadable {
                operation: "ecs:DescribeTaskDefinition".into(),
                resource: arn,
                error: describe(&err),
            }),
        }
    }
    for service in &mut snap.services {
        service.task_definition = read.get(&service.task_definition_arn).cloned();
    }
}

fn task_definition(t: &aws_sdk_ecs::types::TaskDefinition) -> TaskDefinition {
    let s = |v: Option<&str>| v.map(str::to_string);
    TaskDefinition {
        task_definition_arn: t.task_definition_arn().unwrap_or_default().to_string(),
        family: t.family().unwrap_or_default().to_string(),
        revision: t.revision(),
        task_role_arn: s(t.task_role_arn()),
        execution_role_arn: s(t.execution_role_arn()),
        network_mode: t.network_mode().map(|m| m.as_str().to_string()),
        cpu: s(t.cpu()),
        memory: s(t.memory()),
        requires_compatibilities: t
            .requires_compatibilities()
            .iter()
            .map(|c| c.as_str().to_string())
            .collect(),
        cpu_architecture: t
            .runtime_platform()
            .and_then(|p| p.cpu_architecture())
            .map(|a| a.as_str().to_string()),
        operating_system_family: t
            .runtime_platform()
            .and_then(|p| p.operating_system_family())
            .map(|a| a.as_str().to_string()),
        volumes: t
            .volumes()
            .iter()
            .map(|v| Volume {
                name: v.name().unwrap_or_default().to_string(),
                host_source_path: v.host().and_then(|h| h.source_path()).map(str::to_string),
                efs_file_system_id: v
                    .efs_volume_configuration()
                    .map(|e| e.file_system_id().to_string()),
            })
            .collect(),
        container_definitions: t.container_definitions().iter().map(container).collect(),
    }
}

fn container(c: &aws_sdk_ecs::types::ContainerDefinition) -> ContainerDefinition {
    let s = |v: Option<&str>| v.map(str::to_string);
    ContainerDefinition {
        name: c.name().unwrap_or_default().to_string(),
        image: s(c.image()),
        cpu: Some(c.cpu()),
        memory: c.memory(),
        memory_reservation: c.memory_reservation(),
        essential: c.essential(),
        port_mappings: c
            .port_mappings()
            .iter()
            .map(|p| PortMapping {
                container_port: p.container_port(),
                host_port: p.host_port(),
                protocol: p.protocol().map(|x| x.as_str().to_string()),
                name: s(p.name()),
                app_protocol: p.app_protocol().map(|x| x.as_str().to_string()),
            })
            .collect(),
        environment: c
            .environment()
            .iter()
            .map(|kv| KeyValue {
                name: kv.name().unwrap_or_default().to_string(),
                value: kv.value().unwrap_or_default().to_string(),
            })
            .collect(),
        environment_files: c
            .environment_files()
            .iter()
            .map(|f| EnvironmentFile {
                value: f.value().to_string(),
                kind: f.r#type().as_str().to_string(),
            })
            .collect(),
        secrets: c
            .secrets()
            .iter()
            .map(|x| SecretRef {
                name: x.name().to_string(),
                value_from: x.value_from().to_string(),
            })
            .collect(),
        mount_points: c
            .mount_points()
            .iter()
            .map(|m| MountPoint {
                source_volume: s(m.source_volume()),
                container_path: s(m.container_path()),
                read_only: m.read_only(),
            })
            .collect(),
        command: c.command().to_vec(),
        entry_point: c.entry_point().to_vec(),
        working_directory: s(c.working_directory()),
        user: s(c.user()),
        readonly_root_filesystem: c.readonly_root_filesystem(),
        health_check: c.health_check().map(|h| HealthCheck {
            command: h.command().to_vec(),
            interval: h.interval(),
            timeout: h.timeout(),
            retries: h.retries(),
            start_period: h.start_period(),
        }),
        log_configuration: c.log_configuration().map(|l| LogConfiguration {
            log_driver: l.log_driver().as_str().to_string(),
            options: l
                .options()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }),
        depends_on: c
            .depends_on()
            .iter()
            .map(|d| ContainerDependency {
                container_name: d.container_name().to_string(),
                condition: d.condition().as_str().to_string(),
            })
            .collect(),
        ulimits: c
            .ulimits()
            .iter()
            .map(|u| Ulimit {
                name: u.name().as_str().to_string(),
                soft_limit: u.soft_limit(),
                hard_limit: u.hard_limit(),
            })
            .collect(),
    }
}

/// Every parsed `valueFrom` of every container that was read.
fn references(snap: &Snapshot) -> Vec<ValueFrom> {
    snap.services
        .iter()
        .filter_map(|s| s.task_definition.as_ref())
        .flat_map(|t| &t.container_definitions)
        .flat_map(|c| &c.secrets)
        .filter_map(|s| ValueFrom::parse(&s.value_from).ok())
        .collect()
}

async fn read_secrets(c: &Clients, limit: usize, bar: &ProgressBar, snap: &mut Snapshot) {
    let ids: BTreeSet<String> = references(snap)
        .into_iter()
        .filter_map(|r| match r {
            ValueFrom::Secret(s) => Some(s.secret_id),
            ValueFrom::Parameter(_) => None,
        })
        .collect();
    let records = bounded(ids, limit, bar, |id| read_secret(c, id)).await;
    let mut records: Vec<(SecretRecord, Option<Unreadable>)> = records;
    records.sort_by(|a, b| a.0.reference.cmp(&b.0.reference));
    for (record, unreadable) in records {
        snap.secrets.push(record);
        snap.unreadable.extend(unreadable);
    }
}

async fn read_secret(c: &Clients, id: String) -> (SecretRecord, Option<Unreadable>) {
    let record = |status, metadata, error| SecretRecord {
        reference: id.clone(),
        status,
        metadata,
        error,
    };
    let out = match c.secrets.describe_secret().secret_id(&id).send().await {
        Ok(out) => out,
        Err(err) => {
            return match classify(&err) {
                Failure::NotFound => (record(LookupStatus::NotFound, None, None), None),
                Failure::Unreadable(why) => (
                    record(LookupStatus::Unknown, None, Some(why.clone())),
                    Some(Unreadable {
                        operation: "secretsmanager:DescribeSecret".into(),
                        resource: id.clone(),
                        error: why,
                    }),
                ),
            }
        }
    };
    let mut unreadable = None;
    let resource_policy = match c.secrets.get_resource_policy().secret_id(&id).send().await {
        Ok(p) => p.resource_policy().map(str::to_string),
        Err(err) => {
            unreadable = Some(Unreadable {
                operation: "secretsmanager:GetResourcePolicy".into(),
                resource: out.arn().unwrap_or(&id).to_string(),
                error: describe(&err),
            });
            None
        }
    };
    let metadata = SecretMetadata {
        arn: out.arn().unwrap_or(&id).to_string(),
        name: out.name().unwrap_or_default().to_string(),
        kms_key_id: out.kms_key_id().map(str::to_string),
        deleted_date: out.deleted_date().map(|d| {
            d.fmt(aws_smithy_types::date_time::Format::DateTime)
                .unwrap_or_else(|_| d.secs().to_string())
        }),
        tags: out
            .tags()
            .iter()
            .filter_map(|t| {
                Some((
                    t.key()?.to_string(),
                    t.value().unwrap_or_default().to_string(),
                ))
            })
            .collect(),
        resource_policy,
    };
    (
        record(LookupStatus::Found, Some(metadata), None),
        unreadable,
    )
}

async fn read_parameters(c: &Clients, limit: usize, bar: &ProgressBar, snap: &mut Snapshot) {
    let mut wanted: BTreeMap<String, String> = BTreeMap::new(); // reference → name
    for r in references(snap) {
        if let ValueFrom::Parameter(p) = r {
            wanted.insert(p.reference, p.name);
        }
    }
    let names: Vec<String> = wanted
        .values()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // DescribeParameters: metadata only, never values; 10 names per filter.
    let batches: Vec<Vec<String>> = names.chunks(10).map(<[String]>::to_vec).collect();
    let results = bounded(batches, limit, bar, |batch| async move {
        let filter = aws_sdk_ssm::types::ParameterStringFilter::builder()
            .key("Name")
            .option("Equals")
            .set_values(Some(batch.clone()))
            .build();
        let filter = match filter {
            Ok(f) => f,
            Err(e) => return (batch, Err(e.to_string())),
        };
        let pages = c
            .ssm
            .describe_parameters()
            .parameter_filters(filter)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| describe(&e));
        (batch, pages)
    })
    .await;
    let mut found: BTreeMap<String, ParameterMetadata> = BTreeMap::new();
    let mut failed: BTreeMap<String, String> = BTreeMap::new();
    for (batch, result) in results {
        match result {
            Ok(pages) => {
                for p in pages.iter().flat_map(|p| p.parameters()) {
                    if let Some(name) = p.name() {
                        found.insert(
                            name.to_string(),
                            ParameterMetadata {
                                name: name.to_string(),
                                kind: p.r#type().map(|t| t.as_str().to_string()),
                                key_id: p.key_id().map(str::to_string),
                                version: Some(p.version()),
                            },
                        );
                    }
                }
            }
            Err(why) => {
                for name in batch {
                    failed.insert(name, why.clone());
                }
            }
        }
    }
    for (reference, name) in wanted {
        let record = match (found.get(&name), failed.get(&name)) {
            (Some(meta), _) => ParameterRecord {
                reference,
                status: LookupStatus::Found,
                metadata: Some(meta.clone()),
                error: None,
            },
            (None, Some(why)) => {
                snap.unreadable.push(Unreadable {
                    operation: "ssm:DescribeParameters".into(),
                    resource: reference.clone(),
                    error: why.clone(),
                });
                ParameterRecord {
                    reference,
                    status: LookupStatus::Unknown,
                    metadata: None,
                    error: Some(why.clone()),
                }
            }
            (None, None) => ParameterRecord {
                reference,
                status: LookupStatus::NotFound,
                metadata: None,
                error: None,
            },
        };
        snap.parameters.push(record);
    }
}

async fn read_keys(c: &Clients, limit: usize, bar: &ProgressBar, snap: &mut Snapshot) {
    let keys: BTreeSet<String> = snap
        .secrets
        .iter()
        .filter_map(|s| s.metadata.as_ref()?.kms_key_id.clone())
        .chain(
            snap.parameters
                .iter()
                .filter_map(|p| p.metadata.as_ref()?.key_id.clone()),
        )
        .filter(|k| !k.contains("alias/aws/"))
        .collect();
    let records = bounded(keys, limit, bar, |key| async move {
        let described = c.kms.describe_key().key_id(&key).send().await;
        let meta = match described {
            Ok(out) => out.key_metadata().cloned(),
            Err(err) => {
                let status = match classify(&err) {
                    Failure::NotFound => LookupStatus::NotFound,
                    Failure::Unreadable(_) => LookupStatus::Unknown,
                };
                let error = (status == LookupStatus::Unknown).then(|| describe(&err));
                return KeyRecord {
                    reference: key,
                    status,
                    metadata: None,
                    error,
                };
            }
        };
        let Some(meta) = meta else {
            return KeyRecord {
                reference: key,
                status: LookupStatus::NotFound,
                metadata: None,
                error: None,
            };
        };
        let arn = meta.arn().unwrap_or(&key).to_string();
        let key_manager = meta.key_manager().map(|m| m.as_str().to_string());
        let (policy, error) = if key_manager.as_deref() == Some("AWS") {
            (None, None)
        } else {
            match c
                .kms
                .get_key_policy()
                .key_id(&arn)
                .policy_name("default")
                .send()
                .await
            {
                Ok(out) => (out.policy().map(str::to_string), None),
                Err(err) => (None, Some(format!("kms:GetKeyPolicy: {}", describe(&err)))),
            }
        };
        KeyRecord {
            reference: key,
            status: LookupStatus::Found,
            metadata: Some(KeyMetadata {
                arn,
                key_manager,
                policy,
            }),
            error,
        }
    })
    .await;
    let mut records = records;
    records.sort_by(|a, b| a.reference.cmp(&b.reference));
    snap.keys = records;
}

async fn read_roles(c: &Clients, limit: usize, bar: &ProgressBar, snap: &mut Snapshot) {
    let roles: BTreeSet<String> = snap
        .services
        .iter()
        .filter_map(|s| s.task_definition.as_ref())
        .flat_map(|t| [t.execution_role_arn.clone(), t.task_role_arn.clone()])
        .flatten()
        .collect();
    let mut records = bounded(roles, limit, bar, |arn| read_role(c, arn)).await;
    // Managed policies are shared between roles: each is read once.
    let policy_arns: BTreeSet<String> = records
        .iter()
        .flat_map(|r| {
            r.attached_policies
                .iter()
                .chain(&r.permission_boundary)
                .filter_map(|p| p.arn.clone())
        })
        .collect();
    let documents: BTreeMap<String, std::result::Result<(String, String), String>> =
        bounded(policy_arns, limit, bar, |arn| async move {
            let doc = managed_policy(c, &arn).await;
            (arn, doc)
        })
        .await
        .into_iter()
        .collect();
    for record in &mut records {
        let mut failures = Vec::new();
        for policy in record
            .attached_policies
            .iter_mut()
            .chain(record.permission_boundary.as_mut())
        {
            let Some(arn) = &policy.arn else { continue };
            match documents.get(arn) {
                Some(Ok((version, document))) => {
                    policy.version_id = Some(version.clone());
                    policy.document = document.clone();
                }
                Some(Err(why)) => failures.push(format!("{arn}: {why}")),
                None => failures.push(format!("{arn}: not read")),
            }
        }
        if !failures.is_empty() && record.status == LookupStatus::Found {
            record.status = LookupStatus::Unknown;
            record.error = Some(format!(
                "could not read managed policy {}",
                failures.join("; ")
            ));
        }
    }
    records.sort_by(|a, b| a.arn.cmp(&b.arn));
    for r in &records {
        if r.status == LookupStatus::Unknown {
            snap.unreadable.push(Unreadable {
                operation: "iam:GetRole".into(),
                resource: r.arn.clone(),
                error: r.error.clone().unwrap_or_default(),
            });
        }
    }
    snap.roles = records;
}

/// A role's inline policies, attached policy ARNs (documents filled in later) and boundary ARN.
async fn read_role(c: &Clients, arn: String) -> RoleRecord {
    let name = arn.rsplit('/').next().unwrap_or(&arn).to_string();
    let mut record = RoleRecord {
        arn: arn.clone(),
        status: LookupStatus::Found,
        error: None,
        inline_policies: Vec::new(),
        attached_policies: Vec::new(),
        permission_boundary: None,
    };
    let fail = |mut record: RoleRecord, status, why: String| {
        record.status = status;
        record.error = Some(why);
        record
    };
    let role = match c.iam.get_role().role_name(&name).send().await {
        Ok(out) => out,
        Err(err) => {
            return match classify(&err) {
                Failure::NotFound => {
                    record.status = LookupStatus::NotFound;
                    record
                }
                Failure::Unreadable(why) => {
                    fail(record, LookupStatus::Unknown, format!("iam:GetRole: {why}"))
                }
            }
        }
    };
    record.permission_boundary = role
        .role()
        .and_then(|r| r.permissions_boundary())
        .and_then(|b| b.permissions_boundary_arn())
        .map(|arn| PolicyRecord {
            name: arn.rsplit('/').next().unwrap_or(arn).to_string(),
            arn: Some(arn.to_string()),
            version_id: None,
            document: String::new(),
        });
    let inline = c
        .iam
        .list_role_policies()
        .role_name(&name)
        .into_paginator()
        .send()
        .try_collect()
        .await;
    let names: Vec<String> = match inline {
        Ok(pages) => pages
            .iter()
            .flat_map(|p| p.policy_names().to_vec())
            .collect(),
        Err(err) => {
            return fail(
                record,
                LookupStatus::Unknown,
                format!("iam:ListRolePolicies: {}", describe(&err)),
            )
        }
    };
    for policy in names {
        match c
            .iam
            .get_role_policy()
            .role_name(&name)
            .policy_name(&policy)
            .send()
            .await
        {
            Ok(out) => record.inline_policies.push(PolicyRecord {
                name: policy,
                arn: None,
                version_id: None,
                document: decode_document(out.policy_document()),
            }),
            Err(err) => {
                return fail(
                    record,
                    LookupStatus::Unknown,
                    format!("iam:GetRolePolicy {policy}: {}", describe(&err)),
                )
            }
        }
    }
    let attached = c
        .iam
        .list_attached_role_policies()
        .role_name(&name)
        .into_paginator()
        .send()
        .try_collect()
        .await;
    match attached {
        Ok(pages) => {
            for p in pages.iter().flat_map(|p| p.attached_policies()) {
                if let Some(arn) = p.policy_arn() {
                    record.attached_policies.push(PolicyRecord {
                        name: p.policy_name().unwrap_or(arn).to_string(),
                        arn: Some(arn.to_string()),
                        version_id: None,
                        document: String::new(),
                    });
                }
            }
        }
        Err(err) => {
            return fail(
                record,
                LookupStatus::Unknown,
                format!("iam:ListAttachedRolePolicies: {}", describe(&err)),
            )
        }
    }
    record
}

/// A managed policy's default version: (version id, document).
async fn managed_policy(c: &Clients, arn: &str) -> std::result::Result<(String, String), String> {
    let policy = c
        .iam
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| format!("iam:GetPolicy: {}", describe(&e)))?;
    let version = policy
        .policy()
        .and_then(|p| p.default_version_id())
        .ok_or("iam:GetPolicy returned no default version")?
        .to_string();
    let out = c
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(&version)
        .send()
        .await
        .map_err(|e| format!("iam:GetPolicyVersion: {}", describe(&e)))?;
    let document = out
        .policy_version()
        .and_then(|v| v.document())
        .ok_or("iam:GetPolicyVersion returned no document")?;
    Ok((version, decode_document(document)))
}

/// IAM returns policy documents URL-encoded (moto returns them raw): store plain JSON.
fn decode_document(text: &str) -> String {
    if text.trim_start().starts_with('{') {
        return text.to_string();
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|t| t.into_owned())
        .unwrap_or_else(|_| text.to_string())
}

/// `--verify-secret-keys`: reads each secret that a `valueFrom` names a JSON key of, checks the
/// key, and drops the value before the next await. Nothing of the value is kept or logged.
async fn verify_secret_keys(c: &Clients, limit: usize, bar: &ProgressBar, snap: &mut Snapshot) {
    let mut wanted = BTreeSet::new();
    for r in references(snap) {
        if let ValueFrom::Secret(s) = r {
            let found = snap
                .secret(&s.secret_id)
                .is_some_and(|x| x.status == LookupStatus::Found);
            if let (true, Some(key)) = (found, s.json_key) {
                wanted.insert((s.secret_id, key, s.version_stage, s.version_id));
            }
        }
    }
    let mut checks = bounded(wanted, limit, bar, |(id, key, stage, version)| async move {
        let result = c
            .secrets
            .get_secret_value()
            .secret_id(&id)
            .set_version_stage(stage)
            .set_version_id(version)
            .send()
            .await;
        let (present, error) = match result {
            Ok(out) => match out.secret_string().map(has_json_key(&key)) {
                Some(Some(present)) => (Some(present), None),
                Some(None) => (None, Some("the secret is not a JSON object".to_string())),
                None => (None, Some("the secret has no string value".to_string())),
            },
            Err(err) => (None, Some(describe(&err))),
        };
        SecretKeyCheck {
            reference: id,
            json_key: key,
            present,
            error,
        }
    })
    .await;
    checks.sort_by(|a, b| (&a.reference, &a.json_key).cmp(&(&b.reference, &b.json_key)));
    snap.secret_keys = checks;
}

/// `Some(has key)` for a JSON object, `None` otherwise. The parsed value is dropped here.
fn has_json_key(key: &str) -> impl Fn(&str) -> Option<bool> + '_ {
    move |text| match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => Some(map.contains_key(key)),
        _ => None,
    }
}

/// `--simulate`: asks iam:SimulatePrincipalPolicy every question the static evaluation
/// answered, and reports disagreements and environments it could not ask.
pub async fn simulate(envs: &[Environment], sources: &[EnvironmentSource]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (env, source) in envs.iter().zip(sources) {
        if source.config.snapshot.is_some() {
            findings.push(finding(
                &SIMULATION_DISAGREES,
                &env.name,
                "IAM simulation",
                format!(
                    "{}: not simulated: read from a snapshot file, not live AWS",
                    env.name
                ),
            ));
            continue;
        }
        let sdk = sdk_config(&source.config, ReadOptions::default().max_attempts).await;
        let iam = aws_sdk_iam::Client::new(&sdk);
        for (question, decision) in permissions::questions(env) {
            let out = iam
                .simulate_principal_policy()
                .policy_source_arn(&question.principal_arn)
                .action_names(&question.action)
                .resource_arns(&question.resource)
                .send()
                .await;
            let simulated = match out {
                Ok(out) => out
                    .evaluation_results()
                    .first()
                    .map(|r| r.eval_decision().as_str().to_string()),
                Err(err) => {
                    findings.push(finding(
                        &SIMULATION_DISAGREES,
                        &env.name,
                        "IAM simulation",
                        format!(
                            "{}: iam:SimulatePrincipalPolicy is unavailable: {}",
                            env.name,
                            describe(&err)
                        ),
                    ));
                    break;
                }
            };
            let agrees = matches!(
                (decision, simulated.as_deref()),
                (super::iam::Decision::Allowed, Some("allowed"))
                    | (
                        super::iam::Decision::Denied,
                        Some("implicitDeny" | "explicitDeny")
                    )
            );
            if !agrees {
                findings.push(finding(
                    &SIMULATION_DISAGREES,
                    &env.name,
                    question.resource.clone(),
                    format!(
                        "{}: {} on `{}`: static evaluation says {decision}, IAM's simulator says {}",
                        env.name,
                        question.action,
                        question.resource,
                        simulated.as_deref().unwrap_or("nothing")
                    ),
                ));
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_are_stored_decoded() {
        let raw = r#"{"Version":"2012-10-17","Statement":[]}"#;
        assert_eq!(decode_document(raw), raw);
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(decode_document(encoded), raw);
    }

    #[test]
    fn json_keys() {
        assert_eq!(has_json_key("password")(r#"{"password":"x"}"#), Some(true));
        assert_eq!(has_json_key("password")(r#"{"user":"x"}"#), Some(false));
        assert_eq!(has_json_key("password")("plain text"), None);
    }
}
