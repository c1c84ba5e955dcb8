//! Test-side participants: a real axum receiver on 127.0.0.1:0, registered with the sandbox
//! through `/participant/create`, that records what the gateway delivers and decrypts it with
//! its own key. Everything goes over loopback HTTP with real JWE and a real SQLite file.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hcx_protocol::{Action, Dialect, Headers, PrivateKey, RecipientKey};
use hcx_sandbox::{Sandbox, SandboxConfig, SandboxHandle};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};

pub const V: &str = "v0.8";

/// One delivery the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Clone)]
struct ReceiverState {
    tx: mpsc::UnboundedSender<Received>,
    answer: Arc<AtomicU16>,
    fail_next: Arc<AtomicU32>,
}

/// A receiving endpoint.
pub struct Receiver {
    pub url: String,
    pub answer: Arc<AtomicU16>,
    /// The next this-many deliveries are answered 503 whatever `answer` says. Decided by the
    /// server when each request arrives, so a test never races the sender's retry timer.
    pub fail_next: Arc<AtomicU32>,
    rx: Mutex<mpsc::UnboundedReceiver<Received>>,
    _server: tokio::task::JoinHandle<()>,
}

async fn receive(
    State(s): State<ReceiverState>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let _ = s.tx.send(Received {
        // The endpoint_url ends in /hcx; the gateway appends the path without version.
        path: format!("/{}", path.strip_prefix("hcx/").unwrap_or(&path)),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: body.to_vec(),
    });
    let failing =
        s.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    let code = if failing {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::from_u16(s.answer.load(Ordering::SeqCst)).unwrap_or(StatusCode::ACCEPTED)
    };
    (code, json!({"timestamp": 0}).to_string())
}

impl Receiver {
    /// Starts on 127.0.0.1:0, or on the given listener.
    pub async fn start_on(listener: tokio::net::TcpListener) -> Receiver {
        let addr = listener.local_addr().expect("bound address");
        let (tx, rx) = mpsc::unbounded_channel();
        let answer = Arc::new(AtomicU16::new(202));
        let fail_next = Arc::new(AtomicU32::new(0));
        let app = Router::new().route("/{*path}", post(receive)).with_state(ReceiverState {
            tx,
            answer: Arc::clone(&answer),
            fail_next: Arc::clone(&fail_next),
        });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url: format!("http://{addr}/hcx"),
            answer,
            fail_next,
            rx: Mutex::new(rx),
            _server: server,
        }
    }

    pub async fn start() -> Receiver {
        Self::start_on(tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver"))
            .await
    }

    /// Next delivery, or None after `wait`.
    pub async fn next(&self, wait: Duration) -> Option<Received> {
        tokio::time::timeout(wait, self.rx.lock().await.recv()).await.ok().flatten()
    }

    /// Next delivery to `path` (others are skipped), or panic after `wait`.
    pub async fn expect(&self, path: &str, wait: Duration) -> Received {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(r) if r.path == path => return r,
                Some(_) => continue,
                None => panic!("no delivery to {path} within {wait:?}"),
            }
        }
    }
}

/// A participant the test controls.
pub struct TestParticipant {
    pub code: String,
    pub email: String,
    pub password: String,
    pub key: PrivateKey,
    pub cert_pem: String,
    pub receiver: Receiver,
}

impl TestParticipant {
    pub fn open(&self, r: &Received) -> hcx_protocol::Opened {
        let body: Value = serde_json::from_slice(&r.body).expect("delivered body is JSON");
        let compact = body["payload"].as_str().expect("delivered body has a compact JWE payload");
        hcx_protocol::open(compact, &self.key)
            .expect("the delivered JWE opens with the recipient key")
    }
}

pub struct Harness {
    pub sandbox: SandboxHandle,
    pub http: reqwest::Client,
    pub admin_token: String,
}

pub fn config(dir: &std::path::Path) -> SandboxConfig {
    let mut c = SandboxConfig::for_tests(dir);
    c.retry.delay = Duration::from_millis(100);
    c
}

