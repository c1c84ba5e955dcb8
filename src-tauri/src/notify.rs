//! OS notifications for new incoming messages.
//!
//! A notification is a courtesy, never a requirement: without a notification daemon (a server,
//! Xvfb in CI, a desktop with notifications off) the plugin fails on its own thread and the
//! failure is ignored, so nothing else in the app depends on it.

use tauri::{AppHandle, Runtime};
use tauri_plugin_notification::NotificationExt;

/// The text of the notification for `count` new incoming messages.
pub(crate) fn text(count: u32) -> String {
    match count {
        1 => "1 new message arrived".to_owned(),
        n => format!("{n} new messages arrived"),
    }
}

/// Shows "N new messages arrived". Failures are logged, never raised.
pub(crate) fn incoming<R: Runtime>(app: &AppHandle<R>, count: u32) {
    let shown =
        app.notification().builder().title("HCX Participant Console").body(text(count)).show();
    if let Err(e) = shown {
        tracing::debug!("no OS notification for {count} new message(s): {e}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_text_matches_the_count() {
        assert_eq!(super::text(1), "1 new message arrived", "singular for one message");
        assert_eq!(super::text(3), "3 new messages arrived", "plural for a burst");
    }
}
