//! PA406: the execution role and the task role of every task definition exist and trust
//! `ecs-tasks.amazonaws.com` to call `sts:AssumeRole`. ECS assumes the execution role to pull
//! the image, read secrets and write logs, and the task role for the application; a role whose
//! trust policy names another service (`ec2.amazonaws.com`) or another account's tasks fails
//! every task start. Decided statically from the trust policy (see [`super::iam::trust`]).

use super::environment::Environment;
use super::iam::trust::{service_may_assume, ServiceRequest};
use super::iam::{Decision, PolicyDocument};
use super::rules::{finding, ROLE_NOT_ASSUMABLE};
use super::snapshot::LookupStatus;
use crate::diagnostics::Finding;
use std::collections::{BTreeMap, BTreeSet};

pub const ECS_TASKS: &str = "ecs-tasks.amazonaws.com";

pub fn check(envs: &[Environment]) -> Vec<Finding> {
    envs.iter().flat_map(check_environment).collect()
}

fn check_environment(env: &Environment) -> Vec<Finding> {
    // (role as written, which role) → services that use it.
    let mut roles: BTreeMap<(String, &'static str), BTreeSet<&str>> = BTreeMap::new();
    // Execution roles of tasks that inject secrets: PA401 already reports them missing.
    let mut injecting = BTreeSet::new();
    for service in &env.snapshot.services {
        let Some(task) = &service.task_definition else {
            continue;
        };
        // The same test as PA401's: any secret ECS fetches (variables, log options, registry
        // credentials).
        if task
            .container_definitions
            .iter()
            .any(|c| c.secret_sources().next().is_some())
        {
            injecting.extend(task.execution_role_arn.clone());
        }
        for (role, kind) in [
            (&task.execution_role_arn, "execution role"),
            (&task.task_role_arn, "task role"),
        ] {
            if let Some(role) = role {
                roles
                    .entry((role.clone(), kind))
                    .or_default()
                    .insert(service.name.as_str());
            }
        }
    }
    let mut findings = Vec::new();
    for ((role, kind), services) in roles {
        let services: Vec<String> = services.iter().map(|s| format!("`{s}`")).collect();
        let missing_reported = kind == "execution role" && injecting.contains(&role);
        if let Some(f) = check_role(env, &role, kind, &services.join(", "), missing_reported) {
            findings.push(f);
        }
    }
    findings
}

fn check_role(
    env: &Environment,
    role: &str,
    kind: &str,
    services: &str,
    missing_reported: bool,
) -> Option<Finding> {
    let e = env.name.as_str();
    let name = role.rsplit('/').next().unwrap_or(role);
    let of = format!("{kind} `{name}` of service {services} in {e}");
    let unknown = |why: String| {
        Some(
            finding(
                &ROLE_NOT_ASSUMABLE,
                e,
                name,
                format!("whether ECS can assume the {of} is unknown: {why}"),
            )
            .unknown(),
        )
    };
    let Some(record) = env.role(role) else {
        return unknown("the snapshot has no record of the role".into());
    };
    let text = match record.status {
        LookupStatus::NotFound if missing_reported => return None,
        LookupStatus::NotFound => {
            return Some(finding(
                &ROLE_NOT_ASSUMABLE,
                e,
                name,
                format!("the {of} does not exist"),
            ))
        }
        // The unreadable check reports the failed read.
        LookupStatus::Unknown => return None,
        LookupStatus::Found => match &record.trust_policy {
            Some(text) => text,
            None => {
                return unknown(
                    "its trust policy was not recorded (take the snapshot again with this preflight version)"
                        .into(),
                )
            }
        },
    };
    let document = match PolicyDocument::parse(text) {
        Ok(d) => d,
        Err(err) => {
            return unknown(format!(
                "its trust policy could not be parsed: {}",
                err.message
            ))
        }
    };
    let role_arn = super::permissions::role_arn(env, role).unwrap_or_else(|| role.to_string());
    let answer = service_may_assume(
        &document,
        &ServiceRequest {
            service: ECS_TASKS,
            role_arn: &role_arn,
            source_account: env.snapshot.account_id.as_deref(),
            region: env.snapshot.region.as_deref(),
        },
    );
    match answer.decision {
        Decision::Allowed => None,
        Decision::Denied => Some(
            finding(
                &ROLE_NOT_ASSUMABLE,
                e,
                name,
                format!("ECS cannot assume the {of}: {}", answer.reason),
            )
            .with_note(format!(
                "the task never starts (\"ECS was unable to assume the role\"); let the service principal {ECS_TASKS} call sts:AssumeRole in the role's trust policy"
            )),
        ),
        Decision::Unknown => unknown(answer.reason),
    }
}
