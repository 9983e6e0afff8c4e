//! The parity checks on snapshots built from migrations-sample's staging snapshot: each test
//! changes one thing in "production" and asserts what a user would see.

use preflight::diagnostics::Severity;
use preflight::output::CellStatus;
use preflight::parity::snapshot::{
    KeyMetadata, KeyRecord, KeyValue, LookupStatus, PolicyRecord, SecretRecord,
};
use preflight::parity::{run_checks, CheckSettings, Environment, Snapshot};
use std::path::Path;

fn staging() -> Snapshot {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations-sample/snapshots/staging.json");
    Snapshot::load(&path).expect("sample snapshot")
}

/// Production as a faithful copy of staging (another account, the names changed).
fn production_like_staging() -> Snapshot {
    let text = staging()
        .to_json()
        .replace("111111111111", "222222222222")
        .replace("staging", "production");
    Snapshot::parse(Path::new("production.json"), &text).expect("copy")
}

/// The snapshot moved to GovCloud: its ARNs in the `aws-us-gov` partition, its region
/// us-gov-west-1.
fn in_govcloud(s: Snapshot) -> Snapshot {
    let text = s
        .to_json()
        .replace("arn:aws:", "arn:aws-us-gov:")
        .replace("us-east-1", "us-gov-west-1");
    Snapshot::parse(Path::new("gov.json"), &text).expect("copy")
}

fn run(production: Snapshot, settings: &CheckSettings) -> Vec<(String, String, String, Severity)> {
    let envs = [
        Environment::new("staging", None, staging()),
        Environment::new("production", None, production),
    ];
    run_checks(&envs, settings)
        .findings
        .into_iter()
        .map(|f| {
            (
                f.code().to_string(),
                f.environment.unwrap_or_default(),
                f.subject.unwrap_or_default(),
                f.severity,
            )
        })
        .collect()
}

fn container(s: &mut Snapshot) -> &mut preflight::parity::snapshot::ContainerDefinition {
    &mut s.services[0]
        .task_definition
        .as_mut()
        .expect("read")
        .container_definitions[0]
}

#[test]
fn a_faithful_copy_has_no_findings() {
    assert_eq!(
        run(production_like_staging(), &CheckSettings::default()),
        vec![]
    );
}

#[test]
fn task_definition_drift_is_an_error_and_expected_differences_are_info() {
    let mut prod = production_like_staging();
    let c = container(&mut prod);
    c.memory = Some(256);
    c.image = c.image.as_ref().map(|i| i.replace(":1.4.2", ":1.4.3"));
    // The tag exists in production's registry too (PA109 would say otherwise).
    for image in prod.images.iter_mut().flatten() {
        image.image = image.image.replace(":1.4.2", ":1.4.3");
    }
    let findings = run(prod.clone(), &CheckSettings::default());
    assert_eq!(
        findings,
        vec![
            (
                "PA101".into(),
                "production".into(),
                "web: containerDefinitions.web.memory".into(),
                Severity::Error
            ),
            (
                "PA102".into(),
                "production".into(),
                "web: containerDefinitions.web.image".into(),
                Severity::Info
            ),
        ]
    );
    let settings = CheckSettings {
        expected_differences: vec!["containerDefinitions.*.memory".into()],
        ..CheckSettings::default()
    };
    assert!(run(prod, &settings).iter().all(|f| f.3 == Severity::Info));
}

#[test]
fn equivalent_spellings_are_not_drift() {
    let mut prod = production_like_staging();
    let task = prod.services[0].task_definition.as_mut().expect("read");
    task.cpu = Some(".25 vCPU".into());
    task.memory = Some("0.5 GB".into());
    let c = &mut task.container_definitions[0];
    c.port_mappings[0].host_port = Some(8080); // implied under awsvpc
    c.environment.reverse();
    c.stop_timeout = Some(30); // the ECS default
    c.init_process_enabled = Some(false);
    task.ephemeral_storage = Some(20); // Fargate's default
    assert_eq!(run(prod, &CheckSettings::default()), vec![]);
}

