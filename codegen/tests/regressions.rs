//! Every crash or miscompile found so far, as a small fixture in `fixtures/regressions/`: each gives a crate
//! that compiles with warnings denied, or, where its first lines say `# expect: refused POINTER`, a clean
//! refusal placed at that pointer. Never a panic.

mod common;

use codegen::{CrateOptions, generate_file};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

#[test]
fn every_regression_fixture_compiles_or_is_refused_in_place() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/regressions");
    let mut fixtures: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    fixtures.sort();
    assert!(fixtures.len() >= 7, "{fixtures:?}");
    let ws = Path::new(env!("CARGO_TARGET_TMPDIR")).join("regressions");
    let _ = std::fs::remove_dir_all(ws.join("crates"));
    let mut names = Vec::new();
    for path in &fixtures {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap();
        let refused_at = text.lines().find_map(|l| l.strip_prefix("# expect: refused ")).map(str::trim);
        let opts =
            CrateOptions { crate_name: format!("reg-{stem}"), spec_label: "regression.yaml".into(), standalone: false };
        let result = catch_unwind(AssertUnwindSafe(|| generate_file(path, &opts)))
            .unwrap_or_else(|_| panic!("{stem}: the generator panicked"));
        match (result, refused_at) {
            (Ok(g), None) => {
                codegen::write::write(&ws.join("crates").join(&stem), &g.files).unwrap();
                names.push(stem);
            }
            (Err(d), Some(pointer)) => {
                let error = d.errors().find(|e| e.pointer == pointer);
                let error = error.unwrap_or_else(|| panic!("{stem}: no error at {pointer}:\n{d}"));
                assert!(error.line.is_some(), "{stem}: the error has a line: {error}");
            }
            (Ok(_), Some(pointer)) => panic!("{stem}: expected a refusal at {pointer}, got a crate"),
            (Err(d), None) => panic!("{stem}: refused:\n{d}"),
        }
    }
    let failed = common::check_workspace(&ws, &names);
    assert!(failed.is_empty(), "regression crates do not compile: {failed:#?}");
}
