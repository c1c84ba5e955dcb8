//! The embedded sandbox: an exchange and a bridge in this process, created on a data
//! directory's first run and resumed on later runs, for every front end (the desktop app and
//! `hcx serve-ui` share it through [`crate::surface::Host`]).
//!
//! The bridge keeps its mailboxes in memory and a fresh exchange would pick random ports, so a
//! second start would leave the profiles pointing at ports nobody listens on. The first run
//! therefore records its ports (`embedded/ports.json`); a later run restarts the exchange on
//! them and serves every sandbox profile's mailbox again with fresh bridge credentials (and a
//! fresh gateway password and key when the sandbox-only memory secret store lost them with the
//! previous process). The first run creates the Demo Clinic; desks added later
//! ([`Embedded::add_desk`]) are re-attached like it.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

use hcx_bridge::{Bridge, BridgeConfig, GatewayTrust};
use hcx_sandbox::{Sandbox, SandboxConfig};
use serde::{Deserialize, Serialize};

use crate::demo::LocalExchange;
use crate::dto::{Environment, ProfileView};
use crate::{Console, ConsoleError, SandboxAdmin, Secret};

/// Sub-directory of the data directory that holds the embedded exchange and bridge.
const EMBEDDED_DIR: &str = "embedded";
/// The ports the embedded exchange listens on, fixed at its first start.
const PORTS_FILE: &str = "ports.json";
/// The participant the first run creates on the embedded sandbox.
const DEMO_CLINIC: (&str, &str, &str) = ("Demo Clinic", "demo-clinic@sandbox", "provider.hospital");

/// How the embedded exchange runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbeddedOptions {
    /// Short scripted-counterparty delays and dispatch retries (browser tests), as
    /// `SandboxConfig::for_tests`.
    pub fast: bool,
}

/// The embedded sandbox exchange and bridge, running in this process.
#[derive(Debug)]
pub struct Embedded {
    exchange: LocalExchange,
}

impl Embedded {
    /// Whether the embedded exchange is this profile's exchange (and operator).
    pub fn serves(&self, console: &Console, profile_id: &str) -> Result<bool, ConsoleError> {
        Ok(console.profile_by_id(profile_id)?.gateway_url == self.exchange.sandbox.base_url())
    }

    /// The sandbox operator's SMS / e-mail outbox.
    pub async fn operator_messages(
        &self,
        application_id: Option<&str>,
    ) -> Result<Vec<crate::dto::OperatorMessageView>, ConsoleError> {
        self.exchange.operator_messages(application_id).await
    }

    /// A new desk on the embedded sandbox; the restart path re-attaches it like the clinic.
    pub async fn add_desk(
        &self,
        console: &Console,
        name: &str,
        role: &str,
    ) -> Result<ProfileView, ConsoleError> {
        self.exchange.add_desk(console, name, role).await
    }

    /// Credentials into the keychain and the profile's mailbox on the embedded bridge.
    pub async fn fetch_credentials(
        &self,
        console: &Console,
        profile_id: &str,
    ) -> Result<crate::dto::GoLiveView, ConsoleError> {
        self.exchange.fetch_credentials(console, profile_id).await
    }

