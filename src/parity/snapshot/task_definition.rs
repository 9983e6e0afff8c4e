//! The task definition part of a snapshot: the fields of an ECS task definition that parity
//! compares, in the ECS API's own shape (camelCase, unknown fields refused).

use super::ValueTrait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fields of an ECS task definition that parity compares, in the ECS API's own shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskDefinition {
    pub task_definition_arn: String,
    pub family: String,
    pub revision: i32,
    pub task_role_arn: Option<String>,
    pub execution_role_arn: Option<String>,
    pub network_mode: Option<String>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    #[serde(default)]
    pub requires_compatibilities: Vec<String>,
    pub cpu_architecture: Option<String>,
    pub operating_system_family: Option<String>,
    #[serde(default)]
    pub volumes: Vec<Volume>,
    #[serde(default)]
    pub container_definitions: Vec<ContainerDefinition>,
    /// `ephemeralStorage.sizeInGiB`.
    #[serde(default)]
    pub ephemeral_storage: Option<i32>,
    #[serde(default)]
    pub pid_mode: Option<String>,
    #[serde(default)]
    pub ipc_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_constraints: Vec<PlacementConstraint>,
}

/// A placement constraint of a task definition (`memberOf`) or a service (`memberOf`,
/// `distinctInstance`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementConstraint {
    #[serde(rename = "type")]
    pub kind: String,
    /// A cluster query language expression (`memberOf` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Volume {
    pub name: String,
    pub host_source_path: Option<String>,
    pub efs_file_system_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerDefinition {
    pub name: String,
    pub image: Option<String>,
    pub cpu: Option<i32>,
    pub memory: Option<i32>,
    pub memory_reservation: Option<i32>,
    pub essential: Option<bool>,
    #[serde(default)]
    pub port_mappings: Vec<PortMapping>,
    /// Plain variables. Their values are compared only by the loopback check.
    #[serde(default)]
    pub environment: Vec<KeyValue>,
    #[serde(default)]
    pub environment_files: Vec<EnvironmentFile>,
    /// Variables injected from Secrets Manager or SSM (`valueFrom` is a reference, not a value).
    #[serde(default)]
    pub secrets: Vec<SecretRef>,
    #[serde(default)]
    pub mount_points: Vec<MountPoint>,
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub entry_point: Vec<String>,
    pub working_directory: Option<String>,
    pub user: Option<String>,
    pub readonly_root_filesystem: Option<bool>,
    pub health_check: Option<HealthCheck>,
    pub log_configuration: Option<LogConfiguration>,
    #[serde(default)]
    pub depends_on: Vec<ContainerDependency>,
    #[serde(default)]
    pub ulimits: Vec<Ulimit>,
    /// Values of secret-looking labels are stored as `<redacted>`, like variables.
    #[serde(default)]
    pub docker_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub start_timeout: Option<i32>,
    #[serde(default)]
    pub stop_timeout: Option<i32>,
    /// `linuxParameters.initProcessEnabled`.
    #[serde(default)]
    pub init_process_enabled: Option<bool>,
    /// `repositoryCredentials.credentialsParameter`: the Secrets Manager secret holding a
    /// private registry's credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_credentials: Option<RepositoryCredentials>,
    /// Per plain variable: what its raw value was found to hold (a credential, a placeholder
    /// inside a URL), judged before the value was redacted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub value_traits: BTreeMap<String, Vec<ValueTrait>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortMapping {
    pub container_port: Option<i32>,
    pub host_port: Option<i32>,
    pub protocol: Option<String>,
    pub name: Option<String>,
    pub app_protocol: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyValue {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentFile {
    pub value: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretRef {
    pub name: String,
    pub value_from: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MountPoint {
    pub source_volume: Option<String>,
    pub container_path: Option<String>,
    pub read_only: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HealthCheck {
    #[serde(default)]
    pub command: Vec<String>,
    pub interval: Option<i32>,
    pub timeout: Option<i32>,
    pub retries: Option<i32>,
    pub start_period: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogConfiguration {
    pub log_driver: String,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Log driver options injected from Secrets Manager or SSM, like `secrets`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_options: Vec<SecretRef>,
}

impl LogConfiguration {
    /// A log option that is set and not empty (`awslogs-group`, `awslogs-region`, …).
    pub fn option(&self, key: &str) -> Option<&String> {
        self.options.get(key).filter(|v| !v.is_empty())
    }

    /// The `awslogs-group` and `awslogs-region` an `awslogs` configuration writes to, when it
    /// names both.
    pub fn awslogs_group(&self) -> Option<(&String, &String)> {
        Some((
            self.option("awslogs-group")?,
            self.option("awslogs-region")?,
        ))
    }

    /// `awslogs-create-group` is `true`: ECS creates the group when the task starts.
    pub fn creates_group(&self) -> bool {
        self.option("awslogs-create-group")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RepositoryCredentials {
    pub credentials_parameter: String,
}

/// Where a task definition names a secret a container needs before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSourceKind {
    /// `secrets[]`: an environment variable.
    Variable,
    /// `logConfiguration.secretOptions[]`: a log driver option.
    LogOption,
    /// `repositoryCredentials.credentialsParameter`: a private registry's credentials, a
    /// Secrets Manager secret (ARN or bare name).
    RegistryCredentials,
}

/// One secret a container needs before it starts, wherever the task definition names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretSource<'a> {
    /// The variable or log option name; `repositoryCredentials` for registry credentials.
    pub label: &'a str,
    pub value_from: &'a str,
    pub kind: SecretSourceKind,
}

impl SecretSource<'_> {
    /// How messages name it: `` `DATABASE_URL` ``, `` log option `splunk-token` ``…
    pub fn describe(&self) -> String {
        match self.kind {
            SecretSourceKind::Variable => format!("`{}`", self.label),
            SecretSourceKind::LogOption => format!("log option `{}`", self.label),
            SecretSourceKind::RegistryCredentials => "`repositoryCredentials`".to_string(),
        }
    }
}

impl ContainerDefinition {
    /// The log configuration, when the container logs with the `awslogs` driver.
    pub fn awslogs(&self) -> Option<&LogConfiguration> {
        self.log_configuration
            .as_ref()
            .filter(|l| l.log_driver == "awslogs")
    }

    /// `secrets`, then the log configuration's `secretOptions`, then `repositoryCredentials`.
    pub fn secret_sources(&self) -> impl Iterator<Item = SecretSource<'_>> {
        let plain = self.secrets.iter().map(|s| SecretSource {
            label: &s.name,
            value_from: &s.value_from,
            kind: SecretSourceKind::Variable,
        });
        let log = self
            .log_configuration
            .iter()
            .flat_map(|l| &l.secret_options)
            .map(|s| SecretSource {
                label: &s.name,
                value_from: &s.value_from,
                kind: SecretSourceKind::LogOption,
            });
        let registry = self.repository_credentials.iter().map(|r| SecretSource {
            label: "repositoryCredentials",
            value_from: &r.credentials_parameter,
            kind: SecretSourceKind::RegistryCredentials,
        });
        plain.chain(log).chain(registry)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerDependency {
    pub container_name: String,
    pub condition: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ulimit {
    pub name: String,
    pub soft_limit: i32,
    pub hard_limit: i32,
}
