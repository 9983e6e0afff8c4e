//! The lint rules, one per file. Each file registers itself (`#[distributed_slice(RULES)]`) and
//! `automod` declares every file as a module, so adding a rule edits nothing here. `REGISTRY` is
//! the order rules run in (by code); `lint::RULES` is their metadata in the same order.

// Every `*.rs` file here is a rule module; `pub(super)` because the engine calls the two
// suppression rules directly.
automod::dir!(pub(super) "src/lint/rules");

use super::rule::Rule;
use crate::diagnostics::RuleInfo;
use linkme::distributed_slice;
use std::sync::LazyLock;

mod prelude {
    pub use super::super::rule::{
        name_text, product, word_before, FileEnd, Rule, StatementCx, Violation, MYSQL_FAMILY,
        POSTGRES,
    };
    pub use super::create_if_not_exists::create_without_if_not_exists;
    pub use super::RULES;
    pub use crate::diagnostics::{code_span, Applicability, FixAvailability, RuleInfo, Severity};
    pub use crate::sql::{Dialect, ObjectKind, ShapeKind};
    pub use linkme::distributed_slice;
}

mod create_if_not_exists {
    use super::prelude::*;

    /// Shared by PF104–PF107 and PF122: a CREATE of one of `kinds` without IF NOT EXISTS.
    pub fn create_without_if_not_exists(
        cx: &StatementCx,
        kinds: &[ObjectKind],
        out: &mut Vec<Violation>,
    ) {
        let shape = cx.shape();
        let ShapeKind::Create(kind) = shape.kind else {
            return;
        };
        let Some(guard) = shape.guard else { return };
        if !kinds.contains(&kind)
            || guard.present
            || shape.or_replace
            || shape.temporary
            || cx.do_guarded()
            || cx.dropped_before(kind)
        {
            return;
        }
        // `CREATE USER` and `CREATE ROLE` share a kind; name the one written.
        let keyword = match kind {
            ObjectKind::Role => word_before(&cx.source.text, guard.insert_at).to_ascii_uppercase(),
            _ => kind.keyword().to_string(),
        };
        out.push(
            Violation::new(
                cx.head_span(),
                format!(
                    "{} fails on a retry once it exists: add IF NOT EXISTS",
                    code_span(&format!("CREATE {keyword} {}", cx.object_text()))
                ),
            )
            .fix(Some(cx.insert_fix(
                guard.insert_at,
                "IF NOT EXISTS",
                Applicability::Safe,
            ))),
        );
    }
}

/// Every rule, in no particular order: each rule file adds its own entry, so adding a rule
/// touches no list here.
#[distributed_slice]
pub static RULES: [&'static dyn Rule];

/// The rules in the order they run and are listed: by code.
pub static REGISTRY: LazyLock<Vec<&'static dyn Rule>> = LazyLock::new(|| {
    let mut rules: Vec<&'static dyn Rule> = RULES.to_vec();
    rules.sort_by_key(|r| r.info().code);
    rules
});

/// The rules' metadata, in `REGISTRY` order.
pub static INFOS: LazyLock<Vec<RuleInfo>> =
    LazyLock::new(|| REGISTRY.iter().map(|r| *r.info()).collect());

/// The dialects a lint rule applies to, by code.
pub fn dialects_of(code: &str) -> Option<&'static [crate::sql::Dialect]> {
    REGISTRY
        .iter()
        .find(|r| r.info().code == code)
        .map(|r| r.dialects())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_file_registers_exactly_one_rule_with_a_unique_code() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/lint/rules");
        let files = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".rs") && name != "mod.rs")
            .count();
        assert_eq!(
            REGISTRY.len(),
            files,
            "a rule file without its registration"
        );
        let mut codes: Vec<&str> = REGISTRY.iter().map(|r| r.info().code).collect();
        codes.dedup();
        assert_eq!(codes.len(), REGISTRY.len(), "two rules share a code");
    }

    #[test]
    fn registry_runs_by_code_and_catalog_follows_it() {
        let registry: Vec<&str> = REGISTRY.iter().map(|r| r.info().code).collect();
        let mut sorted = registry.clone();
        sorted.sort_unstable();
        assert_eq!(registry, sorted);
        let catalog: Vec<&str> = INFOS.iter().map(|r| r.code).collect();
        assert_eq!(registry, catalog);
        for (rule, info) in REGISTRY.iter().zip(INFOS.iter()) {
            assert_eq!(rule.info(), info);
        }
    }
}
