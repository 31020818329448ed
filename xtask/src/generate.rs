//! `cargo xtask generate`: spec → client crate, or a staleness check of one.

use codegen::{CrateOptions, write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Generate a client crate from an OpenAPI 3.0, 3.1 or 3.2 document (default: spec/octopus.yaml into generated/).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The OpenAPI document (3.0, 3.1 or 3.2), YAML or JSON [default: spec/octopus.yaml]
    #[arg(long, value_name = "PATH")]
    spec: Option<PathBuf>,
    /// Where the crate goes (its own Cargo.toml and src/) [default: generated/]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The package name of the generated crate (Cargo's rule: letters, digits, `-`, `_`; not a keyword)
    #[arg(long, value_name = "NAME", default_value = "octopus-client", value_parser = crate_name)]
    crate_name: String,
    /// Write nothing; fail, naming every stale file, when the output on disk differs
    #[arg(long)]
    check: bool,
}

/// A `--crate-name` Cargo would refuse is refused when the command line is read, with Cargo's rule.
fn crate_name(name: &str) -> Result<String, String> {
    codegen::crate_name::validate(name).map(|()| name.to_string())
}

/// How `spec` is generated into `out`: labelled by the spec's file name, and standalone unless `out` is a
/// member of this workspace (a member must not declare its own workspace).
pub fn options(spec: &Path, out: &Path, crate_name: &str) -> CrateOptions {
    let label = spec.file_name().map_or_else(|| spec.display().to_string(), |n| n.to_string_lossy().into_owned());
    CrateOptions { crate_name: crate_name.to_string(), spec_label: label, standalone: !crate::is_workspace_member(out) }
}

pub fn run(a: Args) -> ExitCode {
    let root = crate::root();
    let spec = a.spec.unwrap_or_else(|| root.join("spec/octopus.yaml"));
    let out = a.out.unwrap_or_else(|| root.join("generated"));
    let opts = options(&spec, &out, &a.crate_name);
    let generated = match codegen::generate_file(&spec, &opts) {
        Ok(g) => g,
        Err(diags) => {
            eprintln!("{diags}");
            eprintln!("error: {} problem(s) in {}; nothing was written", diags.errors().count(), spec.display());
            return ExitCode::FAILURE;
        }
    };
    for w in &generated.warnings {
        eprintln!("{w}");
    }
    let t = generated.timings;
    let summary = format!(
        "{} operations, {} types in {:.1} ms (load {:.1}, validate {:.1}, model {:.1}, emit {:.1}, format {:.1})",
        generated.operations,
        generated.types,
        ms(t.total()),
        ms(t.load),
        ms(t.validate),
        ms(t.model),
        ms(t.emit),
        ms(t.format)
    );
    let result = if a.check { write::diff(&out, &generated.files) } else { write::write(&out, &generated.files) };
    let changes = match result {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot access {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
    };
    let out = out.display();
    if a.check {
        if changes.is_empty() {
            println!("{out} is up to date: {summary}");
            return ExitCode::SUCCESS;
        }
        eprintln!("{out} is stale; run `cargo xtask generate` and commit the result:");
        eprint!("{}", listed(&changes, ["missing", "differs", "extra"]));
        return ExitCode::FAILURE;
    }
    if changes.is_empty() {
        println!("{out}: no changes. {summary}");
    } else {
        print!("{}", listed(&changes, ["added", "changed", "removed"]));
        println!(
            "{out}: wrote {} file(s), removed {}. {summary}",
            changes.added.len() + changes.changed.len(),
            changes.removed.len()
        );
    }
    ExitCode::SUCCESS
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One line per file: the added, changed and removed ones, each under its label.
fn listed(changes: &write::Changes, labels: [&str; 3]) -> String {
    let groups = [&changes.added, &changes.changed, &changes.removed];
    groups
        .iter()
        .zip(labels)
        .flat_map(|(files, label)| files.iter().map(move |f| format!("  {label:<8} {f}\n")))
        .collect()
}