#[test]
fn labels_timeouts_init_process_and_storage_are_compared() {
    let mut prod = production_like_staging();
    let task = prod.services[0].task_definition.as_mut().expect("read");
    task.ephemeral_storage = Some(50);
    let c = &mut task.container_definitions[0];
    c.stop_timeout = Some(120);
    c.init_process_enabled = Some(true);
    c.docker_labels
        .insert("com.datadoghq.ad.check_names".into(), "[\"web\"]".into());
    let subjects: Vec<String> = run(prod, &CheckSettings::default())
        .into_iter()
        .filter(|f| f.0 == "PA101" && f.3 == Severity::Error)
        .map(|f| f.2)
        .collect();
    assert_eq!(
        subjects,
        vec![
            "web: containerDefinitions.web.dockerLabels.com.datadoghq.ad.check_names",
            "web: containerDefinitions.web.linuxParameters.initProcessEnabled",
            "web: containerDefinitions.web.stopTimeout",
            "web: ephemeralStorage.sizeInGiB",
        ]
    );
}

#[test]
fn a_variable_missing_in_one_environment_and_manifest_names() {
    let mut prod = production_like_staging();
    container(&mut prod)
        .environment
        .retain(|e| e.name != "LOG_LEVEL");
    let settings = CheckSettings {
        required: vec!["SENTRY_DSN".into()],
        ..CheckSettings::default()
    };
    let findings = run(prod, &settings);
    assert_eq!(
        findings,
        vec![
            (
                "PA201".into(),
                "production".into(),
                "LOG_LEVEL".into(),
                Severity::Error
            ),
            (
                "PA202".into(),
                "production".into(),
                "SENTRY_DSN".into(),
                Severity::Error
            ),
            (
                "PA202".into(),
                "staging".into(),
                "SENTRY_DSN".into(),
                Severity::Error
            ),
        ]
    );
}

fn secret_mut(s: &mut Snapshot) -> &mut SecretRecord {
    &mut s.secrets[0]
}

#[test]
fn secret_states() {
    let mut prod = production_like_staging();
    let meta = secret_mut(&mut prod).metadata.as_mut().expect("found");
    meta.deleted_date = Some("2026-12-01T00:00:00Z".into());
    let findings = run(prod, &CheckSettings::default());
    assert_eq!(
        findings,
        vec![(
            "PA302".into(),
            "production".into(),
            "DATABASE_URL".into(),
            Severity::Error
        )]
    );

    // Referenced without the random suffix: a warning naming the full ARN.
    let mut prod = production_like_staging();
    let full = secret_mut(&mut prod)
        .metadata
        .as_ref()
        .expect("found")
        .arn
        .clone();
    let partial = full[..full.len() - 7].to_string();
    secret_mut(&mut prod).reference = partial.clone();
    let c = container(&mut prod);
    c.secrets[0].value_from = c.secrets[0].value_from.replace(&full, &partial);
    let findings = run(prod, &CheckSettings::default());
    assert_eq!(
        findings,
        vec![(
            "PA303".into(),
            "production".into(),
            "DATABASE_URL".into(),
            Severity::Warning
        )]
    );

    // A lookup that failed is unknown, never pass.
    let mut prod = production_like_staging();
    let s = secret_mut(&mut prod);
    s.status = LookupStatus::Unknown;
    s.metadata = None;
    s.error = Some("AccessDeniedException: not authorized".into());
    let envs = [
        Environment::new("staging", None, staging()),
        Environment::new("production", None, prod),
    ];
    let report = run_checks(&envs, &CheckSettings::default());
    assert_eq!(report.findings.len(), 1);
    assert!(report.findings[0].unknown && report.findings[0].rule == "PA305");
    assert!(report.findings[0].message.contains("AccessDeniedException"));
}

#[test]
fn a_reference_into_another_account_is_an_error() {
    let mut prod = production_like_staging();
    let c = container(&mut prod);
    c.secrets[0].value_from = c.secrets[0]
        .value_from
        .replace("222222222222", "111111111111");
    let findings = run(prod, &CheckSettings::default());
    assert!(
        findings.contains(&(
            "PA306".into(),
            "production".into(),
            "DATABASE_URL".into(),
            Severity::Error
        )),
        "{findings:?}"
    );
}

