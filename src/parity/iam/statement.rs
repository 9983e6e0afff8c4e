//! One statement's verdict on a request: whether its action, resource and conditions apply
//! (the principal is matched separately by the evaluator), and how explanations name it.

use super::applies::Applies;
use super::condition::{evaluate_conditions, RequestContext};
use super::document::{Effect, Matcher, PolicyStatement};
use super::evaluate::{Policy, Request, StatementRef};
use super::matching::{
    action_matches, glob_matches, glob_matches_unknown_suffix, secret_arn_without_suffix,
    ResourceName, SuffixMatch, Variables,
};

/// The part a policy plays in the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Identity,
    Boundary,
    Resource,
}

/// One statement's verdict on the request.
pub(super) struct Hit<'a> {
    pub(super) part: Part,
    pub(super) policy: &'a Policy,
    pub(super) index: usize,
    pub(super) statement: &'a PolicyStatement,
    pub(super) applies: Applies,
    /// Resource-policy allows that name only the caller's account.
    pub(super) via_account: bool,
    /// A `Resource` pattern that names the secret without its random suffix.
    pub(super) suffix_miss: Option<&'a str>,
    /// The resource policy is a KMS key policy.
    pub(super) key_policy: bool,
}

impl Hit<'_> {
    pub(super) fn label(&self) -> String {
        let statement = match &self.statement.sid {
            Some(sid) if !sid.is_empty() => format!("statement '{sid}'"),
            _ => format!("Statement[{}]", self.index),
        };
        let title = policy_title(self.part, self.key_policy, &self.policy.name);
        format!("{statement} of {title}")
    }

    pub(super) fn reference(&self) -> StatementRef {
        StatementRef {
            policy: self.policy.name.clone(),
            sid: self.statement.sid.clone(),
            index: self.index,
        }
    }

    pub(super) fn why_unknown(&self) -> &str {
        match &self.applies {
            Applies::Unknown(why) => why,
            _ => "cannot be evaluated statically",
        }
    }
}

/// One statement's verdict on the action, resource and conditions (principal comes separately).
pub(super) fn scan<'a>(
    request: &Request,
    context: &RequestContext,
    policy: &'a Policy,
    index: usize,
    statement: &'a PolicyStatement,
    part: Part,
) -> Hit<'a> {
    let resolve = |name: &str| context.value(name);
    let variables_enabled = policy.document.version.has_policy_variables();
    let variables: Option<Variables<'_>> = variables_enabled.then_some(&resolve);

    let action = match &statement.action {
        Matcher::Only(patterns) => {
            Applies::from_bool(patterns.iter().any(|p| action_matches(p, request.action)))
        }
        Matcher::AllExcept(patterns) => {
            Applies::from_bool(!patterns.iter().any(|p| action_matches(p, request.action)))
        }
    };
    let resource_name = ResourceName::classify(request.resource);
    let resource_match = |pattern: &String| match_resource(pattern, resource_name, variables);
    let resource = || match &statement.resource {
        None => Applies::Yes,
        Some(Matcher::Only(patterns)) => Applies::any(patterns.iter().map(resource_match)),
        Some(Matcher::AllExcept(patterns)) => {
            Applies::any(patterns.iter().map(resource_match)).not()
        }
    };
    let applies = action
        .clone()
        .and(resource)
        .and(|| evaluate_conditions(&statement.conditions, context, variables_enabled));

    // Only worth explaining for an allow whose resource missed the secret by its suffix.
    let suffix_miss = match (
        &statement.resource,
        secret_arn_without_suffix(request.resource),
    ) {
        (Some(Matcher::Only(patterns)), Some(bare))
            if applies == Applies::No
                && action == Applies::Yes
                && statement.effect == Effect::Allow
                && resource() == Applies::No =>
        {
            patterns
                .iter()
                .find(|p| glob_matches(p, bare, variables) == Ok(true))
                .map(String::as_str)
        }
        _ => None,
    };
    Hit {
        part,
        policy,
        index,
        statement,
        applies,
        via_account: false,
        suffix_miss,
        key_policy: false,
    }
}

/// How explanations refer to a policy: identity policies by their name, others with their part
/// ("permission boundary NAME", "the key policy of NAME") unless the name already says it.
pub(super) fn policy_title(part: Part, key_policy: bool, name: &str) -> String {
    let says = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    match part {
        Part::Identity => name.to_string(),
        Part::Boundary if says("permission boundary") => name.to_string(),
        Part::Boundary => format!("permission boundary {name}"),
        Part::Resource if says("resource policy") || says("key policy") => name.to_string(),
        Part::Resource if key_policy => format!("the key policy of {name}"),
        Part::Resource => format!("the resource policy of {name}"),
    }
}

/// Does a `Resource` pattern cover the request's resource? The answer is unknown when the
/// request names the resource only partly and the pattern depends on the missing part.
fn match_resource(
    pattern: &str,
    resource: ResourceName<'_>,
    variables: Option<Variables<'_>>,
) -> Applies {
    let outcome = match resource {
        ResourceName::Arn(arn) => glob_matches(pattern, arn, variables).map(Applies::from_bool),
        ResourceName::PartialSecret(partial) => {
            glob_matches_unknown_suffix(pattern, &format!("{partial}-"), 6, variables).map(|m| {
                match m {
                    SuffixMatch::All => Applies::Yes,
                    SuffixMatch::None => Applies::No,
                    SuffixMatch::Some => Applies::Unknown(format!(
                "names {pattern}, and the request gives the secret as the partial ARN {partial}, \
                     whose 6-character suffix decides whether that matches"
            )),
                }
            })
        }
        ResourceName::NotAnArn(_) if pattern.chars().all(|c| c == '*') => Ok(Applies::Yes),
        ResourceName::NotAnArn(name) => Ok(Applies::Unknown(format!(
            "names resources by ARN, and the request gives {name}, which is not one"
        ))),
    };
    outcome.unwrap_or_else(|unresolved| {
        Applies::Unknown(format!(
            "names a resource with the policy variable ${{{}}}, whose value is not known statically",
            unresolved.0
        ))
    })
}
