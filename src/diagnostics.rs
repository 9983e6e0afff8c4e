//! The finding model shared by every command: lint, reconcile, verify, parity and check all
//! report `Finding`s, so one set of renderers (human, JSON, SARIF, GitHub, Markdown, HTML) serves all.

use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::ops::Range;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// The `--fail-on` threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// Does a finding of this severity fail the run?
    pub fn is_reached_by(self, severity: Severity) -> bool {
        match self {
            FailOn::Never => false,
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Info => true,
        }
    }
}

/// A stage of the gate, and the command that runs it alone. `check` tags every finding with
/// the stage that produced it; the name is what JSON, SARIF and the reports print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Lint,
    Reconcile,
    Verify,
    Parity,
}

impl Stage {
    /// `lint`, `reconcile`, `verify` or `parity`.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Lint => "lint",
            Stage::Reconcile => "reconcile",
            Stage::Verify => "verify",
            Stage::Parity => "parity",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether applying a fix can change what the migration means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the statement's meaning on a fresh database; only adds a retry guard.
    Safe,
    /// Changes behaviour in some state (e.g. swallows an error); applied only with `--unsafe-fixes`.
    Unsafe,
}

/// 1-based line and column. Columns count Unicode scalar values, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// A text replacement: `content` replaces the bytes `range` of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: String,
    pub start: LineCol,
    pub end: LineCol,
}

impl Serialize for Edit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            content: &'a str,
            location: LineCol,
            end_location: LineCol,
            start_byte: usize,
            end_byte: usize,
        }
        Wire {
            content: &self.content,
            location: self.start,
            end_location: self.end,
            start_byte: self.range.start,
            end_byte: self.range.end,
        }
        .serialize(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, e.g. "Add IF NOT EXISTS".
    pub message: String,
    pub edits: Vec<Edit>,
}

/// Where a finding points. File findings carry a span; environment findings may carry none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub path: Option<String>,
    pub start: Option<LineCol>,
    pub end: Option<LineCol>,
    /// Byte range in the source, for renderers that show the snippet.
    pub bytes: Option<Range<usize>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule that produced it: code, name, documentation and fix availability in one place,
    /// so a finding cannot disagree with `preflight rules`.
    pub rule: &'static RuleInfo,
    /// The rule's default severity unless configuration changed it.
    pub severity: Severity,
    pub location: Location,
    pub message: String,
    pub fix: Option<Fix>,
    /// Extra lines of explanation or the exact next step (printed, never executed).
    pub notes: Vec<String>,
    /// True when the finding says "this could not be checked". Unknown is never pass.
    pub unknown: bool,
    /// For environment findings (parity): which environment it is attributed to.
    pub environment: Option<String>,
    /// What the finding is about when it is not a file span: a variable, a secret, a migration.
    pub subject: Option<String>,
    /// Which stage produced it; set by `check`.
    pub stage: Option<Stage>,
}

impl Finding {
    /// A finding of `rule` at `severity` (use [`Finding::for_rule`] for the default severity).
    pub fn new(rule: &'static RuleInfo, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity,
            location: Location::default(),
            message: message.into(),
            fix: None,
            notes: Vec::new(),
            unknown: false,
            environment: None,
            subject: None,
            stage: None,
        }
    }

    /// The rule's stable code, e.g. `PF101`.
    pub fn code(&self) -> &'static str {
        self.rule.code
    }

    /// The rule's kebab-case name, e.g. `create-table-without-if-not-exists`.
    pub fn name(&self) -> &'static str {
        self.rule.name
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = location;
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_notes(mut self, notes: impl IntoIterator<Item = String>) -> Self {
        self.notes.extend(notes);
        self
    }

    pub fn with_environment(mut self, env: impl Into<String>) -> Self {
        self.environment = Some(env.into());
        self
    }

    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    pub fn unknown(mut self) -> Self {
        self.unknown = true;
        self
    }
}

/// The stable JSON shape (`"version": 1`) of one finding; documented in README.
impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            rule: &'a str,
            name: &'a str,
            severity: Severity,
            path: Option<&'a str>,
            line: Option<usize>,
            column: Option<usize>,
            end_line: Option<usize>,
            end_column: Option<usize>,
            message: &'a str,
            fix: Option<&'a Fix>,
            #[serde(skip_serializing_if = "<[String]>::is_empty")]
            notes: &'a [String],
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            unknown: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            environment: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            subject: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            stage: Option<&'static str>,
        }
        let l = &self.location;
        Wire {
            rule: self.rule.code,
            name: self.rule.name,
            severity: self.severity,
            path: l.path.as_deref(),
            line: l.start.map(|p| p.line),
            column: l.start.map(|p| p.column),
            end_line: l.end.map(|p| p.line),
            end_column: l.end.map(|p| p.column),
            message: &self.message,
            fix: self.fix.as_ref(),
            notes: &self.notes,
            unknown: self.unknown,
            environment: self.environment.as_deref(),
            subject: self.subject.as_deref(),
            stage: self.stage.map(Stage::name),
        }
        .serialize(s)
    }
}