#[test]
fn an_explicit_deny_names_its_statement() {
    let mut prod = production_like_staging();
    let role = prod
        .roles
        .iter_mut()
        .find(|r| r.arn.ends_with("-exec"))
        .expect("exec role");
    role.inline_policies.push(PolicyRecord {
        name: "lockdown".into(),
        arn: None,
        version_id: None,
        document: r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoSecrets","Effect":"Deny","Action":"secretsmanager:*","Resource":"*"}]}"#.into(),
    });
    let envs = [
        Environment::new("staging", None, staging()),
        Environment::new("production", None, prod),
    ];
    let report = run_checks(&envs, &CheckSettings::default());
    let denied = report
        .findings
        .iter()
        .find(|f| f.rule == "PA401")
        .expect("PA401");
    assert!(
        denied.message.contains("explicitly denied"),
        "{}",
        denied.message
    );
    assert!(
        denied.notes.iter().any(|n| n.contains("'NoSecrets'")),
        "{:?}",
        denied.notes
    );
    // The extra deny also shows as permission drift of the execution role.
    assert!(report.findings.iter().any(|f| f.rule == "PA403"));
}

#[test]
fn loopback_values_are_errors_in_production_only_and_secret_values_stay_hidden() {
    let mut prod = production_like_staging();
    container(&mut prod).environment.push(KeyValue {
        name: "CACHE_PASSWORD_URL".into(),
        value: "redis://:hunter2-sentinel@127.0.0.1:6379".into(),
    });
    let mut stage = staging();
    container(&mut stage).environment.push(KeyValue {
        name: "CACHE_PASSWORD_URL".into(),
        value: "redis://localhost:6379".into(),
    });
    let envs = [
        Environment::new("staging", None, stage),
        Environment::new("production", None, prod),
    ];
    let report = run_checks(&envs, &CheckSettings::default());
    let rules: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.code(), f.environment.as_deref()))
        .collect();
    // The password in the production URL is a credential in plaintext too (never shown).
    assert_eq!(
        rules,
        [("PA501", Some("production")), ("PA504", Some("production"))]
    );
    for format in [
        preflight::output::Format::Human,
        preflight::output::Format::Json,
    ] {
        let mut out = Vec::new();
        preflight::output::write_report(&report, format, &mut out, false).expect("render");
        let text = String::from_utf8_lossy(&out);
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("CACHE_PASSWORD_URL"), "{text}");
    }
}

#[test]
fn the_matrix_has_a_column_per_environment() {
    let mut prod = production_like_staging();
    container(&mut prod)
        .environment
        .retain(|e| e.name != "LOG_LEVEL");
    let dev_text = staging().to_json().replace("staging", "dev");
    let dev = Snapshot::parse(Path::new("dev.json"), &dev_text).expect("dev");
    let envs = [
        Environment::new("staging", None, staging()),
        Environment::new("production", None, prod),
        Environment::new("dev", None, dev),
    ];
    let report = run_checks(&envs, &CheckSettings::default());
    let table = &report.tables[0];
    assert_eq!(
        table.columns,
        ["check / variable", "staging", "production", "dev"]
    );
    let row = |label: &str| {
        table
            .rows
            .iter()
            .find(|r| r[0].text == label)
            .unwrap_or_else(|| panic!("no row {label}"))
    };
    let log_level = row("LOG_LEVEL");
    assert_eq!(log_level[1].status, CellStatus::Ok);
    assert_eq!(log_level[2].text, "missing (PA201)");
    assert_eq!(log_level[2].status, CellStatus::Error);
    assert_eq!(log_level[3].status, CellStatus::Ok);
    assert_eq!(row("DATABASE_URL")[2].text, "secret");
    assert_eq!(row("variable names")[2].text, "1 error");
    assert_eq!(row("secrets")[1].text, "ok");
}

fn with_customer_key(prod: &mut Snapshot, key_policy: Option<&str>) {
    let key_arn = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    secret_mut(prod)
        .metadata
        .as_mut()
        .expect("found")
        .kms_key_id = Some(key_arn.into());
    prod.keys.push(KeyRecord {
        reference: key_arn.into(),
        status: LookupStatus::Found,
        metadata: Some(KeyMetadata {
            arn: key_arn.into(),
            key_manager: Some("CUSTOMER".into()),
            policy: key_policy.map(str::to_string),
            key_state: None,
            ecr_grants: None,
        }),
        error: None,
    });
}

/// The default key policy: the account's IAM policies decide.
const ACCOUNT_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"kms:*","Resource":"*"}]}"#;

/// A key policy that neither names the execution role nor delegates to the account.
const ADMINS_ONLY_KEY_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"AdminsOnly","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/key-admin"},"Action":"kms:*","Resource":"*"}]}"#;

