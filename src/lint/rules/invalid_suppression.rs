//! PF004: a suppression comment that cannot work: a code that names no lint rule (with the
//! closest real one suggested), or a directive word that is not `ignore` / `ignore-file`.

use super::super::suppress::Table;
use super::prelude::*;

pub const INFO: RuleInfo = RuleInfo {
    code: "PF004",
    name: "invalid-suppression",
    default_severity: Severity::Warning,
    summary:
        "A suppression comment names no lint rule (or is not a directive), so it suppresses nothing",
    doc: include_str!("../../../rules/PF004.md"),
    fix: FixAvailability::Never,
};

/// Its violations come from the suppression table, which the engine fills while it lints.
pub struct InvalidSuppression;

#[distributed_slice(RULES)]
static REGISTERED: &dyn Rule = &InvalidSuppression;

impl Rule for InvalidSuppression {
    fn info(&self) -> &'static RuleInfo {
        &INFO
    }
}

pub fn check(table: &Table) -> Vec<Violation> {
    let mut out = Vec::new();
    for m in &table.malformed {
        out.push(Violation::new(
            m.word.range.clone(),
            format!(
                "{} is not a suppression directive, so this comment suppresses nothing: write `ignore` or `ignore-file`",
                code_span(&m.word.text)
            ),
        ));
    }
    for s in &table.suppressions {
        for code in &s.codes {
            if crate::lint::RULES.iter().any(|r| code.names(r)) {
                continue;
            }
            let message = match crate::all_rules().into_iter().find(|r| code.names(r)) {
                Some(other) => format!(
                    "`{}` is not a lint rule, so this comment cannot suppress it: suppression comments apply to lint (`PF…`) rules only",
                    other.code
                ),
                None => match closest(&code.text) {
                    Some(near) => format!(
                        "{} is not a rule code or name, so it suppresses nothing: did you mean `{near}`?",
                        code_span(&code.text)
                    ),
                    None => format!(
                        "{} is not a rule code or name, so it suppresses nothing: `preflight rules` lists them",
                        code_span(&code.text)
                    ),
                },
            };
            out.push(Violation::new(code.range.clone(), message));
        }
    }
    out
}

/// The lint rule code or name closest to `written` (`PF1O1` → `PF101`), if one is close.
fn closest(written: &str) -> Option<&'static str> {
    let looks_like_code = written.len() <= 6;
    crate::lint::RULES
        .iter()
        .map(|r| if looks_like_code { r.code } else { r.name })
        .map(|candidate| {
            let distance = strsim::levenshtein(
                &written.to_ascii_uppercase(),
                &candidate.to_ascii_uppercase(),
            );
            (distance, candidate)
        })
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 4).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_code_or_name() {
        assert_eq!(closest("PF1O1"), Some("PF101"));
        assert_eq!(
            closest("create-table-without-if-not-exist"),
            Some("create-table-without-if-not-exists")
        );
        assert_eq!(closest("everything-is-fine-here"), None);
    }
}