    /// Stops the bridge and the exchange.
    pub async fn shutdown(self) {
        self.exchange.shutdown().await;
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Ports {
    sandbox: u16,
    bridge: u16,
}

/// Starts the embedded exchange when this data directory uses one: on the first run (no
/// profile yet) it is created with the demo clinic's profile; later it is resumed on the same
/// ports. `Ok(None)` when the console works with other exchanges only.
pub async fn embedded(
    console: &Console,
    options: EmbeddedOptions,
) -> Result<Option<Embedded>, ConsoleError> {
    let dir = console.data_dir().join(EMBEDDED_DIR);
    let profiles = console.list_profiles().await?;
    let embedded = if profiles.is_empty() {
        first_run(console, &dir, options).await?
    } else if let Some(ports) = read_ports(&dir)? {
        resume(console, &dir, ports, &profiles, options).await?
    } else {
        return Ok(None);
    };
    console.set_embedded_sandbox(true);
    Ok(Some(embedded))
}

async fn first_run(
    console: &Console,
    dir: &Path,
    options: EmbeddedOptions,
) -> Result<Embedded, ConsoleError> {
    let exchange = start_exchange(dir, None, options).await?;
    let ports = Ports {
        sandbox: port_of(&exchange.sandbox.base_url())?,
        bridge: exchange.bridge.local_addr().port(),
    };
    write_ports(dir, ports)?;
    let (name, code, role) = DEMO_CLINIC;
    let profile = exchange.onboard(console, name, code, &[role]).await?;
    tracing::info!(profile = %profile.id, gateway = %profile.gateway_url, "embedded sandbox created");
    Ok(Embedded { exchange })
}

async fn resume(
    console: &Console,
    dir: &Path,
    ports: Ports,
    profiles: &[ProfileView],
    options: EmbeddedOptions,
) -> Result<Embedded, ConsoleError> {
    let exchange = start_exchange(dir, Some(ports), options).await?;
    let base = exchange.sandbox.base_url();
    for p in
        profiles.iter().filter(|p| p.environment == Environment::Sandbox && p.gateway_url == base)
    {
        reattach(console, &exchange, p).await?;
    }
    // Production profiles onboarded through the embedded operator: their secret is in the
    // keychain; only the bridge lost their mailbox with the previous process.
    for p in profiles.iter().filter(|p| {
        p.environment == Environment::Production
            && p.gateway_url == base
            && p.participant_code != crate::PENDING_CODE
    }) {
        if let Err(e) = exchange.attach_bridge(console, &p.id).await {
            tracing::warn!(profile = %p.id, error = %e, "production profile not re-attached");
        }
    }
    tracing::info!(gateway = %base, "embedded sandbox resumed");
    Ok(Embedded { exchange })
}

/// Serves `profile`'s mailbox on the restarted bridge and re-registers it on the sandbox.
async fn reattach(
    console: &Console,
    exchange: &LocalExchange,
    profile: &ProfileView,
) -> Result<(), ConsoleError> {
    if !console.key_status(&profile.id).await?.has_private_key {
        console.generate_key(&profile.id).await?;
    }
    // The password may have lived in the memory-only store of the previous process: set a new
    // one, which the re-registration below gives to the sandbox too.
    console.set_gateway_password(&profile.id, &random_secret()?).await?;
    let token = random_secret()?;
    console.set_bridge(&profile.id, exchange.bridge.base_url(), &token).await?;
    let admin = exchange.sandbox.admin_credentials();
    let admin = SandboxAdmin {
        username: admin.username.clone(),
        password: Secret::new(admin.password.expose().to_owned()),
    };
    let endpoint = exchange.bridge.endpoint_url(&profile.participant_code);
    console.register_on_sandbox(&profile.id, &admin, &endpoint).await?;
    // Profiles from before the exchange code was recorded learn it here, so the sandbox's own
    // error callbacks are applied rather than flagged as suspicious.
    console.set_exchange_code(&profile.id, exchange.sandbox.hcx_code())?;
    let cert = console.participant_certificate(&profile.id, exchange.sandbox.hcx_code()).await?;
    let gateway = GatewayTrust::new(exchange.sandbox.hcx_code(), &cert);
    exchange.bridge.add_participant(&profile.participant_code, token.expose(), Some(gateway))?;
    Ok(())
}

async fn start_exchange(
    dir: &Path,
    ports: Option<Ports>,
    options: EmbeddedOptions,
) -> Result<LocalExchange, ConsoleError> {
    let localhost = |port: u16| SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut sandbox = if options.fast {
        SandboxConfig::for_tests(dir.join("sandbox"))
    } else {
        SandboxConfig::new(dir.join("sandbox"))
    };
    sandbox.bind = localhost(ports.map_or(0, |p| p.sandbox));
    let sandbox = Sandbox::start(sandbox).await?;
    // As in `LocalExchange::start`, the bridge verifies the sandbox's dispatch JWT with the
    // sandbox's certificate, given to it per participant (`onboard`, `reattach`).
    let mut bridge = BridgeConfig::new(dir.join("bridge"));
    bridge.bind = localhost(ports.map_or(0, |p| p.bridge));
    let bridge = match Bridge::start(bridge).await {
        Ok(b) => b,
        Err(e) => {
            sandbox.shutdown().await;
            return Err(e.into());
        }
    };
    Ok(LocalExchange { sandbox, bridge })
}

fn random_secret() -> Result<Secret, ConsoleError> {
    Ok(Secret::new(hcx_bridge::generate_token()?.expose().to_owned()))
}

fn port_of(url: &str) -> Result<u16, ConsoleError> {
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?']).next())
        .and_then(|host| host.rsplit(':').next())
        .and_then(|port| port.parse().ok())
        .ok_or_else(|| {
            ConsoleError::NotAllowed(format!("the embedded sandbox URL {url} has no port"))
        })
}

fn read_ports(dir: &Path) -> Result<Option<Ports>, ConsoleError> {
    let path = dir.join(PORTS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConsoleError::Io { what: format!("reading {}", path.display()), source });
        }
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        ConsoleError::input(path.display().to_string(), format!("not a ports file: {e}"))
    })
}

fn write_ports(dir: &Path, ports: Ports) -> Result<(), ConsoleError> {
    let path = dir.join(PORTS_FILE);
    let text = serde_json::to_string(
        &serde_json::json!({"sandbox": ports.sandbox, "bridge": ports.bridge}),
    )
    .map_err(|e| ConsoleError::input("ports", e.to_string()))?;
    std::fs::write(&path, text)
        .map_err(|source| ConsoleError::Io { what: format!("writing {}", path.display()), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_read_from_the_sandbox_url() {
        assert_eq!(port_of("http://127.0.0.1:43375/api").ok(), Some(43375), "port before the path");
        assert_eq!(port_of("http://127.0.0.1:8080").ok(), Some(8080), "port without a path");
        assert!(port_of("http://localhost/api").is_err(), "no port is an error, not port 0");
    }

    #[test]
    fn ports_survive_a_round_trip_and_a_missing_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_ports(dir.path()).unwrap().is_none(), "no file yet: not an embedded setup");
        write_ports(dir.path(), Ports { sandbox: 4100, bridge: 4200 }).unwrap();
        let back = read_ports(dir.path()).unwrap().unwrap();
        assert_eq!(
            (back.sandbox, back.bridge),
            (4100, 4200),
            "the next start binds the same ports"
        );
        std::fs::write(dir.path().join(PORTS_FILE), "garbage").unwrap();
        assert!(read_ports(dir.path()).is_err(), "a damaged file is a clear error, not a panic");
    }
}
