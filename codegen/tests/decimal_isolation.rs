//! The generated crate changes nothing in the caller's build: another crate of the same build that
//! serializes a `rust_decimal::Decimal` keeps rust_decimal's default encoding (a string), while the
//! generated types write their money as exact JSON numbers, field by field. (A rust_decimal cargo feature
//! such as `serde-float` would have switched every `Decimal` of the build to floats.)
//!
//! Built as a crate of its own, outside this workspace (whose emulator turns `serde-float` on for itself).

mod common;

use std::path::Path;

const MAIN: &str = r##"
use rust_decimal::Decimal;

fn main() {
    // The caller's own decimal: rust_decimal's default serde encoding, a string.
    let own = Decimal::new(450, 2);
    assert_eq!(serde_json::to_string(&own).unwrap(), "\"4.50\"", "the caller's Decimal keeps its encoding");

    // The generated request writes its amount as a JSON number, exactly.
    let body: octopus_client::models::CreateEsimOrderRequest = serde_json::from_value(serde_json::json!({
        "product_id": 712, "amount": 4.275, "quantity": 1
    }))
    .unwrap();
    assert_eq!(body.amount, Decimal::new(4275, 3), "read exactly from the number's text");
    let wire = serde_json::to_value(&body).unwrap();
    assert_eq!(wire["amount"].to_string(), "4.275", "written as a number: {wire}");

    // A money string instead of a number is read too, exactly.
    let body: octopus_client::models::CreateEsimOrderRequest =
        serde_json::from_str(r#"{"product_id": 712, "amount": "14.90", "quantity": 1}"#).unwrap();
    assert_eq!(body.amount.to_string(), "14.90");
    println!("decimal isolation: ok");
}
"##;

#[test]
fn another_crates_decimal_keeps_rust_decimals_default_encoding() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let ws = Path::new(env!("CARGO_TARGET_TMPDIR")).join("decimal-isolation");
    std::fs::create_dir_all(ws.join("src")).unwrap();
    let client = std::path::absolute(root.join("generated")).unwrap();
    std::fs::write(
        ws.join("Cargo.toml"),
        format!(
            "[workspace]\n\n[package]\nname = \"decimal-neighbour\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\noctopus-client = {{ path = {:?} }}\nrust_decimal = {{ version = \"1\", features = [\"serde\"] }}\nserde_json = \"1\"\n",
            client.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(ws.join("src/main.rs"), MAIN).unwrap();
    let out = common::nested_cargo(&ws, &["run", "--quiet"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}{}", stdout, String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("decimal isolation: ok"));
}
