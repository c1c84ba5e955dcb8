//! The conformance suite: runs a role's scenarios against a sandbox over real HTTP, as the
//! participant, and turns a passing run into a sandbox certificate.
//!
//! Sending goes through `hcx-client` (token, registry, certificates, JWE via `hcx-protocol`);
//! receiving through an `hcx-bridge` mailbox the participant's `endpoint_url` points to
//! ([`CallbackReceiver`] starts an embedded one). Nothing here is simulated: every message is a
//! real JWE the sandbox routes, and the sandbox checks the results against its audit trail
//! before it countersigns them.
//!
//! ```text
//! let rx = CallbackReceiver::start(dir, code, &sandbox).await?;                  // register rx.endpoint_url()
//! let report = run_suite(&cfg, &key, rx.mailbox()).await?;                    // every scenario of the role
//! let cert = request_certificate(&cfg, &report, &key, &cert_pem).await?;      // attest + sign
//! ```

mod inbox;
mod payer;
mod provider;
mod samples;

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use hcx_bridge::{Bridge, BridgeConfig, BridgeHandle, GatewayTrust, MailboxClient};
use hcx_client::{ClientError, Credentials, GatewayConfig, HcxClient, SendOutcome};
use hcx_protocol::{Action, ApiVersion, Dialect, ErrorCode, Headers, PrivateKey, Role};
use serde::Serialize;
use serde_json::Value;

use self::inbox::Inbox;
pub use self::inbox::Received;
use super::certificate::{
    Direction, Outcome, SandboxCertificate, ScenarioResult, StepRecord, issue_certificate,
    sign_attest_request,
};
use super::scenarios::Suite;
use super::scenarios::names::{INACTIVE_PARTICIPANT, UNKNOWN_PARTICIPANT};
use crate::client::OperatorClient;
use crate::error::{OnboardError, Result};
use crate::jws::SigningKey;
use crate::operator_api::SandboxDescriptor;

/// Where and as whom the suite runs.
#[derive(Debug, Clone)]
pub struct SuiteConfig {
    /// The sandbox's API base (`http://127.0.0.1:PORT/api`).
    pub base_url: String,
    /// Protocol version to certify.
    pub version: ApiVersion,
    /// The participant's code in the sandbox.
    pub participant_code: String,
    /// The role to certify (the participant's registered role there).
    pub role: Role,
    /// Its sandbox credentials.
    pub credentials: Credentials,
    /// How long to wait for each callback.
    pub step_timeout: Duration,
}

impl SuiteConfig {
    /// v0.8 and a 30 s wait per callback.
    pub fn new(
        base_url: impl Into<String>,
        participant_code: impl Into<String>,
        role: Role,
        credentials: Credentials,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            version: ApiVersion::default(),
            participant_code: participant_code.into(),
            role,
            credentials,
            step_timeout: Duration::from_secs(30),
        }
    }
}

/// An embedded bridge receiving the participant's callbacks during certification. Register
/// [`CallbackReceiver::endpoint_url`] as the participant's `endpoint_url` in the sandbox.
pub struct CallbackReceiver {
    bridge: BridgeHandle,
    mailbox: MailboxClient,
    participant_code: String,
}

impl std::fmt::Debug for CallbackReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackReceiver").field("base_url", &self.bridge.base_url()).finish()
    }
}

impl CallbackReceiver {
    /// Starts a bridge on 127.0.0.1 with its store in `data_dir`, serving `participant_code`
    /// and accepting only dispatches the sandbox signed as its HCX (code and certificate from
    /// [`describe_sandbox`]).
    pub async fn start(
        data_dir: &Path,
        participant_code: &str,
        sandbox: &SandboxDescriptor,
    ) -> Result<Self> {
        let bridge = Bridge::start(BridgeConfig::new(data_dir)).await?;
        let token = hcx_bridge::generate_token()?;
        let gateway = GatewayTrust::new(&sandbox.hcx_code, &sandbox.hcx_cert_pem);
        bridge.add_participant(participant_code, token.expose(), Some(gateway))?;
        let mailbox = MailboxClient::new(bridge.base_url(), participant_code, token)?;
        Ok(Self { bridge, mailbox, participant_code: participant_code.to_string() })
    }

    /// The `endpoint_url` to register.
    pub fn endpoint_url(&self) -> String {
        self.bridge.endpoint_url(&self.participant_code)
    }

    /// The mailbox to run the suite with.
    pub fn mailbox(&self) -> &MailboxClient {
        &self.mailbox
    }

