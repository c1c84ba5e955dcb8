//! `hcx serve-ui`: the console's UI in a plain browser, over the command table's HTTP
//! transport (`hcx_console::serve_ui`), on the data directory's embedded sandbox. A
//! development and test tool; the desktop app keeps Tauri IPC.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use hcx_console::embedded::EmbeddedOptions;
use hcx_console::surface::Host;
use hcx_console::{Console, ConsoleOptions};

use super::console::{app_id, data_dir, fail, init_tracing, runtime};
use super::{CliError, Output};

/// Arguments of `hcx serve-ui`.
#[derive(Debug, clap::Args)]
pub struct ServeUiArgs {
    /// Port to listen on (0: any free port; the URL printed names it).
    #[arg(long, default_value_t = 1430)]
    port: u16,
    /// Address to listen on; only loopback addresses are accepted.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// The console's data directory (as the global --data).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// The built UI (default: ui/dist of the repository this binary was built from).
    #[arg(long, value_name = "DIR")]
    dist: Option<PathBuf>,
    /// Short delays for the embedded sandbox's scripted counterparties and the outbox (tests).
    #[arg(long)]
    fast: bool,
}

/// Serves until Ctrl-C or SIGTERM, then stops the background loops and the embedded exchange.
pub fn run(args: &ServeUiArgs) -> Result<Output, CliError> {
    init_tracing("warn,hcx=info,hcx_console=info,hcx_bridge=warn,hcx_sandbox=warn");
    let addr = SocketAddr::new(args.host, args.port);
    // Refused before anything is opened or created.
    hcx_console::serve_ui::check_loopback(addr).map_err(fail)?;
    let mut options = ConsoleOptions::new(args.data.clone().unwrap_or_else(data_dir));
    options.app_id = app_id();
    if args.fast {
        options.outbox_poll = Duration::from_millis(100);
    }
    let dist = args
        .dist
        .clone()
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/dist")));
    let embedded = EmbeddedOptions { fast: args.fast };
    runtime()?.block_on(async move {
        let host = Host::new(Console::open(options).map_err(fail)?);
        let (server, sink) =
            hcx_console::serve_ui::start(host.clone(), addr, &dist).await.map_err(fail)?;
        host.start(embedded, sink).await;
        // One line a script can wait for and parse; flushed at once, stdout may be a pipe.
        println!("serve-ui: {}", server.url());
        let _ = std::io::stdout().flush();
        stopped().await;
        server.stop().await;
        host.shutdown().await;
        Ok::<_, CliError>(())
    })?;
    Ok(Output { stdout: String::new(), warning: None, code: 0 })
}

/// Ctrl-C, or SIGTERM (how test harnesses and service managers stop it).
async fn stopped() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
