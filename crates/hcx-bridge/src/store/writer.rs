//! The single writer: one thread owns the write connection and commits whatever has queued up
//! while the previous commit was fsyncing (group commit). Each caller gets its own answer only
//! after the transaction holding its row has committed.
//!
//! It also keeps each mailbox's unacked usage (envelopes and body bytes) in memory, read from
//! the database at start and changed only by committed inserts and acks, so the quota check
//! costs no query and concurrent callbacks cannot overshoot it together.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::{mpsc, oneshot};

use super::notify::Notifiers;
use super::{InsertOutcome, NewEnvelope, PurgeReport};
use crate::config::MailboxQuota;

/// Most commands folded into one transaction.
const MAX_BATCH: usize = 1_024;
/// Stop adding to a batch once its bodies reach this size, so one huge commit does not hold
/// small callbacks back for long.
const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;

/// Error text handed back to a waiting handler (rusqlite errors are not `Clone`).
pub(crate) type WriteResult<T> = Result<T, String>;

pub(crate) enum WriteCmd {
    Insert(NewEnvelope, MailboxQuota, oneshot::Sender<WriteResult<InsertOutcome>>),
    Ack {
        participant: String,
        cursor: u64,
        now_ms: i64,
        reply: oneshot::Sender<WriteResult<u64>>,
    },
    Purge {
        bodies_before_ms: i64,
        rows_before_ms: i64,
        reply: oneshot::Sender<WriteResult<PurgeReport>>,
    },
}

impl WriteCmd {
    fn size(&self) -> usize {
        match self {
            WriteCmd::Insert(e, _, _) => e.body.len() + e.headers_json.len(),
            _ => 0,
        }
    }
}

enum Done {
    Insert(oneshot::Sender<WriteResult<InsertOutcome>>, WriteResult<InsertOutcome>),
    Ack(oneshot::Sender<WriteResult<u64>>, WriteResult<u64>),
    Purge(oneshot::Sender<WriteResult<PurgeReport>>, WriteResult<PurgeReport>),
}

/// Counters for benchmarks and health output.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) commits: AtomicU64,
    pub(crate) commands: AtomicU64,
    pub(crate) commit_micros: AtomicU64,
}

/// Unacked envelopes and body bytes of one mailbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    envelopes: u64,
    bytes: u64,
}

/// Committed usage per mailbox.
pub(crate) type UsageMap = HashMap<String, Usage>;

/// Read every mailbox's unacked usage (once, when the store opens).
pub(crate) fn load_usage(conn: &Connection) -> rusqlite::Result<UsageMap> {
    let mut stmt = conn.prepare(
        "SELECT participant, count(*), coalesce(sum(length(body)), 0) FROM envelopes
         WHERE acked_at_ms IS NULL GROUP BY participant",
    )?;
    let rows =
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, to_u64(r.get(1)?), to_u64(r.get(2)?))))?;
    let mut map = UsageMap::new();
    for row in rows {
        let (participant, envelopes, bytes) = row?;
        map.insert(participant, Usage { envelopes, bytes });
    }
    Ok(map)
}

/// A batch's changes to usage, applied only once the batch has committed.
#[derive(Debug, Default)]
struct UsageDelta {
    added: HashMap<String, Usage>,
    released: HashMap<String, Usage>,
}

impl UsageDelta {
    /// Usage of `participant` as this batch sees it so far.
    fn current(&self, base: &UsageMap, participant: &str) -> Usage {
        let b = base.get(participant).copied().unwrap_or_default();
        let a = self.added.get(participant).copied().unwrap_or_default();
        let r = self.released.get(participant).copied().unwrap_or_default();
        Usage {
            envelopes: b.envelopes.saturating_add(a.envelopes).saturating_sub(r.envelopes),
            bytes: b.bytes.saturating_add(a.bytes).saturating_sub(r.bytes),
        }
    }

    fn apply(self, base: &mut UsageMap) {
        for (p, a) in self.added {
            let u = base.entry(p).or_default();
            u.envelopes = u.envelopes.saturating_add(a.envelopes);
            u.bytes = u.bytes.saturating_add(a.bytes);
        }
        for (p, r) in self.released {
            let u = base.entry(p).or_default();
            u.envelopes = u.envelopes.saturating_sub(r.envelopes);
            u.bytes = u.bytes.saturating_sub(r.bytes);
        }
        base.retain(|_, u| u.envelopes > 0);
    }
}

