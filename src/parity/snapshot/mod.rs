//! The snapshot: everything read from one environment, as versioned JSON (`"version": 1`).
//! `preflight snapshot` writes it; `parity` reads it in place of live AWS. Secret values are
//! never part of it: only metadata (ARN, name, KMS key, deletion date, tags, resource policy).
//! Plain `environment` values are kept (check 5 judges them), except that values of
//! secret-looking names are stored as `<redacted>` and credentials inside URLs are cut.

use super::capacity::record::CapacityRecord;
pub use super::credentials::ValueTrait;
pub use super::secret_versions::SecretVersion;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

mod start;
mod task_definition;
pub use start::*;
pub use task_definition::*;

/// The snapshot format this build reads and writes.
pub const SNAPSHOT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub version: u32,
    /// The `[environments.NAME]` it was taken from.
    pub environment: String,
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub cluster: Option<String>,
    #[serde(default)]
    pub services: Vec<ServiceSnapshot>,
    /// Services the configuration names that the cluster does not have.
    #[serde(default)]
    pub missing_services: Vec<String>,
    /// One record per Secrets Manager secret a task definition references.
    #[serde(default)]
    pub secrets: Vec<SecretRecord>,
    /// One record per SSM parameter a task definition references.
    #[serde(default)]
    pub parameters: Vec<ParameterRecord>,
    /// The KMS keys of the referenced secrets (to decide `kms:Decrypt`) and of the images'
    /// repositories (to decide whether ECR can still decrypt them).
    #[serde(default)]
    pub keys: Vec<KeyRecord>,
    /// The execution and task roles of the task definitions.
    #[serde(default)]
    pub roles: Vec<RoleRecord>,
    /// What could not be read (access denied, timeout): reported as unknown, never dropped.
    #[serde(default)]
    pub unreadable: Vec<Unreadable>,
    /// Results of `--verify-secret-keys` (live runs only): whether a referenced JSON key exists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_keys: Vec<SecretKeyCheck>,
    /// The database's connection limit and the services' scaling ranges, when the
    /// environment names a database (`[environments.NAME.database]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<CapacityRecord>,
    /// The ECR images the containers pull. `None`: not read (a snapshot of an older preflight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<ImageRecord>>,
    /// The `awslogs` log groups. `None`: not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_groups: Option<Vec<LogGroupRecord>>,
    /// The S3 objects of `environmentFiles`. `None`: not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_files: Option<Vec<ObjectRecord>>,
    /// The policies of the buckets that hold environment files. `None`: not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_policies: Option<Vec<BucketPolicyRecord>>,
    /// The cluster's container instances, read when a service outside Fargate has a
    /// `memberOf` placement constraint. `None`: not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_instances: Option<Vec<ContainerInstanceRecord>>,
}

impl Snapshot {
    pub fn new(environment: impl Into<String>) -> Self {
        Snapshot {
            version: SNAPSHOT_VERSION,
            environment: environment.into(),
            account_id: None,
            region: None,
            cluster: None,
            services: Vec::new(),
            missing_services: Vec::new(),
            secrets: Vec::new(),
            parameters: Vec::new(),
            keys: Vec::new(),
            roles: Vec::new(),
            unreadable: Vec::new(),
            secret_keys: Vec::new(),
            capacity: None,
            images: None,
            log_groups: None,
            environment_files: None,
            bucket_policies: None,
            container_instances: None,
        }
    }

