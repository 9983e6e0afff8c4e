//! What a plain `environment` value *is*, judged from the raw value when it is read and kept as
//! [`ValueTrait`]s, because the snapshot never keeps the value itself where it holds a secret:
//! a credential in plaintext (an AWS access key id, a private key block, a password inside a
//! URL) and template placeholders hidden inside a URL's user, password or host.
//!
//! Nothing here ever returns the secret part: a trait names the kind of thing, not its text.

use serde::{Deserialize, Serialize};

/// One thing found in a value. Stored in snapshots (`valueTraits`), so the checks that need the
/// raw value run offline too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueTrait {
    /// `AKIA…` / `ASIA…`: an AWS access key id.
    AwsAccessKeyId,
    /// `-----BEGIN … PRIVATE KEY-----`.
    PrivateKey,
    /// A URL with a real-looking password (`postgres://app:s3cr3t@db/app`).
    UrlPassword,
    /// A URL whose user is a template word (`postgres://USERNAME:…@…`).
    PlaceholderUser,
    /// A URL whose password is a template word (`postgres://ro:changeme@…`).
    PlaceholderPassword,
    /// A URL whose host is a template word (`postgres://…@your-db-host/app`).
    PlaceholderHost,
}

impl ValueTrait {
    /// A credential kept in plaintext (rule PA504).
    pub fn is_credential(self) -> bool {
        matches!(
            self,
            ValueTrait::AwsAccessKeyId | ValueTrait::PrivateKey | ValueTrait::UrlPassword
        )
    }

    /// What it is, for messages; never the value.
    pub fn describe(self) -> &'static str {
        match self {
            ValueTrait::AwsAccessKeyId => "an AWS access key id",
            ValueTrait::PrivateKey => "a private key",
            ValueTrait::UrlPassword => "a password inside a URL",
            ValueTrait::PlaceholderUser => "a placeholder user inside a URL",
            ValueTrait::PlaceholderPassword => "a placeholder password inside a URL",
            ValueTrait::PlaceholderHost => "a placeholder host inside a URL",
        }
    }

    /// Whether the snapshot must not keep the value at all (the whole value is the secret).
    pub fn hides_whole_value(self) -> bool {
        matches!(self, ValueTrait::AwsAccessKeyId | ValueTrait::PrivateKey)
    }
}

/// Template words: a value (or URL part) that is one of these was never filled in.
pub const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "todo",
    "tbd",
    "fixme",
    "placeholder",
    "xxx",
    "replace-me",
    "replaceme",
];

/// Words that, as a URL's user, password or host, are placeholders too (never real ones).
const URL_PART_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "username",
    "user_name",
    "hostname",
    "host_name",
    "dbhost",
    "db_host",
    "db-host",
    "yourpassword",
    "mypassword",
    "dummy",
];

/// Every trait of `value`, sorted, without duplicates.
pub fn value_traits(value: &str) -> Vec<ValueTrait> {
    let mut traits = Vec::new();
    if contains_access_key_id(value) {
        traits.push(ValueTrait::AwsAccessKeyId);
    }
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        traits.push(ValueTrait::PrivateKey);
    }
    for url in urls(value) {
        if url.user.is_some_and(is_placeholder_part) {
            traits.push(ValueTrait::PlaceholderUser);
        }
        match url.password {
            Some(p) if is_placeholder_part(p) => traits.push(ValueTrait::PlaceholderPassword),
            // An unexpanded `${DB_PASSWORD}` is a placeholder, not a credential.
            Some(p) if p.contains("${") || p.contains("%7B") => {
                traits.push(ValueTrait::PlaceholderPassword)
            }
            Some(p) if !p.is_empty() => traits.push(ValueTrait::UrlPassword),
            _ => {}
        }
        if is_placeholder_host(url.host) {
            traits.push(ValueTrait::PlaceholderHost);
        }
    }
    traits.sort();
    traits.dedup();
    traits
}

/// `AKIA` or `ASIA` followed by 16 of `A-Z2-7`, on word boundaries.
fn contains_access_key_id(value: &str) -> bool {
    let bytes = value.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric();
    (0..bytes.len().saturating_sub(19)).any(|i| {
        let candidate = &bytes[i..i + 20];
        (candidate.starts_with(b"AKIA") || candidate.starts_with(b"ASIA"))
            && candidate[4..]
                .iter()
                .all(|&b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
            && (i == 0 || !word(bytes[i - 1]))
            && bytes.get(i + 20).is_none_or(|&b| !word(b))
    })
}

/// The parts of one `scheme://[user[:password]@]host…` found in a value.
struct UrlParts<'a> {
    user: Option<&'a str>,
    password: Option<&'a str>,
    host: &'a str,
}

