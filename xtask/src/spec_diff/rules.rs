//! The rules: what changed between two specs' facts, each with a stable id and a severity seen from a caller
//! of the generated client.

use super::facts::{Facts, Field, Op};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Breaking,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

use Severity::{Breaking, Info, Warning};

/// Every rule: id, severity, and what it means.
pub const RULES: &[(&str, Severity, &str)] = &[
    ("path-removed", Breaking, "a path and all its operations are gone; their generated methods disappear"),
    ("operation-removed", Breaking, "a method of a path is gone; its generated method disappears"),
    ("operation-added", Info, "a new operation (a new generated method)"),
    ("operation-id-changed", Breaking, "the operationId changed, which renames the generated method"),
    ("security-added", Breaking, "a public operation now needs credentials"),
    ("security-removed", Warning, "an operation no longer needs credentials"),
    ("security-changed", Breaking, "an operation needs different credentials"),
    (
        "success-status-changed",
        Breaking,
        "the success statuses changed; the generated result type or its decoding changes",
    ),
    ("error-status-added", Info, "a new documented error status"),
    (
        "error-status-removed",
        Breaking,
        "an error status is no longer documented; the generated error type loses a variant (or collapses to one type)",
    ),
    ("paging-style-changed", Breaking, "the paging parameters changed (page+limit versus page+per_page)"),
    ("parameter-removed", Breaking, "a parameter is gone; its generated field disappears"),
    ("required-parameter-added", Breaking, "a new required parameter: existing calls lack it"),
    ("optional-parameter-added", Info, "a new optional parameter"),
    ("parameter-became-required", Breaking, "an optional parameter is now required"),
    ("parameter-type-changed", Breaking, "a parameter's type changed"),
    ("request-body-became-required", Breaking, "the request body is now required"),
    ("request-field-removed", Breaking, "a request field is gone; its generated field disappears"),
    ("required-request-field-added", Breaking, "a new required request field: existing requests lack it"),
    ("optional-request-field-added", Info, "a new optional request field"),
    ("request-field-became-required", Breaking, "an optional request field is now required"),
    ("request-field-became-non-nullable", Breaking, "a request field no longer accepts null"),
    ("request-field-type-changed", Breaking, "a request field's type changed"),
    ("request-enum-value-removed", Breaking, "a value a caller may send is no longer accepted"),
    ("request-enum-value-added", Info, "a request field or parameter accepts a new value"),
    (
        "request-constraint-tightened",
        Breaking,
        "a constraint on what a caller sends got stricter; valid requests may now fail",
    ),
    ("request-constraint-loosened", Info, "a constraint on what a caller sends got looser"),
    ("response-field-removed", Breaking, "a response field is gone (or renamed); its generated field disappears"),
    ("response-field-added", Info, "a new response field"),
    ("response-field-type-changed", Breaking, "a response field's type changed"),
    (
        "response-field-became-nullable",
        Breaking,
        "a response field may now be null; its generated type becomes optional",
    ),
    (
        "response-field-became-optional",
        Breaking,
        "a response field may now be absent; its generated type becomes optional",
    ),
    (
        "response-field-became-required",
        Breaking,
        "a response field is now always present; its generated type loses its Option, so code reading it changes",
    ),
    (
        "response-enum-value-added",
        Info,
        "a new value in a response enum: generated enums are open, so it decodes as Unknown(..) until regenerated",
    ),
    (
        "response-enum-value-removed",
        Breaking,
        "a response enum value is no longer documented; its generated variant disappears from callers' matches",
    ),
    ("response-constraint-changed", Info, "a constraint on a response field changed"),
    ("response-header-removed", Breaking, "a response header is gone"),
    ("response-header-added", Info, "a new response header"),
    ("default-changed", Warning, "a default changed: omitting the value now means something else"),
    ("description-changed", Info, "a description changed"),
    ("extension-changed", Info, "an `x-` extension changed"),
    ("schema-removed", Breaking, "a component schema is gone; its generated type disappears"),
    ("schema-added", Info, "a new component schema (a new generated type)"),
    ("server-changed", Warning, "the list of servers changed"),
];

