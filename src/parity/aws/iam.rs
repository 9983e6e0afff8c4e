//! IAM: the execution and task roles with their inline policies, attached managed policies
//! (default version) and permission boundary; and the `--simulate` cross-check.

use super::{bounded, classify, describe, sdk_config, Clients, Failure, ReadOptions};
use crate::diagnostics::Finding;
use crate::parity::environment::Environment;
use crate::parity::permissions;
use crate::parity::rules::{finding, SIMULATION_DISAGREES};
use crate::parity::snapshot::*;
use crate::parity::EnvironmentSource;
use indicatif::ProgressBar;
use std::collections::{BTreeMap, BTreeSet};

pub(super) async fn read_roles(c: &Clients, limit: usize, bar: &ProgressBar, snap: &mut Snapshot) {
    let roles: BTreeSet<String> = snap
        .services
        .iter()
        .filter_map(|s| s.task_definition.as_ref())
        .flat_map(|t| [t.execution_role_arn.clone(), t.task_role_arn.clone()])
        .flatten()
        .collect();
    let mut records = bounded(roles, limit, bar, |arn| read_role(c, arn)).await;
    // Managed policies are shared between roles: each is read once.
    let policy_arns: BTreeSet<String> = records
        .iter()
        .flat_map(|r| {
            r.attached_policies
                .iter()
                .chain(&r.permission_boundary)
                .filter_map(|p| p.arn.clone())
        })
        .collect();
    let documents: BTreeMap<String, std::result::Result<(String, String), String>> =
        bounded(policy_arns, limit, bar, |arn| async move {
            let doc = managed_policy(c, &arn).await;
            (arn, doc)
        })
        .await
        .into_iter()
        .collect();
    for record in &mut records {
        let mut failures = Vec::new();
        for policy in record
            .attached_policies
            .iter_mut()
            .chain(record.permission_boundary.as_mut())
        {
            let Some(arn) = &policy.arn else { continue };
            match documents.get(arn) {
                Some(Ok((version, document))) => {
                    policy.version_id = Some(version.clone());
                    policy.document = document.clone();
                }
                Some(Err(why)) => failures.push(format!("{arn}: {why}")),
                None => failures.push(format!("{arn}: not read")),
            }
        }
        if !failures.is_empty() && record.status == LookupStatus::Found {
            record.status = LookupStatus::Unknown;
            record.error = Some(format!(
                "could not read managed policy {}",
                failures.join("; ")
            ));
        }
    }
    records.sort_by(|a, b| a.arn.cmp(&b.arn));
    for r in &records {
        if r.status == LookupStatus::Unknown {
            snap.unreadable.push(Unreadable {
                operation: "iam:GetRole".into(),
                resource: r.arn.clone(),
                error: r.error.clone().unwrap_or_default(),
            });
        }
    }
    snap.roles = records;
}

/// A role's inline policies, attached policy ARNs (documents filled in later) and boundary ARN.
async fn read_role(c: &Clients, arn: String) -> RoleRecord {
    let name = arn.rsplit('/').next().unwrap_or(&arn).to_string();
    let mut record = RoleRecord {
        arn: arn.clone(),
        status: LookupStatus::Found,
        error: None,
        inline_policies: Vec::new(),
        attached_policies: Vec::new(),
        permission_boundary: None,
        trust_policy: None,
    };
    let fail = |mut record: RoleRecord, status, why: String| {
        record.status = status;
        record.error = Some(why);
        record
    };
    let role = match c.iam.get_role().role_name(&name).send().await {
        Ok(out) => out,
        Err(err) => {
            return match classify(&err) {
                Failure::NotFound => {
                    record.status = LookupStatus::NotFound;
                    record
                }
                Failure::Unreadable(why) => {
                    fail(record, LookupStatus::Unknown, format!("iam:GetRole: {why}"))
                }
            }
        }
    };
    record.trust_policy = role
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .map(decode_document);
    record.permission_boundary = role
        .role()
        .and_then(|r| r.permissions_boundary())
        .and_then(|b| b.permissions_boundary_arn())
        .map(|arn| PolicyRecord {
            name: arn.rsplit('/').next().unwrap_or(arn).to_string(),
            arn: Some(arn.to_string()),
            version_id: None,
            document: String::new(),
        });
    let inline = c
        .iam
        .list_role_policies()
        .role_name(&name)
        .into_paginator()
        .send()
        .try_collect()
        .await;
    let names: Vec<String> = match inline {
        Ok(pages) => pages
            .iter()
            .flat_map(|p| p.policy_names().to_vec())
            .collect(),
        Err(err) => {
            return fail(
                record,
                LookupStatus::Unknown,
                format!("iam:ListRolePolicies: {}", describe(&err)),
            )
        }
    };
    for policy in names {
        match c
            .iam
            .get_role_policy()
            .role_name(&name)
            .policy_name(&policy)
            .send()
            .await
        {
            Ok(out) => record.inline_policies.push(PolicyRecord {
                name: policy,
                arn: None,
                version_id: None,
                document: decode_document(out.policy_document()),
            }),
            Err(err) => {
                return fail(
                    record,
                    LookupStatus::Unknown,
                    format!("iam:GetRolePolicy {policy}: {}", describe(&err)),
                )
            }
        }
    }
    let attached = c
        .iam
        .list_attached_role_policies()
        .role_name(&name)
        .into_paginator()
        .send()
        .try_collect()
        .await;
    match attached {
        Ok(pages) => {
            for p in pages.iter().flat_map(|p| p.attached_policies()) {
                if let Some(arn) = p.policy_arn() {
                    record.attached_policies.push(PolicyRecord {
                        name: p.policy_name().unwrap_or(arn).to_string(),
                        arn: Some(arn.to_string()),
                        version_id: None,
                        document: String::new(),
                    });
                }
            }
        }
        Err(err) => {
            return fail(
                record,
                LookupStatus::Unknown,
                format!("iam:ListAttachedRolePolicies: {}", describe(&err)),
            )
        }
    }
    record
}

