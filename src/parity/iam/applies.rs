//! Three-valued answers: a statement part (action, resource, principal, condition) applies,
//! does not, or cannot be decided statically. Unknown is never treated as either answer.

/// Whether something applies to the request. `Unknown` carries a predicate phrase that completes
/// "Statement[2] of policy x …", e.g. "has a condition on aws:SourceVpc that cannot be evaluated
/// statically".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Applies {
    Yes,
    No,
    Unknown(String),
}

impl Applies {
    pub(crate) fn from_bool(value: bool) -> Self {
        if value {
            Applies::Yes
        } else {
            Applies::No
        }
    }

    /// Three-valued AND: any `No` wins, then the first `Unknown`.
    pub(crate) fn and(self, other: impl FnOnce() -> Applies) -> Applies {
        match self {
            Applies::No => Applies::No,
            Applies::Yes => other(),
            Applies::Unknown(why) => match other() {
                Applies::No => Applies::No,
                _ => Applies::Unknown(why),
            },
        }
    }

    /// Three-valued OR over alternatives: any `Yes` wins, then the first `Unknown`.
    pub(crate) fn any(items: impl IntoIterator<Item = Applies>) -> Applies {
        let mut unknown = None;
        for item in items {
            match item {
                Applies::Yes => return Applies::Yes,
                Applies::Unknown(why) if unknown.is_none() => unknown = Some(why),
                _ => {}
            }
        }
        unknown.map_or(Applies::No, Applies::Unknown)
    }

    /// Three-valued NOT (for `NotAction`, `NotResource`, negated condition operators).
    pub(crate) fn not(self) -> Applies {
        match self {
            Applies::Yes => Applies::No,
            Applies::No => Applies::Yes,
            unknown => unknown,
        }
    }
}
