//! Benchmark (ignored by default; `bench/parity.sh` runs it in release): parity over generated
//! snapshots of 200 services × 3 environments, read from files as `preflight parity` does,
//! with capacity (one shared RDS database per environment, a formula limit) checked too.
//! Prints the time; no timing assertion (performance goals live in benchmarks, not tests).

use preflight::config::{CapacityConfig, EnvironmentConfig};
use preflight::parity::capacity::record::{CapacityRecord, DatabaseLimit, LimitSource};
use preflight::parity::capacity::CapacitySettings;
use preflight::parity::snapshot::*;
use preflight::parity::{
    parity, run_checks, CheckSettings, Environment, EnvironmentSource, ParityOptions,
};
use std::time::Instant;

const SERVICES: usize = 200;
const ENVIRONMENTS: [(&str, &str); 3] = [
    ("staging", "111111111111"),
    ("production", "222222222222"),
    ("qa", "333333333333"),
];

fn snapshot(env: &str, account: &str) -> Snapshot {
    let mut s = Snapshot::new(env);
    s.account_id = Some(account.into());
    s.region = Some("us-east-1".into());
    s.cluster = Some("app".into());
    for i in 0..SERVICES {
        let name = format!("svc{i:03}");
        let exec = format!("arn:aws:iam::{account}:role/{name}-{env}-exec");
        let secret_arn = |k: usize| {
            format!("arn:aws:secretsmanager:us-east-1:{account}:secret:{env}/{name}/S{k}-AbCdEf")
        };
        let container = |c: usize| ContainerDefinition {
            name: format!("c{c}"),
            image: Some(format!(
                "{account}.dkr.ecr.us-east-1.amazonaws.com/{name}:1.{i}"
            )),
            essential: Some(c == 0),
            port_mappings: vec![PortMapping {
                container_port: Some(8080 + c as i32),
                ..PortMapping::default()
            }],
            environment: (0..15)
                .map(|k| KeyValue {
                    name: format!("VAR_{k}"),
                    value: format!("{env}-value-{k}.internal"),
                })
                .chain((c == 0).then(|| KeyValue {
                    name: "DB_POOL_MAX".into(),
                    value: "2".into(),
                }))
                .collect(),
            secrets: (0..5)
                .map(|k| SecretRef {
                    name: format!("SECRET_{k}"),
                    value_from: format!("{}:key::", secret_arn(k)),
                })
                .collect(),
            log_configuration: Some(LogConfiguration {
                log_driver: "awslogs".into(),
                secret_options: Vec::new(),
                options: [
                    ("awslogs-group".to_string(), format!("/ecs/{env}/{name}")),
                    ("awslogs-region".to_string(), "us-east-1".to_string()),
                ]
                .into(),
            }),
            ..ContainerDefinition::default()
        };
        s.services.push(ServiceSnapshot {
            name: name.clone(),
            arn: None,
            status: Some("ACTIVE".into()),
            task_definition_arn: format!(
                "arn:aws:ecs:us-east-1:{account}:task-definition/{name}-{env}:{}",
                i + 3
            ),
            settings: ServiceSettings {
                launch_type: Some("FARGATE".into()),
                desired_count: Some(2),
                ..ServiceSettings::default()
            },
            task_definition: Some(TaskDefinition {
                task_definition_arn: format!(
                    "arn:aws:ecs:us-east-1:{account}:task-definition/{name}-{env}:{}",
                    i + 3
                ),
                family: format!("{name}-{env}"),
                revision: i as i32 + 3,
                execution_role_arn: Some(exec.clone()),
                network_mode: Some("awsvpc".into()),
                cpu: Some("512".into()),
                memory: Some("1024".into()),
                requires_compatibilities: vec!["FARGATE".into()],
                container_definitions: vec![container(0), container(1)],
                ..TaskDefinition::default()
            }),
        });
        // What the task needs before it starts: its image (pushed for amd64) and log group.
        s.images.get_or_insert_with(Vec::new).push(ImageRecord {
            image: format!("{account}.dkr.ecr.us-east-1.amazonaws.com/{name}:1.{i}"),
            status: LookupStatus::Found,
            missing: None,
            repository_arn: Some(format!("arn:aws:ecr:us-east-1:{account}:repository/{name}")),
            repository_policy: None,
            architectures: Some(vec!["amd64".into()]),
            kms_key: None,
            error: None,
        });
        s.log_groups
            .get_or_insert_with(Vec::new)
            .push(LogGroupRecord {
                region: "us-east-1".into(),
                name: format!("/ecs/{env}/{name}"),
                status: LookupStatus::Found,
                error: None,
            });
        for k in 0..5 {
            s.secrets.push(SecretRecord {
                reference: secret_arn(k),
                status: LookupStatus::Found,
                metadata: Some(SecretMetadata {
                    arn: secret_arn(k),
                    name: format!("{env}/{name}/S{k}"),
                    kms_key_id: None,
                    deleted_date: None,
                    tags: Default::default(),
                    resource_policy: None,
                    versions: None,
                }),
                error: None,
            });
        }
        s.roles.push(RoleRecord {
            arn: exec,
            status: LookupStatus::Found,
            error: None,
            inline_policies: vec![PolicyRecord {
                name: "read".into(),
                arn: None,
                version_id: None,
                document: format!(r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Read","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"arn:aws:secretsmanager:us-east-1:{account}:secret:{env}/{name}/*"}},{{"Sid":"Logs","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:us-east-1:{account}:log-group:/ecs/{env}/{name}:*"}},{{"Sid":"Token","Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}},{{"Sid":"Pull","Effect":"Allow","Action":["ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"],"Resource":"arn:aws:ecr:us-east-1:{account}:repository/{name}"}}]}}"#),
            }],
            attached_policies: vec![],
            permission_boundary: None,
            trust_policy: Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into()),
        });
    }
    // One database shared by every service: 200 × pool 2 × 4 tasks (2 at 200%) = 3,200 of
    // LEAST(128 GiB / 9531392, 5000) − 5 = 4,995 available; no finding.
    let mut database = DatabaseLimit::new(LimitSource::RdsInstance, format!("app-{env}"));
    database.engine = Some("postgres".into());
    database.instance_class = Some("db.r6g.4xlarge".into());
    database.parameter_group = Some(format!("app-{env}"));
    database.parameters.insert(
        "max_connections".into(),
        "LEAST({DBInstanceClassMemory/9531392},5000)".into(),
    );
    s.capacity = Some(CapacityRecord {
        database: Some(database),
        ..CapacityRecord::default()
    });
    s
}

