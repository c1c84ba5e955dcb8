//! Bridge configuration: the in-process struct ([`BridgeConfig`]) and the file form read by
//! `hcx bridge serve --config FILE` (TOML or JSON, chosen by extension).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;

use crate::error::{BridgeError, Result};
use crate::gateway_jwt::{DEFAULT_MAX_LIFETIME, GatewayPolicy};
use crate::ratelimit::RateLimitConfig;
use crate::token::TokenHash;
use hcx_protocol::Dialect;

/// Default request body limit: 128 MiB.
///
/// NHCX insurance-plan bundles reach 50–100 MB decrypted (wire facts §4.2); a JWE of that is
/// ~4/3 larger in base64 minus compression, and the gateway itself sets no limit. 128 MiB admits
/// the largest reported bundles with headroom while still bounding one request's memory.
pub const DEFAULT_BODY_LIMIT: usize = 128 * 1024 * 1024;

/// How long a client may take to send a callback body before it gets 408.
///
/// 128 MiB at a modest 10 Mbit/s takes about 110 s; a gateway in the same region sends far
/// faster. Two minutes admits the largest bodies and still frees a stalled connection.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Callback requests handled at once before new ones get 503 with `Retry-After`.
///
/// Each may buffer up to the body limit, so this bounds the memory an attacker or a storm can
/// pin; far above what one gateway dispatches concurrently to one bridge.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;

/// Per-participant ceiling on what waits unacknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxQuota {
    /// Unacked envelopes a mailbox may hold.
    pub max_envelopes: u64,
    /// Unacked body bytes a mailbox may hold. A mailbox that is empty always takes one
    /// envelope (bounded by the body limit), so a large callback cannot be refused forever.
    pub max_bytes: u64,
}

impl Default for MailboxQuota {
    /// 20,000 envelopes or 2 GiB: weeks of a busy clinic's callbacks with the console
    /// offline, while a flood into one mailbox cannot fill the disk.
    fn default() -> Self {
        Self { max_envelopes: 20_000, max_bytes: 2 * 1024 * 1024 * 1024 }
    }
}

/// Everything the bridge needs to run.
#[derive(Debug, Clone)]
pub struct BridgeConfig {
    /// Address to listen on. Port 0 picks a free port ([`crate::BridgeHandle::base_url`] tells
    /// which).
    pub bind: SocketAddr,
    /// Directory holding `bridge.sqlite3` (created if missing).
    pub data_dir: PathBuf,
    /// The externally reachable base URL (e.g. `https://bridge.example`), when a proxy or NAT
    /// sits in front. Used only to compute participant endpoint URLs.
    pub public_url: Option<String>,
    /// Largest accepted callback body in bytes; larger gets 413.
    pub body_limit: usize,
    /// Per-source-IP token bucket; `None` disables rate limiting.
    pub rate_limit: Option<RateLimitConfig>,
    /// Upper bound on a long-poll `wait` (clients asking for more get this).
    pub max_wait: Duration,
    /// A mailbox page stops adding envelopes once bodies exceed this many bytes (at least one
    /// envelope is always returned).
    pub page_max_bytes: usize,
    /// How long an acknowledged envelope keeps its body before purge.
    pub ack_retention: Duration,
    /// How long the (body-less) row of an acknowledged envelope is kept so a late redelivery
    /// of the same api_call_id is still recognised as a duplicate.
    pub dedupe_window: Duration,
    /// How often the purge runs.
    pub purge_interval: Duration,
    /// Longest time to receive a callback body; slower gets 408 (the gateway retries).
    pub body_read_timeout: Duration,
    /// Callback requests handled at once; more get 503 with `Retry-After` (0: no limit).
    pub max_in_flight: usize,
    /// What each mailbox may hold unacked; over it the gateway gets 429 with `Retry-After`.
    pub quota: MailboxQuota,
    /// DEVELOPMENT ONLY: accept callbacks without verifying the gateway's JWT. A warning is
    /// logged on every request while this is on.
    pub insecure_skip_gateway_jwt: bool,
    /// Serve HTTPS with these PEM files.
    pub tls: Option<TlsConfig>,
    /// Participants served from the start (more can be added at runtime).
    pub participants: Vec<ParticipantConfig>,
}

