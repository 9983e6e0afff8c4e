//! PA108: with task-level memory, no container's `memory` may exceed it, and the containers'
//! reservations (`memoryReservation`, else `memory`) together must fit in it.

use super::Task;
use crate::diagnostics::Finding;
use crate::parity::rules::{finding, CONTAINER_MEMORY_EXCEEDS_TASK};

pub(super) fn check(t: &Task) -> Vec<Finding> {
    let Some(task_memory) = t.memory_mib() else {
        return Vec::new();
    };
    let subject = format!("{}: memory", t.service.name);
    let mut out = Vec::new();
    for c in &t.task.container_definitions {
        if let Some(m) = c.memory.filter(|&m| i64::from(m) > task_memory) {
            out.push(finding(
                &CONTAINER_MEMORY_EXCEEDS_TASK,
                &t.env.name,
                subject.clone(),
                format!(
                    "{}: container `{}` has a memory limit of {m} MiB, more than the task's {task_memory} MiB",
                    t.label(),
                    c.name
                ),
            ));
        }
    }
    let reserved: i64 = t
        .task
        .container_definitions
        .iter()
        .filter_map(|c| c.memory_reservation.or(c.memory))
        .map(i64::from)
        .sum();
    if out.is_empty() && reserved > task_memory {
        out.push(finding(
            &CONTAINER_MEMORY_EXCEEDS_TASK,
            &t.env.name,
            subject,
            format!(
                "{}: the containers reserve {reserved} MiB together, more than the task's {task_memory} MiB",
                t.label()
            ),
        ));
    }
    out
}
