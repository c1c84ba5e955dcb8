//! `hcx seal --cert CERT_PEM --headers HEADERS_JSON PAYLOAD_JSON`: encrypt for the recipient
//! and print the `{"payload": "<compact JWE>"}` body.

use std::path::PathBuf;

use hcx_protocol::inspect::seal_body;
use hcx_protocol::jwe::KeyAlg;

use super::{CliError, Output, read_input};

/// Arguments of `hcx seal`.
#[derive(Debug, clap::Args)]
pub struct SealArgs {
    /// Recipient's encryption certificate (or public key) PEM.
    #[arg(long, value_name = "CERT_PEM")]
    pub cert: PathBuf,
    /// JSON object of protocol headers (`x-hcx-*`).
    #[arg(long, value_name = "HEADERS_JSON")]
    pub headers: PathBuf,
    /// Key management algorithm; RSA-OAEP only to imitate old SDKs.
    #[arg(long, default_value = "RSA-OAEP-256", value_parser = ["RSA-OAEP-256", "RSA-OAEP"])]
    pub alg: String,
    /// The JSON payload (FHIR bundle); "-" for stdin.
    #[arg(value_name = "PAYLOAD_JSON")]
    pub payload: PathBuf,
}

/// Run it.
pub fn run(args: &SealArgs) -> Result<Output, CliError> {
    let alg = KeyAlg::parse(&args.alg).map_err(|e| CliError::Input(e.to_string()))?;
    let cert = read_input(&args.cert)?;
    let headers = read_input(&args.headers)?;
    let payload = read_input(&args.payload)?;
    let body =
        seal_body(&headers, &payload, &cert, alg).map_err(|e| CliError::Input(e.to_string()))?;
    Ok(Output { stdout: body, warning: None, code: 0 })
}
