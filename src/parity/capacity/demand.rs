//! Demand: how many connections an environment's services may open at once. Per service:
//! the pool size of one process (summed over the task's containers, each with its own source:
//! see [`super::pool`]) × processes per task × the most tasks that can run, which is
//! the larger of `desiredCount` and the Application Auto Scaling maximum, times the rolling
//! deploy's overlap (`maximumPercent`, ECS's default 200%). Services sharing the database add up.

use super::pool::{task_pool, PoolSettings, TaskPool};
use super::record::CapacityRecord;
use crate::config::{CapacityConfig, ServiceCapacityConfig};
use crate::parity::environment::Environment;
use crate::parity::snapshot::ServiceSnapshot;

/// ECS's `maximumPercent` when the service does not set one.
pub const DEFAULT_MAXIMUM_PERCENT: i32 = 200;

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
    pool: PoolSettings<'a>,
    processes: u32,
}

fn settings_for<'a>(
    config: &'a CapacityConfig,
    own: Option<(&'a String, &'a ServiceCapacityConfig)>,
) -> ServiceSettings<'a> {
    // Messages name the table the pool size came from, so a user edits the right one.
    let pool_size_setting = match own {
        Some((name, o)) if o.pool_size.is_some() => format!("[capacity.service.{name}] pool_size"),
        _ => "[capacity] pool_size".to_string(),
    };
    let own = own.map(|(_, o)| o);
    ServiceSettings {
        pool: PoolSettings {
            pool_variable: own
                .and_then(|o| o.pool_variable.as_deref())
                .or(config.pool_variable.as_deref()),
            url_variable: own
                .and_then(|o| o.url_variable.as_deref())
                .or(config.url_variable.as_deref())
                .unwrap_or("DATABASE_URL"),
            pool_size: own.and_then(|o| o.pool_size).or(config.pool_size),
            pool_size_setting,
        },
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
            .find(|(name, _)| matches(env, service, name));
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
    let TaskPool {
        size: pool,
        text: pool_text,
        mut notes,
    } = task_pool(env, service, &settings.pool)?;
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

    /// A container: `(name, plain variables, secret names)`.
    type Container<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);

    /// One service whose task runs `containers`, desiredCount 1, maximumPercent 100%.
    fn task(name: &str, containers: &[Container]) -> ServiceSnapshot {
        let mut s = service(name, 1, Some(100), &[]);
        if let Some(t) = &mut s.task_definition {
            t.container_definitions = containers
                .iter()
                .map(|(c, vars, secrets)| ContainerDefinition {
                    name: c.to_string(),
                    environment: vars
                        .iter()
                        .map(|(n, v)| KeyValue {
                            name: n.to_string(),
                            value: v.to_string(),
                        })
                        .collect(),
                    secrets: secrets
                        .iter()
                        .map(|n| SecretRef {
                            name: n.to_string(),
                            value_from: format!("arn:aws:secretsmanager:us-east-1:1:secret:{n}"),
                        })
                        .collect(),
                    ..ContainerDefinition::default()
                })
                .collect();
        }
        s
    }

    fn pool_config(pool_size: Option<u32>) -> CapacityConfig {
        CapacityConfig {
            pool_variable: Some("DB_POOL_SIZE".into()),
            pool_size,
            ..CapacityConfig::default()
        }
    }

    #[test]
    fn each_container_brings_its_own_pool_source() {
        // web sets the pool variable, worker's URL carries connection_limit, migrate has the URL
        // as a secret (pool_size), the log router names no database variable (nothing).
        let e = env(
            vec![task(
                "web",
                &[
                    ("web", &[("DB_POOL_SIZE", "30")], &["DATABASE_URL"]),
                    (
                        "worker",
                        &[("DATABASE_URL", "postgres://db/app?connection_limit=20")],
                        &[],
                    ),
                    ("migrate", &[], &["DATABASE_URL"]),
                    ("log-router", &[("LOG_LEVEL", "info")], &[]),
                ],
            )],
            vec![],
        );
        let config = CapacityConfig {
            processes_per_task: Some(2),
            ..pool_config(Some(5))
        };
        let d = demand(&e, &config);
        assert_eq!(d.unknown, Vec::<String>::new());
        assert_eq!(d.total(), 110);
        assert_eq!(d.services[0].arithmetic, "web: 110 = pool 55 (web 30 from `DB_POOL_SIZE` + worker 20 from `DATABASE_URL` connection_limit + migrate 5 from [capacity] pool_size) × 2 processes × 1 task (desiredCount 1; a rolling deploy runs up to maximumPercent 100%)");
    }

    #[test]
    fn the_pool_variable_does_not_hide_another_containers_url_parameter() {
        let e = env(
            vec![task(
                "web",
                &[
                    ("web", &[("DB_POOL_SIZE", "30")], &[]),
                    (
                        "worker",
                        &[("DATABASE_URL", "postgres://db/app?connection_limit=20")],
                        &[],
                    ),
                ],
            )],
            vec![],
        );
        let d = demand(&e, &pool_config(None));
        assert_eq!(d.total(), 50, "{:?}", d);
    }

    #[test]
    fn one_source_per_container_in_the_documented_order() {
        // The pool variable wins over the same container's URL parameter, which wins over
        // pool_size; a single contributing container keeps the short form.
        let e = env(
            vec![
                task(
                    "a",
                    &[(
                        "a",
                        &[
                            ("DB_POOL_SIZE", "8"),
                            ("DATABASE_URL", "postgres://db/app?connection_limit=20"),
                        ],
                        &[],
                    )],
                ),
                task(
                    "b",
                    &[(
                        "b",
                        &[("DATABASE_URL", "postgres://db/app?connection_limit=20")],
                        &[],
                    )],
                ),
                task("c", &[("c", &[], &["DATABASE_URL"]), ("proxy", &[], &[])]),
            ],
            vec![],
        );
        let d = demand(&e, &pool_config(Some(5)));
        let texts: Vec<&str> = d
            .services
            .iter()
            .map(|s| s.arithmetic.split(" × ").next().unwrap_or_default())
            .collect();
        assert_eq!(
            texts,
            [
                "a: 8 = pool 8 (`DB_POOL_SIZE`)",
                "b: 20 = pool 20 (`DATABASE_URL` connection_limit)",
                "c: 5 = pool 5 ([capacity] pool_size)",
            ]
        );
    }

    #[test]
    fn the_arithmetic_names_the_table_whose_pool_size_was_used() {
        // A per-service pool_size is named as such, so the user edits the table that counted;
        // a service without its own pool_size names [capacity].
        let e = env(
            vec![
                task("web", &[("web", &[], &["DATABASE_URL"])]),
                task("api", &[("api", &[], &["DATABASE_URL"])]),
                task("cron", &[("cron", &[], &[])]),
            ],
            vec![],
        );
        let mut config = pool_config(Some(5));
        config.service.insert(
            "web".into(),
            ServiceCapacityConfig {
                pool_size: Some(9),
                ..ServiceCapacityConfig::default()
            },
        );
        config.service.insert(
            "cron".into(),
            ServiceCapacityConfig {
                pool_size: Some(2),
                ..ServiceCapacityConfig::default()
            },
        );
        let d = demand(&e, &config);
        let texts: Vec<&str> = d
            .services
            .iter()
            .map(|s| s.arithmetic.split(" × ").next().unwrap_or_default())
            .collect();
        assert_eq!(
            texts,
            [
                "web: 9 = pool 9 ([capacity.service.web] pool_size)",
                "api: 5 = pool 5 ([capacity] pool_size)",
                "cron: 2 = pool 2 ([capacity.service.cron] pool_size)",
            ]
        );
    }

    #[test]
    fn a_connecting_container_without_a_known_pool_makes_the_service_unknown() {
        let e = env(
            vec![task(
                "web",
                &[
                    ("web", &[("DB_POOL_SIZE", "30")], &[]),
                    ("worker", &[], &["DATABASE_URL"]),
                ],
            )],
            vec![],
        );
        let d = demand(&e, &pool_config(None));
        assert!(d.services.is_empty(), "{:?}", d.services);
        assert_eq!(d.unknown.len(), 1, "{:?}", d.unknown);
        assert!(
            d.unknown[0].starts_with("web: container `worker`"),
            "{:?}",
            d.unknown
        );
        assert!(!d.unknown[0].contains('\n'));
        // A secret pool variable or a value that is not a number names its container too.
        for (vars, secrets, says) in [
            (&[][..], &["DB_POOL_SIZE"][..], "`DB_POOL_SIZE` is a secret"),
            (
                &[("DB_POOL_SIZE", "lots")][..],
                &[][..],
                "`DB_POOL_SIZE` is `lots`",
            ),
        ] {
            let e = env(
                vec![task(
                    "web",
                    &[
                        ("web", &[("DB_POOL_SIZE", "30")], &[]),
                        ("worker", vars, secrets),
                    ],
                )],
                vec![],
            );
            let d = demand(&e, &pool_config(Some(5)));
            assert!(d.services.is_empty(), "{:?}", d.services);
            assert!(
                d.unknown[0].starts_with("web: container `worker`") && d.unknown[0].contains(says),
                "{:?}",
                d.unknown
            );
        }
    }

    #[test]
    fn a_task_where_no_container_names_a_database_variable_counts_pool_size_once() {
        // preflight cannot tell which container connects: the task counts pool_size once.
        let e = env(
            vec![task("web", &[("web", &[], &[]), ("sidecar", &[], &[])])],
            vec![],
        );
        let d = demand(&e, &pool_config(Some(7)));
        assert_eq!(d.total(), 7, "{:?}", d);
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
}
