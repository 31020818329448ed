//! The API promises additions within v1: new optional request fields and parameters, new response fields,
//! new enum values. Callers' code must survive them at compile time. The README's "Using the client" example,
//! the crate guide's example and the first-eSIM walkthrough are compiled (warnings denied) against a client
//! regenerated from `spec/octopus.yaml` with one of each addition; and, as a control, a caller that builds a
//! request with a struct literal is shown to break, so the test can fail.

mod common;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The spec with the additions the API may make within v1.
fn spec_with_additions() -> String {
    let text = std::fs::read_to_string(root().join("spec/octopus.yaml")).unwrap();
    let mut doc: Value = serde_yaml::from_str(&text).unwrap();
    let schemas = &mut doc["components"]["schemas"];
    // An optional request field.
    schemas["CreateEsimOrderRequest"]["properties"]["gift_note"] = json!({"type": "string"});
    // A response field.
    schemas["EsimOrder"]["properties"]["loyalty_points"] = json!({"type": "integer", "format": "int64"});
    // An enum value.
    schemas["EsimOrderStatus"]["enum"].as_array_mut().unwrap().push(json!("REFUNDED"));
    // An optional query parameter.
    let list = doc["paths"]["/api/v1/esim/products"]["get"]["parameters"].as_array_mut().unwrap();
    list.push(json!({"name": "region", "in": "query", "schema": {"type": "string"}}));
    serde_json::to_string_pretty(&doc).unwrap()
}

/// The first ```rust block after `heading` in `markdown`.
fn rust_block_after(markdown: &str, heading: &str) -> String {
    let rest = &markdown[markdown.find(heading).expect("the heading exists")..];
    let start = rest.find("```rust\n").expect("a rust block follows") + "```rust\n".len();
    rest[start..start + rest[start..].find("```").unwrap()].to_string()
}

/// The crate guide's example (`x-client-guide`), as the doctest compiles it: `#` lines kept, unmarked.
fn guide_example(spec: &str) -> String {
    let doc: Value = serde_yaml::from_str(spec).unwrap();
    let guide = doc["info"]["x-client-guide"].as_str().unwrap();
    let start = guide.find("```no_run\n").unwrap() + "```no_run\n".len();
    let block = &guide[start..start + guide[start..].find("```").unwrap()];
    block.lines().map(|l| l.trim_start().strip_prefix("# ").unwrap_or(l)).collect::<Vec<_>>().join("\n")
}

/// The walkthrough's flow, without the `main` that starts an emulator.
fn first_esim_example() -> String {
    let text = std::fs::read_to_string(root().join("conformance/examples/first_esim.rs")).unwrap();
    text[..text.find("#[tokio::main]").unwrap()].to_string()
}

/// A caller of the regenerated client, with what the examples use beside it.
fn write_caller(ws: &Path, name: &str, body: &str) {
    let dependencies = "octopus-client = { path = \"../octopus-client\" }\n\
        futures-util = { version = \"0.3\", default-features = false, features = [\"std\"] }\nserde_json = \"1\"\n";
    common::write_library(ws, name, dependencies, &format!("#![allow(dead_code, unused_imports)]\n{body}\n"));
}

#[test]
fn documented_callers_compile_against_a_client_with_the_promised_additions() {
    let spec = spec_with_additions();
    let opts = codegen::CrateOptions {
        crate_name: "octopus-client".into(),
        spec_label: "octopus.yaml".into(),
        standalone: false,
    };
    let generated = codegen::generate_str("octopus+additions.json", spec, &opts).expect("the changed spec generates");
    assert!(generated.files["src/models.rs"].contains("pub gift_note: Option<String>"), "the addition is there");

    let ws = Path::new(env!("CARGO_TARGET_TMPDIR")).join("forward-compat");
    let _ = std::fs::remove_dir_all(&ws);
    codegen::write::write(&ws.join("crates/octopus-client"), &generated.files).unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let original = std::fs::read_to_string(root().join("spec/octopus.yaml")).unwrap();
    write_caller(&ws, "readme-example", &rust_block_after(&readme, "## Using the client"));
    write_caller(&ws, "guide-example", &guide_example(&original));
    write_caller(&ws, "first-esim-example", &first_esim_example());
    // The control: what the README did before constructors, a struct literal, must break.
    write_caller(
        &ws,
        "struct-literal",
        "pub fn order() -> octopus_client::models::CreateEsimOrderRequest {\n    \
         octopus_client::models::CreateEsimOrderRequest { product_id: 712, amount: Default::default(), quantity: 1, \
         client_reference: None, wallet_id: None }\n}",
    );
    // A one-time credential can be neither copied nor written out.
    let secret = "octopus_client::support::OneTimeSecret";
    write_caller(&ws, "secret-copy", &format!("pub fn copy(s: &{secret}) -> {secret} {{ s.clone() }}"));
    write_caller(
        &ws,
        "secret-json",
        &format!("pub fn dump(s: &{secret}) -> String {{ serde_json::to_string(s).unwrap() }}"),
    );
    let names: Vec<String> = [
        "octopus-client",
        "readme-example",
        "guide-example",
        "first-esim-example",
        "struct-literal",
        "secret-copy",
        "secret-json",
    ]
    .map(String::from)
    .to_vec();
    let failed = common::check_workspace(&ws, &names);
    let failed_names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(failed_names, ["struct-literal", "secret-copy", "secret-json"], "only these break: {failed:#?}");
    assert!(failed[0].1.contains("E0639") || failed[0].1.contains("non-exhaustive"), "{}", failed[0].1);
    // `s.clone()` can only copy the reference: there is no owned copy to be had.
    assert!(failed[1].1.contains("found `&OneTimeSecret`"), "{}", failed[1].1);
    assert!(failed[2].1.contains("E0277") || failed[2].1.contains("Serialize"), "{}", failed[2].1);
}
