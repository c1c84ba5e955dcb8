//! Shared state of a running sandbox, handed to every handler and background loop.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use tokio::sync::{Notify, mpsc};

use crate::config::SandboxConfig;
use crate::jwt::TokenService;
use crate::relay::Peers;
use crate::scripted::provider::DemoProvider;
use crate::store::Store;

/// A message the dispatcher delivered to a participant hosted on the sandbox's own listener
/// (the scripted counterparties' callback endpoints).
#[derive(Debug, Clone)]
pub struct Inbound {
    /// Path without version, e.g. `/preauth/submit`.
    pub path: String,
    /// The exact body bytes.
    pub body: Vec<u8>,
}

/// Everything handlers share.
#[derive(Debug)]
pub struct AppState {
    /// Configuration the sandbox was started with.
    pub config: SandboxConfig,
    /// The database.
    pub store: Store,
    /// Token signer/verifier.
    pub tokens: TokenService,
    /// The HCX's own participant code.
    pub hcx_code: String,
    /// `http://127.0.0.1:<port>`.
    pub origin: String,
    /// Wakes the dispatcher when something was queued.
    pub dispatch_wakeup: Notify,
    /// Hosted participant endpoints: URL slug → inbox.
    pub hosted: RwLock<HashMap<String, mpsc::UnboundedSender<Inbound>>>,
    /// The demo provider, once the scripted counterparties run.
    pub demo_provider: OnceLock<Arc<DemoProvider>>,
    /// Peer HCX instances (relays).
    pub peers: Peers,
    /// Client for calls to peer instances.
    pub http: reqwest::Client,
}

/// Cheap shared handle.
pub type SharedState = Arc<AppState>;

impl AppState {
    /// URL prefix of a hosted participant's endpoint (registered as its `endpoint_url`).
    pub fn hosted_endpoint(&self, slug: &str) -> String {
        format!("{}/participants/{slug}", self.origin)
    }

    /// URL of a participant's certificate, served by [`crate::api::certs`].
    pub fn cert_url(&self, participant_code: &str) -> String {
        format!("{}/certs/{participant_code}/encryption_cert.pem", self.origin)
    }
}
