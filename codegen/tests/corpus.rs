//! The corpus of public API descriptions (`tests/corpus/corpus.toml`, issue 24 item 7). Every document that is
//! present, committed in `tests/corpus/docs/` or brought into `tests/corpus/fetched/` by `cargo xtask corpus
//! fetch`, generates, unless its entry says `expect = "fails: ..."`. A document so marked that generates fails
//! the test as well, so the marks stay honest: delete the line when a capability lands. The `sample = true`
//! documents that generate are then compiled, warnings denied, in the nested workspace the compile tests share.

mod common;

use codegen::{CrateOptions, generate_file};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

struct Doc {
    name: String,
    file: String,
    sha256: String,
    sample: bool,
    expect: Option<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// The `[[doc]]` entries, with the fields this test reads (`cargo xtask corpus` reads them all).
fn load() -> Vec<Doc> {
    let path = corpus_dir().join("corpus.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let toml: toml_edit::DocumentMut = text.parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let docs = toml.get("doc").and_then(|d| d.as_array_of_tables()).expect("corpus.toml lists [[doc]] tables");
    docs.iter()
        .map(|t| {
            let s = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let name = s("name").expect("every doc has a name");
            Doc {
                file: s("file").unwrap_or_else(|| panic!("{name}: no file")),
                sha256: s("sha256").unwrap_or_else(|| panic!("{name}: no sha256")),
                sample: t.get("sample").and_then(|v| v.as_bool()).unwrap_or(false),
                expect: s("expect"),
                name,
            }
        })
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A crate name Cargo accepts: the corpus names carry dots (`readme-3.1-petstore`).
fn crate_dir(name: &str) -> String {
    format!("corpus-{}", name.replace(|c: char| !c.is_ascii_alphanumeric(), "-"))
}

#[test]
fn every_present_document_generates_as_marked_and_the_samples_compile() {
    let docs = load();
    assert!(docs.len() >= 30, "the corpus lists {} documents", docs.len());
    let ws = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus");
    let _ = std::fs::remove_dir_all(ws.join("crates"));

    let (mut missing, mut generated, mut failed_as_marked) = (Vec::new(), 0usize, 0usize);
    let mut problems: Vec<String> = Vec::new();
    let mut samples: Vec<String> = Vec::new();
    for doc in &docs {
        let Some(path) = ["docs", "fetched"].iter().map(|d| corpus_dir().join(d).join(&doc.file)).find(|p| p.is_file())
        else {
            missing.push(doc.name.as_str());
            continue;
        };
        let bytes = std::fs::read(&path).unwrap();
        if sha256_hex(&bytes) != doc.sha256 {
            problems.push(format!(
                "{}: {} is not the pinned document (sha256 differs); run `cargo xtask corpus fetch`",
                doc.name,
                path.display()
            ));
            continue;
        }
        let opts = CrateOptions { crate_name: crate_dir(&doc.name), spec_label: doc.file.clone(), standalone: false };
        match (generate_file(&path, &opts), &doc.expect) {
            (Ok(g), None) => {
                generated += 1;
                if doc.sample {
                    let dir = crate_dir(&doc.name);
                    codegen::write::write(&ws.join("crates").join(&dir), &g.files).unwrap();
                    samples.push(dir);
                }
            }
            (Ok(_), Some(expect)) => problems.push(format!(
                "{}: generates now, but corpus.toml still says `expect = \"{expect}\"`: delete that line",
                doc.name
            )),
            (Err(_), Some(_)) => failed_as_marked += 1,
            (Err(d), None) => {
                let first: Vec<String> = d.to_string().lines().take(3).map(str::to_string).collect();
                problems.push(format!("{}: does not generate:\n    {}", doc.name, first.join("\n    ")));
            }
        }
    }
    eprintln!(
        "corpus: {} listed, {} present, {generated} generate, {failed_as_marked} fail as marked, {} not fetched{}",
        docs.len(),
        docs.len() - missing.len(),
        missing.len(),
        if missing.is_empty() { String::new() } else { " (`cargo xtask corpus fetch` brings them)".into() }
    );
    assert!(problems.is_empty(), "corpus documents not as corpus.toml marks them:\n{}", problems.join("\n"));
    if !samples.is_empty() {
        let failed = common::check_workspace(&ws, &samples);
        assert!(failed.is_empty(), "corpus samples do not compile: {failed:#?}");
    }
    eprintln!("corpus: compiled {} sample(s): {}", samples.len(), samples.join(", "));
}
