//! Check 5: values. In production, a variable that points at the container itself (localhost,
//! 127.0.0.1, ::1, 0.0.0.0, also inside URLs) or holds a template placeholder is an error; in any
//! environment an empty value for a required name is. Values of secret-looking names are never
//! shown.

use super::environment::Environment;
use super::redact::{looks_secret, REDACTED};
use super::rules::{
    finding, EMPTY_REQUIRED_VALUE, LOOPBACK_IN_PRODUCTION, PLACEHOLDER_IN_PRODUCTION,
};
use crate::diagnostics::Finding;
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
                if let Some(host) = loopback_host(&var.value) {
                    let shown = if looks_secret(&var.name) {
                        "a loopback address".to_string()
                    } else {
                        format!("`{host}`")
                    };
                    findings.push(
                        finding(
                            &LOOPBACK_IN_PRODUCTION,
                            &env.name,
                            var.name.clone(),
                            format!("`{}` points at {shown} in {} ({at})", var.name, env.name),
                        )
                        .with_note("inside the container this is the container itself; use the service's real endpoint"),
                    );
                } else if let Some(what) = placeholder(&var.value) {
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

/// The loopback or unspecified host a value points at, if any: the value itself, a `host:port`,
/// or the host of a URL (`redis://localhost:6379`, `postgres://u:p@127.0.0.1/db`).
pub fn loopback_host(value: &str) -> Option<String> {
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
        is_loopback(&host).then_some(host)
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

fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") || host == "0.0.0.0" {
        return true;
    }
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return ip.is_loopback() || ip.is_unspecified();
    }
    false
}

fn placeholder(value: &str) -> Option<&'static str> {
    let lower = value.trim().to_ascii_lowercase();
    const WORDS: &[&str] = &[
        "changeme",
        "change-me",
        "change_me",
        "todo",
        "tbd",
        "fixme",
        "placeholder",
        "xxx",
        "replace-me",
        "replaceme",
    ];
    if WORDS.contains(&lower.as_str()) {
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
        for value in [
            "redis.internal",
            "redis://cache.prod.internal:6379",
            "10.0.0.1",
            "localhost-proxy.internal",
            "8080",
            "true",
        ] {
            assert_eq!(loopback_host(value), None, "{value}");
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
