//! Embedded HCX exchange with scripted counterparties.
//!
//! This crate owns a local gateway that behaves like the Swasth HCX platform (wire facts §1–§4,
//! §7.3, §8): token issuing, a participant registry with certificate serving, every protocol
//! API under `/api/v0.7`, `/api/v0.8` and `/api/v0.9` with the gateway's rules, codes and HTTP
//! statuses, a persistent delivery queue with the platform's retry policy and error callbacks,
//! audit search, and scripted demo participants (payer, TPA, provider) that talk to it over
//! HTTP like anyone else.
//!
//! It must NOT know the wire format itself: header names, statuses, JWE and the stateless
//! validation come from `hcx-protocol`. It must not touch user secrets: the only keys and
//! passwords it stores are its own demo identities (`<data>/identities/`, see `keys`); real
//! participants' passwords are kept as PBKDF2 hashes only.
//!
//! Entry points: [`Sandbox::start`] (in-process, tests and the app) and [`run_cli`]
//! (`hcx sandbox --port N --data DIR`).

pub mod api;
pub mod config;
pub mod error;
pub mod jwt;
pub mod keys;
pub mod onboard;
pub mod operator;
pub mod password;
pub mod relay;
pub mod routing;
pub mod rules;
pub mod scripted;
pub mod state;
pub mod store;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use config::{PeerInstance, ProviderSchedule, RetryPolicy, SandboxConfig, ScriptedConfig};
pub use error::{Result, SandboxError};
pub use hcx_protocol::Secret;
pub use scripted::DemoKind;
pub use scripted::provider::{DemoProvider, InboxEntry, SendRequest, SentMessage};
pub use scripted::scenario::Scenario;

use crate::jwt::TokenService;
use crate::scripted::client::ParticipantClient;
use crate::scripted::payer::PayerActor;
use crate::scripted::{DemoIdentity, load_identity, register};
use crate::state::{AppState, SharedState};
use crate::store::Store;

/// Login details of one participant the sandbox created for itself.
#[derive(Debug, Clone)]
pub struct ParticipantCredentials {
    /// Which demo participant.
    pub kind: DemoKind,
    /// Registry code.
    pub participant_code: String,
    /// Display name.
    pub participant_name: String,
    /// Registry roles.
    pub roles: Vec<String>,
    /// Username for both token forms (the primary e-mail).
    pub username: String,
    /// Password (form 1: `username` + `password`).
    pub password: Secret,
    /// api-access secret (form 2: `participant_code` + `username` + `secret`).
    pub secret: Secret,
    /// Registered callback base.
    pub endpoint_url: String,
    /// The demo identity's private key (PKCS#8 PEM). A demo key, never a user's.
    pub private_key_pem: Secret,
    /// Its certificate (PEM).
    pub cert_pem: String,
}

/// The sandbox admin (the HCX's own credential): may call `/participant/create`, `/update` on
/// any record, and the demo-provider control endpoints.
#[derive(Debug, Clone)]
pub struct AdminCredentials {
    /// The HCX's participant code.
    pub participant_code: String,
    /// Username for the token form.
    pub username: String,
    /// Password.
    pub password: Secret,
}

/// Starts sandboxes.
#[derive(Debug)]
pub struct Sandbox;

/// A running sandbox. Stops on [`SandboxHandle::shutdown`] or when dropped.
#[derive(Debug)]
pub struct SandboxHandle {
    state: SharedState,
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    participants: Vec<ParticipantCredentials>,
    admin: AdminCredentials,
    operator: Arc<operator::Operator>,
}

