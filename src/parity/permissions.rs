//! Check 4: IAM. ECS injects secrets with the task's *execution role*: it must be allowed
//! `secretsmanager:GetSecretValue` on every referenced secret (`ssm:GetParameters` on every
//! parameter) and `kms:Decrypt` on a customer-managed key. Decided statically by the IAM
//! evaluator from the snapshot's policies, the secret's resource policy and the key policy.
//! Then the normalised permission sets of corresponding roles are compared across environments.

use super::environment::Environment;
use super::iam::matching::Arn;
use super::iam::{
    self, Decision, Evaluation, Permission, Policy, PolicyDocument, PrincipalPolicies, Request,
    RequestFacts,
};
use super::reference::{ParameterReference, ValueFrom};
use super::rules::*;
use super::snapshot::{ContainerDefinition, LookupStatus, PolicyRecord, RoleRecord, SecretSource};
use crate::diagnostics::Finding;
use crate::diagnostics::RuleInfo;
use indexmap::IndexMap;
use std::collections::{BTreeMap, BTreeSet};

pub const GET_SECRET_VALUE: &str = "secretsmanager:GetSecretValue";
pub const GET_PARAMETERS: &str = "ssm:GetParameters";
pub const KMS_DECRYPT: &str = "kms:Decrypt";

/// One question the static evaluation answered (kept so `--simulate` can ask IAM the same).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Question {
    pub principal_arn: String,
    pub action: String,
    pub resource: String,
    /// A resource or key policy took part in the static answer (the simulator cannot see it).
    pub with_resource_policy: bool,
}

pub fn check(envs: &[Environment]) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Per environment: (index into `findings`, action) of every denied execution-role read.
    let mut denied = Vec::new();
    for env in envs {
        let outcome = check_environment(env);
        let offset = findings.len();
        denied.push(
            outcome
                .denied
                .iter()
                .map(|&(i, action)| (offset + i, action))
                .collect::<Vec<_>>(),
        );
        findings.extend(outcome.findings);
    }
    let drift = compare_permission_sets(envs, &mut findings, &denied);
    findings.extend(drift);
    findings
}

/// Every (role, action, resource) the static evaluation decided in this environment.
pub fn questions(env: &Environment) -> Vec<(Question, Decision)> {
    check_environment(env).decided
}

/// What the evaluation of one environment found.
struct Outcome {
    findings: Vec<Finding>,
    /// `(index into findings, action)` for each denial.
    denied: Vec<(usize, &'static str)>,
    decided: Vec<(Question, Decision)>,
}

/// One request to decide, with what the answer is about.
struct Ask<'a> {
    variable: &'a str,
    role: &'a str,
    action: &'static str,
    resource: String,
    resource_policy: Option<Policy>,
    /// What is known for certain about the request (tags, the service decrypting on its behalf).
    facts: RequestFacts,
    rule: &'static RuleInfo,
}

