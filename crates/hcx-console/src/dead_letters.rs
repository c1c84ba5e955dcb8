//! Dead letters: no envelope can stop a mailbox.
//!
//! [`Console::handle_envelope`] is what the bridge poller calls for each envelope. It counts
//! the attempt in the store *before* running ingest (so an envelope that takes the whole
//! process down is counted too), runs ingest with panics caught, and after
//! [`crate::ConsoleOptions::dead_letter_after`] failed attempts parks the envelope as a dead
//! letter with what was delivered and the last error, and returns `Ok` so the poller acks it
//! and the mailbox moves on. The app lists dead letters and can try one again from its stored
//! body. A locked keychain is not the envelope's fault: that attempt is taken back, the error
//! goes to the poller (which backs off and retries), and nothing is parked.

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::Utc;
use hcx_protocol::Headers;
use hcx_store::{AttemptState, DeadBody, DeadLetter};
use serde_json::json;

use crate::console::{Console, audit};
use crate::dto::DeadLetterView;
use crate::error::{ConsoleError, Result};
use crate::ingest::IngestOutcome;
use crate::views::utc;

/// The console's name for one delivery: the bridge cursor (unique per mailbox) and the
/// sender's api_call_id (so a mailbox rebuilt from scratch, whose cursors restart, does not
/// inherit another envelope's count).
fn envelope_key(envelope: &hcx_bridge::Envelope) -> String {
    format!("bridge:{}:{}", envelope.cursor, envelope.api_call_id)
}

/// Runs `f`, turning a panic into [`ConsoleError::HandlerPanicked`].
///
/// `AssertUnwindSafe` is sound here because nothing `f` can leave half-changed is observed
/// afterwards: the SQLite transaction of an interrupted `Store::write` is rolled back when its
/// `Transaction` is dropped during unwinding, and the console's mutexes (store, clients,
/// pending changes) are all locked with `unwrap_or_else(PoisonError::into_inner)`, whose
/// contents are either untouched or replaced whole by the interrupted code.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(ConsoleError::HandlerPanicked(what))
        }
    }
}

impl Console {
    /// Handles one bridge envelope for the poller: `Ok` means "acknowledge it" (stored, a
    /// duplicate, or parked as a dead letter); `Err` means "back off and offer it again".
    pub async fn handle_envelope(
        &self,
        profile_id: &str,
        envelope: &hcx_bridge::Envelope,
    ) -> Result<()> {
        let key = envelope_key(envelope);
        let limit = self.inner.options.dead_letter_after.max(1);
        let attempt = self.write(|w| {
            Ok(w.begin_envelope_attempt(
                profile_id,
                &key,
                &envelope.path,
                Some(&envelope.api_call_id),
                Utc::now(),
            )?)
        })?;
        if attempt.state != AttemptState::Retrying {
            // Parked (or parked and then handled by a retry) before the ack went through.
            return Ok(());
        }
        if attempt.attempts > limit {
            // Earlier attempts ended without an outcome: the process died while in them.
            let error = attempt.last_error.unwrap_or_else(|| {
                "the console stopped while reading this message, again and again".to_owned()
            });
            return self.park(profile_id, &key, envelope, &error, attempt.attempts);
        }
        let outcome = guarded(|| {
            if let Some(fault) = self.inner.options.ingest_fault {
                fault(envelope);
            }
            self.ingest_envelope(profile_id, envelope)
        });
        match outcome {
            Ok(_) => self.write(|w| Ok(w.finish_envelope_attempt(profile_id, &key)?)),
            Err(e @ ConsoleError::KeychainLocked { .. }) => {
                self.write(|w| Ok(w.undo_envelope_attempt(profile_id, &key)?))?;
                Err(e)
            }
            Err(e) => {
                let error = e.to_string();
                tracing::warn!(
                    cursor = envelope.cursor,
                    attempt = attempt.attempts,
                    error = %error,
                    "an incoming envelope could not be handled"
                );
                if attempt.attempts >= limit {
                    return self.park(profile_id, &key, envelope, &error, attempt.attempts);
                }
                self.write(|w| {
                    Ok(w.fail_envelope_attempt(profile_id, &key, &error, None, Utc::now())?)
                })?;
                Err(e)
            }
        }
    }

