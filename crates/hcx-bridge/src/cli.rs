//! `hcx bridge serve --port N --data DIR --config FILE` (the console binary wires the clap
//! subcommand to [`serve_cli`]) and the small `hcx-bridge-server` binary.

use std::path::{Path, PathBuf};

use crate::config::FileConfig;
use crate::error::Result;
use crate::server::Bridge;

/// Run a bridge from a config file until Ctrl-C or SIGTERM.
///
/// Prints (via `tracing`) the endpoint URL to register for each participant.
pub async fn serve_cli(port: u16, data_dir: PathBuf, config_file: PathBuf) -> Result<()> {
    let file = FileConfig::load(&config_file)?;
    let base_dir = config_file.parent().map(Path::to_path_buf).unwrap_or_default();
    let cfg = file.into_bridge_config(port, data_dir, &base_dir)?;
    let handle = Bridge::start(cfg).await?;
    for code in handle.participants() {
        tracing::info!(participant = %code, endpoint_url = %handle.endpoint_url(&code),
            "register this as the participant's endpoint_url");
    }
    // Machine-readable readiness line for scripts and tests.
    println!("listening {}", handle.base_url());
    wait_for_stop_signal().await;
    tracing::info!("stopping bridge");
    handle.shutdown().await
}

async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
