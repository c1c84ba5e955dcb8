//! Running the bridge: [`Bridge::start`] (embedded) returns a [`BridgeHandle`] that stops the
//! server when dropped or shut down.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{BridgeConfig, GatewayTrust, ParticipantConfig, TlsConfig};
use crate::error::{BridgeError, Result};
use crate::state::AppState;
use crate::store::Store;
use crate::wire::{self, Code};
use crate::{callback, mailbox};

/// How long a shutdown waits for in-flight requests (a commit in progress finishes first).
const GRACE: Duration = Duration::from_secs(5);

/// Entry point for the embedded bridge.
#[derive(Debug)]
pub struct Bridge;

impl Bridge {
    /// Open the store, bind, and serve in the background on the current tokio runtime.
    pub async fn start(cfg: BridgeConfig) -> Result<BridgeHandle> {
        if cfg.insecure_skip_gateway_jwt {
            tracing::warn!(
                "INSECURE: gateway JWT verification is OFF; anyone can fill these mailboxes. \
                 Use only for local development."
            );
        }
        let store = Store::open(&cfg.data_dir)?;
        let cancel = CancellationToken::new();
        let participants = cfg.participants.clone();
        let state = Arc::new(AppState::new(store, cfg, cancel.clone()));
        for p in participants {
            state.add(p)?;
        }

        let listener = std::net::TcpListener::bind(state.cfg.bind)?;
        listener.set_nonblocking(true)?;
        let local_addr = listener.local_addr()?;
        if state.cfg.tls.is_none() && !local_addr.ip().is_loopback() {
            warn_plain_http(local_addr);
        }
        let scheme = if state.cfg.tls.is_some() { "https" } else { "http" };
        let reach_ip = match local_addr.ip() {
            ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip => ip,
        };
        let base_url = match &state.cfg.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("{scheme}://{}", SocketAddr::new(reach_ip, local_addr.port())),
        };

        let app = router(Arc::clone(&state));
        let server_handle = axum_server::Handle::new();
        let make = app.into_make_service_with_connect_info::<SocketAddr>();
        let server = axum_server::from_tcp(listener)?.handle(server_handle.clone());
        let serve_task: JoinHandle<std::io::Result<()>> = match &state.cfg.tls {
            None => tokio::spawn(server.serve(make)),
            Some(tls) => {
                let ssl = tls_config(tls)?;
                let server = server.acceptor(axum_server::tls_openssl::OpenSSLAcceptor::new(ssl));
                tokio::spawn(server.serve(make))
            }
        };
        let purge_task = tokio::spawn(purge_loop(Arc::clone(&state)));
        tracing::info!(%base_url, participants = ?state.codes(), "hcx bridge listening");
        Ok(BridgeHandle {
            state,
            local_addr,
            base_url,
            cancel,
            server_handle,
            serve_task: Some(serve_task),
            purge_task,
        })
    }
}

/// A running bridge. Dropping it stops the server (in-flight requests get a short grace).
pub struct BridgeHandle {
    state: Arc<AppState>,
    local_addr: SocketAddr,
    base_url: String,
    cancel: CancellationToken,
    server_handle: axum_server::Handle<SocketAddr>,
    serve_task: Option<JoinHandle<std::io::Result<()>>>,
    purge_task: JoinHandle<()>,
}

impl std::fmt::Debug for BridgeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BridgeHandle").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl BridgeHandle {
    /// `http(s)://host:port` (or the configured public URL), without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The socket actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// What to register as the participant's `endpoint_url`: `{base_url}/p/{code}`. The
    /// gateway appends `/{entity}/{action}` (wire facts §4.7).
    pub fn endpoint_url(&self, participant_code: &str) -> String {
        endpoint_url(&self.base_url, participant_code)
    }

    /// Serve another participant from now on (replaces an existing entry with the same code),
    /// with the default token limits. `gateway` names the HCX that will call it (its code and
    /// certificate); it may be `None` only when `insecure_skip_gateway_jwt` is on.
    pub fn add_participant(
        &self,
        code: &str,
        mailbox_token: &str,
        gateway: Option<GatewayTrust>,
    ) -> Result<()> {
        self.state.add(ParticipantConfig::new(code, mailbox_token, gateway))
    }

    /// Same as [`Self::add_participant`] with a full config (e.g. a stored token hash).
    pub fn add_participant_config(&self, p: ParticipantConfig) -> Result<()> {
        self.state.add(p)
    }

    /// Stop accepting callbacks for `code` (its stored envelopes stay). True if it was served.
    pub fn remove_participant(&self, code: &str) -> bool {
        self.state.remove(code)
    }

    /// Codes served now, sorted.
    pub fn participants(&self) -> Vec<String> {
        self.state.codes()
    }

    /// Unacknowledged envelopes waiting for `code`.
    pub async fn pending(&self, code: &str) -> Result<u64> {
        self.state.store.pending(code).await
    }

    /// Group-commit counters of the storage writer (for benchmarks and health output).
    pub fn writer_stats(&self) -> crate::store::WriterStats {
        self.state.store.writer_stats()
    }

    /// Stop and wait for the server to finish (in-flight requests get a few seconds).
    pub async fn shutdown(mut self) -> Result<()> {
        self.cancel.cancel();
        self.server_handle.graceful_shutdown(Some(GRACE));
        if let Some(task) = self.serve_task.take() {
            match task.await {
                Ok(r) => r?,
                Err(e) => tracing::warn!(error = %e, "bridge server task ended abnormally"),
            }
        }
        Ok(())
    }
}

