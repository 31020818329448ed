//! `cargo xtask sandbox [--port N] [--seed N] [--rate-limits SCALE|off] [--fast]`: runs the emulator until
//! interrupted. Before it serves it prints three lines a shell can source (`OCTOPUS_BASE_URL`,
//! `OCTOPUS_API_KEY`, `OCTOPUS_API_SECRET`). `--fast` shortens the eSIM inline deadline and fulfilment to
//! milliseconds; `--rate-limits off` is for fuzzers that send thousands of requests a minute.

use conformance::emulator::{Config, Emulator};
use std::process::ExitCode;

pub fn run(args: &[String]) -> ExitCode {
    let usage = "usage: cargo xtask sandbox [--port N] [--seed N] [--rate-limits SCALE|off] [--fast]";
    let (mut port, mut seed) = (0u16, 1u64);
    let mut config = Config::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--fast" {
            config = Config { rate_limit_scale: config.rate_limit_scale, ..Config::fast() };
            continue;
        }
        let value = it.next().map(String::as_str).unwrap_or("");
        let parsed = match flag.as_str() {
            "--port" => value.parse().map(|p| port = p).is_ok(),
            "--seed" => value.parse().map(|s| seed = s).is_ok(),
            "--rate-limits" if value == "off" => {
                config.rate_limit_scale = None;
                true
            }
            "--rate-limits" => {
                value.parse::<f64>().ok().filter(|s| *s > 0.0).map(|s| config.rate_limit_scale = Some(s)).is_some()
            }
            _ => false,
        };
        if !parsed {
            eprintln!("error: bad option `{flag} {value}`\n{usage}");
            return ExitCode::from(2);
        }
    }
    let runtime = match crate::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    runtime.block_on(async {
        let emulator = match Emulator::start_on(&format!("127.0.0.1:{port}"), Config { seed, ..config }).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: cannot listen on 127.0.0.1:{port}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let a = &emulator.accounts[0];
        println!("OCTOPUS_BASE_URL={}", emulator.base_url);
        println!("OCTOPUS_API_KEY={}", a.key);
        println!("OCTOPUS_API_SECRET={}", a.secret);
        eprintln!("# emulator serving (seed {seed}); control routes under /_emulator/ take the header");
        eprintln!("# X-Emulator-Admin: {}  (see ARCHITECTURE.md); Ctrl-C stops it", emulator.admin_token());
        let _ = tokio::signal::ctrl_c().await;
        ExitCode::SUCCESS
    })
}
