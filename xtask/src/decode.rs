//! `cargo xtask decode <operation_id> [--status CODE] [--file PATH]`: decodes a response body (from a log,
//! say) with the generated type for that operation and status. Prints the normalized JSON and exits 0, or
//! the JSON path and reason of the failure and exits 1; 2 for bad usage.

use std::io::Read;
use std::process::ExitCode;

/// Decode a response body with the generated type for an operation and status.
///
/// The body comes from stdin unless --file names it. Prints the normalized JSON, or the JSON path and reason
/// of the failure (exit 1).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The operationId, such as `get_esim_order`
    operation: String,
    /// The response status [default: the operation's first success status]
    #[arg(long)]
    status: Option<u16>,
    /// Read the body from this file instead of stdin
    #[arg(long, value_name = "PATH")]
    file: Option<String>,
}

pub fn run(a: Args) -> ExitCode {
    match decode(a) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err((code, message)) => {
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}

fn decode(a: Args) -> Result<String, (u8, String)> {
    let usage = |m: String| (2, format!("error: {m}"));
    let (operation, status, file) = (a.operation.as_str(), a.status, a.file);
    let Some(info) = octopus_client::OPERATIONS.iter().find(|o| o.id == operation) else {
        let known: Vec<&str> = octopus_client::OPERATIONS.iter().map(|o| o.id).collect();
        return Err(usage(format!("unknown operation `{operation}`; known: {}", known.join(", "))));
    };
    let status = status.unwrap_or(info.success_status);
    let mut body = Vec::new();
    match &file {
        Some(path) => body = std::fs::read(path).map_err(|e| (2, format!("error: cannot read {path}: {e}")))?,
        None => {
            std::io::stdin().read_to_end(&mut body).map_err(|e| (2, format!("error: cannot read stdin: {e}")))?;
        }
    }
    match octopus_client::operations::decode_response(operation, status, &body) {
        None => Err(usage(format!("unknown operation `{operation}`"))),
        Some(Ok(v)) => Ok(serde_json::to_string_pretty(&v).unwrap_or_default()),
        Some(Err(e)) => Err((1, format!("{operation} {status}: does not decode at `{}`: {}", e.path, e.message))),
    }
}
