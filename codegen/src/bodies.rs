//! Request body lowering: a `requestBody` becomes one [`Body`] of the model. Every media type of its
//! `content` is read: JSON (and `+json` suffixes, sent with the declared media type), forms (nested, with the
//! `encoding` object's `style`/`explode`), `multipart/*` (a part struct per body schema: text, JSON and file
//! parts, repeated parts for arrays, the `encoding` object's `contentType` and `headers`), text, and raw
//! bytes (in memory or streamed). Several media types become a [`Shape::Choice`]: an enum with a variant
//! per media type, never the first one silently.

use crate::diag::child;
use crate::model::{Body, BodyKind, Prim, Ty};
use crate::naming::{Namespace, pascal, snake};
use crate::resolve;
use crate::types::TypeLowering;
use openapiv3::{ReferenceOr, RequestBody, Schema};
use serde_json::Value;

/// What a body carries beyond its type and media type.
#[derive(Debug, Clone, Default)]
pub enum Shape {
    /// JSON, text, bytes: nothing more.
    #[default]
    Plain,
    /// A form's top-level properties that the `encoding` object describes.
    Form(Vec<FormField>),
    Multipart(Multipart),
    /// One variant per media type; the enum is generated beside the operation.
    Choice {
        name: String,
        variants: Vec<Variant>,
    },
}

/// The `encoding` entry of one form property.
#[derive(Debug, Clone)]
pub struct FormField {
    pub wire: String,
    /// `form`, `spaceDelimited`, `pipeDelimited`, `deepObject`; empty when not given.
    pub style: String,
    pub explode: bool,
    /// `contentType` is JSON: the property is sent as its JSON text.
    pub json: bool,
}

/// A multipart body: a part struct generated beside the operation, or (`name: None`, for a schema that is
/// not an object with properties) a `multipart::MultipartForm` the caller builds.
#[derive(Debug, Clone)]
pub struct Multipart {
    pub name: Option<String>,
    pub parts: Vec<Part>,
}

/// One property of a multipart body.
#[derive(Debug, Clone)]
pub struct Part {
    /// The Rust field name, unescaped.
    pub rust: String,
    pub wire: String,
    pub doc: Option<String>,
    /// `true`: a file (`multipart::FilePart`); otherwise a value of type `ty`.
    pub file: bool,
    /// The value's type (for a file, `Unit`).
    pub ty: Ty,
    pub required: bool,
    /// An array: one part per item.
    pub repeated: bool,
    /// `encoding.contentType`, when it names one media type.
    pub content_type: Option<String>,
    /// Sent as JSON text (an object, or a JSON `contentType`).
    pub json: bool,
    pub secret: bool,
    /// `encoding.headers`: (header name, Rust field holding its value).
    pub headers: Vec<(String, String)>,
}

/// One media type of a choice.
#[derive(Debug, Clone)]
pub struct Variant {
    pub ident: String,
    pub body: Body,
}

impl Body {
    /// The type expressions the body mentions: its own type, its parts' and its variants'.
    pub fn type_roots(&self) -> Vec<&Ty> {
        let mut out = vec![&self.ty];
        match &self.shape {
            Shape::Multipart(m) => out.extend(m.parts.iter().map(|p| &p.ty)),
            Shape::Choice { variants, .. } => out.extend(variants.iter().flat_map(|v| v.body.type_roots())),
            Shape::Plain | Shape::Form(_) => {}
        }
        out
    }
}

/// What the generated crate needs for its request bodies.
#[derive(Debug, Default, Clone, Copy)]
pub struct Needs {
    pub form: bool,
    pub upload: bool,
    pub multipart: bool,
}

/// What the operations' bodies need: `form.rs`, `upload.rs` (raw and streamed bodies; multipart files use
/// it too), `multipart.rs`, and the reqwest features and crates behind them.
pub fn needs(ops: &[crate::model::Operation]) -> Needs {
    fn visit(b: &Body, n: &mut Needs) {
        match b.kind {
            BodyKind::Form => n.form = true,
            BodyKind::Bytes => n.upload = true,
            BodyKind::Multipart => {
                n.multipart = true;
                n.upload = true;
            }
            BodyKind::Choice | BodyKind::Json | BodyKind::Text => {}
        }
        if let Shape::Choice { variants, .. } = &b.shape {
            for v in variants {
                visit(&v.body, n);
            }
        }
    }
    let mut n = Needs::default();
    for b in ops.iter().filter_map(|o| o.body.as_ref()) {
        visit(b, &mut n);
    }
    n
}

