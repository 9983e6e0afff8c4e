//! PA105: a Fargate task needs task-level cpu and memory, in one of the combinations of AWS's
//! task size table ("Task CPU and memory", Amazon ECS Developer Guide:
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size>).

use super::Task;
use crate::diagnostics::Finding;
use crate::parity::rules::{finding, INVALID_FARGATE_TASK_SIZE};

/// CPU units → the memory values (MiB) Fargate accepts with it: `(from, to, step)`.
const SIZES: &[(i64, i64, i64, i64)] = &[
    (256, 512, 2048, 512),
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122880, 8192),
];

/// Whether Fargate offers `cpu` units with `memory` MiB.
pub fn valid_fargate_size(cpu: i64, memory: i64) -> bool {
    SIZES.iter().any(|&(c, from, to, step)| {
        // 256 CPU units take 512, 1024 or 2048 MiB.
        let on_step = if c == 256 {
            [512, 1024, 2048].contains(&memory)
        } else {
            (memory - from) % step == 0
        };
        c == cpu && (from..=to).contains(&memory) && on_step
    })
}

pub(super) fn check(t: &Task) -> Option<Finding> {
    if !t.fargate() {
        return None;
    }
    let (cpu, memory) = (t.task.cpu.as_deref(), t.task.memory.as_deref());
    let problem = match (cpu, memory, t.cpu_units(), t.memory_mib()) {
        (None, _, _, _) | (_, None, _, _) => {
            "a Fargate task needs task-level `cpu` and `memory`".to_string()
        }
        (Some(c), _, None, _) => format!("task cpu `{c}` is not a number of CPU units"),
        (_, Some(m), _, None) => format!("task memory `{m}` is not a size in MiB"),
        (_, _, Some(c), Some(m)) if !valid_fargate_size(c, m) => {
            format!("Fargate does not offer {c} CPU units with {m} MiB")
        }
        _ => return None,
    };
    let accepted = SIZES
        .iter()
        .find(|s| Some(s.0) == t.cpu_units())
        .map(|&(c, from, to, step)| {
            if c == 256 {
                "with 256 CPU units: 512, 1024 or 2048 MiB".to_string()
            } else {
                format!("with {c} CPU units: {from} to {to} MiB in steps of {step}")
            }
        })
        .unwrap_or_else(|| "CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384".to_string());
    Some(
        finding(
            &INVALID_FARGATE_TASK_SIZE,
            &t.env.name,
            format!("{}: cpu/memory", t.service.name),
            format!("{}: {problem}", t.label()),
        )
        .with_note(format!("Fargate accepts {accepted}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_table() {
        assert!(valid_fargate_size(256, 512));
        assert!(valid_fargate_size(256, 2048));
        assert!(!valid_fargate_size(256, 1536));
        assert!(!valid_fargate_size(256, 4096));
        assert!(valid_fargate_size(512, 3072));
        assert!(!valid_fargate_size(512, 512));
        assert!(valid_fargate_size(4096, 30720));
        assert!(!valid_fargate_size(4096, 31744));
        assert!(valid_fargate_size(8192, 20480));
        assert!(!valid_fargate_size(8192, 17408));
        assert!(valid_fargate_size(16384, 122880));
        assert!(!valid_fargate_size(300, 1024));
    }
}
