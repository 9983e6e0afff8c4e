//! ECS: the services of the cluster and the task definition revision each one runs.

use super::{bounded, describe, Clients};
use crate::config::EnvironmentConfig;
use crate::parity::credentials::value_traits;
use crate::parity::redact::{looks_secret, redact_value, REDACTED};
use crate::parity::snapshot::*;
use indicatif::ProgressBar;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(super) async fn service_names(
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

pub(super) async fn read_services(
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
    let missing: Vec<String> = names
        .iter()
        .filter(|name| !found.contains_key(*name) && !not_read(&snap.unreadable, cluster, name))
        .cloned()
        .collect();
    for name in names {
        if let Some(service) = found.remove(name) {
            snap.services.push(service);
        }
    }
    snap.missing_services.extend(missing);
    // Services listed by ARN or found under another spelling keep their order at the end.
    snap.services.extend(found.into_values());
}

/// Whether DescribeServices failed for the service (it is then unknown, not missing). A failure
/// names it by ARN (`…:service/[CLUSTER/]NAME`), a failed call by `CLUSTER/NAME`.
fn not_read(unreadable: &[Unreadable], cluster: &str, name: &str) -> bool {
    unreadable.iter().any(|u| {
        u.operation == "ecs:DescribeServices"
            && (u.resource == format!("{cluster}/{name}")
                || u.resource.starts_with("arn:") && u.resource.ends_with(&format!("/{name}")))
    })
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
            placement_constraints: s
                .placement_constraints()
                .iter()
                .map(|p| placement(p.r#type().map(|t| t.as_str()), p.expression()))
                .collect(),
        },
        task_definition: None,
    })
}

pub(super) async fn read_task_definitions(
    c: &Clients,
    limit: usize,
    bar: &ProgressBar,
    snap: &mut Snapshot,
) {
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
        ephemeral_storage: t.ephemeral_storage().map(|e| e.size_in_gib()),
        pid_mode: t.pid_mode().map(|m| m.as_str().to_string()),
        ipc_mode: t.ipc_mode().map(|m| m.as_str().to_string()),
        placement_constraints: t
            .placement_constraints()
            .iter()
            .map(|p| placement(p.r#type().map(|t| t.as_str()), p.expression()))
            .collect(),
    }
}

/// The cluster's container instances with their attributes, when a service that does not run
/// on Fargate has a `memberOf` constraint (ListContainerInstances, DescribeContainerInstances).
pub(super) async fn read_container_instances(
    c: &Clients,
    cluster: &str,
    limit: usize,
    bar: &ProgressBar,
    snap: &mut Snapshot,
) {
    if !snap
        .services
        .iter()
        .any(crate::parity::placement::needs_instances)
    {
        return;
    }
    let pages = c
        .ecs
        .list_container_instances()
        .cluster(cluster)
        .into_paginator()
        .send()
        .try_collect()
        .await;
    let arns: Vec<String> = match pages {
        Ok(pages) => pages
            .iter()
            .flat_map(|p| p.container_instance_arns())
            .cloned()
            .collect(),
        Err(err) => {
            snap.unreadable.push(Unreadable {
                operation: "ecs:ListContainerInstances".into(),
                resource: cluster.to_string(),
                error: describe(&err),
            });
            return;
        }
    };
    // DescribeContainerInstances takes at most 100 instances per call.
    let batches: Vec<Vec<String>> = arns.chunks(100).map(<[String]>::to_vec).collect();
    let results = bounded(batches, limit, bar, |batch| async move {
        c.ecs
            .describe_container_instances()
            .cluster(cluster)
            .set_container_instances(Some(batch))
            .send()
            .await
    })
    .await;
    let mut records = Vec::new();
    for result in results {
        match result {
            Ok(out) => records.extend(out.container_instances().iter().map(|i| {
                ContainerInstanceRecord {
                    arn: i.container_instance_arn().unwrap_or_default().to_string(),
                    ec2_instance_id: i.ec2_instance_id().map(str::to_string),
                    status: i.status().map(str::to_string),
                    agent_connected: Some(i.agent_connected()),
                    attributes: i
                        .attributes()
                        .iter()
                        .map(|a| (a.name().to_string(), a.value().map(str::to_string)))
                        .collect(),
                }
            })),
            Err(err) => {
                snap.unreadable.push(Unreadable {
                    operation: "ecs:DescribeContainerInstances".into(),
                    resource: cluster.to_string(),
                    error: describe(&err),
                });
                return;
            }
        }
    }
    records.sort_by(|a, b| a.arn.cmp(&b.arn));
    snap.container_instances = Some(records);
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
            .map(|kv| {
                let name = kv.name().unwrap_or_default();
                KeyValue {
                    name: name.to_string(),
                    value: stored_value(name, kv.value().unwrap_or_default()),
                }
            })
            .collect(),
        value_traits: c
            .environment()
            .iter()
            .filter_map(|kv| {
                let traits = value_traits(kv.value().unwrap_or_default());
                (!traits.is_empty()).then(|| (kv.name().unwrap_or_default().to_string(), traits))
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
        secrets: secret_refs(c.secrets()),
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
            options: stored_values(l.options()),
            secret_options: secret_refs(l.secret_options()),
        }),
        repository_credentials: c.repository_credentials().map(|r| RepositoryCredentials {
            credentials_parameter: r.credentials_parameter().to_string(),
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
        docker_labels: stored_values(c.docker_labels()),
        start_timeout: c.start_timeout(),
        stop_timeout: c.stop_timeout(),
        init_process_enabled: c.linux_parameters().and_then(|l| l.init_process_enabled()),
    }
}

/// A service's or task definition's placement constraint (two SDK types of the same shape).
fn placement(kind: Option<&str>, expression: Option<&str>) -> PlacementConstraint {
    PlacementConstraint {
        kind: kind.unwrap_or_default().to_string(),
        expression: expression.map(str::to_string),
    }
}

/// `secrets` or a log configuration's `secretOptions`: names and references, never values.
fn secret_refs(secrets: &[aws_sdk_ecs::types::Secret]) -> Vec<SecretRef> {
    secrets
        .iter()
        .map(|x| SecretRef {
            name: x.name().to_string(),
            value_from: x.value_from().to_string(),
        })
        .collect()
}

/// Log options or Docker labels as a snapshot keeps them (see [`stored_value`]).
fn stored_values(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), stored_value(k, v)))
        .collect()
}

