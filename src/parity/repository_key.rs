//! PA111: an ECR repository encrypted with a customer-managed KMS key can still be decrypted
//! for the pull. ECR decrypts layers itself, through the grant it created on the key when the
//! repository was created (AWS's ECR guide, "Encryption at rest"): the puller needs no KMS
//! permission of its own, but the pull fails when the key is disabled, pending deletion or
//! gone, or when that grant was revoked. Decided from the image record's key (DescribeRepositories)
//! and the key's record (DescribeKey, ListGrants). An AWS managed key (`aws/ecr`) cannot be
//! disabled or lose its grants, so it is not checked.

use super::environment::Environment;
use super::rules::{finding, IMAGE_KEY_UNUSABLE};
use super::snapshot::{ImageRecord, LookupStatus};
use crate::diagnostics::Finding;

/// The finding for the repository key of a found image, if any (`at`: where the image is named).
pub fn check(env: &Environment, record: &ImageRecord, at: &str, subject: &str) -> Option<Finding> {
    let key = record.kms_key.as_deref()?;
    let e = env.name.as_str();
    let repository = record.repository_arn.as_deref().unwrap_or(&record.image);
    let f = |message: String| finding(&IMAGE_KEY_UNUSABLE, e, subject, message);
    let pull_fails =
        "ECS stops the task with CannotPullContainerError: ECR cannot decrypt the image's layers";
    let Some(key_record) = env.key(key) else {
        return Some(
            f(format!("{at}: the snapshot has no record of KMS key `{key}` of repository `{repository}`, so whether ECR can decrypt the image is unknown"))
                .with_note("take the snapshot again with this preflight version")
                .unknown(),
        );
    };
    let meta = match (key_record.status, &key_record.metadata) {
        (LookupStatus::NotFound, _) => {
            return Some(
                f(format!("{at}: repository `{repository}` is encrypted with KMS key `{key}`, which does not exist"))
                    .with_note(pull_fails),
            )
        }
        (LookupStatus::Found, Some(meta)) => meta,
        _ => return None, // PA104 reports the failed read
    };
    if meta.key_manager.as_deref() == Some("AWS") {
        return None;
    }
    match meta.key_state.as_deref() {
        Some("Enabled") => {}
        Some(state) => {
            return Some(
                f(format!("{at}: repository `{repository}` is encrypted with KMS key `{}`, whose state is {state}", meta.arn))
                    .with_note(pull_fails)
                    .with_note(match state {
                        "PendingDeletion" => "cancel the deletion (kms:CancelKeyDeletion), then enable the key",
                        _ => "enable the key (kms:EnableKey)",
                    }),
            )
        }
        None => {
            return Some(
                f(format!("{at}: the state of KMS key `{}` of repository `{repository}` was not recorded, so whether ECR can decrypt the image is unknown", meta.arn))
                    .with_note("take the snapshot again with this preflight version")
                    .unknown(),
            )
        }
    }
    let Some(grants) = &meta.ecr_grants else {
        return Some(
            f(format!("{at}: the grants of KMS key `{}` could not be read, so whether ECR may still decrypt repository `{repository}` is unknown", meta.arn))
                .with_note("preflight needs kms:ListGrants on the key")
                .unknown(),
        );
    };
    let Some(repository_arn) = record.repository_arn.as_deref() else {
        return None; // a found image always has its repository's ARN
    };
    if grants.iter().any(|g| g == repository_arn) {
        return None;
    }
    Some(
        f(format!("{at}: KMS key `{}` holds no grant that lets ECR decrypt repository `{repository_arn}`", meta.arn))
            .with_note(pull_fails)
            .with_note("ECR creates the grant with the repository and AWS says never to revoke it; a repository encrypted with a key cannot be re-keyed, so recreate it and push the image again"),
    )
}
