//! Stand-alone bridge process.
//!
//! ```text
//! hcx-bridge-server serve --port N --data DIR --config FILE
//! hcx-bridge-server new-token            # prints a fresh token and its sha256
//! hcx-bridge-server hash-token < token   # prints sha256 of the token read from stdin
//! ```
//! The console's `hcx bridge serve` calls the same [`hcx_bridge::serve_cli`].

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:\n  hcx-bridge-server serve --port N --data DIR --config FILE\n  \
                     hcx-bridge-server new-token\n  hcx-bridge-server hash-token   (token on stdin)";

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("new-token") => match hcx_bridge::generate_token() {
            Ok(t) => {
                println!("token:        {}", t.expose());
                println!("token_sha256: {}", t.hash().to_hex());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        },
        Some("hash-token") => {
            let mut line = String::new();
            if std::io::stdin().lock().read_line(&mut line).is_err() || line.trim().is_empty() {
                return fail("expected the token on stdin");
            }
            println!("{}", hcx_bridge::hash_token(line.trim()));
            ExitCode::SUCCESS
        }
        _ => fail(USAGE),
    }
}

fn serve(args: &[String]) -> ExitCode {
    let mut port = None;
    let mut data = None;
    let mut config = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next();
        match (flag.as_str(), value) {
            ("--port", Some(v)) => port = v.parse::<u16>().ok(),
            ("--data", Some(v)) => data = Some(PathBuf::from(v)),
            ("--config", Some(v)) => config = Some(PathBuf::from(v)),
            _ => return fail(USAGE),
        }
    }
    let (Some(port), Some(data), Some(config)) = (port, data, config) else {
        return fail(USAGE);
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("tokio runtime: {e}")),
    };
    match rt.block_on(hcx_bridge::serve_cli(port, data, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("{msg}");
    ExitCode::FAILURE
}
