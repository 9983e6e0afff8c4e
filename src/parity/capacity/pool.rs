//! One process's connection pool, per container of a task. Each container brings its own
//! source, in this order: the pool variable (`[capacity] pool_variable`), else a pool parameter
//! of its plaintext database URL (`connection_limit=20`), else `[capacity] pool_size` when the
//! container connects (it has the URL variable, plain or secret, or the pool variable). A
//! container that names no database variable contributes nothing; one that connects with a pool
//! preflight cannot know makes the service's demand unknown. The pools add up over the task.
//! Secret values are never read.

use crate::parity::environment::Environment;
use crate::parity::redact::REDACTED;
use crate::parity::snapshot::{ContainerDefinition, ServiceSnapshot};

/// URL parameters that set a client's pool size (normalised: lower case, no `_` or `-`):
/// Prisma `connection_limit`, pgx `pool_max_conns`, MongoDB/JDBC `maxPoolSize`, HikariCP
/// `maximumPoolSize`, Rails `pool`, node-mysql `connectionLimit`, and common spellings.
const POOL_PARAMETERS: &[&str] = &[
    "connectionlimit",
    "poolmaxconns",
    "maxpoolsize",
    "maximumpoolsize",
    "poolsize",
    "pool",
    "poolmax",
];

/// The settings that decide a container's pool.
pub struct PoolSettings<'a> {
    pub pool_variable: Option<&'a str>,
    pub url_variable: &'a str,
    pub pool_size: Option<u32>,
    /// Where `pool_size` came from: `[capacity] pool_size` or `[capacity.service.NAME] pool_size`.
    pub pool_size_setting: String,
}

/// One process's pool over the task's containers.
#[derive(Debug)]
pub struct TaskPool {
    pub size: u64,
    /// `pool 50 (`DB_POOL_MIN`)`, or per container: `pool 50 (web 30 from … + worker 20 from …)`.
    pub text: String,
    pub notes: Vec<String>,
}

/// One container's pool and where its number came from.
struct ContainerPool<'a> {
    container: &'a str,
    size: u64,
    source: String,
}

/// Where the service's message says the failure happened.
struct Place<'a> {
    env: &'a Environment,
    service: &'a str,
    container: &'a str,
}

pub fn task_pool(
    env: &Environment,
    service: &ServiceSnapshot,
    settings: &PoolSettings,
) -> Result<TaskPool, String> {
    let name = &service.name;
    let Some(task) = &service.task_definition else {
        return Err(format!(
            "{name}: its task definition was not read, so its pool size is unknown"
        ));
    };
    let mut notes = Vec::new();
    let mut pools = Vec::new();
    for c in &task.container_definitions {
        if let Some(note) = rds_proxy_note(name, c, settings.url_variable) {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        let place = Place {
            env,
            service: name,
            container: &c.name,
        };
        pools.extend(container_pool(&place, c, settings)?);
    }
    if pools.is_empty() {
        return task_without_database_variable(env, name, settings, notes);
    }
    let size = pools.iter().map(|p| p.size).sum();
    Ok(TaskPool {
        size,
        text: describe(size, &pools),
        notes,
    })
}

/// A container's pool from the first source that gives one; `None` when it does not connect.
fn container_pool<'a>(
    place: &Place,
    c: &'a ContainerDefinition,
    settings: &PoolSettings,
) -> Result<Option<ContainerPool<'a>>, String> {
    let pool = |size: u64, source: String| ContainerPool {
        container: &c.name,
        size,
        source,
    };
    if let Some(var) = settings.pool_variable {
        if let Some(size) = pool_variable(place, c, var)? {
            return Ok(Some(pool(size, format!("`{var}`"))));
        }
    }
    let url = settings.url_variable;
    if let Some((param, size)) = plain(c, url).and_then(url_pool_parameter) {
        return Ok(Some(pool(size, format!("`{url}` {param}"))));
    }
    if !connects(c, settings) {
        return Ok(None);
    }
    match settings.pool_size {
        Some(n) => Ok(Some(pool(u64::from(n), settings.pool_size_setting.clone()))),
        None => Err(format!(
            "{}: container `{}` connects (`{url}`) but its pool size is unknown in {}: {}`{url}` has no pool parameter in plaintext, and [capacity] pool_size is not set",
            place.service,
            place.container,
            place.env.name,
            not_set(settings.pool_variable)
        )),
    }
}