/// Counts for the `summary` object of JSON output and for verdict lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub unknown: usize,
    pub fixable: usize,
}

impl Summary {
    pub fn of(findings: &[Finding], files: usize) -> Self {
        let mut s = Summary {
            files,
            findings: findings.len(),
            ..Summary::default()
        };
        for f in findings {
            s.count_kind(f);
        }
        s
    }

    /// Adds one finding (a streamed report counts its findings instead of keeping them).
    pub fn count(&mut self, f: &Finding) {
        self.findings += 1;
        self.count_kind(f);
    }

    fn count_kind(&mut self, f: &Finding) {
        match f.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
        self.unknown += usize::from(f.unknown);
        self.fixable += usize::from(f.fix.is_some());
    }
}

/// Sort findings into a stable order: path, position, rule.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            &a.location.path,
            a.location.start,
            &a.environment,
            a.rule.code,
            &a.subject,
        )
            .cmp(&(
                &b.location.path,
                b.location.start,
                &b.environment,
                b.rule.code,
                &b.subject,
            ))
    });
}

/// Whether a rule's findings come with an automatic fix. Lint rules only: no other family has
/// fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    /// No finding of the rule carries a fix.
    Never,
    /// Every finding of the rule carries a fix of this applicability.
    Always(Applicability),
    /// Some findings carry a fix of this applicability; the text says which do not (a dialect
    /// without the guard syntax, a form the fix cannot rewrite), e.g. "not on MySQL".
    Sometimes(Applicability, &'static str),
}

impl FixAvailability {
    /// The fix's applicability when the rule has one at all.
    pub const fn applicability(self) -> Option<Applicability> {
        match self {
            FixAvailability::Never => None,
            FixAvailability::Always(a) | FixAvailability::Sometimes(a, _) => Some(a),
        }
    }

    /// `always`, `sometimes` or `never`, as `preflight rules --json` and the README spell it.
    pub const fn word(self) -> &'static str {
        match self {
            FixAvailability::Never => "never",
            FixAvailability::Always(_) => "always",
            FixAvailability::Sometimes(..) => "sometimes",
        }
    }

    /// When a `Sometimes` fix is missing; `None` otherwise.
    pub const fn limitation(self) -> Option<&'static str> {
        match self {
            FixAvailability::Sometimes(_, when) => Some(when),
            _ => None,
        }
    }
}

/// Metadata of one rule code, for `preflight rules`, `preflight explain` and SARIF rule entries.
/// Every family (PF lint, RC reconcile, VF verify, PA parity, CK check) declares its rules as
/// `RuleInfo` constants whose `doc` is `include_str!` of `rules/CODE.md`; `crate::registry`
/// lists them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable code: `PF…` lint, `RC…` reconcile, `VF…` verify, `PA…` parity, `CK…` check.
    pub code: &'static str,
    /// Kebab-case name.
    pub name: &'static str,
    pub default_severity: Severity,
    /// One line: what it finds.
    pub summary: &'static str,
    /// The full documentation in Markdown ("what it does / why it matters / example / use instead").
    pub doc: &'static str,
    /// Whether a fix exists, how safe it is, and whether every finding has one.
    pub fix: FixAvailability,
}

impl RuleInfo {
    /// A rule without an automatic fix (every non-lint stage's rules).
    pub const fn new(
        code: &'static str,
        name: &'static str,
        default_severity: Severity,
        summary: &'static str,
        doc: &'static str,
    ) -> Self {
        RuleInfo {
            code,
            name,
            default_severity,
            summary,
            doc,
            fix: FixAvailability::Never,
        }
    }
}

/// `finding.rule == "PF101"`: a rule compares equal to its code.
impl PartialEq<str> for RuleInfo {
    fn eq(&self, code: &str) -> bool {
        self.code == code
    }
}

impl fmt::Display for RuleInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl Finding {
    /// A finding of `rule` at its default severity.
    pub fn for_rule(rule: &'static RuleInfo, message: impl Into<String>) -> Self {
        Finding::new(rule, rule.default_severity, message)
    }
}

/// `text` as a Markdown code span, as messages quote SQL and names: delimited by the shortest
/// backtick run that does not occur in it (CommonMark), with a space inside the delimiters when
/// it starts or ends with a backtick, or with a space at both ends (which CommonMark strips).
/// MySQL quotes names with backticks: `` CREATE TABLE `users` `` stays one span. Written
/// straight into the message being formatted: most findings quote something, and a `String`
/// per quote cost 4% of lint's instructions on the 20,000-statement benchmark.
pub fn code_span(text: &str) -> CodeSpan<'_> {
    CodeSpan(text)
}

