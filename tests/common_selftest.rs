//! The scratch-database helper itself: a database exists while the value lives and is gone after.
mod common;
use common::ScratchDb;

#[test]
fn postgres_scratch_database_is_created_and_dropped() {
    let name;
    {
        let db = ScratchDb::postgres();
        name = db.name.clone();
        db.exec("CREATE TABLE t (id int)");
        assert_eq!(db.query("SELECT count(*) FROM t"), ["0"]);
    }
    let out = std::process::Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-XAtc"])
        .arg(format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
}

#[test]
fn mariadb_scratch_database_is_created_and_dropped() {
    let name;
    {
        let db = ScratchDb::mariadb();
        name = db.name.clone();
        db.exec("CREATE TABLE t (id int)");
        assert_eq!(db.query("SELECT count(*) FROM t"), ["0"]);
    }
    let out = std::process::Command::new("mariadb")
        .args(["-h", "127.0.0.1", "-uroot", "-N", "-B", "-e"])
        .arg(format!(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = '{name}'"
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0");
}

#[test]
fn moto_servers_each_have_a_port_of_their_own_read_from_the_startup_line() {
    use common::moto::{listening_port, MotoServer};
    assert_eq!(
        listening_port(" * Running on http://127.0.0.1:39005"),
        Some(39005)
    );
    assert_eq!(listening_port("Press CTRL+C to quit"), None);
    assert_eq!(listening_port(" * Running on http://127.0.0.1:0"), None);
    let servers: Vec<MotoServer> = std::thread::scope(|s| {
        let started: Vec<_> = (0..3).map(|_| s.spawn(MotoServer::start)).collect();
        started
            .into_iter()
            .map(|h| h.join().expect("started"))
            .collect()
    });
    let mut endpoints: Vec<&str> = servers.iter().map(|m| m.endpoint.as_str()).collect();
    endpoints.sort();
    endpoints.dedup();
    assert_eq!(endpoints.len(), 3, "{endpoints:?}");
}
