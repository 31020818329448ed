//! A spec reduced to comparable facts: per operation, its parameters, request and response fields (walked
//! through `$ref`, `allOf` and unions), statuses, headers, security and paging; plus the component schemas.

use codegen::diag::escape_segment as esc;
use codegen::spec::Document;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const CONSTRAINTS: &[&str] = &[
    "maxLength",
    "minLength",
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "pattern",
    "minItems",
    "maxItems",
];
/// How deep a schema walk goes; recursive types stop at the first repetition anyway.
const MAX_DEPTH: usize = 12;

#[derive(Debug, Default)]
pub struct Facts {
    /// By `METHOD /path`.
    pub ops: BTreeMap<String, Op>,
    /// Component schema name → pointer.
    pub schemas: BTreeMap<String, String>,
    pub servers: BTreeSet<String>,
    /// Servers named by `x-name` (each a `servers::NAME` constant): name → pointer.
    pub named_servers: BTreeMap<String, String>,
    /// Security schemes by name.
    pub schemes: BTreeMap<String, Scheme>,
    /// `x-` extensions at the top level and in `info`, by pointer.
    pub extensions: BTreeMap<String, Value>,
    pub info_description: Option<String>,
}

/// A security scheme: how credentials travel, and its extensions (`x-token-lifecycle`).
#[derive(Debug, Default, PartialEq)]
pub struct Scheme {
    pub pointer: String,
    /// `type`, `scheme`, `in`, `name`, `bearerFormat`, flows: everything but descriptions and extensions.
    pub how: Value,
    pub extensions: BTreeMap<String, Value>,
}

#[derive(Debug, Default)]
pub struct Op {
    pub id: String,
    pub pointer: String,
    pub path: String,
    /// The operation's first tag: its operations module and cargo feature (`None`: `untagged`).
    pub tag: Option<String>,
    /// Security scheme names; empty for a public operation.
    pub security: BTreeSet<String>,
    pub success: BTreeSet<String>,
    pub errors: BTreeSet<String>,
    /// `page+limit`, `page+per_page`, ...
    pub paging: Option<String>,
    /// By `in:name`.
    pub params: BTreeMap<String, Field>,
    pub body_required: Option<bool>,
    /// Request body fields by path (`amount`, `items[].id`; the body itself is `.`).
    pub request: BTreeMap<String, Field>,
    /// Response fields by `status path`.
    pub response: BTreeMap<String, Field>,
    /// Response headers by `status header` (header names lower-cased).
    pub headers: BTreeMap<String, String>,
    pub description: Option<String>,
    pub extensions: BTreeMap<String, Value>,
}

/// One value position: a parameter, a body field or a response field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Field {
    /// Where the field's schema is in the document (after `$ref`s).
    pub pointer: String,
    /// `string`, `string(date-time)`, `integer(int64)`, `array`, `object`, `any`, `recursive`.
    pub ty: String,
    pub nullable: bool,
    pub required: bool,
    pub enum_values: Option<BTreeSet<String>>,
    pub constraints: BTreeMap<String, Value>,
    pub default: Option<Value>,
    pub description: Option<String>,
    pub extensions: BTreeMap<String, Value>,
}

fn extensions(v: &Value) -> BTreeMap<String, Value> {
    v.as_object()
        .map(|m| m.iter().filter(|(k, _)| k.starts_with("x-")).map(|(k, x)| (k.clone(), x.clone())).collect())
        .unwrap_or_default()
}

