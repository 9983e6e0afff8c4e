//! Makes values from different environments comparable: account ids, regions, task-definition
//! revisions and the environment's own name (with its common short forms) are replaced by
//! placeholders, so `/ecs/staging/web` and `/ecs/production/web` both read `/ecs/{env}/web`.

/// Names that mean the same environment. The first is the canonical long form.
const ALIASES: &[&[&str]] = &[
    &["production", "prod", "prd"],
    &["staging", "stage", "stg"],
    &["development", "dev"],
    &["testing", "test"],
];

#[derive(Debug, Clone, Default)]
pub struct Normaliser {
    /// Lower-case names of this environment (its configured name and the short forms).
    names: Vec<String>,
    region: Option<String>,
}

impl Normaliser {
    pub fn new(environment: &str, region: Option<&str>) -> Self {
        Normaliser {
            names: Vec::new(),
            region: region.filter(|r| !r.is_empty()).map(str::to_string),
        }
        .with_name(environment)
    }

    /// Also treats `environment` (and its short forms) as this environment's name, e.g. the
    /// name a snapshot was taken under when the configuration calls it something else.
    pub fn with_name(mut self, environment: &str) -> Self {
        let lower = environment.to_ascii_lowercase();
        if lower.is_empty() {
            return self;
        }
        self.names.push(lower.clone());
        if let Some(group) = ALIASES.iter().find(|g| g.contains(&lower.as_str())) {
            self.names.extend(group.iter().map(|s| s.to_string()));
        }
        self.names.sort();
        self.names.dedup();
        self
    }

    /// Does this word (case-insensitive) name the environment?
    pub fn is_environment_name(&self, word: &str) -> bool {
        let lower = word.to_ascii_lowercase();
        self.names.contains(&lower)
    }

    pub fn apply(&self, value: &str) -> String {
        let value = match &self.region {
            Some(region) => value.replace(region.as_str(), "{region}"),
            None => value.to_string(),
        };
        let mut value = strip_revision(&value);
        // Names of several words (`eu-prod`) first; single words are handled below.
        for name in self
            .names
            .iter()
            .filter(|n| !n.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            value = replace_bounded(&value, name);
        }
        let mut out = String::with_capacity(value.len());
        let mut word = String::new();
        for c in value.chars().chain(std::iter::once('\0')) {
            if c.is_ascii_alphanumeric() {
                word.push(c);
                continue;
            }
            if !word.is_empty() {
                out.push_str(self.word(&word));
                word.clear();
            }
            if c != '\0' {
                out.push(c);
            }
        }
        out
    }

    fn word<'a>(&self, word: &'a str) -> &'a str {
        if word.len() == 12 && word.bytes().all(|b| b.is_ascii_digit()) {
            "{account}"
        } else if self.is_environment_name(word) {
            "{env}"
        } else {
            word
        }
    }
}

/// Replaces `name` (case-insensitive) where it is not part of a longer word.
fn replace_bounded(value: &str, name: &str) -> String {
    let lower = value.to_ascii_lowercase();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while let Some(found) = lower[i..].find(name) {
        let start = i + found;
        let end = start + name.len();
        let before = lower[..start].chars().next_back();
        let after = lower[end..].chars().next();
        let bounded = !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric());
        out.push_str(&value[i..start]);
        out.push_str(if bounded { "{env}" } else { &value[start..end] });
        i = end;
    }
    out.push_str(&value[i..]);
    out
}

/// `…:task-definition/web:42` → `…:task-definition/web:{revision}`.
fn strip_revision(value: &str) -> String {
    if let Some(at) = value.find(":task-definition/") {
        let tail = &value[at..];
        if let Some(colon) = tail.rfind(':').filter(|&c| c > 0) {
            let digits = &tail[colon + 1..];
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                return format!("{}:{{revision}}", &value[..at + colon]);
            }
        }
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_groups_of_both_environments_agree() {
        let staging = Normaliser::new("staging", Some("us-east-1"));
        let production = Normaliser::new("production", Some("eu-west-1"));
        assert_eq!(staging.apply("/ecs/staging/web"), "/ecs/{env}/web");
        assert_eq!(production.apply("/ecs/production/web"), "/ecs/{env}/web");
        assert_eq!(production.apply("/ecs/prod/web"), "/ecs/{env}/web");
        assert_eq!(staging.apply("web-STG"), "web-{env}");
    }

    #[test]
    fn accounts_regions_and_revisions() {
        let n = Normaliser::new("production", Some("eu-west-1"));
        assert_eq!(
            n.apply("arn:aws:ecs:eu-west-1:222222222222:task-definition/web-prod:17"),
            "arn:aws:ecs:{region}:{account}:task-definition/web-{env}:{revision}"
        );
        assert_eq!(
            n.apply("arn:aws:iam::222222222222:role/prod-exec"),
            "arn:aws:iam::{account}:role/{env}-exec"
        );
    }

    #[test]
    fn words_that_merely_contain_a_name_are_kept() {
        let n = Normaliser::new("production", None);
        assert_eq!(n.apply("product-catalog"), "product-catalog");
        assert_eq!(n.apply("port 1234567890123"), "port 1234567890123");
    }

    #[test]
    fn a_snapshot_taken_under_another_name_still_normalises() {
        let n = Normaliser::new("live", None).with_name("eu-prod");
        assert_eq!(n.apply("/ecs/EU-PROD/web"), "/ecs/{env}/web");
        assert_eq!(n.apply("/ecs/neu-prods/web"), "/ecs/neu-prods/web");
        assert_eq!(n.apply("/ecs/live/web"), "/ecs/{env}/web");
    }

    #[test]
    fn custom_environment_names_match_only_themselves() {
        let n = Normaliser::new("qa2", None);
        assert_eq!(n.apply("/ecs/qa2/web"), "/ecs/{env}/web");
        assert_eq!(n.apply("/ecs/prod/web"), "/ecs/prod/web");
    }
}
