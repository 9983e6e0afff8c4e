//! Capacity parity against two moto accounts: RDS instances whose parameter groups set
//! `max_connections` to a number or to RDS's formula, Application Auto Scaling targets, and
//! the web service's DB_POOL_MIN=50 (the post-mortem's v1.2.4).
#![cfg(feature = "aws")] // live reads need the AWS SDK

mod common;

use common::moto::{Incident, Run, CAPACITY_CONFIG, SNAPSHOT_CONFIG};
use serde_json::Value;

/// `(rule, environment)` of every capacity finding.
fn capacity(run: &Run) -> Vec<(String, String)> {
    capacity_findings(run)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["environment"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn capacity_findings(run: &Run) -> Vec<Value> {
    run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"].as_str().unwrap_or_default().starts_with("PA6"))
        .cloned()
        .collect()
}

fn pair(rule: &str, env: &str) -> (String, String) {
    (rule.to_string(), env.to_string())
}

/// The matrix row `connections (peak of limit)`, one cell per environment.
fn connections_row(run: &Run) -> Vec<String> {
    let json = run.json();
    let rows = json["matrix"]["rows"].as_array().expect("matrix rows");
    let row = rows
        .iter()
        .find(|r| r[0]["text"] == "connections (peak of limit)")
        .unwrap_or_else(|| panic!("no connections row in {}", json["matrix"]));
    row.as_array().expect("cells")[1..]
        .iter()
        .map(|c| c["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

const POST_MORTEM: &str = r#"{"staging": {"max_connections": "100", "desired": 1, "maximum_percent": 100},
    "production": {"max_connections": "40", "desired": 1, "maximum_percent": 100}}"#;

fn post_mortem() -> Incident {
    let incident = Incident::build();
    incident.capacity(POST_MORTEM);
    incident.write_config(CAPACITY_CONFIG);
    incident
}

#[test]
fn a_pool_above_production_limit_is_an_error_there_and_staging_hides_it() {
    let incident = post_mortem();
    let run = incident.preflight(&["parity", "--format", "json"]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert_eq!(
        capacity(&run),
        [pair("PA601", "production"), pair("PA603", "production")]
    );
    let findings = capacity_findings(&run);
    let error = &findings[0];
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("50 database connections at once, more than the 35 connections database `app-production` allows"),
        "{error}"
    );
    let notes: Vec<&str> = error["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        notes.contains(&"demand: web: 50 = pool 50 (`DB_POOL_MIN`) × 1 process × 1 task (desiredCount 1; a rolling deploy runs up to maximumPercent 100%)"),
        "{notes:?}"
    );
    assert!(
        notes.contains(&"limit: max_connections 40 (parameter group `app-production`) − 3 superuser_reserved_connections (PostgreSQL's default) − 2 rds.rds_superuser_reserved_connections (RDS's default) = 35 available"),
        "{notes:?}"
    );
    let drift = findings[1]["message"].as_str().unwrap();
    assert!(
        drift.contains("production allows 35 database connections, staging (the reference) 95"),
        "{drift}"
    );
    assert_eq!(connections_row(&run), ["50 of 95", "50 of 35 (PA601)"]);
}

#[test]
fn a_formula_limit_near_the_demand_is_a_headroom_warning() {
    let incident = Incident::build();
    incident.repair_production();
    // db.t3.micro (1 GiB): LEAST({DBInstanceClassMemory/9531392},5000) = 112, at most 107
    // available; 50 × 2 tasks (maximumPercent 200%) = 100 is 93% of it.
    incident.capacity(
        r#"{"staging": {"max_connections": "LEAST({DBInstanceClassMemory/9531392},5000)", "desired": 1},
            "production": {"max_connections": "200", "desired": 1}}"#,
    );
    incident.write_config(CAPACITY_CONFIG);
    let run = incident.preflight(&["parity", "--format", "json"]);
    assert_eq!(capacity(&run), [pair("PA602", "staging")]);
    let message = capacity_findings(&run)[0]["message"].clone();
    assert!(
        message
            .as_str()
            .unwrap()
            .contains("100 database connections at once, 93% of the at most 107"),
        "{message}"
    );
    // A warning does not fail the gate (default --fail-on error).
    assert_eq!(run.code, 0, "stdout: {}", run.stdout);
    assert_eq!(
        connections_row(&run),
        ["100 of at most 107 (PA602)", "100 of 195"]
    );
}

/// moto cannot fail DescribeDBParameters alone: once an instance's parameter group is deleted,
/// its DescribeDBInstances answers HTTP 500, so the unreadable group surfaces one call earlier.
/// A group that sets no `max_connections` (moto returns no system defaults) is the other unknown.
#[test]
fn an_unreadable_or_silent_parameter_group_is_unknown_and_fails_the_gate() {
    let incident = Incident::build();
    incident.repair_production();
    incident.capacity(
        r#"{"staging": {"desired": 1},
            "production": {"max_connections": "200", "desired": 1, "drop_group": true}}"#,
    );
    incident.write_config(CAPACITY_CONFIG);
    let run = incident.preflight_with(
        &["parity", "--format", "json"],
        &[
            ("AWS_ENDPOINT_URL", &incident.moto.endpoint),
            ("AWS_MAX_ATTEMPTS", "1"),
        ],
    );
    assert_eq!(
        capacity(&run),
        [pair("PA604", "production"), pair("PA604", "staging")]
    );
    let findings = capacity_findings(&run);
    assert!(
        findings.iter().all(|f| f["unknown"] == true),
        "{findings:?}"
    );
    let message = findings[0]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "the connection limit of `app-production` could not be read: rds:DescribeDBInstances"
        ),
        "{message}"
    );
    let message = findings[1]["message"].as_str().unwrap();
    assert!(
        message.contains("parameter group `app-staging` does not set max_connections, so the limit of `app-staging` is unknown"),
        "{message}"
    );
    assert_eq!(run.code, 1, "unknown is not pass");
    assert_eq!(
        connections_row(&run),
        ["100 of ? (PA604)", "100 of ? (PA604)"]
    );
}

