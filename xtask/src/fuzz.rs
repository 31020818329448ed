//! `cargo xtask fuzz [--seconds N] [--compile N]`: the generator's structure-aware fuzzer
//! (`codegen/tests/fuzz_structure.rs`) for longer than `cargo test` gives it, in release mode. It prints the
//! documents produced, how many generated, were refused or panicked, and how many of the crates compiled.

use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask fuzz [--seconds N] [--compile N]";

pub fn run(args: &[String]) -> ExitCode {
    let (mut seconds, mut compile) = (600u64, 200usize);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().map(String::as_str).unwrap_or("");
        let parsed = match flag.as_str() {
            "--seconds" => value.parse().map(|v| seconds = v).is_ok(),
            "--compile" => value.parse().map(|v| compile = v).is_ok(),
            _ => false,
        };
        if !parsed {
            eprintln!("error: bad option `{flag} {value}`\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["test", "--release", "-p", "codegen", "--test", "fuzz_structure", "--", "--nocapture"])
        .env("FUZZ_SECONDS", seconds.to_string())
        .env("FUZZ_COMPILE", compile.to_string())
        .current_dir(crate::root())
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            ExitCode::from(2)
        }
    }
}
