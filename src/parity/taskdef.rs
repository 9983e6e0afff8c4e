//! Check 1: the task definition each service runs, and its service settings, compared field by
//! field with the first environment that runs the service (the reference).

use super::canonical::{canonical_fields, Fields};
use super::environment::Environment;
use super::redact::{looks_secret, REDACTED};
use super::rules::{finding, EXPECTED_DIFFERENCE, SERVICE_MISSING, TASK_DEFINITION_DRIFT};
use crate::diagnostics::Finding;
use indexmap::IndexMap;
use std::collections::BTreeMap;

pub fn check(envs: &[Environment], expected_differences: &[String]) -> Vec<Finding> {
    let mut findings = Vec::new();
    // service key → environment index → canonical fields (None: not read).
    let mut services: IndexMap<String, BTreeMap<usize, Option<Fields>>> = IndexMap::new();
    for (i, env) in envs.iter().enumerate() {
        for service in &env.snapshot.services {
            let fields = service
                .task_definition
                .as_ref()
                .map(|t| canonical_fields(t, &service.settings, &env.normaliser));
            services
                .entry(env.service_key(service))
                .or_default()
                .insert(i, fields);
        }
        for missing in &env.snapshot.missing_services {
            let cluster = env.snapshot.cluster.as_deref().unwrap_or("its cluster");
            findings.push(finding(
                &SERVICE_MISSING,
                &env.name,
                missing.clone(),
                format!(
                    "service `{missing}` is configured for {} but {cluster} has no such service",
                    env.name
                ),
            ));
        }
    }
    for (key, by_env) in &services {
        for (i, env) in envs.iter().enumerate() {
            let listed_missing = env
                .snapshot
                .missing_services
                .iter()
                .any(|m| env.normaliser.apply(m) == *key);
            if !by_env.contains_key(&i) && !listed_missing && !services_unreadable(env) {
                let present: Vec<&str> = by_env.keys().map(|&j| envs[j].name.as_str()).collect();
                findings.push(finding(
                    &SERVICE_MISSING,
                    &env.name,
                    key.clone(),
                    format!(
                        "service `{key}` runs in {} but not in {}",
                        present.join(", "),
                        env.name
                    ),
                ));
            }
        }
        let mut read = by_env
            .iter()
            .filter_map(|(&i, f)| f.as_ref().map(|f| (i, f)));
        let Some((reference, reference_fields)) = read.next() else {
            continue;
        };
        for (i, fields) in read {
            for (path, (was, now)) in differences(reference_fields, fields) {
                let env = &envs[i];
                let expected =
                    expected_reason(&path, was.as_deref(), now.as_deref(), expected_differences);
                let rule = if expected.is_some() {
                    &EXPECTED_DIFFERENCE
                } else {
                    &TASK_DEFINITION_DRIFT
                };
                let show = |v: &Option<String>| match v {
                    _ if path.split('.').any(looks_secret) => REDACTED.to_string(),
                    Some(v) => format!("`{v}`"),
                    None => "not set".to_string(),
                };
                let mut f = finding(
                    rule,
                    &env.name,
                    format!("{key}: {path}"),
                    format!(
                        "service `{key}`: `{path}` is {} in {} but {} in {}",
                        show(&now),
                        env.name,
                        show(&was),
                        envs[reference].name
                    ),
                );
                if let Some(reason) = expected {
                    f = f.with_note(reason);
                }
                findings.push(f);
            }
        }
    }
    findings
}

/// Whether some of the environment's services could not be read: then an absent service is
/// unknown (reported by the unreadable check), not missing.
fn services_unreadable(env: &Environment) -> bool {
    env.snapshot
        .unreadable
        .iter()
        .any(|u| u.operation == "ecs:DescribeServices" || u.operation == "ecs:ListServices")
}

