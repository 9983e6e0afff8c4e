//! The capacity part of a snapshot: the database's connection limit as it was read (raw
//! parameter values, formulas unevaluated, so the snapshot says what AWS or the server said),
//! and the services' Application Auto Scaling ranges.

use crate::parity::snapshot::LookupStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityRecord {
    /// The database the services share; `None` when the environment names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<DatabaseLimit>,
    /// Application Auto Scaling targets (`ecs:service:DesiredCount`) of the services; read
    /// only when `scaling_error` is `None`.
    #[serde(default)]
    pub scaling: Vec<ScalingTarget>,
    /// Why the scaling targets could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling_error: Option<String>,
}

/// Where a limit was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitSource {
    /// DescribeDBInstances and the instance's DB parameter group.
    RdsInstance,
    /// DescribeDBClusters, then the writer instance as above.
    RdsCluster,
    /// `SHOW`/`SELECT @@` on a live connection.
    Live,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseLimit {
    pub source: LimitSource,
    /// Instance or cluster identifier, or the URL without its password.
    pub identifier: String,
    pub status: LookupStatus,
    /// Why the status is not `found`.
    pub error: Option<String>,
    /// `postgres`, `mysql`, `mariadb`, `aurora-postgresql`, …
    pub engine: Option<String>,
    pub instance_class: Option<String>,
    pub parameter_group: Option<String>,
    /// Aurora Serverless v2: the cluster's maximum capacity in ACUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serverless_max_acu: Option<serde_json::Number>,
    /// `max_connections` and the reserved-connection parameters, exactly as read (a number,
    /// or an RDS formula). A parameter the group does not set is absent.
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

impl DatabaseLimit {
    pub fn new(source: LimitSource, identifier: impl Into<String>) -> Self {
        DatabaseLimit {
            source,
            identifier: identifier.into(),
            status: LookupStatus::Found,
            error: None,
            engine: None,
            instance_class: None,
            parameter_group: None,
            serverless_max_acu: None,
            parameters: BTreeMap::new(),
        }
    }

    pub fn failed(mut self, status: LookupStatus, error: impl Into<String>) -> Self {
        self.status = status;
        self.error = Some(error.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalingTarget {
    /// The service name (from the resource id `service/CLUSTER/NAME`).
    pub service: String,
    pub min_capacity: i32,
    pub max_capacity: i32,
}

/// Parameters that matter for the connection limit; every other parameter is dropped.
pub const LIMIT_PARAMETERS: &[&str] = &[
    "max_connections",
    "superuser_reserved_connections",
    "rds.rds_superuser_reserved_connections",
    "reserved_connections",
    "max_user_connections",
];

impl CapacityRecord {
    /// Every read that failed, as `what: why`.
    pub fn failed_reads(&self) -> Vec<String> {
        let database = self
            .database
            .iter()
            .filter(|d| d.status != LookupStatus::Found)
            .map(|d| {
                format!(
                    "{}: {}",
                    d.identifier,
                    d.error.as_deref().unwrap_or("unknown error")
                )
            });
        let scaling = self.scaling_error.iter().cloned();
        database.chain(scaling).collect()
    }
}
