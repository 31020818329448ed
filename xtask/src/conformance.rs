//! `cargo xtask conformance [--host local|sandbox|URL] [--record DIR] [--replay DIR] [--check ID]...
//! [--report FORMAT=PATH]... [--list-checks] [--allow-orders]`: checks a host against the spec with the
//! generated client. Exit 0 only when every selected check passed; 2 on bad input.

use conformance::checks;
use conformance::report;
use conformance::runner::{self, Host, Options};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask conformance [--host local|sandbox|URL] [--record DIR] [--replay DIR] \
[--check ID]... [--report junit|json|markdown=PATH]... [--list-checks] [--allow-orders]";

pub fn run(args: &[String]) -> ExitCode {
    let mut opts = Options {
        host: Host::parse("local").unwrap_or(Host::Sandbox),
        record: None,
        checks: Vec::new(),
        allow_orders: false,
    };
    let mut reports: Vec<(String, PathBuf)> = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
        let parsed: Result<(), String> = match flag.as_str() {
            "--list-checks" => {
                for c in checks::all() {
                    let orders = if c.places_orders { " [places orders]" } else { "" };
                    println!("{:<28} {}{orders}", c.id, c.summary);
                }
                return ExitCode::SUCCESS;
            }
            "--allow-orders" => {
                opts.allow_orders = true;
                Ok(())
            }
            "--host" => value().and_then(|v| Host::parse(&v)).map(|h| opts.host = h),
            "--replay" => value().map(|v| opts.host = Host::Replay(v.into())),
            "--record" => value().map(|v| opts.record = Some(v.into())),
            "--check" => value().map(|v| opts.checks.push(v)),
            "--report" => value().and_then(|v| {
                let (format, path) = v.split_once('=').ok_or(format!("--report takes FORMAT=PATH, not {v:?}"))?;
                report::render(format, &runner::Report { host: String::new(), results: Vec::new(), seconds: 0.0 })?;
                reports.push((format.to_string(), path.into()));
                Ok(())
            }),
            other => Err(format!("unknown option {other:?}")),
        };
        if let Err(e) = parsed {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
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
        let written = report::render(&format, &run.report)
            .and_then(|text| std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display())));
        if let Err(e) = written {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    if run.report.passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
