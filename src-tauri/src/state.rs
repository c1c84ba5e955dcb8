//! What the app keeps in Tauri's managed state: cheap `Clone` handles, registered once in
//! `setup`.
//!
//! [`Shell`] holds the console (itself a cheap handle over the store, secrets and clients) and
//! the running background pieces: the embedded exchange when the app runs on its own sandbox,
//! the outbox worker and bridge poller of the active profile, and the event loops. Dropping the
//! last handle stops all of them (each piece stops on `Drop`).

use std::sync::Arc;

use hcx_console::Console;
use tokio::sync::{Mutex, watch};

use crate::events::Loops;
use crate::startup::Embedded;

/// The managed state every command receives.
#[derive(Clone)]
pub struct Shell {
    console: Console,
    /// Becomes true once start-up (first run on the embedded sandbox, background loops) is done.
    ready: Arc<watch::Sender<bool>>,
    running: Arc<Mutex<Running>>,
}

#[derive(Default)]
struct Running {
    embedded: Option<Embedded>,
    background: Option<hcx_console::Background>,
    /// The profile whose background is running.
    background_profile: Option<String>,
    loops: Option<Loops>,
}

impl Shell {
    /// A shell over `console` with nothing running yet.
    pub fn new(console: Console) -> Self {
        Shell {
            console,
            ready: Arc::new(watch::channel(false).0),
            running: Arc::new(Mutex::new(Running::default())),
        }
    }

    /// The console, once start-up is done. Commands go through here so that the UI never sees
    /// the first run half-way (a profile that exists but is not yet registered on the sandbox).
    pub async fn ready(&self) -> &Console {
        let mut rx = self.ready.subscribe();
        // An error means the sender is gone, which cannot happen while `self` holds it.
        let _ = rx.wait_for(|ready| *ready).await;
        &self.console
    }

    /// The console without waiting for start-up (start-up itself uses it).
    pub(crate) fn console(&self) -> &Console {
        &self.console
    }

    /// Lets commands through; called once start-up finished, whether or not it succeeded (a
    /// failed start is reported by the commands' own errors and the status bar).
    pub(crate) fn mark_ready(&self) {
        self.ready.send_replace(true);
    }

    /// Keeps the event loops alive as long as the shell lives.
    pub(crate) async fn set_loops(&self, loops: Loops) {
        self.running.lock().await.loops = Some(loops);
    }

    /// Keeps the embedded exchange alive as long as the shell lives.
    pub(crate) async fn set_embedded(&self, embedded: Embedded) {
        self.running.lock().await.embedded = Some(embedded);
    }

    /// Makes sure the outbox worker and bridge poller run for the active profile: started when
    /// none run, restarted when the active profile changed since they started. Without an
    /// active profile nothing runs.
    pub(crate) async fn sync_background(&self) -> Result<(), hcx_console::ConsoleError> {
        self.sync_background_for(None).await
    }

    /// As [`Shell::sync_background`], and also restarts it when `changed` is the running
    /// profile (its bridge or login just changed, e.g. its production credentials arrived).
    pub(crate) async fn sync_background_for(
        &self,
        changed: Option<&str>,
    ) -> Result<(), hcx_console::ConsoleError> {
        let active = match self.console.active_profile().await {
            Ok(p) => Some(p.id),
            Err(hcx_console::ConsoleError::NoActiveProfile) => None,
            Err(e) => return Err(e),
        };
        let mut running = self.running.lock().await;
        let stale = changed.is_some() && running.background_profile.as_deref() == changed;
        if running.background.is_some() && running.background_profile == active && !stale {
            return Ok(());
        }
        if let Some(old) = running.background.take() {
            old.stop().await;
        }
        running.background_profile = None;
        if active.is_some() {
            running.background = Some(self.console.start_background()?);
            running.background_profile = active;
        }
        Ok(())
    }

    /// The embedded sandbox operator's outbox; refused when the app runs without it.
    pub(crate) async fn operator_messages(
        &self,
        application_id: Option<&str>,
    ) -> Result<Vec<hcx_console::dto::OperatorMessageView>, hcx_console::ConsoleError> {
        match &self.running.lock().await.embedded {
            Some(e) => e.operator_messages(application_id).await,
            None => Err(hcx_console::ConsoleError::NotAllowed(
                "the operator's messages are shown only for the embedded sandbox; a real \
                 operator sends the OTP to your registered mobile"
                    .into(),
            )),
        }
    }

    /// Adds a desk (participant and profile) on the embedded sandbox; refused without it.
    pub(crate) async fn add_sandbox_desk(
        &self,
        name: &str,
        role: &str,
    ) -> Result<hcx_console::dto::ProfileView, hcx_console::ConsoleError> {
        match &self.running.lock().await.embedded {
            Some(e) => e.add_desk(&self.console, name, role).await,
            None => Err(hcx_console::ConsoleError::NotAllowed(
                "desks are added here only on the embedded sandbox; add a profile for another \
                 exchange with `hcx profile add`"
                    .into(),
            )),
        }
    }

    /// Fetches a production profile's credentials; when the embedded sandbox is its operator,
    /// its mailbox is served on the embedded bridge too.
    pub(crate) async fn fetch_credentials(
        &self,
        profile_id: &str,
    ) -> Result<hcx_console::dto::GoLiveView, hcx_console::ConsoleError> {
        match &self.running.lock().await.embedded {
            Some(e) if e.serves(&self.console, profile_id)? => {
                e.fetch_credentials(&self.console, profile_id).await
            }
            _ => self.console.fetch_credentials(profile_id).await,
        }
    }

    /// Stops everything in order: the loops that talk to the exchange first, then the exchange.
    pub(crate) async fn shutdown(&self) {
        let mut running = self.running.lock().await;
        running.loops = None;
        if let Some(bg) = running.background.take() {
            bg.stop().await;
        }
        if let Some(embedded) = running.embedded.take() {
            embedded.shutdown().await;
        }
    }
}
