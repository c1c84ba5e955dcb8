//! Durable mailbox storage: SQLite in WAL mode with `synchronous=FULL`, one writer thread doing
//! group commit, a small pool of read connections for mailbox queries.
//!
//! Invariant: [`Store::insert`] returns only after the row is committed and fsynced, so a
//! caller may answer 202 the moment it returns `Ok`.

mod checkpoint;
mod notify;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use tokio::sync::{mpsc, oneshot, watch};

use crate::config::MailboxQuota;
use crate::envelope::Envelope;
use crate::error::{BridgeError, Result};
use notify::Notifiers;
use writer::WriteCmd;

pub(crate) use schema::DB_FILE;

/// Queue depth in front of the writer; handlers wait (backpressure) when it is full.
const WRITE_QUEUE: usize = 8_192;
/// Idle read connections kept open.
const MAX_IDLE_READERS: usize = 8;

/// A callback to store.
#[derive(Debug, Clone)]
pub struct NewEnvelope {
    /// Mailbox owner (the recipient code).
    pub participant: String,
    /// `x-hcx-sender_code` (part of the dedupe key).
    pub sender_code: String,
    /// `x-hcx-api_call_id`.
    pub api_call_id: String,
    /// Arrival time, ms since the epoch (UTC).
    pub received_at_ms: i64,
    /// Protocol path, e.g. `/claim/on_submit`.
    pub path: String,
    /// Protected headers as JSON text.
    pub headers_json: String,
    /// Raw HTTP body.
    pub body: Bytes,
}

/// What happened to an insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    /// New row, committed.
    Stored {
        /// Its cursor.
        cursor: u64,
    },
    /// The same (participant, sender, api_call_id) was already stored; nothing written.
    Duplicate {
        /// The cursor of the earlier copy.
        cursor: u64,
    },
    /// Not stored: the mailbox already holds its quota of unacked envelopes or bytes.
    OverQuota,
}

/// What a purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PurgeReport {
    /// Acked envelopes whose headers and body were dropped (row kept for dedupe).
    pub bodies_dropped: u64,
    /// Acked rows deleted entirely (past the dedupe window).
    pub rows_deleted: u64,
}

/// Handle to the mailbox database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    writer: mpsc::Sender<WriteCmd>,
    notifiers: Arc<Notifiers>,
    path: PathBuf,
    idle_readers: Mutex<Vec<Connection>>,
    counters: Arc<writer::Counters>,
    /// Dropping this ends the checkpoint thread.
    _stop_checkpoints: std::sync::mpsc::Sender<()>,
}

