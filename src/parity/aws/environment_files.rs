//! S3 environment files: whether each object an `environmentFiles` entry names exists
//! (HeadObject: metadata only, never the file's content, which holds variable values).
//! A bucket in another region answers with a redirect naming its region; it is asked again
//! there.

use super::{bounded, describe, Clients};
use crate::parity::environment_files::parse_object_arn;
use crate::parity::snapshot::*;
use aws_config::Region;
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
    snap.environment_files = Some(records);
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
