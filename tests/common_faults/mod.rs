//! A fault-injecting HTTP proxy in front of moto, for the parity fault tests.
//!
//! `FaultProxy::start(upstream)` listens on a free 127.0.0.1 port; point `AWS_ENDPOINT_URL` at
//! its `endpoint`. Each request is identified by its service (the SigV4 credential scope), its
//! operation (`X-Amz-Target` for the JSON protocols, `Action=` for the query protocols) and its
//! access key (which selects the moto account, so the environment). Rules, first match wins,
//! inject a fault for the first N matching calls or persistently:
//!
//! - `Fault::Throttle`: HTTP 400 `ThrottlingException` (JSON protocols) or `Throttling`
//!   (query protocols), as AWS returns it;
//! - `Fault::TooManyRequests`: HTTP 429 `TooManyRequestsException`;
//! - `Fault::ServerError(status)`: a 5xx with `InternalFailure`/`ServiceUnavailable`;
//! - `Fault::Delay(d)`: the answer is held back for `d`, then forwarded;
//! - `Fault::Drop`: the request is read and the connection closed without an answer.
//!
//! Every call is logged with its start and end, so a test can see which calls overlapped.
#![allow(dead_code)]

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    Throttle,
    TooManyRequests,
    ServerError(u16),
    Delay(Duration),
    Drop,
}

/// Which calls a rule applies to, and for how many of them.
#[derive(Debug, Clone)]
pub struct Rule {
    service: Option<String>,
    operation: Option<String>,
    fault: Fault,
    /// `None`: every matching call; `Some(n)`: the next n matching calls.
    remaining: Option<usize>,
}

impl Rule {
    /// Calls of `service` (its SigV4 signing name, e.g. `secretsmanager`), and of `operation`
    /// when given (e.g. `DescribeSecret`).
    pub fn on(service: &str, operation: Option<&str>) -> RuleTarget {
        RuleTarget {
            service: Some(service.to_string()),
            operation: operation.map(str::to_string),
        }
    }

    /// Every call.
    pub fn any() -> RuleTarget {
        RuleTarget {
            service: None,
            operation: None,
        }
    }

    fn matches(&self, call: &CallId) -> bool {
        self.remaining != Some(0)
            && self.service.as_ref().is_none_or(|s| *s == call.service)
            && self.operation.as_ref().is_none_or(|o| *o == call.operation)
    }
}

pub struct RuleTarget {
    service: Option<String>,
    operation: Option<String>,
}

impl RuleTarget {
    /// The fault for the first `n` matching calls, then none.
    pub fn first(self, n: usize, fault: Fault) -> Rule {
        self.rule(fault, Some(n))
    }

    /// The fault for every matching call.
    pub fn always(self, fault: Fault) -> Rule {
        self.rule(fault, None)
    }

    fn rule(self, fault: Fault, remaining: Option<usize>) -> Rule {
        Rule {
            service: self.service,
            operation: self.operation,
            fault,
            remaining,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CallId {
    pub service: String,
    pub operation: String,
    pub access_key: String,
}

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Call {
    pub id: CallId,
    pub fault: Option<Fault>,
    pub started: Instant,
    pub ended: Instant,
}

#[derive(Default)]
struct State {
    rules: Mutex<Vec<Rule>>,
    calls: Mutex<Vec<Call>>,
}

impl State {
    /// The fault for this call (consuming one of a counted rule's calls).
    fn fault_for(&self, call: &CallId) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap();
        let rule = rules.iter_mut().find(|r| r.matches(call))?;
        if let Some(n) = &mut rule.remaining {
            *n -= 1;
        }
        Some(rule.fault)
    }
}

pub struct FaultProxy {
    pub endpoint: String,
    state: Arc<State>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl FaultProxy {
    pub fn start(upstream: &str) -> FaultProxy {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("the proxy's runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        let state = Arc::new(State::default());
        let upstream: Arc<str> = upstream.trim_end_matches('/').into();
        let client: Forwarder = Client::builder(TokioExecutor::new()).build_http();
        let served = state.clone();
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let (state, upstream, client) = (served.clone(), upstream.clone(), client.clone());
                tokio::spawn(serve_connection(stream, state, upstream, client));
            }
        });
        FaultProxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            state,
            runtime: Some(runtime),
        }
    }

    /// Replaces the rules (and forgets the calls logged so far).
    pub fn set_rules(&self, rules: Vec<Rule>) {
        *self.state.rules.lock().unwrap() = rules;
        self.state.calls.lock().unwrap().clear();
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.calls.lock().unwrap().clone()
    }

    /// How many calls got a fault of `fault`'s kind (any delay counts as a delay).
    pub fn injected(&self, fault: Fault) -> usize {
        let same = |f: &Fault| std::mem::discriminant(f) == std::mem::discriminant(&fault);
        self.calls()
            .iter()
            .filter(|c| c.fault.as_ref().is_some_and(same))
            .count()
    }

