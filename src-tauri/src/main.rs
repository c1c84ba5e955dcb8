//! The `hcx-console-app` binary: opens the console's window. Everything lives in the library so
//! the window tests and `cargo run` start the same code.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    hcx_console_app::run();
}
