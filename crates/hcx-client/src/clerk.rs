//! Gateway error codes in words a billing clerk can act on, with a retry hint.
//!
//! The match below is exhaustive on purpose (no wildcard over known codes): when hcx-protocol
//! learns a new code, this file stops compiling until someone writes its message.
//!
//! `retryable` answers one question: "may sending the SAME stored message again later succeed
//! without anyone changing anything?" It drives the outbox's automatic re-send. A code whose fix
//! is "change something and send a new message" (clock, certificate, data) is not retryable even
//! when the clerk's next step is to press Send again.

use hcx_protocol::ErrorCode;

/// Rough kind of problem, for grouping banners in the console (after LKW's PAYR taxonomy:
/// transport / authorisation / account / protocol, plus what the counterparty reported).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCategory {
    /// The exchange or a counterparty system is down, busy or unreachable.
    Transport,
    /// Login or permission problem.
    Authorisation,
    /// A participant's registration (status, certificate, code) is the problem.
    Account,
    /// The message itself broke a protocol rule (usually a software or setup problem).
    Protocol,
    /// The counterparty could not read or process what we sent.
    Counterparty,
    /// The computer's clock.
    Clock,
    /// A code this version of the console does not know.
    Unknown,
}

/// What to tell the clerk about one error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advice {
    /// One or two plain sentences: what happened and what to do.
    pub message: &'static str,
    /// Whether re-sending the same stored message later may succeed unchanged.
    pub retryable: bool,
    /// Grouping for the UI.
    pub category: ErrorCategory,
}

const fn a(message: &'static str, retryable: bool, category: ErrorCategory) -> Advice {
    Advice { message, retryable, category }
}

/// The message a billing clerk sees for `code`.
pub fn clerk_message(code: &ErrorCode) -> &'static str {
    advice(code).message
}

/// Whether re-sending the same stored message later may succeed (see module docs).
pub fn retryable(code: &ErrorCode) -> bool {
    advice(code).retryable
}

/// True when the code means the counterparty could not decrypt what we sent: the cached
/// certificate must be dropped (`HcxClient::invalidate_certificate`) and the message sealed
/// again with a freshly fetched one.
pub fn needs_fresh_certificate(code: &ErrorCode) -> bool {
    matches!(code, ErrorCode::ErrInvalidEncryption | ErrorCode::Payr1001)
}

