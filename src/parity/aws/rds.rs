//! RDS and Application Auto Scaling, for capacity: the database's connection limit
//! (DescribeDBClusters → DescribeDBInstances → DescribeDBParameters of its parameter group,
//! keeping only the limit's parameters, formulas as RDS returns them) and the services'
//! scaling ranges (DescribeScalableTargets). Read only when `[environments.NAME.database]`
//! names an RDS instance or cluster; a failed read is recorded, and reported as unknown.

use super::{describe, Clients};
use crate::config::DatabaseConfig;
use crate::parity::capacity::record::{
    CapacityRecord, DatabaseLimit, LimitSource, ScalingTarget, LIMIT_PARAMETERS,
};
use crate::parity::snapshot::{LookupStatus, Snapshot};
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
use indicatif::ProgressBar;

/// DescribeScalableTargets takes at most 50 resource ids per call.
const SCALING_BATCH: usize = 50;

pub(super) async fn read_capacity(
    c: &Clients,
    cluster: &str,
    db: &DatabaseConfig,
    bar: &ProgressBar,
    snap: &mut Snapshot,
) {
    let mut record = CapacityRecord::default();
    // A number in preflight.toml or a live read wins over RDS, so RDS is not asked then.
    if db.max_connections.is_none() && db.url_env.is_none() {
        record.database = match (&db.rds_cluster, &db.rds_instance) {
            (Some(id), _) => Some(read_cluster(c, id, bar).await),
            (None, Some(id)) => Some(read_instance(c, id, LimitSource::RdsInstance, id, bar).await),
            (None, None) => None,
        };
    }
    let names: Vec<&str> = snap.services.iter().map(|s| s.name.as_str()).collect();
    match read_scaling(c, cluster, &names, bar).await {
        Ok(targets) => record.scaling = targets,
        Err(e) => record.scaling_error = Some(e),
    }
    snap.capacity = Some(record);
}

async fn read_cluster(c: &Clients, id: &str, bar: &ProgressBar) -> DatabaseLimit {
    let limit = DatabaseLimit::new(LimitSource::RdsCluster, id);
    bar.inc_length(1);
    let out = c
        .rds
        .describe_db_clusters()
        .db_cluster_identifier(id)
        .send()
        .await;
    bar.inc(1);
    let cluster = match out {
        Ok(out) => match out.db_clusters().first() {
            Some(cl) => cl.clone(),
            None => {
                return limit.failed(
                    LookupStatus::NotFound,
                    "rds:DescribeDBClusters: no such cluster",
                )
            }
        },
        Err(e) => return failed(limit, "rds:DescribeDBClusters", &e),
    };
    let writer = cluster
        .db_cluster_members()
        .iter()
        .find(|m| m.is_cluster_writer() == Some(true))
        .and_then(|m| m.db_instance_identifier());
    let Some(writer) = writer else {
        return limit.failed(
            LookupStatus::Unknown,
            "rds:DescribeDBClusters: the cluster has no writer instance",
        );
    };
    let mut limit = read_instance(c, writer, LimitSource::RdsCluster, id, bar).await;
    if let Some(max) = cluster
        .serverless_v2_scaling_configuration()
        .and_then(|s| s.max_capacity())
    {
        limit.serverless_max_acu = serde_json::Number::from_f64(max);
    }
    limit
}

async fn read_instance(
    c: &Clients,
    instance: &str,
    source: LimitSource,
    identifier: &str,
    bar: &ProgressBar,
) -> DatabaseLimit {
    let mut limit = DatabaseLimit::new(source, identifier);
    bar.inc_length(1);
    let out = c
        .rds
        .describe_db_instances()
        .db_instance_identifier(instance)
        .send()
        .await;
    bar.inc(1);
    let db = match out {
        Ok(out) => match out.db_instances().first() {
            Some(db) => db.clone(),
            None => {
                return limit.failed(
                    LookupStatus::NotFound,
                    "rds:DescribeDBInstances: no such instance",
                )
            }
        },
        Err(e) => return failed(limit, "rds:DescribeDBInstances", &e),
    };
    limit.engine = db.engine().map(str::to_string);
    limit.instance_class = db.db_instance_class().map(str::to_string);
    let Some(group) = db
        .db_parameter_groups()
        .first()
        .and_then(|g| g.db_parameter_group_name())
    else {
        return limit.failed(
            LookupStatus::Unknown,
            "the instance names no DB parameter group",
        );
    };
    limit.parameter_group = Some(group.to_string());
    bar.inc_length(1);
    let pages = c
        .rds
        .describe_db_parameters()
        .db_parameter_group_name(group)
        .into_paginator()
        .send()
        .try_collect()
        .await;
    bar.inc(1);
    match pages {
        Ok(pages) => {
            for p in pages.iter().flat_map(|p| p.parameters()) {
                let (Some(name), Some(value)) = (p.parameter_name(), p.parameter_value()) else {
                    continue;
                };
                if LIMIT_PARAMETERS.contains(&name) {
                    limit.parameters.insert(name.to_string(), value.to_string());
                }
            }
            limit
        }
        Err(e) => failed(limit, "rds:DescribeDBParameters", &e),
    }
}

fn failed<E>(
    limit: DatabaseLimit,
    operation: &str,
    err: &aws_sdk_sts::error::SdkError<E, aws_sdk_sts::config::http::HttpResponse>,
) -> DatabaseLimit
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    limit.failed(
        LookupStatus::Unknown,
        format!("{operation}: {}", describe(err)),
    )
}

async fn read_scaling(
    c: &Clients,
    cluster: &str,
    names: &[&str],
    bar: &ProgressBar,
) -> Result<Vec<ScalingTarget>, String> {
    let mut targets = Vec::new();
    for batch in names.chunks(SCALING_BATCH) {
        let ids: Vec<String> = batch
            .iter()
            .map(|n| format!("service/{cluster}/{n}"))
            .collect();
        bar.inc_length(1);
        let pages = c
            .autoscaling
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Ecs)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .set_resource_ids(Some(ids))
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| {
                format!(
                    "application-autoscaling:DescribeScalableTargets: {}",
                    describe(&e)
                )
            })?;
        bar.inc(1);
        for t in pages.iter().flat_map(|p| p.scalable_targets()) {
            let service = t.resource_id().rsplit('/').next().unwrap_or_default();
            targets.push(ScalingTarget {
                service: service.to_string(),
                min_capacity: t.min_capacity(),
                max_capacity: t.max_capacity(),
            });
        }
    }
    targets.sort_by(|a, b| a.service.cmp(&b.service));
    Ok(targets)
}
