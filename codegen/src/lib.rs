//! Reads an OpenAPI 3.0, 3.1 or 3.2 document and emits a typed, async Rust client crate.
//!
//! The pipeline, one module per stage: [`load`] (YAML or JSON, with positions) → [`validate`] (every
//! problem at once, each with a JSON pointer) → lowering into the [`model`] ([`types`], [`operations`],
//! with [`naming`] resolving every identifier) → [`emit`] (tokens) → [`format`] (prettyplease).

pub mod bodies;
pub mod crate_name;
pub mod diag;
pub mod emit;
pub mod extensions;
pub mod format;
pub mod gating;
pub mod load;
pub mod locate;
pub mod model;
pub mod naming;
pub mod narrow;
pub mod numbers;
pub mod openapi31;
pub mod operations;
pub mod params;
pub mod resolve;
pub mod security;
pub mod spec;
pub mod streaming;
pub mod types;
pub mod validate;
pub mod write;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use emit::CrateOptions;

use extensions::{Extension, RetryHint};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long each stage took. Emission and formatting run on worker threads, so `emit` and `format` are
/// CPU time summed over workers, and `wall` (start to finish) can be less than the sum of the stages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub load: Duration,
    pub validate: Duration,
    pub model: Duration,
    pub emit: Duration,
    pub format: Duration,
    pub wall: Duration,
}

impl Timings {
    pub fn total(&self) -> Duration {
        self.wall
    }
}

/// A generated crate: files by path relative to its root, the warnings, and the stage timings.
#[derive(Debug)]
pub struct Generated {
    pub files: BTreeMap<String, String>,
    pub warnings: Vec<Diagnostic>,
    pub timings: Timings,
    pub operations: usize,
    pub types: usize,
}

/// Generates a crate from a spec file.
pub fn generate_file(spec: &Path, opts: &CrateOptions) -> Result<Generated, Diagnostics> {
    check_crate_name(&spec.display().to_string(), opts)?;
    let started = Instant::now();
    let loaded = load::load_file(spec)?;
    generate_loaded(loaded, opts, started)
}

/// Generates a crate from spec text; `file` names it in messages.
pub fn generate_str(file: &str, text: String, opts: &CrateOptions) -> Result<Generated, Diagnostics> {
    check_crate_name(file, opts)?;
    let started = Instant::now();
    let loaded = load::load_str(file, text)?;
    generate_loaded(loaded, opts, started)
}

/// Lowers a validated spec; `diags` are the validation findings, reported together with lowering's.
fn lower_model(spec: &load::Spec, mut diags: Vec<Diagnostic>) -> Result<(model::Api, Vec<Diagnostic>), Diagnostics> {
    // Neither the prelude's names nor the runtime's public types may be a schema's: no two public types of a
    // generated crate share a name.
    let reserved = naming::RESERVED_TYPES.iter().copied().chain(naming::reserved_types().iter().map(String::as_str));
    let mut tl = types::TypeLowering::new(spec, naming::Namespace::with_reserved(reserved));
    tl.lower_components();
    let mut operations = operations::lower(&mut tl);
    tl.settle_write_only(&operations);
    tl.box_cycles();
    check_polls(spec, &mut operations, &mut tl.types, &mut tl.diags);
    error_codes(spec, &tl.component_names_by_key(), &mut tl.types, &mut tl.diags);
    let auth = auth_flow(spec, &operations, &mut tl.diags);
    let security = security::lower(spec, &mut operations, &mut tl.diags);
    resolve_lookups(spec, &mut operations, &mut tl.diags);
    let retry_hint = retry_hint(spec, &mut tl.diags);
    let webhook_signature = webhook_signature(spec, &mut tl.diags);
    let names = tl.component_names_by_key();
    let webhook_payloads = spec.document().webhook_payloads();
    let webhook_payloads = webhook_payloads.iter().filter_map(|k| names.get(k)).map(|n| model::Ty::Named(n.clone()));
    let webhook_payloads = webhook_payloads.collect();
    if let Err((at, message)) = extensions::read::<extensions::DocumentPaging>(&spec.raw, "") {
        tl.diags.push(spec.diag(Severity::Error, &at, message));
    }
    let paging_headers = operations::document_paging(spec)
        .filter(|_| operations.iter().any(|o| o.paging.as_ref().is_some_and(|p| p.shared)));
    diags.append(&mut tl.diags);
    diags.sort();
    diags.dedup();
    let crate_version = extensions::crate_version(&spec.api.info.extensions).unwrap_or_else(|m| {
        diags.push(spec.diag(Severity::Error, &format!("/info/{}", extensions::CRATE_VERSION), m));
        None
    });
    if diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(Diagnostics(diags));
    }
    let info = &spec.api.info;
    let api = model::Api {
        title: info.title.clone(),
        version: info.version.clone(),
        crate_version: crate_version.unwrap_or_else(|| extensions::DEFAULT_CRATE_VERSION.into()),
        description: info.description.clone(),
        guide: extensions::text(&info.extensions, extensions::CLIENT_GUIDE).map(str::to_string),
        servers: spec
            .api
            .servers
            .iter()
            .map(|s| model::Server {
                url: s.url.clone(),
                description: s.description.clone(),
                name: extensions::text(&s.extensions, extensions::SERVER_NAME).map(str::to_string),
            })
            .collect(),
        once_holders: types::once_holders(&tl.types),
        types: tl.types,
        operations,
        secret_fields: tl.secrets.into_iter().collect(),
        uses: tl.uses,
        auth,
        webhook_signature,
        webhook_payloads,
        paging_headers,
        retry_hint,
        security,
    };
    Ok((api, diags))
}

