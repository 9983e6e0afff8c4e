//! A real `moto_server` for the parity tests: started on a port of its own, waited for, and
//! stopped on drop. `Incident` builds the staging/production scenario in two moto accounts
//! (fixtures/parity/moto_scenario.py) and writes the AWS config, credentials and preflight.toml
//! that select them through profiles; the helpers at the end are what the parity test files
//! share (a fault applied to the repaired incident, live and offline runs, findings).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct MotoServer {
    child: Child,
    pub endpoint: String,
    recording: PathBuf,
}

/// How long moto_server may take to start: on a loaded machine (parallel builds and test
/// binaries on two cores) importing moto alone can take tens of seconds.
const STARTUP: Duration = Duration::from_secs(180);

static SERVERS: AtomicUsize = AtomicUsize::new(0);

impl MotoServer {
    /// Starts moto_server on a port the kernel picks (`-p 0`) and reads that port from the
    /// server's own startup line, so two servers can never share a port: choosing a free port
    /// first and passing it on left a window in which another test's server could take it,
    /// and the readiness probe then found that other server.
    pub fn start() -> MotoServer {
        // moto's request recorder writes to its working directory unless told otherwise.
        let recording = std::env::temp_dir().join(format!(
            "preflight-moto-recording-{}-{}",
            std::process::id(),
            SERVERS.fetch_add(1, Ordering::SeqCst)
        ));
        let mut child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", "0"])
            .env("MOTO_RECORDER_FILEPATH", &recording)
            .env("PYTHONUNBUFFERED", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("moto_server on PATH (pip install 'moto[server]')");
        let stderr = child.stderr.take().expect("moto_server's stderr");
        let (port_tx, port_rx) = mpsc::channel();
        // Werkzeug prints ` * Running on http://127.0.0.1:PORT` once it listens, then one line
        // per request: the thread keeps reading so that moto never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut port_tx = Some(port_tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(tx) = &port_tx {
                    if let Some(port) = listening_port(&line) {
                        let _ = tx.send(port);
                        port_tx = None;
                    }
                }
            }
        });
        let port = match port_rx.recv_timeout(STARTUP) {
            Ok(port) => port,
            Err(_) => {
                let status = child.try_wait().ok().flatten();
                let _ = child.kill();
                let _ = child.wait();
                panic!("moto_server did not start listening within {STARTUP:?} (exit status: {status:?})");
            }
        };
        let server = MotoServer {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            recording,
        };
        server.wait_until_ready(port);
        server
    }

    /// The server listens; wait until it also answers (its first request loads moto's backends).
    fn wait_until_ready(&self, port: u16) {
        let deadline = Instant::now() + STARTUP;
        while Instant::now() < deadline {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = stream.set_read_timeout(Some(STARTUP));
                let request =
                    "GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
                let mut answer = [0u8; 12];
                if stream.write_all(request.as_bytes()).is_ok()
                    && stream.read_exact(&mut answer).is_ok()
                    && answer.starts_with(b"HTTP/1.")
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto_server on port {port} did not answer within {STARTUP:?}");
    }
}

/// The port of Werkzeug's ` * Running on http://127.0.0.1:PORT` line.
pub fn listening_port(line: &str) -> Option<u16> {
    let rest = line.split("Running on http://127.0.0.1:").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|&p| p != 0)
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.recording);
    }
}

fn scenario_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/parity/moto_scenario.py")
}