fn check_environment(env: &Environment) -> Outcome {
    let mut findings = Vec::new();
    let mut denied = Vec::new();
    let mut decided = Vec::new();
    let mut asked = BTreeSet::new();
    let e = env.name.as_str();
    let mut tasks_seen = BTreeSet::new();
    for service in &env.snapshot.services {
        let Some(task) = &service.task_definition else {
            continue;
        };
        if task
            .container_definitions
            .iter()
            .all(|c| c.secret_sources().next().is_none())
            || !tasks_seen.insert(task.task_definition_arn.clone())
        {
            continue;
        }
        let Some(role_ref) = task.execution_role_arn.as_deref() else {
            findings.push(finding(
                &EXECUTION_ROLE_CANNOT_READ_SECRET,
                e,
                format!("{}: execution role", service.name),
                format!("service `{}` in {e} injects secrets but its task definition has no execution role", service.name),
            ));
            continue;
        };
        let principal = match principal_policies(env, role_ref) {
            Ok(p) => p,
            Err(why) => {
                findings.push(why.subject_role(e, role_ref));
                continue;
            }
        };
        let Some(principal_arn) = role_arn(env, role_ref) else {
            findings.push(
                finding(
                    &IAM_UNKNOWN,
                    e,
                    role_ref,
                    format!(
                        "{e}: the account of execution role `{role_ref}` is unknown, so is its ARN"
                    ),
                )
                .unknown(),
            );
            continue;
        };
        let mut asks = Vec::new();
        // Variables, log options and registry credentials alike.
        for source in task
            .container_definitions
            .iter()
            .flat_map(ContainerDefinition::secret_sources)
        {
            match asks_for(env, source.label, role_ref, &source) {
                Ok(more) => asks.extend(more),
                Err(f) => findings.push(*f),
            }
        }
        for ask in asks {
            // The facts are part of the request: two secrets on one key are two kms:Decrypt
            // requests, each with its own encryption context.
            let key = (
                principal_arn.clone(),
                ask.action,
                ask.resource.clone(),
                ask.facts.clone(),
            );
            if !asked.insert(key) {
                continue;
            }
            let request = Request {
                principal_arn: &principal_arn,
                action: ask.action,
                resource: &ask.resource,
            };
            let answer = iam::evaluate_with_context(
                &request,
                &ask.facts,
                &principal,
                ask.resource_policy.as_ref(),
            );
            let question = Question {
                principal_arn: principal_arn.clone(),
                action: ask.action.to_string(),
                resource: ask.resource.clone(),
                with_resource_policy: ask.resource_policy.is_some(),
            };
            // The simulator is asked without the facts: once per (role, action, resource).
            if !decided.iter().any(|(q, _)| *q == question) {
                decided.push((question, answer.decision));
            }
            if let Some(f) = answer_finding(env, &ask, &answer) {
                if answer.decision == Decision::Denied {
                    denied.push((findings.len(), ask.action));
                }
                findings.push(f);
            }
        }
    }
    Outcome {
        findings,
        denied,
        decided,
    }
}

/// The requests one `valueFrom` needs decided, or the finding that says why it cannot be.
fn asks_for<'a>(
    env: &Environment,
    variable: &'a str,
    role: &'a str,
    source: &SecretSource<'_>,
) -> Result<Vec<Ask<'a>>, Box<Finding>> {
    let e = env.name.as_str();
    let Ok(parsed) = ValueFrom::of_source(source) else {
        return Ok(Vec::new()); // check 3 reports malformed references
    };
    let ask = |action, resource: &str, resource_policy, facts, rule| Ask {
        variable,
        role,
        action,
        resource: resource.to_string(),
        resource_policy,
        facts,
        rule,
    };
    let unknown = |message: String| Box::new(finding(&IAM_UNKNOWN, e, variable, message).unknown());
    let no_arn = |name: &str| {
        unknown(format!(
        "`{variable}` in {e}: the account or region of parameter `{name}` is unknown, so is its ARN"
    ))
    };
    // ECS reads a parameter, and a secret referenced through Parameter Store, with
    // ssm:GetParameters on the parameter's ARN.
    let get_parameters = |parameter: &ParameterReference| {
        let arn = parameter_arn(env, &parameter.reference, &parameter.name)
            .ok_or_else(|| no_arn(&parameter.name))?;
        let asked = ask(
            GET_PARAMETERS,
            &arn,
            None,
            RequestFacts::new(),
            &EXECUTION_ROLE_CANNOT_READ_SECRET,
        );
        Ok::<_, Box<Finding>>((arn, asked))
    };
    let mut asks = Vec::new();
    let key = match parsed {
        ValueFrom::Secret(secret) => {
            // Read through Parameter Store: ECS asks SSM, which reads the secret.
            if let Some(parameter) = &secret.via_parameter {
                asks.push(get_parameters(parameter)?.1);
            }
            let Some(record) = env.secret(&secret.secret_id) else {
                return Ok(asks); // check 3 reports the missing record
            };
            match (record.status, &record.metadata) {
                // Asked by its ARN, so the role is known to be ready once it exists.
                (LookupStatus::NotFound, _) if !secret.secret_id.starts_with("arn:") => None,
                (LookupStatus::NotFound, _) => {
                    asks.push(ask(
                        GET_SECRET_VALUE,
                        &secret.secret_id,
                        None,
                        RequestFacts::new(),
                        &EXECUTION_ROLE_CANNOT_READ_SECRET,
                    ));
                    None
                }
                (LookupStatus::Found, Some(meta)) => {
                    let resource_policy = match &meta.resource_policy {
                        Some(text) => Some(PolicyDocument::parse(text).map(|document| Policy {
                            name: format!("resource policy of secret {}", meta.name),
                            document,
                        }).map_err(|err| unknown(format!(
                            "`{variable}` in {e}: the resource policy of secret `{}` could not be parsed: {}", meta.name, err.message
                        )))?),
                        None => None,
                    };
                    // The snapshot holds the secret's complete tag set.
                    let tags = RequestFacts::new().resource_tags("secretsmanager", &meta.tags);
                    asks.push(ask(
                        GET_SECRET_VALUE,
                        &meta.arn,
                        resource_policy,
                        tags,
                        &EXECUTION_ROLE_CANNOT_READ_SECRET,
                    ));
                    // Secrets Manager decrypts on the role's behalf, in the secret's region (a
                    // `valueFrom` by name does not say it; the ARN does), with the secret's ARN
                    // as encryption context.
                    let region = Arn::parse(&meta.arn).map_or("", |arn| arn.region);
                    meta.kms_key_id.clone().map(|key| {
                        let facts = RequestFacts::new()
                            .with(
                                "kms:ViaService",
                                &format!("secretsmanager.{region}.amazonaws.com"),
                            )
                            .with("kms:EncryptionContext:SecretARN", &meta.arn);
                        (key, facts)
                    })
                }
                _ => return Ok(asks), // check 3 reports the unknown secret
            }
        }
        ValueFrom::Parameter(parameter) => {
            let (arn, asked) = get_parameters(&parameter)?;
            asks.push(asked);
            let region = arn.split(':').nth(3).unwrap_or_default().to_string();
            env.parameter(&parameter.reference)
                .and_then(|p| p.metadata.as_ref())
                .and_then(|m| m.key_id.clone())
                .map(|key| {
                    let facts = RequestFacts::new()
                        .with("kms:ViaService", &format!("ssm.{region}.amazonaws.com"))
                        .with("kms:EncryptionContext:PARAMETER_ARN", &arn);
                    (key, facts)
                })
        }
    };
    if let Some((key, facts)) = key {
        match key_policy(env, &key) {
            Ok(Some((arn, policy))) => asks.push(ask(KMS_DECRYPT, &arn, Some(policy), facts, &EXECUTION_ROLE_CANNOT_DECRYPT)),
            Ok(None) => {}
            Err(why) => return Err(unknown(format!(
                "`{variable}` in {e}: whether the execution role may decrypt with key `{key}` is unknown: {why}"
            ))),
        }
    }
    Ok(asks)
}

