//! Snapshot transcripts: a scenario's exchanges reduced to what must be the same on every run and seed.

use crate::shape;
use crate::tap::Exchange;
use serde_json::{Value, json};

/// A scenario's exchanges as a snapshot transcript: redacted, shapes instead of volatile values, and runs
/// of identical exchanges (polls, the rate-limit burst) folded, so it is the same for every run and seed.
pub fn transcript(exchanges: &[Exchange]) -> Value {
    let mut out: Vec<Value> = Vec::new();
    let paging = crate::spec::Spec::embedded().paging_header_names();
    for e in exchanges.iter().map(Exchange::redacted) {
        let mut headers: Vec<String> = e
            .response_headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .filter(|n| {
                paging.iter().any(|p| p.eq_ignore_ascii_case(n))
                    || matches!(n.as_str(), "retry-after" | "content-type" | "x-request-id")
            })
            .collect();
        headers.sort();
        // A page's length is stable; a product's variant count is seeded content.
        let paged = paging.iter().any(|p| e.header(p).is_some());
        let body = |raw: &str| {
            serde_json::from_str::<Value>(raw)
                .map_or_else(|_| Value::String(raw.chars().take(80).collect()), |v| shape::shape(&v, paged))
        };
        let entry = json!({
            "request": format!("{} {}", e.method, shape::path_shape(&e.path)),
            "request_body": e.request_body.as_deref().map(body),
            "status": e.status,
            "headers": headers,
            "body": body(&e.response_body),
        });
        let entry = sorted(entry);
        if out.last() != Some(&entry) {
            out.push(entry);
        }
    }
    Value::Array(out)
}

/// Object keys in sorted order at every depth, whether or not `serde_json/preserve_order` is on (another
/// crate in a build may turn it on), so a snapshot never depends on the feature set.
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
