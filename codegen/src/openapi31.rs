//! OpenAPI 3.1 and 3.2 read through the 3.0 pipeline: [`normalise`] rewrites a document's raw tree in place
//! into the 3.0 shape the rest of the generator reads, before `openapiv3` decodes it.
//!
//! Every node stays at its JSON pointer wherever it can (a keyword's value changes, a key is added beside it).
//! Where a node has to move (`type: [string, integer]` becomes an `anyOf` of two branches, a lone non-null
//! `anyOf` branch becomes an `allOf` part), the move is recorded in [`Normalised::moved`], and
//! [`crate::load::Spec::diag`] reports a diagnostic at the pointer the user wrote, so file:line:column still
//! point into their file.
//!
//! | 3.1 / 3.2 | read as |
//! |---|---|
//! | `type: [T, "null"]`, a `{type: "null"}` branch of `anyOf`/`oneOf`, `type: "null"` | `nullable: true` (a lone remaining branch becomes an `allOf` part) |
//! | `type: [A, B]` | `anyOf: [{type: A, ...}, {type: B, ...}]`, each keyword moved to the branch it applies to |
//! | `$ref` beside constraining keywords (or beside a property's docs) | `allOf: [{$ref}]` beside them, so they apply |
//! | `const: v` | `enum: [v]` (with `type` inferred from `v` when absent) |
//! | `examples: [a, ...]` | `example: a` |
//! | `exclusiveMinimum: n` | `minimum: n`, `exclusiveMinimum: true` (the same for the maximum) |
//! | `contentEncoding: base64` / `contentMediaType` | `format: byte` / `format: binary` |
//! | `patternProperties` (one value schema) | `additionalProperties`, when that is not a schema already |
//! | `unevaluatedProperties` | `additionalProperties`, when that is absent |
//! | `prefixItems` | kept, and read by [`crate::types`] as a Rust tuple; `type: array` added when absent |
//! | `true` / `false` as a schema | `{}` / `{not: {}}` |
//! | `$anchor`, `$id` in a `$ref` | the pointer of the schema that declares it |
//! | `webhooks`, `components/pathItems` | read where they are (`Document::webhooks`, path item `$ref`s) |
//! | no `paths`; an operation without `responses` | `paths: {}`; `responses: {}` (with a warning) |
//! | `components/mediaTypes` (3.2) | each referenced media type inlined |
//!
//! Accepted as they are: `$defs`, `$schema`, `$comment`, `$id`, `$anchor`, `propertyNames`,
//! `dependentRequired`, `dependentSchemas`, `if`/`then`/`else`, `contains`, `info.summary`,
//! `license.identifier`, `itemSchema` (3.2; its schema is normalised like any other). Refused at their
//! pointer: a `jsonSchemaDialect` other than OpenAPI's own, and 3.2's `in: querystring` parameters. Warned
//! and left out: `mutualTLS` security schemes, 3.2's `query` method and `additionalOperations`.
//!
//! Bounds (in every version) go through [`crate::numbers::fit_bounds`].

use crate::diag::child;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The dialects read as OpenAPI's own: its base dialect (3.1 and 3.2, by name or dated) and the JSON Schema
/// draft it extends, whose keywords it reads identically.
fn dialect_accepted(uri: &str) -> bool {
    let uri = uri.trim_end_matches('#');
    uri.starts_with("https://spec.openapis.org/oas/3.1/dialect/")
        || uri.starts_with("https://spec.openapis.org/oas/3.2/dialect/")
        || uri == "https://json-schema.org/draft/2020-12/schema"
}

/// What normalising found and did.
#[derive(Debug, Default)]
pub struct Normalised {
    /// `(pointer in the normalised tree, pointer the user wrote)`, for nodes that moved.
    pub moved: Vec<(String, String)>,
    /// `(pointer, message)`: constructs read with a loss.
    pub warnings: Vec<(String, String)>,
    /// `(pointer, message)`: constructs refused.
    pub errors: Vec<(String, String)>,
}

impl Normalised {
    /// The pointer the user wrote for a pointer into the normalised tree.
    pub fn original(&self, pointer: &str) -> String {
        original(&self.moved, pointer)
    }
}

