//! Will the task start? What ECS needs before the containers run: the ECR image and the right to
//! pull it, the log group, the S3 environment files, the secrets behind `repositoryCredentials`,
//! log `secretOptions` and `/aws/reference/secretsmanager/` parameters. Each fault is given to
//! the repaired incident's production in a real moto_server (fixtures/parity/moto_scenario.py
//! `fault`), next to a control that must pass; live, and from snapshots of the same accounts.
#![cfg(feature = "aws")] // live reads need the AWS SDK

mod common;

use common::moto::{
    live_and_offline, message, parity, start_findings, triple, verdict, with_fault, Incident,
};

#[test]
fn the_repaired_incident_passes_with_its_image_log_group_and_environment_file() {
    let incident = Incident::build();
    incident.repair_production();
    let run = live_and_offline(&incident);
    assert_eq!(run.findings(), vec![], "{}", run.stdout);
    assert_eq!(run.code, 0);
    assert_eq!(verdict(&run), "will start");
    let snapshot = std::fs::read_to_string(incident.path("production.json")).expect("snapshot");
    assert!(snapshot.contains("\"architectures\""), "{snapshot}");
    assert!(snapshot.contains("/ecs/production/web"));
    assert!(snapshot.contains("arn:aws:s3:::app-production-config/web/app.env"));
}

