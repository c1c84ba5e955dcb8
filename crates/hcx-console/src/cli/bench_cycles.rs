//! `hcx bench cycles`: full preauth cycles under load, in one process over real loopback HTTP.
//!
//! N provider consoles (each its own data directory, SQLite store, outbox worker and bridge
//! poller) send the demo preauth to the scripted payer of an embedded sandbox exchange; the
//! sandbox authenticates, validates, audits, fsyncs and dispatches it, the payer opens it,
//! decides and seals its `on_submit`, the sandbox routes that to the provider's bridge mailbox
//! (fsynced before its 202), and the console's long-poll ingests it into its store. A cycle's
//! latency runs from the clerk's `send_compose` to the moment a subscriber of that console sees
//! the cycle `complete` (the console's change window is set to zero for this).
//!
//! Beside it, in the same run and against the same sandbox and payer, the same count of
//! preauths is sent the way the Swasth SDKs send (wire facts §5.3: token, registry search and
//! certificate fetch on every send, then seal and post), re-enacted in Rust with a fresh
//! `HcxClient` per send over a shared connection pool. That re-enactment is faster than the
//! Python SDK itself would be, so the printed ratio is a lower bound.
//!
//! Only the figures are printed; nothing here asserts a speed (tests run the smoke size).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use hcx_bridge::{Bridge, BridgeConfig, PollerOptions, RateLimitConfig};
use hcx_console::demo::{LocalExchange, demo_preauth};
use hcx_console::{Console, ConsoleOptions, OutboxWorker};
use hcx_sandbox::{DemoKind, Sandbox, SandboxConfig};
use serde::Serialize;
use tokio::sync::oneshot;

use super::console::{fail, init_tracing, runtime};
use super::{CliError, Output};

/// Longest wait for one cycle before it counts as failed.
const CYCLE_TIMEOUT: Duration = Duration::from_secs(120);
/// How often the watchers re-read every pending cycle (a safety net for a missed change).
const RESCAN: Duration = Duration::from_millis(500);
/// Linux reports process CPU time in clock ticks of 1/100 s (`USER_HZ`, fixed by the ABI).
const TICKS_PER_SECOND: f64 = 100.0;

/// `hcx bench cycles`.
#[derive(Debug, clap::Args)]
pub struct CyclesArgs {
    /// Provider consoles, each with its own store, outbox worker and bridge mailbox.
    #[arg(long, default_value_t = 8)]
    pub consoles: usize,
    /// Cycles measured at each concurrency (and preauths sent by the SDK pattern).
    #[arg(long, default_value_t = 1000)]
    pub cycles: usize,
    /// Cycles in flight at once, comma-separated: one measured run each.
    #[arg(long, value_delimiter = ',', default_value = "8,32,64")]
    pub concurrency: Vec<usize>,
    /// Cycles run before measuring (connections, tokens, certificate caches, page cache).
    #[arg(long, default_value_t = 40)]
    pub warmup: usize,
    /// Leave out the SDK-pattern reference.
    #[arg(long)]
    pub no_sdk: bool,
    /// Keep the exchange's, bridge's and consoles' data here (default: a temporary directory).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One measured run.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    /// `cycles` (full cycle) or `sdk-pattern` (send to 202 ack).
    kind: &'static str,
    concurrency: usize,
    completed: usize,
    failed: usize,
    seconds: f64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    /// Process CPU (user + system, all threads) per completed item.
    cpu_ms_per_item: f64,
    user_ms_per_item: f64,
    system_ms_per_item: f64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    consoles: usize,
    cores: usize,
    runs: Vec<Run>,
    /// Best full cycles per second ÷ SDK-pattern preauths per second at the same concurrency.
    sdk_ratio: Option<f64>,
}

/// Runs the benchmark and renders its report.
pub fn run(args: &CyclesArgs) -> Result<Output, CliError> {
    init_tracing("warn");
    if args.consoles == 0 || args.cycles == 0 || args.concurrency.contains(&0) {
        return Err(CliError::Input("--consoles, --cycles and --concurrency must be > 0".into()));
    }
    let report = runtime()?.block_on(bench(args))?;
    let failed: usize = report.runs.iter().map(|r| r.failed).sum();
    let stdout = if args.json {
        serde_json::to_string_pretty(&report).map_err(fail)?
    } else {
        render(&report)
    };
    Ok(Output {
        stdout,
        warning: (failed > 0).then(|| format!("{failed} cycle(s) or send(s) did not complete")),
        code: i32::from(failed > 0),
    })
}

/// A provider console with its background loops and the cycles it waits for.
struct Desk {
    console: Console,
    profile_id: String,
    pending: Pending,
    _worker: OutboxWorker,
    _poller: Option<hcx_console::BridgePoller>,
    watcher: tokio::task::JoinHandle<()>,
}

