//! A task definition and its service settings as a flat, canonical list of `path = value` lines:
//! containers, ports, mounts and volumes keyed by name rather than position, ECS defaults filled
//! in, cpu/memory in units, and every string normalised (accounts, regions, revisions, the
//! environment's name). Environment and secret entries are left out: check 2 compares their
//! names, check 5 their values.

use super::normalise::Normaliser;
use super::redact::redact_value;
use super::snapshot::{ContainerDefinition, ServiceSettings, TaskDefinition};
use std::collections::BTreeMap;

/// Dotted path → canonical value.
pub type Fields = BTreeMap<String, String>;

pub fn canonical_fields(
    task: &TaskDefinition,
    settings: &ServiceSettings,
    normaliser: &Normaliser,
) -> Fields {
    let mut f = Fields::new();
    let n = |s: &str| normaliser.apply(s);
    let awsvpc = task.network_mode.as_deref() == Some("awsvpc");
    let fargate = task.requires_compatibilities.iter().any(|c| c == "FARGATE")
        || settings.launch_type.as_deref() == Some("FARGATE");

    f.insert("family".into(), n(&task.family));
    put(&mut f, "taskRoleArn", task.task_role_arn.as_deref().map(n));
    put(
        &mut f,
        "executionRoleArn",
        task.execution_role_arn.as_deref().map(n),
    );
    let default_mode = if fargate { "awsvpc" } else { "bridge" };
    f.insert(
        "networkMode".into(),
        task.network_mode
            .clone()
            .unwrap_or_else(|| default_mode.into()),
    );
    put(&mut f, "cpu", task.cpu.as_deref().map(cpu_units));
    put(&mut f, "memory", task.memory.as_deref().map(memory_mib));
    let mut compat = task.requires_compatibilities.clone();
    compat.sort();
    put(
        &mut f,
        "requiresCompatibilities",
        non_empty(compat.join(",")),
    );
    f.insert(
        "runtimePlatform.cpuArchitecture".into(),
        task.cpu_architecture
            .clone()
            .unwrap_or_else(|| "X86_64".into()),
    );
    f.insert(
        "runtimePlatform.operatingSystemFamily".into(),
        task.operating_system_family
            .clone()
            .unwrap_or_else(|| "LINUX".into()),
    );
    for v in &task.volumes {
        let base = format!("volumes.{}", n(&v.name));
        f.insert(base.clone(), "present".into());
        put(
            &mut f,
            &format!("{base}.host.sourcePath"),
            v.host_source_path.as_deref().map(n),
        );
        put(
            &mut f,
            &format!("{base}.efs.fileSystemId"),
            v.efs_file_system_id.clone(),
        );
    }
    // Fargate gives every task 20 GiB unless the task definition asks for more.
    let storage = task.ephemeral_storage.or(fargate.then_some(20));
    put(
        &mut f,
        "ephemeralStorage.sizeInGiB",
        storage.map(|s| s.to_string()),
    );
    put(&mut f, "pidMode", task.pid_mode.clone());
    put(&mut f, "ipcMode", task.ipc_mode.clone());
    for c in &task.container_definitions {
        container_fields(&mut f, c, awsvpc, normaliser);
    }
    service_fields(&mut f, settings, normaliser);
    f
}