impl BridgeConfig {
    /// Defaults for an embedded bridge on 127.0.0.1 with a random port.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            data_dir: data_dir.into(),
            public_url: None,
            body_limit: DEFAULT_BODY_LIMIT,
            rate_limit: Some(RateLimitConfig::default()),
            // The gateway/NHCX need an answer within 30 s; console polls are ours, but proxies
            // commonly cut idle requests at 60 s, so stay below that.
            max_wait: Duration::from_secs(50),
            page_max_bytes: 16 * 1024 * 1024,
            ack_retention: Duration::from_secs(24 * 3600),
            // The gateway rejects a reused api_call_id for 90 days (`expiry.api-call-id-expiry`).
            dedupe_window: Duration::from_secs(90 * 24 * 3600),
            purge_interval: Duration::from_secs(600),
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            quota: MailboxQuota::default(),
            insecure_skip_gateway_jwt: false,
            tls: None,
            participants: Vec::new(),
        }
    }
}

/// HTTPS certificate chain and key (PEM files).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TlsConfig {
    /// Certificate chain, leaf first.
    pub cert: PathBuf,
    /// Private key (never logged; read once at start).
    pub key: PathBuf,
}

/// Whose dispatches a participant accepts: the HCX's registry code (required as the token's
/// `iss` and `sub`) and its PEM certificate or public key (which must verify the signature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayTrust {
    /// The HCX's registry code.
    pub hcx_code: String,
    /// PEM certificate (or public key) of that HCX.
    pub cert_pem: String,
}

impl GatewayTrust {
    /// Trust `hcx_code`'s tokens signed by the key of `cert_pem`.
    pub fn new(hcx_code: &str, cert_pem: &str) -> Self {
        Self { hcx_code: hcx_code.to_owned(), cert_pem: cert_pem.to_owned() }
    }
}

/// One participant whose callbacks this bridge receives.
#[derive(Debug, Clone)]
pub struct ParticipantConfig {
    /// Registry participant code (must equal `x-hcx-recipient_code` of its callbacks).
    pub code: String,
    /// SHA-256 of the participant's mailbox token ([`crate::hash_token`]).
    pub token_hash: TokenHash,
    /// The gateway that dispatches to this participant. Required unless
    /// `insecure_skip_gateway_jwt` is on.
    pub gateway: Option<GatewayTrust>,
    /// Longest accepted `exp - iat` of the gateway's token (default 300 s). The Swasth
    /// dispatcher mints 24 h tokens (wire facts §4.7), so a bridge in front of it needs 86400.
    pub max_token_lifetime: Duration,
    /// Longest accepted `now - iat`; `None` for no limit beyond `exp`.
    pub max_token_age: Option<Duration>,
    /// Source addresses allowed to post callbacks (CIDRs); empty allows any.
    pub allow_from: Vec<IpNet>,
    /// Gateway family, which decides the shape of the 202 body (NHCX wants its own).
    pub dialect: Dialect,
}

impl ParticipantConfig {
    /// A Swasth-dialect participant with a clear mailbox token (hashed here) and the default
    /// token limits.
    pub fn new(code: &str, mailbox_token: &str, gateway: Option<GatewayTrust>) -> Self {
        Self {
            code: code.to_owned(),
            token_hash: TokenHash::of(mailbox_token),
            gateway,
            max_token_lifetime: DEFAULT_MAX_LIFETIME,
            max_token_age: None,
            allow_from: Vec::new(),
            dialect: Dialect::Swasth,
        }
    }

    /// The token rules for this participant's gateway (`None` without a gateway).
    pub fn policy(&self) -> Option<GatewayPolicy> {
        let gw = self.gateway.as_ref()?;
        let mut p = GatewayPolicy::for_hcx(&gw.hcx_code);
        p.max_lifetime = self.max_token_lifetime;
        p.max_age = self.max_token_age;
        Some(p)
    }

    /// Whether `ip` may post callbacks for this participant.
    pub fn allows(&self, ip: IpAddr) -> bool {
        allowed(&self.allow_from, ip)
    }
}

