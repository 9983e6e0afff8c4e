//! The start prerequisites (image pull, log groups, environment files) decided from snapshots:
//! the cases moto cannot play (an image in another account, a snapshot of an older preflight)
//! and the limits ECS sets, on copies of migrations-sample's snapshots.

use preflight::parity::snapshot::{EnvironmentFile, ImageRecord, LookupStatus, Snapshot};
use preflight::parity::{run_checks, CheckSettings, Environment};
use std::path::Path;

fn sample(env: &str) -> Snapshot {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("migrations-sample/snapshots/{env}.json"));
    Snapshot::load(&path).expect("sample snapshot")
}

/// Production as a faithful copy of staging (another account, the names changed).
fn production() -> Snapshot {
    let text = sample("staging")
        .to_json()
        .replace("111111111111", "222222222222")
        .replace("staging", "production");
    Snapshot::parse(Path::new("production.json"), &text).expect("copy")
}

/// `(rule, subject, unknown)` of production's findings, without drift.
fn run(production: Snapshot) -> Vec<(String, String, bool)> {
    let envs = [
        Environment::new("staging", None, sample("staging")),
        Environment::new("production", None, production),
    ];
    run_checks(&envs, &CheckSettings::default())
        .findings
        .into_iter()
        .filter(|f| f.environment.as_deref() == Some("production"))
        .filter(|f| !["PA101", "PA102", "PA601", "PA602"].contains(&f.code()))
        .map(|f| {
            (
                f.code().to_string(),
                f.subject.unwrap_or_default(),
                f.unknown,
            )
        })
        .collect()
}

fn web(s: &mut Snapshot) -> &mut preflight::parity::snapshot::ContainerDefinition {
    &mut s.services[0]
        .task_definition
        .as_mut()
        .expect("read")
        .container_definitions[0]
}

const SHARED_IMAGE: &str = "111111111111.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2";

/// Production pulls staging's image; its record carries `policy` as the repository policy.
fn pulling_from_staging(policy: Option<&str>) -> Snapshot {
    let mut production = production();
    web(&mut production).image = Some(SHARED_IMAGE.into());
    let images = production.images.get_or_insert_with(Vec::new);
    images.push(ImageRecord {
        image: SHARED_IMAGE.into(),
        status: LookupStatus::Found,
        missing: None,
        repository_arn: Some("arn:aws:ecr:us-east-1:111111111111:repository/web".into()),
        repository_policy: policy.map(str::to_string),
        architectures: Some(vec!["amd64".into()]),
        kms_key: None,
        error: None,
    });
    production
}

#[test]
fn the_sample_snapshots_record_what_a_task_needs_and_pass() {
    let production = production();
    assert!(production.images.as_ref().is_some_and(|i| !i.is_empty()));
    assert!(production
        .log_groups
        .as_ref()
        .is_some_and(|g| !g.is_empty()));
    assert!(production
        .environment_files
        .as_ref()
        .is_some_and(|f| !f.is_empty()));
    assert_eq!(run(production), vec![]);
}

#[test]
fn an_image_in_another_account_needs_its_repository_policy() {
    let denied = run(pulling_from_staging(None));
    assert_eq!(
        denied,
        vec![
            ("PA408".into(), "web: web.image".into(), false),
            ("PA408".into(), "web: web.image".into(), false),
            ("PA408".into(), "web: web.image".into(), false),
        ],
        "the three repository actions, each refused without a repository policy"
    );
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ProductionPulls","Effect":"Allow",
        "Principal":{"AWS":"arn:aws:iam::222222222222:root"},
        "Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer","ecr:BatchCheckLayerAvailability"]}]}"#;
    assert_eq!(run(pulling_from_staging(Some(policy))), vec![]);
}

#[test]
fn a_snapshot_of_an_older_preflight_leaves_the_prerequisites_unknown() {
    let mut production = production();
    production.images = None;
    production.log_groups = None;
    production.environment_files = None;
    let found = run(production);
    let rules: Vec<&str> = found.iter().map(|(r, _, _)| r.as_str()).collect();
    assert_eq!(rules, vec!["PA109", "PA309", "PA409"], "{found:?}");
    assert!(found.iter().all(|(_, _, unknown)| *unknown), "{found:?}");
}

#[test]
fn more_than_ten_environment_files() {
    let mut production = production();
    let file = web(&mut production).environment_files[0].clone();
    web(&mut production).environment_files = vec![
        EnvironmentFile {
            value: file.value.clone(),
            kind: "s3".into(),
        };
        11
    ];
    let found = run(production);
    assert!(
        found.contains(&("PA309".into(), "web: web.environmentFiles".into(), false)),
        "{found:?}"
    );
}