/// Message, retry hint and category for `code`.
pub fn advice(code: &ErrorCode) -> Advice {
    use ErrorCategory::*;
    use ErrorCode::*;
    match code {
        ErrMandatoryHeaderfieldMissing | ErrMandatoryHeaderMissing => a(
            "The message was missing required routing details. This is a software problem: \
             contact support with the message reference.",
            false,
            Protocol,
        ),
        ErrInvalidTimestamp => a(
            "This computer's clock is ahead of the exchange. Check the system time and send again.",
            false,
            Clock,
        ),
        ErrInvalidWorkflowId => a(
            "This message does not belong to the same case as the earlier messages it answers. \
             Open the case from its history and send again from there.",
            false,
            Protocol,
        ),
        ErrInvalidDebugFlag | ErrInvalidDebugDetails => a(
            "The message carried invalid diagnostic settings. Turn off debug mode in Settings \
             and send again.",
            false,
            Protocol,
        ),
        ErrInvalidStatus => a(
            "The message had a status the exchange does not accept here. This is a software \
             problem: contact support with the message reference.",
            false,
            Protocol,
        ),
        ErrInvalidErrorDetails => a(
            "The error reply used a reason the exchange does not allow. Pick a different reason \
             and send the reply again.",
            false,
            Protocol,
        ),
        ErrInvalidPayload => a(
            "The exchange or the insurer could not read the message. This is usually a software \
             problem: contact support with the message reference.",
            false,
            Protocol,
        ),
        ErrInvalidApiCallId => a(
            "The exchange has already received a message with this reference. Check the case \
             history before sending anything again.",
            false,
            Protocol,
        ),
        ErrInvalidCorrelationId => a(
            "This case is already closed, or the message it answers was not found. Start a new \
             request instead of replying to the old one.",
            false,
            Protocol,
        ),
        ErrInvalidSender => a(
            "The exchange does not list your organisation as active. Ask your administrator to \
             check the registration on the exchange portal.",
            false,
            Account,
        ),
        ErrInvalidRecipient => a(
            "The insurer or organisation you are sending to is not active on the exchange. \
             Check that you chose the right one; if so, contact them.",
            false,
            Account,
        ),
        ErrInvalidSenderAndRecipient => a(
            "The message was addressed to your own organisation. Choose the insurer or \
             organisation it is meant for.",
            false,
            Protocol,
        ),
        ErrAccessDenied => a(
            "The exchange refused access. Your login may have expired or your organisation may \
             not be allowed to do this. Ask your administrator to check the exchange login in \
             Settings.",
            false,
            Authorisation,
        ),
        ErrInvalidForwardReq => a(
            "This request cannot be forwarded to that organisation. Check who it should go to.",
            false,
            Protocol,
        ),
        ErrInvalidRedirectTo => a(
            "The request cannot be redirected to that organisation. Choose an active insurer or \
             TPA that has not handled this case yet.",
            false,
            Protocol,
        ),
        ErrInvalidNotificationTopicCode
        | ErrInvalidNotificationReq
        | ErrInvalidNotificationHeaders
        | ErrInvalidNotificationRecipientType
        | ErrInvalidNotificationTimestamp
        | ErrInvalidNotificationExpiry
        | ErrInvalidNotificationMessage
        | ErrInvalidNotificationRecipients => a(
            "The notification was not accepted by the exchange. Check its topic and recipients \
             and send it again.",
            false,
            Protocol,
        ),
        ErrInvalidSignature | ErrInvalidAlgorithm => a(
            "The exchange could not verify this computer's signature. Ask your administrator to \
             check that the registered certificate matches this computer's key.",
            false,
            Account,
        ),
        InternalServerError => a(
            "The exchange had an internal problem. The message will be sent again \
             automatically; no action is needed now.",
            true,
            Transport,
        ),
        ServiceUnavailable | ErrServiceUnavailable => a(
            "The exchange or the insurer's system is temporarily unavailable. The message will \
             be sent again automatically.",
            true,
            Transport,
        ),
        ServerErrGatewayTimeout => a(
            "The exchange took too long to answer. The message will be sent again \
             automatically.",
            true,
            Transport,
        ),
        ErrInvalidRequest => a(
            "The exchange rejected the request as invalid. Contact support with the message \
             reference.",
            false,
            Protocol,
        ),
        ErrRecipientNotAvailable => a(
            "The exchange could not find where to deliver this message for that organisation. \
             Check the recipient and contact them if it is correct.",
            false,
            Account,
        ),
        ErrInvalidParticipantCode => a(
            "The organisation code is not known to the exchange. Check the code and try again.",
            false,
            Account,
        ),
        ErrInvalidParticipantDetails | ErrUpdateParticipantDetails => a(
            "The exchange did not accept the organisation details. Check the registration \
             details and save them again.",
            false,
            Account,
        ),
        ErrInvalidSearch => a(
            "The exchange did not understand the search. Change the search and try again.",
            false,
            Protocol,
        ),
        ErrInvalidSubscriptionId => a(
            "That notification subscription no longer exists. Refresh the list and try again.",
            false,
            Protocol,
        ),
        ErrInvalidJwt | ErrInvalidIdentity => a(
            "The exchange did not accept this computer's login. Ask your administrator to check \
             the exchange login in Settings.",
            false,
            Authorisation,
        ),
        ErrPayorSystem => a(
            "The insurer's system reported a problem. The message will be sent again \
             automatically; contact the insurer if it keeps happening.",
            true,
            Transport,
        ),
        ErrInvalidLink | ErrInvalidOnboardStatus | ErrMaximumLinkRegenerate => a(
            "The registration link is not valid any more. Ask your administrator to finish \
             onboarding on the exchange portal.",
            false,
            Account,
        ),
        ErrInvalidCertificate => a(
            "The exchange did not accept the certificate. Ask your administrator to upload a \
             valid certificate for this computer.",
            false,
            Account,
        ),
        ErrInvalidUserId | ErrInvalidUserDetails => a(
            "The exchange does not recognise this user. Ask your administrator to check the \
             user set up in Settings.",
            false,
            Authorisation,
        ),
        ErrInvalidEncryption => a(
            "The insurer could not open the message with the certificate we used. The console \
             will fetch their current certificate; send the message again.",
            false,
            Counterparty,
        ),
        ErrWrongDomainPayload => a(
            "The insurer received the wrong kind of document for this request. Check the request \
             type and send again.",
            false,
            Counterparty,
        ),
        ErrInvalidDomainPayload => a(
            "The insurer found problems in the claim details. Open the reply, correct the \
             details and send again.",
            false,
            Counterparty,
        ),
        ErrSenderNotSupported => a(
            "This insurer does not accept requests from your organisation through the exchange. \
             Contact the insurer.",
            false,
            Counterparty,
        ),
        ErrDomainProcessing => a(
            "The insurer's system failed while processing the message. It will be sent again \
             automatically; contact the insurer if it keeps happening.",
            true,
            Counterparty,
        ),
        Nhcx401 => a(
            "The NHCX login was not accepted (often a sandbox login used against production or \
             the reverse). Ask your administrator to check the NHCX credentials in Settings.",
            false,
            Authorisation,
        ),
        Nhcx1001 => a(
            "NHCX could not reach the insurer's system. The message will be sent again \
             automatically.",
            true,
            Transport,
        ),
        Nhcx1005 => a(
            "NHCX found a missing or malformed detail in the message header. Contact support \
             with the message reference.",
            false,
            Protocol,
        ),
        Nhcx1006 => a(
            "NHCX has already seen this case reference. Start a new request instead of reusing \
             the old one.",
            false,
            Protocol,
        ),
        Nhcx1011 => a(
            "NHCX did not accept the message status. Contact support with the message reference.",
            false,
            Protocol,
        ),
        Nhcx1015 | Nhcx1017 => a(
            "The insurer's system gave NHCX an invalid answer. The message will be sent again \
             automatically; contact the insurer if it keeps happening.",
            true,
            Counterparty,
        ),
        Nhcx1018 => a(
            "The patient's ABHA number is not in the right format (XX-XXXX-XXXX-XXXX). Correct it \
             and send again.",
            false,
            Protocol,
        ),
        Payr1001 => a(
            "The insurer could not open the message with the certificate we used. The console \
             will fetch their current certificate; send the message again.",
            false,
            Counterparty,
        ),
        Other(s) if s.starts_with("NHCX-") => a(
            "NHCX rejected the message with a code this console does not know. Contact support \
             with the code shown in the details.",
            false,
            Unknown,
        ),
        Other(s) if s.starts_with("PAYR-") => a(
            "The insurer rejected the message with a code this console does not know. Contact \
             the insurer with the code shown in the details.",
            false,
            Unknown,
        ),
        Other(_) => a(
            "The exchange rejected the message with a code this console does not know. Contact \
             support with the code shown in the details.",
            false,
            Unknown,
        ),
    }
}

