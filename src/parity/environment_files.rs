//! Environment files (`environmentFiles`): PA309, each is an S3 object ARN ending in `.env`,
//! a container names at most 10, and the object exists (HeadObject, never its content); PA410,
//! the execution role may `s3:GetObject` the object and `s3:GetBucketLocation` its bucket, which
//! ECS needs on every launch type. Otherwise the task fails with `ResourceInitializationError:
//! failed to download env files`.
//!
//! The bucket's policy (when it could be read) takes part: its explicit Deny blocks the
//! download whatever the role may do. Its Allow alone grants access only when the bucket is in
//! the role's account, which an S3 ARN does not say: the answer is then unknown. A bucket of
//! another account whose policy cannot be read is decided from the role's policies alone.

use super::environment::Environment;
use super::iam::{self, Decision, Evaluation, Policy, Request, RequestFacts};
use super::permissions::{role_arn, role_policies};
use super::role_requests::{answer_finding, decide, parse_policy, Asked, RoleRequest};
use super::rules::{
    finding, ENVIRONMENT_FILE_INVALID, EXECUTION_ROLE_CANNOT_READ_ENVIRONMENT_FILE, IAM_UNKNOWN,
};
use super::snapshot::{ContainerDefinition, LookupStatus, ServiceSnapshot};
use crate::diagnostics::Finding;
use std::collections::BTreeSet;

/// ECS's limit on environment files per container.
pub const MAX_FILES: usize = 10;

/// `arn:aws:s3:::bucket/key` → (partition, bucket, key).
pub fn parse_object_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let path = rest.strip_prefix("s3:::")?;
    let (bucket, key) = path.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((partition, bucket, key))
}

pub fn check(envs: &[Environment]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for env in envs {
        let mut seen = BTreeSet::new();
        for (service, c) in env.containers() {
            if !c.environment_files.is_empty()
                && seen.insert((service.task_definition_arn.as_str(), c.name.as_str()))
            {
                findings.extend(check_container(env, service, c));
            }
        }
    }
    findings
}

fn check_container(
    env: &Environment,
    service: &ServiceSnapshot,
    c: &ContainerDefinition,
) -> Vec<Finding> {
    let e = env.name.as_str();
    let at = format!("service `{}`, container `{}` in {e}", service.name, c.name);
    let subject = format!("{}: {}.environmentFiles", service.name, c.name);
    let invalid = |message: String| finding(&ENVIRONMENT_FILE_INVALID, e, subject.clone(), message);
    let mut findings = Vec::new();
    if c.environment_files.len() > MAX_FILES {
        findings.push(invalid(format!(
            "{at} names {} environment files; ECS takes at most {MAX_FILES}",
            c.environment_files.len()
        )));
    }
    let mut readable = Vec::new();
    for file in &c.environment_files {
        let arn = file.value.as_str();
        let Some((_, bucket, key)) = parse_object_arn(arn).filter(|_| file.kind == "s3") else {
            findings.push(invalid(format!(
                "{at}: environment file `{arn}` (type `{}`) is not an S3 object ARN of type `s3`",
                file.kind
            )));
            continue;
        };
        if !key.ends_with(".env") {
            findings.push(invalid(format!(
                "{at}: environment file `{arn}` does not end in `.env`, which ECS requires"
            )));
        }
        let record = env
            .snapshot
            .environment_files
            .as_ref()
            .map(|files| files.iter().find(|r| r.arn == arn));
        match record {
            None | Some(None) => findings.push(
                invalid(format!("{at}: the snapshot has no record of environment file `{arn}`, so whether it exists is unknown"))
                    .with_note("take the snapshot again with this preflight version")
                    .unknown(),
            ),
            Some(Some(r)) if r.status == LookupStatus::NotFound => findings.push(
                invalid(format!("{at}: environment file `{arn}` does not exist"))
                    .with_note("the task fails with ResourceInitializationError: failed to download env files"),
            ),
            Some(Some(_)) => {}
        }
        readable.push((arn, bucket));
    }
    findings.extend(role_may_read(env, service, &readable, &at, &subject));
    findings
}

