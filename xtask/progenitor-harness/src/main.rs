//! Times progenitor 0.15.1 and our generator on the same documents in one process, round after round in
//! turn, and writes each one's last output for the compile figures. Usage:
//! `progenitor-harness ROUNDS OUT_DIR NAME=SPEC...`; prints one JSON object per document. A document either
//! generator refuses is reported (`ours_error`, `progenitor_error`), not fatal: the corpus has many.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds: usize = args[0].parse().expect("ROUNDS");
    let out = Path::new(&args[1]);
    for pair in &args[2..] {
        let (name, spec) = pair.split_once('=').expect("NAME=SPEC");
        let text = std::fs::read_to_string(spec).expect("the spec reads");
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let (mut our_files, mut our_error, mut their_text, mut their_error) = (None, None, None, None);
        for _ in 0..rounds {
            let t = Instant::now();
            let opts = codegen::CrateOptions {
                crate_name: format!("ours-{name}"),
                spec_label: name.to_string(),
                standalone: true,
            };
            match codegen::generate_str(name, text.clone(), &opts) {
                Ok(g) => our_files = Some(g.files),
                Err(d) => our_error = Some(d.to_string()),
            }
            ours.push(t.elapsed());
            let t = Instant::now();
            // Progenitor's panics are results here, not noise: silenced for its call only.
            let hook = std::panic::take_hook();
            std::panic::set_hook(Box::new(|_| {}));
            let outcome = catch_unwind(AssertUnwindSafe(|| progenitor(&text, spec.ends_with(".json"))));
            std::panic::set_hook(hook);
            match outcome {
                Ok(Ok(code)) => their_text = Some(code),
                Ok(Err(e)) => their_error = Some(e),
                Err(panic) => {
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    their_error = Some(format!("panicked: {message}"));
                }
            }
            theirs.push(t.elapsed());
            if their_error.is_some() || our_error.is_some() {
                break;
            }
        }
        let dir = out.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        if let Some(files) = &our_files {
            codegen::write::write(&dir.join("ours"), files).expect("our crate is written");
        }
        if let Some(code) = &their_text {
            let krate = dir.join("progenitor");
            std::fs::create_dir_all(krate.join("src")).unwrap();
            std::fs::write(krate.join("src/lib.rs"), code).unwrap();
            std::fs::write(krate.join("Cargo.toml"), manifest(&format!("progenitor-{name}"))).unwrap();
        }
        let line = serde_json::json!({
            "name": name,
            "ours_ms": median_ms(ours),
            "ours_error": our_error,
            "progenitor_ms": their_error.is_none().then(|| median_ms(theirs)),
            "progenitor_error": their_error,
            "rounds": rounds,
        });
        println!("{line}");
    }
}

/// Parse, generate, format: what `cargo progenitor` does before writing `lib.rs`.
fn progenitor(text: &str, json: bool) -> Result<String, String> {
    let spec: openapiv3::OpenAPI = if json {
        serde_json::from_str(text).map_err(|e| format!("does not parse: {e}"))?
    } else {
        serde_yaml::from_str(text).map_err(|e| format!("does not parse: {e}"))?
    };
    let mut generator = progenitor::Generator::default();
    let tokens = generator.generate_tokens(&spec).map_err(|e| format!("refused: {e}"))?;
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("output does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

fn median_ms(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v.get(v.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// The dependencies progenitor's output uses (progenitor's README, with reqwest 0.13 as ours; base64 and rand
/// for the websocket upgrades nexus declares).
fn manifest(name: &str) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
base64 = "0.22"
bytes = "1"
chrono = {{ version = "0.4", default-features = false, features = ["serde", "std"] }}
futures = "0.3"
progenitor-client = "=0.15.1"
rand = "0.8"
regress = "0.10"
reqwest = {{ version = "0.13", default-features = false, features = ["json", "query", "stream", "rustls"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
serde_urlencoded = "0.7"
uuid = {{ version = "1", features = ["serde", "v4"] }}
"#
    )
}