/// A managed policy's default version: (version id, document).
async fn managed_policy(c: &Clients, arn: &str) -> std::result::Result<(String, String), String> {
    let policy = c
        .iam
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| format!("iam:GetPolicy: {}", describe(&e)))?;
    let version = policy
        .policy()
        .and_then(|p| p.default_version_id())
        .ok_or("iam:GetPolicy returned no default version")?
        .to_string();
    let out = c
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(&version)
        .send()
        .await
        .map_err(|e| format!("iam:GetPolicyVersion: {}", describe(&e)))?;
    let document = out
        .policy_version()
        .and_then(|v| v.document())
        .ok_or("iam:GetPolicyVersion returned no document")?;
    Ok((version, decode_document(document)))
}

/// IAM returns policy documents URL-encoded (moto returns them raw): store plain JSON.
fn decode_document(text: &str) -> String {
    if text.trim_start().starts_with('{') {
        return text.to_string();
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|t| t.into_owned())
        .unwrap_or_else(|_| text.to_string())
}

/// `--simulate`: asks iam:SimulatePrincipalPolicy every question the static evaluation
/// answered, and reports disagreements and environments it could not ask.
pub async fn simulate(
    envs: &[Environment],
    sources: &[EnvironmentSource],
    read: &ReadOptions,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (env, source) in envs.iter().zip(sources) {
        if source.config.snapshot.is_some() {
            findings.push(finding(
                &SIMULATION_DISAGREES,
                &env.name,
                "IAM simulation",
                format!(
                    "{}: not simulated: read from a snapshot file, not live AWS",
                    env.name
                ),
            ));
            continue;
        }
        let sdk = sdk_config(&source.config, read).await;
        let iam = aws_sdk_iam::Client::new(&sdk);
        for (question, decision) in permissions::questions(env) {
            let out = iam
                .simulate_principal_policy()
                .policy_source_arn(&question.principal_arn)
                .action_names(&question.action)
                .resource_arns(&question.resource)
                .send()
                .await;
            let simulated = match out {
                Ok(out) => out
                    .evaluation_results()
                    .first()
                    .map(|r| r.eval_decision().as_str().to_string()),
                Err(err) => {
                    findings.push(finding(
                        &SIMULATION_DISAGREES,
                        &env.name,
                        "IAM simulation",
                        format!(
                            "{}: iam:SimulatePrincipalPolicy is unavailable: {}",
                            env.name,
                            describe(&err)
                        ),
                    ));
                    break;
                }
            };
            let agrees = matches!(
                (decision, simulated.as_deref()),
                (crate::parity::iam::Decision::Allowed, Some("allowed"))
                    | (
                        crate::parity::iam::Decision::Denied,
                        Some("implicitDeny" | "explicitDeny")
                    )
            );
            if !agrees {
                let f = finding(
                    &SIMULATION_DISAGREES,
                    &env.name,
                    question.resource.clone(),
                    format!(
                        "{}: {} on `{}`: static evaluation says {decision}, IAM's simulator says {}",
                        env.name,
                        question.action,
                        question.resource,
                        simulated.as_deref().unwrap_or("nothing")
                    ),
                );
                findings.push(if question.with_resource_policy {
                    // For a role, SimulatePrincipalPolicy accepts no resource policy (its
                    // CallerArn must be a user), so it judges the identity policies alone.
                    f.with_note("the simulator cannot include the resource or key policy the static evaluation used, so it judged the role's own policies alone")
                } else {
                    f
                });
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_are_stored_decoded() {
        let raw = r#"{"Version":"2012-10-17","Statement":[]}"#;
        assert_eq!(decode_document(raw), raw);
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(decode_document(encoded), raw);
    }
}
