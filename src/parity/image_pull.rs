//! Image pull, for images in ECR: PA109 (the repository and the tag or digest exist), PA110
//! (the image is built for the task's CPU architecture, where its manifest list says), PA111
//! (ECR can still decrypt a repository encrypted with a customer-managed key) and PA408
//! (the execution role may `ecr:GetAuthorizationToken` and pull from the repository; across
//! accounts the repository policy must allow it too). ECS fails such a task with
//! `CannotPullContainerError`. Decided from the snapshot's image records (DescribeRepositories,
//! DescribeImages, GetRepositoryPolicy, BatchGetImage for the manifest) and the role's policies.
//!
//! On EC2 without an execution role the container instance's role pulls: that role is not
//! read, so PA408 is decided only for tasks that name an execution role or run on Fargate.

use super::ecr_image::{oci_architecture, EcrImage};
use super::environment::Environment;
use super::repository_key;
use super::role_requests::{answer_finding, decide, on_fargate, parse_policy, Asked, RoleRequest};
use super::rules::{
    finding, EXECUTION_ROLE_CANNOT_PULL_IMAGE, IAM_UNKNOWN, IMAGE_ARCHITECTURE_MISMATCH,
    IMAGE_NOT_FOUND,
};
use super::snapshot::{ContainerDefinition, ImageRecord, LookupStatus, ServiceSnapshot};
use crate::diagnostics::Finding;
use std::collections::BTreeSet;

/// The repository actions of an image pull (GetAuthorizationToken is account-wide).
pub const PULL_ACTIONS: [&str; 3] = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
];

pub fn check(envs: &[Environment]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for env in envs {
        let mut seen = BTreeSet::new();
        for (service, c) in env.containers() {
            let Some(image) = c.image.as_deref() else {
                continue;
            };
            let Some(ecr) = EcrImage::parse(image) else {
                continue;
            };
            if seen.insert((service.task_definition_arn.as_str(), c.name.as_str())) {
                findings.extend(check_container(env, service, c, image, &ecr));
            }
        }
    }
    findings
}

fn check_container(
    env: &Environment,
    service: &ServiceSnapshot,
    c: &ContainerDefinition,
    image: &str,
    ecr: &EcrImage,
) -> Vec<Finding> {
    let e = env.name.as_str();
    let at = format!("service `{}`, container `{}` in {e}", service.name, c.name);
    let subject = format!("{}: {}.image", service.name, c.name);
    let record = env
        .snapshot
        .images
        .as_ref()
        .and_then(|images| images.iter().find(|r| r.image == image));
    let Some(record) = record else {
        return vec![finding(
            &IMAGE_NOT_FOUND,
            e,
            subject,
            format!("{at}: the snapshot has no record of image `{image}`, so whether it exists is unknown"),
        )
        .with_note("take the snapshot again with this preflight version")
        .unknown()];
    };
    match record.status {
        LookupStatus::Unknown => return Vec::new(), // PA104 reports the failed read
        LookupStatus::NotFound => {
            let what = match record.missing.as_deref() {
                Some("repository") => format!(
                    "repository `{}` does not exist in account {} ({})",
                    ecr.repository, ecr.account, ecr.region
                ),
                _ => format!(
                    "repository `{}` has no image with {}",
                    ecr.repository,
                    ecr.version()
                ),
            };
            return vec![finding(
                &IMAGE_NOT_FOUND,
                e,
                subject,
                format!("{at} pulls `{image}`, but {what}"),
            )
            .with_note("ECS stops the task with CannotPullContainerError (not found)")];
        }
        LookupStatus::Found => {}
    }
    let mut findings: Vec<Finding> = architecture(env, service, record, &at, &subject)
        .into_iter()
        .chain(repository_key::check(env, record, &at, &subject))
        .collect();
    findings.extend(pull_permission(env, service, record, ecr, &at, &subject));
    findings
}

