//! `cargo xtask decode <operation_id> [--status CODE] [--file PATH]`: decodes a response body (from a log,
//! say) with the generated type for that operation and status. Prints the normalized JSON and exits 0, or
//! the JSON path and reason of the failure and exits 1; 2 for bad usage.

use std::io::Read;
use std::process::ExitCode;

const USAGE: &str =
    "usage: cargo xtask decode <operation_id> [--status CODE] [--file PATH]   (body on stdin by default)";

pub fn run(args: &[String]) -> ExitCode {
    match decode(args) {
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

fn decode(args: &[String]) -> Result<String, (u8, String)> {
    let usage = |m: String| (2, format!("error: {m}\n{USAGE}"));
    let mut it = args.iter();
    let operation =
        it.next().filter(|a| !a.starts_with("--")).ok_or_else(|| usage("the operation id is missing".into()))?;
    let (mut status, mut file) = (None, None);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| usage(format!("{flag} needs a value")))?;
        match flag.as_str() {
            "--status" => {
                status =
                    Some(value.parse::<u16>().map_err(|_| usage(format!("--status {value} is not a status code")))?)
            }
            "--file" => file = Some(value.clone()),
            other => return Err(usage(format!("unknown option `{other}`"))),
        }
    }
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