impl Sandbox {
    /// Opens (or creates) the data directory, binds the listener, registers the demo
    /// participants and starts serving, dispatching and the scripted counterparties.
    pub async fn start(config: SandboxConfig) -> Result<SandboxHandle> {
        let data_dir = config.data_dir.clone();
        std::fs::create_dir_all(&data_dir)
            .map_err(|source| SandboxError::File { path: data_dir.clone(), source })?;
        let store = Store::open(&data_dir.join("sandbox.db"))?;
        let instance = config.instance_code.clone();
        let hcx = {
            let (d, i) = (data_dir.clone(), instance.clone());
            tokio::task::spawn_blocking(move || load_identity(&d, &i, DemoKind::Hcx)).await??
        };
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let origin = format!("http://{addr}");
        let tokens = TokenService::new(&hcx.keys.private_pem, origin.clone(), config.token_ttl)?;
        let peers = relay::Peers::new(&config.hcx_code(), &config.peers)?;
        let http = reqwest::Client::builder().build()?;
        let state: SharedState = Arc::new(AppState {
            hcx_code: config.hcx_code(),
            config: config.clone(),
            store: store.clone(),
            tokens,
            origin: origin.clone(),
            dispatch_wakeup: Notify::new(),
            hosted: RwLock::new(Default::default()),
            demo_provider: OnceLock::new(),
            peers,
            http: http.clone(),
        });

        let mut identities = vec![hcx.clone()];
        if config.scripted.enabled {
            for kind in [DemoKind::Payer, DemoKind::Tpa, DemoKind::Provider] {
                let (d, i) = (data_dir.clone(), instance.clone());
                identities
                    .push(tokio::task::spawn_blocking(move || load_identity(&d, &i, kind)).await??);
            }
        }
        let mut participants = Vec::new();
        for id in &identities {
            let endpoint = match id.kind {
                DemoKind::Hcx => origin.clone(),
                other => state.hosted_endpoint(other.slug()),
            };
            let (st, idc, inst) = (state.clone(), id.clone(), instance.clone());
            let p = store
                .run(move |c| register(c, &idc, &endpoint, &inst, &|code| st.cert_url(code)))
                .await?;
            if id.kind != DemoKind::Hcx {
                participants.push(credentials_of(id, &p));
            }
        }
        let admin = AdminCredentials {
            participant_code: hcx.code.clone(),
            username: hcx.email.clone(),
            password: hcx.password.clone(),
        };

        let cancel = CancellationToken::new();
        let mut tasks = Vec::new();
        let operator =
            Arc::new(operator::Operator::new(state.clone(), &hcx, cancel.child_token())?);
        let app = api::router(state.clone()).merge(operator.router());
        let stop = cancel.clone();
        tasks.push(tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "sandbox HTTP server stopped");
            }
        }));
        tasks.push(tokio::spawn(routing::dispatcher::run(
            state.clone(),
            http.clone(),
            cancel.child_token(),
        )));
        if config.scripted.enabled {
            start_scripted(&state, &identities, &http, &cancel, &mut tasks)?;
        }
        tracing::info!(%origin, "HCX sandbox listening");
        Ok(SandboxHandle { state, cancel, tasks, participants, admin, operator })
    }
}

fn credentials_of(id: &DemoIdentity, p: &store::registry::Participant) -> ParticipantCredentials {
    ParticipantCredentials {
        kind: id.kind,
        participant_code: p.participant_code.clone(),
        participant_name: p.participant_name.clone(),
        roles: p.roles.clone(),
        username: id.email.clone(),
        password: id.password.clone(),
        secret: id.secret.clone(),
        endpoint_url: p.endpoint_url.clone(),
        private_key_pem: id.keys.private_pem.clone(),
        cert_pem: id.keys.cert_pem.clone(),
    }
}