impl Drop for Desk {
    fn drop(&mut self) {
        // The watcher holds a console handle and loops until told to stop.
        self.watcher.abort();
    }
}

/// Cycles sent and not yet seen finished: correlation id → who waits for its end state.
type Pending = Arc<Mutex<HashMap<String, oneshot::Sender<String>>>>;

async fn bench(args: &CyclesArgs) -> Result<Report, CliError> {
    let temp = tempfile::Builder::new().prefix("hcx-bench-cycles-").tempdir().map_err(fail)?;
    let dir = args.data.clone().unwrap_or_else(|| temp.path().to_owned());
    let exchange = start_exchange(&dir).await?;
    let app_id = format!("in.hcx.console.bench-{}", uuid::Uuid::new_v4().simple());
    let mut desks = Vec::with_capacity(args.consoles);
    let opened = async {
        for i in 0..args.consoles {
            desks.push(open_desk(&exchange, &dir, &app_id, i).await?);
        }
        Ok::<(), CliError>(())
    }
    .await;
    let desks = Arc::new(desks);
    let result = match opened {
        Ok(()) => measure(args, &exchange, &desks).await,
        Err(e) => Err(e),
    };
    // The profiles' keys and passwords live in the keychain (or process memory): remove them.
    for d in desks.iter() {
        if let Err(e) = d.console.delete_profile(&d.profile_id).await {
            tracing::warn!(error = %e, "bench profile not removed");
        }
    }
    drop(desks);
    exchange.shutdown().await;
    result
}

async fn measure(
    args: &CyclesArgs,
    exchange: &LocalExchange,
    desks: &Arc<Vec<Desk>>,
) -> Result<Report, CliError> {
    let payer = exchange.code(DemoKind::Payer).map_err(fail)?;
    let warm = drive(desks, &payer, args.warmup, args.consoles.min(args.warmup.max(1))).await;
    if warm.failed > 0 {
        return Err(fail(format!("{} warm-up cycle(s) did not complete", warm.failed)));
    }
    let mut runs = Vec::new();
    for &c in &args.concurrency {
        // bench/cycles_profile.sh switches callgrind on when it reads this line.
        eprintln!("hcx bench cycles: measuring {} cycles, {c} in flight", args.cycles);
        runs.push(drive(desks, &payer, args.cycles, c).await);
    }
    if !args.no_sdk {
        let c = args.concurrency.iter().copied().max().unwrap_or(1);
        let bundle = sample_bundle(&desks[0].console).await?;
        let sdk = SdkPattern::new(exchange, &payer, bundle)?;
        eprintln!("hcx bench cycles: SDK pattern, {} preauths, {c} in flight", args.cycles);
        sdk.send_n(args.warmup.max(1), c).await;
        runs.push(sdk.send_n(args.cycles, c).await);
    }
    let sdk_ratio = runs.iter().find(|r| r.kind == "sdk-pattern").and_then(|sdk| {
        runs.iter()
            .find(|r| r.kind == "cycles" && r.concurrency == sdk.concurrency)
            .map(|ours| ours.per_second / sdk.per_second)
    });
    Ok(Report {
        consoles: args.consoles,
        cores: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        runs,
        sdk_ratio,
    })
}

/// The sandbox with its scripted payer, and a bridge whose per-source limit fits a hosted
/// bridge in front of one busy gateway (the default, 200/s, is a clinic's).
async fn start_exchange(dir: &Path) -> Result<LocalExchange, CliError> {
    let sandbox = Sandbox::start(SandboxConfig::new(dir.join("sandbox"))).await.map_err(fail)?;
    let mut config = BridgeConfig::new(dir.join("bridge"));
    config.rate_limit = Some(RateLimitConfig { per_second: 100_000.0, burst: 100_000.0 });
    let bridge = Bridge::start(config).await.map_err(fail)?;
    Ok(LocalExchange { sandbox, bridge })
}

async fn open_desk(
    exchange: &LocalExchange,
    dir: &Path,
    app_id: &str,
    i: usize,
) -> Result<Desk, CliError> {
    let mut options = ConsoleOptions::new(dir.join(format!("console-{i}")));
    options.app_id = app_id.to_owned();
    options.change_coalesce = Duration::ZERO;
    let console = Console::open(options).map_err(fail)?;
    console.set_embedded_sandbox(true);
    let code = format!("bench-clinic-{i}@sandbox");
    let profile = exchange
        .onboard(&console, &format!("Bench Clinic {i}"), &code, &["provider.hospital"])
        .await
        .map_err(fail)?;
    console.recover_outbox().map_err(fail)?;
    let worker = console.start_outbox_worker();
    let poller =
        console.start_bridge_poller_with(&profile.id, PollerOptions::default()).map_err(fail)?;
    let pending = Pending::default();
    let watcher = tokio::spawn(watch(console.clone(), Arc::clone(&pending)));
    Ok(Desk { console, profile_id: profile.id, pending, _worker: worker, _poller: poller, watcher })
}

