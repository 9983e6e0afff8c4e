//! PA504: a plain `environment` value that holds a credential (an AWS access key id, a private
//! key block, a password inside a URL), in any environment. The value is never shown: the
//! finding names the variable and the kind of credential only.

use super::credentials::{value_traits, ValueTrait};
use super::environment::Environment;
use super::rules::{finding, CREDENTIAL_IN_PLAINTEXT};
use super::snapshot::{ContainerDefinition, KeyValue};
use crate::diagnostics::Finding;
use std::collections::BTreeSet;

pub fn check(envs: &[Environment]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for env in envs {
        let mut seen = BTreeSet::new();
        for (service, c) in env.containers() {
            for var in &c.environment {
                let credentials: Vec<ValueTrait> = traits(c, var)
                    .into_iter()
                    .filter(|t| t.is_credential())
                    .collect();
                if credentials.is_empty() || !seen.insert(var.name.clone()) {
                    continue;
                }
                let what: Vec<&str> = credentials.iter().map(|t| t.describe()).collect();
                findings.push(
                    finding(
                        &CREDENTIAL_IN_PLAINTEXT,
                        &env.name,
                        var.name.clone(),
                        format!(
                            "`{}` holds {} in plaintext in {} (service `{}`, container `{}`)",
                            var.name,
                            what.join(" and "),
                            env.name,
                            service.name,
                            c.name
                        ),
                    )
                    .with_note("anyone who may describe the task definition can read it; move it to Secrets Manager or SSM and reference it under `secrets`"),
                );
            }
        }
    }
    findings
}

/// What the snapshot recorded about the raw value, plus what the stored value itself shows
/// (snapshots written by hand or by an older preflight carry no `valueTraits`).
pub fn traits(c: &ContainerDefinition, var: &KeyValue) -> Vec<ValueTrait> {
    let mut all = value_traits(&var.value);
    if let Some(recorded) = c.value_traits.get(&var.name) {
        all.extend(recorded.iter().copied());
    }
    all.sort();
    all.dedup();
    all
}
