//! Generated crates compile with any one module's feature alone, and with none: a gating mistake (a type that
//! a module needs but that is gated to another, an import left unused) fails here. Runs on the committed
//! fixture crate (tags `things`, `type`, and untagged operations) and on the Octopus client (its `auth`
//! module turned on by every other, and `webhooks`). A module's code is really gone when its feature is off:
//! a caller that names it must not compile.

mod common;

use std::path::{Path, PathBuf};

/// A generated crate under test: its package name, its directory, and its per-module features (`full`'s).
struct Crate {
    name: &'static str,
    dir: PathBuf,
    modules: Vec<String>,
}

fn generated_crate(name: &'static str, dir: &str) -> Crate {
    let dir = std::path::absolute(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)).unwrap();
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let doc: toml_edit::DocumentMut = manifest.parse().unwrap();
    let full = doc["features"]["full"].as_array().expect("a `full` feature");
    let modules = full.iter().map(|v| v.as_str().unwrap().to_string()).collect();
    Crate { name, dir, modules }
}

/// The path a caller names to reach what feature `module` compiles.
fn path_of(krate: &Crate, module: &str) -> String {
    let root = krate.name.replace('-', "_");
    if module == codegen::gating::WEBHOOKS && !krate.dir.join(format!("src/operations/{module}.rs")).exists() {
        format!("{root}::webhook")
    } else {
        format!("{root}::operations::{module}")
    }
}

/// One caller crate: `krate` with `features` (and `rustls`, so the TLS stack is built once for every case),
/// whose library names each of `uses`.
fn caller(ws: &Path, member: &str, krate: &Crate, features: &[&str], uses: &[String]) {
    let mut all = vec!["\"rustls\"".to_string()];
    all.extend(features.iter().map(|f| format!("{f:?}")));
    let dependency = format!(
        "{} = {{ path = {:?}, default-features = false, features = [{}] }}\n",
        krate.name,
        krate.dir.display().to_string(),
        all.join(", ")
    );
    let lib: String = uses.iter().enumerate().map(|(i, u)| format!("pub use {u} as used_{i};\n")).collect();
    let root = krate.name.replace('-', "_");
    common::write_library(ws, member, &dependency, &format!("pub use {root}::Client;\n{lib}"));
}

#[test]
fn each_module_alone_and_none_compile_and_an_off_module_is_gone() {
    let crates =
        [generated_crate("fixture-client", "tests/fixture-client"), generated_crate("octopus-client", "../generated")];
    let ws = Path::new(env!("CARGO_TARGET_TMPDIR")).join("feature-gating");
    let _ = std::fs::remove_dir_all(ws.join("crates"));
    // (member, should compile)
    let mut cases: Vec<(String, bool)> = Vec::new();
    for krate in &crates {
        assert!(krate.modules.len() >= 3, "{} has too few modules to test gating: {:?}", krate.name, krate.modules);
        let none = format!("{}-none", krate.name);
        caller(&ws, &none, krate, &[], &[]);
        cases.push((none, true));
        for module in &krate.modules {
            let member = format!("{}-{}", krate.name, module.replace('_', "-"));
            caller(&ws, &member, krate, &[module], &[path_of(krate, module)]);
            cases.push((member, true));
        }
        // Only the first module on, naming the last: must not compile.
        let (first, last) = (&krate.modules[0], krate.modules.last().unwrap());
        let member = format!("{}-off", krate.name);
        caller(&ws, &member, krate, &[first], &[path_of(krate, last)]);
        cases.push((member, false));
    }
    let members: Vec<String> = cases.iter().map(|(m, _)| format!("\"crates/{m}\"")).collect();
    std::fs::write(
        ws.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", members.join(", ")),
    )
    .unwrap();

    let mut wrong = Vec::new();
    // One `cargo check` per member: a workspace build would unify the members' features.
    for (member, should_compile) in &cases {
        let out = common::nested_cargo(&ws, &["check", "--quiet", "--message-format", "short", "-p", member]);
        if out.status.success() != *should_compile {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let head: Vec<&str> = stderr.lines().take(12).collect();
            let expected = if *should_compile { "compile" } else { "fail to compile" };
            wrong.push(format!("{member} should {expected}:\n{}", head.join("\n")));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// Tags named like the crate's own features get modules (and features) of their own; untagged operations
/// share `untagged`; `full` lists every module; a module that an operation's login needs is turned on by it.
#[test]
fn tags_never_take_the_crates_own_feature_names() {
    let mut paths = String::new();
    for (i, tag) in ["full", "default", "tracing", "decode", "rustls", "cache", ""].iter().enumerate() {
        let tags = if tag.is_empty() { String::new() } else { format!("tags: [{tag}], ") };
        paths.push_str(&format!(
            "  /p{i}:\n    get: {{ operationId: op{i}, {tags}responses: {{ '200': {{ description: ok }} }} }}\n"
        ));
    }
    let text = format!("openapi: 3.0.3\ninfo: {{ title: t, version: '1' }}\npaths:\n{paths}");
    let opts = codegen::CrateOptions { crate_name: "t".into(), spec_label: "t.yaml".into(), standalone: true };
    let g = codegen::generate_str("t.yaml", text, &opts).unwrap_or_else(|d| panic!("{d}"));
    let doc: toml_edit::DocumentMut = g.files["Cargo.toml"].parse().unwrap();
    let features = doc["features"].as_table().unwrap();
    let full: Vec<&str> = features["full"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let modules = ["cache_api", "decode_api", "default_api", "full_api", "rustls_api", "tracing_api", "untagged"];
    assert_eq!(full, modules);
    for m in modules {
        assert!(features.contains_key(m), "no feature {m}");
        assert!(g.files.contains_key(&format!("src/operations/{m}.rs")), "no module {m}");
    }
    assert_eq!(
        features["default"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect::<Vec<_>>(),
        ["rustls", "full"]
    );
}