fn urls(value: &str) -> Vec<UrlParts<'_>> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(i) = rest.find("://") {
        let tail = &rest[i + 3..];
        let end = tail
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((u, p)) => (Some(u), Some(p)),
                None => (Some(info), None),
            },
            None => (None, None),
        };
        let host = if let Some(v6) = hostport.strip_prefix('[') {
            v6.split(']').next().unwrap_or_default()
        } else {
            hostport.split([':', ',']).next().unwrap_or_default()
        };
        out.push(UrlParts {
            user: user.filter(|u| !u.is_empty()),
            password,
            host,
        });
        rest = &tail[end..];
    }
    out
}

/// A URL part that is a template word, `<…>`, `${…}`, or a run of `x`s / `*`s.
fn is_placeholder_part(part: &str) -> bool {
    let lower = part.trim().to_ascii_lowercase();
    if lower.is_empty() || lower == crate::parity::redact::REDACTED {
        return false;
    }
    PLACEHOLDER_WORDS.contains(&lower.as_str())
        || URL_PART_WORDS.contains(&lower.as_str())
        || (lower.starts_with('<') && lower.ends_with('>'))
        || (lower.starts_with("%3c") && lower.ends_with("%3e"))
        || lower.starts_with("${")
        || (lower.len() >= 3 && lower.chars().all(|c| c == 'x'))
        || (lower.len() >= 3 && lower.chars().all(|c| c == '*'))
        || lower.starts_with("your-")
        || lower.starts_with("your_")
}

fn is_placeholder_host(host: &str) -> bool {
    let lower = host.trim().to_ascii_lowercase();
    let first = lower.split('.').next().unwrap_or_default();
    is_placeholder_part(&lower) || (lower.contains('.') && is_placeholder_part(first))
}

#[cfg(test)]
mod tests {
    use super::ValueTrait::*;
    use super::*;

    #[test]
    fn credentials_are_recognised() {
        assert_eq!(value_traits("AKIAIOSFODNN7EXAMPLE"), [AwsAccessKeyId]);
        assert_eq!(value_traits("id=ASIAIOSFODNN7EXAMPLE;"), [AwsAccessKeyId]);
        assert_eq!(value_traits("XAKIAIOSFODNN7EXAMPLE"), []);
        assert_eq!(value_traits("AKIAIOSFODNN7EXAMPLE1"), []);
        assert_eq!(
            value_traits("-----BEGIN RSA PRIVATE KEY-----\nMIIE…\n-----END RSA PRIVATE KEY-----"),
            [PrivateKey]
        );
        assert_eq!(value_traits("-----BEGIN PUBLIC KEY-----"), []);
        assert_eq!(value_traits("postgres://app:s3cr3t@db/app"), [UrlPassword]);
        assert_eq!(value_traits("redis://:s3cr3t@cache:6379/0"), [UrlPassword]);
        assert_eq!(value_traits("postgres://app@db/app"), []);
        assert_eq!(value_traits("https://api.stripe.com/v1"), []);
        assert_eq!(value_traits("postgres://<redacted>@db/app"), []);
    }

    #[test]
    fn placeholders_inside_urls() {
        assert_eq!(
            value_traits("postgres://ro:changeme@db-ro.prod.internal:5432/app"),
            [PlaceholderPassword]
        );
        assert_eq!(
            value_traits("postgres://USERNAME:PASSWORD@db/app"),
            [PlaceholderUser, PlaceholderPassword]
        );
        assert_eq!(
            value_traits("postgres://app:${DB_PASSWORD}@db/app"),
            [PlaceholderPassword]
        );
        assert_eq!(
            value_traits("mysql://app:s3cr3t@your-db-host:3306/app"),
            [UrlPassword, PlaceholderHost]
        );
        assert_eq!(value_traits("redis://xxx.internal:6379"), [PlaceholderHost]);
        assert_eq!(value_traits("postgres://app@db.internal/app"), []);
    }
}
