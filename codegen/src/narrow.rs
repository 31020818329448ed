//! Finds the deepest part of a document that fails to decode as OpenAPI.
//!
//! openapiv3's own error paths stop at `/paths` (path items are decoded through custom code), so a shape
//! error inside an operation would otherwise be reported at the top of the file. This pass re-decodes each
//! path item, operation, parameter, body, response and schema on its own and descends into the first one
//! that fails, answering its JSON pointer and the decoder's message.

use crate::diag::child;
use openapiv3::{Header, Operation, Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema};
use serde::de::DeserializeOwned;
use serde_json::Value;

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The deepest failing pointer and its message, if any part fails on its own.
pub fn deepest(raw: &Value) -> Option<(String, String)> {
    if let Some(paths) = raw.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if let Some(found) = path_item(item, &child("/paths", path)) {
                return Some(found);
            }
        }
    }
    let components = raw.get("components")?.as_object()?;
    type Check = fn(&Value, &str) -> Option<(String, String)>;
    let sections: [(&str, Check); 5] = [
        ("schemas", schema),
        ("responses", response),
        ("parameters", parameter),
        ("requestBodies", request_body),
        ("headers", header),
    ];
    for (section, check) in sections {
        for (name, v) in components.get(section).and_then(Value::as_object).into_iter().flatten() {
            if let Some(found) = check(v, &child(&child("/components", section), name)) {
                return Some(found);
            }
        }
    }
    None
}

/// `Some((pointer, message))` when `v` does not decode as `T`.
fn fails<T: DeserializeOwned>(v: &Value, pointer: &str) -> Option<(String, String)> {
    serde_json::from_value::<T>(v.clone()).err().map(|e| (pointer.to_string(), e.to_string()))
}

fn each<'v>(v: &'v Value, key: &str, pointer: &str) -> Vec<(String, &'v Value)> {
    match v.get(key) {
        Some(Value::Object(m)) => m.iter().map(|(k, x)| (child(&child(pointer, key), k), x)).collect(),
        Some(Value::Array(a)) => {
            a.iter().enumerate().map(|(i, x)| (child(&child(pointer, key), &i.to_string()), x)).collect()
        }
        _ => Vec::new(),
    }
}

fn path_item(v: &Value, p: &str) -> Option<(String, String)> {
    let err = fails::<ReferenceOr<PathItem>>(v, p)?;
    for m in METHODS {
        if let Some(op) = v.get(*m)
            && let Some(found) = operation(op, &child(p, m))
        {
            return Some(found);
        }
    }
    each(v, "parameters", p).into_iter().find_map(|(at, x)| parameter(x, &at)).or(Some(err))
}

fn operation(v: &Value, p: &str) -> Option<(String, String)> {
    let err = fails::<Operation>(v, p)?;
    let deeper = each(v, "parameters", p)
        .into_iter()
        .find_map(|(at, x)| parameter(x, &at))
        .or_else(|| v.get("requestBody").and_then(|b| request_body(b, &child(p, "requestBody"))))
        .or_else(|| each(v, "responses", p).into_iter().find_map(|(at, x)| response(x, &at)));
    deeper.or(Some(err))
}

fn content(v: &Value, p: &str) -> Option<(String, String)> {
    each(v, "content", p)
        .into_iter()
        .find_map(|(at, media)| media.get("schema").and_then(|s| schema(s, &child(&at, "schema"))))
}

fn request_body(v: &Value, p: &str) -> Option<(String, String)> {
    let err = fails::<ReferenceOr<RequestBody>>(v, p)?;
    content(v, p).or(Some(err))
}

fn response(v: &Value, p: &str) -> Option<(String, String)> {
    let err = fails::<ReferenceOr<Response>>(v, p)?;
    content(v, p).or_else(|| each(v, "headers", p).into_iter().find_map(|(at, h)| header(h, &at))).or(Some(err))
}

fn parameter(v: &Value, p: &str) -> Option<(String, String)> {
    let err = fails::<ReferenceOr<Parameter>>(v, p)?;
    v.get("schema").and_then(|s| schema(s, &child(p, "schema"))).or(Some(err))
}

fn header(v: &Value, p: &str) -> Option<(String, String)> {
    let err = fails::<ReferenceOr<Header>>(v, p)?;
    v.get("schema").and_then(|s| schema(s, &child(p, "schema"))).or(Some(err))
}

fn schema(v: &Value, p: &str) -> Option<(String, String)> {
    let err = fails::<ReferenceOr<Schema>>(v, p)?;
    let mut children: Vec<(String, &Value)> = Vec::new();
    children.extend(each(v, "properties", p));
    for key in ["allOf", "oneOf", "anyOf"] {
        children.extend(each(v, key, p));
    }
    for key in ["items", "not", "additionalProperties"] {
        if let Some(x) = v.get(key).filter(|x| x.is_object()) {
            children.push((child(p, key), x));
        }
    }
    children.into_iter().find_map(|(at, x)| schema(x, &at)).or(Some(err))
}
