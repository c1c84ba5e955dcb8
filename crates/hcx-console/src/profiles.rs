//! Profiles: participant identities side by side, each with its own keychain entries
//! (`{profile id}/{kind}` under the app's keychain service) and its own rows in the store.
//! Also the status bar (`app_status`) and the counterparty picker.
//!
//! **Transport rule** (checked here, where every front end adds or updates a profile):
//! gateway and bridge URLs are `https://`, except that `http://` is allowed in every
//! environment for a loopback host (127.0.0.0/8, ::1, `localhost`): the embedded sandbox, and
//! a local TLS-terminating proxy in front of a real gateway. `http://` to any other host is
//! refused for every environment, sandbox included: the sandbox login and mailbox token would
//! cross the network in clear text, and a shared sandbox can sit behind TLS like anything else.

use chrono::Utc;
use hcx_client::SearchQuery;
use hcx_keys::{Secret, SecretKind};
use hcx_store::{Dialect, Environment, OutboxState, Profile, ProfileFields, RegistryEntry};

use crate::console::{Console, audit};
use crate::dto::{self, AppStatus, Counterparty, ProfileView};
use crate::error::{ConsoleError, Result};

/// What a new profile needs. Secrets go to the keychain, everything else to the store.
#[derive(Debug, Clone)]
pub struct NewProfile {
    /// Display name.
    pub name: String,
    /// Registry participant code.
    pub participant_code: String,
    /// Registry roles as wire strings (`provider.hospital`, `agency.tpa`, `payor`).
    pub roles: Vec<String>,
    /// Which exchange.
    pub environment: Environment,
    /// Gateway API base, e.g. `https://staging-hcx.swasth.app/api`.
    pub gateway_url: String,
    /// Swasth or NHCX.
    pub dialect: Dialect,
    /// Bridge base URL whose mailbox holds this participant's callbacks.
    pub bridge_url: Option<String>,
    /// Gateway login (primary e-mail).
    pub username: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Gateway password (keychain only).
    pub password: Option<Secret>,
    /// Bridge mailbox token (keychain only).
    pub bridge_token: Option<Secret>,
    /// The exchange's own participant code, so ingest can tell the gateway's plain error
    /// callbacks from forged ones (without it such errors are only accepted from the
    /// counterparty).
    pub hcx_code: Option<String>,
}

pub(crate) fn environment_view(e: Environment) -> dto::Environment {
    match e {
        Environment::Sandbox => dto::Environment::Sandbox,
        Environment::Staging => dto::Environment::Staging,
        Environment::Production => dto::Environment::Production,
    }
}

pub(crate) fn profile_view(p: &Profile) -> ProfileView {
    ProfileView {
        id: p.id.clone(),
        name: p.fields.name.clone(),
        participant_code: p.fields.participant_code.clone(),
        roles: p.fields.roles.clone(),
        environment: environment_view(p.fields.environment),
        gateway_url: p.fields.gateway_base_url.clone(),
        active: p.active,
        pilot_counterparties: None,
    }
}

/// Whether `host` is this machine: `localhost`, 127.0.0.0/8 or ::1.
fn is_loopback(url: &reqwest::Url) -> bool {
    // The URL parser has already normalised IPv4 forms (`127.1` is `127.0.0.1`); IPv6 hosts
    // come bracketed.
    let host = url.host_str().unwrap_or_default();
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Applies the transport rule (module header) to a gateway or bridge URL of a profile in
/// `environment`.
pub(crate) fn check_transport(
    environment: Environment,
    what: &'static str,
    field: &'static str,
    raw: &str,
) -> Result<()> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| ConsoleError::input(field, format!("{raw:?} is not a URL ({e})")))?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err(ConsoleError::InsecureTransport {
            environment: environment.as_str(),
            what,
            url: raw.trim().to_owned(),
        }),
        _ => Err(ConsoleError::input(field, "must be an http(s) URL")),
    }
}

