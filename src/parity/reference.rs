//! `secrets[].valueFrom`: which store a reference points at, and how ECS reads it.
//!
//! ECS accepts a Secrets Manager secret as a full or partial ARN, optionally followed by
//! `:json-key:version-stage:version-id`, and an SSM parameter as an ARN or (same region) a bare
//! name. A bare name is therefore an SSM parameter, as ECS itself treats it. A parameter named
//! `/aws/reference/secretsmanager/NAME` is no parameter at all: Parameter Store passes the read
//! on to the Secrets Manager secret NAME, so it is parsed as that secret, read through SSM.

use super::snapshot::{SecretSource, SecretSourceKind};

/// A parsed `valueFrom`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueFrom {
    Secret(SecretReference),
    Parameter(ParameterReference),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretReference {
    /// The secret's id as ECS passes it to Secrets Manager: the ARN without the JSON suffix.
    pub secret_id: String,
    pub region: String,
    pub account: String,
    /// The name part of the ARN (with the random `-XXXXXX` suffix when the ARN is complete).
    pub name_part: String,
    pub json_key: Option<String>,
    pub version_stage: Option<String>,
    pub version_id: Option<String>,
    /// Set when the secret is read through Parameter Store (`/aws/reference/secretsmanager/…`):
    /// ECS calls ssm:GetParameters on that parameter, which reads the secret.
    pub via_parameter: Option<ParameterReference>,
}

/// The Parameter Store prefix that reads a Secrets Manager secret.
pub const SECRETS_MANAGER_REFERENCE: &str = "/aws/reference/secretsmanager/";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterReference {
    /// The parameter's name, with its leading `/` for hierarchical names.
    pub name: String,
    /// As written: an ARN or the bare name.
    pub reference: String,
    pub region: Option<String>,
    pub account: Option<String>,
}

impl ValueFrom {
    /// Parses a `valueFrom`; `Err` explains what is wrong with it.
    pub fn parse(value_from: &str) -> Result<ValueFrom, String> {
        let value = value_from.trim();
        if value.is_empty() {
            return Err("`valueFrom` is empty".into());
        }
        if !value.starts_with("arn:") {
            return Ok(parameter_or_reference(ParameterReference {
                name: value.to_string(),
                reference: value.to_string(),
                region: None,
                account: None,
            }));
        }
        // arn:partition:service:region:account:resource…
        let parts: Vec<&str> = value.splitn(6, ':').collect();
        let [_, _partition, service, region, account, resource] = parts[..] else {
            return Err(format!("`{value}` is not a complete ARN"));
        };
        match service {
            "secretsmanager" => parse_secret(value, region, account, resource),
            "ssm" => {
                let Some(name) = resource.strip_prefix("parameter") else {
                    return Err(format!("`{value}` is not an SSM parameter ARN"));
                };
                // `parameter/app/x` is `/app/x`; `parameter/x` is `x`.
                let name = match name.strip_prefix('/') {
                    Some(rest) if rest.contains('/') => format!("/{rest}"),
                    Some(rest) => rest.to_string(),
                    None => return Err(format!("`{value}` is not an SSM parameter ARN")),
                };
                Ok(parameter_or_reference(ParameterReference {
                    name,
                    reference: value.to_string(),
                    region: Some(region.to_string()),
                    account: Some(account.to_string()),
                }))
            }
            other => Err(format!(
                "`{value}` points at `{other}`; ECS reads secrets only from secretsmanager or ssm"
            )),
        }
    }

    /// Parses a secret wherever the task definition names it (see [`SecretSource`]).
    pub fn of_source(source: &SecretSource<'_>) -> Result<ValueFrom, String> {
        match source.kind {
            SecretSourceKind::RegistryCredentials => {
                ValueFrom::parse_registry_credentials(source.value_from)
            }
            _ => ValueFrom::parse(source.value_from),
        }
    }

    /// `repositoryCredentials.credentialsParameter`: a Secrets Manager secret by ARN or by its
    /// bare name (never an SSM parameter).
    pub fn parse_registry_credentials(value: &str) -> Result<ValueFrom, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("`credentialsParameter` is empty".into());
        }
        if value.starts_with("arn:") {
            return match ValueFrom::parse(value)? {
                ValueFrom::Secret(s) => Ok(ValueFrom::Secret(s)),
                ValueFrom::Parameter(_) => Err(format!(
                    "`{value}` is an SSM parameter; `repositoryCredentials` takes a Secrets Manager secret"
                )),
            };
        }
        Ok(ValueFrom::Secret(SecretReference {
            secret_id: value.to_string(),
            region: String::new(),
            account: String::new(),
            name_part: value.to_string(),
            json_key: None,
            version_stage: None,
            version_id: None,
            via_parameter: None,
        }))
    }
}

