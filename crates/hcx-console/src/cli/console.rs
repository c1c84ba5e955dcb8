//! The console subcommands of `hcx`: profiles, keys, preflight, send, threads, the long-running
//! `run`, `demo`, and the wiring of `sandbox`, `bridge serve` and `fhir`. Each is a few lines
//! over an `hcx_console::Console` use case.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use hcx_console::{
    Action, Console, ConsoleOptions, Dialect, Environment, NewProfile, SandboxAdmin, Secret, dto,
    text,
};

use super::{CliError, Output};

/// The top-level `--data DIR` (or `HCX_DATA`), set once by `main` before a command runs.
pub static DATA_DIR: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Console subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ConsoleCommand {
    /// Participant identities (each with its own keychain entries and data).
    Profile {
        #[command(subcommand)]
        command: ProfileCommand,
    },
    /// The active profile's RSA key and certificate.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Check login, registry record, certificate and callback endpoint of the active profile.
    Preflight,
    /// The audit log: verify its keyed chains.
    Audit {
        #[command(subcommand)]
        command: super::audit::AuditCommand,
    },
    /// The way to production: certify, register, OTP, credentials, go-live checklist, pilot.
    Onboard {
        #[command(subcommand)]
        command: super::onboard::OnboardCommand,
    },
    /// Queue a FHIR bundle as a new request and try to deliver it now.
    Send(SendArgs),
    /// List cycles of the active profile.
    Threads {
        /// Only these states (repeatable): queued, acknowledged, query, complete, …
        #[arg(long = "state")]
        states: Vec<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one cycle's timeline.
    Thread {
        /// The cycle's correlation id.
        correlation_id: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Run the outbox worker and the bridge poller for the active profile until Ctrl-C.
    Run(RunArgs),
    /// Sandbox exchange, bridge, demo payer and a provider profile in one process: send a
    /// preauth and print its finished timeline.
    Demo {
        /// Give up waiting for the payer after this many seconds.
        #[arg(long, default_value_t = 90)]
        timeout_secs: u64,
    },
    /// Run the embedded sandbox exchange (prints its credentials as JSON lines).
    Sandbox {
        /// Port on 127.0.0.1.
        #[arg(long)]
        port: u16,
        /// Sandbox data directory.
        #[arg(long)]
        data: PathBuf,
        /// This instance's code (the HCX code becomes `hcx@CODE`; default `sandbox`).
        #[arg(long)]
        instance: Option<String>,
        /// A peer instance to relay with, `CODE=URL,CERT` (instance code, API base URL, path of
        /// its `identities/hcx/cert.pem`). Repeat for more peers.
        #[arg(long = "peer")]
        peers: Vec<String>,
    },
    /// The callback mailbox server.
    Bridge {
        #[command(subcommand)]
        command: BridgeCommand,
    },
    /// FHIR bundle tools.
    Fhir {
        #[command(subcommand)]
        command: FhirCommand,
    },
}

/// `hcx profile …`
#[derive(Debug, clap::Subcommand)]
pub enum ProfileCommand {
    /// Add a profile (selected when it is the first).
    Add(ProfileAddArgs),
    /// List profiles.
    List,
    /// Select a profile by id, participant code or name.
    Use {
        /// Id, participant code or name.
        profile: String,
    },
    /// Remove a profile: its keychain entries and its data.
    Remove {
        /// Id, participant code or name.
        profile: String,
    },
    /// Register the active SANDBOX profile on its sandbox exchange with the admin login.
    RegisterSandbox {
        /// The sandbox admin's username (first line printed by `hcx sandbox`).
        #[arg(long)]
        admin_user: String,
        /// Environment variable holding the admin password.
        #[arg(long, value_name = "VAR")]
        admin_password_env: String,
        /// Callback endpoint to register (default: this profile's bridge endpoint).
        #[arg(long)]
        endpoint: Option<String>,
    },
}

/// `hcx profile add` arguments. Secrets are read from environment variables or stdin, never
/// from the command line (which other users can see in the process list).
#[derive(Debug, clap::Args)]
pub struct ProfileAddArgs {
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Registry participant code.
    #[arg(long)]
    pub code: String,
    /// Gateway API base, e.g. https://staging-hcx.swasth.app/api
    #[arg(long)]
    pub gateway: String,
    /// sandbox, staging or production.
    #[arg(long, default_value = "sandbox")]
    pub environment: String,
    /// Registry role (repeatable), e.g. provider.hospital, payor, agency.tpa.
    #[arg(long = "role")]
    pub roles: Vec<String>,
    /// swasth or nhcx.
    #[arg(long, default_value = "swasth")]
    pub dialect: String,
    /// Gateway username (primary e-mail).
    #[arg(long)]
    pub username: Option<String>,
    /// Environment variable holding the gateway password.
    #[arg(long, value_name = "VAR", conflicts_with = "password_stdin")]
    pub password_env: Option<String>,
    /// Read the gateway password from the first line of stdin.
    #[arg(long)]
    pub password_stdin: bool,
    /// Bridge base URL (where this participant's callbacks wait).
    #[arg(long)]
    pub bridge: Option<String>,
    /// Environment variable holding the bridge mailbox token.
    #[arg(long, value_name = "VAR")]
    pub bridge_token_env: Option<String>,
    /// The exchange's own participant code (the HCX that sends plain error callbacks); without
    /// it a plain error from anyone but the cycle's counterparty is flagged, not applied.
    #[arg(long, value_name = "CODE")]
    pub hcx_code: Option<String>,
}

/// `hcx keys …` (all act on the active profile unless `--profile` is given).
#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Generate the first RSA key and a self-signed certificate.
    Generate {
        /// Profile id, code or name.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Import an existing private key (PEM file).
    Import {
        /// The PEM file.
        file: PathBuf,
        /// Profile id, code or name.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Show key status and the certificate to register.
    Show {
        /// Profile id, code or name.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Rotate to a new key (the old one keeps decrypting until you drop it).
    Rotate {
        /// Profile id, code or name.
        #[arg(long)]
        profile: Option<String>,
    },
}

/// `hcx send` arguments.
#[derive(Debug, clap::Args)]
pub struct SendArgs {
    /// The action, e.g. preauth/submit or /claim/submit.
    pub action: String,
    /// Recipient participant code.
    #[arg(long)]
    pub to: String,
    /// The FHIR bundle (JSON file).
    #[arg(long)]
    pub file: PathBuf,
    /// Workflow id tying the cycles of one admission together.
    #[arg(long)]
    pub workflow: Option<String>,
    /// Only queue; leave delivery to a running `hcx run`.
    #[arg(long)]
    pub queue_only: bool,
}

/// `hcx run` arguments.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// First outbox retry delay after a failed send, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    pub retry_base_ms: u64,
    /// Longest outbox retry delay, in milliseconds.
    #[arg(long, default_value_t = 900_000)]
    pub retry_max_ms: u64,
    /// Attempts before a message is marked failed.
    #[arg(long, default_value_t = 10)]
    pub retry_attempts: u32,
}

/// `hcx bridge …`
#[derive(Debug, clap::Subcommand)]
pub enum BridgeCommand {
    /// Serve a bridge from a config file until Ctrl-C.
    Serve {
        /// Port to listen on.
        #[arg(long)]
        port: u16,
        /// Bridge data directory.
        #[arg(long)]
        data: PathBuf,
        /// Config file (TOML or JSON).
        #[arg(long)]
        config: PathBuf,
    },
}

/// `hcx fhir …`
#[derive(Debug, clap::Subcommand)]
pub enum FhirCommand {
    /// Check a bundle against the NHCX rules (exit 1 on errors).
    Check {
        /// The JSON file.
        file: PathBuf,
    },
    /// Summarise a bundle.
    Summary {
        /// The JSON file.
        file: PathBuf,
    },
}

/// Where the console keeps its data when `--data`/`HCX_DATA` is not given: the platform's
/// per-user data directory.
pub fn default_data_dir() -> PathBuf {
    let home = || std::env::var_os("HOME").map(PathBuf::from);
    if cfg!(target_os = "macos") {
        if let Some(h) = home() {
            return h.join("Library/Application Support/in.hcx.console");
        }
    } else if cfg!(windows) {
        if let Some(a) = std::env::var_os("APPDATA") {
            return PathBuf::from(a).join("hcx-console");
        }
    } else {
        if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
            return PathBuf::from(x).join("hcx-console");
        }
        if let Some(h) = home() {
            return h.join(".local/share/hcx-console");
        }
    }
    PathBuf::from("hcx-console-data")
}

pub(crate) fn data_dir() -> PathBuf {
    DATA_DIR.get().cloned().flatten().unwrap_or_else(default_data_dir)
}

/// The keychain service name: `HCX_APP_ID` when set (tests use a throw-away
/// `in.hcx.console.test-…`), else the console's own.
pub(crate) fn app_id() -> String {
    std::env::var("HCX_APP_ID")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| hcx_keys::APP_ID.to_owned())
}

pub(crate) fn fail(e: impl std::fmt::Display) -> CliError {
    CliError::Input(e.to_string())
}

fn text_out(stdout: impl Into<String>) -> Output {
    Output { stdout: stdout.into(), warning: None, code: 0 }
}

fn json_out(value: &impl serde::Serialize) -> Result<Output, CliError> {
    serde_json::to_string_pretty(value).map(text_out).map_err(fail)
}

pub(crate) fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn secret_from_env(var: &str) -> Result<Secret, CliError> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(Secret::new(v)),
        _ => Err(CliError::Input(format!("environment variable {var} is not set"))),
    }
}

