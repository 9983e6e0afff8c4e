//! Wildcard matching the way IAM does it.
//!
//! `Action` and `Resource` patterns are plain globs over the whole string: `*` matches any run
//! of characters (including `:` and `/`), `?` exactly one. Actions compare case-insensitively,
//! resources case-sensitively. Under policy version 2012-10-17 a pattern may contain policy
//! variables (`${aws:username}`) and the escapes `${*}`, `${?}`, `${$}` for literal characters; a
//! variable whose value is not known makes the match undecidable rather than false.

/// One element of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `*`: any run of characters, possibly empty.
    AnyRun,
    /// `?`: exactly one character.
    AnyOne,
}

/// Why a pattern could not be compiled: it uses a policy variable with no known value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedVariable(pub String);

/// Resolves a policy variable name (`aws:PrincipalAccount`) to its value, if known.
pub type Variables<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Does `action` (`secretsmanager:GetSecretValue`) match the `Action` pattern? Case-insensitive.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    if pattern.is_ascii() && action.is_ascii() {
        let folded = |p: char, t: u8| p.eq_ignore_ascii_case(&char::from(t));
        return glob(pattern.as_bytes(), action.as_bytes(), byte_token, folded);
    }
    // Without variables nothing can be unresolved.
    let tokens = compile(pattern, None).unwrap_or_default();
    let folded = |p: char, t: char| p.to_lowercase().eq(t.to_lowercase());
    glob(
        &tokens,
        &action.chars().collect::<Vec<_>>(),
        same_token,
        folded,
    )
}

/// Does `value` match the glob `pattern`, case-sensitively, resolving policy variables through
/// `variables` when given (i.e. under policy version 2012-10-17)?
pub fn glob_matches(
    pattern: &str,
    value: &str,
    variables: Option<Variables<'_>>,
) -> Result<bool, UnresolvedVariable> {
    // The common case (ASCII ARNs, no policy variables) needs no allocation.
    let has_variables = variables.is_some() && pattern.contains("${");
    if pattern.is_ascii() && value.is_ascii() && !has_variables {
        let exact = |p: char, t: u8| p == char::from(t);
        return Ok(glob(
            pattern.as_bytes(),
            value.as_bytes(),
            byte_token,
            exact,
        ));
    }
    let tokens = compile(pattern, variables)?;
    Ok(glob(
        &tokens,
        &value.chars().collect::<Vec<_>>(),
        same_token,
        exactly,
    ))
}

/// How a pattern relates to every text `known` followed by `unknown_len` unknown characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuffixMatch {
    /// Matches whatever the unknown characters are.
    All,
    /// Matches for some values of the unknown characters only.
    Some,
    None,
}

/// Matches `pattern` against a partial secret ARN: `known` then `unknown_len` characters that
/// are not known. Two passes decide it. If the pattern matches when the unknown characters equal
/// no literal, only wildcards cover them, so it matches every suffix. If it matches when they
/// equal every literal, some suffix matches (each unknown position meets one pattern token, so
/// the choices are independent).
pub fn glob_matches_unknown_suffix(
    pattern: &str,
    known: &str,
    unknown_len: usize,
    variables: Option<Variables<'_>>,
) -> Result<SuffixMatch, UnresolvedVariable> {
    let tokens = compile(pattern, variables)?;
    let text: Vec<Option<char>> = known
        .chars()
        .map(Some)
        .chain(std::iter::repeat_n(None, unknown_len))
        .collect();
    let for_all = glob(&tokens, &text, same_token, |p, t: Option<char>| {
        t == Some(p)
    });
    let for_some = glob(&tokens, &text, same_token, |p, t: Option<char>| {
        t.is_none_or(|t| t == p)
    });
    Ok(match (for_all, for_some) {
        (true, _) => SuffixMatch::All,
        (false, true) => SuffixMatch::Some,
        (false, false) => SuffixMatch::None,
    })
}

/// Replaces policy variables and escapes in a condition value compared for equality, where
/// `*` and `?` are ordinary characters anyway.
pub fn substitute(value: &str, variables: Variables<'_>) -> Result<String, UnresolvedVariable> {
    Ok(compile(value, Some(variables))?
        .into_iter()
        .map(|token| match token {
            Token::Literal(c) => c,
            Token::AnyRun => '*',
            Token::AnyOne => '?',
        })
        .collect())
}

/// Compiles a pattern. Without `variables`, `$`, `{` and `}` are ordinary characters.
fn compile(
    pattern: &str,
    variables: Option<Variables<'_>>,
) -> Result<Vec<Token>, UnresolvedVariable> {
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let (Some(resolve), Some(body)) = (variables, rest.strip_prefix("${")) {
            if let Some(end) = body.find('}') {
                let name = &body[..end];
                match name {
                    "*" | "?" | "$" => tokens.extend(name.chars().map(Token::Literal)),
                    _ => {
                        let value = resolve(name.trim())
                            .ok_or_else(|| UnresolvedVariable(name.to_string()))?;
                        // A substituted value is literal text, even if it contains `*` or `?`.
                        tokens.extend(value.chars().map(Token::Literal));
                    }
                }
                rest = &body[end + 1..];
                continue;
            }
        }
        tokens.push(match c {
            '*' => Token::AnyRun,
            '?' => Token::AnyOne,
            other => Token::Literal(other),
        });
        rest = &rest[c.len_utf8()..];
    }
    Ok(tokens)
}

