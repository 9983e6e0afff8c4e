//! Reads the connection limit from a live database, through the read-only session reconcile
//! uses (one connection with a connect timeout, a READ ONLY transaction, rolled back). The URL
//! comes from the variable `[environments.NAME.database] url_env` names and is never stored or
//! printed with its password.

use super::record::{DatabaseLimit, LimitSource, LIMIT_PARAMETERS};
use crate::parity::snapshot::LookupStatus;
use crate::reconcile::db::{redact_url, Engine, Session};

/// PostgreSQL: every setting that limits connections; `current_setting(name, true)` gives NULL
/// for one the server does not have (`reserved_connections` before 16, `rds.*` off RDS).
const POSTGRES: &str = "SELECT current_setting('max_connections'), current_setting('superuser_reserved_connections'), current_setting('reserved_connections', true), current_setting('rds.rds_superuser_reserved_connections', true), version()";

/// MySQL and MariaDB (one extra connection is kept for SUPER, outside max_connections).
const MYSQL: &str =
    "SELECT CAST(@@max_connections AS CHAR), CAST(@@max_user_connections AS CHAR), VERSION()";

/// Reads the limit; a failure is recorded in the result (reported as unknown), never raised.
pub async fn read(url: &str) -> DatabaseLimit {
    let limit = DatabaseLimit::new(LimitSource::Live, redact_url(url));
    let mut session = match Session::open(url).await {
        Ok(s) => s,
        Err(e) => return limit.failed(LookupStatus::Unknown, e.to_string()),
    };
    let engine = session.engine;
    let (sql, names): (&str, &[&str]) = match engine {
        Engine::Postgres => (
            POSTGRES,
            &[
                "max_connections",
                "superuser_reserved_connections",
                "reserved_connections",
                "rds.rds_superuser_reserved_connections",
            ],
        ),
        Engine::MySql { .. } => (MYSQL, &["max_connections", "max_user_connections"]),
    };
    let rows = session.query(sql, &[]).await;
    session.close().await;
    let row = match rows {
        Ok(rows) => rows.into_iter().next().unwrap_or_default(),
        Err(e) => return limit.failed(LookupStatus::Unknown, e.to_string()),
    };
    let mut limit = limit;
    let version = row.get(names.len()).cloned().flatten().unwrap_or_default();
    limit.engine = Some(
        match engine {
            Engine::Postgres => "postgres",
            Engine::MySql { .. } if version.to_ascii_lowercase().contains("mariadb") => "mariadb",
            Engine::MySql { .. } => "mysql",
        }
        .to_string(),
    );
    for (name, value) in names.iter().zip(row) {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            debug_assert!(LIMIT_PARAMETERS.contains(name));
            limit.parameters.insert((*name).to_string(), value);
        }
    }
    limit
}
