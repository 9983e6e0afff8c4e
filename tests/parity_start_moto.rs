//! Will the task start? The ECS start failures that passed with exit 0 before issue 11, each
//! given to the repaired incident's production in a real moto_server (fixtures/parity/
//! moto_scenario.py `fault`), with a control that must pass, live and from snapshots.
#![cfg(feature = "aws")] // live reads need the AWS SDK

mod common;

use common::moto::{
    live_and_offline, message, parity, start_findings, triple, verdict, with_fault, Incident,
};

#[test]
fn an_execution_role_that_trusts_ec2_instead_of_ecs_tasks() {
    let incident = with_fault("trust-ec2");
    let run = live_and_offline(&incident);
    assert_eq!(
        run.findings(),
        vec![triple("PA406", "production", "web-production-exec")]
    );
    assert_eq!(run.code, 1);
    let text = message(&run, "PA406");
    assert!(
        text.contains("ec2.amazonaws.com") && text.contains("ecs-tasks.amazonaws.com"),
        "{text}"
    );
}

#[test]
fn a_trust_policy_conditioned_on_the_source_account_is_decided() {
    let incident = with_fault("trust-own-account");
    let run = parity(&incident);
    assert_eq!(run.findings(), vec![], "{}", run.stdout);
    assert_eq!(run.code, 0);
    incident.fault("trust-other-account");
    let run = parity(&incident);
    assert_eq!(
        run.findings(),
        vec![triple("PA406", "production", "web-production-exec")]
    );
    assert_eq!(run.code, 1);
}

#[test]
fn a_version_stage_the_secret_does_not_have() {
    let incident = with_fault("stage-previous");
    let run = live_and_offline(&incident);
    assert_eq!(
        run.findings(),
        vec![triple("PA308", "production", "DATABASE_URL")]
    );
    assert_eq!(run.code, 1);
    assert!(message(&run, "PA308").contains("AWSPREVIOUS"));

    let control = with_fault("stage-current");
    let run = live_and_offline(&control);
    assert_eq!(run.findings(), vec![], "{}", run.stdout);
    assert_eq!(run.code, 0);
}

#[test]
fn a_secret_in_staging_that_is_plaintext_in_production() {
    let incident = with_fault("plain-database-url");
    let run = live_and_offline(&incident);
    assert_eq!(
        run.findings(),
        vec![
            triple("PA203", "production", "DATABASE_URL"),
            triple("PA504", "production", "DATABASE_URL"),
        ]
    );
    assert_eq!(run.code, 1);
    let text = message(&run, "PA203");
    assert!(
        text.contains("staging") && text.contains("production"),
        "{text}"
    );
    assert!(!run.stdout.contains(&incident.sentinel));
}

#[test]
fn a_docker_desktop_host_in_production() {
    let incident = with_fault("docker-host");
    let run = live_and_offline(&incident);
    assert_eq!(
        run.findings(),
        vec![triple("PA501", "production", "REDIS_HOST")]
    );
    assert_eq!(run.code, 1);
    assert!(message(&run, "PA501").contains("host.docker.internal"));
}

#[test]
fn a_placeholder_password_inside_a_url() {
    let incident = with_fault("url-placeholder");
    let run = live_and_offline(&incident);
    assert_eq!(
        run.findings(),
        vec![triple("PA503", "production", "CACHE_URL")]
    );
    assert_eq!(run.code, 1);
    let text = message(&run, "PA503");
    assert!(text.contains("placeholder password"), "{text}");
    assert!(!run.stdout.contains("changeme"), "{}", run.stdout);
}