/// Tells each waiting cycle its end state as soon as an incoming message moved it there.
async fn watch(console: Console, pending: Pending) {
    let mut changes = console.subscribe();
    loop {
        let ids: Vec<String> = match tokio::time::timeout(RESCAN, changes.recv()).await {
            // Only an incoming message can finish a cycle: sends and acks are not looked at.
            Ok(Ok(changed)) if changed.incoming == 0 => continue,
            Ok(Ok(changed)) => changed.correlation_ids,
            Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => return,
            // Lagged, or quiet for a while: look at everything still waiting.
            Ok(Err(_)) | Err(_) => {
                pending.lock().unwrap_or_else(PoisonError::into_inner).keys().cloned().collect()
            }
        };
        for id in ids {
            let waiting = pending.lock().unwrap_or_else(PoisonError::into_inner).contains_key(&id);
            if !waiting {
                continue;
            }
            let Ok(detail) = console.get_thread(&id).await else { continue };
            let state = detail.thread.state;
            if matches!(state.as_str(), "complete" | "rejected" | "error") {
                let tx = pending.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
                if let Some(tx) = tx {
                    let _ = tx.send(state);
                }
            }
        }
    }
}

/// Sends `total` demo preauths with `concurrency` in flight (closed loop, spread over the
/// desks) and measures each to its finished state.
async fn drive(desks: &Arc<Vec<Desk>>, payer: &str, total: usize, concurrency: usize) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let cpu = cpu_ticks();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for k in 0..concurrency {
        let (desks, next, payer) = (Arc::clone(desks), Arc::clone(&next), payer.to_owned());
        tasks.spawn(async move {
            let desk = &desks[k % desks.len()];
            let mut out = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                out.push(one_cycle(desk, &payer).await);
            }
            out
        });
    }
    let outcomes = tasks.join_all().await.into_iter().flatten().collect();
    summarise("cycles", concurrency, outcomes, started.elapsed(), cpu)
}

async fn one_cycle(desk: &Desk, payer: &str) -> Option<Duration> {
    let t0 = Instant::now();
    let receipt = match desk.console.send_compose(demo_preauth(payer, None)).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "bench preauth not queued");
            return None;
        }
    };
    let (tx, rx) = oneshot::channel();
    desk.pending.lock().unwrap_or_else(PoisonError::into_inner).insert(receipt.correlation_id, tx);
    match tokio::time::timeout(CYCLE_TIMEOUT, rx).await {
        Ok(Ok(state)) if state == "complete" => Some(t0.elapsed()),
        other => {
            tracing::warn!(?other, "bench cycle did not complete");
            None
        }
    }
}

/// The FHIR bundle the consoles send, read back from a finished cycle's first message, so the
/// SDK pattern seals exactly the same bytes' worth.
async fn sample_bundle(console: &Console) -> Result<Vec<u8>, CliError> {
    let threads = console.list_threads(hcx_console::dto::ThreadFilter::default()).await;
    let first = threads.map_err(fail)?.into_iter().next().ok_or_else(|| fail("no cycle ran"))?;
    let detail = console.get_thread_with_fhir(&first.correlation_id).await.map_err(fail)?;
    let fhir = detail
        .timeline
        .into_iter()
        .find_map(|n| (n.direction == "out").then_some(n.fhir).flatten())
        .ok_or_else(|| fail("the sent preauth has no stored payload"))?;
    serde_json::to_vec(&fhir).map_err(fail)
}

/// The Swasth SDKs' send path: a new token, a registry search and a certificate download for
/// every message (their clients cache nothing), then seal and post; done here with a fresh
/// `HcxClient` per send by the sandbox's demo provider.
struct SdkPattern {
    config: hcx_client::GatewayConfig,
    http: reqwest::Client,
    payer: String,
    bundle: Arc<Vec<u8>>,
}

impl SdkPattern {
    fn new(exchange: &LocalExchange, payer: &str, bundle: Vec<u8>) -> Result<Self, CliError> {
        let provider = exchange
            .sandbox
            .participant(DemoKind::Provider)
            .ok_or_else(|| fail("the sandbox runs without its demo provider"))?;
        let mut config = hcx_client::GatewayConfig::new(
            exchange.sandbox.base_url(),
            &provider.participant_code,
            hcx_client::Credentials::Password {
                username: provider.username.clone(),
                password: hcx_client::Secret::new(provider.password.expose()),
            },
        );
        config.roles = provider.roles.iter().filter_map(|r| r.parse().ok()).collect();
        Ok(Self {
            config,
            http: reqwest::Client::new(),
            payer: payer.to_owned(),
            bundle: Arc::new(bundle),
        })
    }

