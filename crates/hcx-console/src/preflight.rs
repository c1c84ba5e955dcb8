//! Preflight: before the first send, check that the gateway login works, our registry record
//! exists and is Active, the registered certificate carries the key this computer holds, and
//! the registered endpoint URL is this participant's bridge mailbox (reachable, token accepted).
//! First of all, "audit log": the profile's keyed audit chain verifies (the first bad entry
//! otherwise).

use std::time::Duration;

use hcx_keys::SecretKind;
use hcx_protocol::PrivateKey;
use hcx_store::Profile;

use crate::console::Console;
use crate::dto::PreflightCheck;
use crate::error::Result;

/// The name of the audit chain's check.
pub(crate) const AUDIT_CHECK: &str = "audit log";

fn check(name: &str, ok: bool, detail: impl Into<String>) -> PreflightCheck {
    PreflightCheck { name: name.to_owned(), ok, detail: detail.into() }
}

impl Console {
    /// The "audit log" check: the profile's chain verifies under its keychain key.
    fn audit_check(&self, profile: &Profile) -> Result<PreflightCheck> {
        use crate::audit::AuditOutcome;
        use hcx_store::AuditVerdict;
        let Some(found) = self.verify_audit(Some(&profile.id))?.pop() else {
            return Ok(check(AUDIT_CHECK, false, "the profile's audit chain was not checked"));
        };
        Ok(match found.outcome {
            AuditOutcome::Verified(AuditVerdict::Intact { entries, head_hash }) => check(
                AUDIT_CHECK,
                true,
                format!("audit log intact: {entries} entries, head {head_hash}"),
            ),
            AuditOutcome::Verified(AuditVerdict::Broken { entry_id, at, event, reason }) => check(
                AUDIT_CHECK,
                false,
                format!(
                    "audit log broken at entry {entry_id} ({}, {event}): {reason}",
                    at.map_or_else(|| "invalid time".to_owned(), |t| t.to_rfc3339())
                ),
            ),
            AuditOutcome::KeyUnavailable(reason) => {
                check(AUDIT_CHECK, false, format!("cannot verify the audit log: {reason}"))
            }
            AuditOutcome::ProfileDeleted => check(AUDIT_CHECK, false, "the profile was deleted"),
        })
    }

    /// Runs every check for the active profile. Checks that depend on a failed one are reported
    /// as failed with the reason, so the list is always complete. The result is remembered for
    /// the profile's go-live checklist.
    pub async fn run_preflight(&self) -> Result<Vec<PreflightCheck>> {
        let profile = self.active()?;
        let checks = self.preflight_checks(&profile).await?;
        let failures = checks.iter().filter(|c| !c.ok).map(|c| c.name.clone()).collect();
        self.record_preflight(&profile.id, failures)?;
        Ok(checks)
    }