/// Whether one more envelope of `len` bytes fits. An empty mailbox always takes one, so a
/// byte quota below the body limit cannot refuse a large callback forever.
fn fits(u: Usage, len: usize, q: MailboxQuota) -> bool {
    u.envelopes == 0
        || (u.envelopes < q.max_envelopes && u.bytes.saturating_add(len as u64) <= q.max_bytes)
}

/// Run until every sender is dropped.
pub(crate) fn run(
    mut conn: Connection,
    mut usage: UsageMap,
    mut rx: mpsc::Receiver<WriteCmd>,
    notifiers: Arc<Notifiers>,
    counters: Arc<Counters>,
) {
    while let Some(first) = rx.blocking_recv() {
        let mut bytes = first.size();
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH && bytes < MAX_BATCH_BYTES {
            match rx.try_recv() {
                Ok(cmd) => {
                    bytes += cmd.size();
                    batch.push(cmd);
                }
                Err(_) => break,
            }
        }
        let n = batch.len() as u64;
        let t = std::time::Instant::now();
        apply(&mut conn, &mut usage, batch, &notifiers);
        counters.commits.fetch_add(1, Ordering::Relaxed);
        counters.commands.fetch_add(n, Ordering::Relaxed);
        let micros = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
        counters.commit_micros.fetch_add(micros, Ordering::Relaxed);
    }
    tracing::debug!("bridge storage writer stopped");
}

fn apply(conn: &mut Connection, usage: &mut UsageMap, batch: Vec<WriteCmd>, notifiers: &Notifiers) {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let msg = format!("begin transaction: {e}");
            tracing::error!(error = %msg, "bridge storage");
            for cmd in batch {
                fail(cmd, &msg);
            }
            return;
        }
    };
    let mut done = Vec::with_capacity(batch.len());
    let mut newest: HashMap<String, u64> = HashMap::new();
    let mut delta = UsageDelta::default();
    for cmd in batch {
        match cmd {
            WriteCmd::Insert(env, quota, reply) => {
                let fits = fits(delta.current(usage, &env.participant), env.body.len(), quota);
                let res = insert(&tx, &env, fits).map_err(|e| format!("insert: {e}"));
                if let Ok(InsertOutcome::Stored { cursor }) = res {
                    let slot = newest.entry(env.participant.clone()).or_insert(0);
                    *slot = (*slot).max(cursor);
                    let a = delta.added.entry(env.participant.clone()).or_default();
                    a.envelopes = a.envelopes.saturating_add(1);
                    a.bytes = a.bytes.saturating_add(env.body.len() as u64);
                }
                done.push(Done::Insert(reply, res));
            }
            WriteCmd::Ack { participant, cursor, now_ms, reply } => {
                let res = ack(&tx, &participant, cursor, now_ms).map_err(|e| format!("ack: {e}"));
                if let Ok(freed) = res {
                    let r = delta.released.entry(participant).or_default();
                    r.envelopes = r.envelopes.saturating_add(freed.envelopes);
                    r.bytes = r.bytes.saturating_add(freed.bytes);
                }
                done.push(Done::Ack(reply, res.map(|u| u.envelopes)));
            }
            WriteCmd::Purge { bodies_before_ms, rows_before_ms, reply } => {
                let res =
                    purge(&tx, bodies_before_ms, rows_before_ms).map_err(|e| format!("purge: {e}"));
                done.push(Done::Purge(reply, res));
            }
        }
    }
    if let Err(e) = tx.commit() {
        // Nothing in this batch is durable: every waiting handler must answer an error so the
        // gateway retries instead of believing it was delivered.
        let msg = format!("commit: {e}");
        tracing::error!(error = %msg, "bridge storage");
        for d in done {
            match d {
                Done::Insert(r, _) => drop(r.send(Err(msg.clone()))),
                Done::Ack(r, _) => drop(r.send(Err(msg.clone()))),
                Done::Purge(r, _) => drop(r.send(Err(msg.clone()))),
            }
        }
        return;
    }
    delta.apply(usage);
    for (participant, cursor) in newest {
        notifiers.notify(&participant, cursor);
    }
    for d in done {
        // A handler that gave up (client went away) dropped its receiver; that is fine.
        match d {
            Done::Insert(r, v) => drop(r.send(v)),
            Done::Ack(r, v) => drop(r.send(v)),
            Done::Purge(r, v) => drop(r.send(v)),
        }
    }
}

