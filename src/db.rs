//! The database layer `reconcile` and `verify` share: URL parsing (`postgres://`,
//! `postgresql://`, `mysql://`, `mariadb://`), engine detection, password redaction, the
//! connect timeout and the wording of connection errors. sqlx's own URL errors can quote the
//! URL, password included, so they are never echoed.

use crate::error::{Error, Result};
use crate::sql::Dialect;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use std::time::Duration;

/// A server that does not answer in this time is reported, not waited for.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    /// MySQL or MariaDB (`mariadb` tells which: the URL scheme says so first, the server's
    /// `VERSION()` settles it once connected).
    MySql {
        mariadb: bool,
    },
}

impl Engine {
    pub fn dialect(self) -> Dialect {
        match self {
            Engine::Postgres => Dialect::Postgres,
            Engine::MySql { mariadb: true } => Dialect::Mariadb,
            Engine::MySql { mariadb: false } => Dialect::Mysql,
        }
    }

    /// The engine a URL names, from its scheme; `None` for any other scheme.
    pub fn of_url(url: &str) -> Option<Engine> {
        let scheme = url.split_once("://")?.0.to_ascii_lowercase();
        match scheme.as_str() {
            "postgres" | "postgresql" => Some(Engine::Postgres),
            "mysql" => Some(Engine::MySql { mariadb: false }),
            "mariadb" => Some(Engine::MySql { mariadb: true }),
            _ => None,
        }
    }
}

/// Where the userinfo of `after_scheme` (a URL's text after `scheme://`) ends: its `@`, if any.
/// A password written unencoded may hold `/`, `?`, `#` or `@`: once the text before the first of
/// `/?#` holds one of `userinfo_marks` (`user:pa…`), the userinfo runs to the last `@`. That may
/// hide an `@` of the query too, never a password.
pub fn userinfo_end(after_scheme: &str, userinfo_marks: &[char]) -> Option<usize> {
    let authority_end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let looks_like_userinfo = after_scheme[..authority_end].contains(userinfo_marks);
    after_scheme
        .rfind('@')
        .filter(|&at| at < authority_end || looks_like_userinfo)
}

/// The URL with its password replaced by `***`, safe to print.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    // sqlx refuses a URL whose password is unencoded, and its error quotes the URL.
    let Some(at) = userinfo_end(rest, &[':']) else {
        return url.to_string();
    };
    let userinfo = &rest[..at];
    let redacted = match userinfo.find(':') {
        Some(colon) => format!("{}:***", &userinfo[..colon]),
        None => userinfo.to_string(),
    };
    format!("{}{}{}", &url[..scheme_end + 3], redacted, &rest[at..])
}

/// A server message on one line (drivers wrap long messages).
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Connection options parsed from a URL, with statement logging off.
#[derive(Debug, Clone)]
pub enum Target {
    Postgres(PgConnectOptions),
    MySql {
        options: MySqlConnectOptions,
        mariadb: bool,
    },
}

/// An open connection to either engine.
pub enum Conn {
    Pg(PgConnection),
    My(MySqlConnection),
}

impl Target {
    /// Parses a URL. `what` names it in errors (`database URL postgres://app:***@db/x`,
    /// `the dev server URL (--dev-url)`); the error never carries sqlx's message, which can
    /// quote the password.
    pub fn parse(url: &str, what: &str) -> Result<Target> {
        let bad_url = || {
            Error::Usage(format!(
                "{what} {} is not a valid database URL (check the user, host, port and database name; special characters in the password must be percent-encoded)",
                redact_url(url)
            ))
        };
        match Engine::of_url(url) {
            Some(Engine::Postgres) => Ok(Target::Postgres(
                url.parse::<PgConnectOptions>()
                    .map_err(|_| bad_url())?
                    .disable_statement_logging(),
            )),
            Some(Engine::MySql { mariadb }) => {
                // sqlx only knows the mysql:// scheme; MariaDB speaks the same protocol.
                let scheme_len = url.find("://").unwrap_or(0);
                let url = format!("mysql{}", &url[scheme_len..]);
                Ok(Target::MySql {
                    options: url
                        .parse::<MySqlConnectOptions>()
                        .map_err(|_| bad_url())?
                        .disable_statement_logging(),
                    mariadb,
                })
            }
            None => Err(Error::Usage(format!(
                "{what} {}: unsupported scheme; use postgres://…, mysql://… or mariadb://…",
                redact_url(url)
            ))),
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Target::Postgres(_) => Engine::Postgres,
            Target::MySql { mariadb, .. } => Engine::MySql { mariadb: *mariadb },
        }
    }

