//! `cargo xtask conformance [--host local|sandbox|URL] [--record DIR] [--replay DIR] [--check ID]...
//! [--report FORMAT=PATH]... [--list-checks] [--allow-orders] [--allow-load] [--pace PERCENT|off]`: checks a
//! host against the spec with the generated client. Exit 0 only when every selected check passed; 2 on bad
//! input.

use conformance::checks;
use conformance::report;
use conformance::runner::{self, Host, Options};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask conformance [--host local|sandbox|URL] [--record DIR] [--replay DIR] \
[--check ID]... [--report junit|json|markdown=PATH]... [--list-checks] [--allow-orders] [--allow-load] \
[--pace PERCENT|off]";

pub fn run(args: &[String]) -> ExitCode {
    let mut opts = Options::new(Host::parse("local").unwrap_or(Host::Sandbox));
    let mut reports: Vec<(String, PathBuf)> = Vec::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
        let parsed: Result<(), String> = match flag.as_str() {
            "--list-checks" => {
                for c in checks::all() {
                    println!("{:<28} {}{}", c.id, c.summary, c.spends.label());
                }
                return ExitCode::SUCCESS;
            }
            "--allow-orders" => {
                opts.allow_orders = true;
                Ok(())
            }
            "--allow-load" => {
                opts.allow_load = true;
                Ok(())
            }
            "--pace" => value().and_then(|v| {
                opts.pace_percent = match v.as_str() {
                    "off" => None,
                    n => Some(
                        n.trim_end_matches('%')
                            .parse()
                            .map_err(|_| format!("--pace takes PERCENT or off, not {v:?}"))?,
                    ),
                };
                opts.pace_percent.map_or(Ok(()), |p| conformance::pace::Pacer::new(p).map(drop))
            }),
            "--host" => value().and_then(|v| Host::parse(&v)).map(|h| opts.host = h),
            "--replay" => value().map(|v| opts.host = Host::Replay(v.into())),
            "--record" => value().map(|v| opts.record = Some(v.into())),
            "--check" => value().map(|v| opts.checks.push(v)),
            "--report" => value().and_then(|v| {
                let (format, path) = v.split_once('=').ok_or(format!("--report takes FORMAT=PATH, not {v:?}"))?;
                report::check_format(format)?;
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