#[test]
fn a_customer_managed_key_needs_kms_decrypt() {
    // The execution role's managed policy allows kms:Decrypt on the account's keys, and the
    // default key policy lets IAM policies decide: allowed.
    let mut prod = production_like_staging();
    with_customer_key(&mut prod, Some(ACCOUNT_KEY_POLICY));
    assert_eq!(run(prod, &CheckSettings::default()), vec![]);

    // The same grant is worthless when the key policy does not let IAM decide.
    let mut prod = production_like_staging();
    with_customer_key(&mut prod, Some(ADMINS_ONLY_KEY_POLICY));
    let envs = [
        Environment::new("staging", None, staging()),
        Environment::new("production", None, prod),
    ];
    let report = run_checks(&envs, &CheckSettings::default());
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    let f = &report.findings[0];
    assert_eq!(
        (f.code(), f.subject.as_deref()),
        ("PA402", Some("DATABASE_URL"))
    );
    assert!(f.message.contains("kms:Decrypt"), "{}", f.message);
}

#[test]
fn an_unreadable_key_policy_is_unknown() {
    let mut prod = production_like_staging();
    with_customer_key(&mut prod, None);
    let envs = [
        Environment::new("staging", None, staging()),
        Environment::new("production", None, prod),
    ];
    let report = run_checks(&envs, &CheckSettings::default());
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    assert_eq!(report.findings[0].rule, "PA404");
    assert!(report.findings[0].unknown);
}

#[test]
fn a_missing_parameter_and_a_missing_role() {
    let mut prod = production_like_staging();
    prod.parameters[0].status = LookupStatus::NotFound;
    prod.parameters[0].metadata = None;
    let findings = run(prod, &CheckSettings::default());
    assert_eq!(
        findings,
        vec![(
            "PA301".into(),
            "production".into(),
            "SESSION_TOKEN".into(),
            Severity::Error
        )]
    );

    let mut prod = production_like_staging();
    let role = prod
        .roles
        .iter_mut()
        .find(|r| r.arn.ends_with("-exec"))
        .expect("exec role");
    role.status = LookupStatus::NotFound;
    role.inline_policies.clear();
    role.attached_policies.clear();
    let findings = run(prod, &CheckSettings::default());
    assert_eq!(
        findings,
        vec![(
            "PA401".into(),
            "production".into(),
            "web-production-exec".into(),
            Severity::Error
        )]
    );
}

/// PA401 reports a missing execution role of a task that needs it for a secret; PA406 must
/// not report it again, whichever kind of secret it is (here a private registry's
/// credentials, the only secret the task has).
#[test]
fn a_missing_execution_role_is_reported_once_when_only_registry_credentials_need_it() {
    let mut prod = production_like_staging();
    let web = container(&mut prod);
    web.secrets.clear();
    web.repository_credentials = Some(preflight::parity::snapshot::RepositoryCredentials {
        credentials_parameter:
            "arn:aws:secretsmanager:us-east-1:222222222222:secret:registry-login".into(),
    });
    let role = prod
        .roles
        .iter_mut()
        .find(|r| r.arn.ends_with("-exec"))
        .expect("exec role");
    role.status = LookupStatus::NotFound;
    role.inline_policies.clear();
    role.attached_policies.clear();
    let on_role: Vec<String> = run(prod, &CheckSettings::default())
        .into_iter()
        .filter(|(_, env, subject, _)| env == "production" && subject == "web-production-exec")
        .map(|(code, ..)| code)
        .collect();
    assert_eq!(on_role, ["PA401"]);
}

#[test]
fn the_manifest_file_adds_required_names_and_bad_lines_name_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join(".env.example"),
        "# app\nDATABASE_URL=\nSENTRY_DSN=https://key@sentry.example\n",
    )
    .expect("write");
    let config_text = "[env]\nrequired = [\"APP_ENV\"]\nexample_file = \".env.example\"\n\n[environments.staging]\nsnapshot = \"s.json\"\n";
    let config = preflight::config::Config::parse(&dir.path().join("preflight.toml"), config_text)
        .expect("config");
    let options = preflight::parity::ParityOptions::from_config(&config).expect("options");
    assert_eq!(options.required, ["APP_ENV", "DATABASE_URL", "SENTRY_DSN"]);
    assert_eq!(
        options.environments[0].config.snapshot.as_deref(),
        Some(dir.path().join("s.json").as_path())
    );

    std::fs::write(
        dir.path().join(".env.example"),
        "DATABASE_URL=\nthis is not a variable\n",
    )
    .expect("write");
    let err = preflight::parity::ParityOptions::from_config(&config)
        .unwrap_err()
        .to_string();
    assert!(err.contains(".env.example: line 2:"), "{err}");
}

