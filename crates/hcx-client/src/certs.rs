//! Recipient encryption certificates: where they come from and how long we trust them.
//!
//! The registry's `encryption_cert` is a URL on Swasth (GET it) or the PEM itself (the JS SDK
//! rule: it starts with `-----BEGIN CERTIFICATE-----`); NHCX returns PEMs inline from
//! `/fetch/certs`. Keys are cached per participant for a TTL (default 1 h) and dropped on
//! demand when a counterparty reports `ERR_INVALID_ENCRYPTION` (wire facts §5.3 step 4).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use hcx_protocol::RecipientKey;

/// Where a certificate came from, for the console's "details" view and for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertSource {
    /// The registry record held the PEM itself.
    Inline,
    /// Downloaded from this URL (the registry record held the URL).
    Url(String),
    /// NHCX `/fetch/certs`.
    NhcxFetchCerts,
}

/// A participant's encryption certificate, parsed.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// Whose it is.
    pub participant_code: String,
    /// The PEM text as obtained (public material, safe to show).
    pub pem: Arc<str>,
    /// The key to seal to.
    pub key: RecipientKey,
    /// Where it came from.
    pub source: CertSource,
}

/// Whether `encryption_cert` holds the PEM itself. A leading `-----BEGIN` (certificate or
/// public key) means inline; anything else is treated as a URL.
pub(crate) fn is_inline_pem(value: &str) -> bool {
    value.trim_start().starts_with("-----BEGIN ")
}

#[derive(Debug, Clone)]
struct Entry {
    cert: Certificate,
    fetched_at: Instant,
}

/// Per-participant TTL cache. A plain mutex: it is never held across an await, and two
/// concurrent first fetches of one code merely both fetch.
#[derive(Debug)]
pub(crate) struct CertCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl CertCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::new(HashMap::new()) }
    }

    /// The cached certificate if it is younger than the TTL.
    pub fn get(&self, code: &str) -> Option<Certificate> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(code).filter(|e| e.fetched_at.elapsed() < self.ttl).map(|e| e.cert.clone())
    }

    pub fn put(&self, cert: Certificate) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.insert(cert.participant_code.clone(), Entry { cert, fetched_at: Instant::now() });
    }

    /// Forgets one participant's certificate; returns whether one was cached.
    pub fn invalidate(&self, code: &str) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(code).is_some()
    }

    pub fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_detection_follows_the_js_sdk_rule() {
        assert!(is_inline_pem("-----BEGIN CERTIFICATE-----\nMII..."), "a PEM is inline");
        assert!(
            is_inline_pem("\n  -----BEGIN PUBLIC KEY-----\n"),
            "leading whitespace is tolerated"
        );
        assert!(
            !is_inline_pem("https://store.example/x/encryption_cert.pem"),
            "the Swasth platform stores a URL"
        );
    }

    #[test]
    fn entries_expire_after_the_ttl_and_can_be_dropped() {
        let pem = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../hcx-protocol/tests/fixtures/sample-certificate.pem"
        ))
        .expect("shared fixture present (see BRIEF)");
        let key = RecipientKey::from_pem(&pem).expect("the SDK sample certificate parses");
        let cert = Certificate {
            participant_code: "p".into(),
            pem: Arc::from(String::from_utf8_lossy(&pem).as_ref()),
            key,
            source: CertSource::Inline,
        };
        let cache = CertCache::new(Duration::from_millis(50));
        cache.put(cert.clone());
        assert!(cache.get("p").is_some(), "fresh entries are served");
        std::thread::sleep(Duration::from_millis(80));
        assert!(cache.get("p").is_none(), "entries older than the TTL are re-fetched");
        cache.put(cert);
        assert!(cache.invalidate("p"), "invalidate reports that it dropped something");
        assert!(cache.get("p").is_none(), "an invalidated entry is gone");
    }
}
