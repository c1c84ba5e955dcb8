//! [`CommandError`]: how a failed command reaches the UI, as `{code, message}`, over every
//! transport (Tauri IPC and `hcx serve-ui`'s HTTP).
//!
//! The UI branches on `code` in one table (`ui/src/lib/errors.ts`) and shows `message` as it is.
//! This module maps the console's error codes onto the codes that table knows, so a new console
//! code degrades to `internal` here instead of surprising the UI with a code it never heard of.

use crate::ConsoleError;
use serde::Serialize;

/// A command's error as the UI receives it (the shape of `ErrorView` in `ui/src/bindings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct CommandError {
    /// One of the codes listed in `ui/README.md` ("Errors"), or `not_implemented`.
    pub code: &'static str,
    /// Written for a clerk; never holds a secret (console errors never format one).
    pub message: String,
}

impl CommandError {
    /// A command the table does not have (an older or newer UI than this backend).
    pub fn not_implemented(command: &str) -> Self {
        // The name may come from an HTTP path: bounded, so a huge one cannot bloat the answer.
        let command: String = command.chars().take(64).collect();
        CommandError {
            code: "not_implemented",
            message: format!(
                "`{command}` is not available in this build of the console yet; nothing was sent \
                 or changed"
            ),
        }
    }

    /// The arguments did not fit the command (wrong names or types); nothing was done.
    pub fn bad_arguments(command: &str, detail: impl std::fmt::Display) -> Self {
        CommandError {
            code: "invalid_input",
            message: format!(
                "`{command}` got arguments it cannot use ({detail}); nothing was done"
            ),
        }
    }

    /// The app itself failed (its state is missing or a background task died).
    pub fn internal(message: impl Into<String>) -> Self {
        CommandError { code: "internal", message: message.into() }
    }
}

impl From<ConsoleError> for CommandError {
    fn from(e: ConsoleError) -> Self {
        let view = e.view();
        CommandError { code: ui_code(&view.code), message: view.message }
    }
}

/// Maps a console error code (any case) to a code the UI's error table knows.
///
/// The console names codes after what failed (`KEYS`, `GATEWAY`); the UI names them after where
/// the clerk fixes it. Both spellings are accepted so the table keeps working when the console
/// adopts the UI's names directly.
pub fn ui_code(console_code: &str) -> &'static str {
    match console_code.to_ascii_lowercase().as_str() {
        "invalid_input" | "input" | "fhir" => "invalid_input",
        "checker_failed" | "checker" => "checker_failed",
        "gateway_rejected" | "gateway" | "rejected" => "gateway_rejected",
        "gateway_unreachable" | "unreachable" | "timeout" => "gateway_unreachable",
        "conflict" | "not_allowed" => "conflict",
        "store" | "io" => "store",
        "no_profile" => "no_profile",
        "keychain_unavailable" | "keychain_locked" => "keychain_unavailable",
        "key_missing" | "keys" | "missing_secret" => "key_missing",
        "certificate_expired" => "certificate_expired",
        "unauthorized" => "unauthorized",
        "pilot_blocked" => "pilot_blocked",
        "not_found" => "not_found",
        "decrypt_failed" | "protocol" => "decrypt_failed",
        "not_implemented" => "not_implemented",
        _ => "internal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes `ui/src/lib/errors.ts` has a row for (plus `not_implemented`, handled
    /// generically by the UI).
    const UI_CODES: &[&str] = &[
        "invalid_input",
        "checker_failed",
        "gateway_rejected",
        "gateway_unreachable",
        "conflict",
        "store",
        "internal",
        "no_profile",
        "keychain_unavailable",
        "key_missing",
        "certificate_expired",
        "unauthorized",
        "pilot_blocked",
        "not_found",
        "decrypt_failed",
        "not_implemented",
    ];

    #[test]
    fn every_console_code_maps_to_a_code_the_ui_knows() {
        let console_codes = [
            "STORE",
            "KEYCHAIN_UNAVAILABLE",
            "KEYCHAIN_LOCKED",
            "KEYS",
            "GATEWAY_UNREACHABLE",
            "GATEWAY",
            "BRIDGE",
            "SANDBOX",
            "PROTOCOL",
            "INVALID_INPUT",
            "NO_PROFILE",
            "NOT_FOUND",
            "NOT_ALLOWED",
            "MISSING_SECRET",
            "ONBOARDING",
            "GATEWAY_REJECTED",
            "PILOT_BLOCKED",
            "IO",
            "TIMEOUT",
            "something_new",
        ];
        for code in console_codes {
            let mapped = ui_code(code);
            assert!(
                UI_CODES.contains(&mapped),
                "console code {code} became {mapped}, which the UI's error table does not know"
            );
        }
    }

    #[test]
    fn codes_keep_their_meaning_for_the_ui() {
        assert_eq!(ui_code("NO_PROFILE"), "no_profile", "the UI sends the clerk to Settings");
        assert_eq!(
            ui_code("GATEWAY_UNREACHABLE"),
            "gateway_unreachable",
            "the UI offers a retry only for retryable gateway failures"
        );
        assert_eq!(ui_code("INVALID_INPUT"), "invalid_input", "the fix is in the form");
        assert_eq!(ui_code("not_found"), "not_found", "lower-case UI codes pass through as is");
        assert_eq!(ui_code("brand_new"), "internal", "unknown codes fall back to internal");
    }

    #[test]
    fn a_console_error_keeps_its_message() {
        let e = CommandError::from(ConsoleError::ThreadNotFound("c-1".into()));
        assert_eq!(e.code, "not_found", "a missing cycle is not_found for the UI");
        assert!(e.message.contains("c-1"), "the message names the missing cycle: {}", e.message);
    }

    #[test]
    fn serializes_as_code_and_message() {
        let json = serde_json::to_value(CommandError::not_implemented("redirect")).unwrap();
        assert_eq!(json["code"], "not_implemented", "the UI reads `code`");
        assert!(
            json["message"].as_str().unwrap().contains("redirect"),
            "the message names the command so the clerk knows what is missing"
        );
        assert_eq!(
            json.as_object().unwrap().len(),
            2,
            "exactly {{code, message}} crosses to the UI"
        );
    }
}