#[test]
fn an_explicit_architecture_with_a_single_platform_manifest_is_unknown() {
    let mut production = production();
    for image in production.images.iter_mut().flatten() {
        image.architectures = None;
    }
    assert_eq!(
        run(production.clone()),
        vec![],
        "Fargate's default is not a claim"
    );
    production.services[0]
        .task_definition
        .as_mut()
        .expect("read")
        .cpu_architecture = Some("ARM64".into());
    assert_eq!(
        run(production),
        vec![("PA110".into(), "web: web.image".into(), true)]
    );
}

/// On EC2 the container instance's role pulls ECR images and writes awslogs, but secrets and
/// environment files need an execution role on every launch type (AWS's "task execution IAM
/// role" page): without one, only those two are reported.
#[test]
fn an_ec2_task_without_an_execution_role_fails_on_its_secrets_and_files_only() {
    let mut production = production();
    let service = &mut production.services[0];
    service.settings.launch_type = Some("EC2".into());
    let task = service.task_definition.as_mut().expect("read");
    task.requires_compatibilities = vec!["EC2".into()];
    task.execution_role_arn = None;
    let findings = run(production);
    let rules: Vec<&str> = findings.iter().map(|(r, _, _)| r.as_str()).collect();
    assert!(rules.contains(&"PA401"), "{findings:?}");
    assert!(rules.contains(&"PA410"), "{findings:?}");
    assert!(!rules.contains(&"PA407"), "{findings:?}");
    assert!(!rules.contains(&"PA408"), "{findings:?}");
}

/// PA111 from snapshots: the key's state and ECR's grants decide; a key AWS manages is not
/// checked; a key record without grants (ListGrants failed) is unknown.
#[test]
fn an_encrypted_repository_is_judged_by_its_key_state_and_ecrs_grant() {
    use preflight::parity::snapshot::{KeyMetadata, KeyRecord};
    const KEY: &str = "arn:aws:kms:us-east-1:222222222222:key/1234";
    const REPOSITORY: &str = "arn:aws:ecr:us-east-1:222222222222:repository/web";
    let with_key = |manager: &str, state: &str, grants: Option<Vec<String>>| {
        let mut production = production();
        for image in production.images.iter_mut().flatten() {
            image.kms_key = Some(KEY.into());
            image.repository_arn = Some(REPOSITORY.into());
        }
        production.keys.push(KeyRecord {
            reference: KEY.into(),
            status: LookupStatus::Found,
            metadata: Some(KeyMetadata {
                arn: KEY.into(),
                key_manager: Some(manager.into()),
                policy: None,
                key_state: Some(state.into()),
                ecr_grants: grants,
            }),
            error: None,
        });
        run(production)
    };
    let granted = Some(vec![REPOSITORY.to_string()]);
    assert_eq!(with_key("CUSTOMER", "Enabled", granted.clone()), vec![]);
    assert_eq!(with_key("AWS", "Enabled", None), vec![]);
    let pa111 = |unknown| vec![("PA111".to_string(), "web: web.image".to_string(), unknown)];
    assert_eq!(
        with_key("CUSTOMER", "PendingDeletion", granted),
        pa111(false)
    );
    assert_eq!(with_key("CUSTOMER", "Enabled", Some(vec![])), pa111(false));
    assert_eq!(with_key("CUSTOMER", "Enabled", None), pa111(true));
}