    /// Whether a call of one access key (account) ran while a call of another was in flight.
    pub fn accounts_overlapped(&self) -> bool {
        let calls = self.calls();
        calls.iter().any(|a| {
            calls.iter().any(|b| {
                a.id.access_key != b.id.access_key && a.started < b.ended && b.started < a.ended
            })
        })
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

type Forwarder = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// One request read off a client connection.
struct Incoming {
    method: String,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Incoming {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
            .unwrap_or_default()
    }
}

/// An answer to write back: status, headers, body.
struct Answer {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Bytes,
}

/// HTTP/1.1 with keep-alive, as the SDK's client speaks it (requests carry Content-Length).
async fn serve_connection(
    mut stream: TcpStream,
    state: Arc<State>,
    upstream: Arc<str>,
    client: Forwarder,
) {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buffer).await {
        let started = Instant::now();
        let id = identify(&request);
        let json = !request.header("x-amz-target").is_empty();
        let fault = state.fault_for(&id);
        let answer = match fault {
            Some(Fault::Drop) => None,
            Some(Fault::Throttle) if json => Some(json_error(400, "ThrottlingException")),
            Some(Fault::Throttle) => Some(query_error(400, "Throttling")),
            Some(Fault::TooManyRequests) if json => {
                Some(json_error(429, "TooManyRequestsException"))
            }
            Some(Fault::TooManyRequests) => Some(query_error(429, "TooManyRequestsException")),
            Some(Fault::ServerError(status)) => {
                let code = if status == 503 {
                    "ServiceUnavailable"
                } else {
                    "InternalFailure"
                };
                Some(if json {
                    json_error(status, code)
                } else {
                    query_error(status, code)
                })
            }
            Some(Fault::Delay(delay)) => {
                tokio::time::sleep(delay).await;
                forward(request, &upstream, &client).await
            }
            None => forward(request, &upstream, &client).await,
        };
        state.calls.lock().unwrap().push(Call {
            id,
            fault,
            started,
            ended: Instant::now(),
        });
        // No answer: the connection is closed with the request unanswered.
        let Some(answer) = answer else { return };
        if write_answer(&mut stream, &answer).await.is_err() {
            return;
        }
    }
}

/// The next request, or `None` when the client closed the connection or sent what this proxy
/// does not speak.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Incoming> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        if let httparse::Status::Complete(head) = parsed.parse(buffer).ok()? {
            let mut request = Incoming {
                method: parsed.method?.to_string(),
                path: parsed.path?.to_string(),
                headers: parsed
                    .headers
                    .iter()
                    .map(|h| (h.name.to_string(), h.value.to_vec()))
                    .collect(),
                body: Vec::new(),
            };
            let length: usize = request.header("content-length").parse().unwrap_or(0);
            while buffer.len() < head + length {
                read_more(stream, buffer).await?;
            }
            request.body = buffer[head..head + length].to_vec();
            buffer.drain(..head + length);
            return Some(request);
        }
        read_more(stream, buffer).await?;
    }
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 16 * 1024];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}

async fn write_answer(stream: &mut TcpStream, answer: &Answer) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {} Fault Proxy\r\n", answer.status).into_bytes();
    for (name, value) in &answer.headers {
        let hop_by_hop = [
            "content-length",
            "transfer-encoding",
            "connection",
            "keep-alive",
        ];
        if hop_by_hop.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", answer.body.len()).as_bytes());
    out.extend_from_slice(&answer.body);
    stream.write_all(&out).await
}

/// Moto's answer, or `None` (a dropped connection) when moto could not be reached.
async fn forward(request: Incoming, upstream: &str, client: &Forwarder) -> Option<Answer> {
    let mut builder = Request::builder()
        .method(request.method.as_str())
        .uri(format!("{upstream}{}", request.path));
    for (name, value) in &request.headers {
        if !name.eq_ignore_ascii_case("connection") {
            builder = builder.header(name.as_str(), value.as_slice());
        }
    }
    let upstream_request = builder.body(Full::new(Bytes::from(request.body))).ok()?;
    let response = client.request(upstream_request).await.ok()?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
        .collect();
    let body = response.into_body().collect().await.ok()?.to_bytes();
    Some(Answer {
        status,
        headers,
        body,
    })
}

fn identify(request: &Incoming) -> CallId {
    let header = |name: &str| request.header(name);
    // AWS4-HMAC-SHA256 Credential=AKID/20261203/us-east-1/secretsmanager/aws4_request, ...
    let scope: Vec<&str> = header("authorization")
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split([',', ' ']).next())
        .unwrap_or_default()
        .split('/')
        .collect();
    let operation = match header("x-amz-target").rsplit_once('.') {
        Some((_, op)) => op.to_string(),
        None => String::from_utf8_lossy(&request.body)
            .split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
            .unwrap_or_default()
            .to_string(),
    };
    CallId {
        service: scope.get(3).copied().unwrap_or_default().to_string(),
        operation,
        access_key: scope.first().copied().unwrap_or_default().to_string(),
    }
}

fn json_error(status: u16, code: &str) -> Answer {
    let body = format!(r#"{{"__type":"{code}","message":"injected by the fault proxy"}}"#);
    Answer {
        status,
        headers: vec![
            (
                "content-type".into(),
                b"application/x-amz-json-1.1".to_vec(),
            ),
            ("x-amzn-errortype".into(), code.as_bytes().to_vec()),
            ("x-amzn-requestid".into(), b"fault-proxy".to_vec()),
        ],
        body: Bytes::from(body),
    }
}

fn query_error(status: u16, code: &str) -> Answer {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>\
         <Message>injected by the fault proxy</Message></Error>\
         <RequestId>fault-proxy</RequestId></ErrorResponse>"
    );
    Answer {
        status,
        headers: vec![
            ("content-type".into(), b"text/xml".to_vec()),
            ("x-amzn-requestid".into(), b"fault-proxy".to_vec()),
        ],
        body: Bytes::from(body),
    }
}
