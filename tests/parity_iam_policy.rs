//! The README's least-privilege policy for the role preflight runs as lists exactly the AWS
//! calls the live reader makes (found in src/parity/aws by their SDK method names), apart from
//! the two the README names as needed only with a flag.

use std::collections::BTreeSet;
use std::path::Path;

/// SDK client field → IAM service prefix.
const CLIENTS: &[(&str, &str)] = &[
    ("ecs", "ecs"),
    ("secrets", "secretsmanager"),
    ("ssm", "ssm"),
    ("kms", "kms"),
    ("iam", "iam"),
    ("sts", "sts"),
    ("rds", "rds"),
    ("autoscaling", "application-autoscaling"),
    ("ecr", "ecr"),
    ("logs", "logs"),
    ("s3", "s3"),
];

/// SDK operations that IAM authorises under another action's name.
const AUTHORISED_AS: &[(&str, &str)] = &[("s3:HeadObject", "s3:GetObject")];

/// Only with `--verify-secret-keys` / `--simulate`, as the README says under the policy.
const FLAGGED: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "iam:SimulatePrincipalPolicy",
];

fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            // RDS spells its acronym in capitals: `describe_db_instances` is DescribeDBInstances.
            if w == "db" {
                return "DB".to_string();
            }
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `secretsmanager:DescribeSecret` for every `CLIENT.describe_secret(` in the reader.
fn calls_in_code() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/parity/aws");
    let mut calls = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("src/parity/aws") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("source");
        let code: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for (field, service) in CLIENTS {
            let needle = format!("{field}.");
            for (at, _) in code.match_indices(&needle) {
                let before = code[..at].chars().last();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &code[at + needle.len()..];
                let op: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                let is_call = rest[op.len()..].starts_with('(');
                let verb = [
                    "describe_",
                    "list_",
                    "get_",
                    "simulate_",
                    "batch_get_",
                    "head_",
                ]
                .iter()
                .any(|v| op.starts_with(v));
                if is_call && verb {
                    let call = format!("{service}:{}", pascal(&op));
                    let action = AUTHORISED_AS
                        .iter()
                        .find(|(op, _)| *op == call)
                        .map_or(call, |(_, action)| action.to_string());
                    calls.insert(action);
                }
            }
        }
    }
    calls
}

fn readme_policy() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let section = readme
        .split("## What the gate itself may do in AWS")
        .nth(1)
        .expect("the policy section");
    let json = section
        .split("```json")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a JSON policy");
    let policy: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    policy["Statement"][0]["Action"]
        .as_array()
        .expect("Action list")
        .iter()
        .map(|a| a.as_str().expect("string").to_string())
        .collect()
}

#[test]
fn the_readme_policy_lists_exactly_the_calls_the_reader_makes() {
    let code = calls_in_code();
    assert!(code.contains("ecs:DescribeTaskDefinition"), "{code:?}");
    for new in [
        "ecr:DescribeImages",
        "logs:DescribeLogGroups",
        "s3:GetObject",
    ] {
        assert!(
            code.contains(new),
            "{new} not found in the reader: {code:?}"
        );
    }
    let policy = readme_policy();
    let unflagged: BTreeSet<String> = code
        .iter()
        .filter(|c| !FLAGGED.contains(&c.as_str()))
        .cloned()
        .collect();
    let missing: Vec<&String> = unflagged.difference(&policy).collect();
    let unused: Vec<&String> = policy.difference(&unflagged).collect();
    assert!(
        missing.is_empty(),
        "called but not in the README policy: {missing:?}"
    );
    assert!(
        unused.is_empty(),
        "in the README policy but never called: {unused:?}"
    );
    for action in policy {
        let (_, op) = action.split_once(':').expect("service:Action");
        assert!(
            ["Describe", "List", "Get", "BatchGet"]
                .iter()
                .any(|v| op.starts_with(v)),
            "read-only: {action}"
        );
    }
}