#[test]
fn an_image_tag_or_repository_production_does_not_have() {
    let run = live_and_offline(&with_fault("image-tag-missing"));
    assert_eq!(
        start_findings(&run),
        vec![triple("PA109", "production", "web: web.image")]
    );
    assert!(
        message(&run, "PA109").contains("tag `1.4.3`"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 1);
    assert_eq!(verdict(&run), "will not start");

    let run = parity(&with_fault("repository-missing"));
    assert_eq!(
        start_findings(&run),
        vec![triple("PA109", "production", "web: web.image")]
    );
    assert!(message(&run, "PA109").contains("repository `webapp` does not exist"));
}

#[test]
fn an_arm64_task_with_an_amd64_only_image() {
    let run = live_and_offline(&with_fault("arch-arm64"));
    assert_eq!(
        start_findings(&run),
        vec![triple("PA110", "production", "web: web.image")]
    );
    let text = message(&run, "PA110");
    assert!(text.contains("ARM64") && text.contains("amd64"), "{text}");
    assert_eq!(run.code, 1);
}

#[test]
fn an_execution_role_denied_the_image_pull() {
    let run = parity(&with_fault("ecr-denied"));
    assert_eq!(
        start_findings(&run),
        vec![
            triple("PA403", "production", "web: execution role"),
            triple("PA408", "production", "web: web.image"),
        ]
    );
    let text = message(&run, "PA408");
    assert!(
        text.contains("ecr:BatchGetImage") && text.contains("'NoPull'"),
        "{text}"
    );
    assert_eq!(run.code, 1);
    assert_eq!(verdict(&run), "will not start");
}

#[test]
fn a_log_group_that_does_not_exist_unless_the_driver_creates_it() {
    let run = live_and_offline(&with_fault("log-group-missing"));
    assert_eq!(
        run.findings(),
        vec![triple("PA409", "production", "web: web.logConfiguration")]
    );
    assert!(message(&run, "PA409").contains("/ecs/production/web"));
    assert_eq!(run.code, 1);

    // Control: the group is gone but the driver may create it, and the role may too.
    let run = parity(&with_fault("log-group-create"));
    let rules: Vec<String> = run.findings().into_iter().map(|f| f.0).collect();
    assert!(!rules.contains(&"PA409".to_string()), "{}", run.stdout);
    assert!(!rules.contains(&"PA407".to_string()), "{}", run.stdout);
    assert_eq!(verdict(&run), "will start", "{}", run.stdout);
}

#[test]
fn environment_files_missing_misnamed_or_unreadable() {
    let run = live_and_offline(&with_fault("env-file-missing"));
    assert_eq!(
        start_findings(&run),
        vec![triple("PA309", "production", "web: web.environmentFiles")]
    );
    assert!(message(&run, "PA309").contains("missing.env` does not exist"));
    assert_eq!(run.code, 1);

    let run = parity(&with_fault("env-file-txt"));
    assert_eq!(
        start_findings(&run),
        vec![triple("PA309", "production", "web: web.environmentFiles")]
    );
    assert!(message(&run, "PA309").contains("does not end in `.env`"));

    let run = parity(&with_fault("env-file-denied"));
    assert_eq!(
        start_findings(&run),
        vec![
            triple("PA403", "production", "web: execution role"),
            triple("PA410", "production", "web: web.environmentFiles"),
        ]
    );
    assert!(message(&run, "PA410").contains("s3:GetBucketLocation"));
    assert_eq!(run.code, 1);
}

#[test]
fn a_parameter_that_references_secrets_manager_is_that_secret() {
    // Control: before, DescribeParameters did not find the reference and PA301 was raised.
    let run = live_and_offline(&with_fault("ssm-reference"));
    assert_eq!(start_findings(&run), vec![], "{}", run.stdout);
    assert_eq!(run.code, 0, "{}", run.stdout);

    let run = parity(&with_fault("ssm-reference-missing"));
    assert_eq!(
        start_findings(&run),
        vec![triple("PA301", "production", "SESSION_TOKEN")]
    );
    assert!(message(&run, "PA301").contains("production/web/SESSION_SECRET"));
}

#[test]
fn registry_credentials_and_log_secret_options_are_checked_like_secrets() {
    let incident = with_fault("registry-credentials-missing");
    let run = live_and_offline(&incident);
    assert_eq!(
        start_findings(&run),
        vec![triple("PA301", "production", "repositoryCredentials")]
    );
    assert_eq!(verdict(&run), "will not start");

    let incident = with_fault("log-secret-option-denied");
    let run = parity(&incident);
    assert_eq!(
        start_findings(&run),
        vec![triple("PA401", "production", "log-token")]
    );
    assert!(message(&run, "PA401").contains("ssm:GetParameters"));
    assert!(!run.stdout.contains(&incident.sentinel));
}

#[test]
fn an_image_repository_whose_kms_key_ecr_can_no_longer_use() {
    // Control: a repository encrypted with a customer-managed key that holds ECR's grant.
    let run = live_and_offline(&with_fault("ecr-key"));
    assert_eq!(start_findings(&run), vec![], "{}", run.stdout);
    assert_eq!(verdict(&run), "will start", "{}", run.stdout);

    let run = live_and_offline(&with_fault("ecr-key-disabled"));
    assert_eq!(
        start_findings(&run),
        vec![triple("PA111", "production", "web: web.image")]
    );
    let text = message(&run, "PA111");
    assert!(text.contains("whose state is Disabled"), "{text}");
    assert_eq!(run.code, 1);
    assert_eq!(verdict(&run), "will not start");

    let run = live_and_offline(&with_fault("ecr-key-grant-revoked"));
    assert_eq!(
        start_findings(&run),
        vec![triple("PA111", "production", "web: web.image")]
    );
    let text = message(&run, "PA111");
    assert!(
        text.contains("holds no grant") && text.contains("repository/web-encrypted"),
        "{text}"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn a_bucket_policy_that_denies_the_execution_role_its_environment_file() {
    let run = live_and_offline(&with_fault("bucket-deny"));
    assert_eq!(
        start_findings(&run),
        vec![triple("PA410", "production", "web: web.environmentFiles")]
    );
    let text = message(&run, "PA410");
    assert!(
        text.contains("explicitly denied s3:GetObject") && text.contains("'NoExecRole'"),
        "{text}"
    );
    assert_eq!(run.code, 1);
    assert_eq!(verdict(&run), "will not start");

    // Control: the usual HTTPS-only policy; ECS downloads over HTTPS.
    let run = live_and_offline(&with_fault("bucket-https-only"));
    assert_eq!(start_findings(&run), vec![], "{}", run.stdout);
    assert_eq!(verdict(&run), "will start", "{}", run.stdout);
}