fn open_console(options: ConsoleOptions) -> Result<Console, CliError> {
    Console::open(options).map_err(fail)
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(fail)
}

fn parse_environment(s: &str) -> Result<Environment, CliError> {
    Environment::parse(s)
        .ok_or_else(|| fail(format!("--environment {s:?}: sandbox, staging or production")))
}

fn parse_dialect(s: &str) -> Result<Dialect, CliError> {
    Dialect::parse(s).ok_or_else(|| fail(format!("--dialect {s:?}: swasth or nhcx")))
}

async fn profile_id(console: &Console, key: Option<&str>) -> Result<String, CliError> {
    match key {
        Some(k) => Ok(console.profile_id_for(k).map_err(fail)?),
        None => Ok(console.active_profile().await.map_err(fail)?.id),
    }
}

/// Runs a console subcommand.
pub fn run(command: ConsoleCommand) -> Result<Output, CliError> {
    let quiet = matches!(command, ConsoleCommand::Fhir { .. });
    let long_running = matches!(
        command,
        ConsoleCommand::Run(_)
            | ConsoleCommand::Demo { .. }
            | ConsoleCommand::Sandbox { .. }
            | ConsoleCommand::Bridge { .. }
    );
    if !quiet {
        init_tracing(if long_running {
            "warn,hcx=info,hcx_console=info,hcx_bridge=info,hcx_sandbox=info"
        } else {
            "warn"
        });
    }
    match command {
        ConsoleCommand::Fhir { command: FhirCommand::Check { file } } => {
            let (report, code) = hcx_fhir::cli::check_file(&file);
            let mut out = json_out(&report)?;
            out.code = code;
            Ok(out)
        }
        ConsoleCommand::Fhir { command: FhirCommand::Summary { file } } => {
            json_out(&hcx_fhir::cli::summary_file(&file).map_err(fail)?)
        }
        ConsoleCommand::Sandbox { port, data, instance, peers } => {
            let peers = peers
                .iter()
                .map(|p| hcx_sandbox::PeerInstance::parse_cli(p))
                .collect::<Result<Vec<_>, _>>()
                .map_err(fail)?;
            runtime()?.block_on(hcx_sandbox::run_cli(port, data, instance, peers)).map_err(fail)?;
            Ok(text_out(""))
        }
        ConsoleCommand::Bridge { command: BridgeCommand::Serve { port, data, config } } => {
            runtime()?.block_on(hcx_bridge::serve_cli(port, data, config)).map_err(fail)?;
            Ok(text_out(""))
        }
        ConsoleCommand::Demo { timeout_secs } => runtime()?.block_on(demo(timeout_secs)),
        other => {
            let mut options = ConsoleOptions::new(data_dir());
            options.app_id = app_id();
            runtime()?.block_on(run_with_console(other, options))
        }
    }
}

