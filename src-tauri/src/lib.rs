//! Desktop shell of the HCX Participant Console (Tauri v2): the ONLY crate that depends on tauri.
//!
//! It owns the window, the IPC commands (one thin adapter per contract command, see
//! [`commands`]), the events sent to the UI ([`events`]), OS notifications ([`notify`]) and the
//! app's lifecycle (data directory, first run on the embedded sandbox, background loops; see
//! [`startup`] and [`state`]). It must NOT hold business logic, SQL, crypto or HTTP: every
//! command calls one `hcx_console::Console` use case and maps its error to an [`IpcError`].
//! It loads no remote content: the UI is embedded from `ui/dist` and served under the strict
//! CSP from `tauri.conf.json`.

mod commands;
pub mod error;
pub mod events;
mod notify;
mod startup;
pub mod state;

use hcx_console::Console;
use tauri::Manager;

pub use error::IpcError;
pub use state::Shell;

/// Starts the app and blocks until its window closes.
pub fn run() {
    init_tracing();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let default_dir = app.path().app_data_dir()?;
            let console = Console::open(startup::options(default_dir))?;
            tracing::info!(data = %console.data_dir().display(), "console opened");
            let shell = Shell::new(console);
            app.manage(shell.clone());
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                start_backend(&handle, &shell).await;
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::list_profiles,
            commands::use_profile,
            commands::add_sandbox_desk,
            commands::list_counterparties,
            commands::list_threads,
            commands::get_thread,
            commands::get_workflow,
            commands::check_compose,
            commands::send_compose,
            commands::answer_query,
            commands::acknowledge_payment,
            commands::ask_status,
            commands::tpa_inbox,
            commands::decide,
            commands::request_documents,
            commands::redirect,
            commands::key_status,
            commands::run_preflight,
            commands::inspect,
            commands::onboarding,
            commands::certify,
            commands::registration_kinds,
            commands::registration_draft,
            commands::save_registration_draft,
            commands::submit_registration,
            commands::application_status,
            commands::submit_otp,
            commands::resend_otp,
            commands::sandbox_operator_messages,
            commands::fetch_credentials,
            commands::report_compromise,
            commands::go_live,
            commands::set_pilot,
            commands::mark_staff_trained,
            commands::empanelment_requests,
            commands::decide_empanelment,
            commands::list_dead_letters,
            commands::retry_dead_letter,
            commands::list_suspicious,
        ])
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
            && let Some(shell) = handle.try_state::<Shell>()
        {
            // Stop the poller and worker before the embedded exchange they talk to.
            tauri::async_runtime::block_on(shell.shutdown());
        }
    });
}

/// First run on the embedded sandbox when there is no profile yet, then the outbox worker and
/// bridge poller of the active profile. Failures are logged and shown through `app-status`
/// (the status bar reads "stopped"); the window stays usable for Settings and the inspector.
async fn start_backend<R: tauri::Runtime>(app: &tauri::AppHandle<R>, shell: &Shell) {
    let console = shell.console();
    match startup::embedded(console).await {
        Ok(Some(embedded)) => shell.set_embedded(embedded).await,
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "could not start the embedded sandbox"),
    }
    shell.set_loops(events::start(app.clone(), console.clone())).await;
    if let Err(e) = shell.sync_background().await {
        tracing::error!(error = %e, "could not start the outbox worker and bridge poller");
    }
    shell.mark_ready();
    if let Ok(status) = console.app_status().await {
        events::emit_status(app, &status);
    }
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
