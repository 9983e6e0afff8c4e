//! The README demo: `preflight parity` on migrations-sample's snapshots reports exactly the
//! incident's three production problems and the second incident's connection pool, offline.

use assert_cmd::Command;
use std::path::Path;

fn sample_config() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/preflight.toml")
}

fn parity(args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("preflight")
        .expect("binary")
        .env("NO_COLOR", "1")
        .arg("--config")
        .arg(sample_config())
        .arg("parity")
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_sample_reports_both_incidents_production_problems() {
    let (code, stdout) = parity(&["--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let found: Vec<(String, String, String)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (s("rule"), s("environment"), s("subject"))
        })
        .collect();
    let expected = [
        ("PA301", "production", "DATABASE_URL"),
        ("PA401", "production", "DATABASE_URL"),
        ("PA501", "production", "REDIS_HOST"),
        // DB_POOL_MIN=50 against production's max_connections 40; staging's 100 hides it.
        ("PA601", "production", "connections"),
        ("PA603", "production", "connections"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(found, expected);
    // The matrix: a column per environment, production's problems marked per variable.
    let matrix = &json["matrix"];
    assert_eq!(
        matrix["columns"],
        serde_json::json!(["check / variable", "staging", "production"])
    );
    let redis = matrix["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r[0]["text"] == "REDIS_HOST")
        .expect("REDIS_HOST row");
    assert_eq!(redis[1]["status"], "ok");
    assert_eq!(redis[2]["status"], "error");
    let connections = matrix["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r[0]["text"] == "connections (peak of limit)")
        .expect("connections row");
    assert_eq!(connections[1]["text"], "50 of 95");
    assert_eq!(connections[1]["status"], "ok");
    assert_eq!(connections[2]["text"], "50 of 35 (PA601)");
    assert_eq!(connections[2]["status"], "error");
}

#[test]
fn only_staging_is_clean() {
    let (code, stdout) = parity(&["--env", "staging", "--format", "json"]);
    assert_eq!(code, 0, "{stdout}");
    let (code, _) = parity(&["--env", "nowhere"]);
    assert_eq!(code, 2, "an unknown environment is a usage error");
}

#[test]
fn snapshot_needs_a_live_environment() {
    let out = Command::cargo_bin("preflight")
        .expect("binary")
        .arg("--config")
        .arg(sample_config())
        .args(["snapshot", "--env", "staging"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[environments.staging]") && stderr.contains("needs `cluster`"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one-line error: {stderr}");
}

/// parity uses the same gate as every other command: `[check] fail_on` applies unless
/// `[parity] fail_on` or `--fail-on` says otherwise.
#[test]
fn parity_honours_check_fail_on_then_its_own_section_then_the_flag() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample");
    let dir = tempfile::tempdir().unwrap();
    let environments = format!(
        "[environments.staging]\nsnapshot = \"{}\"\n[environments.production]\nsnapshot = \"{}\"\n",
        sample.join("snapshots/staging.json").display(),
        sample.join("snapshots/production.json").display()
    );
    let exit = |toml: &str, flags: &[&str]| {
        let config = dir.path().join("preflight.toml");
        std::fs::write(&config, format!("{environments}{toml}")).unwrap();
        Command::cargo_bin("preflight")
            .unwrap()
            .env("NO_COLOR", "1")
            .arg("--config")
            .arg(&config)
            .arg("parity")
            .args(flags)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(exit("", &[]), Some(1), "three errors");
    assert_eq!(exit("[check]\nfail_on = \"never\"\n", &[]), Some(0));
    assert_eq!(
        exit(
            "[parity]\nfail_on = \"error\"\n[check]\nfail_on = \"never\"\n",
            &[]
        ),
        Some(1)
    );
    assert_eq!(
        exit("[check]\nfail_on = \"never\"\n", &["--fail-on", "error"]),
        Some(1)
    );
}

#[test]
fn each_service_gets_a_verdict_with_the_failing_checks_under_it() {
    let (_, stdout) = parity(&["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let rows: Vec<Vec<String>> = json["matrix"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("cells")
                .iter()
                .map(|c| c["text"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .collect();
    let at = rows
        .iter()
        .position(|r| r[0] == "will `web` start?")
        .expect("a verdict row");
    assert_eq!(rows[at][1..], ["will start", "will not start"]);
    let under: Vec<&[String]> = rows[at + 1..at + 5].iter().map(|r| &r[..]).collect();
    assert_eq!(
        under,
        [
            ["  PA301 secret-not-found", "", "1 failing"],
            ["  PA401 execution-role-cannot-read-secret", "", "1 failing"],
            ["  PA501 loopback-in-production", "", "1 failing"],
            // The second incident: the pool cannot be served, so the health check fails.
            ["  PA601 connections-exceed-limit", "", "1 failing"],
        ]
    );
    for format in ["human", "markdown", "html"] {
        let (_, text) = parity(&["--format", format]);
        assert!(
            text.contains("will not start") && text.contains("PA301 secret-not-found"),
            "{format}: {text}"
        );
    }
}

/// A snapshot that cannot be read says which environment's `snapshot` setting names it and,
/// when it is missing, how to take one; a directory or a non-UTF-8 file is named in words,
/// not as an OS error. Each is one line and exit 2, from `parity` and from `check` alike.
#[test]
fn an_unreadable_snapshot_names_its_environment_setting() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("snapshots")).unwrap();
    std::fs::write(
        tmp.path().join("latin1.json"),
        b"{\"version\": 1, \"region\": \"\xe9\"}",
    )
    .unwrap();
    // The path as resolved against the config file's directory, then what is wrong with it.
    for (file, says) in [
        (
            "absent.json",
            "absent.json: no such file or directory; take one with `preflight snapshot --env production --output ",
        ),
        (
            "snapshots",
            "snapshots: is a directory; a file is expected here",
        ),
        (
            "latin1.json",
            "latin1.json: is not valid UTF-8 text; re-encode it as UTF-8",
        ),
    ] {
        std::fs::write(
            tmp.path().join("preflight.toml"),
            format!("[environments.production]\nsnapshot = \"{file}\"\n"),
        )
        .unwrap();
        let out = Command::cargo_bin("preflight")
            .expect("binary")
            .current_dir(tmp.path())
            .arg("parity")
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{file}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("error: [environments.production] snapshot: ")
                && stderr.contains(says),
            "{file}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "one-line error: {stderr}");
        // The gate reports the same reason for the stage it could not run.
        let out = Command::cargo_bin("preflight")
            .expect("binary")
            .current_dir(tmp.path())
            .args(["check", "--report", "json=-"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{file}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let reason = report["verdict"]["stages"][0]["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("[environments.production] snapshot: ") && reason.contains(says),
            "{file}: {reason}"
        );
    }
}

/// Production pointed at staging's snapshot (a copy-pasted line) compared staging with itself
/// and passed with "No findings"; two environments reading one file are a configuration
/// error naming both.
#[test]
fn two_environments_reading_one_snapshot_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let staging =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/snapshots/staging.json");
    std::fs::copy(&staging, tmp.path().join("staging.json")).unwrap();
    std::fs::write(
        tmp.path().join("preflight.toml"),
        "[environments.staging]\nsnapshot = \"staging.json\"\n[environments.production]\nsnapshot = \"./staging.json\"\n",
    )
    .unwrap();
    for command in ["parity", "check"] {
        let out = Command::cargo_bin("preflight")
            .expect("binary")
            .current_dir(tmp.path())
            .arg(command)
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("preflight.toml: [environments.production] snapshot: ")
                && stderr.contains("is also [environments.staging]'s snapshot; parity would compare an environment with itself"),
            "{command}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// Snapshot lines swapped between staging and production judged production's values as
/// staging's (no loopback error there) and passed the production checks on staging's values;
/// a snapshot taken of another environment than the table that reads it is an error.
#[test]
fn a_snapshot_of_another_environment_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("preflight.toml"),
        format!(
            "[environments.staging]\nsnapshot = \"{0}/production.json\"\n[environments.production]\nsnapshot = \"{0}/staging.json\"\n",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations-sample/snapshots")
                .display()
        ),
    )
    .unwrap();
    let out = Command::cargo_bin("preflight")
        .expect("binary")
        .current_dir(tmp.path())
        .arg("parity")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: [environments.staging] snapshot: ")
            && stderr
                .contains("production.json was taken of environment `production`, not `staging`"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// Production's web task with a worker container (its own pool in its plaintext URL), a
/// migration container (the URL as a secret), and a log router that does not connect.
fn production_with_sidecars(dir: &Path, migrate_vars: serde_json::Value) -> std::path::PathBuf {
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/snapshots");
    let text = std::fs::read_to_string(snapshots.join("production.json")).expect("snapshot");
    let mut snap: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let containers = snap["services"][0]["task_definition"]["containerDefinitions"]
        .as_array_mut()
        .expect("containers");
    let mut worker = containers[0].clone();
    worker["name"] = "worker".into();
    worker["environment"] = serde_json::json!([
        {"name": "DATABASE_URL", "value": "postgres://db.production.internal/app?connection_limit=20"}
    ]);
    worker["secrets"] = serde_json::json!([]);
    let mut migrate = worker.clone();
    migrate["name"] = "migrate".into();
    migrate["environment"] = migrate_vars;
    migrate["secrets"] = serde_json::json!([
        {"name": "DATABASE_URL", "valueFrom": "arn:aws:secretsmanager:us-east-1:222222222222:secret:production/web/DATABASE_URL-Xy12Ab:url::"}
    ]);
    let mut router = worker.clone();
    router["name"] = "log-router".into();
    router["environment"] = serde_json::json!([{"name": "LOG_LEVEL", "value": "info"}]);
    containers.extend([worker, migrate, router]);
    let production = dir.join("production.json");
    std::fs::write(&production, snap.to_string()).expect("write snapshot");
    let config = dir.join("preflight.toml");
    std::fs::write(
        &config,
        format!(
            "[environments.production]\nsnapshot = {:?}\n\n[capacity]\npool_variable = \"DB_POOL_MIN\"\n",
            production.display().to_string()
        ),
    )
    .expect("write config");
    config
}

fn capacity_findings(config: &Path) -> Vec<serde_json::Value> {
    let out = Command::cargo_bin("preflight")
        .expect("binary")
        .env("NO_COLOR", "1")
        .arg("--config")
        .arg(config)
        .args(["parity", "--format", "json"])
        .output()
        .expect("run");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("PA6")))
        .cloned()
        .collect()
}

#[test]
fn each_container_of_a_task_adds_its_own_pool() {
    let tmp = tempfile::tempdir().unwrap();
    // migrate sets its own pool variable: web 50 + worker 20 + migrate 2; the log router adds nothing.
    let config = production_with_sidecars(
        tmp.path(),
        serde_json::json!([{"name": "DB_POOL_MIN", "value": "2"}]),
    );
    let found = capacity_findings(&config);
    let pa601 = found
        .iter()
        .find(|f| f["rule"] == "PA601")
        .unwrap_or_else(|| panic!("{found:?}"));
    let notes = pa601["notes"].to_string();
    assert!(
        notes.contains("web: 72 = pool 72 (web 50 from `DB_POOL_MIN` + worker 20 from `DATABASE_URL` connection_limit + migrate 2 from `DB_POOL_MIN`) × 1 process × 1 task"),
        "{pa601}"
    );
    assert!(!notes.contains("log-router"), "{pa601}");
    // Secret values stay unread: the secret URL's ARN is not in the report.
    assert!(!notes.contains("secretsmanager"), "{pa601}");

    // Without a pool of its own, migrate (which connects through its secret URL) makes the
    // demand unknown, with a one-line reason naming it: unknown, not pass.
    let tmp = tempfile::tempdir().unwrap();
    let config = production_with_sidecars(tmp.path(), serde_json::json!([]));
    let found = capacity_findings(&config);
    let unknown: Vec<&serde_json::Value> = found.iter().filter(|f| f["rule"] == "PA604").collect();
    assert_eq!(unknown.len(), 1, "{found:?}");
    let message = unknown[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(
            "web: container `migrate` connects (`DATABASE_URL`) but its pool size is unknown"
        ),
        "{message}"
    );
    assert!(!message.contains('\n'), "{message}");
    assert!(!found.iter().any(|f| f["rule"] == "PA601"), "{found:?}");
}
