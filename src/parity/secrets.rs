//! Check 3: every `secrets[].valueFrom` exists in the environment's own account and region, is
//! not scheduled for deletion, is referenced by its full ARN, and (with `--verify-secret-keys`)
//! has the JSON key it names.

use super::environment::Environment;
use super::reference::ValueFrom;
use super::rules::*;
use super::snapshot::{LookupStatus, SecretSource};
use crate::diagnostics::Finding;
use std::collections::BTreeSet;

pub fn check(envs: &[Environment], verify_secret_keys: bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    for env in envs {
        let mut seen = BTreeSet::new();
        for (service, c) in env.containers() {
            for s in c.secret_sources() {
                if !seen.insert((s.label, s.value_from)) {
                    continue;
                }
                let at = format!("service `{}`, container `{}`", service.name, c.name);
                findings.extend(check_one(env, &s, &at, verify_secret_keys));
            }
        }
    }
    findings
}

fn check_one(
    env: &Environment,
    source: &SecretSource<'_>,
    at: &str,
    verify_keys: bool,
) -> Vec<Finding> {
    let (name, value_from) = (source.label, source.value_from);
    let mut out = Vec::new();
    let e = env.name.as_str();
    let snap = &env.snapshot;
    let parsed = match ValueFrom::of_source(source) {
        Ok(p) => p,
        Err(why) => {
            out.push(finding(
                &INVALID_REFERENCE,
                e,
                name,
                format!("`{name}` in {e} ({at}): {why}"),
            ));
            return out;
        }
    };
    // Empty: named without an ARN, so in the environment's own account and region.
    let (region, account) = match &parsed {
        ValueFrom::Secret(s) => (Some(s.region.as_str()), Some(s.account.as_str())),
        ValueFrom::Parameter(p) => (p.region.as_deref(), p.account.as_deref()),
    };
    let (region, account) = (
        region.filter(|r| !r.is_empty()),
        account.filter(|a| !a.is_empty()),
    );
    if let (Some(want), Some(got)) = (snap.account_id.as_deref(), account) {
        if want != got {
            out.push(finding(
                &SECRET_OUTSIDE_ENVIRONMENT,
                e,
                name,
                format!(
                    "`{name}` in {e} ({at}) reads from account {got}, but {e} is account {want}"
                ),
            ));
        }
    }
    if let (Some(want), Some(got)) = (snap.region.as_deref(), region) {
        if want != got {
            out.push(finding(
                &SECRET_OUTSIDE_ENVIRONMENT,
                e,
                name,
                format!("`{name}` in {e} ({at}) reads from region {got}, but {e} is in {want}"),
            ));
        }
    }
    match parsed {
        ValueFrom::Secret(secret) => {
            let Some(record) = env.secret(&secret.secret_id) else {
                out.push(
                    finding(
                        &SECRET_UNREADABLE,
                        e,
                        name,
                        format!(
                            "`{name}` in {e} ({at}): the snapshot has no record of secret `{}`",
                            secret.secret_id
                        ),
                    )
                    .with_note("take the snapshot again with this preflight version")
                    .unknown(),
                );
                return out;
            };
            match (record.status, &record.metadata) {
                (LookupStatus::NotFound, _) => out.push(
                    finding(&SECRET_NOT_FOUND, e, name, format!(
                        "`{name}` in {e} ({at}) reads secret `{}`, which does not exist in Secrets Manager", secret.name_part
                    ))
                    .with_note(format!("valueFrom: {value_from}")),
                ),
                (LookupStatus::Found, Some(meta)) => {
                    if let Some(date) = &meta.deleted_date {
                        out.push(finding(&SECRET_SCHEDULED_FOR_DELETION, e, name, format!(
                            "`{name}` in {e} ({at}) reads secret `{}`, which is scheduled for deletion on {date}", meta.name
                        )));
                    }
                    // Named by design without its suffix when read through Parameter Store or
                    // as registry credentials by name.
                    let by_name = secret.via_parameter.is_some()
                        || !secret.secret_id.starts_with("arn:");
                    if meta.arn != secret.secret_id && !by_name {
                        out.push(finding(&SECRET_PARTIAL_ARN, e, name, format!(
                            "`{name}` in {e} ({at}) references secret `{}` by a partial ARN", meta.name
                        )).with_note(format!("use the full ARN: {}", meta.arn)));
                    }
                    out.extend(super::secret_versions::check(env, name, &secret, meta, at));
                    if verify_keys {
                        if let Some(key) = &secret.json_key {
                            out.extend(key_finding(env, name, &secret.secret_id, key, at));
                        }
                    }
                }
                _ => out.push(
                    finding(&SECRET_UNREADABLE, e, name, format!(
                        "`{name}` in {e} ({at}): could not look up secret `{}`: {}",
                        secret.name_part,
                        record.error.as_deref().unwrap_or("no metadata recorded")
                    ))
                    .unknown(),
                ),
            }
        }
        ValueFrom::Parameter(parameter) => {
            let Some(record) = env.parameter(&parameter.reference) else {
                out.push(
                    finding(
                        &SECRET_UNREADABLE,
                        e,
                        name,
                        format!(
                            "`{name}` in {e} ({at}): the snapshot has no record of parameter `{}`",
                            parameter.name
                        ),
                    )
                    .unknown(),
                );
                return out;
            };
            match record.status {
                LookupStatus::Found => {}
                LookupStatus::NotFound => out.push(finding(
                    &SECRET_NOT_FOUND,
                    e,
                    name,
                    format!(
                        "`{name}` in {e} ({at}) reads SSM parameter `{}`, which does not exist",
                        parameter.name
                    ),
                )),
                LookupStatus::Unknown => out.push(
                    finding(
                        &SECRET_UNREADABLE,
                        e,
                        name,
                        format!(
                            "`{name}` in {e} ({at}): could not look up SSM parameter `{}`: {}",
                            parameter.name,
                            record.error.as_deref().unwrap_or("unknown error")
                        ),
                    )
                    .unknown(),
                ),
            }
        }
    }
    out
}

fn key_finding(
    env: &Environment,
    name: &str,
    secret_id: &str,
    key: &str,
    at: &str,
) -> Option<Finding> {
    let e = env.name.as_str();
    let check = env
        .snapshot
        .secret_keys
        .iter()
        .find(|k| k.reference == secret_id && k.json_key == key);
    match check.map(|c| (c.present, c.error.as_deref())) {
        Some((Some(true), _)) => None,
        Some((Some(false), why)) => Some(finding(&SECRET_JSON_KEY_MISSING, e, name, format!(
            "`{name}` in {e} ({at}) reads JSON key `{key}`, which the secret does not have{}",
            why.map(|why| format!(": {why}")).unwrap_or_default()
        ))),
        Some((None, error)) => Some(finding(&SECRET_UNREADABLE, e, name, format!(
            "`{name}` in {e} ({at}): could not verify JSON key `{key}`: {}", error.unwrap_or("unknown error")
        )).unknown()),
        None => Some(finding(&SECRET_UNREADABLE, e, name, format!(
            "`{name}` in {e} ({at}): JSON key `{key}` was not verified (snapshots never hold secret values; run against live AWS)"
        )).unknown()),
    }
}
