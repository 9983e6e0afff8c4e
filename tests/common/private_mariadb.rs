//! A private MariaDB server for the tests that need server settings the machine's own server
//! (127.0.0.1:3306) does not have, such as `--lower-case-table-names=1`: its data directory is
//! made by `mariadb-install-db` in a temporary directory, `mariadbd` serves it on a free port,
//! and the server is killed and the directory removed when the last user drops it, also when a
//! test fails. The tests of one file share one server while they overlap.

use super::ScratchDb;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

pub struct PrivateMariaDb {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// How long the server may take to answer once started (it takes well under a second idle).
const STARTUP: Duration = Duration::from_secs(60);

/// The servers handed out by `shared`, by their extra options.
static SHARED: Mutex<Vec<(Vec<String>, Weak<PrivateMariaDb>)>> = Mutex::new(Vec::new());

impl PrivateMariaDb {
    /// The server started with `options` (e.g. `--lower-case-table-names=1`) that other tests
    /// of this binary still hold, or a new one.
    pub fn shared(options: &[&str]) -> Arc<PrivateMariaDb> {
        let key: Vec<String> = options.iter().map(|o| o.to_string()).collect();
        let mut servers = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        servers.retain(|(_, server)| server.strong_count() > 0);
        if let Some(server) = servers
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, s)| s.upgrade())
        {
            return server;
        }
        let server = Arc::new(PrivateMariaDb::start(options));
        servers.push((key, Arc::downgrade(&server)));
        server
    }

    /// Installs a data directory and starts `mariadbd` on it with `options`; user root has an
    /// empty password. A port taken between choosing it and the server binding it is retried.
    pub fn start(options: &[&str]) -> PrivateMariaDb {
        remove_abandoned_servers();
        let dir = tempfile::Builder::new()
            .prefix(&format!("{PREFIX}{}-", std::process::id()))
            .tempdir()
            .expect("temp dir");
        let data = dir.path().join("data");
        // mariadbd refuses to run as root unless told to; elsewhere it runs as the caller.
        let user = if running_as_root() {
            vec!["--user=root"]
        } else {
            vec![]
        };
        let install = Command::new("mariadb-install-db")
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .args(SMALL)
            .args(&user)
            .args(options)
            .output()
            .expect("mariadb-install-db is installed (the MariaDB server package)");
        assert!(
            install.status.success(),
            "mariadb-install-db failed: {}{}",
            String::from_utf8_lossy(&install.stdout),
            String::from_utf8_lossy(&install.stderr)
        );
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new("mariadbd")
                .arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .arg(format!("--port={port}"))
                .arg("--bind-address=127.0.0.1")
                .arg(format!("--socket={}", dir.path().join("sock").display()))
                .arg(format!("--pid-file={}", dir.path().join("pid").display()))
                .arg(format!("--log-error={}", log(dir.path()).display()))
                .args(SMALL)
                .args(&user)
                .args(options)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("mariadbd is installed (the MariaDB server package)");
            match wait_until_ready(&mut child, port, &data) {
                Ok(()) => return PrivateMariaDb { child, port, dir },
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_error = format!(
                        "{e}\n{}",
                        std::fs::read_to_string(log(dir.path())).unwrap_or_default()
                    );
                    let _ = std::fs::remove_file(log(dir.path()));
                }
            }
        }
        panic!("the private mariadbd did not start: {last_error}");
    }

    /// A scratch database on this server, dropped with the value.
    pub fn scratch(&self) -> ScratchDb {
        ScratchDb::mariadb_on(self.port)
    }
}

/// The temporary directories' prefix, followed by the test process's id.
const PREFIX: &str = "preflight-mariadb-";

/// A test binary killed outright (a timeout, SIGKILL) drops nothing: the next start stops the
/// servers such a process left behind (the mariadbd of that data directory, by its pid file)
/// and removes their directories.
fn remove_abandoned_servers() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(owner) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if runs(owner) {
            continue; // its test process still runs (this one, or another binary's)
        }
        let dir = entry.path();
        let server = std::fs::read_to_string(dir.join("pid")).unwrap_or_default();
        let server = server.trim();
        let cmdline = std::fs::read(format!("/proc/{server}/cmdline")).unwrap_or_default();
        let datadir = format!("--datadir={}", dir.join("data").display());
        if !server.is_empty()
            && String::from_utf8_lossy(&cmdline)
                .split('\0')
                .any(|arg| arg == datadir)
        {
            let _ = Command::new("kill").args(["-9", server]).status();
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Whether process `pid` exists and is not a zombie (killed, not yet reaped).
fn runs(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'))
    })
}

/// Options that keep the server small and quick to start.
const SMALL: [&str; 3] = [
    "--innodb-buffer-pool-size=32M",
    "--innodb-log-file-size=8M",
    "--skip-name-resolve",
];

fn log(dir: &Path) -> std::path::PathBuf {
    dir.join("error.log")
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A port nobody listens on now; the server may still lose it to another process, which
/// `start` notices (mariadbd exits) and retries.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Until the server of `data` answers on `port` as root, or exits.
fn wait_until_ready(child: &mut Child, port: u16, data: &Path) -> Result<(), String> {
    let deadline = Instant::now() + STARTUP;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("mariadbd exited: {status}"));
        }
        let answer = Command::new("mariadb")
            .args([
                "-h",
                "127.0.0.1",
                "-uroot",
                "-N",
                "-B",
                "--connect-timeout=2",
            ])
            .arg(format!("--port={port}"))
            .args(["-e", "SELECT @@datadir"])
            .stderr(Stdio::null())
            .output();
        if let Some(out) = answer.ok().filter(|o| o.status.success()) {
            // Another server may have taken the port first.
            let datadir = String::from_utf8_lossy(&out.stdout);
            return if Path::new(datadir.trim()) == data {
                Ok(())
            } else {
                Err(format!("another server answers on {port}: {datadir}"))
            };
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("mariadbd did not answer within {STARTUP:?}"))
}

impl Drop for PrivateMariaDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // `dir` (the data directory, socket and log) is removed when it drops, after this.
    }
}