/// The media type without parameters, lower case.
pub fn essence(ct: &str) -> String {
    ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

pub fn is_json(ct: &str) -> bool {
    let e = essence(ct);
    e == "application/json" || e.ends_with("+json")
}

/// How a media type is carried: JSON (`+json` too), form, multipart, text, or raw bytes for any other.
fn kind_of(ct: &str) -> BodyKind {
    let e = essence(ct);
    if is_json(&e) {
        BodyKind::Json
    } else if e == "application/x-www-form-urlencoded" {
        BodyKind::Form
    } else if e.starts_with("multipart/") {
        BodyKind::Multipart
    } else if e.starts_with("text/") {
        BodyKind::Text
    } else {
        BodyKind::Bytes
    }
}

/// The variant name of a media type in a choice.
fn variant_name(ct: &str) -> String {
    match essence(ct).as_str() {
        "application/json" => "Json".into(),
        "application/x-www-form-urlencoded" => "Form".into(),
        "multipart/form-data" => "Multipart".into(),
        "application/octet-stream" => "OctetStream".into(),
        "text/plain" => "Text".into(),
        e => {
            let e = e.replace('*', "any");
            let sub = e.strip_prefix("application/").unwrap_or(&e);
            let p = pascal(sub);
            if p.is_empty() { "Other".into() } else { p }
        }
    }
}

/// The body of an operation; `type_base` is the operation's type-name stem (`CreateThing`).
pub fn lower(tl: &mut TypeLowering<'_>, b: &ReferenceOr<RequestBody>, at: &str, type_base: &str) -> Option<Body> {
    let (body, at) = match resolve::item(tl.spec, b, at) {
        Ok(x) => x,
        Err(resolve::RefError::WrongKind(msg)) => {
            tl.error(at, msg);
            return None;
        }
        Err(resolve::RefError::Unresolved) => return None,
    };
    let content_ptr = child(&at, "content");
    let entries: Vec<(String, String)> = body.content.keys().map(|ct| (ct.clone(), child(&content_ptr, ct))).collect();
    if entries.is_empty() {
        return None;
    }
    if let [(ct, ptr)] = entries.as_slice() {
        let kind = kind_of(ct);
        let hint = match kind {
            BodyKind::Multipart => format!("{type_base}Multipart"),
            _ => format!("{type_base}Body"),
        };
        return Some(lower_media(tl, ct, ptr, kind, &hint, body.required));
    }
    // Several media types: a choice, named before its variants' types so it keeps the `Body` name.
    let name = tl.names.claim(&format!("{type_base}Body"));
    let mut idents = Namespace::default();
    let mut variants = Vec::new();
    for (ct, ptr) in &entries {
        let kind = kind_of(ct);
        let ident = idents.claim(&variant_name(ct));
        let hint = format!("{type_base}{ident}");
        let body = lower_media(tl, ct, ptr, kind, &hint, true);
        variants.push(Variant { ident, body });
    }
    let content_type = entries[0].0.clone();
    Some(Body {
        ty: Ty::Unit,
        kind: BodyKind::Choice,
        content_type,
        required: body.required,
        shape: Shape::Choice { name, variants },
    })
}

/// One media type's body. `hint`: the name of a type the schema defines inline (or the part struct).
fn lower_media(tl: &mut TypeLowering<'_>, ct: &str, at: &str, kind: BodyKind, hint: &str, required: bool) -> Body {
    let raw = tl.spec.raw.pointer(at).cloned().unwrap_or(Value::Null);
    let schema_ptr = child(at, "schema");
    let schema = raw.get("schema").and_then(|s| serde_json::from_value::<ReferenceOr<Schema>>(s.clone()).ok());
    let mut shape = Shape::Plain;
    let ty = match kind {
        BodyKind::Json | BodyKind::Form => match &schema {
            Some(s) => {
                let (ty, nullable) = tl.ty_of(s, &schema_ptr, hint);
                if nullable { Ty::Option(Box::new(ty)) } else { ty }
            }
            None => Ty::Json,
        },
        BodyKind::Text => Ty::Prim(Prim::String),
        BodyKind::Bytes => Ty::Vec(Box::new(Ty::Prim(Prim::U8))),
        BodyKind::Multipart | BodyKind::Choice => Ty::Unit,
    };
    if kind == BodyKind::Form {
        shape = Shape::Form(form_fields(&raw));
    }
    if kind == BodyKind::Multipart {
        shape = Shape::Multipart(multipart(tl, &raw, at, hint));
    }
    Body { ty, kind, content_type: ct.to_string(), required, shape }
}

fn form_fields(media: &Value) -> Vec<FormField> {
    let Some(enc) = media.get("encoding").and_then(Value::as_object) else { return Vec::new() };
    enc.iter()
        .map(|(wire, e)| {
            let style = e.get("style").and_then(Value::as_str).unwrap_or("").to_string();
            let explode = e.get("explode").and_then(Value::as_bool).unwrap_or(style.is_empty() || style == "form");
            let json = e.get("contentType").and_then(Value::as_str).is_some_and(is_json);
            FormField { wire: wire.clone(), style, explode, json }
        })
        .collect()
}

/// The media type a part's `contentType` names, when it names exactly one (not a list, not a range).
fn one_media_type(ct: Option<&str>) -> Option<String> {
    let ct = ct?.trim();
    (!ct.contains(',') && !ct.contains('*') && !ct.is_empty()).then(|| ct.to_string())
}

/// Whether a (followed) schema is a file: binary content (`format: binary`, 3.1's `contentMediaType`), or
/// a string or untyped schema whose part the `encoding` gives a media type that is neither text nor JSON.
fn is_file(s: &Value, content_type: Option<&str>) -> bool {
    let stringy = match s.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
        None => s.get("properties").is_none() && s.get("items").is_none(),
        _ => false,
    };
    let binary = s.get("format").and_then(Value::as_str) == Some("binary")
        || (s.get("contentMediaType").is_some() && s.get("contentEncoding").is_none());
    let non_text = content_type.is_some_and(|ct| {
        let ct = ct.trim().to_ascii_lowercase();
        !ct.starts_with("text/") && !is_json(&ct)
    });
    stringy && (binary || (non_text && s.get("format").is_none()))
}

