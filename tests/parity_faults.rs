//! `preflight parity` through a fault-injecting proxy in front of moto (tests/common_faults):
//! throttling, 429s, 5xx errors, slow answers and dropped connections. Transient faults are
//! retried by the SDK and change nothing; persistent ones turn exactly the affected reads into
//! unknowns while the rest is still checked; a hung service ends at `--timeout`; environments
//! are read concurrently.
#![cfg(feature = "aws")] // live reads need the AWS SDK

mod common;
mod common_faults;

use common::moto::{Incident, Run};
use common_faults::{Fault, FaultProxy, Rule};
use std::time::{Duration, Instant};

fn parity(incident: &Incident, proxy: &FaultProxy, args: &[&str]) -> Run {
    let mut all = vec!["parity", "--format", "json"];
    all.extend_from_slice(args);
    incident.preflight_with(&all, &[("AWS_ENDPOINT_URL", &proxy.endpoint)])
}

/// What a user reads: the findings (rule, environment, subject, message, unknown) and the matrix.
fn outcome(run: &Run) -> (serde_json::Value, serde_json::Value) {
    let json = run.json();
    (json["findings"].clone(), json["matrix"].clone())
}

fn unknowns(run: &Run, rule: &str) -> Vec<(String, String, String)> {
    run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == rule && f["unknown"] == true)
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (s("environment"), s("subject"), s("message"))
        })
        .collect()
}

#[test]
fn transient_faults_are_retried_and_the_result_equals_the_fault_free_run() {
    let incident = Incident::build();
    let proxy = FaultProxy::start(&incident.moto.endpoint);
    let clean = parity(&incident, &proxy, &[]);
    assert_eq!(clean.code, 1, "stderr: {}", clean.stderr);
    assert!(
        !proxy.calls().is_empty(),
        "the reads went through the proxy"
    );

    proxy.set_rules(vec![
        Rule::on("ecs", Some("DescribeServices")).first(2, Fault::Throttle),
        Rule::on("secretsmanager", Some("DescribeSecret")).first(2, Fault::TooManyRequests),
        Rule::on("iam", Some("GetRole")).first(2, Fault::ServerError(500)),
        Rule::on("sts", Some("GetCallerIdentity")).first(1, Fault::ServerError(503)),
        Rule::on("ecs", Some("DescribeTaskDefinition")).first(2, Fault::Drop),
        Rule::on("iam", None).first(3, Fault::Delay(Duration::from_millis(1500))),
    ]);
    let faulty = parity(&incident, &proxy, &[]);
    assert_eq!(faulty.code, clean.code, "stderr: {}", faulty.stderr);
    assert_eq!(outcome(&faulty), outcome(&clean));
    for fault in [
        Fault::Throttle,
        Fault::TooManyRequests,
        Fault::ServerError(500),
        Fault::Drop,
        Fault::Delay(Duration::ZERO),
    ] {
        assert!(proxy.injected(fault) > 0, "{fault:?} was never injected");
    }
    assert_eq!(proxy.injected(Fault::Throttle), 2);
    assert_eq!(proxy.injected(Fault::Drop), 2);
}

