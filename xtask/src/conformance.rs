//! `cargo xtask conformance [--host local|sandbox|URL] [--record DIR] [--replay DIR] [--check ID]...
//! [--report FORMAT=PATH]... [--list-checks] [--allow-orders] [--allow-load] [--pace PERCENT|off]`: checks a
//! host against the spec with the generated client. Exit 0 only when every selected check passed; 2 on bad
//! input.

use conformance::checks;
use conformance::report;
use conformance::runner::{self, Host, Options};
use std::path::PathBuf;
use std::process::ExitCode;

/// Check a host against the spec with the generated client.
///
/// The host is the embedded emulator by default, the sandbox, any URL, or a recording. On any host but the
/// emulator, checks that place orders need --allow-orders,
/// the quota probe needs --allow-load, and requests are paced under the documented quotas. Every run ends
/// with its load: requests, orders, money, 429s. Exits 1 when a check fails, 2 on bad input.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// `local` (the embedded emulator), `sandbox`, or an http(s) URL
    #[arg(long, default_value = "local", value_parser = Host::parse, conflicts_with = "replay")]
    host: Host,
    /// Serve the cassettes recorded in DIR, without network
    #[arg(long, value_name = "DIR")]
    replay: Option<PathBuf>,
    /// Write one redacted cassette per check into DIR
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Run only this check (repeatable); --list-checks names them
    #[arg(long = "check", value_name = "ID")]
    checks: Vec<String>,
    /// Also write a report: junit, json or markdown (repeatable)
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = report_target)]
    reports: Vec<(report::Format, PathBuf)>,
    /// Print the checks and exit
    #[arg(long)]
    list_checks: bool,
    /// Remote hosts: run the checks that place orders (they spend wallet funds)
    #[arg(long)]
    allow_orders: bool,
    /// Remote hosts: run the checks that exhaust a per-minute quota on purpose
    #[arg(long)]
    allow_load: bool,
    /// Remote hosts: the share of each documented per-minute quota to use, in percent, or `off`
    #[arg(long, value_name = "PERCENT|off", default_value = "50", value_parser = pace)]
    pace: Pace,
    /// The API key for a remote host
    #[arg(long, env = "OCTOPUS_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// The API secret for a remote host
    #[arg(long, env = "OCTOPUS_API_SECRET", hide_env_values = true)]
    api_secret: Option<String>,
    /// A URL host that is a standalone emulator (`cargo xtask sandbox`): its admin token, so checks force
    /// outcomes over its control routes and run in full
    #[arg(long, env = "OCTOPUS_EMULATOR_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct Pace(Option<f64>);

fn pace(v: &str) -> Result<Pace, String> {
    if v == "off" {
        return Ok(Pace(None));
    }
    let percent: f64 =
        v.trim_end_matches('%').parse().map_err(|_| format!("`{v}` is neither a percentage nor `off`"))?;
    conformance::pace::Pacer::new(percent).map(|_| Pace(Some(percent)))
}

fn report_target(v: &str) -> Result<(report::Format, PathBuf), String> {
    let (format, path) = v.split_once('=').ok_or(format!("--report takes FORMAT=PATH, not {v:?}"))?;
    Ok((report::Format::parse(format)?, path.into()))
}

pub fn run(a: Args) -> ExitCode {
    if a.list_checks {
        for c in checks::all() {
            println!("{:<28} {}{}", c.id, c.summary, c.spends.label());
        }
        return ExitCode::SUCCESS;
    }
    let host = match a.replay {
        Some(dir) => Host::Replay(dir),
        None => a.host,
    };
    let credentials = a.api_key.zip(a.api_secret);
    let opts = Options {
        record: a.record,
        checks: a.checks,
        allow_orders: a.allow_orders,
        allow_load: a.allow_load,
        pace_percent: a.pace.0,
        credentials,
        admin_token: a.admin_token,
        ..Options::new(host)
    };
    let reports = a.reports;
    let runtime = match crate::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    let run = runtime.block_on(runner::run(opts, |r| println!("{}", report::progress_line(r))));
    let run = match run {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    println!("\n{}", report::table(&run.report));
    for (format, path) in reports {
        if let Err(e) = std::fs::write(&path, report::render(format, &run.report)) {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    if run.report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
