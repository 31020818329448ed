//! Volatile values out of snapshots: a response body reduced to the contract values a snapshot compares
//! (statuses, codes, flags, list lengths), and a path with its ids replaced, so transcripts are the same
//! for every run and seed.

use serde_json::Value;

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
    "failure_code",
];

/// Nested arrays whose length is part of the contract (quantity 5 delivers five vouchers).
const COUNTED: &[&str] = &["vouchers"];

/// What a snapshot keeps of a body: the contract values (statuses, error codes, flags) and the item count of
/// a list, nothing volatile (ids, amounts, names, timestamps, the catalog's seeded content). The same
/// exchange gives the same shape for every run and every seed.
///
/// `paged` says whether a top-level list's length is stable (a page of a paged list) or seeded content (a
/// product's variants), which is left out.
pub fn shape(v: &Value, paged: bool) -> Value {
    match v {
        Value::Array(items) => list_shape(items, paged),
        other => object_shape(other).unwrap_or(Value::Null),
    }
}

fn list_shape(items: &[Value], counted: bool) -> Value {
    let mut kept: Vec<Value> = Vec::new();
    for item in items {
        if let Some(s) = object_shape(item)
            && kept.last() != Some(&s)
        {
            kept.push(s);
        }
    }
    match (kept.is_empty(), counted) {
        (true, true) => Value::String(format!("{} items", items.len())),
        (true, false) => Value::Null,
        (false, true) => serde_json::json!({"items": items.len(), "kept": kept}),
        (false, false) => serde_json::json!({"kept": kept}),
    }
}

/// The kept fields of an object, or `None` when it has none.
fn object_shape(v: &Value) -> Option<Value> {
    let m = v.as_object()?;
    let error = m.contains_key("code") && m.contains_key("message") && m.contains_key("name");
    let mut out = serde_json::Map::new();
    for (k, child) in m {
        let value = match child {
            Value::Object(_) => object_shape(child),
            Value::Array(items) => Some(list_shape(items, COUNTED.contains(&k.as_str()))).filter(|v| !v.is_null()),
            // Numbers inside messages vary (`Retry after 12 seconds`).
            Value::String(text) if k == "message" => Some(Value::String(without_digits(text))),
            _ if KEPT.contains(&k.as_str()) || (error && k == "name") => Some(child.clone()),
            _ => None,
        };
        if let Some(value) = value {
            out.insert(k.clone(), value);
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

fn without_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('N') {
            out.push('N');
        }
    }
    out
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
    fn shapes_keep_contract_values_only() {
        let v =
            json!([{"id": 1, "status": "DELIVERED", "amount": 4.275, "vouchers": [{"pin_code": "1"}]}, {"id": 2}, {}]);
        assert_eq!(shape(&v, true), json!({"items": 3, "kept": [{"status": "DELIVERED", "vouchers": "1 items"}]}));
        assert_eq!(
            shape(&json!([{"name": "x", "available_denominations": [{"min_value": 1}]}]), true),
            json!("1 items")
        );
        assert_eq!(shape(&json!([{"name": "x"}]), false), Value::Null);
        let e = json!({"error": {"name": "NotFoundError", "code": "NOT_FOUND", "message": "Product not found"}});
        assert_eq!(shape(&e, false), e);
        assert_eq!(
            path_shape("/api/v1/esim/orders/9302481?client_reference=x&page=2"),
            "/api/v1/esim/orders/{id}?client_reference=<value>&page=2"
        );
    }
}