/// PA110: the architectures the manifest list names against the task's.
fn architecture(
    env: &Environment,
    service: &ServiceSnapshot,
    record: &ImageRecord,
    at: &str,
    subject: &str,
) -> Option<Finding> {
    let task = service.task_definition.as_ref()?;
    let e = env.name.as_str();
    let named = task.cpu_architecture.as_deref();
    // Fargate runs X86_64 unless runtimePlatform says otherwise; on EC2 the instance decides.
    let wanted = named.or(on_fargate(service).then_some("X86_64"))?;
    let want = oci_architecture(wanted);
    match &record.architectures {
        Some(archs) if archs.iter().any(|a| a == want) => None,
        Some(archs) => Some(
            finding(
                &IMAGE_ARCHITECTURE_MISMATCH,
                e,
                subject,
                format!(
                    "{at}: the task runs on {wanted}, but image `{}` is built only for {}",
                    record.image,
                    archs.join(", ")
                ),
            )
            .with_note("the container exits at once with `exec format error`, or the pull finds no matching platform"),
        ),
        // Only an explicit runtimePlatform is a claim worth reporting as unchecked.
        None if named.is_some() => Some(
            finding(
                &IMAGE_ARCHITECTURE_MISMATCH,
                e,
                subject,
                format!(
                    "{at}: the task runs on {wanted}; the manifest of image `{}` does not name its architecture, so whether it matches is unknown",
                    record.image
                ),
            )
            .with_note("a single-platform manifest keeps its architecture in the image config, which preflight does not download")
            .unknown(),
        ),
        None => None,
    }
}

/// PA408: the execution role may authenticate to ECR and pull from the repository.
fn pull_permission(
    env: &Environment,
    service: &ServiceSnapshot,
    record: &ImageRecord,
    ecr: &EcrImage,
    at: &str,
    subject: &str,
) -> Vec<Finding> {
    let e = env.name.as_str();
    let Some(task) = service.task_definition.as_ref() else {
        return Vec::new();
    };
    let Some(role) = task.execution_role_arn.as_deref() else {
        if !on_fargate(service) {
            return Vec::new(); // the container instance's role pulls
        }
        return vec![finding(
            &EXECUTION_ROLE_CANNOT_PULL_IMAGE,
            e,
            subject,
            format!(
                "{at} pulls from ECR on Fargate, but the task definition has no execution role"
            ),
        )];
    };
    let policy = match &record.repository_policy {
        Some(text) => {
            match parse_policy(text, format!("repository policy of {}", ecr.repository)) {
                Ok(p) => Some(p),
                Err(why) => {
                    return vec![finding(&IAM_UNKNOWN, e, subject, format!("{at}: {why}")).unknown()]
                }
            }
        }
        None => None,
    };
    let repository = record
        .repository_arn
        .clone()
        .unwrap_or_else(|| ecr.repository_arn());
    let mut requests = vec![RoleRequest {
        action: "ecr:GetAuthorizationToken",
        resource: "*".into(),
        resource_policy: None,
        // The agent asks the registry's own region for the token.
        requested_region: Some(ecr.region.clone()),
    }];
    requests.extend(PULL_ACTIONS.iter().map(|&action| RoleRequest {
        action,
        resource: repository.clone(),
        resource_policy: policy.as_ref(),
        requested_region: None,
    }));
    let Some(answers) = decide(env, role, &requests) else {
        return Vec::new();
    };
    let purpose = format!("to pull `{}`", record.image);
    let asked = Asked {
        rule: &EXECUTION_ROLE_CANNOT_PULL_IMAGE,
        environment: e,
        subject,
        at,
        role,
        purpose: &purpose,
    };
    requests
        .iter()
        .zip(&answers)
        .filter_map(|(r, answer)| {
            answer_finding(&asked, r.action, answer).map(|f| {
                f.with_note("ECS stops the task with CannotPullContainerError (access denied)")
            })
        })
        .collect()
}
