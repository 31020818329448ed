//! Structure-aware fuzzing of the generator: documents that are valid (or nearly) and strange at the same
//! time, which byte mutation seldom builds. Each input is a parsed seed document whose tree is mutated
//! (compositions, enums, discriminators, recursion, type/format pairs, nullability, status ranges, parameter
//! names, trailing slashes) and whose names are replaced from a hostile dictionary (keywords, prelude and std
//! names, every item the runtime defines, case-conversion collisions, digits, non-ASCII, the empty string),
//! then written back out as YAML or JSON.
//!
//! Every input must give a crate or a refusal with diagnostics, never a panic or a hang; a sample of the
//! crates is compiled, warnings denied, and must build. Seeds are fixed, so a failure names the input that
//! reproduces it. `cargo test` runs a budget of about 20 s plus the compile; `cargo xtask fuzz` runs longer:
//! `FUZZ_SECONDS` (generation budget) and `FUZZ_COMPILE` (crates compiled) set both.

mod common;

use codegen::{CrateOptions, generate_str};
use common::Rng;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options", "trace"];

/// The names that hurt generators, by family.
fn dictionary() -> Vec<(&'static str, Vec<String>)> {
    // The generator's own keyword and reserved lists, plus forms and names they do not hold.
    let mut keywords: Vec<String> = codegen::naming::KEYWORDS.iter().map(|s| s.to_string()).collect();
    keywords
        .extend(["union", "macro_rules", "raw", "safe", "r#type", "r#fn", "r#crate", "r#self", "_"].map(String::from));
    let mut std_names: Vec<String> = codegen::naming::RESERVED_TYPES.iter().map(|s| s.to_string()).collect();
    std_names.extend(
        [
            "Error",
            "std",
            "core",
            "alloc",
            "serde",
            "serde_json",
            "reqwest",
            "bytes",
            "chrono",
            "uuid",
            "rust_decimal",
            "futures_util",
            "sha2",
            "tokio",
            "Value",
            "Map",
            "Serialize",
            "Deserialize",
            "Serializer",
            "Deserializer",
            "Formatter",
            "fmt",
            "HashMap",
            "BTreeMap",
            "Duration",
            "Arc",
            "Mutex",
            "RwLock",
            "Cow",
            "Decimal",
            "DateTime",
            "Utc",
            "NaiveDate",
            "Uuid",
            "Bytes",
            "IpAddr",
            "Stream",
            "Pin",
            "models",
            "operations",
            "client",
            "crate_",
            "u8",
            "i64",
            "str",
            "bool",
        ]
        .map(String::from),
    );
    let collisions = [
        "fooBar", "foo_bar", "FOO-BAR", "FooBar", "foo-bar", "foo bar", "FOO_BAR", "Foo_Bar", "foo__bar", "fooBAR",
        "id", "ID", "Id", "i_d",
    ];
    let odd = ["1st", "123", "9lives", "日本語", "é", "🚀", "naïve", "", " ", "-", "__", "a.b", "a/b", "x{y}", "$ref"];
    vec![
        ("keyword", keywords),
        ("std", std_names),
        ("runtime", runtime_items()),
        ("collision", collisions.iter().map(|s| s.to_string()).collect()),
        ("odd", odd.iter().map(|s| s.to_string()).collect()),
    ]
}

/// Every name the runtime defines: its functions and methods, types, modules, constants, fields and macros,
/// read from `codegen/runtime/` so the dictionary follows the runtime as it changes.
fn runtime_items() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("runtime");
    let mut names = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        names.insert(entry.path().file_stem().unwrap().to_string_lossy().into_owned());
        // An identifier that follows a defining keyword is an item the runtime defines.
        let tokens: Vec<&str> =
            text.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
        for pair in tokens.windows(2) {
            if matches!(
                pair[0],
                "fn" | "struct" | "enum" | "mod" | "type" | "const" | "trait" | "macro_rules" | "static"
            ) {
                names.insert(pair[1].to_string());
            }
        }
    }
    names.into_iter().collect()
}