fn container_fields(
    f: &mut Fields,
    c: &ContainerDefinition,
    awsvpc: bool,
    normaliser: &Normaliser,
) {
    let n = |s: &str| normaliser.apply(s);
    let base = format!("containerDefinitions.{}", n(&c.name));
    let key = |field: &str| format!("{base}.{field}");
    put(f, &key("image"), c.image.as_deref().map(n));
    f.insert(key("cpu"), c.cpu.unwrap_or(0).to_string());
    put(f, &key("memory"), c.memory.map(|m| m.to_string()));
    put(
        f,
        &key("memoryReservation"),
        c.memory_reservation.map(|m| m.to_string()),
    );
    f.insert(key("essential"), c.essential.unwrap_or(true).to_string());
    for p in &c.port_mappings {
        let protocol = p.protocol.clone().unwrap_or_else(|| "tcp".into());
        let container_port = p.container_port.map_or("?".into(), |p| p.to_string());
        let port = format!("{base}.portMappings.{container_port}/{protocol}");
        // Under awsvpc the host port is always the container port, whether written or not.
        let host = if awsvpc {
            p.container_port
        } else {
            p.host_port
        };
        f.insert(port.clone(), "present".into());
        put(f, &format!("{port}.hostPort"), host.map(|h| h.to_string()));
        put(f, &format!("{port}.name"), p.name.as_deref().map(n));
        put(f, &format!("{port}.appProtocol"), p.app_protocol.clone());
    }
    for m in &c.mount_points {
        let path = m.container_path.as_deref().unwrap_or("?");
        let mount = format!("{base}.mountPoints.{path}");
        put(
            f,
            &format!("{mount}.sourceVolume"),
            m.source_volume.as_deref().map(n),
        );
        f.insert(
            format!("{mount}.readOnly"),
            m.read_only.unwrap_or(false).to_string(),
        );
    }
    let mut files: Vec<String> = c
        .environment_files
        .iter()
        .map(|e| format!("{}:{}", e.kind, n(&e.value)))
        .collect();
    files.sort();
    put(f, &key("environmentFiles"), non_empty(files.join(",")));
    put(f, &key("command"), list(&c.command, normaliser));
    put(f, &key("entryPoint"), list(&c.entry_point, normaliser));
    put(f, &key("workingDirectory"), c.working_directory.clone());
    put(f, &key("user"), c.user.clone());
    f.insert(
        key("readonlyRootFilesystem"),
        c.readonly_root_filesystem.unwrap_or(false).to_string(),
    );
    if let Some(h) = &c.health_check {
        put(f, &key("healthCheck.command"), list(&h.command, normaliser));
        f.insert(
            key("healthCheck.interval"),
            h.interval.unwrap_or(30).to_string(),
        );
        f.insert(
            key("healthCheck.timeout"),
            h.timeout.unwrap_or(5).to_string(),
        );
        f.insert(
            key("healthCheck.retries"),
            h.retries.unwrap_or(3).to_string(),
        );
        f.insert(
            key("healthCheck.startPeriod"),
            h.start_period.unwrap_or(0).to_string(),
        );
    }
    if let Some(log) = &c.log_configuration {
        f.insert(key("logConfiguration.logDriver"), log.log_driver.clone());
        for (option, value) in &log.options {
            f.insert(key(&format!("logConfiguration.options.{option}")), n(value));
        }
    }
    let mut deps: Vec<String> = c
        .depends_on
        .iter()
        .map(|d| format!("{}:{}", n(&d.container_name), d.condition))
        .collect();
    deps.sort();
    put(f, &key("dependsOn"), non_empty(deps.join(",")));
    for (label, value) in &c.docker_labels {
        f.insert(key(&format!("dockerLabels.{label}")), n(value));
    }
    put(
        f,
        &key("startTimeout"),
        c.start_timeout.map(|t| t.to_string()),
    );
    // The ECS agent waits 30 s before killing a container that ignores SIGTERM.
    f.insert(key("stopTimeout"), c.stop_timeout.unwrap_or(30).to_string());
    f.insert(
        key("linuxParameters.initProcessEnabled"),
        c.init_process_enabled.unwrap_or(false).to_string(),
    );
    for u in &c.ulimits {
        f.insert(
            key(&format!("ulimits.{}", u.name)),
            format!("{}/{}", u.soft_limit, u.hard_limit),
        );
    }
}

fn service_fields(f: &mut Fields, s: &ServiceSettings, normaliser: &Normaliser) {
    let n = |v: &str| normaliser.apply(v);
    put(f, "service.launchType", s.launch_type.clone());
    let fargate = s.launch_type.as_deref() == Some("FARGATE");
    let platform = s
        .platform_version
        .clone()
        .or_else(|| fargate.then(|| "LATEST".into()));
    put(f, "service.platformVersion", platform);
    put(
        f,
        "service.desiredCount",
        s.desired_count.map(|c| c.to_string()),
    );
    f.insert(
        "service.schedulingStrategy".into(),
        s.scheduling_strategy
            .clone()
            .unwrap_or_else(|| "REPLICA".into()),
    );
    let daemon = s.scheduling_strategy.as_deref() == Some("DAEMON");
    let (min_default, max_default) = if daemon { (0, 100) } else { (100, 200) };
    f.insert(
        "service.deploymentConfiguration.minimumHealthyPercent".into(),
        s.deployment_minimum_healthy_percent
            .unwrap_or(min_default)
            .to_string(),
    );
    f.insert(
        "service.deploymentConfiguration.maximumPercent".into(),
        s.deployment_maximum_percent
            .unwrap_or(max_default)
            .to_string(),
    );
    f.insert(
        "service.deploymentConfiguration.deploymentCircuitBreaker.enable".into(),
        s.deployment_circuit_breaker.unwrap_or(false).to_string(),
    );
    f.insert(
        "service.deploymentConfiguration.deploymentCircuitBreaker.rollback".into(),
        s.deployment_rollback.unwrap_or(false).to_string(),
    );
    f.insert(
        "service.healthCheckGracePeriodSeconds".into(),
        s.health_check_grace_period_seconds.unwrap_or(0).to_string(),
    );
    f.insert(
        "service.enableExecuteCommand".into(),
        s.enable_execute_command.unwrap_or(false).to_string(),
    );
    put(f, "service.assignPublicIp", s.assign_public_ip.clone());
    f.insert(
        "service.propagateTags".into(),
        s.propagate_tags.clone().unwrap_or_else(|| "NONE".into()),
    );
    for c in &s.capacity_provider_strategy {
        f.insert(
            format!(
                "service.capacityProviderStrategy.{}",
                n(&c.capacity_provider)
            ),
            format!("weight={} base={}", c.weight, c.base),
        );
    }
    for lb in &s.load_balancers {
        let container = lb.container_name.as_deref().map(n).unwrap_or_default();
        let port = lb.container_port.map_or(String::new(), |p| p.to_string());
        let target = lb.target_group_arn.as_deref().map(n).unwrap_or_default();
        f.insert(format!("service.loadBalancers.{container}:{port}"), target);
    }
}

