//! CloudWatch Logs: whether each `awslogs` log group exists, in the region the container names
//! (DescribeLogGroups by name prefix; the exact name decides).

use super::{bounded, describe, Clients};
use crate::parity::snapshot::*;
use aws_config::Region;
use indicatif::ProgressBar;
use std::collections::BTreeSet;

pub(super) async fn read_log_groups(
    c: &Clients,
    limit: usize,
    bar: &ProgressBar,
    snap: &mut Snapshot,
) {
    let groups: BTreeSet<(String, String)> = snap
        .services
        .iter()
        .filter_map(|s| s.task_definition.as_ref())
        .flat_map(|t| &t.container_definitions)
        .filter_map(|c| c.awslogs()?.awslogs_group())
        .map(|(group, region)| (region.clone(), group.clone()))
        .collect();
    let home = snap.region.clone();
    let mut records = bounded(groups, limit, bar, |(region, name)| {
        let logs = if home.as_deref() == Some(region.as_str()) {
            c.logs.clone()
        } else {
            let config = c
                .logs
                .config()
                .to_builder()
                .region(Region::new(region.clone()));
            aws_sdk_cloudwatchlogs::Client::from_conf(config.build())
        };
        async move {
            let pages = logs
                .describe_log_groups()
                .log_group_name_prefix(&name)
                .into_paginator()
                .send()
                .try_collect()
                .await;
            let (status, error) = match pages {
                Ok(pages) => {
                    let found = pages
                        .iter()
                        .flat_map(|p| p.log_groups())
                        .any(|g| g.log_group_name() == Some(name.as_str()));
                    let status = if found {
                        LookupStatus::Found
                    } else {
                        LookupStatus::NotFound
                    };
                    (status, None)
                }
                Err(err) => (
                    LookupStatus::Unknown,
                    Some(format!("logs:DescribeLogGroups: {}", describe(&err))),
                ),
            };
            LogGroupRecord {
                region,
                name,
                status,
                error,
            }
        }
    })
    .await;
    records.sort_by(|a, b| (&a.region, &a.name).cmp(&(&b.region, &b.name)));
    snap.log_groups = Some(records);
}
