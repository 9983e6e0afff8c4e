//! Rule metadata for parity findings: `PA1xx` task definitions and services, `PA2xx` variable
//! names, `PA3xx` secrets, `PA4xx` IAM, `PA5xx` values.

use crate::diagnostics::{Finding, RuleInfo, Severity};

pub const TASK_DEFINITION_DRIFT: RuleInfo = RuleInfo::new(
    "PA101",
    "task-definition-drift",
    Severity::Error,
    "A task-definition or service field differs from the reference environment",
    "## What it does\nNormalises the task definition each service runs (sorted containers, ports, mounts; defaults filled in; account ids, regions, revisions and environment names replaced) and compares it field by field with the first configured environment.\n\n## Why it matters\nA container that gets half the memory, another port or another health check in production than in staging was never tested as it runs.\n\n## Example\n`containerDefinitions.web.healthCheck.command` is `curl -f /healthz` in staging and `curl -f /health` in production.\n\n## Use instead\nMake the definitions agree, or list the field under `[parity] expected_differences`.",
);

pub const EXPECTED_DIFFERENCE: RuleInfo = RuleInfo::new(
    "PA102",
    "expected-difference",
    Severity::Info,
    "A field differs in a way that is expected per environment (image tag, log group, desired count, configured)",
    "## What it does\nReports differences that are normal between environments: the image tag, the log group, the desired count, and the dotted paths listed in `[parity] expected_differences`.\n\n## Why it matters\nThey are shown so the reader sees everything that differs, but they never fail the gate.",
);

pub const SERVICE_MISSING: RuleInfo = RuleInfo::new(
    "PA103",
    "service-missing",
    Severity::Error,
    "A service runs in one environment but not in another",
    "## What it does\nMatches services across environments by normalised name and reports one that an environment lacks, or that its configuration names but its cluster does not have.\n\n## Why it matters\nA deploy that expects the service finds nothing to update.",
);

pub const ENVIRONMENT_UNREADABLE: RuleInfo = RuleInfo::new(
    "PA104",
    "environment-unreadable",
    Severity::Error,
    "Part of an environment could not be read (access denied, timeout), so it was not checked",
    "## What it does\nEvery AWS read that failed is reported as unknown.\n\n## Why it matters\nUnknown is not pass: a check that could not run must not look like one that passed. Grant the read permission, or set `[parity] allow_unknown = true` to let unknowns pass the gate.",
);

pub const VARIABLE_MISSING: RuleInfo = RuleInfo::new(
    "PA201",
    "variable-missing",
    Severity::Error,
    "A variable is set in one environment's container but not in another's",
    "## What it does\nCompares the names (never the values) of `environment` and `secrets` entries of each container across environments.\n\n## Why it matters\nThe application reads a variable that one environment never sets.\n\n## Example\n`DATABASE_URL` is a secret in staging and absent in production.\n\n## Use instead\nSet it in every environment.",
);

pub const REQUIRED_VARIABLE_MISSING: RuleInfo = RuleInfo::new(
    "PA202",
    "required-variable-missing",
    Severity::Error,
    "A variable named by `[env] required` or the `.env.example` manifest is missing",
    "## What it does\nChecks that every name of the manifest is set (as `environment` or `secrets`) in some container of every service of each environment.\n\n## Why it matters\nThe manifest is the application's own list of what it needs.",
);

pub const SECRET_NOT_FOUND: RuleInfo = RuleInfo::new(
    "PA301",
    "secret-not-found",
    Severity::Error,
    "A `valueFrom` secret or parameter does not exist in the environment's account and region",
    "## What it does\nLooks up every `secrets[].valueFrom` in Secrets Manager (ARN) or SSM Parameter Store (ARN or name).\n\n## Why it matters\nECS cannot start the task: it fails with `ResourceInitializationError` and the deploy never becomes healthy.\n\n## Use instead\nCreate the secret, or point `valueFrom` at the right one.",
);

