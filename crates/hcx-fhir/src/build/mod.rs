//! Builders: form input → NRCeS `collection` bundles with `urn:uuid` fullUrls and `meta.profile`
//! on every resource (fhir-payloads.md §2, §4).
//!
//! Builders are pure: ids and the clock come from a [`BuildContext`], so tests and snapshots are
//! deterministic ([`BuildContext::deterministic`]) and the app uses random UUIDs and the wall clock
//! ([`BuildContext::live`]).

use chrono::{DateTime, Utc};

use crate::profiles::{self, BundleProfile, cs};
use crate::types::{Bundle, BundleEntry, Coding, Identifier, Meta, Resource};

mod claim;
mod claim_response;
mod communication;
mod eligibility;
pub mod input;
mod parties;
mod payment;

pub use claim::claim_bundle;
pub use claim_response::claim_response_bundle;
pub use communication::{communication_bundle, communication_request_bundle};
pub use eligibility::{eligibility_request_bundle, eligibility_response_bundle};
pub use input::*;
pub use payment::{payment_ack_bundle, payment_notice_bundle};

/// Where resource and bundle ids come from.
pub trait IdSource: Send {
    /// A fresh id, valid as a FHIR id and as the tail of a `urn:uuid:`.
    fn next_id(&mut self) -> String;
}

/// Random UUID v4 ids, for real use.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn next_id(&mut self) -> String {
        uuid::Uuid::new_v4().to_string()
    }
}

/// Predictable UUID-shaped ids (`<namespace>-0000-4000-8000-<counter>`), for tests and snapshots.
#[derive(Debug, Clone, Copy)]
pub struct SequentialIds {
    namespace: u32,
    next: u64,
}

impl SequentialIds {
    /// Ids in `namespace`, counting from 1.
    pub fn new(namespace: u32) -> Self {
        SequentialIds { namespace, next: 1 }
    }
}

impl IdSource for SequentialIds {
    fn next_id(&mut self) -> String {
        let id = format!("{:08x}-0000-4000-8000-{:012x}", self.namespace, self.next);
        self.next += 1;
        id
    }
}

/// Ids and time for one build.
pub struct BuildContext {
    ids: Box<dyn IdSource>,
    now: DateTime<Utc>,
}

impl std::fmt::Debug for BuildContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildContext").field("now", &self.now).finish_non_exhaustive()
    }
}

impl BuildContext {
    /// Any id source and a fixed time.
    pub fn new(ids: impl IdSource + 'static, now: DateTime<Utc>) -> Self {
        BuildContext { ids: Box::new(ids), now }
    }

    /// Random UUID v4 ids and the current time: what the app uses.
    pub fn live() -> Self {
        Self::new(RandomIds, Utc::now())
    }

    /// Sequential ids in `namespace` and a fixed time: what tests and snapshots use.
    pub fn deterministic(namespace: u32, now: DateTime<Utc>) -> Self {
        Self::new(SequentialIds::new(namespace), now)
    }

    /// The build time.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub(crate) fn next_id(&mut self) -> String {
        self.ids.next_id()
    }

    /// The build time as an IST instant.
    pub(crate) fn now_text(&self) -> String {
        crate::time::instant(self.now)
    }
}

/// Collects entries; each gets `fullUrl = urn:uuid:<id>` (the NHCX rule) and its NRCeS profile.
pub(crate) struct BundleWriter {
    entries: Vec<BundleEntry>,
}

impl BundleWriter {
    pub(crate) fn new() -> Self {
        BundleWriter { entries: Vec::new() }
    }

    /// A fresh id and its full URL, for a resource to be added later (so others can reference it).
    pub(crate) fn reserve(ctx: &mut BuildContext) -> (String, String) {
        let id = ctx.next_id();
        let url = format!("urn:uuid:{id}");
        (id, url)
    }

    /// Adds a resource with this id, under the matching full URL.
    pub(crate) fn add(&mut self, id: &str, resource: impl Into<Resource>) {
        let mut resource = resource.into();
        resource.set_id(id);
        self.entries.push(BundleEntry {
            full_url: Some(format!("urn:uuid:{id}")),
            resource: Some(resource),
            ..Default::default()
        });
    }

    /// Appends another writer's entries (the supporting resources collected while building the
    /// focal one, which must come first).
    pub(crate) fn append(&mut self, other: BundleWriter) {
        self.entries.extend(other.entries);
    }

    /// The collection bundle, focal resource first (the caller adds it first).
    pub(crate) fn finish(
        self,
        ctx: &mut BuildContext,
        profile: BundleProfile,
        identifier: Identifier,
    ) -> Bundle {
        let now = ctx.now_text();
        Bundle {
            id: Some(ctx.next_id()),
            meta: Some(Meta {
                last_updated: Some(now.clone()),
                profile: vec![profile.url()],
                // Every NRCeS example marks payloads very restricted (fhir-payloads.md §2).
                security: vec![Coding::new(cs::V3_CONFIDENTIALITY, "V", "very restricted")],
                ..Default::default()
            }),
            identifier: Some(identifier),
            type_: Some("collection".to_owned()),
            timestamp: Some(now),
            entry: self.entries,
            ..Default::default()
        }
    }
}

/// `meta` with the NRCeS profile of a resource type.
pub(crate) fn meta_for(resource_type: &str) -> Option<Meta> {
    profiles::resource_profile(resource_type)
        .map(|p| Meta { profile: vec![p], ..Default::default() })
}

/// Trims a required form value; an empty one is an input error naming the field.
pub(crate) fn required<'a>(field: &str, value: &'a str) -> crate::Result<&'a str> {
    let v = value.trim();
    if v.is_empty() { Err(crate::Error::input(field, "is required")) } else { Ok(v) }
}

/// Trims an optional form value; blank counts as absent.
pub(crate) fn optional(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Sequence numbers are 1-based positions.
pub(crate) fn seq(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX - 1).saturating_add(1)
}

/// An identifier typed `PLAC` (placer): the business number of a request or answer we create.
pub(crate) fn placer_identifier(field: &str, value: &str) -> crate::Result<Identifier> {
    Ok(Identifier::typed(
        Coding::new(cs::V2_0203, "PLAC", "Placer Identifier"),
        None,
        required(field, value)?,
    ))
}
