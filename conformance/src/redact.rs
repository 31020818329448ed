//! Secrets out of everything that leaves memory (cassettes, snapshots, reports, logs), before anything
//! touches disk: the `Authorization` and admin headers, and every body field the spec marks `x-secret`
//! (tokens, the login's key and secret, `activation_code`, `iccid`, voucher `card_number`, `pin_code` and
//! `claim_url`), read from the spec rather than copied here.

use crate::spec::Spec;
use serde_json::Value;

pub const REDACTED: &str = "[REDACTED]";

/// Headers that carry secrets.
pub fn secret_header(name: &str) -> bool {
    ["authorization", "x-emulator-admin", "cookie", "set-cookie"].iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// Replaces every secret field of a JSON value, at any depth.
pub fn secrets(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if Spec::embedded().secret_fields().iter().any(|f| f == k) && !child.is_null() {
                    *child = Value::String(REDACTED.into());
                } else {
                    secrets(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(secrets),
        _ => {}
    }
}

/// A body with its secrets replaced: JSON is redacted field by field; anything else that is not JSON is kept
/// only when it holds no token-like text.
pub fn body(raw: &[u8]) -> String {
    match serde_json::from_slice::<Value>(raw) {
        Ok(mut v) => {
            secrets(&mut v);
            v.to_string()
        }
        Err(_) => {
            let text = String::from_utf8_lossy(raw);
            if text.contains("eyJ") || text.contains("LPA:") { REDACTED.to_string() } else { text.into_owned() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_go_at_any_depth() {
        let mut v = json!({"data": {"access_token": "eyJx", "client_id": 42}, "vouchers": [{"card_number": "C", "pin_code": null}]});
        secrets(&mut v);
        assert_eq!(
            v,
            json!({"data": {"access_token": REDACTED, "client_id": 42}, "vouchers": [{"card_number": REDACTED, "pin_code": null}]})
        );
        assert_eq!(body(b"token eyJabc"), REDACTED);
    }
}