fn multipart(tl: &mut TypeLowering<'_>, media: &Value, at: &str, name_hint: &str) -> Multipart {
    let schema_ptr = child(at, "schema");
    let doc = tl.spec.document();
    let Some(schema) = media.get("schema") else { return Multipart { name: None, parts: Vec::new() } };
    let view = doc.object_view(schema, &schema_ptr);
    if view.properties.is_empty() {
        tl.warn(
            &schema_ptr,
            "multipart body without properties: the operation takes a `multipart::MultipartForm` built by hand",
        );
        return Multipart { name: None, parts: Vec::new() };
    }
    if view.additional.is_some() {
        tl.warn(&schema_ptr, "multipart body: `additionalProperties` is not generated; add such parts with `FilePart::header` or a hand-built `MultipartForm`");
    }
    let encoding = media.get("encoding").and_then(Value::as_object).cloned().unwrap_or_default();
    let name = tl.names.claim(name_hint);
    let mut fields = Namespace::default();
    let mut parts = Vec::new();
    let properties: Vec<(String, Value, String)> =
        view.properties.iter().map(|(n, s, p)| (n.clone(), (*s).clone(), p.clone())).collect();
    let required = view.required.clone();
    for (wire, prop, ptr) in properties {
        let enc = encoding.get(&wire);
        let declared_ct = enc.and_then(|e| e.get("contentType")).and_then(Value::as_str);
        let followed = doc.follow(&prop).clone();
        let (repeated, item, item_ptr) = match followed.get("type").and_then(Value::as_str) {
            Some("array") => {
                let items = followed.get("items").cloned().unwrap_or(Value::Null);
                (true, items, child(&ptr, "items"))
            }
            _ => (false, prop.clone(), ptr.clone()),
        };
        let item_followed = doc.follow(&item).clone();
        let file = is_file(&item_followed, declared_ct);
        let rust = fields.claim(&snake(&wire));
        let ty = if file {
            Ty::Unit
        } else {
            match serde_json::from_value::<ReferenceOr<Schema>>(item.clone()) {
                Ok(s) => {
                    let (ty, _) = tl.ty_of(&s, &item_ptr, &format!("{name}{}", pascal(&wire)));
                    ty
                }
                Err(_) => Ty::Json,
            }
        };
        let structured = !file
            && (item_followed.get("type").and_then(Value::as_str) == Some("object")
                || item_followed.get("properties").is_some()
                || matches!(ty, Ty::Json | Ty::Map(_)));
        let json = structured || declared_ct.is_some_and(is_json);
        let secret = followed.get(crate::extensions::SECRET).and_then(Value::as_bool) == Some(true)
            || followed.get("format").and_then(Value::as_str) == Some("password");
        let mut headers = Vec::new();
        for (h, _) in enc.and_then(|e| e.get("headers")).and_then(Value::as_object).into_iter().flatten() {
            if h.eq_ignore_ascii_case("content-type") {
                continue;
            }
            headers.push((h.clone(), fields.claim(&snake(&format!("{wire}_{h}")))));
        }
        let doc_text = followed.get("description").and_then(Value::as_str).map(|d| d.trim().to_string());
        parts.push(Part {
            rust,
            wire: wire.clone(),
            doc: doc_text.filter(|d| !d.is_empty()),
            file,
            ty,
            required: required.contains(&wire),
            repeated,
            content_type: one_media_type(declared_ct),
            json,
            secret,
            headers,
        });
    }
    Multipart { name: Some(name), parts }
}

