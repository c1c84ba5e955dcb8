//! `hcx inspect [--key PRIVATE_KEY_PEM] FILE|-`: one JSON object
//! `{"protected", "payload", "alg", "errors"}`. Exit 0 when `errors` is empty, 2 otherwise
//! (the JSON is still printed), 1 when the input is not a message at all.

use std::path::PathBuf;

use hcx_protocol::inspect::inspect;
use hcx_protocol::jwe::PrivateKey;

use super::{CliError, Output, read_input};

/// Arguments of `hcx inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// PEM private key (PKCS#8 or PKCS#1) to decrypt the payload with.
    #[arg(long, value_name = "PRIVATE_KEY_PEM")]
    pub key: Option<PathBuf>,
    /// Compact JWE, `{"payload": …}` body, flattened JWE JSON or plain-JSON message; "-" for stdin.
    #[arg(value_name = "FILE|-")]
    pub input: PathBuf,
}

/// Run it.
pub fn run(args: &InspectArgs) -> Result<Output, CliError> {
    let key = match &args.key {
        // The key is read into memory only; it is never echoed (PrivateKey's Debug is redacted).
        Some(path) => Some(
            PrivateKey::from_pem(&read_input(path)?)
                .map_err(|e| CliError::Input(format!("{}: {e}", path.display())))?,
        ),
        None => None,
    };
    let input = read_input(&args.input)?;
    let report = inspect(&input, key.as_ref()).map_err(|e| CliError::Input(e.to_string()))?;
    let warning = report.errors.first().cloned();
    let code = if report.errors.is_empty() { 0 } else { 2 };
    Ok(Output { stdout: report.to_json_string(), warning, code })
}