/// The source of a crate that uses every public item of the crate `spec` generates, importing it as `api`
/// ([`emit::caller`]): compiled against a crate from a later spec, it tells whether the change breaks callers.
pub fn caller_source(spec: &load::Spec) -> Result<String, Diagnostics> {
    let found = validate::validate(spec);
    let (api, _) = lower_model(spec, found)?;
    format::format("caller lib.rs", emit::caller::caller(&api)).map_err(|m| internal_error(spec, m))
}

/// A generator bug, reported against the spec's file as one error.
/// A package name Cargo would refuse is refused before anything is read or generated (`crate_name`).
fn check_crate_name(file: &str, opts: &CrateOptions) -> Result<(), Diagnostics> {
    crate_name::validate(&opts.crate_name).map_err(|message| {
        Diagnostics(vec![Diagnostic {
            file: file.to_string(),
            line: None,
            column: None,
            pointer: String::new(),
            severity: Severity::Error,
            message,
        }])
    })
}

fn internal_error(spec: &load::Spec, message: String) -> Diagnostics {
    Diagnostics(vec![Diagnostic {
        file: spec.file.clone(),
        line: None,
        column: None,
        pointer: String::new(),
        severity: Severity::Error,
        message,
    }])
}

/// Generates a crate from a spec already loaded (tools that also read the spec themselves parse it once).
pub fn generate_spec(spec: load::Spec, opts: &CrateOptions) -> Result<Generated, Diagnostics> {
    check_crate_name(&spec.file, opts)?;
    generate_loaded(spec, opts, Instant::now())
}

fn generate_loaded(spec: load::Spec, opts: &CrateOptions, begun: Instant) -> Result<Generated, Diagnostics> {
    let mut timings = Timings { load: begun.elapsed(), ..Timings::default() };
    let started = Instant::now();
    let found = validate::validate(&spec);
    timings.validate = started.elapsed();
    let started = Instant::now();
    let (api, warnings) = lower_model(&spec, found)?;
    timings.model = started.elapsed();
    let hash = spec_hash(&spec.text);
    let (files, emit, format) = emit::emit(&api, opts, &hash).map_err(|m| internal_error(&spec, m))?;
    timings.emit = emit;
    timings.format = format;
    timings.wall = begun.elapsed();
    Ok(Generated { files, warnings, timings, operations: api.operations.len(), types: api.types.len() })
}

/// The first 16 hex digits of the spec text's SHA-256.
pub fn spec_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The README's Rust examples, compiled as doctests so they cannot drift from the generated API.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The method name of the operation an extension names by operationId at `at`/`key`; an error when the spec
/// has no such operation. `names` pairs each operationId with its method name.
fn method_named(
    spec: &load::Spec,
    names: &[(String, String)],
    at: &str,
    key: &str,
    id: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let found = names.iter().find(|(i, _)| i == id).map(|(_, m)| m.clone());
    if found.is_none() {
        diags.push(spec.diag(
            Severity::Error,
            &diag::child(at, key),
            format!("{key} `{id}` is not an operationId of this spec"),
        ));
    }
    found
}

