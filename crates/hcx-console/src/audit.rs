//! The audit log's keys and verification on the console side: which key each chain gets
//! (read or created in the keychain by [`crate::secrets`], handed to the store in memory),
//! the check on open, and [`Console::verify_audit`] behind preflight and `hcx audit verify`.
//!
//! A broken chain does not stop the console: the desk must keep working and be able to export
//! the evidence. It is logged at error level when the console opens, fails preflight's
//! "audit log" check (which also holds back go-live), and makes `hcx audit verify` exit
//! non-zero.

use hcx_store::{AuditVerdict, Environment, Store};

use crate::console::Console;
use crate::error::{ConsoleError, Result};
use crate::secrets::Secrets;

/// Hands `store` the key of every chain it lacks: the console-wide chain and each profile's.
/// Returns the chains whose key could not be had (keychain locked or unreachable); they are
/// retried on the next call.
pub(crate) fn load_audit_keys(
    secrets: &Secrets,
    store: &mut Store,
) -> Result<Vec<(Option<String>, ConsoleError)>> {
    let mut chains = vec![(None, Environment::Sandbox)];
    chains.extend(
        store.read().list_profiles()?.into_iter().map(|p| (Some(p.id), p.fields.environment)),
    );
    let mut failed = Vec::new();
    for (chain, environment) in chains {
        if store.has_audit_key(chain.as_deref()) {
            continue;
        }
        match secrets.audit_key(chain.as_deref(), environment) {
            Ok(key) => store.set_audit_key(chain.as_deref(), key),
            Err(e) => failed.push((chain, e)),
        }
    }
    Ok(failed)
}

/// Logs every chain that does not verify (at error level, so it reaches the log file and the
/// terminal whatever the filter).
pub(crate) fn report_broken_chains(store: &Store) -> Result<()> {
    for chain in chains_to_check(store)? {
        if !store.has_audit_key(chain.as_deref()) {
            continue;
        }
        if let AuditVerdict::Broken { entry_id, at, event, reason } =
            store.verify_audit_chain(chain.as_deref())?
        {
            tracing::error!(
                chain = chain.as_deref().unwrap_or("console"),
                entry_id,
                at = ?at,
                %event,
                "THE AUDIT LOG HAS BEEN TAMPERED WITH: entry {entry_id} {reason}"
            );
        }
    }
    Ok(())
}

/// The console-wide chain and every profile's, then chains of deleted profiles that still
/// have entries.
fn chains_to_check(store: &Store) -> Result<Vec<Option<String>>> {
    let mut chains: Vec<Option<String>> = vec![None];
    chains.extend(store.read().list_profiles()?.into_iter().map(|p| Some(p.id)));
    for chain in store.read().audit_chains()? {
        if !chains.contains(&chain) {
            chains.push(chain);
        }
    }
    Ok(chains)
}

/// One chain's verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    /// The profile id (`None` = the console-wide chain).
    pub chain: Option<String>,
    /// The profile's name, when it still exists.
    pub profile_name: Option<String>,
    /// What verification found.
    pub outcome: AuditOutcome,
}

/// What verifying one chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditOutcome {
    /// The walk finished: intact, or the first broken entry.
    Verified(AuditVerdict),
    /// The chain's key could not be read from the keychain, so nothing can be vouched for.
    KeyUnavailable(String),
    /// The profile was deleted and its key with it; its entries remain but cannot be checked.
    ProfileDeleted,
}

impl AuditCheck {
    /// True unless the chain was found broken or could not be checked for lack of its key.
    pub fn ok(&self) -> bool {
        matches!(
            self.outcome,
            AuditOutcome::Verified(AuditVerdict::Intact { .. }) | AuditOutcome::ProfileDeleted
        )
    }
}

impl Console {
    /// Verifies the audit chains: every chain, or only `profile`'s (id, code or name).
    pub fn verify_audit(&self, profile: Option<&str>) -> Result<Vec<AuditCheck>> {
        let only = profile.map(|key| self.find_profile(key)).transpose()?;
        let failed = self.with_store(|store| load_audit_keys(&self.inner.secrets, store))?;
        let profiles = self.read(|r| Ok(r.list_profiles()?))?;
        self.with_store(|store| {
            let chains = match &only {
                Some(p) => vec![Some(p.id.clone())],
                None => chains_to_check(store)?,
            };
            chains
                .into_iter()
                .map(|chain| -> Result<AuditCheck> {
                    let existing = profiles.iter().find(|p| Some(&p.id) == chain.as_ref());
                    let outcome = if chain.is_some() && existing.is_none() {
                        AuditOutcome::ProfileDeleted
                    } else if let Some((_, e)) = failed.iter().find(|(c, _)| *c == chain) {
                        AuditOutcome::KeyUnavailable(e.to_string())
                    } else {
                        AuditOutcome::Verified(store.verify_audit_chain(chain.as_deref())?)
                    };
                    Ok(AuditCheck {
                        profile_name: existing.map(|p| p.fields.name.clone()),
                        chain,
                        outcome,
                    })
                })
                .collect()
        })
    }
}
