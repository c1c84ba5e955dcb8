//! The single writer: one thread owns the write connection and commits whatever has queued up
//! while the previous commit was fsyncing (group commit). Each caller gets its own answer only
//! after the transaction holding its row has committed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::{mpsc, oneshot};

use super::notify::Notifiers;
use super::{InsertOutcome, NewEnvelope, PurgeReport};

/// Most commands folded into one transaction.
const MAX_BATCH: usize = 1_024;
/// Stop adding to a batch once its bodies reach this size, so one huge commit does not hold
/// small callbacks back for long.
const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;

/// Error text handed back to a waiting handler (rusqlite errors are not `Clone`).
pub(crate) type WriteResult<T> = Result<T, String>;

pub(crate) enum WriteCmd {
    Insert(NewEnvelope, oneshot::Sender<WriteResult<InsertOutcome>>),
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
            WriteCmd::Insert(e, _) => e.body.len() + e.headers_json.len(),
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

/// Run until every sender is dropped.
pub(crate) fn run(
    mut conn: Connection,
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
        apply(&mut conn, batch, &notifiers);
        counters.commits.fetch_add(1, Ordering::Relaxed);
        counters.commands.fetch_add(n, Ordering::Relaxed);
        let micros = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
        counters.commit_micros.fetch_add(micros, Ordering::Relaxed);
    }
    tracing::debug!("bridge storage writer stopped");
}

fn apply(conn: &mut Connection, batch: Vec<WriteCmd>, notifiers: &Notifiers) {
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
    for cmd in batch {
        match cmd {
            WriteCmd::Insert(env, reply) => {
                let res = insert(&tx, &env).map_err(|e| format!("insert: {e}"));
                if let Ok(InsertOutcome::Stored { cursor }) = res {
                    let slot = newest.entry(env.participant.clone()).or_insert(0);
                    *slot = (*slot).max(cursor);
                }
                done.push(Done::Insert(reply, res));
            }
            WriteCmd::Ack { participant, cursor, now_ms, reply } => {
                let res = ack(&tx, &participant, cursor, now_ms).map_err(|e| format!("ack: {e}"));
                done.push(Done::Ack(reply, res));
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
        WriteCmd::Insert(_, r) => drop(r.send(Err(msg.to_owned()))),
        WriteCmd::Ack { reply, .. } => drop(reply.send(Err(msg.to_owned()))),
        WriteCmd::Purge { reply, .. } => drop(reply.send(Err(msg.to_owned()))),
    }
}

fn insert(tx: &rusqlite::Transaction<'_>, e: &NewEnvelope) -> rusqlite::Result<InsertOutcome> {
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
    let cursor: i64 = tx
        .prepare_cached(
            "SELECT cursor FROM envelopes
             WHERE participant = ?1 AND sender_code = ?2 AND api_call_id = ?3",
        )?
        .query_row(params![e.participant, e.sender_code, e.api_call_id], |r| r.get(0))?;
    Ok(InsertOutcome::Duplicate { cursor: to_u64(cursor) })
}

fn ack(
    tx: &rusqlite::Transaction<'_>,
    participant: &str,
    cursor: u64,
    now_ms: i64,
) -> rusqlite::Result<u64> {
    let upto = i64::try_from(cursor).unwrap_or(i64::MAX);
    let n = tx
        .prepare_cached(
            "UPDATE envelopes SET acked_at_ms = ?3
             WHERE participant = ?1 AND cursor <= ?2 AND acked_at_ms IS NULL",
        )?
        .execute(params![participant, upto, now_ms])?;
    Ok(n as u64)
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
