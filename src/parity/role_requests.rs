//! Asking whether a task's execution role may make the calls ECS makes for it before the
//! containers start (pull the image, fetch environment files), with the static IAM evaluator.
//! Shared by the image-pull and environment-file checks; the secret and log checks keep their
//! own (older) loops.

use super::environment::Environment;
use super::iam::{self, Decision, Evaluation, Policy, PolicyDocument, Request, RequestFacts};
use super::permissions::{role_arn, role_policies};
use super::rules::{finding, IAM_UNKNOWN};
use crate::diagnostics::{Finding, RuleInfo};

/// One call ECS makes with the execution role.
pub struct RoleRequest<'a> {
    pub action: &'static str,
    pub resource: String,
    /// The resource's own policy (an ECR repository policy), when it has one.
    pub resource_policy: Option<&'a Policy>,
    /// The region the call goes to, when the resource ARN does not carry it (`*`), so that an
    /// `aws:RequestedRegion` condition is decided.
    pub requested_region: Option<String>,
}

/// What a failed answer is about, for its message.
pub struct Asked<'a> {
    pub rule: &'static RuleInfo,
    pub environment: &'a str,
    pub subject: &'a str,
    /// `service `web`, container `web` in production`.
    pub at: &'a str,
    pub role: &'a str,
    /// What the call is for: "to pull `…/web:1.4`".
    pub purpose: &'a str,
}

/// The answers of `requests` for `role`: `None` when the role's policies are not available
/// (missing or unreadable roles are reported by PA406 and PA104).
pub fn decide(
    env: &Environment,
    role: &str,
    requests: &[RoleRequest<'_>],
) -> Option<Vec<Evaluation>> {
    let principal = role_policies(env, role)?;
    let principal_arn = role_arn(env, role)?;
    Some(
        requests
            .iter()
            .map(|r| {
                let request = Request {
                    principal_arn: &principal_arn,
                    action: r.action,
                    resource: &r.resource,
                };
                let facts = match &r.requested_region {
                    Some(region) => RequestFacts::new().with("aws:RequestedRegion", region),
                    None => RequestFacts::new(),
                };
                iam::evaluate_with_context(&request, &facts, &principal, r.resource_policy)
            })
            .collect(),
    )
}

/// The finding for one answer: none when allowed, the rule's error when denied, IAM_UNKNOWN
/// (unknown) when undecidable.
pub fn answer_finding(asked: &Asked<'_>, action: &str, answer: &Evaluation) -> Option<Finding> {
    let role_name = asked.role.rsplit('/').next().unwrap_or(asked.role);
    let (e, at, purpose) = (asked.environment, asked.at, asked.purpose);
    let f = match answer.decision {
        Decision::Allowed => return None,
        Decision::Denied => finding(
            asked.rule,
            e,
            asked.subject,
            format!(
                "{at}: execution role `{role_name}` is {} {action} {purpose}",
                if answer.explicit {
                    "explicitly denied"
                } else {
                    "not allowed"
                }
            ),
        ),
        Decision::Unknown => finding(
            &IAM_UNKNOWN,
            e,
            asked.subject,
            format!("{at}: whether execution role `{role_name}` may {action} {purpose} is unknown"),
        )
        .unknown(),
    };
    Some(f.with_note(answer.reason.clone()))
}

/// A resource policy as the evaluator takes it; `Err` is the unknown finding's message.
pub fn parse_policy(text: &str, name: String) -> Result<Policy, String> {
    PolicyDocument::parse(text)
        .map(|document| Policy {
            name: name.clone(),
            document,
        })
        .map_err(|e| format!("{name} could not be parsed: {}", e.message))
}

/// Whether the task runs on Fargate (where the execution role, not an instance role, acts).
pub fn on_fargate(service: &super::snapshot::ServiceSnapshot) -> bool {
    service
        .task_definition
        .as_ref()
        .is_some_and(|t| t.requires_compatibilities.iter().any(|c| c == "FARGATE"))
        || service.settings.launch_type.as_deref() == Some("FARGATE")
}
