//! Harness for the window tests: drives the REAL desktop app (`src-tauri`, binary
//! `hcx-console-app`) through tauri-driver and WebKitWebDriver under an X server (Xvfb in CI).
//!
//! It owns starting and stopping those processes and nothing else: no app logic, no fakes. Each
//! [`Window`] gets a throw-away data directory (`HCX_DATA`) and its own keychain namespace
//! (`HCX_APP_ID`), so a test never touches a user's console. Every process it starts is tagged
//! with a unique environment marker; [`Window::close`] (and `Drop`, when a test panics) stops
//! tauri-driver with SIGTERM (so it stops WebKitWebDriver), kills the rest of its process group,
//! and checks that no tagged process is left.
//!
//! A missing prerequisite (no `DISPLAY`, no tauri-driver, no WebKitWebDriver) FAILS the test
//! with the command that fixes it; these tests never skip silently.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use fantoccini::{Client, Locator, elements::Element, key::Key};

/// The command that runs these tests the way CI does.
pub const HOW_TO_RUN: &str = "run them via scripts/test, or: \
    `command -v tauri-driver || cargo install tauri-driver --version ^2 --locked` then \
    `xvfb-run -a -s \"-screen 0 1440x900x24\" cargo test -p hcx-window-tests -- --ignored \
    --test-threads=1`";

/// Everything that can go wrong while starting or stopping the window.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A tool or setting the tests need is missing.
    #[error("{0}; {HOW_TO_RUN}")]
    Missing(String),
    /// A process could not be started.
    #[error("could not start {what}: {source}")]
    Spawn {
        /// Which process.
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Building the app failed.
    #[error("`cargo build -p hcx-console-app` failed ({0}); see the output above")]
    Build(String),
    /// tauri-driver did not open its port.
    #[error("tauri-driver did not listen on port {port} within {secs} s; its log:\n{log}")]
    DriverPort {
        /// The port.
        port: u16,
        /// How long we waited.
        secs: u64,
        /// What it printed.
        log: String,
    },
    /// The WebDriver session (and with it the app) could not start.
    #[error("the WebDriver session did not start: {error}; tauri-driver's log:\n{log}")]
    Session {
        /// The WebDriver error.
        error: String,
        /// What tauri-driver and the app printed.
        log: String,
    },
    /// A file could not be written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Processes of this window were still alive after shutdown.
    #[error("processes left behind after shutdown: {0:?}")]
    Leftovers(Vec<u32>),
}

/// Result type of the harness.
pub type Result<T, E = HarnessError> = std::result::Result<T, E>;

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where screenshots go: `tests/screenshots-out/` (git ignores it).
pub fn screenshot_dir() -> PathBuf {
    workspace_root().join("tests").join("screenshots-out")
}

/// How the app is started.
#[derive(Debug, Clone)]
pub enum Launch {
    /// The debug binary `target/debug/hcx-console-app`, built first by the harness (or
    /// `HCX_APP_BIN` when set).
    Binary,
    /// `scripts/run`, the README's run command, exactly as a user starts the app.
    RunScript,
}

/// A running app window under WebDriver control.
pub struct Window {
    /// The WebDriver client; `None` once closed.
    client: Option<Client>,
    driver: Child,
    marker: String,
    log_path: PathBuf,
    /// The app's data directory (`HCX_DATA`), inside `temp`.
    pub data_dir: PathBuf,
    /// Removed when the window is dropped; [`Window::restart`] hands it to the next window.
    temp: Option<tempfile::TempDir>,
}

/// Name of the environment variable that tags every process a [`Window`] starts.
const MARKER_VAR: &str = "HCX_WINDOW_TEST_RUN";

impl Window {
    /// Starts tauri-driver and opens the app on a fresh data directory.
    pub async fn open(launch: Launch) -> Result<Window> {
        let temp = tempfile::Builder::new().prefix("hcx-window-").tempdir().map_err(|source| {
            HarnessError::Io { what: "creating a temporary directory".into(), source }
        })?;
        Self::open_in(launch, temp).await
    }

    /// Closes the app and opens it again on the same data directory (and keychain namespace),
    /// as a user restarting it would.
    pub async fn restart(mut self, launch: Launch) -> Result<Window> {
        let temp = self.temp.take();
        self.close().await?;
        let temp =
            temp.ok_or_else(|| HarnessError::Missing("the window lost its data dir".into()))?;
        Self::open_in(launch, temp).await
    }

