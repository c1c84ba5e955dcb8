//! Build script: checks that the web UI is built, then lets tauri-build generate the context
//! (capabilities, icons, config) that `tauri::generate_context!` embeds.

use std::path::Path;

fn main() {
    // With `custom-protocol` (the default) the app embeds ../ui/dist; without it the window
    // loads the Vite dev server (devUrl) and needs no build.
    if std::env::var_os("CARGO_FEATURE_CUSTOM_PROTOCOL").is_some() {
        println!("cargo:rerun-if-changed=../ui/dist");
        if !Path::new("../ui/dist/index.html").is_file() {
            panic!(
                "the web UI is not built (ui/dist/index.html is missing), and the app embeds it. \
                 Build it with `(cd ui && npm ci && npm run build)`, or start the app with \
                 `scripts/run`, which does that for you."
            );
        }
    }
    tauri_build::build()
}
