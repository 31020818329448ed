//! Generation speed, in process, release build: median of N runs per spec, split by stage.
//! Run with `cargo bench -p codegen`. Against progenitor, measured in the same run: `cargo xtask bench
//! --against progenitor`.

use codegen::{CrateOptions, Timings, generate_str};
use std::time::Duration;

const RUNS: usize = 15;

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace").to_path_buf();
    let cases = [
        ("spec/octopus.yaml", root.join("spec/octopus.yaml"), 15.0),
        ("shared/specs/nexus.json", root.join("../shared/specs/nexus.json"), 37.0),
    ];
    println!(
        "{:<26} {:>9} {:>7} {:>9} {:>7} {:>7} {:>7} {:>8}",
        "spec", "median ms", "load", "validate", "model", "emit", "format", "target"
    );
    for (label, path, target) in cases {
        let Ok(text) = std::fs::read_to_string(&path) else {
            println!("{label:<26} skipped: {} not found", path.display());
            continue;
        };
        let opts = CrateOptions { crate_name: "bench".into(), spec_label: label.into(), standalone: true };
        let mut runs: Vec<Timings> =
            (0..RUNS).map(|_| generate_str(label, text.clone(), &opts).expect("spec generates").timings).collect();
        runs.sort_by_key(|t| t.total());
        let m = runs[RUNS / 2];
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{label:<26} {:>9.2} {:>7.2} {:>9.2} {:>7.2} {:>7.2} {:>7.2} {:>8}",
            ms(m.total()),
            ms(m.load),
            ms(m.validate),
            ms(m.model),
            ms(m.emit),
            ms(m.format),
            format!("<{target}"),
        );
    }
}