/// The pool variable's value in this container: `None` when it does not set it.
fn pool_variable(place: &Place, c: &ContainerDefinition, var: &str) -> Result<Option<u64>, String> {
    let (service, container, env) = (place.service, place.container, &place.env.name);
    if c.secrets.iter().any(|s| s.name == var) {
        return Err(format!(
            "{service}: container `{container}`: `{var}` is a secret in {env}; preflight does not read secret values for the pool size (make it a plain variable)"
        ));
    }
    let Some(value) = plain(c, var) else {
        return Ok(None);
    };
    value.trim().parse::<u64>().map(Some).map_err(|_| {
        let shown = if value == REDACTED { REDACTED } else { value };
        format!("{service}: container `{container}`: `{var}` is `{shown}` in {env}, not a number")
    })
}

/// The value of a plain (not secret) variable of the container.
fn plain<'a>(c: &'a ContainerDefinition, var: &str) -> Option<&'a str> {
    c.environment
        .iter()
        .find(|kv| kv.name == var)
        .map(|kv| kv.value.as_str())
}

/// The container has the database URL or the pool variable, plain or secret.
fn connects(c: &ContainerDefinition, settings: &PoolSettings) -> bool {
    let names = c
        .environment
        .iter()
        .map(|kv| kv.name.as_str())
        .chain(c.secrets.iter().map(|s| s.name.as_str()));
    names
        .into_iter()
        .any(|n| n == settings.url_variable || Some(n) == settings.pool_variable)
}

/// No container names a database variable, so preflight cannot tell which one connects: the task
/// counts `pool_size` once, else its demand is unknown.
fn task_without_database_variable(
    env: &Environment,
    name: &str,
    settings: &PoolSettings,
    notes: Vec<String>,
) -> Result<TaskPool, String> {
    let url = settings.url_variable;
    match settings.pool_size {
        Some(n) => Ok(TaskPool {
            size: u64::from(n),
            text: format!("pool {n} ({})", settings.pool_size_setting),
            notes,
        }),
        None => Err(format!(
            "{name}: pool size unknown in {}: {}`{url}` has no pool parameter in plaintext, and [capacity] pool_size is not set",
            env.name,
            not_set(settings.pool_variable)
        )),
    }
}

fn not_set(pool_variable: Option<&str>) -> String {
    match pool_variable {
        Some(v) => format!("`{v}` is not set, "),
        None => String::new(),
    }
}

/// `pool 50 (`DB_POOL_MIN`)` for one container; several name theirs:
/// `pool 50 (web 30 from `DB_POOL_SIZE` + worker 20 from `DATABASE_URL` connection_limit)`.
fn describe(size: u64, pools: &[ContainerPool]) -> String {
    if let [only] = pools {
        return format!("pool {size} ({})", only.source);
    }
    let parts: Vec<String> = pools
        .iter()
        .map(|p| format!("{} {} from {}", p.container, p.size, p.source))
        .collect();
    format!("pool {size} ({})", parts.join(" + "))
}

fn rds_proxy_note(service: &str, c: &ContainerDefinition, url: &str) -> Option<String> {
    plain(c, url).filter(|v| is_rds_proxy(v)).map(|_| {
        format!(
            "{service}: `{url}` connects through RDS Proxy, which pools connections: the database sees at most the proxy's MaxConnectionsPercent of its limit, whatever the clients open"
        )
    })
}

/// `(parameter, value)` of the first pool-size parameter in a URL's query.
pub fn url_pool_parameter(url: &str) -> Option<(String, u64)> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        let normal: String = key
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if !POOL_PARAMETERS.contains(&normal.as_str()) {
            return None;
        }
        Some((key.to_string(), value.trim().parse().ok()?))
    })
}

/// RDS Proxy endpoints: `NAME.proxy-XXXX.REGION.rds.amazonaws.com`.
fn is_rds_proxy(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.contains(".proxy-") && lower.contains(".rds.amazonaws.com")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_parameters_in_urls() {
        assert_eq!(
            url_pool_parameter("postgresql://u@db/app?schema=public&connection_limit=5"),
            Some(("connection_limit".into(), 5))
        );
        assert_eq!(
            url_pool_parameter("postgres://db/app?pool_max_conns=20"),
            Some(("pool_max_conns".into(), 20))
        );
        assert_eq!(
            url_pool_parameter("mongodb://db/?maxPoolSize=100#x"),
            Some(("maxPoolSize".into(), 100))
        );
        assert_eq!(
            url_pool_parameter("postgres://db/app?sslmode=require"),
            None
        );
        assert_eq!(url_pool_parameter("postgres://db/app"), None);
        assert_eq!(url_pool_parameter("postgres://db/app?pool=lots"), None);
    }

    #[test]
    fn rds_proxy_endpoints() {
        assert!(is_rds_proxy(
            "postgres://app.proxy-abc123.us-east-1.rds.amazonaws.com/app"
        ));
        assert!(!is_rds_proxy(
            "postgres://app.abc123.us-east-1.rds.amazonaws.com/app"
        ));
    }
}
