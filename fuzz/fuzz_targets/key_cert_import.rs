//! hcx-keys' import of what a user pastes or picks: private keys (PKCS#8 and PKCS#1 PEM,
//! encrypted ones refused), certificates (PEM) and the checks run on them (info, fingerprint,
//! key match, profile import into an in-memory store). Any panic is a bug; and a key that
//! imports is normalised, so importing its output again gives the same PEM.
#![no_main]

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use hcx_keys::{Certificate, MemoryStore, Secret, current_private_key, import_for_profile, import_private_key};
use libfuzzer_sys::fuzz_target;

const KEY_PEM: &str = include_str!("../../crates/hcx-protocol/tests/fixtures/sample-private-key.pem");

fn sample_key() -> &'static Secret {
    static KEY: OnceLock<Secret> = OnceLock::new();
    KEY.get_or_init(|| Secret::new(KEY_PEM.to_owned()))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let pasted = Secret::new(text.to_owned());
    if let Ok(pkcs8) = import_private_key(&pasted) {
        let again = import_private_key(&pkcs8).expect("a normalised key imports again");
        assert_eq!(again.expose(), pkcs8.expose(), "normalising is idempotent");
        let store = MemoryStore::new();
        import_for_profile(&store, "fuzz", &pasted).expect("an importable key imports");
        let stored = current_private_key(&store, "fuzz").expect("and is the current key");
        assert_eq!(stored.expose(), pkcs8.expose(), "the store holds the normalised key");
    }
    if let Ok(cert) = Certificate::from_pem(text) {
        if let Ok(info) = cert.info() {
            for now in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::UNIX_EPOCH, DateTime::<Utc>::MAX_UTC] {
                let _ = info.days_until_expiry(now);
                let _ = info.is_expired(now);
            }
        }
        let _ = cert.to_der();
        let _ = cert.to_pem();
        let _ = cert.subject_common_name();
        let _ = cert.not_after();
        let _ = cert.matches_private_key(sample_key());
        let _ = cert.matches_private_key(&pasted);
    }
});