#[test]
fn persistent_faults_are_explicit_unknowns_and_the_rest_is_still_checked() {
    let incident = Incident::build();
    let proxy = FaultProxy::start(&incident.moto.endpoint);
    proxy.set_rules(vec![
        Rule::on("secretsmanager", Some("DescribeSecret")).always(Fault::Throttle),
        Rule::on("iam", None).always(Fault::ServerError(500)),
        Rule::on("sts", Some("GetCallerIdentity")).always(Fault::Drop),
    ]);
    let run = parity(&incident, &proxy, &["--timeout", "120"]);
    // Unknowns fail the gate (exit 1); the run is not an error.
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let findings = run.findings();
    let rules: Vec<&str> = findings.iter().map(|f| f.0.as_str()).collect();

    // Secrets: every reference in both environments is unknown, none reported missing.
    let secrets = unknowns(&run, "PA305");
    for env in ["staging", "production"] {
        assert!(
            secrets
                .iter()
                .any(|(e, _, m)| e == env && m.contains("Throttling")),
            "{env}: {secrets:?}"
        );
    }
    assert!(!rules.contains(&"PA301"), "{findings:?}");
    // IAM: the roles could not be read, so no permission is claimed missing or present.
    let iam = unknowns(&run, "PA404");
    assert!(!iam.is_empty(), "{findings:?}");
    assert!(!rules.contains(&"PA401"), "{findings:?}");
    // The identity call: unknown, named by its operation.
    let unreadable = unknowns(&run, "PA104");
    assert!(
        unreadable
            .iter()
            .any(|(_, _, m)| m.contains("sts:GetCallerIdentity")),
        "{unreadable:?}"
    );
    // What could be read is still checked: REDIS_HOST=localhost in production.
    assert!(
        findings.contains(&("PA501".into(), "production".into(), "REDIS_HOST".into())),
        "{findings:?}"
    );
}

#[test]
fn a_hung_service_ends_at_the_timeout_with_its_reads_unknown() {
    let incident = Incident::build();
    let proxy = FaultProxy::start(&incident.moto.endpoint);
    // Secrets Manager answers after ten minutes: far beyond the run's --timeout.
    proxy.set_rules(vec![
        Rule::on("secretsmanager", None).always(Fault::Delay(Duration::from_secs(600)))
    ]);
    let started = Instant::now();
    let run = parity(&incident, &proxy, &["--timeout", "6"]);
    let elapsed = started.elapsed();
    eprintln!("parity with --timeout 6 against a hung Secrets Manager: {elapsed:?}");
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    // Bounded by the timeout, not by the service (ten minutes) nor by the SDK's own operation
    // timeout (60 s): the bound leaves room for a loaded machine.
    assert!(elapsed < Duration::from_secs(40), "took {elapsed:?}");
    let secrets = unknowns(&run, "PA305");
    assert!(
        secrets
            .iter()
            .any(|(e, _, m)| e == "production" && m.contains("timed out")),
        "{secrets:?}"
    );
    let findings = run.findings();
    assert!(
        findings.contains(&("PA501".into(), "production".into(), "REDIS_HOST".into())),
        "{findings:?}"
    );

    // The same bound from preflight.toml.
    incident.write_config(&format!(
        "{}\n[parity]\ntimeout = 6\n",
        common::moto::LIVE_CONFIG
    ));
    let started = Instant::now();
    let run = parity(&incident, &proxy, &[]);
    assert!(started.elapsed() < Duration::from_secs(40));
    assert!(!unknowns(&run, "PA305").is_empty(), "{}", run.stdout);
}

/// Attempts of sts:GetCallerIdentity per environment while it is throttled persistently.
fn identity_attempts(incident: &Incident, proxy: &FaultProxy, vars: &[(&str, &str)]) -> Vec<usize> {
    proxy.set_rules(vec![
        Rule::on("sts", Some("GetCallerIdentity")).always(Fault::Throttle)
    ]);
    let mut all = vec![("AWS_ENDPOINT_URL", proxy.endpoint.as_str())];
    all.extend_from_slice(vars);
    let run = incident.preflight_with(&["parity", "--format", "json"], &all);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let mut per_key = std::collections::BTreeMap::<String, usize>::new();
    for call in proxy.calls() {
        if call.id.operation == "GetCallerIdentity" {
            *per_key.entry(call.id.access_key).or_default() += 1;
        }
    }
    per_key.into_values().collect()
}

