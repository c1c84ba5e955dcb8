//! Load benchmark (not a test): durably acknowledged callbacks per second and ack latency.
//!
//! ```text
//! cargo run --release -p hcx-bridge --bin hcx-bridge-bench -- [--n 20000] [--concurrency 64] [--payload-bytes 2048] [--data DIR]
//! ```
//! Starts an embedded bridge (real SQLite file, WAL + synchronous=FULL, real RS256 gateway JWT
//! check) and posts N real JWE callbacks over HTTP on 127.0.0.1 from `concurrency` tasks. Each
//! 202 means "committed and fsynced". Client and server share this machine's cores.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hcx_bridge::{Bridge, BridgeConfig, ParticipantConfig};
use hcx_protocol::{Dialect, Headers, PrivateKey, Status};

const PROVIDER: &str = "1-provider-bench";
const PAYER: &str = "1-payer-bench";

struct Args {
    n: usize,
    concurrency: usize,
    payload_bytes: usize,
    data: Option<std::path::PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args { n: 20_000, concurrency: 64, payload_bytes: 2048, data: None };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let v = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let num = || v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--n" => a.n = num()?,
            "--concurrency" => a.concurrency = num()?.max(1),
            "--payload-bytes" => a.payload_bytes = num()?,
            "--data" => a.data = Some(v.into()),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(a)
}

fn main() -> Result<(), String> {
    let args = parse_args()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(run(args))
}

async fn run(args: Args) -> Result<(), String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let own_dir = args.data.is_none();
    let data = args.data.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("hcx-bridge-bench-{}", std::process::id()))
    });
    let gateway =
        openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).map_err(|x| e(&x))?)
            .map_err(|x| e(&x))?;
    let gw_private = String::from_utf8(gateway.private_key_to_pem_pkcs8().map_err(|x| e(&x))?)
        .map_err(|x| e(&x))?;
    let gw_public =
        String::from_utf8(gateway.public_key_to_pem().map_err(|x| e(&x))?).map_err(|x| e(&x))?;
    let now = chrono::Utc::now().timestamp();
    let jwt =
        hcx_bridge::gateway_jwt::mint(&gw_private, "hcx", now, now + 300).map_err(|x| e(&x))?;

    let mut cfg = BridgeConfig::new(&data);
    cfg.rate_limit = None;
    // Nothing drains this mailbox during the run, so lift the unacked quota.
    cfg.quota = hcx_bridge::MailboxQuota { max_envelopes: u64::MAX, max_bytes: u64::MAX };
    let trust = hcx_bridge::GatewayTrust::new("hcx", &gw_public);
    cfg.participants = vec![ParticipantConfig::new(PROVIDER, "bench-token", Some(trust))];
    let bridge = Bridge::start(cfg).await.map_err(|x| e(&x))?;
    let url = reqwest::Url::parse(&format!("{}/claim/on_submit", bridge.endpoint_url(PROVIDER)))
        .map_err(|x| e(&x))?;

    let key = PrivateKey::generate_rsa(2048).and_then(|k| k.public_key()).map_err(|x| e(&x))?;
    let filler = "x".repeat(args.payload_bytes);
    let payload = format!(r#"{{"resourceType":"Bundle","note":"{filler}"}}"#);
    let mut bodies = Vec::with_capacity(args.n);
    for _ in 0..args.n {
        let req = Headers::action(
            PROVIDER,
            PAYER,
            &uuid::Uuid::new_v4().to_string(),
            None,
            Dialect::Swasth,
        );
        let h = Headers::callback_to(&req, Status::ResponseComplete);
        let compact = hcx_protocol::seal(&h, payload.as_bytes(), &key).map_err(|x| e(&x))?;
        bodies.push(hcx_protocol::payload_body(&compact));
    }
    let body_len = bodies.first().map_or(0, String::len);
    let bodies = Arc::new(bodies);

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|x| e(&x))?;
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = process_cpu_secs();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (http, url, jwt, bodies, next) =
            (http.clone(), url.clone(), jwt.clone(), Arc::clone(&bodies), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut failures = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let t = Instant::now();
                let r = http
                    .post(url.clone())
                    .bearer_auth(&jwt)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().as_u16() == 202 => lat.push(t.elapsed()),
                    _ => failures += 1,
                }
            }
            (lat, failures)
        }));
    }
    let mut lat = Vec::with_capacity(args.n);
    let mut failures = 0;
    for t in tasks {
        let (l, f) = t.await.map_err(|x| e(&x))?;
        lat.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed();
    let cpu = process_cpu_secs().zip(cpu_before).map(|(a, b)| a - b);
    lat.sort();
    let pct = |p: f64| {
        let idx = ((lat.len() as f64 - 1.0) * p).round() as usize;
        lat.get(idx).copied().unwrap_or_default()
    };
    let per_sec = lat.len() as f64 / elapsed.as_secs_f64();
    println!("hcx-bridge-bench: n={} concurrency={} body={} B", args.n, args.concurrency, body_len);
    println!(
        "  durably acked: {} ({} failed) in {:.2} s",
        lat.len(),
        failures,
        elapsed.as_secs_f64()
    );
    println!("  throughput:    {per_sec:.0} callbacks/s");
    println!(
        "  ack latency:   p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    if let Some(cpu) = cpu {
        println!(
            "  CPU used:      {cpu:.2} s ({:.0} µs per callback, client + server), i.e. {:.2} cores busy",
            cpu / args.n as f64 * 1e6,
            cpu / elapsed.as_secs_f64()
        );
    }
    let w = bridge.writer_stats();
    println!(
        "  group commit:  {} commits for {} writes (avg batch {:.1}, avg {:.2} ms per commit incl. fsync)",
        w.commits,
        w.commands,
        w.commands as f64 / w.commits.max(1) as f64,
        w.busy_micros as f64 / w.commits.max(1) as f64 / 1e3
    );
    let pending = bridge.pending(PROVIDER).await.map_err(|x| e(&x))?;
    println!("  stored rows:   {pending}");
    bridge.shutdown().await.map_err(|x| e(&x))?;
    if own_dir {
        let _ = std::fs::remove_dir_all(&data);
    }
    if failures > 0 || pending as usize != args.n {
        return Err(format!("{failures} callbacks failed; {pending} stored of {}", args.n));
    }
    Ok(())
}

/// User + system CPU seconds of this process (Linux `/proc/self/stat`; `None` elsewhere).
fn process_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Clock ticks are 100 Hz on every Linux configuration we run on (USER_HZ).
    Some((utime + stime) / 100.0)
}
