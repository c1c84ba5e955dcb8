//! A scripted HCX gateway for the client's tests: a real axum server on 127.0.0.1 that issues
//! tokens, answers registry searches, serves certificate files and acknowledges protocol
//! calls the way the Swasth platform does (202 ack with epoch-ms timestamp, 401 on a bad
//! token, ERR_INVALID_API_CALL_ID on a repeated api_call_id). Tests queue exact responses per
//! path to stage failures, and read back every request the server saw.
//!
//! Fixture keys: the Swasth SDK sample key pair (MIT, Swasth Digital Health Foundation),
//! read from crates/hcx-protocol/tests/fixtures (copies of shared/fixtures/sdk-vectors).

#![allow(dead_code)] // each test binary uses a different subset

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use hcx_client::{Credentials, GatewayConfig, HcxClient, RetryPolicy, Role, Secret};

pub const PROVIDER: &str = "hosp_testpr_123456@hcx-test";
pub const PAYER_URL_CERT: &str = "payr_urlcrt_111111@hcx-test";
pub const PAYER_INLINE_CERT: &str = "payr_inline_222222@hcx-test";
pub const USERNAME: &str = "billing@testprovider.example";
pub const PASSWORD: &str = "correct horse battery staple";
/// The ack timestamp the server returns (epoch ms, a JSON number as on the platform).
pub const ACK_TS: i64 = 1_692_278_029_019;

pub fn fixture(name: &str) -> String {
    let path = format!("{}/../hcx-protocol/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

/// A canned response for the next request on a path.
#[derive(Debug, Clone)]
pub struct Scripted {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Scripted {
    pub fn new(status: u16, body: Value) -> Self {
        Self { status, headers: Vec::new(), body: body.to_string() }
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_owned(), v.to_owned()));
        self
    }
    /// A platform error body (`code` may be None = JSON null).
    pub fn error(status: u16, code: Option<&str>, message: &str) -> Self {
        Self::new(
            status,
            json!({"timestamp": ACK_TS, "error": {"code": code, "message": message, "trace": null}}),
        )
    }
}

#[derive(Default)]
pub struct GwState {
    pub token_fetches: AtomicU32,
    /// `expires_in` announced for new tokens.
    pub token_lifetime_secs: AtomicU64,
    issued: Mutex<HashMap<String, Instant>>,
    scripts: Mutex<HashMap<String, VecDeque<Scripted>>>,
    pub log: Mutex<Vec<Hit>>,
    accepted: Mutex<HashSet<String>>,
    pub participants: Mutex<Vec<Value>>,
    pub cert_pem: String,
    /// Accept the NHCX session flow (JSON to /sessions) instead of the form login.
    pub nhcx: AtomicBool,
}

impl GwState {
    pub fn hits(&self, path_suffix: &str) -> Vec<Hit> {
        let log = self.log.lock().unwrap();
        log.iter().filter(|h| h.path.ends_with(path_suffix)).cloned().collect()
    }
    pub fn accepted_count(&self) -> usize {
        self.accepted.lock().unwrap().len()
    }
}

/// The running server. Dropping it stops the server.
pub struct TestGateway {
    pub addr: SocketAddr,
    pub state: Arc<GwState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestGateway {
    pub async fn start() -> Self {
        let cert_pem = fixture("sample-certificate.pem");
        let state = Arc::new(GwState { cert_pem: cert_pem.clone(), ..GwState::default() });
        state.token_lifetime_secs.store(300, Ordering::SeqCst);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        {
            let mut p = state.participants.lock().unwrap();
            p.push(json!({
                "participant_code": PROVIDER, "participant_name": "Test Provider", "roles": ["provider.hospital"],
                "status": "Active", "primary_email": USERNAME, "endpoint_url": format!("http://{addr}/callbacks"),
                "encryption_cert": format!("http://{addr}/certs/provider.pem"),
                "encryption_cert_expiry": 1_666_612_517_000i64, "osOwner": ["owner-provider"],
                "osid": "os-1", "tags": ["test"]
            }));
            p.push(json!({
                "participant_code": PAYER_URL_CERT, "participant_name": "URL Cert Payer", "roles": ["payor"],
                "status": "Active", "scheme_code": "default",
                "encryption_cert": format!("http://{addr}/certs/payer.pem"), "osOwner": ["owner-payer1"]
            }));
            p.push(json!({
                "participant_code": PAYER_INLINE_CERT, "participant_name": "Inline Cert Payer", "roles": ["payor"],
                "status": "Active", "scheme_code": "default", "encryption_cert": cert_pem, "osOwner": ["owner-payer2"]
            }));
        }
        let app = axum::Router::new().fallback(handle).with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, state, task }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// Queues `responses` for the next requests whose path ends with `path_suffix`.
    pub fn script(&self, path_suffix: &str, responses: impl IntoIterator<Item = Scripted>) {
        let mut s = self.state.scripts.lock().unwrap();
        s.entry(path_suffix.to_owned()).or_default().extend(responses);
    }
}

/// Test-speed retry policy: same shape as the default, millisecond waits.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(5),
    }
}