    /// Opens the app on the data directory inside `temp`. The process marker and the keychain
    /// namespace derive from `temp`'s name, so they stay the same across a restart, as the
    /// keychain does for a user.
    async fn open_in(launch: Launch, temp: tempfile::TempDir) -> Result<Window> {
        check_display()?;
        let driver_bin = find_tauri_driver()?;
        check_webkit_driver()?;
        let application = match launch {
            Launch::Binary => app_binary()?,
            Launch::RunScript => {
                // The run script builds what is stale before it starts the app; build the app
                // first anyway so the WebDriver session does not time out on a cold build.
                app_binary()?;
                workspace_root().join("scripts").join("run")
            }
        };

        let data_dir = temp.path().join("data");
        let marker = format!(
            "{}-{}",
            std::process::id(),
            temp.path().file_name().and_then(|n| n.to_str()).unwrap_or("window")
        );
        let log_path = temp.path().join("tauri-driver.log");
        // Appended to, so a restarted window's log follows the first one's.
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).map_err(
            |source| HarnessError::Io { what: "creating the driver log".into(), source },
        )?;
        let log_err = log
            .try_clone()
            .map_err(|source| HarnessError::Io { what: "opening the driver log".into(), source })?;

        let port = free_port()?;
        let native_port = free_port()?;
        let mut cmd = Command::new(&driver_bin);
        cmd.args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("HCX_DATA", &data_dir)
            // A keychain namespace of its own: the test never reads or writes the user's keys.
            .env("HCX_APP_ID", keychain_app_id(&marker))
            .env(MARKER_VAR, &marker)
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
            .current_dir(workspace_root())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err));
        // Its own process group: the app and WebKit's helpers inherit it, so one kill of the
        // group reaches everything this window started.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let driver = cmd.spawn().map_err(|source| HarnessError::Spawn {
            what: driver_bin.display().to_string(),
            source,
        })?;
        let mut window =
            Window { client: None, driver, marker, log_path, data_dir, temp: Some(temp) };
        window.wait_for_port(port, Duration::from_secs(20))?;

        let caps = serde_json::json!({
            "browserName": "wry",
            "tauri:options": { "application": application.display().to_string() },
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!("a json! object literal is an object")
        };
        let client = fantoccini::ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| HarnessError::Session { error: e.to_string(), log: window.log() })?;
        window.client = Some(client);
        Ok(window)
    }

    /// The keychain namespace (`HCX_APP_ID`) the app of this window stores its secrets under;
    /// a test reads it with `hcx_keys::KeychainStore::new(window.keychain_app_id())`.
    pub fn keychain_app_id(&self) -> String {
        keychain_app_id(&self.marker)
    }

    /// The WebDriver client.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("the client is present until close() consumes the window")
    }

    /// What tauri-driver, WebKitWebDriver and the app printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    fn wait_for_port(&mut self, port: u16, limit: Duration) -> Result<()> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.driver.try_wait() {
                return Err(HarnessError::DriverPort {
                    port,
                    secs: limit.as_secs(),
                    log: format!("(tauri-driver exited: {status})\n{}", self.log()),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(HarnessError::DriverPort { port, secs: limit.as_secs(), log: self.log() })
    }

    /// Ends the WebDriver session, stops every process this window started and checks that none
    /// is left.
    pub async fn close(mut self) -> Result<()> {
        if let Some(client) = self.client.take() {
            // Ending the session asks WebKitWebDriver to close the app; ignore failures, the
            // kills below make sure.
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
        self.stop_processes()
    }

    fn stop_processes(&mut self) -> Result<()> {
        let pid = self.driver.id();
        // SIGTERM, not SIGKILL: tauri-driver stops WebKitWebDriver only on a catchable signal;
        // after a SIGKILL WebKitWebDriver is orphaned and keeps the test's stdout open.
        let _ = quiet_kill(&["-TERM", &pid.to_string()]);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if matches!(self.driver.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Then the whole process group (the app, WebKit's processes, the run script's cargo),
        // and anything tagged with our marker that left the group.
        let _ = quiet_kill(&["-KILL", "--", &format!("-{pid}")]);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let start = Instant::now();
        loop {
            let left = tagged_processes(&self.marker);
            if left.is_empty() {
                return Ok(());
            }
            if start.elapsed() > Duration::from_secs(5) {
                return Err(HarnessError::Leftovers(left));
            }
            for p in &left {
                let _ = quiet_kill(&["-KILL", &p.to_string()]);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Saves a screenshot of the window as `tests/screenshots-out/<name>.png`; with
    /// `HCX_UPDATE_DOC_SHOTS=1`, also as `docs/<doc_name>` for the README.
    pub async fn screenshot(&self, name: &str, doc_name: Option<&str>) -> Result<PathBuf> {
        // WebDriver screenshots can lag one paint behind the DOM; let the window repaint.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let png = self
            .client()
            .screenshot()
            .await
            .map_err(|e| HarnessError::Io { what: "taking a screenshot".into(), source: io(e) })?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).map_err(|source| HarnessError::Io {
            what: format!("creating {}", dir.display()),
            source,
        })?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, &png).map_err(|source| HarnessError::Io {
            what: format!("writing {}", path.display()),
            source,
        })?;
        if let (Some(doc), Ok("1")) = (doc_name, std::env::var("HCX_UPDATE_DOC_SHOTS").as_deref()) {
            let doc_path = workspace_root().join("docs").join(doc);
            std::fs::write(&doc_path, &png).map_err(|source| HarnessError::Io {
                what: format!("writing {}", doc_path.display()),
                source,
            })?;
        }
        Ok(path)
    }
}

impl Drop for Window {
    fn drop(&mut self) {
        // A panicking test still stops its processes; the session itself dies with the app.
        if let Err(e) = self.stop_processes() {
            eprintln!("window test cleanup: {e}");
        }
    }
}

/// The keychain namespace of the window tagged `marker` (the same across a restart).
fn keychain_app_id(marker: &str) -> String {
    format!("in.hcx.console.test-{marker}")
}

/// Runs `kill ARGS` with its complaints silenced ("No such process" just means the target is
/// already gone, which is the goal).
fn quiet_kill(args: &[&str]) -> std::io::Result<std::process::ExitStatus> {
    Command::new("kill").args(args).stdout(Stdio::null()).stderr(Stdio::null()).status()
}

fn io(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn check_display() -> Result<()> {
    match std::env::var("DISPLAY") {
        Ok(d) if !d.is_empty() => Ok(()),
        _ => Err(HarnessError::Missing(
            "DISPLAY is not set: the window tests need an X server (Xvfb)".into(),
        )),
    }
}

fn find_tauri_driver() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("TAURI_DRIVER").map(PathBuf::from) {
        return Ok(p);
    }
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("tauri-driver")).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        candidates.push(PathBuf::from(home).join("bin").join("tauri-driver"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cargo").join("bin").join("tauri-driver"));
    }
    candidates.into_iter().find(|p| p.is_file()).ok_or_else(|| {
        HarnessError::Missing(
            "tauri-driver is not installed (not on PATH nor in ~/.cargo/bin)".into(),
        )
    })
}

fn check_webkit_driver() -> Result<()> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("WebKitWebDriver").is_file()))
        .unwrap_or(false);
    if on_path {
        Ok(())
    } else {
        Err(HarnessError::Missing(
            "WebKitWebDriver is not on PATH (Debian package webkit2gtk-driver; scripts/deps.sh \
             installs it)"
                .into(),
        ))
    }
}

