//! `cargo xtask decode`: normalized JSON on success, the JSON path of a failure, clear usage errors.

use std::io::Write;
use std::process::{Command, Stdio};

fn decode(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("decode")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A usage error exits before reading stdin; a broken pipe is then expected.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_good_body_prints_normalized_json() {
    let body = r#"{"id": 9302481, "status": "DELIVERED", "amount": 4.50, "currency": "USD", "unknown_field": 1, "installed_at": null}"#;
    let (code, out, err) = decode(&["get_esim_order"], body);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["amount"], serde_json::json!(4.5));
    assert!(v.get("unknown_field").is_none(), "unknown fields are dropped by the typed decode");
    assert_eq!(v["installed_at"], serde_json::Value::Null, "null stays null");
}

#[test]
fn a_bad_body_names_the_json_path_and_exits_1() {
    let body = r#"[{"id": 712, "currency_code": "USD", "amount": "4.50x", "data_amount_gb": 1, "validity_days": 7}]"#;
    let (code, _, err) = decode(&["list_esim_product_variants", "--status", "200"], body);
    assert_eq!(code, 1);
    assert!(err.contains("does not decode at `[0].amount`"), "{err}");
}

#[test]
fn error_statuses_decode_with_the_error_type() {
    let body = r#"{"error": {"name": "BadRequestError", "code": "SOMETHING_NEW", "message": "x"}}"#;
    let (code, out, err) = decode(&["create_esim_order", "--status", "400"], body);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("SOMETHING_NEW"), "an unknown error code is kept: {out}");
}

#[test]
fn bad_usage_exits_2() {
    let (code, _, err) = decode(&["no_such_operation"], "{}");
    assert_eq!(code, 2);
    assert!(err.contains("unknown operation `no_such_operation`; known: calculate_esim_charges"), "{err}");
    let (code, _, _) = decode(&[], "{}");
    assert_eq!(code, 2);
    let (code, _, err) = decode(&["get_esim_order", "--status", "abc"], "{}");
    assert_eq!(code, 2);
    assert!(err.contains("invalid value 'abc' for '--status"), "{err}");
}
