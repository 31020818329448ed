//! Fuzzing the loader and the generator: arbitrary bytes, mutations of our spec and of `../shared/specs`, and
//! hostile but valid documents. The result is always an error or a crate, never a panic or a hang.
//!
//! The corpus is the specs themselves; mutations are seeded (SplitMix64), so a failure names the stream and
//! the input number that reproduces it. 100,000 inputs run on every `cargo test`, split over the machine's
//! cores (about a minute on two); `FUZZ_INPUTS=N` runs another number.

use codegen::{CrateOptions, generate_str};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use common::Rng;

fn opts() -> CrateOptions {
    CrateOptions { crate_name: "fuzzed".into(), spec_label: "fuzzed.yaml".into(), standalone: false }
}

/// Tokens that make mutations structural rather than just noisy.
const TOKENS: &[&str] = &[
    "$ref: '#/components/schemas/Missing'",
    "{\"$ref\": \"#/paths\"}",
    "type: object",
    "type: array",
    "nullable: true",
    "allOf: []",
    "oneOf:\n  - type: string",
    "enum: []",
    "\n  ",
    ": ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "&a",
    "*a",
    "!!binary",
    "~",
    "\u{0}",
    "\u{feff}",
    "é",
    "operationId: type",
    "required: [x, x]",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.index(4) {
        let at = rng.index(v.len() + 1);
        match rng.index(7) {
            0 => {
                if at < v.len() {
                    v[at] ^= 1 << rng.index(8);
                }
            }
            1 => {
                let len = rng.index(64).min(v.len() - at.min(v.len()));
                v.drain(at..at + len);
            }
            2 => {
                let t = TOKENS[rng.index(TOKENS.len())];
                v.splice(at..at, t.bytes());
            }
            3 => v.truncate(at),
            4 => {
                let from = rng.index(v.len().max(1));
                let len = rng.index(200).min(v.len().saturating_sub(from));
                let chunk: Vec<u8> = v[from..from + len].to_vec();
                v.splice(at..at, chunk);
            }
            5 => {
                let n = rng.index(32);
                let noise: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                v.splice(at..at, noise);
            }
            _ => {
                // Swap two lines: indentation and structure move together.
                let text = String::from_utf8_lossy(&v).into_owned();
                let mut lines: Vec<&str> = text.lines().collect();
                if lines.len() > 2 {
                    let (a, b) = (rng.index(lines.len()), rng.index(lines.len()));
                    lines.swap(a, b);
                }
                v = lines.join("\n").into_bytes();
            }
        }
    }
    v
}

/// Runs the generator on `input`; a panic or an over-long run is a failure that names the input.
fn survive(label: &str, input: &[u8]) -> Result<bool, String> {
    let text = String::from_utf8_lossy(input).into_owned();
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| generate_str("fuzzed.yaml", text, &opts()).is_ok()));
    let took = started.elapsed();
    match result {
        Ok(_) if took > Duration::from_secs(10) => Err(format!("{label}: took {took:?}")),
        Ok(ok) => Ok(ok),
        Err(_) => Err(format!("{label}: panicked")),
    }
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = vec![("spec/octopus.yaml".to_string(), std::fs::read(root.join("spec/octopus.yaml")).unwrap())];
    // The OpenAPI 3.1 reader (its normalising of the raw tree) is fuzzed from every construct it reads.
    let v31 = "codegen/tests/fixtures/real-world/openapi31.yaml";
    out.push((v31.to_string(), std::fs::read(root.join(v31)).unwrap()));
    if let Ok(entries) = std::fs::read_dir(root.join("../shared/specs")) {
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            // The largest shared specs are sampled by their first 200 kB: mutation cost grows with size.
            let mut bytes = std::fs::read(&p).unwrap();
            bytes.truncate(200_000);
            out.push((p.file_name().unwrap().to_string_lossy().into_owned(), bytes));
        }
    }
    out
}

/// One stream of inputs: its own seed, every `streams`-th input of the budget.
fn run_stream(
    corpus: &[(String, Vec<u8>)],
    stream: usize,
    streams: usize,
    budget: usize,
) -> (usize, usize, Vec<String>) {
    let mut rng = Rng(0x5EED + stream as u64);
    let (mut tried, mut accepted, mut failures) = (0, 0, Vec::new());
    for i in (stream..budget).step_by(streams) {
        let input = if i % 10 == 9 {
            (0..rng.index(512)).map(|_| rng.next_u64() as u8).collect()
        } else {
            mutate(&mut rng, &corpus[i % corpus.len()].1)
        };
        tried += 1;
        match survive(&format!("stream {stream}, input {i}"), &input) {
            Ok(ok) => accepted += usize::from(ok),
            Err(e) => failures.push(e),
        }
    }
    (tried, accepted, failures)
}

