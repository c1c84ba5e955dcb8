//! Crash test: a load client posts N callbacks while the bridge PROCESS is killed with SIGKILL
//! and restarted on the same data directory and port. Every callback that got a 202 must reach
//! a polling console, and the store must hold each api_call_id exactly once.
//!
//! N defaults to 10,000 (`HCX_BRIDGE_CRASH_N` overrides), kills to 4 (`HCX_BRIDGE_CRASH_KILLS`).

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use hcx_bridge::client::{PollerOptions, spawn_poller};
use hcx_bridge::{MailboxClient, MailboxToken};

const PROVIDER: &str = "1-provider-crash";
const TOKEN: &str = "crash-test-mailbox-token-5d1e";
const CONCURRENCY: usize = 32;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Server {
    port: u16,
    data: std::path::PathBuf,
    config: std::path::PathBuf,
    log: std::path::PathBuf,
    child: Option<Child>,
}

impl Server {
    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_hcx-bridge-server"))
            .arg("serve")
            .args(["--port", &self.port.to_string()])
            .arg("--data")
            .arg(&self.data)
            .arg("--config")
            .arg(&self.config)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("the bridge server binary starts");
        self.child = Some(child);
    }

    /// SIGKILL: no graceful shutdown, no flush, no destructor.
    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("SIGKILL the bridge");
            c.wait().expect("reap the killed bridge");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_callbacks_survive_sigkill_and_are_delivered_exactly_once_after_dedupe() {
    let n = env_usize("HCX_BRIDGE_CRASH_N", 10_000);
    let kills = env_usize("HCX_BRIDGE_CRASH_KILLS", 4);
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::new();
    let cert = dir.path().join("gateway.pem");
    std::fs::write(&cert, &gw.cert_pem).unwrap();
    let config = dir.path().join("bridge.toml");
    std::fs::write(
        &config,
        format!(
            "bind_address = \"127.0.0.1\"\nrate_limit_per_second = 0\n\n[[participants]]\n\
             code = \"{PROVIDER}\"\ntoken_sha256 = \"{}\"\ngateway_cert = \"gateway.pem\"\nhcx_code = \"{HCX_CODE}\"\n",
            hcx_bridge::hash_token(TOKEN)
        ),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Server {
        port,
        data: dir.path().join("data"),
        config,
        log: dir.path().join("bridge.log"),
        child: None,
    };
    server.spawn();
    let base = format!("http://127.0.0.1:{port}");
    let url = format!("{base}/p/{PROVIDER}/claim/on_submit");

    let key = participant_key();
    let msgs: Arc<Vec<Msg>> = Arc::new((0..n).map(|_| jwe_callback(&key, PROVIDER)).collect());
    let jwt = Arc::new(gw.jwt());

    // Console side: a poller that records every delivery (duplicates included).
    let delivered: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let client = MailboxClient::new(&base, PROVIDER, MailboxToken::new(TOKEN)).unwrap();
    let opts = PollerOptions {
        wait: Duration::from_secs(5),
        limit: 500,
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(500),
    };
    let sink = Arc::clone(&delivered);
    let poller = spawn_poller(client.clone(), opts, move |env| {
        let sink = Arc::clone(&sink);
        async move {
            *sink.lock().unwrap().entry(env.api_call_id).or_insert(0) += 1;
            Ok::<(), std::convert::Infallible>(())
        }
    });

    // Gateway side: workers post, retrying on connection errors and 5xx with the SAME body
    // (same api_call_id), as the gateway's dispatcher would.
    let next = Arc::new(AtomicUsize::new(0));
    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let refused: Arc<Mutex<Vec<String>>> = Arc::default();
    let retries = Arc::new(AtomicUsize::new(0));
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..CONCURRENCY {
        let (next, msgs, acked, refused, retries, http, url, jwt) = (
            Arc::clone(&next),
            Arc::clone(&msgs),
            Arc::clone(&acked),
            Arc::clone(&refused),
            Arc::clone(&retries),
            http.clone(),
            url.clone(),
            Arc::clone(&jwt),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(m) = msgs.get(i) else { break };
                let deadline = Instant::now() + Duration::from_secs(60);
                let mut redelivered = false;
                loop {
                    let r = http
                        .post(&url)
                        .bearer_auth(jwt.as_str())
                        .header("content-type", "application/json")
                        .body(m.body.clone())
                        .send()
                        .await;
                    match r {
                        Ok(resp) if resp.status().as_u16() == 202 => {
                            acked.lock().unwrap().insert(m.api_call_id.clone());
                            // Every 50th callback is redelivered once more after its 202, as
                            // the gateway does when it lost our answer: it must be deduped.
                            if i % 50 == 0 && !redelivered {
                                redelivered = true;
                                continue;
                            }
                            break;
                        }
                        Ok(resp) if resp.status().is_client_error() => {
                            refused.lock().unwrap().push(format!(
                                "{}: {}",
                                resp.status(),
                                m.api_call_id
                            ));
                            break;
                        }
                        _ if Instant::now() > deadline => break,
                        _ => {
                            retries.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                }
            }
        }));
    }

    // Killer: SIGKILL at evenly spaced points of progress, restart at once on the same port.
    for k in 1..=kills {
        let target = n * k / (kills + 1);
        while acked.lock().unwrap().len() < target && !workers.iter().all(|w| w.is_finished()) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill9();
        tokio::time::sleep(Duration::from_millis(100)).await;
        server.spawn();
    }
    for w in workers {
        w.await.unwrap();
    }
    let load_secs = started.elapsed().as_secs_f64();

    let acked: HashSet<String> = acked.lock().unwrap().clone();
    let wait_until = Instant::now() + Duration::from_secs(60);
    loop {
        let have = delivered.lock().unwrap().keys().filter(|k| acked.contains(*k)).count();
        if have == acked.len() || Instant::now() > wait_until {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    poller.stop().await;

    let delivered = delivered.lock().unwrap().clone();
    let lost: Vec<&String> = acked.iter().filter(|id| !delivered.contains_key(*id)).collect();
    let redeliveries: u32 = delivered.values().map(|c| c - 1).sum();
    let sent: HashSet<&str> = msgs.iter().map(|m| m.api_call_id.as_str()).collect();
    let phantom = delivered.keys().filter(|k| !sent.contains(k.as_str())).count();
    println!(
        "crash test: N={n} kills={kills} acked={} delivered={} lost={} redeliveries={redeliveries} \
         client_retries={} refused={} load_time={load_secs:.1}s",
        acked.len(),
        delivered.len(),
        lost.len(),
        retries.load(Ordering::Relaxed),
        refused.lock().unwrap().len(),
    );

    // Stop the last bridge the hard way too, then inspect the file it left.
    server.kill9();
    let db = rusqlite::Connection::open(server.data.join("bridge.sqlite3")).unwrap();
    let (rows, distinct): (i64, i64) = db
        .query_row("SELECT count(*), count(DISTINCT api_call_id) FROM envelopes", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();

    assert!(
        refused.lock().unwrap().is_empty(),
        "valid callbacks are never refused: {:?}",
        refused.lock().unwrap().first()
    );
    assert!(
        lost.is_empty(),
        "every callback answered 202 must reach the console; lost e.g. {:?}",
        lost.first()
    );
    assert_eq!(acked.len(), n, "with retries every callback is eventually acknowledged");
    assert_eq!(phantom, 0, "the console receives only callbacks that were sent");
    assert_eq!(rows, distinct, "each api_call_id is stored exactly once despite retries");
    assert_eq!(rows as usize, n, "one stored row per callback");
    assert!(
        retries.load(Ordering::Relaxed) > 0,
        "the kills must actually have interrupted the load"
    );
}
