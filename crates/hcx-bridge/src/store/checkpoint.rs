//! Background WAL checkpoints, so the writer's commits only append to the WAL and fsync it.
//!
//! With SQLite's default auto-checkpoint the committing thread copies WAL pages into the main
//! database and fsyncs it every ~1000 pages, stalling every handler waiting on that commit. Here
//! the writer turns auto-checkpoint off and this thread runs PASSIVE checkpoints (which never
//! block the writer) on its own connection. Durability is unchanged: a commit is durable once
//! its WAL frames are fsynced, and a checkpoint fsyncs the database before the WAL is reused.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use crate::error::Result;

/// How often to checkpoint.
const INTERVAL: Duration = Duration::from_millis(250);

/// Run until `stop`'s sender is dropped (when the store goes away).
pub(crate) fn spawn(path: PathBuf, stop: Receiver<()>) -> Result<()> {
    let conn = super::schema::open_checkpointer(&path)?;
    std::thread::Builder::new().name("hcx-bridge-checkpoint".into()).spawn(move || {
        // Any message or a dropped sender (store gone) ends the loop.
        while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(INTERVAL) {
            let r = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(0));
            if let Err(e) = r {
                tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
            }
        }
    })?;
    Ok(())
}
