//! Per-participant "something new was committed" signal, so long-polls wake at once.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::watch;

/// One `watch` channel per participant carrying the highest committed cursor.
#[derive(Debug, Default)]
pub(crate) struct Notifiers {
    map: Mutex<HashMap<String, watch::Sender<u64>>>,
}

impl Notifiers {
    /// A receiver that fires on the next commit for `participant`.
    pub(crate) fn subscribe(&self, participant: &str) -> Option<watch::Receiver<u64>> {
        let mut map = self.map.lock().ok()?;
        Some(map.entry(participant.to_owned()).or_insert_with(|| watch::channel(0).0).subscribe())
    }

    /// Called by the writer after a commit.
    pub(crate) fn notify(&self, participant: &str, cursor: u64) {
        if let Ok(map) = self.map.lock()
            && let Some(tx) = map.get(participant)
        {
            tx.send_replace(cursor);
        }
    }
}
