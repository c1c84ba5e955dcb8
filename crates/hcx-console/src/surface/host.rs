//! [`Host`]: the state a front end keeps beside the [`Console`], the same for the desktop app
//! and `hcx serve-ui`: the embedded exchange when the data directory runs on its own sandbox,
//! the outbox worker and bridge poller of the active profile, and the event loops.
//!
//! Commands that change what runs in the background (switching profile, fetching production
//! credentials, adding a desk on the embedded sandbox) go through here, so both transports
//! get the same side effects from one command table. Dropping the last handle stops
//! everything (each piece stops on `Drop`); [`Host::shutdown`] stops it in order.

use std::sync::Arc;

use tokio::sync::{Mutex, watch};

use super::events::{self, EventSink, Loops};
use crate::dto::{GoLiveView, OperatorMessageView, ProfileView};
use crate::embedded::{self, Embedded, EmbeddedOptions};
use crate::{Background, Console, ConsoleError};

/// The console and what runs beside it; a cheap `Clone` handle.
#[derive(Clone)]
pub struct Host {
    console: Console,
    /// Becomes true once start-up (first run on the embedded sandbox, background loops) is done.
    ready: Arc<watch::Sender<bool>>,
    running: Arc<Mutex<Running>>,
}

#[derive(Default)]
struct Running {
    embedded: Option<Embedded>,
    background: Option<Background>,
    /// The profile whose background is running.
    background_profile: Option<String>,
    loops: Option<Loops>,
}

impl Host {
    /// A host over `console` with nothing running yet.
    pub fn new(console: Console) -> Self {
        Host {
            console,
            ready: Arc::new(watch::channel(false).0),
            running: Arc::new(Mutex::new(Running::default())),
        }
    }

    /// Start-up: the embedded exchange (created on the first run, resumed later), the event
    /// loops feeding `sink`, then the outbox worker and bridge poller of the active profile.
    /// Failures are logged and shown through `app-status` (the status bar reads "stopped"), so
    /// the front end stays usable for Settings and the inspector; commands wait for this.
    pub async fn start(&self, options: EmbeddedOptions, sink: Arc<dyn EventSink>) {
        match embedded::embedded(&self.console, options).await {
            Ok(Some(e)) => self.running.lock().await.embedded = Some(e),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "could not start the embedded sandbox"),
        }
        let loops = events::start(self.console.clone(), sink.clone());
        self.running.lock().await.loops = Some(loops);
        if let Err(e) = self.sync_background().await {
            tracing::error!(error = %e, "could not start the outbox worker and bridge poller");
        }
        self.ready.send_replace(true);
        if let Ok(status) = self.console.app_status().await {
            events::emit_status(sink.as_ref(), &status);
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

    /// The console without waiting for start-up.
    pub fn console(&self) -> &Console {
        &self.console
    }

    /// Makes sure the outbox worker and bridge poller run for the active profile: started when
    /// none run, restarted when the active profile changed since they started. Without an
    /// active profile nothing runs.
    pub async fn sync_background(&self) -> Result<(), ConsoleError> {
        self.sync_background_for(None).await
    }

    /// As [`Host::sync_background`], and also restarts it when `changed` is the running
    /// profile (its bridge or login just changed, e.g. its production credentials arrived).
    pub async fn sync_background_for(&self, changed: Option<&str>) -> Result<(), ConsoleError> {
        let active = match self.console.active_profile().await {
            Ok(p) => Some(p.id),
            Err(ConsoleError::NoActiveProfile) => None,
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

    /// Selects a profile and moves the outbox worker and bridge poller over to it.
    pub async fn use_profile(&self, id: &str) -> Result<ProfileView, ConsoleError> {
        let profile = self.ready().await.use_profile(id).await?;
        self.sync_background().await?;
        Ok(profile)
    }

    /// The embedded sandbox operator's outbox; refused without the embedded sandbox.
    pub async fn operator_messages(
        &self,
        application_id: Option<&str>,
    ) -> Result<Vec<OperatorMessageView>, ConsoleError> {
        self.ready().await;
        match &self.running.lock().await.embedded {
            Some(e) => e.operator_messages(application_id).await,
            None => Err(ConsoleError::NotAllowed(
                "the operator's messages are shown only for the embedded sandbox; a real \
                 operator sends the OTP to your registered mobile"
                    .into(),
            )),
        }
    }

    /// Adds a desk (participant and profile) on the embedded sandbox; refused without it.
    pub async fn add_sandbox_desk(
        &self,
        name: &str,
        role: &str,
    ) -> Result<ProfileView, ConsoleError> {
        self.ready().await;
        match &self.running.lock().await.embedded {
            Some(e) => e.add_desk(&self.console, name, role).await,
            None => Err(ConsoleError::NotAllowed(
                "desks are added here only on the embedded sandbox; add a profile for another \
                 exchange with `hcx profile add`"
                    .into(),
            )),
        }
    }

    /// Fetches a production profile's credentials (when the embedded sandbox is its operator,
    /// its mailbox is served on the embedded bridge too), then restarts its mailbox poller:
    /// the profile now has a bridge and a new login.
    pub async fn fetch_credentials(&self, profile_id: &str) -> Result<GoLiveView, ConsoleError> {
        self.ready().await;
        let view = {
            let running = self.running.lock().await;
            match &running.embedded {
                Some(e) if e.serves(&self.console, profile_id)? => {
                    e.fetch_credentials(&self.console, profile_id).await?
                }
                _ => self.console.fetch_credentials(profile_id).await?,
            }
        };
        self.sync_background_for(Some(profile_id)).await?;
        Ok(view)
    }

    /// Stops everything in order: the loops that talk to the exchange first, then the exchange.
    pub async fn shutdown(&self) {
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