fn start_scripted(
    state: &SharedState,
    identities: &[DemoIdentity],
    http: &reqwest::Client,
    cancel: &CancellationToken,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<()> {
    let tpa_code = DemoKind::Tpa.code(&state.config.instance_code);
    for id in identities.iter().filter(|i| i.kind != DemoKind::Hcx) {
        let key = hcx_protocol::PrivateKey::from_pem(id.keys.private_pem.expose().as_bytes())
            .map_err(hcx_protocol::Error::from)?;
        let client = ParticipantClient::new(
            &state.origin,
            id.code.clone(),
            id.email.clone(),
            id.password.clone(),
            key,
            http.clone(),
        )?;
        let (tx, rx) = mpsc::unbounded_channel();
        if let Ok(mut hosted) = state.hosted.write() {
            hosted.insert(id.kind.slug().to_string(), tx);
        }
        let stop = cancel.child_token();
        match id.kind {
            DemoKind::Payer | DemoKind::Tpa => {
                let redirect = (id.kind == DemoKind::Payer).then(|| tpa_code.clone());
                let actor = Arc::new(PayerActor::new(
                    client,
                    id.kind.name().to_string(),
                    redirect,
                    state.store.clone(),
                    state.config.scripted.clone(),
                ));
                tasks.push(tokio::spawn(actor.run(rx, stop)));
            }
            DemoKind::Provider => {
                let provider = Arc::new(DemoProvider::new(client, id.kind.name().to_string()));
                let _ = state.demo_provider.set(Arc::clone(&provider));
                let schedule = state.config.scripted.provider_schedule.clone();
                tasks.push(tokio::spawn(provider.run(rx, schedule, stop)));
            }
            DemoKind::Hcx => {}
        }
    }
    Ok(())
}

impl SandboxHandle {
    /// The platform-style API base, e.g. `http://127.0.0.1:4321/api`; append `/v0.8/...`.
    pub fn base_url(&self) -> String {
        format!("{}/api", self.state.origin)
    }

    /// `http://127.0.0.1:<port>` (certificate URLs and hosted endpoints hang off it).
    pub fn origin(&self) -> &str {
        &self.state.origin
    }

    /// The HCX's own participant code.
    pub fn hcx_code(&self) -> &str {
        &self.state.hcx_code
    }

    /// A dispatch token exactly as this exchange's dispatcher sends it to a participant's
    /// endpoint. For tests that must reach a mailbox the way the gateway does (a forged
    /// callback put straight into a bridge), never used by the exchange itself.
    pub fn dispatch_token(&self) -> Result<Secret> {
        self.state.tokens.dispatch_token(&self.state.hcx_code)
    }

    /// Every message this exchange accepted, oldest first: what tests check to prove that
    /// something was, or was never, sent to a participant.
    pub async fn audit_events(&self) -> Result<Vec<store::audit::AuditEvent>> {
        self.state.store.run(|c| store::audit::sent_by(c, None)).await
    }

    /// State (`pending`, `done`, `failed`) and attempts so far of the delivery of message `mid`
    /// (an audit event's `mid`): what tests check to prove the retry policy ran.
    pub async fn delivery(&self, mid: &str) -> Result<Option<(String, u32)>> {
        let mid = mid.to_string();
        self.state.store.run(move |c| store::queue::state_of(c, &mid)).await
    }

    /// Demo participants (payer, TPA, provider) and their credentials.
    pub fn participants(&self) -> &[ParticipantCredentials] {
        &self.participants
    }

    /// One demo participant.
    pub fn participant(&self, kind: DemoKind) -> Option<&ParticipantCredentials> {
        self.participants.iter().find(|p| p.kind == kind)
    }

    /// The admin credential.
    pub fn admin_credentials(&self) -> &AdminCredentials {
        &self.admin
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.state.config.data_dir
    }

    /// The demo provider (None when scripted counterparties are disabled).
    pub fn demo_provider(&self) -> Option<Arc<DemoProvider>> {
        self.state.demo_provider.get().cloned()
    }

    /// The operator's onboarding side (trusted sandboxes, the simulated outbox).
    pub fn operator(&self) -> &operator::Operator {
        &self.operator
    }

    /// Stops serving, dispatching and the scripted counterparties, and waits for them.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        for t in self.tasks.drain(..) {
            // A task that panicked has already logged; shutting down goes on.
            let _ = t.await;
        }
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// What `hcx sandbox --port N --data DIR [--instance CODE] [--peer CODE=URL,CERT]…` runs:
/// starts the sandbox on 127.0.0.1:`port` as instance `instance` (default `sandbox`) with the
/// given peers, prints one JSON line per participant (admin first) with its credentials, and
/// serves until Ctrl-C.
pub async fn run_cli(
    port: u16,
    data_dir: PathBuf,
    instance: Option<String>,
    peers: Vec<PeerInstance>,
) -> Result<()> {
    let mut config = SandboxConfig::new(data_dir);
    config.bind = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    if let Some(code) = instance {
        config.instance_code = code;
    }
    config.peers = peers;
    let handle = Sandbox::start(config).await?;
    for line in credential_lines(&handle) {
        println!("{line}");
    }
    tokio::signal::ctrl_c().await?;
    handle.shutdown().await;
    Ok(())
}

/// The JSON lines [`run_cli`] prints: admin first, then each demo participant.
pub fn credential_lines(handle: &SandboxHandle) -> Vec<String> {
    let base = handle.base_url();
    let admin = handle.admin_credentials();
    let mut lines = vec![
        serde_json::json!({
            "kind": "admin",
            "participant_code": admin.participant_code,
            "roles": ["HIE/HIO.HCX"],
            "username": admin.username,
            "password": admin.password.expose(),
            "base_url": base,
        })
        .to_string(),
    ];
    for p in handle.participants() {
        lines.push(
            serde_json::json!({
                "kind": p.kind.slug(),
                "participant_code": p.participant_code,
                "participant_name": p.participant_name,
                "roles": p.roles,
                "username": p.username,
                "password": p.password.expose(),
                "secret": p.secret.expose(),
                "endpoint_url": p.endpoint_url,
                "base_url": base,
            })
            .to_string(),
        );
    }
    lines
}
