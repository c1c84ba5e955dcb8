//! Sandbox certification (issue 8, seed step 1): runs `hcx-onboard`'s conformance suite as a
//! sandbox profile against its sandbox, and keeps the certificate it earns.
//!
//! The suite needs the profile's callbacks to itself, so for the length of the run the
//! profile's registry `endpoint_url` points at a private embedded bridge (the profile may
//! update its own record) and is put back afterwards, whatever happened. The desk's own
//! mailbox therefore sees none of the suite's traffic and the suite none of the desk's.

use chrono::{DateTime, TimeZone, Utc};
use hcx_keys::SecretKind;
use hcx_onboard::certification::suite::{
    CallbackReceiver, Received, SuiteConfig, SuiteReport, describe_sandbox, request_certificate,
    run_suite,
};
use hcx_onboard::certification::{
    Expectation, ScenarioResult, TrustedSandbox, mandatory_scenarios, verify_certificate,
};
use hcx_onboard::certification::{SandboxCertificate, Suite};
use hcx_protocol::{ApiVersion, PrivateKey, Role};
use hcx_store::{Environment, Onboarding, Profile};

use crate::console::{Console, audit};
use crate::dto::{CertificationView, ScenarioView};
use crate::error::{ConsoleError, Result};
use crate::views::utc;

impl Console {
    /// Runs the role's conformance suite against the profile's sandbox and, when every
    /// scenario passes, stores the sandbox certificate it earns. A failed run is returned
    /// (state `failed`, with the failing scenarios) and stores nothing.
    pub async fn certify(&self, profile_id: &str) -> Result<CertificationView> {
        let profile = self.profile(profile_id)?;
        if profile.fields.environment != Environment::Sandbox {
            return Err(ConsoleError::NotAllowed(
                "certification runs on a sandbox profile; select the sandbox identity you \
                 tested with"
                    .into(),
            ));
        }
        let role = certifiable_role(&profile)?;
        let key = self.private_key(&profile)?;
        let cert_pem = profile.certificate_pem.clone().ok_or_else(|| {
            ConsoleError::NotAllowed("the profile has no key yet: run `hcx keys generate`".into())
        })?;
        let base = profile.fields.gateway_base_url.clone();
        let version = ApiVersion::default();
        let sandbox = describe_sandbox(&base, version).await?;
        let dir = self.data_dir().join("certification").join(&profile.id);
        // A run killed half-way leaves its bridge files; they hold only suite traffic.
        let _ = std::fs::remove_dir_all(&dir);
        let receiver =
            CallbackReceiver::start(&dir, &profile.fields.participant_code, &sandbox).await?;
        let client = self.client(&profile)?;
        let own_endpoint = client.fetch_own_record().await?.record.endpoint_url.clone();
        client.update_own_record(Some(&receiver.endpoint_url()), None).await?;
        let cfg = SuiteConfig::new(
            base,
            profile.fields.participant_code.clone(),
            role,
            self.gateway_credentials(&profile)?,
        );
        let run = async {
            let report = run_suite(&cfg, &key, receiver.mailbox()).await?;
            let certificate = if report.passed() {
                Some(request_certificate(&cfg, &report, &key, &cert_pem).await?)
            } else {
                None
            };
            Ok::<_, hcx_onboard::OnboardError>((report, certificate))
        }
        .await;
        // Put the desk's callback address back before anything else can fail.
        let restored = match own_endpoint.as_deref() {
            Some(url) => client.update_own_record(Some(url), None).await,
            None => Ok(()),
        };
        // The private bridge acknowledged everything the gateway sent it, including callbacks
        // of the desk's own cycles that arrived during the run: keep those before it goes.
        let mut leftovers = run.as_ref().map(|(r, _)| r.unclaimed.clone()).unwrap_or_default();
        match receiver.mailbox().poll(None, std::time::Duration::ZERO, 500).await {
            Ok(late) => leftovers.extend(late.into_iter().map(Received::from_envelope)),
            Err(e) => {
                tracing::warn!(error = %e, "reading the certification mailbox's last messages")
            }
        }
        let handed = self.keep_desk_traffic(&profile, run.as_ref().ok().map(|(r, _)| r), leftovers);
        if let Err(e) = receiver.shutdown().await {
            tracing::warn!(error = %e, "certification bridge shutdown");
        }
        // Only a failure to store what the bridge acknowledged keeps the files for a retry.
        if handed.is_ok() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        restored?;
        handed?;
        let (report, certificate) = run?;
        let trusted = TrustedSandbox {
            code: sandbox.hcx_code.clone(),
            base_url: String::new(),
            cert_pem: sandbox.hcx_cert_pem.clone(),
        };
        let Some(certificate) = certificate else {
            return Ok(failed_view(&profile, &report));
        };
        let now = Utc::now();
        self.write(|w| {
            let mut row =
                w.get_onboarding(&profile.id)?.unwrap_or(Onboarding::new(&profile.id, now));
            row.sandbox_certificate = Some(certificate.as_str().to_owned());
            row.updated_at = now;
            w.put_onboarding(&row)?;
            w.append_audit(&audit(
                &profile.id,
                None,
                "operator",
                "onboarding.certified",
                serde_json::json!({"role": role.as_str(), "scenarios": report.scenarios.len()}),
                now,
            ))?;
            Ok(())
        })?;
        let checks =
            Checks { trusted: Some(&trusted), signer_pem: profile.certificate_pem.clone(), now };
        Ok(certificate_view(&profile, &certificate, role, &checks))
    }

