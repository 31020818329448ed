//! Project automation, run as `cargo xtask <command>` (see `.cargo/config.toml`). `cargo xtask help` and
//! `cargo xtask <command> --help` describe every command and flag.

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use xtask::{bench, bump, conformance, corpus, decode, fuzz, generate, sandbox, spec_diff, spec_review};

/// Automation for the Octopus Cards client toolkit: generate the client, check a host against the spec,
/// review spec changes, run the emulator, measure.
#[derive(Parser, Debug)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum Command {
    Generate(generate::Args),
    Conformance(conformance::Args),
    SpecDiff(spec_diff::Args),
    SpecReview(spec_review::Args),
    Bump(bump::Args),
    Sandbox(sandbox::Args),
    Decode(decode::Args),
    Bench(bench::Args),
    Fuzz(fuzz::Args),
    Corpus(corpus::Args),
}

fn main() -> ExitCode {
    // Usage errors exit with 2, `--help` with 0 (clap's own convention, and ours).
    let cli = Cli::parse();
    match cli.command {
        Command::Generate(a) => generate::run(a),
        Command::Conformance(a) => conformance::run(a),
        Command::SpecDiff(a) => spec_diff::run(a),
        Command::SpecReview(a) => spec_review::run(a),
        Command::Bump(a) => bump::run(a),
        Command::Sandbox(a) => sandbox::run(a),
        Command::Decode(a) => decode::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Fuzz(a) => fuzz::run(a),
        Command::Corpus(a) => corpus::run(a),
    }
}
