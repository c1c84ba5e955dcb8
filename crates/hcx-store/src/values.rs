//! Typed column values: the closed sets stored as TEXT, UTC times stored as epoch
//! milliseconds, money stored as decimal TEXT, JSON stored as text.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::Row;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, Type, ValueRef};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::{Result, StoreError};

/// Declares an enum stored as one of a fixed set of TEXT values, with the same strings used in
/// SQL, in serde (for the UI) and in `Display`, so the three can never disagree.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and serialised text.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored text.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                $name::parse(text).ok_or_else(|| {
                    FromSqlError::Other(
                        format!("unknown {} value {text:?}", stringify!($name)).into(),
                    )
                })
            }
        }
    };
}

text_enum! {
    /// Which gateway a profile talks to; shown as a banner so production is never mistaken
    /// for a sandbox.
    pub enum Environment {
        /// A test gateway.
        Sandbox => "sandbox",
        /// A pre-production gateway.
        Staging => "staging",
        /// The real exchange.
        Production => "production",
    }
}

text_enum! {
    /// Which platform's variant of the protocol a profile speaks.
    pub enum Dialect {
        /// The Swasth reference platform.
        Swasth => "swasth",
        /// NHA's NHCX.
        Nhcx => "nhcx",
    }
}

text_enum! {
    /// The kind of cycle a thread is.
    pub enum UseCase {
        /// Coverage eligibility check.
        CoverageEligibility => "coverageeligibility",
        /// Pre-authorisation.
        Preauth => "preauth",
        /// Claim.
        Claim => "claim",
        /// Pre-determination.
        Predetermination => "predetermination",
        /// Communication (query for documents and its answer).
        Communication => "communication",
        /// Payment notice.
        PaymentNotice => "paymentnotice",
    }
}

text_enum! {
    /// Who started a thread.
    pub enum ThreadDirection {
        /// We sent the request.
        Outgoing => "outgoing",
        /// We received the request (a payer or TPA desk).
        Incoming => "incoming",
    }
}

text_enum! {
    /// Whether a message was received or sent.
    pub enum MessageDirection {
        /// Received from the gateway or the bridge.
        In => "in",
        /// Sent by us.
        Out => "out",
    }
}

text_enum! {
    /// Delivery state of an outbox row.
    pub enum OutboxState {
        /// Waiting for `next_try_at`.
        Queued => "queued",
        /// Claimed by a worker that is making the HTTP call.
        Sending => "sending",
        /// The gateway accepted it.
        Sent => "sent",
        /// Given up (permanent error or too many attempts); needs the operator.
        Failed => "failed",
    }
}

text_enum! {
    /// A thread's business state. Transitions are checked by [`ThreadState::can_transition_to`].
    pub enum ThreadState {
        /// Being composed; nothing sent.
        Drafted => "drafted",
        /// In the outbox, waiting to be sent.
        Queued => "queued",
        /// The HTTP call was made; no acknowledgement recorded yet.
        Sent => "sent",
        /// The gateway accepted the request (HTTP 202).
        Acknowledged => "acknowledged",
        /// The gateway delivered it to the recipient.
        Dispatched => "dispatched",
        /// An incoming request waiting for our answer.
        Received => "received",
        /// A partial answer; more will follow.
        Partial => "partial",
        /// A query for documents or information is open.
        Query => "query",
        /// The open query was answered.
        Answered => "answered",
        /// The final answer (response.complete); the cycle is closed.
        Complete => "complete",
        /// An error answer or a refused send; may be re-queued.
        Error => "error",
        /// The payer redirected the request to another participant.
        Redirected => "redirected",
        /// A final refusal.
        Rejected => "rejected",
        /// Settled by a payment notice.
        Paid => "paid",
        /// Abandoned by the operator.
        Cancelled => "cancelled",
    }
}

impl ThreadState {
    /// Whether a thread in `self` may move to `next`. Staying in the same state is always
    /// allowed (a duplicate callback). Callbacks may overtake the acknowledgement of our own
    /// send, so `sent` may jump straight to an answer.
    pub fn can_transition_to(self, next: ThreadState) -> bool {
        use ThreadState::*;
        if self == next {
            return true;
        }
        match self {
            Drafted => matches!(next, Queued | Sent | Cancelled),
            Queued => matches!(next, Drafted | Sent | Error | Cancelled),
            Sent => matches!(
                next,
                Acknowledged
                    | Dispatched
                    | Partial
                    | Query
                    | Complete
                    | Rejected
                    | Redirected
                    | Error
            ),
            Acknowledged | Dispatched => {
                (self == Acknowledged && next == Dispatched)
                    || matches!(next, Partial | Query | Complete | Rejected | Redirected | Error)
            }
            Received => matches!(next, Partial | Query | Complete | Rejected | Redirected | Error),
            Partial => matches!(next, Query | Answered | Complete | Rejected | Error),
            Query => matches!(next, Answered | Partial | Complete | Rejected | Error),
            Answered => matches!(next, Query | Partial | Complete | Rejected | Error),
            Complete => matches!(next, Paid),
            Error | Redirected => matches!(next, Queued | Cancelled),
            Rejected | Paid | Cancelled => false,
        }
    }

    /// States that end a thread; entering one sets `closed_at`.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ThreadState::Complete
                | ThreadState::Rejected
                | ThreadState::Paid
                | ThreadState::Cancelled
        )
    }

    /// States of an incoming thread in which the counterparty waits for us (the TPA inbox):
    /// a new request, our partial answer, or their answer to our query.
    pub const AWAITING_OUR_ANSWER: [ThreadState; 3] =
        [ThreadState::Received, ThreadState::Partial, ThreadState::Answered];
}