/// `x-token-lifecycle` on a security scheme: how the runtime logs in and rotates the token. A lifecycle that
/// misses a piece, or names an operation the spec lacks, is an error: a client that silently does not
/// authenticate is worse than no client.
fn auth_flow(spec: &load::Spec, ops: &[model::Operation], diags: &mut Vec<Diagnostic>) -> Option<model::AuthFlow> {
    let schemes = spec.raw.pointer("/components/securitySchemes")?.as_object()?;
    let (name, scheme) = schemes.iter().find(|(_, s)| s.get(extensions::TokenLifecycle::NAME).is_some())?;
    let holder = diag::child("/components/securitySchemes", name);
    let lc = match extensions::read::<extensions::TokenLifecycle>(scheme, &holder) {
        Ok(lc) => lc?,
        Err((at, message)) => {
            diags.push(spec.diag(Severity::Error, &at, message));
            return None;
        }
    };
    let at = diag::child(&holder, extensions::TokenLifecycle::NAME);
    let names: Vec<(String, String)> = ops.iter().map(|o| (o.id.clone(), o.method_name.clone())).collect();
    let mut op = |key: &str, id: &str| method_named(spec, &names, &at, key, id, diags);
    let login = op("login", &lc.login);
    let refresh = lc.refresh.as_deref().map(|id| op("refresh", id));
    let logout = lc.logout.as_deref().map(|id| op("logout", id));
    let text = |p: &Option<String>| p.clone().unwrap_or_default();
    Some(model::AuthFlow {
        login: login?,
        refresh: refresh.map_or(Some(None), |r| r.map(Some))?,
        logout: logout.map_or(Some(None), |r| r.map(Some))?,
        key_field: lc.credentials.key,
        secret_field: lc.credentials.secret,
        refresh_field: text(&lc.refresh_field),
        access_token: lc.tokens.access,
        refresh_token: text(&lc.tokens.refresh),
        access_expires_at: text(&lc.tokens.access_expires_at),
        refresh_expires_at: text(&lc.tokens.refresh_expires_at),
        access_lifetime_secs: lc.lifetimes.access_seconds.unwrap_or(0),
        refresh_lifetime_secs: lc.lifetimes.refresh_seconds.unwrap_or(0),
        refresh_before_secs: lc.refresh_before_seconds,
    })
}

/// `x-retry-hint` on the responses: where an error body states its wait. The runtime has one hint, so the
/// responses that declare one must agree.
fn retry_hint(spec: &load::Spec, diags: &mut Vec<Diagnostic>) -> Option<extensions::RetryHint> {
    let mut found: Vec<(extensions::RetryHint, String)> = Vec::new();
    let mut visit = |response: &serde_json::Value, at: String| match extensions::read::<RetryHint>(response, &at) {
        Ok(Some(h)) => found.push((h, diag::child(&at, RetryHint::NAME))),
        Ok(None) => {}
        Err((at, message)) => diags.push(spec.diag(Severity::Error, &at, message)),
    };
    for (name, r) in spec.raw.pointer("/components/responses").and_then(|v| v.as_object()).into_iter().flatten() {
        visit(r, diag::child("/components/responses", name));
    }
    for op in spec.document().operations() {
        for (status, r) in op.operation.get("responses").and_then(|v| v.as_object()).into_iter().flatten() {
            visit(r, diag::child(&diag::child(&op.pointer, "responses"), status));
        }
    }
    let (first, _) = found.first()?.clone();
    for (other, at) in &found[1..] {
        if (&other.pointer, &other.prefix) != (&first.pointer, &first.prefix) {
            diags.push(spec.diag(
                Severity::Error,
                at,
                "x-retry-hint differs from another response's; the client reads one",
            ));
        }
    }
    Some(first)
}

/// `x-webhook-signature` at the document root.
fn webhook_signature(spec: &load::Spec, diags: &mut Vec<Diagnostic>) -> Option<extensions::WebhookSignature> {
    extensions::read(&spec.raw, "").unwrap_or_else(|(at, message)| {
        diags.push(spec.diag(Severity::Error, &at, message));
        None
    })
}