#[test]
fn a_healthy_control_passes_and_counts_the_scaling_maximum() {
    let incident = Incident::build();
    incident.repair_production();
    incident.capacity(
        r#"{"staging": {"max_connections": "500", "desired": 1, "scaling_max": 3},
            "production": {"max_connections": "500", "desired": 1, "scaling_max": 3}}"#,
    );
    incident.write_config(CAPACITY_CONFIG);
    let run = incident.preflight(&["parity", "--format", "json"]);
    assert_eq!(run.code, 0, "stdout: {}", run.stdout);
    assert_eq!(capacity(&run), []);
    // 50 × 1 process × 3 tasks (the scaling maximum) × 200% = 300 of 495.
    assert_eq!(connections_row(&run), ["300 of 495", "300 of 495"]);
}

/// The task runs web (DB_POOL_MIN=50) and a worker whose plaintext URL carries its own pool
/// (connection_limit=20): both count; the log router, which names no database variable, does not.
#[test]
fn a_worker_containers_own_pool_adds_to_the_web_containers() {
    let incident = Incident::build();
    incident.repair_production();
    incident.capacity(
        r#"{"staging": {"max_connections": "500", "desired": 1, "maximum_percent": 100, "worker_pool": 20},
            "production": {"max_connections": "500", "desired": 1, "maximum_percent": 100, "worker_pool": 20}}"#,
    );
    incident.write_config(CAPACITY_CONFIG);
    let run = incident.preflight(&["parity", "--format", "json"]);
    assert_eq!(capacity(&run), [], "stdout: {}", run.stdout);
    assert_eq!(connections_row(&run), ["70 of 495", "70 of 495"]);
}