impl Drop for BridgeHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
        self.server_handle.graceful_shutdown(Some(GRACE));
        self.purge_task.abort();
    }
}

/// Callbacks carry PHI (in JWEs, but also their ids and the gateway's bearer token) and the
/// mailbox tokens travel in the clear without TLS, so say it where an operator looks.
fn warn_plain_http(addr: SocketAddr) {
    let msg = format!(
        "WARNING: hcx bridge is serving PLAIN HTTP on {addr}, which is not a loopback address. \
         Bearer tokens and callbacks cross the network unencrypted. Configure [tls] or put a \
         TLS-terminating proxy in front and bind to 127.0.0.1."
    );
    tracing::warn!("{msg}");
    eprintln!("{msg}");
}

/// OpenSSL acceptor with Mozilla's "intermediate" profile: TLS 1.2 and 1.3. axum-server's
/// `from_pem_chain_file` uses the "modern" profile, which is TLS 1.3 only and would refuse
/// gateways and proxies still on TLS 1.2.
fn tls_config(tls: &TlsConfig) -> Result<axum_server::tls_openssl::OpenSSLConfig> {
    use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod, SslVersion};
    let err = |e: openssl::error::ErrorStack| BridgeError::Tls(e.to_string());
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).map_err(err)?;
    b.set_min_proto_version(Some(SslVersion::TLS1_2)).map_err(err)?;
    b.set_certificate_chain_file(&tls.cert)
        .map_err(|e| BridgeError::Tls(format!("{}: {e}", tls.cert.display())))?;
    b.set_private_key_file(&tls.key, SslFiletype::PEM)
        .map_err(|e| BridgeError::Tls(format!("{}: {e}", tls.key.display())))?;
    b.check_private_key().map_err(err)?;
    axum_server::tls_openssl::OpenSSLConfig::try_from(b)
        .map_err(|e| BridgeError::Tls(e.to_string()))
}

/// `{base_url}/p/{code}` with the code percent-encoded where needed.
pub fn endpoint_url(base_url: &str, participant_code: &str) -> String {
    format!("{}/p/{}", base_url.trim_end_matches('/'), encode_segment(participant_code))
}

fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/mailbox/{participant}", get(mailbox::poll))
        .route("/mailbox/{participant}/ack", post(mailbox::ack))
        .fallback(callback::handle)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), rate_limit))
        .with_state(state)
}

async fn rate_limit(
    State(st): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(limiter) = &st.limiter
        && !limiter.allow(peer.ip(), Instant::now())
    {
        let mut r = wire::error_response(
            StatusCode::TOO_MANY_REQUESTS,
            Code::ServiceUnavailable,
            "rate limit exceeded, retry later",
        );
        r.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        return r;
    }
    next.run(req).await
}

async fn purge_loop(st: Arc<AppState>) {
    loop {
        let now = chrono::Utc::now();
        let age = |d: Duration| {
            chrono::Duration::from_std(d)
                .map_or(chrono::DateTime::<chrono::Utc>::MIN_UTC, |d| now - d)
        };
        match st.store.purge(age(st.cfg.ack_retention), age(st.cfg.dedupe_window)).await {
            Ok(r) if r != Default::default() => tracing::info!(?r, "purged acknowledged envelopes"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purge failed; will retry"),
        }
        tokio::select! {
            () = st.cancel.cancelled() => return,
            () = tokio::time::sleep(st.cfg.purge_interval) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_urls_are_prefix_plus_code() {
        assert_eq!(
            endpoint_url("https://bridge.example/", "1-abc"),
            "https://bridge.example/p/1-abc",
            "the gateway appends /{{entity}}/{{action}} to this"
        );
        assert_eq!(
            endpoint_url("http://h", "a b/c"),
            "http://h/p/a%20b%2Fc",
            "unsafe characters are escaped so the code stays one segment"
        );
        assert_eq!(
            endpoint_url("http://h", "1000003538@hcx"),
            "http://h/p/1000003538@hcx",
            "NHCX codes keep @"
        );
    }
}
