//! Secrets Manager, SSM Parameter Store and KMS: metadata of what `valueFrom` references
//! (never values), the keys' policies, and `--verify-secret-keys`.

use super::{bounded, classify, describe, Clients, Failure};
use crate::parity::reference::ValueFrom;
use crate::parity::secret_versions::LIST_VERSIONS;
use crate::parity::snapshot::*;
use indicatif::ProgressBar;
use std::collections::{BTreeMap, BTreeSet};

/// Every parsed `valueFrom` of every container that was read.
fn references(snap: &Snapshot) -> Vec<ValueFrom> {
    snap.services
        .iter()
        .filter_map(|s| s.task_definition.as_ref())
        .flat_map(|t| &t.container_definitions)
        .flat_map(ContainerDefinition::secret_sources)
        .filter_map(|s| ValueFrom::of_source(&s).ok())
        .collect()
}

pub(super) async fn read_secrets(
    c: &Clients,
    limit: usize,
    bar: &ProgressBar,
    snap: &mut Snapshot,
) {
    // Secret id → whether a reference names a version stage or id (then its versions are read).
    let mut ids: BTreeMap<String, bool> = BTreeMap::new();
    for r in references(snap) {
        if let ValueFrom::Secret(s) = r {
            let versioned = s.version_stage.is_some() || s.version_id.is_some();
            *ids.entry(s.secret_id).or_default() |= versioned;
        }
    }
    let records = bounded(ids, limit, bar, |(id, versioned)| {
        read_secret(c, id, versioned)
    })
    .await;
    let mut records: Vec<(SecretRecord, Option<Unreadable>)> = records;
    records.sort_by(|a, b| a.0.reference.cmp(&b.0.reference));
    for (record, unreadable) in records {
        snap.secrets.push(record);
        snap.unreadable.extend(unreadable);
    }
}

async fn read_secret(
    c: &Clients,
    id: String,
    versioned: bool,
) -> (SecretRecord, Option<Unreadable>) {
    let record = |status, metadata, error| SecretRecord {
        reference: id.clone(),
        status,
        metadata,
        error,
    };
    let out = match c.secrets.describe_secret().secret_id(&id).send().await {
        Ok(out) => out,
        Err(err) => {
            return match classify(&err) {
                Failure::NotFound => (record(LookupStatus::NotFound, None, None), None),
                Failure::Unreadable(why) => (
                    record(LookupStatus::Unknown, None, Some(why.clone())),
                    Some(Unreadable {
                        operation: "secretsmanager:DescribeSecret".into(),
                        resource: id.clone(),
                        error: why,
                    }),
                ),
            }
        }
    };
    let mut unreadable = None;
    let resource_policy = match c.secrets.get_resource_policy().secret_id(&id).send().await {
        Ok(p) => p.resource_policy().map(str::to_string),
        Err(err) => {
            unreadable = Some(Unreadable {
                operation: "secretsmanager:GetResourcePolicy".into(),
                resource: out.arn().unwrap_or(&id).to_string(),
                error: describe(&err),
            });
            None
        }
    };
    let arn = out.arn().unwrap_or(&id).to_string();
    let versions = if versioned {
        match secret_versions(c, &arn).await {
            Ok(versions) => Some(versions),
            Err(error) => {
                unreadable = Some(Unreadable {
                    operation: LIST_VERSIONS.into(),
                    resource: arn.clone(),
                    error,
                });
                None
            }
        }
    } else {
        None
    };
    let metadata = SecretMetadata {
        arn,
        name: out.name().unwrap_or_default().to_string(),
        kms_key_id: out.kms_key_id().map(str::to_string),
        deleted_date: out.deleted_date().map(|d| {
            d.fmt(aws_smithy_types::date_time::Format::DateTime)
                .unwrap_or_else(|_| d.secs().to_string())
        }),
        tags: out
            .tags()
            .iter()
            .filter_map(|t| {
                Some((
                    t.key()?.to_string(),
                    t.value().unwrap_or_default().to_string(),
                ))
            })
            .collect(),
        resource_policy,
        versions,
    };
    (
        record(LookupStatus::Found, Some(metadata), None),
        unreadable,
    )
}

/// Every version of the secret (deprecated ones too) with its staging labels; never values.
async fn secret_versions(c: &Clients, arn: &str) -> Result<Vec<SecretVersion>, String> {
    let pages = c
        .secrets
        .list_secret_version_ids()
        .secret_id(arn)
        .include_deprecated(true)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| describe(&e))?;
    let mut versions: Vec<SecretVersion> = pages
        .iter()
        .flat_map(|p| p.versions())
        .filter_map(|v| {
            Some(SecretVersion {
                id: v.version_id()?.to_string(),
                stages: v.version_stages().to_vec(),
            })
        })
        .collect();
    versions.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(versions)
}