pub fn collect(root: &Value) -> Facts {
    let mut f = Facts::default();
    for (i, s) in root["servers"].as_array().into_iter().flatten().enumerate() {
        if let Some(u) = s["url"].as_str() {
            f.servers.insert(u.to_string());
        }
        if let Some(name) = s["x-name"].as_str() {
            f.named_servers.insert(name.to_string(), format!("/servers/{i}/x-name"));
        }
    }
    let schemes = root.pointer("/components/securitySchemes").and_then(Value::as_object);
    for (name, scheme) in schemes.into_iter().flatten() {
        let pointer = format!("/components/securitySchemes/{}", esc(name));
        let Some((scheme, pointer)) = Document::new(root).deref(scheme, &pointer) else { continue };
        let how = scheme
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| !k.starts_with("x-") && *k != "description")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<serde_json::Map<_, _>>()
            })
            .map_or(Value::Null, Value::Object);
        f.schemes.insert(name.clone(), Scheme { pointer, how, extensions: extensions(scheme) });
    }
    for name in root.pointer("/components/schemas").and_then(Value::as_object).into_iter().flatten().map(|(k, _)| k) {
        f.schemas.insert(name.clone(), format!("/components/schemas/{}", esc(name)));
    }
    for (k, v) in extensions(root) {
        f.extensions.insert(format!("/{}", esc(&k)), v);
    }
    for (k, v) in extensions(&root["info"]) {
        f.extensions.insert(format!("/info/{}", esc(&k)), v);
    }
    f.info_description = root["info"]["description"].as_str().map(str::to_string);
    let global_security = security_of(root.get("security"));
    for (path, item) in root["paths"].as_object().into_iter().flatten() {
        let item_ptr = format!("/paths/{}", esc(path));
        let Some((item, _)) = Document::new(root).deref(item, &item_ptr) else { continue };
        for m in METHODS {
            let Some(op) = item.get(*m) else { continue };
            let pointer = format!("{item_ptr}/{m}");
            let mut o = Op {
                id: op["operationId"].as_str().unwrap_or_default().to_string(),
                pointer: pointer.clone(),
                path: path.clone(),
                tag: op["tags"].get(0).and_then(Value::as_str).map(str::to_string),
                security: op.get("security").map_or_else(|| global_security.clone(), |s| security_of(Some(s))),
                description: op["description"].as_str().map(str::to_string),
                extensions: extensions(op),
                ..Op::default()
            };
            let mut params: Vec<(&Value, String)> = Vec::new();
            for (i, p) in item["parameters"].as_array().into_iter().flatten().enumerate() {
                params.push((p, format!("{item_ptr}/parameters/{i}")));
            }
            for (i, p) in op["parameters"].as_array().into_iter().flatten().enumerate() {
                params.push((p, format!("{pointer}/parameters/{i}")));
            }
            for (p, at) in params {
                let Some((p, at)) = Document::new(root).deref(p, &at) else { continue };
                let (Some(name), Some(loc)) = (p["name"].as_str(), p["in"].as_str()) else { continue };
                let mut field = Field::default();
                if let Some(s) = p.get("schema") {
                    let mut out = BTreeMap::new();
                    walk(root, s, &format!("{at}/schema"), ".", &mut Vec::new(), 0, &mut out);
                    field = out.remove(".").unwrap_or_default();
                }
                field.required = p["required"].as_bool().unwrap_or(false) || loc == "path";
                field.description = p["description"].as_str().map(str::to_string).or(field.description);
                field.extensions.extend(extensions(p));
                field.pointer = at;
                o.params.insert(format!("{loc}:{name}"), field);
            }
            // Paging as the spec declares it (`x-paging`); a malformed declaration is the generator's to report.
            if let Ok(Some(p)) = codegen::extensions::read::<codegen::extensions::Paging>(op, &pointer) {
                o.paging = Some(format!("{}+{}", p.page, p.size));
            }
            if let Some(b) = op.get("requestBody")
                && let Some((b, at)) = Document::new(root).deref(b, &format!("{pointer}/requestBody"))
            {
                o.body_required = Some(b["required"].as_bool().unwrap_or(false));
                if let Some((ct, media)) = json_media(b) {
                    let sp = format!("{at}/content/{}/schema", esc(ct));
                    if let Some(s) = media.get("schema") {
                        walk(root, s, &sp, ".", &mut Vec::new(), 0, &mut o.request);
                    }
                }
            }
            for (status, r) in op["responses"].as_object().into_iter().flatten() {
                let at = format!("{pointer}/responses/{}", esc(status));
                let Some((r, at)) = Document::new(root).deref(r, &at) else { continue };
                if status.starts_with('2') || status.starts_with('1') || status.starts_with('3') {
                    o.success.insert(status.clone());
                } else {
                    o.errors.insert(status.clone());
                }
                for (h, hv) in r["headers"].as_object().into_iter().flatten() {
                    let hp = format!("{at}/headers/{}", esc(h));
                    let hp = Document::new(root).deref(hv, &hp).map_or(hp, |(_, p)| p);
                    o.headers.insert(format!("{status} {}", h.to_ascii_lowercase()), hp);
                }
                if let Some((ct, media)) = json_media(r)
                    && let Some(s) = media.get("schema")
                {
                    let mut out = BTreeMap::new();
                    walk(root, s, &format!("{at}/content/{}/schema", esc(ct)), ".", &mut Vec::new(), 0, &mut out);
                    for (k, v) in out {
                        o.response.insert(format!("{status} {k}"), v);
                    }
                }
            }
            f.ops.insert(format!("{} {path}", m.to_uppercase()), o);
        }
    }
    f
}

fn security_of(v: Option<&Value>) -> BTreeSet<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|m| m.keys().cloned())
        .collect()
}

fn json_media(v: &Value) -> Option<(&String, &Value)> {
    let content = v.get("content")?.as_object()?;
    content.iter().find(|(k, _)| {
        let k = k.split(';').next().unwrap_or("").trim();
        k == "application/json" || k.ends_with("+json")
    })
}

fn type_of(s: &Value) -> String {
    let t = match s.get("type").and_then(Value::as_str) {
        Some(t) => t.to_string(),
        None if s.get("properties").is_some() || s.get("allOf").is_some() => "object".into(),
        None if s.get("oneOf").is_some() || s.get("anyOf").is_some() => "union".into(),
        None => "any".into(),
    };
    match s.get("format").and_then(Value::as_str) {
        Some(f) => format!("{t}({f})"),
        None => t,
    }
}

