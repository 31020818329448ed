//! `cargo xtask fuzz [--seconds N] [--compile N]`: the generator's structure-aware fuzzer
//! (`codegen/tests/fuzz_structure.rs`) for longer than `cargo test` gives it, in release mode. It prints the
//! documents produced, how many generated, were refused or panicked, and how many of the crates compiled.

use std::process::{Command, ExitCode};

/// Run the generator's structure-aware fuzzer longer than `cargo test` does, in release mode.
///
/// Fails on a panic, a hang or a generated crate that does not compile.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Seconds of generation
    #[arg(long, default_value_t = 600)]
    seconds: u64,
    /// How many of the generated crates to compile
    #[arg(long, default_value_t = 200)]
    compile: usize,
}

pub fn run(a: Args) -> ExitCode {
    let (seconds, compile) = (a.seconds, a.compile);
    let cargo = crate::cargo();
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
