//! The simulated SMS / e-mail gateway: messages are kept in memory (and logged), never sent.
//! OTPs live here in clear because this IS the "phone" of the test; the application table keeps
//! only their PBKDF2 hash. A restart empties it; the applicant asks for a new OTP.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use hcx_onboard::operator_api::OutboxMessage;

/// Messages kept (oldest dropped first).
const LIMIT: usize = 1000;

/// The outbox.
#[derive(Debug, Default)]
pub struct Outbox {
    messages: Mutex<VecDeque<OutboxMessage>>,
    next: AtomicU64,
}

impl Outbox {
    /// Adds a message.
    pub fn push(&self, application_id: &str, channel: &str, to: &str, text: String) {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::info!(application = application_id, channel, to, text = %text, "sandbox outbox (simulated, not sent)");
        let m = OutboxMessage {
            id,
            at: chrono::Utc::now(),
            application_id: application_id.to_string(),
            channel: channel.to_string(),
            to: to.to_string(),
            text,
        };
        if let Ok(mut q) = self.messages.lock() {
            q.push_back(m);
            while q.len() > LIMIT {
                q.pop_front();
            }
        }
    }

    /// Messages, oldest first, optionally for one application.
    pub fn list(&self, application_id: Option<&str>) -> Vec<OutboxMessage> {
        self.messages
            .lock()
            .map(|q| {
                q.iter()
                    .filter(|m| application_id.is_none_or(|a| m.application_id == a))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `+91 ******3210`.
pub fn mask_mobile(national: &str) -> String {
    let tail: String =
        national.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("+91 ******{tail}")
}