/// A parameter, or the secret a `/aws/reference/secretsmanager/NAME` parameter reads.
fn parameter_or_reference(parameter: ParameterReference) -> ValueFrom {
    let Some(secret) = parameter.name.strip_prefix(SECRETS_MANAGER_REFERENCE) else {
        return ValueFrom::Parameter(parameter);
    };
    ValueFrom::Secret(SecretReference {
        secret_id: secret.to_string(),
        region: parameter.region.clone().unwrap_or_default(),
        account: parameter.account.clone().unwrap_or_default(),
        name_part: secret.to_string(),
        json_key: None,
        version_stage: None,
        version_id: None,
        via_parameter: Some(parameter),
    })
}

fn parse_secret(
    value: &str,
    region: &str,
    account: &str,
    resource: &str,
) -> Result<ValueFrom, String> {
    let Some(rest) = resource.strip_prefix("secret:") else {
        return Err(format!("`{value}` is not a Secrets Manager secret ARN"));
    };
    let mut fields = rest.split(':');
    let name_part = fields.next().unwrap_or_default().to_string();
    if name_part.is_empty() {
        return Err(format!("`{value}` has no secret name"));
    }
    let non_empty = |f: Option<&str>| f.filter(|s| !s.is_empty()).map(str::to_string);
    let json_key = non_empty(fields.next());
    let version_stage = non_empty(fields.next());
    let version_id = non_empty(fields.next());
    if fields.next().is_some() {
        return Err(format!(
            "`{value}` has more than `:json-key:version-stage:version-id` after the secret name"
        ));
    }
    let secret_id = value[..value.len() - rest.len() + name_part.len()].to_string();
    Ok(ValueFrom::Secret(SecretReference {
        secret_id,
        region: region.to_string(),
        account: account.to_string(),
        name_part,
        json_key,
        version_stage,
        version_id,
        via_parameter: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(v: &str) -> SecretReference {
        match ValueFrom::parse(v).unwrap() {
            ValueFrom::Secret(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn full_secret_arn() {
        let s = secret("arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/web/db-AbC123");
        assert_eq!(
            s.secret_id,
            "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/web/db-AbC123"
        );
        assert_eq!(s.name_part, "prod/web/db-AbC123");
        assert_eq!(s.account, "111111111111");
        assert_eq!(s.json_key, None);
    }

    #[test]
    fn json_key_suffix_is_split_off() {
        let s = secret("arn:aws:secretsmanager:eu-west-1:1:secret:db-AbC123:password:AWSCURRENT:");
        assert_eq!(
            s.secret_id,
            "arn:aws:secretsmanager:eu-west-1:1:secret:db-AbC123"
        );
        assert_eq!(s.json_key.as_deref(), Some("password"));
        assert_eq!(s.version_stage.as_deref(), Some("AWSCURRENT"));
        assert_eq!(s.version_id, None);
        let s = secret("arn:aws:secretsmanager:eu-west-1:1:secret:db:::");
        assert_eq!(s.json_key, None);
    }

    #[test]
    fn ssm_arns_and_bare_names_are_parameters() {
        let p = |v: &str| match ValueFrom::parse(v).unwrap() {
            ValueFrom::Parameter(p) => p.name,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            p("arn:aws:ssm:us-east-1:1:parameter/app/web/token"),
            "/app/web/token"
        );
        assert_eq!(p("arn:aws:ssm:us-east-1:1:parameter/token"), "token");
        assert_eq!(p("/app/web/token"), "/app/web/token");
    }

    #[test]
    fn a_secrets_manager_reference_parameter_is_the_secret() {
        let s = secret("/aws/reference/secretsmanager/prod/web/db");
        assert_eq!(s.secret_id, "prod/web/db");
        assert_eq!(s.region, "");
        let via = s.via_parameter.expect("read through SSM");
        assert_eq!(via.name, "/aws/reference/secretsmanager/prod/web/db");
        let s = secret("arn:aws:ssm:us-east-1:1:parameter/aws/reference/secretsmanager/db");
        assert_eq!((s.secret_id.as_str(), s.account.as_str()), ("db", "1"));
    }

    #[test]
    fn registry_credentials_are_secrets_by_arn_or_name() {
        let by_name = ValueFrom::parse_registry_credentials("dockerhub").unwrap();
        assert!(matches!(by_name, ValueFrom::Secret(s) if s.secret_id == "dockerhub"));
        assert!(
            ValueFrom::parse_registry_credentials("arn:aws:ssm:us-east-1:1:parameter/x").is_err()
        );
    }

    #[test]
    fn malformed_references_are_errors() {
        assert!(ValueFrom::parse("").is_err());
        assert!(ValueFrom::parse("arn:aws:s3:::bucket/key").is_err());
        assert!(ValueFrom::parse("arn:aws:secretsmanager:us-east-1:1:secret:").is_err());
        assert!(ValueFrom::parse("arn:aws:secretsmanager:us-east-1:1:secret:a:b:c:d:e").is_err());
    }
}