pub(super) async fn read_parameters(
    c: &Clients,
    limit: usize,
    bar: &ProgressBar,
    snap: &mut Snapshot,
) {
    let mut wanted: BTreeMap<String, String> = BTreeMap::new(); // reference → name
    for r in references(snap) {
        if let ValueFrom::Parameter(p) = r {
            wanted.insert(p.reference, p.name);
        }
    }
    let names: Vec<String> = wanted
        .values()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // DescribeParameters: metadata only, never values; 10 names per filter.
    let batches: Vec<Vec<String>> = names.chunks(10).map(<[String]>::to_vec).collect();
    let results = bounded(batches, limit, bar, |batch| async move {
        let filter = aws_sdk_ssm::types::ParameterStringFilter::builder()
            .key("Name")
            .option("Equals")
            .set_values(Some(batch.clone()))
            .build();
        let filter = match filter {
            Ok(f) => f,
            Err(e) => return (batch, Err(e.to_string())),
        };
        let pages = c
            .ssm
            .describe_parameters()
            .parameter_filters(filter)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| describe(&e));
        (batch, pages)
    })
    .await;
    let mut found: BTreeMap<String, ParameterMetadata> = BTreeMap::new();
    let mut failed: BTreeMap<String, String> = BTreeMap::new();
    for (batch, result) in results {
        match result {
            Ok(pages) => {
                for p in pages.iter().flat_map(|p| p.parameters()) {
                    if let Some(name) = p.name() {
                        found.insert(
                            name.to_string(),
                            ParameterMetadata {
                                name: name.to_string(),
                                kind: p.r#type().map(|t| t.as_str().to_string()),
                                key_id: p.key_id().map(str::to_string),
                                version: Some(p.version()),
                            },
                        );
                    }
                }
            }
            Err(why) => {
                for name in batch {
                    failed.insert(name, why.clone());
                }
            }
        }
    }
    for (reference, name) in wanted {
        let record = match (found.get(&name), failed.get(&name)) {
            (Some(meta), _) => ParameterRecord {
                reference,
                status: LookupStatus::Found,
                metadata: Some(meta.clone()),
                error: None,
            },
            (None, Some(why)) => {
                snap.unreadable.push(Unreadable {
                    operation: "ssm:DescribeParameters".into(),
                    resource: reference.clone(),
                    error: why.clone(),
                });
                ParameterRecord {
                    reference,
                    status: LookupStatus::Unknown,
                    metadata: None,
                    error: Some(why.clone()),
                }
            }
            (None, None) => ParameterRecord {
                reference,
                status: LookupStatus::NotFound,
                metadata: None,
                error: None,
            },
        };
        snap.parameters.push(record);
    }
}

pub(super) async fn read_keys(c: &Clients, limit: usize, bar: &ProgressBar, snap: &mut Snapshot) {
    let of_images: BTreeSet<String> = snap
        .images
        .iter()
        .flatten()
        .filter_map(|i| i.kms_key.clone())
        .collect();
    let keys: BTreeSet<String> = snap
        .secrets
        .iter()
        .filter_map(|s| s.metadata.as_ref()?.kms_key_id.clone())
        .chain(
            snap.parameters
                .iter()
                .filter_map(|p| p.metadata.as_ref()?.key_id.clone()),
        )
        .chain(of_images.iter().cloned())
        .filter(|k| !k.contains("alias/aws/"))
        .collect();
    let home = snap.region.clone();
    let results = bounded(keys, limit, bar, |key| {
        let grants = of_images.contains(&key);
        read_key(c, key, grants, home.as_deref())
    })
    .await;
    let mut records = Vec::new();
    for (record, unreadable) in results {
        records.push(record);
        snap.unreadable.extend(unreadable);
    }
    records.sort_by(|a, b| a.reference.cmp(&b.reference));
    snap.keys = records;
}

/// The KMS client for a key: a key ARN of another region is asked in that region.
fn kms_for(c: &Clients, key: &str, home: Option<&str>) -> aws_sdk_kms::Client {
    let region = key
        .strip_prefix("arn:")
        .and_then(|rest| rest.split(':').nth(2))
        .filter(|r| !r.is_empty() && Some(*r) != home);
    match region {
        Some(region) => {
            let config = c
                .kms
                .config()
                .to_builder()
                .region(aws_config::Region::new(region.to_string()));
            aws_sdk_kms::Client::from_conf(config.build())
        }
        None => c.kms.clone(),
    }
}