#[test]
fn tag_conditions_are_decided_from_the_secrets_complete_tag_set() {
    let tagged_only = |prod: &mut Snapshot| {
        let role = prod
            .roles
            .iter_mut()
            .find(|r| r.arn.ends_with("-exec"))
            .expect("exec role");
        let policy = role
            .inline_policies
            .iter_mut()
            .find(|p| p.name == "read-secrets")
            .expect("read-secrets");
        policy.document = policy.document.replace(
            r#""Resource": "#,
            r#""Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "web"}}, "Resource": "#,
        );
        assert!(
            policy.document.contains("ResourceTag"),
            "{}",
            policy.document
        );
    };
    let iam_rules = |prod: Snapshot| -> Vec<String> {
        run(prod, &CheckSettings::default())
            .into_iter()
            .filter(|f| f.0.starts_with("PA40") && f.0 != "PA403")
            .map(|f| f.0)
            .collect()
    };
    let mut prod = production_like_staging();
    tagged_only(&mut prod);
    secret_mut(&mut prod).metadata.as_mut().expect("found").tags =
        [("team".to_string(), "web".to_string())].into();
    assert_eq!(
        iam_rules(prod),
        Vec::<String>::new(),
        "the tag matches: allowed"
    );

    let mut prod = production_like_staging();
    tagged_only(&mut prod);
    assert_eq!(
        iam_rules(prod),
        ["PA401"],
        "the secret has no such tag: denied, not unknown"
    );
}

/// Production's customer-managed key, with a key policy that grants decryption only through
/// Secrets Manager in us-east-1 (the shape of AWS's own `aws/secretsmanager` key policy), or
/// only for one secret (by the encryption context Secrets Manager passes).
fn key_for_secrets(prod: &mut Snapshot, condition: &str) {
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"ThroughSecretsManager","Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"kms:Decrypt","Resource":"*","Condition":{{"StringEquals":{{"kms:CallerAccount":"222222222222",{condition}}}}}}}]}}"#
    );
    with_customer_key(prod, Some(&policy));
}

fn iam_findings(prod: Snapshot) -> Vec<(String, String)> {
    let envs = [
        Environment::new("staging", None, staging()),
        Environment::new("production", None, prod),
    ];
    run_checks(&envs, &CheckSettings::default())
        .findings
        .into_iter()
        .filter(|f| f.environment.as_deref() == Some("production"))
        .filter(|f| f.code().starts_with("PA40") && f.code() != "PA403")
        .map(|f| (f.code().to_string(), f.subject.unwrap_or_default()))
        .collect()
}

/// A private registry's credentials named by the secret's bare name (same region, as ECS
/// allows): Secrets Manager still decrypts in the secret's region, which the key policy's
/// kms:ViaService names.
#[test]
fn a_secret_named_without_an_arn_is_decrypted_through_its_own_region() {
    let mut prod = production_like_staging();
    key_for_secrets(
        &mut prod,
        r#""kms:ViaService":"secretsmanager.us-east-1.amazonaws.com""#,
    );
    let name = secret_mut(&mut prod)
        .metadata
        .as_ref()
        .expect("found")
        .name
        .clone();
    secret_mut(&mut prod).reference = name.clone();
    let web = container(&mut prod);
    web.secrets.retain(|s| s.name != "DATABASE_URL");
    web.repository_credentials = Some(preflight::parity::snapshot::RepositoryCredentials {
        credentials_parameter: name,
    });
    assert_eq!(iam_findings(prod), vec![]);
}

