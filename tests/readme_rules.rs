//! The README's rule table is the registry's: code, name, default severity, fix availability and
//! summary of every rule of every family. When they disagree the test fails and prints the table
//! to paste; `PREFLIGHT_BLESS=1 cargo test --test readme_rules` writes it into README.md.

use preflight::diagnostics::{Applicability, FixAvailability};
use preflight::registry::FAMILIES;
use std::path::Path;

const START: &str = "<!-- rules:start (generated from the registry; tests/readme_rules.rs) -->\n";
const END: &str = "<!-- rules:end -->";

fn fix_cell(fix: FixAvailability) -> String {
    let label = |a: Applicability| match a {
        Applicability::Safe => "safe",
        Applicability::Unsafe => "unsafe",
    };
    match fix {
        FixAvailability::Never => "—".to_string(),
        FixAvailability::Always(a) => label(a).to_string(),
        FixAvailability::Sometimes(a, _) => format!("{}, some", label(a)),
    }
}

fn expected_table() -> String {
    let mut out = String::new();
    for family in FAMILIES {
        out.push_str(&format!(
            "\n**`{}` — `preflight {}`**\n\n| code | name | default | fix | what it finds |\n| --- | --- | --- | --- | --- |\n",
            family.prefix, family.command
        ));
        for r in (family.rules)() {
            out.push_str(&format!(
                "| [`{code}`](rules/{code}.md) | `{}` | {} | {} | {} |\n",
                r.name,
                r.default_severity,
                fix_cell(r.fix),
                r.summary.replace('|', "\\|"),
                code = r.code,
            ));
        }
    }
    out.push('\n');
    out
}

#[test]
fn readme_rule_table_matches_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme
        .find(START)
        .expect("README.md lacks the rules:start marker")
        + START.len();
    let end = start
        + readme[start..]
            .find(END)
            .expect("README.md lacks the rules:end marker");
    let expected = expected_table();
    if readme[start..end] == expected {
        return;
    }
    if std::env::var_os("PREFLIGHT_BLESS").is_some() {
        let updated = format!("{}{expected}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    panic!(
        "README.md's rule table disagrees with the registry; run `PREFLIGHT_BLESS=1 cargo test --test readme_rules` or paste:\n{expected}"
    );
}
