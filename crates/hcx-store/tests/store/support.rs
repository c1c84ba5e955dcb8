//! Shared fixtures: a database file in a temp dir, a profile, threads and messages.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use hcx_store::{
    Dialect, Environment, MessageDirection, NewMessage, NewThread, ProfileFields, Store,
    ThreadDirection, ThreadState, UseCase,
};
use rust_decimal::Decimal;
use tempfile::TempDir;

/// A database file that lives as long as the returned directory.
pub struct TestDb {
    pub dir: TempDir,
}

impl TestDb {
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("a temp dir for the database") }
    }

    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("console.sqlite3")
    }

    pub fn open(&self) -> Store {
        Store::open(self.path()).expect("the store opens on a fresh or existing file")
    }

    /// Opens the store and creates profile "p1".
    pub fn with_profile(&self) -> Store {
        let mut store = self.open();
        store.write(|w| w.insert_profile(PROFILE, &profile_fields(), t0())).unwrap();
        store
    }
}

pub const PROFILE: &str = "p1";

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
}

pub fn at(seconds: i64) -> DateTime<Utc> {
    t0() + TimeDelta::seconds(seconds)
}

pub fn profile_fields() -> ProfileFields {
    ProfileFields {
        name: "City Clinic".to_owned(),
        participant_code: "hosp_city_123456@swasth-hcx-dev".to_owned(),
        roles: vec!["provider".to_owned()],
        environment: Environment::Sandbox,
        gateway_base_url: "https://staging-hcx.swasth.app/api".to_owned(),
        dialect: Dialect::Swasth,
        bridge_url: Some("https://bridge.example/mailbox".to_owned()),
        username: Some("desk@cityclinic.example".to_owned()),
        email: Some("desk@cityclinic.example".to_owned()),
        hcx_code: Some("hcx_sandbox@swasth-hcx-dev".to_owned()),
    }
}

pub fn dec(text: &str) -> Decimal {
    text.parse().expect("a decimal literal in a test")
}

pub fn thread(correlation_id: &str, use_case: UseCase, state: ThreadState) -> NewThread {
    NewThread {
        profile_id: PROFILE.to_owned(),
        correlation_id: correlation_id.to_owned(),
        workflow_id: None,
        use_case,
        counterparty_code: "payr_star_654321@swasth-hcx-dev".to_owned(),
        direction: ThreadDirection::Outgoing,
        state,
        requested_amount: None,
        currency: "INR".to_owned(),
        patient_label: None,
        opened_at: t0(),
    }
}

pub fn message(api_call_id: &str, direction: MessageDirection, correlation_id: &str) -> NewMessage {
    NewMessage {
        profile_id: PROFILE.to_owned(),
        api_call_id: api_call_id.to_owned(),
        direction,
        correlation_id: correlation_id.to_owned(),
        workflow_id: None,
        action: "/coverageeligibility/check".to_owned(),
        sender_code: Some("hosp_city_123456@swasth-hcx-dev".to_owned()),
        recipient_code: Some("payr_star_654321@swasth-hcx-dev".to_owned()),
        protocol_status: Some("request.queued".to_owned()),
        protected_headers: Some(serde_json::json!({"alg": "RSA-OAEP", "enc": "A256GCM"})),
        raw_body: r#"{"payload":"eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"}"#.to_owned(),
        decrypted_payload: None,
        created_at: t0(),
        received_at: None,
    }
}