/// Maps a normalised pointer back through the recorded moves (longest prefix first, repeatedly, since a
/// moved node can sit inside another).
pub fn original(moved: &[(String, String)], pointer: &str) -> String {
    let mut p = pointer.to_string();
    for _ in 0..32 {
        let hit = moved
            .iter()
            .filter(|(new, _)| p == *new || p.strip_prefix(new.as_str()).is_some_and(|r| r.starts_with('/')))
            .max_by_key(|(new, _)| new.len());
        match hit {
            Some((new, old)) => p = format!("{old}{}", &p[new.len()..]),
            None => break,
        }
    }
    p
}

/// Normalises a document in place. `full` is false for OpenAPI 3.0 documents, which are only checked for
/// bounds (they keep reading exactly as before).
pub fn normalise(root: &mut Value, full: bool) -> Normalised {
    let mut n = Walker { full, out: Normalised::default(), ids: HashMap::new() };
    n.document(root);
    if full && !n.ids.is_empty() {
        let ids = std::mem::take(&mut n.ids);
        rewrite_refs(root, &ids);
    }
    n.out
}

struct Walker {
    full: bool,
    out: Normalised,
    /// `$id` and `#anchor` → the pointer of the schema that declares it.
    ids: HashMap<String, String>,
}

/// A JSON pointer built in place as the walk descends: one buffer, not a string per node.
#[derive(Default)]
struct Path(String);

impl Path {
    fn at(&self) -> &str {
        &self.0
    }

    /// Appends a segment (escaped); returns the length to go back to.
    fn enter(&mut self, segment: &str) -> usize {
        let mark = self.0.len();
        self.0.push('/');
        for c in segment.chars() {
            match c {
                '~' => self.0.push_str("~0"),
                '/' => self.0.push_str("~1"),
                c => self.0.push(c),
            }
        }
        mark
    }

    fn enter_index(&mut self, i: usize) -> usize {
        use std::fmt::Write;
        let mark = self.0.len();
        let _ = write!(self.0, "/{i}");
        mark
    }

    fn leave(&mut self, mark: usize) {
        self.0.truncate(mark);
    }
}

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Where a schema sits, which decides what its `$ref` siblings can mean.
#[derive(Clone, Copy, PartialEq)]
enum Pos {
    /// A property: annotations beside a `$ref` become the field's docs.
    Property,
    Other,
}

/// Keywords that only annotate: beside a `$ref` they change no type.
const ANNOTATIONS: [&str; 12] = [
    "description",
    "title",
    "deprecated",
    "readOnly",
    "writeOnly",
    "example",
    "examples",
    "default",
    "externalDocs",
    "xml",
    "summary",
    "discriminator",
];
/// Keywords that neither annotate a type nor constrain one.
const INERT: [&str; 7] = ["$comment", "$id", "$anchor", "$schema", "$defs", "$dynamicAnchor", "definitions"];

const STRING_KW: [&str; 7] =
    ["format", "pattern", "minLength", "maxLength", "contentEncoding", "contentMediaType", "contentSchema"];