/// Two secrets on one customer-managed key whose policy lets only one of them be decrypted:
/// the other secret's kms:Decrypt is a different request (its own encryption context), and is
/// denied.
#[test]
fn each_secret_on_a_shared_key_is_decided_with_its_own_encryption_context() {
    let mut prod = production_like_staging();
    let first_arn = secret_mut(&mut prod)
        .metadata
        .as_ref()
        .expect("found")
        .arn
        .clone();
    key_for_secrets(
        &mut prod,
        &format!(r#""kms:EncryptionContext:SecretARN":"{first_arn}""#),
    );
    let mut second = prod.secrets[0].clone();
    let second_arn =
        "arn:aws:secretsmanager:us-east-1:222222222222:secret:production/web/API_KEY-XyZ123";
    second.reference = second_arn.into();
    let meta = second.metadata.as_mut().expect("found");
    meta.arn = second_arn.into();
    meta.name = "production/web/API_KEY".into();
    prod.secrets.push(second);
    container(&mut prod)
        .secrets
        .push(preflight::parity::snapshot::SecretRef {
            name: "API_KEY".into(),
            value_from: second_arn.into(),
        });
    let mut stage = staging();
    let stage_second =
        "arn:aws:secretsmanager:us-east-1:111111111111:secret:staging/web/API_KEY-XyZ123";
    let mut record = stage.secrets[0].clone();
    record.reference = stage_second.into();
    let meta = record.metadata.as_mut().expect("found");
    meta.arn = stage_second.into();
    meta.name = "staging/web/API_KEY".into();
    stage.secrets.push(record);
    container(&mut stage)
        .secrets
        .push(preflight::parity::snapshot::SecretRef {
            name: "API_KEY".into(),
            value_from: stage_second.into(),
        });
    let envs = [
        Environment::new("staging", None, stage),
        Environment::new("production", None, prod),
    ];
    let found: Vec<(String, String)> = run_checks(&envs, &CheckSettings::default())
        .findings
        .into_iter()
        .filter(|f| f.code().starts_with("PA40") && f.code() != "PA403")
        .map(|f| (f.code().to_string(), f.subject.unwrap_or_default()))
        .collect();
    assert_eq!(found, vec![("PA402".to_string(), "API_KEY".to_string())]);
}

/// A parameter named without its ARN is in the task's partition: in GovCloud the execution
/// role's grant on `arn:aws-us-gov:ssm:…` covers it.
#[test]
fn a_parameter_named_without_an_arn_is_in_the_roles_partition() {
    let mut prod = in_govcloud(production_like_staging());
    let name = "/production/web/SESSION_TOKEN";
    prod.parameters[0].reference = name.into();
    let c = container(&mut prod);
    let token = c
        .secrets
        .iter_mut()
        .find(|s| s.name == "SESSION_TOKEN")
        .expect("SESSION_TOKEN");
    token.value_from = name.into();
    let envs = [
        Environment::new("staging", None, in_govcloud(staging())),
        Environment::new("production", None, prod),
    ];
    let found: Vec<String> = run_checks(&envs, &CheckSettings::default())
        .findings
        .into_iter()
        .filter(|f| f.code().starts_with("PA40") && f.code() != "PA403")
        .map(|f| format!("{} {}: {}", f.code(), f.message, f.notes.join("; ")))
        .collect();
    assert_eq!(found, Vec::<String>::new());
}

/// A task definition may name its execution role without an ARN; in GovCloud the role is then
/// `arn:aws-us-gov:iam::…`, which the key policy and trust policy name.
#[test]
fn an_execution_role_named_without_an_arn_is_in_the_regions_partition() {
    let mut prod = in_govcloud(production_like_staging());
    let task = prod.services[0].task_definition.as_mut().expect("read");
    let full = task.execution_role_arn.clone().expect("exec role");
    let name = full.rsplit('/').next().expect("name").to_string();
    task.execution_role_arn = Some(name.clone());
    let role = prod
        .roles
        .iter_mut()
        .find(|r| r.arn == full)
        .expect("role record");
    role.arn = name;
    // The trust policy AWS recommends against the confused deputy.
    role.trust_policy = Some(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws-us-gov:ecs:us-gov-west-1:222222222222:*"}}}]}"#
            .into(),
    );
    let envs = [
        Environment::new("staging", None, in_govcloud(staging())),
        Environment::new("production", None, prod),
    ];
    let found: Vec<String> = run_checks(&envs, &CheckSettings::default())
        .findings
        .into_iter()
        .filter(|f| f.code().starts_with("PA4") && f.code() != "PA403")
        .map(|f| format!("{} {}: {}", f.code(), f.message, f.notes.join("; ")))
        .collect();
    assert_eq!(found, Vec::<String>::new());
}