fn put(f: &mut Fields, key: &str, value: Option<String>) {
    if let Some(v) = value {
        f.insert(key.to_string(), v);
    }
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// A command line as a JSON array, with credentials in URLs redacted.
fn list(items: &[String], normaliser: &Normaliser) -> Option<String> {
    if items.is_empty() {
        return None;
    }
    let items: Vec<String> = items
        .iter()
        .map(|i| redact_value(&normaliser.apply(i)))
        .collect();
    serde_json::to_string(&items).ok()
}

/// Task cpu as CPU units: `1 vCPU` → `1024`, `512` → `512`.
pub fn cpu_units(value: &str) -> String {
    let lower = value.trim().to_ascii_lowercase();
    match lower.strip_suffix("vcpu").map(str::trim) {
        Some(number) => match number.parse::<f64>() {
            Ok(v) => format!("{}", (v * 1024.0).round() as i64),
            Err(_) => value.to_string(),
        },
        None => value.trim().to_string(),
    }
}

/// Task memory in MiB: `2 GB` → `2048`, `512 MiB` → `512`, `512` → `512`.
pub fn memory_mib(value: &str) -> String {
    let lower = value.trim().to_ascii_lowercase();
    let split = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(split);
    let Ok(number) = number.parse::<f64>() else {
        return value.to_string();
    };
    let factor = match unit.trim() {
        "" | "mb" | "mib" => 1.0,
        "gb" | "gib" => 1024.0,
        _ => return value.to_string(),
    };
    format!("{}", (number * factor).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parity::snapshot::{LogConfiguration, PortMapping};

    #[test]
    fn units() {
        assert_eq!(cpu_units("1 vCPU"), "1024");
        assert_eq!(cpu_units(".25 vcpu"), "256");
        assert_eq!(cpu_units("512"), "512");
        assert_eq!(memory_mib("2 GB"), "2048");
        assert_eq!(memory_mib("0.5GB"), "512");
        assert_eq!(memory_mib("1024"), "1024");
    }

    fn task(port: PortMapping, group: &str, env: &str) -> (Fields, Fields) {
        let t = TaskDefinition {
            family: format!("web-{env}"),
            network_mode: Some("awsvpc".into()),
            cpu: Some("1 vCPU".into()),
            container_definitions: vec![ContainerDefinition {
                name: "web".into(),
                port_mappings: vec![port],
                log_configuration: Some(LogConfiguration {
                    log_driver: "awslogs".into(),
                    secret_options: Vec::new(),
                    options: [("awslogs-group".to_string(), group.to_string())].into(),
                }),
                ..ContainerDefinition::default()
            }],
            ..TaskDefinition::default()
        };
        let mut other = t.clone();
        other.cpu = Some("1024".into());
        let n = Normaliser::new(env, None);
        (
            canonical_fields(&t, &ServiceSettings::default(), &n),
            canonical_fields(&other, &ServiceSettings::default(), &n),
        )
    }

    #[test]
    fn defaults_units_and_names_make_equivalent_definitions_equal() {
        let written = PortMapping {
            container_port: Some(8080),
            host_port: Some(8080),
            protocol: Some("tcp".into()),
            ..PortMapping::default()
        };
        let implied = PortMapping {
            container_port: Some(8080),
            ..PortMapping::default()
        };
        let (a, a_units) = task(written, "/ecs/staging/web", "staging");
        let (b, _) = task(implied, "/ecs/prod/web", "prod");
        assert_eq!(a, b);
        assert_eq!(a, a_units);
        assert_eq!(
            a["containerDefinitions.web.portMappings.8080/tcp.hostPort"],
            "8080"
        );
        assert_eq!(a["family"], "web-{env}");
    }
}
