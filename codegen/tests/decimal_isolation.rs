//! The generated crate changes nothing in the caller's build: another crate of the same build that
//! serializes a `rust_decimal::Decimal` keeps rust_decimal's default encoding (a string), while the
//! generated types write their money as exact JSON numbers, field by field. (A rust_decimal cargo feature
//! such as `serde-float` would have switched every `Decimal` of the build to floats.)
//!
//! Built as a crate of its own, outside this workspace (whose emulator turns `serde-float` on for itself),
//! twice: with and without serde_json's `float_roundtrip`. Decimals are read from their own text either way
//! (exactly, or refused when a decimal cannot hold them), never rounded through an `f64`.

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

    // Exact decimals from their text: the same with and without serde_json's `float_roundtrip` (built both
    // ways by the test), and never rounded through an `f64`.
    for text in [
        "4.275", "0.1", "2.675", "0.10000000000000001", "1234567.8912345678", "3.0000000000000004",
        "9007199254740993", "1e-7", "2.5E3", "-0.000000000000000000000000001",
        "12345678901234567890.123456789", "1e40",
    ] {
        let body = format!(r#"{{"product_id": 712, "amount": {text}}}"#);
        let decoded = match serde_json::from_str::<octopus_client::models::CreateEsimOrderRequest>(&body) {
            Ok(r) => r.amount.to_string(),
            Err(e) => format!("refused: {e}"),
        };
        println!("exact {text} => {decoded}");
    }
    // Inside a union that is told apart by its `type` (decoded through a buffer).
    let event = r#"{"id":"evt_1","type":"order.delivered","created_at":"2025-01-15T12:01:00Z","data":{"id":1,"status":"DELIVERED","amount":250.10000000000000001}}"#;
    match serde_json::from_str::<octopus_client::models::WebhookEventPayload>(event) {
        Ok(octopus_client::models::WebhookEventPayload::OrderWebhookEvent(o)) => println!("exact union => {:?}", o.data.amount.map(|a| a.to_string())),
        other => println!("exact union => {other:?}"),
    }
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
            "[workspace]\n\n[package]\nname = \"decimal-neighbour\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\noctopus-client = {{ path = {:?} }}\nrust_decimal = {{ version = \"1\", features = [\"serde\"] }}\nserde_json = \"1\"\n\n[features]\nroundtrip = [\"serde_json/float_roundtrip\"]\n",
            client.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(ws.join("src/main.rs"), MAIN).unwrap();
    let run = |args: &[&str]| {
        let out = common::nested_cargo(&ws, args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{}{}", stdout, String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("decimal isolation: ok"));
        stdout
    };
    // Users' builds do not turn `float_roundtrip` on; this workspace's tests may (through a dev-dependency).
    let plain = run(&["run", "--quiet"]);
    let roundtrip = run(&["run", "--quiet", "--features", "roundtrip"]);
    assert_eq!(plain, roundtrip, "decoding depends on serde_json's float_roundtrip");
    for (text, exact) in [
        ("4.275", "4.275"),
        ("0.10000000000000001", "0.10000000000000001"),
        ("1234567.8912345678", "1234567.8912345678"),
        ("3.0000000000000004", "3.0000000000000004"),
        ("9007199254740993", "9007199254740993"),
        ("1e-7", "0.0000001"),
        ("2.5E3", "2500"),
        ("-0.000000000000000000000000001", "-0.000000000000000000000000001"),
    ] {
        assert!(plain.contains(&format!("exact {text} => {exact}\n")), "{text} is not read as {exact}:\n{plain}");
    }
    for too_long in ["12345678901234567890.123456789", "1e40"] {
        assert!(plain.contains(&format!("exact {too_long} => refused: ")), "{too_long} must be refused:\n{plain}");
    }
    assert!(plain.contains("exact union => Some(\"250.10000000000000001\")"), "{plain}");
}
