//! Deciding one request against a principal's policies and the resource's policy.
//!
//! The order follows the AWS policy evaluation logic:
//! 1. an explicit `Deny` that applies, in any policy (identity, boundary, resource), decides;
//! 2. otherwise the request needs an `Allow`, combined according to the case:
//!    - same account (the normal case for an ECS execution role and its secrets): an allow in
//!      the identity-based policies (also allowed by the permission boundary, if any) **or** an
//!      allow in the resource policy whose principal covers the caller itself (its ARN, `"*"`,
//!      or a `NotPrincipal` that excludes someone else). For a role, such a resource-policy
//!      allow is still limited by the boundary; for an IAM user it is not. A resource policy
//!      naming only the account delegates to identity policies and grants nothing by itself;
//!    - KMS keys: the key policy must allow too, either the caller directly or the account
//!      (which lets IAM policies grant access); a missing key policy makes the answer unknown;
//!    - cross-account (resource and principal ARNs carry different account ids): both the
//!      identity side and the resource policy must allow;
//! 3. nothing allows: implicit deny, explained (a boundary that does not allow, a key policy
//!    that does not delegate, a secret named without its random suffix…).
//!
//! A statement whose applicability cannot be decided (a condition on request context, an
//! unresolved policy variable, an ambiguous `NotPrincipal`) is `Unknown`: an unknown Allow
//! never makes the result Allowed, an unknown Deny turns an otherwise Allowed result into
//! Unknown, and an unknown Deny next to no allow leaves it Denied.
//!
//! Simplifications (documented rather than guessed): the caller is an IAM role or user given
//! by its ARN, acting through an assumed-role session for a role; SCPs, RCPs, session policies
//! and KMS grants are not modelled; a resource policy naming an assumed-role *session* ARN is
//! not matched; a resource-policy grant to `"*"` is limited by a role's boundary like a grant
//! to the role's ARN; the resource policy passed is taken to be complete (`None` = it has none,
//! except for KMS, where every key has one).

use super::applies::Applies;
use super::condition::{RequestContext, RequestFacts};
use super::document::{Effect, PolicyDocument};
use super::matching::{arn_account, Arn};
use super::principal::{is_iam_user, match_principal, Caller, PrincipalMatch};
use super::statement::{policy_title, scan, Hit, Part};
use serde::Serialize;
use std::fmt;

/// A policy with a display name used in explanations ("inline policy web-exec on role x", a
/// managed policy ARN, "secret prod/db"). For a boundary or resource policy the evaluator adds
/// its part ("permission boundary NAME", "the resource policy of NAME", "the key policy of
/// NAME") unless the name already starts with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub name: String,
    pub document: PolicyDocument,
}

/// Everything attached to one IAM user or role: inline and managed policies, and its
/// permission boundary if it has one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PrincipalPolicies {
    pub identity: Vec<Policy>,
    pub permission_boundary: Option<Policy>,
}

/// One API call to decide: who (an IAM role or user ARN, not a session ARN), what, on what.
/// A principal given by name makes the answer unknown. A resource should be a full ARN; given
/// as a partial secret ARN or a bare name, statements whose patterns depend on the missing part
/// are unknown and the others still decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    pub principal_arn: &'a str,
    /// `service:Action`, e.g. `secretsmanager:GetSecretValue`.
    pub action: &'a str,
    /// The full resource ARN, e.g. a secret ARN with its random suffix.
    pub resource: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Allowed,
    /// Explicit or implicit deny; `Evaluation::explicit` tells which.
    Denied,
    /// Could not be decided statically; never to be read as allowed.
    Unknown,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Allowed => "allowed",
            Decision::Denied => "denied",
            Decision::Unknown => "unknown",
        })
    }
}

/// Which statement of which policy decided. `index` is the 0-based position in `Statement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    pub policy: String,
    pub sid: Option<String>,
    pub index: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    /// True when an explicit `Deny` statement decided.
    pub explicit: bool,
    /// The statement that decided: the allow, the deny, or the undecidable one. `None` for an
    /// implicit deny.
    pub deciding: Option<StatementRef>,
    /// One human sentence explaining the decision.
    pub reason: String,
}

