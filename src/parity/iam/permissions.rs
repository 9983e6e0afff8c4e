//! A role's permissions as a flat, comparable set, so two environments' roles can be diffed.
//!
//! Each statement expands into one [`Permission`] per (action, resource) pair, so adding one
//! resource shows as one line of difference. Which policy carries a grant is deliberately left
//! out: moving a statement from an inline to a managed policy changes nothing a caller can do.
//! The caller supplies the normaliser that maps account ids, regions and environment names to
//! placeholders (`arn:aws:secretsmanager:{region}:{account}:secret:{env}/db-*`); it is applied to
//! resource patterns and condition values. Actions are compared lower-cased, as IAM does.

use super::document::{Condition, Effect, Matcher, PolicyStatement};
use super::evaluate::PrincipalPolicies;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;

/// Whether a grant comes from the identity-based policies or limits them as the boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionSource {
    Identity,
    PermissionBoundary,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Permission {
    pub source: PermissionSource,
    pub effect: Effect,
    /// A lower-cased action pattern, or `NOT(a, b)` for `NotAction`.
    pub action: String,
    /// A normalised resource pattern, or `NOT(…)` for `NotResource`.
    pub resource: String,
    /// The statement's conditions in a canonical, normalised form.
    pub condition: Option<String>,
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} on {}", self.effect, self.action, self.resource)?;
        if let Some(condition) = &self.condition {
            write!(f, " when {condition}")?;
        }
        if self.source == PermissionSource::PermissionBoundary {
            f.write_str(" (permission boundary)")?;
        }
        Ok(())
    }
}

/// The normalised permissions of one principal: its identity-based grants and denies, and what
/// its permission boundary allows or denies.
pub fn permission_set(
    principal: &PrincipalPolicies,
    normalise: &dyn Fn(&str) -> String,
) -> BTreeSet<Permission> {
    let identity = principal
        .identity
        .iter()
        .map(|policy| (PermissionSource::Identity, policy));
    let boundary = principal
        .permission_boundary
        .iter()
        .map(|policy| (PermissionSource::PermissionBoundary, policy));
    let mut set = BTreeSet::new();
    for (source, policy) in identity.chain(boundary) {
        for statement in &policy.document.statements {
            expand(statement, source, normalise, &mut set);
        }
    }
    set
}

fn expand(
    statement: &PolicyStatement,
    source: PermissionSource,
    normalise: &dyn Fn(&str) -> String,
    set: &mut BTreeSet<Permission>,
) {
    let actions = patterns(&statement.action, &|action: &str| {
        action.to_ascii_lowercase()
    });
    let resources = match &statement.resource {
        Some(resource) => patterns(resource, normalise),
        None => vec!["(no Resource)".to_string()],
    };
    let condition = canonical_condition(&statement.conditions, normalise);
    for action in &actions {
        for resource in &resources {
            set.insert(Permission {
                source,
                effect: statement.effect,
                action: action.clone(),
                resource: resource.clone(),
                condition: condition.clone(),
            });
        }
    }
}

/// `Only` lists expand to one entry each; an `AllExcept` list is one `NOT(…)` entry.
fn patterns(matcher: &Matcher<String>, normalise: &dyn Fn(&str) -> String) -> Vec<String> {
    let mut items: Vec<String> = matcher.items().iter().map(|item| normalise(item)).collect();
    items.sort();
    items.dedup();
    match matcher {
        Matcher::Only(_) => items,
        Matcher::AllExcept(_) => vec![format!("NOT({})", items.join(", "))],
    }
}

fn canonical_condition(
    conditions: &[Condition],
    normalise: &dyn Fn(&str) -> String,
) -> Option<String> {
    let mut tests: Vec<String> = conditions
        .iter()
        .map(|condition| {
            let mut values: Vec<String> = condition
                .values
                .iter()
                .map(|value| normalise(value))
                .collect();
            values.sort();
            format!(
                "{} {} [{}]",
                condition.operator,
                condition.key.to_ascii_lowercase(),
                values.join(", ")
            )
        })
        .collect();
    tests.sort();
    (!tests.is_empty()).then(|| tests.join(" and "))
}
