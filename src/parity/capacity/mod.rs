//! Check 7: capacity. Connection pools against the database's `max_connections`, per
//! environment: [`demand`] (pools × processes × tasks, services adding up; each container's
//! pool from [`pool`]), [`supply`] (the limit minus the reserved connections, evaluating RDS
//! formulas with [`formula`] and the instance-class table in [`memory`]), and the findings:
//! demand above supply (PA601), above the headroom (PA602), a limit lower than the reference
//! environment's (PA603), and whatever could not be determined (PA604, unknown). [`record`] is
//! the snapshot's part; [`live`] reads the limit from a database URL.

pub mod demand;
pub mod formula;
pub mod live;
pub mod memory;
pub mod pool;
pub mod record;
pub mod supply;

use super::environment::Environment;
use super::rules::{
    finding, CAPACITY_UNKNOWN, CONNECTIONS_ABOVE_HEADROOM, CONNECTIONS_EXCEED_LIMIT,
    CONNECTION_LIMIT_DRIFT,
};
use crate::config::CapacityConfig;
use crate::diagnostics::Finding;
use std::collections::BTreeMap;
use supply::Supply;

/// The matrix subject of every capacity finding.
pub const SUBJECT: &str = "connections";

/// Warn above this share of the available connections unless `[capacity] headroom_percent` says otherwise.
pub const DEFAULT_HEADROOM_PERCENT: u32 = 80;

/// What the capacity check needs besides the environments.
#[derive(Debug, Clone, Default)]
pub struct CapacitySettings {
    pub config: CapacityConfig,
    /// `[environments.NAME.database] max_connections` (and `reserved_connections`), by name.
    pub configured_limits: BTreeMap<String, (u32, Option<u32>)>,
}

/// One environment's result, for the matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvCapacity {
    pub environment: String,
    /// Connections the known services may open (`None`: none known).
    pub demand: Option<u64>,
    /// Some services' demand is unknown, so `demand` is a lower bound.
    pub partial: bool,
    pub supply: Option<Supply>,
}

impl EnvCapacity {
    /// `50 of 35`, `100 of at most 107`, `? of 35`.
    pub fn cell_text(&self) -> String {
        let demand = match (self.demand, self.partial) {
            (Some(d), false) => d.to_string(),
            (Some(d), true) => format!("≥{d}"),
            (None, _) => "?".into(),
        };
        let supply = self.supply.as_ref().map_or("?".into(), Supply::describe);
        format!("{demand} of {supply}")
    }
}

pub fn check(
    envs: &[Environment],
    settings: &CapacitySettings,
) -> (Vec<Finding>, Vec<EnvCapacity>) {
    let mut findings = Vec::new();
    let mut results = Vec::new();
    let headroom = settings
        .config
        .headroom_percent
        .unwrap_or(DEFAULT_HEADROOM_PERCENT);
    for env in envs {
        let demand = demand::demand(env, &settings.config);
        for why in &demand.unknown {
            findings.push(
                finding(
                    &CAPACITY_UNKNOWN,
                    &env.name,
                    SUBJECT,
                    format!("{}: connection demand unknown: {why}", env.name),
                )
                .unknown(),
            );
        }
        let supply = match settings.configured_limits.get(&env.name) {
            Some(&(max, reserved)) => Ok(supply::from_config(max, reserved)),
            None => match env.snapshot.capacity.as_ref().and_then(|c| c.database.as_ref()) {
                Some(limit) => supply::from_limit(limit),
                None => Err(format!(
                    "no database connection limit for {0}; set [environments.{0}.database] rds_instance, rds_cluster, url_env or max_connections",
                    env.name
                )),
            },
        };
        let supply = match supply {
            Ok(s) => Some(s),
            Err(why) => {
                findings.push(
                    finding(
                        &CAPACITY_UNKNOWN,
                        &env.name,
                        SUBJECT,
                        format!("{}: {why}", env.name),
                    )
                    .unknown(),
                );
                None
            }
        };
        let known = !demand.services.is_empty();
        let total = demand.total();
        if let (true, Some(s)) = (known, &supply) {
            if let Some(f) = compare(env, &demand, total, s, headroom) {
                findings.push(f);
            }
        }
        results.push(EnvCapacity {
            environment: env.name.clone(),
            demand: known.then_some(total),
            partial: !demand.unknown.is_empty(),
            supply,
        });
    }
    findings.extend(drift(&results));
    (findings, results)
}

/// PA601 or PA602 for one environment, with both calculations as notes.
fn compare(
    env: &Environment,
    demand: &demand::Demand,
    total: u64,
    supply: &Supply,
    headroom: u32,
) -> Option<Finding> {
    let at_least = if demand.unknown.is_empty() {
        ""
    } else {
        "at least "
    };
    let available = u64::try_from(supply.available).unwrap_or(0);
    let f = if total > available {
        let limit = if supply.upper_bound {
            format!("even the upper bound of {} connections", supply.available)
        } else {
            format!("the {} connections", supply.available)
        };
        finding(
            &CONNECTIONS_EXCEED_LIMIT,
            &env.name,
            SUBJECT,
            format!(
                "{}: the services can open {at_least}{total} database connections at once, more than {limit} {} allows",
                env.name, supply.database
            ),
        )
    } else if total * 100 > u64::from(headroom) * available {
        finding(
            &CONNECTIONS_ABOVE_HEADROOM,
            &env.name,
            SUBJECT,
            format!(
                "{}: the services can open {at_least}{total} database connections at once, {}% of the {} {} allows (headroom {headroom}%)",
                env.name,
                total * 100 / available.max(1),
                supply.describe(),
                supply.database
            ),
        )
    } else {
        return None;
    };
    let mut f = f;
    for s in &demand.services {
        f = f.with_note(format!("demand: {}", s.arithmetic));
    }
    f = f.with_note(format!("limit: {}", supply.arithmetic));
    for s in &demand.services {
        for n in &s.notes {
            f = f.with_note(n.clone());
        }
    }
    Some(f)
}

/// PA603: an environment that allows fewer connections than the reference (the first).
fn drift(results: &[EnvCapacity]) -> Vec<Finding> {
    let Some((reference, rest)) = results.split_first() else {
        return Vec::new();
    };
    let Some(ref_supply) = &reference.supply else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in rest {
        let Some(supply) = &r.supply else { continue };
        if supply.available >= ref_supply.available {
            continue;
        }
        let mut f = finding(
            &CONNECTION_LIMIT_DRIFT,
            &r.environment,
            SUBJECT,
            format!(
                "{} allows {} database connections, {} (the reference) {}: a pool size that works in {} can fail in {}",
                r.environment,
                supply.describe(),
                reference.environment,
                ref_supply.describe(),
                reference.environment,
                r.environment
            ),
        );
        if let Some(d) = r.demand {
            let fits_reference = d <= u64::try_from(ref_supply.available).unwrap_or(0);
            let fits_here = d <= u64::try_from(supply.available).unwrap_or(0);
            if fits_reference && !fits_here {
                f = f.with_note(format!(
                    "this deploy's {d} connections fit {} and not {}: testing in {} hides the problem",
                    reference.environment, r.environment, reference.environment
                ));
            }
        }
        out.push(
            f.with_note(format!(
                "{}: {}",
                reference.environment, ref_supply.arithmetic
            ))
            .with_note(format!("{}: {}", r.environment, supply.arithmetic)),
        );
    }
    out
}
