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
//! The caller may add facts it knows for certain (see `evaluate_with_context`), e.g.
//! `kms:ViaService` for the decryption Secrets Manager performs on the caller's behalf.
//!
//! Operators decided on known keys: `String(Not)Equals(IgnoreCase)`, `String(Not)Like`,
//! `Arn(Not)Equals`, `Arn(Not)Like`, `Bool`, `Null`, each also with `IfExists` (the keys above
//! are always present, so `IfExists` changes nothing). Set operators (`ForAnyValue:`,
//! `ForAllValues:`) and every other operator give `Unknown`. Within one test the values are
//! alternatives (any may match; for negated operators none may), and all tests must hold.

use super::applies::Applies;
use super::document::Condition;
use super::matching::{arn_account, arn_like, glob_matches, substitute, Arn, Variables};

/// The request facts that conditions and policy variables may use.
#[derive(Debug, Clone)]
pub(crate) struct RequestContext {
    principal_arn: String,
    principal_account: Option<String>,
    principal_type: Option<&'static str>,
    resource_account: Option<String>,
    requested_region: Option<String>,
    /// Caller-supplied facts, keys lower-cased; they take precedence over derived ones.
    supplied: Vec<(String, String)>,
}

impl RequestContext {
    pub(crate) fn new(principal_arn: &str, resource: &str, supplied: &[(&str, &str)]) -> Self {
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
            supplied: supplied
                .iter()
                .map(|(key, value)| (key.to_ascii_lowercase(), value.to_string()))
                .collect(),
        }
    }

    /// The value of a context key (case-insensitive, as AWS treats key names), if known.
    pub(crate) fn value(&self, key: &str) -> Option<String> {
        let key = key.to_ascii_lowercase();
        if let Some((_, value)) = self.supplied.iter().find(|(supplied, _)| *supplied == key) {
            return Some(value.clone());
        }
        match key.as_str() {
            "aws:principalarn" => Some(self.principal_arn.clone()),
            "aws:principalaccount" | "kms:calleraccount" => self.principal_account.clone(),
            "aws:principaltype" => self.principal_type.map(str::to_string),
            "aws:resourceaccount" => self.resource_account.clone(),
            "aws:requestedregion" => self.requested_region.clone(),
            "aws:securetransport" => Some("true".to_string()),
            _ => None,
        }
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
    if lower.starts_with("foranyvalue:") || lower.starts_with("forallvalues:") {
        return Applies::Unknown(format!(
            "has a {operator} condition on {key}; set operators are not evaluated statically"
        ));
    }
    let base = lower.strip_suffix("ifexists").unwrap_or(&lower);
    let Some(actual) = context.value(key) else {
        return Applies::Unknown(format!(
            "has a condition on {key} that cannot be evaluated statically"
        ));
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
            // Every key we know is present: `Null: true` ("key is absent") is false.
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
    if base.contains("not") {
        any_matches.not()
    } else {
        any_matches
    }
}
