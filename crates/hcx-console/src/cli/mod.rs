//! Subcommands of the `hcx` tool. One module per subcommand; each parses its own arguments
//! and returns the text to print. Protocol logic stays in `hcx-protocol`.

pub mod audit;
pub mod bench_cycles;
pub mod console;
pub mod inspect;
pub mod onboard;
pub mod seal;
pub mod serve_ui;

use std::io::Read as _;
use std::path::Path;

/// Every subcommand. Add new ones as new variants with their own module.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Decode a JWE or an HCX message body (and decrypt it with --key).
    Inspect(inspect::InspectArgs),
    /// Encrypt a payload for a recipient and print the `{"payload": …}` body.
    Seal(seal::SealArgs),
    /// Serve the UI to a browser over loopback HTTP, on the real console (development, tests).
    ServeUi(serve_ui::ServeUiArgs),
    /// Load benchmarks on the real parts (`hcx bench cycles`).
    Bench {
        /// Which benchmark.
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Profiles, keys, sending, threads, `run`, `demo`, sandbox, bridge and FHIR tools.
    #[command(flatten)]
    Console(console::ConsoleCommand),
}

/// `hcx bench …`: one module each.
#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Full preauth cycles through the embedded sandbox, payer and bridge into N consoles'
    /// stores, beside the Swasth SDKs' send pattern; prints cycles/s, p50/p99 and CPU.
    Cycles(bench_cycles::CyclesArgs),
}

/// What a subcommand produced: text for stdout and the process exit code.
#[derive(Debug)]
pub struct Output {
    /// Printed to stdout.
    pub stdout: String,
    /// One-line warning for stderr, if any.
    pub warning: Option<String>,
    /// Process exit code.
    pub code: i32,
}

/// A failure that stops the command: printed as one line, exit code 1.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The path ("-" for stdin).
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// The input was rejected.
    #[error("{0}")]
    Input(String),
}

/// Run a subcommand.
pub fn run(command: Command) -> Result<Output, CliError> {
    match command {
        Command::Inspect(args) => inspect::run(&args),
        Command::Seal(args) => seal::run(&args),
        Command::ServeUi(args) => serve_ui::run(&args),
        Command::Bench { command: BenchCommand::Cycles(args) } => bench_cycles::run(&args),
        Command::Console(command) => console::run(command),
    }
}

/// Read a file, or stdin for "-".
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>, CliError> {
    let shown = path.display().to_string();
    if shown == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| CliError::Read { path: shown, reason: e.to_string() })?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| CliError::Read { path: shown, reason: e.to_string() })
}
