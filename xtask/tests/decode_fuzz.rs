//! Fuzzing the response decoders: arbitrary and mutated bodies for every operation and status decode to a
//! value or a typed error naming the JSON path, never a panic. Seeds are the bodies of the committed
//! recording of the emulator; mutations are JSON-aware (a node's type changed, a field dropped or added, a
//! null, a huge number, deep nesting) and byte-level.

use conformance::emulator::Rng;
use octopus_client::operations::{OPERATIONS, decode_response};
use serde_json::{Value, json};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// A recorded body with the operation and status it answered. Bodies over 20 kB (long catalog pages) are
/// left out: they add time, not shapes.
struct Seed {
    operation: String,
    status: u16,
    body: Value,
}

fn seeds() -> Vec<Seed> {
    let spec = conformance::spec::Spec::embedded();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/tests/recordings/emulator");
    let mut out: Vec<Seed> = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths.iter().filter(|p| !p.ends_with("meta.yaml")) {
        let exchanges: Vec<Value> = serde_yaml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        for e in exchanges {
            let (Some(method), Some(path), Some(raw)) =
                (e["method"].as_str(), e["path"].as_str(), e["response_body"].as_str())
            else {
                continue;
            };
            let Some(op) = spec.operation(method, path.split('?').next().unwrap_or("")) else { continue };
            let Ok(body) = serde_json::from_str::<Value>(raw) else { continue };
            if raw.len() <= 20_000 && !out.iter().any(|s| s.operation == op.id && s.body == body) {
                out.push(Seed { operation: op.id.clone(), status: e["status"].as_u64().unwrap_or(200) as u16, body });
            }
        }
    }
    out
}

/// Replaces one random node of `v` with something a server might send by mistake.
fn mutate_json(rng: &mut Rng, v: &mut Value, depth: usize) {
    let children = match v {
        Value::Object(m) if !m.is_empty() => m.len(),
        Value::Array(a) if !a.is_empty() => a.len(),
        _ => 0,
    };
    if children > 0 && depth < 12 && rng.index(3) != 0 {
        let k = rng.index(children);
        match v {
            Value::Object(m) => {
                if rng.index(6) == 0 {
                    let key = m.keys().nth(k).cloned().unwrap_or_default();
                    m.remove(&key);
                    return;
                }
                if rng.index(8) == 0 {
                    m.insert(format!("unknown_{}", rng.next_u64() % 100), json!({"nested": [1, "x", null]}));
                    return;
                }
                if let Some(child) = m.values_mut().nth(k) {
                    mutate_json(rng, child, depth + 1);
                }
            }
            Value::Array(a) => mutate_json(rng, &mut a[k], depth + 1),
            _ => {}
        }
        return;
    }
    *v = match rng.index(12) {
        0 => Value::Null,
        1 => json!("a string"),
        2 => json!(""),
        3 => json!(true),
        4 => json!(-1),
        5 => json!(1e308),
        6 => json!(18_446_744_073_709_551_615u64),
        7 => json!(0.1),
        8 => json!([]),
        9 => json!({}),
        10 => json!("日本語 🚀 \u{0}"),
        _ => {
            let mut deep = json!(1);
            for _ in 0..200 {
                deep = json!([deep]);
            }
            deep
        }
    };
}

fn mutate_bytes(rng: &mut Rng, mut b: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.index(3) {
        let at = rng.index(b.len() + 1);
        match rng.index(3) {
            0 if at < b.len() => b[at] = rng.next_u64() as u8,
            1 => b.truncate(at),
            _ => b.insert(at.min(b.len()), b"{}[],:\"0e-"[rng.index(10)]),
        }
    }
    b
}

#[test]
fn every_decoder_returns_a_value_or_an_error_naming_the_path() {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let seeds = seeds();
    assert!(seeds.len() > 50, "the recording gives enough seeds: {}", seeds.len());
    let covered: std::collections::BTreeSet<&str> = seeds.iter().map(|s| s.operation.as_str()).collect();
    assert!(covered.len() >= 30, "seeds cover most operations: {covered:?}");
    let statuses = [200u16, 201, 400, 401, 403, 404, 429, 500, 418];
    let mut rng = Rng(0xDEC0DE);
    let (mut values, mut errors, mut failures) = (0usize, 0usize, Vec::new());
    let total = 100_000;
    for i in 0..total {
        let seed = &seeds[rng.index(seeds.len())];
        // Mostly the seed's own operation and status; sometimes any operation, any status.
        let (op, status) = if i % 7 == 0 {
            (OPERATIONS[i % OPERATIONS.len()].id, statuses[rng.index(statuses.len())])
        } else {
            let op = OPERATIONS.iter().find(|o| o.id == seed.operation).map_or("", |o| o.id);
            (op, seed.status)
        };
        let body: Vec<u8> = match i % 5 {
            0 => (0..rng.index(300)).map(|_| rng.next_u64() as u8).collect(),
            1 => mutate_bytes(&mut rng, serde_json::to_vec(&seed.body).unwrap()),
            2 => serde_json::to_vec(&seed.body).unwrap(),
            _ => {
                let mut v = seed.body.clone();
                for _ in 0..1 + rng.index(3) {
                    mutate_json(&mut rng, &mut v, 0);
                }
                serde_json::to_vec(&v).unwrap()
            }
        };
        match catch_unwind(AssertUnwindSafe(|| decode_response(op, status, &body))) {
            Err(_) => failures.push(format!("input {i}: {op} {status} panicked")),
            Ok(None) => failures.push(format!("{op} is not known to decode_response")),
            Ok(Some(Ok(_))) => values += 1,
            Ok(Some(Err(e))) => {
                errors += 1;
                if e.path.is_empty() || e.message.is_empty() || e.operation != op {
                    failures.push(format!("input {i}: {op} {status}: an error without a path or reason: {e:?}"));
                }
            }
        }
    }
    std::panic::set_hook(hook);
    eprintln!(
        "decode fuzz: {total} bodies over {} operations: {values} decoded, {errors} typed errors, {} failures",
        OPERATIONS.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{:#?}", &failures[..failures.len().min(20)]);
    assert!(values > 1_000 && errors > 1_000, "both outcomes are exercised");
}
