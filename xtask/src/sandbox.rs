//! `cargo xtask sandbox [--port N] [--seed N] [--rate-limits SCALE|off] [--fast] [--admin-token T]
//! [--signing-key K]`: runs the emulator until interrupted. Before it serves it prints four lines a shell can
//! source (`OCTOPUS_BASE_URL`, `OCTOPUS_API_KEY`, `OCTOPUS_API_SECRET`, `OCTOPUS_EMULATOR_ADMIN_TOKEN`).
//! `--fast` shortens the eSIM inline deadline and fulfilment to milliseconds; `--rate-limits off` is for
//! fuzzers that send thousands of requests a minute. The admin token and the JWT signing key are random at
//! every start unless given (better by environment: a command line is visible to every local user).

use conformance::emulator::{Config, Emulator};
use std::process::ExitCode;

/// Run the embedded emulator until interrupted.
///
/// It first prints OCTOPUS_BASE_URL, OCTOPUS_API_KEY, OCTOPUS_API_SECRET and OCTOPUS_EMULATOR_ADMIN_TOKEN
/// lines a shell can source; with the last, `conformance --host URL` forces outcomes and runs every check
/// in full.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The port on 127.0.0.1 (0: any free one)
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The catalog's seed: the same seed gives the same products
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The documented per-minute rate limits times SCALE, or `off`
    #[arg(long, value_name = "SCALE|off", value_parser = rate_limits)]
    rate_limits: Option<RateLimits>,
    /// Millisecond eSIM deadlines and fulfilment instead of the documented seconds
    #[arg(long)]
    fast: bool,
    /// The control routes' admin token instead of a random one
    #[arg(long, env = "OCTOPUS_SANDBOX_ADMIN_TOKEN", hide_env_values = true, value_parser = non_empty)]
    admin_token: Option<String>,
    /// The JWT signing key (its UTF-8 bytes) instead of 32 random bytes
    #[arg(long, env = "OCTOPUS_SANDBOX_SIGNING_KEY", hide_env_values = true, value_parser = non_empty)]
    signing_key: Option<String>,
}

/// A given secret: an empty one would be no secret at all.
fn non_empty(v: &str) -> Result<String, String> {
    if v.is_empty() { Err("must not be empty".into()) } else { Ok(v.to_string()) }
}

#[derive(Debug, Clone, Copy)]
enum RateLimits {
    Off,
    Scale(f64),
}

fn rate_limits(v: &str) -> Result<RateLimits, String> {
    match v {
        "off" => Ok(RateLimits::Off),
        n => n
            .parse::<f64>()
            .ok()
            .filter(|s| *s > 0.0 && s.is_finite())
            .map(RateLimits::Scale)
            .ok_or_else(|| format!("`{v}` is neither a positive scale nor `off`")),
    }
}

pub fn run(a: Args) -> ExitCode {
    let (port, seed) = (a.port, a.seed);
    let mut config = if a.fast { Config::fast() } else { Config::default() };
    config.rate_limit_scale = match a.rate_limits {
        Some(RateLimits::Off) => None,
        Some(RateLimits::Scale(s)) => Some(s),
        None => Config::default().rate_limit_scale,
    };
    config.admin_token = a.admin_token;
    config.signing_key = a.signing_key.map(String::into_bytes);
    let runtime = match crate::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    runtime.block_on(async {
        let emulator = match Emulator::start_on(&format!("127.0.0.1:{port}"), Config { seed, ..config }).await {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: cannot start on 127.0.0.1:{port}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let a = &emulator.accounts[0];
        println!("OCTOPUS_BASE_URL={}", emulator.base_url);
        println!("OCTOPUS_API_KEY={}", a.key);
        println!("OCTOPUS_API_SECRET={}", a.secret);
        println!("OCTOPUS_EMULATOR_ADMIN_TOKEN={}", emulator.admin_token());
        eprintln!("# emulator serving (seed {seed}); control routes under /_emulator/ take the header");
        eprintln!("# X-Emulator-Admin: $OCTOPUS_EMULATOR_ADMIN_TOKEN (see ARCHITECTURE.md); Ctrl-C stops it");
        let _ = tokio::signal::ctrl_c().await;
        ExitCode::SUCCESS
    })
}
