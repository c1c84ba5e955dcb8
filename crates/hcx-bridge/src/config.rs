//! Bridge configuration: the in-process struct ([`BridgeConfig`]) and the file form read by
//! `hcx bridge serve --config FILE` (TOML or JSON, chosen by extension).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::{BridgeError, Result};
use crate::ratelimit::RateLimitConfig;
use crate::token::TokenHash;
use hcx_protocol::Dialect;

/// Default request body limit: 128 MiB.
///
/// NHCX insurance-plan bundles reach 50–100 MB decrypted (wire facts §4.2); a JWE of that is
/// ~4/3 larger in base64 minus compression, and the gateway itself sets no limit. 128 MiB admits
/// the largest reported bundles with headroom while still bounding one request's memory.
pub const DEFAULT_BODY_LIMIT: usize = 128 * 1024 * 1024;

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

/// One participant whose callbacks this bridge receives.
#[derive(Debug, Clone)]
pub struct ParticipantConfig {
    /// Registry participant code (must equal `x-hcx-recipient_code` of its callbacks).
    pub code: String,
    /// SHA-256 of the participant's mailbox token ([`crate::hash_token`]).
    pub token_hash: TokenHash,
    /// PEM certificate (or public key) of the gateway that dispatches to this participant.
    /// Required unless `insecure_skip_gateway_jwt` is on.
    pub gateway_cert_pem: Option<String>,
    /// Gateway family, which decides the shape of the 202 body (NHCX wants its own).
    pub dialect: Dialect,
}

impl ParticipantConfig {
    /// A Swasth-dialect participant with a clear mailbox token (hashed here).
    pub fn new(code: &str, mailbox_token: &str, gateway_cert_pem: Option<&str>) -> Self {
        Self {
            code: code.to_owned(),
            token_hash: TokenHash::of(mailbox_token),
            gateway_cert_pem: gateway_cert_pem.map(str::to_owned),
            dialect: Dialect::Swasth,
        }
    }
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
        cfg.insecure_skip_gateway_jwt = self.insecure_skip_gateway_jwt;
        cfg.tls =
            self.tls.map(|t| TlsConfig { cert: base_dir.join(t.cert), key: base_dir.join(t.key) });
        for p in self.participants {
            let gateway_cert_pem = match p.gateway_cert {
                Some(rel) => {
                    let path = base_dir.join(rel);
                    Some(std::fs::read_to_string(&path).map_err(|e| BridgeError::ConfigFile {
                        path: path.clone(),
                        message: format!("gateway certificate of {}: {e}", p.code),
                    })?)
                }
                None => None,
            };
            let dialect = match p.dialect.as_deref() {
                None => Dialect::Swasth,
                Some(d) => crate::wire::parse_dialect(d).ok_or_else(|| {
                    BridgeError::Config(format!("participant {}: unknown dialect {d:?}", p.code))
                })?,
            };
            cfg.participants.push(ParticipantConfig {
                token_hash: TokenHash::from_hex(&p.token_sha256)?,
                code: p.code,
                gateway_cert_pem,
                dialect,
            });
        }
        Ok(cfg)
    }
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
            format!("[[participants]]\ncode = \"p1\"\ntoken_sha256 = \"{hash}\"\ngateway_cert = \"nope.pem\"\n"),
        )
        .unwrap();
        let e = FileConfig::load(&p)
            .unwrap()
            .into_bridge_config(1, dir.path().into(), dir.path())
            .unwrap_err();
        assert!(e.to_string().contains("nope.pem"), "a missing cert file names the file: {e}");
    }
}
