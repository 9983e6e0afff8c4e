//! Parsing IAM policy documents as AWS, moto and snapshot files return them.

use preflight::parity::iam::{
    Condition, Effect, Matcher, PolicyDocument, PolicyVersion, PrincipalEntry,
};

const RAW: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "ReadSecrets",
    "Effect": "Allow",
    "Action": ["secretsmanager:GetSecretValue", "kms:Decrypt"],
    "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-*"
  }]
}"#;

/// What IAM's GetPolicyVersion returns: the same document, RFC 3986 URL-encoded.
fn url_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn parse_err(text: &str) -> String {
    PolicyDocument::parse(text).unwrap_err().message
}

#[test]
fn url_encoded_and_raw_documents_parse_to_the_same_policy() {
    let encoded = url_encoded(RAW);
    assert!(encoded.starts_with("%7B"), "{encoded}");
    let raw = PolicyDocument::parse(RAW).unwrap();
    assert_eq!(PolicyDocument::parse(&encoded).unwrap(), raw);

    assert_eq!(raw.version, PolicyVersion::V2012_10_17);
    let statement = &raw.statements[0];
    assert_eq!(statement.sid.as_deref(), Some("ReadSecrets"));
    assert_eq!(statement.effect, Effect::Allow);
    assert_eq!(
        statement.action,
        Matcher::Only(vec![
            "secretsmanager:GetSecretValue".into(),
            "kms:Decrypt".into()
        ])
    );
    assert_eq!(
        statement.resource,
        Some(Matcher::Only(vec![
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-*".into()
        ]))
    );
}

#[test]
fn a_plus_in_an_encoded_document_is_not_a_space() {
    // IAM names may contain `+`; RFC 3986 decoding keeps it (only %20 is a space).
    let doc = r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a+b/c d"}}"#;
    let encoded = url_encoded(doc).replace("%2B", "+");
    let parsed = PolicyDocument::parse(&encoded).unwrap();
    assert_eq!(
        parsed.statements[0].resource,
        Some(Matcher::Only(vec!["arn:aws:s3:::a+b/c d".into()]))
    );
}

#[test]
fn a_single_statement_object_is_accepted_and_version_defaults_to_2008() {
    let doc = PolicyDocument::parse(
        r#"{"Statement": {"Effect": "Deny", "NotAction": "iam:*", "NotResource": ["a", "b"]}}"#,
    )
    .unwrap();
    assert_eq!(doc.version, PolicyVersion::V2008_10_17);
    assert_eq!(doc.statements.len(), 1);
    let statement = &doc.statements[0];
    assert_eq!(statement.effect, Effect::Deny);
    assert_eq!(statement.action, Matcher::AllExcept(vec!["iam:*".into()]));
    assert_eq!(
        statement.resource,
        Some(Matcher::AllExcept(vec!["a".into(), "b".into()]))
    );
}

#[test]
fn principals_and_conditions_are_read() {
    let doc = PolicyDocument::parse(
        r#"{"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::111122223333:role/web", "444455556666"], "Service": "ecs-tasks.amazonaws.com"},
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": false}, "StringEquals": {"aws:SourceVpc": ["vpc-1", "vpc-2"]}}
        }, {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}]}"#,
    )
    .unwrap();
    assert_eq!(
        doc.statements[0].principal,
        Some(Matcher::Only(vec![
            PrincipalEntry::Aws("arn:aws:iam::111122223333:role/web".into()),
            PrincipalEntry::Aws("444455556666".into()),
            PrincipalEntry::Service("ecs-tasks.amazonaws.com".into()),
        ]))
    );
    assert_eq!(
        doc.statements[0].conditions,
        vec![
            Condition {
                operator: "Bool".into(),
                key: "aws:SecureTransport".into(),
                values: vec!["false".into()]
            },
            Condition {
                operator: "StringEquals".into(),
                key: "aws:SourceVpc".into(),
                values: vec!["vpc-1".into(), "vpc-2".into()],
            },
        ]
    );
    assert_eq!(
        doc.statements[1].principal,
        Some(Matcher::Only(vec![PrincipalEntry::Everyone]))
    );
}

#[test]
fn malformed_documents_name_the_element_at_fault() {
    assert!(parse_err("{not json").starts_with("policy document is not valid JSON: "));
    assert!(parse_err("%7Bnot json").starts_with("policy document is not valid JSON: "));
    assert_eq!(
        parse_err("[]"),
        "policy document must be a JSON object, found an array"
    );
    assert_eq!(parse_err("{}"), "policy document has no Statement element");
    assert_eq!(
        parse_err(r#"{"Version": "2012-10-17", "Statements": []}"#),
        r#"unknown policy element "Statements" (expected Version, Id, Statement)"#
    );
    assert_eq!(
        parse_err(r#"{"Version": "2020-01-01", "Statement": []}"#),
        r#"Version: expected "2012-10-17" or "2008-10-17", found "2020-01-01""#
    );
    assert_eq!(
        parse_err(r#"{"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]}"#),
        r#"Statement[0].Effect: expected "Allow" or "Deny", found "Permit""#
    );
    assert_eq!(
        parse_err(r#"{"Statement": [{"Effect": "Allow", "Resource": "*"}]}"#),
        "Statement[0]: statement has neither Action nor NotAction"
    );
    assert_eq!(
        parse_err(r#"{"Statement": [{"Action": "*", "Resource": "*"}]}"#),
        "Statement[0]: statement has no Effect"
    );
    assert_eq!(
        parse_err(
            r#"{"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}]}"#
        ),
        "Statement[0]: statement has both Action and NotAction; use one of them"
    );
    assert_eq!(
        parse_err(r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resources": "*"}]}"#),
        "Statement[0]: unknown statement element \"Resources\" (expected Sid, Effect, Action, NotAction, \
         Resource, NotResource, Principal, NotPrincipal, Condition)"
    );
    assert_eq!(
        parse_err(
            r#"{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", 7], "Resource": "*"}]}"#
        ),
        "Statement[0].Action[1]: expected a string, found a number"
    );
    assert_eq!(
        parse_err(r#"{"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}"#),
        "Statement[0].Action: expected a string or a non-empty array of strings, found an empty array"
    );
    assert_eq!(
        parse_err(r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Principal": {"Aws2": "x"}}]}"#),
        "Statement[0].Principal: unknown principal type \"Aws2\" (expected AWS, Service, Federated, CanonicalUser)"
    );
    assert_eq!(
        parse_err(
            r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"Bool": "true"}}]}"#
        ),
        "Statement[0].Condition.Bool: expected an object, found a string"
    );
    assert_eq!(
        parse_err(r#"{"Statement": 3}"#),
        "Statement: expected an object or an array of objects, found a number"
    );
    // Invalid UTF-8 behind percent escapes.
    assert_eq!(
        parse_err("%7B%FF%7D"),
        "URL-encoded policy document does not decode to UTF-8"
    );
}

#[test]
fn every_error_is_one_line() {
    for bad in [
        "{\n\"Statement\": [\n{\"Effect\": 1}]}",
        "{\n\n",
        "%7B%0A%22a%22",
    ] {
        let message = parse_err(bad);
        assert!(!message.contains('\n'), "{message:?}");
    }
}