const NUMBER_KW: [&str; 6] = ["format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];
const ARRAY_KW: [&str; 9] = [
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
    "unevaluatedItems",
];
const OBJECT_KW: [&str; 10] = [
    "properties",
    "required",
    "additionalProperties",
    "patternProperties",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "unevaluatedProperties",
    "dependentRequired",
    "dependentSchemas",
];

fn is_numeric_format(f: &str) -> bool {
    f.starts_with("int") || f.starts_with("uint") || matches!(f, "float" | "double")
}

impl Walker {
    fn moved(&mut self, new: String, old: String) {
        if new != old {
            self.out.moved.push((new, old));
        }
    }

    fn warn(&mut self, at: String, message: impl Into<String>) {
        self.out.warnings.push((at, message.into()));
    }

    fn document(&mut self, root: &mut Value) {
        let Some(m) = root.as_object_mut() else { return };
        if self.full {
            if let Some(d) = m.get("jsonSchemaDialect") {
                match d.as_str() {
                    Some(uri) if dialect_accepted(uri) => {}
                    _ => self.out.errors.push((
                        "/jsonSchemaDialect".into(),
                        format!(
                            "the JSON Schema dialect {d} is not supported: this generator reads OpenAPI's own dialect \
                             (https://spec.openapis.org/oas/3.1/dialect/base), and schemas in another may mean something else"
                        ),
                    )),
                }
            }
            if !m.contains_key("paths") {
                m.insert("paths".into(), json!({}));
            }
            // 3.2's reusable media types are inlined where they are referenced.
            let media_types = m.get("components").and_then(|c| c.get("mediaTypes")).cloned();
            if let Some(Value::Object(media_types)) = media_types {
                inline_media_types(root, &media_types, "", &mut self.out.moved);
            }
        }
        let Some(m) = root.as_object_mut() else { return };
        let p = &mut Path::default();
        for key in ["paths", "webhooks", crate::extensions::WEBHOOKS] {
            if let Some(Value::Object(items)) = m.get_mut(key) {
                let top = p.enter(key);
                for (name, item) in items.iter_mut() {
                    let mark = p.enter(name);
                    self.path_item(item, p);
                    p.leave(mark);
                }
                p.leave(top);
            }
        }
        let Some(Value::Object(c)) = m.get_mut("components") else { return };
        let top = p.enter("components");
        for (kind, entries) in c.iter_mut() {
            let Value::Object(entries) = entries else { continue };
            let base = p.enter(kind);
            for (name, v) in entries.iter_mut() {
                let mark = p.enter(name);
                match kind.as_str() {
                    "schemas" => self.schema(v, p, Pos::Other),
                    "responses" => self.response(v, p),
                    "parameters" => self.parameter(v, p),
                    "requestBodies" => self.content_of(v, p),
                    "headers" => self.header(v, p),
                    "pathItems" => self.path_item(v, p),
                    "callbacks" => self.callback(v, p),
                    "mediaTypes" => self.media_type(v, p),
                    _ => {}
                }
                p.leave(mark);
            }
            if kind == "securitySchemes" && self.full {
                let mutual: Vec<String> =
                    entries.iter().filter(|(_, s)| s["type"] == "mutualTLS").map(|(k, _)| k.clone()).collect();
                for name in mutual {
                    entries.shift_remove(&name);
                    self.warn(
                        child(p.at(), &name),
                        "a `mutualTLS` security scheme is not generated: give the client a TLS identity through \
                         `reqwest::ClientBuilder::identity` and `Client::with_http`",
                    );
                }
            }
            p.leave(base);
        }
        p.leave(top);
    }

    fn callback(&mut self, v: &mut Value, p: &mut Path) {
        if let Value::Object(exprs) = v {
            for (expr, item) in exprs.iter_mut() {
                let mark = p.enter(expr);
                self.path_item(item, p);
                p.leave(mark);
            }
        }
    }

    /// Each parameter of a list under `key`.
    fn parameters(&mut self, m: &mut Map<String, Value>, p: &mut Path) {
        if let Some(Value::Array(ps)) = m.get_mut("parameters") {
            let top = p.enter("parameters");
            for (i, v) in ps.iter_mut().enumerate() {
                let mark = p.enter_index(i);
                self.parameter(v, p);
                p.leave(mark);
            }
            p.leave(top);
        }
    }

    fn path_item(&mut self, v: &mut Value, p: &mut Path) {
        let Some(m) = v.as_object_mut() else { return };
        self.parameters(m, p);
        if self.full {
            if m.contains_key("query") {
                self.warn(child(p.at(), "query"), "the QUERY method (OpenAPI 3.2) is not generated");
            }
            if let Some(Value::Object(extra)) = m.get("additionalOperations") {
                for method in extra.keys() {
                    let at = child(&child(p.at(), "additionalOperations"), method);
                    self.out.warnings.push((
                        at,
                        format!("the `{method}` method is not generated: only the methods of OpenAPI 3.0 are"),
                    ));
                }
            }
        }
        for method in METHODS {
            if let Some(op) = m.get_mut(method) {
                let mark = p.enter(method);
                self.operation(op, p);
                p.leave(mark);
            }
        }
    }

    fn operation(&mut self, v: &mut Value, p: &mut Path) {
        let Some(m) = v.as_object_mut() else { return };
        if self.full && !m.contains_key("responses") {
            // Optional since 3.1; 3.0's model needs the key.
            m.insert("responses".into(), json!({}));
            self.warn(p.at().to_string(), "no `responses` are declared: the method returns `()` and ignores any body");
        }
        self.parameters(m, p);
        if let Some(body) = m.get_mut("requestBody") {
            let mark = p.enter("requestBody");
            self.content_of(body, p);
            p.leave(mark);
        }
        for key in ["responses", "callbacks"] {
            if let Some(Value::Object(entries)) = m.get_mut(key) {
                let top = p.enter(key);
                for (name, e) in entries.iter_mut() {
                    let mark = p.enter(name);
                    if key == "responses" {
                        self.response(e, p);
                    } else {
                        self.callback(e, p);
                    }
                    p.leave(mark);
                }
                p.leave(top);
            }
        }
    }

    fn parameter(&mut self, v: &mut Value, p: &mut Path) {
        if self.full && v["in"] == "querystring" {
            self.out.errors.push((
                child(p.at(), "in"),
                "a `querystring` parameter (OpenAPI 3.2: the whole query string as one value) is not supported; \
                 declare its fields as `query` parameters"
                    .into(),
            ));
            return;
        }
        self.header(v, p);
    }

    fn header(&mut self, v: &mut Value, p: &mut Path) {
        if let Some(s) = v.get_mut("schema") {
            let mark = p.enter("schema");
            self.schema(s, p, Pos::Other);
            p.leave(mark);
        }
        self.content_of(v, p);
    }

    /// Each header of a map under `headers`.
    fn headers(&mut self, v: &mut Value, p: &mut Path) {
        if let Some(Value::Object(hs)) = v.get_mut("headers") {
            let top = p.enter("headers");
            for (name, h) in hs.iter_mut() {
                let mark = p.enter(name);
                self.header(h, p);
                p.leave(mark);
            }
            p.leave(top);
        }
    }

    fn response(&mut self, v: &mut Value, p: &mut Path) {
        self.headers(v, p);
        self.content_of(v, p);
    }

    fn content_of(&mut self, v: &mut Value, p: &mut Path) {
        if let Some(Value::Object(content)) = v.get_mut("content") {
            let top = p.enter("content");
            for (media, mt) in content.iter_mut() {
                let mark = p.enter(media);
                self.media_type(mt, p);
                p.leave(mark);
            }
            p.leave(top);
        }
    }

    fn media_type(&mut self, v: &mut Value, p: &mut Path) {
        for key in ["schema", "itemSchema"] {
            if let Some(s) = v.get_mut(key) {
                let mark = p.enter(key);
                self.schema(s, p, Pos::Other);
                p.leave(mark);
            }
        }
        if let Some(Value::Object(enc)) = v.get_mut("encoding") {
            let top = p.enter("encoding");
            for (name, e) in enc.iter_mut() {
                let mark = p.enter(name);
                self.headers(e, p);
                p.leave(mark);
            }
            p.leave(top);
        }
    }

    /// One schema, then every schema inside it (at their final positions).
    fn schema(&mut self, v: &mut Value, p: &mut Path, pos: Pos) {
        if self.full
            && let Value::Bool(b) = v
        {
            *v = if *b { json!({}) } else { json!({"not": {}}) };
            return;
        }
        let Some(m) = v.as_object_mut() else { return };
        if self.full {
            let at = p.at();
            for (key, prefix) in [("$id", ""), ("$anchor", "#"), ("$dynamicAnchor", "#")] {
                if let Some(id) = m.get(key).and_then(Value::as_str) {
                    self.ids.insert(format!("{prefix}{id}"), at.to_string());
                }
            }
            self.keywords(m, at);
            self.null_branches(m, at);
            self.type_array(m, at);
            self.ref_siblings(m, at, pos);
        }
        crate::numbers::fit_bounds(m, p.at(), &mut self.out.warnings);

        for (key, v) in m.iter_mut() {
            match key.as_str() {
                "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                    if let Value::Object(children) = v {
                        let pos = if key == "properties" { Pos::Property } else { Pos::Other };
                        let top = p.enter(key);
                        for (name, s) in children.iter_mut() {
                            let mark = p.enter(name);
                            self.schema(s, p, pos);
                            p.leave(mark);
                        }
                        p.leave(top);
                    }
                }
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                    if let Value::Array(items) = v {
                        let top = p.enter(key);
                        for (i, s) in items.iter_mut().enumerate() {
                            let mark = p.enter_index(i);
                            self.schema(s, p, Pos::Other);
                            p.leave(mark);
                        }
                        p.leave(top);
                    }
                }
                "items" | "not" | "if" | "then" | "else" | "contains" | "propertyNames" | "contentSchema"
                | "unevaluatedItems" => {
                    let mark = p.enter(key);
                    self.schema(v, p, Pos::Other);
                    p.leave(mark);
                }
                "additionalProperties" | "unevaluatedProperties" if v.is_object() => {
                    let mark = p.enter(key);
                    self.schema(v, p, Pos::Other);
                    p.leave(mark);
                }
                _ => {}
            }
        }
    }

    /// Keyword-for-keyword rewrites of one schema.
    fn keywords(&mut self, m: &mut Map<String, Value>, at: &str) {
        if m.get("type").and_then(Value::as_str) == Some("null") {
            m.remove("type");
            m.insert("nullable".into(), Value::Bool(true));
        }
        if let Some(c) = m.get("const").cloned()
            && !m.contains_key("enum")
        {
            if c.is_null() {
                m.insert("nullable".into(), Value::Bool(true));
            } else {
                if !m.contains_key("type") && !m.contains_key("$ref") {
                    let t = match &c {
                        Value::String(_) => Some("string"),
                        Value::Bool(_) => Some("boolean"),
                        Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
                        Value::Number(_) => Some("number"),
                        _ => None,
                    };
                    if let Some(t) = t {
                        m.insert("type".into(), t.into());
                    }
                }
                m.insert("enum".into(), json!([c]));
                self.moved(child(at, "enum"), child(at, "const"));
            }
        }
        if !m.contains_key("example")
            && let Some(Value::Array(examples)) = m.get("examples")
            && let Some(first) = examples.first().cloned()
        {
            m.insert("example".into(), first);
            self.moved(child(at, "example"), child(&child(at, "examples"), "0"));
        }
        for (exclusive, inclusive, stricter) in [
            ("exclusiveMinimum", "minimum", std::cmp::Ordering::Greater),
            ("exclusiveMaximum", "maximum", std::cmp::Ordering::Less),
        ] {
            let Some(Value::Number(x)) = m.get(exclusive).cloned() else { continue };
            let binds = match m.get(inclusive).and_then(Value::as_f64) {
                Some(i) => x.as_f64().and_then(|x| x.partial_cmp(&i)).is_some_and(|o| o == stricter || o.is_eq()),
                None => true,
            };
            if binds {
                m.insert(inclusive.into(), Value::Number(x));
                m.insert(exclusive.into(), Value::Bool(true));
                self.moved(child(at, inclusive), child(at, exclusive));
            } else {
                m.remove(exclusive);
            }
        }
        if !m.contains_key("format") {
            let encoding = m.get("contentEncoding").and_then(Value::as_str);
            let media = m.get("contentMediaType").and_then(Value::as_str);
            if encoding.is_some_and(|e| e.eq_ignore_ascii_case("base64") || e.eq_ignore_ascii_case("base64url")) {
                m.insert("format".into(), "byte".into());
                self.moved(child(at, "format"), child(at, "contentEncoding"));
            } else if encoding.is_none() && media.is_some_and(|t| !t.contains("json") && !t.starts_with("text/")) {
                m.insert("format".into(), "binary".into());
                self.moved(child(at, "format"), child(at, "contentMediaType"));
            }
        }
        if !m.get("additionalProperties").is_some_and(Value::is_object)
            && let Some(Value::Object(patterns)) = m.get("patternProperties")
            && let Some((first_key, first)) = patterns.iter().next()
            && patterns.values().all(|p| p == first)
        {
            let (first_key, first) = (first_key.clone(), first.clone());
            m.insert("additionalProperties".into(), first);
            self.moved(child(at, "additionalProperties"), child(&child(at, "patternProperties"), &first_key));
        }
        if !m.contains_key("additionalProperties")
            && let Some(u) = m.get("unevaluatedProperties").cloned()
        {
            m.insert("additionalProperties".into(), u);
            self.moved(child(at, "additionalProperties"), child(at, "unevaluatedProperties"));
        }
        match m.get("prefixItems") {
            Some(Value::Array(prefix)) if !prefix.is_empty() => {
                // A tuple: `types` reads `prefixItems` (and `items`, the rest) from the raw tree.
                if matches!(m.get("items"), Some(Value::Bool(_))) {
                    m.remove("items");
                }
                if !m.contains_key("type") {
                    m.insert("type".into(), "array".into());
                }
            }
            _ => {
                if matches!(m.get("items"), Some(Value::Bool(_))) {
                    m.remove("items");
                }
            }
        }
    }

    /// `anyOf`/`oneOf` branches that only admit `null` become `nullable: true`.
    fn null_branches(&mut self, m: &mut Map<String, Value>, at: &str) {
        for key in ["anyOf", "oneOf"] {
            let Some(Value::Array(branches)) = m.get(key) else { continue };
            let keep: Vec<usize> = (0..branches.len()).filter(|&i| !only_null(&branches[i])).collect();
            if keep.len() == branches.len() {
                continue;
            }
            let Some(Value::Array(branches)) = m.remove(key) else { continue };
            m.insert("nullable".into(), Value::Bool(true));
            let kept: Vec<Value> = keep.iter().map(|&i| branches[i].clone()).collect();
            match kept.len() {
                0 => {}
                1 => {
                    // One branch left: a part of an `allOf`, which the pipeline reads as that branch.
                    let mut parts = match m.remove("allOf") {
                        Some(Value::Array(p)) => p,
                        _ => Vec::new(),
                    };
                    let new = child(&child(at, "allOf"), &parts.len().to_string());
                    self.moved(new, child(&child(at, key), &keep[0].to_string()));
                    parts.extend(kept);
                    m.insert("allOf".into(), Value::Array(parts));
                }
                _ => {
                    for (new_i, &old_i) in keep.iter().enumerate() {
                        self.moved(
                            child(&child(at, key), &new_i.to_string()),
                            child(&child(at, key), &old_i.to_string()),
                        );
                    }
                    m.insert(key.into(), Value::Array(kept));
                }
            }
        }
    }

    /// `type: [...]`: `null` becomes `nullable`; several other types become an `anyOf` of one branch each.
    fn type_array(&mut self, m: &mut Map<String, Value>, at: &str) {
        let Some(Value::Array(types)) = m.get("type") else { return };
        let mut names: Vec<String> = types.iter().filter_map(Value::as_str).map(str::to_string).collect();
        if names.iter().any(|t| t == "null") {
            names.retain(|t| t != "null");
            m.insert("nullable".into(), Value::Bool(true));
        }
        names.dedup();
        if names.len() == 2 && names.contains(&"integer".to_string()) && names.contains(&"number".to_string()) {
            names = vec!["number".into()];
        }
        match names.len() {
            0 => {
                m.remove("type");
            }
            1 => {
                m.insert("type".into(), Value::String(names.remove(0)));
            }
            _ if m.contains_key("anyOf") || m.contains_key("oneOf") => {
                self.warn(
                    child(at, "type"),
                    format!("a `type` list beside `anyOf`/`oneOf` is read as its first type, `{}`", names[0]),
                );
                m.insert("type".into(), Value::String(names.remove(0)));
            }
            _ => {
                m.remove("type");
                let mut branches: Vec<Map<String, Value>> = names
                    .iter()
                    .map(|t| {
                        let mut b = Map::new();
                        b.insert("type".into(), Value::String(t.clone()));
                        b
                    })
                    .collect();
                let fits = |t: &str, key: &str, value: &Value| -> bool {
                    match t {
                        "string" => {
                            STRING_KW.contains(&key)
                                && (key != "format" || value.as_str().is_some_and(|f| !is_numeric_format(f)))
                        }
                        "integer" | "number" => {
                            NUMBER_KW.contains(&key)
                                && (key != "format" || value.as_str().is_some_and(is_numeric_format))
                        }
                        "array" => ARRAY_KW.contains(&key),
                        "object" => OBJECT_KW.contains(&key),
                        _ => false,
                    }
                };
                let keys: Vec<String> = m.keys().cloned().collect();
                for key in keys {
                    if key == "enum" {
                        let Some(Value::Array(values)) = m.remove("enum") else { continue };
                        for (t, b) in names.iter().zip(branches.iter_mut()) {
                            let own: Vec<Value> = values.iter().filter(|v| json_type_is(v, t)).cloned().collect();
                            if !own.is_empty() {
                                b.insert("enum".into(), Value::Array(own));
                            }
                        }
                        continue;
                    }
                    let Some(i) = m.get(&key).and_then(|value| names.iter().position(|t| fits(t, &key, value))) else {
                        continue;
                    };
                    if let Some(value) = m.remove(&key) {
                        branches[i].insert(key, value);
                    }
                }
                for i in 0..branches.len() {
                    self.moved(child(&child(at, "anyOf"), &i.to_string()), at.to_string());
                }
                m.insert("anyOf".into(), Value::Array(branches.into_iter().map(Value::Object).collect()));
            }
        }
    }

    /// A `$ref` beside keywords that constrain (or beside a property's docs) becomes an `allOf` part, so the
    /// keywords apply: `openapiv3`, like OpenAPI 3.0, reads a reference alone.
    fn ref_siblings(&mut self, m: &mut Map<String, Value>, at: &str, pos: Pos) {
        let Some(reference) = m.get("$ref").cloned() else { return };
        let mut annotates = false;
        let mut constrains = false;
        for key in m.keys().filter(|k| *k != "$ref" && !INERT.contains(&k.as_str())) {
            if ANNOTATIONS.contains(&key.as_str()) || key.starts_with("x-") {
                annotates = true;
            } else {
                constrains = true;
            }
        }
        if !(constrains || (annotates && pos == Pos::Property)) {
            return;
        }
        m.remove("$ref");
        let mut parts = match m.remove("allOf") {
            Some(Value::Array(p)) => p,
            _ => Vec::new(),
        };
        self.moved(child(&child(at, "allOf"), &parts.len().to_string()), at.to_string());
        parts.push(json!({"$ref": reference}));
        m.insert("allOf".into(), Value::Array(parts));
    }
}

