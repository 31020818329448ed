//! Secrets out of everything that leaves memory (cassettes, snapshots, reports, logs), and volatile values
//! out of snapshots.
//!
//! Secrets: the `Authorization` header, the login and refresh bodies, tokens, `activation_code`, `iccid`,
//! voucher `card_number`, `pin_code` and `claim_url`. They are replaced before anything touches disk.

use serde_json::Value;

pub const REDACTED: &str = "[REDACTED]";

/// Body fields that carry secrets, wherever they appear.
const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "password",
    "username",
    "activation_code",
    "iccid",
    "card_number",
    "pin_code",
    "claim_url",
];

/// Headers that carry secrets.
pub fn secret_header(name: &str) -> bool {
    ["authorization", "x-emulator-admin", "cookie", "set-cookie"].iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// Replaces every secret field of a JSON value, at any depth.
pub fn secrets(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if SECRET_FIELDS.contains(&k.as_str()) && !child.is_null() {
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

/// Keys whose values are stable by contract and stay in snapshots; every other leaf becomes its type.
const KEPT: &[&str] = &[
    "status",
    "code",
    "message",
    "transaction_type",
    "activation_status",
    "is_installed",
    "is_user_fixable",
    "is_available",
    "identified",
    "success",
    "type",
    "topup_type",
    "failure_code",
];

/// The shape of a body for a snapshot: volatile leaves (ids, amounts, names, timestamps) become type tags,
/// contract values (statuses, error codes, flags) stay, arrays show at most two items and their length. The
/// same exchange gives the same shape for every run and seed.
pub fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let error = m.contains_key("code") && m.contains_key("message") && m.contains_key("name");
            Value::Object(
                m.iter()
                    .map(|(k, child)| {
                        let kept = KEPT.contains(&k.as_str()) || (error && k == "name");
                        let value =
                            if kept && !child.is_object() && !child.is_array() { child.clone() } else { shape(child) };
                        (k.clone(), value)
                    })
                    .collect(),
            )
        }
        Value::Array(items) => {
            let mut out: Vec<Value> = items.iter().take(2).map(shape).collect();
            if items.len() > 2 {
                out.push(Value::String(format!("... {} items in all", items.len())));
            }
            Value::Array(out)
        }
        Value::String(s) if s == REDACTED => v.clone(),
        Value::String(_) => Value::String("<string>".into()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Value::String("<integer>".into()),
        Value::Number(_) => Value::String("<number>".into()),
        Value::Bool(_) | Value::Null => v.clone(),
    }
}

/// A path with numeric segments replaced by `{id}`.
pub fn path_shape(path: &str) -> String {
    let (path, query) = path.split_once('?').map_or((path, None), |(p, q)| (p, Some(q)));
    let mut out: Vec<String> = path
        .split('/')
        .map(|s| if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { "{id}".into() } else { s.into() })
        .collect();
    if let Some(q) = query {
        let pairs: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k == "client_reference" || k == "wallet_id" => format!("{k}=<value>"),
                _ => kv.to_string(),
            })
            .collect();
        let last = out.pop().unwrap_or_default();
        out.push(format!("{last}?{}", pairs.join("&")));
    }
    out.join("/")
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

    #[test]
    fn shapes_keep_contract_values_only() {
        let v = json!([{"id": 1, "status": "DELIVERED", "amount": 4.275, "error": null}, {}, {}]);
        assert_eq!(
            shape(&v),
            json!([{"id": "<integer>", "status": "DELIVERED", "amount": "<number>", "error": null}, {}, "... 3 items in all"])
        );
        let e = json!({"error": {"name": "NotFoundError", "code": "NOT_FOUND", "message": "Product not found"}});
        assert_eq!(shape(&e), e);
        assert_eq!(
            path_shape("/api/v1/esim/orders/9302481?client_reference=x&page=2"),
            "/api/v1/esim/orders/{id}?client_reference=<value>&page=2"
        );
    }
}
