//! Trust policies: may an AWS service principal (`ecs-tasks.amazonaws.com`) call
//! `sts:AssumeRole` on a role? A service principal needs nothing but the role's trust policy,
//! so this is the resource-policy half of the evaluation alone: an applicable `Deny` decides,
//! otherwise an applicable `Allow` is needed.
//!
//! Conditions are decided where the request makes them known: `aws:SourceAccount` (the account
//! the task runs in), `aws:PrincipalServiceName`, `aws:SourceArn` when its pattern covers every
//! ARN of ECS in that account and region (or none of them); every other key is unknown.

use super::applies::Applies;
use super::condition::{evaluate_conditions, RequestContext, RequestFacts};
use super::document::{Condition, Effect, Matcher, PolicyDocument, PrincipalEntry};
use super::evaluate::{Decision, Evaluation, StatementRef};
use super::matching::{action_matches, glob_matches, Arn};

pub const ASSUME_ROLE: &str = "sts:AssumeRole";

/// Who asks to assume the role, and what ECS puts in the request context when it does.
#[derive(Debug, Clone)]
pub struct ServiceRequest<'a> {
    /// `ecs-tasks.amazonaws.com`.
    pub service: &'a str,
    pub role_arn: &'a str,
    /// The account the task runs in (`aws:SourceAccount`), when known.
    pub source_account: Option<&'a str>,
    /// The region the task runs in, for `aws:SourceArn` patterns.
    pub region: Option<&'a str>,
}

/// Decides whether `request.service` may assume the role whose trust policy is `document`.
pub fn service_may_assume(document: &PolicyDocument, request: &ServiceRequest) -> Evaluation {
    let mut facts = RequestFacts::new().with("aws:PrincipalServiceName", request.service);
    if let Some(account) = request.source_account {
        facts = facts.with("aws:SourceAccount", account);
    }
    let context = RequestContext::new("", request.role_arn, &facts);
    let variables = document.version.has_policy_variables();
    let mut allow: Option<(usize, Applies)> = None;
    let mut deny: Option<(usize, Applies)> = None;
    let mut named = Vec::new();
    // The first Allow that names the service but whose conditions exclude this request.
    let mut excluded_by_condition = None;
    for (index, statement) in document.statements.iter().enumerate() {
        let action = match &statement.action {
            Matcher::Only(p) => p.iter().any(|p| action_matches(p, ASSUME_ROLE)),
            Matcher::AllExcept(p) => !p.iter().any(|p| action_matches(p, ASSUME_ROLE)),
        };
        if !action {
            continue;
        }
        let principal = covers(statement.principal.as_ref(), request.service);
        if statement.effect == Effect::Allow {
            named.extend(principal_names(statement.principal.as_ref()));
        }
        let applies = Applies::from_bool(principal).and(|| {
            let (source_arn, others): (Vec<Condition>, Vec<Condition>) = statement
                .conditions
                .iter()
                .cloned()
                .partition(|c| c.key.eq_ignore_ascii_case("aws:SourceArn"));
            let arn_part = source_arn.iter().fold(Applies::Yes, |acc, c| {
                acc.and(|| source_arn_applies(c, request))
            });
            arn_part.and(|| evaluate_conditions(&others, &context, variables))
        });
        if principal && applies == Applies::No && statement.effect == Effect::Allow {
            excluded_by_condition.get_or_insert(index);
        }
        let slot = match statement.effect {
            Effect::Allow => &mut allow,
            Effect::Deny => &mut deny,
        };
        let better = match (&slot, &applies) {
            (_, Applies::No) => false,
            (None, _) => true,
            (Some((_, Applies::Unknown(_))), Applies::Yes) => true,
            _ => false,
        };
        if better {
            *slot = Some((index, applies));
        }
    }
    let reference = |index: usize| StatementRef {
        policy: "trust policy".into(),
        sid: document.statements[index].sid.clone(),
        index,
    };
    let label = |index: usize| match &document.statements[index].sid {
        Some(sid) if !sid.is_empty() => format!("statement '{sid}' of the trust policy"),
        _ => format!("Statement[{index}] of the trust policy"),
    };
    let service = request.service;
    match (deny, allow) {
        (Some((i, Applies::Yes)), _) => Evaluation {
            decision: Decision::Denied,
            explicit: true,
            deciding: Some(reference(i)),
            reason: format!("denied by {}", label(i)),
        },
        (None, Some((i, Applies::Yes))) => Evaluation {
            decision: Decision::Allowed,
            explicit: false,
            deciding: Some(reference(i)),
            reason: format!("allowed by {}", label(i)),
        },
        (_, None | Some((_, Applies::No))) => {
            named.sort();
            named.dedup();
            let who = if let Some(i) = excluded_by_condition {
                let tasks = match (request.source_account, request.region) {
                    (Some(account), Some(region)) => {
                        format!("tasks in account {account}, region {region}")
                    }
                    (Some(account), None) => format!("tasks in account {account}"),
                    _ => "these tasks".to_string(),
                };
                format!("{} names it, but its Condition excludes {tasks}", label(i))
            } else if named.is_empty() {
                "no statement allows sts:AssumeRole".to_string()
            } else {
                format!("it lets {} call sts:AssumeRole", named.join(", "))
            };
            Evaluation {
                decision: Decision::Denied,
                explicit: false,
                deciding: None,
                reason: format!("the trust policy does not let {service} assume the role: {who}"),
            }
        }
        (Some((i, Applies::Unknown(why))), _) | (None, Some((i, Applies::Unknown(why)))) => {
            Evaluation {
                decision: Decision::Unknown,
                explicit: false,
                deciding: Some(reference(i)),
                reason: format!("{} {why}", label(i)),
            }
        }
        (Some((i, _)), Some(_)) => Evaluation {
            decision: Decision::Unknown,
            explicit: false,
            deciding: Some(reference(i)),
            reason: format!("{} may deny it", label(i)),
        },
    }
}