fn answer_finding(env: &Environment, ask: &Ask<'_>, answer: &Evaluation) -> Option<Finding> {
    let e = env.name.as_str();
    let (variable, action, resource) = (ask.variable, ask.action, ask.resource.as_str());
    let role_name = ask.role.rsplit('/').next().unwrap_or(ask.role);
    let deciding = answer.deciding.as_ref().map(|s| match &s.sid {
        Some(sid) => format!(
            "deciding statement: '{sid}' (#{}) of {}",
            s.index + 1,
            s.policy
        ),
        None => format!("deciding statement: #{} of {}", s.index + 1, s.policy),
    });
    let f = match answer.decision {
        Decision::Allowed => return None,
        Decision::Denied => finding(ask.rule, e, variable, format!(
            "`{variable}` in {e}: execution role `{role_name}` is {} {action} on `{resource}`",
            if answer.explicit { "explicitly denied" } else { "not allowed" }
        )),
        Decision::Unknown => finding(&IAM_UNKNOWN, e, variable, format!(
            "`{variable}` in {e}: whether execution role `{role_name}` may {action} on `{resource}` is unknown"
        ))
        .unknown(),
    };
    let f = f.with_note(answer.reason.clone());
    Some(match deciding {
        Some(d) => f.with_note(d),
        None => f,
    })
}

/// The role's ARN; a task definition may name its role without one (same account, and the
/// partition of the task's region).
pub(crate) fn role_arn(env: &Environment, reference: &str) -> Option<String> {
    if reference.starts_with("arn:") {
        return Some(reference.to_string());
    }
    let account = env.snapshot.account_id.as_deref()?;
    let partition = partition_of(env.snapshot.region.as_deref().unwrap_or(""));
    Some(format!("arn:{partition}:iam::{account}:role/{reference}"))
}