    /// Stops the bridge.
    pub async fn shutdown(self) -> Result<()> {
        Ok(self.bridge.shutdown().await?)
    }
}

/// A finished run.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteReport {
    /// The participant.
    pub participant_code: String,
    /// Role certified.
    pub role: Role,
    /// Protocol version used.
    pub protocol_version: ApiVersion,
    /// The sandbox run against.
    pub sandbox: SandboxDescriptor,
    /// Every scenario, in run order.
    pub scenarios: Vec<ScenarioResult>,
    /// Callbacks the suite drained and acknowledged but no scenario claimed: late duplicates of
    /// its own, or the desk's own traffic that arrived while the endpoint pointed at the suite.
    /// The caller must keep the latter (they were acknowledged to the gateway).
    #[serde(skip)]
    pub unclaimed: Vec<Received>,
}

impl SuiteReport {
    /// True when every scenario passed.
    pub fn passed(&self) -> bool {
        !self.scenarios.is_empty() && self.scenarios.iter().all(ScenarioResult::passed)
    }

    /// The scenarios that failed.
    pub fn failures(&self) -> Vec<&ScenarioResult> {
        self.scenarios.iter().filter(|s| !s.passed()).collect()
    }
}

/// What the sandbox at `base_url` offers (demo participants, its HCX certificate).
pub async fn describe_sandbox(base_url: &str, version: ApiVersion) -> Result<SandboxDescriptor> {
    OperatorClient::new(base_url, version)?.sandbox().await
}

/// Runs every scenario of `cfg.role`'s suite. Scenario failures are in the report; `Err` means
/// the suite could not run at all (sandbox unreachable, login refused, role without a suite).
pub async fn run_suite(
    cfg: &SuiteConfig,
    key: &PrivateKey,
    mailbox: &MailboxClient,
) -> Result<SuiteReport> {
    let suite = Suite::for_role(cfg.role)
        .ok_or_else(|| OnboardError::RoleNotCertifiable(cfg.role.to_string()))?;
    let operator = OperatorClient::new(&cfg.base_url, cfg.version)?;
    let sandbox = operator.sandbox().await?;
    let mut gw = GatewayConfig::new(
        cfg.base_url.clone(),
        cfg.participant_code.clone(),
        cfg.credentials.clone(),
    );
    gw.version = cfg.version;
    gw.roles = vec![cfg.role];
    let client = HcxClient::new(gw)?;
    let own = client.fetch_own_record().await?;
    if !own.active {
        return Err(OnboardError::Setup(format!(
            "{} is not Active in the sandbox; only Active participants can exchange messages",
            cfg.participant_code
        )));
    }
    let mut runner = Runner {
        cfg,
        client,
        key,
        inbox: Inbox::new(mailbox),
        sandbox: sandbox.clone(),
        operator,
        signer: SigningKey::from_private_key(key, None)?,
    };
    let scenarios = match suite {
        Suite::Provider => runner.run_provider(false).await,
        Suite::Intermediary => runner.run_provider(true).await,
        Suite::Payer => runner.run_payer().await,
    };
    let unclaimed = runner.inbox.into_unclaimed();
    Ok(SuiteReport {
        participant_code: cfg.participant_code.clone(),
        role: cfg.role,
        protocol_version: cfg.version,
        sandbox,
        scenarios,
        unclaimed,
    })
}

/// Turns a passing run into a certificate: the sandbox checks and countersigns the results
/// (attestation), then the participant signs the certificate with `key`, announcing
/// `cert_pem` (its registered certificate).
pub async fn request_certificate(
    cfg: &SuiteConfig,
    report: &SuiteReport,
    key: &PrivateKey,
    cert_pem: &str,
) -> Result<SandboxCertificate> {
    if !report.passed() {
        let names: Vec<&str> = report.failures().iter().map(|s| s.name.as_str()).collect();
        return Err(OnboardError::Setup(format!(
            "the suite did not pass ({}); fix these and run it again",
            names.join(", ")
        )));
    }
    let signer = SigningKey::from_private_key(key, Some(cert_pem))?;
    let now = Utc::now();
    let request = sign_attest_request(
        &signer,
        &report.participant_code,
        report.role,
        report.protocol_version,
        &report.sandbox.hcx_code,
        report.scenarios.clone(),
        now,
    )?;
    let attestation = OperatorClient::new(&cfg.base_url, cfg.version)?.attest(&request).await?;
    Ok(issue_certificate(&signer, &attestation, report.scenarios.clone(), now)?)
}