/// One key: DescribeKey, its default key policy and, for a customer-managed key that encrypts
/// an ECR repository (`grants`), the repositories ECR holds a Decrypt grant for (ListGrants).
async fn read_key(
    c: &Clients,
    key: String,
    grants: bool,
    home: Option<&str>,
) -> (KeyRecord, Option<Unreadable>) {
    let kms = kms_for(c, &key, home);
    let described = kms.describe_key().key_id(&key).send().await;
    let meta = match described {
        Ok(out) => out.key_metadata().cloned(),
        Err(err) => {
            let status = match classify(&err) {
                Failure::NotFound => LookupStatus::NotFound,
                Failure::Unreadable(_) => LookupStatus::Unknown,
            };
            let error = (status == LookupStatus::Unknown).then(|| describe(&err));
            let record = KeyRecord {
                reference: key,
                status,
                metadata: None,
                error,
            };
            return (record, None);
        }
    };
    let Some(meta) = meta else {
        let record = KeyRecord {
            reference: key,
            status: LookupStatus::NotFound,
            metadata: None,
            error: None,
        };
        return (record, None);
    };
    let arn = meta.arn().unwrap_or(&key).to_string();
    let key_manager = meta.key_manager().map(|m| m.as_str().to_string());
    let customer = key_manager.as_deref() != Some("AWS");
    let (policy, error) = if customer {
        let asked = kms
            .get_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .send()
            .await;
        match asked {
            Ok(out) => (out.policy().map(str::to_string), None),
            Err(err) => (None, Some(format!("kms:GetKeyPolicy: {}", describe(&err)))),
        }
    } else {
        (None, None)
    };
    let mut unreadable = None;
    let ecr_grants = if grants && customer {
        match ecr_grants(&kms, &arn).await {
            Ok(repositories) => Some(repositories),
            Err(error) => {
                unreadable = Some(Unreadable {
                    operation: "kms:ListGrants".into(),
                    resource: arn.clone(),
                    error,
                });
                None
            }
        }
    } else {
        None
    };
    let record = KeyRecord {
        reference: key,
        status: LookupStatus::Found,
        metadata: Some(KeyMetadata {
            arn,
            key_manager,
            policy,
            key_state: meta.key_state().map(|s| s.as_str().to_string()),
            ecr_grants,
        }),
        error,
    };
    (record, unreadable)
}

/// The repositories (ARNs) that hold a grant to Decrypt with the key: ECR creates such a grant,
/// constrained to the repository's `aws:ecr:arn` encryption context, when the repository is
/// created, and uses it to decrypt layers for every pull.
async fn ecr_grants(kms: &aws_sdk_kms::Client, key_arn: &str) -> Result<Vec<String>, String> {
    let pages = kms
        .list_grants()
        .key_id(key_arn)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| describe(&e))?;
    let mut repositories: Vec<String> = pages
        .iter()
        .flat_map(|p| p.grants())
        .filter(|g| {
            g.operations()
                .contains(&aws_sdk_kms::types::GrantOperation::Decrypt)
        })
        .filter_map(|g| {
            let constraints = g.constraints()?;
            let context = constraints
                .encryption_context_subset()
                .or(constraints.encryption_context_equals())?;
            context.get("aws:ecr:arn").cloned()
        })
        .collect();
    repositories.sort();
    repositories.dedup();
    Ok(repositories)
}

/// `--verify-secret-keys`: reads each secret that a `valueFrom` names a JSON key of, checks the
/// key, and drops the value before the next await. Nothing of the value is kept or logged.
pub(super) async fn verify_secret_keys(
    c: &Clients,
    limit: usize,
    bar: &ProgressBar,
    snap: &mut Snapshot,
) {
    let mut wanted = BTreeSet::new();
    for r in references(snap) {
        if let ValueFrom::Secret(s) = r {
            let found = snap
                .secret(&s.secret_id)
                .is_some_and(|x| x.status == LookupStatus::Found);
            if let (true, Some(key)) = (found, s.json_key) {
                wanted.insert((s.secret_id, key, s.version_stage, s.version_id));
            }
        }
    }
    let mut checks = bounded(wanted, limit, bar, |(id, key, stage, version)| async move {
        let result = c
            .secrets
            .get_secret_value()
            .secret_id(&id)
            .set_version_stage(stage)
            .set_version_id(version)
            .send()
            .await;
        let (present, error) = match result {
            Ok(out) => match out.secret_string().map(has_json_key(&key)) {
                Some(Some(present)) => (Some(present), None),
                // ECS cannot take a JSON key out of a value that is not a JSON object.
                Some(None) => (
                    Some(false),
                    Some("its value is not a JSON object".to_string()),
                ),
                None => (None, Some("the secret has no string value".to_string())),
            },
            Err(err) => (None, Some(describe(&err))),
        };
        SecretKeyCheck {
            reference: id,
            json_key: key,
            present,
            error,
        }
    })
    .await;
    checks.sort_by(|a, b| (&a.reference, &a.json_key).cmp(&(&b.reference, &b.json_key)));
    snap.secret_keys = checks;
}

/// `Some(has key)` for a JSON object, `None` otherwise. The parsed value is dropped here.
fn has_json_key(key: &str) -> impl Fn(&str) -> Option<bool> + '_ {
    move |text| match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => Some(map.contains_key(key)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keys() {
        assert_eq!(has_json_key("password")(r#"{"password":"x"}"#), Some(true));
        assert_eq!(has_json_key("password")(r#"{"user":"x"}"#), Some(false));
        assert_eq!(has_json_key("password")("plain text"), None);
    }
}
