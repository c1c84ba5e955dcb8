//! [`Console`]: the handle every front end holds. Cheap to clone; each use case is an async
//! method returning `dto` types, so a Tauri command or a CLI subcommand is a few lines.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hcx_client::{Credentials, GatewayConfig, HcxClient};
use hcx_keys::SecretKind;
use hcx_store::{LoginKind, NewAuditEntry, Profile, RetryPolicy, Store, Writer};
use tokio::sync::{Notify, broadcast};

use crate::dto::MessagesChanged;
use crate::error::{ConsoleError, Result};
use crate::secrets::Secrets;

/// The file name of the console's database inside its data directory.
pub const DATABASE_FILE: &str = "console.sqlite3";

/// How a [`Console`] is opened.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    /// Directory holding the database (created if missing).
    pub data_dir: PathBuf,
    /// Keychain service name; [`hcx_keys::APP_ID`] for real use, a unique
    /// `in.hcx.console.test-…` in tests.
    pub app_id: String,
    /// Keep SANDBOX profiles' secrets in process memory when no keychain is reachable.
    pub memory_secrets_for_sandbox: bool,
    /// Outbox re-send schedule after retryable failures.
    pub outbox_retry: RetryPolicy,
    /// How long a sleeping outbox worker waits before looking for rows queued by another
    /// process (`hcx send` while `hcx run` is running).
    pub outbox_poll: Duration,
    /// The gateway client's in-call retry policy (`None` = hcx-client's default).
    pub client_retry: Option<hcx_client::RetryPolicy>,
    /// After this many failed attempts (errors or panics; a locked keychain does not count)
    /// an incoming envelope is parked as a dead letter and acknowledged.
    pub dead_letter_after: u32,
    /// Test-only fault injection: called with each bridge envelope right before its ingest,
    /// inside the same panic guard, so a test can make the handling of one envelope fail
    /// (panic) every time. `None` in real use.
    #[doc(hidden)]
    pub ingest_fault: Option<fn(&hcx_bridge::Envelope)>,
    /// How long changes are collected before one `MessagesChanged` goes out ([`COALESCE`] by
    /// default, one repaint per burst). Zero announces every change at once: `hcx bench
    /// cycles` times each cycle to the moment its callback is applied, not to the next window.
    pub change_coalesce: Duration,
}

impl ConsoleOptions {
    /// Defaults for real use with the data in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            app_id: hcx_keys::APP_ID.to_owned(),
            memory_secrets_for_sandbox: true,
            outbox_retry: RetryPolicy::default(),
            outbox_poll: Duration::from_secs(1),
            client_retry: None,
            dead_letter_after: 3,
            ingest_fault: None,
            change_coalesce: COALESCE,
        }
    }
}

/// The console: store, secrets, gateway clients and change notifications.
#[derive(Clone)]
pub struct Console {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").field("data_dir", &self.inner.options.data_dir).finish()
    }
}

pub(crate) struct Inner {
    pub(crate) options: ConsoleOptions,
    store: Mutex<Store>,
    pub(crate) secrets: Secrets,
    clients: Mutex<HashMap<String, HcxClient>>,
    pub(crate) changes: broadcast::Sender<MessagesChanged>,
    /// Wakes the outbox worker when something is queued in this process.
    pub(crate) outbox_wakeup: Notify,
    pub(crate) bridge_status: Mutex<crate::dto::BridgeStatus>,
    pub(crate) embedded_sandbox: std::sync::atomic::AtomicBool,
    /// Changes not yet announced (coalesced into one `MessagesChanged`).
    pending: Mutex<PendingChanges>,
    /// Set once `start_background` recovered interrupted sends in this process.
    pub(crate) recovered: std::sync::atomic::AtomicBool,
}

/// Changes collected during the coalescing window.
#[derive(Default)]
struct PendingChanges {
    ids: BTreeSet<String>,
    incoming: u32,
    scheduled: bool,
}

/// How long changes are collected before one `MessagesChanged` goes out: a burst of callbacks
/// causes one repaint, and a single change is still shown at once to a human eye.
const COALESCE: Duration = Duration::from_millis(50);

