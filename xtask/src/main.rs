//! Project automation, run as `cargo xtask <command>` (see `.cargo/config.toml`).

mod generate;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  generate [--spec PATH] [--out DIR] [--crate-name NAME] [--check]
      Generate a client crate from an OpenAPI 3.0 document (default: spec/octopus.yaml into generated/).
      --check writes nothing and fails, naming every stale file, when the output on disk differs.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    match command.as_str() {
        "generate" => generate::run(rest),
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

/// The workspace root: xtask lives one level below it.
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_path_buf()
}
