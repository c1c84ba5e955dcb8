//! Events for the UI, and the loops that produce them, for every transport.
//!
//! A transport gives an [`EventSink`] (Tauri emits to the window and raises OS notifications;
//! `hcx serve-ui` broadcasts to its SSE clients). A burst of callbacks (the bridge may deliver
//! dozens at once) becomes ONE `messages-changed` per [`BATCH_WINDOW`], so the UI reloads once
//! per burst instead of once per message. The loops know nothing about business rules: they
//! forward the console's notifications, and stop when their [`Loops`] handle drops.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::Console;
use crate::dto::{AppStatus, MessagesChanged};

/// Messages arrived or changed (payload: [`MessagesChanged`]).
pub const MESSAGES_CHANGED: &str = "messages-changed";
/// Profile, bridge or outbox state changed (payload: [`AppStatus`]).
pub const APP_STATUS: &str = "app-status";

/// How long changes are gathered before one `messages-changed` goes out.
pub const BATCH_WINDOW: Duration = Duration::from_millis(200);
/// How often the bridge/outbox state is compared with what the UI last saw.
const STATUS_PERIOD: Duration = Duration::from_millis(500);

/// Where a transport wants its events. Both calls must return quickly and never fail: a
/// window or client that is gone is the transport's business, not the loops'.
pub trait EventSink: Send + Sync + 'static {
    /// One event (`name` is [`MESSAGES_CHANGED`] or [`APP_STATUS`]) with its JSON payload.
    fn emit(&self, name: &'static str, payload: serde_json::Value);
    /// `count` new incoming messages arrived (the desktop app shows an OS notification).
    fn incoming(&self, _count: u32) {}
}

/// Merges the console's change notifications into one batch.
#[derive(Debug, Default)]
pub struct Batch {
    ids: BTreeSet<String>,
    incoming: u32,
}

impl Batch {
    /// Adds one notification; the same cycle twice counts once in the id list.
    pub fn add(&mut self, change: MessagesChanged) {
        self.ids.extend(change.correlation_ids);
        self.incoming = self.incoming.saturating_add(change.incoming);
    }

    /// Takes the batch, leaving an empty one.
    pub fn take(&mut self) -> MessagesChanged {
        let batch = std::mem::take(self);
        MessagesChanged {
            correlation_ids: batch.ids.into_iter().collect(),
            incoming: batch.incoming,
        }
    }
}

/// The running event loops; dropping it stops them.
pub struct Loops {
    _stop: DropGuard,
}

/// Starts the change pump and the status watcher for `console`.
pub fn start(console: Console, sink: Arc<dyn EventSink>) -> Loops {
    let stop = CancellationToken::new();
    tokio::spawn(pump_changes(console.clone(), sink.clone(), stop.clone()));
    tokio::spawn(watch_status(console, sink, stop.clone()));
    Loops { _stop: stop.drop_guard() }
}

/// Sends one event whose payload is a view type.
fn emit(sink: &dyn EventSink, name: &'static str, payload: &impl serde::Serialize) {
    match serde_json::to_value(payload) {
        Ok(v) => sink.emit(name, v),
        Err(e) => tracing::warn!("could not serialise {name}: {e}"),
    }
}

/// Sends one `app-status` event.
pub fn emit_status(sink: &dyn EventSink, status: &AppStatus) {
    emit(sink, APP_STATUS, status);
}

/// Forwards the console's change notifications, one event per [`BATCH_WINDOW`].
async fn pump_changes(console: Console, sink: Arc<dyn EventSink>, stop: CancellationToken) {
    let mut rx = console.subscribe();
    loop {
        // Wait for the first change of a burst, then gather the rest of the burst.
        let first = tokio::select! {
            () = stop.cancelled() => return,
            r = rx.recv() => r,
        };
        let mut batch = Batch::default();
        match first {
            Ok(change) => batch.add(change),
            Err(RecvError::Lagged(_)) => {
                // Some notifications were dropped: the UI must reload everything it shows, and
                // an empty id list with the event still going out tells it exactly that.
            }
            Err(RecvError::Closed) => return,
        }
        let deadline = tokio::time::sleep(BATCH_WINDOW);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = &mut deadline => break,
                r = rx.recv() => match r {
                    Ok(change) => batch.add(change),
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => break,
                },
            }
        }
        let change = batch.take();
        if change.incoming > 0 {
            sink.incoming(change.incoming);
        }
        emit(sink.as_ref(), MESSAGES_CHANGED, &change);
    }
}

/// Sends `app-status` whenever the bridge, profile or outbox state differs from the last one
/// sent.
async fn watch_status(console: Console, sink: Arc<dyn EventSink>, stop: CancellationToken) {
    let mut last: Option<AppStatus> = None;
    let mut tick = tokio::time::interval(STATUS_PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let Ok(status) = console.app_status().await else { continue };
        if last.as_ref() != Some(&status) {
            emit_status(sink.as_ref(), &status);
            last = Some(status);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(ids: &[&str], incoming: u32) -> MessagesChanged {
        MessagesChanged { correlation_ids: ids.iter().map(|s| (*s).to_owned()).collect(), incoming }
    }

    #[test]
    fn a_burst_becomes_one_batch_with_each_cycle_once() {
        let mut batch = Batch::default();
        batch.add(change(&["c-2", "c-1"], 1));
        batch.add(change(&["c-1"], 1));
        batch.add(change(&["c-3"], 0));
        let out = batch.take();
        assert_eq!(
            out.correlation_ids,
            vec!["c-1", "c-2", "c-3"],
            "every changed cycle is named once, in a stable order, so the UI reloads each once"
        );
        assert_eq!(out.incoming, 2, "the incoming counts add up for the notification");
        let next = batch.take();
        assert!(
            next.correlation_ids.is_empty() && next.incoming == 0,
            "taking the batch starts the next one empty"
        );
    }

    #[test]
    fn incoming_count_saturates_instead_of_overflowing() {
        let mut batch = Batch::default();
        batch.add(change(&["a"], u32::MAX));
        batch.add(change(&["b"], 5));
        assert_eq!(batch.take().incoming, u32::MAX, "a huge burst must not panic on overflow");
    }
}