#[test]
fn attempts_follow_the_standard_aws_settings() {
    let incident = Incident::build();
    let proxy = FaultProxy::start(&incident.moto.endpoint);
    // preflight's default: 5 attempts in standard mode.
    assert_eq!(identity_attempts(&incident, &proxy, &[]), vec![5, 5]);
    // AWS_MAX_ATTEMPTS wins.
    assert_eq!(
        identity_attempts(&incident, &proxy, &[("AWS_MAX_ATTEMPTS", "2")]),
        vec![2, 2]
    );
    // So does the profile's max_attempts, per environment.
    let config = std::fs::read_to_string(incident.path("config")).unwrap();
    let config = config.replace(
        "[profile staging]\nregion = us-east-1\n",
        "[profile staging]\nregion = us-east-1\nmax_attempts = 4\n",
    );
    std::fs::write(incident.path("config"), config).unwrap();
    let mut attempts = identity_attempts(&incident, &proxy, &[]);
    attempts.sort();
    assert_eq!(attempts, vec![4, 5]);
}

#[test]
fn a_zero_timeout_is_refused() {
    let incident = Incident::build();
    let run = incident.preflight(&["parity", "--timeout", "0"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    incident.write_config(&format!(
        "{}\n[parity]\ntimeout = 0\n",
        common::moto::LIVE_CONFIG
    ));
    let run = incident.preflight(&["parity"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("[parity] timeout"), "{}", run.stderr);
}

#[test]
fn environments_are_read_concurrently() {
    let incident = Incident::build();
    let proxy = FaultProxy::start(&incident.moto.endpoint);
    // Every call takes a moment, so calls in flight at once are visible at the proxy.
    proxy.set_rules(vec![
        Rule::any().always(Fault::Delay(Duration::from_millis(200)))
    ]);
    let run = parity(&incident, &proxy, &[]);
    assert_eq!(run.code, 1, "stderr: {}", run.stderr);
    let keys: std::collections::BTreeSet<String> = proxy
        .calls()
        .iter()
        .map(|c| c.id.access_key.clone())
        .collect();
    assert_eq!(keys.len(), 2, "one access key per environment: {keys:?}");
    assert!(
        proxy.accounts_overlapped(),
        "staging and production were read one after the other"
    );
}

/// Benchmark (ignored; `bench/parity_envs.sh` runs it): live parity of three environments
/// against moto with every AWS call delayed by the proxy, against one environment alone.
/// Prints the numbers for bench/parity.md; asserts nothing about time.
#[test]
#[ignore]
fn bench_three_environments_cost_about_one() {
    const DELAY_MS: u64 = 100;
    const RUNS: usize = 3;
    let incident = Incident::build();
    // qa reads the staging account again: a third environment of the same size.
    incident.write_config(&format!(
        "{}\n[environments.qa]\naws_profile = \"staging\"\ncluster = \"app\"\nservices = [\"web\"]\n",
        common::moto::LIVE_CONFIG
    ));
    let proxy = FaultProxy::start(&incident.moto.endpoint);
    proxy.set_rules(vec![
        Rule::any().always(Fault::Delay(Duration::from_millis(DELAY_MS)))
    ]);
    let median = |args: &[&str]| {
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                let run = parity(&incident, &proxy, args);
                assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
                started.elapsed()
            })
            .collect();
        times.sort();
        times[RUNS / 2]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let one: Vec<Duration> = ["staging", "production", "qa"]
        .iter()
        .map(|env| median(&["--env", env]))
        .collect();
    proxy.set_rules(vec![
        Rule::any().always(Fault::Delay(Duration::from_millis(DELAY_MS)))
    ]);
    let three = median(&[]);
    let calls = proxy.calls().len() / RUNS;
    let sum: Duration = one.iter().sum();
    println!("every AWS call delayed {DELAY_MS} ms by the proxy; median of {RUNS} runs");
    for (env, d) in ["staging", "production", "qa"].iter().zip(&one) {
        println!(
            "| parity --env {env} (one environment) | {:.0} ms |",
            ms(*d)
        );
    }
    println!(
        "| sum of the three (reading them one after another) | {:.0} ms |",
        ms(sum)
    );
    println!(
        "| parity (three environments, read concurrently; {calls} calls per run) | {:.0} ms |",
        ms(three)
    );
    println!(
        "three environments / slowest single environment: {:.2}",
        ms(three) / ms(*one.iter().max().unwrap())
    );
}
