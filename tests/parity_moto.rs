//! `preflight snapshot` and `preflight parity` against a real moto_server with two accounts:
//! the incident (production lacks the DATABASE_URL secret, REDIS_HOST=localhost, an execution
//! role without GetSecretValue), its repair, the snapshot round trip, and the sentinel.
#![cfg(feature = "aws")] // live reads need the AWS SDK

mod common;

use common::moto::{Incident, SNAPSHOT_CONFIG};

fn triple(rule: &str, env: &str, subject: &str) -> (String, String, String) {
    (rule.into(), env.into(), subject.into())
}

fn incident_findings() -> Vec<(String, String, String)> {
    vec![
        triple("PA301", "production", "DATABASE_URL"),
        triple("PA401", "production", "DATABASE_URL"),
        triple("PA501", "production", "REDIS_HOST"),
    ]
}

#[test]
fn the_incident_is_exactly_three_production_findings() {
    let incident = Incident::build();
    let run = incident.preflight(&["parity", "--format", "json"]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    assert_eq!(run.findings(), incident_findings());
    let json = run.json();
    let iam = &json["findings"][1];
    let notes = iam["notes"].to_string();
    assert!(
        notes.contains("no statement allows secretsmanager:GetSecretValue"),
        "{notes}"
    );
    assert!(
        notes.contains("staging's execution role has the grant"),
        "{notes}"
    );

    // The human report names the same three problems.
    let human = incident.preflight(&["parity"]);
    assert_eq!(human.code, 1);
    for code in ["PA301", "PA401", "PA501"] {
        assert!(human.stdout.contains(code), "{}", human.stdout);
    }
}

#[test]
fn repairing_production_makes_parity_pass() {
    let incident = Incident::build();
    incident.repair_production();
    let run = incident.preflight(&["parity", "--format", "json"]);
    assert_eq!(run.findings(), vec![], "stdout: {}", run.stdout);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let keys = incident.preflight(&["parity", "--verify-secret-keys", "--format", "json"]);
    assert_eq!(keys.findings(), vec![]);
    assert_eq!(keys.code, 0);

    // moto has no IAM policy simulator: --simulate says so per environment, as a warning.
    let simulated = incident.preflight_with(
        &["parity", "--simulate", "--format", "json"],
        &[
            ("AWS_ENDPOINT_URL", &incident.moto.endpoint),
            ("AWS_MAX_ATTEMPTS", "1"),
        ],
    );
    assert_eq!(
        simulated.findings(),
        vec![
            ("PA405".into(), "production".into(), "IAM simulation".into()),
            ("PA405".into(), "staging".into(), "IAM simulation".into()),
        ]
    );
    assert_eq!(simulated.code, 0, "a warning does not fail the gate");
}

#[test]
fn verify_secret_keys_reports_a_json_key_the_secret_lacks() {
    let incident = Incident::build();
    incident.repair_production();
    for value in ["nokey", "text"] {
        incident.rekey_production(value);
        // Without the flag no value is read, so the missing key goes unnoticed.
        let plain = incident.preflight(&["parity", "--format", "json"]);
        assert_eq!(plain.findings(), vec![], "{value}: {}", plain.stdout);
        let keys = incident.preflight(&["parity", "--verify-secret-keys", "--format", "json"]);
        assert_eq!(
            keys.findings(),
            vec![triple("PA304", "production", "DATABASE_URL")],
            "{value}: {}",
            keys.stdout
        );
        assert_eq!(keys.code, 1, "{value}");
        let finding = &keys.json()["findings"][0];
        assert_eq!(
            finding["unknown"],
            serde_json::Value::Null,
            "{value}: definite"
        );
        assert!(!keys.stdout.contains(&incident.sentinel), "{value}");
        assert!(!keys.stderr.contains(&incident.sentinel), "{value}");
    }
}

#[test]
fn aws_profile_from_the_environment_and_an_assumed_role_select_the_accounts() {
    let incident = Incident::build();
    // Staging through AWS_PROFILE; production by assuming a role in its account with
    // staging's credentials.
    incident.write_config(
        "[environments.staging]\ncluster = \"app\"\nservices = [\"web\"]\n\n\
         [environments.production]\naws_profile = \"staging\"\nregion = \"us-east-1\"\n\
         role_arn = \"arn:aws:iam::222222222222:role/preflight-reader\"\ncluster = \"app\"\nservices = [\"web\"]\n",
    );
    let run = incident.preflight_with(
        &["parity", "--format", "json"],
        &[
            ("AWS_ENDPOINT_URL", &incident.moto.endpoint),
            ("AWS_PROFILE", "staging"),
        ],
    );
    assert_eq!(
        run.findings(),
        incident_findings(),
        "stderr: {}",
        run.stderr
    );
    let json = run.json();
    let accounts: Vec<&str> = json["environments"]
        .as_array()
        .expect("environments")
        .iter()
        .filter_map(|e| e["account_id"].as_str())
        .collect();
    assert_eq!(accounts, ["111111111111", "222222222222"]);
}

/// The operation name of a recorded action (`AmazonEC2ContainerServiceV20141113.ListServices`
/// → `ListServices`).
fn operation(action: &str) -> &str {
    action.rsplit('.').next().unwrap_or(action)
}

#[test]
fn live_reads_only_describe_list_and_get_and_read_values_only_when_asked() {
    let incident = Incident::build();
    incident.repair_production();
    incident.start_recording();
    let run = incident.preflight(&["parity", "--format", "json"]);
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    for env in ["staging", "production"] {
        incident.preflight(&["snapshot", "--env", env]);
    }
    let actions = incident.recorded_actions();
    assert!(actions.len() > 10, "{actions:?}");
    for action in &actions {
        let op = operation(action);
        assert!(
            ["Describe", "List", "Get", "BatchGet", "Head"]
                .iter()
                .any(|p| op.starts_with(p)),
            "preflight is read-only, yet called {action}"
        );
        assert_ne!(op, "GetSecretValue", "no value is read without the flag");
    }

    incident.start_recording();
    let keys = incident.preflight(&["parity", "--verify-secret-keys", "--format", "json"]);
    assert_eq!(keys.code, 0, "stdout: {}", keys.stdout);
    let reads: Vec<String> = incident
        .recorded_actions()
        .into_iter()
        .filter(|a| operation(a) == "GetSecretValue")
        .collect();
    // One per environment: each reads the one JSON key its DATABASE_URL reference names.
    assert_eq!(reads.len(), 2, "{reads:?}");
}

#[test]
fn live_reads_grow_linearly_with_the_number_of_services() {
    let incident = Incident::build();
    // Every service of the cluster (ListServices), so added services are read too.
    incident.write_config("[environments.staging]\naws_profile = \"staging\"\ncluster = \"app\"\n");
    let calls = || {
        incident.start_recording();
        let run = incident.preflight(&["snapshot", "--env", "staging"]);
        assert_eq!(run.code, 0, "stderr: {}", run.stderr);
        incident.recorded_actions().len()
    };
    let one = calls();
    incident.add_staging_services(1, 4);
    let five = calls();
    incident.add_staging_services(5, 4);
    let nine = calls();
    assert!(five > one, "{one} → {five}");
    assert_eq!(
        nine - five,
        five - one,
        "each 4 more services cost the same number of calls ({one}, {five}, {nine})"
    );
}

#[test]
fn snapshots_give_the_same_findings_as_live_aws() {
    let incident = Incident::build();
    let live = incident.preflight(&["parity", "--format", "json"]);
    for env in ["staging", "production"] {
        let file = format!("{env}.json");
        let run = incident.preflight(&["snapshot", "--env", env, "--output", &file]);
        assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    }
    // Snapshot to stdout is the same document.
    let stdout = incident.preflight(&["snapshot", "--env", "production"]);
    let file = std::fs::read_to_string(incident.path("production.json")).expect("snapshot file");
    assert_eq!(stdout.stdout, file);

    incident.write_config(SNAPSHOT_CONFIG);
    let offline = incident.preflight(&["parity", "--format", "json"]);
    assert_eq!(offline.code, live.code);
    assert_eq!(offline.json()["findings"], live.json()["findings"]);
    assert_eq!(offline.findings(), incident_findings());
}

#[test]
fn the_snapshot_holds_the_revision_the_service_runs_not_the_latest() {
    let incident = Incident::build();
    let run = incident.preflight(&["snapshot", "--env", "staging"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let snap = run.json();
    assert_eq!(snap["version"], 1);
    assert_eq!(snap["account_id"], "111111111111");
    let service = &snap["services"][0];
    assert_eq!(
        service["task_definition"]["revision"], 1,
        "revision 2 exists but is not running"
    );
    let env = service["task_definition"]["containerDefinitions"][0]["environment"].to_string();
    assert!(env.contains(r#""value":"info""#), "{env}");
    // A secret put in a plain variable is not stored (credentials in a URL neither:
    // parity_start_moto's `credentials` fault).
    assert!(
        env.contains(r#"{"name":"WEBHOOK_SECRET","value":"<redacted>"}"#),
        "{env}"
    );
    assert!(
        env.contains("redis://cache.staging.internal:6379/0"),
        "{env}"
    );
    let labels = &service["task_definition"]["containerDefinitions"][0]["dockerLabels"];
    assert_eq!(labels["com.example.team"], "payments");
    assert_eq!(labels["com.example.api-token"], "<redacted>");
    // Roles with inline and managed (default version) policies; the secret's metadata.
    let roles = snap["roles"].to_string();
    assert!(
        roles.contains("ReadAppSecrets") && roles.contains("logs:PutLogEvents"),
        "{roles}"
    );
    assert_eq!(snap["secrets"][0]["status"], "found");
    // Its customer-managed key, with the key policy kms:Decrypt is decided against.
    assert_eq!(snap["keys"][0]["status"], "found");
    assert_eq!(snap["keys"][0]["metadata"]["key_manager"], "CUSTOMER");
    assert!(snap["keys"][0]["metadata"]["policy"]
        .as_str()
        .is_some_and(|p| p.contains("kms:*")));
    assert_eq!(snap["parameters"][0]["status"], "found");
}

/// `preflight snapshot --env NAME | head` closes stdout before the document is written: the
/// output ends there, the run does not (no error line, exit 0), as for every other command.
#[test]
fn a_snapshot_to_a_closed_stdout_ends_the_output_not_the_run() {
    let incident = Incident::build();
    let mut child = incident
        .command(
            &["snapshot", "--env", "staging"],
            &[("AWS_ENDPOINT_URL", &incident.moto.endpoint)],
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run preflight");
    // Close the read end at once: the write of the snapshot fails with a broken pipe.
    drop(child.stdout.take());
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn no_secret_value_reaches_any_output() {
    let incident = Incident::build();
    let mut outputs = Vec::new();
    for env in ["staging", "production"] {
        let run = incident.preflight(&["snapshot", "--env", env, "-v"]);
        outputs.push(run);
    }
    for format in ["human", "json", "sarif", "github"] {
        outputs.push(incident.preflight(&["parity", "--format", format]));
        outputs.push(incident.preflight(&["parity", "--format", format, "--verify-secret-keys"]));
    }
    incident.repair_production();
    outputs.push(incident.preflight(&["parity", "--verify-secret-keys", "--format", "json"]));
    outputs.push(incident.preflight(&["parity", "--verify-secret-keys", "-v"]));
    // Credentials in plaintext variables and a secret moved into one (PA504, PA203).
    for fault in ["credentials", "plain-database-url"] {
        incident.fault(fault);
        outputs.push(incident.preflight(&["snapshot", "--env", "production", "-v"]));
        for format in ["human", "json", "sarif", "github", "markdown", "html"] {
            outputs.push(incident.preflight(&["parity", "--format", format, "-v"]));
        }
    }
    for run in &outputs {
        assert!(run.code == 0 || run.code == 1, "stderr: {}", run.stderr);
        assert!(
            !run.stdout.contains(&incident.sentinel),
            "sentinel in stdout: {}",
            run.stdout
        );
        assert!(
            !run.stderr.contains(&incident.sentinel),
            "sentinel in stderr: {}",
            run.stderr
        );
    }
}

#[test]
fn what_cannot_be_read_is_unknown_and_fails_the_gate() {
    let incident = Incident::build();
    let run = incident.preflight(&["snapshot", "--env", "staging", "--output", "staging.json"]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    // Production now points at an endpoint where nothing answers.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let config = "[environments.staging]\nsnapshot = \"staging.json\"\n\n[environments.production]\naws_profile = \"production\"\ncluster = \"app\"\nservices = [\"web\"]\n";
    incident.write_config(config);
    std::fs::write(
        incident.path("config"),
        format!("[profile staging]\nregion = us-east-1\n\n[profile production]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:{closed}\n"),
    )
    .expect("write config");
    let mut run = incident.preflight_with(
        &["parity", "--format", "json"],
        &[("AWS_MAX_ATTEMPTS", "1")],
    );
    let findings = run.findings();
    assert!(
        findings
            .iter()
            .all(|(rule, env, _)| rule == "PA104" && env == "production"),
        "{findings:?}"
    );
    assert!(!findings.is_empty());
    let json = run.json();
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["unknown"] == true));
    assert_eq!(run.code, 1, "unknown is not pass");

    // A snapshot of what could not be read is still written, and says so on stderr.
    let snap = incident.preflight_with(
        &[
            "snapshot",
            "--env",
            "production",
            "--output",
            "production.json",
        ],
        &[("AWS_MAX_ATTEMPTS", "1")],
    );
    assert_eq!(snap.code, 0, "stderr: {}", snap.stderr);
    assert!(
        snap.stderr.contains("warning: snapshot of production: ")
            && snap.stderr.contains("read(s) failed"),
        "{}",
        snap.stderr
    );

    incident.write_config(&format!("{config}\n[parity]\nallow_unknown = true\n"));
    run = incident.preflight_with(
        &["parity", "--format", "json"],
        &[("AWS_MAX_ATTEMPTS", "1")],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.findings().len(), findings.len(), "still reported");
}
