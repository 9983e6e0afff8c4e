//! Rule metadata for parity findings: `PA1xx` task definitions and services, `PA2xx` variable
//! names, `PA3xx` secrets, `PA4xx` IAM, `PA5xx` values, `PA6xx` capacity.

use crate::diagnostics::{Finding, RuleInfo, Severity};

pub const TASK_DEFINITION_DRIFT: RuleInfo = RuleInfo::new(
    "PA101",
    "task-definition-drift",
    Severity::Error,
    "A task-definition or service field differs from the reference environment",
    include_str!("../../rules/PA101.md"),
);

pub const EXPECTED_DIFFERENCE: RuleInfo = RuleInfo::new(
    "PA102",
    "expected-difference",
    Severity::Info,
    "A field differs in a way that is expected per environment (image tag, log group, desired count, configured)",
    include_str!("../../rules/PA102.md"),
);

pub const SERVICE_MISSING: RuleInfo = RuleInfo::new(
    "PA103",
    "service-missing",
    Severity::Error,
    "A service runs in one environment but not in another",
    include_str!("../../rules/PA103.md"),
);

pub const ENVIRONMENT_UNREADABLE: RuleInfo = RuleInfo::new(
    "PA104",
    "environment-unreadable",
    Severity::Error,
    "Part of an environment could not be read (access denied, timeout), so it was not checked",
    include_str!("../../rules/PA104.md"),
);

pub const VARIABLE_MISSING: RuleInfo = RuleInfo::new(
    "PA201",
    "variable-missing",
    Severity::Error,
    "A variable is set in one environment's container but not in another's",
    include_str!("../../rules/PA201.md"),
);

pub const REQUIRED_VARIABLE_MISSING: RuleInfo = RuleInfo::new(
    "PA202",
    "required-variable-missing",
    Severity::Error,
    "A variable named by `[env] required` or the `.env.example` manifest is missing",
    include_str!("../../rules/PA202.md"),
);

pub const SECRET_NOT_FOUND: RuleInfo = RuleInfo::new(
    "PA301",
    "secret-not-found",
    Severity::Error,
    "A `valueFrom` secret or parameter does not exist in the environment's account and region",
    include_str!("../../rules/PA301.md"),
);

pub const SECRET_SCHEDULED_FOR_DELETION: RuleInfo = RuleInfo::new(
    "PA302",
    "secret-scheduled-for-deletion",
    Severity::Error,
    "A referenced secret is scheduled for deletion",
    include_str!("../../rules/PA302.md"),
);

pub const SECRET_PARTIAL_ARN: RuleInfo = RuleInfo::new(
    "PA303",
    "secret-partial-arn",
    Severity::Warning,
    "A secret is referenced by a partial ARN (without its random suffix)",
    include_str!("../../rules/PA303.md"),
);

pub const SECRET_JSON_KEY_MISSING: RuleInfo = RuleInfo::new(
    "PA304",
    "secret-json-key-missing",
    Severity::Error,
    "The JSON key named in `valueFrom` does not exist in the secret, or its value is not JSON (`--verify-secret-keys`)",
    include_str!("../../rules/PA304.md"),
);

pub const SECRET_UNREADABLE: RuleInfo = RuleInfo::new(
    "PA305",
    "secret-unverified",
    Severity::Error,
    "A referenced secret or parameter could not be looked up, so its existence is unknown",
    include_str!("../../rules/PA305.md"),
);

pub const SECRET_OUTSIDE_ENVIRONMENT: RuleInfo = RuleInfo::new(
    "PA306",
    "secret-outside-environment",
    Severity::Error,
    "A `valueFrom` ARN points at another account or region than the environment's",
    include_str!("../../rules/PA306.md"),
);

pub const INVALID_REFERENCE: RuleInfo = RuleInfo::new(
    "PA307",
    "invalid-secret-reference",
    Severity::Error,
    "A `valueFrom` is not a Secrets Manager or SSM reference ECS can read",
    include_str!("../../rules/PA307.md"),
);

pub const EXECUTION_ROLE_CANNOT_READ_SECRET: RuleInfo = RuleInfo::new(
    "PA401",
    "execution-role-cannot-read-secret",
    Severity::Error,
    "The execution role is not allowed to read a referenced secret or parameter",
    include_str!("../../rules/PA401.md"),
);

pub const EXECUTION_ROLE_CANNOT_DECRYPT: RuleInfo = RuleInfo::new(
    "PA402",
    "execution-role-cannot-decrypt",
    Severity::Error,
    "The execution role may not `kms:Decrypt` with the secret's customer-managed key",
    include_str!("../../rules/PA402.md"),
);

pub const PERMISSION_DRIFT: RuleInfo = RuleInfo::new(
    "PA403",
    "permission-drift",
    Severity::Warning,
    "A role's normalised permissions differ from the same role in the reference environment",
    include_str!("../../rules/PA403.md"),
);

pub const IAM_UNKNOWN: RuleInfo = RuleInfo::new(
    "PA404",
    "iam-unknown",
    Severity::Error,
    "Whether the role is allowed could not be decided (condition, unreadable role or policy)",
    include_str!("../../rules/PA404.md"),
);

pub const SIMULATION_DISAGREES: RuleInfo = RuleInfo::new(
    "PA405",
    "simulation-disagrees",
    Severity::Warning,
    "iam:SimulatePrincipalPolicy disagrees with the static evaluation (`--simulate`)",
    include_str!("../../rules/PA405.md"),
);

pub const LOOPBACK_IN_PRODUCTION: RuleInfo = RuleInfo::new(
    "PA501",
    "loopback-in-production",
    Severity::Error,
    "A production variable points at the container itself (localhost, 127.0.0.1, ::1, 0.0.0.0) or at a host only a developer machine resolves (host.docker.internal)",
    include_str!("../../rules/PA501.md"),
);