pub const SECRET_SCHEDULED_FOR_DELETION: RuleInfo = RuleInfo::new(
    "PA302",
    "secret-scheduled-for-deletion",
    Severity::Error,
    "A referenced secret is scheduled for deletion",
    "## What it does\nReports referenced secrets that have a deletion date.\n\n## Why it matters\nECS cannot read a secret pending deletion; the next task start fails.\n\n## Use instead\n`aws secretsmanager restore-secret`.",
);

pub const SECRET_PARTIAL_ARN: RuleInfo = RuleInfo::new(
    "PA303",
    "secret-partial-arn",
    Severity::Warning,
    "A secret is referenced by a partial ARN (without its random suffix)",
    "## What it does\nCompares the referenced ARN with the secret's full ARN.\n\n## Why it matters\nA partial ARN can match a different secret whose name extends this one, and IAM resource patterns written for the full ARN may not match.\n\n## Use instead\nThe full ARN, `…:secret:name-AbCdEf`.",
);

pub const SECRET_JSON_KEY_MISSING: RuleInfo = RuleInfo::new(
    "PA304",
    "secret-json-key-missing",
    Severity::Error,
    "The JSON key named in `valueFrom` does not exist in the secret, or its value is not JSON (`--verify-secret-keys`)",
    "## What it does\nWith `--verify-secret-keys`, reads the secret only to check that the JSON key exists; the value is dropped at once and never printed or stored.\n\n## Why it matters\nECS fails the task when the key is missing or the value is not a JSON object.",
);

pub const SECRET_UNREADABLE: RuleInfo = RuleInfo::new(
    "PA305",
    "secret-unverified",
    Severity::Error,
    "A referenced secret or parameter could not be looked up, so its existence is unknown",
    "## What it does\nReports a lookup that failed (access denied, timeout) or that the snapshot lacks.\n\n## Why it matters\nUnknown is not pass.",
);

pub const SECRET_OUTSIDE_ENVIRONMENT: RuleInfo = RuleInfo::new(
    "PA306",
    "secret-outside-environment",
    Severity::Error,
    "A `valueFrom` ARN points at another account or region than the environment's",
    "## What it does\nCompares the account and region of each referenced ARN with the environment's.\n\n## Why it matters\nA production task reading staging's secret works until staging changes; usually it is a copy-paste mistake.",
);

pub const INVALID_REFERENCE: RuleInfo = RuleInfo::new(
    "PA307",
    "invalid-secret-reference",
    Severity::Error,
    "A `valueFrom` is not a Secrets Manager or SSM reference ECS can read",
    "## What it does\nParses every `valueFrom`.\n\n## Why it matters\nECS rejects the task definition or fails the task.",
);

pub const EXECUTION_ROLE_CANNOT_READ_SECRET: RuleInfo = RuleInfo::new(
    "PA401",
    "execution-role-cannot-read-secret",
    Severity::Error,
    "The execution role is not allowed to read a referenced secret or parameter",
    "## What it does\nEvaluates the execution role's inline and managed policies, its permission boundary and the secret's resource policy for `secretsmanager:GetSecretValue` (or `ssm:GetParameters`) on each referenced secret, and names the statement that decided.\n\n## Why it matters\nECS injects secrets with the execution role; without the permission the task never starts.\n\n## Use instead\nAllow the action on the secret's ARN (`…:secret:name-*`).",
);

pub const EXECUTION_ROLE_CANNOT_DECRYPT: RuleInfo = RuleInfo::new(
    "PA402",
    "execution-role-cannot-decrypt",
    Severity::Error,
    "The execution role may not `kms:Decrypt` with the secret's customer-managed key",
    "## What it does\nFor secrets encrypted with a customer-managed KMS key, evaluates `kms:Decrypt` on that key.\n\n## Why it matters\nReading the secret fails with `AccessDeniedException` from KMS.",
);