fn capacity_settings() -> CapacitySettings {
    CapacitySettings {
        config: CapacityConfig {
            pool_variable: Some("DB_POOL_MAX".into()),
            ..CapacityConfig::default()
        },
        ..CapacitySettings::default()
    }
}

#[test]
#[ignore = "benchmark: run bench/parity.sh"]
fn parity_over_200_services_in_3_environments() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut environments = Vec::new();
    for (env, account) in ENVIRONMENTS {
        let path = dir.path().join(format!("{env}.json"));
        std::fs::write(&path, snapshot(env, account).to_json()).expect("write");
        environments.push(EnvironmentSource {
            name: env.into(),
            config: EnvironmentConfig {
                snapshot: Some(path),
                ..EnvironmentConfig::default()
            },
        });
    }
    let options = ParityOptions {
        environments,
        capacity: Some(capacity_settings()),
        ..ParityOptions::default()
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let report = runtime.block_on(parity(&options)).expect("parity");
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        best = best.min(ms);
        // The generated environments agree (images differ only by tag: expected, info).
        assert!(report
            .findings
            .iter()
            .all(|f| f.severity == preflight::diagnostics::Severity::Info));
    }
    // Where the time goes: reading the files, and the checks alone.
    let start = Instant::now();
    let snapshots: Vec<Snapshot> = options
        .environments
        .iter()
        .map(|e| Snapshot::load(e.config.snapshot.as_deref().expect("file")).expect("load"))
        .collect();
    let load_ms = start.elapsed().as_secs_f64() * 1000.0;
    let envs: Vec<Environment> = options
        .environments
        .iter()
        .zip(snapshots)
        .map(|(e, s)| Environment::new(&e.name, None, s))
        .collect();
    let start = Instant::now();
    let settings = CheckSettings {
        capacity: Some(capacity_settings()),
        ..CheckSettings::default()
    };
    let _ = run_checks(&envs, &settings);
    let check_ms = start.elapsed().as_secs_f64() * 1000.0;
    println!("parity: reading snapshots {load_ms:.1} ms, checks {check_ms:.1} ms");
    let time = |label: &str, f: &dyn Fn()| {
        let start = Instant::now();
        f();
        println!(
            "  {label}: {:.1} ms",
            start.elapsed().as_secs_f64() * 1000.0
        );
    };
    use preflight::parity::{names, permissions, secrets, taskdef, values};
    time("task definitions", &|| drop(taskdef::check(&envs, &[])));
    time("variable names", &|| drop(names::check(&envs, &[])));
    time("secrets", &|| drop(secrets::check(&envs, false)));
    time("IAM", &|| drop(permissions::check(&envs)));
    time("values", &|| drop(values::check(&envs, &[])));
    time("image pull, log groups, environment files", &|| {
        drop(preflight::parity::image_pull::check(&envs));
        drop(preflight::parity::log_groups::check(&envs));
        drop(preflight::parity::environment_files::check(&envs));
    });
    time("capacity", &|| {
        drop(preflight::parity::capacity::check(
            &envs,
            &capacity_settings(),
        ))
    });
    println!(
        "parity: {SERVICES} services x {} environments: best of 5 = {best:.1} ms",
        ENVIRONMENTS.len()
    );
}
