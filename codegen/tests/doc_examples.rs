//! Every example body on every page of `../shared/docs` decodes with the generated types. The pages show
//! subsets of the reference fields (a walkthrough truncates an order, a guide shows a product's summary), so
//! a field the pages disagree about is optional in the spec, with `x-doc-conflict` saying why. Each JSON
//! object a page shows is found by scanning the text, and the table below says what it is; an example the
//! table does not place fails the test, so a new page or example cannot slip by.

use octopus_client::models::*;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/docs")
}

/// The top-level JSON objects in `text`, in order (objects inside a found one are part of it).
fn json_objects(text: &str) -> Vec<Value> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(start) = text[i..].find('{').map(|s| s + i) {
        let (mut depth, mut in_string, mut escaped, mut end) = (0usize, false, false, None);
        for (j, &b) in bytes.iter().enumerate().skip(start) {
            match (in_string, escaped, b) {
                (true, true, _) => escaped = false,
                (true, false, b'\\') => escaped = true,
                (true, false, b'"') => in_string = false,
                (false, _, b'"') => in_string = true,
                (false, _, b'{') => depth += 1,
                (false, _, b'}') => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(j);
                        break;
                    }
                }
                _ => {}
            }
        }
        match end.and_then(|e| serde_json::from_str::<Value>(&text[start..=e]).ok().map(|v| (v, e))) {
            Some((v, e)) => {
                out.push(v);
                i = e + 1;
            }
            None => i = start + 1,
        }
    }
    out
}

/// What an example is: a generated type it must decode as, or not a body at all.
enum Is {
    Body(fn(&Value) -> Result<(), String>),
    NotABody(&'static str),
}

fn decodes<T: DeserializeOwned>(v: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(v.clone()).map(|_| ()).map_err(|e| format!("{} : {e}", std::any::type_name::<T>()))
}

/// Each page's examples, in order.
fn table(page: &str) -> Vec<Is> {
    use Is::*;
    match page {
        // eSIM products reference: two list items, one product, a 400.
        "000_c6a957f03dc3e094.txt" => vec![
            Body(decodes::<EsimProduct>),
            Body(decodes::<EsimProduct>),
            Body(decodes::<EsimProduct>),
            Body(decodes::<ErrorEnvelope>),
        ],
        // First eSIM order: the request, then the (truncated) delivered order.
        "001_889a3fa1a8e00877.txt" => vec![Body(decodes::<CreateEsimOrderRequest>), Body(decodes::<EsimOrder>)],
        // The catalog guide: a lookup request, a voucher product, three eSIM variants, a 404.
        "002_35623776229f8897.txt" => vec![
            Body(decodes::<MobileLookupRequest>),
            Body(decodes::<VoucherProduct>),
            Body(decodes::<EsimVariant>),
            Body(decodes::<EsimVariant>),
            Body(decodes::<EsimVariant>),
            Body(decodes::<ErrorEnvelope>),
        ],
        // Voucher products reference: a list item, a 400, one product, a 400.
        "003_06f739f34072d95b.txt" => vec![
            Body(decodes::<VoucherProduct>),
            Body(decodes::<ErrorEnvelope>),
            Body(decodes::<VoucherProduct>),
            Body(decodes::<ErrorEnvelope>),
        ],
        // Conventions: the JSON `sort` query parameter's value, not a body.
        "004_7647c575fe992328.txt" => vec![NotABody("a sort configuration in a query parameter")],
        _ => Vec::new(),
    }
}

#[test]
fn every_documented_body_decodes_with_the_generated_types() {
    let mut pages: Vec<PathBuf> =
        std::fs::read_dir(docs()).expect("../shared/docs").map(|e| e.unwrap().path()).collect();
    pages.sort();
    let (mut decoded, mut problems) = (0, Vec::new());
    for page in pages {
        let name = page.file_name().unwrap().to_string_lossy().into_owned();
        let examples = json_objects(&std::fs::read_to_string(&page).unwrap());
        let kinds = table(&name);
        if examples.len() != kinds.len() {
            problems.push(format!("{name}: {} examples on the page, {} in the table", examples.len(), kinds.len()));
            continue;
        }
        for (i, (example, is)) in examples.iter().zip(kinds).enumerate() {
            match is {
                Is::Body(check) => match check(example) {
                    Ok(()) => decoded += 1,
                    Err(e) => problems.push(format!("{name} example {i}: {e}")),
                },
                // Still JSON: a body would have decoded as something.
                Is::NotABody(what) => assert!(example.is_object(), "{name} example {i} ({what})"),
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(decoded >= 16, "only {decoded} bodies decoded");
}

#[test]
fn the_scanner_finds_objects_and_skips_what_is_not_json() {
    let text = r#"curl -d '{"a": 1}' then {not json} and [{"b": {"c": "}"}}] end"#;
    assert_eq!(json_objects(text), [serde_json::json!({"a": 1}), serde_json::json!({"b": {"c": "}"}})]);
}