/// Fields that differ: path → (reference value, this environment's value). The canonical lines
/// are diffed with `similar`, so additions, removals and changes come out in path order.
fn differences(
    reference: &Fields,
    other: &Fields,
) -> BTreeMap<String, (Option<String>, Option<String>)> {
    let line = |(k, v): (&String, &String)| format!("{k}\u{1f}{v}");
    let old: Vec<String> = reference.iter().map(line).collect();
    let new: Vec<String> = other.iter().map(line).collect();
    let old: Vec<&str> = old.iter().map(String::as_str).collect();
    let new: Vec<&str> = new.iter().map(String::as_str).collect();
    let diff = similar::TextDiff::configure().diff_slices(&old, &new);
    let mut out: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for change in diff.iter_all_changes() {
        let Some((path, value)) = change.value().split_once('\u{1f}') else {
            continue;
        };
        let entry = out.entry(path.to_string()).or_default();
        match change.tag() {
            similar::ChangeTag::Delete => entry.0 = Some(value.to_string()),
            similar::ChangeTag::Insert => entry.1 = Some(value.to_string()),
            similar::ChangeTag::Equal => {}
        }
    }
    out.retain(|_, (was, now)| was != now);
    out
}

/// Why a difference is expected, or `None` when it is drift.
fn expected_reason(
    path: &str,
    was: Option<&str>,
    now: Option<&str>,
    configured: &[String],
) -> Option<String> {
    if let Some(pattern) = configured.iter().find(|p| path_matches(p, path)) {
        return Some(format!(
            "expected: `{pattern}` is listed in [parity] expected_differences"
        ));
    }
    if path.ends_with(".image") {
        if let (Some(a), Some(b)) = (was, now) {
            if image_repository(a) == image_repository(b) {
                return Some("expected: only the image tag or digest differs".into());
            }
        }
    }
    if path.ends_with(".logConfiguration.options.awslogs-group") {
        return Some("expected: log groups are named per environment".into());
    }
    if path == "service.desiredCount" {
        return Some("expected: environments run different numbers of tasks".into());
    }
    None
}

/// `containerDefinitions.web` matches itself and every field below it; `*` matches one segment.
fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    let path: Vec<&str> = path.split('.').collect();
    pattern.len() <= path.len() && pattern.iter().zip(&path).all(|(p, s)| *p == "*" || p == s)
}

/// `123.dkr.ecr…/web:1.2` and `…/web@sha256:…` → `…/web`.
fn image_repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    let name_start = image.rfind('/').map_or(0, |i| i + 1);
    match image[name_start..].rfind(':') {
        Some(colon) => &image[..name_start + colon],
        None => image,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_repositories() {
        assert_eq!(image_repository("nginx:1.25"), "nginx");
        assert_eq!(
            image_repository("localhost:5000/web:abc"),
            "localhost:5000/web"
        );
        assert_eq!(image_repository("r/web@sha256:00"), "r/web");
        assert_eq!(image_repository("web"), "web");
    }

    #[test]
    fn configured_paths_cover_their_subtree() {
        assert!(path_matches("cpu", "cpu"));
        assert!(path_matches(
            "containerDefinitions.web",
            "containerDefinitions.web.cpu"
        ));
        assert!(path_matches(
            "containerDefinitions.*.cpu",
            "containerDefinitions.worker.cpu"
        ));
        assert!(!path_matches(
            "containerDefinitions.web.cpu",
            "containerDefinitions.web"
        ));
        assert!(!path_matches("memory", "memoryReservation"));
    }

    #[test]
    fn differences_pair_old_and_new_values_by_path() {
        let a: Fields = [
            ("a".into(), "1".into()),
            ("b".into(), "2".into()),
            ("c".into(), "3".into()),
        ]
        .into();
        let b: Fields = [
            ("a".into(), "1".into()),
            ("b".into(), "9".into()),
            ("d".into(), "4".into()),
        ]
        .into();
        let d = differences(&a, &b);
        assert_eq!(d.len(), 3);
        assert_eq!(d["b"], (Some("2".into()), Some("9".into())));
        assert_eq!(d["c"], (Some("3".into()), None));
        assert_eq!(d["d"], (None, Some("4".into())));
    }
}
