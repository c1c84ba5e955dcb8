//! Start-up: where the data lives, which keychain namespace is used, and the first run on the
//! embedded sandbox.
//!
//! Environment knobs (all optional):
//! - `HCX_DATA`: the data directory (default: the OS app-data directory of `in.hcx.console`).
//! - `HCX_APP_ID`: the keychain namespace (default `hcx_keys::APP_ID`); tests use a throw-away
//!   one so they never touch a user's keys.

use std::path::PathBuf;

use hcx_console::demo::LocalExchange;
use hcx_console::{Console, ConsoleError, ConsoleOptions};

/// Sub-directory of the data directory that holds the embedded exchange and bridge.
const EMBEDDED_DIR: &str = "embedded";
/// The participant the first run creates on the embedded sandbox.
const DEMO_CLINIC: (&str, &str, &str) = ("Demo Clinic", "demo-clinic@sandbox", "provider.hospital");

/// Console options from the environment, with `default_data_dir` when `HCX_DATA` is unset.
pub(crate) fn options(default_data_dir: PathBuf) -> ConsoleOptions {
    let data_dir = std::env::var_os("HCX_DATA")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or(default_data_dir);
    let mut options = ConsoleOptions::new(data_dir);
    if let Some(app_id) = std::env::var("HCX_APP_ID").ok().filter(|v| !v.trim().is_empty()) {
        options.app_id = app_id;
    }
    options
}

/// The embedded sandbox exchange and bridge, running in this process.
pub(crate) struct Embedded {
    exchange: LocalExchange,
}

impl Embedded {
    /// Stops the bridge and the exchange.
    pub(crate) async fn shutdown(self) {
        self.exchange.shutdown().await;
    }
}

/// First run (no profile yet): starts the embedded sandbox and bridge, and creates the demo
/// clinic's profile on them. `Ok(None)` when profiles already exist.
pub(crate) async fn first_run(console: &Console) -> Result<Option<Embedded>, ConsoleError> {
    if !console.list_profiles().await?.is_empty() {
        return Ok(None);
    }
    let exchange = LocalExchange::start(&console.data_dir().join(EMBEDDED_DIR), false).await?;
    let (name, code, role) = DEMO_CLINIC;
    let profile = exchange.onboard(console, name, code, &[role]).await?;
    console.set_embedded_sandbox(true);
    tracing::info!(profile = %profile.id, gateway = %profile.gateway_url, "embedded sandbox ready");
    Ok(Some(Embedded { exchange }))
}
