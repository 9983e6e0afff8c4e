//! Every rule preflight can report, across all commands, in one list. Each family declares its
//! rules next to the code that reports them (`RuleInfo` constants whose document is
//! `include_str!("rules/CODE.md")`); this module only strings the families together, so
//! `preflight rules`, `preflight explain`, SARIF and the README check read the same catalogue.

use crate::diagnostics::RuleInfo;

/// A family of rule codes and the command that reports them.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    /// Code prefix: `PF`, `RC`, `VF`, `PA`, `CK`.
    pub prefix: &'static str,
    /// The command whose findings carry these codes.
    pub command: &'static str,
    /// The family's rules (a function: lint's list is assembled at first use).
    pub rules: fn() -> &'static [RuleInfo],
}

/// The families in the order `preflight rules` lists them.
pub static FAMILIES: &[Family] = &[
    Family {
        prefix: "PF",
        command: "lint",
        rules: || crate::lint::RULES.as_slice(),
    },
    Family {
        prefix: "RC",
        command: "reconcile",
        rules: || crate::reconcile::RULES,
    },
    Family {
        prefix: "VF",
        command: "verify",
        rules: || crate::verify::RULES,
    },
    Family {
        prefix: "PA",
        command: "parity",
        rules: || crate::parity::RULES,
    },
    Family {
        prefix: "CK",
        command: "check",
        rules: || crate::check::RULES,
    },
];

/// Every rule, family by family.
pub fn all() -> impl Iterator<Item = &'static RuleInfo> {
    FAMILIES.iter().flat_map(|f| (f.rules)().iter())
}

/// The rule with this code or name (case-insensitive), e.g. `PF101` or `create-table-without-if-not-exists`.
pub fn find(code_or_name: &str) -> Option<&'static RuleInfo> {
    let wanted = code_or_name.trim();
    all().find(|r| r.code.eq_ignore_ascii_case(wanted) || r.name.eq_ignore_ascii_case(wanted))
}

/// The family a code belongs to, by prefix.
pub fn family_of(code: &str) -> Option<&'static Family> {
    FAMILIES.iter().find(|f| code.starts_with(f.prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_in_their_family() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for family in FAMILIES {
            for rule in (family.rules)() {
                assert!(
                    rule.code.starts_with(family.prefix) && rule.code.len() == 5,
                    "{} is listed under {}",
                    rule.code,
                    family.prefix
                );
                assert!(codes.insert(rule.code), "{} is declared twice", rule.code);
                assert!(names.insert(rule.name), "{} is used twice", rule.name);
            }
        }
    }

    #[test]
    fn finds_by_code_or_name_in_any_case() {
        assert_eq!(find("pf101").map(|r| r.code), Some("PF101"));
        assert_eq!(find("stage-not-checked").map(|r| r.code), Some("CK101"));
        assert_eq!(find("RC101").map(|r| r.name), Some("applied-unrecorded"));
        assert!(find("PF999").is_none());
        assert_eq!(family_of("PA401").map(|f| f.command), Some("parity"));
    }
}
