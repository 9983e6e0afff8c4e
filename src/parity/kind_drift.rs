//! PA203: a variable that is injected from Secrets Manager or SSM (`secrets`) in one
//! environment but set in plaintext (`environment`) in the same container of another. Usually
//! the secret was pasted into the task definition: it is now readable by anyone who may describe
//! task definitions, and rotating the secret no longer reaches the task.

use super::environment::Environment;
use super::names::Kind;
use super::rules::{finding, VARIABLE_KIND_DRIFT};
use crate::diagnostics::Finding;
use std::collections::BTreeMap;

pub fn check(envs: &[Environment]) -> Vec<Finding> {
    // (service key, container key, variable) → environment index → kind.
    let mut kinds: BTreeMap<(String, String, String), BTreeMap<usize, Kind>> = BTreeMap::new();
    for (i, env) in envs.iter().enumerate() {
        for (service, c) in env.containers() {
            let key = |name: &str| {
                (
                    env.service_key(service),
                    env.container_key(c),
                    name.to_string(),
                )
            };
            for e in &c.environment {
                kinds
                    .entry(key(&e.name))
                    .or_default()
                    .entry(i)
                    .or_insert(Kind::Plain);
            }
            for s in &c.secrets {
                kinds
                    .entry(key(&s.name))
                    .or_default()
                    .insert(i, Kind::Secret);
            }
        }
    }
    let mut findings = Vec::new();
    for ((service, container, name), by_env) in &kinds {
        let secret_in: Vec<&str> = by_env
            .iter()
            .filter(|(_, k)| **k == Kind::Secret)
            .map(|(&i, _)| envs[i].name.as_str())
            .collect();
        if secret_in.is_empty() {
            continue;
        }
        for (&i, kind) in by_env {
            if *kind != Kind::Plain {
                continue;
            }
            let e = &envs[i].name;
            findings.push(
                finding(
                    &VARIABLE_KIND_DRIFT,
                    e,
                    name.clone(),
                    format!(
                        "`{name}` is a secret in {} but a plain environment variable in {e} (service `{service}`, container `{container}`)",
                        secret_in.join(", ")
                    ),
                )
                .with_note(format!(
                    "its value is stored in {e}'s task definition in plaintext; inject it from Secrets Manager or SSM with `secrets` as {} does",
                    secret_in.join(", ")
                )),
            );
        }
    }
    findings
}
