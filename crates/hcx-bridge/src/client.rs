//! Console side: talk to a bridge mailbox ([`MailboxClient`]) and keep a long-poll loop running
//! ([`spawn_poller`]) that hands each envelope to the console and acks it afterwards.
//!
//! Delivery is at-least-once: an envelope is acked only after the handler returned `Ok`, so a
//! crash between the two redelivers it. Handlers must be idempotent (dedupe by
//! `x-hcx-api_call_id`, which [`Envelope::api_call_id`] carries).
//!
//! The loop never dies of its handler: each call runs as its own task, so a panic in it is a
//! failed attempt like an `Err` (back off, offer the envelope again), never the end of the
//! poller. Giving up on an envelope that keeps failing is the handler's decision (the console
//! dead-letters it and returns `Ok`), because only the handler can store it somewhere first.

use std::fmt::Display;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::envelope::{AckRequest, AckResponse, Envelope, MailboxPage};
use crate::error::{BridgeError, Result};
use crate::token::MailboxToken;

/// Extra time on top of the long-poll wait before the HTTP request times out.
const HTTP_SLACK: Duration = Duration::from_secs(15);

/// A participant's mailbox on one bridge.
#[derive(Clone, Debug)]
pub struct MailboxClient {
    http: reqwest::Client,
    mailbox_url: String,
    token: MailboxToken,
}

impl MailboxClient {
    /// `base_url` is the bridge root (e.g. `https://bridge.example`), not the endpoint URL.
    pub fn new(base_url: &str, participant: &str, token: MailboxToken) -> Result<Self> {
        let http = reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).build()?;
        Ok(Self::with_http(http, base_url, participant, token))
    }

    /// Use an existing reqwest client (shared connection pool, custom TLS roots).
    pub fn with_http(
        http: reqwest::Client,
        base_url: &str,
        participant: &str,
        token: MailboxToken,
    ) -> Self {
        let encoded: String = url_segment(participant);
        let mailbox_url = format!("{}/mailbox/{encoded}", base_url.trim_end_matches('/'));
        Self { http, mailbox_url, token }
    }

    /// One long-poll: unacked envelopes with cursor > `after` (or after the last ack when
    /// `None`), waiting up to `wait` for the first one to arrive.
    pub async fn poll(
        &self,
        after: Option<u64>,
        wait: Duration,
        limit: u32,
    ) -> Result<Vec<Envelope>> {
        let mut query: Vec<(&str, String)> =
            vec![("wait", wait.as_secs().to_string()), ("limit", limit.to_string())];
        if let Some(a) = after {
            query.push(("after", a.to_string()));
        }
        let resp = self
            .http
            .get(&self.mailbox_url)
            .bearer_auth(self.token.expose())
            .query(&query)
            .timeout(wait + HTTP_SLACK)
            .send()
            .await?;
        let page: MailboxPage = decode(resp).await?;
        Ok(page.envelopes)
    }

    /// Release everything up to and including `cursor`. Returns how many were newly released.
    pub async fn ack(&self, cursor: u64) -> Result<u64> {
        let resp = self
            .http
            .post(format!("{}/ack", self.mailbox_url))
            .bearer_auth(self.token.expose())
            .json(&AckRequest { cursor })
            .timeout(HTTP_SLACK)
            .send()
            .await?;
        let r: AckResponse = decode(resp).await?;
        Ok(r.released)
    }
}

async fn decode<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> Result<T> {
    let status = resp.status();
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(BridgeError::Unauthorized);
    }
    if !status.is_success() {
        let body = resp.text().await.unwrap_or_default();
        let body: String = body.chars().take(300).collect();
        return Err(BridgeError::HttpStatus { status: status.as_u16(), body });
    }
    let bytes = resp.bytes().await?;
    serde_json::from_slice(&bytes).map_err(|e| BridgeError::Decode(e.to_string()))
}

fn url_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Tuning for [`spawn_poller`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollerOptions {
    /// Long-poll wait per request (the bridge caps it at its `max_wait`).
    pub wait: Duration,
    /// Envelopes per page.
    pub limit: u32,
    /// First back-off delay after an error.
    pub backoff_initial: Duration,
    /// Back-off ceiling.
    pub backoff_max: Duration,
}

impl Default for PollerOptions {
    fn default() -> Self {
        Self {
            wait: Duration::from_secs(25),
            limit: 100,
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
        }
    }
}

/// What the poller is doing, for the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollerState {
    /// Sending the first request (or the first after a back-off).
    Connecting,
    /// The last request succeeded; waiting for mail.
    Connected,
    /// The last request (or handler) failed; next try at `until`.
    BackingOff {
        /// Consecutive failures so far (1 for the first).
        attempt: u32,
        /// When the next try starts (UTC).
        until: DateTime<Utc>,
        /// What failed.
        last_error: String,
    },
    /// The handle was dropped or stopped.
    Stopped,
}

