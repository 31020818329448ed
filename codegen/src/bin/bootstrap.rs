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
    if let Err(e) = codegen::crate_name::validate(name) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let label = Path::new(spec).file_name().map_or_else(|| spec.clone(), |n| n.to_string_lossy().into_owned());
    let opts = codegen::CrateOptions { crate_name: name.clone(), spec_label: label, standalone: false };
    let g = match codegen::generate_file(Path::new(spec), &opts) {
        Ok(g) => g,
        Err(diags) => {
            eprintln!("{diags}");
            return ExitCode::FAILURE;
        }
    };
    for w in &g.warnings {
        eprintln!("{w}");
    }
    match codegen::write::write(Path::new(out), &g.files) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write {out}: {e}");
            ExitCode::FAILURE
        }
    }
}
