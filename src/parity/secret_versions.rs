//! PA308: the version stage or version id a `valueFrom` names exists. ECS passes them to
//! GetSecretValue; a stage no version carries (`AWSPREVIOUS` of a secret that was never
//! rotated) or an id that does not exist fails the task with `ResourceNotFoundException`.
//! Decided from the secret's version list (ListSecretVersionIds, which never returns values).

use super::environment::Environment;
use super::reference::SecretReference;
use super::rules::{finding, SECRET_VERSION_NOT_FOUND};
use super::snapshot::SecretMetadata;
use crate::diagnostics::Finding;
use serde::{Deserialize, Serialize};

/// One version of a secret and its staging labels (deprecated versions have none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretVersion {
    pub id: String,
    #[serde(default)]
    pub stages: Vec<String>,
}

/// The operation that reads the versions (for unreadable records and the README policy).
pub const LIST_VERSIONS: &str = "secretsmanager:ListSecretVersionIds";

/// The finding for one reference, if its stage or id is missing or could not be checked.
pub fn check(
    env: &Environment,
    variable: &str,
    secret: &SecretReference,
    meta: &SecretMetadata,
    at: &str,
) -> Option<Finding> {
    if secret.version_stage.is_none() && secret.version_id.is_none() {
        return None;
    }
    let e = env.name.as_str();
    let Some(versions) = &meta.versions else {
        let failed = env
            .snapshot
            .unreadable
            .iter()
            .any(|u| u.operation == LIST_VERSIONS && u.resource == meta.arn);
        if failed {
            return None; // the unreadable check reports it as unknown
        }
        return Some(
            finding(
                &SECRET_VERSION_NOT_FOUND,
                e,
                variable,
                format!(
                    "`{variable}` in {e} ({at}): the versions of secret `{}` were not recorded, so whether the version it names exists is unknown",
                    meta.name
                ),
            )
            .with_note("take the snapshot again with this preflight version")
            .unknown(),
        );
    };
    let by_id = secret
        .version_id
        .as_deref()
        .map(|id| (id, versions.iter().find(|v| v.id == id)));
    let missing = match (by_id, secret.version_stage.as_deref()) {
        (Some((id, None)), _) => Some(format!("version id `{id}`, which it does not have")),
        (Some((id, Some(v))), Some(stage)) if !v.stages.iter().any(|s| s == stage) => Some(
            format!("version id `{id}` with stage `{stage}`, which that version does not carry"),
        ),
        (None, Some(stage)) if !versions.iter().any(|v| v.stages.iter().any(|s| s == stage)) => {
            Some(format!("version stage `{stage}`, which no version carries"))
        }
        _ => None,
    }?;
    let stages: Vec<&str> = versions
        .iter()
        .flat_map(|v| v.stages.iter().map(String::as_str))
        .collect();
    Some(
        finding(
            &SECRET_VERSION_NOT_FOUND,
            e,
            variable,
            format!(
                "`{variable}` in {e} ({at}) reads secret `{}` at {missing}",
                meta.name
            ),
        )
        .with_note(format!(
            "the secret's stages: {}; ECS fails the task with ResourceNotFoundException",
            if stages.is_empty() {
                "none".to_string()
            } else {
                stages.join(", ")
            }
        )),
    )
}
