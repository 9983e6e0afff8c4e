//! Supply: the connections the application may open, `max_connections` minus the reserved
//! ones, from a number in preflight.toml or the limit a snapshot (RDS or a live read) holds.

use super::formula::{evaluate, Variables};
use super::memory::{class_resources, GIB_PER_ACU};
use super::record::{DatabaseLimit, LimitSource};
use crate::parity::snapshot::LookupStatus;

#[derive(Debug, Clone, PartialEq)]
pub struct Supply {
    /// Connections the application may open.
    pub available: i64,
    /// The limit came from a formula over the nominal memory of the class, which is more
    /// than RDS's `DBInstanceClassMemory`: the real limit is at most this.
    pub upper_bound: bool,
    /// `max_connections 40 (…) − 3 superuser_reserved_connections − … = 35 available`.
    pub arithmetic: String,
    /// The database, for messages: `` `app-production` `` or `the database (preflight.toml)`.
    pub database: String,
}

impl Supply {
    /// `35`, or `at most 107` for an upper bound.
    pub fn describe(&self) -> String {
        if self.upper_bound {
            format!("at most {}", self.available)
        } else {
            self.available.to_string()
        }
    }
}

/// A limit given in preflight.toml.
pub fn from_config(max_connections: u32, reserved: Option<u32>) -> Supply {
    let reserved = reserved.unwrap_or(0);
    let available = i64::from(max_connections) - i64::from(reserved);
    let arithmetic = if reserved == 0 {
        format!("max_connections {max_connections} (preflight.toml) = {available} available")
    } else {
        format!("max_connections {max_connections} (preflight.toml) − {reserved} reserved_connections = {available} available")
    };
    Supply {
        available,
        upper_bound: false,
        arithmetic,
        database: "the database (preflight.toml)".into(),
    }
}

/// The limit a snapshot holds; `Err` says why it is unknown.
pub fn from_limit(limit: &DatabaseLimit) -> Result<Supply, String> {
    let id = &limit.identifier;
    if limit.status != LookupStatus::Found {
        return Err(format!(
            "the connection limit of `{id}` could not be read: {}",
            limit.error.as_deref().unwrap_or("unknown error")
        ));
    }
    let vars = variables(limit);
    let value = |name: &str| -> Result<Option<(i64, bool)>, String> {
        let Some(raw) = limit.parameters.get(name) else {
            return Ok(None);
        };
        let formula = raw.trim().parse::<i64>().is_err();
        let n = evaluate(raw, &vars).map_err(|e| {
            format!(
                "{name} of `{id}` ({}) cannot be evaluated: {e}",
                where_from(limit)
            )
        })?;
        Ok(Some((n, formula)))
    };
    let Some((max, formula)) = value("max_connections")? else {
        return Err(format!(
            "{} does not set max_connections, so the limit of `{id}` is unknown",
            where_from(limit)
        ));
    };
    let mut text = format!("max_connections {max} ({}", where_from(limit));
    if formula {
        text.push_str(&format!(
            ": `{}` with {}",
            limit.parameters["max_connections"],
            memory_text(limit)
        ));
    }
    text.push(')');
    let mut available = max;
    let postgres = limit
        .engine
        .as_deref()
        .is_some_and(|e| e.contains("postgres"));
    if postgres {
        // PostgreSQL keeps superuser_reserved_connections (default 3) and, since 16,
        // reserved_connections for non-superusers; RDS adds rds.rds_superuser_reserved_connections
        // (default 2) for its own agents.
        let rds = limit.source != LimitSource::Live;
        let reserves: [(&str, Option<(i64, &str)>); 3] = [
            (
                "superuser_reserved_connections",
                Some((3, "PostgreSQL's default")),
            ),
            ("reserved_connections", None),
            (
                "rds.rds_superuser_reserved_connections",
                rds.then_some((2, "RDS's default")),
            ),
        ];
        for (name, default) in reserves {
            let (n, origin) = match (value(name)?, default) {
                (Some((n, _)), _) => (n, None),
                (None, Some((n, origin))) => (n, Some(origin)),
                (None, None) => continue,
            };
            if n == 0 {
                continue;
            }
            available -= n;
            match origin {
                Some(origin) => text.push_str(&format!(" − {n} {name} ({origin})")),
                None => text.push_str(&format!(" − {n} {name}")),
            }
        }
    }
    text.push_str(&format!(" = {available} available"));
    if let Some((per_user, _)) = value("max_user_connections")? {
        if per_user > 0 && per_user < available {
            available = per_user;
            text.push_str(&format!(
                "; max_user_connections {per_user} caps each user at {per_user}"
            ));
        }
    }
    Ok(Supply {
        available,
        upper_bound: formula,
        arithmetic: text,
        database: format!("database `{id}`"),
    })
}

fn where_from(limit: &DatabaseLimit) -> String {
    match (&limit.source, &limit.parameter_group) {
        (LimitSource::Live, _) => format!("read live from {}", limit.identifier),
        (_, Some(group)) => format!("parameter group `{group}`"),
        (_, None) => format!("`{}`", limit.identifier),
    }
}

/// The cluster's Serverless v2 capacity sizes only `db.serverless` instances: a provisioned
/// writer in a mixed cluster keeps its class's memory.
fn serverless_acu(limit: &DatabaseLimit) -> Option<&serde_json::Number> {
    match limit.instance_class.as_deref() {
        Some(class) if class != "db.serverless" => None,
        _ => limit.serverless_max_acu.as_ref(),
    }
}

