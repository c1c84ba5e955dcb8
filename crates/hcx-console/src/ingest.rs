//! Ingest: one callback from the bridge mailbox (or any other channel) becomes a stored message
//! and a move of its cycle.
//!
//! Order, which is what makes "nothing acknowledged is ever lost" hold: validate with
//! hcx-protocol → decrypt with the current or the previous key → store the message (dedupe by
//! `x-hcx-api_call_id`), move the thread, queue any error answer, all in ONE transaction →
//! only then return `Ok`, after which the poller acknowledges the envelope. A crash before the
//! commit redelivers the envelope; a crash after it redelivers a duplicate that changes nothing.
//!
//! A message we cannot read (wrong key, broken JWE, bad headers, wrong FHIR content) is still
//! stored with an error code, and when it was a request we answer the sender with a plain-JSON
//! `response.error` on the `on_*` path: `ERR_INVALID_ENCRYPTION`, `ERR_INVALID_PAYLOAD` or
//! `ERR_WRONG_DOMAIN_PAYLOAD`.
//!
//! A readable message moves its cycle only when [`crate::trust::judge`] says its sender may:
//! the cycle's counterparty, a participant a genuine redirect from it named, or the exchange
//! itself for its plain error (sender = the profile's `hcx_code`, no timestamp). Anything else
//! is stored as received, marked rejected with the reason (the app's "suspicious" list), moves
//! nothing, is answered with nothing, and is acknowledged like any stored message. A payment
//! notice settles only outgoing claims of its workflow whose counterparty sent it, up to what
//! they still owe ([`crate::settle`]).
//!
//! Content is summarised with `hcx_fhir::summarize_checked` before anything is applied; what
//! cannot be read exactly is stored with its `problem` ("Could not read") and moves nothing.
//! Failing to read our own keys is not a message problem: it is `ConsoleError::KeychainLocked`,
//! nothing is stored, and the envelope waits unacknowledged.

use chrono::{DateTime, Utc};
use hcx_protocol::{
    Action, Body, Details, ErrorCode, Headers, PrivateKey, ProtocolResponse, Status, parse_body,
};
use hcx_store::{
    AmountUpdate, MessageDirection, NewMessage, NewThread, Profile, ThreadDirection, ThreadFilter,
    ThreadState, UseCase, Writer,
};
use serde_json::{Value, json};

use crate::console::{Console, audit};
use crate::error::{ConsoleError, Result};
use crate::outbox::{Outgoing, advance, enqueue};
use crate::payload;
use crate::settle::{self, Owed};
use crate::thread_state::{AnswerKind, Event};
use crate::trust::{self, Arrival, Cycle, Verdict};

/// What happened to one incoming message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Stored for the first time.
    Stored {
        /// Its cycle.
        correlation_id: String,
        /// The error code when it could not be read (it is stored anyway).
        error: Option<String>,
    },
    /// Stored for the first time but not applied: its sender may not move this cycle.
    Rejected {
        /// Its cycle.
        correlation_id: String,
        /// Why, as shown on the suspicious list.
        reason: String,
    },
    /// Already stored earlier (a redelivery); nothing changed.
    Duplicate {
        /// Its cycle.
        correlation_id: String,
    },
}

/// The use case a protocol action belongs to (`None` for status, search and EOB).
pub(crate) fn use_case_of(action: Action) -> Option<UseCase> {
    UseCase::parse(action.resource())
}

struct Read {
    headers: Headers,
    payload: Option<Value>,
    /// Code and message when the message could not be read.
    problem: Option<(ErrorCode, String)>,
    /// The payload's summary, read with checked arithmetic (what ingest computes with).
    summary: Option<hcx_fhir::Summary>,
    /// Set when the payload decrypted but its content cannot be read (amounts that overflow,
    /// negative or absurd amounts, deep nesting, wrong types): the message is stored with this
    /// reason, shown as "Could not read", and moves nothing.
    unreadable: Option<String>,
}

impl Read {
    fn problem(headers: Headers, payload: Option<Value>, code: ErrorCode, message: String) -> Self {
        Read { headers, payload, problem: Some((code, message)), summary: None, unreadable: None }
    }
}