/// Iterative glob matching with single-star backtracking: O(pattern × text) in the worst case,
/// never exponential, no recursion. `token` reads a pattern element (a compiled [`Token`], or
/// a raw ASCII byte); `same` decides whether a literal pattern character matches a text
/// element (which lets text carry unknown characters).
fn glob<P: Copy, T: Copy>(
    pattern: &[P],
    text: &[T],
    token: impl Fn(P) -> Token,
    same: impl Fn(char, T) -> bool,
) -> bool {
    let (mut t, mut s) = (0, 0);
    // Where the last `*` was, and how much text it has swallowed so far.
    let mut star: Option<(usize, usize)> = None;
    while s < text.len() {
        match pattern.get(t).map(|p| token(*p)) {
            Some(Token::AnyRun) => {
                star = Some((t, s));
                t += 1;
            }
            Some(Token::AnyOne) => {
                t += 1;
                s += 1;
            }
            Some(Token::Literal(c)) if same(c, text[s]) => {
                t += 1;
                s += 1;
            }
            _ => match star {
                Some((star_t, star_s)) => {
                    t = star_t + 1;
                    s = star_s + 1;
                    star = Some((star_t, star_s + 1));
                }
                None => return false,
            },
        }
    }
    pattern[t.min(pattern.len())..]
        .iter()
        .all(|p| token(*p) == Token::AnyRun)
}

fn same_token(token: Token) -> Token {
    token
}

/// A raw pattern byte: `*` and `?` are wildcards (used only for ASCII patterns without variables).
fn byte_token(byte: u8) -> Token {
    match byte {
        b'*' => Token::AnyRun,
        b'?' => Token::AnyOne,
        other => Token::Literal(char::from(other)),
    }
}

fn exactly(pattern: char, text: char) -> bool {
    pattern == text
}

/// How much of its resource a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceName<'a> {
    /// A full ARN (or `*`).
    Arn(&'a str),
    /// A secret ARN without the `-XXXXXX` suffix Secrets Manager appends.
    PartialSecret(&'a str),
    /// Not an ARN at all, e.g. a bare secret name.
    NotAnArn(&'a str),
}

impl<'a> ResourceName<'a> {
    pub fn classify(resource: &'a str) -> Self {
        match Arn::parse(resource) {
            None if resource == "*" => ResourceName::Arn(resource),
            None => ResourceName::NotAnArn(resource),
            Some(arn)
                if arn.service == "secretsmanager"
                    && arn.resource.starts_with("secret:")
                    && secret_arn_without_suffix(resource).is_none() =>
            {
                ResourceName::PartialSecret(resource)
            }
            Some(_) => ResourceName::Arn(resource),
        }
    }
}

/// The fields of an ARN: `arn:partition:service:region:account:resource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(text: &'a str) -> Option<Self> {
        let mut fields = text.splitn(6, ':');
        if fields.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: fields.next()?,
            service: fields.next()?,
            region: fields.next()?,
            account: fields.next()?,
            resource: fields.next()?,
        })
    }
}

/// The account id an ARN belongs to, when it names one (S3 bucket ARNs do not).
pub fn arn_account(arn: &str) -> Option<&str> {
    Arn::parse(arn).map(|a| a.account).filter(|a| !a.is_empty())
}

/// `ArnLike` / `ArnEquals` in conditions: each of the six colon-separated fields is matched
/// separately, so a wildcard does not cross a `:` (unlike `Resource` matching).
pub fn arn_like(pattern: &str, value: &str) -> bool {
    let (Some(p), Some(v)) = (Arn::parse(pattern), Arn::parse(value)) else {
        return false;
    };
    let field = |p: &str, v: &str| glob_matches(p, v, None).unwrap_or(false);
    field(p.partition, v.partition)
        && field(p.service, v.service)
        && field(p.region, v.region)
        && field(p.account, v.account)
        && field(p.resource, v.resource)
}