/// A running poller. Dropping it stops the loop (a handler already running finishes first).
#[derive(Debug)]
pub struct PollerHandle {
    state: watch::Receiver<PollerState>,
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl PollerHandle {
    /// Subscribe to state changes (for the UI).
    pub fn state(&self) -> watch::Receiver<PollerState> {
        self.state.clone()
    }

    /// The state right now.
    pub fn current(&self) -> PollerState {
        self.state.borrow().clone()
    }

    /// Stop and wait until the loop has ended.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for PollerHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Start a long-poll loop on the current tokio runtime. `handler` gets each envelope in cursor
/// order; when it returns `Ok` the envelope is acked (at-least-once). When it returns `Err` or
/// panics, the poller backs off and offers the same envelope again.
pub fn spawn_poller<F, Fut, E>(
    client: MailboxClient,
    opts: PollerOptions,
    handler: F,
) -> PollerHandle
where
    F: FnMut(Envelope) -> Fut + Send + 'static,
    Fut: Future<Output = std::result::Result<(), E>> + Send + 'static,
    E: Display + Send + 'static,
{
    let (tx, rx) = watch::channel(PollerState::Connecting);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(run(client, opts, handler, tx, cancel.clone()));
    PollerHandle { state: rx, cancel, task: Some(task) }
}

async fn run<F, Fut, E>(
    client: MailboxClient,
    opts: PollerOptions,
    mut handler: F,
    state: watch::Sender<PollerState>,
    cancel: CancellationToken,
) where
    F: FnMut(Envelope) -> Fut + Send + 'static,
    Fut: Future<Output = std::result::Result<(), E>> + Send + 'static,
    E: Display + Send + 'static,
{
    // Last cursor handed to the handler successfully; `None` lets the bridge start after the
    // last ack, which redelivers anything a previous run handled but did not ack.
    let mut after: Option<u64> = None;
    // Handled but not yet acked (the ack request failed); retried before the next poll.
    let mut unacked: Option<u64> = None;
    let mut attempt: u32 = 0;
    while !cancel.is_cancelled() {
        let outcome: std::result::Result<(), String> = async {
            if let Some(c) = unacked {
                let acked = tokio::select! {
                    () = cancel.cancelled() => return Ok(()),
                    r = client.ack(c) => r,
                };
                acked.map_err(|e| format!("ack: {e}"))?;
                unacked = None;
            }
            let page = tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                r = client.poll(after, opts.wait, opts.limit) => r,
            };
            let page = page.map_err(|e| format!("poll: {e}"))?;
            state.send_if_modified(|s| set(s, PollerState::Connected));
            // Handlers are not interrupted by a stop: a half-run handler could leave the
            // console's own store half-written. The stop is checked between envelopes.
            let mut failure = None;
            for env in page {
                if cancel.is_cancelled() {
                    break;
                }
                let cursor = env.cursor;
                // Its own task, so a panic ends that task (JoinError) and not this loop.
                match tokio::spawn(handler(env)).await {
                    Ok(Ok(())) => {
                        after = Some(cursor);
                        unacked = Some(cursor);
                    }
                    Ok(Err(e)) => {
                        failure = Some(format!("handler (cursor {cursor}): {e}"));
                        break;
                    }
                    Err(join) => {
                        tracing::error!(cursor, error = %join, "mailbox handler panicked");
                        failure = Some(format!("handler (cursor {cursor}) panicked"));
                        break;
                    }
                }
            }
            if let Some(c) = unacked {
                // One ack per page; it releases every envelope up to `c`.
                client.ack(c).await.map_err(|e| format!("ack: {e}"))?;
                unacked = None;
            }
            failure.map_or(Ok(()), Err)
        }
        .await;
        match outcome {
            Ok(()) => attempt = 0,
            Err(last_error) => {
                attempt = attempt.saturating_add(1);
                let delay = backoff(opts, attempt);
                let until = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
                tracing::debug!(attempt, ?delay, error = %last_error, "mailbox poller backing off");
                state.send_replace(PollerState::BackingOff { attempt, until, last_error });
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(delay) => {}
                }
                state.send_replace(PollerState::Connecting);
            }
        }
    }
    state.send_replace(PollerState::Stopped);
}

fn set(s: &mut PollerState, new: PollerState) -> bool {
    if *s == new {
        false
    } else {
        *s = new;
        true
    }
}

/// Exponential back-off with "equal jitter": a random delay in [d/2, d] where
/// d = min(max, initial · 2^(attempt−1)). Jitter spreads out many consoles reconnecting after
/// the same bridge restart.
fn backoff(opts: PollerOptions, attempt: u32) -> Duration {
    let exp = attempt.saturating_sub(1).min(20);
    let d = opts.backoff_initial.saturating_mul(1u32 << exp).min(opts.backoff_max);
    let half = d / 2;
    let span = u64::try_from(half.as_millis()).unwrap_or(u64::MAX).max(1);
    half + Duration::from_millis(random_u64() % span)
}

/// Cheap non-cryptographic randomness (std's per-process random SipHash keys), enough for
/// jitter without another dependency.
fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let o = PollerOptions {
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_secs(2),
            ..Default::default()
        };
        for attempt in 1..40 {
            let d = backoff(o, attempt);
            let full = (Duration::from_millis(100) * 2u32.saturating_pow((attempt - 1).min(20)))
                .min(Duration::from_secs(2));
            assert!(
                d >= full / 2 && d <= full,
                "attempt {attempt}: {d:?} must lie in [{:?}, {full:?}]",
                full / 2
            );
        }
        let samples: std::collections::HashSet<_> = (0..20).map(|_| backoff(o, 5)).collect();
        assert!(
            samples.len() > 1,
            "jitter must vary the delay so clients do not reconnect in lockstep"
        );
    }
}
