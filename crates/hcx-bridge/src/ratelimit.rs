//! Per-source-IP token bucket. Protects the disk and the long-poll slots from one noisy client;
//! the gateway itself sends from a handful of addresses at modest rates.
//!
//! Behind a reverse proxy every request has the proxy's address, so set the limit on the proxy
//! instead (README).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// Token-bucket parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateLimitConfig {
    /// Sustained requests per second per source IP.
    pub per_second: f64,
    /// Bucket size: how many requests may arrive at once after a quiet period.
    pub burst: f64,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        // Generous for a gateway dispatching to a clinic or a small TPA (tens per second at
        // most) while stopping a flood from filling the disk.
        Self { per_second: 200.0, burst: 1_000.0 }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Thread-safe limiter keyed by IP.
#[derive(Debug)]
pub struct RateLimiter {
    cfg: RateLimitConfig,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

/// Above this many tracked addresses, forget the ones whose bucket has refilled.
const PRUNE_ABOVE: usize = 10_000;

impl RateLimiter {
    /// A limiter with these parameters.
    pub fn new(cfg: RateLimitConfig) -> Self {
        Self { cfg, buckets: Mutex::new(HashMap::new()) }
    }

    /// Take one token for `ip` at `now`; false means "answer 429".
    pub fn allow(&self, ip: IpAddr, now: Instant) -> bool {
        let Ok(mut map) = self.buckets.lock() else {
            // A poisoned lock means a panic elsewhere; fail open rather than refuse the gateway.
            return true;
        };
        if map.len() > PRUNE_ABOVE {
            let cfg = self.cfg;
            map.retain(|_, b| refill(cfg, *b, now).tokens < cfg.burst);
        }
        let bucket = map.entry(ip).or_insert(Bucket { tokens: self.cfg.burst, last: now });
        *bucket = refill(self.cfg, *bucket, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn refill(cfg: RateLimitConfig, b: Bucket, now: Instant) -> Bucket {
    let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
    Bucket { tokens: (b.tokens + elapsed * cfg.per_second).min(cfg.burst), last: now }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill() {
        let rl = RateLimiter::new(RateLimitConfig { per_second: 10.0, burst: 3.0 });
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        assert!((0..3).all(|_| rl.allow(ip, t0)), "a full bucket admits `burst` requests at once");
        assert!(!rl.allow(ip, t0), "the fourth request in the same instant is over the limit");
        assert!(rl.allow(other, t0), "another address has its own bucket");
        assert!(rl.allow(ip, t0 + Duration::from_millis(100)), "0.1 s at 10/s refills one token");
        assert!(!rl.allow(ip, t0 + Duration::from_millis(100)), "…and only one");
    }
}
