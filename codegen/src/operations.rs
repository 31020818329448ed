//! Operation lowering: each path + method becomes one `Operation` in the model, with typed parameters, body
//! and a result type per side (success, error). Several success types become an enum instead of a panic.

use crate::diag::child;
use crate::extensions::{self, Extension};
use crate::model::{BodyKind, Operation, Paging, Param, ParamIn, Response, ResultShape, StatusKey, Ty};
use crate::naming::{Namespace, pascal, snake};
use crate::resolve;
use crate::types::TypeLowering;
use indexmap::IndexMap;
use openapiv3::{MediaType, Parameter, ReferenceOr, StatusCode};

pub fn lower(tl: &mut TypeLowering<'_>) -> Vec<Operation> {
    let spec = tl.spec;
    let mut methods = Namespace::with_reserved(crate::naming::reserved_methods().iter().map(String::as_str));
    let global_secure = spec.api.security.as_ref().is_some_and(|s| !s.is_empty());
    // Read once: the paging headers every paged operation shares unless it declares its own.
    let document_headers = document_paging(spec);
    let mut ops = Vec::new();
    for (path, item) in &spec.api.paths.paths {
        let path_ptr = child("/paths", path);
        let item = match resolve::item(spec, item, &path_ptr) {
            Ok((item, _)) => item.into_owned(),
            Err(e) => {
                report(tl, &path_ptr, e);
                continue;
            }
        };
        for (method, op) in item.iter() {
            let ptr = child(&path_ptr, method);
            let id = op.operation_id.clone().unwrap_or_else(|| derived_id(method, path));
            let wanted = snake(&id);
            let (method_name, taken) = methods.claim_noting(&wanted);
            if let Some(why) = taken {
                tl.warn(
                    &child(&ptr, "operationId"),
                    crate::naming::rename_note("operation method", &wanted, &method_name, why),
                );
            }
            let type_base = pascal(&method_name);
            let doc = join_doc(op.summary.as_deref(), op.description.as_deref());
            let secure = match &op.security {
                Some(reqs) => reqs.iter().any(|r| !r.is_empty()),
                None => global_secure,
            };

            // Operation parameters override path-item parameters of the same name and location.
            let mut merged: IndexMap<(String, &'static str), (Parameter, String)> = IndexMap::new();
            for (i, p) in item.parameters.iter().enumerate() {
                collect_param(tl, p, &child(&child(&path_ptr, "parameters"), &i.to_string()), &mut merged);
            }
            for (i, p) in op.parameters.iter().enumerate() {
                collect_param(tl, p, &child(&child(&ptr, "parameters"), &i.to_string()), &mut merged);
            }
            let mut path_params = Vec::new();
            let mut params = Vec::new();
            let mut arg_names = Namespace::default();
            for reserved in ["self", "body", "params"] {
                arg_names.reserve(reserved);
            }
            let mut field_names = Namespace::default();
            for ((_, _), (p, at)) in &merged {
                if !crate::params::keep(tl, path, p, at) {
                    continue;
                }
                if let Some(param) = lower_param(tl, p, at, &type_base, &mut arg_names, &mut field_names) {
                    match param.location {
                        ParamIn::Path => path_params.push(param),
                        _ => params.push(param),
                    }
                }
            }
            // Path arguments follow the order of the template; a name it gives that no parameter declares is
            // a string argument (lenient mode, with a warning).
            crate::params::complete_path(tl, path, &ptr, &mut path_params, &mut arg_names);
            let params_type = (!params.is_empty()).then(|| tl.names.claim(&format!("{type_base}Params")));

            let body = op
                .request_body
                .as_ref()
                .and_then(|b| crate::bodies::lower(tl, b, &child(&ptr, "requestBody"), &type_base));
            let idempotency = declared::<extensions::Idempotency>(tl, &op.extensions, &ptr)
                .map(|i| (i, child(&ptr, extensions::Idempotency::NAME)));
            let retry_safe = matches!(method, "get" | "head" | "put" | "delete" | "options")
                || extensions::flag_in(&op.extensions, extensions::SAFE_TO_RETRY);
            let timeout_secs = extensions::number(&op.extensions, extensions::TIMEOUT_SECONDS);
            let cache = declared::<extensions::Cache>(tl, &op.extensions, &ptr);
            if let Some(r) = cache.as_ref().and_then(|c| c.resource.as_ref())
                && !path_params.iter().any(|p| p.wire == r.param)
            {
                tl.error(
                    &child(&child(&child(&ptr, extensions::Cache::NAME), "resource"), "param"),
                    format!("x-cache: `{}` is not a path parameter of this operation", r.param),
                );
            }
            // Other documents shape their own `x-rate-limit` (a bare number, say): one this generator cannot
            // read is a warning, and the quota budget leaves the operation unpaced.
            let rate_limit =
                extensions::from_map::<extensions::RateLimit>(&op.extensions, &ptr).unwrap_or_else(|(at, m)| {
                    tl.warn(&at, format!("{m}; the quota budget does not pace this operation"));
                    None
                });

            let mut responses = lower_responses(tl, op, &ptr, &type_base);
            let success = shape(tl, &mut responses, true, &format!("{type_base}Response"));
            let error = shape(tl, &mut responses, false, &format!("{type_base}Error"));

            let paging = paging_of(tl, &params, &op.extensions, &ptr, document_headers.as_ref());
            let page_is_int = |p: &Paging| {
                params.iter().any(|q| {
                    q.wire == p.page_param
                        && matches!(
                            q.ty,
                            Ty::Prim(
                                crate::model::Prim::I32
                                    | crate::model::Prim::I64
                                    | crate::model::Prim::U32
                                    | crate::model::Prim::U64
                            )
                        )
                })
            };
            let poll = declared::<extensions::Poll>(tl, &op.extensions, &ptr).map(|p| {
                let stem = method_name.strip_prefix("get_").unwrap_or(&method_name);
                crate::model::Poll {
                    method: methods.claim(&format!("wait_for_{stem}")),
                    status_field: p.status_field,
                    terminal: p.terminal,
                    schedule: p.schedule.iter().map(|s| (s.every_seconds, s.for_seconds)).collect(),
                }
            });
            let stream_name = match (&paging, &success) {
                (Some(p), ResultShape::Single(Ty::Vec(_))) if page_is_int(p) => {
                    Some(methods.claim(&format!("{method_name}_stream")))
                }
                _ => None,
            };
            // An idempotent create's typed lookup by reference, for callers' reconciliation jobs.
            let find_name = idempotency.as_ref().map(|_| {
                let stem = method_name.strip_prefix("create_").unwrap_or(&method_name);
                methods.claim(&format!("find_{stem}_by_reference"))
            });
            ops.push(Operation {
                id,
                method_name,
                http_method: method.to_uppercase(),
                path: path.clone(),
                module: module_name(op.tags.first()),
                doc,
                deprecated: op.deprecated,
                secure,
                path_params,
                params,
                params_type,
                body,
                responses,
                success,
                error,
                paging,
                stream_name,
                find_name,
                poll,
                retry_safe,
                declared_idempotency: idempotency,
                idempotency: None,
                timeout_secs,
                cache,
                rate_limit,
                events: None,
            });
        }
    }
    ops.iter_mut().for_each(|op| crate::streaming::settle(tl, op));
    crate::streaming::companions(tl, &mut ops, &mut methods);
    ops.sort_by(|a, b| a.method_name.cmp(&b.method_name));
    ops
}

/// The module (file) of a tag, and the name of its cargo feature: snake case, never a keyword (`mod` would
/// also clash with `mod.rs`) nor one of the crate's own features. Untagged operations share `untagged`.
fn module_name(tag: Option<&String>) -> String {
    let m = tag.map_or_else(|| "untagged".to_string(), |t| snake(t));
    let taken = crate::naming::is_keyword(&m) || crate::naming::CRATE_FEATURES.contains(&m.as_str());
    if taken { format!("{m}_api") } else { m }
}

fn derived_id(method: &str, path: &str) -> String {
    let words: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| if s.starts_with('{') { format!("by_{}", s.trim_matches(['{', '}'])) } else { s.to_string() })
        .collect();
    format!("{method}_{}", words.join("_"))
}

