//! PA106: a task definition needs at least one essential container (`essential` defaults to
//! true; ECS rejects a task whose containers all say `false`).

use super::Task;
use crate::diagnostics::Finding;
use crate::parity::rules::{finding, NO_ESSENTIAL_CONTAINER};

pub(super) fn check(t: &Task) -> Option<Finding> {
    let containers = &t.task.container_definitions;
    if containers.is_empty() || containers.iter().any(|c| c.essential != Some(false)) {
        return None;
    }
    Some(finding(
        &NO_ESSENTIAL_CONTAINER,
        &t.env.name,
        format!("{}: essential", t.service.name),
        format!(
            "{}: no container is essential (all {} say `\"essential\": false`)",
            t.label(),
            containers.len()
        ),
    ))
}
