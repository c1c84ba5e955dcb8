//! The `hcx` command-line tool: a thin shell over `hcx-protocol` and the console's use cases.
//! Subcommands live in `src/cli/`, one module each.

#[path = "../cli/mod.rs"]
mod cli;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "hcx", version, about = "HCX participant console tools")]
struct Cli {
    /// The console's data directory (default: the platform's per-user data directory).
    #[arg(long, env = "HCX_DATA", value_name = "DIR")]
    data: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: cli::Command,
}

fn main() {
    let args = Cli::parse();
    let _ = cli::console::DATA_DIR.set(args.data);
    match cli::run(args.command) {
        Ok(out) => {
            if !out.stdout.is_empty() {
                println!("{}", out.stdout);
            }
            if let Some(w) = out.warning {
                eprintln!("hcx: {w}");
            }
            std::process::exit(out.code);
        }
        Err(e) => {
            eprintln!("hcx: {e}");
            std::process::exit(1);
        }
    }
}