#[test]
fn snapshots_carry_capacity_so_the_check_runs_offline_with_the_same_findings() {
    let incident = post_mortem();
    let live = incident.preflight(&["parity", "--format", "json"]);
    for env in ["staging", "production"] {
        let file = format!("{env}.json");
        let run = incident.preflight(&["snapshot", "--env", env, "--output", &file]);
        assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    }
    let snap: Value = serde_json::from_str(
        &std::fs::read_to_string(incident.path("production.json")).expect("snapshot"),
    )
    .expect("JSON");
    assert_eq!(
        snap["capacity"]["database"]["parameters"]["max_connections"],
        "40"
    );
    assert_eq!(
        snap["capacity"]["database"]["instance_class"],
        "db.t3.micro"
    );
    incident.write_config(&format!(
        "{SNAPSHOT_CONFIG}\n[capacity]\npool_variable = \"DB_POOL_MIN\"\n"
    ));
    let offline = incident.preflight(&["parity", "--format", "json"]);
    assert_eq!(offline.code, live.code);
    assert_eq!(offline.json()["findings"], live.json()["findings"]);
    assert_eq!(offline.json()["matrix"], live.json()["matrix"]);
}

/// The IAM action of a recorded request (`rds.DescribeDBInstances` → `rds:DescribeDBInstances`).
fn iam_action(recorded: &str) -> String {
    let (target, op) = recorded.rsplit_once('.').unwrap_or(("?", recorded));
    let service = match target {
        "AmazonEC2ContainerServiceV20141113" => "ecs",
        "AmazonSSM" => "ssm",
        "TrentService" => "kms",
        "AnyScaleFrontendService" => "application-autoscaling",
        "AmazonEC2ContainerRegistry_V20150921" => "ecr",
        "Logs_20140328" => "logs",
        other => other,
    };
    // S3 authorises HeadObject as s3:GetObject.
    if (service, op) == ("s3", "HeadObject") {
        return "s3:GetObject".into();
    }
    format!("{}:{op}", service.to_ascii_lowercase())
}

/// The actions of the README's least-privilege policy.
fn readme_policy_actions() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find("\"Sid\": \"PreflightReadOnly\"")
        .expect("the policy in README.md");
    let block = &readme[start..];
    let block = &block[block.find("\"Action\": [").expect("Action")..];
    let block = &block[..block.find(']').expect("]")];
    block
        .split('"')
        .filter(|s| s.contains(':') && !s.contains(' '))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_policy_allows_every_call_a_capacity_read_makes_and_all_are_reads() {
    let incident = post_mortem();
    incident.repair_production();
    incident.start_recording();
    let run = incident.preflight(&["parity", "--format", "json"]);
    assert_eq!(run.stderr, "");
    for env in ["staging", "production"] {
        incident.preflight(&["snapshot", "--env", env]);
    }
    let policy = readme_policy_actions();
    let actions: std::collections::BTreeSet<String> = incident
        .recorded_actions()
        .iter()
        .map(|a| iam_action(a))
        .collect();
    for needed in [
        "rds:DescribeDBInstances",
        "rds:DescribeDBParameters",
        "application-autoscaling:DescribeScalableTargets",
        "ecr:DescribeImages",
        "ecr:BatchGetImage",
        "logs:DescribeLogGroups",
        "s3:GetObject",
        "s3:GetBucketPolicy",
    ] {
        assert!(actions.contains(needed), "{needed} not called: {actions:?}");
    }
    for action in &actions {
        let op = action.split(':').nth(1).unwrap_or_default();
        assert!(
            ["Describe", "List", "Get", "BatchGet"]
                .iter()
                .any(|p| op.starts_with(p)),
            "preflight is read-only, yet called {action}"
        );
        assert!(
            policy.iter().any(|p| p == action),
            "README's least-privilege policy lacks {action} (it has {policy:?})"
        );
    }
}