impl Console {
    /// Handles one bridge envelope for `profile_id`. Returns `Ok` once the message is safely
    /// stored (new or duplicate): the caller may acknowledge it then. The poller reaches it
    /// through `handle_envelope` (dead_letters.rs), which counts attempts and catches panics.
    pub fn ingest_envelope(
        &self,
        profile_id: &str,
        envelope: &hcx_bridge::Envelope,
    ) -> Result<IngestOutcome> {
        self.ingest_body(
            profile_id,
            &envelope.path,
            envelope.body.as_bytes(),
            Some(&envelope.api_call_id),
            envelope.received_at,
        )
    }

    /// Handles one received HTTP body that arrived on `path` (`/preauth/on_submit`, with or
    /// without a version prefix).
    pub fn ingest_body(
        &self,
        profile_id: &str,
        path: &str,
        body: &[u8],
        api_call_hint: Option<&str>,
        received_at: DateTime<Utc>,
    ) -> Result<IngestOutcome> {
        let profile = self.profile(profile_id)?;
        let now = Utc::now();
        let action = Action::from_path(path).map(|(_, a)| a);
        let raw = String::from_utf8_lossy(body).into_owned();
        let read = self.read_message(&profile, action, body, now)?;
        let headers = &read.headers;
        let correlation_id = headers.correlation_id().unwrap_or_default().to_owned();
        let api_call_id = headers
            .api_call_id()
            .or(api_call_hint)
            .map(str::to_owned)
            // Without any id (an unreadable body) each delivery is kept as its own row:
            // storing it twice is better than losing it.
            .unwrap_or_else(|| format!("unidentified-{}", uuid::Uuid::new_v4()));
        let status = headers.status().and_then(std::result::Result::ok);
        let message = NewMessage {
            profile_id: profile.id.clone(),
            api_call_id,
            direction: MessageDirection::In,
            correlation_id: correlation_id.clone(),
            workflow_id: headers.workflow_id().map(str::to_owned),
            action: action.map_or_else(|| path.to_owned(), |a| a.path().to_owned()),
            sender_code: headers.sender_code().map(str::to_owned),
            recipient_code: headers.recipient_code().map(str::to_owned),
            protocol_status: status.map(|s| s.as_str().to_owned()),
            protected_headers: Some(Value::Object(headers.as_map().clone())),
            raw_body: raw,
            decrypted_payload: read.payload.clone(),
            created_at: now,
            received_at: Some(received_at),
        };
        let reply = match (&read.problem, action) {
            (Some((code, message)), Some(a)) if !a.is_callback() && can_answer(headers) => {
                Some(error_reply(&profile, a, headers, code, message))
            }
            _ => None,
        };
        let mut touched = vec![correlation_id.clone()];
        let outcome = self.write(|w| {
            let mut rejected: Option<String> = None;
            let stored = w.insert_message(&message)?;
            if !stored.is_new() {
                return Ok(IngestOutcome::Duplicate { correlation_id: correlation_id.clone() });
            }
            if let Some((code, _)) = &read.problem {
                match &read.unreadable {
                    Some(reason) => w.set_message_problem(stored.id(), code.as_str(), reason)?,
                    None => w.set_message_error(stored.id(), code.as_str())?,
                }
                // An unreadable request still shows on the desk, as a cycle in error.
                if let Some(use_case) = action.filter(|a| !a.is_callback()).and_then(use_case_of)
                    && !correlation_id.is_empty()
                    && headers.sender_code().is_some_and(|s| !s.is_empty())
                {
                    open_incoming(w, &profile, use_case, headers, None, ThreadState::Error, now)?;
                }
            } else if let Some(a) = action {
                match judge_arrival(w, &profile, a, headers)? {
                    Verdict::Apply => touched.extend(apply_effects(
                        w,
                        &profile,
                        a,
                        headers,
                        read.payload.as_ref(),
                        read.summary.clone(),
                        now,
                    )?),
                    Verdict::Reject(reason) => {
                        w.reject_message(stored.id(), &reason)?;
                        tracing::warn!(%correlation_id, %reason, "incoming message not applied");
                        rejected = Some(reason);
                    }
                }
            }
            if let Some(out) = &reply {
                enqueue(w, &profile, out, now)?;
            }
            w.append_audit(&audit(
                &profile.id,
                Some(&correlation_id),
                "bridge",
                "message.received",
                json!({
                    "action": message.action,
                    "apiCallId": message.api_call_id,
                    "sender": message.sender_code,
                    "status": message.protocol_status,
                    "error": read.problem.as_ref().map(|(c, _)| c.as_str()),
                    "rejected": rejected,
                }),
                now,
            ))?;
            if let Some(reason) = rejected.take() {
                return Ok(IngestOutcome::Rejected {
                    correlation_id: correlation_id.clone(),
                    reason,
                });
            }
            Ok(IngestOutcome::Stored {
                correlation_id: correlation_id.clone(),
                error: read.problem.as_ref().map(|(c, _)| c.as_str().to_owned()),
            })
        })?;
        if let IngestOutcome::Stored { .. } | IngestOutcome::Rejected { .. } = &outcome {
            if reply.is_some() {
                self.inner.outbox_wakeup.notify_one();
            }
            self.notify(touched, 1);
        }
        Ok(outcome)
    }

