//! The static IAM evaluator against the rules of the AWS policy evaluation logic.

use preflight::parity::iam::{
    evaluate, evaluate_with_context, Decision, Evaluation, Policy, PolicyDocument,
    PrincipalPolicies, Request, RequestFacts, StatementRef,
};
use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::111122223333:role/web-exec";
const USER: &str = "arn:aws:iam::111122223333:user/deployer";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123";
const GET: &str = "secretsmanager:GetSecretValue";
const INLINE: &str = "inline policy exec-secrets on role web-exec";

fn policy(name: &str, document: Value) -> Policy {
    Policy {
        name: name.to_string(),
        document: PolicyDocument::from_value(&document).unwrap(),
    }
}

/// A 2012-10-17 document with the given statements.
fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn allow(sid: &str, action: &str, resource: &str) -> Value {
    json!({"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource})
}

fn deny(sid: &str, action: &str, resource: &str) -> Value {
    json!({"Sid": sid, "Effect": "Deny", "Action": action, "Resource": resource})
}

fn role(identity: Vec<Policy>) -> PrincipalPolicies {
    PrincipalPolicies {
        identity,
        permission_boundary: None,
    }
}

fn inline(statements: Value) -> Policy {
    policy(INLINE, doc(statements))
}

fn ask_as(
    principal_arn: &str,
    action: &str,
    resource: &str,
    principal: &PrincipalPolicies,
    resource_policy: Option<&Policy>,
) -> Evaluation {
    let request = Request {
        principal_arn,
        action,
        resource,
    };
    evaluate(&request, principal, resource_policy)
}

/// Can ROLE read SECRET?
fn ask(principal: &PrincipalPolicies, resource_policy: Option<&Policy>) -> Evaluation {
    ask_as(ROLE, GET, SECRET, principal, resource_policy)
}

fn statement(policy: &str, sid: Option<&str>, index: usize) -> Option<StatementRef> {
    Some(StatementRef {
        policy: policy.to_string(),
        sid: sid.map(str::to_string),
        index,
    })
}

// --- allow, implicit deny, explicit deny -------------------------------------------------------

#[test]
fn an_identity_allow_grants_and_names_its_statement() {
    let principal = role(vec![inline(json!([
        allow("Logs", "logs:CreateLogStream", "*"),
        allow(
            "ReadSecrets",
            GET,
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*"
        ),
    ]))]);
    let answer = ask(&principal, None);
    assert_eq!(
        answer,
        Evaluation {
            decision: Decision::Allowed,
            explicit: false,
            deciding: statement(INLINE, Some("ReadSecrets"), 1),
            reason: format!("allowed by statement 'ReadSecrets' of {INLINE}"),
        }
    );
}

#[test]
fn nothing_allowing_is_an_implicit_deny() {
    let principal = role(vec![inline(json!([allow("Logs", "logs:*", "*")]))]);
    let answer = ask(&principal, None);
    assert_eq!(
        answer,
        Evaluation {
            decision: Decision::Denied,
            explicit: false,
            deciding: None,
            reason: format!("no statement allows {GET} on {SECRET}"),
        }
    );
    // A role with no policies at all is denied the same way.
    assert_eq!(ask(&role(vec![]), None).decision, Decision::Denied);
}

#[test]
fn an_explicit_deny_in_an_identity_policy_overrides_an_allow() {
    let guard = policy(
        "managed policy arn:aws:iam::111122223333:policy/no-prod",
        doc(json!([deny(
            "NoProd",
            "secretsmanager:*",
            "arn:aws:secretsmanager:*:*:secret:prod/*"
        )])),
    );
    let principal = role(vec![inline(json!([allow("All", "*", "*")])), guard]);
    let answer = ask(&principal, None);
    assert_eq!(answer.decision, Decision::Denied);
    assert!(answer.explicit);
    assert_eq!(
        answer.deciding,
        statement(
            "managed policy arn:aws:iam::111122223333:policy/no-prod",
            Some("NoProd"),
            0
        )
    );
    assert_eq!(
        answer.reason,
        "denied by statement 'NoProd' of managed policy arn:aws:iam::111122223333:policy/no-prod"
    );
}

#[test]
fn an_explicit_deny_in_the_resource_policy_overrides_an_identity_allow() {
    let principal = role(vec![inline(json!([allow("Read", GET, "*")]))]);
    let secret_policy = policy(
        "secret prod/db",
        doc(
            json!([{"Sid": "OnlyApi", "Effect": "Deny", "Principal": {"AWS": ROLE}, "Action": "*", "Resource": "*"}]),
        ),
    );
    let answer = ask(&principal, Some(&secret_policy));
    assert_eq!(answer.decision, Decision::Denied);
    assert!(answer.explicit);
    assert_eq!(
        answer.reason,
        "denied by statement 'OnlyApi' of the resource policy of secret prod/db"
    );
}

#[test]
fn an_explicit_deny_in_the_permission_boundary_overrides_an_allow() {
    let principal = PrincipalPolicies {
        identity: vec![inline(json!([allow("Read", GET, "*")]))],
        permission_boundary: Some(policy(
            "boundary-policy",
            doc(json!([
                allow("Everything", "*", "*"),
                deny("NoSecrets", "secretsmanager:GetSecret*", "*")
            ])),
        )),
    };
    let answer = ask(&principal, None);
    assert_eq!(answer.decision, Decision::Denied);
    assert!(answer.explicit);
    assert_eq!(
        answer.deciding,
        statement("boundary-policy", Some("NoSecrets"), 1)
    );
    assert_eq!(
        answer.reason,
        "denied by statement 'NoSecrets' of permission boundary boundary-policy"
    );
}

// --- permission boundaries ---------------------------------------------------------------------

#[test]
fn a_permission_boundary_limits_identity_allows() {
    let identity = vec![inline(json!([allow("ReadSecrets", GET, "*")]))];
    let narrow = PrincipalPolicies {
        identity: identity.clone(),
        permission_boundary: Some(policy(
            "boundary-ssm-only",
            doc(json!([allow("Ssm", "ssm:*", "*")])),
        )),
    };
    let answer = ask(&narrow, None);
    assert_eq!(answer.decision, Decision::Denied);
    assert!(!answer.explicit);
    assert_eq!(
        answer.reason,
        format!("statement 'ReadSecrets' of {INLINE} allows {GET} on {SECRET}, but permission boundary boundary-ssm-only does not")
    );

    let wide = PrincipalPolicies {
        identity,
        permission_boundary: Some(policy(
            "boundary-secrets",
            doc(json!([allow("Sm", "secretsmanager:*", "*")])),
        )),
    };
    let answer = ask(&wide, None);
    assert_eq!(answer.decision, Decision::Allowed);
    assert_eq!(answer.deciding, statement(INLINE, Some("ReadSecrets"), 0));
}

#[test]
fn a_boundary_grants_nothing_by_itself() {
    let principal = PrincipalPolicies {
        identity: vec![],
        permission_boundary: Some(policy("boundary-all", doc(json!([allow("All", "*", "*")])))),
    };
    let answer = ask(&principal, None);
    assert_eq!(answer.decision, Decision::Denied);
    assert_eq!(
        answer.reason,
        format!("no statement allows {GET} on {SECRET}")
    );
}

// --- NotAction / NotResource -------------------------------------------------------------------

#[test]
fn not_action_allows_everything_except_the_listed_actions() {
    let principal = role(vec![inline(
        json!([{"Sid": "NotIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]),
    )]);
    assert_eq!(ask(&principal, None).decision, Decision::Allowed);
    let pass_role = ask_as(
        ROLE,
        "iam:PassRole",
        "arn:aws:iam::111122223333:role/x",
        &principal,
        None,
    );
    assert_eq!(pass_role.decision, Decision::Denied);
    assert!(!pass_role.explicit);
}

#[test]
fn a_deny_with_not_action_denies_everything_except_the_listed_actions() {
    let principal = role(vec![inline(json!([
        allow("All", "*", "*"),
        {"Sid": "OnlyDescribe", "Effect": "Deny", "NotAction": "secretsmanager:Describe*", "Resource": "*"}
    ]))]);
    let answer = ask(&principal, None);
    assert_eq!(answer.decision, Decision::Denied);
    assert!(answer.explicit);
    let describe = ask_as(
        ROLE,
        "secretsmanager:DescribeSecret",
        SECRET,
        &principal,
        None,
    );
    assert_eq!(describe.decision, Decision::Allowed);
}

#[test]
fn not_resource_covers_every_resource_except_the_listed_ones() {
    let principal = role(vec![inline(json!([
        {"Sid": "NotProd", "Effect": "Allow", "Action": GET, "NotResource": "arn:aws:secretsmanager:*:*:secret:prod/*"}
    ]))]);
    assert_eq!(ask(&principal, None).decision, Decision::Denied);
    let staging = "arn:aws:secretsmanager:us-east-1:111122223333:secret:staging/db-XyZ789";
    assert_eq!(
        ask_as(ROLE, GET, staging, &principal, None).decision,
        Decision::Allowed
    );

    let guarded = role(vec![inline(json!([
        allow("All", GET, "*"),
        {"Sid": "OnlyStaging", "Effect": "Deny", "Action": "*", "NotResource": "arn:aws:secretsmanager:*:*:secret:staging/*"}
    ]))]);
    let answer = ask(&guarded, None);
    assert_eq!((answer.decision, answer.explicit), (Decision::Denied, true));
    assert_eq!(
        ask_as(ROLE, GET, staging, &guarded, None).decision,
        Decision::Allowed
    );
}

// --- wildcards and case ------------------------------------------------------------------------

#[test]
fn star_and_question_mark_wildcards_match_actions_and_resources() {
    let cases = [
        (
            "secretsmanager:Get*",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*",
            true,
        ),
        ("secretsmanager:GetSecret?alue", SECRET, true),
        ("*", "*", true),
        (
            "secretsmanager:*",
            "arn:aws:secretsmanager:*:*:secret:prod/db-??????",
            true,
        ),
        (
            "secretsmanager:*",
            "arn:aws:secretsmanager:*:*:secret:prod/db-?????",
            false,
        ),
        // `*` crosses `:` in Resource (plain glob on the whole ARN).
        (
            "secretsmanager:*",
            "arn:aws:secretsmanager:*secret:prod/db-*",
            true,
        ),
        ("secretsmanager:Get?", SECRET, false),
        ("secretsmanager:List*", SECRET, false),
    ];
    for (action, resource, allowed) in cases {
        let principal = role(vec![inline(json!([allow("S", action, resource)]))]);
        let decision = ask(&principal, None).decision;
        let expected = if allowed {
            Decision::Allowed
        } else {
            Decision::Denied
        };
        assert_eq!(decision, expected, "Action {action} Resource {resource}");
    }
}

#[test]
fn actions_match_case_insensitively_but_resources_case_sensitively() {
    let shouting = role(vec![inline(json!([allow(
        "S",
        "SECRETSMANAGER:getsecretVALUE",
        SECRET
    )]))]);
    assert_eq!(ask(&shouting, None).decision, Decision::Allowed);

    let capitalised = role(vec![inline(json!([allow(
        "S",
        GET,
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:Prod/db-*"
    )]))]);
    assert_eq!(ask(&capitalised, None).decision, Decision::Denied);
}

#[test]
fn a_secret_named_without_its_random_suffix_does_not_match_and_the_reason_says_so() {
    let bare = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db";
    let principal = role(vec![inline(json!([allow("ReadDb", GET, bare)]))]);
    let answer = ask(&principal, None);
    assert_eq!(answer.decision, Decision::Denied);
    assert_eq!(
        answer.reason,
        format!(
            "no statement allows {GET} on {SECRET} (statement 'ReadDb' of {INLINE} names {bare} without the \
             6-character suffix Secrets Manager appends to secret ARNs; use {bare}-?????? instead)"
        )
    );

    let with_wildcard = role(vec![inline(json!([allow(
        "ReadDb",
        GET,
        &format!("{bare}-*")
    )]))]);
    assert_eq!(ask(&with_wildcard, None).decision, Decision::Allowed);
    let with_suffix = role(vec![inline(json!([allow("ReadDb", GET, SECRET)]))]);
    assert_eq!(ask(&with_suffix, None).decision, Decision::Allowed);
}

/// The suffix hint is for a pattern that misses the secret because of its suffix, not for one
/// that covers it and fails on a condition: "use *-?????? instead" would change nothing.
#[test]
fn the_suffix_hint_is_not_given_when_the_resource_matched() {
    let bare = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db";
    let elsewhere = json!({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}});
    for resources in [json!("*"), json!([bare, SECRET])] {
        let principal = role(vec![inline(json!([{
            "Sid": "ReadDb", "Effect": "Allow", "Action": GET, "Resource": resources,
            "Condition": elsewhere
        }]))]);
        let answer = ask(&principal, None);
        assert_eq!(
            (answer.decision, answer.reason.as_str()),
            (
                Decision::Denied,
                format!("no statement allows {GET} on {SECRET}").as_str()
            ),
            "{resources}"
        );
    }
}

// --- resource policies -------------------------------------------------------------------------

fn secret_policy(statement: Value) -> Policy {
    policy("secret prod/db", doc(json!([statement])))
}

#[test]
fn a_resource_policy_naming_the_role_grants_without_an_identity_allow() {
    let grant = secret_policy(
        json!({"Sid": "WebReads", "Effect": "Allow", "Principal": {"AWS": [ROLE]}, "Action": GET, "Resource": "*"}),
    );
    let answer = ask(&role(vec![]), Some(&grant));
    assert_eq!(
        answer,
        Evaluation {
            decision: Decision::Allowed,
            explicit: false,
            deciding: statement("secret prod/db", Some("WebReads"), 0),
            reason: "allowed by statement 'WebReads' of the resource policy of secret prod/db"
                .into(),
        }
    );

    let everyone =
        secret_policy(json!({"Effect": "Allow", "Principal": "*", "Action": GET, "Resource": "*"}));
    assert_eq!(
        ask(&role(vec![]), Some(&everyone)).decision,
        Decision::Allowed
    );
}

#[test]
fn a_resource_policy_naming_another_principal_does_not_apply() {
    let grant = secret_policy(json!({
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:role/other", "Service": "ecs-tasks.amazonaws.com"},
        "Action": GET, "Resource": "*"
    }));
    assert_eq!(ask(&role(vec![]), Some(&grant)).decision, Decision::Denied);

    let deny_other = secret_policy(
        json!({"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:role/other"}, "Action": "*", "Resource": "*"}),
    );
    let principal = role(vec![inline(json!([allow("Read", GET, "*")]))]);
    assert_eq!(
        ask(&principal, Some(&deny_other)).decision,
        Decision::Allowed
    );
}

#[test]
fn a_resource_policy_naming_only_the_account_delegates_to_identity_policies() {
    for account in ["111122223333", "arn:aws:iam::111122223333:root"] {
        let grant = secret_policy(
            json!({"Effect": "Allow", "Principal": {"AWS": account}, "Action": GET, "Resource": "*"}),
        );
        assert_eq!(
            ask(&role(vec![]), Some(&grant)).decision,
            Decision::Denied,
            "{account}"
        );
        let principal = role(vec![inline(json!([allow("Read", GET, "*")]))]);
        assert_eq!(
            ask(&principal, Some(&grant)).decision,
            Decision::Allowed,
            "{account}"
        );
    }
    // A Deny naming the account applies to everyone in it.
    let deny_account = secret_policy(
        json!({"Effect": "Deny", "Principal": {"AWS": "111122223333"}, "Action": "*", "Resource": "*"}),
    );
    let principal = role(vec![inline(json!([allow("Read", GET, "*")]))]);
    assert!(ask(&principal, Some(&deny_account)).explicit);
}

#[test]
fn a_boundary_limits_a_resource_policy_grant_to_a_role_but_not_to_a_user() {
    let boundary = Some(policy(
        "boundary-ssm-only",
        doc(json!([allow("Ssm", "ssm:*", "*")])),
    ));
    let to_role = secret_policy(
        json!({"Sid": "Grant", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": GET, "Resource": "*"}),
    );
    let bounded = PrincipalPolicies {
        identity: vec![],
        permission_boundary: boundary,
    };
    let answer = ask(&bounded, Some(&to_role));
    assert_eq!(answer.decision, Decision::Denied);
    assert_eq!(
        answer.reason,
        format!("statement 'Grant' of the resource policy of secret prod/db allows {GET} on {SECRET}, but permission boundary boundary-ssm-only does not")
    );

    let to_user = secret_policy(
        json!({"Effect": "Allow", "Principal": {"AWS": USER}, "Action": GET, "Resource": "*"}),
    );
    assert_eq!(
        ask_as(USER, GET, SECRET, &bounded, Some(&to_user)).decision,
        Decision::Allowed
    );
}

#[test]
fn not_principal_deny_applies_to_principals_it_does_not_list() {
    let principal = role(vec![inline(json!([allow("Read", GET, "*")]))]);
    let others_excluded = secret_policy(json!({
        "Sid": "OnlyAdmin", "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"},
        "Action": "*", "Resource": "*"
    }));
    let answer = ask(&principal, Some(&others_excluded));
    assert_eq!((answer.decision, answer.explicit), (Decision::Denied, true));

    // Listing the role alone does not exclude its assumed-role sessions: undecidable statically.
    let role_listed = secret_policy(
        json!({"Sid": "OnlyWeb", "Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "*", "Resource": "*"}),
    );
    let answer = ask(&principal, Some(&role_listed));
    assert_eq!(answer.decision, Decision::Unknown);
    assert_eq!(
        answer.deciding,
        statement("secret prod/db", Some("OnlyWeb"), 0)
    );
    assert_eq!(
        answer.reason,
        format!(
            "allowed by statement 'Read' of {INLINE}, but the Deny statement 'OnlyWeb' of the resource policy of \
             secret prod/db lists this principal in NotPrincipal without all the ARNs AWS needs to exclude it \
             (its account, and for a role its assumed-role session), so whether it applies cannot be decided \
             statically"
        )
    );

    // Listing the role, its account and its session ARN excludes it.
    let fully_listed = secret_policy(json!({
        "Effect": "Deny",
        "NotPrincipal": {"AWS": [ROLE, "arn:aws:iam::111122223333:root", "arn:aws:sts::111122223333:assumed-role/web-exec/ecs-task"]},
        "Action": "*", "Resource": "*"
    }));
    assert_eq!(
        ask(&principal, Some(&fully_listed)).decision,
        Decision::Allowed
    );

    // NotPrincipal "*" excludes everyone.
    let nobody = secret_policy(
        json!({"Effect": "Deny", "NotPrincipal": {"AWS": "*"}, "Action": "*", "Resource": "*"}),
    );
    assert_eq!(ask(&principal, Some(&nobody)).decision, Decision::Allowed);

    // With a permission boundary, a NotPrincipal Deny denies whatever it lists (AWS documents this).
    let bounded = PrincipalPolicies {
        identity: principal.identity.clone(),
        permission_boundary: Some(policy("boundary-all", doc(json!([allow("All", "*", "*")])))),
    };
    let answer = ask(&bounded, Some(&fully_listed));
    assert_eq!((answer.decision, answer.explicit), (Decision::Denied, true));
}

// --- conditions --------------------------------------------------------------------------------

#[test]
fn an_allow_with_an_undecidable_condition_is_unknown_not_allowed() {
    let principal = role(vec![inline(json!([
        {"Effect": "Allow", "Action": GET, "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}
    ]))]);
    let answer = ask(&principal, None);
    assert_eq!(
        answer,
        Evaluation {
            decision: Decision::Unknown,
            explicit: false,
            deciding: statement(INLINE, None, 0),
            reason: format!("Statement[0] of {INLINE} has a condition on aws:SourceVpc that cannot be evaluated statically"),
        }
    );
}

#[test]
fn a_definite_allow_wins_over_an_unknown_allow() {
    let principal = role(vec![inline(json!([
        {"Effect": "Allow", "Action": GET, "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        allow("Plain", GET, "*")
    ]))]);
    let answer = ask(&principal, None);
    assert_eq!(answer.decision, Decision::Allowed);
    assert_eq!(answer.deciding, statement(INLINE, Some("Plain"), 1));
}

#[test]
fn an_unknown_deny_makes_an_allowed_result_unknown_but_not_a_denied_one() {
    let conditional_deny = json!({
        "Sid": "VpcOnly", "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}
    });
    let principal = role(vec![inline(json!([
        allow("Read", GET, "*"),
        conditional_deny.clone()
    ]))]);
    let answer = ask(&principal, None);
    assert_eq!(answer.decision, Decision::Unknown);
    assert_eq!(answer.deciding, statement(INLINE, Some("VpcOnly"), 1));
    assert_eq!(
        answer.reason,
        format!(
            "allowed by statement 'Read' of {INLINE}, but the Deny statement 'VpcOnly' of {INLINE} has a condition \
             on aws:SourceVpce that cannot be evaluated statically"
        )
    );

    let nothing_allows = role(vec![inline(json!([conditional_deny]))]);
    let answer = ask(&nothing_allows, None);
    assert_eq!(
        (answer.decision, answer.explicit),
        (Decision::Denied, false)
    );
}

#[test]
fn a_definite_deny_wins_over_an_unknown_allow() {
    let principal = role(vec![inline(json!([
        {"Effect": "Allow", "Action": GET, "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}},
        deny("Never", GET, "*")
    ]))]);
    let answer = ask(&principal, None);
    assert_eq!((answer.decision, answer.explicit), (Decision::Denied, true));
}

#[test]
fn conditions_on_keys_known_from_the_request_are_decided() {
    let with_condition = |condition: Value| {
        role(vec![inline(
            json!([{"Effect": "Allow", "Action": GET, "Resource": "*", "Condition": condition}]),
        )])
    };
    let cases = [
        (
            json!({"StringEquals": {"aws:PrincipalArn": ROLE}}),
            Decision::Allowed,
        ),
        (
            json!({"StringEquals": {"aws:principalarn": "arn:aws:iam::111122223333:role/other"}}),
            Decision::Denied,
        ),
        (
            json!({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/web-*"}}),
            Decision::Allowed,
        ),
        (
            json!({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/web-*"}}),
            Decision::Denied,
        ),
        (
            json!({"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}),
            Decision::Allowed,
        ),
        (
            json!({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
            Decision::Denied,
        ),
        (
            json!({"StringNotEquals": {"aws:PrincipalAccount": "444455556666"}}),
            Decision::Allowed,
        ),
        (
            json!({"StringEqualsIfExists": {"aws:ResourceAccount": "111122223333"}}),
            Decision::Allowed,
        ),
        (
            json!({"StringLike": {"aws:PrincipalArn": "*:role/web-???c"}}),
            Decision::Allowed,
        ),
        (
            json!({"StringEqualsIgnoreCase": {"aws:PrincipalArn": ROLE.to_uppercase()}}),
            Decision::Allowed,
        ),
        (
            json!({"Bool": {"aws:SecureTransport": true}}),
            Decision::Allowed,
        ),
        (
            json!({"Null": {"aws:PrincipalArn": "true"}}),
            Decision::Denied,
        ),
        // Policy variables resolve from the same facts.
        (
            json!({"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}}),
            Decision::Allowed,
        ),
        // Decidable and undecidable together: a false test decides, a true one leaves it unknown.
        (
            json!({"StringEquals": {"aws:RequestedRegion": "eu-west-1", "aws:SourceVpc": "vpc-1"}}),
            Decision::Denied,
        ),
        (
            json!({"StringEquals": {"aws:RequestedRegion": "us-east-1", "aws:SourceVpc": "vpc-1"}}),
            Decision::Unknown,
        ),
        (
            json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}),
            Decision::Unknown,
        ),
    ];
    for (condition, expected) in cases {
        let answer = ask(&with_condition(condition.clone()), None);
        assert_eq!(answer.decision, expected, "{condition}: {}", answer.reason);
    }
}

#[test]
fn a_deny_unless_secure_transport_does_not_block_the_ecs_agent() {
    let principal = role(vec![inline(json!([
        allow("Read", GET, "*"),
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    ]))]);
    assert_eq!(ask(&principal, None).decision, Decision::Allowed);
}

#[test]
fn policy_variables_in_resources_resolve_when_known_and_are_unknown_otherwise() {
    let account_scoped = role(vec![inline(json!([allow(
        "Own",
        GET,
        "arn:aws:secretsmanager:*:${aws:PrincipalAccount}:secret:prod/*"
    )]))]);
    assert_eq!(ask(&account_scoped, None).decision, Decision::Allowed);

    let per_user = role(vec![inline(json!([allow(
        "Mine",
        GET,
        "arn:aws:secretsmanager:*:*:secret:${aws:username}/*"
    )]))]);
    let answer = ask(&per_user, None);
    assert_eq!(answer.decision, Decision::Unknown);
    assert_eq!(
        answer.reason,
        format!("Statement 'Mine' of {INLINE} names a resource with the policy variable ${{aws:username}}, whose value is not known statically")
    );

    // Version 2008-10-17 has no policy variables: the text is literal and matches nothing here.
    let old = role(vec![policy(
        INLINE,
        json!({"Version": "2008-10-17", "Statement": [allow("Own", GET, "arn:aws:secretsmanager:*:${aws:PrincipalAccount}:secret:prod/*")]}),
    )]);
    assert_eq!(ask(&old, None).decision, Decision::Denied);
}

// --- KMS and cross-account ---------------------------------------------------------------------

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const DECRYPT: &str = "kms:Decrypt";

#[test]
fn kms_needs_the_key_policy_to_allow_directly_or_to_enable_iam_policies() {
    let principal = role(vec![inline(json!([allow("Decrypt", DECRYPT, KEY)]))]);

    let missing = ask_as(ROLE, DECRYPT, KEY, &principal, None);
    assert_eq!(missing.decision, Decision::Unknown);
    assert_eq!(
        missing.reason,
        format!("the key policy of {KEY} was not provided, and KMS grants nothing unless the key policy allows it")
    );

    let default_key_policy = policy(
        "key alias/app",
        doc(
            json!([{"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]),
        ),
    );
    let answer = ask_as(ROLE, DECRYPT, KEY, &principal, Some(&default_key_policy));
    assert_eq!(answer.decision, Decision::Allowed);
    assert_eq!(answer.deciding, statement(INLINE, Some("Decrypt"), 0));
    // Delegation alone grants nothing.
    assert_eq!(
        ask_as(ROLE, DECRYPT, KEY, &role(vec![]), Some(&default_key_policy)).decision,
        Decision::Denied
    );

    let admins_only = policy(
        "key alias/app",
        doc(
            json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Action": "kms:*", "Resource": "*"}]),
        ),
    );
    let answer = ask_as(ROLE, DECRYPT, KEY, &principal, Some(&admins_only));
    assert_eq!(answer.decision, Decision::Denied);
    assert_eq!(
        answer.reason,
        format!(
            "statement 'Decrypt' of {INLINE} allows kms:Decrypt on {KEY}, but the key policy of key alias/app \
             neither allows this principal nor lets the account's IAM policies grant access"
        )
    );

    let names_role = policy(
        "key alias/app",
        doc(
            json!([{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": DECRYPT, "Resource": "*"}]),
        ),
    );
    assert_eq!(
        ask_as(ROLE, DECRYPT, KEY, &role(vec![]), Some(&names_role)).decision,
        Decision::Allowed
    );
}

#[test]
fn cross_account_access_needs_both_the_identity_and_the_resource_policy() {
    let shared = "arn:aws:secretsmanager:us-east-1:444455556666:secret:shared/api-QwErTy";
    let principal = role(vec![inline(json!([allow("Read", GET, "*")]))]);

    let answer = ask_as(ROLE, GET, shared, &principal, None);
    assert_eq!(answer.decision, Decision::Denied);
    assert_eq!(
        answer.reason,
        format!("{shared} is in account 444455556666 and {ROLE} in another; cross-account access needs a resource policy that allows it, and none was given")
    );

    let trusts_account = policy(
        "secret shared/api",
        doc(
            json!([{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": GET, "Resource": "*"}]),
        ),
    );
    assert_eq!(
        ask_as(ROLE, GET, shared, &principal, Some(&trusts_account)).decision,
        Decision::Allowed
    );

    let names_role = policy(
        "secret shared/api",
        doc(
            json!([{"Sid": "Web", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": GET, "Resource": "*"}]),
        ),
    );
    let answer = ask_as(ROLE, GET, shared, &role(vec![]), Some(&names_role));
    assert_eq!(answer.decision, Decision::Denied);
    assert_eq!(
        answer.reason,
        format!("statement 'Web' of the resource policy of secret shared/api allows {GET} on {shared}, but no identity-based statement does, which cross-account access needs")
    );
}

// --- requests that name their resource only partly ----------------------------------------------

#[test]
fn a_principal_given_by_name_is_unknown() {
    let principal = role(vec![inline(json!([allow("Read", GET, "*")]))]);
    let by_name = ask_as("web-exec", GET, SECRET, &principal, None);
    assert_eq!(by_name.decision, Decision::Unknown);
    assert_eq!(
        by_name.reason,
        "principal web-exec is not an ARN, so policies cannot be matched against it"
    );
}

#[test]
fn a_partial_secret_arn_is_decided_where_the_missing_suffix_cannot_matter() {
    let partial = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db";
    let decision = |resource_pattern: &str| {
        let principal = role(vec![inline(json!([allow("Read", GET, resource_pattern)]))]);
        ask_as(ROLE, GET, partial, &principal, None)
    };
    // Any suffix matches these.
    assert_eq!(
        decision(&format!("{partial}-??????")).decision,
        Decision::Allowed
    );
    assert_eq!(
        decision("arn:aws:secretsmanager:*:*:secret:prod/*").decision,
        Decision::Allowed
    );
    // No suffix matches these.
    assert_eq!(decision(partial).decision, Decision::Denied);
    assert_eq!(
        decision("arn:aws:secretsmanager:*:*:secret:staging/*").decision,
        Decision::Denied
    );
    // This one depends on the suffix.
    let answer = decision(SECRET);
    assert_eq!(answer.decision, Decision::Unknown);
    assert_eq!(
        answer.reason,
        format!(
            "Statement 'Read' of {INLINE} names {SECRET}, and the request gives the secret as the partial ARN \
             {partial}, whose 6-character suffix decides whether that matches"
        )
    );
}

#[test]
fn a_resource_given_by_name_is_decided_only_by_wildcard_resources_or_by_the_action() {
    let by_name = "prod/db";
    let everywhere = role(vec![inline(json!([allow("Read", GET, "*")]))]);
    assert_eq!(
        ask_as(ROLE, GET, by_name, &everywhere, None).decision,
        Decision::Allowed
    );

    let specific = role(vec![inline(json!([allow("Read", GET, SECRET)]))]);
    let answer = ask_as(ROLE, GET, by_name, &specific, None);
    assert_eq!(answer.decision, Decision::Unknown);
    assert_eq!(
        answer.reason,
        format!("Statement 'Read' of {INLINE} names resources by ARN, and the request gives prod/db, which is not one")
    );

    // A role that lacks the action altogether is denied whatever the resource is.
    let no_secrets = role(vec![inline(json!([allow("Logs", "logs:*", "*")]))]);
    let answer = ask_as(ROLE, GET, by_name, &no_secrets, None);
    assert_eq!(
        (answer.decision, answer.explicit),
        (Decision::Denied, false)
    );
}

#[test]
fn caller_supplied_context_decides_kms_via_service_conditions() {
    // The shape of the key policy of a key that Secrets Manager uses on its callers' behalf.
    let via_secrets_manager = policy(
        "key alias/secrets",
        doc(json!([{
            "Sid": "ThroughSecretsManager", "Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333", "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
        }])),
    );
    let request = Request {
        principal_arn: ROLE,
        action: DECRYPT,
        resource: KEY,
    };
    let nobody = role(vec![]);

    let without = evaluate(&request, &nobody, Some(&via_secrets_manager));
    assert_eq!(without.decision, Decision::Unknown);
    assert_eq!(
        without.reason,
        "Statement 'ThroughSecretsManager' of the key policy of key alias/secrets has a condition on \
         kms:ViaService that cannot be evaluated statically"
    );

    let through =
        RequestFacts::new().with("kms:ViaService", "secretsmanager.us-east-1.amazonaws.com");
    let answer = evaluate_with_context(&request, &through, &nobody, Some(&via_secrets_manager));
    assert_eq!(answer.decision, Decision::Allowed, "{}", answer.reason);

    let elsewhere = RequestFacts::new().with("KMS:VIASERVICE", "s3.us-east-1.amazonaws.com");
    let answer = evaluate_with_context(&request, &elsewhere, &nobody, Some(&via_secrets_manager));
    assert_eq!(answer.decision, Decision::Denied);
}

#[test]
fn policy_names_that_already_say_their_part_are_not_repeated() {
    let principal = PrincipalPolicies {
        identity: vec![inline(json!([allow("Read", GET, "*")]))],
        permission_boundary: Some(policy(
            "permission boundary ssm-only on role web-exec",
            doc(json!([allow("Ssm", "ssm:*", "*")])),
        )),
    };
    assert_eq!(
        ask(&principal, None).reason,
        format!("statement 'Read' of {INLINE} allows {GET} on {SECRET}, but permission boundary ssm-only on role web-exec does not")
    );

    let named_with_part = policy(
        "resource policy of secret prod/db",
        doc(
            json!([{"Sid": "No", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]),
        ),
    );
    assert_eq!(
        ask(&role(vec![]), Some(&named_with_part)).reason,
        "denied by statement 'No' of resource policy of secret prod/db"
    );
}

#[test]
fn set_operators_on_single_valued_keys_are_decided_as_aws_defines_them() {
    let request = Request {
        principal_arn: ROLE,
        action: GET,
        resource: SECRET,
    };
    let decide = |condition: Value, facts: &RequestFacts| {
        let principal = role(vec![inline(
            json!([{"Effect": "Allow", "Action": GET, "Resource": "*", "Condition": condition}]),
        )]);
        let answer = evaluate_with_context(&request, facts, &principal, None);
        (answer.decision, answer.reason)
    };
    let payments = RequestFacts::new().resource_tags("secretsmanager", [("team", "payments")]);
    let untagged = RequestFacts::new().resource_tags("secretsmanager", Vec::<(&str, &str)>::new());
    let empty = RequestFacts::new().resource_tags("secretsmanager", [("team", "")]);
    let team = "secretsmanager:ResourceTag/team";
    let cases = [
        // A present value: tested as the operator without the qualifier.
        (
            json!({"ForAnyValue:StringEquals": {"aws:PrincipalArn": ROLE}}),
            &payments,
            Decision::Allowed,
        ),
        (
            json!({"ForAllValues:StringEquals": {team: ["payments", "search"]}}),
            &payments,
            Decision::Allowed,
        ),
        (
            json!({"ForAllValues:StringEquals": {team: "search"}}),
            &payments,
            Decision::Denied,
        ),
        (
            json!({"ForAnyValue:StringLike": {team: "pay*"}}),
            &payments,
            Decision::Allowed,
        ),
        (
            json!({"ForAnyValue:StringNotEquals": {team: "payments"}}),
            &payments,
            Decision::Denied,
        ),
        (
            json!({"ForAllValues:StringNotEquals": {team: "search"}}),
            &payments,
            Decision::Allowed,
        ),
        // An absent key: ForAllValues holds (an empty set), ForAnyValue does not.
        (
            json!({"ForAllValues:StringEquals": {team: "payments"}}),
            &untagged,
            Decision::Allowed,
        ),
        (
            json!({"ForAnyValue:StringEquals": {team: "payments"}}),
            &untagged,
            Decision::Denied,
        ),
        (
            json!({"ForAnyValue:StringNotEquals": {team: "payments"}}),
            &untagged,
            Decision::Denied,
        ),
        // An empty value is an empty set too.
        (
            json!({"ForAllValues:StringEquals": {team: "payments"}}),
            &empty,
            Decision::Allowed,
        ),
        (
            json!({"ForAnyValue:StringEquals": {team: ""}}),
            &empty,
            Decision::Denied,
        ),
    ];
    for (condition, facts, expected) in cases {
        let (decision, reason) = decide(condition.clone(), facts);
        assert_eq!(decision, expected, "{condition}: {reason}");
    }
    // A key the request does not tell stays unknown, set operator or not.
    let (decision, reason) = decide(
        json!({"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}}),
        &payments,
    );
    assert_eq!(decision, Decision::Unknown, "{reason}");
}

#[test]
fn a_complete_tag_set_decides_tag_conditions_including_tags_the_secret_lacks() {
    let request = Request {
        principal_arn: ROLE,
        action: GET,
        resource: SECRET,
    };
    let tagged = |tags: &[(&str, &str)]| {
        RequestFacts::new().resource_tags("secretsmanager", tags.iter().copied())
    };
    let decide = |condition: Value, facts: &RequestFacts| {
        let principal = role(vec![inline(
            json!([{"Effect": "Allow", "Action": GET, "Resource": "*", "Condition": condition}]),
        )]);
        evaluate_with_context(&request, facts, &principal, None).decision
    };

    let team_payments = json!({"StringEquals": {"secretsmanager:ResourceTag/team": "payments"}});
    assert_eq!(
        decide(team_payments.clone(), &tagged(&[("team", "payments")])),
        Decision::Allowed
    );
    assert_eq!(
        decide(team_payments.clone(), &tagged(&[("team", "search")])),
        Decision::Denied
    );
    assert_eq!(
        decide(team_payments.clone(), &tagged(&[])),
        Decision::Denied
    );
    assert_eq!(
        decide(team_payments, &RequestFacts::new()),
        Decision::Unknown
    );

    // A tag the secret lacks: negated operators, IfExists and Null hold; the rest fail.
    let untagged = tagged(&[("team", "payments")]);
    let cases = [
        (
            json!({"StringNotEquals": {"aws:ResourceTag/env": "prod"}}),
            Decision::Allowed,
        ),
        (
            json!({"StringEqualsIfExists": {"aws:ResourceTag/env": "prod"}}),
            Decision::Allowed,
        ),
        (
            json!({"Null": {"aws:ResourceTag/env": "true"}}),
            Decision::Allowed,
        ),
        (
            json!({"Null": {"aws:ResourceTag/env": "false"}}),
            Decision::Denied,
        ),
        (
            json!({"StringLike": {"aws:ResourceTag/env": "*"}}),
            Decision::Denied,
        ),
        (
            json!({"Null": {"aws:ResourceTag/team": "false"}}),
            Decision::Allowed,
        ),
    ];
    for (condition, expected) in cases {
        assert_eq!(
            decide(condition.clone(), &untagged),
            expected,
            "{condition}"
        );
    }
}

/// Several values of one key are alternatives for `Null` too: `["true", "false"]` holds whether
/// the key is there or not.
#[test]
fn null_with_both_values_holds_for_a_present_and_an_absent_key() {
    let request = Request {
        principal_arn: ROLE,
        action: GET,
        resource: SECRET,
    };
    let principal = role(vec![inline(json!([{
        "Effect": "Allow", "Action": GET, "Resource": "*",
        "Condition": {"Null": {"aws:ResourceTag/env": ["true", "false"]}}
    }]))]);
    for tags in [vec![("env", "prod")], vec![("team", "web")]] {
        let facts = RequestFacts::new().resource_tags("secretsmanager", tags.clone());
        let answer = evaluate_with_context(&request, &facts, &principal, None);
        assert_eq!(
            answer.decision,
            Decision::Allowed,
            "{tags:?}: {}",
            answer.reason
        );
    }
}

// --- the incident ------------------------------------------------------------------------------

/// The AWS managed policy every ECS execution role starts with, URL-encoded as GetPolicyVersion
/// returns it. It lets ECS pull images and write logs, but not read secrets.
const ECS_TASK_EXECUTION_ROLE_POLICY: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22ecr%3AGetAuthorizationToken%22%2C%22ecr%3ABatchCheckLayerAvailability%22%2C%22ecr%3AGetDownloadUrlForLayer%22%2C%22ecr%3ABatchGetImage%22%2C%22logs%3ACreateLogStream%22%2C%22logs%3APutLogEvents%22%5D%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";

#[test]
fn an_execution_role_with_only_the_ecs_managed_policy_cannot_read_its_secrets() {
    let managed = Policy {
        name:
            "managed policy arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
                .into(),
        document: PolicyDocument::parse(ECS_TASK_EXECUTION_ROLE_POLICY).unwrap(),
    };
    let production = role(vec![managed.clone()]);
    let answer = ask(&production, None);
    assert_eq!(
        (answer.decision, answer.explicit, answer.reason.as_str()),
        (
            Decision::Denied,
            false,
            format!("no statement allows {GET} on {SECRET}").as_str()
        )
    );
    let pull = ask_as(
        ROLE,
        "ecr:BatchGetImage",
        "arn:aws:ecr:us-east-1:111122223333:repository/web",
        &production,
        None,
    );
    assert_eq!(pull.decision, Decision::Allowed);

    let staging = role(vec![
        managed,
        inline(json!([allow(
            "ReadSecrets",
            GET,
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*"
        )])),
    ]);
    assert_eq!(ask(&staging, None).decision, Decision::Allowed);
}