pub const PERMISSION_DRIFT: RuleInfo = RuleInfo::new(
    "PA403",
    "permission-drift",
    Severity::Warning,
    "A role's normalised permissions differ from the same role in the reference environment",
    "## What it does\nCompares the permission sets (action × resource, after normalising accounts, regions and environment names) of corresponding execution and task roles.\n\n## Why it matters\nA permission staging has and production lacks fails only in production.",
);

pub const IAM_UNKNOWN: RuleInfo = RuleInfo::new(
    "PA404",
    "iam-unknown",
    Severity::Error,
    "Whether the role is allowed could not be decided (condition, unreadable role or policy)",
    "## What it does\nReports IAM answers that static evaluation cannot give: a condition that is not trivially met, a role or policy that could not be read.\n\n## Why it matters\nUnknown is not pass. `--simulate` may settle it on live AWS.",
);

pub const SIMULATION_DISAGREES: RuleInfo = RuleInfo::new(
    "PA405",
    "simulation-disagrees",
    Severity::Warning,
    "iam:SimulatePrincipalPolicy disagrees with the static evaluation (`--simulate`)",
    "## What it does\nWith `--simulate`, asks IAM for the same decisions and reports any disagreement or an unavailable simulator.\n\n## Why it matters\nA disagreement means one of the two is wrong; trust neither until it is explained.",
);

pub const LOOPBACK_IN_PRODUCTION: RuleInfo = RuleInfo::new(
    "PA501",
    "loopback-in-production",
    Severity::Error,
    "A production variable points at localhost, 127.0.0.1, ::1 or 0.0.0.0",
    "## What it does\nChecks every production `environment` value, including hosts inside URLs (`redis://localhost:6379`).\n\n## Why it matters\nInside a container, localhost is the container itself: the connection fails and the health check with it.\n\n## Example\n`REDIS_HOST=localhost`\n\n## Use instead\nThe service's real endpoint.",
);

pub const EMPTY_REQUIRED_VALUE: RuleInfo = RuleInfo::new(
    "PA502",
    "empty-required-value",
    Severity::Error,
    "A required variable is set to an empty value",
    "## What it does\nReports an empty `environment` value for a name the manifest requires.\n\n## Why it matters\nAn empty value passes a presence check and fails at runtime.",
);

pub const PLACEHOLDER_IN_PRODUCTION: RuleInfo = RuleInfo::new(
    "PA503",
    "placeholder-in-production",
    Severity::Error,
    "A production variable holds a placeholder (`changeme`, `TODO`, `example.com`, `<…>`, `${…}`)",
    "## What it does\nChecks production `environment` values for obvious placeholders.\n\n## Why it matters\nA placeholder copied from a template is never a working value.",
);

// Will the task start? Rules of issue 11, documented in `rules/PAxxx.md`.

pub const VARIABLE_KIND_DRIFT: RuleInfo = RuleInfo::new(
    "PA203",
    "variable-kind-drift",
    Severity::Error,
    "A variable is a secret in one environment and a plain environment variable in another",
    include_str!("../../rules/PA203.md"),
);

pub const SECRET_VERSION_NOT_FOUND: RuleInfo = RuleInfo::new(
    "PA308",
    "secret-version-not-found",
    Severity::Error,
    "The version stage or version id a `valueFrom` names does not exist on the secret",
    include_str!("../../rules/PA308.md"),
);

pub const ROLE_NOT_ASSUMABLE: RuleInfo = RuleInfo::new(
    "PA406",
    "role-not-assumable-by-ecs",
    Severity::Error,
    "The execution or task role does not exist, or its trust policy does not let `ecs-tasks.amazonaws.com` assume it",
    include_str!("../../rules/PA406.md"),
);

pub const CREDENTIAL_IN_PLAINTEXT: RuleInfo = RuleInfo::new(
    "PA504",
    "credential-in-plaintext",
    Severity::Error,
    "A plain environment variable holds a credential (AWS access key id, private key, password in a URL)",
    include_str!("../../rules/PA504.md"),
);

