//! The window's side of the console's events: [`WindowSink`] emits each event to the webview
//! (names and batching are hcx-console's, `hcx_console::surface::events`) and turns incoming
//! messages into an OS notification.

use hcx_console::surface::EventSink;
use tauri::{AppHandle, Emitter, Runtime};

use crate::notify;

/// Emits to every window of the app.
pub(crate) struct WindowSink<R: Runtime>(pub(crate) AppHandle<R>);

impl<R: Runtime> EventSink for WindowSink<R> {
    fn emit(&self, name: &'static str, payload: serde_json::Value) {
        if let Err(e) = self.0.emit(name, payload) {
            tracing::warn!("could not send {name} to the window: {e}");
        }
    }

    fn incoming(&self, count: u32) {
        notify::incoming(&self.0, count);
    }
}
