//! HTTP plumbing: one call, retried on connection errors, 5xx and 429 with back-off.
//!
//! Knows nothing about tokens or the protocol; the client wraps it. Bodies are rebuilt for
//! each try from bytes the caller owns, so a retry sends exactly the same bytes — this is
//! what makes re-sending a sealed message safe (see README "Retries and api_call_id").

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};

use crate::backoff::{RetryPolicy, parse_retry_after};
use crate::error::ClientError;

/// Largest response body we read. Acks and error bodies are tiny; registry searches and
/// certificates are small. A gateway gone wrong must not exhaust the console's memory.
const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// What came back after the last try.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Vec<u8>,
    /// Tries made, including the last one.
    pub attempts: u32,
    /// `Retry-After` of the last response, when it had one.
    pub retry_after: Option<Duration>,
    /// True when an earlier try may have reached the gateway (a timeout or reset after
    /// sending, or a 5xx): a later "already seen" answer then means "accepted earlier".
    pub earlier_try_may_have_landed: bool,
}

impl Reply {
    /// The body as text for error messages, cut short.
    pub fn snippet(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let mut s: String = text.chars().take(300).collect();
        if text.chars().count() > 300 {
            s.push('…');
        }
        s
    }
}

/// The retrying HTTP executor.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    pub http: reqwest::Client,
    pub retry: RetryPolicy,
}

/// Statuses worth another try: the gateway or its ingress was overloaded or restarting.
/// 501/505 are permanent and 4xx are answers about our request, so they are not retried.
fn retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (status.is_server_error()
            && status != StatusCode::NOT_IMPLEMENTED
            && status != StatusCode::HTTP_VERSION_NOT_SUPPORTED)
}

/// Whether a reqwest failure may have left after the request reached the server.
fn may_have_landed(e: &reqwest::Error) -> bool {
    !e.is_connect()
}

/// Transport failures worth another try. Builder and redirect errors are our own mistakes.
fn retryable_error(e: &reqwest::Error) -> bool {
    e.is_connect() || e.is_timeout() || e.is_request() || e.is_body() || e.is_decode()
}

impl Transport {
    /// Sends the request `build` makes, retrying per the policy. `url` is only for messages.
    ///
    /// Returns the last response whatever its status (the caller maps statuses to errors),
    /// or [`ClientError::Unreachable`] when no try got a response.
    pub async fn execute(
        &self,
        url: &str,
        build: &(dyn Fn() -> RequestBuilder + Send + Sync),
    ) -> Result<Reply, ClientError> {
        let max = self.retry.max_attempts.max(1);
        let mut landed = false;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let outcome = match build().send().await {
                Ok(resp) => read(resp).await,
                Err(e) => Err(e),
            };
            match outcome {
                Err(e) => {
                    let more = attempt < max && retryable_error(&e);
                    tracing::warn!(%url, attempt, error = %e, retrying = more, "HTTP call failed");
                    if !more {
                        return Err(ClientError::Unreachable {
                            url: url.to_owned(),
                            attempts: attempt,
                            source: e,
                        });
                    }
                    landed |= may_have_landed(&e);
                    tokio::time::sleep(self.retry.backoff(attempt - 1)).await;
                }
                Ok((status, headers, body)) => {
                    let retry_after = headers
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    let reply = Reply {
                        status,
                        body,
                        attempts: attempt,
                        retry_after,
                        earlier_try_may_have_landed: landed,
                    };
                    if !retryable_status(status) || attempt >= max {
                        tracing::debug!(%url, attempt, status = status.as_u16(), "HTTP call answered");
                        return Ok(reply);
                    }
                    let wait = match retry_after {
                        // A wait longer than we are willing to block a send for goes back to
                        // the caller, who can reschedule (outbox) instead of freezing the UI.
                        Some(w) if w > self.retry.max_retry_after => return Ok(reply),
                        Some(w) => w,
                        None => self.retry.backoff(attempt - 1),
                    };
                    tracing::warn!(
                        %url, attempt, status = status.as_u16(), wait_ms = wait.as_millis() as u64,
                        "gateway busy or failing; retrying the same request"
                    );
                    landed |= status.is_server_error();
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// Reads the whole response, refusing bodies over [`MAX_RESPONSE_BYTES`].
async fn read(
    mut resp: reqwest::Response,
) -> Result<(StatusCode, HeaderMap, Vec<u8>), reqwest::Error> {
    let status = resp.status();
    let headers = resp.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            // Keep what fits; the caller sees a truncated (hence unparsable) body and
            // reports an unexpected response rather than buffering without bound.
            let room = MAX_RESPONSE_BYTES - body.len();
            body.extend_from_slice(&chunk[..room.min(chunk.len())]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, headers, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_statuses_are_retried() {
        for s in [429u16, 500, 502, 503, 504] {
            assert!(
                retryable_status(StatusCode::from_u16(s).unwrap()),
                "{s} means the gateway was busy or failing, so try again"
            );
        }
        for s in [200u16, 202, 400, 401, 404, 501] {
            assert!(
                !retryable_status(StatusCode::from_u16(s).unwrap()),
                "{s} is an answer about the request itself; repeating it changes nothing"
            );
        }
    }
}
