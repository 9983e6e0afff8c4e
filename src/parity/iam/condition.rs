//! `Condition` blocks, decided only where the answer follows from the request itself.
//!
//! Static evaluation knows no request-time context (source VPC, IP, tags, time, MFA…), so a
//! condition on any other key is `Unknown`. These keys are derived from the request:
//!
//! | key | value |
//! | --- | --- |
//! | `aws:PrincipalArn` | the principal's ARN (for a role: the role ARN, as AWS sets it for its sessions) |
//! | `aws:PrincipalAccount`, `kms:CallerAccount` | the account field of the principal's ARN |
//! | `aws:PrincipalType` | `AssumedRole` for a role (it acts through sessions), `User` for an IAM user |
//! | `aws:ResourceAccount` | the account field of the resource ARN, when it has one |
//! | `aws:RequestedRegion` | the region field of the resource ARN, when it has one: ECS reads a secret and decrypts its key in the region where they live |
//! | `aws:SecureTransport` | `true`: AWS service clients (the ECS agent) always call over TLS |
//!
//! The caller may add facts it knows for certain with [`RequestFacts`]: `kms:ViaService` for
//! the decryption Secrets Manager performs on the caller's behalf, or a secret's complete tag
//! set, which makes a condition on a tag the secret lacks decidable too (a missing key fails a
//! condition, except under `…IfExists`, a negated operator such as `StringNotEquals`, or
//! `Null: true`).
//!
//! Operators decided on known keys: `String(Not)Equals(IgnoreCase)`, `String(Not)Like`,
//! `Arn(Not)Equals`, `Arn(Not)Like`, `Bool`, `Null`, each also with `IfExists` (the keys above
//! are always present, so `IfExists` changes nothing). Every key above is single-valued, so
//! the set operators are decided too, as AWS defines them on a set of at most one value:
//! `ForAllValues:` holds when the key is absent or empty and otherwise tests the value as the
//! operator without it does; `ForAnyValue:` fails when the key is absent or empty (unless
//! `…IfExists`). Every other operator gives `Unknown`. Within one test the values are
//! alternatives (any may match; for negated operators none may), and all tests must hold.

use super::applies::Applies;
use super::document::Condition;
use super::matching::{arn_account, arn_like, glob_matches, substitute, Arn, Variables};

/// Facts about a request that the caller knows for certain, beyond those the evaluator derives
/// from the request itself, so that conditions on them are decided instead of unknown.
///
/// ```
/// use preflight::parity::iam::RequestFacts;
/// // ECS reading a secret: Secrets Manager decrypts with the key on the role's behalf.
/// let facts = RequestFacts::new()
///     .with("kms:ViaService", "secretsmanager.us-east-1.amazonaws.com")
///     .resource_tags("secretsmanager", [("team", "payments")]);
/// # let _ = facts;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct RequestFacts {
    /// `(key, value)`, keys lower-cased: AWS compares condition key names case-insensitively.
    values: Vec<(String, String)>,
    /// Lower-cased key prefixes whose keys are all in `values`: any other is known absent.
    complete_prefixes: Vec<String>,
}

impl RequestFacts {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a known `(condition key, value)`; it takes precedence over a derived value.
    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.values
            .push((key.to_ascii_lowercase(), value.to_string()));
        self
    }

    /// Declares that every key starting with `prefix` has been given with [`Self::with`]: a
    /// condition on another key with that prefix tests a key known to be absent.
    pub fn complete(mut self, prefix: &str) -> Self {
        self.complete_prefixes.push(prefix.to_ascii_lowercase());
        self
    }

    /// All of the resource's tags, as both `aws:ResourceTag/KEY` and `SERVICE:ResourceTag/KEY`
    /// (Secrets Manager policies use either); a tag it does not have is then known absent.
    pub fn resource_tags<K: AsRef<str>, V: AsRef<str>>(
        mut self,
        service: &str,
        tags: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let prefixes = [
            "aws:ResourceTag/".to_string(),
            format!("{service}:ResourceTag/"),
        ];
        for (key, value) in tags {
            for prefix in &prefixes {
                self = self.with(&format!("{prefix}{}", key.as_ref()), value.as_ref());
            }
        }
        for prefix in &prefixes {
            self = self.complete(prefix);
        }
        self
    }
}

/// What is known of one context key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    Present(String),
    /// Known not to be in the request context.
    Absent,
    Unknown,
}

/// The request facts that conditions and policy variables may use.
#[derive(Debug, Clone)]
pub(crate) struct RequestContext {
    principal_arn: String,
    principal_account: Option<String>,
    principal_type: Option<&'static str>,
    resource_account: Option<String>,
    requested_region: Option<String>,
    facts: RequestFacts,
}

impl RequestContext {
    pub(crate) fn new(principal_arn: &str, resource: &str, facts: &RequestFacts) -> Self {
        let principal = Arn::parse(principal_arn);
        let principal_type = principal.and_then(|arn| match arn.resource.split('/').next() {
            Some("role") => Some("AssumedRole"),
            Some("user") => Some("User"),
            _ => None,
        });
        RequestContext {
            principal_arn: principal_arn.to_string(),
            principal_account: arn_account(principal_arn).map(str::to_string),
            principal_type,
            resource_account: arn_account(resource).map(str::to_string),
            requested_region: Arn::parse(resource)
                .map(|arn| arn.region)
                .filter(|region| !region.is_empty())
                .map(str::to_string),
            facts: facts.clone(),
        }
    }

    /// The value of a context key (case-insensitive, as AWS treats key names), if present.
    pub(crate) fn value(&self, key: &str) -> Option<String> {
        match self.lookup(key) {
            Lookup::Present(value) => Some(value),
            Lookup::Absent | Lookup::Unknown => None,
        }
    }

