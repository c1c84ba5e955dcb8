//! Desktop shell of the HCX Participant Console (Tauri v2): the ONLY crate that depends on tauri.
//!
//! It owns the window, the one IPC command that carries hcx-console's command table
//! ([`ipc`]), the window's side of the events ([`window_events`]), OS notifications
//! ([`notify`]) and where the app keeps its data. Everything else (the commands, the embedded
//! sandbox's first run and resume, the background loops, the events' batching) lives in
//! `hcx_console::surface`, shared with `hcx serve-ui`. It must NOT hold business logic, SQL,
//! crypto or HTTP. It loads no remote content: the UI is embedded from `ui/dist` and served
//! under the strict CSP from `tauri.conf.json`.
//!
//! Environment knobs (all optional):
//! - `HCX_DATA`: the data directory (default: the OS app-data directory of `in.hcx.console`).
//! - `HCX_APP_ID`: the keychain namespace (default `hcx_keys::APP_ID`); tests use a throw-away
//!   one so they never touch a user's keys.

mod ipc;
mod notify;
mod window_events;

use std::path::PathBuf;
use std::sync::Arc;

use hcx_console::embedded::EmbeddedOptions;
use hcx_console::surface::Host;
use hcx_console::{Console, ConsoleOptions};
use tauri::Manager;

/// Starts the app and blocks until its window closes.
pub fn run() {
    init_tracing();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let default_dir = app.path().app_data_dir()?;
            let console = Console::open(options(default_dir))?;
            tracing::info!(data = %console.data_dir().display(), "console opened");
            let host = Host::new(console);
            app.manage(host.clone());
            let sink = Arc::new(window_events::WindowSink(app.handle().clone()));
            tauri::async_runtime::spawn(async move {
                host.start(EmbeddedOptions::default(), sink).await;
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![ipc::call])
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("hcx-console-app: could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event
            && let Some(host) = handle.try_state::<Host>()
        {
            // Stop the poller and worker before the embedded exchange they talk to.
            tauri::async_runtime::block_on(host.shutdown());
        }
    });
}

/// Console options from the environment, with `default_data_dir` when `HCX_DATA` is unset.
fn options(default_data_dir: PathBuf) -> ConsoleOptions {
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

/// Logs to stderr; `RUST_LOG` filters (default: info for our crates, warn for the rest).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "warn,hcx_console_app=info,hcx_console=info,hcx_sandbox=info,hcx_bridge=info",
        )
    });
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