    async fn send_n(&self, total: usize, concurrency: usize) -> Run {
        let next = Arc::new(AtomicUsize::new(0));
        let cpu = cpu_ticks();
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let (next, config, http) = (Arc::clone(&next), self.config.clone(), self.http.clone());
            let (payer, bundle) = (self.payer.clone(), Arc::clone(&self.bundle));
            tasks.spawn(async move {
                let mut out = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    out.push(sdk_send(&config, &http, &payer, &bundle).await);
                }
                out
            });
        }
        let outcomes = tasks.join_all().await.into_iter().flatten().collect();
        summarise("sdk-pattern", concurrency, outcomes, started.elapsed(), cpu)
    }
}

async fn sdk_send(
    config: &hcx_client::GatewayConfig,
    http: &reqwest::Client,
    payer: &str,
    bundle: &[u8],
) -> Option<Duration> {
    let t0 = Instant::now();
    let client = hcx_client::HcxClient::with_http(config.clone(), http.clone()).ok()?;
    let correlation = uuid::Uuid::new_v4().to_string();
    let headers = hcx_protocol::Headers::action(
        &config.participant_code,
        payer,
        &correlation,
        None,
        hcx_protocol::Dialect::Swasth,
    );
    match client.send(hcx_protocol::Action::PreauthSubmit, headers, bundle).await {
        Ok(_) => Some(t0.elapsed()),
        Err(e) => {
            tracing::warn!(error = %e, "SDK-pattern send failed");
            None
        }
    }
}

fn summarise(
    kind: &'static str,
    concurrency: usize,
    outcomes: Vec<Option<Duration>>,
    elapsed: Duration,
    cpu_before: (u64, u64),
) -> Run {
    let (user, system) = cpu_ticks();
    let mut ms: Vec<f64> = outcomes.iter().flatten().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    let completed = ms.len();
    let per = |ticks: u64| {
        // Ticks are 10 ms; the counts are small enough to be exact in f64.
        let ms_total = ticks as f64 * 1e3 / TICKS_PER_SECOND;
        ms_total / completed.max(1) as f64
    };
    let user = per(user.saturating_sub(cpu_before.0));
    let system = per(system.saturating_sub(cpu_before.1));
    let seconds = elapsed.as_secs_f64();
    let per_second = completed as f64 / seconds.max(1e-9);
    Run {
        kind,
        concurrency,
        completed,
        failed: outcomes.len() - completed,
        seconds,
        per_second,
        p50_ms: percentile(&ms, 0.50),
        p99_ms: percentile(&ms, 0.99),
        max_ms: ms.last().copied().unwrap_or(0.0),
        cpu_ms_per_item: user + system,
        user_ms_per_item: user,
        system_ms_per_item: system,
    }
}

/// Nearest-rank percentile of sorted values (0 when empty).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// This process's user and system CPU time so far, in clock ticks (all threads), from
/// `/proc/self/stat` fields 14 and 15; zeros where there is no procfs.
fn cpu_ticks() -> (u64, u64) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return (0, 0) };
    // The command name (field 2) may hold spaces; the fields after its ')' are plain.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let mut fields = rest.split_whitespace().skip(11);
    let mut next = || fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
    (next(), next())
}

fn render(r: &Report) -> String {
    let mut out = format!(
        "hcx bench cycles: {} provider consoles, {} cores, one process (sandbox, payer, bridge, consoles)\n\n",
        r.consoles, r.cores
    );
    out.push_str("| run | in flight | done | failed | per s | p50 ms | p99 ms | max ms | CPU ms/each (user + sys) |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for run in &r.runs {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.2} ({:.2} + {:.2}) |\n",
            run.kind,
            run.concurrency,
            run.completed,
            run.failed,
            run.per_second,
            run.p50_ms,
            run.p99_ms,
            run.max_ms,
            run.cpu_ms_per_item,
            run.user_ms_per_item,
            run.system_ms_per_item,
        ));
    }
    if let Some(ratio) = r.sdk_ratio {
        out.push_str(&format!(
            "\nfull cycles per second ÷ SDK-pattern preauths (send to ack) per second, same concurrency: {ratio:.1}×\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert!((percentile(&v, 0.50) - 50.0).abs() < f64::EPSILON, "p50 of 1..=100 is 50");
        assert!((percentile(&v, 0.99) - 99.0).abs() < f64::EPSILON, "p99 of 1..=100 is 99");
        assert!((percentile(&[7.0], 0.99) - 7.0).abs() < f64::EPSILON, "one value is every rank");
        assert!(percentile(&[], 0.5).abs() < f64::EPSILON, "no values: 0, not a panic");
    }
}