fn variables(limit: &DatabaseLimit) -> Variables {
    if let Some(acu) = serverless_acu(limit).and_then(|n| n.as_f64()) {
        return Variables {
            memory_bytes: Some(acu * GIB_PER_ACU * 1024.0 * 1024.0 * 1024.0),
            vcpus: None,
        };
    }
    match limit.instance_class.as_deref().and_then(class_resources) {
        Some((vcpus, bytes)) => Variables {
            memory_bytes: Some(bytes),
            vcpus: Some(vcpus),
        },
        None => Variables::default(),
    }
}

fn memory_text(limit: &DatabaseLimit) -> String {
    if let Some(acu) = serverless_acu(limit) {
        return format!("Serverless v2 maximum {acu} ACU × {GIB_PER_ACU} GiB");
    }
    match limit.instance_class.as_deref() {
        Some(class) => match class_resources(class) {
            Some((_, bytes)) => format!(
                "{class}'s {} GiB (docs/rds-instance-classes.md)",
                bytes / (1024.0 * 1024.0 * 1024.0)
            ),
            None => format!("{class}, which docs/rds-instance-classes.md does not list"),
        },
        None => "an unknown instance class".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rds(engine: &str, class: &str, params: &[(&str, &str)]) -> DatabaseLimit {
        let mut l = DatabaseLimit::new(LimitSource::RdsInstance, "app-db");
        l.engine = Some(engine.into());
        l.instance_class = Some(class.into());
        l.parameter_group = Some("app-pg".into());
        for (k, v) in params {
            l.parameters.insert(k.to_string(), v.to_string());
        }
        l
    }

    #[test]
    fn rds_postgres_number_minus_both_reserves() {
        let s = from_limit(&rds(
            "postgres",
            "db.t3.micro",
            &[("max_connections", "40")],
        ))
        .unwrap();
        assert_eq!(s.available, 35);
        assert!(!s.upper_bound);
        assert_eq!(s.arithmetic, "max_connections 40 (parameter group `app-pg`) − 3 superuser_reserved_connections (PostgreSQL's default) − 2 rds.rds_superuser_reserved_connections (RDS's default) = 35 available");
    }

    #[test]
    fn formula_is_an_upper_bound() {
        let s = from_limit(&rds(
            "postgres",
            "db.t3.micro",
            &[
                (
                    "max_connections",
                    "LEAST({DBInstanceClassMemory/9531392},5000)",
                ),
                ("superuser_reserved_connections", "3"),
                ("rds.rds_superuser_reserved_connections", "2"),
            ],
        ))
        .unwrap();
        assert_eq!(s.available, 107);
        assert!(s.upper_bound);
        assert_eq!(s.describe(), "at most 107");
        assert!(
            s.arithmetic.contains("db.t3.micro's 1 GiB"),
            "{}",
            s.arithmetic
        );
    }

    #[test]
    fn mysql_has_no_reserve_but_a_per_user_cap() {
        let s = from_limit(&rds(
            "mysql",
            "db.r6g.large",
            &[
                ("max_connections", "{DBInstanceClassMemory/12582880}"),
                ("max_user_connections", "0"),
            ],
        ))
        .unwrap();
        assert_eq!(s.available, 1365);
        let s = from_limit(&rds(
            "mariadb",
            "db.r6g.large",
            &[("max_connections", "500"), ("max_user_connections", "50")],
        ))
        .unwrap();
        assert_eq!(s.available, 50);
    }

    #[test]
    fn what_cannot_be_evaluated_is_unknown_with_the_reason() {
        let err = from_limit(&rds(
            "postgres",
            "db.x9.large",
            &[("max_connections", "{DBInstanceClassMemory/9531392}")],
        ))
        .unwrap_err();
        assert!(
            err.contains("parameter group `app-pg`")
                && err.contains("DBInstanceClassMemory is not known"),
            "{err}"
        );
        let err = from_limit(&rds(
            "postgres",
            "db.t3.micro",
            &[("max_connections", "LEAST({DBInstanceClassMemory/9531392},")],
        ))
        .unwrap_err();
        assert!(err.contains("cannot be evaluated"), "{err}");
        let err = from_limit(&rds("postgres", "db.t3.micro", &[])).unwrap_err();
        assert!(err.contains("does not set max_connections"), "{err}");
        let failed =
            rds("postgres", "db.t3.micro", &[]).failed(LookupStatus::Unknown, "AccessDenied");
        assert!(from_limit(&failed).unwrap_err().contains("AccessDenied"));
    }

    #[test]
    fn serverless_v2_sizes_memory_by_its_maximum_acu() {
        let mut l = rds(
            "aurora-postgresql",
            "db.serverless",
            &[(
                "max_connections",
                "LEAST({DBInstanceClassMemory/9531392},5000)",
            )],
        );
        l.serverless_max_acu = serde_json::Number::from_f64(4.0);
        let s = from_limit(&l).unwrap();
        // 8 GiB / 9531392 = 901, minus 3 and 2.
        assert_eq!(s.available, 896);
    }

    #[test]
    fn a_provisioned_writer_in_a_serverless_cluster_keeps_its_class_memory() {
        // Aurora: a cluster's Serverless v2 capacity range applies to its db.serverless
        // instances; a provisioned writer's DBInstanceClassMemory is its class's.
        let mut l = rds(
            "aurora-postgresql",
            "db.r6g.large",
            &[(
                "max_connections",
                "LEAST({DBInstanceClassMemory/9531392},5000)",
            )],
        );
        l.serverless_max_acu = serde_json::Number::from_f64(4.0);
        let s = from_limit(&l).unwrap();
        // 16 GiB / 9531392 = 1802, minus 3 and 2.
        assert_eq!(s.available, 1797);
        assert!(
            s.arithmetic.contains("db.r6g.large's 16 GiB"),
            "{}",
            s.arithmetic
        );
    }
}
