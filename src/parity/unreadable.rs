//! Whatever could not be read becomes an unknown finding: never pass, never silently dropped.
//! Secrets, parameters and roles whose lookup failed are reported by their own checks; every
//! other failed read is reported here.

use super::environment::Environment;
use super::rules::{finding, ENVIRONMENT_UNREADABLE};
use super::snapshot::LookupStatus;
use crate::diagnostics::Finding;

pub fn check(envs: &[Environment]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for env in envs {
        let s = &env.snapshot;
        let reported_elsewhere = |resource: &str| {
            s.secrets
                .iter()
                .any(|r| r.reference == resource && r.status == LookupStatus::Unknown)
                || s.parameters
                    .iter()
                    .any(|r| r.reference == resource && r.status == LookupStatus::Unknown)
                || s.roles
                    .iter()
                    .any(|r| r.arn == resource && r.status == LookupStatus::Unknown)
        };
        for u in &s.unreadable {
            if reported_elsewhere(&u.resource) {
                continue;
            }
            findings.push(
                finding(
                    &ENVIRONMENT_UNREADABLE,
                    &env.name,
                    u.resource.clone(),
                    format!(
                        "{}: could not read `{}` ({}): {}",
                        env.name, u.resource, u.operation, u.error
                    ),
                )
                .unknown(),
            );
        }
    }
    findings
}