/// Does the principal element cover the service? `"*"` and `{"AWS": "*"}` cover everyone.
fn covers(element: Option<&Matcher<PrincipalEntry>>, service: &str) -> bool {
    let names = |e: &PrincipalEntry| match e {
        PrincipalEntry::Everyone => true,
        PrincipalEntry::Aws(id) => id == "*",
        PrincipalEntry::Service(s) => s.eq_ignore_ascii_case(service),
        _ => false,
    };
    match element {
        None => false,
        Some(Matcher::Only(entries)) => entries.iter().any(names),
        Some(Matcher::AllExcept(entries)) => !entries.iter().any(names),
    }
}

/// The principals an Allow statement names, for the explanation.
fn principal_names(element: Option<&Matcher<PrincipalEntry>>) -> Vec<String> {
    let Some(Matcher::Only(entries)) = element else {
        return Vec::new();
    };
    entries
        .iter()
        .map(|e| match e {
            PrincipalEntry::Everyone => "*".to_string(),
            PrincipalEntry::Aws(id)
            | PrincipalEntry::Service(id)
            | PrincipalEntry::Federated(id)
            | PrincipalEntry::CanonicalUser(id) => id.clone(),
        })
        .collect()
}

/// `aws:SourceArn` is the ARN of an ECS resource in the task's account and region, whose rest is
/// not known before the task exists: a pattern is decided when it covers all such ARNs, or when
/// none of them can match it.
fn source_arn_applies(condition: &Condition, request: &ServiceRequest) -> Applies {
    let unknown = || {
        Applies::Unknown(format!(
            "has a {} condition on aws:SourceArn that cannot be evaluated statically",
            condition.operator
        ))
    };
    let (Some(account), Some(region)) = (request.source_account, request.region) else {
        return unknown();
    };
    let operator = condition.operator.to_ascii_lowercase();
    let base = operator.strip_suffix("ifexists").unwrap_or(&operator);
    if !matches!(
        base,
        "arnlike" | "stringlike" | "arnequals" | "stringequals"
    ) {
        return unknown();
    }
    // ECS ARNs are in the role's partition (`aws-cn`, `aws-us-gov`).
    let partition = Arn::parse(request.role_arn).map_or("aws", |arn| arn.partition);
    let prefix = format!("arn:{partition}:ecs:{region}:{account}:");
    let decide = |pattern: &String| -> Applies {
        match base {
            // Exact: no ECS resource name contains `*` or `?`, so a pattern with either is
            // never equal to the ARN.
            "stringequals" if pattern.starts_with(&prefix) && !pattern.contains(['*', '?']) => {
                unknown()
            }
            "stringequals" => Applies::No,
            // Field by field: a wildcard does not cross a colon, and all six fields must be there.
            "arnlike" | "arnequals" => {
                let Some(arn) = Arn::parse(pattern) else {
                    return Applies::No;
                };
                let field = |p: &str, v: &str| glob_matches(p, v, None) == Ok(true);
                if !(field(arn.partition, partition)
                    && field(arn.service, "ecs")
                    && field(arn.region, region)
                    && field(arn.account, account))
                {
                    Applies::No
                } else if arn.resource.chars().all(|c| c == '*') {
                    Applies::Yes
                } else {
                    unknown()
                }
            }
            _ => {
                if let Some(head) = pattern.strip_suffix('*') {
                    if glob_matches(head, &prefix, None) == Ok(true) {
                        return Applies::Yes;
                    }
                }
                let literal = pattern.split(['*', '?']).next().unwrap_or_default();
                let consistent = literal.starts_with(&prefix) || prefix.starts_with(literal);
                if consistent {
                    unknown()
                } else {
                    Applies::No
                }
            }
        }
    };
    Applies::any(condition.values.iter().map(decide))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(policy: &str) -> Evaluation {
        let document = PolicyDocument::parse(policy).expect("policy");
        service_may_assume(
            &document,
            &ServiceRequest {
                service: "ecs-tasks.amazonaws.com",
                role_arn: "arn:aws:iam::222222222222:role/web-exec",
                source_account: Some("222222222222"),
                region: Some("us-east-1"),
            },
        )
    }

    fn trust(principal: &str, condition: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"{condition}}}]}}"#
        )
    }

    #[test]
    fn the_ecs_tasks_service_is_needed() {
        let ok = decide(&trust(r#"{"Service":"ecs-tasks.amazonaws.com"}"#, ""));
        assert_eq!(ok.decision, Decision::Allowed);
        let ec2 = decide(&trust(r#"{"Service":"ec2.amazonaws.com"}"#, ""));
        assert_eq!(ec2.decision, Decision::Denied);
        assert!(ec2.reason.contains("ec2.amazonaws.com"), "{}", ec2.reason);
        let list = decide(&trust(
            r#"{"Service":["ec2.amazonaws.com","ecs-tasks.amazonaws.com"]}"#,
            "",
        ));
        assert_eq!(list.decision, Decision::Allowed);
    }

    #[test]
    fn source_conditions_are_decided_from_the_environment() {
        let own = r#","Condition":{"StringEquals":{"aws:SourceAccount":"222222222222"}}"#;
        let other = r#","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}"#;
        let service = r#"{"Service":"ecs-tasks.amazonaws.com"}"#;
        assert_eq!(decide(&trust(service, own)).decision, Decision::Allowed);
        assert_eq!(decide(&trust(service, other)).decision, Decision::Denied);
        let arn =
            r#","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:ecs:us-east-1:222222222222:*"}}"#;
        assert_eq!(decide(&trust(service, arn)).decision, Decision::Allowed);
        let elsewhere =
            r#","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:ecs:eu-west-1:222222222222:*"}}"#;
        assert_eq!(
            decide(&trust(service, elsewhere)).decision,
            Decision::Denied
        );
        let narrow = r#","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:ecs:us-east-1:222222222222:task/app/*"}}"#;
        assert_eq!(decide(&trust(service, narrow)).decision, Decision::Unknown);
        let vpc = r#","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}"#;
        let unknown = decide(&trust(service, vpc));
        assert_eq!(unknown.decision, Decision::Unknown);
        assert!(
            unknown.reason.contains("aws:SourceVpc"),
            "{}",
            unknown.reason
        );
    }

    /// `StringEquals` has no wildcards, and `ArnLike` matches the six fields of an ARN one by
    /// one: neither covers every ECS ARN of the account the way `ArnLike …:*` does.
    #[test]
    fn source_arn_wildcards_follow_the_operator() {
        let service = r#"{"Service":"ecs-tasks.amazonaws.com"}"#;
        let condition = |operator: &str, pattern: &str| {
            format!(r#","Condition":{{"{operator}":{{"aws:SourceArn":"{pattern}"}}}}"#)
        };
        let cases = [
            // No ECS ARN is literally `…:*`.
            (
                "StringEquals",
                "arn:aws:ecs:us-east-1:222222222222:*",
                Decision::Denied,
            ),
            (
                "StringEquals",
                "arn:aws:ecs:us-east-1:222222222222:task/app/1",
                Decision::Unknown,
            ),
            (
                "StringEquals",
                "arn:aws:ecs:eu-west-1:222222222222:task/app/1",
                Decision::Denied,
            ),
            (
                "StringLike",
                "arn:aws:ecs:us-east-1:222222222222:*",
                Decision::Allowed,
            ),
            ("StringLike", "arn:aws:*:222222222222:*", Decision::Allowed),
            // Here `*` would have to cover `ecs:us-east-1`, across a colon.
            ("ArnLike", "arn:aws:*:222222222222:*", Decision::Denied),
            (
                "ArnEquals",
                "arn:aws:ecs:*:222222222222:*",
                Decision::Allowed,
            ),
            ("ArnLike", "arn:aws:ecs:us-east-1:*", Decision::Denied),
        ];
        for (operator, pattern, expected) in cases {
            let answer = decide(&trust(service, &condition(operator, pattern)));
            assert_eq!(
                answer.decision, expected,
                "{operator} {pattern}: {}",
                answer.reason
            );
        }
    }

    /// In China and GovCloud the ECS ARNs carry the role's partition (`aws-cn`, `aws-us-gov`).
    #[test]
    fn the_source_arn_is_in_the_roles_partition() {
        let document = PolicyDocument::parse(&trust(
            r#"{"Service":"ecs-tasks.amazonaws.com"}"#,
            r#","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws-cn:ecs:cn-north-1:222222222222:*"}}"#,
        ))
        .expect("policy");
        let answer = service_may_assume(
            &document,
            &ServiceRequest {
                service: "ecs-tasks.amazonaws.com",
                role_arn: "arn:aws-cn:iam::222222222222:role/web-exec",
                source_account: Some("222222222222"),
                region: Some("cn-north-1"),
            },
        );
        assert_eq!(answer.decision, Decision::Allowed, "{}", answer.reason);
    }

    /// A statement that names the service but whose condition excludes the task says so, rather
    /// than "it lets ecs-tasks.amazonaws.com call sts:AssumeRole" as the reason for a denial.
    #[test]
    fn a_condition_that_excludes_the_task_is_the_reason_given() {
        let other = r#","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}"#;
        let answer = decide(&trust(r#"{"Service":"ecs-tasks.amazonaws.com"}"#, other));
        assert_eq!(
            (answer.decision, answer.reason.as_str()),
            (
                Decision::Denied,
                "the trust policy does not let ecs-tasks.amazonaws.com assume the role: \
                 Statement[0] of the trust policy names it, but its Condition excludes tasks in \
                 account 222222222222, region us-east-1"
            )
        );
    }

    #[test]
    fn an_explicit_deny_decides() {
        let policy = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Sid":"NoEcs","Effect":"Deny","Principal":"*","Action":"sts:*"}]}"#;
        let answer = decide(policy);
        assert_eq!(answer.decision, Decision::Denied);
        assert!(answer.explicit);
        assert!(answer.reason.contains("'NoEcs'"), "{}", answer.reason);
    }
}