/// Rules whose break is on the wire, not in the generated Rust API: callers' code still compiles, and fails at
/// run time (a token now needed, a request now refused, a header no longer sent). Every other breaking rule
/// breaks compilation, and no other rule does (`tests/spec_diff_compiler.rs` checks both against rustc).
pub const WIRE: &[&str] = &[
    "security-added",
    "security-changed",
    "success-status-changed",
    "request-constraint-tightened",
    "response-header-removed",
];

pub fn severity_of(rule: &str) -> Severity {
    RULES.iter().find(|(id, _, _)| *id == rule).map_or(Info, |(_, s, _)| *s)
}

/// One change, placed in the head spec (or, for something that is gone, in the base).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The operations it concerns (operationId, or `METHOD /path` when there is none).
    pub operations: Vec<String>,
    /// The component schema the pointer is in, if any.
    pub schema: Option<String>,
    pub pointer: String,
    /// Whether `pointer` is in the base spec (the thing no longer exists in the head).
    pub in_base: bool,
}

#[derive(Default)]
struct Out(Vec<Change>);

impl Out {
    fn push(&mut self, rule: &'static str, op: Option<&Op>, pointer: &str, in_base: bool, message: String) {
        let schema = pointer
            .strip_prefix("/components/schemas/")
            .map(|r| r.split('/').next().unwrap_or(r).replace("~1", "/").replace("~0", "~"));
        let operations =
            op.map(|o| vec![if o.id.is_empty() { o.path.clone() } else { o.id.clone() }]).unwrap_or_default();
        self.0.push(Change {
            rule,
            severity: severity_of(rule),
            message,
            operations,
            schema,
            pointer: pointer.to_string(),
            in_base,
        });
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Parameter,
    Request,
    Response,
}

pub fn diff(base: &Facts, head: &Facts) -> Vec<Change> {
    let mut out = Out::default();
    let head_paths: BTreeSet<&str> = head.ops.values().map(|o| o.path.as_str()).collect();
    for (key, b) in &base.ops {
        match head.ops.get(key) {
            Some(h) => diff_op(&mut out, b, h),
            None if !head_paths.contains(b.path.as_str()) => {
                // One finding per path (merged across its methods): the pointer names the path item.
                let at = format!("/paths/{}", b.path.replace('~', "~0").replace('/', "~1"));
                out.push("path-removed", Some(b), &at, true, format!("path `{}` was removed", b.path));
            }
            None => {
                out.push("operation-removed", Some(b), &b.pointer, true, format!("`{key}` (`{}`) was removed", b.id))
            }
        }
    }
    for (key, h) in &head.ops {
        if !base.ops.contains_key(key) {
            out.push("operation-added", Some(h), &h.pointer, false, format!("`{key}` (`{}`) was added", h.id));
        }
    }
    for (name, p) in &base.schemas {
        if !head.schemas.contains_key(name) {
            out.push("schema-removed", None, p, true, format!("schema `{name}` was removed"));
        }
    }
    for (name, p) in &head.schemas {
        if !base.schemas.contains_key(name) {
            out.push("schema-added", None, p, false, format!("schema `{name}` was added"));
        }
    }
    for (pointer, value) in &head.extensions {
        if base.extensions.get(pointer) != Some(value) {
            out.push(
                "extension-changed",
                None,
                pointer,
                false,
                format!("`{}` changed", pointer.trim_start_matches('/')),
            );
        }
    }
    for pointer in base.extensions.keys().filter(|p| !head.extensions.contains_key(*p)) {
        out.push(
            "extension-changed",
            None,
            pointer,
            true,
            format!("`{}` was removed", pointer.trim_start_matches('/')),
        );
    }
    if base.info_description != head.info_description {
        out.push("description-changed", None, "/info/description", false, "the API description changed".into());
    }
    if base.servers != head.servers {
        out.push(
            "server-changed",
            None,
            "/servers",
            false,
            format!("servers were {:?}, now {:?}", base.servers, head.servers),
        );
    }
    merge(out.0)
}

/// The same finding reached through several operations (a shared schema) is reported once.
fn merge(changes: Vec<Change>) -> Vec<Change> {
    let mut merged: Vec<Change> = Vec::new();
    let mut index: BTreeMap<(&'static str, String, bool), usize> = BTreeMap::new();
    for c in changes {
        let key = (c.rule, c.pointer.clone(), c.in_base);
        match index.get(&key) {
            Some(&i) => {
                for op in c.operations {
                    if !merged[i].operations.contains(&op) {
                        merged[i].operations.push(op);
                    }
                }
            }
            None => {
                index.insert(key, merged.len());
                merged.push(c);
            }
        }
    }
    merged.sort_by(|a, b| (a.severity, a.rule, &a.pointer).cmp(&(b.severity, b.rule, &b.pointer)));
    merged
}

fn diff_op(out: &mut Out, b: &Op, h: &Op) {
    let op = Some(h);
    if b.id != h.id {
        out.push(
            "operation-id-changed",
            op,
            &format!("{}/operationId", h.pointer),
            false,
            format!("operationId `{}` became `{}`: the generated method is renamed", b.id, h.id),
        );
    }
    match (b.security.is_empty(), h.security.is_empty()) {
        (true, false) => out.push("security-added", op, &h.pointer, false, format!("now requires {:?}", h.security)),
        (false, true) => out.push("security-removed", op, &h.pointer, false, "no longer requires credentials".into()),
        _ if b.security != h.security => out.push(
            "security-changed",
            op,
            &h.pointer,
            false,
            format!("requires {:?} instead of {:?}", h.security, b.security),
        ),
        _ => {}
    }
    if b.success != h.success {
        out.push(
            "success-status-changed",
            op,
            &format!("{}/responses", h.pointer),
            false,
            format!("success statuses {:?} became {:?}", b.success, h.success),
        );
    }
    for s in h.errors.difference(&b.errors) {
        out.push(
            "error-status-added",
            op,
            &format!("{}/responses/{s}", h.pointer),
            false,
            format!("error status {s} is now documented"),
        );
    }
    for s in b.errors.difference(&h.errors) {
        out.push(
            "error-status-removed",
            op,
            &format!("{}/responses/{s}", b.pointer),
            true,
            format!("error status {s} is no longer documented"),
        );
    }
    if b.paging != h.paging {
        let show = |p: &Option<String>| p.clone().unwrap_or_else(|| "not paged".into());
        out.push(
            "paging-style-changed",
            op,
            &h.pointer,
            false,
            format!("paging {} became {}", show(&b.paging), show(&h.paging)),
        );
    }
    for (k, bp) in &b.params {
        match h.params.get(k) {
            None => out.push("parameter-removed", op, &bp.pointer, true, format!("parameter `{k}` was removed")),
            Some(hp) => diff_field(out, op, Side::Parameter, k, bp, hp),
        }
    }
    for (k, hp) in &h.params {
        if !b.params.contains_key(k) {
            let rule = if hp.required { "required-parameter-added" } else { "optional-parameter-added" };
            out.push(rule, op, &hp.pointer, false, format!("parameter `{k}` was added"));
        }
    }
    if h.body_required == Some(true) && b.body_required != Some(true) {
        out.push(
            "request-body-became-required",
            op,
            &format!("{}/requestBody", h.pointer),
            false,
            "the request body is now required".into(),
        );
    }
    diff_fields(out, op, Side::Request, &b.request, &h.request);
    // A response status that comes or goes is reported above, once; compare fields of the statuses both have.
    let shared = |m: &BTreeMap<String, Field>, other: &Op| -> BTreeMap<String, Field> {
        m.iter()
            .filter(|(k, _)| {
                let status = k.split(' ').next().unwrap_or("");
                other.success.contains(status) || other.errors.contains(status)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    diff_fields(out, op, Side::Response, &shared(&b.response, h), &shared(&h.response, b));
    for (k, p) in &b.headers {
        if !h.headers.contains_key(k) {
            out.push("response-header-removed", op, p, true, format!("response header `{k}` was removed"));
        }
    }
    for (k, p) in &h.headers {
        if !b.headers.contains_key(k) {
            out.push("response-header-added", op, p, false, format!("response header `{k}` was added"));
        }
    }
    if b.description != h.description {
        out.push("description-changed", op, &h.pointer, false, "the operation's description changed".into());
    }
    if b.extensions != h.extensions {
        out.push(
            "extension-changed",
            op,
            &h.pointer,
            false,
            format!("extensions {} changed", changed_keys(&b.extensions, &h.extensions)),
        );
    }
}

/// Whether `path` lies below another path in `set` (so only the top-most addition or removal is reported).
fn below_one_of(path: &str, set: &BTreeMap<String, Field>, other: &BTreeMap<String, Field>) -> bool {
    let (status, rest) = path.split_once(' ').unwrap_or(("", path));
    let mut p = rest.to_string();
    while let Some(i) = p.rfind(['.', '[', '<']) {
        p.truncate(i);
        let key =
            if status.is_empty() { p.clone() } else { format!("{status} {}", if p.is_empty() { "." } else { &p }) };
        let key = if key.is_empty() { ".".into() } else { key };
        if set.contains_key(&key) && !other.contains_key(&key) {
            return true;
        }
    }
    false
}

fn diff_fields(out: &mut Out, op: Option<&Op>, side: Side, b: &BTreeMap<String, Field>, h: &BTreeMap<String, Field>) {
    let (removed, added, kind) = match side {
        Side::Request => ("request-field-removed", "optional-request-field-added", "request"),
        _ => ("response-field-removed", "response-field-added", "response"),
    };
    for (path, bf) in b {
        match h.get(path) {
            None if !below_one_of(path, b, h) => {
                let renamed = h
                    .iter()
                    .find(|(p, f)| !b.contains_key(*p) && f.ty == bf.ty && parent(p) == parent(path))
                    .map(|(p, _)| format!(" (renamed to `{}`?)", shown(p)))
                    .unwrap_or_default();
                out.push(
                    removed,
                    op,
                    &bf.pointer,
                    true,
                    format!("{kind} field `{}` was removed{renamed}", shown(path)),
                );
            }
            None => {}
            Some(hf) => diff_field(out, op, side, path, bf, hf),
        }
    }
    for (path, hf) in h {
        if !b.contains_key(path) && !below_one_of(path, h, b) {
            let rule = if side == Side::Request && hf.required { "required-request-field-added" } else { added };
            out.push(rule, op, &hf.pointer, false, format!("{kind} field `{}` was added", shown(path)));
        }
    }
}

fn parent(path: &str) -> &str {
    path.rfind(['.', '[', '<']).map_or("", |i| &path[..i])
}

fn shown(path: &str) -> String {
    match path.split_once(' ') {
        Some((status, ".")) => format!("{status} body"),
        Some((status, rest)) => format!("{status} {rest}"),
        None if path == "." => "body".into(),
        None => path.to_string(),
    }
}

fn changed_keys(a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>) -> String {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).collect();
    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

fn diff_field(out: &mut Out, op: Option<&Op>, side: Side, name: &str, b: &Field, h: &Field) {
    let p = &h.pointer;
    let what = match side {
        Side::Parameter => format!("parameter `{name}`"),
        Side::Request => format!("request field `{}`", shown(name)),
        Side::Response => format!("response field `{}`", shown(name)),
    };
    if b.ty != h.ty && b.ty != "recursive" && h.ty != "recursive" {
        let rule = match side {
            Side::Parameter => "parameter-type-changed",
            Side::Request => "request-field-type-changed",
            Side::Response => "response-field-type-changed",
        };
        out.push(rule, op, p, false, format!("{what} changed type from {} to {}", b.ty, h.ty));
    }
    match side {
        Side::Parameter if !b.required && h.required => {
            out.push("parameter-became-required", op, p, false, format!("{what} is now required"))
        }
        Side::Request if !b.required && h.required && name != "." => {
            out.push("request-field-became-required", op, p, false, format!("{what} is now required"))
        }
        Side::Request if b.nullable && !h.nullable => {
            out.push("request-field-became-non-nullable", op, p, false, format!("{what} no longer accepts null"))
        }
        Side::Response if b.required && !h.required => {
            out.push("response-field-became-optional", op, p, false, format!("{what} may now be absent"))
        }
        Side::Response if !b.required && h.required => {
            out.push("response-field-became-required", op, p, false, format!("{what} is now always present"))
        }
        _ => {}
    }
    if side == Side::Response && !b.nullable && h.nullable {
        out.push("response-field-became-nullable", op, p, false, format!("{what} may now be null"));
    }
    if let (Some(be), Some(he)) = (&b.enum_values, &h.enum_values) {
        let removed: Vec<&String> = be.difference(he).collect();
        let added: Vec<&String> = he.difference(be).collect();
        let (on_removed, on_added) = match side {
            Side::Response => ("response-enum-value-removed", "response-enum-value-added"),
            _ => ("request-enum-value-removed", "request-enum-value-added"),
        };
        if !removed.is_empty() {
            out.push(on_removed, op, p, false, format!("{what} no longer lists {removed:?}"));
        }
        if !added.is_empty() {
            let note = if side == Side::Response {
                " (generated enums are open: it decodes as `Unknown(..)` until regenerated)"
            } else {
                ""
            };
            out.push(on_added, op, p, false, format!("{what} now also lists {added:?}{note}"));
        }
    }
    let keys: BTreeSet<&String> = b.constraints.keys().chain(h.constraints.keys()).collect();
    for k in keys {
        let (bv, hv) = (b.constraints.get(k), h.constraints.get(k));
        if bv == hv {
            continue;
        }
        let describe = |v: Option<&Value>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
        let message = format!("{what}: `{k}` {} → {}", describe(bv), describe(hv));
        match side {
            Side::Response => out.push("response-constraint-changed", op, p, false, message),
            _ if tightened(k, bv, hv) => out.push("request-constraint-tightened", op, p, false, message),
            _ => out.push("request-constraint-loosened", op, p, false, message),
        }
    }
    if b.default != h.default {
        out.push(
            "default-changed",
            op,
            p,
            false,
            format!("{what}: default {} → {}", show_opt(&b.default), show_opt(&h.default)),
        );
    }
    if b.description != h.description {
        out.push("description-changed", op, p, false, format!("{what}: description changed"));
    }
    if b.extensions != h.extensions {
        out.push(
            "extension-changed",
            op,
            p,
            false,
            format!("{what}: extensions {} changed", changed_keys(&b.extensions, &h.extensions)),
        );
    }
}

fn show_opt(v: &Option<Value>) -> String {
    v.as_ref().map_or_else(|| "none".into(), Value::to_string)
}

/// Whether going from `before` to `after` admits fewer values.
fn tightened(key: &str, before: Option<&Value>, after: Option<&Value>) -> bool {
    let num = |v: Option<&Value>| v.and_then(Value::as_f64);
    match key {
        "maxLength" | "maximum" | "maxItems" => match (num(before), num(after)) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(b), Some(a)) => a < b,
        },
        "minLength" | "minimum" | "minItems" => match (num(before), num(after)) {
            (_, None) => false,
            (None, Some(a)) => a > 0.0 || key == "minimum",
            (Some(b), Some(a)) => a > b,
        },
        "exclusiveMinimum" | "exclusiveMaximum" => after == Some(&Value::Bool(true)),
        // A new or different pattern may reject values the old one accepted; a removed one cannot.
        _ => after.is_some(),
    }
}
