//! What a task needs before its containers start, beyond secrets: the ECR images it pulls,
//! the CloudWatch Logs groups it writes to, and the S3 environment files it loads. Metadata
//! only: an image's repository, tags and architectures, never its layers; a file's existence,
//! never its content.

use super::LookupStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An ECR image a container names, looked up by the image string as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageRecord {
    /// The `image` of the container definition, e.g. `1111.dkr.ecr.us-east-1.amazonaws.com/web:1.4`.
    pub image: String,
    /// `found`: the repository and the tag or digest exist; `not_found`: one of them does not
    /// (`missing` says which); `unknown`: it could not be read (`error`).
    pub status: LookupStatus,
    /// `repository` or `image` when `status` is `not_found`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    pub repository_arn: Option<String>,
    /// The repository policy (JSON text), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_policy: Option<String>,
    /// CPU architectures the image's manifest list names (`amd64`, `arm64`); `None` when the
    /// manifest does not say (a single-platform manifest keeps it in its config blob).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architectures: Option<Vec<String>>,
    /// The KMS key of a repository encrypted with `encryptionType: KMS` (its ARN, as
    /// DescribeRepositories gives it; the key's own record says whether AWS manages it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    pub error: Option<String>,
}

/// A CloudWatch Logs group an `awslogs` container names, in the region it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroupRecord {
    pub region: String,
    pub name: String,
    pub status: LookupStatus,
    pub error: Option<String>,
}

/// An S3 object named by `environmentFiles` (its ARN), looked up with HeadObject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectRecord {
    pub arn: String,
    pub status: LookupStatus,
    pub error: Option<String>,
}

/// The bucket policy of a bucket that holds environment files (GetBucketPolicy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketPolicyRecord {
    pub bucket: String,
    /// `found`: `policy` is the bucket's policy; `not_found`: the bucket has none; `unknown`:
    /// it could not be read (`error`).
    pub status: LookupStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    pub error: Option<String>,
}

/// A container instance of the cluster (DescribeContainerInstances): what `memberOf`
/// placement expressions are evaluated against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerInstanceRecord {
    pub arn: String,
    pub ec2_instance_id: Option<String>,
    /// `ACTIVE`, `DRAINING`, …: only active instances with a connected agent take new tasks.
    pub status: Option<String>,
    pub agent_connected: Option<bool>,
    /// Built-in (`ecs.instance-type`, `ecs.availability-zone`, …) and custom attributes.
    #[serde(default)]
    pub attributes: BTreeMap<String, Option<String>>,
}
