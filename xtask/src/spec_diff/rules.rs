//! The rules: what changed between two specs' facts, each with a stable id and a severity seen from a caller
//! of the generated client.

use super::facts::{Facts, Field, Op, rust_type};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Code that uses the generated client stops building, or a request that worked now fails.
    Breaking,
    /// Callers' code still builds and runs, but the client does something else at run time (retries a
    /// create, stops redacting a field, waits less): it needs the same approval as a breaking change.
    Behaviour,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Breaking => "breaking",
            Severity::Behaviour => "behaviour",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

use Severity::{Behaviour, Breaking, Info, Warning};

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
    (
        "paging-style-changed",
        Breaking,
        "the paging parameters changed (page+limit versus page+per_page), or the list is no longer paged",
    ),
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
    (
        "request-body-became-optional",
        Breaking,
        "the request body is now optional; the generated method takes an `Option` of it",
    ),
    (
        "request-field-became-optional",
        Breaking,
        "a required request field is now optional; the generated constructor loses its argument (it gets a setter)",
    ),
    (
        "parameter-became-optional",
        Breaking,
        "a required parameter is now optional; the generated `Params::new` loses its argument (it gets a setter)",
    ),
    (
        "request-field-became-nullable",
        Breaking,
        "a request field now accepts null; its generated argument becomes an `Option` (a `Tristate` when it is also optional)",
    ),
    (
        "response-field-became-non-nullable",
        Breaking,
        "a response field is never null any more; its generated type loses its `Option` (a `Tristate` becomes an `Option`)",
    ),
    (
        "field-became-enum",
        Breaking,
        "a string now lists its values (`enum`); its generated type becomes an enum instead of `String`",
    ),
    ("field-no-longer-enum", Breaking, "a string no longer lists its values; its generated enum type becomes `String`"),
    (
        "response-field-presence-changed",
        Info,
        "a response field's `required` and `nullable` both flipped and its generated type stayed the same (`Option<T>`)",
    ),
    (
        "format-changed",
        Info,
        "a `format` changed without changing the generated Rust type (`email`, `uri`), in a response or dropped from a request",
    ),
    (
        "operation-tag-changed",
        Breaking,
        "an operation's first tag changed: it moves to another `operations::<tag>` module and cargo feature",
    ),
    (
        "tag-removed",
        Breaking,
        "no operation has this tag any more: its cargo feature and its `operations::<tag>` module are gone",
    ),
    ("tag-added", Info, "a new tag: a new cargo feature and `operations::<tag>` module"),
    (
        "named-server-removed",
        Breaking,
        "a server named by `x-name` is gone (or renamed): its `servers::NAME` constant disappears",
    ),
    (
        "security-scheme-changed",
        Breaking,
        "a security scheme's type, scheme, location or name changed: the client sends credentials another way",
    ),
    (
        "rust-api-changed",
        Breaking,
        "a public item of the generated crate changed or disappeared in a way no spec rule above describes",
    ),
    (
        "retry-safety-changed",
        Behaviour,
        "`x-safe-to-retry` was added or removed: the client now retries the POST (a create may be sent twice), or no longer does",
    ),
    (
        "idempotency-changed",
        Behaviour,
        "`x-idempotency` was added, removed or changed: how (or whether) the client recovers a create after an ambiguous failure",
    ),
    (
        "token-lifecycle-changed",
        Behaviour,
        "`x-token-lifecycle` changed: how the client logs in, refreshes and logs out",
    ),
    (
        "webhook-signature-changed",
        Behaviour,
        "`x-webhook-signature` changed: `webhook::verify` checks deliveries differently",
    ),
    ("secret-removed", Behaviour, "`x-secret` was removed: the field now prints in `Debug` and error excerpts"),
    (
        "deliver-once-removed",
        Behaviour,
        "`x-deliver-once` was removed: the one-time secret becomes an ordinary, copyable value",
    ),
    ("timeout-lowered", Behaviour, "`x-timeout-seconds` was lowered or removed: calls give up sooner"),
    (
        "poll-terminal-statuses-changed",
        Behaviour,
        "`x-poll`'s terminal statuses changed: `wait_for_*` and `is_terminal()` stop on other statuses",
    ),
    (
        "paging-headers-changed",
        Behaviour,
        "the page headers `x-paging` declares changed: `ApiResponse::paging()` and the `*_stream` helpers read others",
    ),
    (
        "paging-declared",
        Behaviour,
        "a list now declares `x-paging`: `ApiResponse::paging()` reads its page headers and a `*_stream` helper walks the pages",
    ),
    (
        "rate-limit-changed",
        Behaviour,
        "an `x-rate-limit` quota or class changed: the conformance pace and the emulator's windows follow it",
    ),
];