/// A plain variable's (or log option's: `splunk-token`, `apikey`) value as a snapshot keeps it:
/// secret-looking names and values that are a key (an AWS access key id, a private key) lose
/// their value, and
/// URLs their credentials (a secret put in a plain variable is still a secret); an empty value
/// stays empty so the empty-required-value check still sees it.
fn stored_value(name: &str, value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else if looks_secret(name) || value_traits(value).iter().any(|t| t.hides_whole_value()) {
        REDACTED.to_string()
    } else {
        redact_value(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_secrets_are_not_stored() {
        assert_eq!(stored_value("STRIPE_API_KEY", "sk_live_123"), REDACTED);
        assert_eq!(
            stored_value("DATABASE_URL", "postgres://app:pw@localhost/app"),
            "postgres://<redacted>@localhost/app"
        );
        assert_eq!(stored_value("REDIS_HOST", "localhost"), "localhost");
        assert_eq!(stored_value("API_TOKEN", ""), "");
    }

    #[test]
    fn a_service_that_failed_to_describe_is_not_read_rather_than_missing() {
        let failed = |resource: &str| Unreadable {
            operation: "ecs:DescribeServices".into(),
            resource: resource.into(),
            error: "AccessDeniedException".into(),
        };
        let by_arn = [failed("arn:aws:ecs:us-east-1:1:service/app/web")];
        assert!(not_read(&by_arn, "app", "web"));
        assert!(!not_read(&by_arn, "app", "worker"));
        assert!(not_read(&[failed("app/web")], "app", "web"));
        assert!(!not_read(&[failed("app/webhook")], "app", "web"));
        assert!(not_read(
            &[failed("arn:aws:ecs:us-east-1:1:service/web")],
            "app",
            "web"
        ));
    }

    #[test]
    fn secret_log_driver_options_and_labels_are_not_stored() {
        let log = aws_sdk_ecs::types::LogConfiguration::builder()
            .log_driver(aws_sdk_ecs::types::LogDriver::Splunk)
            .options("splunk-token", "00000000-live-token")
            .options("splunk-url", "https://splunk.example.com:8088")
            .build()
            .expect("log configuration");
        let c = aws_sdk_ecs::types::ContainerDefinition::builder()
            .name("web")
            .log_configuration(log)
            .docker_labels("webhook-secret", "s3cr3t")
            .docker_labels("team", "payments")
            .build();
        let stored = container(&c);
        let options = stored.log_configuration.expect("kept").options;
        assert_eq!(options["splunk-token"], REDACTED);
        assert_eq!(options["splunk-url"], "https://splunk.example.com:8088");
        assert_eq!(stored.docker_labels["webhook-secret"], REDACTED);
        assert_eq!(stored.docker_labels["team"], "payments");
    }
}
