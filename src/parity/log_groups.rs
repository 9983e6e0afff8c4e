//! PA409: the log group an `awslogs` container names exists in the region it names, or the
//! container sets `awslogs-create-group` to `true` (PA407 then checks that the execution role
//! may `logs:CreateLogGroup`). Without either, the task fails to start with
//! `ResourceInitializationError: failed to validate logger args … The specified log group does
//! not exist`. Decided from the snapshot's log group records (DescribeLogGroups).

use super::environment::Environment;
use super::rules::{finding, LOG_GROUP_NOT_FOUND};
use super::snapshot::LookupStatus;
use crate::diagnostics::Finding;
use std::collections::BTreeSet;

pub fn check(envs: &[Environment]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for env in envs {
        let e = env.name.as_str();
        let mut seen = BTreeSet::new();
        for (service, c) in env.containers() {
            let Some(log) = c.awslogs() else {
                continue;
            };
            // Without a group or region PA407 reports the container.
            let Some((group, region)) = log.awslogs_group() else {
                continue;
            };
            if log.creates_group() {
                continue;
            }
            if !seen.insert((service.name.as_str(), c.name.as_str())) {
                continue;
            }
            let at = format!("service `{}`, container `{}` in {e}", service.name, c.name);
            let subject = format!("{}: {}.logConfiguration", service.name, c.name);
            let record = env.snapshot.log_groups.as_ref().map(|groups| {
                groups
                    .iter()
                    .find(|g| &g.name == group && &g.region == region)
            });
            let f = match record {
                None | Some(None) => finding(
                    &LOG_GROUP_NOT_FOUND,
                    e,
                    subject,
                    format!("{at}: the snapshot has no record of log group `{group}` ({region}), so whether it exists is unknown"),
                )
                .with_note("take the snapshot again with this preflight version")
                .unknown(),
                Some(Some(r)) if r.status == LookupStatus::NotFound => finding(
                    &LOG_GROUP_NOT_FOUND,
                    e,
                    subject,
                    format!("{at} logs to `{group}` in {region}, which does not exist, and `awslogs-create-group` is not `true`"),
                )
                .with_note("the task fails with ResourceInitializationError: failed to validate logger args; create the group or set awslogs-create-group to true"),
                Some(Some(_)) => continue, // found, or unreadable (PA104)
            };
            findings.push(f);
        }
    }
    findings
}
