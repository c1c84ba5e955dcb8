//! Shared server state: the store, the served participants, limits.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tokio_util::sync::CancellationToken;

use crate::config::{BridgeConfig, ParticipantConfig};
use crate::error::{BridgeError, Result};
use crate::gateway_jwt::GatewayVerifier;
use crate::ratelimit::RateLimiter;
use crate::store::Store;
use crate::token::TokenHash;
use hcx_protocol::Dialect;

/// One served participant.
#[derive(Debug)]
pub(crate) struct Participant {
    pub(crate) code: String,
    pub(crate) token_hash: TokenHash,
    /// `None` only when JWT verification is switched off for development.
    pub(crate) verifier: Option<GatewayVerifier>,
    /// Which ack body shape to answer with.
    pub(crate) dialect: Dialect,
}

pub(crate) struct AppState {
    pub(crate) store: Store,
    pub(crate) cfg: BridgeConfig,
    pub(crate) limiter: Option<RateLimiter>,
    pub(crate) cancel: CancellationToken,
    participants: RwLock<HashMap<String, Arc<Participant>>>,
}

impl AppState {
    pub(crate) fn new(store: Store, cfg: BridgeConfig, cancel: CancellationToken) -> Self {
        let limiter = cfg.rate_limit.map(RateLimiter::new);
        Self { store, cfg, limiter, cancel, participants: RwLock::new(HashMap::new()) }
    }

    pub(crate) fn participant(&self, code: &str) -> Option<Arc<Participant>> {
        self.participants.read().ok()?.get(code).cloned()
    }

    pub(crate) fn add(&self, p: ParticipantConfig) -> Result<()> {
        if p.code.trim().is_empty() || p.code.contains('/') {
            return Err(BridgeError::Config(format!("invalid participant code {:?}", p.code)));
        }
        let verifier = match (&p.gateway_cert_pem, self.cfg.insecure_skip_gateway_jwt) {
            (Some(pem), _) => Some(GatewayVerifier::from_pem(pem)?),
            (None, true) => None,
            (None, false) => {
                return Err(BridgeError::Config(format!(
                    "participant {}: a gateway certificate is required (only \
                     insecure_skip_gateway_jwt, for local development, allows none)",
                    p.code
                )));
            }
        };
        let entry = Arc::new(Participant {
            code: p.code.clone(),
            token_hash: p.token_hash,
            verifier,
            dialect: p.dialect,
        });
        self.participants
            .write()
            .map_err(|_| BridgeError::Config("participant table lock poisoned".into()))?
            .insert(p.code, entry);
        Ok(())
    }

    pub(crate) fn remove(&self, code: &str) -> bool {
        self.participants.write().map(|mut m| m.remove(code).is_some()).unwrap_or(false)
    }

    pub(crate) fn codes(&self) -> Vec<String> {
        let mut v: Vec<String> =
            self.participants.read().map(|m| m.keys().cloned().collect()).unwrap_or_default();
        v.sort();
        v
    }
}
