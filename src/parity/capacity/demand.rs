//! Demand: how many connections an environment's services may open at once. Per service:
//! the pool size of one process × processes per task × the most tasks that can run, which is
//! the larger of `desiredCount` and the Application Auto Scaling maximum, times the rolling
//! deploy's overlap (`maximumPercent`, ECS's default 200%). Services sharing the database add up.

use super::record::CapacityRecord;
use crate::config::{CapacityConfig, ServiceCapacityConfig};
use crate::parity::environment::Environment;
use crate::parity::redact::REDACTED;
use crate::parity::snapshot::ServiceSnapshot;

/// ECS's `maximumPercent` when the service does not set one.
pub const DEFAULT_MAXIMUM_PERCENT: i32 = 200;

/// URL parameters that set a client's pool size (normalised: lower case, no `_` or `-`):
/// Prisma `connection_limit`, pgx `pool_max_conns`, MongoDB/JDBC `maxPoolSize`, HikariCP
/// `maximumPoolSize`, Rails `pool`, node-mysql `connectionLimit`, and common spellings.
const POOL_PARAMETERS: &[&str] = &[
    "connectionlimit",
    "poolmaxconns",
    "maxpoolsize",
    "maximumpoolsize",
    "poolsize",
    "pool",
    "poolmax",
];

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDemand {
    pub service: String,
    pub connections: u64,
    /// `web: 50 = pool 50 (DB_POOL_MIN) × 1 process × 1 task (…)`.
    pub arithmetic: String,
    /// Remarks that do not change the number (RDS Proxy, scaling not read).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Demand {
    pub services: Vec<ServiceDemand>,
    /// Services whose demand is unknown, with why.
    pub unknown: Vec<String>,
}

impl Demand {
    pub fn total(&self) -> u64 {
        self.services.iter().map(|s| s.connections).sum()
    }
}

/// The settings that apply to one service: its own table, else `[capacity]`.
struct ServiceSettings<'a> {
    pool_variable: Option<&'a str>,
    url_variable: &'a str,
    pool_size: Option<u32>,
    processes: u32,
}

fn settings_for<'a>(
    config: &'a CapacityConfig,
    own: Option<&'a ServiceCapacityConfig>,
) -> ServiceSettings<'a> {
    ServiceSettings {
        pool_variable: own
            .and_then(|o| o.pool_variable.as_deref())
            .or(config.pool_variable.as_deref()),
        url_variable: own
            .and_then(|o| o.url_variable.as_deref())
            .or(config.url_variable.as_deref())
            .unwrap_or("DATABASE_URL"),
        pool_size: own.and_then(|o| o.pool_size).or(config.pool_size),
        processes: own
            .and_then(|o| o.processes_per_task)
            .or(config.processes_per_task)
            .unwrap_or(1),
    }
}

fn matches(env: &Environment, service: &ServiceSnapshot, name: &str) -> bool {
    service.name == name || env.service_key(service) == env.normaliser.apply(name)
}

pub fn demand(env: &Environment, config: &CapacityConfig) -> Demand {
    let mut out = Demand::default();
    let record = env.snapshot.capacity.as_ref();
    for name in &config.services {
        if !env.snapshot.services.iter().any(|s| matches(env, s, name)) {
            out.unknown.push(format!(
                "service `{name}` ([capacity] services) is not in {}",
                env.name
            ));
        }
    }
    for service in &env.snapshot.services {
        if !config.services.is_empty() && !config.services.iter().any(|n| matches(env, service, n))
        {
            continue;
        }
        let own = config
            .service
            .iter()
            .find(|(name, _)| matches(env, service, name))
            .map(|(_, c)| c);
        match service_demand(env, service, &settings_for(config, own), record) {
            Ok(d) => out.services.push(d),
            Err(why) => out.unknown.push(why),
        }
    }
    out
}