/// Small seed documents written here, plus our spec and the small third-party ones.
fn seeds() -> Vec<(String, Value)> {
    let mut out = vec![("tiny".to_string(), tiny())];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = vec![root.join("spec/octopus.yaml"), root.join("codegen/tests/fixtures/features.yaml")];
    for name in ["petstore.yaml", "petstore-expanded.yaml", "link-example.yaml", "uspto.yaml", "keeper.json"] {
        files.push(root.join("../shared/specs").join(name));
    }
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else { continue };
        let v: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        out.push((f.file_name().unwrap().to_string_lossy().into_owned(), v));
    }
    out
}

fn tiny() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "tiny", "version": "1"},
        "paths": {
            "/things/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "get": {
                    "operationId": "get_thing",
                    "tags": ["things"],
                    "parameters": [{"name": "verbose", "in": "query", "schema": {"type": "boolean"}}],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                        "404": {"description": "missing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
                    }
                },
                "put": {
                    "operationId": "put_thing",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "responses": {"204": {"description": "done"}}
                }
            },
            "/things": {
                "get": {
                    "operationId": "list_things",
                    "parameters": [
                        {"name": "page", "in": "query", "schema": {"type": "integer"}},
                        {"name": "kind", "in": "query", "schema": {"$ref": "#/components/schemas/Kind"}}
                    ],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Shape"}}}}}}
                }
            }
        },
        "components": {"schemas": {
            "Thing": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "integer", "format": "int64"},
                "name": {"type": "string", "nullable": true},
                "kind": {"$ref": "#/components/schemas/Kind"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "extra": {"type": "object", "additionalProperties": {"type": "number"}}
            }},
            "Kind": {"type": "string", "enum": ["a", "b", "c"]},
            "Problem": {"type": "object", "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}},
            "Circle": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}, "r": {"type": "number"}}},
            "Square": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}, "side": {"type": "number"}}},
            "Shape": {
                "oneOf": [{"$ref": "#/components/schemas/Circle"}, {"$ref": "#/components/schemas/Square"}],
                "discriminator": {"propertyName": "type", "mapping": {"circle": "#/components/schemas/Circle", "square": "#/components/schemas/Square"}}
            },
            "Named": {"allOf": [{"$ref": "#/components/schemas/Problem"}, {"type": "object", "properties": {"name": {"type": "string"}}}]}
        }}
    })
}

/// Pointers of the schemas in a document: component schemas and every schema nested in one, in parameters,
/// bodies and responses.
fn schema_pointers(doc: &Value) -> Vec<String> {
    fn walk(v: &Value, at: &str, is_schema: bool, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if is_schema {
                    out.push(at.to_string());
                }
                for (k, child) in m {
                    let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    let child_is_schema = match k.as_str() {
                        "schema" | "items" | "not" => true,
                        "additionalProperties" => child.is_object(),
                        _ => false,
                    };
                    match k.as_str() {
                        "properties" | "schemas" if child.is_object() => {
                            for (name, s) in child.as_object().into_iter().flatten() {
                                let p = format!("{here}/{}", name.replace('~', "~0").replace('/', "~1"));
                                walk(s, &p, true, out);
                            }
                        }
                        "allOf" | "oneOf" | "anyOf" if child.is_array() => {
                            for (i, s) in child.as_array().into_iter().flatten().enumerate() {
                                walk(s, &format!("{here}/{i}"), true, out);
                            }
                        }
                        "example" | "examples" | "enum" | "default" => {}
                        _ => walk(child, &here, child_is_schema, out),
                    }
                }
            }
            Value::Array(items) => {
                for (i, c) in items.iter().enumerate() {
                    walk(c, &format!("{at}/{i}"), false, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, "", false, &mut out);
    out
}

fn operation_pointers(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (m, _) in item.as_object().into_iter().flatten().filter(|(m, _)| METHODS.contains(&m.as_str())) {
            out.push(format!("/paths/{}/{m}", path.replace('~', "~0").replace('/', "~1")));
        }
    }
    out
}

fn component_names(doc: &Value) -> Vec<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Replaces every `$ref` to `from` with one to `to`.
fn retarget(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::Object(m) => {
            if m.get("$ref").and_then(Value::as_str) == Some(from) {
                m.insert("$ref".into(), Value::String(to.into()));
            }
            for c in m.values_mut() {
                retarget(c, from, to);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| retarget(c, from, to)),
        _ => {}
    }
}

fn schema_ref(name: &str) -> String {
    format!("#/components/schemas/{}", name.replace('~', "~0").replace('/', "~1"))
}

/// Every `type` with the formats tried for it (`""`: none), flattened in this order by [`type_formats`].
const TYPE_FORMATS: &[(&str, &[&str])] = &[
    ("string", &["", "date-time", "date", "uuid", "byte", "binary", "password", "decimal", "ipv4", "ip", "nonsense"]),
    ("integer", &["", "int8", "int16", "int32", "int64", "uint8", "uint64", "nonsense"]),
    ("number", &["", "float", "double", "decimal"]),
    ("boolean", &[""]),
    ("object", &[""]),
    ("array", &[""]),
];

fn type_formats() -> Vec<(&'static str, Option<&'static str>)> {
    TYPE_FORMATS
        .iter()
        .flat_map(|(t, formats)| formats.iter().map(move |f| (*t, Some(*f).filter(|f| !f.is_empty()))))
        .collect()
}

/// One way of changing a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Composition,
    EmptyEnum,
    Discriminator,
    Recursion,
    TypeFormat,
    NullableEverywhere,
    StatusRange,
    SharedParamName,
    TrailingSlash,
    HostileSchemaName,
    HostileOperationId,
    HostileProperty,
    HostileParameter,
    HostileTag,
    HostileEnumValue,
    ParamStyle,
}

