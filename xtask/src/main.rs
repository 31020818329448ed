//! Project automation, run as `cargo xtask <command>` (see `.cargo/config.toml`).

use xtask::{bench, conformance, decode, fuzz, generate, sandbox, spec_diff, spec_review};

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  generate [--spec PATH] [--out DIR] [--crate-name NAME] [--check]
      Generate a client crate from an OpenAPI 3.0 document (default: spec/octopus.yaml into generated/).
      --check writes nothing and fails, naming every stale file, when the output on disk differs.
  bench [--quick] [--json PATH]
      Measure the pipeline (generation, generated code, compile cost, client overhead, decoding, catalog
      walks, the conformance suite, the emulator under load) against baselines in the same run, in release
      mode. --quick runs fewer rounds and skips compile cost.
  conformance [--host local|sandbox|URL] [--record DIR] [--replay DIR] [--check ID]...
              [--report junit|json|markdown=PATH]... [--list-checks] [--allow-orders] [--allow-load]
              [--pace PERCENT|off]
      Check a host against the spec with the generated client: the embedded emulator by default, the
      sandbox (OCTOPUS_API_KEY, OCTOPUS_API_SECRET), any URL, or a recording. On any host but the
      emulator, checks that place orders need --allow-orders, the quota probe needs --allow-load, and
      requests are paced to PERCENT (default 50) of each documented quota. Every run ends with its load:
      requests, orders, money, 429s. Exits 1 when a check fails, 2 on bad input.
  decode <operation_id> [--status CODE] [--file PATH]
      Decode a response body (stdin by default) with the generated type for that operation and status:
      prints the normalized JSON, or the JSON path and reason of the failure (exit 1).
  fuzz [--seconds N] [--compile N]
      The generator's structure-aware fuzzer, in release mode, for N seconds (default 600), compiling a
      sample of N of the crates it produces (default 200). Fails on a panic, a hang or a crate that does
      not compile.
  sandbox [--port N] [--seed N] [--rate-limits SCALE|off] [--fast]
      Run the embedded emulator until interrupted; first prints OCTOPUS_BASE_URL, OCTOPUS_API_KEY and
      OCTOPUS_API_SECRET lines a shell can source.
  spec-diff --base REF|PATH [--head PATH] [--format text|md|json|github] [--allow-breaking]
      What changed between two versions of the spec, what changed in the generated Rust API, and
      whether it breaks callers. Exits 1 on a breaking change (unless --allow-breaking), 2 on bad input.
  spec-review --base REV [--repo DIR] [--comment PATH] [--annotations PATH] [--approved]
      The review of a spec-change pull request (what .github/workflows/spec-review.yml runs): spec-diff
      against REV as a Markdown comment, the generated-code change, generate --check. Exits 1 when
      generated/ is stale or a breaking change is not approved (--approved, or SPEC_REVIEW_APPROVED=true,
      which the workflow sets from the label breaking-change-approved), 2 on bad input.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    match command.as_str() {
        "generate" => generate::run(rest),
        "spec-diff" => spec_diff::run(rest),
        "spec-review" => spec_review::run(rest),
        "decode" => decode::run(rest),
        "fuzz" => fuzz::run(rest),
        "sandbox" => sandbox::run(rest),
        "conformance" => conformance::run(rest),
        "bench" => bench::run(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("error: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