async fn demo(timeout_secs: u64) -> Result<Output, CliError> {
    println!("Starting the sandbox exchange, a bridge and a demo clinic in this process…");
    let report = hcx_console::demo::run_demo(&app_id(), Duration::from_secs(timeout_secs))
        .await
        .map_err(fail)?;
    Ok(text_out(text::render_thread(&report.detail)))
}

async fn run_with_console(
    command: ConsoleCommand,
    mut options: ConsoleOptions,
) -> Result<Output, CliError> {
    if let ConsoleCommand::Run(args) = &command {
        options.outbox_retry.base_delay =
            chrono::TimeDelta::milliseconds(i64::try_from(args.retry_base_ms).unwrap_or(i64::MAX));
        options.outbox_retry.max_delay =
            chrono::TimeDelta::milliseconds(i64::try_from(args.retry_max_ms).unwrap_or(i64::MAX));
        options.outbox_retry.max_attempts = args.retry_attempts;
    }
    let console = open_console(options)?;
    match command {
        ConsoleCommand::Profile { command } => profile(&console, command).await,
        ConsoleCommand::Keys { command } => keys(&console, command).await,
        ConsoleCommand::Onboard { command } => super::onboard::run(&console, command).await,
        ConsoleCommand::Audit { command } => super::audit::run(&console, command),
        ConsoleCommand::Preflight => {
            let checks = console.run_preflight().await.map_err(fail)?;
            let ok = checks.iter().all(|c| c.ok);
            let lines: Vec<String> = checks
                .iter()
                .map(|c| {
                    format!("{} {:<12} {}", if c.ok { "ok  " } else { "FAIL" }, c.name, c.detail)
                })
                .collect();
            Ok(Output { stdout: lines.join("\n"), warning: None, code: if ok { 0 } else { 1 } })
        }
        ConsoleCommand::Send(args) => send(&console, args).await,
        ConsoleCommand::Threads { states, json } => {
            let filter = dto::ThreadFilter {
                states: (!states.is_empty()).then_some(states),
                ..dto::ThreadFilter::default()
            };
            let rows = console.list_threads(filter).await.map_err(fail)?;
            if json { json_out(&rows) } else { Ok(text_out(text::render_threads(&rows))) }
        }
        ConsoleCommand::Thread { correlation_id, json } => {
            let detail = console.get_thread(&correlation_id).await.map_err(fail)?;
            if json { json_out(&detail) } else { Ok(text_out(text::render_thread(&detail))) }
        }
        ConsoleCommand::Run(_) => run_loops(&console).await,
        _ => Err(fail("not a console command")),
    }
}