    fn park(
        &self,
        profile_id: &str,
        key: &str,
        envelope: &hcx_bridge::Envelope,
        error: &str,
        attempts: u32,
    ) -> Result<()> {
        let now = Utc::now();
        let correlation_id = Headers::from_value(envelope.headers.clone())
            .and_then(|h| h.correlation_id().map(str::to_owned));
        self.write(|w| {
            w.fail_envelope_attempt(
                profile_id,
                key,
                error,
                Some(&DeadBody {
                    headers: &envelope.headers,
                    raw_body: &envelope.body,
                    received_at: envelope.received_at,
                }),
                now,
            )?;
            w.append_audit(&audit(
                profile_id,
                correlation_id.as_deref(),
                "bridge",
                "message.dead_lettered",
                json!({
                    "path": envelope.path,
                    "apiCallId": envelope.api_call_id,
                    "attempts": attempts,
                    "error": error,
                }),
                now,
            ))?;
            Ok(())
        })?;
        tracing::error!(
            cursor = envelope.cursor,
            attempts,
            error,
            "an incoming envelope was parked as a dead letter so the mailbox can move on"
        );
        Ok(())
    }

    /// The active profile's dead letters, newest first.
    pub async fn list_dead_letters(&self) -> Result<Vec<DeadLetterView>> {
        let profile = self.active()?;
        let rows = self.read(|r| Ok(r.list_dead_letters(&profile.id)?))?;
        Ok(rows.iter().map(dead_letter_view).collect())
    }

    /// Reads a dead letter of the active profile again from its stored body. When it goes
    /// through it leaves the list; when it fails again the error is recorded and returned.
    pub async fn retry_dead_letter(&self, id: i64) -> Result<IngestOutcome> {
        let profile = self.active()?;
        let letter = self
            .read(|r| Ok(r.get_dead_letter(&profile.id, id)?))?
            .ok_or_else(|| ConsoleError::NotAllowed(format!("dead letter {id} not found")))?;
        let outcome = guarded(|| {
            self.ingest_body(
                &profile.id,
                &letter.path,
                letter.raw_body.as_bytes(),
                letter.api_call_id.as_deref(),
                letter.received_at.unwrap_or(letter.first_attempt_at),
            )
        });
        match outcome {
            Ok(o) => {
                self.write(|w| Ok(w.resolve_dead_letter(&profile.id, id, Utc::now())?))?;
                Ok(o)
            }
            Err(e @ ConsoleError::KeychainLocked { .. }) => Err(e),
            Err(e) => {
                let error = e.to_string();
                self.write(|w| {
                    Ok(w.retry_failed_dead_letter(&profile.id, id, &error, Utc::now())?)
                })?;
                Err(e)
            }
        }
    }
}

fn dead_letter_view(d: &DeadLetter) -> DeadLetterView {
    let headers = d.headers.clone().and_then(Headers::from_value).unwrap_or_default();
    DeadLetterView {
        id: d.id,
        path: d.path.clone(),
        api_call_id: d.api_call_id.clone(),
        sender: headers.sender_code().map(str::to_owned),
        correlation_id: headers.correlation_id().map(str::to_owned),
        error: d.last_error.clone().unwrap_or_default(),
        attempts: d.attempts,
        first_attempt_at: utc(d.first_attempt_at),
        last_attempt_at: utc(d.last_attempt_at),
        received_at: d.received_at.map(utc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        let r: Result<()> = guarded(|| panic!("Addition overflowed"));
        match r {
            Err(ConsoleError::HandlerPanicked(m)) => {
                assert!(m.contains("Addition overflowed"), "the panic message is kept: {m}");
            }
            other => panic!("a panic must come back as HandlerPanicked, got {other:?}"),
        }
        assert_eq!(guarded(|| Ok(7)).ok(), Some(7), "a normal result passes through");
    }
}