#[cfg(test)]
mod tests {
    use crate::{CrateOptions, generate_str};

    fn generate(paths: &str) -> crate::Generated {
        let text = format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}");
        let opts = CrateOptions { crate_name: "t".into(), spec_label: "t.yaml".into(), standalone: true };
        generate_str("t.yaml", text, &opts).unwrap_or_else(|d| panic!("{d}"))
    }

    fn all_text(g: &crate::Generated) -> String {
        g.files.values().cloned().collect::<Vec<_>>().join("\n")
    }

    const RESPONSES: &str = "      responses: {'204': {description: ok}}\n";

    #[test]
    fn several_media_types_are_a_choice_and_a_lone_json_body_is_unchanged() {
        let g = generate(&format!(
            "  /a:\n    post:\n      operationId: make\n      requestBody:\n        required: true\n        content:\n          application/json: {{schema: {{type: object, properties: {{x: {{type: string}}}}}}}}\n          application/merge-patch+json: {{schema: {{type: object}}}}\n          image/*: {{schema: {{type: string, format: binary}}}}\n{RESPONSES}  /b:\n    post:\n      operationId: plain\n      requestBody:\n        content:\n          application/json: {{schema: {{type: object, properties: {{y: {{type: string}}}}}}}}\n{RESPONSES}"
        ));
        let text = all_text(&g);
        assert!(text.contains("pub enum MakeBody"), "{text}");
        for v in [
            "Json(crate::models::MakeJson)",
            "MergePatchJson(std::collections::BTreeMap<String, serde_json::Value>)",
            "ImageAny(crate::upload::ByteBody)",
        ] {
            assert!(text.contains(v), "{v} missing");
        }
        assert!(text.contains(r#"req.header("content-type", "application/merge-patch+json").json(&b)"#));
        assert!(text.contains(r#"b.apply(req, "image/*")"#));
        // The lone JSON body keeps its name and its reference argument.
        assert!(text.contains("body: Option<&crate::models::PlainBody>"), "{text}");
        // Raw bodies bring reqwest's `stream` feature, and no `multipart`.
        let toml = &g.files["Cargo.toml"];
        assert!(toml.contains(r#""stream""#) && !toml.contains("multipart"), "{toml}");
    }

    #[test]
    fn a_multipart_body_without_properties_is_a_hand_built_form_with_a_warning() {
        let g = generate(&format!(
            "  /up:\n    post:\n      operationId: up\n      requestBody:\n        required: true\n        content:\n          multipart/form-data: {{schema: {{type: string, format: binary}}}}\n{RESPONSES}"
        ));
        let w: Vec<String> = g.warnings.iter().map(|d| d.to_string()).collect();
        assert!(
            w.iter().any(|d| d.contains("/paths/~1up/post/requestBody/content/multipart~1form-data/schema")
                && d.contains("MultipartForm")),
            "{w:?}"
        );
        let text = all_text(&g);
        assert!(text.contains("body: crate::multipart::MultipartForm"), "{text}");
        assert!(g.files["Cargo.toml"].contains(r#""multipart""#));
        assert!(g.files.contains_key("src/multipart.rs") && g.files.contains_key("src/upload.rs"));
        assert!(!g.files.contains_key("src/form.rs"));
    }

    #[test]
    fn a_json_only_spec_has_no_body_runtime_and_no_extra_features() {
        let g = generate(&format!(
            "  /a:\n    post:\n      operationId: a\n      requestBody:\n        content:\n          application/json: {{schema: {{type: object}}}}\n{RESPONSES}"
        ));
        for f in ["src/form.rs", "src/upload.rs", "src/multipart.rs"] {
            assert!(!g.files.contains_key(f), "{f}");
        }
        let toml = &g.files["Cargo.toml"];
        assert!(!toml.contains("stream") && !toml.contains("multipart") && !toml.contains("futures-util"), "{toml}");
    }
}
