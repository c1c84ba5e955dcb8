//! Sandbox configuration. Defaults reproduce the platform's settings (wire facts §4.2, §4.7);
//! tests shorten the delays.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything [`crate::Sandbox::start`] needs.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where the SQLite file and the demo identities live. Created if missing.
    pub data_dir: PathBuf,
    /// Address to listen on. Port 0 picks a free port.
    pub bind: SocketAddr,
    /// This instance's name; the HCX's own participant code is `hcx@<instance_code>` and the
    /// demo participants' codes end in `@<instance_code>` (the platform's `hcx.instanceName`).
    pub instance_code: String,
    /// How far in the past `x-hcx-timestamp` may be (`timestamp.range`, default 10000 hours).
    pub timestamp_range_hours: i64,
    /// Dispatch retry policy.
    pub retry: RetryPolicy,
    /// Lifetime of issued access tokens.
    pub token_ttl: Duration,
    /// Scripted counterparties.
    pub scripted: ScriptedConfig,
    /// Other HCX instances this one relays to and accepts relayed messages from (README
    /// "Relays between HCX instances").
    pub peers: Vec<PeerInstance>,
    /// Timeout of one delivery attempt.
    pub dispatch_timeout: Duration,
}

impl SandboxConfig {
    /// Defaults with the given data directory, listening on 127.0.0.1 on a free port.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            instance_code: "sandbox".into(),
            timestamp_range_hours: 10_000,
            retry: RetryPolicy::default(),
            token_ttl: Duration::from_secs(24 * 3600),
            scripted: ScriptedConfig::default(),
            peers: Vec::new(),
            dispatch_timeout: Duration::from_secs(30),
        }
    }

    /// Settings for fast tests: retries every 100 ms, scripted delays of 200 ms.
    pub fn for_tests(data_dir: impl Into<PathBuf>) -> Self {
        let mut c = Self::new(data_dir);
        c.retry.delay = Duration::from_millis(100);
        c.scripted.pending_delay = Duration::from_millis(200);
        c.scripted.payment_delay = Duration::from_millis(200);
        c.dispatch_timeout = Duration::from_secs(5);
        c
    }

    /// The HCX's own registry code.
    pub fn hcx_code(&self) -> String {
        format!("hcx@{}", self.instance_code)
    }
}

/// Dispatch retries (wire facts §4.7: 3 retries, 20 s apart, for check/preauth/claim only).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Delay between attempts.
    pub delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 3, delay: Duration::from_secs(20) }
    }
}

/// The scripted counterparties' behaviour.
#[derive(Debug, Clone)]
pub struct ScriptedConfig {
    /// Register and run the demo payer, TPA and provider.
    pub enabled: bool,
    /// Delay between `response.partial` and `response.complete` for `[pending]`.
    pub pending_delay: Duration,
    /// Delay between an approved claim and the payment notice.
    pub payment_delay: Duration,
    /// Optional schedule on which the demo provider sends a claim by itself.
    pub provider_schedule: Option<ProviderSchedule>,
}

impl Default for ScriptedConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            pending_delay: Duration::from_secs(5),
            payment_delay: Duration::from_secs(10),
            provider_schedule: None,
        }
    }
}

/// The demo provider sends `action` to `to` every `every`, so a payer/TPA console user has an
/// inbox to work.
#[derive(Debug, Clone)]
pub struct ProviderSchedule {
    /// Interval.
    pub every: Duration,
    /// Recipient participant code.
    pub to: String,
    /// `coverageeligibility/check`, `preauth/submit`, `claim/submit`, `predetermination/submit`.
    pub action: hcx_protocol::Action,
}

/// Another HCX instance (seed Appendix A relays). A registry record whose `relay_via` names a
/// peer is hosted there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInstance {
    /// The peer's HCX participant code (`hcx@<its instance code>`).
    pub code: String,
    /// The peer's API base, e.g. `https://hcx2.example.org/api`.
    pub base_url: String,
    /// The certificate (PEM) of the key the peer signs its relay tokens with: its HCX identity's
    /// certificate (`<data>/identities/hcx/cert.pem` of a sandbox).
    pub cert_pem: String,
}

impl PeerInstance {
    /// Parses the CLI form `CODE=URL,CERT`: CODE is the peer's instance code (its HCX code is
    /// `hcx@CODE`; a code that already holds an `@` is taken as the HCX code), URL its API base,
    /// CERT the path of its HCX certificate (PEM), read now.
    pub fn parse_cli(spec: &str) -> crate::Result<Self> {
        let bad = |m: &str| crate::SandboxError::Invalid(format!("--peer {spec}: {m}"));
        let (code, rest) = spec.split_once('=').ok_or_else(|| bad("expected CODE=URL,CERT"))?;
        let (url, cert) = rest.rsplit_once(',').ok_or_else(|| bad("expected CODE=URL,CERT"))?;
        let (code, url, cert) = (code.trim(), url.trim(), cert.trim());
        if code.is_empty() || url.is_empty() || cert.is_empty() {
            return Err(bad("CODE, URL and CERT must all be given"));
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(bad("URL must be http(s)"));
        }
        let path = std::path::PathBuf::from(cert);
        let cert_pem = std::fs::read_to_string(&path)
            .map_err(|source| crate::SandboxError::File { path, source })?;
        let code = if code.contains('@') { code.to_string() } else { format!("hcx@{code}") };
        Ok(Self { code, base_url: url.trim_end_matches('/').to_string(), cert_pem })
    }
}
