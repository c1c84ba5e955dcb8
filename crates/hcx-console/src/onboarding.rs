//! Registering a profile on a SANDBOX exchange with the exchange's admin login
//! (`/participant/create`, or `/participant/update` when the code exists).
//!
//! Adapter: hcx-client has no registry-write calls (production onboarding happens on the
//! exchange's portal), so this small module posts the two documented registry requests itself.
//! It refuses non-sandbox profiles. The admin password and our gateway password travel only in
//! request bodies to the sandbox and are never logged.

use chrono::Utc;
use hcx_keys::{Secret, SecretKind};
use hcx_protocol::ApiVersion;
use hcx_store::Environment;
use serde_json::{Value, json};

use crate::console::{Console, audit};
use crate::error::{ConsoleError, Result};

/// The sandbox exchange's admin login (printed by `hcx sandbox` as its first line).
#[derive(Debug, Clone)]
pub struct SandboxAdmin {
    /// The admin's username.
    pub username: String,
    /// The admin's password.
    pub password: Secret,
}

fn onboarding_error(what: &str, status: u16, body: &str) -> ConsoleError {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.pointer("/error/message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(200).collect());
    ConsoleError::Onboarding(format!("{what} answered HTTP {status}: {message}"))
}

impl Console {
    /// Registers (or re-registers) the profile on its sandbox exchange: its code, name, roles,
    /// certificate, gateway password and callback `endpoint_url`, status Active.
    pub async fn register_on_sandbox(
        &self,
        profile_id: &str,
        admin: &SandboxAdmin,
        endpoint_url: &str,
    ) -> Result<()> {
        let profile = self.profile(profile_id)?;
        if profile.fields.environment != Environment::Sandbox {
            return Err(ConsoleError::NotAllowed(
                "only sandbox profiles are registered from the console; production onboarding \
                 happens on the exchange's portal"
                    .into(),
            ));
        }
        let certificate = profile.certificate_pem.clone().ok_or_else(|| {
            ConsoleError::NotAllowed("the profile has no key yet: run `hcx keys generate`".into())
        })?;
        let password = self.inner.secrets.get(&profile, SecretKind::GatewaySecret)?.ok_or(
            ConsoleError::MissingSecret {
                profile: profile.id.clone(),
                what: "gateway password",
                hint: "add it with `hcx profile add … --password-env VAR`",
            },
        )?;
        let username =
            profile.fields.username.clone().or_else(|| profile.fields.email.clone()).ok_or_else(
                || ConsoleError::input("username", "the profile has no gateway username"),
            )?;
        let base = format!(
            "{}/{}",
            profile.fields.gateway_base_url.trim_end_matches('/'),
            ApiVersion::default().prefix()
        );
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| ConsoleError::Onboarding(e.to_string()))?;
        let token_reply = http
            .post(format!("{base}/participant/auth/token/generate"))
            .form(&[("username", admin.username.as_str()), ("password", admin.password.expose())])
            .send()
            .await
            .map_err(|e| ConsoleError::Onboarding(format!("the sandbox is not reachable: {e}")))?;
        let status = token_reply.status().as_u16();
        let text = token_reply.text().await.unwrap_or_default();
        if status != 200 {
            return Err(onboarding_error("the admin login", status, &text));
        }
        let token = Secret::new(
            serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("access_token").and_then(Value::as_str).map(str::to_owned))
                .ok_or_else(|| {
                    ConsoleError::Onboarding("the admin login returned no token".into())
                })?,
        );
        let mut record = json!({
            "participant_code": profile.fields.participant_code,
            "participant_name": profile.fields.name,
            "primary_email": username,
            "primary_mobile": "9999999999",
            "roles": profile.fields.roles,
            "endpoint_url": endpoint_url,
            "encryption_cert": certificate,
            "password": password.expose(),
            "status": "Active",
        });
        if profile.fields.roles.iter().any(|r| r == "payor") {
            record["scheme_code"] = json!("default");
        }
        let post = |path: &'static str, body: &Value| {
            http.post(format!("{base}{path}")).bearer_auth(token.expose()).json(body).send()
        };
        let reply = post("/participant/create", &record)
            .await
            .map_err(|e| ConsoleError::Onboarding(e.to_string()))?;
        let status = reply.status().as_u16();
        let text = reply.text().await.unwrap_or_default();
        let created = status == 200;
        if !created {
            if !text.contains("already exists") {
                return Err(onboarding_error("participant/create", status, &text));
            }
            // Re-registration (new key, new bridge): update the existing record instead.
            if let Some(m) = record.as_object_mut() {
                m.remove("primary_email");
            }
            let reply = post("/participant/update", &record)
                .await
                .map_err(|e| ConsoleError::Onboarding(e.to_string()))?;
            let status = reply.status().as_u16();
            if status != 200 {
                let text = reply.text().await.unwrap_or_default();
                return Err(onboarding_error("participant/update", status, &text));
            }
        }
        self.forget_client(profile_id);
        let now = Utc::now();
        self.write(|w| {
            w.append_audit(&audit(
                profile_id,
                None,
                "operator",
                "sandbox.registered",
                json!({ "endpointUrl": endpoint_url, "created": created }),
                now,
            ))?;
            Ok(())
        })
    }

    /// The PEM certificate a participant registered (e.g. the exchange's own, which signs its
    /// callbacks and which a bridge needs to verify them).
    pub async fn participant_certificate(&self, profile_id: &str, code: &str) -> Result<String> {
        let profile = self.profile(profile_id)?;
        let client = self.client(&profile)?;
        Ok(client.certificate(code).await?.pem.to_string())
    }
}