    /// `user@host:port`, for messages (never the password).
    pub fn describe(&self) -> String {
        match self {
            Target::Postgres(o) => {
                format!("{}@{}:{}", o.get_username(), o.get_host(), o.get_port())
            }
            Target::MySql { options: o, .. } => {
                format!("{}@{}:{}", o.get_username(), o.get_host(), o.get_port())
            }
        }
    }

    /// Connects to `database`, or to the URL's own database when `None`, within
    /// `CONNECT_TIMEOUT`.
    pub async fn connect(&self, database: Option<&str>) -> std::result::Result<Conn, ConnectError> {
        let attempt = async {
            match self {
                Target::Postgres(o) => {
                    let o = match database {
                        Some(db) => o.clone().database(db),
                        None => o.clone(),
                    };
                    PgConnection::connect_with(&o).await.map(Conn::Pg)
                }
                Target::MySql { options: o, .. } => {
                    let o = match database {
                        Some(db) => o.clone().database(db),
                        None => o.clone(),
                    };
                    MySqlConnection::connect_with(&o).await.map(Conn::My)
                }
            }
        };
        match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(ConnectError::Driver(e)),
            Err(_) => Err(ConnectError::Timeout),
        }
    }
}

/// Why a connection could not be opened.
#[derive(Debug)]
pub enum ConnectError {
    Driver(sqlx::Error),
    /// No answer within `CONNECT_TIMEOUT`.
    Timeout,
}

impl ConnectError {
    /// One line for a message, never the password (the driver's error is about the server,
    /// not the URL, once the URL has parsed).
    /// Worded as reconcile words the same failure, so both commands say one thing about it.
    pub fn describe(&self) -> String {
        match self {
            ConnectError::Driver(sqlx::Error::Io(io)) => format!(
                "cannot reach the server: {} (is it running and reachable?)",
                one_line(&io.to_string())
            ),
            ConnectError::Driver(sqlx::Error::Database(db)) => {
                let message = one_line(db.message());
                match db.code() {
                    Some(code) => format!("{code} {message}"),
                    None => message,
                }
            }
            ConnectError::Driver(sqlx::Error::Tls(t)) => {
                format!("TLS failed: {}", one_line(&t.to_string()))
            }
            // sqlx's configuration errors can quote the URL, password included: never echoed.
            ConnectError::Driver(sqlx::Error::Configuration(_)) => {
                "bad database URL; check the user, host, port, database name and TLS parameters"
                    .to_string()
            }
            ConnectError::Driver(e) => one_line(&e.to_string()),
            ConnectError::Timeout => format!(
                "no answer within {} s; check the host, port and network",
                CONNECT_TIMEOUT.as_secs()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_only_the_password() {
        assert_eq!(
            redact_url("postgres://app:s3cr%40t@db:5432/prod?sslmode=require"),
            "postgres://app:***@db:5432/prod?sslmode=require"
        );
        assert_eq!(
            redact_url("mysql://root@127.0.0.1/x"),
            "mysql://root@127.0.0.1/x"
        );
        assert_eq!(redact_url("postgres://db/x"), "postgres://db/x");
    }

    /// Unencoded `/`, `?`, `#` and `@` in a password: none of it is printed.
    #[test]
    fn unencoded_passwords_are_hidden_whole() {
        for password in ["pa/ss", "pa?ss", "pa#ss", "p@ss", "a/b?c#d@e"] {
            let url = format!("postgres://app:{password}@db:5432/prod?sslmode=require");
            assert_eq!(
                redact_url(&url),
                "postgres://app:***@db:5432/prod?sslmode=require",
                "{password}"
            );
        }
        assert_eq!(
            redact_url("mysql://root@127.0.0.1/x?a=b@c"),
            "mysql://root@127.0.0.1/x?a=b@c"
        );
    }

    #[test]
    fn every_scheme_names_its_engine() {
        assert_eq!(Engine::of_url("postgresql://x/y"), Some(Engine::Postgres));
        assert_eq!(Engine::of_url("POSTGRES://x/y"), Some(Engine::Postgres));
        assert_eq!(
            Engine::of_url("mariadb://x/y"),
            Some(Engine::MySql { mariadb: true })
        );
        assert_eq!(Engine::of_url("sqlite://x"), None);
    }

    #[test]
    fn a_bad_url_is_reported_without_its_password() {
        for url in [
            "postgres://app:hunter2@db:notaport/x",
            "mysql://app:hunter2@db:notaport/x",
            "sqlite://app:hunter2@x",
        ] {
            let err = Target::parse(url, "database URL").unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
            assert!(err.contains("app:***@"), "{err}");
        }
    }
}
