//! PA112: placement constraints ECS cannot honour. Outside Fargate, the `memberOf` expressions
//! of the task definition and the service together must select at least one active container
//! instance of the cluster (with a connected agent), or ECS leaves the task unplaced
//! (`unable to place a task … ATTRIBUTE`); each instance is judged by [`cluster_query`]. On
//! Fargate, AWS does not support placement constraints: ECS refuses them
//! (`Placement constraints are not supported with FARGATE launch type`).
//!
//! Only the instances that exist when the snapshot is taken are known. Where new instances may
//! come (a capacity provider strategy, or no launch type, which takes the cluster's default
//! strategy), an expression no current instance satisfies is unknown rather than an error.
//! `distinctInstance` depends on the tasks running at placement time and is not judged.

use super::cluster_query::{self, Instance, Truth};
use super::environment::Environment;
use super::role_requests::on_fargate;
use super::rules::{finding, PLACEMENT_UNSATISFIABLE};
use super::snapshot::{PlacementConstraint, ServiceSnapshot};
use crate::diagnostics::Finding;

/// Every constraint that applies to the service's tasks: the task definition's, then the service's.
fn constraints(service: &ServiceSnapshot) -> impl Iterator<Item = &PlacementConstraint> {
    service
        .task_definition
        .iter()
        .flat_map(|t| &t.placement_constraints)
        .chain(&service.settings.placement_constraints)
}

fn member_of(service: &ServiceSnapshot) -> Vec<&str> {
    constraints(service)
        .filter(|c| c.kind.eq_ignore_ascii_case("memberOf"))
        .filter_map(|c| c.expression.as_deref())
        .collect()
}

/// Whether the live reader must read the cluster's container instances for this service.
pub fn needs_instances(service: &ServiceSnapshot) -> bool {
    !on_fargate(service) && !member_of(service).is_empty()
}

pub fn check(envs: &[Environment]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for env in envs {
        for service in &env.snapshot.services {
            findings.extend(check_service(env, service));
        }
    }
    findings
}

fn check_service(env: &Environment, service: &ServiceSnapshot) -> Option<Finding> {
    let e = env.name.as_str();
    let subject = format!("{}: placementConstraints", service.name);
    let at = format!("service `{}` in {e}", service.name);
    let f = |message: String| finding(&PLACEMENT_UNSATISFIABLE, e, subject.clone(), message);
    if on_fargate(service) {
        let kinds: Vec<&str> = constraints(service).map(|c| c.kind.as_str()).collect();
        if kinds.is_empty() {
            return None;
        }
        return Some(
            f(format!(
                "{at} runs on Fargate with placement constraints ({}), which Fargate does not support",
                kinds.join(", ")
            ))
            .with_note("ECS refuses the deployment: InvalidParameterException: Placement constraints are not supported with FARGATE launch type")
            .with_note("Fargate spreads tasks across the subnets' Availability Zones; remove the constraints"),
        );
    }
    let expressions = member_of(service);
    if expressions.is_empty() {
        return None;
    }
    let mut parsed = Vec::new();
    for text in &expressions {
        match cluster_query::parse(text) {
            Ok(expr) => parsed.push(expr),
            Err(why) => {
                return Some(
                    f(format!("{at}: placement expression `{text}` could not be read ({why}), so whether an instance satisfies it is unknown"))
                        .unknown(),
                )
            }
        }
    }
    let shown = expressions
        .iter()
        .map(|x| format!("`{x}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    let Some(instances) = &env.snapshot.container_instances else {
        return Some(
            f(format!("{at}: the snapshot has no record of the cluster's container instances, so whether one satisfies {shown} is unknown"))
                .with_note("take the snapshot again with this preflight version")
                .unknown(),
        );
    };
    let mut verdict = Truth::False;
    let mut active = 0;
    for record in instances {
        let usable =
            record.status.as_deref() == Some("ACTIVE") && record.agent_connected != Some(false);
        if !usable {
            continue;
        }
        active += 1;
        let instance = Instance {
            ec2_instance_id: record.ec2_instance_id.as_deref(),
            agent_connected: record.agent_connected,
            attributes: &record.attributes,
        };
        let fits = parsed
            .iter()
            .fold(Truth::True, |acc, expr| acc.and(expr.eval(&instance)));
        verdict = verdict.or(fits);
        if verdict == Truth::True {
            return None;
        }
    }
    let cluster = env.snapshot.cluster.as_deref().unwrap_or("the cluster");
    if verdict == Truth::Unknown {
        return Some(
            f(format!("{at}: whether an active container instance of `{cluster}` satisfies {shown} is unknown"))
                .with_note("the expression names what changes at placement time (task groups, running tasks, agent versions, registration times) or a pattern preflight cannot evaluate")
                .unknown(),
        );
    }
    let found = if active == 0 {
        format!("cluster `{cluster}` has no active container instance")
    } else {
        format!(
            "none of the {active} active container instance(s) of `{cluster}` satisfies {shown}"
        )
    };
    let may_scale = service.settings.launch_type.is_none()
        || !service.settings.capacity_provider_strategy.is_empty();
    if may_scale {
        return Some(
            f(format!("{at}: {found}; whether an instance its capacity provider launches will is unknown"))
                .with_note("a capacity provider's Auto Scaling group may add instances whose attributes are not known before they exist")
                .unknown(),
        );
    }
    Some(
        f(format!("{at} runs on EC2, but {found}"))
            .with_note("ECS leaves the task unplaced: unable to place a task because no container instance met all of its requirements (ATTRIBUTE)"),
    )
}