pub const EMPTY_REQUIRED_VALUE: RuleInfo = RuleInfo::new(
    "PA502",
    "empty-required-value",
    Severity::Error,
    "A required variable is set to an empty value",
    include_str!("../../rules/PA502.md"),
);

pub const PLACEHOLDER_IN_PRODUCTION: RuleInfo = RuleInfo::new(
    "PA503",
    "placeholder-in-production",
    Severity::Error,
    "A production variable holds a placeholder (`changeme`, `TODO`, `example.com`, `<…>`, `${…}`)",
    include_str!("../../rules/PA503.md"),
);

pub const CONNECTIONS_EXCEED_LIMIT: RuleInfo = RuleInfo::new(
    "PA601",
    "connections-exceed-limit",
    Severity::Error,
    "The services' connection pools can open more connections than the database allows",
    include_str!("../../rules/PA601.md"),
);

pub const CONNECTIONS_ABOVE_HEADROOM: RuleInfo = RuleInfo::new(
    "PA602",
    "connections-above-headroom",
    Severity::Warning,
    "The connection demand fits, but uses more of the database's limit than the headroom allows",
    include_str!("../../rules/PA602.md"),
);

pub const CONNECTION_LIMIT_DRIFT: RuleInfo = RuleInfo::new(
    "PA603",
    "connection-limit-drift",
    Severity::Warning,
    "An environment allows fewer connections than the reference environment, so tests there hide its limit",
    include_str!("../../rules/PA603.md"),
);

pub const CAPACITY_UNKNOWN: RuleInfo = RuleInfo::new(
    "PA604",
    "capacity-unknown",
    Severity::Error,
    "The connection demand or the database's limit could not be determined, so capacity was not checked",
    include_str!("../../rules/PA604.md"),
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

pub const IMAGE_NOT_FOUND: RuleInfo = RuleInfo::new(
    "PA109",
    "image-not-found",
    Severity::Error,
    "An ECR image's repository, or its tag or digest, does not exist",
    include_str!("../../rules/PA109.md"),
);

pub const IMAGE_ARCHITECTURE_MISMATCH: RuleInfo = RuleInfo::new(
    "PA110",
    "image-architecture-mismatch",
    Severity::Error,
    "An ECR image's manifest list does not include the task's CPU architecture",
    include_str!("../../rules/PA110.md"),
);

pub const ENVIRONMENT_FILE_INVALID: RuleInfo = RuleInfo::new(
    "PA309",
    "environment-file-invalid",
    Severity::Error,
    "An environment file is not an S3 `.env` object that exists, or a container names more than 10",
    include_str!("../../rules/PA309.md"),
);

pub const EXECUTION_ROLE_CANNOT_PULL_IMAGE: RuleInfo = RuleInfo::new(
    "PA408",
    "execution-role-cannot-pull-image",
    Severity::Error,
    "The execution role may not get an ECR token or pull from the image's repository",
    include_str!("../../rules/PA408.md"),
);

pub const LOG_GROUP_NOT_FOUND: RuleInfo = RuleInfo::new(
    "PA409",
    "log-group-not-found",
    Severity::Error,
    "An awslogs log group does not exist and `awslogs-create-group` is not `true`",
    include_str!("../../rules/PA409.md"),
);

pub const EXECUTION_ROLE_CANNOT_READ_ENVIRONMENT_FILE: RuleInfo = RuleInfo::new(
    "PA410",
    "execution-role-cannot-read-environment-file",
    Severity::Error,
    "The execution role may not `s3:GetObject` an environment file or `s3:GetBucketLocation` its bucket",
    include_str!("../../rules/PA410.md"),
);

pub const IMAGE_KEY_UNUSABLE: RuleInfo = RuleInfo::new(
    "PA111",
    "image-key-unusable",
    Severity::Error,
    "The customer-managed KMS key of an image's ECR repository is disabled or gone, or ECR's grant to decrypt with it was revoked",
    include_str!("../../rules/PA111.md"),
);

pub const PLACEMENT_UNSATISFIABLE: RuleInfo = RuleInfo::new(
    "PA112",
    "placement-unsatisfiable",
    Severity::Error,
    "No container instance satisfies the task's `memberOf` placement constraints, or a Fargate task has placement constraints",
    include_str!("../../rules/PA112.md"),
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
    IMAGE_NOT_FOUND,
    IMAGE_ARCHITECTURE_MISMATCH,
    IMAGE_KEY_UNUSABLE,
    PLACEMENT_UNSATISFIABLE,
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
    ENVIRONMENT_FILE_INVALID,
    EXECUTION_ROLE_CANNOT_READ_SECRET,
    EXECUTION_ROLE_CANNOT_DECRYPT,
    PERMISSION_DRIFT,
    IAM_UNKNOWN,
    SIMULATION_DISAGREES,
    ROLE_NOT_ASSUMABLE,
    EXECUTION_ROLE_CANNOT_WRITE_LOGS,
    EXECUTION_ROLE_CANNOT_PULL_IMAGE,
    LOG_GROUP_NOT_FOUND,
    EXECUTION_ROLE_CANNOT_READ_ENVIRONMENT_FILE,
    LOOPBACK_IN_PRODUCTION,
    EMPTY_REQUIRED_VALUE,
    PLACEHOLDER_IN_PRODUCTION,
    CONNECTIONS_EXCEED_LIMIT,
    CONNECTIONS_ABOVE_HEADROOM,
    CONNECTION_LIMIT_DRIFT,
    CAPACITY_UNKNOWN,
    CREDENTIAL_IN_PLAINTEXT,
];

/// A finding of `rule` attributed to `environment`, about `subject`.
pub fn finding(
    rule: &'static RuleInfo,
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
