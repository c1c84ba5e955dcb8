//! When to try again: exponential back-off with jitter, capped, honouring `Retry-After`.
//!
//! Only timing lives here. Which failures are retryable, and why re-sending the SAME body is
//! safe, is decided in `http.rs` (see the crate README).

use std::time::{Duration, SystemTime};

/// How hard the client tries before giving up on a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total tries of one call, including the first (1 = never retry).
    pub max_attempts: u32,
    /// Back-off ceiling before jitter for the first retry; it doubles for each later one.
    pub base_delay: Duration,
    /// No single back-off wait is longer than this.
    pub max_delay: Duration,
    /// Longest `Retry-After` the client will sit through inside one call. A longer one is
    /// handed back to the caller (the outbox reschedules) instead of freezing a send.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        // Four tries over roughly 0.5 + 1 + 2 s: enough to ride out a gateway pod restart or
        // the 10 req/s rate limiter (wire facts §1.1) without a clerk staring at a spinner.
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (the caller owns retries, e.g. a preflight probe).
    pub fn no_retry() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Wait before retry number `retry` (0 = the first retry).
    ///
    /// "Equal jitter": half of the exponential step is fixed, half random, so retries from
    /// many consoles spread out but never collapse to zero wait.
    pub fn backoff(&self, retry: u32) -> Duration {
        let step = self.base_delay.saturating_mul(2u32.saturating_pow(retry.min(20)));
        let capped = step.min(self.max_delay);
        let half = capped / 2;
        let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let jitter = if spread == 0 { 0 } else { random_u64() % (spread + 1) };
        half + Duration::from_nanos(jitter)
    }
}

/// Random bits from the OS via uuid v4 (already a dependency), so no extra RNG crate.
fn random_u64() -> u64 {
    let bits = uuid::Uuid::new_v4().as_u128();
    (bits >> 64) as u64 ^ bits as u64
}

/// Parses a `Retry-After` value: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
/// A date in the past means "now"; garbage means "no hint".
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let when = SystemTime::from(when.with_timezone(&chrono::Utc));
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_within_cap() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(5),
        };
        for _ in 0..200 {
            let first = p.backoff(0);
            assert!(
                first >= Duration::from_millis(50) && first <= Duration::from_millis(100),
                "equal jitter keeps the first wait in [base/2, base], got {first:?}"
            );
            let late = p.backoff(15);
            assert!(
                late >= Duration::from_millis(500) && late <= Duration::from_millis(1000),
                "a late retry is capped at max_delay and never below half of it, got {late:?}"
            );
        }
    }

    #[test]
    fn backoff_is_jittered() {
        let p = RetryPolicy::default();
        let waits: std::collections::HashSet<Duration> = (0..50).map(|_| p.backoff(2)).collect();
        assert!(waits.len() > 1, "jitter must spread retries of many consoles, got {waits:?}");
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_400); // 2015-10-21 07:26:40Z
        assert_eq!(
            parse_retry_after(" 7 ", now),
            Some(Duration::from_secs(7)),
            "delta-seconds is the common form"
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(80)),
            "an HTTP date is converted to a wait from now"
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means retry now"
        );
        assert_eq!(parse_retry_after("soon", now), None, "garbage is no hint, not a panic");
    }
}
