//! Shared server state: the store, the served participants and their gateway verifiers, limits.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use ipnet::IpNet;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::config::{BridgeConfig, ParticipantConfig};
use crate::error::{BridgeError, Result};
use crate::gateway_jwt::{GatewayPolicy, GatewayVerifier};
use crate::ratelimit::RateLimiter;
use crate::store::Store;
use crate::token::TokenHash;
use hcx_protocol::Dialect;

/// One served participant.
#[derive(Debug)]
pub(crate) struct Participant {
    pub(crate) code: String,
    pub(crate) token_hash: TokenHash,
    /// This participant's gateway key with its own rules; `None` only when JWT verification
    /// is switched off for development.
    pub(crate) verifier: Option<GatewayVerifier>,
    /// Which (HCX code, certificate) it trusts, to build the bare route's verifier set.
    trust: Option<(String, String)>,
    /// Allowed source networks; empty allows any.
    pub(crate) allow_from: Vec<IpNet>,
    /// Which ack body shape to answer with.
    pub(crate) dialect: Dialect,
}

impl Participant {
    pub(crate) fn allows(&self, ip: IpAddr) -> bool {
        crate::config::allowed(&self.allow_from, ip)
    }
}

#[derive(Default)]
struct Table {
    by_code: HashMap<String, Arc<Participant>>,
    /// One verifier per distinct certificate, so participants behind the same HCX share its
    /// signature cache.
    keys: HashMap<String, GatewayVerifier>,
    /// One verifier per distinct (HCX code, certificate) with the most lenient limits of the
    /// participants that trust it: the pre-body check of the bare route. The recipient's own
    /// verifier still decides after the body is parsed.
    gateways: Vec<GatewayVerifier>,
}

impl Table {
    fn rebuild_gateways(&mut self) {
        let mut merged: HashMap<(String, String), GatewayPolicy> = HashMap::new();
        for p in self.by_code.values() {
            let (Some(trust), Some(v)) = (&p.trust, &p.verifier) else { continue };
            let policy = v.policy();
            merged
                .entry(trust.clone())
                .and_modify(|m| {
                    m.max_lifetime = m.max_lifetime.max(policy.max_lifetime);
                    m.max_age = m.max_age.zip(policy.max_age).map(|(a, b)| a.max(b));
                })
                .or_insert_with(|| policy.clone());
        }
        self.keys.retain(|pem, _| merged.keys().any(|(_, p)| p == pem));
        self.gateways = merged
            .into_iter()
            .filter_map(|((_, pem), policy)| self.keys.get(&pem).map(|k| k.with_policy(policy)))
            .collect();
    }
}

pub(crate) struct AppState {
    pub(crate) store: Store,
    pub(crate) cfg: BridgeConfig,
    pub(crate) limiter: Option<RateLimiter>,
    /// Permits for callback requests in flight; `None` when unlimited.
    pub(crate) in_flight: Option<Semaphore>,
    pub(crate) cancel: CancellationToken,
    table: RwLock<Table>,
}

impl AppState {
    pub(crate) fn new(store: Store, cfg: BridgeConfig, cancel: CancellationToken) -> Self {
        let limiter = cfg.rate_limit.map(RateLimiter::new);
        let in_flight = (cfg.max_in_flight > 0).then(|| Semaphore::new(cfg.max_in_flight));
        Self { store, cfg, limiter, in_flight, cancel, table: RwLock::default() }
    }

    pub(crate) fn participant(&self, code: &str) -> Option<Arc<Participant>> {
        self.table.read().ok()?.by_code.get(code).cloned()
    }

    /// The verifiers the bare `/{entity}/{action}` route checks a token against before it
    /// reads the body.
    pub(crate) fn gateways(&self) -> Vec<GatewayVerifier> {
        self.table.read().map(|t| t.gateways.clone()).unwrap_or_default()
    }

    pub(crate) fn add(&self, p: ParticipantConfig) -> Result<()> {
        if p.code.trim().is_empty() || p.code.contains('/') {
            return Err(BridgeError::Config(format!("invalid participant code {:?}", p.code)));
        }
        let mut table = self
            .table
            .write()
            .map_err(|_| BridgeError::Config("participant table lock poisoned".into()))?;
        let (verifier, trust) = match (&p.gateway, p.policy()) {
            (Some(gw), Some(policy)) => {
                if gw.hcx_code.trim().is_empty() {
                    return Err(BridgeError::Config(format!(
                        "participant {}: the HCX code (token issuer and subject) is empty",
                        p.code
                    )));
                }
                let pem = gw.cert_pem.trim().to_owned();
                let key = match table.keys.get(&pem) {
                    Some(k) => k.clone(),
                    None => GatewayVerifier::from_pem(&pem)?,
                };
                table.keys.insert(pem.clone(), key.clone());
                (Some(key.with_policy(policy)), Some((gw.hcx_code.clone(), pem)))
            }
            _ if self.cfg.insecure_skip_gateway_jwt => (None, None),
            _ => {
                return Err(BridgeError::Config(format!(
                    "participant {}: the gateway's HCX code and certificate are required (only \
                     insecure_skip_gateway_jwt, for local development, allows none)",
                    p.code
                )));
            }
        };
        let entry = Arc::new(Participant {
            code: p.code.clone(),
            token_hash: p.token_hash,
            verifier,
            trust,
            allow_from: p.allow_from,
            dialect: p.dialect,
        });
        table.by_code.insert(p.code, entry);
        table.rebuild_gateways();
        Ok(())
    }

    pub(crate) fn remove(&self, code: &str) -> bool {
        let Ok(mut table) = self.table.write() else { return false };
        let removed = table.by_code.remove(code).is_some();
        table.rebuild_gateways();
        removed
    }

    pub(crate) fn codes(&self) -> Vec<String> {
        let mut v: Vec<String> =
            self.table.read().map(|t| t.by_code.keys().cloned().collect()).unwrap_or_default();
        v.sort();
        v
    }
}
