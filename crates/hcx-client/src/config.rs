//! Where the gateway is and who we are: [`GatewayConfig`] and its parts.
//!
//! Secrets arrive already wrapped in [`Secret`]; nothing here prints or stores them.

use std::time::Duration;

use hcx_protocol::{ApiVersion, Dialect, Role};

use crate::backoff::RetryPolicy;
use hcx_protocol::Secret;

/// How the console proves who it is to a Swasth-style gateway (wire facts §2.1).
#[derive(Debug, Clone)]
pub enum Credentials {
    /// v0.7/v0.8 style: the participant's primary email and its Keycloak password.
    Password {
        /// The participant's `primary_email`.
        username: String,
        /// The Keycloak password.
        password: Secret,
    },
    /// v0.9 per-user API access: participant code, user id/email and the emailed secret.
    ApiSecret {
        /// Code of the participant the user is linked to.
        participant_code: String,
        /// User id or email.
        username: String,
        /// The secret emailed when the user was linked.
        secret: Secret,
    },
}

/// NHA NHCX session credentials (wire facts §10): JSON `client_credentials` to the ABDM
/// gateway's sessions URL.
#[derive(Debug, Clone)]
pub struct NhcxAuth {
    /// e.g. `https://dev.abdm.gov.in/api/hiecm/gateway/v3/sessions` (sandbox).
    pub session_url: String,
    /// ABDM client id.
    pub client_id: String,
    /// ABDM client secret.
    pub client_secret: Secret,
    /// `X-CM-ID` header: `sbx` in the sandbox, `abdm` in production.
    pub cm_id: String,
}

impl NhcxAuth {
    /// Sandbox defaults for everything but the credentials.
    pub fn sandbox(client_id: impl Into<String>, client_secret: Secret) -> Self {
        Self {
            session_url: "https://dev.abdm.gov.in/api/hiecm/gateway/v3/sessions".to_owned(),
            client_id: client_id.into(),
            client_secret,
            cm_id: "sbx".to_owned(),
        }
    }
}

/// Everything the client needs to talk to one gateway as one participant.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Gateway base including any ingress prefix, without the version:
    /// `https://staging-hcx.swasth.app/api`, or `https://apisbx.abdm.gov.in/hcx` for NHCX.
    pub base_url: String,
    /// Protocol version prefix (Swasth). Also selects the role table for the client-side
    /// permission check. NHCX serves only `/v1`, which the client uses under [`Dialect::Nhcx`].
    pub version: ApiVersion,
    /// Which gateway family.
    pub dialect: Dialect,
    /// Our own registry code; every message we send must carry it as sender.
    pub participant_code: String,
    /// Our registry roles, for the client-side permission check before a send. Empty means
    /// "look them up in the registry on first use".
    pub roles: Vec<Role>,
    /// Swasth token credentials. Ignored under NHCX when `nhcx` is set.
    pub credentials: Credentials,
    /// NHCX session credentials; when set, tokens come from the ABDM session flow.
    pub nhcx: Option<NhcxAuth>,
    /// Registry base when it is not the gateway (NHCX:
    /// `https://apisbx.abdm.gov.in/pmjay/sbxhcx/participanthcxservice`). `None` means
    /// `{base_url}/{version}` (Swasth).
    pub registry_url: Option<String>,
    /// How long a fetched certificate / recipient key is trusted before re-fetching.
    pub cert_ttl: Duration,
    /// Retry policy for every call.
    pub retry: RetryPolicy,
    /// Per-HTTP-request timeout (connect + send + response).
    pub request_timeout: Duration,
    /// A token is renewed this long before its `expires_in` runs out, so a call never
    /// leaves with a token that dies in flight.
    pub token_refresh_margin: Duration,
}