/// The run's shared state.
struct Runner<'a> {
    cfg: &'a SuiteConfig,
    client: HcxClient,
    key: &'a PrivateKey,
    inbox: Inbox<'a>,
    sandbox: SandboxDescriptor,
    operator: OperatorClient,
    signer: SigningKey,
}

/// One scenario being recorded.
struct Scn {
    name: &'static str,
    steps: Vec<StepRecord>,
}

impl Scn {
    fn new(name: &'static str) -> Self {
        Self { name, steps: Vec::new() }
    }

    fn sent(&mut self, action: Action, h: &Headers, result: String, accepted: bool) {
        self.steps.push(StepRecord {
            action: action.path().to_string(),
            direction: Direction::Sent,
            api_call_id: h.api_call_id().unwrap_or_default().to_string(),
            correlation_id: h.correlation_id().unwrap_or_default().to_string(),
            workflow_id: h.workflow_id().map(str::to_string),
            result,
            accepted,
        });
    }

    fn received(&mut self, r: &Received) {
        let h = &r.headers;
        let result = h
            .error_details()
            .and_then(std::result::Result::ok)
            .map(|d| d.code)
            .or_else(|| h.get_str(hcx_protocol::names::STATUS).map(str::to_string))
            .unwrap_or_else(|| "received".into());
        self.steps.push(StepRecord {
            action: r.path.clone(),
            direction: Direction::Received,
            api_call_id: h.api_call_id().unwrap_or_default().to_string(),
            correlation_id: h.correlation_id().unwrap_or_default().to_string(),
            workflow_id: h.workflow_id().map(str::to_string),
            result,
            accepted: true,
        });
    }

    fn finish(self, r: std::result::Result<String, String>) -> ScenarioResult {
        let (outcome, detail) = match r {
            Ok(d) => (Outcome::Passed, d),
            Err(d) => (Outcome::Failed, d),
        };
        if outcome == Outcome::Failed {
            tracing::warn!(scenario = self.name, %detail, "certification scenario failed");
        }
        ScenarioResult { name: self.name.to_string(), outcome, detail, steps: self.steps }
    }
}

type Step<T> = std::result::Result<T, String>;

fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn new_id() -> String {
    hcx_protocol::headers::new_id()
}

