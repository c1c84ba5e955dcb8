//! `hcx demo` and the local-exchange helpers it shares with the end-to-end tests: the embedded
//! sandbox exchange, an embedded bridge, and console profiles registered on both, all in one
//! process over real loopback HTTP, real SQLite files, real JWE and the real keychain (with the
//! sandbox-only memory fallback when no keychain exists).

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use hcx_bridge::{Bridge, BridgeConfig, BridgeHandle, GatewayTrust, PollerOptions};
use hcx_keys::Secret;
use hcx_sandbox::{DemoKind, Sandbox, SandboxConfig, SandboxHandle};
use hcx_store::{Dialect, Environment};

use crate::console::{Console, ConsoleOptions};
use crate::dto::{ClaimItemForm, ComposeForm, ProfileView, ThreadDetail};
use crate::error::{ConsoleError, Result};
use crate::onboarding::SandboxAdmin;
use crate::profiles::NewProfile;

/// The roles a desk added on a local exchange may take: what the console can work as (a
/// provider's billing desk, or a payer's or TPA's reviewer). Other registry roles (sponsor,
/// regulator, ISNP, BSP) go through onboarding, not the sandbox shortcut.
pub const DESK_ROLES: [&str; 4] = ["provider.hospital", "provider.clinic", "payor", "agency.tpa"];

/// Longest desk name taken; the registry shows it in every counterparty list.
const DESK_NAME_MAX: usize = 80;
/// Longest participant code derived from a desk name (before `@sandbox`).
const DESK_CODE_MAX: usize = 32;

/// An exchange and a bridge running in this process.
#[derive(Debug)]
pub struct LocalExchange {
    /// The sandbox exchange with its demo payer, TPA and provider.
    pub sandbox: SandboxHandle,
    /// The callback mailbox.
    pub bridge: BridgeHandle,
}

impl LocalExchange {
    /// Starts both with their data under `dir` (`dir/sandbox`, `dir/bridge`). `fast` shortens
    /// the scripted counterparties' delays (tests).
    pub async fn start(dir: &Path, fast: bool) -> Result<LocalExchange> {
        let sandbox_dir = dir.join("sandbox");
        let config = if fast {
            SandboxConfig::for_tests(&sandbox_dir)
        } else {
            SandboxConfig::new(&sandbox_dir)
        };
        let sandbox = Sandbox::start(config).await?;
        // The bridge verifies the sandbox's dispatch JWT against the sandbox's HCX code and
        // certificate, as a hosted bridge verifies the real gateway's (each participant gets
        // them in `onboard`).
        let bridge = Bridge::start(BridgeConfig::new(dir.join("bridge"))).await?;
        Ok(LocalExchange { sandbox, bridge })
    }

    /// The participant code of a demo counterparty.
    pub fn code(&self, kind: DemoKind) -> Result<String> {
        self.sandbox.participant(kind).map(|p| p.participant_code.clone()).ok_or_else(|| {
            ConsoleError::NotAllowed("the sandbox runs without demo participants".into())
        })
    }

    /// Creates a sandbox profile in `console`, generates its key, registers it on the sandbox
    /// with the bridge endpoint, and serves its mailbox on the bridge. Its gateway password
    /// and bridge token are random and live only in the profile's secret store.
    pub async fn onboard(
        &self,
        console: &Console,
        name: &str,
        code: &str,
        roles: &[&str],
    ) -> Result<ProfileView> {
        let password = Secret::new(format!("pw-{}", uuid::Uuid::new_v4().simple()));
        let token = hcx_bridge::generate_token()?;
        let local = code.split('@').next().unwrap_or(code);
        let profile = console
            .add_profile(NewProfile {
                name: name.to_owned(),
                participant_code: code.to_owned(),
                roles: roles.iter().map(|r| (*r).to_owned()).collect(),
                environment: Environment::Sandbox,
                gateway_url: self.sandbox.base_url(),
                dialect: Dialect::Swasth,
                bridge_url: Some(self.bridge.base_url().to_owned()),
                // A unique login: the sandbox refuses an e-mail registered twice.
                username: Some(format!("{local}-{}@example.org", uuid::Uuid::new_v4().simple())),
                email: None,
                password: Some(password),
                bridge_token: Some(Secret::new(token.expose().to_owned())),
                hcx_code: Some(self.sandbox.hcx_code().to_owned()),
            })
            .await?;
        console.generate_key(&profile.id).await?;
        let admin = self.sandbox.admin_credentials();
        let admin = SandboxAdmin {
            username: admin.username.clone(),
            password: Secret::new(admin.password.expose().to_owned()),
        };
        console.register_on_sandbox(&profile.id, &admin, &self.bridge.endpoint_url(code)).await?;
        let gateway_cert =
            console.participant_certificate(&profile.id, self.sandbox.hcx_code()).await?;
        let gateway = GatewayTrust::new(self.sandbox.hcx_code(), &gateway_cert);
        self.bridge.add_participant(code, token.expose(), Some(gateway))?;
        // Fill the counterparty names (the registry cache) while the exchange is reachable.
        console.counterparties_for(&profile.id, None).await?;
        Ok(profile)
    }

