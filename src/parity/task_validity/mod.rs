//! Task definition validity, decided offline from the task definition alone: a Fargate task
//! size AWS offers (PA105), an essential container (PA106), host ports under `awsvpc` (PA107)
//! and container memory within the task's (PA108). One rule per module.

mod container_memory;
mod essential;
mod fargate_size;
mod host_port;

pub use fargate_size::valid_fargate_size;

use super::environment::Environment;
use super::snapshot::{ServiceSnapshot, TaskDefinition};
use crate::diagnostics::Finding;
use std::collections::BTreeSet;

/// One task definition as a rule sees it.
pub(crate) struct Task<'a> {
    pub env: &'a Environment,
    pub service: &'a ServiceSnapshot,
    pub task: &'a TaskDefinition,
}

impl Task<'_> {
    pub(crate) fn fargate(&self) -> bool {
        self.task
            .requires_compatibilities
            .iter()
            .any(|c| c == "FARGATE")
            || self.service.settings.launch_type.as_deref() == Some("FARGATE")
    }

    pub(crate) fn awsvpc(&self) -> bool {
        match self.task.network_mode.as_deref() {
            Some(mode) => mode == "awsvpc",
            None => self.fargate(),
        }
    }

    /// `family:revision` of service `name`, for messages.
    pub(crate) fn label(&self) -> String {
        format!(
            "service `{}` in {} (task definition {}:{})",
            self.service.name, self.env.name, self.task.family, self.task.revision
        )
    }

    /// Task memory in MiB, when set and readable.
    pub(crate) fn memory_mib(&self) -> Option<i64> {
        let m = self.task.memory.as_deref()?;
        super::canonical::memory_mib(m).parse().ok()
    }

    pub(crate) fn cpu_units(&self) -> Option<i64> {
        let c = self.task.cpu.as_deref()?;
        super::canonical::cpu_units(c).parse().ok()
    }
}

pub fn check(envs: &[Environment]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for env in envs {
        let mut seen = BTreeSet::new();
        for service in &env.snapshot.services {
            let Some(task) = &service.task_definition else {
                continue;
            };
            // A task definition shared by services is judged once (per launch type).
            let fargate = service.settings.launch_type.as_deref() == Some("FARGATE");
            if !seen.insert((task.task_definition_arn.clone(), fargate)) {
                continue;
            }
            let t = Task { env, service, task };
            findings.extend(fargate_size::check(&t));
            findings.extend(essential::check(&t));
            findings.extend(host_port::check(&t));
            findings.extend(container_memory::check(&t));
        }
    }
    findings
}
