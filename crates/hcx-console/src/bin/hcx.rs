//! The `hcx` command-line tool: a thin shell over `hcx-protocol` (and later the console's use
//! cases). Subcommands live in `src/cli/`, one module each.

#[path = "../cli/mod.rs"]
mod cli;

use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "hcx", version, about = "HCX participant console tools")]
struct Cli {
    #[command(subcommand)]
    command: cli::Command,
}

fn main() {
    let args = Cli::parse();
    match cli::run(args.command) {
        Ok(out) => {
            println!("{}", out.stdout);
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
