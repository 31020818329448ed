//! Regenerates a crate without `xtask`, which links the generated client and so cannot build while a runtime
//! change has left that client behind: `cargo run -p codegen --bin bootstrap -- SPEC OUT CRATE_NAME`.
//! `cargo xtask generate` stays the way to generate; this is the way out of that loop.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [spec, out, name] = args.as_slice() else {
        eprintln!("usage: cargo run -p codegen --bin bootstrap -- SPEC OUT CRATE_NAME");
        return ExitCode::FAILURE;
    };
    let label = Path::new(spec).file_name().map_or_else(|| spec.clone(), |n| n.to_string_lossy().into_owned());
    let opts = codegen::CrateOptions { crate_name: name.clone(), spec_label: label, standalone: false };
    match codegen::generate_file(Path::new(spec), &opts) {
        Ok(g) => match codegen::write::write(Path::new(out), &g.files) {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write {out}: {e}");
                ExitCode::FAILURE
            }
        },
        Err(diags) => {
            eprintln!("{diags}");
            ExitCode::FAILURE
        }
    }
}