pub const INVALID_FARGATE_TASK_SIZE: RuleInfo = RuleInfo::new(
    "PA105",
    "invalid-fargate-task-size",
    Severity::Error,
    "A Fargate task's cpu and memory are not a combination Fargate offers",
    include_str!("../../rules/PA105.md"),
);

pub const NO_ESSENTIAL_CONTAINER: RuleInfo = RuleInfo::new(
    "PA106",
    "no-essential-container",
    Severity::Error,
    "No container of the task definition is essential",
    include_str!("../../rules/PA106.md"),
);

pub const HOST_PORT_DIFFERS_UNDER_AWSVPC: RuleInfo = RuleInfo::new(
    "PA107",
    "host-port-differs-under-awsvpc",
    Severity::Error,
    "Under the awsvpc network mode a port mapping's hostPort differs from its containerPort",
    include_str!("../../rules/PA107.md"),
);

pub const CONTAINER_MEMORY_EXCEEDS_TASK: RuleInfo = RuleInfo::new(
    "PA108",
    "container-memory-exceeds-task",
    Severity::Error,
    "A container's memory, or the containers' reservations together, exceed the task's memory",
    include_str!("../../rules/PA108.md"),
);

pub const EXECUTION_ROLE_CANNOT_WRITE_LOGS: RuleInfo = RuleInfo::new(
    "PA407",
    "execution-role-cannot-write-logs",
    Severity::Error,
    "An awslogs container lacks its log group or region, or its execution role may not write the logs",
    include_str!("../../rules/PA407.md"),
);

/// Every parity rule, for `preflight rules` and SARIF.
pub static ALL: &[RuleInfo] = &[
    TASK_DEFINITION_DRIFT,
    EXPECTED_DIFFERENCE,
    SERVICE_MISSING,
    ENVIRONMENT_UNREADABLE,
    INVALID_FARGATE_TASK_SIZE,
    NO_ESSENTIAL_CONTAINER,
    HOST_PORT_DIFFERS_UNDER_AWSVPC,
    CONTAINER_MEMORY_EXCEEDS_TASK,
    VARIABLE_MISSING,
    REQUIRED_VARIABLE_MISSING,
    VARIABLE_KIND_DRIFT,
    SECRET_NOT_FOUND,
    SECRET_SCHEDULED_FOR_DELETION,
    SECRET_PARTIAL_ARN,
    SECRET_JSON_KEY_MISSING,
    SECRET_UNREADABLE,
    SECRET_OUTSIDE_ENVIRONMENT,
    INVALID_REFERENCE,
    SECRET_VERSION_NOT_FOUND,
    EXECUTION_ROLE_CANNOT_READ_SECRET,
    EXECUTION_ROLE_CANNOT_DECRYPT,
    PERMISSION_DRIFT,
    IAM_UNKNOWN,
    SIMULATION_DISAGREES,
    ROLE_NOT_ASSUMABLE,
    EXECUTION_ROLE_CANNOT_WRITE_LOGS,
    LOOPBACK_IN_PRODUCTION,
    EMPTY_REQUIRED_VALUE,
    PLACEHOLDER_IN_PRODUCTION,
    CREDENTIAL_IN_PLAINTEXT,
];

/// A finding of `rule` attributed to `environment`, about `subject`.
pub fn finding(
    rule: &RuleInfo,
    environment: &str,
    subject: impl Into<String>,
    message: impl Into<String>,
) -> Finding {
    Finding::for_rule(rule, message)
        .with_environment(environment)
        .with_subject(subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_in_the_parity_family() {
        let mut codes: Vec<_> = ALL.iter().map(|r| r.code).collect();
        assert!(codes.iter().all(|c| c.starts_with("PA") && c.len() == 5));
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ALL.len());
    }
}