    /// Validates and decrypts. Problems with the message are returned in [`Read::problem`];
    /// the only error is a local one, [`ConsoleError::KeychainLocked`]: our keys could not be
    /// read, which says nothing about the message, so nothing is stored or answered.
    fn read_message(
        &self,
        profile: &Profile,
        action: Option<Action>,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Read> {
        let ours = &profile.fields.participant_code;
        let parsed = match parse_body(body) {
            Ok(b) => b,
            Err(e) => {
                return Ok(Read::problem(
                    Headers::new(),
                    None,
                    ErrorCode::ErrInvalidPayload,
                    format!("unreadable body: {e}"),
                ));
            }
        };
        let peeked = parsed.headers().unwrap_or_default();
        if let Err(v) = hcx_protocol::validate_incoming(&parsed, ours, now) {
            let code = if v.code.is_recipient_whitelisted() {
                v.code.clone()
            } else {
                ErrorCode::ErrInvalidPayload
            };
            return Ok(Read::problem(peeked, None, code, v.message));
        }
        let Some(action) = action else {
            return Ok(Read::problem(
                peeked,
                None,
                ErrorCode::ErrInvalidPayload,
                "unknown API path".to_owned(),
            ));
        };
        let compact = match &parsed {
            Body::Plain(h) => {
                return Ok(Read {
                    headers: h.clone(),
                    payload: None,
                    problem: None,
                    summary: None,
                    unreadable: None,
                });
            }
            Body::Jwe(c) => c,
        };
        // Any failure to get our keys is local (README "Keychain failures while reading"):
        // the envelope stays unacknowledged and is read once the keychain answers again.
        let keys = self
            .decryption_keys(profile)
            .map_err(|e| ConsoleError::KeychainLocked { reason: e.to_string() })?;
        let refs: Vec<&PrivateKey> = keys.iter().collect();
        let opened = match hcx_protocol::open_with_any(compact, &refs) {
            Ok((o, _)) => o,
            Err(e) => {
                return Ok(Read::problem(
                    peeked,
                    None,
                    ErrorCode::ErrInvalidEncryption,
                    format!("the payload could not be decrypted with our key: {e}"),
                ));
            }
        };
        let payload = match opened.payload_json() {
            Ok(p) => p,
            // Decrypted, but not JSON we can parse (or nested past the parser's limit).
            Err(e) => {
                let reason = e.to_string();
                return Ok(Read {
                    headers: opened.headers,
                    payload: None,
                    problem: Some((ErrorCode::ErrInvalidPayload, reason.clone())),
                    summary: None,
                    unreadable: Some(reason),
                });
            }
        };
        // Before anything is applied: content that cannot be read exactly is kept as received
        // (the raw JWE) and moves nothing; its decrypted form is not stored, so no later view
        // computes with it either.
        let summary = match hcx_fhir::summarize_checked(&payload) {
            Ok(s) => s,
            Err(e) => {
                let reason = e.to_string();
                return Ok(Read {
                    headers: opened.headers,
                    payload: None,
                    problem: Some((
                        ErrorCode::ErrInvalidPayload,
                        format!("the payload's content could not be read: {reason}"),
                    )),
                    summary: None,
                    unreadable: Some(reason),
                });
            }
        };
        if !action.is_callback() && !payload::fits_action(action, &payload) {
            return Ok(Read::problem(
                opened.headers,
                Some(payload),
                ErrorCode::ErrWrongDomainPayload,
                format!("{} does not carry the FHIR resource this API expects", action.path()),
            ));
        }
        Ok(Read {
            headers: opened.headers,
            payload: Some(payload),
            problem: None,
            summary: Some(summary),
            unreadable: None,
        })
    }

    /// The current key, then the previous one during a rotation overlap.
    pub(crate) fn decryption_keys(&self, profile: &Profile) -> Result<Vec<PrivateKey>> {
        let store = self.inner.secrets.store_for(profile)?;
        let secrets = hcx_keys::private_keys_for_decrypt(store, &profile.id)?;
        let mut keys = Vec::with_capacity(secrets.len());
        for s in &secrets {
            keys.push(
                PrivateKey::from_pem(s.expose().as_bytes()).map_err(hcx_protocol::Error::from)?,
            );
        }
        Ok(keys)
    }
}

/// We answer an unreadable request only when we know who sent it and for which cycle, and
/// never a plain-JSON message (that would be an error about an error).
fn can_answer(h: &Headers) -> bool {
    h.sender_code().is_some_and(|s| !s.is_empty())
        && h.correlation_id().is_some_and(|c| !c.is_empty())
        && h.api_call_id().is_some_and(|c| !c.is_empty())
        && h.alg().is_some()
}

fn error_reply(
    profile: &Profile,
    action: Action,
    request: &Headers,
    code: &ErrorCode,
    message: &str,
) -> Outgoing {
    let mut details = Details::new(code.as_str(), message.chars().take(300).collect::<String>());
    details.trace = None;
    let mut headers = ProtocolResponse::error(request, &details);
    // We are the recipient of the request; make sure the answer goes out as us.
    headers.insert(hcx_protocol::names::SENDER_CODE, profile.fields.participant_code.as_str());
    Outgoing {
        action: action.callback(),
        headers,
        payload: None,
        new_thread: None,
        event: None,
        amounts: None,
        audit_event: "error.answered",
    }
}

/// Moves the cycles a readable incoming message concerns. Returns extra correlation ids that
/// changed (the claim a payment notice settles).
fn apply_effects(
    w: &Writer<'_>,
    profile: &Profile,
    action: Action,
    headers: &Headers,
    payload: Option<&Value>,
    summary: Option<hcx_fhir::Summary>,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let correlation_id = headers.correlation_id().unwrap_or_default();
    let status = headers.status().and_then(std::result::Result::ok);
    let mut touched = Vec::new();
    match action {
        // Status answers inform; they do not move a cycle.
        Action::HcxOnStatus | Action::HcxStatus | Action::HcxSearch | Action::HcxOnSearch => {}
        Action::CommunicationOnRequest => {
            advance(w, &profile.id, correlation_id, Event::QueryAnswered, now)?;
        }
        Action::CommunicationRequest => {
            if w.get_thread(&profile.id, correlation_id)?.is_some() {
                advance(w, &profile.id, correlation_id, Event::Query, now)?;
            } else {
                open_incoming(
                    w,
                    profile,
                    UseCase::Communication,
                    headers,
                    summary.as_ref(),
                    ThreadState::Received,
                    now,
                )?;
            }
        }
        Action::PaymentNoticeRequest => {
            // A negative payment is nonsense; it settles nothing and is not stored as money.
            let amount = summary.as_ref().and_then(payload::paid).filter(|p| !p.is_sign_negative());
            open_incoming(
                w,
                profile,
                UseCase::PaymentNotice,
                headers,
                summary.as_ref(),
                ThreadState::Received,
                now,
            )?;
            let references = payload.map(payload::notice_references).unwrap_or_default();
            let (settled, excess) = settle_claims(w, profile, headers, amount, &references, now)?;
            let is_notice = w
                .get_thread(&profile.id, correlation_id)?
                .is_some_and(|t| t.use_case == UseCase::PaymentNotice);
            if let Some(paid) = amount
                && is_notice
            {
                // The ledger sums `settled` over every cycle, so the money is recorded on one
                // thread only: the claims it settles, or the notice itself when it matches no
                // claim at all. What matching claims did not owe stays on the notice as excess,
                // never as settled.
                let matched = excess.is_some();
                w.set_thread_amounts(
                    &profile.id,
                    correlation_id,
                    &AmountUpdate {
                        requested: Some(paid),
                        settled: (!matched).then_some(paid),
                        approved: None,
                        excess: excess.filter(|e| !e.is_zero()),
                    },
                    now,
                )?;
            }
            touched.extend(settled);
        }
        a if a.is_callback() => {
            let kind = payload::answer_kind(status, summary.as_ref());
            if status == Some(Status::ResponseError)
                && w.get_thread(&profile.id, correlation_id)?.is_none()
            {
                tracing::warn!(%correlation_id, "error callback for a cycle we do not know");
            }
            advance(w, &profile.id, correlation_id, Event::Answer(kind), now)?;
            if let Some(approved) = summary.as_ref().and_then(payload::approved)
                && kind != AnswerKind::Error
                && w.get_thread(&profile.id, correlation_id)?.is_some()
            {
                w.set_thread_amounts(
                    &profile.id,
                    correlation_id,
                    &AmountUpdate { approved: Some(approved), ..AmountUpdate::default() },
                    now,
                )?;
            }
        }
        a => {
            if let Some(use_case) = use_case_of(a) {
                open_incoming(
                    w,
                    profile,
                    use_case,
                    headers,
                    summary.as_ref(),
                    ThreadState::Received,
                    now,
                )?;
            }
        }
    }
    Ok(touched)
}

/// Opens the cycle of an incoming request (a payer desk's inbox item), unless it exists.
fn open_incoming(
    w: &Writer<'_>,
    profile: &Profile,
    use_case: UseCase,
    headers: &Headers,
    summary: Option<&hcx_fhir::Summary>,
    state: ThreadState,
    now: DateTime<Utc>,
) -> Result<()> {
    let correlation_id = headers.correlation_id().unwrap_or_default();
    w.insert_thread(&NewThread {
        profile_id: profile.id.clone(),
        correlation_id: correlation_id.to_owned(),
        workflow_id: headers.workflow_id().map(str::to_owned),
        use_case,
        counterparty_code: headers.sender_code().unwrap_or_default().to_owned(),
        direction: ThreadDirection::Incoming,
        state,
        requested_amount: summary.and_then(payload::requested),
        currency: "INR".to_owned(),
        patient_label: summary.and_then(payload::patient),
        opened_at: now,
    })?;
    Ok(())
}

/// Asks the trust rule about a readable incoming message, with the cycle it names (and for a
/// payment notice, who the workflow's claims are with).
fn judge_arrival(
    w: &Writer<'_>,
    profile: &Profile,
    action: Action,
    headers: &Headers,
) -> Result<Verdict> {
    let correlation_id = headers.correlation_id().unwrap_or_default();
    let thread = w.get_thread(&profile.id, correlation_id)?;
    let targets = match &thread {
        Some(t) => {
            let entries = w
                .thread_timeline(&profile.id, correlation_id)?
                .map(|t| t.entries)
                .unwrap_or_default();
            trust::redirect_targets(&entries, &t.counterparty_code)
        }
        None => Vec::new(),
    };
    let mut claim_parties: Vec<String> = Vec::new();
    if action == Action::PaymentNoticeRequest {
        for claim in workflow_claims(w, profile, headers)? {
            if !claim_parties.contains(&claim.counterparty_code) {
                claim_parties.push(claim.counterparty_code);
            }
        }
    }
    let cycle = thread
        .as_ref()
        .map(|t| Cycle { counterparty: &t.counterparty_code, redirect_targets: &targets });
    Ok(trust::judge(
        &Arrival::of(action, headers),
        cycle,
        &claim_parties,
        profile.fields.hcx_code.as_deref(),
    ))
}

/// Our outgoing claims in the workflow a message names (none without a workflow id).
fn workflow_claims(
    w: &Writer<'_>,
    profile: &Profile,
    headers: &Headers,
) -> Result<Vec<hcx_store::Thread>> {
    let Some(workflow_id) = headers.workflow_id().filter(|id| !id.is_empty()) else {
        return Ok(Vec::new());
    };
    Ok(w.list_threads(&ThreadFilter {
        profile_id: profile.id.clone(),
        workflow_id: Some(workflow_id.to_owned()),
        use_cases: vec![UseCase::Claim],
        direction: Some(ThreadDirection::Outgoing),
        ..ThreadFilter::default()
    })?)
}

/// A payment notice settles the approved claims of its workflow that are with its sender, up
/// to what each still owes, the claim it references first. Returns the claims that changed and
/// the excess (`None` when no claim of the sender is in the workflow, or the amounts were out of
/// range, so nothing was settled on a claim).
fn settle_claims(
    w: &Writer<'_>,
    profile: &Profile,
    headers: &Headers,
    amount: Option<rust_decimal::Decimal>,
    references: &[String],
    now: DateTime<Utc>,
) -> Result<(Vec<String>, Option<rust_decimal::Decimal>)> {
    let sender = headers.sender_code().unwrap_or_default();
    let mine: Vec<hcx_store::Thread> = workflow_claims(w, profile, headers)?
        .into_iter()
        .filter(|c| !sender.is_empty() && c.counterparty_code == sender)
        .collect();
    if mine.is_empty() {
        return Ok((Vec::new(), None));
    }
    // Only an answered claim owes anything; money for a claim still open is all excess.
    let mut claims: Vec<hcx_store::Thread> = mine
        .into_iter()
        .filter(|c| matches!(c.state, ThreadState::Complete | ThreadState::Paid))
        .collect();
    // Oldest first, so money goes to claims in the order they were made.
    claims.sort_by_key(|c| c.opened_at);
    let Some(paid) = amount else {
        // A notice without a readable amount still closes the claims it is about.
        let mut touched = Vec::new();
        for claim in &claims {
            if claim.state == ThreadState::Complete {
                advance(w, &profile.id, &claim.correlation_id, Event::PaymentNotice, now)?;
                touched.push(claim.correlation_id.clone());
            }
        }
        return Ok((touched, Some(rust_decimal::Decimal::ZERO)));
    };
    let mut owed = Vec::with_capacity(claims.len());
    for claim in &claims {
        let number = claim_number(w, profile, &claim.correlation_id)?;
        owed.push(Owed {
            correlation_id: claim.correlation_id.clone(),
            approved: claim.approved_amount,
            settled: claim.settled_amount,
            referenced: references
                .iter()
                .any(|r| *r == claim.correlation_id || number.as_deref().is_some_and(|n| n == r)),
        });
    }
    let Some(allocation) = settle::allocate(paid, &owed) else {
        tracing::warn!(%paid, "payment notice amounts out of range; nothing settled");
        return Ok((Vec::new(), None));
    };
    let mut touched = Vec::new();
    for (correlation_id, settled) in allocation.settle {
        advance(w, &profile.id, &correlation_id, Event::PaymentNotice, now)?;
        w.set_thread_amounts(
            &profile.id,
            &correlation_id,
            &AmountUpdate { settled: Some(settled), ..AmountUpdate::default() },
            now,
        )?;
        touched.push(correlation_id);
    }
    Ok((touched, Some(allocation.excess)))
}

/// The claim number our outgoing claim carried (from its stored request payload).
fn claim_number(w: &Writer<'_>, profile: &Profile, correlation_id: &str) -> Result<Option<String>> {
    let entries =
        w.thread_timeline(&profile.id, correlation_id)?.map(|t| t.entries).unwrap_or_default();
    Ok(entries
        .iter()
        .filter(|e| e.message.direction == hcx_store::MessageDirection::Out)
        .find(|e| Action::from_path(&e.message.action).is_some_and(|(_, a)| !a.is_callback()))
        .and_then(|e| e.message.decrypted_payload.as_ref())
        .map(payload::summary_of)
        .and_then(|s| s.claim.and_then(|c| c.number)))
}