/// Records `path` (the field itself) and everything below it.
fn walk(
    root: &Value,
    s: &Value,
    pointer: &str,
    path: &str,
    stack: &mut Vec<String>,
    depth: usize,
    out: &mut BTreeMap<String, Field>,
) {
    let Some((s, at)) = Document::new(root).deref(s, pointer) else { return };
    if stack.contains(&at) || depth > MAX_DEPTH {
        out.insert(path.to_string(), Field { pointer: at, ty: "recursive".into(), ..Field::default() });
        return;
    }
    let mut field = Field {
        pointer: at.clone(),
        ty: type_of(s),
        nullable: s["nullable"].as_bool().unwrap_or(false),
        required: true,
        enum_values: s["enum"].as_array().map(|a| a.iter().filter(|v| !v.is_null()).map(value_text).collect()),
        default: s.get("default").cloned(),
        description: s["description"].as_str().map(str::to_string),
        extensions: extensions(s),
        ..Field::default()
    };
    for c in CONSTRAINTS {
        if let Some(v) = s.get(*c) {
            field.constraints.insert((*c).to_string(), v.clone());
        }
    }
    // A single-part allOf wrapper (a `$ref` with a description) takes its part's type.
    if let Some([only]) = s["allOf"].as_array().map(Vec::as_slice)
        && s.get("properties").is_none()
        && let Some((inner, _)) = Document::new(root).deref(only, &format!("{at}/allOf/0"))
    {
        let (ty, enums) = (
            type_of(inner),
            inner["enum"].as_array().map(|a| a.iter().filter(|v| !v.is_null()).map(value_text).collect()),
        );
        field.ty = ty;
        field.enum_values = field.enum_values.or(enums);
        field.nullable |= inner["nullable"].as_bool().unwrap_or(false);
        for c in CONSTRAINTS {
            if let Some(v) = inner.get(*c) {
                field.constraints.entry((*c).to_string()).or_insert_with(|| v.clone());
            }
        }
    }
    out.insert(path.to_string(), field);
    stack.push(at.clone());
    let child = |name: &str| if path == "." { name.to_string() } else { format!("{path}.{name}") };
    if let Some(items) = s.get("items") {
        walk(
            root,
            items,
            &format!("{at}/items"),
            &format!("{}[]", if path == "." { "" } else { path }),
            stack,
            depth + 1,
            out,
        );
    }
    let view = Document::new(root).object_view(s, &at);
    let (props, required) = (view.properties, view.required);
    for (name, prop, p) in props {
        let mut sub = BTreeMap::new();
        walk(root, prop, &p, &child(&name), stack, depth + 1, &mut sub);
        if let Some(f) = sub.get_mut(&child(&name)) {
            f.required = required.contains(&name);
        }
        out.extend(sub);
    }
    for key in ["oneOf", "anyOf"] {
        for (i, v) in s[key].as_array().into_iter().flatten().enumerate() {
            let label = Document::new(root)
                .deref(v, "")
                .map_or_else(|| i.to_string(), |(_, p)| p.rsplit('/').next().unwrap_or("").to_string());
            walk(
                root,
                v,
                &format!("{at}/{key}/{i}"),
                &format!("{}<{label}>", if path == "." { "" } else { path }),
                stack,
                depth + 1,
                out,
            );
        }
    }
    if let Some(ap) = s.get("additionalProperties").filter(|v| v.is_object()) {
        walk(root, ap, &format!("{at}/additionalProperties"), &child("*"), stack, depth + 1, out);
    }
    stack.pop();
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The Rust type the generator gives a fact's type (`integer(int32)` → `i32`, `string(email)` → `String`),
/// following `codegen::types`; anything structured (`array`, `object`, unions) is its own kind.
pub fn rust_type(ty: &str) -> String {
    let (base, format) = match ty.split_once('(') {
        Some((b, f)) => (b, Some(f.trim_end_matches(')'))),
        None => (ty, None),
    };
    let prim = match (base, format) {
        ("integer", Some("int8")) => "i8",
        ("integer", Some("int16")) => "i16",
        ("integer", Some("int32")) => "i32",
        ("integer", Some("uint8")) => "u8",
        ("integer", Some("uint16")) => "u16",
        ("integer", Some("uint32")) => "u32",
        ("integer", Some("uint64" | "uint")) => "u64",
        ("integer", _) => "i64",
        ("number", Some("decimal")) => "Decimal",
        ("number", Some("float")) => "f32",
        ("number", _) => "f64",
        ("string", Some("date-time")) => "DateTime<Utc>",
        ("string", Some("date")) => "NaiveDate",
        ("string", Some("uuid")) => "Uuid",
        ("string", Some("decimal")) => "Decimal (as a string)",
        ("string", Some("ip")) => "IpAddr",
        ("string", Some("ipv4")) => "Ipv4Addr",
        ("string", Some("ipv6")) => "Ipv6Addr",
        ("string", _) => "String",
        ("boolean", _) => "bool",
        (other, _) => other,
    };
    prim.to_string()
}