impl Console {
    /// Creates a profile, stores its secrets in its secret store, and selects it when no other
    /// profile is selected.
    pub async fn add_profile(&self, new: NewProfile) -> Result<ProfileView> {
        for (field, value) in [
            ("name", &new.name),
            ("participantCode", &new.participant_code),
            ("gatewayUrl", &new.gateway_url),
        ] {
            if value.trim().is_empty() {
                return Err(ConsoleError::input(field, "is required"));
            }
        }
        check_transport(new.environment, "gateway", "gatewayUrl", &new.gateway_url)?;
        if let Some(bridge) = &new.bridge_url {
            check_transport(new.environment, "bridge", "bridgeUrl", bridge)?;
        }
        for role in &new.roles {
            if role.parse::<hcx_protocol::Role>().is_err() {
                return Err(ConsoleError::input(
                    "roles",
                    format!("{role:?} is not a registry role"),
                ));
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let fields = ProfileFields {
            name: new.name.trim().to_owned(),
            participant_code: new.participant_code.trim().to_owned(),
            roles: new.roles.clone(),
            environment: new.environment,
            gateway_base_url: new.gateway_url.trim().trim_end_matches('/').to_owned(),
            dialect: new.dialect,
            bridge_url: new.bridge_url.map(|u| u.trim().trim_end_matches('/').to_owned()),
            username: new.username,
            email: new.email,
            hcx_code: new.hcx_code.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()),
        };
        // The audit key first: the profile's first audit entry is keyed with it, and a keychain
        // that refuses it stops the whole addition before anything is written.
        let audit_key = self.inner.secrets.audit_key(Some(&id), fields.environment)?;
        self.with_store(|store| store.set_audit_key(Some(&id), audit_key));
        let now = Utc::now();
        let profile = self.write(|w| {
            let p = w.insert_profile(&id, &fields, now)?;
            if w.active_profile()?.is_none() {
                w.set_active_profile(&id, now)?;
            }
            w.append_audit(&audit(
                &id,
                None,
                "operator",
                "profile.added",
                serde_json::json!({
                    "participantCode": p.fields.participant_code,
                    "environment": p.fields.environment.as_str(),
                }),
                now,
            ))?;
            Ok(w.get_profile(&id)?.unwrap_or(p))
        })?;
        // Secrets after the row exists: if the keychain refuses, the profile stays (without
        // secrets) and the error says what to fix; nothing is half-written in SQLite.
        if let Some(pw) = &new.password {
            self.inner.secrets.set(&profile, SecretKind::GatewaySecret, pw)?;
        }
        if let Some(token) = &new.bridge_token {
            self.inner.secrets.set(&profile, SecretKind::BridgeToken, token)?;
        }
        Ok(profile_view(&profile))
    }

    /// Replaces a profile's gateway password.
    pub async fn set_gateway_password(&self, profile_id: &str, password: &Secret) -> Result<()> {
        let profile = self.profile(profile_id)?;
        self.inner.secrets.set(&profile, SecretKind::GatewaySecret, password)?;
        self.forget_client(profile_id);
        Ok(())
    }

    /// Sets a profile's bridge: its base URL (in the store) and mailbox token (keychain).
    pub async fn set_bridge(
        &self,
        profile_id: &str,
        bridge_url: &str,
        token: &Secret,
    ) -> Result<()> {
        let mut profile = self.profile(profile_id)?;
        check_transport(profile.fields.environment, "bridge", "bridgeUrl", bridge_url)?;
        profile.fields.bridge_url = Some(bridge_url.trim().trim_end_matches('/').to_owned());
        let now = Utc::now();
        self.write(|w| Ok(w.update_profile(profile_id, &profile.fields, now)?))?;
        self.inner.secrets.set(&profile, SecretKind::BridgeToken, token)?;
        Ok(())
    }

    /// Records the exchange's own participant code on a profile (see [`NewProfile::hcx_code`]).
    pub fn set_exchange_code(&self, profile_id: &str, hcx_code: &str) -> Result<()> {
        let mut profile = self.profile(profile_id)?;
        if profile.fields.hcx_code.as_deref() == Some(hcx_code) {
            return Ok(());
        }
        profile.fields.hcx_code = Some(hcx_code.to_owned());
        let now = Utc::now();
        self.write(|w| Ok(w.update_profile(profile_id, &profile.fields, now).map(|_| ())?))
    }

    /// Every profile.
    pub async fn list_profiles(&self) -> Result<Vec<ProfileView>> {
        let profiles = self.read(|r| Ok(r.list_profiles()?))?;
        profiles.iter().map(|p| self.view_of(p)).collect()
    }

    /// Selects a profile by id, participant code or exact name.
    pub async fn use_profile(&self, key: &str) -> Result<ProfileView> {
        let profile = self.find_profile(key)?;
        let now = Utc::now();
        self.write(|w| {
            w.set_active_profile(&profile.id, now)?;
            w.append_audit(&audit(
                &profile.id,
                None,
                "operator",
                "profile.selected",
                serde_json::json!({}),
                now,
            ))?;
            Ok(())
        })?;
        self.view_of(&self.profile(&profile.id)?)
    }

    /// The selected profile.
    pub async fn active_profile(&self) -> Result<ProfileView> {
        self.view_of(&self.active()?)
    }

    /// A profile's view by id.
    pub fn profile_by_id(&self, profile_id: &str) -> Result<ProfileView> {
        self.view_of(&self.profile(profile_id)?)
    }

    /// A profile's view with its pilot list.
    pub(crate) fn view_of(&self, p: &Profile) -> Result<ProfileView> {
        let mut view = profile_view(p);
        view.pilot_counterparties = self.pilot_list(&p.id)?;
        Ok(view)
    }

    /// The id of the profile with this id, participant code or exact name.
    pub fn profile_id_for(&self, key: &str) -> Result<String> {
        Ok(self.find_profile(key)?.id)
    }

    /// The callback endpoint URL to register for a profile: its bridge mailbox endpoint.
    pub fn bridge_endpoint(&self, profile_id: &str) -> Result<Option<String>> {
        let p = self.profile(profile_id)?;
        Ok(p.fields
            .bridge_url
            .as_deref()
            .map(|b| hcx_bridge::endpoint_url(b, &p.fields.participant_code)))
    }

    /// A profile by id, participant code or exact name.
    pub(crate) fn find_profile(&self, key: &str) -> Result<Profile> {
        self.read(|r| {
            r.list_profiles()?
                .into_iter()
                .find(|p| p.id == key || p.fields.participant_code == key || p.fields.name == key)
                .ok_or_else(|| ConsoleError::ProfileNotFound(key.to_owned()))
        })
    }

    /// Removes a profile: its secrets from the keychain (its audit key too, so its remaining
    /// audit entries can no longer be verified: export them first), then its rows (cascade).
    pub async fn delete_profile(&self, profile_id: &str) -> Result<()> {
        let profile = self.profile(profile_id)?;
        self.inner.secrets.delete_all(&profile)?;
        self.forget_client(profile_id);
        let now = Utc::now();
        self.write(|w| {
            w.delete_profile(profile_id)?;
            w.append_audit(&audit(
                profile_id,
                None,
                "operator",
                "profile.deleted",
                serde_json::json!({}),
                now,
            ))?;
            Ok(())
        })?;
        self.with_store(|store| store.forget_audit_key(Some(profile_id)));
        Ok(())
    }

    /// What the status bar shows.
    pub async fn app_status(&self) -> Result<AppStatus> {
        let profile = self.read(|r| Ok(r.active_profile()?))?;
        let outbox_pending = match &profile {
            Some(p) => self.read(|r| {
                let queued = r.list_outbox(&p.id, Some(OutboxState::Queued))?.len();
                let sending = r.list_outbox(&p.id, Some(OutboxState::Sending))?.len();
                Ok(u32::try_from(queued + sending).unwrap_or(u32::MAX))
            })?,
            None => 0,
        };
        let bridge = self
            .inner
            .bridge_status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        Ok(AppStatus {
            environment: profile
                .as_ref()
                .map_or(dto::Environment::Sandbox, |p| environment_view(p.fields.environment)),
            profile: profile.as_ref().map(|p| self.view_of(p)).transpose()?,
            embedded_sandbox: self.inner.embedded_sandbox.load(std::sync::atomic::Ordering::SeqCst),
            bridge,
            outbox_pending,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        })
    }

    /// Participants the active profile can address: a registry search (cached per profile so
    /// names show offline), filtered by `text` on code or name.
    pub async fn list_counterparties(&self, text: Option<&str>) -> Result<Vec<Counterparty>> {
        let id = self.active()?.id;
        self.counterparties_for(&id, text).await
    }

    /// [`Console::list_counterparties`] for any profile.
    pub async fn counterparties_for(
        &self,
        profile_id: &str,
        text: Option<&str>,
    ) -> Result<Vec<Counterparty>> {
        let profile = self.profile(profile_id)?;
        let fetched = match self.client(&profile) {
            Ok(client) => client.search(&SearchQuery::new().limit(200)).await.ok(),
            Err(_) => None,
        };
        let now = Utc::now();
        if let Some(result) = fetched {
            self.write(|w| {
                for rec in &result.participants {
                    let record = serde_json::to_value(rec).unwrap_or(serde_json::Value::Null);
                    let previous = w.get_registry_entry(&profile.id, &rec.participant_code)?;
                    w.upsert_registry_entry(&RegistryEntry {
                        profile_id: profile.id.clone(),
                        participant_code: rec.participant_code.clone(),
                        participant_name: rec.participant_name.clone(),
                        record,
                        certificate_pem: previous.and_then(|p| p.certificate_pem),
                        fetched_at: now,
                    })?;
                }
                Ok(())
            })?;
        }
        let entries =
            self.read(|r| Ok(r.search_registry_cache(&profile.id, text.unwrap_or(""), 500)?))?;
        Ok(entries
            .into_iter()
            .filter(|e| e.participant_code != profile.fields.participant_code)
            .map(|e| Counterparty {
                roles: e
                    .record
                    .get("roles")
                    .and_then(serde_json::Value::as_array)
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
                status: e
                    .record
                    .get("status")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("unknown")
                    .to_owned(),
                name: e.participant_name.clone().unwrap_or_else(|| e.participant_code.clone()),
                code: e.participant_code,
            })
            .collect())
    }
}