/// A branch that admits only `null`.
fn only_null(v: &Value) -> bool {
    let Some(m) = v.as_object() else { return false };
    let null_type = match m.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(ts)) => !ts.is_empty() && ts.iter().all(|t| t == "null"),
        _ => false,
    };
    let null_const = m.get("const").is_some_and(Value::is_null)
        || m.get("enum").and_then(Value::as_array).is_some_and(|e| !e.is_empty() && e.iter().all(Value::is_null));
    (null_type || null_const)
        && m.keys().all(|k| {
            matches!(k.as_str(), "type" | "const" | "enum" | "nullable")
                || ANNOTATIONS.contains(&k.as_str())
                || INERT.contains(&k.as_str())
                || k.starts_with("x-")
        })
}

fn json_type_is(v: &Value, t: &str) -> bool {
    match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

/// Replaces each `{$ref: '#/components/mediaTypes/X'}` media type with its target (recording the move).
fn inline_media_types(v: &mut Value, media_types: &Map<String, Value>, at: &str, moved: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            let mut content_keys = Vec::new();
            if let Some(Value::Object(content)) = m.get("content") {
                content_keys = content.keys().cloned().collect();
            }
            for media in content_keys {
                let Some(Value::Object(content)) = m.get_mut("content") else { break };
                let Some(entry) = content.get_mut(&media) else { continue };
                let target = entry["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/mediaTypes/"));
                let Some(name) = target.map(|t| t.replace("~1", "/").replace("~0", "~")) else { continue };
                if let Some(found) = media_types.get(&name) {
                    *entry = found.clone();
                    moved.push((child(&child(at, "content"), &media), child("/components/mediaTypes", &name)));
                }
            }
            for (k, c) in m.iter_mut() {
                if at.is_empty() && k == "components" {
                    continue;
                }
                inline_media_types(c, media_types, &child(at, k), moved);
            }
        }
        Value::Array(items) => {
            for (i, c) in items.iter_mut().enumerate() {
                inline_media_types(c, media_types, &child(at, &i.to_string()), moved);
            }
        }
        _ => {}
    }
}