/// The app binary: `HCX_APP_BIN`, or `target/debug/hcx-console-app` built once per test run so
/// the tests never drive a stale build.
fn app_binary() -> Result<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    if let Some(p) = std::env::var_os("HCX_APP_BIN").map(PathBuf::from) {
        return Ok(p);
    }
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "--quiet", "-p", "hcx-console-app"])
                .current_dir(workspace_root())
                .status()
                .map_err(|e| format!("could not run cargo: {e}"))?;
            if !status.success() {
                return Err(status.to_string());
            }
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| workspace_root().join("target"));
            Ok(target.join("debug").join("hcx-console-app"))
        })
        .clone()
        .map_err(HarnessError::Build)
}

fn free_port() -> Result<u16> {
    let l = TcpListener::bind(("127.0.0.1", 0))
        .map_err(|source| HarnessError::Io { what: "finding a free port".into(), source })?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|source| HarnessError::Io { what: "finding a free port".into(), source })
}

/// Pids of live processes whose environment carries `MARKER_VAR=marker`.
fn tagged_processes(marker: &str) -> Vec<u32> {
    let needle = format!("{MARKER_VAR}={marker}");
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            // Zombies are already dead (PID 1 reaps them); only running processes count.
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let running =
                state.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z'));
            running
                && std::fs::read(format!("/proc/{pid}/environ"))
                    .map(|env| env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()))
                    .unwrap_or(false)
        })
        .collect()
}

/// How long the UI may take to show something after an action (the demo payer answers within
/// a few seconds; a cold start of the embedded sandbox takes longer).
pub const UI_WAIT: Duration = Duration::from_secs(30);

/// Page helpers on top of fantoccini, with failures that say what the page showed.
pub struct Page<'a> {
    window: &'a Window,
}