impl Console {
    /// Opens (creating if needed) the console's data directory and database.
    pub fn open(options: ConsoleOptions) -> Result<Console> {
        std::fs::create_dir_all(&options.data_dir).map_err(ConsoleError::io(format!(
            "creating the data directory {}",
            options.data_dir.display()
        )))?;
        let mut store = Store::open(options.data_dir.join(DATABASE_FILE))?;
        let secrets = Secrets::new(&options.app_id, options.memory_secrets_for_sandbox);
        for (chain, e) in crate::audit::load_audit_keys(&secrets, &mut store)? {
            match chain {
                Some(profile) => tracing::warn!(
                    %profile,
                    "the profile's audit key could not be loaded; actions that audit it wait \
                     for the keychain: {e}"
                ),
                // Nothing writes console-wide entries often; a demo without a keychain should
                // not greet the user with this.
                None => tracing::debug!("the console-wide audit key could not be loaded: {e}"),
            }
        }
        crate::audit::report_broken_chains(&store)?;
        let (changes, _) = broadcast::channel(256);
        Ok(Console {
            inner: Arc::new(Inner {
                options,
                store: Mutex::new(store),
                secrets,
                clients: Mutex::new(HashMap::new()),
                changes,
                outbox_wakeup: Notify::new(),
                bridge_status: Mutex::new(crate::dto::BridgeStatus::Stopped),
                embedded_sandbox: std::sync::atomic::AtomicBool::new(false),
                pending: Mutex::new(PendingChanges::default()),
                recovered: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.inner.options.data_dir
    }

    /// The database file.
    pub fn database_path(&self) -> PathBuf {
        self.inner.options.data_dir.join(DATABASE_FILE)
    }

    /// The keychain service this console uses.
    pub fn app_id(&self) -> &str {
        self.inner.secrets.app_id()
    }

    /// Subscribe to batched change notifications (`MessagesChanged`): one per ingest or send,
    /// naming the cycles that changed.
    pub fn subscribe(&self) -> broadcast::Receiver<MessagesChanged> {
        self.inner.changes.subscribe()
    }

    /// Marks the console as running on its embedded sandbox (shown in [`crate::dto::AppStatus`]).
    pub fn set_embedded_sandbox(&self, on: bool) {
        self.inner.embedded_sandbox.store(on, std::sync::atomic::Ordering::SeqCst);
    }

    /// Runs `f` with read access to the store.
    pub(crate) fn read<T>(&self, f: impl FnOnce(hcx_store::Reader<'_>) -> Result<T>) -> Result<T> {
        let store = self.inner.store.lock().unwrap_or_else(PoisonError::into_inner);
        f(store.read())
    }

    /// Runs `f` in one write transaction. First hands the store any audit key it still lacks
    /// (a profile added by another process, or a keychain that was locked at open), so an
    /// audit entry in `f` finds its key whenever the keychain can give it.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Writer<'_>) -> Result<T>) -> Result<T> {
        let mut store = self.inner.store.lock().unwrap_or_else(PoisonError::into_inner);
        for (chain, e) in crate::audit::load_audit_keys(&self.inner.secrets, &mut store)? {
            tracing::debug!(chain = chain.as_deref().unwrap_or("console"), "audit key: {e}");
        }
        store.write(f)
    }

    /// Runs `f` on the store itself (audit keys and verification need more than a reader).
    pub(crate) fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        let mut store = self.inner.store.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut store)
    }

    /// A profile by id.
    pub(crate) fn profile(&self, id: &str) -> Result<Profile> {
        self.read(|r| r.get_profile(id)?.ok_or_else(|| ConsoleError::ProfileNotFound(id.into())))
    }

    /// The selected profile.
    pub(crate) fn active(&self) -> Result<Profile> {
        self.read(|r| r.active_profile()?.ok_or(ConsoleError::NoActiveProfile))
    }

    /// The gateway client of a profile (cached: it holds the token and certificate caches).
    pub(crate) fn client(&self, profile: &Profile) -> Result<HcxClient> {
        if let Some(c) =
            self.inner.clients.lock().unwrap_or_else(PoisonError::into_inner).get(&profile.id)
        {
            return Ok(c.clone());
        }
        let mut config = GatewayConfig::new(
            &profile.fields.gateway_base_url,
            &profile.fields.participant_code,
            self.gateway_credentials(profile)?,
        );
        config.dialect = match profile.fields.dialect {
            hcx_store::Dialect::Swasth => hcx_protocol::Dialect::Swasth,
            hcx_store::Dialect::Nhcx => hcx_protocol::Dialect::Nhcx,
        };
        config.roles = profile.fields.roles.iter().filter_map(|r| r.parse().ok()).collect();
        if let Some(retry) = &self.inner.options.client_retry {
            config.retry = retry.clone();
        }
        let client = HcxClient::new(config)?;
        self.inner
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(profile.id.clone(), client.clone());
        Ok(client)
    }

    /// How the profile logs in: its sandbox username and password, or (once onboarding stored
    /// them) the production participant code, username and api-access secret.
    pub(crate) fn gateway_credentials(&self, profile: &Profile) -> Result<Credentials> {
        let secret = self.inner.secrets.get(profile, SecretKind::GatewaySecret)?.ok_or(
            ConsoleError::MissingSecret {
                profile: profile.id.clone(),
                what: "gateway password",
                hint: "set it with `hcx profile add … --password-env VAR`",
            },
        )?;
        let username =
            profile.fields.username.clone().or_else(|| profile.fields.email.clone()).ok_or_else(
                || ConsoleError::input("username", "the profile has no gateway username"),
            )?;
        let login = self.read(|r| Ok(r.get_onboarding(&profile.id)?.map(|o| o.login_kind)))?;
        let secret = hcx_client::Secret::new(secret.expose());
        Ok(match login.unwrap_or_default() {
            LoginKind::Password => Credentials::Password { username, password: secret },
            LoginKind::ApiSecret => Credentials::ApiSecret {
                participant_code: profile.fields.participant_code.clone(),
                username,
                secret,
            },
        })
    }

    /// Appends one operator action to the audit log, on its own.
    pub(crate) fn record(
        &self,
        profile_id: &str,
        event: &str,
        details: serde_json::Value,
    ) -> Result<()> {
        let now = Utc::now();
        self.write(|w| {
            w.append_audit(&audit(profile_id, None, "operator", event, details, now))?;
            Ok(())
        })
    }

    /// Drops a cached client (after its password or settings changed).
    pub(crate) fn forget_client(&self, profile_id: &str) {
        self.inner.clients.lock().unwrap_or_else(PoisonError::into_inner).remove(profile_id);
    }

    /// Tells subscribers which cycles changed. Changes within the coalescing window
    /// ([`ConsoleOptions::change_coalesce`]) are sent as one `MessagesChanged`.
    pub(crate) fn notify(&self, correlation_ids: impl IntoIterator<Item = String>, incoming: u32) {
        let mut pending = self.inner.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.ids.extend(correlation_ids.into_iter().filter(|c| !c.is_empty()));
        pending.incoming = pending.incoming.saturating_add(incoming);
        if pending.scheduled || pending.ids.is_empty() {
            return;
        }
        let window = self.inner.options.change_coalesce;
        if window.is_zero() {
            drop(pending);
            self.flush_changes();
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                pending.scheduled = true;
                drop(pending);
                let console = self.clone();
                runtime.spawn(async move {
                    tokio::time::sleep(window).await;
                    console.flush_changes();
                });
            }
            Err(_) => {
                drop(pending);
                self.flush_changes();
            }
        }
    }

    fn flush_changes(&self) {
        let (ids, incoming) = {
            let mut p = self.inner.pending.lock().unwrap_or_else(PoisonError::into_inner);
            p.scheduled = false;
            (std::mem::take(&mut p.ids), std::mem::take(&mut p.incoming))
        };
        if ids.is_empty() {
            return;
        }
        // No subscriber is fine (the CLI has none).
        let _ = self
            .inner
            .changes
            .send(MessagesChanged { correlation_ids: ids.into_iter().collect(), incoming });
    }
}

/// An audit entry for `profile_id`'s chain, keyed with that profile's key when appended (never
/// holds secrets: callers pass ids, codes and outcomes only).
pub(crate) fn audit(
    profile_id: &str,
    correlation_id: Option<&str>,
    actor: &str,
    event: &str,
    details: serde_json::Value,
    at: DateTime<Utc>,
) -> NewAuditEntry {
    NewAuditEntry {
        at,
        profile_id: Some(profile_id.to_owned()),
        correlation_id: correlation_id.map(str::to_owned),
        actor: actor.to_owned(),
        event: event.to_owned(),
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_of_changes_is_announced_once() {
        let dir = tempfile::tempdir().unwrap();
        let console = Console::open(ConsoleOptions::new(dir.path())).unwrap();
        let mut rx = console.subscribe();
        console.notify(["a".to_owned()], 1);
        console.notify(["b".to_owned(), "a".to_owned()], 1);
        console.notify(["c".to_owned()], 0);
        let first = rx.recv().await.unwrap();
        assert_eq!(
            first.correlation_ids,
            ["a", "b", "c"],
            "changes inside the window arrive together, each cycle once"
        );
        assert_eq!(first.incoming, 2, "two of them were incoming messages");
        tokio::time::sleep(COALESCE * 3).await;
        assert!(rx.try_recv().is_err(), "one burst, one notification");
        console.notify(["d".to_owned()], 0);
        assert_eq!(
            rx.recv().await.unwrap().correlation_ids,
            ["d"],
            "a later change starts a new window"
        );
    }

    /// `hcx bench cycles` times a cycle to the change that finished it, so with a zero window
    /// nothing may wait for a later one.
    #[tokio::test]
    async fn with_a_zero_window_every_change_is_announced_by_itself() {
        let dir = tempfile::tempdir().unwrap();
        let mut options = ConsoleOptions::new(dir.path());
        options.change_coalesce = Duration::ZERO;
        let console = Console::open(options).unwrap();
        let mut rx = console.subscribe();
        console.notify(["a".to_owned()], 1);
        console.notify(["b".to_owned()], 0);
        let first = rx.try_recv().expect("announced before notify returns, without a window");
        assert_eq!(first.correlation_ids, ["a"], "the first change alone");
        assert_eq!(first.incoming, 1, "with its incoming count");
        let second = rx.try_recv().expect("the second change is announced at once too");
        assert_eq!(second.correlation_ids, ["b"], "not merged into the first");
    }
}