impl Harness {
    pub async fn start(dir: &std::path::Path) -> Harness {
        Self::start_with(config(dir)).await
    }

    pub async fn start_with(config: SandboxConfig) -> Harness {
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        let http = reqwest::Client::new();
        let admin = sandbox.admin_credentials().clone();
        let admin_token =
            token(&http, &sandbox.base_url(), &admin.username, admin.password.expose())
                .await
                .expect("the admin credential logs in");
        Harness { sandbox, http, admin_token }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{V}{path}", self.sandbox.base_url())
    }

    /// Registers a participant with a receiver of its own.
    pub async fn participant(&self, name: &str, role: &str) -> TestParticipant {
        self.participant_with(name, role, "Active", Receiver::start().await).await
    }

    pub async fn participant_with(
        &self,
        name: &str,
        role: &str,
        status: &str,
        receiver: Receiver,
    ) -> TestParticipant {
        let code = format!("{name}@test");
        let pair = hcx_sandbox::keys::generate(&code).expect("test key pair");
        let email = format!("{name}@example.org");
        let password = format!("pw-{name}-12345");
        let mut body = json!({
            "participant_code": code,
            "participant_name": name,
            "primary_email": email,
            "primary_mobile": "9000000000",
            "roles": [role],
            "endpoint_url": receiver.url,
            "encryption_cert": pair.cert_pem,
            "status": status,
            "password": password,
        });
        if role == "payor" {
            body["scheme_code"] = json!("default");
        }
        let (st, v) = self.post_json("/participant/create", &self.admin_token, &body).await;
        assert_eq!(st, 200, "admin can create participant {name}: {v}");
        let key =
            PrivateKey::from_pem(pair.private_pem.expose().as_bytes()).expect("private key loads");
        TestParticipant { code, email, password, key, cert_pem: pair.cert_pem, receiver }
    }

    pub async fn token_of(&self, p: &TestParticipant) -> String {
        token(&self.http, &self.sandbox.base_url(), &p.email, &p.password)
            .await
            .expect("participant logs in")
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        self.post_raw(path, Some(token), body.to_string()).await
    }

    pub async fn post_raw(&self, path: &str, token: Option<&str>, body: String) -> (u16, Value) {
        let mut req =
            self.http.post(self.url(path)).header("content-type", "application/json").body(body);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let resp = req.send().await.expect("sandbox reachable");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Seals `payload` for `to` and POSTs it to `action`.
    pub async fn send(
        &self,
        action: Action,
        token: &str,
        h: &Headers,
        to: &TestParticipant,
        payload: &Value,
    ) -> (u16, Value) {
        let key = RecipientKey::from_certificate_pem(to.cert_pem.as_bytes()).expect("cert");
        let compact = hcx_protocol::seal(h, payload.to_string().as_bytes(), &key).expect("seal");
        self.post_raw(action.path(), Some(token), hcx_protocol::payload_body(&compact)).await
    }
}

pub async fn token(
    http: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> Option<String> {
    let resp = http
        .post(format!("{base}/{V}/participant/auth/token/generate"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .ok()?;
    let v: Value = resp.json().await.ok()?;
    v["access_token"].as_str().map(str::to_string)
}

pub fn action_headers(from: &str, to: &str, correlation: &str, workflow: Option<&str>) -> Headers {
    Headers::action(from, to, correlation, workflow, Dialect::Swasth)
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn bundle() -> Value {
    json!({"resourceType": "Bundle", "type": "collection", "entry": []})
}

pub fn error_code(v: &Value) -> Option<&str> {
    v.pointer("/error/code").and_then(Value::as_str)
}

impl Harness {
    /// POSTs JSON to a path on the sandbox origin with the admin token.
    pub async fn post_raw_root(&self, path: &str, body: &Value) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.sandbox.origin()))
            .bearer_auth(&self.admin_token)
            .json(body)
            .send()
            .await
            .expect("sandbox reachable");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}