/// Extensions that change what the generated client does at run time; a change to one is judged by the
/// behaviour rules (some directions, such as `x-secret` added, stay info). Any other `x-` edit is info.
pub const BEHAVIOUR_EXTENSIONS: &[&str] = &[
    "x-safe-to-retry",
    "x-idempotency",
    "x-token-lifecycle",
    "x-webhook-signature",
    "x-secret",
    "x-deliver-once",
    "x-timeout-seconds",
    "x-poll",
    "x-paging",
    "x-rate-limit",
];

/// `info.x-crate-version`: the generated crate's version. Bumping it is what the gate asks for, not a change.
pub const CRATE_VERSION_KEY: &str = "x-crate-version";

/// Rules whose break is on the wire, not in the generated Rust API: callers' code still compiles, and fails at
/// run time (a token now needed, a request now refused, a header no longer sent). Every other breaking rule
/// breaks compilation, and no other rule does (`tests/spec_diff_compiler.rs` checks both against rustc).
pub const WIRE: &[&str] = &[
    "security-added",
    "security-changed",
    "success-status-changed",
    "request-constraint-tightened",
    "response-header-removed",
    "security-scheme-changed",
];

/// The `rust-api-changed` finding for generated items that break callers when no spec rule explains them,
/// placed on the component schema the first item belongs to when there is one (else the document's start).
pub fn rust_api_change(items: &[String], head: &Value) -> Change {
    let pointer = items
        .iter()
        .filter_map(|i| i.strip_prefix("models::"))
        .map(|i| i.split(['.', ':']).next().unwrap_or(i))
        .map(|t| format!("/components/schemas/{}", t.replace('~', "~0").replace('/', "~1")))
        .find(|p| head.pointer(p).is_some())
        .unwrap_or_else(|| "/openapi".into());
    let schema = pointer.strip_prefix("/components/schemas/").map(|s| s.replace("~1", "/").replace("~0", "~"));
    let shown: Vec<String> = items.iter().take(8).map(|i| format!("`{i}`")).collect();
    let more = if items.len() > 8 { format!(" and {} more", items.len() - 8) } else { String::new() };
    Change {
        rule: "rust-api-changed",
        severity: Breaking,
        message: format!("the generated crate's public API changed incompatibly: {}{more}", shown.join(", ")),
        operations: Vec::new(),
        schema,
        pointer,
        in_base: false,
        ignored: None,
    }
}

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
    /// Set when an entry of the ignore file covers this change: its reason and expiry. An ignored change is
    /// still reported, but does not count toward the verdict.
    pub ignored: Option<String>,
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
            ignored: None,
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
    // Extensions at the root and in `info`, grouped by the object that holds them.
    for parent in ["", "/info"] {
        let of = |f: &Facts| -> BTreeMap<String, Value> {
            f.extensions
                .iter()
                .filter_map(|(p, v)| {
                    let (at, key) = p.rsplit_once('/')?;
                    (at == parent).then(|| (key.replace("~1", "/").replace("~0", "~"), v.clone()))
                })
                .collect()
        };
        extensions(&mut out, None, parent, "", &of(base), &of(head));
    }
    diff_tags(&mut out, base, head);
    for (name, p) in &base.named_servers {
        if !head.named_servers.contains_key(name) {
            out.push(
                "named-server-removed",
                None,
                p,
                true,
                format!("the server named `{name}` is gone: `servers::{}` disappears", name.to_uppercase()),
            );
        }
    }
    for (name, b) in &base.schemes {
        let Some(h) = head.schemes.get(name) else { continue };
        if b.how != h.how {
            out.push(
                "security-scheme-changed",
                None,
                &h.pointer,
                false,
                format!("security scheme `{name}` was {} and is now {}", b.how, h.how),
            );
        }
        extensions(&mut out, None, &h.pointer, &format!("security scheme `{name}`: "), &b.extensions, &h.extensions);
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
    if b.paging.is_none() && h.paging.is_some() {
        // A list that starts declaring its paging gains helpers and reads page headers; nothing is taken away.
        out.push(
            "paging-declared",
            op,
            &format!("{}/x-paging", h.pointer),
            false,
            format!(
                "`x-paging` ({}) was added: the client now reads the page headers into `ApiResponse::paging()` and \
                 `{}_stream` walks every page",
                h.paging.as_deref().unwrap_or_default(),
                h.id
            ),
        );
    } else if b.paging != h.paging {
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
    if b.body_required == Some(true) && h.body_required == Some(false) {
        out.push(
            "request-body-became-optional",
            op,
            &format!("{}/requestBody", h.pointer),
            false,
            "the request body is now optional: the generated method takes an `Option` of it".into(),
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
    extensions(out, op, &h.pointer, "", &b.extensions, &h.extensions);
    if b.tag != h.tag {
        let show = |t: &Option<String>| t.as_deref().map_or_else(|| "untagged".to_string(), |t| format!("tag `{t}`"));
        out.push(
            "operation-tag-changed",
            op,
            &h.pointer,
            false,
            format!(
                "`{}` moved from {} to {}: its operations module and cargo feature change",
                h.id,
                show(&b.tag),
                show(&h.tag)
            ),
        );
    }
}

/// Tags that gain or lose their last operation: a cargo feature and an `operations::<tag>` module each.
fn diff_tags(out: &mut Out, base: &Facts, head: &Facts) {
    fn tags(f: &Facts) -> BTreeMap<String, &Op> {
        let mut m = BTreeMap::new();
        for o in f.ops.values() {
            m.entry(o.tag.clone().unwrap_or_else(|| "untagged".into())).or_insert(o);
        }
        m
    }
    let (b, h) = (tags(base), tags(head));
    for (tag, o) in &b {
        if !h.contains_key(tag) {
            let message = format!("tag `{tag}` has no operations any more: its cargo feature and module are gone");
            out.push("tag-removed", None, &o.pointer, true, message);
        }
    }
    for (tag, o) in &h {
        if !b.contains_key(tag) {
            let message = format!("tag `{tag}` is new: a cargo feature and module of its own");
            out.push("tag-added", None, &o.pointer, false, message);
        }
    }
}

/// The changes to one object's `x-` extensions (`at` is its pointer, `what` names it for a field): a behaviour
/// rule for each change that alters what the client does at run time, `extension-changed` (info) for the rest.
fn extensions(
    out: &mut Out,
    op: Option<&Op>,
    at: &str,
    what: &str,
    b: &BTreeMap<String, Value>,
    h: &BTreeMap<String, Value>,
) {
    let keys: BTreeSet<&String> =
        b.keys().chain(h.keys()).filter(|k| b.get(*k) != h.get(*k) && *k != CRATE_VERSION_KEY).collect();
    for key in keys {
        let (bv, hv) = (b.get(key), h.get(key));
        // An operation's paging declared or dropped is `paging-declared` or `paging-style-changed` already.
        if key == "x-paging" && op.is_some() && (bv.is_none() || hv.is_none()) && behaviour(key, bv, hv).is_none() {
            continue;
        }
        let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
        let (rule, message) = behaviour(key, bv, hv).unwrap_or_else(|| {
            let how = match (bv, hv) {
                (None, _) => "was added",
                (_, None) => "was removed",
                _ => "changed",
            };
            ("extension-changed", format!("`{key}` {how}"))
        });
        out.push(rule, op, &pointer, hv.is_none(), format!("{what}{message}"));
    }
}

/// The behaviour rule a change of the extension `key` falls under, with what the client will now do.
fn behaviour(key: &str, bv: Option<&Value>, hv: Option<&Value>) -> Option<(&'static str, String)> {
    let on = |v: Option<&Value>| v.is_some_and(|v| !v.is_null() && v != &Value::Bool(false));
    let show = |v: Option<&Value>| v.map_or_else(|| "none".to_string(), Value::to_string);
    let part = |v: Option<&Value>, k: &str| v.and_then(|v| v.get(k)).cloned();
    let changed = || format!("{} → {}", show(bv), show(hv));
    Some(match key {
        "x-safe-to-retry" if on(bv) != on(hv) => (
            "retry-safety-changed",
            if on(hv) {
                "`x-safe-to-retry` was added: the client now retries this POST on network errors, 429 and 5xx even \
                 without a `client_reference`, so it may reach the API twice"
                    .into()
            } else {
                "`x-safe-to-retry` was removed: the client no longer retries this POST without a `client_reference`"
                    .into()
            },
        ),
        "x-idempotency" => (
            "idempotency-changed",
            match (bv, hv) {
                (None, _) => format!(
                    "`x-idempotency` was added ({}): after an ambiguous failure the client now retries the create and \
                     finds it again by its `client_reference`",
                    show(hv)
                ),
                (_, None) => "`x-idempotency` was removed: after an ambiguous failure the client no longer recovers \
                              the create; the caller gets the error (or the `400 Duplicate client_reference`)"
                    .into(),
                _ => format!("`x-idempotency` {}: the client recovers a create another way", changed()),
            },
        ),
        "x-token-lifecycle" => (
            "token-lifecycle-changed",
            format!("`x-token-lifecycle` {}: the client logs in, refreshes or logs out differently", changed()),
        ),
        "x-webhook-signature" => (
            "webhook-signature-changed",
            format!("`x-webhook-signature` {}: `webhook::verify` accepts and rejects other deliveries", changed()),
        ),
        "x-secret" if on(bv) && !on(hv) => (
            "secret-removed",
            "`x-secret` was removed: the value now prints in `Debug` output and error excerpts".into(),
        ),
        "x-deliver-once" if on(bv) && !on(hv) => (
            "deliver-once-removed",
            "`x-deliver-once` was removed: the one-time secret becomes an ordinary value (copyable, serialized)".into(),
        ),
        "x-timeout-seconds" => match (bv.and_then(Value::as_f64), hv.and_then(Value::as_f64)) {
            (Some(b), Some(h)) if h < b => {
                ("timeout-lowered", format!("`x-timeout-seconds` {b} → {h}: the call gives up {} s sooner", b - h))
            }
            (Some(b), None) => (
                "timeout-lowered",
                format!("`x-timeout-seconds` ({b}) was removed: the call gets the client's default timeout"),
            ),
            _ => return None,
        },
        "x-poll" if part(bv, "terminal") != part(hv, "terminal") => (
            "poll-terminal-statuses-changed",
            format!(
                "`x-poll` terminal statuses {} → {}: `wait_for_*` and `is_terminal()` stop on other statuses",
                show(part(bv, "terminal").as_ref()),
                show(part(hv, "terminal").as_ref())
            ),
        ),
        "x-paging" if part(bv, "headers") != part(hv, "headers") => (
            "paging-headers-changed",
            format!(
                "`x-paging` headers {} → {}: `ApiResponse::paging()` and the streams read other headers",
                show(part(bv, "headers").as_ref()),
                show(part(hv, "headers").as_ref())
            ),
        ),
        "x-rate-limit" => (
            "rate-limit-changed",
            format!("`x-rate-limit` {}: the conformance pace and the emulator's quota follow it", changed()),
        ),
        _ => return None,
    })
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

fn diff_field(out: &mut Out, op: Option<&Op>, side: Side, name: &str, b: &Field, h: &Field) {
    let p = &h.pointer;
    let what = match side {
        Side::Parameter => format!("parameter `{name}`"),
        Side::Request => format!("request field `{}`", shown(name)),
        Side::Response => format!("response field `{}`", shown(name)),
    };
    if b.ty != h.ty && b.ty != "recursive" && h.ty != "recursive" {
        let (bt, ht) = (rust_type(&b.ty), rust_type(&h.ty));
        let format_of = |t: &str| t.split_once('(').map(|(_, f)| f.trim_end_matches(')').to_string());
        if bt != ht {
            let rule = match side {
                Side::Parameter => "parameter-type-changed",
                Side::Request => "request-field-type-changed",
                Side::Response => "response-field-type-changed",
            };
            out.push(rule, op, p, false, format!("{what} changed type from {} to {} (`{bt}` → `{ht}`)", b.ty, h.ty));
        } else {
            // Only the format changed, and the generated type did not: a new or different string format on what
            // a caller sends (`email`, `uri`) may refuse values the old one took; a number's (`int64` on an
            // integer) names the width the type already has; anything else is information.
            let message = format!("{what}: format {} → {} (still `{ht}`)", b.ty, h.ty);
            let rule = if side != Side::Response && h.ty.starts_with("string") && format_of(&h.ty).is_some() {
                "request-constraint-tightened"
            } else {
                "format-changed"
            };
            out.push(rule, op, p, false, message);
        }
    }
    // A response field whose presence and nullability both flip may keep its Rust type (required and nullable
    // to optional: `Option<T>` either way): absent and null decode alike, so no caller notices.
    if side == Side::Response && (b.required, b.nullable) != (h.required, h.nullable) && shape(b) == shape(h) {
        let message = format!(
            "{what}: required {} → {}, nullable {} → {} (still `{}`)",
            b.required,
            h.required,
            b.nullable,
            h.nullable,
            shape(h)
        );
        out.push("response-field-presence-changed", op, p, false, message);
    } else {
        match side {
            Side::Parameter if !b.required && h.required => {
                out.push("parameter-became-required", op, p, false, format!("{what} is now required"))
            }
            Side::Parameter if b.required && !h.required => out.push(
                "parameter-became-optional",
                op,
                p,
                false,
                format!("{what} is now optional: `Params::new` loses its argument"),
            ),
            Side::Request if !b.required && h.required && name != "." => {
                out.push("request-field-became-required", op, p, false, format!("{what} is now required"))
            }
            Side::Request if b.required && !h.required && name != "." => out.push(
                "request-field-became-optional",
                op,
                p,
                false,
                format!("{what} is now optional: its constructor argument becomes a setter"),
            ),
            Side::Response if b.required && !h.required => {
                out.push("response-field-became-optional", op, p, false, format!("{what} may now be absent"))
            }
            Side::Response if !b.required && h.required => {
                out.push("response-field-became-required", op, p, false, format!("{what} is now always present"))
            }
            _ => {}
        }
        match side {
            Side::Request if b.nullable && !h.nullable => {
                out.push("request-field-became-non-nullable", op, p, false, format!("{what} no longer accepts null"))
            }
            Side::Request if !b.nullable && h.nullable => {
                out.push("request-field-became-nullable", op, p, false, format!("{what} now accepts null"))
            }
            Side::Response if !b.nullable && h.nullable => {
                out.push("response-field-became-nullable", op, p, false, format!("{what} may now be null"))
            }
            Side::Response if b.nullable && !h.nullable => {
                out.push("response-field-became-non-nullable", op, p, false, format!("{what} is never null any more"))
            }
            _ => {}
        }
    }
    match (&b.enum_values, &h.enum_values) {
        (None, Some(values)) if b.ty == h.ty => out.push(
            "field-became-enum",
            op,
            p,
            false,
            format!("{what} now lists its values {values:?}: its Rust type becomes an enum"),
        ),
        (Some(values), None) if b.ty == h.ty => out.push(
            "field-no-longer-enum",
            op,
            p,
            false,
            format!("{what} no longer lists its values (was {values:?}): its Rust type becomes `{}`", rust_type(&h.ty)),
        ),
        _ => {}
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
    extensions(out, op, p, &format!("{what}: "), &b.extensions, &h.extensions);
}

/// The Rust type a response field decodes into, as `codegen`'s `models::field_ty` chooses it.
fn shape(f: &Field) -> &'static str {
    match (f.required, f.nullable, f.default.is_some()) {
        (false, true, _) => "Tristate<T>",
        (true, true, _) | (false, false, false) => "Option<T>",
        _ => "T",
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