pub fn config(base_url: &str) -> GatewayConfig {
    let mut cfg = GatewayConfig::new(
        base_url,
        PROVIDER,
        Credentials::Password { username: USERNAME.into(), password: Secret::new(PASSWORD) },
    );
    cfg.roles = vec![Role::ProviderHospital];
    cfg.retry = fast_retry();
    cfg.request_timeout = Duration::from_secs(10);
    cfg
}

pub fn client(gw: &TestGateway) -> HcxClient {
    HcxClient::new(config(&gw.base_url())).expect("valid test config")
}

fn jwt_for(n: u32, lifetime: u64) -> String {
    let enc = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let exp = chrono::Utc::now().timestamp() + lifetime as i64;
    let claims = json!({
        "jti": format!("t{n}"), "sub": "owner-provider", "exp": exp, "participant_code": PROVIDER,
        "entity": ["Organisation"], "realm_access": {"roles": ["provider.hospital"]}
    });
    format!(
        "{}.{}.c2lnbmF0dXJl",
        enc(br#"{"alg":"RS256","typ":"JWT"}"#),
        enc(claims.to_string().as_bytes())
    )
}

fn json_response(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [("content-type", "application/json")], body.to_string()).into_response()
}

fn scripted_response(s: Scripted) -> Response {
    let mut resp = json_response(s.status, Value::Null);
    *resp.body_mut() = axum::body::Body::from(s.body);
    for (k, v) in s.headers {
        if let (Ok(k), Ok(v)) = (
            axum::http::HeaderName::from_bytes(k.as_bytes()),
            axum::http::HeaderValue::from_str(&v),
        ) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}

fn denied(message: &str) -> Response {
    json_response(
        401,
        json!({"timestamp": ACK_TS, "error": {"code": "ERR_ACCESS_DENIED", "message": message, "trace": null}}),
    )
}

fn issue_token(st: &GwState) -> Response {
    let n = st.token_fetches.fetch_add(1, Ordering::SeqCst) + 1;
    let lifetime = st.token_lifetime_secs.load(Ordering::SeqCst);
    let token = jwt_for(n, lifetime);
    st.issued.lock().unwrap().insert(token.clone(), Instant::now() + Duration::from_secs(lifetime));
    json_response(
        200,
        json!({"access_token": token, "expires_in": lifetime, "refresh_expires_in": 1800,
               "token_type": "Bearer", "not-before-policy": 0, "scope": "profile email"}),
    )
}

async fn handle(
    State(st): State<Arc<GwState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    st.log.lock().unwrap().push(Hit {
        method: method.clone(),
        path: path.clone(),
        headers: headers.clone(),
        body: body.clone(),
        at: Instant::now(),
    });
    let scripted = {
        let mut scripts = st.scripts.lock().unwrap();
        scripts
            .iter_mut()
            .find(|(k, _)| path.ends_with(k.as_str()))
            .and_then(|(_, q)| q.pop_front())
    };
    if let Some(s) = scripted {
        return scripted_response(s);
    }

    if path.starts_with("/certs/") {
        return (StatusCode::OK, st.cert_pem.clone()).into_response();
    }
    if path.starts_with("/callbacks") {
        return (StatusCode::METHOD_NOT_ALLOWED, "POST only").into_response();
    }
    if path.ends_with("/participant/auth/token/generate") {
        let form = String::from_utf8_lossy(&body).into_owned();
        let pairs: HashMap<String, String> = reqwest::Url::parse(&format!("http://x/?{form}"))
            .map(|u| u.query_pairs().into_owned().collect())
            .unwrap_or_default();
        let ok =
            headers.get("content-type").is_some_and(|v| v == "application/x-www-form-urlencoded")
                && pairs.get("username").map(String::as_str) == Some(USERNAME)
                && pairs.get("password").map(String::as_str) == Some(PASSWORD);
        if !ok {
            // What JWTService does with a Keycloak refusal (wire facts §2.2).
            return json_response(
                400,
                json!({"timestamp": ACK_TS, "error": {"code": "ERR_ACCESS_DENIED", "message": "Invalid user credentials", "trace": null}}),
            );
        }
        return issue_token(&st);
    }
    if path.ends_with("/sessions") {
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let ok = v["clientId"] == "nhcx-client"
            && v["clientSecret"] == "nhcx-secret"
            && v["grantType"] == "client_credentials"
            && headers.get("x-cm-id").is_some_and(|h| h == "sbx")
            && headers.get("request-id").is_some()
            && headers.get("timestamp").is_some();
        if !ok {
            return json_response(
                400,
                json!({"error": {"code": "ABDM-1017", "message": "Invalid request"}}),
            );
        }
        let n = st.token_fetches.fetch_add(1, Ordering::SeqCst) + 1;
        let token = format!("abdm-opaque-{n}");
        st.issued.lock().unwrap().insert(token.clone(), Instant::now() + Duration::from_secs(1200));
        return json_response(
            200,
            json!({"accessToken": token, "expiresIn": 1200, "tokenType": "bearer"}),
        );
    }

    // Everything else needs a live token.
    let header_name = if st.nhcx.load(Ordering::SeqCst) { "bearer_auth" } else { "authorization" };
    let token = headers
        .get(header_name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let Some(token) = token else { return denied("Authorization header is missing") };
    let live = st.issued.lock().unwrap().get(&token).is_some_and(|exp| Instant::now() < *exp);
    if !live {
        return denied("Token expired");
    }

    if path.ends_with("/participant/search") {
        let q: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let wanted = q["filters"]["participant_code"]["eq"].as_str().map(str::to_owned);
        let all = st.participants.lock().unwrap().clone();
        let found: Vec<Value> = all
            .into_iter()
            .filter(|p| wanted.as_deref().is_none_or(|w| p["participant_code"] == w))
            .collect();
        return json_response(200, json!({"timestamp": ACK_TS, "participants": found}));
    }

    // A protocol API: read the protected header the way the gateway does, no key needed.
    let Ok(parsed) = hcx_protocol::parse_body(&body) else {
        return json_response(
            400,
            json!({"timestamp": ACK_TS, "error": {"code": "ERR_INVALID_PAYLOAD", "message": "Malformed payload"}}),
        );
    };
    let Ok(h) = parsed.headers() else {
        return json_response(
            400,
            json!({"timestamp": ACK_TS, "error": {"code": "ERR_INVALID_PAYLOAD", "message": "Error while parsing the payload"}}),
        );
    };
    let api_call_id = h.api_call_id().unwrap_or_default().to_owned();
    let correlation_id = h.correlation_id().unwrap_or_default().to_owned();
    if !st.accepted.lock().unwrap().insert(api_call_id.clone()) {
        return json_response(
            400,
            json!({"timestamp": ACK_TS, "correlation_id": correlation_id, "api_call_id": api_call_id,
                   "error": {"code": "ERR_INVALID_API_CALL_ID", "message": "Request exist with same api call id", "trace": null}}),
        );
    }
    if st.nhcx.load(Ordering::SeqCst) {
        return json_response(
            202,
            json!({"timestamp": "17/08/2023 18:43:49:019", "api_call_id": api_call_id, "correlation_id": correlation_id,
                   "result": {"sender_code": h.sender_code(), "recipient_code": h.recipient_code(),
                              "entity_type": "coverageeligibility", "protocol_status": "request.queued"},
                   "error": {"code": "", "message": ""}}),
        );
    }
    let mut ack =
        json!({"timestamp": ACK_TS, "correlation_id": correlation_id, "api_call_id": api_call_id});
    if path.ends_with("/hcx/status") {
        ack["result"] = json!({"entity_type": "coverageeligibility", "sender_code": h.sender_code(),
                               "recipient_code": h.recipient_code(), "protocol_status": "request.dispatched"});
    }
    json_response(202, ack)
}

/// A TCP front for the gateway that, for the first `swallow` connections, forwards the
/// request to the gateway (so it is processed and accepted) but closes the connection as
/// soon as the response starts, so the client never sees it. Later connections are relayed.
pub struct SwallowingProxy {
    pub addr: SocketAddr,
    pub swallowed: Arc<AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SwallowingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SwallowingProxy {
    pub async fn start(upstream: SocketAddr, swallow: u32, path_marker: &'static str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let budget = Arc::new(AtomicU32::new(swallow));
        let swallowed = Arc::new(AtomicU32::new(0));
        let (b, s) = (budget.clone(), swallowed.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (b, s) = (b.clone(), s.clone());
                tokio::spawn(async move {
                    let _ = relay(client, upstream, b, s, path_marker).await;
                });
            }
        });
        Self { addr, swallowed, task }
    }
}

async fn relay(
    mut client: TcpStream,
    upstream: SocketAddr,
    budget: Arc<AtomicU32>,
    swallowed: Arc<AtomicU32>,
    path_marker: &str,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(upstream).await?;
    // Peek the request line to decide whether this is a call to swallow.
    let mut first = vec![0u8; 4096];
    let n = client.read(&mut first).await?;
    first.truncate(n);
    let line = String::from_utf8_lossy(&first).lines().next().unwrap_or_default().to_owned();
    let swallow = line.contains(path_marker)
        && budget.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| v.checked_sub(1)).is_ok();
    server.write_all(&first).await?;
    if !swallow {
        tokio::io::copy_bidirectional(&mut client, &mut server).await?;
        return Ok(());
    }
    // Forward the rest of the request, wait until the gateway starts answering, then hang up
    // on the client without passing a byte of the answer on.
    let (mut cr, _cw) = client.split();
    let (mut sr, mut sw) = server.split();
    let mut answer = [0u8; 1];
    tokio::select! {
        _ = tokio::io::copy(&mut cr, &mut sw) => {}
        r = sr.read(&mut answer) => { r?; }
    }
    swallowed.fetch_add(1, Ordering::SeqCst);
    Ok(())
}
