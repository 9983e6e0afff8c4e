//! ECR: for every ECR image a container names, its repository (DescribeRepositories), the
//! repository policy (GetRepositoryPolicy), the tag or digest (DescribeImages) and the
//! architectures its manifest list names (BatchGetImage returns the manifest only, never a
//! layer), and the KMS key the repository is encrypted with (its grants are read with the
//! other keys). Read in the image's own account and region.

use super::{bounded, describe, Clients};
use crate::parity::ecr_image::EcrImage;
use crate::parity::snapshot::*;
use aws_config::Region;
use aws_sdk_ecr::types::ImageIdentifier;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use indicatif::ProgressBar;
use std::collections::BTreeSet;

/// Media types asked of BatchGetImage: a list (index) first, so that it names the platforms.
const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

pub(super) async fn read_images(c: &Clients, limit: usize, bar: &ProgressBar, snap: &mut Snapshot) {
    let images: BTreeSet<(String, EcrImage)> = snap
        .services
        .iter()
        .filter_map(|s| s.task_definition.as_ref())
        .flat_map(|t| &t.container_definitions)
        .filter_map(|c| c.image.clone())
        .filter_map(|i| EcrImage::parse(&i).map(|parsed| (i, parsed)))
        .collect();
    let region = snap.region.clone();
    let results = bounded(images, limit, bar, |(image, parsed)| {
        read_image(c, image, parsed, region.as_deref())
    })
    .await;
    let mut records = Vec::new();
    for (record, unreadable) in results {
        records.push(record);
        snap.unreadable.extend(unreadable);
    }
    records.sort_by(|a, b| a.image.cmp(&b.image));
    snap.images = Some(records);
}

fn client_for(c: &Clients, region: &str, home: Option<&str>) -> aws_sdk_ecr::Client {
    if home == Some(region) {
        return c.ecr.clone();
    }
    let config = c
        .ecr
        .config()
        .to_builder()
        .region(Region::new(region.to_string()));
    aws_sdk_ecr::Client::from_conf(config.build())
}

fn failed(operation: &str, error: String, record: &mut ImageRecord) {
    record.status = LookupStatus::Unknown;
    record.error = Some(format!("{operation}: {error}"));
}

fn code_is<E: ProvideErrorMetadata>(err: &E, code: &str) -> bool {
    err.code() == Some(code)
}

async fn read_image(
    c: &Clients,
    image: String,
    image_ref: EcrImage,
    home: Option<&str>,
) -> (ImageRecord, Vec<Unreadable>) {
    let ecr = client_for(c, &image_ref.region, home);
    let mut record = ImageRecord {
        image: image.clone(),
        status: LookupStatus::Found,
        missing: None,
        repository_arn: None,
        repository_policy: None,
        architectures: None,
        kms_key: None,
        error: None,
    };
    let mut unreadable = Vec::new();
    let repos = ecr
        .describe_repositories()
        .registry_id(&image_ref.account)
        .repository_names(&image_ref.repository)
        .send()
        .await;
    match repos {
        Ok(out) => {
            let repository = out.repositories().first();
            record.repository_arn = repository
                .and_then(|r| r.repository_arn())
                .map(str::to_string);
            // KMS and KMS_DSSE alike name the key; AES256 has none.
            record.kms_key = repository
                .and_then(|r| r.encryption_configuration())
                .filter(|e| e.encryption_type().as_str().starts_with("KMS"))
                .and_then(|e| e.kms_key())
                .map(str::to_string);
        }
        Err(err) if code_is(&err, "RepositoryNotFoundException") => {
            record.status = LookupStatus::NotFound;
            record.missing = Some("repository".into());
            return (record, unreadable);
        }
        Err(err) => {
            failed("ecr:DescribeRepositories", describe(&err), &mut record);
            return (record, unreadable);
        }
    }
    let policy = ecr
        .get_repository_policy()
        .registry_id(&image_ref.account)
        .repository_name(&image_ref.repository)
        .send()
        .await;
    match policy {
        Ok(out) => record.repository_policy = out.policy_text().map(str::to_string),
        Err(err) if code_is(&err, "RepositoryPolicyNotFoundException") => {}
        Err(err) => unreadable.push(Unreadable {
            operation: "ecr:GetRepositoryPolicy".into(),
            resource: image_ref.repository_arn(),
            error: describe(&err),
        }),
    }
    let id = ImageIdentifier::builder()
        .set_image_tag(image_ref.tag.clone())
        .set_image_digest(image_ref.digest.clone())
        .build();
    let described = ecr
        .describe_images()
        .registry_id(&image_ref.account)
        .repository_name(&image_ref.repository)
        .image_ids(id.clone())
        .send()
        .await;
    match described {
        Ok(_) => {}
        Err(err) if code_is(&err, "ImageNotFoundException") => {
            record.status = LookupStatus::NotFound;
            record.missing = Some("image".into());
            return (record, unreadable);
        }
        Err(err) => {
            failed("ecr:DescribeImages", describe(&err), &mut record);
            return (record, unreadable);
        }
    }
    let manifest = ecr
        .batch_get_image()
        .registry_id(&image_ref.account)
        .repository_name(&image_ref.repository)
        .image_ids(id)
        .set_accepted_media_types(Some(MANIFEST_TYPES.iter().map(|t| t.to_string()).collect()))
        .send()
        .await;
    match manifest {
        Ok(out) => {
            record.architectures = out
                .images()
                .first()
                .and_then(|i| i.image_manifest())
                .and_then(architectures);
        }
        Err(err) => unreadable.push(Unreadable {
            operation: "ecr:BatchGetImage".into(),
            resource: image,
            error: describe(&err),
        }),
    }
    (record, unreadable)
}

/// The architectures a manifest names: each platform of a list (attestations, whose
/// architecture is `unknown`, left out), or a schema 1 manifest's own. `None` otherwise.
pub(super) fn architectures(manifest: &str) -> Option<Vec<String>> {
    let json: serde_json::Value = serde_json::from_str(manifest).ok()?;
    if let Some(list) = json.get("manifests").and_then(|m| m.as_array()) {
        let mut archs: Vec<String> = list
            .iter()
            .filter_map(|m| m.pointer("/platform/architecture")?.as_str())
            .filter(|a| *a != "unknown")
            .map(str::to_string)
            .collect();
        archs.sort();
        archs.dedup();
        return (!archs.is_empty()).then_some(archs);
    }
    json.get("architecture")
        .and_then(|a| a.as_str())
        .map(|a| vec![a.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_of_a_list_and_of_a_single_manifest() {
        let list = r#"{"schemaVersion":2,"manifests":[
            {"digest":"sha256:a","platform":{"architecture":"arm64","os":"linux"}},
            {"digest":"sha256:b","platform":{"architecture":"amd64","os":"linux"}},
            {"digest":"sha256:c","platform":{"architecture":"unknown","os":"unknown"}}]}"#;
        assert_eq!(
            architectures(list),
            Some(vec!["amd64".into(), "arm64".into()])
        );
        let single = r#"{"schemaVersion":2,"config":{"digest":"sha256:x"},"layers":[]}"#;
        assert_eq!(architectures(single), None);
    }
}