/// Decide `request`. `resource_policy` is the policy attached to the resource (a secret's
/// resource policy, a KMS key policy), `None` when it has none.
pub fn evaluate(
    request: &Request,
    principal: &PrincipalPolicies,
    resource_policy: Option<&Policy>,
) -> Evaluation {
    evaluate_with_context(request, &RequestFacts::new(), principal, resource_policy)
}

/// [`evaluate`] with extra request facts the caller knows for certain, so that conditions on
/// them are decided instead of unknown. For the `kms:Decrypt` that Secrets Manager performs when
/// ECS reads a secret, those are `kms:ViaService` = `secretsmanager.REGION.amazonaws.com` and
/// `kms:EncryptionContext:SecretARN` = the secret's ARN; for the `GetSecretValue` itself, the
/// secret's tags ([`RequestFacts::resource_tags`]).
pub fn evaluate_with_context(
    request: &Request,
    context: &RequestFacts,
    principal: &PrincipalPolicies,
    resource_policy: Option<&Policy>,
) -> Evaluation {
    if let Some(reason) = undecidable_request(request) {
        return Evaluation {
            decision: Decision::Unknown,
            explicit: false,
            deciding: None,
            reason,
        };
    }
    Evaluator::new(request, context, principal, resource_policy).decide()
}

/// Principal and resource patterns are written against ARNs: a principal given by name would
/// give a confident wrong answer. (A resource given partly is handled per statement.)
fn undecidable_request(request: &Request) -> Option<String> {
    if Arn::parse(request.principal_arn).is_none() {
        return Some(format!(
            "principal {} is not an ARN, so policies cannot be matched against it",
            request.principal_arn
        ));
    }
    None
}

/// The strongest answer one side (identity, boundary, resource) gives, with the statement behind it.
#[derive(Clone, Copy)]
enum Side<'h, 'a> {
    Yes(Option<&'h Hit<'a>>),
    Unknown(&'h Hit<'a>),
    No,
}

impl<'h, 'a> Side<'h, 'a> {
    /// The first statement that applies, else the first undecidable one.
    fn best(hits: impl Iterator<Item = &'h Hit<'a>>) -> Self {
        let mut unknown = None;
        for hit in hits {
            match hit.applies {
                Applies::Yes => return Side::Yes(Some(hit)),
                Applies::Unknown(_) if unknown.is_none() => unknown = Some(hit),
                _ => {}
            }
        }
        unknown.map_or(Side::No, Side::Unknown)
    }

    /// Both must allow; the first side's statement is the one reported.
    fn and(self, other: Self) -> Self {
        match (self, other) {
            (Side::No, _) | (_, Side::No) => Side::No,
            (Side::Yes(hit), Side::Yes(other_hit)) => Side::Yes(hit.or(other_hit)),
            (Side::Unknown(hit), _) | (_, Side::Unknown(hit)) => Side::Unknown(hit),
        }
    }

    fn or(self, other: Self) -> Self {
        match (self, other) {
            (yes @ Side::Yes(_), _) | (_, yes @ Side::Yes(_)) => yes,
            (unknown @ Side::Unknown(_), _) | (_, unknown @ Side::Unknown(_)) => unknown,
            _ => Side::No,
        }
    }

    fn is_yes(self) -> bool {
        matches!(self, Side::Yes(_))
    }
}

struct Evaluator<'a> {
    request: &'a Request<'a>,
    principal: &'a PrincipalPolicies,
    resource_policy: Option<&'a Policy>,
    hits: Vec<Hit<'a>>,
    cross_account: bool,
    key_policy_required: bool,
}

