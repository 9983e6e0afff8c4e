//! One environment as the checks see it: its snapshot (from a file or read live), whether it
//! is production, and the normaliser that makes its values comparable with the others.

use super::normalise::Normaliser;
use super::snapshot::{
    ContainerDefinition, KeyRecord, ParameterRecord, RoleRecord, SecretRecord, ServiceSnapshot,
    Snapshot,
};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub production: bool,
    pub snapshot: Snapshot,
    pub normaliser: Normaliser,
    index: Index,
}

/// Record positions by reference, so lookups stay constant-time with thousands of secrets.
#[derive(Debug, Clone, Default)]
struct Index {
    secrets: HashMap<String, usize>,
    parameters: HashMap<String, usize>,
    keys: HashMap<String, usize>,
    roles: HashMap<String, usize>,
}

fn positions<'a>(keys: impl Iterator<Item = &'a String>) -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for (i, k) in keys.enumerate() {
        map.entry(k.clone()).or_insert(i);
    }
    map
}

impl Environment {
    pub fn new(name: impl Into<String>, production: Option<bool>, snapshot: Snapshot) -> Self {
        let name = name.into();
        let production = production.unwrap_or_else(|| is_production_name(&name));
        let normaliser =
            Normaliser::new(&name, snapshot.region.as_deref()).with_name(&snapshot.environment);
        let index = Index {
            secrets: positions(snapshot.secrets.iter().map(|r| &r.reference)),
            parameters: positions(snapshot.parameters.iter().map(|r| &r.reference)),
            keys: positions(snapshot.keys.iter().map(|r| &r.reference)),
            roles: positions(snapshot.roles.iter().map(|r| &r.arn)),
        };
        Environment {
            name,
            production,
            snapshot,
            normaliser,
            index,
        }
    }

    pub fn secret(&self, reference: &str) -> Option<&SecretRecord> {
        let i = *self.index.secrets.get(reference)?;
        self.snapshot.secrets.get(i)
    }

    pub fn parameter(&self, reference: &str) -> Option<&ParameterRecord> {
        let i = *self.index.parameters.get(reference)?;
        self.snapshot.parameters.get(i)
    }

    pub fn key(&self, reference: &str) -> Option<&KeyRecord> {
        let i = *self.index.keys.get(reference)?;
        self.snapshot.keys.get(i)
    }

    pub fn role(&self, arn: &str) -> Option<&RoleRecord> {
        let i = *self.index.roles.get(arn)?;
        self.snapshot.roles.get(i)
    }

    /// The service's name with environment names, accounts and regions normalised, so that
    /// `web-staging` and `web-production` are the same service.
    pub fn service_key(&self, service: &ServiceSnapshot) -> String {
        self.normaliser.apply(&service.name)
    }

    pub fn container_key(&self, container: &ContainerDefinition) -> String {
        self.normaliser.apply(&container.name)
    }

    /// Every container of every service whose task definition was read.
    pub fn containers(&self) -> impl Iterator<Item = (&ServiceSnapshot, &ContainerDefinition)> {
        self.snapshot.services.iter().flat_map(|s| {
            s.task_definition
                .iter()
                .flat_map(move |t| t.container_definitions.iter().map(move |c| (s, c)))
        })
    }
}

/// `production`, `prod`, `prd` and names starting with `prod` are production by default.
pub fn is_production_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "prd" || lower.starts_with("prod")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_names() {
        assert!(is_production_name("production"));
        assert!(is_production_name("Prod-EU"));
        assert!(is_production_name("prd"));
        assert!(!is_production_name("staging"));
        assert!(!is_production_name("preprod"));
    }
}
