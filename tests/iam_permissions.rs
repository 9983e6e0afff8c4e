//! Comparing two environments' roles through their normalised permission sets.

use preflight::parity::iam::{
    permission_set, Effect, Permission, PermissionSource, Policy, PolicyDocument, PrincipalPolicies,
};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn policy(name: &str, document: Value) -> Policy {
    Policy {
        name: name.to_string(),
        document: PolicyDocument::from_value(&document).unwrap(),
    }
}

/// What the parity helper supplies: account ids and environment names to placeholders.
fn normalise(text: &str) -> String {
    text.replace("111122223333", "{account}")
        .replace("444455556666", "{account}")
        .replace("production", "{env}")
        .replace("staging", "{env}")
}

fn exec_role(account: &str, env: &str, actions: Value) -> PrincipalPolicies {
    PrincipalPolicies {
        identity: vec![
            policy(
                &format!("inline policy secrets on role {env}-exec"),
                json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow",
                    "Action": actions,
                    "Resource": format!("arn:aws:secretsmanager:us-east-1:{account}:secret:{env}/*")
                }]}),
            ),
            policy(
                "managed policy arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
                json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow",
                    "Action": ["ecr:GetAuthorizationToken", "logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": "*"
                }]}),
            ),
        ],
        permission_boundary: None,
    }
}

fn difference(a: &BTreeSet<Permission>, b: &BTreeSet<Permission>) -> Vec<String> {
    a.difference(b).map(ToString::to_string).collect()
}

#[test]
fn roles_that_differ_only_by_account_and_environment_have_equal_permission_sets() {
    let staging = exec_role(
        "111122223333",
        "staging",
        json!(["secretsmanager:GetSecretValue", "kms:Decrypt"]),
    );
    // Same grants, written with different case and order.
    let production = exec_role(
        "444455556666",
        "production",
        json!(["KMS:Decrypt", "secretsmanager:getSecretValue"]),
    );
    assert_eq!(
        permission_set(&staging, &normalise),
        permission_set(&production, &normalise)
    );
}

#[test]
fn a_missing_grant_shows_as_exactly_one_permission() {
    let staging = permission_set(
        &exec_role(
            "111122223333",
            "staging",
            json!(["secretsmanager:GetSecretValue", "kms:Decrypt"]),
        ),
        &normalise,
    );
    let production = permission_set(
        &exec_role("444455556666", "production", json!(["kms:Decrypt"])),
        &normalise,
    );
    assert_eq!(
        difference(&staging, &production),
        vec!["Allow secretsmanager:getsecretvalue on arn:aws:secretsmanager:us-east-1:{account}:secret:{env}/*"]
    );
    assert!(difference(&production, &staging).is_empty());
    let missing = staging.difference(&production).next().unwrap();
    assert_eq!(
        missing,
        &Permission {
            source: PermissionSource::Identity,
            effect: Effect::Allow,
            action: "secretsmanager:getsecretvalue".into(),
            resource: "arn:aws:secretsmanager:us-east-1:{account}:secret:{env}/*".into(),
            condition: None,
        }
    );
}

#[test]
fn which_policy_holds_a_grant_does_not_matter() {
    let one_policy = PrincipalPolicies {
        identity: vec![policy(
            "inline a",
            json!({"Statement": {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}}),
        )],
        permission_boundary: None,
    };
    let two_policies = PrincipalPolicies {
        identity: vec![
            policy(
                "managed x",
                json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}),
            ),
            policy(
                "managed y",
                json!({"Statement": {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}}),
            ),
        ],
        permission_boundary: None,
    };
    assert_eq!(
        permission_set(&one_policy, &normalise),
        permission_set(&two_policies, &normalise)
    );
}

#[test]
fn negations_conditions_denies_and_boundaries_are_kept_distinct() {
    let principal = PrincipalPolicies {
        identity: vec![policy(
            "inline",
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "NotAction": ["iam:*", "Organizations:*"], "NotResource": "arn:aws:s3:::production-*"},
                {"Effect": "Deny", "Action": "secretsmanager:DeleteSecret", "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ["444455556666"]}, "Bool": {"aws:SecureTransport": false}}}
            ]}),
        )],
        permission_boundary: Some(policy(
            "boundary",
            json!({"Statement": {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}}),
        )),
    };
    let rendered: Vec<String> = permission_set(&principal, &normalise)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        rendered,
        vec![
            "Allow NOT(iam:*, organizations:*) on NOT(arn:aws:s3:::{env}-*)",
            "Deny secretsmanager:deletesecret on * when Bool aws:securetransport [false] and StringNotEquals aws:principalaccount [{account}]",
            "Allow secretsmanager:* on * (permission boundary)",
        ]
    );
}