    /// Adds a desk: a new participant `name` in `role` on this exchange with its own sandbox
    /// profile (not selected), so one console can play both sides of a cycle offline, e.g. a
    /// clinic's billing desk and the TPA that reviews it. The participant code comes from the
    /// name and is unique among this console's profiles and the exchange's demo participants.
    /// If registering fails, the half-made profile is removed again, so a retry starts clean.
    pub async fn add_desk(&self, console: &Console, name: &str, role: &str) -> Result<ProfileView> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > DESK_NAME_MAX {
            return Err(ConsoleError::input(
                "name",
                format!("give the desk a name of 1 to {DESK_NAME_MAX} characters"),
            ));
        }
        if !DESK_ROLES.contains(&role) {
            return Err(ConsoleError::input(
                "role",
                format!("a sandbox desk is one of {}, not {role:?}", DESK_ROLES.join(", ")),
            ));
        }
        let mut taken: HashSet<String> =
            console.list_profiles().await?.into_iter().map(|p| p.participant_code).collect();
        taken.extend(self.sandbox.participants().iter().map(|p| p.participant_code.clone()));
        let code = desk_code(name, &taken);
        let added = self.onboard(console, name, &code, &[role]).await;
        if added.is_err()
            && let Ok(id) = console.profile_id_for(&code)
            && let Err(e) = console.delete_profile(&id).await
        {
            tracing::warn!(profile = %id, error = %e, "half-made desk not removed");
        }
        added
    }

    /// Serves a production profile (onboarded through this exchange's operator) on the local
    /// bridge with a fresh mailbox token, and registers that mailbox as its callback address.
    /// Called right after its credentials arrive and again on every restart (the bridge keeps
    /// its mailbox list in memory).
    pub async fn attach_bridge(&self, console: &Console, profile_id: &str) -> Result<String> {
        let token = hcx_bridge::generate_token()?;
        console
            .set_bridge(profile_id, self.bridge.base_url(), &Secret::new(token.expose().to_owned()))
            .await?;
        let code = console.profile_by_id(profile_id)?.participant_code;
        console.set_exchange_code(profile_id, self.sandbox.hcx_code())?;
        let gateway_cert =
            console.participant_certificate(profile_id, self.sandbox.hcx_code()).await?;
        let gateway = GatewayTrust::new(self.sandbox.hcx_code(), &gateway_cert);
        self.bridge.add_participant(&code, token.expose(), Some(gateway))?;
        console.connect_bridge(profile_id).await
    }

    /// Fetches a production profile's credentials from this exchange's operator and connects
    /// it to the local bridge.
    pub async fn fetch_credentials(
        &self,
        console: &Console,
        profile_id: &str,
    ) -> Result<crate::dto::GoLiveView> {
        console.fetch_credentials(profile_id).await?;
        self.attach_bridge(console, profile_id).await?;
        console.go_live(profile_id).await
    }

    /// What the sandbox operator "sent" by SMS and e-mail (the OTPs), newest last.
    pub async fn operator_messages(
        &self,
        application_id: Option<&str>,
    ) -> Result<Vec<crate::dto::OperatorMessageView>> {
        let admin = self.sandbox.admin_credentials();
        let operator = hcx_onboard::client::OperatorClient::new(
            &self.sandbox.base_url(),
            hcx_protocol::ApiVersion::default(),
        )?
        .with_credentials(hcx_client::Credentials::Password {
            username: admin.username.clone(),
            password: hcx_client::Secret::new(admin.password.expose()),
        });
        Ok(operator
            .outbox(application_id)
            .await?
            .into_iter()
            .map(|m| crate::dto::OperatorMessageView {
                at: crate::views::utc(m.at),
                application_id: m.application_id,
                channel: m.channel,
                to: m.to,
                text: m.text,
            })
            .collect())
    }

    /// Stops the bridge and the sandbox.
    pub async fn shutdown(self) {
        if let Err(e) = self.bridge.shutdown().await {
            tracing::warn!(error = %e, "bridge shutdown");
        }
        self.sandbox.shutdown().await;
    }
}

/// `name` as a sandbox participant code: its letters and digits, lower-case, words joined by
/// `-`, at most [`DESK_CODE_MAX`] characters, then `@sandbox`; `-2`, `-3`, … when taken.
fn desk_code(name: &str, taken: &HashSet<String>) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut stem = words.join("-");
    stem.truncate(DESK_CODE_MAX);
    let stem = match stem.trim_end_matches('-') {
        // A name in another script has no ASCII letters; the code still has to be readable.
        "" => "desk".to_owned(),
        s => s.to_owned(),
    };
    let mut code = format!("{stem}@sandbox");
    let mut n = 1;
    while taken.contains(&code) {
        n += 1;
        code = format!("{stem}-{n}@sandbox");
    }
    code
}