impl<'a> Evaluator<'a> {
    fn new(
        request: &'a Request<'a>,
        supplied_context: &RequestFacts,
        principal: &'a PrincipalPolicies,
        resource_policy: Option<&'a Policy>,
    ) -> Self {
        let context =
            RequestContext::new(request.principal_arn, request.resource, supplied_context);
        let caller = Caller {
            arn: request.principal_arn,
            has_permission_boundary: principal.permission_boundary.is_some(),
        };
        let service = request.action.split(':').next().unwrap_or_default();
        let key_policy_required = service.eq_ignore_ascii_case("kms");
        let mut hits = Vec::new();
        let parts = principal
            .identity
            .iter()
            .map(|policy| (Part::Identity, policy))
            .chain(
                principal
                    .permission_boundary
                    .iter()
                    .map(|policy| (Part::Boundary, policy)),
            )
            .chain(
                resource_policy
                    .iter()
                    .map(|policy| (Part::Resource, *policy)),
            );
        for (part, policy) in parts {
            for (index, statement) in policy.document.statements.iter().enumerate() {
                let mut hit = scan(request, &context, policy, index, statement, part);
                if part == Part::Resource {
                    let principal_match =
                        match_principal(statement.principal.as_ref(), &caller, statement.effect);
                    hit.via_account = principal_match == PrincipalMatch::Account;
                    hit.key_policy = key_policy_required;
                    hit.applies = hit.applies.and(|| principal_match.applies());
                }
                hits.push(hit);
            }
        }
        let cross_account = matches!(
            (arn_account(request.principal_arn), arn_account(request.resource)),
            (Some(p), Some(r)) if p != r
        );
        Evaluator {
            request,
            principal,
            resource_policy,
            hits,
            cross_account,
            key_policy_required,
        }
    }

