//! Check 5: values. In production, a variable that points at the container itself (localhost,
//! 127.0.0.1, ::1, 0.0.0.0, also inside URLs), at a name that resolves only on a developer's
//! machine (`host.docker.internal`, `*.localhost`; `*.local` as a warning), or holds a template
//! placeholder (also as a URL's user, password or host) is an error; in any environment an empty
//! value for a required name is. Values of secret-looking names are never shown.

use super::credentials::{ValueTrait, PLACEHOLDER_WORDS};
use super::environment::Environment;
use super::plaintext::traits;
use super::redact::{looks_secret, REDACTED};
use super::rules::{
    finding, EMPTY_REQUIRED_VALUE, LOOPBACK_IN_PRODUCTION, PLACEHOLDER_IN_PRODUCTION,
};
use crate::diagnostics::{Finding, Severity};
use std::collections::BTreeSet;

pub fn check(envs: &[Environment], required: &[String]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for env in envs {
        let mut seen = BTreeSet::new();
        for (service, c) in env.containers() {
            for var in &c.environment {
                let at = format!("service `{}`, container `{}`", service.name, c.name);
                if !seen.insert((var.name.clone(), var.value.clone())) {
                    continue; // the same name and value in several containers: one finding
                }
                if var.value.trim().is_empty() {
                    if required.contains(&var.name) {
                        findings.push(finding(
                            &EMPTY_REQUIRED_VALUE,
                            &env.name,
                            var.name.clone(),
                            format!(
                                "`{}` is required but empty in {} ({at})",
                                var.name, env.name
                            ),
                        ));
                    }
                    continue;
                }
                // A stored `<redacted>` is a secret the snapshot refused to keep: nothing to judge.
                if !env.production || var.value == REDACTED {
                    continue;
                }
                if let Some((host, kind)) = local_only_host(&var.value) {
                    let shown = match (looks_secret(&var.name), kind) {
                        (true, _) => kind.what().to_string(),
                        (false, HostKind::Loopback) => format!("`{host}`"),
                        (false, _) => format!("`{host}` ({})", kind.what()),
                    };
                    let mut f = finding(
                        &LOOPBACK_IN_PRODUCTION,
                        &env.name,
                        var.name.clone(),
                        format!("`{}` points at {shown} in {} ({at})", var.name, env.name),
                    )
                    .with_note(kind.note());
                    if kind == HostKind::Mdns {
                        f.severity = Severity::Warning;
                    }
                    findings.push(f);
                } else if let Some(what) = placeholder(&var.value).or_else(|| {
                    traits(c, var)
                        .into_iter()
                        .find(|t| {
                            matches!(
                                t,
                                ValueTrait::PlaceholderUser
                                    | ValueTrait::PlaceholderPassword
                                    | ValueTrait::PlaceholderHost
                            )
                        })
                        .map(ValueTrait::describe)
                }) {
                    findings.push(finding(
                        &PLACEHOLDER_IN_PRODUCTION,
                        &env.name,
                        var.name.clone(),
                        format!(
                            "`{}` holds a placeholder ({what}) in {} ({at})",
                            var.name, env.name
                        ),
                    ));
                }
            }
        }
    }
    findings
}

/// Why a host cannot be reached from an ECS task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// localhost, 127.0.0.0/8, ::1, 0.0.0.0, `*.localhost`.
    Loopback,
    /// A name Docker Desktop, Podman or a local VM provides (`host.docker.internal`).
    DeveloperMachine,
    /// `*.local`: multicast DNS, unless a private DNS zone of that name exists.
    Mdns,
}

impl HostKind {
    fn what(self) -> &'static str {
        match self {
            HostKind::Loopback => "a loopback address",
            HostKind::DeveloperMachine => "a name that exists only on a developer's machine",
            HostKind::Mdns => "a multicast-DNS `.local` name",
        }
    }

    fn note(self) -> &'static str {
        match self {
            HostKind::Loopback => "inside the container this is the container itself; use the service's real endpoint",
            HostKind::DeveloperMachine => "Docker Desktop and Podman provide this name; it does not resolve on ECS or Fargate; use the service's real endpoint",
            HostKind::Mdns => "`.local` is multicast DNS, which a VPC does not answer; it resolves only if a Route 53 private hosted zone or Cloud Map namespace of that name serves the task's VPC (a warning, not an error, for that reason)",
        }
    }
}

/// The loopback or unspecified host a value points at, if any: the value itself, a `host:port`,
/// or the host of a URL (`redis://localhost:6379`, `postgres://u:p@127.0.0.1/db`).
pub fn loopback_host(value: &str) -> Option<String> {
    local_only_host(value)
        .filter(|(_, kind)| *kind == HostKind::Loopback)
        .map(|(host, _)| host)
}