/// [`code_span`]'s value: formats as the span.
#[derive(Debug, Clone, Copy)]
pub struct CodeSpan<'a>(&'a str);

impl std::fmt::Display for CodeSpan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = self.0;
        let fence = if text.contains('`') {
            let mut runs = Vec::new();
            let mut run = 0;
            for c in text.chars().chain(std::iter::once('\0')) {
                if c == '`' {
                    run += 1;
                } else if run > 0 {
                    runs.push(run);
                    run = 0;
                }
            }
            (1..).find(|n| !runs.contains(n)).unwrap_or(1)
        } else {
            1
        };
        let pad = text.starts_with('`')
            || text.ends_with('`')
            || (text.len() > 1
                && text.starts_with(' ')
                && text.ends_with(' ')
                && text.trim() != "");
        let space = if pad { " " } else { "" };
        for _ in 0..fence {
            f.write_str("`")?;
        }
        f.write_str(space)?;
        f.write_str(text)?;
        f.write_str(space)?;
        for _ in 0..fence {
            f.write_str("`")?;
        }
        Ok(())
    }
}

/// The parts of Markdown text `s`: plain text (`false`) and code spans' contents (`true`), as
/// CommonMark reads them ([`code_span`] writes them). A backtick run no equal run closes is
/// plain text.
pub fn split_code_spans(s: &str) -> Vec<(bool, String)> {
    let bytes = s.as_bytes();
    let run_at = |i: usize| bytes[i..].iter().take_while(|&&b| b == b'`').count();
    let mut out: Vec<(bool, String)> = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    while i < s.len() {
        let Some(open) = s[i..].find('`').map(|k| i + k) else {
            plain.push_str(&s[i..]);
            break;
        };
        plain.push_str(&s[i..open]);
        let n = run_at(open);
        // The closing run: the next run of exactly n backticks.
        let mut j = open + n;
        let close = loop {
            match s[j..].find('`').map(|k| j + k) {
                None => break None,
                Some(at) => {
                    let m = run_at(at);
                    if m == n {
                        break Some(at);
                    }
                    j = at + m;
                }
            }
        };
        let Some(close) = close else {
            plain.push_str(&s[open..open + n]);
            i = open + n;
            continue;
        };
        if !plain.is_empty() {
            out.push((false, std::mem::take(&mut plain)));
        }
        let inner = &s[open + n..close];
        let inner = match inner.strip_prefix(' ').and_then(|t| t.strip_suffix(' ')) {
            Some(stripped) if inner.trim() != "" => stripped,
            _ => inner,
        };
        out.push((true, inner.to_string()));
        i = close + n;
    }
    if !plain.is_empty() {
        out.push((false, plain));
    }
    out
}

#[cfg(test)]
mod code_span_tests {
    use super::{code_span, split_code_spans};

    #[test]
    fn a_code_span_is_delimited_by_a_backtick_run_its_text_does_not_hold() {
        assert_eq!(
            code_span("CREATE TABLE users").to_string(),
            "`CREATE TABLE users`"
        );
        assert_eq!(
            code_span("CREATE TABLE `users`").to_string(),
            "`` CREATE TABLE `users` ``"
        );
        assert_eq!(code_span("a `b` c").to_string(), "``a `b` c``");
        // A run of two inside: one backtick delimits.
        assert_eq!(code_span("x ``y`` z").to_string(), "`x ``y`` z`");
        // Runs of one and two inside: three.
        assert_eq!(code_span("`a` ``b``").to_string(), "``` `a` ``b`` ```");
        // Spaces at both ends would be stripped: kept by one more.
        assert_eq!(code_span(" a ").to_string(), "`  a  `");
        assert_eq!(code_span(" ").to_string(), "` `");
    }

    #[test]
    fn code_spans_read_back_as_they_were_written() {
        for text in [
            "CREATE TABLE `users`",
            "x ``y`` z",
            "`a` ``b``",
            "`",
            " a ",
            "SELECT 1",
        ] {
            let message = format!("before {} after", code_span(text));
            assert_eq!(
                split_code_spans(&message),
                [
                    (false, "before ".to_string()),
                    (true, text.to_string()),
                    (false, " after".to_string())
                ],
                "{message}"
            );
        }
        // A run nothing closes is plain text.
        assert_eq!(
            split_code_spans("a `b ``c`` d"),
            [
                (false, "a `b ".to_string()),
                (true, "c".to_string()),
                (false, " d".to_string())
            ]
        );
        assert_eq!(
            split_code_spans("odd ` one"),
            [(false, "odd ` one".to_string())]
        );
    }
}