    pub(crate) fn lookup(&self, key: &str) -> Lookup {
        let key = key.to_ascii_lowercase();
        if let Some((_, value)) = self.facts.values.iter().find(|(known, _)| *known == key) {
            return Lookup::Present(value.clone());
        }
        if self
            .facts
            .complete_prefixes
            .iter()
            .any(|prefix| key.starts_with(prefix.as_str()))
        {
            return Lookup::Absent;
        }
        let derived = match key.as_str() {
            // A service principal (trust policies) has no ARN.
            "aws:principalarn" => Some(self.principal_arn.clone()).filter(|a| !a.is_empty()),
            "aws:principalaccount" | "kms:calleraccount" => self.principal_account.clone(),
            "aws:principaltype" => self.principal_type.map(str::to_string),
            "aws:resourceaccount" => self.resource_account.clone(),
            "aws:requestedregion" => self.requested_region.clone(),
            "aws:securetransport" => Some("true".to_string()),
            _ => None,
        };
        derived.map_or(Lookup::Unknown, Lookup::Present)
    }
}

/// Do all of a statement's conditions hold? Policy variables in values are interpreted only
/// when `variables_enabled` (policy version 2012-10-17).
pub(crate) fn evaluate_conditions(
    conditions: &[Condition],
    context: &RequestContext,
    variables_enabled: bool,
) -> Applies {
    let mut result = Applies::Yes;
    for condition in conditions {
        match evaluate_condition(condition, context, variables_enabled) {
            Applies::No => return Applies::No,
            unknown @ Applies::Unknown(_) if result == Applies::Yes => result = unknown,
            _ => {}
        }
    }
    result
}

/// The `ForAllValues:` / `ForAnyValue:` qualifier of a condition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOperator {
    ForAllValues,
    ForAnyValue,
}

impl SetOperator {
    /// The qualifier, if any, and the operator after it (`operator` lower-cased).
    fn split(operator: &str) -> (Option<SetOperator>, &str) {
        if let Some(rest) = operator.strip_prefix("forallvalues:") {
            (Some(SetOperator::ForAllValues), rest)
        } else if let Some(rest) = operator.strip_prefix("foranyvalue:") {
            (Some(SetOperator::ForAnyValue), rest)
        } else {
            (None, operator)
        }
    }
}

fn evaluate_condition(
    condition: &Condition,
    context: &RequestContext,
    variables_enabled: bool,
) -> Applies {
    let Condition {
        operator,
        key,
        values,
    } = condition;
    let lower = operator.to_ascii_lowercase();
    let (set, lower) = SetOperator::split(&lower);
    let if_exists = lower.ends_with("ifexists");
    let base = lower.strip_suffix("ifexists").unwrap_or(lower);
    let negated = base.contains("not");
    if set.is_some() && base == "null" {
        return Applies::Unknown(format!(
            "has a {operator} condition on {key}, an operator not evaluated statically"
        ));
    }
    let actual = match (context.lookup(key), set) {
        // Every key the evaluator knows is single-valued: a set of one value (or none).
        // AWS: ForAllValues holds on an empty set (a missing key or an empty value), ForAnyValue
        // does not; otherwise the one value is tested as without the qualifier.
        (Lookup::Absent, Some(set)) => {
            return Applies::from_bool(set == SetOperator::ForAllValues || if_exists)
        }
        (Lookup::Present(actual), Some(set)) if actual.is_empty() => {
            return Applies::from_bool(set == SetOperator::ForAllValues)
        }
        (Lookup::Present(actual), _) => actual,
        (Lookup::Unknown, _) => {
            return Applies::Unknown(format!(
                "has a condition on {key} that cannot be evaluated statically"
            ))
        }
        // AWS: a missing key fails a condition, except under `IfExists`, a negated operator, or
        // `Null: true`.
        (Lookup::Absent, None) if base == "null" => {
            return Applies::from_bool(values.iter().any(|v| v.eq_ignore_ascii_case("true")))
        }
        (Lookup::Absent, None) => return Applies::from_bool(if_exists || negated),
    };
    let resolve = |name: &str| context.value(name);
    let variables: Option<Variables<'_>> = variables_enabled.then_some(&resolve);
    // Each value: does it match `actual` under this operator (before negation)?
    let compare = |value: &str| -> Applies {
        let literal = || match variables {
            Some(vars) => substitute(value, vars).map_err(|unresolved| unresolved.0),
            None => Ok(value.to_string()),
        };
        let outcome = match base {
            "stringequals" | "stringnotequals" => literal().map(|v| v == actual),
            "stringequalsignorecase" | "stringnotequalsignorecase" => {
                literal().map(|v| v.to_lowercase() == actual.to_lowercase())
            }
            "stringlike" | "stringnotlike" => {
                glob_matches(value, &actual, variables).map_err(|u| u.0)
            }
            "arnequals" | "arnlike" | "arnnotequals" | "arnnotlike" => {
                literal().map(|v| arn_like(&v, &actual))
            }
            "bool" => Ok(value.eq_ignore_ascii_case(&actual)),
            // The key is present: `Null: true` ("key is absent") is false.
            "null" => Ok(value.eq_ignore_ascii_case("false")),
            _ => {
                return Applies::Unknown(format!(
                    "has a {operator} condition on {key}, an operator not evaluated statically"
                ))
            }
        };
        match outcome {
            Ok(matched) => Applies::from_bool(matched),
            Err(variable) => Applies::Unknown(format!(
                "has a condition on {key} using the policy variable ${{{variable}}}, whose value is not known statically"
            )),
        }
    };
    let any_matches = Applies::any(values.iter().map(|value| compare(value)));
    if negated {
        any_matches.not()
    } else {
        any_matches
    }
}