/// Stores a UTC instant as epoch milliseconds.
pub(crate) fn to_ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Stores a decimal amount as its exact text.
pub(crate) fn amount_text(field: &'static str, amount: Option<Decimal>) -> Result<Option<String>> {
    match amount {
        Some(value) if value.is_sign_negative() && !value.is_zero() => {
            Err(StoreError::InvalidInput { field, reason: format!("amount {value} is negative") })
        }
        Some(value) => Ok(Some(value.to_string())),
        None => Ok(None),
    }
}

/// Encodes JSON for a *_json column.
pub(crate) fn json_text(value: &Value) -> Result<String> {
    Ok(serde_json::to_string(value)?)
}

fn corrupt(row: &Row<'_>, column: &str, message: String) -> rusqlite::Error {
    let index = row.as_ref().column_index(column).unwrap_or(0);
    rusqlite::Error::FromSqlConversionFailure(index, Type::Text, message.into())
}

/// Reads an epoch-milliseconds column as UTC.
pub(crate) fn time_col(row: &Row<'_>, column: &str) -> rusqlite::Result<DateTime<Utc>> {
    let ms: i64 = row.get(column)?;
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| corrupt(row, column, format!("{column} = {ms} is not a valid time")))
}

/// Reads a nullable epoch-milliseconds column as UTC.
pub(crate) fn opt_time_col(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let ms: Option<i64> = row.get(column)?;
    ms.map(|ms| {
        DateTime::from_timestamp_millis(ms)
            .ok_or_else(|| corrupt(row, column, format!("{column} = {ms} is not a valid time")))
    })
    .transpose()
}

/// Reads a nullable decimal TEXT column exactly.
pub(crate) fn decimal_col(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<Decimal>> {
    let text: Option<String> = row.get(column)?;
    text.map(|text| {
        Decimal::from_str(&text)
            .map_err(|_| corrupt(row, column, format!("{column} = {text:?} is not a decimal")))
    })
    .transpose()
}

/// Reads a JSON TEXT column.
pub(crate) fn json_col(row: &Row<'_>, column: &str) -> rusqlite::Result<Value> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text).map_err(|err| corrupt(row, column, format!("{column}: {err}")))
}

/// Reads a nullable JSON TEXT column.
pub(crate) fn opt_json_col(row: &Row<'_>, column: &str) -> rusqlite::Result<Option<Value>> {
    let text: Option<String> = row.get(column)?;
    text.map(|text| {
        serde_json::from_str(&text).map_err(|err| corrupt(row, column, format!("{column}: {err}")))
    })
    .transpose()
}

/// `hcx_decimal_cmp(a, b)`: -1, 0 or 1 comparing two decimal TEXT values exactly, NULL when
/// either is NULL or not a decimal. Registered on every connection so SQL filters on money
/// never compare text ("10.5" < "9.75") or floats.
pub(crate) fn register_functions(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "hcx_decimal_cmp",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let parse = |index: usize| -> rusqlite::Result<Option<Decimal>> {
                let text: Option<String> = ctx.get(index)?;
                Ok(text.and_then(|t| Decimal::from_str(&t).ok()))
            };
            Ok(match (parse(0)?, parse(1)?) {
                (Some(a), Some(b)) => Some(a.cmp(&b) as i64),
                _ => None,
            })
        },
    )
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern and wraps it for a substring
/// match, so a user typing `50%` searches for the text "50%".
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_enum_round_trips_through_text() {
        for state in ThreadState::ALL {
            assert_eq!(ThreadState::parse(state.as_str()), Some(*state), "{state} must parse back");
        }
        for case in UseCase::ALL {
            assert_eq!(UseCase::parse(case.as_str()), Some(*case), "{case} must parse back");
        }
        assert_eq!(
            serde_json::to_string(&ThreadState::Acknowledged).unwrap(),
            "\"acknowledged\"",
            "the UI sees the same strings as SQL"
        );
    }

    #[test]
    fn terminal_states_cannot_be_left() {
        for from in [ThreadState::Rejected, ThreadState::Paid, ThreadState::Cancelled] {
            for to in ThreadState::ALL {
                if *to != from {
                    assert!(
                        !from.can_transition_to(*to),
                        "{from} is final, so moving to {to} must be refused"
                    );
                }
            }
        }
        assert!(
            ThreadState::Complete.can_transition_to(ThreadState::Paid),
            "a completed claim can still be settled by a payment notice"
        );
        assert!(
            !ThreadState::Complete.can_transition_to(ThreadState::Queued),
            "the gateway refuses new messages on a closed cycle, so it cannot be re-queued"
        );
    }

    #[test]
    fn late_acknowledgement_does_not_regress_an_answered_thread() {
        assert!(
            ThreadState::Sent.can_transition_to(ThreadState::Complete),
            "the callback can arrive before our own 202 is recorded"
        );
        assert!(
            !ThreadState::Complete.can_transition_to(ThreadState::Acknowledged),
            "a late 202 must not move a completed thread backwards"
        );
        assert!(
            !ThreadState::Dispatched.can_transition_to(ThreadState::Acknowledged),
            "dispatch implies acceptance, so acknowledged is behind it"
        );
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%", "wildcards match literally");
    }

    #[test]
    fn negative_amounts_are_refused() {
        assert!(
            amount_text("approved", Some(Decimal::new(-1, 2))).is_err(),
            "money in a thread is never negative"
        );
        assert_eq!(
            amount_text("approved", Some(Decimal::new(1050, 2))).unwrap().as_deref(),
            Some("10.50"),
            "the scale is kept as given"
        );
    }
}