impl<'a> Page<'a> {
    /// Helpers for `window`.
    pub fn new(window: &'a Window) -> Self {
        Page { window }
    }

    fn c(&self) -> &Client {
        self.window.client()
    }

    /// The visible text of the page, for failure messages.
    pub async fn body_text(&self) -> String {
        match self.c().execute("return document.body ? document.body.innerText : ''", vec![]).await
        {
            Ok(v) => v.as_str().unwrap_or_default().chars().take(3000).collect(),
            Err(e) => format!("<could not read the page: {e}>"),
        }
    }

    /// Saves `failure-<what>.png` and builds a panic message with the page text and app log.
    async fn fail(&self, what: &str, why: &str) -> String {
        let slug: String = what
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .take(60)
            .collect();
        let shot = self.window.screenshot(&format!("failure-{slug}"), None).await;
        let log: String = {
            let l = self.window.log();
            let tail: Vec<&str> = l.lines().rev().take(40).collect();
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        };
        format!(
            "{what}: {why}\n--- page text ---\n{}\n--- screenshot: {shot:?}\n--- log tail ---\n{log}",
            self.body_text().await
        )
    }

    /// Navigates the UI's hash router (`#/queue`, `#/compose/preauth`).
    pub async fn go(&self, hash: &str) {
        let script = "window.location.hash = arguments[0]; return true;";
        if let Err(e) = self.c().execute(script, vec![serde_json::json!(hash)]).await {
            panic!("{}", self.fail(&format!("navigate to {hash}"), &e.to_string()).await);
        }
    }

    /// Waits for an element matching `css`; panics with the page's state after `limit`.
    pub async fn wait(&self, css: &str, limit: Duration) -> Element {
        match self.c().wait().at_most(limit).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("{}", self.fail(&format!("wait for {css}"), &e.to_string()).await),
        }
    }

    /// Waits until the first element matching `css` has text containing `needle`.
    pub async fn wait_text(&self, css: &str, needle: &str, limit: Duration) -> Element {
        let start = Instant::now();
        loop {
            if let Ok(el) = self.c().find(Locator::Css(css)).await
                && let Ok(text) = el.text().await
                && text.contains(needle)
            {
                return el;
            }
            if start.elapsed() > limit {
                let why = format!("no text {needle:?} within {} s", limit.as_secs());
                panic!("{}", self.fail(&format!("wait for {css}"), &why).await);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Waits until `script` (a JS expression) is truthy.
    pub async fn wait_js(&self, what: &str, expr: &str, limit: Duration) -> serde_json::Value {
        let start = Instant::now();
        let script = format!("return ({expr});");
        loop {
            if let Ok(v) = self.c().execute(&script, vec![]).await
                && !(v.is_null() || v == false || v == "" || v == 0)
            {
                return v;
            }
            if start.elapsed() > limit {
                panic!(
                    "{}",
                    self.fail(what, &format!("still false after {} s", limit.as_secs())).await
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Replaces the value of the input matching `css` by typing `value` (real key events, so
    /// React sees every change).
    pub async fn fill(&self, css: &str, value: &str) {
        let el = self.wait(css, UI_WAIT).await;
        let typed = async {
            el.click().await?;
            el.send_keys(&(Key::Control + "a")).await?;
            el.send_keys(&Key::Backspace.to_string()).await?;
            el.send_keys(value).await
        };
        if let Err(e) = typed.await {
            panic!("{}", self.fail(&format!("type into {css}"), &e.to_string()).await);
        }
    }

    /// Selects the option with `value` in the select matching `css`.
    pub async fn select(&self, css: &str, value: &str) {
        let el = self.wait(css, UI_WAIT).await;
        if let Err(e) = el.select_by_value(value).await {
            panic!("{}", self.fail(&format!("select {value} in {css}"), &e.to_string()).await);
        }
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        let el = self.wait(css, UI_WAIT).await;
        if let Err(e) = el.click().await {
            panic!("{}", self.fail(&format!("click {css}"), &e.to_string()).await);
        }
    }

    /// Runs `script` (a function body using `arguments`) and returns its value.
    pub async fn js(&self, script: &str, args: Vec<serde_json::Value>) -> serde_json::Value {
        match self.c().execute(script, args).await {
            Ok(v) => v,
            Err(e) => panic!("{}", self.fail("run a script", &e.to_string()).await),
        }
    }

    /// The current hash route, e.g. `#/thread/…`.
    pub async fn hash(&self) -> String {
        self.js("return window.location.hash;", vec![])
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}