pub fn join_doc(summary: Option<&str>, description: Option<&str>) -> Option<String> {
    let parts: Vec<&str> =
        [summary, description].into_iter().flatten().map(str::trim).filter(|s| !s.is_empty()).collect();
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

fn collect_param(
    tl: &mut TypeLowering<'_>,
    p: &ReferenceOr<Parameter>,
    at: &str,
    out: &mut IndexMap<(String, &'static str), (Parameter, String)>,
) {
    match resolve::item(tl.spec, p, at) {
        Ok((p, _)) => {
            let p = p.into_owned();
            let loc = match &p {
                Parameter::Query { .. } => "query",
                Parameter::Header { .. } => "header",
                Parameter::Path { .. } => "path",
                Parameter::Cookie { .. } => "cookie",
            };
            out.insert((p.parameter_data_ref().name.clone(), loc), (p, at.to_string()));
        }
        Err(e) => report(tl, at, e),
    }
}

/// Reports a reference that resolves to the wrong kind of object. Dangling ones were reported by validation.
fn report(tl: &mut TypeLowering<'_>, at: &str, e: resolve::RefError) {
    if let resolve::RefError::WrongKind(msg) = e {
        tl.error(at, msg);
    }
}

fn lower_param(
    tl: &mut TypeLowering<'_>,
    p: &Parameter,
    at: &str,
    type_base: &str,
    arg_names: &mut Namespace,
    field_names: &mut Namespace,
) -> Option<Param> {
    let data = p.parameter_data_ref();
    let (location, style, schema, schema_at) = crate::params::read(tl, p, at)?;
    let (ty, _) = tl.ty_of(&schema, &schema_at, &format!("{type_base}{}", pascal(&data.name)));
    let mut doc = data.description.clone().map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    if let ReferenceOr::Item(s) = &*schema
        && let Some(default) = &s.schema_data.default
    {
        let line = format!("Default: `{default}`.");
        doc = Some(doc.map_or(line.clone(), |d| format!("{d}\n\n{line}")));
    }
    let names = if location == ParamIn::Path { arg_names } else { field_names };
    let wanted = snake(&data.name);
    let (rust, taken) = names.claim_noting(&wanted);
    if let Some(why) = taken {
        tl.warn(at, crate::naming::rename_note("parameter", &wanted, &rust, why));
    }
    Some(Param {
        rust,
        wire: data.name.clone(),
        location,
        doc,
        ty,
        required: data.required || location == ParamIn::Path,
        style,
    })
}

fn is_json(ct: &str) -> bool {
    let ct = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    ct == "application/json" || ct.ends_with("+json")
}

/// The media type to use from a content map, and how to carry it.
pub(crate) fn pick_content(content: &IndexMap<String, MediaType>) -> Option<(&String, &MediaType, BodyKind)> {
    let find = |pred: &dyn Fn(&str) -> bool| content.iter().find(|(k, _)| pred(&k.to_ascii_lowercase()));
    if let Some((k, m)) = find(&|k| is_json(k)) {
        return Some((k, m, BodyKind::Json));
    }
    if let Some((k, m)) = find(&|k| k.starts_with("application/x-www-form-urlencoded")) {
        return Some((k, m, BodyKind::Form));
    }
    if let Some((k, m)) = find(&|k| k.starts_with("text/")) {
        return Some((k, m, BodyKind::Text));
    }
    // `*/*` with a schema that is not binary is JSON in practice (springdoc writes it for every JSON answer).
    if let Some((k, m)) = find(&|k| k == "*/*" || k == "application/*").filter(|(_, m)| json_schema(m)) {
        return Some((k, m, BodyKind::Json));
    }
    content.iter().find(|(k, _)| !k.starts_with("multipart/")).map(|(k, m)| (k, m, BodyKind::Bytes))
}

/// Whether a wildcard media type's schema describes JSON: present, and not a binary string.
fn json_schema(m: &MediaType) -> bool {
    use openapiv3::{SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty};
    match &m.schema {
        None => false,
        Some(ReferenceOr::Reference { .. }) => true,
        Some(ReferenceOr::Item(s)) => !matches!(
            &s.schema_kind,
            SchemaKind::Type(Type::String(t)) if matches!(&t.format, VariantOrUnknownOrEmpty::Item(StringFormat::Binary))
        ),
    }
}

fn lower_responses(tl: &mut TypeLowering<'_>, op: &openapiv3::Operation, ptr: &str, type_base: &str) -> Vec<Response> {
    let resp_ptr = child(ptr, "responses");
    let mut entries: Vec<(StatusKey, &ReferenceOr<openapiv3::Response>, String)> = op
        .responses
        .responses
        .iter()
        .map(|(code, r)| {
            let (key, text) = match code {
                StatusCode::Code(c) => (StatusKey::Code(*c), c.to_string()),
                StatusCode::Range(r) => (StatusKey::Range(*r), format!("{r}XX")),
            };
            (key, r, child(&resp_ptr, &text))
        })
        .collect();
    if let Some(d) = &op.responses.default {
        entries.push((StatusKey::Default, d, child(&resp_ptr, "default")));
    }
    let explicit_success = entries.iter().any(|(k, _, _)| is_success_key(k));
    let mut out = Vec::new();
    for (status, r, at) in entries {
        let cached;
        let (resp, at) = match r {
            ReferenceOr::Reference { reference } if tl.response_cache.contains_key(reference) => {
                cached = tl.response_cache[reference].clone();
                (std::borrow::Cow::Borrowed(&cached.0), cached.1.clone())
            }
            _ => match resolve::item(tl.spec, r, &at) {
                Ok((resp, at)) => {
                    if let ReferenceOr::Reference { reference } = r {
                        tl.response_cache.insert(reference.clone(), (resp.clone().into_owned(), at.clone()));
                    }
                    (resp, at)
                }
                Err(e) => {
                    report(tl, &at, e);
                    continue;
                }
            },
        };
        let success = match status {
            StatusKey::Default => !explicit_success,
            ref k => is_success_key(k),
        };
        let label = match &status {
            StatusKey::Code(c) => c.to_string(),
            StatusKey::Range(r) => format!("{r}xx"),
            StatusKey::Default => "Default".into(),
        };
        let (body, kind) = match pick_content(&resp.content) {
            None => (Ty::Unit, BodyKind::Json),
            Some((ct, media, kind)) => {
                let sp = child(&child(&child(&at, "content"), ct), "schema");
                match (kind, &media.schema) {
                    (BodyKind::Json, Some(s)) => {
                        let (ty, nullable) = tl.ty_of(s, &sp, &format!("{type_base}Response{label}"));
                        (if nullable { Ty::Option(Box::new(ty)) } else { ty }, BodyKind::Json)
                    }
                    (BodyKind::Json, None) => (Ty::Json, BodyKind::Json),
                    (BodyKind::Text, _) => (Ty::Prim(crate::model::Prim::String), BodyKind::Text),
                    _ => (Ty::Vec(Box::new(Ty::Prim(crate::model::Prim::U8))), BodyKind::Bytes),
                }
            }
        };
        let hint = format!("{type_base}Response{label}");
        let (body, kind) = crate::streaming::response(tl, &resp.content, &at, success, &hint, (body, kind));
        // An error body is decoded if it can be; one that is not JSON is kept only as an excerpt.
        let (body, kind) = if !success && (kind != BodyKind::Json || body == Ty::Unit) {
            (Ty::Json, BodyKind::Json)
        } else {
            (body, kind)
        };
        out.push(Response { status, body, kind, success, variant: None });
    }
    out
}

fn is_success_key(k: &StatusKey) -> bool {
    match k {
        StatusKey::Code(c) => *c < 400,
        StatusKey::Range(r) => *r < 4,
        StatusKey::Default => false,
    }
}

/// One type for the side when every response on it agrees; otherwise an enum with a variant per status.
fn shape(tl: &mut TypeLowering<'_>, responses: &mut [Response], success: bool, enum_name: &str) -> ResultShape {
    let side: Vec<usize> = responses.iter().enumerate().filter(|(_, r)| r.success == success).map(|(i, _)| i).collect();
    let first = side.first().map(|&i| (&responses[i].body, responses[i].kind));
    let uniform = side.iter().all(|&i| Some((&responses[i].body, responses[i].kind)) == first);
    match first {
        None if success => ResultShape::Single(Ty::Unit),
        None => ResultShape::Single(Ty::Json),
        Some((ty, _)) if uniform => ResultShape::Single(ty.clone()),
        Some(_) => {
            let name = tl.names.claim(enum_name);
            let mut variants = Vec::new();
            for &i in &side {
                let r = &mut responses[i];
                let ident = match &r.status {
                    StatusKey::Code(c) => format!("Status{c}"),
                    StatusKey::Range(x) => format!("Status{x}xx"),
                    StatusKey::Default => "Default".to_string(),
                };
                r.variant = Some(ident.clone());
                variants.push((ident, r.body.clone()));
            }
            ResultShape::Enum { name, variants }
        }
    }
}

/// An extension of an operation, read through [`extensions`]; a malformed one is reported and ignored.
fn declared<T: extensions::Extension>(
    tl: &mut TypeLowering<'_>,
    ext: &IndexMap<String, serde_json::Value>,
    ptr: &str,
) -> Option<T> {
    extensions::from_map(ext, ptr).unwrap_or_else(|(at, message)| {
        tl.error(&at, message);
        None
    })
}

/// `x-paging`: the operation names its page and page-size query parameters; the headers that describe a
/// page are its own or the document's. Nothing is guessed from parameter or header names.
fn paging_of(
    tl: &mut TypeLowering<'_>,
    params: &[Param],
    ext: &IndexMap<String, serde_json::Value>,
    ptr: &str,
    document: Option<&extensions::PagingHeaders>,
) -> Option<Paging> {
    let declared = declared::<extensions::Paging>(tl, ext, ptr)?;
    let at = child(ptr, extensions::Paging::NAME);
    for (key, name) in [("page", &declared.page), ("size", &declared.size)] {
        if !params.iter().any(|p| p.location == ParamIn::Query && p.wire == *name) {
            tl.error(&child(&at, key), format!("`{name}` is not a query parameter of this operation"));
            return None;
        }
    }
    let (headers, shared) = match (declared.headers, document) {
        (Some(own), _) => (own, false),
        (None, Some(d)) => (d.clone(), true),
        (None, None) => {
            tl.error(&at, "x-paging needs `headers`, here or in the document root's `x-paging`");
            return None;
        }
    };
    Some(Paging { page_param: declared.page, size_param: declared.size, headers, shared })
}

/// The paging headers the document root's `x-paging` declares for every paged operation (its errors are
/// reported by `lib.rs`, once).
pub fn document_paging(spec: &crate::load::Spec) -> Option<extensions::PagingHeaders> {
    extensions::read::<extensions::DocumentPaging>(&spec.raw, "").ok().flatten().map(|d| d.headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(pairs: &[(&str, serde_json::Value)]) -> IndexMap<String, MediaType> {
        pairs.iter().map(|(k, v)| (k.to_string(), serde_json::from_value(v.clone()).unwrap())).collect()
    }

    #[test]
    fn a_wildcard_with_a_json_schema_is_json_and_a_binary_one_is_bytes() {
        use serde_json::json;
        let kind = |c: &IndexMap<String, MediaType>| pick_content(c).map(|(_, _, k)| k);
        let pet = content(&[("*/*", json!({"schema": {"$ref": "#/components/schemas/Pet"}}))]);
        assert_eq!(kind(&pet), Some(BodyKind::Json));
        let object = content(&[("application/*", json!({"schema": {"type": "object"}}))]);
        assert_eq!(kind(&object), Some(BodyKind::Json));
        let file = content(&[("*/*", json!({"schema": {"type": "string", "format": "binary"}}))]);
        assert_eq!(kind(&file), Some(BodyKind::Bytes));
        let bare = content(&[("*/*", json!({}))]);
        assert_eq!(kind(&bare), Some(BodyKind::Bytes));
    }
}