async fn profile(console: &Console, command: ProfileCommand) -> Result<Output, CliError> {
    match command {
        ProfileCommand::Add(a) => {
            let password = match (&a.password_env, a.password_stdin) {
                (Some(var), _) => Some(secret_from_env(var)?),
                (None, true) => {
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line).map_err(fail)?;
                    Some(Secret::new(line.trim_end_matches(['\r', '\n']).to_owned()))
                }
                (None, false) => None,
            };
            let bridge_token = a.bridge_token_env.as_deref().map(secret_from_env).transpose()?;
            let view = console
                .add_profile(NewProfile {
                    name: a.name,
                    participant_code: a.code,
                    roles: a.roles,
                    environment: parse_environment(&a.environment)?,
                    gateway_url: a.gateway,
                    dialect: parse_dialect(&a.dialect)?,
                    bridge_url: a.bridge,
                    username: a.username,
                    email: None,
                    password,
                    bridge_token,
                    hcx_code: a.hcx_code,
                })
                .await
                .map_err(fail)?;
            Ok(text_out(format!(
                "added profile {} ({}, {}){}",
                view.name,
                view.participant_code,
                view.id,
                if view.active { " — selected" } else { "" }
            )))
        }
        ProfileCommand::List => {
            let rows = console.list_profiles().await.map_err(fail)?;
            if rows.is_empty() {
                return Ok(text_out("No profiles. Add one with `hcx profile add`."));
            }
            let lines: Vec<String> = rows
                .iter()
                .map(|p| {
                    format!(
                        "{} {:<28} {:<32} {:<10} {}",
                        if p.active { "*" } else { " " },
                        p.name,
                        p.participant_code,
                        format!("{:?}", p.environment).to_lowercase(),
                        p.id
                    )
                })
                .collect();
            Ok(text_out(lines.join("\n")))
        }
        ProfileCommand::Use { profile } => {
            let v = console.use_profile(&profile).await.map_err(fail)?;
            Ok(text_out(format!("using {} ({})", v.name, v.participant_code)))
        }
        ProfileCommand::Remove { profile } => {
            let id = console.profile_id_for(&profile).map_err(fail)?;
            console.delete_profile(&id).await.map_err(fail)?;
            Ok(text_out(format!("removed profile {id} and its keychain entries")))
        }
        ProfileCommand::RegisterSandbox { admin_user, admin_password_env, endpoint } => {
            let admin = SandboxAdmin {
                username: admin_user,
                password: secret_from_env(&admin_password_env)?,
            };
            let id = profile_id(console, None).await?;
            let endpoint = match endpoint {
                Some(e) => e,
                None => console.bridge_endpoint(&id).map_err(fail)?.unwrap_or_else(|| {
                    // No bridge: a placeholder the sandbox accepts; callbacks will fail there.
                    "http://127.0.0.1:9/no-bridge".to_owned()
                }),
            };
            console.register_on_sandbox(&id, &admin, &endpoint).await.map_err(fail)?;
            Ok(text_out(format!("registered on the sandbox with endpoint_url {endpoint}")))
        }
    }
}

