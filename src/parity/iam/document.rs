//! Parsing IAM policy documents into a typed form.
//!
//! The parser is strict about structure (an unknown element such as `Resources` would silently
//! change what a statement means, so it is an error) and lenient about the two encodings AWS
//! uses: IAM's `GetPolicyVersion` / `GetRolePolicy` return the JSON URL-encoded (RFC 3986), while
//! Secrets Manager, snapshots and moto return it raw. Element names are matched
//! case-insensitively so that any document AWS accepted is read, never rejected.

use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// A policy document that could not be read. The message names the element
/// (`Statement[1].Action: …`) and never contains more of the document than that element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyParseError {
    pub message: String,
}

impl PolicyParseError {
    fn at(path: &str, message: impl fmt::Display) -> Self {
        PolicyParseError {
            message: format!("{path}: {message}"),
        }
    }
}

/// The policy language version. It matters for one thing: policy variables (`${aws:username}`)
/// are only interpreted under `2012-10-17`; under `2008-10-17` (the default when `Version` is
/// absent) they are literal text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum PolicyVersion {
    #[default]
    #[serde(rename = "2008-10-17")]
    V2008_10_17,
    #[serde(rename = "2012-10-17")]
    V2012_10_17,
}

impl PolicyVersion {
    pub fn has_policy_variables(self) -> bool {
        self == PolicyVersion::V2012_10_17
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// `Action`/`Resource`/`Principal` list the items a statement covers; their `Not…` forms cover
/// everything except the listed items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Matcher<T> {
    Only(Vec<T>),
    AllExcept(Vec<T>),
}

impl<T> Matcher<T> {
    pub fn items(&self) -> &[T] {
        match self {
            Matcher::Only(items) | Matcher::AllExcept(items) => items,
        }
    }

    pub fn is_negated(&self) -> bool {
        matches!(self, Matcher::AllExcept(_))
    }
}

/// One entry of a `Principal` / `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PrincipalEntry {
    /// `"Principal": "*"`: everyone, including anonymous callers.
    Everyone,
    /// `{"AWS": …}`: an account id, an `…:root` ARN, a user/role ARN, a session ARN or `"*"`.
    Aws(String),
    Service(String),
    Federated(String),
    CanonicalUser(String),
}

/// One `"Operator": {"key": values}` test of a `Condition` block. The operator keeps its
/// qualifiers as written (`ForAnyValue:StringLike`, `ArnEqualsIfExists`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyStatement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub action: Matcher<String>,
    /// `None` when the statement has neither `Resource` nor `NotResource`: a resource policy
    /// statement then covers the resource it is attached to (IAM rejects such identity policies).
    pub resource: Option<Matcher<String>>,
    /// Only meaningful in resource policies; identity policies cannot carry it.
    pub principal: Option<Matcher<PrincipalEntry>>,
    /// All of these must hold for the statement to apply.
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PolicyDocument {
    pub version: PolicyVersion,
    pub statements: Vec<PolicyStatement>,
}

impl PolicyDocument {
    /// Accepts a JSON string as AWS returns it: URL-encoded (GetPolicyVersion, GetRolePolicy) or
    /// raw (Secrets Manager, moto, snapshot files).
    pub fn parse(text: &str) -> Result<Self, PolicyParseError> {
        let json = decode(text)?;
        let value: Value = serde_json::from_str(&json).map_err(|e| PolicyParseError {
            message: format!("policy document is not valid JSON: {e}"),
        })?;
        Self::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Self, PolicyParseError> {
        let object = value.as_object().ok_or_else(|| PolicyParseError {
            message: format!(
                "policy document must be a JSON object, found {}",
                kind(value)
            ),
        })?;
        let mut version = PolicyVersion::default();
        let mut statements = None;
        for (key, value) in object {
            match key.to_ascii_lowercase().as_str() {
                "version" => version = parse_version(value)?,
                "id" => {}
                "statement" => statements = Some(parse_statements(value)?),
                _ => {
                    return Err(PolicyParseError {
                        message: format!(
                            "unknown policy element \"{key}\" (expected Version, Id, Statement)"
                        ),
                    })
                }
            }
        }
        let statements = statements.ok_or_else(|| PolicyParseError {
            message: "policy document has no Statement element".to_string(),
        })?;
        Ok(PolicyDocument {
            version,
            statements,
        })
    }
}

/// Raw JSON starts with `{`; anything else that contains a `%` escape is URL-encoded.
fn decode(text: &str) -> Result<Cow<'_, str>, PolicyParseError> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') || !trimmed.contains('%') {
        return Ok(Cow::Borrowed(trimmed));
    }
    percent_decode_str(trimmed)
        .decode_utf8()
        .map_err(|_| PolicyParseError {
            message: "URL-encoded policy document does not decode to UTF-8".to_string(),
        })
}