    /// Reads and validates a snapshot file; every problem is a one-line error naming the file.
    pub fn load(path: &Path) -> Result<Snapshot> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Snapshot::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Snapshot> {
        let typed = serde_json::from_str::<Snapshot>(text);
        // The version decides how to read the rest, so a mismatch is reported before any
        // field error; only the error path pays for the second, version-only parse.
        let version = match &typed {
            Ok(snapshot) => Some(u64::from(snapshot.version)),
            Err(_) => serde_json::from_str::<VersionProbe>(text)
                .ok()
                .and_then(|p| p.version.as_ref().and_then(serde_json::Value::as_u64)),
        };
        match version {
            Some(v) if v == u64::from(SNAPSHOT_VERSION) => {}
            Some(v) => {
                return Err(Error::input(
                    path,
                    format!("snapshot version {v} is not supported (this preflight reads version {SNAPSHOT_VERSION}); take it again with `preflight snapshot`"),
                ))
            }
            None if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() => {
                return Err(Error::input(
                    path,
                    "not a snapshot: no numeric `version` member (take one with `preflight snapshot`)",
                ))
            }
            None => {}
        }
        typed.map_err(|e| {
            // As config errors read: `file: line L: message`, without serde_json's own
            // "at line L column C" repeating the line.
            let message = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let message = message.strip_suffix(&suffix).unwrap_or(&message);
            Error::input(path, format!("line {}: {message}", e.line()))
        })
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn secret(&self, reference: &str) -> Option<&SecretRecord> {
        self.secrets.iter().find(|s| s.reference == reference)
    }

    pub fn parameter(&self, reference: &str) -> Option<&ParameterRecord> {
        self.parameters.iter().find(|p| p.reference == reference)
    }

    pub fn key(&self, reference: &str) -> Option<&KeyRecord> {
        self.keys.iter().find(|k| k.reference == reference)
    }

    pub fn role(&self, arn: &str) -> Option<&RoleRecord> {
        self.roles.iter().find(|r| r.arn == arn)
    }

    /// Every read that failed, as `what: why` (parity reports each as unknown).
    pub fn failed_reads(&self) -> Vec<String> {
        let unknown = |what: &str, status: LookupStatus, error: &Option<String>| {
            (status == LookupStatus::Unknown)
                .then(|| format!("{what}: {}", error.as_deref().unwrap_or("unknown error")))
        };
        let unreadable = self
            .unreadable
            .iter()
            .map(|u| format!("{} {}: {}", u.operation, u.resource, u.error));
        unreadable
            .chain(
                self.secrets
                    .iter()
                    .filter_map(|r| unknown(&r.reference, r.status, &r.error)),
            )
            .chain(
                self.parameters
                    .iter()
                    .filter_map(|r| unknown(&r.reference, r.status, &r.error)),
            )
            .chain(
                self.keys
                    .iter()
                    .filter_map(|r| unknown(&r.reference, r.status, &r.error)),
            )
            .chain(
                self.roles
                    .iter()
                    .filter_map(|r| unknown(&r.arn, r.status, &r.error)),
            )
            .chain(self.capacity.iter().flat_map(CapacityRecord::failed_reads))
            .chain(
                self.images
                    .iter()
                    .flatten()
                    .filter_map(|r| unknown(&r.image, r.status, &r.error)),
            )
            .chain(
                self.log_groups
                    .iter()
                    .flatten()
                    .filter_map(|r| unknown(&r.name, r.status, &r.error)),
            )
            .chain(
                self.environment_files
                    .iter()
                    .flatten()
                    .filter_map(|r| unknown(&r.arn, r.status, &r.error)),
            )
            .chain(
                self.bucket_policies
                    .iter()
                    .flatten()
                    .filter_map(|r| unknown(&format!("s3://{}", r.bucket), r.status, &r.error)),
            )
            .collect()
    }
}

/// Just the `version` member, read when the whole document does not parse.
#[derive(Deserialize)]
struct VersionProbe {
    version: Option<serde_json::Value>,
}

/// The outcome of looking something up: found, definitely absent, or not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LookupStatus {
    Found,
    NotFound,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unreadable {
    /// What was being read, e.g. `ecs:DescribeTaskDefinition`.
    pub operation: String,
    /// Which resource (ARN or name).
    pub resource: String,
    /// The service's error code and message (never request data).
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSnapshot {
    pub name: String,
    pub arn: Option<String>,
    pub status: Option<String>,
    /// The revision the service actually runs (its `taskDefinition`), not the family's latest.
    pub task_definition_arn: String,
    pub settings: ServiceSettings,
    /// `None` when it could not be read (see `unreadable`).
    pub task_definition: Option<TaskDefinition>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceSettings {
    pub launch_type: Option<String>,
    pub platform_version: Option<String>,
    pub desired_count: Option<i32>,
    pub scheduling_strategy: Option<String>,
    pub deployment_minimum_healthy_percent: Option<i32>,
    pub deployment_maximum_percent: Option<i32>,
    pub deployment_circuit_breaker: Option<bool>,
    pub deployment_rollback: Option<bool>,
    pub health_check_grace_period_seconds: Option<i32>,
    pub enable_execute_command: Option<bool>,
    pub assign_public_ip: Option<String>,
    pub propagate_tags: Option<String>,
    #[serde(default)]
    pub capacity_provider_strategy: Vec<CapacityProviderItem>,
    #[serde(default)]
    pub load_balancers: Vec<LoadBalancer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_constraints: Vec<PlacementConstraint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CapacityProviderItem {
    pub capacity_provider: String,
    pub weight: i32,
    pub base: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadBalancer {
    pub target_group_arn: Option<String>,
    pub container_name: Option<String>,
    pub container_port: Option<i32>,
}

/// A Secrets Manager secret referenced by `valueFrom`, looked up by its id as written there
/// (full or partial ARN, without the `:json-key:…` suffix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretRecord {
    pub reference: String,
    pub status: LookupStatus,
    pub metadata: Option<SecretMetadata>,
    /// Why the status is `unknown`.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretMetadata {
    pub arn: String,
    pub name: String,
    /// `None` means the AWS managed key `aws/secretsmanager`.
    pub kms_key_id: Option<String>,
    /// Set when the secret is scheduled for deletion (RFC 3339).
    pub deleted_date: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The secret's resource policy (JSON text), when it has one.
    pub resource_policy: Option<String>,
    /// Its versions and their staging labels, read when a `valueFrom` names a stage or id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<SecretVersion>>,
}

/// An SSM parameter referenced by `valueFrom` (metadata from DescribeParameters, never its value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterRecord {
    pub reference: String,
    pub status: LookupStatus,
    pub metadata: Option<ParameterMetadata>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterMetadata {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub key_id: Option<String>,
    pub version: Option<i64>,
}

/// A KMS key a secret is encrypted with, looked up by the id the secret names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRecord {
    pub reference: String,
    pub status: LookupStatus,
    pub metadata: Option<KeyMetadata>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyMetadata {
    pub arn: String,
    /// `AWS` (an AWS managed key) or `CUSTOMER`.
    pub key_manager: Option<String>,
    /// The key policy named `default` (JSON text).
    pub policy: Option<String>,
    /// `Enabled`, `Disabled`, `PendingDeletion`, … (DescribeKey). `None`: not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_state: Option<String>,
    /// For a customer-managed key of an ECR repository: the repositories (ARNs) that hold a
    /// grant to `Decrypt` with it (ListGrants, the grant's `aws:ecr:arn` encryption context).
    /// `None`: not read (the key encrypts no image, or ListGrants failed: see `unreadable`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecr_grants: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRecord {
    pub arn: String,
    pub status: LookupStatus,
    pub error: Option<String>,
    #[serde(default)]
    pub inline_policies: Vec<PolicyRecord>,
    /// Attached managed policies, each with its default version's document.
    #[serde(default)]
    pub attached_policies: Vec<PolicyRecord>,
    pub permission_boundary: Option<PolicyRecord>,
    /// The trust policy (JSON text): who may assume the role. `None`: not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_policy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRecord {
    pub name: String,
    /// Managed policies only.
    pub arn: Option<String>,
    /// Managed policies only: the default version that was read.
    pub version_id: Option<String>,
    /// The policy document as JSON text (URL-decoded when AWS returned it encoded).
    pub document: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretKeyCheck {
    pub reference: String,
    pub json_key: String,
    /// `None`: the value could not be read (`error` says why). `Some(false)` with `error`: the
    /// value is not a JSON object.
    pub present: Option<bool>,
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Snapshot {
        let mut s = Snapshot::new("staging");
        s.account_id = Some("111111111111".into());
        s.region = Some("us-east-1".into());
        s.services.push(ServiceSnapshot {
            name: "web".into(),
            arn: None,
            status: Some("ACTIVE".into()),
            task_definition_arn: "arn:aws:ecs:us-east-1:111111111111:task-definition/web:3".into(),
            settings: ServiceSettings {
                desired_count: Some(2),
                ..ServiceSettings::default()
            },
            task_definition: Some(TaskDefinition {
                family: "web".into(),
                revision: 3,
                container_definitions: vec![ContainerDefinition {
                    name: "web".into(),
                    environment: vec![KeyValue {
                        name: "REDIS_HOST".into(),
                        value: "redis.internal".into(),
                    }],
                    log_configuration: Some(LogConfiguration {
                        log_driver: "awslogs".into(),
                        secret_options: Vec::new(),
                        options: [("awslogs-group".to_string(), "/ecs/staging/web".to_string())]
                            .into(),
                    }),
                    ..ContainerDefinition::default()
                }],
                ..TaskDefinition::default()
            }),
        });
        s.unreadable.push(Unreadable {
            operation: "iam:GetRole".into(),
            resource: "arn:aws:iam::111111111111:role/x".into(),
            error: "AccessDenied".into(),
        });
        s
    }

    #[test]
    fn round_trips_exactly() {
        let s = sample();
        let text = s.to_json();
        let back = Snapshot::parse(Path::new("s.json"), &text).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.to_json(), text);
    }

    #[test]
    fn other_versions_are_refused_with_the_file_name() {
        let err = Snapshot::parse(Path::new("s.json"), r#"{"version": 2, "environment": "x"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.json: snapshot version 2"), "{err}");
    }

    #[test]
    fn a_misspelt_member_is_an_error_with_its_line() {
        let err = Snapshot::parse(Path::new("s.json"), r#"{"services": []}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no numeric `version`"), "{err}");
        let err = Snapshot::parse(Path::new("s.json"), "{\"version\": 1,")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.json: line 1:"), "{err}");
        let text = "{\n\"version\": 1,\n\"environment\": \"x\",\n\"acount_id\": \"1\"\n}";
        let err = Snapshot::parse(Path::new("s.json"), text)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.json: line 4:"), "{err}");
        assert!(err.contains("acount_id"), "{err}");
        assert!(!err.contains("at line"), "the line is said once: {err}");
    }
}
