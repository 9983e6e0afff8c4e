//! S3 environment files: whether each object an `environmentFiles` entry names exists
//! (HeadObject: metadata only, never the file's content, which holds variable values).
//! A bucket in another region answers with a redirect naming its region; it is asked again
//! there. Each bucket's policy (GetBucketPolicy) is read too: an explicit Deny there blocks
//! the download whatever the execution role may do.

use super::{bounded, describe, Clients};
use crate::parity::environment_files::parse_object_arn;
use crate::parity::snapshot::*;
use aws_config::Region;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use indicatif::ProgressBar;
use std::collections::BTreeSet;

pub(super) async fn read_environment_files(
    c: &Clients,
    limit: usize,
    bar: &ProgressBar,
    snap: &mut Snapshot,
) {
    let files: BTreeSet<String> = snap
        .services
        .iter()
        .filter_map(|s| s.task_definition.as_ref())
        .flat_map(|t| &t.container_definitions)
        .flat_map(|c| &c.environment_files)
        .filter(|f| f.kind == "s3" && parse_object_arn(&f.value).is_some())
        .map(|f| f.value.clone())
        .collect();
    let mut records = bounded(files, limit, bar, |arn| async move {
        let (status, error) = head(c, &arn).await;
        ObjectRecord { arn, status, error }
    })
    .await;
    records.sort_by(|a, b| a.arn.cmp(&b.arn));
    let buckets: BTreeSet<String> = records
        .iter()
        .filter_map(|r| parse_object_arn(&r.arn).map(|(_, bucket, _)| bucket.to_string()))
        .collect();
    snap.environment_files = Some(records);
    let mut policies = bounded(buckets, limit, bar, |bucket| bucket_policy(c, bucket)).await;
    policies.sort_by(|a, b| a.bucket.cmp(&b.bucket));
    snap.bucket_policies = Some(policies);
}

/// The bucket's policy (GetBucketPolicy), asked in the bucket's region.
async fn bucket_policy(c: &Clients, bucket: String) -> BucketPolicyRecord {
    let mut s3 = c.s3.clone();
    let mut record = BucketPolicyRecord {
        bucket,
        status: LookupStatus::Unknown,
        policy: None,
        error: Some("s3:GetBucketPolicy: the bucket's region could not be found".into()),
    };
    for _ in 0..2 {
        let asked = s3.get_bucket_policy().bucket(&record.bucket).send().await;
        let err = match asked {
            Ok(out) => {
                record.status = LookupStatus::Found;
                record.policy = out.policy().map(str::to_string);
                record.error = None;
                return record;
            }
            Err(err) => err,
        };
        if err.code() == Some("NoSuchBucketPolicy") {
            record.status = LookupStatus::NotFound;
            record.error = None;
            return record;
        }
        let moved = err
            .raw_response()
            .and_then(|r| r.headers().get("x-amz-bucket-region"))
            .map(str::to_string);
        match moved {
            Some(region) if s3.config().region().map(|r| r.as_ref()) != Some(region.as_str()) => {
                let config = c.s3.config().to_builder().region(Region::new(region));
                s3 = aws_sdk_s3::Client::from_conf(config.build());
            }
            _ => {
                record.error = Some(format!("s3:GetBucketPolicy: {}", describe(&err)));
                return record;
            }
        }
    }
    record
}

async fn head(c: &Clients, arn: &str) -> (LookupStatus, Option<String>) {
    let Some((_, bucket, key)) = parse_object_arn(arn) else {
        return (LookupStatus::Unknown, Some("not an S3 object ARN".into()));
    };
    let mut s3 = c.s3.clone();
    for _ in 0..2 {
        let result = s3.head_object().bucket(bucket).key(key).send().await;
        let err = match result {
            Ok(_) => return (LookupStatus::Found, None),
            Err(err) => err,
        };
        if err.as_service_error().is_some_and(|e| e.is_not_found()) {
            return (LookupStatus::NotFound, None);
        }
        let status = err.raw_response().map(|r| r.status().as_u16());
        let moved = err
            .raw_response()
            .and_then(|r| r.headers().get("x-amz-bucket-region"))
            .map(str::to_string);
        match (status, moved) {
            (Some(301 | 400), Some(region)) => {
                let config = c.s3.config().to_builder().region(Region::new(region));
                s3 = aws_sdk_s3::Client::from_conf(config.build());
            }
            // Without s3:ListBucket a missing object answers 403, as a forbidden one does.
            (Some(403), _) => {
                return (
                    LookupStatus::Unknown,
                    Some("s3:HeadObject: access denied (or the object does not exist and s3:ListBucket is not granted)".into()),
                )
            }
            _ => {
                return (
                    LookupStatus::Unknown,
                    Some(format!("s3:HeadObject: {}", describe(&err))),
                )
            }
        }
    }
    (
        LookupStatus::Unknown,
        Some("s3:HeadObject: the bucket's region could not be found".into()),
    )
}