fn parse_version(value: &Value) -> Result<PolicyVersion, PolicyParseError> {
    match value.as_str() {
        Some("2012-10-17") => Ok(PolicyVersion::V2012_10_17),
        Some("2008-10-17") => Ok(PolicyVersion::V2008_10_17),
        _ => Err(PolicyParseError::at(
            "Version",
            format!(
                "expected \"2012-10-17\" or \"2008-10-17\", found {}",
                short(value)
            ),
        )),
    }
}

/// `Statement` is an array of statements or, equally valid, one statement object.
fn parse_statements(value: &Value) -> Result<Vec<PolicyStatement>, PolicyParseError> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| parse_statement(item, &format!("Statement[{index}]")))
            .collect(),
        Value::Object(_) => Ok(vec![parse_statement(value, "Statement")?]),
        other => Err(PolicyParseError::at(
            "Statement",
            format!(
                "expected an object or an array of objects, found {}",
                kind(other)
            ),
        )),
    }
}

fn parse_statement(value: &Value, path: &str) -> Result<PolicyStatement, PolicyParseError> {
    let object = value.as_object().ok_or_else(|| {
        PolicyParseError::at(path, format!("expected an object, found {}", kind(value)))
    })?;
    let mut sid = None;
    let mut effect = None;
    let mut action = None;
    let mut resource = None;
    let mut principal = None;
    let mut conditions = Vec::new();
    for (key, value) in object {
        let element = format!("{path}.{key}");
        match key.to_ascii_lowercase().as_str() {
            "sid" => {
                sid = Some(
                    value
                        .as_str()
                        .ok_or_else(|| {
                            PolicyParseError::at(&element, format!("expected a string, found {}", kind(value)))
                        })?
                        .to_string(),
                )
            }
            "effect" => effect = Some(parse_effect(value, &element)?),
            "action" => set_once(&mut action, Matcher::Only(strings(value, &element)?), path, "Action")?,
            "notaction" => set_once(&mut action, Matcher::AllExcept(strings(value, &element)?), path, "Action")?,
            "resource" => set_once(&mut resource, Matcher::Only(strings(value, &element)?), path, "Resource")?,
            "notresource" => {
                set_once(&mut resource, Matcher::AllExcept(strings(value, &element)?), path, "Resource")?
            }
            "principal" => set_once(&mut principal, Matcher::Only(principals(value, &element)?), path, "Principal")?,
            "notprincipal" => {
                set_once(&mut principal, Matcher::AllExcept(principals(value, &element)?), path, "Principal")?
            }
            "condition" => conditions = parse_conditions(value, &element)?,
            _ => {
                return Err(PolicyParseError::at(
                    path,
                    format!(
                        "unknown statement element \"{key}\" (expected Sid, Effect, Action, NotAction, \
                         Resource, NotResource, Principal, NotPrincipal, Condition)"
                    ),
                ))
            }
        }
    }
    let effect = effect.ok_or_else(|| PolicyParseError::at(path, "statement has no Effect"))?;
    let action = action
        .ok_or_else(|| PolicyParseError::at(path, "statement has neither Action nor NotAction"))?;
    Ok(PolicyStatement {
        sid,
        effect,
        action,
        resource,
        principal,
        conditions,
    })
}