    async fn preflight_checks(&self, profile: &Profile) -> Result<Vec<PreflightCheck>> {
        let profile = profile.clone();
        let mut out = vec![self.audit_check(&profile)?];

        let key_pem = match self.inner.secrets.get(&profile, SecretKind::PrivateKey) {
            Ok(Some(k)) => {
                out.push(check("keychain", true, self.inner.secrets.backend_for(&profile)));
                Some(k)
            }
            Ok(None) => {
                out.push(check("keychain", false, "no private key yet: run `hcx keys generate`"));
                None
            }
            Err(e) => {
                out.push(check("keychain", false, e.to_string()));
                None
            }
        };

        let client = match self.client(&profile) {
            Ok(c) => Some(c),
            Err(e) => {
                out.push(check("token", false, e.to_string()));
                None
            }
        };
        let Some(client) = client else {
            for name in ["registry", "certificate", "endpoint"] {
                out.push(check(name, false, "skipped: no gateway login"));
            }
            return Ok(out);
        };
        match client.check_token().await {
            Ok(t) if t.participant_matches == Some(false) => out.push(check(
                "token",
                false,
                "the token belongs to another participant code than this profile's",
            )),
            Ok(t) => out.push(check(
                "token",
                true,
                format!("access token issued, valid for {} s", t.lifetime.as_secs()),
            )),
            Err(e) => out.push(check("token", false, format!("{} ({e})", e.clerk_message()))),
        }

        let record = match client.fetch_own_record().await {
            Ok(r) => {
                let status = r.record.status.as_ref().map_or("unknown", |s| s.as_str()).to_owned();
                out.push(check(
                    "registry",
                    r.active,
                    if r.active {
                        format!("{} is registered and Active", profile.fields.participant_code)
                    } else {
                        format!("the registry record is {status}, not Active")
                    },
                ));
                Some(r.record)
            }
            Err(e) => {
                out.push(check("registry", false, e.to_string()));
                None
            }
        };

        match (&record, &key_pem) {
            (Some(rec), Some(pem)) => {
                let public = PrivateKey::from_pem(pem.expose().as_bytes())
                    .and_then(|k| k.public_key())
                    .and_then(|k| k.to_public_key_pem());
                match public {
                    Ok(public) => match client.certificate_matches(rec, &public).await {
                        Ok(m) if m.matches && !m.expired => out.push(check(
                            "certificate",
                            true,
                            "the registered certificate carries this computer's key",
                        )),
                        Ok(m) if m.matches => {
                            out.push(check("certificate", false, "the registered certificate has expired"))
                        }
                        Ok(_) => out.push(check(
                            "certificate",
                            false,
                            "the registered certificate does NOT match the local key: counterparties \
                             would encrypt to a key this computer does not have",
                        )),
                        Err(e) => out.push(check("certificate", false, e.to_string())),
                    },
                    Err(e) => out.push(check("certificate", false, e.to_string())),
                }
            }
            _ => out.push(check(
                "certificate",
                false,
                "skipped: needs the registry record and a key",
            )),
        }

        out.push(self.endpoint_check(&profile, record.as_ref(), &client).await);
        Ok(out)
    }

    async fn endpoint_check(
        &self,
        profile: &hcx_store::Profile,
        record: Option<&hcx_client::ParticipantRecord>,
        client: &hcx_client::HcxClient,
    ) -> PreflightCheck {
        let Some(bridge) = &profile.fields.bridge_url else {
            return check("endpoint", false, "no bridge configured for this profile");
        };
        let expected = hcx_bridge::endpoint_url(bridge, &profile.fields.participant_code);
        let registered = record.and_then(|r| r.endpoint_url.clone()).unwrap_or_default();
        if registered.trim_end_matches('/') != expected {
            return check(
                "endpoint",
                false,
                format!(
                    "the registry sends callbacks to {registered:?}, not to this bridge ({expected})"
                ),
            );
        }
        let probe =
            client.endpoint_reachable(&format!("{}/healthz", bridge.trim_end_matches('/'))).await;
        if !probe.reachable {
            return check(
                "endpoint",
                false,
                format!(
                    "the bridge at {bridge} does not answer: {}",
                    probe.error.unwrap_or_default()
                ),
            );
        }
        let token = match self.inner.secrets.get(profile, SecretKind::BridgeToken) {
            Ok(Some(t)) => t,
            Ok(None) => return check("endpoint", false, "no bridge mailbox token in the keychain"),
            Err(e) => return check("endpoint", false, e.to_string()),
        };
        let mailbox = match hcx_bridge::MailboxClient::new(
            bridge,
            &profile.fields.participant_code,
            hcx_bridge::MailboxToken::new(token.expose()),
        ) {
            Ok(m) => m,
            Err(e) => return check("endpoint", false, e.to_string()),
        };
        match mailbox.poll(None, Duration::ZERO, 1).await {
            Ok(_) => {
                check("endpoint", true, format!("{expected} is this participant's bridge mailbox"))
            }
            Err(e) => {
                check("endpoint", false, format!("the bridge refused our mailbox token: {e}"))
            }
        }
    }
}