/// The partition a region belongs to, as AWS's partition list names them.
fn partition_of(region: &str) -> &'static str {
    [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("us-isof-", "aws-iso-f"),
        ("eusc-", "aws-eusc"),
    ]
    .iter()
    .find(|(prefix, _)| region.starts_with(prefix))
    .map_or("aws", |&(_, partition)| partition)
}

/// The ARN of a parameter the task names (by name: in the task's region, account and the
/// region's partition).
fn parameter_arn(env: &Environment, reference: &str, name: &str) -> Option<String> {
    if reference.starts_with("arn:") {
        return Some(reference.to_string());
    }
    let region = env.snapshot.region.as_deref()?;
    let account = env.snapshot.account_id.as_deref()?;
    let partition = partition_of(region);
    Some(format!(
        "arn:{partition}:ssm:{region}:{account}:parameter/{}",
        name.trim_start_matches('/')
    ))
}

/// Why a role's policies are not available: the finding to report.
struct RoleProblem {
    rule: &'static RuleInfo,
    message: String,
    unknown: bool,
}

impl RoleProblem {
    fn subject_role(self, env: &str, role: &str) -> Finding {
        let f = finding(
            self.rule,
            env,
            role.rsplit('/').next().unwrap_or(role),
            self.message,
        );
        if self.unknown {
            f.unknown()
        } else {
            f
        }
    }
}

/// The role's inline and managed policies and its boundary, parsed.
/// `Err` when the role is missing or unreadable (other checks report why).
pub(crate) fn role_policies(env: &Environment, role: &str) -> Option<PrincipalPolicies> {
    principal_policies(env, role).ok()
}

fn principal_policies(env: &Environment, role: &str) -> Result<PrincipalPolicies, RoleProblem> {
    let e = &env.name;
    let unknown = |message: String| RoleProblem {
        rule: &IAM_UNKNOWN,
        message,
        unknown: true,
    };
    let Some(record) = env.role(role) else {
        return Err(unknown(format!(
            "{e}: the snapshot has no record of role `{role}`"
        )));
    };
    match record.status {
        LookupStatus::Found => {}
        LookupStatus::NotFound => {
            return Err(RoleProblem {
                rule: &EXECUTION_ROLE_CANNOT_READ_SECRET,
                message: format!("{e}: execution role `{role}` does not exist"),
                unknown: false,
            })
        }
        LookupStatus::Unknown => {
            return Err(unknown(format!(
                "{e}: could not read role `{role}`: {}",
                record.error.as_deref().unwrap_or("unknown error")
            )))
        }
    }
    to_principal(record).map_err(|m| unknown(format!("{e}: {m}")))
}

fn to_principal(record: &RoleRecord) -> Result<PrincipalPolicies, String> {
    let role_name = record.arn.rsplit('/').next().unwrap_or(&record.arn);
    let parse = |p: &PolicyRecord, kind: &str| -> Result<Policy, String> {
        let name = match &p.arn {
            Some(arn) => format!("managed policy {arn}"),
            None => format!("{kind} {} on role {role_name}", p.name),
        };
        PolicyDocument::parse(&p.document)
            .map(|document| Policy {
                name: name.clone(),
                document,
            })
            .map_err(|e| format!("{name} could not be parsed: {}", e.message))
    };
    let mut identity = Vec::new();
    for p in &record.inline_policies {
        identity.push(parse(p, "inline policy")?);
    }
    for p in &record.attached_policies {
        identity.push(parse(p, "managed policy")?);
    }
    let permission_boundary = match &record.permission_boundary {
        Some(p) => Some(parse(p, "permission boundary")?),
        None => None,
    };
    Ok(PrincipalPolicies {
        identity,
        permission_boundary,
    })
}