#[test]
fn mutated_and_arbitrary_inputs_never_panic_or_hang() {
    // Panics are caught and reported per input; keep their messages off the test output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let budget: usize = std::env::var("FUZZ_INPUTS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let streams = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let corpus = corpus();
    let started = Instant::now();
    let results: Vec<(usize, usize, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..streams)
            .map(|k| {
                let corpus = &corpus;
                scope.spawn(move || run_stream(corpus, k, streams, budget))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or((0, 0, vec!["a fuzz stream died".into()]))).collect()
    });
    std::panic::set_hook(hook);
    let tried: usize = results.iter().map(|r| r.0).sum();
    let accepted: usize = results.iter().map(|r| r.1).sum();
    let failures: Vec<&String> = results.iter().flat_map(|r| &r.2).collect();
    eprintln!(
        "fuzz: {tried} inputs from {} seeds on {streams} threads in {:.1?}: {accepted} generated a crate, {} were refused with errors, {} failures",
        corpus.len(),
        started.elapsed(),
        tried - accepted - failures.len(),
        failures.len()
    );
    assert_eq!(tried, budget);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A spec with a shape that has hurt generators: the body of `components.schemas` and one operation.
fn hostile(schemas: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo: {{title: hostile, version: '1'}}\npaths:\n  /x:\n    get:\n      operationId: get_x\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/Root'}}\ncomponents:\n  schemas:\n{schemas}"
    )
}

#[test]
fn hostile_documents_give_an_error_or_a_crate() {
    let mut cases: Vec<(&str, String)> = Vec::new();
    // A 1,000-deep chain of references.
    let mut chain = String::from("    Root: {$ref: '#/components/schemas/L0'}\n");
    for i in 0..1000 {
        chain.push_str(&format!("    L{i}: {{$ref: '#/components/schemas/L{}'}}\n", i + 1));
    }
    chain.push_str("    L1000: {type: string}\n");
    cases.push(("deep $ref chain", hostile(&chain)));
    cases.push(("pure $ref cycle", hostile("    Root: {$ref: '#/components/schemas/A'}\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n")));
    cases.push((
        "recursive objects",
        hostile("    Root: {type: object, properties: {next: {$ref: '#/components/schemas/Root'}, other: {$ref: '#/components/schemas/B'}}}\n    B: {type: object, properties: {back: {$ref: '#/components/schemas/Root'}}}\n"),
    ));
    let variants: Vec<String> = (0..10_000).map(|i| format!("v{i}")).collect();
    cases.push((
        "10,000-variant enum",
        hostile(&format!("    Root: {{type: string, enum: [{}]}}\n", variants.join(", "))),
    ));
    cases.push((
        "keywords, unicode and empty names",
        hostile(
            "    Root:\n      type: object\n      properties:\n        type: {type: string}\n        fn: {type: integer}\n        self: {type: boolean}\n        Self: {type: string}\n        crate: {type: string}\n        async: {type: string}\n        '': {type: string}\n        '日本語': {type: string}\n        '🚀 launch': {type: string}\n        '123abc': {type: string}\n        r#type: {type: string}\n      required: [type, fn]\n    'Self': {type: string, enum: ['', ' ', 'Self', 'self', '日本']}\n    'mod': {type: object}\n",
        ),
    ));
    cases.push((
        "empty strings everywhere",
        "openapi: 3.0.3\ninfo: {title: '', version: ''}\npaths:\n  '': {}\n".to_string(),
    ));
    // Crates that come out are compiled together, in a throwaway workspace that shares the other compile
    // tests' target directory (dependencies are built once).
    let ws = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    let _ = std::fs::remove_dir_all(ws.join("crates"));
    let mut members = Vec::new();
    for (i, (label, text)) in cases.iter().enumerate() {
        let opts =
            CrateOptions { crate_name: format!("hostile-{i}"), spec_label: "hostile.yaml".into(), standalone: false };
        let r = catch_unwind(AssertUnwindSafe(|| generate_str("hostile.yaml", text.clone(), &opts)));
        match r {
            Err(_) => panic!("{label}: the generator panicked"),
            Ok(Ok(g)) => {
                codegen::write::write(&ws.join("crates").join(format!("h{i}")), &g.files).unwrap();
                members.push(format!("h{i}"));
            }
            Ok(Err(d)) => assert!(!d.to_string().is_empty(), "{label}: an error says what is wrong"),
        }
    }
    assert!(members.len() >= 4, "most hostile documents are valid and must generate: {members:?}");
    let failed = common::check_workspace(&ws, &members);
    assert!(failed.is_empty(), "hostile crates do not compile: {failed:#?}");
}
