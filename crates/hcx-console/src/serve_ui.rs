//! `hcx serve-ui`: the second transport of the command table, for development and the
//! browser tests. It serves the built UI (`ui/dist`) to a plain browser, the command table
//! as `POST /api/<command>` (JSON arguments in, JSON result or `{code, message}` out), and the
//! console's events as Server-Sent Events (`GET /api/events`). The desktop app keeps Tauri IPC.
//!
//! Guards: it binds only to a loopback address (anything else is refused before a socket is
//! opened), and every `/api` call must carry the run's random token (`Authorization: Bearer`)
//! or gets 401. `EventSource` cannot send headers, so the event stream takes the token as the
//! `token` query parameter instead; acceptable because it never leaves the loopback interface
//! (no proxy or log sees it). The static files need no token: they hold no data, and the page
//! reads the token from the URL it was opened with (`#token=…`, never sent to the server). The
//! pages are sent with the same Content-Security-Policy the production build carries, with
//! `connect-src 'self'` covering the same-origin calls.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use subtle::ConstantTimeEq as _;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::surface::{CommandError, EventSink, Host, dispatch};

/// The biggest request body: a compose form or answer with base64 attachments.
const MAX_BODY: usize = 32 * 1024 * 1024;
/// Events buffered per slow client before it is told to reload everything.
const EVENT_BUFFER: usize = 256;
/// The production build's policy (`ui/vite.config.ts`, `src-tauri/tauri.conf.json`), minus the
/// Tauri IPC origins this transport does not use.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' \
                       data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
                       base-uri 'none'; form-action 'none'";

/// Why `serve-ui` could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeUiError {
    /// The address is not a loopback one.
    #[error(
        "serve-ui binds only to a loopback address (127.0.0.1 or ::1), not {0}: it hands the \
         console to whoever can reach the port"
    )]
    NotLoopback(SocketAddr),
    /// The built UI is missing.
    #[error("no built UI at {0} (index.html missing): run `npm run build` in ui/, or pass --dist")]
    NoDist(PathBuf),
    /// The port could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The socket error.
        source: std::io::Error,
    },
    /// No random token could be made.
    #[error("cannot make the run's token: {0}")]
    Token(String),
}

/// Refuses any address that is not loopback.
pub fn check_loopback(addr: SocketAddr) -> Result<(), ServeUiError> {
    if addr.ip().is_loopback() { Ok(()) } else { Err(ServeUiError::NotLoopback(addr)) }
}

/// A running `serve-ui`.
pub struct ServeUi {
    addr: SocketAddr,
    token: String,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl ServeUi {
    /// The address it listens on (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The run's token (printed once, in the URL).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The URL to open: the token rides in the fragment, which browsers never send.
    pub fn url(&self) -> String {
        format!("http://{}/#token={}", self.addr, self.token)
    }

    /// Stops serving (open event streams end).
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

/// Events for the SSE clients: one broadcast, each client subscribes.
struct Broadcast(broadcast::Sender<(&'static str, String)>);

impl EventSink for Broadcast {
    fn emit(&self, name: &'static str, payload: Value) {
        // No receiver is fine: no browser is open yet.
        let _ = self.0.send((name, payload.to_string()));
    }
}

#[derive(Clone)]
struct AppState {
    host: Host,
    token: Arc<str>,
    events: broadcast::Sender<(&'static str, String)>,
    dist: Arc<Path>,
}

/// Binds `addr` (loopback only) and serves `dist` and `host`'s command table. Returns the
/// event sink `Host::start` must feed, so events flow from the host's start-up on.
pub async fn start(
    host: Host,
    addr: SocketAddr,
    dist: &Path,
) -> Result<(ServeUi, Arc<dyn EventSink>), ServeUiError> {
    check_loopback(addr)?;
    if !dist.join("index.html").is_file() {
        return Err(ServeUiError::NoDist(dist.to_owned()));
    }
    let token = hcx_bridge::generate_token()
        .map_err(|e| ServeUiError::Token(e.to_string()))?
        .expose()
        .to_owned();
    let (events, _) = broadcast::channel(EVENT_BUFFER);
    let state =
        AppState { host, token: token.clone().into(), events: events.clone(), dist: dist.into() };
    let app = Router::new()
        .route("/api/events", get(event_stream))
        .route("/api/{command}", post(command))
        .fallback(get(static_file))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeUiError::Bind { addr, source })?;
    let addr = listener.local_addr().map_err(|source| ServeUiError::Bind { addr, source })?;
    let stop = CancellationToken::new();
    let graceful = stop.clone();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { graceful.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "serve-ui stopped");
        }
    });
    let sink: Arc<dyn EventSink> = Arc::new(Broadcast(events));
    Ok((ServeUi { addr, token, stop, task }, sink))
}

fn unauthorized() -> Response {
    let body = CommandError {
        code: "unauthorized",
        message: "this call lacks the serve-ui run's token: open the URL serve-ui printed".into(),
    };
    (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
}

fn token_matches(state: &AppState, given: &str) -> bool {
    bool::from(given.as_bytes().ct_eq(state.token.as_bytes()))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ")
}

async fn command(
    State(state): State<AppState>,
    UrlPath(name): UrlPath<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if !bearer(&headers).is_some_and(|t| token_matches(&state, t)) {
        return unauthorized();
    }
    let args = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                let err = CommandError::bad_arguments(&name, format!("not JSON: {e}"));
                return (StatusCode::BAD_REQUEST, axum::Json(err)).into_response();
            }
        }
    };
    match dispatch(&state.host, &name, args).await {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => {
            let status = match e.code {
                "internal" => StatusCode::INTERNAL_SERVER_ERROR,
                "not_implemented" => StatusCode::NOT_FOUND,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            (status, axum::Json(e)).into_response()
        }
    }
}

#[derive(serde::Deserialize)]
struct EventQuery {
    token: Option<String>,
}

async fn event_stream(State(state): State<AppState>, Query(q): Query<EventQuery>) -> Response {
    if !q.token.as_deref().is_some_and(|t| token_matches(&state, t)) {
        return unauthorized();
    }
    let rx = state.events.subscribe();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        let event = match rx.recv().await {
            Ok((name, data)) => Event::default().event(name).data(data),
            // Events were dropped for this slow client: an empty change list tells the UI to
            // reload everything it shows, as the Tauri transport does.
            Err(broadcast::error::RecvError::Lagged(_)) => Event::default()
                .event(crate::surface::events::MESSAGES_CHANGED)
                .data(r#"{"correlationIds":[],"incoming":0}"#),
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok::<_, Infallible>(event), rx))
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

/// Content types of what `vite build` emits.
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

async fn static_file(State(state): State<AppState>, uri: Uri) -> Response {
    // Only plain path segments: no `..`, no absolute paths, nothing outside dist.
    let rel = uri.path().trim_start_matches('/');
    let rel = if rel.is_empty() { "index.html" } else { rel };
    if rel.split('/').any(|s| s.is_empty() || s == "." || s == ".." || s.contains('\\')) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let file = state.dist.join(rel);
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&file)));
            h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