/// PA112 from snapshots, including what moto cannot play: a service-level constraint and a
/// capacity provider that may add instances.
#[test]
fn placement_constraints_against_the_clusters_instances() {
    use preflight::parity::snapshot::{
        CapacityProviderItem, ContainerInstanceRecord, PlacementConstraint,
    };
    let on_ec2 = |expression: &str, providers: bool| {
        let mut production = production();
        let service = &mut production.services[0];
        service.settings.launch_type = (!providers).then(|| "EC2".to_string());
        if providers {
            service.settings.capacity_provider_strategy = vec![CapacityProviderItem {
                capacity_provider: "app-asg".into(),
                weight: 1,
                base: 0,
            }];
        }
        service.settings.placement_constraints = vec![PlacementConstraint {
            kind: "memberOf".into(),
            expression: Some(expression.into()),
        }];
        let task = service.task_definition.as_mut().expect("read");
        task.requires_compatibilities = vec!["EC2".into()];
        production.container_instances = Some(vec![ContainerInstanceRecord {
            arn: "arn:aws:ecs:us-east-1:222222222222:container-instance/app/1".into(),
            ec2_instance_id: Some("i-0abc".into()),
            status: Some("ACTIVE".into()),
            agent_connected: Some(true),
            attributes: [
                (
                    "ecs.instance-type".to_string(),
                    Some("m6i.large".to_string()),
                ),
                (
                    "ecs.availability-zone".to_string(),
                    Some("us-east-1a".to_string()),
                ),
            ]
            .into(),
        }]);
        run(production)
            .into_iter()
            .filter(|(rule, _, _)| rule == "PA112")
            .map(|(_, _, unknown)| unknown)
            .collect::<Vec<bool>>()
    };
    assert_eq!(
        on_ec2("attribute:ecs.instance-type =~ m6i\\..*", false),
        Vec::<bool>::new()
    );
    assert_eq!(
        on_ec2(
            "attribute:ecs.availability-zone in [us-east-1b, us-east-1c]",
            false
        ),
        vec![false]
    );
    assert_eq!(
        on_ec2("attribute:ecs.availability-zone == us-east-1b", true),
        vec![true]
    );
    assert_eq!(on_ec2("task:group == service:web", false), vec![true]);
    assert_eq!(
        on_ec2("ec2InstanceId in ['i-0abc']", false),
        Vec::<bool>::new()
    );
}

/// In GovCloud (and China) every ARN carries its partition: the execution role's grant on
/// `arn:aws-us-gov:logs:…` covers the log streams ECS creates there.
#[test]
fn log_permissions_are_decided_in_the_roles_partition() {
    let gov = |s: Snapshot| {
        let text = s
            .to_json()
            .replace("arn:aws:", "arn:aws-us-gov:")
            .replace("us-east-1", "us-gov-west-1");
        Snapshot::parse(Path::new("gov.json"), &text).expect("copy")
    };
    let mut production = gov(production());
    let role = production
        .roles
        .iter_mut()
        .find(|r| r.arn.ends_with("-exec"))
        .expect("exec role");
    let base = role
        .attached_policies
        .iter_mut()
        .find(|p| p.name == "ecs-exec-base")
        .expect("ecs-exec-base");
    let scoped = base.document.replacen(
        r#""Resource": "*""#,
        r#""Resource": "arn:aws-us-gov:logs:us-gov-west-1:222222222222:log-group:/ecs/production/web:*""#,
        1,
    );
    assert_ne!(scoped, base.document);
    base.document = scoped;
    let envs = [
        Environment::new("staging", None, gov(sample("staging"))),
        Environment::new("production", None, production),
    ];
    let on_logs: Vec<String> = run_checks(&envs, &CheckSettings::default())
        .findings
        .into_iter()
        .filter(|f| f.code() == "PA407")
        .map(|f| format!("{}: {}", f.message, f.notes.join("; ")))
        .collect();
    assert_eq!(on_logs, Vec::<String>::new());
}

/// A region guard on the execution role (`Deny` outside the allowed regions, a common pattern):
/// `ecr:GetAuthorizationToken` is asked on `*`, and its region is the registry's, so the guard
/// is decided for it as for the repository actions instead of leaving the pull unknown.
#[test]
fn a_region_guard_is_decided_for_the_registry_token() {
    let guarded = |allowed: &str| {
        let mut production = production();
        let role = production
            .roles
            .iter_mut()
            .find(|r| r.arn.ends_with("-exec"))
            .expect("exec role");
        let base = role
            .attached_policies
            .iter_mut()
            .find(|p| p.name == "ecs-exec-base")
            .expect("ecs-exec-base");
        let mut document: serde_json::Value =
            serde_json::from_str(&base.document).expect("policy JSON");
        document["Statement"]
            .as_array_mut()
            .expect("statements")
            .push(serde_json::json!({
                "Sid": "RegionGuard", "Effect": "Deny", "Action": "*", "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": [allowed]}}
            }));
        base.document = document.to_string();
        run(production)
            .into_iter()
            .filter(|(_, subject, _)| subject == "web: web.image")
            .collect::<Vec<_>>()
    };
    assert_eq!(guarded("us-east-1"), vec![], "the registry is in us-east-1");
    let denied = guarded("eu-west-1");
    assert!(!denied.is_empty());
    assert!(
        denied
            .iter()
            .all(|(rule, _, unknown)| rule == "PA408" && !unknown),
        "{denied:?}"
    );
}