/// Secrets Manager appends `-` and six random characters to every secret's name in its ARN
/// (`…:secret:prod/db-AbC123`). Returns the ARN without that suffix, for explaining why a policy
/// that names `…:secret:prod/db` does not match.
pub fn secret_arn_without_suffix(arn: &str) -> Option<&str> {
    let parsed = Arn::parse(arn)?;
    let name = parsed.resource.strip_prefix("secret:")?;
    if parsed.service != "secretsmanager" || name.len() < 8 {
        return None;
    }
    let cut = arn.len() - 7;
    let (base, suffix) = (arn.get(..cut)?, arn.get(cut..)?);
    let suffix_ok =
        suffix.starts_with('-') && suffix[1..].chars().all(|c| c.is_ascii_alphanumeric());
    suffix_ok.then_some(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, value: &str) -> bool {
        glob_matches(pattern, value, None).unwrap()
    }

    #[test]
    fn star_matches_any_run_including_separators() {
        assert!(matches(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a/b:c"
        ));
        assert!(matches("*", ""));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(matches("a*b*c", "abc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches(
            "*:secret:prod/*",
            "arn:aws:secretsmanager:us-east-1:1:secret:prod/db"
        ));
    }

    #[test]
    fn question_mark_matches_exactly_one_character() {
        assert!(matches("db-??????", "db-AbC123"));
        assert!(!matches("db-??????", "db-AbC12"));
        assert!(!matches("db-??????", "db-AbC1234"));
    }

    #[test]
    fn resources_are_case_sensitive_actions_are_not() {
        assert!(!matches("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket"));
        assert!(action_matches(
            "SecretsManager:Get*",
            "secretsmanager:GetSecretValue"
        ));
        assert!(action_matches(
            "secretsmanager:getsecretvalue",
            "secretsmanager:GetSecretValue"
        ));
        assert!(!action_matches(
            "secretsmanager:Describe*",
            "secretsmanager:GetSecretValue"
        ));
    }

    #[test]
    fn non_ascii_text_is_matched_by_character_not_byte() {
        assert!(matches("arn:aws:s3:::b?cket/*", "arn:aws:s3:::bücket/é"));
        assert!(!matches("arn:aws:s3:::b??cket/*", "arn:aws:s3:::bücket/é"));
        assert!(action_matches("ÉTAT:Get*", "état:GetThing"));
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let pattern = "*a".repeat(50) + "b";
        let text = "a".repeat(5000);
        assert!(!matches(&pattern, &text));
    }

    #[test]
    fn policy_variables_resolve_or_report_the_variable() {
        let vars = |name: &str| (name == "aws:PrincipalAccount").then(|| "111".to_string());
        let vars: Variables<'_> = &vars;
        assert_eq!(
            glob_matches("arn:x:${aws:PrincipalAccount}:*", "arn:x:111:y", Some(vars)),
            Ok(true)
        );
        assert_eq!(
            glob_matches("arn:x:${aws:username}", "arn:x:bob", Some(vars)),
            Err(UnresolvedVariable("aws:username".into()))
        );
        // Escapes are literal characters; without variables `${` is plain text.
        assert_eq!(glob_matches("a${*}b", "a*b", Some(vars)), Ok(true));
        assert_eq!(glob_matches("a${*}b", "aXb", Some(vars)), Ok(false));
        assert_eq!(glob_matches("a${x}", "a${x}", None), Ok(true));
    }

    #[test]
    fn unknown_suffix_matches_all_some_or_none() {
        let known = "arn:aws:secretsmanager:us-east-1:1:secret:prod/db-";
        let check = |pattern: &str| glob_matches_unknown_suffix(pattern, known, 6, None).unwrap();
        assert_eq!(
            check("arn:aws:secretsmanager:us-east-1:1:secret:prod/db-??????"),
            SuffixMatch::All
        );
        assert_eq!(
            check("arn:aws:secretsmanager:*:*:secret:prod/*"),
            SuffixMatch::All
        );
        assert_eq!(
            check("arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbC123"),
            SuffixMatch::Some
        );
        assert_eq!(
            check("arn:aws:secretsmanager:us-east-1:1:secret:prod/db-A*"),
            SuffixMatch::Some
        );
        assert_eq!(
            check("arn:aws:secretsmanager:us-east-1:1:secret:prod/db"),
            SuffixMatch::None
        );
        assert_eq!(
            check("arn:aws:secretsmanager:us-east-1:1:secret:prod/db-???????"),
            SuffixMatch::None
        );
        assert_eq!(
            check("arn:aws:secretsmanager:us-east-1:1:secret:staging/*"),
            SuffixMatch::None
        );
    }

    #[test]
    fn arn_like_does_not_cross_colons() {
        assert!(arn_like(
            "arn:aws:iam::*:role/app-*",
            "arn:aws:iam::111:role/app-web"
        ));
        assert!(!arn_like("arn:aws:iam::*", "arn:aws:iam::111:role/app-web"));
        assert!(!arn_like("not-an-arn", "arn:aws:iam::111:role/app-web"));
    }

    #[test]
    fn secret_suffix_is_recognised() {
        let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC123";
        assert_eq!(
            secret_arn_without_suffix(arn),
            Some("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db")
        );
        assert_eq!(
            secret_arn_without_suffix("arn:aws:s3:::bucket/x-AbC123"),
            None
        );
        assert_eq!(
            secret_arn_without_suffix("arn:aws:secretsmanager:us-east-1:1:secret:db"),
            None
        );
    }
}
