//! Reading a rule's document (`rules/CODE.md`) as the doc tests check it: its title and four
//! sections, and its fenced examples.

pub struct Example {
    /// The fence's info string, e.g. `sql`, `sql mysql` or `json production`.
    pub info: String,
    pub body: String,
    /// Under "## Example" (bad) rather than "## Use instead" (good).
    pub bad: bool,
}

/// The fenced blocks under "## Example" and "## Use instead"; fences elsewhere are skipped.
pub fn examples(doc: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut section = None;
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        if let Some(title) = line.strip_prefix("## ") {
            section = match title.trim() {
                "Example" => Some(true),
                "Use instead" => Some(false),
                _ => None,
            };
            continue;
        }
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        if let Some(bad) = section {
            out.push(Example {
                info: info.trim().to_string(),
                body: body.join("\n"),
                bad,
            });
        }
    }
    out
}

/// Asserts that the document of rule `code` (`name`) is titled `# CODE name` and has the four
/// sections.
pub fn assert_complete(code: &str, name: &str, doc: &str) {
    assert!(
        doc.starts_with(&format!("# {code} {name}\n")),
        "rules/{code}.md: the title must be `# {code} {name}`"
    );
    for section in [
        "## What it does",
        "## Why it matters",
        "## Example",
        "## Use instead",
    ] {
        assert!(doc.contains(section), "{code} lacks `{section}`");
    }
}