const KINDS: &[Kind] = &[
    Kind::Composition,
    Kind::EmptyEnum,
    Kind::Discriminator,
    Kind::Recursion,
    Kind::TypeFormat,
    Kind::NullableEverywhere,
    Kind::StatusRange,
    Kind::SharedParamName,
    Kind::TrailingSlash,
    Kind::HostileSchemaName,
    Kind::HostileOperationId,
    Kind::HostileProperty,
    Kind::HostileParameter,
    Kind::HostileTag,
    Kind::HostileEnumValue,
    Kind::ParamStyle,
];

struct Mutator {
    names: Vec<(&'static str, Vec<String>)>,
}

impl Mutator {
    fn name(&self, rng: &mut Rng) -> String {
        let (_, family) = rng.pick(&self.names);
        rng.pick(family).clone()
    }

    /// Applies one mutation of `kind`; returns what it did, or `None` when the document offers no place.
    fn apply(&self, kind: Kind, doc: &mut Value, rng: &mut Rng) -> Option<String> {
        let schemas = schema_pointers(doc);
        let ops = operation_pointers(doc);
        if schemas.is_empty() || ops.is_empty() || component_names(doc).is_empty() {
            return None;
        }
        match kind {
            Kind::Composition => {
                let at = rng.pick(&schemas).clone();
                let which = *rng.pick(&["allOf", "oneOf", "anyOf"]);
                let others: Vec<String> = component_names(doc);
                let member = if others.is_empty() {
                    json!({"type": "string"})
                } else {
                    json!({"$ref": schema_ref(rng.pick(&others).as_str())})
                };
                let form = rng.index(4);
                let list = match form {
                    0 => json!([]),
                    1 => json!([member]),
                    2 => json!([member.clone(), member]),
                    _ => json!([{"type": "object"}, {"type": "string", "nullable": true}]),
                };
                let s = doc.pointer_mut(&at)?.as_object_mut()?;
                if rng.chance(50) {
                    s.clear();
                }
                s.insert(which.into(), list);
                Some(format!("{which} form {form} at {at}"))
            }
            Kind::EmptyEnum => {
                let at = rng.pick(&schemas).clone();
                let s = doc.pointer_mut(&at)?.as_object_mut()?;
                s.insert("type".into(), json!(rng.pick(&["string", "integer", "number", "boolean"])));
                s.insert("enum".into(), if rng.chance(50) { json!([]) } else { json!([null]) });
                Some(format!("empty enum at {at}"))
            }
            Kind::Discriminator => {
                let at = rng.pick(&schemas).clone();
                let names = component_names(doc);
                let target = match rng.index(3) {
                    0 => "#/components/schemas/Nowhere".to_string(),
                    1 => "#/paths".to_string(),
                    _ => {
                        let name = format!("NotObject{}", rng.index(9));
                        let comps = doc.pointer_mut("/components/schemas")?.as_object_mut()?;
                        comps.insert(name.clone(), json!({"type": "string"}));
                        schema_ref(&name)
                    }
                };
                let member = names.first().map_or(json!({"type": "object"}), |n| json!({"$ref": schema_ref(n)}));
                let s = doc.pointer_mut(&at)?.as_object_mut()?;
                s.clear();
                s.insert("oneOf".into(), json!([member, {"$ref": target.clone()}]));
                let mut mapping = json!({"x": target});
                if rng.chance(30) {
                    mapping["y"] = json!("Missing");
                }
                s.insert("discriminator".into(), json!({"propertyName": "kind", "mapping": mapping}));
                Some(format!("discriminator mapping at {at}"))
            }
            Kind::Recursion => {
                let container = rng.index(6);
                let name = format!("Loop{}", rng.index(99));
                let me = json!({"$ref": schema_ref(&name)});
                let body = match container {
                    0 => json!({"type": "array", "items": me}),
                    1 => json!({"type": "object", "additionalProperties": me}),
                    2 => json!({"oneOf": [me, {"type": "string"}]}),
                    3 => json!({"allOf": [me]}),
                    4 => json!({"anyOf": [{"type": "object", "properties": {"next": me}}, {"type": "integer"}]}),
                    _ => json!({"type": "object", "required": ["next"], "properties": {"next": me}}),
                };
                let comps = doc
                    .as_object_mut()?
                    .entry("components")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()?
                    .entry("schemas")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()?;
                comps.insert(name.clone(), body);
                // Used from somewhere, so it is generated.
                let at = rng.pick(&schemas).clone();
                *doc.pointer_mut(&at)? = json!({"$ref": schema_ref(&name)});
                Some(format!("recursion through container {container} at {at}"))
            }
            Kind::TypeFormat => {
                let at = rng.pick(&schemas).clone();
                let (t, f) = *rng.pick(&type_formats());
                let nullable = rng.chance(50);
                let s = doc.pointer_mut(&at)?.as_object_mut()?;
                s.insert("type".into(), json!(t));
                match f {
                    Some(f) => s.insert("format".into(), json!(f)),
                    None => s.remove("format"),
                };
                s.insert("nullable".into(), json!(nullable));
                Some(format!("{t}/{f:?} nullable {nullable} at {at}"))
            }
            Kind::NullableEverywhere => {
                for at in &schemas {
                    if let Some(s) = doc.pointer_mut(at).and_then(Value::as_object_mut)
                        && !s.contains_key("$ref")
                    {
                        s.insert("nullable".into(), json!(true));
                    }
                }
                Some("nullable everywhere".into())
            }
            Kind::StatusRange => {
                let at = rng.pick(&ops).clone();
                let responses = doc.pointer_mut(&format!("{at}/responses"))?.as_object_mut()?;
                let first = responses.keys().next()?.clone();
                let v = responses.remove(&first)?;
                let key = *rng.pick(&["2XX", "default", "4XX", "5XX", "1XX", "3XX"]);
                responses.insert(key.into(), v);
                Some(format!("status {first} → {key} at {at}"))
            }
            Kind::SharedParamName => {
                let at = rng.pick(&ops).clone();
                let name = self.name(rng);
                let op = doc.pointer_mut(&at)?.as_object_mut()?;
                let params = op.entry("parameters").or_insert_with(|| json!([])).as_array_mut()?;
                for loc in ["query", "header"] {
                    params.push(json!({"name": name, "in": loc, "schema": {"type": "string"}}));
                }
                if rng.chance(50) {
                    params.push(json!({"name": name.to_uppercase(), "in": "query", "schema": {"type": "integer"}}));
                }
                Some(format!("parameter {name:?} in query and header at {at}"))
            }
            Kind::TrailingSlash => {
                let paths = doc.get_mut("paths")?.as_object_mut()?;
                let first = paths.keys().next()?.clone();
                let mut copy = paths[&first].clone();
                for m in METHODS {
                    if let Some(op) = copy.get_mut(*m).and_then(Value::as_object_mut)
                        && let Some(id) = op.get("operationId").and_then(Value::as_str)
                    {
                        let id = if rng.chance(50) { format!("{id}_") } else { format!("{id}Slash") };
                        op.insert("operationId".into(), json!(id));
                    }
                }
                let slashed =
                    if first.ends_with('/') { first.trim_end_matches('/').to_string() } else { format!("{first}/") };
                paths.insert(slashed.clone(), copy);
                Some(format!("path {first:?} and {slashed:?}"))
            }
            Kind::HostileSchemaName => {
                let names = component_names(doc);
                let old = rng.pick(&names).clone();
                let new = self.name(rng);
                let comps = doc.pointer_mut("/components/schemas")?.as_object_mut()?;
                if comps.contains_key(&new) {
                    return None;
                }
                let v = comps.remove(&old)?;
                comps.insert(new.clone(), v);
                retarget(doc, &schema_ref(&old), &schema_ref(&new));
                Some(format!("schema {old:?} renamed {new:?}"))
            }
            Kind::HostileOperationId => {
                let at = rng.pick(&ops).clone();
                let new = self.name(rng);
                doc.pointer_mut(&at)?.as_object_mut()?.insert("operationId".into(), json!(new));
                Some(format!("operationId {new:?} at {at}"))
            }
            Kind::HostileProperty => {
                let with_props: Vec<&String> =
                    schemas.iter().filter(|p| doc.pointer(p).is_some_and(|s| s.get("properties").is_some())).collect();
                let at = (*rng.pick(&with_props)).clone();
                let new = self.name(rng);
                let s = doc.pointer_mut(&at)?.as_object_mut()?;
                let props = s.get_mut("properties")?.as_object_mut()?;
                let old = props.keys().next()?.clone();
                let v = props.remove(&old)?;
                props.insert(new.clone(), v);
                if rng.chance(50) {
                    props.insert(format!("{new}_"), json!({"type": "string"}));
                }
                if let Some(req) = s.get_mut("required").and_then(Value::as_array_mut) {
                    req.push(json!(new));
                }
                Some(format!("property {old:?} renamed {new:?} at {at}"))
            }
            Kind::HostileParameter => {
                let at = rng.pick(&ops).clone();
                let new = self.name(rng);
                let op = doc.pointer_mut(&at)?.as_object_mut()?;
                let params = op.entry("parameters").or_insert_with(|| json!([])).as_array_mut()?;
                params.push(
                    json!({"name": new, "in": "query", "required": rng.chance(50), "schema": {"type": "string"}}),
                );
                params.push(json!({"name": new, "in": "header", "schema": {"type": "integer"}}));
                Some(format!("parameter {new:?} at {at}"))
            }
            // Parameters (issue 24): any location, style (valid for it or not), explode, allowReserved, JSON,
            // text or XML `content`, over scalar, array, object and union schemas, with hostile names; path
            // parameters the template lacks, and template names no parameter declares (lenient mode).
            Kind::ParamStyle => {
                let at = rng.pick(&ops).clone();
                let name = self.name(rng);
                let loc = *rng.pick(&["query", "header", "cookie", "path"]);
                let style =
                    *rng.pick(&["form", "simple", "label", "matrix", "spaceDelimited", "pipeDelimited", "deepObject"]);
                let schema = rng
                    .pick(&[
                        json!({"type": "string"}),
                        json!({"type": "array", "items": {"type": "integer"}}),
                        json!({"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}}),
                        json!({"type": "object", "properties": {"x": {"type": "object", "properties": {"y": {"type": "number"}}}, "t": {"type": "array", "items": {"type": "string"}}}}),
                        json!({"anyOf": [{"type": "object", "properties": {"gte": {"type": "integer"}}}, {"type": "integer"}]}),
                        json!({"type": "object", "additionalProperties": {"type": "string"}}),
                    ])
                    .clone();
                let mut p = json!({"name": name, "in": loc, "required": loc == "path" || rng.chance(30)});
                if rng.chance(25) {
                    let mt =
                        *rng.pick(&["application/json", "application/vnd.x+json", "text/plain", "application/xml"]);
                    p["content"] = json!({ mt: {"schema": schema} });
                } else {
                    p["schema"] = schema;
                    if rng.chance(70) {
                        p["style"] = json!(style);
                    }
                    if rng.chance(50) {
                        p["explode"] = json!(rng.chance(50));
                    }
                    if loc == "query" && rng.chance(30) {
                        p["allowReserved"] = json!(true);
                    }
                }
                let op = doc.pointer_mut(&at)?.as_object_mut()?;
                op.entry("parameters").or_insert_with(|| json!([])).as_array_mut()?.push(p);
                // Now and then a template name no parameter declares: the path gains `/{name}`.
                if rng.chance(20) {
                    let paths = doc.get_mut("paths")?.as_object_mut()?;
                    let first = paths.keys().next()?.clone();
                    let extra = self.name(rng).replace(['{', '}', '/'], "");
                    let item = paths.remove(&first)?;
                    paths.insert(format!("{}/{{{extra}}}", first.trim_end_matches('/')), item);
                }
                Some(format!("{loc} parameter {name:?} ({style}) at {at}"))
            }
            Kind::HostileTag => {
                let at = rng.pick(&ops).clone();
                let new = self.name(rng);
                doc.pointer_mut(&at)?.as_object_mut()?.insert("tags".into(), json!([new]));
                Some(format!("tag {new:?} at {at}"))
            }
            Kind::HostileEnumValue => {
                let at = rng.pick(&schemas).clone();
                let values: Vec<String> = (0..1 + rng.index(5)).map(|_| self.name(rng)).collect();
                let s = doc.pointer_mut(&at)?.as_object_mut()?;
                s.clear();
                s.insert("type".into(), json!("string"));
                s.insert("enum".into(), json!(values));
                Some(format!("enum {values:?} at {at}"))
            }
        }
    }
}

#[derive(Default)]
struct Tally {
    documents: usize,
    generated: usize,
    refused: usize,
    panicked: Vec<String>,
    slow: Vec<String>,
    /// Mutation kind → (applied, in a generated crate)
    kinds: BTreeMap<String, (usize, usize)>,
    /// Generated crates kept for compiling: (label, files).
    crates: Vec<(String, BTreeMap<String, String>)>,
}

fn opts(i: usize) -> CrateOptions {
    CrateOptions { crate_name: format!("fz-{i}"), spec_label: "fuzzed.yaml".into(), standalone: false }
}

/// One stream of inputs until the deadline.
fn run_stream(stream: u64, seeds: &[(String, Value)], mutator: &Mutator, deadline: Instant, keep: usize) -> Tally {
    let mut rng = Rng(0xF022_0000 + stream);
    let mut t = Tally::default();
    let mut i = 0usize;
    while Instant::now() < deadline {
        i += 1;
        let (seed_name, seed) = rng.pick(seeds);
        let mut doc = seed.clone();
        let mut applied = Vec::new();
        for _ in 0..1 + rng.index(3) {
            let kind = *rng.pick(KINDS);
            let r = catch_unwind(AssertUnwindSafe(|| mutator.apply(kind, &mut doc, &mut rng)));
            if let Ok(Some(what)) = r {
                applied.push((kind, what));
            }
        }
        let json = rng.chance(30);
        let text =
            if json { serde_json::to_string_pretty(&doc).unwrap() } else { serde_yaml::to_string(&doc).unwrap() };
        let label = format!("stream {stream}, input {i}, seed {seed_name}: {applied:?}");
        let file = if json { "fuzzed.json" } else { "fuzzed.yaml" };
        let name_index = (stream as usize) * 1_000_000 + i;
        // `FUZZ_ONLY=stream:input` reproduces one input (with FUZZ_TRACE, its text is kept on disk).
        if let Ok(only) = std::env::var("FUZZ_ONLY")
            && only != format!("{stream}:{i}")
        {
            if i > 1_000_000 {
                break;
            }
            continue;
        }
        if std::env::var_os("FUZZ_TRACE").is_some() {
            // A stack overflow aborts the process, past catch_unwind: the last line printed names the input.
            eprintln!("{label}");
            std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-last-{stream}.{file}")), &text)
                .ok();
        }
        let started = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| generate_str(file, text, &opts(name_index))));
        t.documents += 1;
        if started.elapsed() > Duration::from_secs(10) {
            t.slow.push(format!("{label}: took {:?}", started.elapsed()));
        }
        let ok = match result {
            Err(_) => {
                t.panicked.push(label.clone());
                false
            }
            Ok(Err(d)) => {
                assert!(!d.0.is_empty(), "{label}: a refusal has at least one diagnostic");
                t.refused += 1;
                false
            }
            Ok(Ok(g)) => {
                t.generated += 1;
                // Keep a spread: the first crates, then one in eight, up to the sample size.
                if t.crates.len() < keep && (t.crates.len() < keep / 2 || i.is_multiple_of(8)) {
                    t.crates.push((label.clone(), g.files));
                }
                true
            }
        };
        for (kind, _) in &applied {
            let e = t.kinds.entry(format!("{kind:?}")).or_default();
            e.0 += 1;
            e.1 += usize::from(ok);
        }
    }
    t
}

#[test]
fn structured_mutations_never_panic_and_their_crates_compile() {
    let seconds: u64 = std::env::var("FUZZ_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let compile: usize = std::env::var("FUZZ_COMPILE").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let seeds = seeds();
    let mutator = Mutator { names: dictionary() };
    let streams = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8) as u64;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let keep = compile.div_ceil(streams as usize);
    let tallies: Vec<Tally> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..streams)
            .map(|k| {
                let (seeds, mutator) = (&seeds, &mutator);
                scope.spawn(move || run_stream(k, seeds, mutator, deadline, keep))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_default()).collect()
    });
    std::panic::set_hook(hook);

    let mut total = Tally::default();
    for t in tallies {
        total.documents += t.documents;
        total.generated += t.generated;
        total.refused += t.refused;
        total.panicked.extend(t.panicked);
        total.slow.extend(t.slow);
        for (k, (a, g)) in t.kinds {
            let e = total.kinds.entry(k).or_default();
            e.0 += a;
            e.1 += g;
        }
        total.crates.extend(t.crates);
    }
    total.crates.truncate(compile);

    // The sample is compiled together, warnings denied, in the target directory the other compile tests share.
    let ws = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-structure");
    let _ = std::fs::remove_dir_all(ws.join("crates"));
    let mut names = Vec::new();
    for (i, (_, files)) in total.crates.iter().enumerate() {
        let name = format!("c{i}");
        let mut files = files.clone();
        // Crate names must be unique in a workspace; the package name is in Cargo.toml.
        if let Some(manifest) = files.get_mut("Cargo.toml") {
            let line = manifest.lines().find(|l| l.starts_with("name = ")).unwrap_or_default().to_string();
            *manifest = manifest.replacen(&line, &format!("name = \"fz-sample-{i}\""), 1);
        }
        codegen::write::write(&ws.join("crates").join(&name), &files).unwrap();
        names.push(name);
    }
    let failed = if names.is_empty() { Vec::new() } else { common::check_workspace(&ws, &names) };
    let failed_labels: Vec<String> = failed
        .iter()
        .map(|(name, errors)| {
            let i: usize = name.trim_start_matches('c').parse().unwrap_or(usize::MAX);
            let label = total.crates.get(i).map_or("?", |c| c.0.as_str());
            format!("{name} ({label}):\n{errors}")
        })
        .collect();

    eprintln!(
        "structure fuzz: {} documents from {} seeds in {seconds} s on {streams} threads: {} generated, {} refused, {} panicked, {} slow; {} crates compiled, {} failed",
        total.documents,
        seeds.len(),
        total.generated,
        total.refused,
        total.panicked.len(),
        total.slow.len(),
        names.len(),
        failed_labels.len()
    );
    for (k, (a, g)) in &total.kinds {
        eprintln!("  {k:<20} applied {a:>6}, in a generated crate {g:>6}");
    }
    assert!(total.documents > 0);
    assert!(
        total.panicked.is_empty(),
        "the generator panicked on {} inputs: {:#?}",
        total.panicked.len(),
        &total.panicked[..total.panicked.len().min(20)]
    );
    assert!(total.slow.is_empty(), "{:#?}", total.slow);
    assert!(failed_labels.is_empty(), "{} generated crates do not compile: {failed_labels:#?}", failed_labels.len());
}

/// The dictionary really contains the runtime's names, so it follows the runtime as it changes.
#[test]
fn the_dictionary_holds_the_runtimes_items() {
    let items = runtime_items();
    for name in
        ["token", "http", "poll", "send", "request", "Client", "ClientBuilder", "Error", "RetryPolicy", "paginate"]
    {
        assert!(items.iter().any(|i| i == name), "{name} is missing from {items:?}");
    }
}