/// What the single writer has done since the store was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriterStats {
    /// Transactions committed (each is one fsync of the WAL).
    pub commits: u64,
    /// Commands (inserts, acks, purges) folded into them.
    pub commands: u64,
    /// Total time spent executing and committing, in microseconds.
    pub busy_micros: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.inner.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Open (creating if needed) `data_dir/bridge.sqlite3` and start the writer thread. The
    /// thread ends when the last clone of the store is dropped.
    pub fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join(DB_FILE);
        let conn = schema::open_writer(&path)?;
        let usage = writer::load_usage(&conn)?;
        let (tx, rx) = mpsc::channel(WRITE_QUEUE);
        let notifiers = Arc::new(Notifiers::default());
        let n = Arc::clone(&notifiers);
        let counters = Arc::new(writer::Counters::default());
        let c = Arc::clone(&counters);
        std::thread::Builder::new()
            .name("hcx-bridge-writer".into())
            .spawn(move || writer::run(conn, usage, rx, n, c))?;
        let (stop_checkpoints, stop_rx) = std::sync::mpsc::channel();
        checkpoint::spawn(path.clone(), stop_rx)?;
        Ok(Self {
            inner: Arc::new(Inner {
                writer: tx,
                notifiers,
                path,
                idle_readers: Mutex::new(vec![]),
                counters,
                _stop_checkpoints: stop_checkpoints,
            }),
        })
    }

    /// Store one callback durably (or find its earlier copy), unless its mailbox is over
    /// `quota`. The quota is checked by the single writer against the committed count, so
    /// concurrent callbacks cannot overshoot it together.
    pub async fn insert(&self, env: NewEnvelope, quota: MailboxQuota) -> Result<InsertOutcome> {
        let (tx, rx) = oneshot::channel();
        self.send(WriteCmd::Insert(env, quota, tx)).await?;
        rx.await.map_err(|_| BridgeError::StoreClosed)?.map_err(BridgeError::Durability)
    }

    /// Release every unacked envelope of `participant` with cursor ≤ `cursor` (freeing its
    /// quota); returns how many.
    pub async fn ack(&self, participant: &str, cursor: u64) -> Result<u64> {
        let (tx, rx) = oneshot::channel();
        let now_ms = Utc::now().timestamp_millis();
        self.send(WriteCmd::Ack { participant: participant.to_owned(), cursor, now_ms, reply: tx })
            .await?;
        rx.await.map_err(|_| BridgeError::StoreClosed)?.map_err(BridgeError::Durability)
    }

    /// Drop bodies of envelopes acked before `bodies_before`, and delete rows acked before
    /// `rows_before`. Unacked envelopes are never touched.
    pub async fn purge(
        &self,
        bodies_before: DateTime<Utc>,
        rows_before: DateTime<Utc>,
    ) -> Result<PurgeReport> {
        let (tx, rx) = oneshot::channel();
        self.send(WriteCmd::Purge {
            bodies_before_ms: bodies_before.timestamp_millis(),
            rows_before_ms: rows_before.timestamp_millis(),
            reply: tx,
        })
        .await?;
        rx.await.map_err(|_| BridgeError::StoreClosed)?.map_err(BridgeError::Durability)
    }

    /// A receiver that changes whenever something new is committed for `participant`.
    /// Subscribe BEFORE querying so an arrival between the query and the wait is not missed.
    pub fn subscribe(&self, participant: &str) -> Option<watch::Receiver<u64>> {
        self.inner.notifiers.subscribe(participant)
    }

    /// Unacked envelopes of `participant` with cursor > `after`, oldest first, at most `limit`
    /// and stopping once bodies exceed `max_bytes` (but always at least one).
    pub async fn fetch(
        &self,
        participant: &str,
        after: u64,
        limit: u32,
        max_bytes: usize,
    ) -> Result<Vec<Envelope>> {
        let this = self.clone();
        let participant = participant.to_owned();
        tokio::task::spawn_blocking(move || {
            this.with_reader(|conn| fetch_sync(conn, &participant, after, limit, max_bytes))
        })
        .await
        .map_err(|e| BridgeError::Durability(format!("reader task: {e}")))?
    }

    /// Count unacked envelopes of `participant` (for tests and health output).
    pub async fn pending(&self, participant: &str) -> Result<u64> {
        let this = self.clone();
        let participant = participant.to_owned();
        tokio::task::spawn_blocking(move || {
            this.with_reader(|conn| {
                conn.query_row(
                    "SELECT count(*) FROM envelopes WHERE participant = ?1 AND acked_at_ms IS NULL",
                    params![participant],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| u64::try_from(n).unwrap_or(0))
            })
        })
        .await
        .map_err(|e| BridgeError::Durability(format!("reader task: {e}")))?
    }

    /// Group-commit counters (commands / commits = average batch size).
    pub fn writer_stats(&self) -> WriterStats {
        let c = &self.inner.counters;
        WriterStats {
            commits: c.commits.load(std::sync::atomic::Ordering::Relaxed),
            commands: c.commands.load(std::sync::atomic::Ordering::Relaxed),
            busy_micros: c.commit_micros.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    async fn send(&self, cmd: WriteCmd) -> Result<()> {
        self.inner.writer.send(cmd).await.map_err(|_| BridgeError::StoreClosed)
    }

    fn with_reader<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let pooled = self.inner.idle_readers.lock().ok().and_then(|mut v| v.pop());
        let conn = match pooled {
            Some(c) => c,
            None => schema::open_reader(&self.inner.path)?,
        };
        let out = f(&conn);
        if let Ok(mut idle) = self.inner.idle_readers.lock()
            && idle.len() < MAX_IDLE_READERS
        {
            idle.push(conn);
        }
        Ok(out?)
    }
}