    /// The profile's stored sandbox certificate, checked again: fully (signature, issuer,
    /// scenarios, expiry) when its sandbox is reachable, else its expiry only.
    pub async fn certification(&self, profile_id: &str) -> Result<Option<CertificationView>> {
        let profile = self.profile(profile_id)?;
        let Some(row) = self.onboarding_row(&profile.id)? else {
            return Ok(None);
        };
        let Some(jws) = row.sandbox_certificate.clone() else {
            return Ok(None);
        };
        let certificate = SandboxCertificate(jws);
        let role = certificate
            .claims_unverified()
            .map(|c| c.role)
            .unwrap_or_else(|_| certifiable_role(&profile).unwrap_or(Role::Provider));
        // The trust anchor comes from where this console was told the sandbox is (never from
        // the certificate itself): the profile's own exchange, or for a production profile the
        // exchange of the sandbox profile it applied from (or its operator, if that is gone).
        let (sandbox_url, signer) = match &row.source_profile_id {
            None => (profile.fields.gateway_base_url.clone(), profile.certificate_pem.clone()),
            Some(source) => match self.profile(source) {
                Ok(p) => (p.fields.gateway_base_url, p.certificate_pem),
                Err(_) => (row.operator_url.clone().unwrap_or_default(), None),
            },
        };
        let trusted = match describe_sandbox(&sandbox_url, ApiVersion::default()).await {
            Ok(s) => Some(TrustedSandbox {
                code: s.hcx_code,
                base_url: String::new(),
                cert_pem: s.hcx_cert_pem,
            }),
            Err(e) => {
                tracing::info!(error = %e, "sandbox unreachable; certificate checked for expiry only");
                None
            }
        };
        let checks = Checks { trusted: trusted.as_ref(), signer_pem: signer, now: Utc::now() };
        Ok(Some(certificate_view(&profile, &certificate, role, &checks)))
    }

