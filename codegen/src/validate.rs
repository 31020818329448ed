//! Whole-document checks that run before lowering: every problem is collected, none stops the search.

use crate::diag::{Diagnostic, Severity, child};
use crate::load::Spec;
use crate::resolve;
use std::collections::BTreeMap;

pub fn validate(spec: &Spec) -> Vec<Diagnostic> {
    // What loading found (a bound dropped, a construct left out) is reported with validation's findings.
    let mut out = spec.notes.clone();
    check_refs(spec, &spec.raw, String::new(), &mut out);
    check_operation_ids(spec, &mut out);
    out
}

/// Every `$ref` must be local and point at something.
fn check_refs(spec: &Spec, v: &serde_json::Value, pointer: String, out: &mut Vec<Diagnostic>) {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(|r| r.as_str())
                && let Err(msg) = resolve::raw_target(spec, r)
            {
                out.push(spec.diag(Severity::Error, &child(&pointer, "$ref"), msg));
            }
            if let Some(mapping) = map.get("discriminator").and_then(|d| d.get("mapping")).and_then(|m| m.as_object()) {
                check_mapping(spec, mapping, &child(&child(&pointer, "discriminator"), "mapping"), out);
            }
            for (k, v) in map {
                // Examples are data, not schema: a `$ref` key inside one is just a key.
                let in_example_object = pointer.rsplit('/').nth(1) == Some("examples");
                if k == "example" || (k == "value" && in_example_object) {
                    continue;
                }
                check_refs(spec, v, child(&pointer, k), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_refs(spec, v, child(&pointer, &i.to_string()), out);
            }
        }
        _ => {}
    }
}

/// A discriminator mapping names schemas: a `#/...` reference or a bare component name. One that names
/// nothing (often a leftover of bundling: `models/x.yml#/a`) is a warning and the entry is ignored (the
/// variant it meant still dispatches on its own name; an unmapped value decodes as `Unknown`); one that names a schema that cannot carry the discriminator property (not an
/// object) is a warning, since such a variant can never match.
fn check_mapping(
    spec: &Spec,
    mapping: &serde_json::Map<String, serde_json::Value>,
    pointer: &str,
    out: &mut Vec<Diagnostic>,
) {
    for (value, target) in mapping {
        let at = child(pointer, value);
        let Some(target) = target.as_str() else {
            out.push(spec.diag(Severity::Error, &at, "a discriminator mapping value must be a string"));
            continue;
        };
        let reference =
            if target.starts_with('#') { target.to_string() } else { format!("#/components/schemas/{target}") };
        match resolve::raw_target(spec, &reference) {
            Err(msg) => out.push(spec.diag(
                Severity::Warning,
                &at,
                format!("discriminator value `{value}` maps to `{target}`, which names no schema, so the entry is ignored: {msg}"),
            )),
            Ok((schema, _)) => {
                let kind = schema.get("type").and_then(|t| t.as_str());
                let composite = ["allOf", "oneOf", "anyOf", "properties"].iter().any(|k| schema.get(*k).is_some());
                if !composite && kind.is_some_and(|k| k != "object") {
                    out.push(spec.diag(
                        Severity::Warning,
                        &at,
                        format!("discriminator value `{value}` maps to `{target}`, a {} schema that cannot carry the discriminator property", kind.unwrap_or("non-object")),
                    ));
                }
            }
        }
    }
}

/// `operationId` becomes a method name, so it should be unique; a duplicate is a warning and the method renamed.
fn check_operation_ids(spec: &Spec, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in &spec.api.paths.paths {
        let openapiv3::ReferenceOr::Item(item) = item else { continue };
        for (method, op) in item.iter() {
            let Some(id) = &op.operation_id else { continue };
            let at = child(&child(&child("/paths", path), method), "operationId");
            if let Some(first) = seen.get(id) {
                // A spec bug public descriptions do have: the later method takes another name (its own warning).
                out.push(spec.diag(
                    Severity::Warning,
                    &at,
                    format!("duplicate operationId `{id}` (first used at {first}); this operation's method is renamed"),
                ));
            } else {
                seen.insert(id.clone(), at);
            }
        }
    }
}