/// `Action` and `NotAction` (and the other pairs) exclude each other.
fn set_once<T>(
    slot: &mut Option<T>,
    value: T,
    path: &str,
    element: &str,
) -> Result<(), PolicyParseError> {
    if slot.is_some() {
        return Err(PolicyParseError::at(
            path,
            format!("statement has both {element} and Not{element}; use one of them"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

fn parse_effect(value: &Value, path: &str) -> Result<Effect, PolicyParseError> {
    match value.as_str().map(str::to_ascii_lowercase).as_deref() {
        Some("allow") => Ok(Effect::Allow),
        Some("deny") => Ok(Effect::Deny),
        _ => Err(PolicyParseError::at(
            path,
            format!("expected \"Allow\" or \"Deny\", found {}", short(value)),
        )),
    }
}

/// A string or a non-empty array of strings.
fn strings(value: &Value, path: &str) -> Result<Vec<String>, PolicyParseError> {
    let expected = "expected a string or a non-empty array of strings";
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                item.as_str().map(str::to_string).ok_or_else(|| {
                    PolicyParseError::at(
                        &format!("{path}[{index}]"),
                        format!("expected a string, found {}", kind(item)),
                    )
                })
            })
            .collect(),
        Value::Array(_) => Err(PolicyParseError::at(
            path,
            format!("{expected}, found an empty array"),
        )),
        other => Err(PolicyParseError::at(
            path,
            format!("{expected}, found {}", kind(other)),
        )),
    }
}

/// `"*"` or an object mapping principal types (`AWS`, `Service`, …) to strings or arrays.
fn principals(value: &Value, path: &str) -> Result<Vec<PrincipalEntry>, PolicyParseError> {
    let object = match value {
        Value::String(s) if s == "*" => return Ok(vec![PrincipalEntry::Everyone]),
        Value::Object(object) => object,
        other => {
            return Err(PolicyParseError::at(
                path,
                format!(
                    "expected \"*\" or an object such as {{\"AWS\": \"…\"}}, found {}",
                    short(other)
                ),
            ))
        }
    };
    let mut entries = Vec::new();
    for (kind_name, ids) in object {
        let make: fn(String) -> PrincipalEntry = match kind_name.to_ascii_lowercase().as_str() {
            "aws" => PrincipalEntry::Aws,
            "service" => PrincipalEntry::Service,
            "federated" => PrincipalEntry::Federated,
            "canonicaluser" => PrincipalEntry::CanonicalUser,
            _ => {
                return Err(PolicyParseError::at(
                    path,
                    format!(
                        "unknown principal type \"{kind_name}\" (expected AWS, Service, Federated, CanonicalUser)"
                    ),
                ))
            }
        };
        entries.extend(
            strings(ids, &format!("{path}.{kind_name}"))?
                .into_iter()
                .map(make),
        );
    }
    if entries.is_empty() {
        return Err(PolicyParseError::at(path, "names no principal"));
    }
    Ok(entries)
}

fn parse_conditions(value: &Value, path: &str) -> Result<Vec<Condition>, PolicyParseError> {
    let operators = object_at(value, path)?;
    let mut conditions = Vec::new();
    for (operator, tests) in operators {
        let operator_path = format!("{path}.{operator}");
        for (key, values) in object_at(tests, &operator_path)? {
            conditions.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values: condition_values(values, &format!("{operator_path}.{key}"))?,
            });
        }
    }
    Ok(conditions)
}

/// Condition values are strings, but AWS accepts JSON booleans and numbers too
/// (`"Bool": {"aws:SecureTransport": false}`); they compare as their text.
fn condition_values(value: &Value, path: &str) -> Result<Vec<String>, PolicyParseError> {
    let scalar = |item: &Value| match item {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .map(|item| {
            scalar(item).ok_or_else(|| {
                PolicyParseError::at(
                    path,
                    format!("expected a string, boolean or number, found {}", kind(item)),
                )
            })
        })
        .collect()
}

fn object_at<'v>(value: &'v Value, path: &str) -> Result<&'v Map<String, Value>, PolicyParseError> {
    value.as_object().ok_or_else(|| {
        PolicyParseError::at(path, format!("expected an object, found {}", kind(value)))
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A scalar as written (short strings only), otherwise its kind: error messages stay one line.
fn short(value: &Value) -> String {
    match value {
        Value::String(s) if s.chars().count() <= 40 => format!("\"{s}\""),
        Value::Bool(_) | Value::Number(_) | Value::Null => value.to_string(),
        other => kind(other).to_string(),
    }
}
