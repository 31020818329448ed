//! `application/x-www-form-urlencoded` request bodies with nested values. The body is serialized as JSON
//! would be, then laid out as pairs, which reqwest percent-encodes:
//!
//! - a scalar is `name=value`;
//! - an array of scalars repeats its name (`tag=a&tag=b`), or is joined (`tag=a,b`; a space for
//!   `spaceDelimited`, `|` for `pipeDelimited`) where the spec's `encoding` says `explode: false`;
//! - an object nests in brackets (`address[city]=Oslo`), as does an array of objects or any array inside an
//!   object (`items[0][price]=5`) and an array whose `encoding` says `style: deepObject`;
//! - an object whose `encoding` says `style: form` is spread (`city=Oslo`), or with `explode: false`
//!   joined (`address=city,Oslo`);
//! - a property whose `encoding` names a JSON `contentType` is sent as its JSON text.
//!
//! `serde_urlencoded` (what reqwest's own `form` uses) refuses nested values; `serde_qs` nests but has one
//! array layout for a whole body and cannot follow the spec's per-property `encoding`.

use serde_json::Value;

/// The body's name-value pairs, in order. `encodings`: how top-level properties are encoded, from the
/// spec's `encoding` object: (property, `style` (empty when not given), `explode`, sent as JSON text). Not
/// part of the stable API.
#[doc(hidden)]
pub fn pairs<T: serde::Serialize + ?Sized>(
    body: &T,
    encodings: &[(&str, &str, bool, bool)],
) -> Result<Vec<(String, String)>, String> {
    let value = serde_json::to_value(body).map_err(|e| crate::support::without_values(&e.to_string()))?;
    let mut out = Vec::new();
    let map = match value {
        Value::Object(map) => map,
        Value::Null => return Ok(out),
        _ => return Err("a form body must be an object".to_string()),
    };
    for (name, value) in map {
        let (style, explode, json) = encodings
            .iter()
            .find(|(n, ..)| *n == name)
            .map_or(("", true, false), |&(_, style, explode, json)| (style, explode, json));
        if value.is_null() {
            continue;
        }
        if json {
            out.push((name, value.to_string()));
            continue;
        }
        match value {
            Value::Array(items) if style != "deepObject" && items.iter().all(is_scalar) => {
                if explode {
                    out.extend(items.iter().filter(|v| !v.is_null()).map(|v| (name.clone(), text(v))));
                } else {
                    let joined: Vec<String> = items.iter().filter(|v| !v.is_null()).map(text).collect();
                    out.push((name, joined.join(separator(style))));
                }
            }
            Value::Object(fields) if style == "form" => {
                if explode {
                    for (key, v) in fields {
                        nested(key, v, &mut out);
                    }
                } else {
                    let joined: Vec<String> = fields
                        .iter()
                        .filter(|(_, v)| is_scalar(v) && !v.is_null())
                        .flat_map(|(k, v)| [k.clone(), text(v)])
                        .collect();
                    out.push((name, joined.join(",")));
                }
            }
            other => nested(name, other, &mut out),
        }
    }
    Ok(out)
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

fn separator(style: &str) -> &'static str {
    match style {
        "spaceDelimited" => " ",
        "pipeDelimited" => "|",
        _ => ",",
    }
}

/// A scalar's text: a string as it is, a number or boolean as JSON writes it.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `prefix[key]...=value` for every scalar under `v`; arrays indexed from 0.
fn nested(prefix: String, v: Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Null => {}
        Value::Object(fields) => {
            for (key, v) in fields {
                nested(format!("{prefix}[{key}]"), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.into_iter().enumerate() {
                nested(format!("{prefix}[{i}]"), v, out);
            }
        }
        scalar => out.push((prefix, text(&scalar))),
    }
}
