//! PA407: a container that logs with the `awslogs` driver names its log group and region, and
//! on Fargate (where the execution role, not the container instance's role, writes the logs)
//! the execution role may `logs:CreateLogStream` and `logs:PutLogEvents` in that group (and
//! `logs:CreateLogGroup` when `awslogs-create-group` is `true`). Decided statically from the
//! task definition and the role's policies; whether the log group exists is PA409's check
//! ([`super::log_groups`]).
//!
//! The stream's name is `PREFIX/CONTAINER/TASK-ID` and the task id is not known before the task
//! exists: the request is evaluated with a stand-in id, which decides every policy whose
//! resource pattern does not single out task ids (`…:log-group:/ecs/web:*` and the like).

use super::environment::Environment;
use super::iam::matching::Arn;
use super::iam::{self, Decision, Request, RequestFacts};
use super::permissions::{role_arn, role_policies};
use super::rules::{finding, EXECUTION_ROLE_CANNOT_WRITE_LOGS, IAM_UNKNOWN};
use crate::diagnostics::Finding;
use std::collections::BTreeSet;

const STAND_IN_TASK_ID: &str = "0123456789abcdef0123456789abcdef";

pub fn check(envs: &[Environment]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for env in envs {
        let e = env.name.as_str();
        let mut asked = BTreeSet::new();
        for (service, c) in env.containers() {
            let Some(log) = c.awslogs() else {
                continue;
            };
            let at = format!("service `{}`, container `{}`", service.name, c.name);
            let subject = format!("{}: {}.logConfiguration", service.name, c.name);
            let Some((group, region)) = log.awslogs_group() else {
                let missing: Vec<&str> = ["awslogs-group", "awslogs-region"]
                    .into_iter()
                    .filter(|k| log.option(k).is_none())
                    .collect();
                findings.push(finding(
                    &EXECUTION_ROLE_CANNOT_WRITE_LOGS,
                    e,
                    subject,
                    format!(
                        "{at} in {e} logs with awslogs but does not set {}",
                        missing.join(" and ")
                    ),
                ));
                continue;
            };
            let task = service.task_definition.as_ref();
            let fargate = task
                .is_some_and(|t| t.requires_compatibilities.iter().any(|c| c == "FARGATE"))
                || service.settings.launch_type.as_deref() == Some("FARGATE");
            if !fargate {
                continue; // on EC2 the container instance's role writes the logs
            }
            let Some(role) = task.and_then(|t| t.execution_role_arn.as_deref()) else {
                findings.push(finding(
                    &EXECUTION_ROLE_CANNOT_WRITE_LOGS,
                    e,
                    subject,
                    format!("{at} in {e} logs with awslogs but the task definition has no execution role"),
                ));
                continue;
            };
            let (Some(principal), Some(principal_arn), Some(account)) = (
                role_policies(env, role),
                role_arn(env, role),
                env.snapshot.account_id.as_deref(),
            ) else {
                continue; // a missing or unreadable role is reported by PA406 / PA104
            };
            let prefix = log
                .options
                .get("awslogs-stream-prefix")
                .map_or(String::new(), |p| format!("{p}/"));
            // The log group is in the role's partition (`aws-us-gov`, `aws-cn`).
            let partition = Arn::parse(&principal_arn).map_or("aws", |arn| arn.partition);
            let group_arn = format!("arn:{partition}:logs:{region}:{account}:log-group:{group}");
            let stream_arn = format!(
                "{group_arn}:log-stream:{prefix}{}/{STAND_IN_TASK_ID}",
                c.name
            );
            let mut requests = vec![
                ("logs:CreateLogStream", stream_arn.clone()),
                ("logs:PutLogEvents", stream_arn),
            ];
            if log.creates_group() {
                requests.push(("logs:CreateLogGroup", group_arn));
            }
            for (action, resource) in requests {
                if !asked.insert((principal_arn.clone(), action, resource.clone())) {
                    continue;
                }
                let request = Request {
                    principal_arn: &principal_arn,
                    action,
                    resource: &resource,
                };
                let answer =
                    iam::evaluate_with_context(&request, &RequestFacts::new(), &principal, None);
                let role_name = role.rsplit('/').next().unwrap_or(role);
                let f = match answer.decision {
                    Decision::Allowed => continue,
                    Decision::Denied => finding(
                        &EXECUTION_ROLE_CANNOT_WRITE_LOGS,
                        e,
                        subject.clone(),
                        format!("{at} in {e}: execution role `{role_name}` may not {action} in log group `{group}`"),
                    )
                    .with_note("the task fails to start (ResourceInitializationError: failed to initialize logging driver)"),
                    Decision::Unknown => finding(
                        &IAM_UNKNOWN,
                        e,
                        subject.clone(),
                        format!("{at} in {e}: whether execution role `{role_name}` may {action} in log group `{group}` is unknown"),
                    )
                    .unknown(),
                };
                findings.push(f.with_note(answer.reason));
            }
        }
    }
    findings
}