fn service_demand(
    env: &Environment,
    service: &ServiceSnapshot,
    settings: &ServiceSettings,
    record: Option<&CapacityRecord>,
) -> Result<ServiceDemand, String> {
    let name = &service.name;
    let (pool, pool_text, mut notes) = pool_size(env, service, settings)?;
    let (tasks, tasks_text) = tasks(env, service, record, &mut notes)?;
    let connections = pool * u64::from(settings.processes) * tasks;
    let processes = plural(u64::from(settings.processes), "process", "processes");
    Ok(ServiceDemand {
        service: name.clone(),
        connections,
        arithmetic: format!("{name}: {connections} = {pool_text} × {processes} × {tasks_text}"),
        notes,
    })
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One process's pool: the pool variable, a pool parameter of the plaintext database URL, or
/// `pool_size` from preflight.toml. Summed over the task's containers that set it.
fn pool_size(
    env: &Environment,
    service: &ServiceSnapshot,
    settings: &ServiceSettings,
) -> Result<(u64, String, Vec<String>), String> {
    let name = &service.name;
    let Some(task) = &service.task_definition else {
        return Err(format!(
            "{name}: its task definition was not read, so its pool size is unknown"
        ));
    };
    let mut notes = Vec::new();
    let containers = &task.container_definitions;
    if let Some(var) = settings.pool_variable {
        if containers
            .iter()
            .any(|c| c.secrets.iter().any(|s| s.name == var))
        {
            return Err(format!(
                "{name}: `{var}` is a secret in {}; preflight does not read secret values for the pool size (make it a plain variable, or set [capacity] pool_size)",
                env.name
            ));
        }
        let values: Vec<&str> = containers
            .iter()
            .flat_map(|c| c.environment.iter())
            .filter(|kv| kv.name == var)
            .map(|kv| kv.value.as_str())
            .collect();
        if !values.is_empty() {
            let mut total = 0u64;
            for value in &values {
                total += value.trim().parse::<u64>().map_err(|_| {
                    let shown = if *value == REDACTED { REDACTED } else { value };
                    format!("{name}: `{var}` is `{shown}` in {}, not a number", env.name)
                })?;
            }
            return Ok((total, format!("pool {total} (`{var}`)"), notes));
        }
    }
    let var = settings.url_variable;
    let mut found = None;
    for kv in containers
        .iter()
        .flat_map(|c| c.environment.iter())
        .filter(|kv| kv.name == var)
    {
        if is_rds_proxy(&kv.value) {
            notes.push(format!(
                "{name}: `{var}` connects through RDS Proxy, which pools connections: the database sees at most the proxy's MaxConnectionsPercent of its limit, whatever the clients open"
            ));
        }
        if let Some((param, n)) = url_pool_parameter(&kv.value) {
            found = Some((found.map_or(0, |(t, _)| t) + n, param));
        }
    }
    if let Some((total, param)) = found {
        return Ok((total, format!("pool {total} (`{var}` {param})"), notes));
    }
    if let Some(n) = settings.pool_size {
        return Ok((
            u64::from(n),
            format!("pool {n} ([capacity] pool_size)"),
            notes,
        ));
    }
    let tried = match settings.pool_variable {
        Some(v) => format!("`{v}` is not set, "),
        None => String::new(),
    };
    Err(format!(
        "{name}: pool size unknown in {}: {tried}`{var}` has no pool parameter in plaintext, and [capacity] pool_size is not set",
        env.name
    ))
}

/// `(parameter, value)` of the first pool-size parameter in a URL's query.
pub fn url_pool_parameter(url: &str) -> Option<(String, u64)> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        let normal: String = key
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if !POOL_PARAMETERS.contains(&normal.as_str()) {
            return None;
        }
        Some((key.to_string(), value.trim().parse().ok()?))
    })
}

/// RDS Proxy endpoints: `NAME.proxy-XXXX.REGION.rds.amazonaws.com`.
fn is_rds_proxy(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.contains(".proxy-") && lower.contains(".rds.amazonaws.com")
}