    /// Stores the callbacks the suite's bridge received for cycles that are not the suite's
    /// own (they were acknowledged to the gateway, so dropping them would lose them).
    fn keep_desk_traffic(
        &self,
        profile: &Profile,
        report: Option<&SuiteReport>,
        leftovers: Vec<Received>,
    ) -> Result<usize> {
        let suite_cycles: std::collections::HashSet<&str> = report
            .map(|r| {
                r.scenarios
                    .iter()
                    .flat_map(|s| s.steps.iter().map(|st| st.correlation_id.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let mut kept = 0;
        for r in leftovers {
            if r.headers.correlation_id().is_some_and(|c| suite_cycles.contains(c)) {
                continue;
            }
            self.ingest_body(
                &profile.id,
                &r.path,
                r.body.as_bytes(),
                Some(&r.api_call_id),
                r.received_at,
            )?;
            kept += 1;
        }
        if kept > 0 {
            tracing::info!(kept, "desk callbacks that arrived during certification were stored");
        }
        Ok(kept)
    }

    /// The profile's onboarding row, if any.
    pub(crate) fn onboarding_row(&self, profile_id: &str) -> Result<Option<Onboarding>> {
        self.read(|r| Ok(r.get_onboarding(profile_id)?))
    }

    /// The profile's current private key, for signing and for the suite.
    pub(crate) fn private_key(&self, profile: &Profile) -> Result<PrivateKey> {
        let pem = self.inner.secrets.get(profile, SecretKind::PrivateKey)?.ok_or(
            ConsoleError::MissingSecret {
                profile: profile.id.clone(),
                what: "private key",
                hint: "generate one with `hcx keys generate`",
            },
        )?;
        Ok(PrivateKey::from_pem(pem.expose().as_bytes()).map_err(hcx_protocol::Error::from)?)
    }
}

/// The profile's first role that has a conformance suite.
fn certifiable_role(profile: &Profile) -> Result<Role> {
    profile
        .fields
        .roles
        .iter()
        .filter_map(|r| r.parse::<Role>().ok())
        .find(|r| Suite::for_role(*r).is_some())
        .ok_or_else(|| {
            ConsoleError::NotAllowed(format!(
                "none of the roles {:?} has a sandbox certification (regulators are onboarded \
                 by manual review)",
                profile.fields.roles
            ))
        })
}

fn scenario_view(s: &ScenarioResult) -> ScenarioView {
    ScenarioView {
        name: s.name.clone(),
        passed: s.passed(),
        outcome: if s.passed() { "passed" } else { "failed" }.to_owned(),
        detail: s.detail.clone(),
        api_call_ids: s.steps.iter().map(|st| st.api_call_id.clone()).collect(),
    }
}

fn epoch(secs: i64) -> String {
    Utc.timestamp_opt(secs, 0).single().map(utc).unwrap_or_default()
}

fn failed_view(profile: &Profile, report: &SuiteReport) -> CertificationView {
    CertificationView {
        profile_id: profile.id.clone(),
        participant_code: report.participant_code.clone(),
        role: report.role.as_str().to_owned(),
        protocol_version: report.protocol_version.to_string(),
        sandbox: report.sandbox.hcx_code.clone(),
        state: "failed".into(),
        reasons: report.failures().iter().map(|s| format!("{}: {}", s.name, s.detail)).collect(),
        issued_at: String::new(),
        expires_at: String::new(),
        scenarios: report.scenarios.iter().map(scenario_view).collect(),
        certificate: String::new(),
    }
}

/// What a certificate is checked against.
struct Checks<'a> {
    /// The issuing sandbox; `None` (unreachable) checks the expiry only.
    trusted: Option<&'a TrustedSandbox>,
    /// The certificate of the key that must have signed it, when this console knows it.
    signer_pem: Option<String>,
    now: DateTime<Utc>,
}

/// Checks a certificate the way the operator will (for its role and version) and shows it.
fn certificate_view(
    profile: &Profile,
    certificate: &SandboxCertificate,
    role: Role,
    checks: &Checks<'_>,
) -> CertificationView {
    let now = checks.now;
    let mut view = CertificationView {
        profile_id: profile.id.clone(),
        participant_code: profile.fields.participant_code.clone(),
        role: role.as_str().to_owned(),
        protocol_version: ApiVersion::default().to_string(),
        sandbox: String::new(),
        state: "valid".into(),
        reasons: Vec::new(),
        issued_at: String::new(),
        expires_at: String::new(),
        scenarios: Vec::new(),
        certificate: certificate.as_str().to_owned(),
    };
    let claims = match certificate.claims_unverified() {
        Ok(c) => c,
        Err(e) => {
            view.state = "refused".into();
            view.reasons = vec![format!("This is not a readable sandbox certificate ({e})")];
            return view;
        }
    };
    view.participant_code = claims.participant_code.clone();
    view.protocol_version = claims.protocol_version.to_string();
    view.sandbox = claims.sandbox.code.clone();
    view.issued_at = epoch(claims.iat);
    view.expires_at = epoch(claims.exp);
    view.scenarios = claims.scenarios.iter().map(scenario_view).collect();
    match checks.trusted {
        Some(t) => {
            let expect = Expectation {
                role: claims.role,
                protocol_version: claims.protocol_version,
                now,
                registered_cert_pem: checks.signer_pem.clone(),
            };
            if let Err(refusals) =
                verify_certificate(certificate.as_str(), std::slice::from_ref(t), &expect)
            {
                let expired = refusals
                    .iter()
                    .all(|r| matches!(r, hcx_onboard::certification::Refusal::Expired { .. }));
                view.state = if expired { "expired" } else { "refused" }.into();
                view.reasons = refusals.iter().map(|r| r.message()).collect();
            }
        }
        None if claims.exp <= now.timestamp() => {
            view.state = "expired".into();
            view.reasons = vec![format!(
                "The sandbox certificate expired on {}; run the certification again",
                view.expires_at
            )];
        }
        None => {}
    }
    let missing: Vec<&str> = mandatory_scenarios(claims.role)
        .into_iter()
        .filter(|m| !claims.scenarios.iter().any(|s| s.name == *m && s.passed()))
        .collect();
    if !missing.is_empty() && view.state == "valid" {
        view.state = "refused".into();
        view.reasons = missing.iter().map(|m| format!("scenario {m} did not pass")).collect();
    }
    view
}