impl GatewayConfig {
    /// A Swasth configuration with the documented defaults: v0.8, 1 h certificate TTL,
    /// default retry policy, 30 s request timeout, 30 s token margin.
    pub fn new(
        base_url: impl Into<String>,
        participant_code: impl Into<String>,
        credentials: Credentials,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            version: ApiVersion::default(),
            dialect: Dialect::Swasth,
            participant_code: participant_code.into(),
            roles: Vec::new(),
            credentials,
            nhcx: None,
            registry_url: None,
            cert_ttl: Duration::from_secs(3600),
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
            token_refresh_margin: Duration::from_secs(30),
        }
    }

    /// The base with any trailing slash removed, so joins never produce `//`.
    pub(crate) fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// The version path segment for protocol and auth calls.
    pub(crate) fn version_segment(&self) -> &'static str {
        match self.dialect {
            Dialect::Nhcx => "v1",
            Dialect::Swasth => self.version.prefix(),
        }
    }

    /// `{base}/{version}{path}`; `path` starts with `/`.
    pub(crate) fn api_url(&self, path: &str) -> String {
        format!("{}/{}{}", self.base(), self.version_segment(), path)
    }

    /// `{registry}{path}`; `path` starts with `/`.
    pub(crate) fn registry_url(&self, path: &str) -> String {
        match &self.registry_url {
            Some(r) => format!("{}{}", r.trim_end_matches('/'), path),
            None => self.api_url(path),
        }
    }

    /// Rejects configurations that can only fail later, with a reason a person can act on.
    pub(crate) fn check(&self) -> Result<(), String> {
        check_http_url("base_url", &self.base_url)?;
        if let Some(r) = &self.registry_url {
            check_http_url("registry_url", r)?;
        }
        if self.participant_code.trim().is_empty() {
            return Err("participant_code is empty".to_owned());
        }
        if self.retry.max_attempts == 0 {
            return Err("retry.max_attempts must be at least 1".to_owned());
        }
        match (&self.dialect, &self.nhcx) {
            (Dialect::Nhcx, Some(n)) => {
                check_http_url("nhcx.session_url", &n.session_url)?;
                if n.client_id.is_empty() || n.client_secret.is_empty() {
                    return Err("NHCX client id and secret are required".to_owned());
                }
            }
            _ => match &self.credentials {
                Credentials::Password { username, password } => {
                    if username.is_empty() || password.is_empty() {
                        return Err("username and password are required".to_owned());
                    }
                }
                Credentials::ApiSecret { participant_code, username, secret } => {
                    if participant_code.is_empty() || username.is_empty() || secret.is_empty() {
                        return Err("participant code, username and secret are required".to_owned());
                    }
                }
            },
        }
        Ok(())
    }
}

fn check_http_url(what: &str, url: &str) -> Result<(), String> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| format!("{what} {url:?} is not a URL: {e}"))?;
    match parsed.scheme() {
        "http" | "https" => Ok(()),
        other => Err(format!("{what} must be http or https, not {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> GatewayConfig {
        GatewayConfig::new(
            "https://staging-hcx.swasth.app/api/",
            "hosp_x@swasth",
            Credentials::Password { username: "a@b.c".into(), password: Secret::new("pw") },
        )
    }

    #[test]
    fn urls_join_without_double_slashes() {
        let c = cfg();
        assert_eq!(
            c.api_url("/participant/search"),
            "https://staging-hcx.swasth.app/api/v0.8/participant/search",
            "the trailing slash of base_url must not produce // and v0.8 is the default"
        );
        let mut n = c.clone();
        n.dialect = Dialect::Nhcx;
        assert_eq!(
            n.api_url("/coverageeligibility/check"),
            "https://staging-hcx.swasth.app/api/v1/coverageeligibility/check",
            "NHCX serves only /v1"
        );
    }

    #[test]
    fn debug_hides_credentials() {
        let shown = format!("{:?}", cfg());
        assert!(!shown.contains("\"pw\""), "config Debug must not leak the password: {shown}");
        assert!(shown.contains("<redacted>"), "the password slot shows the redaction marker");
    }

    #[test]
    fn check_rejects_unusable_configs() {
        let mut c = cfg();
        assert!(c.check().is_ok(), "the default config is usable");
        c.base_url = "ftp://x".into();
        assert!(c.check().is_err(), "only http(s) gateways exist");
        let mut c = cfg();
        c.credentials = Credentials::Password { username: "a".into(), password: Secret::new("") };
        assert!(c.check().is_err(), "an empty password can only produce ERR_ACCESS_DENIED later");
    }
}