/// A preauth for the demo: two items, 39,500.00 in all.
pub fn demo_preauth(recipient: &str, workflow_id: Option<String>) -> ComposeForm {
    ComposeForm {
        use_case: "preauth".into(),
        recipient: recipient.into(),
        workflow_id,
        related_correlation_id: None,
        patient_name: "Asha Verma".into(),
        patient_gender: "female".into(),
        patient_birth_date: Some("1988-04-12".into()),
        patient_abha: Some("91-4567-8912-3456".into()),
        policy_number: "POL-2026-000123".into(),
        diagnoses: vec!["K35.8 Acute appendicitis".into()],
        items: vec![
            ClaimItemForm {
                code: "ROOM".into(),
                description: "Room rent, 3 days".into(),
                quantity: "3".into(),
                unit_price: "1500.00".into(),
            },
            ClaimItemForm {
                code: "SURG".into(),
                description: "Laparoscopic appendectomy".into(),
                quantity: "1".into(),
                unit_price: "35000.00".into(),
            },
        ],
        attachments: Vec::new(),
        note: None,
        practitioner_name: Some("Dr. Ravi Kumar".into()),
        practitioner_hpr_id: Some("71-4563-2147-8563".into()),
    }
}

/// Waits until cycle `correlation_id` reaches one of `states` (checked on every change
/// notification and every 200 ms).
pub async fn wait_for_state(
    console: &Console,
    correlation_id: &str,
    states: &[&str],
    timeout: Duration,
) -> Result<ThreadDetail> {
    let mut changes = console.subscribe();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let detail = console.get_thread(correlation_id).await?;
        if states.contains(&detail.thread.state.as_str()) {
            return Ok(detail);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ConsoleError::Timeout(format!(
                "cycle {correlation_id} is still {} after {timeout:?} (waiting for {states:?})",
                detail.thread.state
            )));
        }
        tokio::select! {
            _ = changes.recv() => {}
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

/// What `hcx demo` produced.
#[derive(Debug)]
pub struct DemoReport {
    /// The preauth cycle, finished.
    pub detail: ThreadDetail,
}

/// Runs the demo: sandbox, bridge, demo payer and a provider profile in this process; sends a
/// preauth and returns the finished cycle. Everything lives in a temporary directory and the
/// profile's secrets are removed from the keychain at the end.
pub async fn run_demo(app_id: &str, timeout: Duration) -> Result<DemoReport> {
    let dir = tempfile::Builder::new()
        .prefix("hcx-demo-")
        .tempdir()
        .map_err(ConsoleError::io("creating the demo directory"))?;
    let exchange = LocalExchange::start(dir.path(), false).await?;
    let mut options = ConsoleOptions::new(dir.path().join("console"));
    options.app_id = app_id.to_owned();
    let console = Console::open(options)?;
    console.set_embedded_sandbox(true);
    let payer = exchange.code(DemoKind::Payer)?;
    let result = async {
        let profile = exchange
            .onboard(&console, "Demo Clinic", "demo-clinic@sandbox", &["provider.hospital"])
            .await?;
        console.recover_outbox()?;
        let worker = console.start_outbox_worker();
        let poller = console.start_bridge_poller_with(
            &profile.id,
            PollerOptions { wait: Duration::from_secs(5), ..PollerOptions::default() },
        )?;
        let receipt = console.send_compose(demo_preauth(&payer, None)).await?;
        let detail = wait_for_state(
            &console,
            &receipt.correlation_id,
            &["complete", "rejected", "error"],
            timeout,
        )
        .await;
        if let Some(p) = poller {
            p.stop().await;
        }
        worker.stop().await;
        let cleanup = console.delete_profile(&profile.id).await;
        let detail = detail?;
        cleanup?;
        Ok(DemoReport { detail })
    }
    .await;
    exchange.shutdown().await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Settings form offers the roles from `ui/src/lib/desks.ts`; a role missing there is a
    /// desk nobody can add, one extra there is a desk the backend refuses.
    #[test]
    fn the_ui_offers_exactly_the_desk_roles_the_console_takes() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/desks.ts");
        let ts = std::fs::read_to_string(&path).unwrap_or_default();
        let mut offered: Vec<&str> =
            ts.split("role: \"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
        let mut taken = DESK_ROLES.to_vec();
        offered.sort_unstable();
        taken.sort_unstable();
        assert_eq!(offered, taken, "{} lists the roles add_desk accepts", path.display());
    }

    #[test]
    fn a_desk_code_is_read_from_the_name_and_never_reuses_a_taken_one() {
        let none = HashSet::new();
        assert_eq!(
            desk_code("Arogya Demo TPA (Pune)", &none),
            "arogya-demo-tpa-pune@sandbox",
            "words lower-cased and joined by '-', punctuation dropped"
        );
        let taken: HashSet<String> =
            ["star-tpa@sandbox".to_owned(), "star-tpa-2@sandbox".to_owned()].into();
        assert_eq!(
            desk_code("Star TPA", &taken),
            "star-tpa-3@sandbox",
            "the first free suffix: two desks of the same name stay two participants"
        );
        assert_eq!(desk_code("आरोग्य", &none), "desk@sandbox", "a name without ASCII letters");
        let long = desk_code(&"Sunrise Multispeciality ".repeat(4), &none);
        assert!(
            long.len() <= DESK_CODE_MAX + "@sandbox".len() && !long.contains("-@"),
            "a long name is cut to the limit without a dangling '-': {long}"
        );
    }
}