/// Rewrites `$ref`s that name a schema by `$id` or `#anchor` into JSON pointers.
fn rewrite_refs(v: &mut Value, ids: &HashMap<String, String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref")
                && !r.starts_with("#/")
                && let Some(pointer) = ids.get(r.as_str())
            {
                *r = format!("#{pointer}");
            }
            m.values_mut().for_each(|c| rewrite_refs(c, ids));
        }
        Value::Array(items) => items.iter_mut().for_each(|c| rewrite_refs(c, ids)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalised(schemas: Value) -> (Value, Normalised) {
        let mut doc = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
                             "components": {"schemas": schemas}});
        let n = normalise(&mut doc, true);
        (doc, n)
    }

    #[test]
    fn nodes_keep_their_pointers_and_moves_are_recorded() {
        let (doc, n) = normalised(json!({
            "A": {"type": "object", "properties": {
                "n": {"type": ["string", "null"], "examples": ["x"]},
                "o": {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/B"}]},
                "c": {"const": "card"},
                "e": {"type": "integer", "exclusiveMinimum": 0},
                "b": {"type": "string", "contentEncoding": "base64"},
                "m": {"type": ["string", "object"], "minLength": 1, "properties": {"k": {"type": "string"}}},
                "r": {"$ref": "#/components/schemas/B", "description": "d"},
                "t": true
            }},
            "B": {"$ref": "#/components/schemas/A", "required": ["n"]},
            "P": {"type": "object", "patternProperties": {"^a": {"type": "integer"}}, "unevaluatedProperties": false}
        }));
        assert!(n.errors.is_empty() && n.warnings.is_empty(), "{n:?}");
        let s = |p: &str| doc.pointer(&format!("/components/schemas{p}")).unwrap_or_else(|| panic!("nothing at {p}"));
        assert_eq!(
            s("/A/properties/n"),
            &json!({"type": "string", "nullable": true, "examples": ["x"], "example": "x"})
        );
        assert_eq!(s("/A/properties/o"), &json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/B"}]}));
        assert_eq!(s("/A/properties/c"), &json!({"const": "card", "type": "string", "enum": ["card"]}));
        assert_eq!(s("/A/properties/e"), &json!({"type": "integer", "exclusiveMinimum": true, "minimum": 0}));
        assert_eq!(s("/A/properties/b")["format"], "byte");
        assert_eq!(
            s("/A/properties/m"),
            &json!({"anyOf": [{"type": "string", "minLength": 1}, {"type": "object", "properties": {"k": {"type": "string"}}}]})
        );
        assert_eq!(s("/A/properties/r"), &json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/B"}]}));
        assert_eq!(s("/A/properties/t"), &json!({}));
        assert_eq!(s("/B"), &json!({"required": ["n"], "allOf": [{"$ref": "#/components/schemas/A"}]}));
        assert_eq!(s("/P/additionalProperties"), &json!({"type": "integer"}));

        // Every moved node maps back to where it was written.
        let at = |p: &str| n.original(&format!("/components/schemas{p}"));
        assert_eq!(at("/A/properties/o/allOf/0/$ref"), "/components/schemas/A/properties/o/anyOf/1/$ref");
        assert_eq!(at("/A/properties/m/anyOf/1/properties/k"), "/components/schemas/A/properties/m/properties/k");
        assert_eq!(at("/A/properties/m/anyOf/0/minLength"), "/components/schemas/A/properties/m/minLength");
        assert_eq!(at("/A/properties/c/enum/0"), "/components/schemas/A/properties/c/const/0");
        assert_eq!(at("/A/properties/e/minimum"), "/components/schemas/A/properties/e/exclusiveMinimum");
        assert_eq!(at("/A/properties/n/example"), "/components/schemas/A/properties/n/examples/0");
        assert_eq!(at("/B/allOf/0"), "/components/schemas/B");
        assert_eq!(at("/P/additionalProperties/type"), "/components/schemas/P/patternProperties/^a/type");
        // A node that did not move keeps its pointer.
        assert_eq!(at("/A/properties/n/type"), "/components/schemas/A/properties/n/type");
    }

    #[test]
    fn anchors_and_ids_become_pointers_and_documents_lose_nothing_else() {
        let (doc, _) = normalised(json!({
            "A": {"$anchor": "a", "$id": "https://example.com/a", "type": "string"},
            "B": {"type": "object", "properties": {"x": {"$ref": "#a"}, "y": {"$ref": "https://example.com/a"}}}
        }));
        assert_eq!(doc.pointer("/components/schemas/B/properties/x/$ref").unwrap(), "#/components/schemas/A");
        assert_eq!(doc.pointer("/components/schemas/B/properties/y/$ref").unwrap(), "#/components/schemas/A");
        assert_eq!(doc["paths"], json!({}), "a document without paths gets empty ones");
    }

    #[test]
    fn a_3_0_document_is_only_fitted() {
        let mut doc = json!({"openapi": "3.0.3", "components": {"schemas": {
            "A": {"type": "object", "properties": {"c": {"const": "x"}, "t": {"type": "integer", "maximum": 1e30}}}
        }}});
        let before = doc.clone();
        let n = normalise(&mut doc, false);
        assert!(n.moved.is_empty());
        assert_eq!(n.warnings.len(), 1);
        assert_eq!(n.warnings[0].0, "/components/schemas/A/properties/t/maximum");
        let mut expected = before;
        expected.pointer_mut("/components/schemas/A/properties/t").unwrap().as_object_mut().unwrap().remove("maximum");
        assert_eq!(doc, expected);
        assert!(doc.get("paths").is_none());
    }
}