async fn keys(console: &Console, command: KeysCommand) -> Result<Output, CliError> {
    let (report, show_cert) = match command {
        KeysCommand::Generate { profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            (console.generate_key(&id).await.map_err(fail)?, true)
        }
        KeysCommand::Import { file, profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            let pem = std::fs::read_to_string(&file).map_err(|e| CliError::Read {
                path: file.display().to_string(),
                reason: e.to_string(),
            })?;
            (console.import_key(&id, &Secret::new(pem)).await.map_err(fail)?, true)
        }
        KeysCommand::Show { profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            (console.key_report(&id).await.map_err(fail)?, true)
        }
        KeysCommand::Rotate { profile } => {
            let id = profile_id(console, profile.as_deref()).await?;
            (console.rotate_key(&id).await.map_err(fail)?, true)
        }
    };
    let s = &report.status;
    let mut out = format!(
        "backend:      {}\nprivate key:  {}\nprevious key: {}\nfingerprint:  {}\nexpires:      {}\n",
        s.backend,
        if s.has_private_key { "present" } else { "none" },
        if s.has_previous_key { "kept for the rotation overlap" } else { "none" },
        s.fingerprint.as_deref().unwrap_or("—"),
        s.certificate_expires_at.as_deref().map(text::local_time).unwrap_or_else(|| "—".into()),
    );
    if let (true, Some(pem)) = (show_cert, &report.certificate_pem) {
        out.push_str("\nCertificate to register as encryption_cert:\n");
        out.push_str(pem.trim_end());
    }
    Ok(text_out(out))
}

fn read_bundle(path: &Path) -> Result<serde_json::Value, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Read { path: path.display().to_string(), reason: e.to_string() })?;
    serde_json::from_slice(&bytes).map_err(|e| fail(format!("{} is not JSON: {e}", path.display())))
}

async fn send(console: &Console, args: SendArgs) -> Result<Output, CliError> {
    let action: Action = args.action.parse().map_err(|_| {
        fail(format!("{:?} is not a protocol action (e.g. preauth/submit)", args.action))
    })?;
    let bundle = read_bundle(&args.file)?;
    let receipt = console
        .send_bundle(action, &args.to, bundle, args.workflow.as_deref())
        .await
        .map_err(fail)?;
    if !args.queue_only {
        console.deliver_due().await.map_err(fail)?;
    }
    let detail = console.get_thread(&receipt.correlation_id).await.map_err(fail)?;
    let waiting = detail
        .timeline
        .iter()
        .find(|n| n.api_call_id == receipt.api_call_id)
        .and_then(|n| n.error.clone());
    let mut out = format!(
        "cycle {}  state {}  api_call_id {}{}",
        receipt.correlation_id,
        detail.thread.state,
        receipt.api_call_id,
        receipt.workflow_id.as_deref().map(|w| format!("  workflow {w}")).unwrap_or_default()
    );
    if detail.thread.state == "queued" || detail.thread.state == "sent" {
        out.push_str(
            "\n(queued in the outbox; `hcx run` keeps retrying until the gateway accepts it)",
        );
    }
    Ok(Output {
        stdout: out,
        warning: waiting.map(|e| format!("{}: {}", e.code, e.message)),
        code: 0,
    })
}

async fn run_loops(console: &Console) -> Result<Output, CliError> {
    let profile = console.active_profile().await.map_err(fail)?;
    let background = console.start_background().map_err(fail)?;
    println!(
        "running for {} ({}): outbox worker{}; Ctrl-C to stop",
        profile.name,
        profile.participant_code,
        if background.poller.is_some() {
            " + bridge poller"
        } else {
            " (no bridge configured: callbacks are not fetched)"
        }
    );
    wait_for_stop().await;
    background.stop().await;
    Ok(text_out("stopped"))
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