/// A host the value points at that an ECS task cannot reach, and why.
pub fn local_only_host(value: &str) -> Option<(String, HostKind)> {
    let value = value.trim();
    let authority = match value.find("://") {
        Some(i) => {
            let rest = &value[i + 3..];
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let authority = &rest[..end];
            authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host)
        }
        None => value,
    };
    // Several hosts may be listed: `h1:6379,h2:6379`.
    authority.split(',').find_map(|h| {
        let host = host_of(h.trim());
        host_kind(&host).map(|kind| (host, kind))
    })
}

fn host_of(authority: &str) -> String {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_string();
    }
    // A bare IPv6 address has several colons; otherwise a colon starts the port.
    if authority.matches(':').count() > 1 {
        return authority.to_string();
    }
    authority.split(':').next().unwrap_or_default().to_string()
}

/// Names that Docker Desktop, Podman, Lima, Rancher Desktop and minikube add to a developer's
/// machine; none of them resolves in a VPC.
const DEVELOPER_MACHINE_NAMES: &[&str] = &[
    "host.docker.internal",
    "gateway.docker.internal",
    "kubernetes.docker.internal",
    "docker.for.mac.localhost",
    "docker.for.mac.host.internal",
    "docker.for.win.localhost",
    "host.containers.internal",
    "host.lima.internal",
    "host.rancher-desktop.internal",
    "host.minikube.internal",
];

fn host_kind(host: &str) -> Option<HostKind> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") || host == "0.0.0.0" {
        return Some(HostKind::Loopback);
    }
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return (ip.is_loopback() || ip.is_unspecified()).then_some(HostKind::Loopback);
    }
    if DEVELOPER_MACHINE_NAMES.contains(&host.as_str()) || host.ends_with(".docker.internal") {
        return Some(HostKind::DeveloperMachine);
    }
    if host.ends_with(".local") && host.len() > ".local".len() {
        return Some(HostKind::Mdns);
    }
    None
}

fn placeholder(value: &str) -> Option<&'static str> {
    let lower = value.trim().to_ascii_lowercase();
    if PLACEHOLDER_WORDS.contains(&lower.as_str()) {
        return Some("a template word");
    }
    if lower.starts_with('<') && lower.ends_with('>') {
        return Some("`<…>`");
    }
    if lower.contains("${") {
        return Some("an unexpanded `${…}`");
    }
    let host = lower.split("://").nth(1).unwrap_or(&lower);
    let host = host.split(['/', ':', '?']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    if ["example.com", "example.org", "example.net"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
    {
        return Some("an example.com host");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_values() {
        for (value, host) in [
            ("localhost", "localhost"),
            ("LOCALHOST", "LOCALHOST"),
            ("127.0.0.1", "127.0.0.1"),
            ("127.0.1.1:8080", "127.0.1.1"),
            ("::1", "::1"),
            ("[::1]:6379", "::1"),
            ("0.0.0.0", "0.0.0.0"),
            ("redis://localhost:6379", "localhost"),
            ("postgres://app:pw@127.0.0.1:5432/app", "127.0.0.1"),
            ("db1.internal:5432,localhost:5432", "localhost"),
        ] {
            assert_eq!(loopback_host(value).as_deref(), Some(host), "{value}");
        }
        for (value, host, kind) in [
            (
                "host.docker.internal",
                "host.docker.internal",
                HostKind::DeveloperMachine,
            ),
            (
                "redis://gateway.docker.internal:6379",
                "gateway.docker.internal",
                HostKind::DeveloperMachine,
            ),
            (
                "HOST.CONTAINERS.INTERNAL:5432",
                "HOST.CONTAINERS.INTERNAL",
                HostKind::DeveloperMachine,
            ),
            ("api.localhost:3000", "api.localhost", HostKind::Loopback),
            ("postgres://a:b@db.local/app", "db.local", HostKind::Mdns),
        ] {
            assert_eq!(
                local_only_host(value),
                Some((host.to_string(), kind)),
                "{value}"
            );
        }
        for value in [
            "docker.internal.example.org",
            "local",
            "redis.internal",
            "redis://cache.prod.internal:6379",
            "10.0.0.1",
            "localhost-proxy.internal",
            "8080",
            "true",
        ] {
            assert_eq!(local_only_host(value), None, "{value}");
        }
    }

    #[test]
    fn placeholders() {
        assert!(placeholder("changeme").is_some());
        assert!(placeholder("<your-key>").is_some());
        assert!(placeholder("${API_URL}").is_some());
        assert!(placeholder("https://api.example.com/v1").is_some());
        assert!(placeholder("https://api.stripe.com").is_none());
        assert!(placeholder("production").is_none());
    }
}