/// An empty list allows any address. IPv4-mapped IPv6 peers (dual-stack listeners) are
/// compared as IPv4.
pub(crate) fn allowed(list: &[IpNet], ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    list.is_empty() || list.iter().any(|net| net.contains(&ip))
}

/// The config file, as written by an operator.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Listen address; default `0.0.0.0` (a relay must be reachable by the gateway).
    #[serde(default)]
    pub bind_address: Option<IpAddr>,
    /// See [`BridgeConfig::public_url`].
    #[serde(default)]
    pub public_url: Option<String>,
    /// Body limit in MiB (default 128).
    #[serde(default)]
    pub body_limit_mib: Option<usize>,
    /// Requests per second per IP; `0` disables rate limiting (default 200).
    #[serde(default)]
    pub rate_limit_per_second: Option<f64>,
    /// Burst size per IP (default 1000).
    #[serde(default)]
    pub rate_limit_burst: Option<f64>,
    /// Long-poll cap in seconds (default 50).
    #[serde(default)]
    pub max_wait_secs: Option<u64>,
    /// Body retention after ack, hours (default 24).
    #[serde(default)]
    pub ack_retention_hours: Option<u64>,
    /// Dedupe window, days (default 90).
    #[serde(default)]
    pub dedupe_window_days: Option<u64>,
    /// Seconds to receive a callback body (default 120).
    #[serde(default)]
    pub body_read_timeout_secs: Option<u64>,
    /// Callback requests at once before 503 (default 256; 0 = no limit).
    #[serde(default)]
    pub max_in_flight: Option<usize>,
    /// Unacked envelopes per mailbox before 429 (default 20000).
    #[serde(default)]
    pub max_unacked_envelopes: Option<u64>,
    /// Unacked MiB per mailbox before 429 (default 2048).
    #[serde(default)]
    pub max_unacked_mib: Option<u64>,
    /// DEVELOPMENT ONLY (see [`BridgeConfig::insecure_skip_gateway_jwt`]).
    #[serde(default)]
    pub insecure_skip_gateway_jwt: bool,
    /// HTTPS; paths relative to the config file.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// Served participants.
    #[serde(default)]
    pub participants: Vec<FileParticipant>,
}

/// A participant entry in the config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileParticipant {
    /// Registry participant code.
    pub code: String,
    /// Hex SHA-256 of the mailbox token (`hcx-bridge-server hash-token` prints it).
    pub token_sha256: String,
    /// Path of the gateway's PEM certificate, relative to the config file.
    #[serde(default)]
    pub gateway_cert: Option<PathBuf>,
    /// The HCX's registry code, required as the token's `iss` and `sub` (with `gateway_cert`).
    #[serde(default)]
    pub hcx_code: Option<String>,
    /// Longest accepted `exp - iat` in seconds (default 300; the Swasth platform needs 86400).
    #[serde(default)]
    pub max_token_lifetime_secs: Option<u64>,
    /// Longest accepted `now - iat` in seconds (default: no limit beyond `exp`).
    #[serde(default)]
    pub max_token_age_secs: Option<u64>,
    /// Source CIDRs allowed to post callbacks, e.g. the HCX's published egress addresses.
    #[serde(default)]
    pub allow_from: Vec<String>,
    /// `swasth` (default) or `nhcx`.
    #[serde(default)]
    pub dialect: Option<String>,
}

impl FileConfig {
    /// Read a `.toml` or `.json` file.
    pub fn load(path: &Path) -> Result<Self> {
        let err = |message: String| BridgeError::ConfigFile { path: path.to_owned(), message };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let is_json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if is_json {
            serde_json::from_str(&text).map_err(|e| err(e.to_string()))
        } else {
            toml::from_str(&text).map_err(|e| err(e.to_string()))
        }
    }