/// PA410 for every well-formed file of the container.
fn role_may_read(
    env: &Environment,
    service: &ServiceSnapshot,
    files: &[(&str, &str)],
    at: &str,
    subject: &str,
) -> Vec<Finding> {
    let e = env.name.as_str();
    if files.is_empty() {
        return Vec::new();
    }
    let Some(role) = service
        .task_definition
        .as_ref()
        .and_then(|t| t.execution_role_arn.as_deref())
    else {
        return vec![finding(
            &EXECUTION_ROLE_CANNOT_READ_ENVIRONMENT_FILE,
            e,
            subject,
            format!("{at} loads environment files, but the task definition has no execution role"),
        )];
    };
    let mut requests = Vec::new();
    let mut buckets = BTreeSet::new();
    for (arn, bucket) in files {
        requests.push(RoleRequest {
            action: "s3:GetObject",
            resource: arn.to_string(),
            resource_policy: None,
            requested_region: None,
        });
        if buckets.insert(*bucket) {
            let partition = arn.split(':').nth(1).unwrap_or("aws");
            requests.push(RoleRequest {
                action: "s3:GetBucketLocation",
                resource: format!("arn:{partition}:s3:::{bucket}"),
                resource_policy: None,
                requested_region: None,
            });
        }
    }
    let Some(answers) = decide(env, role, &requests) else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    for (r, answer) in requests.iter().zip(&answers) {
        let answer = match bucket_policy(env, &r.resource) {
            Ok(Some(policy)) => with_bucket_policy(env, role, r, &policy, answer),
            Ok(None) => answer.clone(),
            Err(why) => {
                findings.push(finding(&IAM_UNKNOWN, e, subject, format!("{at}: {why}")).unknown());
                continue;
            }
        };
        let answer = &answer;
        let purpose = format!("on `{}`", r.resource);
        let asked = Asked {
            rule: &EXECUTION_ROLE_CANNOT_READ_ENVIRONMENT_FILE,
            environment: e,
            subject,
            at,
            role,
            purpose: &purpose,
        };
        findings.extend(answer_finding(&asked, r.action, answer));
    }
    findings
}

/// The parsed policy of the bucket `resource` (an object or bucket ARN) is in; `None` when it
/// has none or it was not read (a failed read is PA104's).
fn bucket_policy(env: &Environment, resource: &str) -> Result<Option<Policy>, String> {
    let bucket = resource
        .split(":::")
        .nth(1)
        .and_then(|path| path.split('/').next())
        .unwrap_or_default();
    let record = env
        .snapshot
        .bucket_policies
        .iter()
        .flatten()
        .find(|r| r.bucket == bucket);
    match record.and_then(|r| r.policy.as_deref()) {
        Some(text) => parse_policy(text, format!("bucket policy of {bucket}")).map(Some),
        None => Ok(None),
    }
}

/// The role's answer, with the bucket's policy taken into account.
fn with_bucket_policy(
    env: &Environment,
    role: &str,
    request: &RoleRequest<'_>,
    policy: &Policy,
    alone: &Evaluation,
) -> Evaluation {
    let (Some(principal), Some(principal_arn)) = (role_policies(env, role), role_arn(env, role))
    else {
        return alone.clone();
    };
    // ECS downloads environment files over HTTPS.
    let facts = RequestFacts::new().with("aws:SecureTransport", "true");
    let request = Request {
        principal_arn: &principal_arn,
        action: request.action,
        resource: &request.resource,
    };
    let both = iam::evaluate_with_context(&request, &facts, &principal, Some(policy));
    match (alone.decision, both.decision) {
        (_, Decision::Denied) if both.explicit => both,
        (_, Decision::Unknown) => both,
        (Decision::Denied, Decision::Allowed) => Evaluation {
            decision: Decision::Unknown,
            explicit: false,
            deciding: both.deciding,
            reason: format!(
                "only {} allows it, which is enough only when the bucket is in the role's account",
                policy.name
            ),
        },
        _ => alone.clone(),
    }
}