    fn allows(&self, part: Part) -> impl Iterator<Item = &Hit<'a>> {
        self.hits
            .iter()
            .filter(move |hit| hit.part == part && hit.statement.effect == Effect::Allow)
    }

    fn decide(&self) -> Evaluation {
        let denies = self
            .hits
            .iter()
            .filter(|hit| hit.statement.effect == Effect::Deny);
        let deny = Side::best(denies);
        if let Side::Yes(Some(hit)) = deny {
            return Evaluation {
                decision: Decision::Denied,
                explicit: true,
                deciding: Some(hit.reference()),
                reason: format!("denied by {}", hit.label()),
            };
        }

        let identity = Side::best(self.allows(Part::Identity));
        let boundary = match self.principal.permission_boundary {
            Some(_) => Side::best(self.allows(Part::Boundary)),
            None => Side::Yes(None),
        };
        let resource_direct =
            Side::best(self.allows(Part::Resource).filter(|hit| !hit.via_account));
        let resource_account =
            Side::best(self.allows(Part::Resource).filter(|hit| hit.via_account));
        // A same-account resource-policy grant to an IAM user bypasses the boundary; to a role it does not.
        let boundary_on_resource_grant =
            if is_iam_user(self.request.principal_arn) && !self.cross_account {
                Side::Yes(None)
            } else {
                boundary
            };
        let identity_path = identity.and(boundary);

        let allow = if self.cross_account {
            if self.resource_policy.is_none() {
                return self.implicit_deny(format!(
                    "{} is in account {} and {} in another; cross-account access needs a resource policy \
                     that allows it, and none was given",
                    self.request.resource,
                    arn_account(self.request.resource).unwrap_or_default(),
                    self.request.principal_arn
                ));
            }
            identity_path.and(resource_direct.or(resource_account))
        } else if self.key_policy_required {
            if self.resource_policy.is_none() {
                return Evaluation {
                    decision: Decision::Unknown,
                    explicit: false,
                    deciding: None,
                    reason: format!(
                        "the key policy of {} was not provided, and KMS grants nothing unless the key policy allows it",
                        self.request.resource
                    ),
                };
            }
            identity_path
                .and(resource_account)
                .or(resource_direct.and(boundary_on_resource_grant))
        } else {
            identity_path.or(resource_direct.and(boundary_on_resource_grant))
        };

        match allow {
            Side::Yes(by) => self.allowed_unless_unknown_deny(by, deny),
            Side::Unknown(hit) => Evaluation {
                decision: Decision::Unknown,
                explicit: false,
                deciding: Some(hit.reference()),
                reason: format!("{} {}", capitalise(&hit.label()), hit.why_unknown()),
            },
            Side::No => self.explain_implicit_deny(
                identity,
                boundary,
                resource_direct,
                boundary_on_resource_grant,
            ),
        }
    }

    fn allowed_unless_unknown_deny(&self, by: Option<&Hit<'a>>, deny: Side<'_, 'a>) -> Evaluation {
        let allowed_by = by.map_or_else(|| "an allow".to_string(), |hit| hit.label());
        if let Side::Unknown(deny) = deny {
            return Evaluation {
                decision: Decision::Unknown,
                explicit: false,
                deciding: Some(deny.reference()),
                reason: format!(
                    "allowed by {allowed_by}, but the Deny {} {}",
                    deny.label(),
                    deny.why_unknown()
                ),
            };
        }
        Evaluation {
            decision: Decision::Allowed,
            explicit: false,
            deciding: by.map(Hit::reference),
            reason: format!("allowed by {allowed_by}"),
        }
    }

    fn explain_implicit_deny(
        &self,
        identity: Side<'_, 'a>,
        boundary: Side<'_, 'a>,
        resource_direct: Side<'_, 'a>,
        boundary_on_resource_grant: Side<'_, 'a>,
    ) -> Evaluation {
        let Request {
            action, resource, ..
        } = self.request;
        let boundary_title = || {
            self.principal
                .permission_boundary
                .as_ref()
                .map_or_else(String::new, |policy| {
                    policy_title(Part::Boundary, false, &policy.name)
                })
        };
        let granted_by = |side: Side<'_, 'a>| match side {
            Side::Yes(Some(hit)) => Some(hit.label()),
            _ => None,
        };
        if let (Some(by), false) = (granted_by(identity), boundary.is_yes()) {
            return self.implicit_deny(format!(
                "{by} allows {action} on {resource}, but {} does not",
                boundary_title()
            ));
        }
        if let (Some(by), false) = (
            granted_by(resource_direct),
            boundary_on_resource_grant.is_yes(),
        ) {
            return self.implicit_deny(format!(
                "{by} allows {action} on {resource}, but {} does not",
                boundary_title()
            ));
        }
        let resource_policy = self.resource_policy.map_or_else(String::new, |p| {
            policy_title(Part::Resource, self.key_policy_required, &p.name)
        });
        if let Some(by) = granted_by(identity) {
            if self.cross_account {
                return self.implicit_deny(format!(
                    "{by} allows {action} on {resource}, but {resource_policy} does not \
                     allow this principal's account, which cross-account access needs"
                ));
            }
            if self.key_policy_required {
                return self.implicit_deny(format!(
                    "{by} allows {action} on {resource}, but {resource_policy} neither allows \
                     this principal nor lets the account's IAM policies grant access"
                ));
            }
        }
        if let (Some(by), true) = (granted_by(resource_direct), self.cross_account) {
            return self.implicit_deny(format!(
                "{by} allows {action} on {resource}, but no identity-based statement does, which cross-account \
                 access needs"
            ));
        }
        let mut reason = format!("no statement allows {action} on {resource}");
        if let Some(hit) = self.hits.iter().find(|hit| hit.suffix_miss.is_some()) {
            let pattern = hit.suffix_miss.unwrap_or_default();
            reason.push_str(&format!(
                " ({} names {pattern} without the 6-character suffix Secrets Manager appends to secret ARNs; \
                 use {pattern}-?????? instead)",
                hit.label()
            ));
        }
        self.implicit_deny(reason)
    }

    fn implicit_deny(&self, reason: String) -> Evaluation {
        Evaluation {
            decision: Decision::Denied,
            explicit: false,
            deciding: None,
            reason,
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