fn python(args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg(scenario_script())
        .args(args)
        .output()
        .expect("python3 with boto3");
    assert!(
        out.status.success(),
        "moto_scenario.py {:?} failed: {}",
        &args[1..2],
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The incident, built in a fresh moto server.
pub struct Incident {
    pub moto: MotoServer,
    pub dir: tempfile::TempDir,
    accounts: String,
    pub sentinel: String,
}

impl Incident {
    pub fn build() -> Incident {
        let moto = MotoServer::start();
        let accounts = python(&[&moto.endpoint, "accounts"]);
        let sentinel = format!(
            "SENTINEL-{}-{}",
            std::process::id(),
            moto.endpoint.len() * 7919
        );
        python(&[&moto.endpoint, "incident", accounts.trim(), &sentinel]);
        let dir = tempfile::tempdir().expect("temp dir");
        let parsed: serde_json::Value = serde_json::from_str(&accounts).expect("accounts JSON");
        let mut credentials = String::new();
        let mut config = String::new();
        for env in ["staging", "production"] {
            let e = &parsed[env];
            credentials.push_str(&format!(
                "[{env}]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n",
                e["aws_access_key_id"].as_str().unwrap_or_default(),
                e["aws_secret_access_key"].as_str().unwrap_or_default()
            ));
            config.push_str(&format!("[profile {env}]\nregion = us-east-1\n\n"));
        }
        std::fs::write(dir.path().join("credentials"), credentials).expect("write credentials");
        std::fs::write(dir.path().join("config"), config).expect("write config");
        let incident = Incident {
            moto,
            dir,
            accounts: accounts.trim().to_string(),
            sentinel,
        };
        incident.write_config(LIVE_CONFIG);
        incident
    }

    pub fn repair_production(&self) {
        python(&[
            &self.moto.endpoint,
            "repair",
            &self.accounts,
            &self.sentinel,
        ]);
    }

    /// After `repair_production`: production's DATABASE_URL value loses its `url` JSON key
    /// (`"nokey"`) or stops being JSON (`"text"`); the sentinel stays in it.
    pub fn rekey_production(&self, value: &str) {
        python(&[
            &self.moto.endpoint,
            "rekey",
            &self.accounts,
            &self.sentinel,
            value,
        ]);
    }

    /// After `repair_production`: one of moto_scenario.py's start failures (`trust-ec2`,
    /// `stage-previous`, `plain-database-url`, `docker-host`, `url-placeholder`,
    /// `credentials`…) or its control, applied to production.
    pub fn fault(&self, kind: &str) {
        python(&[
            &self.moto.endpoint,
            "fault",
            &self.accounts,
            &self.sentinel,
            kind,
        ]);
    }

    /// Adds `count` services (`extra<first>`…) to staging, each with its own task definition,
    /// execution role and secret.
    pub fn add_staging_services(&self, first: usize, count: usize) {
        python(&[
            &self.moto.endpoint,
            "services",
            &self.accounts,
            &self.sentinel,
            &first.to_string(),
            &count.to_string(),
        ]);
    }

    /// Gives the environments RDS databases and scaling (moto_scenario.py `capacity`; SPEC is
    /// its JSON, e.g. `{"production": {"max_connections": "40", "desired": 1}}`).
    pub fn capacity(&self, spec: &str) {
        python(&[&self.moto.endpoint, "capacity", &self.accounts, spec]);
    }

    /// Starts moto's request recorder afresh.
    pub fn start_recording(&self) {
        python(&[&self.moto.endpoint, "record", "start"]);
    }

    /// The AWS actions recorded since `start_recording`, e.g. `secretsmanager.DescribeSecret`.
    pub fn recorded_actions(&self) -> Vec<String> {
        python(&[&self.moto.endpoint, "record", "actions"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.dir.path().join("preflight.toml"), text).expect("write preflight.toml");
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `preflight ARGS` with the standard AWS variables pointing at this moto and its profiles.
    pub fn preflight(&self, args: &[&str]) -> Run {
        self.preflight_with(args, &[("AWS_ENDPOINT_URL", &self.moto.endpoint)])
    }

    /// As `preflight`, without AWS_ENDPOINT_URL (profiles choose their endpoints) plus `vars`.
    pub fn preflight_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let out = self.command(args, vars).output().expect("run preflight");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The command `preflight_with` runs, to start it and handle its pipes yourself.
    pub fn command(&self, args: &[&str], vars: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("preflight"));
        for var in [
            "AWS_ENDPOINT_URL",
            "AWS_MAX_ATTEMPTS",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("AWS_CONFIG_FILE", self.path("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path("credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("NO_COLOR", "1")
            .current_dir(self.dir.path())
            .arg("--config")
            .arg(self.path("preflight.toml"))
            .args(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd
    }
}

pub const LIVE_CONFIG: &str = r#"[environments.staging]
aws_profile = "staging"
cluster = "app"
services = ["web"]

[environments.production]
aws_profile = "production"
cluster = "app"
services = ["web"]
"#;

pub const SNAPSHOT_CONFIG: &str = r#"[environments.staging]
snapshot = "staging.json"

[environments.production]
snapshot = "production.json"
"#;

/// LIVE_CONFIG with each environment's RDS instance (`app-ENV`) and the pool variable.
pub const CAPACITY_CONFIG: &str = r#"[environments.staging]
aws_profile = "staging"
cluster = "app"
services = ["web"]

[environments.staging.database]
rds_instance = "app-staging"

[environments.production]
aws_profile = "production"
cluster = "app"
services = ["web"]

[environments.production.database]
rds_instance = "app-production"

[capacity]
pool_variable = "DB_POOL_MIN"
"#;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }

    /// `(rule, environment, subject)` of every finding of a `--format json` run.
    pub fn findings(&self) -> Vec<(String, String, String)> {
        let json = self.json();
        json["findings"]
            .as_array()
            .expect("findings array")
            .iter()
            .map(|f| {
                let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
                (s("rule"), s("environment"), s("subject"))
            })
            .collect()
    }
}

/// `(rule, environment, subject)`, as `Run::findings` gives them.
pub fn triple(rule: &str, env: &str, subject: &str) -> (String, String, String) {
    (rule.into(), env.into(), subject.into())
}

/// The repaired incident with moto_scenario.py's fault `kind` applied to production.
pub fn with_fault(kind: &str) -> Incident {
    let incident = Incident::build();
    incident.repair_production();
    incident.fault(kind);
    incident
}

/// `preflight parity --format json`.
pub fn parity(incident: &Incident) -> Run {
    incident.preflight(&["parity", "--format", "json"])
}

/// Live findings, checked to be the same from snapshots taken of the same accounts.
pub fn live_and_offline(incident: &Incident) -> Run {
    let live = parity(incident);
    for env in ["staging", "production"] {
        let file = format!("{env}.json");
        let run = incident.preflight(&["snapshot", "--env", env, "--output", &file]);
        assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    }
    incident.write_config(SNAPSHOT_CONFIG);
    let offline = parity(incident);
    incident.write_config(LIVE_CONFIG);
    assert_eq!(offline.code, live.code);
    assert_eq!(offline.json()["findings"], live.json()["findings"]);
    live
}

/// The message and notes of the first finding of `rule`.
pub fn message(run: &Run, rule: &str) -> String {
    let json = run.json();
    let finding = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule}: {}", run.stdout))
        .clone();
    format!("{} {}", finding["message"], finding["notes"])
}

/// The findings that are not the field drift (PA101/PA102) every changed revision also shows.
pub fn start_findings(run: &Run) -> Vec<(String, String, String)> {
    run.findings()
        .into_iter()
        .filter(|(rule, _, _)| rule != "PA101" && rule != "PA102")
        .collect()
}

/// The production cell of the start verdict row of `web`.
pub fn verdict(run: &Run) -> String {
    let json = run.json();
    let rows = json["matrix"]["rows"].as_array().expect("matrix rows");
    let row = rows
        .iter()
        .find(|r| r[0]["text"] == "will `web` start?")
        .unwrap_or_else(|| panic!("no verdict row: {}", json["matrix"]));
    row[2]["text"].as_str().unwrap_or_default().to_string()
}
