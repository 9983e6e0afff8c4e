//! `Principal` / `NotPrincipal` in resource policies: does a statement name the caller?
//!
//! The distinction that matters for evaluation is *how* it names it. A statement naming the
//! caller's own ARN (or `"*"`) grants access by itself; one naming the caller's account
//! (`"111122223333"` or `arn:aws:iam::111122223333:root`) only delegates to the account's
//! identity-based policies, which must then allow the request too.

use super::applies::Applies;
use super::document::{Effect, Matcher, PrincipalEntry};
use super::matching::{arn_account, Arn};

/// How a resource policy statement's principal element covers the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrincipalMatch {
    /// The caller itself, `"*"`, or everyone but a list that excludes someone else.
    Direct,
    /// The caller's account (delegation to its identity-based policies).
    Account,
    NotCovered,
    Unknown(String),
}

/// The facts about the caller that principal matching needs.
pub(crate) struct Caller<'a> {
    pub arn: &'a str,
    pub has_permission_boundary: bool,
}

impl Caller<'_> {
    fn account(&self) -> Option<&str> {
        arn_account(self.arn)
    }

    fn is_iam_user(&self) -> bool {
        is_iam_user(self.arn)
    }

    /// The role's name (the last path segment of `role/path/name`), for matching session ARNs.
    fn role_name(&self) -> Option<&str> {
        let arn = Arn::parse(self.arn)?;
        let path = arn.resource.strip_prefix("role/")?;
        path.rsplit('/').next()
    }

    fn names_account(&self, id: &str) -> bool {
        let Some(account) = self.account() else {
            return false;
        };
        id == account
            || Arn::parse(id).is_some_and(|arn| {
                arn.service == "iam" && arn.account == account && arn.resource == "root"
            })
    }

    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE_NAME/SESSION` for this role.
    fn names_a_session_of_this_role(&self, id: &str) -> bool {
        let (Some(role_name), Some(session)) = (self.role_name(), Arn::parse(id)) else {
            return false;
        };
        session.service == "sts"
            && Some(session.account) == self.account()
            && session
                .resource
                .strip_prefix("assumed-role/")
                .and_then(|rest| rest.split('/').next())
                == Some(role_name)
    }
}

/// An IAM user (rather than a role) ARN: `arn:aws:iam::ACCOUNT:user/…`.
pub(crate) fn is_iam_user(arn: &str) -> bool {
    Arn::parse(arn).is_some_and(|arn| arn.service == "iam" && arn.resource.starts_with("user/"))
}

pub(crate) fn match_principal(
    element: Option<&Matcher<PrincipalEntry>>,
    caller: &Caller<'_>,
    effect: Effect,
) -> PrincipalMatch {
    match element {
        None => PrincipalMatch::Unknown(
            "has no Principal element, so whom it applies to is undefined".to_string(),
        ),
        Some(Matcher::Only(entries)) => {
            let covers = |entry: &PrincipalEntry| match entry {
                PrincipalEntry::Everyone => PrincipalMatch::Direct,
                PrincipalEntry::Aws(id) if id == "*" || id == caller.arn => PrincipalMatch::Direct,
                PrincipalEntry::Aws(id) if caller.names_account(id) => PrincipalMatch::Account,
                _ => PrincipalMatch::NotCovered,
            };
            let matches: Vec<PrincipalMatch> = entries.iter().map(covers).collect();
            [PrincipalMatch::Direct, PrincipalMatch::Account]
                .into_iter()
                .find(|wanted| matches.contains(wanted))
                .unwrap_or(PrincipalMatch::NotCovered)
        }
        Some(Matcher::AllExcept(entries)) => match_not_principal(entries, caller, effect),
    }
}

/// `NotPrincipal` has AWS-specific pitfalls, followed here rather than guessed:
/// - with `Deny`, it denies every principal that has a permission boundary, whatever it lists;
/// - a role acts through assumed-role sessions, which are excluded only when the session ARN is
///   listed as well as the role (or account); a user needs its account listed too.
fn match_not_principal(
    entries: &[PrincipalEntry],
    caller: &Caller<'_>,
    effect: Effect,
) -> PrincipalMatch {
    let ids: Vec<&str> = entries
        .iter()
        .filter_map(|entry| match entry {
            PrincipalEntry::Aws(id) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let excludes_everyone = ids.contains(&"*") || entries.contains(&PrincipalEntry::Everyone);
    if excludes_everyone {
        return PrincipalMatch::NotCovered;
    }
    let names_caller = ids.contains(&caller.arn);
    let names_account = ids.iter().any(|id| caller.names_account(id));
    if !names_caller && !names_account {
        return PrincipalMatch::Direct;
    }
    if effect == Effect::Deny && caller.has_permission_boundary {
        return PrincipalMatch::Direct;
    }
    let excluded = if caller.is_iam_user() {
        names_caller && names_account
    } else {
        (names_caller || names_account)
            && ids.iter().any(|id| caller.names_a_session_of_this_role(id))
    };
    if excluded {
        PrincipalMatch::NotCovered
    } else {
        PrincipalMatch::Unknown(
            "lists this principal in NotPrincipal without all the ARNs AWS needs to exclude it (its \
             account, and for a role its assumed-role session), so whether it applies cannot be decided statically"
                .to_string(),
        )
    }
}

impl PrincipalMatch {
    /// Whether the statement applies to the caller at all.
    pub(crate) fn applies(&self) -> Applies {
        match self {
            PrincipalMatch::Direct | PrincipalMatch::Account => Applies::Yes,
            PrincipalMatch::NotCovered => Applies::No,
            PrincipalMatch::Unknown(why) => Applies::Unknown(why.clone()),
        }
    }
}
