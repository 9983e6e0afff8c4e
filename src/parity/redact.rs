//! Keeps secret material out of every output: values of secret-looking names are replaced, and
//! credentials inside URLs (`postgres://user:password@host`) are cut out.

pub const REDACTED: &str = "<redacted>";

/// Words that make a variable name look secret.
const SECRET_WORDS: &[&str] = &[
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "KEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "PRIVATE",
    "AUTH",
    "SIGNATURE",
    "SALT",
    "CERT",
    "DSN",
    "SESSION",
    "COOKIE",
];

/// Does the name look like it holds a secret? Matches words (`API_KEY`, `apiKey`) and
/// suffixes (`APIKEY`, `DBPASSWORD`).
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| SECRET_WORDS.iter().any(|s| word == *s || word.ends_with(s)))
        || SECRET_WORDS
            .iter()
            .any(|s| s.len() >= 5 && upper.contains(s))
}

/// A value as it may be shown for `name`.
pub fn display_value(name: &str, value: &str) -> String {
    if looks_secret(name) {
        REDACTED.to_string()
    } else {
        redact_value(value)
    }
}

/// Cuts `user:password@` out of URLs anywhere in the value.
pub fn redact_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(scheme_end) = rest.find("://") {
        let (head, tail) = rest.split_at(scheme_end + 3);
        out.push_str(head);
        let token = &tail[..tail.find(char::is_whitespace).unwrap_or(tail.len())];
        // People write passwords unencoded: `user@…` counts as userinfo here too.
        match crate::db::userinfo_end(token, &[':', '@']) {
            Some(at) => {
                out.push_str(REDACTED);
                rest = &tail[at..];
            }
            None => {
                let authority_end = token.find(['/', '?', '#']).unwrap_or(token.len());
                out.push_str(&tail[..authority_end]);
                rest = &tail[authority_end..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_names() {
        for name in [
            "API_KEY",
            "apiKey",
            "DB_PASSWORD",
            "STRIPE_SECRET",
            "GITHUB_TOKEN",
            "SENTRY_DSN",
            "APIKEY",
        ] {
            assert!(looks_secret(name), "{name}");
        }
        for name in ["REDIS_HOST", "PORT", "LOG_LEVEL", "DATABASE_URL"] {
            assert!(!looks_secret(name), "{name}");
        }
    }

    #[test]
    fn url_credentials_are_cut() {
        assert_eq!(
            redact_value("postgres://app:hunter2@db.internal:5432/app"),
            "postgres://<redacted>@db.internal:5432/app"
        );
        assert_eq!(
            redact_value("redis://localhost:6379"),
            "redis://localhost:6379"
        );
        assert_eq!(display_value("DB_PASSWORD", "hunter2"), REDACTED);
    }

    /// A password written unencoded may hold `/`, `?`, `#` or `@`: none of it is printed.
    #[test]
    fn unencoded_passwords_are_cut_whole() {
        for (url, shown) in [
            (
                "postgres://app:pa/ss?w#rd@db.internal:5432/app",
                "postgres://<redacted>@db.internal:5432/app",
            ),
            (
                "postgres://app:p@/w@db.internal/app",
                "postgres://<redacted>@db.internal/app",
            ),
            (
                "DATABASE_URL=mysql://root:x/y@db/app other=https://example.com/a?to=me@example.com",
                "DATABASE_URL=mysql://<redacted>@db/app other=https://example.com/a?to=me@example.com",
            ),
        ] {
            assert_eq!(redact_value(url), shown);
        }
    }
}