impl Runner<'_> {
    fn me(&self) -> &str {
        &self.cfg.participant_code
    }

    fn headers(&self, to: &str, correlation: &str, workflow: Option<&str>) -> Headers {
        Headers::action(self.me(), to, correlation, workflow, Dialect::Swasth)
    }

    /// Seals and sends; the gateway must accept.
    async fn send(&self, s: &mut Scn, action: Action, h: Headers, payload: &Value) -> Step<()> {
        let out = self.client.send(action, h.clone(), payload.to_string().as_bytes()).await;
        self.record(s, action, &h, out)
    }

    /// Sends a plain-JSON protocol response; the gateway must accept.
    async fn send_plain(&self, s: &mut Scn, action: Action, h: Headers) -> Step<()> {
        let out = self.client.send_plain(action, h.clone()).await;
        self.record(s, action, &h, out)
    }

    fn record(
        &self,
        s: &mut Scn,
        action: Action,
        h: &Headers,
        out: std::result::Result<SendOutcome, ClientError>,
    ) -> Step<()> {
        match out {
            Ok(_) => {
                s.sent(action, h, "202".into(), true);
                Ok(())
            }
            Err(e) => {
                let code = e.error_code().map(|c| c.as_str().to_string());
                s.sent(action, h, code.clone().unwrap_or_else(|| "refused".into()), false);
                Err(format!("the sandbox refused {}: {e}", action.path()))
            }
        }
    }

    /// Seals `payload` to `key` (any key, for the error scenarios), sends the body as is, and
    /// expects the gateway to refuse it with `expected`.
    async fn send_expect_refusal(
        &self,
        s: &mut Scn,
        action: Action,
        h: &Headers,
        key: &hcx_protocol::RecipientKey,
        payload: &Value,
        expected: ErrorCode,
    ) -> Step<String> {
        let compact = hcx_protocol::seal(h, payload.to_string().as_bytes(), key).map_err(text)?;
        let body = hcx_protocol::payload_body(&compact);
        match self.client.send_raw(action, body.as_bytes()).await {
            Ok(_) => {
                s.sent(action, h, "202".into(), true);
                Err(format!("the sandbox accepted it; it should answer {expected}"))
            }
            Err(e) => {
                let code = e.error_code().cloned();
                s.sent(
                    action,
                    h,
                    code.as_ref().map(|c| c.as_str().to_string()).unwrap_or_else(|| e.to_string()),
                    false,
                );
                if code.as_ref() == Some(&expected) {
                    Ok(format!("refused with {expected}: {}", e.clerk_message()))
                } else {
                    Err(format!("expected {expected}, got: {e}"))
                }
            }
        }
    }

    /// Seals to `key` and sends; the gateway must accept (the recipient will fail to open it).
    async fn send_sealed_to(
        &self,
        s: &mut Scn,
        action: Action,
        h: &Headers,
        key: &hcx_protocol::RecipientKey,
        payload: &Value,
    ) -> Step<()> {
        let compact = hcx_protocol::seal(h, payload.to_string().as_bytes(), key).map_err(text)?;
        let body = hcx_protocol::payload_body(&compact);
        let out = self.client.send_raw(action, body.as_bytes()).await;
        self.record(s, action, h, out)
    }

    async fn wait(
        &mut self,
        s: &mut Scn,
        what: &str,
        pred: impl Fn(&Received) -> bool,
    ) -> Step<Received> {
        let r = self.inbox.wait_for(what, self.cfg.step_timeout, pred).await?;
        s.received(&r);
        Ok(r)
    }

    /// Our own public key: a valid key nobody but us can use, for messages the gateway must
    /// refuse before any recipient sees them.
    /// The unknown- and inactive-recipient scenarios: the gateway refuses both before any
    /// delivery, whichever role sends.
    async fn recipient_errors(
        &self,
        action: Action,
        payload: &crate::Result<Value>,
    ) -> Vec<ScenarioResult> {
        let unknown = format!("cert-unknown-{}@nowhere", samples::short_id());
        let inactive = self.sandbox.inactive_participant.clone();
        let mut out = Vec::new();
        for (name, to) in [(UNKNOWN_PARTICIPANT, unknown), (INACTIVE_PARTICIPANT, inactive)] {
            let mut s = Scn::new(name);
            let r = match (payload, self.own_public_key()) {
                (Ok(body), Ok(key)) => {
                    let h = self.headers(&to, &new_id(), None);
                    self.send_expect_refusal(
                        &mut s,
                        action,
                        &h,
                        &key,
                        body,
                        ErrorCode::ErrInvalidRecipient,
                    )
                    .await
                }
                (Err(e), _) => Err(e.to_string()),
                (_, Err(e)) => Err(e),
            };
            out.push(s.finish(r));
        }
        out
    }

    /// A request to `to` without `x-hcx-timestamp`: refused as a missing mandatory header.
    async fn missing_header(
        &self,
        s: &mut Scn,
        to: &str,
        action: Action,
        payload: &crate::Result<Value>,
    ) -> Step<String> {
        let body = payload.as_ref().map_err(|e| e.to_string())?;
        let key = self.client.recipient_key(to).await.map_err(text)?;
        let mut h = self.headers(to, &new_id(), None);
        h.remove(hcx_protocol::names::TIMESTAMP);
        self.send_expect_refusal(
            s,
            action,
            &h,
            &key,
            body,
            ErrorCode::ErrMandatoryHeaderfieldMissing,
        )
        .await
    }

    fn own_public_key(&self) -> Step<hcx_protocol::RecipientKey> {
        self.key.public_key().map_err(text)
    }
}

/// Error codes a payer may use for a payload of the wrong domain (wire facts §3.4).
const PAYLOAD_CODES: [ErrorCode; 3] = [
    ErrorCode::ErrWrongDomainPayload,
    ErrorCode::ErrInvalidPayload,
    ErrorCode::ErrInvalidDomainPayload,
];

/// Checks a plain-JSON error callback carries one of `codes`.
fn expect_error(r: &Received, codes: &[ErrorCode]) -> Step<String> {
    let details = r
        .headers
        .error_details()
        .and_then(std::result::Result::ok)
        .ok_or_else(|| format!("{} carried no error details", r.path))?;
    let code = ErrorCode::parse(&details.code);
    if codes.contains(&code) {
        Ok(format!("answered {}: {}", details.code, details.message))
    } else {
        Err(format!("expected {:?}, got {}: {}", codes, details.code, details.message))
    }
}

/// Checks the callback's status.
fn expect_status(h: &Headers, want: hcx_protocol::Status) -> Step<()> {
    match h.status() {
        Some(Ok(s)) if s == want => Ok(()),
        Some(Ok(s)) => Err(format!("expected status {want}, got {s}")),
        _ => Err(format!("expected status {want}, got none")),
    }
}