#[test]
fn credentials_in_plaintext_are_reported_and_never_shown_or_stored() {
    let incident = with_fault("credentials");
    let run = live_and_offline(&incident);
    assert_eq!(
        run.findings(),
        vec![
            triple("PA504", "production", "CACHE_URL"),
            triple("PA504", "production", "WEBHOOK_SECRET"),
        ]
    );
    assert_eq!(run.code, 1);
    // The snapshot keeps neither value, only what they were found to be.
    let snapshot = std::fs::read_to_string(incident.path("production.json")).expect("snapshot");
    assert!(!snapshot.contains(&incident.sentinel));
    assert!(
        snapshot.contains("redis://<redacted>@cache.production.internal:6379/0"),
        "{snapshot}"
    );
    assert!(snapshot.contains("\"url_password\"") && snapshot.contains("\"private_key\""));
    for format in ["human", "json", "sarif", "github", "markdown"] {
        let out = incident.preflight(&["parity", "--format", format, "-v"]);
        assert!(!out.stdout.contains(&incident.sentinel), "{format}");
        assert!(!out.stderr.contains(&incident.sentinel), "{format}");
    }
}

#[test]
fn task_definitions_ecs_would_refuse_or_could_not_place() {
    let incident = Incident::build();
    incident.repair_production();
    let control = parity(&incident);
    assert_eq!(control.findings(), vec![], "{}", control.stdout);
    for (fault, rule, subject, says) in [
        (
            "fargate-size",
            "PA105",
            "web: cpu/memory",
            "256 CPU units with 4096 MiB",
        ),
        (
            "no-essential",
            "PA106",
            "web: essential",
            "no container is essential",
        ),
        (
            "host-port",
            "PA107",
            "web: web.portMappings",
            "host port 80",
        ),
        ("container-memory", "PA108", "web: memory", "1024 MiB"),
    ] {
        incident.fault(fault);
        let run = parity(&incident);
        let findings = run.findings();
        assert!(
            findings.contains(&triple(rule, "production", subject)),
            "{fault}: {findings:?}"
        );
        // The field differs from staging's too (PA101); nothing else is reported.
        assert!(
            findings
                .iter()
                .all(|(r, e, _)| e == "production" && (r == rule || r == "PA101")),
            "{fault}: {findings:?}"
        );
        assert_eq!(run.code, 1, "{fault}");
        assert!(
            message(&run, rule).contains(says),
            "{fault}: {}",
            message(&run, rule)
        );
    }
}

#[test]
fn awslogs_needs_its_group_region_and_the_execution_roles_permission() {
    let incident = with_fault("log-region-missing");
    let run = live_and_offline(&incident);
    assert_eq!(
        run.findings(),
        vec![
            triple(
                "PA101",
                "production",
                "web: containerDefinitions.web.logConfiguration.options.awslogs-region"
            ),
            triple("PA407", "production", "web: web.logConfiguration"),
        ]
    );
    assert!(message(&run, "PA407").contains("awslogs-region"));
    assert_eq!(run.code, 1);

    let incident = with_fault("logs-denied");
    let run = parity(&incident);
    assert_eq!(
        run.findings(),
        vec![
            triple("PA403", "production", "web: execution role"),
            triple("PA407", "production", "web: web.logConfiguration"),
        ]
    );
    assert!(
        message(&run, "PA407").contains("'NoLogEvents'"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_placement_constraint_no_container_instance_satisfies() {
    // The cluster's one instance is an m6i.large with the custom attribute stack=production.
    let run = live_and_offline(&with_fault("placement-unmatched"));
    assert_eq!(
        start_findings(&run),
        vec![triple("PA112", "production", "web: placementConstraints")]
    );
    let text = message(&run, "PA112");
    assert!(
        text.contains("none of the 1 active container instance(s)")
            && text.contains("ecs.instance-type == m5.large"),
        "{text}"
    );
    assert_eq!(run.code, 1);
    assert_eq!(verdict(&run), "will not start");

    let run = live_and_offline(&with_fault("placement-matched"));
    assert_eq!(start_findings(&run), vec![], "{}", run.stdout);
    assert_eq!(verdict(&run), "will start", "{}", run.stdout);

    // Fargate does not take placement constraints at all.
    let run = parity(&with_fault("placement-fargate"));
    assert_eq!(
        start_findings(&run),
        vec![triple("PA112", "production", "web: placementConstraints")]
    );
    assert!(message(&run, "PA112").contains("not supported with FARGATE"));
}