/// The most tasks that can run at once, and how that number came about.
fn tasks(
    env: &Environment,
    service: &ServiceSnapshot,
    record: Option<&CapacityRecord>,
    notes: &mut Vec<String>,
) -> Result<(u64, String), String> {
    let name = &service.name;
    let Some(desired) = service.settings.desired_count else {
        return Err(format!("{name}: desiredCount unknown in {}", env.name));
    };
    let desired = u64::try_from(desired).unwrap_or(0);
    let scaling = match record {
        Some(r) if r.scaling_error.is_none() => r.scaling.iter().find(|t| t.service == *name),
        Some(_) | None => {
            notes.push(format!(
                "{name}: Application Auto Scaling was not read in {}; counted desiredCount",
                env.name
            ));
            None
        }
    };
    let (base, base_text) = match scaling {
        Some(t) if u64::try_from(t.max_capacity).unwrap_or(0) > desired => (
            u64::try_from(t.max_capacity).unwrap_or(0),
            format!(
                "Application Auto Scaling maximum {} (desiredCount {desired})",
                t.max_capacity
            ),
        ),
        _ => (desired, format!("desiredCount {desired}")),
    };
    let daemon = service.settings.scheduling_strategy.as_deref() == Some("DAEMON");
    let (percent, default) = match service.settings.deployment_maximum_percent {
        Some(p) => (p, ""),
        None if daemon => (100, ", ECS's default for a DAEMON service"),
        None => (DEFAULT_MAXIMUM_PERCENT, ", ECS's default"),
    };
    // ECS rounds the maximum down, and never runs fewer than the desired count.
    let peak = (base * u64::try_from(percent).unwrap_or(0) / 100).max(base);
    let text = format!(
        "{} ({base_text}; a rolling deploy runs up to maximumPercent {percent}%{default})",
        plural(peak, "task", "tasks")
    );
    Ok((peak, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parity::capacity::record::ScalingTarget;
    use crate::parity::snapshot::{
        ContainerDefinition, KeyValue, SecretRef, ServiceSettings, Snapshot, TaskDefinition,
    };

    fn service(
        name: &str,
        desired: i32,
        max_percent: Option<i32>,
        vars: &[(&str, &str)],
    ) -> ServiceSnapshot {
        ServiceSnapshot {
            name: name.into(),
            arn: None,
            status: None,
            task_definition_arn: format!("arn:aws:ecs:us-east-1:1:task-definition/{name}:1"),
            settings: ServiceSettings {
                desired_count: Some(desired),
                deployment_maximum_percent: max_percent,
                ..ServiceSettings::default()
            },
            task_definition: Some(TaskDefinition {
                container_definitions: vec![ContainerDefinition {
                    name: name.into(),
                    environment: vars
                        .iter()
                        .map(|(n, v)| KeyValue {
                            name: n.to_string(),
                            value: v.to_string(),
                        })
                        .collect(),
                    ..ContainerDefinition::default()
                }],
                ..TaskDefinition::default()
            }),
        }
    }

    fn env(services: Vec<ServiceSnapshot>, scaling: Vec<ScalingTarget>) -> Environment {
        let mut snap = Snapshot::new("production");
        snap.services = services;
        snap.capacity = Some(CapacityRecord {
            scaling,
            ..CapacityRecord::default()
        });
        Environment::new("production", None, snap)
    }

    #[test]
    fn services_sharing_the_database_add_up() {
        let e = env(
            vec![
                service("web", 2, None, &[("DB_POOL_MAX", "10")]),
                service(
                    "worker",
                    1,
                    Some(150),
                    &[("DATABASE_URL", "postgresql://app@db/app?connection_limit=5")],
                ),
            ],
            vec![ScalingTarget {
                service: "web".into(),
                min_capacity: 1,
                max_capacity: 5,
            }],
        );
        let config = CapacityConfig {
            pool_variable: Some("DB_POOL_MAX".into()),
            processes_per_task: Some(2),
            service: [(
                "worker".to_string(),
                ServiceCapacityConfig {
                    processes_per_task: Some(1),
                    ..ServiceCapacityConfig::default()
                },
            )]
            .into_iter()
            .collect(),
            ..CapacityConfig::default()
        };
        let d = demand(&e, &config);
        assert_eq!(d.unknown, Vec::<String>::new());
        // web: 10 × 2 processes × (scaling maximum 5 at 200% = 10 tasks) = 200;
        // worker: 5 × 1 × 1 task (150% of 1 rounds down to 1) = 5.
        assert_eq!(d.total(), 205);
        assert_eq!(d.services[0].arithmetic, "web: 200 = pool 10 (`DB_POOL_MAX`) × 2 processes × 10 tasks (Application Auto Scaling maximum 5 (desiredCount 2); a rolling deploy runs up to maximumPercent 200%, ECS's default)");
        assert_eq!(d.services[1].arithmetic, "worker: 5 = pool 5 (`DATABASE_URL` connection_limit) × 1 process × 1 task (desiredCount 1; a rolling deploy runs up to maximumPercent 150%)");
    }

    #[test]
    fn a_secret_or_missing_pool_is_unknown_never_zero() {
        let mut secret = service("web", 1, None, &[]);
        if let Some(t) = &mut secret.task_definition {
            t.container_definitions[0].secrets.push(SecretRef {
                name: "DB_POOL_MAX".into(),
                value_from: "arn:aws:secretsmanager:us-east-1:1:secret:x".into(),
            });
        }
        let e = env(vec![secret, service("api", 1, None, &[])], vec![]);
        let config = CapacityConfig {
            pool_variable: Some("DB_POOL_MAX".into()),
            ..CapacityConfig::default()
        };
        let d = demand(&e, &config);
        assert!(d.services.is_empty());
        assert!(
            d.unknown[0].contains("`DB_POOL_MAX` is a secret"),
            "{:?}",
            d.unknown
        );
        assert!(
            d.unknown[1].contains("`DB_POOL_MAX` is not set, `DATABASE_URL` has no pool parameter"),
            "{:?}",
            d.unknown
        );
        let with_default = CapacityConfig {
            pool_size: Some(7),
            ..config
        };
        // The secret stays unknown; the service without a variable takes pool_size.
        let d = demand(&e, &with_default);
        assert_eq!(d.total(), 14);
        assert_eq!(d.unknown.len(), 1);
    }

    #[test]
    fn pool_parameters_in_urls() {
        assert_eq!(
            url_pool_parameter("postgresql://u@db/app?schema=public&connection_limit=5"),
            Some(("connection_limit".into(), 5))
        );
        assert_eq!(
            url_pool_parameter("postgres://db/app?pool_max_conns=20"),
            Some(("pool_max_conns".into(), 20))
        );
        assert_eq!(
            url_pool_parameter("mongodb://db/?maxPoolSize=100#x"),
            Some(("maxPoolSize".into(), 100))
        );
        assert_eq!(
            url_pool_parameter("postgres://db/app?sslmode=require"),
            None
        );
        assert_eq!(url_pool_parameter("postgres://db/app"), None);
        assert_eq!(url_pool_parameter("postgres://db/app?pool=lots"), None);
    }

    #[test]
    fn a_daemon_service_defaults_to_maximum_percent_100() {
        // ECS: the default maximumPercent is 200% for REPLICA services and 100% for DAEMON
        // ones, whose rolling update stops a task before starting its replacement.
        let mut daemon = service("agent", 3, None, &[("DB_POOL_MAX", "10")]);
        daemon.settings.scheduling_strategy = Some("DAEMON".into());
        let e = env(vec![daemon], vec![]);
        let config = CapacityConfig {
            pool_variable: Some("DB_POOL_MAX".into()),
            ..CapacityConfig::default()
        };
        let d = demand(&e, &config);
        assert_eq!(d.total(), 30, "{:?}", d.services);
    }

    #[test]
    fn rds_proxy_endpoints() {
        assert!(is_rds_proxy(
            "postgres://app.proxy-abc123.us-east-1.rds.amazonaws.com/app"
        ));
        assert!(!is_rds_proxy(
            "postgres://app.abc123.us-east-1.rds.amazonaws.com/app"
        ));
    }
}
