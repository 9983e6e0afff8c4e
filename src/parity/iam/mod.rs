//! Static IAM policy evaluation for parity check 4: can the ECS execution role read the secrets
//! its task definition references (`secretsmanager:GetSecretValue`, and `kms:Decrypt` on a
//! customer-managed key)?
//!
//! Pure: it reads policy documents (parsed by [`PolicyDocument::parse`] from the text AWS or a
//! snapshot returns) and never calls AWS. Each answer is allowed, denied or unknown, with the
//! statement that decided it and one sentence of explanation:
//!
//! ```
//! use preflight::parity::iam::*;
//! let doc = PolicyDocument::parse(r#"{"Version": "2012-10-17", "Statement": {"Sid": "Read",
//!     "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
//!     "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*"}}"#).unwrap();
//! let role = PrincipalPolicies {
//!     identity: vec![Policy { name: "inline policy exec on role web".into(), document: doc }],
//!     permission_boundary: None,
//! };
//! let request = Request {
//!     principal_arn: "arn:aws:iam::111122223333:role/web",
//!     action: "secretsmanager:GetSecretValue",
//!     resource: "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123",
//! };
//! let answer = evaluate(&request, &role, None);
//! assert_eq!(answer.decision, Decision::Allowed);
//! assert_eq!(answer.reason, "allowed by statement 'Read' of inline policy exec on role web");
//! ```
//!
//! Modules: [`document`] parses, [`matching`] does IAM's wildcard and ARN matching, [`condition`]
//! and `principal` decide those elements, [`evaluate`](mod@evaluate) combines them as AWS's policy
//! evaluation logic does (its module docs list what is and is not modelled), and
//! [`permissions`] flattens a role's policies for comparing environments.

mod applies;
pub mod condition;
pub mod document;
pub mod evaluate;
pub mod matching;
pub mod permissions;
mod principal;
mod statement;
pub mod trust;

pub use condition::RequestFacts;
pub use document::{
    Condition, Effect, Matcher, PolicyDocument, PolicyParseError, PolicyStatement, PolicyVersion,
    PrincipalEntry,
};
pub use evaluate::{
    evaluate, evaluate_with_context, Decision, Evaluation, Policy, PrincipalPolicies, Request,
    StatementRef,
};
pub use matching::secret_arn_without_suffix;
pub use permissions::{permission_set, Permission, PermissionSource};
