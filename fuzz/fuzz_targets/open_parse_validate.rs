//! Untrusted bytes through everything that reads the wire: body classification, header
//! peeking, decryption with a fixed key, gateway validation, inbound validation, inspection.
//! Any panic is a bug (the crate promises typed errors on every input).
#![no_main]

use std::sync::OnceLock;

use hcx_protocol::jwe::PrivateKey;
use hcx_protocol::validate::{ParticipantInfo, Registry};
use hcx_protocol::{Action, Caller, Policy, Role};
use libfuzzer_sys::fuzz_target;

const KEY_PEM: &[u8] =
    include_bytes!("../../crates/hcx-protocol/tests/fixtures/sample-private-key.pem");

fn key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::from_pem(KEY_PEM).expect("fixture key parses"))
}

/// Everyone is registered; status and roles depend on the code so every branch is reachable.
struct AnyRegistry;
impl Registry for AnyRegistry {
    fn participant(&self, code: &str) -> Option<ParticipantInfo> {
        let first = code.bytes().next()?;
        let status = if first % 5 == 0 { "Inactive" } else { "Active" };
        let roles = match first % 3 {
            0 => vec![Role::Payor],
            1 => vec![Role::Provider],
            _ => vec![Role::AgencyTpa, Role::HieHioHcx],
        };
        Some(ParticipantInfo {
            code: code.to_owned(),
            status: status.to_owned(),
            roles,
            os_owner: Some(code.to_owned()),
        })
    }
}

fuzz_target!(|data: &[u8]| {
    let policy = Policy {
        hcx_code: "hcx".into(),
        timestamp_range_hours: 10_000,
        now: chrono::DateTime::from_timestamp(1_795_273_205, 0).unwrap_or_default(),
    };
    if let Ok(body) = hcx_protocol::parse_body(data) {
        let headers = body.headers();
        let sender = headers
            .as_ref()
            .ok()
            .and_then(|h| h.sender_code().map(str::to_owned))
            .unwrap_or_default();
        let caller = Caller { sub: sender, roles: vec![Role::Provider] };
        for action in [
            Action::CoverageEligibilityCheck,
            Action::ClaimOnSubmit,
            Action::PredeterminationOnSubmit,
        ] {
            let _ = hcx_protocol::validate_request(action, &body, &caller, &AnyRegistry, &policy);
        }
        let _ = hcx_protocol::validate_incoming(&body, "b", policy.now);
        if let hcx_protocol::Body::Jwe(compact) = &body {
            let _ = hcx_protocol::open(compact, key());
        }
        let _ = body.to_json_string();
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = hcx_protocol::peek_headers(text);
        let _ = hcx_protocol::open(text, key());
        let _ = hcx_protocol::open_with_any(text, &[key()]);
        let _ = hcx_protocol::time::parse_timestamp(text);
        let _ = Action::from_path(text);
        let _ = hcx_protocol::response::parse_sync_response(202, data);
        let _ = hcx_protocol::response::parse_sync_response(400, data);
    }
    let _ = hcx_protocol::inspect::inspect(data, Some(key()));
});