/// The key's ARN and policy for a customer-managed key; `None` for an AWS managed key.
fn key_policy(env: &Environment, key: &str) -> Result<Option<(String, Policy)>, String> {
    if key.contains("alias/aws/") {
        return Ok(None);
    }
    let Some(record) = env.key(key) else {
        return Err("the snapshot has no record of the key".into());
    };
    let meta = match (record.status, &record.metadata) {
        (LookupStatus::Found, Some(meta)) => meta,
        (LookupStatus::NotFound, _) => return Err("the key does not exist".into()),
        _ => {
            return Err(record
                .error
                .clone()
                .unwrap_or_else(|| "the key could not be read".into()))
        }
    };
    if meta.key_manager.as_deref() == Some("AWS") {
        return Ok(None);
    }
    let Some(text) = &meta.policy else {
        return Err("its key policy could not be read".into());
    };
    let document = PolicyDocument::parse(text)
        .map_err(|e| format!("its key policy could not be parsed: {}", e.message))?;
    Ok(Some((
        meta.arn.clone(),
        Policy {
            name: format!("key policy of {}", meta.arn),
            document,
        },
    )))
}

/// Which role of a task definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum RoleKind {
    Execution,
    Task,
}

impl RoleKind {
    fn label(self) -> &'static str {
        match self {
            RoleKind::Execution => "execution role",
            RoleKind::Task => "task role",
        }
    }
}

/// Compares each service's execution and task role with the same role of the first
/// environment that runs the service. A permission whose absence is already reported as a
/// denied secret read becomes a note on that finding rather than a second finding.
fn compare_permission_sets(
    envs: &[Environment],
    reported: &mut [Finding],
    denied: &[Vec<(usize, &'static str)>],
) -> Vec<Finding> {
    // (service key, role kind) → env index → permissions.
    let mut sets: IndexMap<(String, RoleKind), BTreeMap<usize, BTreeSet<Permission>>> =
        IndexMap::new();
    for (i, env) in envs.iter().enumerate() {
        for service in &env.snapshot.services {
            let Some(task) = &service.task_definition else {
                continue;
            };
            for (kind, role) in [
                (RoleKind::Execution, &task.execution_role_arn),
                (RoleKind::Task, &task.task_role_arn),
            ] {
                let Some(role) = role else { continue };
                let Some(record) = env
                    .snapshot
                    .role(role)
                    .filter(|r| r.status == LookupStatus::Found)
                else {
                    continue;
                };
                let Ok(principal) = to_principal(record) else {
                    continue;
                };
                let normalise = |s: &str| env.normaliser.apply(s);
                sets.entry((env.service_key(service), kind))
                    .or_default()
                    .insert(i, iam::permission_set(&principal, &normalise));
            }
        }
    }
    let mut findings = Vec::new();
    for ((service, kind), by_env) in &sets {
        let mut iter = by_env.iter();
        let Some((&reference, reference_set)) = iter.next() else {
            continue;
        };
        for (&i, set) in iter {
            let env = &envs[i];
            let mut lines = Vec::new();
            for p in reference_set.difference(set) {
                let line = format!("- {p} (in {}, not in {})", envs[reference].name, env.name);
                // Findings whose denial this missing grant explains.
                let explains: Vec<usize> = denied[i]
                    .iter()
                    .filter(|(_, action)| {
                        *kind == RoleKind::Execution
                            && p.effect == iam::Effect::Allow
                            && iam::matching::action_matches(&p.action, action)
                    })
                    .map(|&(index, _)| index)
                    .collect();
                for &index in &explains {
                    if let Some(f) = reported.get_mut(index) {
                        f.notes.push(format!(
                            "{}'s execution role has the grant this one lacks: {p}",
                            envs[reference].name
                        ));
                    }
                }
                if explains.is_empty() {
                    lines.push(line);
                }
            }
            for p in set.difference(reference_set) {
                lines.push(format!(
                    "+ {p} (in {}, not in {})",
                    env.name, envs[reference].name
                ));
            }
            if lines.is_empty() {
                continue;
            }
            let mut f = finding(
                &PERMISSION_DRIFT,
                &env.name,
                format!("{service}: {}", kind.label()),
                format!(
                    "service `{service}`: the {} in {} has {} permission difference(s) from {}",
                    kind.label(),
                    env.name,
                    lines.len(),
                    envs[reference].name
                ),
            );
            for line in lines {
                f = f.with_note(line);
            }
            findings.push(f);
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::partition_of;

    #[test]
    fn regions_map_to_their_partitions() {
        let cases = [
            ("us-east-1", "aws"),
            ("", "aws"),
            ("cn-northwest-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("eusc-de-east-1", "aws-eusc"),
        ];
        for (region, partition) in cases {
            assert_eq!(partition_of(region), partition, "{region}");
        }
    }
}