fn fail(cmd: WriteCmd, msg: &str) {
    match cmd {
        WriteCmd::Insert(_, _, r) => drop(r.send(Err(msg.to_owned()))),
        WriteCmd::Ack { reply, .. } => drop(reply.send(Err(msg.to_owned()))),
        WriteCmd::Purge { reply, .. } => drop(reply.send(Err(msg.to_owned()))),
    }
}

/// Insert `e` unless it is a redelivery; a new envelope that does not `fit` the quota is
/// refused, but a redelivery of a stored one is still recognised as a duplicate.
fn insert(
    tx: &rusqlite::Transaction<'_>,
    e: &NewEnvelope,
    fits: bool,
) -> rusqlite::Result<InsertOutcome> {
    if !fits {
        return Ok(existing(tx, e)?
            .map_or(InsertOutcome::OverQuota, |cursor| InsertOutcome::Duplicate { cursor }));
    }
    let inserted: Option<i64> = tx
        .prepare_cached(
            "INSERT INTO envelopes
                (participant, sender_code, api_call_id, received_at_ms, path, headers, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (participant, sender_code, api_call_id) DO NOTHING
             RETURNING cursor",
        )?
        .query_row(
            params![
                e.participant,
                e.sender_code,
                e.api_call_id,
                e.received_at_ms,
                e.path,
                e.headers_json,
                &e.body[..]
            ],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(cursor) = inserted {
        return Ok(InsertOutcome::Stored { cursor: to_u64(cursor) });
    }
    let cursor = existing(tx, e)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    Ok(InsertOutcome::Duplicate { cursor })
}

/// The cursor of an earlier copy of `e` (same dedupe key), if any.
fn existing(tx: &rusqlite::Transaction<'_>, e: &NewEnvelope) -> rusqlite::Result<Option<u64>> {
    let cursor: Option<i64> = tx
        .prepare_cached(
            "SELECT cursor FROM envelopes
             WHERE participant = ?1 AND sender_code = ?2 AND api_call_id = ?3",
        )?
        .query_row(params![e.participant, e.sender_code, e.api_call_id], |r| r.get(0))
        .optional()?;
    Ok(cursor.map(to_u64))
}

fn ack(
    tx: &rusqlite::Transaction<'_>,
    participant: &str,
    cursor: u64,
    now_ms: i64,
) -> rusqlite::Result<Usage> {
    let upto = i64::try_from(cursor).unwrap_or(i64::MAX);
    let mut stmt = tx.prepare_cached(
        "UPDATE envelopes SET acked_at_ms = ?3
         WHERE participant = ?1 AND cursor <= ?2 AND acked_at_ms IS NULL
         RETURNING coalesce(length(body), 0)",
    )?;
    let mut rows = stmt.query(params![participant, upto, now_ms])?;
    let mut freed = Usage::default();
    while let Some(row) = rows.next()? {
        freed.envelopes = freed.envelopes.saturating_add(1);
        freed.bytes = freed.bytes.saturating_add(to_u64(row.get(0)?));
    }
    Ok(freed)
}

fn purge(
    tx: &rusqlite::Transaction<'_>,
    bodies_before_ms: i64,
    rows_before_ms: i64,
) -> rusqlite::Result<PurgeReport> {
    // Only acked rows are touched: an unacknowledged callback is never thrown away.
    let bodies = tx.execute(
        "UPDATE envelopes SET headers = NULL, body = NULL
         WHERE acked_at_ms IS NOT NULL AND acked_at_ms < ?1 AND body IS NOT NULL",
        params![bodies_before_ms],
    )?;
    let rows = tx.execute(
        "DELETE FROM envelopes WHERE acked_at_ms IS NOT NULL AND acked_at_ms < ?1",
        params![rows_before_ms],
    )?;
    Ok(PurgeReport { bodies_dropped: bodies as u64, rows_deleted: rows as u64 })
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}