/// A `wait_for_*` helper reads the status field of the operation's success body: an object whose status
/// field is a required, non-null string or string enum. Any other shape gets no helper, and a warning.
fn check_polls(
    spec: &load::Spec,
    ops: &mut [model::Operation],
    types: &mut std::collections::BTreeMap<String, model::TypeDef>,
    diags: &mut Vec<Diagnostic>,
) {
    use model::{Prim, ResultShape, Ty, TypeKind};
    for op in ops.iter_mut() {
        let Some(poll) = &op.poll else { continue };
        let struct_of = |ty: &Ty| match ty {
            Ty::Named(n) => match types.get(n).map(|t| &t.kind) {
                Some(TypeKind::Struct(s)) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        };
        let field = match &op.success {
            ResultShape::Single(body) => {
                struct_of(body).and_then(|s| s.fields.into_iter().find(|f| f.wire == poll.status_field))
            }
            ResultShape::Enum { .. } => None,
        };
        let usable = field.as_ref().is_some_and(|f| {
            let text = match &f.ty {
                Ty::Prim(Prim::String) => true,
                Ty::Named(n) => matches!(types.get(n).map(|t| &t.kind), Some(TypeKind::StringEnum(_))),
                _ => false,
            };
            text && f.required && !f.nullable
        }) && op.body.is_none();
        if usable
            && let Some(Ty::Named(status)) = field.as_ref().map(|f| &f.ty)
            && let Some(def) = types.get_mut(status)
        {
            // The status enum learns which of its values end a wait, for `is_terminal()`.
            let (values, by) = def.terminal.get_or_insert_with(Default::default);
            for t in &poll.terminal {
                if !values.contains(t) {
                    values.push(t.clone());
                }
            }
            by.push(op.id.clone());
        }
        if !usable {
            let at = format!("/paths/{}/{}/x-poll", diag::escape_segment(&op.path), op.http_method.to_lowercase());
            diags.push(spec.diag(
                Severity::Warning,
                &at,
                format!(
                    "no `{}` helper: x-poll needs an operation without a request body, with one success body: an object whose `{}` is a required, non-null string",
                    poll.method, poll.status_field
                ),
            ));
            op.poll = None;
        }
    }
}

/// `x-error-code` on a component schema: a JSON pointer into the body (`/error/code`) to its code, a
/// string or an open string enum. The error type then implements `ErrorCode`, and `Error::code()` answers.
fn error_codes(
    spec: &load::Spec,
    names: &std::collections::BTreeMap<String, String>,
    types: &mut std::collections::BTreeMap<String, model::TypeDef>,
    diags: &mut Vec<Diagnostic>,
) {
    use model::{Access, ErrorCodePath, Prim, Ty, TypeKind};
    let Some(schemas) = spec.raw.pointer("/components/schemas").and_then(|v| v.as_object()) else { return };
    for (key, schema) in schemas {
        let Some(pointer) = schema.get(extensions::ERROR_CODE) else { continue };
        let at = diag::child(&diag::child("/components/schemas", key), extensions::ERROR_CODE);
        let Some(pointer) = pointer.as_str().filter(|p| p.starts_with('/')) else {
            diags.push(spec.diag(
                Severity::Error,
                &at,
                "x-error-code is a JSON pointer into the body, such as `/error/code`",
            ));
            continue;
        };
        let Some(owner) = names.get(key) else { continue };
        let mut current = Ty::Named(owner.clone());
        let mut steps = Vec::new();
        let mut failed = None;
        for seg in pointer.split('/').skip(1) {
            let fields = match &current {
                Ty::Named(n) => match types.get(n).map(|t| &t.kind) {
                    Some(TypeKind::Struct(s)) => &s.fields,
                    _ => {
                        failed = Some(format!("`{n}` is not an object, so it has no `{seg}`"));
                        break;
                    }
                },
                other => {
                    failed = Some(format!("{other:?} has no field `{seg}`"));
                    break;
                }
            };
            let Some(f) = fields.iter().find(|f| f.wire == seg) else {
                failed = Some(format!("no field `{seg}` on the way to the code"));
                break;
            };
            let access = if f.is_tristate() {
                Access::Tristate
            } else if f.nullable || !f.required {
                Access::Option
            } else {
                Access::Plain
            };
            steps.push((f.rust.clone(), access));
            current = f.ty.clone();
        }
        let text = match &current {
            Ty::Prim(Prim::String) => true,
            Ty::Named(n) => matches!(types.get(n).map(|t| &t.kind), Some(TypeKind::StringEnum(_))),
            _ => false,
        };
        match failed {
            Some(why) => diags.push(spec.diag(Severity::Error, &at, format!("x-error-code `{pointer}`: {why}"))),
            None if !text || steps.is_empty() => diags.push(spec.diag(
                Severity::Error,
                &at,
                format!("x-error-code `{pointer}` must end at a string or string enum field"),
            )),
            None => {
                if let Some(def) = types.get_mut(owner) {
                    def.error_code = Some(ErrorCodePath { steps, code: current });
                }
            }
        }
    }
}

/// Every `x-idempotency` names operations that exist; the model keeps their method names.
fn resolve_lookups(spec: &load::Spec, ops: &mut [model::Operation], diags: &mut Vec<Diagnostic>) {
    let names: Vec<(String, String)> = ops.iter().map(|o| (o.id.clone(), o.method_name.clone())).collect();
    for op in ops.iter_mut() {
        let Some((declared, at)) = op.declared_idempotency.take() else { continue };
        let mut known = |key: &str, id: &str| method_named(spec, &names, &at, key, id, diags);
        let lookup = known("lookup", &declared.lookup);
        let read = match &declared.read {
            Some(id) => known("read", id).map(|m| Some((m, declared.read_id.clone()))),
            None => Some(None),
        };
        if let (Some(lookup), Some(read), Some(find)) = (lookup, read, op.find_name.take()) {
            op.idempotency = Some(model::Idempotency {
                field: declared.field,
                lookup,
                lookup_param: declared.lookup_param,
                read,
                matches: declared.matches.into_iter().collect(),
                duplicate: declared.duplicate,
                find,
            });
        }
    }
}
