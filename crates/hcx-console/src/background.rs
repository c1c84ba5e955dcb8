//! Background loops: the outbox worker and the bridge mailbox poller. Each returns a handle
//! that stops its loop when dropped (CancellationToken + Drop), so a front end cannot leak one.
//!
//! The poller hands each envelope to [`Console::handle_envelope`] (panics caught, failures
//! counted, dead letters parked). While the keychain cannot give us our keys the poller backs
//! off and the status says `keychainLocked` instead of a generic retry, until an envelope goes
//! through again.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::Utc;
use hcx_bridge::{
    MailboxClient, MailboxToken, PollerHandle, PollerOptions, PollerState, spawn_poller,
};
use hcx_keys::SecretKind;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::console::Console;
use crate::dto::BridgeStatus;
use crate::error::{ConsoleError, Result};

/// The running outbox worker. Dropping it stops the loop (an HTTP call in flight is abandoned;
/// its row stays `sending` and is re-queued at the next start).
#[derive(Debug)]
pub struct OutboxWorker {
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl OutboxWorker {
    /// Stops and waits for the loop to end.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for OutboxWorker {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// The running bridge poller of one profile. Dropping it stops the loop.
#[derive(Debug)]
pub struct BridgePoller {
    handle: PollerHandle,
    hold: KeychainHold,
    _status: StatusForwarder,
}

impl BridgePoller {
    /// The poller's state right now.
    pub fn status(&self) -> BridgeStatus {
        status_of(&self.handle.current(), &self.hold)
    }

    /// Stops and waits for the loop to end.
    pub async fn stop(self) {
        self.handle.stop().await;
    }
}

#[derive(Debug)]
struct StatusForwarder {
    cancel: CancellationToken,
}

impl Drop for StatusForwarder {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Everything `hcx run` (or the desktop app) keeps running for a profile.
#[derive(Debug)]
pub struct Background {
    /// The outbox worker.
    pub worker: OutboxWorker,
    /// The bridge poller, when the profile has a bridge.
    pub poller: Option<BridgePoller>,
}

impl Background {
    /// Stops both loops and waits for them.
    pub async fn stop(self) {
        if let Some(p) = self.poller {
            p.stop().await;
        }
        self.worker.stop().await;
    }
}

/// The keychain message of the last envelope that waited for the keychain, until one goes
/// through again.
type KeychainHold = Arc<Mutex<Option<String>>>;

/// The status bar's view of the poller: a back-off caused by the keychain says so.
fn status_of(s: &PollerState, hold: &KeychainHold) -> BridgeStatus {
    let held = hold.lock().unwrap_or_else(PoisonError::into_inner).clone();
    match (s, held) {
        (PollerState::BackingOff { until, .. }, Some(message)) => {
            BridgeStatus::KeychainLocked { until: crate::views::utc(*until), message }
        }
        _ => bridge_status(s),
    }
}

pub(crate) fn bridge_status(s: &PollerState) -> BridgeStatus {
    match s {
        PollerState::Connecting => BridgeStatus::Connecting,
        PollerState::Connected => BridgeStatus::Connected,
        PollerState::BackingOff { attempt, until, last_error } => BridgeStatus::BackingOff {
            attempt: *attempt,
            until: crate::views::utc(*until),
            last_error: last_error.clone(),
        },
        PollerState::Stopped => BridgeStatus::Stopped,
    }
}

impl Console {
    /// Starts the outbox worker on the current tokio runtime. Call [`Console::recover_outbox`]
    /// once before the first worker of a process starts.
    pub fn start_outbox_worker(&self) -> OutboxWorker {
        let cancel = CancellationToken::new();
        let console = self.clone();
        let stop = cancel.clone();
        let task = tokio::spawn(async move {
            let poll = console.inner.options.outbox_poll;
            while !stop.is_cancelled() {
                let run = tokio::select! {
                    () = stop.cancelled() => break,
                    r = console.deliver_due() => r,
                };
                if let Err(e) = run {
                    tracing::error!(error = %e, "outbox worker could not read the queue");
                }
                // Sleep until the next row is due, something is queued here, or the poll
                // interval passes (rows queued by another process).
                let wait = match console.next_due() {
                    Ok(Some(due)) => {
                        (due - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(poll)
                    }
                    _ => poll,
                };
                tokio::select! {
                    () = stop.cancelled() => break,
                    () = console.inner.outbox_wakeup.notified() => {}
                    () = tokio::time::sleep(wait) => {}
                }
            }
        });
        OutboxWorker { cancel, task: Some(task) }
    }

    /// Starts polling the bridge mailbox of `profile_id`. `Ok(None)` when the profile has no
    /// bridge configured.
    pub fn start_bridge_poller(&self, profile_id: &str) -> Result<Option<BridgePoller>> {
        self.start_bridge_poller_with(profile_id, PollerOptions::default())
    }

    /// Same with explicit poll options (tests use a short long-poll wait).
    pub fn start_bridge_poller_with(
        &self,
        profile_id: &str,
        options: PollerOptions,
    ) -> Result<Option<BridgePoller>> {
        let profile = self.profile(profile_id)?;
        let Some(bridge_url) = profile.fields.bridge_url.clone() else {
            return Ok(None);
        };
        let token = self.inner.secrets.get(&profile, SecretKind::BridgeToken)?.ok_or(
            crate::error::ConsoleError::MissingSecret {
                profile: profile.id.clone(),
                what: "bridge token",
                hint: "set it with `hcx profile add … --bridge URL --bridge-token-env VAR`",
            },
        )?;
        let mailbox = MailboxClient::new(
            &bridge_url,
            &profile.fields.participant_code,
            MailboxToken::new(token.expose()),
        )?;
        let console = self.clone();
        let id = profile.id.clone();
        let hold = KeychainHold::default();
        let held = Arc::clone(&hold);
        let handle = spawn_poller(mailbox, options, move |envelope| {
            let console = console.clone();
            let id = id.clone();
            let held = Arc::clone(&held);
            async move {
                let result = console.handle_envelope(&id, &envelope).await;
                let mut h = held.lock().unwrap_or_else(PoisonError::into_inner);
                match &result {
                    Err(e @ ConsoleError::KeychainLocked { .. }) => *h = Some(e.to_string()),
                    Ok(()) => *h = None,
                    Err(_) => {}
                }
                result
            }
        });
        // Mirror the poller's state into the status bar.
        let mut states = handle.state();
        let cancel = CancellationToken::new();
        let stop = cancel.clone();
        let console = self.clone();
        let forwarded = Arc::clone(&hold);
        tokio::spawn(async move {
            loop {
                let s = status_of(&states.borrow_and_update(), &forwarded);
                *console
                    .inner
                    .bridge_status
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = s;
                tokio::select! {
                    () = stop.cancelled() => break,
                    changed = states.changed() => if changed.is_err() { break },
                }
            }
            *console
                .inner
                .bridge_status
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = BridgeStatus::Stopped;
        });
        Ok(Some(BridgePoller { handle, hold, _status: StatusForwarder { cancel } }))
    }

    /// Recovers interrupted sends (once per process: a later call, e.g. after switching
    /// profiles, must not re-queue a row the previous worker may still be sending), then starts
    /// the worker and (when configured) the poller of the active profile.
    pub fn start_background(&self) -> Result<Background> {
        if !self.inner.recovered.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.recover_outbox()?;
        }
        let worker = self.start_outbox_worker();
        let profile = self.active()?;
        let poller = self.start_bridge_poller(&profile.id)?;
        Ok(Background { worker, poller })
    }
}
