//! Check 2: variable names. A name set (as `environment` or `secrets`) in a container of one
//! environment must be set in the same container of every other; names of the manifest
//! (`[env] required`, `.env.example`) must be set everywhere. Only names are compared here.

use super::environment::Environment;
use super::rules::{finding, REQUIRED_VARIABLE_MISSING, VARIABLE_MISSING};
use crate::diagnostics::Finding;
use std::collections::{BTreeMap, BTreeSet};

/// How a variable is set in one environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Plain,
    Secret,
}

/// Per environment: variable name → how it is set (anywhere in that environment).
pub fn variables(env: &Environment) -> BTreeMap<String, Kind> {
    let mut out = BTreeMap::new();
    for (_, c) in env.containers() {
        for e in &c.environment {
            out.entry(e.name.clone()).or_insert(Kind::Plain);
        }
        for s in &c.secrets {
            out.insert(s.name.clone(), Kind::Secret);
        }
    }
    out
}

pub fn check(envs: &[Environment], required: &[String]) -> Vec<Finding> {
    let mut findings = Vec::new();
    // (service key, container key) → variable name → environments that set it.
    let mut containers: BTreeMap<(String, String), BTreeMap<String, BTreeSet<usize>>> =
        BTreeMap::new();
    // (service key, container key) → environments that have that container.
    let mut present: BTreeMap<(String, String), BTreeSet<usize>> = BTreeMap::new();
    for (i, env) in envs.iter().enumerate() {
        for (service, c) in env.containers() {
            let key = (env.service_key(service), env.container_key(c));
            present.entry(key.clone()).or_default().insert(i);
            let names = containers.entry(key).or_default();
            for name in c
                .environment
                .iter()
                .map(|e| &e.name)
                .chain(c.secrets.iter().map(|s| &s.name))
            {
                names.entry(name.clone()).or_default().insert(i);
            }
        }
    }
    for (key @ (service, container), names) in &containers {
        let Some(have_container) = present.get(key) else {
            continue;
        };
        for (name, set_in) in names {
            for &i in have_container.difference(set_in) {
                let others: Vec<&str> = set_in.iter().map(|&j| envs[j].name.as_str()).collect();
                findings.push(finding(
                    &VARIABLE_MISSING,
                    &envs[i].name,
                    name.clone(),
                    format!(
                        "`{name}` is set in {} but not in {} (service `{service}`, container `{container}`)",
                        others.join(", "),
                        envs[i].name
                    ),
                ));
            }
        }
    }
    for env in envs {
        if env
            .snapshot
            .services
            .iter()
            .all(|s| s.task_definition.is_none())
        {
            continue; // nothing was read: the unreadable findings say so
        }
        let set = variables(env);
        for name in required {
            if !set.contains_key(name) {
                findings.push(finding(
                    &REQUIRED_VARIABLE_MISSING,
                    &env.name,
                    name.clone(),
                    format!(
                        "`{name}` is required by the manifest but no container in {} sets it",
                        env.name
                    ),
                ));
            }
        }
    }
    findings
}

/// Names of a `.env.example`-style file: `NAME=…`, `export NAME=…`; comments and blanks skipped.
pub fn parse_manifest(text: &str) -> Result<Vec<String>, (usize, String)> {
    let mut names = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let name = line.split('=').next().unwrap_or_default().trim();
        let valid = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid || !line.contains('=') {
            return Err((n + 1, format!("expected `NAME=value`, found `{line}`")));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_names() {
        let names = parse_manifest(
            "# app\nDATABASE_URL=\nexport REDIS_HOST=localhost\n\nPORT=8080 # web\n",
        )
        .unwrap();
        assert_eq!(names, ["DATABASE_URL", "REDIS_HOST", "PORT"]);
        assert_eq!(parse_manifest("A=1\nnot a line\n").unwrap_err().0, 2);
    }
}
