//! The HTML report, rendered by a real headless Chromium: the page parses, shows the verdict,
//! the findings with their SQL snippet and fix, and the coloured parity matrix; nothing is
//! fetched from the network and user text cannot inject markup.

mod output_fixture;

use output_fixture::*;
use preflight::diagnostics::{Finding, RuleInfo, Severity};
use preflight::output::Format;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A rule declared for this test only: the renderers must print whatever code and name a
/// finding's rule has, catalogued or not.
fn rule(code: &'static str, name: &'static str) -> &'static RuleInfo {
    Box::leak(Box::new(RuleInfo::new(code, name, Severity::Error, "", "")))
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|bin| {
            Command::new(bin)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// Runs headless Chromium on `page` with `args`; returns its stdout.
fn run_chromium(bin: &str, profile: &Path, page: &Path, args: &[&str]) -> String {
    let out = Command::new("timeout")
        .arg("120")
        .arg(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn report_with_hostile_text() -> preflight::output::Report {
    let mut report = check_report();
    report.findings.push(
        Finding::new(
            rule("PA301", "image-differs"),
            Severity::Warning,
            "tag <script>alert('x')</script> & \"quotes\"",
        )
        .with_environment("production"),
    );
    report.findings.push(Finding::new(
        rule("PA302", "quoted"),
        Severity::Info,
        "reads `a<b` and `c`, unpaired ` stays text",
    ));
    report
}

#[test]
fn page_is_self_contained_and_escaped() {
    let html = render(&report_with_hostile_text(), Format::Html, false);
    for needle in ["src=", "href=", "url(", "@import", "<script"] {
        assert!(!html.contains(needle), "HTML must not contain {needle:?}");
    }
    assert!(html.contains("tag &lt;script&gt;alert('x')&lt;/script&gt; &amp; \"quotes\""));
    // Backtick-quoted names render as code only when the backticks pair up.
    assert!(html.contains("reads `a&lt;b` and `c`, unpaired ` stays text"));
    let mut paired = preflight::output::Report::new("lint");
    paired.findings.push(Finding::new(
        rule("PF001", "p"),
        Severity::Info,
        "reads `a<b` and `c`",
    ));
    let html = render(&paired, Format::Html, false);
    assert!(
        html.contains("reads <code>a&lt;b</code> and <code>c</code>"),
        "{html}"
    );
}

#[test]
fn a_code_span_holding_backticks_renders_as_one_code_element() {
    // MySQL quotes names with backticks: the message delimits the span with two.
    let mut report = preflight::output::Report::new("lint");
    report.findings.push(Finding::new(
        rule("PF101", "p"),
        Severity::Error,
        format!(
            "{} fails on a retry",
            preflight::diagnostics::code_span("CREATE TABLE `users`")
        ),
    ));
    let html = render(&report, Format::Html, false);
    assert!(
        html.contains("<code>CREATE TABLE `users`</code> fails on a retry"),
        "{html}"
    );
}

#[test]
fn chromium_renders_the_key_elements() {
    let Some(bin) = chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is not installed; install it with `apt-get install -y chromium`"
        );
        eprintln!("skipping: chromium not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(
        &page,
        render(&report_with_hostile_text(), Format::Html, false),
    )
    .unwrap();

    let dom = run_chromium(bin, &dir.path().join("profile-dom"), &page, &["--dump-dom"]);
    assert!(
        dom.contains("<header id=\"verdict\" class=\"verdict outcome-error\">"),
        "{dom}"
    );
    assert!(dom.contains("<h1>preflight check could not complete</h1>"));
    assert_eq!(dom.matches("<article class=\"finding").count(), 8);
    // The SQL snippet with the exact span marked, and the fix as a diff.
    assert!(dom.contains("/* ünïcødé */ <mark>CREATE INDEX idx_user_profiles_user_id</mark> ON"));
    assert!(dom.contains("<span class=\"line add\"><span class=\"ln\">2</span>+ CREATE TABLE IF NOT EXISTS user_profiles (</span>"));
    // The parity matrix with coloured cells.
    assert!(dom.contains("<td class=\"cell-error\">missing</td>"));
    assert!(dom.contains("<td class=\"cell-unknown\">unknown</td>"));
    assert!(dom.contains("<td class=\"status-not_checked\">not checked</td>"));
    // Hostile text stayed text: the parsed DOM has no script element.
    assert!(!dom.contains("<script"), "user text became markup");

    // Screenshot step: the page paints. Kept for a human look under the target directory.
    let shot: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_html.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        bin,
        &dir.path().join("profile-shot"),
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1200,2200",
        ],
    );
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 20_000,
        "screenshot is suspiciously small ({} bytes)",
        png.len()
    );
}