/// Message for a failure that came with no code at all (`error.code: null`, 429, bare 5xx),
/// chosen by HTTP status.
pub fn clerk_message_for_status(http_status: u16) -> &'static str {
    match http_status {
        401 | 403 => {
            "The exchange refused access. Ask your administrator to check the exchange login in \
             Settings."
        }
        404 => "The exchange did not find what was asked for. Check the details and try again.",
        429 => {
            "The exchange is busy right now. The message will be sent again automatically in a \
             moment."
        }
        500..=599 => {
            "The exchange is having problems right now. The message will be sent again \
             automatically."
        }
        _ => {
            "The exchange did not accept the request. Check the details, and contact support \
             if it keeps happening."
        }
    }
}

/// Whether a failure with no code (by HTTP status) may succeed if sent again unchanged.
pub fn retryable_status(http_status: u16) -> bool {
    http_status == 429 || (500..=599).contains(&http_status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_has_a_distinct_plain_message() {
        for code in ErrorCode::KNOWN {
            let m = clerk_message(code);
            assert!(m.len() > 30, "{code}: a clerk needs a sentence, not a stub: {m:?}");
            assert!(
                !m.contains("ERR_") && !m.contains("JWE") && !m.contains("api_call"),
                "{code}: clerk messages must not use protocol jargon: {m:?}"
            );
            assert!(m.ends_with('.'), "{code}: messages are full sentences: {m:?}");
        }
    }

    #[test]
    fn the_briefs_examples_and_retry_flags() {
        assert_eq!(
            clerk_message(&ErrorCode::ErrInvalidTimestamp),
            "This computer's clock is ahead of the exchange. Check the system time and send again.",
            "the wording the brief asked for"
        );
        assert!(retryable(&ErrorCode::ServiceUnavailable), "a down service comes back");
        assert!(retryable(&ErrorCode::Nhcx1001), "an unreachable receiver may come back");
        assert!(
            !retryable(&ErrorCode::ErrInvalidTimestamp),
            "the timestamp is sealed in the message: the same body fails again"
        );
        assert!(!retryable(&ErrorCode::ErrAccessDenied), "credentials do not fix themselves");
        assert!(needs_fresh_certificate(&ErrorCode::Payr1001), "PAYR-1001 is a decrypt failure");
        assert_eq!(
            advice(&ErrorCode::parse("NHCX-9999")).category,
            ErrorCategory::Unknown,
            "unknown NHCX codes still get advice"
        );
    }
}
