//! The HCX operator's onboarding side (seed "Production onboarding", issue 8), served by the
//! sandbox next to its gateway: sandbox certification support (descriptor, attestation,
//! scenario triggers, conformance counterparties), the application queue with its lookups,
//! OTPs and payer approvals, production credentials issued once, and compromise reports.
//!
//! The rules of the forms and certificates are `hcx-onboard`'s (this module calls its
//! `registration::validate` and `certification::verify_certificate`); this module owns the
//! state machine, the storage (migration 3) and the HTTP surface.
//!
//! | Path (under `/api/v0.x`) | Auth | What |
//! |---|---|---|
//! | `GET /onboard/sandbox` | none | what the sandbox offers for certification |
//! | `POST /onboard/certification/attest` | signed by the participant's key | countersign suite results |
//! | `POST /onboard/certification/trigger` | signed by the participant's key | demo / conformance provider sends to the caller |
//! | `POST /onboard/applications` | none | submit an application (with its sandbox certificate) |
//! | `GET /onboard/applications` | admin | the queue (`?state=`) |
//! | `GET /onboard/applications/{id}` | applicant token | status and history |
//! | `POST /onboard/applications/{id}/otp` | applicant token | the OTP |
//! | `POST /onboard/applications/{id}/otp/resend` | applicant token | a new OTP |
//! | `POST /onboard/applications/{id}/credentials` | applicant token | production credentials, once (then 410) |
//! | `POST /onboard/applications/{id}/decision` | admin | manual review decision |
//! | `GET /onboard/approvals` | participant token | empanelment approvals routed to the caller |
//! | `POST /onboard/approvals/{id}` | participant token | approve / refuse with a reason |
//! | `POST /onboard/compromise` | participant token | rotate the secret (and certificate) |
//! | `GET /onboard/outbox` | admin | simulated SMS / e-mail (`?application_id=`) |

mod conformance;
mod http;
mod outbox;
mod process;
pub mod registers;
mod store;

use std::sync::{Arc, RwLock};

use axum::Router;
use hcx_onboard::certification::TrustedSandbox;
use hcx_onboard::jws::SigningKey;
use hcx_onboard::operator_api::OutboxMessage;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use crate::error::{Result, SandboxError};
use crate::scripted::DemoIdentity;
use crate::state::SharedState;

pub use conformance::ConformanceCodes;
use outbox::Outbox;
use registers::Registers;

/// How long an OTP is valid.
pub const OTP_TTL_MS: i64 = 10 * 60 * 1000;
/// Wrong OTPs allowed before a new one must be requested.
pub const OTP_MAX_ATTEMPTS: i64 = 5;
/// Days a sandbox attestation is valid.
pub const ATTESTATION_VALIDITY_DAYS: i64 = hcx_onboard::certification::DEFAULT_VALIDITY_DAYS;

/// The operator's state.
pub struct Operator {
    app: SharedState,
    signer: SigningKey,
    hcx_cert_pem: String,
    trusted: RwLock<Vec<TrustedSandbox>>,
    outbox: Outbox,
    registers: Arc<Registers>,
    conformance: OnceCell<conformance::Conformance>,
    cancel: CancellationToken,
    http: reqwest::Client,
}

impl std::fmt::Debug for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operator").field("hcx_code", &self.app.hcx_code).finish_non_exhaustive()
    }
}

impl Operator {
    /// Builds the operator for a running sandbox. `hcx` is the sandbox's own identity (its key
    /// signs attestations); `cancel` stops the conformance counterparties.
    pub fn new(app: SharedState, hcx: &DemoIdentity, cancel: CancellationToken) -> Result<Self> {
        let signer = SigningKey::from_pem(
            hcx.keys.private_pem.expose().as_bytes(),
            Some(&hcx.keys.cert_pem),
        )
        .map_err(|e| SandboxError::Invalid(format!("operator signing key: {e}")))?;
        let own = TrustedSandbox {
            code: app.hcx_code.clone(),
            base_url: format!("{}/api", app.origin),
            cert_pem: hcx.keys.cert_pem.clone(),
        };
        Ok(Self {
            signer,
            hcx_cert_pem: hcx.keys.cert_pem.clone(),
            trusted: RwLock::new(vec![own]),
            outbox: Outbox::default(),
            registers: Arc::new(Registers::seed()?),
            conformance: OnceCell::new(),
            cancel,
            http: reqwest::Client::builder().build()?,
            app,
        })
    }

    /// Accepts certificates countersigned by another sandbox instance too.
    pub fn trust(&self, sandbox: TrustedSandbox) {
        if let Ok(mut t) = self.trusted.write() {
            t.retain(|s| s.code != sandbox.code);
            t.push(sandbox);
        }
    }

    /// The sandboxes whose certificates are accepted (this one first).
    pub fn trusted(&self) -> Vec<TrustedSandbox> {
        self.trusted.read().map(|t| t.clone()).unwrap_or_default()
    }

    /// The simulated SMS / e-mail outbox (oldest first).
    pub fn outbox(&self, application_id: Option<&str>) -> Vec<OutboxMessage> {
        self.outbox.list(application_id)
    }

    /// The router of the operator endpoints, merged into the sandbox's.
    pub fn router(self: &Arc<Self>) -> Router {
        http::router(Arc::clone(self))
    }
}