    /// Turn the file form into a [`BridgeConfig`], reading certificate files relative to
    /// `base_dir` (the config file's directory).
    pub fn into_bridge_config(
        self,
        port: u16,
        data_dir: PathBuf,
        base_dir: &Path,
    ) -> Result<BridgeConfig> {
        let mut cfg = BridgeConfig::new(data_dir);
        cfg.bind =
            SocketAddr::new(self.bind_address.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)), port);
        cfg.public_url = self.public_url;
        if let Some(mib) = self.body_limit_mib {
            cfg.body_limit = mib
                .checked_mul(1024 * 1024)
                .ok_or_else(|| BridgeError::Config("body_limit_mib is too large".to_owned()))?;
        }
        let defaults = RateLimitConfig::default();
        let per_second = self.rate_limit_per_second.unwrap_or(defaults.per_second);
        cfg.rate_limit = if per_second > 0.0 {
            Some(RateLimitConfig {
                per_second,
                burst: self.rate_limit_burst.unwrap_or(defaults.burst).max(1.0),
            })
        } else {
            None
        };
        if let Some(s) = self.max_wait_secs {
            cfg.max_wait = Duration::from_secs(s);
        }
        if let Some(h) = self.ack_retention_hours {
            cfg.ack_retention = Duration::from_secs(h.saturating_mul(3600));
        }
        if let Some(d) = self.dedupe_window_days {
            cfg.dedupe_window = Duration::from_secs(d.saturating_mul(86_400));
        }
        if let Some(s) = self.body_read_timeout_secs {
            cfg.body_read_timeout = Duration::from_secs(s);
        }
        if let Some(n) = self.max_in_flight {
            cfg.max_in_flight = n;
        }
        if let Some(n) = self.max_unacked_envelopes {
            cfg.quota.max_envelopes = n;
        }
        if let Some(mib) = self.max_unacked_mib {
            cfg.quota.max_bytes = mib
                .checked_mul(1024 * 1024)
                .ok_or_else(|| BridgeError::Config("max_unacked_mib is too large".to_owned()))?;
        }
        cfg.insecure_skip_gateway_jwt = self.insecure_skip_gateway_jwt;
        cfg.tls =
            self.tls.map(|t| TlsConfig { cert: base_dir.join(t.cert), key: base_dir.join(t.key) });
        for p in self.participants {
            let config_err =
                |m: String| BridgeError::Config(format!("participant {}: {m}", p.code));
            let gateway = match (p.gateway_cert, p.hcx_code) {
                (Some(rel), Some(hcx_code)) => {
                    let path = base_dir.join(rel);
                    let pem =
                        std::fs::read_to_string(&path).map_err(|e| BridgeError::ConfigFile {
                            path: path.clone(),
                            message: format!("gateway certificate of {}: {e}", p.code),
                        })?;
                    Some(GatewayTrust { hcx_code, cert_pem: pem })
                }
                (None, None) => None,
                (Some(_), None) => {
                    return Err(config_err(
                        "gateway_cert needs hcx_code, the HCX code its tokens must carry as \
                         issuer and subject"
                            .to_owned(),
                    ));
                }
                (None, Some(_)) => {
                    return Err(config_err("hcx_code needs gateway_cert".to_owned()));
                }
            };
            let dialect = match p.dialect.as_deref() {
                None => Dialect::Swasth,
                Some(d) => crate::wire::parse_dialect(d)
                    .ok_or_else(|| config_err(format!("unknown dialect {d:?}")))?,
            };
            let allow_from = p
                .allow_from
                .iter()
                .map(|c| {
                    parse_cidr(c).ok_or_else(|| {
                        config_err(format!("allow_from: {c:?} is not a CIDR or address"))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            cfg.participants.push(ParticipantConfig {
                token_hash: TokenHash::from_hex(&p.token_sha256)?,
                gateway,
                max_token_lifetime: p
                    .max_token_lifetime_secs
                    .map_or(DEFAULT_MAX_LIFETIME, Duration::from_secs),
                max_token_age: p.max_token_age_secs.map(Duration::from_secs),
                allow_from,
                dialect,
                code: p.code,
            });
        }
        Ok(cfg)
    }
}

/// `10.0.0.0/8`, or a bare address meaning just that host.
fn parse_cidr(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>().ok().or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_json_forms_load_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let hash = crate::hash_token("t");
        let toml_path = dir.path().join("bridge.toml");
        std::fs::write(
            &toml_path,
            format!(
                "rate_limit_per_second = 0\nbody_limit_mib = 4\n\n[[participants]]\ncode = \"p1\"\ntoken_sha256 = \"{hash}\"\n"
            ),
        )
        .unwrap();
        let json_path = dir.path().join("bridge.json");
        std::fs::write(
            &json_path,
            format!(r#"{{"rate_limit_per_second":0,"body_limit_mib":4,"participants":[{{"code":"p1","token_sha256":"{hash}"}}]}}"#),
        )
        .unwrap();
        for path in [toml_path, json_path] {
            let cfg = FileConfig::load(&path)
                .unwrap()
                .into_bridge_config(8080, dir.path().join("data"), dir.path())
                .unwrap();
            assert_eq!(cfg.body_limit, 4 * 1024 * 1024, "MiB are converted to bytes");
            assert!(cfg.rate_limit.is_none(), "0 per second disables the limiter");
            assert_eq!(cfg.bind.port(), 8080, "the CLI port is used");
            assert_eq!(cfg.participants.len(), 1, "participants are read");
            assert!(cfg.participants[0].token_hash.matches("t"), "token hash is parsed");
        }
    }

    #[test]
    fn unknown_keys_and_missing_certs_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.toml");
        std::fs::write(&p, "colour = \"blue\"\n").unwrap();
        let e = FileConfig::load(&p).unwrap_err();
        assert!(e.to_string().contains("colour"), "a typo in a key is reported, not ignored: {e}");

        let hash = crate::hash_token("t");
        std::fs::write(
            &p,
            format!("[[participants]]\ncode = \"p1\"\ntoken_sha256 = \"{hash}\"\nhcx_code = \"hcx\"\ngateway_cert = \"nope.pem\"\n"),
        )
        .unwrap();
        let e = FileConfig::load(&p)
            .unwrap()
            .into_bridge_config(1, dir.path().into(), dir.path())
            .unwrap_err();
        assert!(e.to_string().contains("nope.pem"), "a missing cert file names the file: {e}");
    }

    #[test]
    fn participant_trust_keys_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("gw.pem"), "PEM").unwrap();
        let hash = crate::hash_token("t");
        let p = dir.path().join("b.toml");
        let load = |text: String| {
            std::fs::write(&p, text).unwrap();
            FileConfig::load(&p).unwrap().into_bridge_config(1, dir.path().into(), dir.path())
        };
        let head = format!("[[participants]]\ncode = \"p1\"\ntoken_sha256 = \"{hash}\"\n");
        let cfg = load(format!(
            "{head}hcx_code = \"hcx@x\"\ngateway_cert = \"gw.pem\"\nmax_token_lifetime_secs = 86400\n\
             max_token_age_secs = 600\nallow_from = [\"203.0.113.0/24\", \"198.51.100.7\"]\n"
        ))
        .unwrap();
        let pc = &cfg.participants[0];
        assert_eq!(pc.gateway, Some(GatewayTrust::new("hcx@x", "PEM")), "code and cert are read");
        assert_eq!(pc.max_token_lifetime, Duration::from_secs(86_400), "lifetime limit is read");
        assert_eq!(pc.max_token_age, Some(Duration::from_secs(600)), "age limit is read");
        assert!(pc.allows("203.0.113.9".parse().unwrap()), "inside the CIDR");
        assert!(pc.allows("198.51.100.7".parse().unwrap()), "a bare address is a /32");
        assert!(pc.allows("::ffff:198.51.100.7".parse().unwrap()), "IPv4-mapped IPv6 counts");
        assert!(!pc.allows("198.51.100.8".parse().unwrap()), "outside every entry");

        let e = load(format!("{head}gateway_cert = \"gw.pem\"\n")).unwrap_err();
        assert!(e.to_string().contains("hcx_code"), "a cert without the HCX code is refused: {e}");
        let e = load(format!("{head}allow_from = [\"not-an-ip\"]\n")).unwrap_err();
        assert!(e.to_string().contains("not-an-ip"), "a bad CIDR is named: {e}");
        let cfg = load(format!("max_unacked_envelopes = 5\nmax_unacked_mib = 1\n{head}")).unwrap();
        assert_eq!(
            cfg.quota,
            MailboxQuota { max_envelopes: 5, max_bytes: 1024 * 1024 },
            "quota keys are read"
        );
        assert_eq!(cfg.participants[0].max_token_lifetime, DEFAULT_MAX_LIFETIME, "default 300 s");
    }
}