fn fetch_sync(
    conn: &Connection,
    participant: &str,
    after: u64,
    limit: u32,
    max_bytes: usize,
) -> rusqlite::Result<Vec<Envelope>> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(
        "SELECT cursor, received_at_ms, path, api_call_id, headers, body FROM envelopes
         WHERE participant = ?1 AND cursor > ?2 AND acked_at_ms IS NULL
         ORDER BY cursor LIMIT ?3",
    )?;
    let mut rows = stmt.query(params![participant, after, limit])?;
    let mut out = Vec::new();
    let mut bytes = 0usize;
    while let Some(row) = rows.next()? {
        let cursor: i64 = row.get(0)?;
        let received_at_ms: i64 = row.get(1)?;
        let headers: Option<String> = row.get(4)?;
        let body: Option<Vec<u8>> = row.get(5)?;
        let body = body.unwrap_or_default();
        bytes = bytes.saturating_add(body.len());
        if !out.is_empty() && bytes > max_bytes {
            break;
        }
        out.push(Envelope {
            cursor: u64::try_from(cursor).unwrap_or(0),
            received_at: DateTime::from_timestamp_millis(received_at_ms).unwrap_or_default(),
            participant: participant.to_owned(),
            path: row.get(2)?,
            api_call_id: row.get(3)?,
            headers: headers
                .and_then(|h| serde_json::from_str(&h).ok())
                .unwrap_or(serde_json::Value::Null),
            // Stored bodies were parsed as JSON before storing, so they are UTF-8.
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: MailboxQuota = MailboxQuota { max_envelopes: u64::MAX, max_bytes: u64::MAX };

    fn env(p: &str, id: &str) -> NewEnvelope {
        NewEnvelope {
            participant: p.into(),
            sender_code: "sender".into(),
            api_call_id: id.into(),
            received_at_ms: Utc::now().timestamp_millis(),
            path: "/claim/on_submit".into(),
            headers_json: r#"{"x":1}"#.into(),
            body: Bytes::from_static(br#"{"payload":"a.b.c.d.e"}"#),
        }
    }

    #[tokio::test]
    async fn insert_dedupes_fetch_orders_ack_releases_purge_keeps_unacked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = store.insert(env("p1", "id-1"), Q).await.unwrap();
        let b = store.insert(env("p1", "id-2"), Q).await.unwrap();
        let dup = store.insert(env("p1", "id-1"), Q).await.unwrap();
        let InsertOutcome::Stored { cursor: c1 } = a else { panic!("first insert stores") };
        let InsertOutcome::Stored { cursor: c2 } = b else { panic!("second insert stores") };
        assert_eq!(dup, InsertOutcome::Duplicate { cursor: c1 }, "same api_call_id stored once");
        assert!(c2 > c1, "cursors grow in arrival order");
        store.insert(env("p2", "id-1"), Q).await.unwrap();

        let page = store.fetch("p1", 0, 100, usize::MAX).await.unwrap();
        let ids: Vec<_> = page.iter().map(|e| e.api_call_id.as_str()).collect();
        assert_eq!(ids, ["id-1", "id-2"], "p1 sees only its own envelopes, in order");
        assert_eq!(page[0].headers, serde_json::json!({"x": 1}), "headers come back as JSON");

        assert_eq!(store.ack("p1", c1).await.unwrap(), 1, "ack releases up to its cursor");
        let page = store.fetch("p1", 0, 100, usize::MAX).await.unwrap();
        assert_eq!(page.len(), 1, "acked envelopes are no longer delivered");

        let future = Utc::now() + chrono::Duration::days(1);
        let r = store.purge(future, future).await.unwrap();
        assert_eq!(r.rows_deleted, 1, "only the acked row is purged");
        assert_eq!(store.pending("p1").await.unwrap(), 1, "the unacked one survives any purge");
        assert_eq!(store.pending("p2").await.unwrap(), 1, "other mailboxes are untouched");
    }

    #[tokio::test]
    async fn byte_cap_still_returns_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.insert(env("p", "1"), Q).await.unwrap();
        store.insert(env("p", "2"), Q).await.unwrap();
        let page = store.fetch("p", 0, 100, 1).await.unwrap();
        assert_eq!(page.len(), 1, "a tiny byte cap still makes progress, one envelope per page");
    }

    #[tokio::test]
    async fn quota_counts_committed_unacked_envelopes_across_restarts_and_acks_free_it() {
        let dir = tempfile::tempdir().unwrap();
        let quota = MailboxQuota { max_envelopes: 2, max_bytes: u64::MAX };
        let store = Store::open(dir.path()).unwrap();
        store.insert(env("p", "1"), quota).await.unwrap();
        let second = store.insert(env("p", "2"), quota).await.unwrap();
        assert!(matches!(second, InsertOutcome::Stored { .. }), "the quota admits two");
        assert_eq!(
            store.insert(env("p", "3"), quota).await.unwrap(),
            InsertOutcome::OverQuota,
            "a third unacked envelope is over the quota"
        );
        assert!(
            matches!(
                store.insert(env("p", "1"), quota).await.unwrap(),
                InsertOutcome::Duplicate { .. }
            ),
            "a redelivery of a stored envelope is still recognised (answered 202) when full"
        );
        assert!(
            matches!(
                store.insert(env("other", "3"), quota).await.unwrap(),
                InsertOutcome::Stored { .. }
            ),
            "the quota is per mailbox"
        );
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            store.insert(env("p", "3"), quota).await.unwrap(),
            InsertOutcome::OverQuota,
            "usage is read back from the database on open"
        );
        let InsertOutcome::Duplicate { cursor } = store.insert(env("p", "1"), quota).await.unwrap()
        else {
            panic!("first envelope is stored")
        };
        assert_eq!(store.ack("p", cursor).await.unwrap(), 1, "ack the first");
        assert!(
            matches!(
                store.insert(env("p", "3"), quota).await.unwrap(),
                InsertOutcome::Stored { .. }
            ),
            "an ack frees quota"
        );
        let bytes = MailboxQuota { max_envelopes: u64::MAX, max_bytes: 1 };
        let big = store.insert(env("empty", "1"), bytes).await.unwrap();
        assert!(matches!(big, InsertOutcome::Stored { .. }), "an empty mailbox takes one envelope");
        assert_eq!(
            store.insert(env("empty", "2"), bytes).await.unwrap(),
            InsertOutcome::OverQuota,
            "then the byte quota applies"
        );
        assert_eq!(store.pending("p").await.unwrap(), 2, "nothing stored was dropped");
    }
}
