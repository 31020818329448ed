//! Emission: the model becomes the files of a client crate. Each file starts with the `@generated` header
//! and the spec's hash; the runtime files are copied verbatim from `codegen/runtime/`.

mod bodies;
mod builders;
pub mod caller;
mod examples;
mod models;
mod operations;
mod params;
mod security;
mod streaming;
mod tokens;

use crate::format::{parse, space_items, with_attrs};
use crate::gating::Gates;
use crate::model::{Api, Operation, TypeDef};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What the caller controls about the generated crate.
#[derive(Debug, Clone)]
pub struct CrateOptions {
    pub crate_name: String,
    /// How the spec is named in headers: a file name, so output does not depend on where it was run.
    pub spec_label: String,
    /// Add an empty `[workspace]` table, so the crate builds on its own inside another workspace's tree.
    pub standalone: bool,
}

/// The runtime's client: the methods it defines on `Client` are names no operation may take.
pub(crate) const CLIENT_RUNTIME: &str = include_str!("../../runtime/client.rs");

const RUNTIME: &[(&str, &str)] = &[
    ("auth.rs", include_str!("../../runtime/auth.rs")),
    ("budget.rs", include_str!("../../runtime/budget.rs")),
    ("cache.rs", include_str!("../../runtime/cache.rs")),
    ("client.rs", CLIENT_RUNTIME),
    ("credentials.rs", include_str!("../../runtime/credentials.rs")),
    ("error.rs", include_str!("../../runtime/error.rs")),
    ("recovery.rs", include_str!("../../runtime/recovery.rs")),
    ("params.rs", include_str!("../../runtime/params.rs")),
    ("retry.rs", include_str!("../../runtime/retry.rs")),
    ("support.rs", include_str!("../../runtime/support.rs")),
];
const DECIMAL: &str = include_str!("../../runtime/decimal.rs");
const PAGING: &str = include_str!("../../runtime/paging.rs");
const WEBHOOK: &str = include_str!("../../runtime/webhook.rs");
/// Request bodies, each only when the spec has such a body (`crate::bodies::needs`).
const BODY_RUNTIME: [(&str, &str); 3] = [
    ("form.rs", include_str!("../../runtime/form.rs")),
    ("multipart.rs", include_str!("../../runtime/multipart.rs")),
    ("upload.rs", include_str!("../../runtime/upload.rs")),
];

/// The runtime files only some specs need, by name: request bodies' (`crate::bodies::needs`) and streamed
/// answers' (`crate::streaming::needs`).
fn optional_runtime(api: &Api) -> Vec<(&'static str, &'static str)> {
    let needs = crate::bodies::needs(&api.operations);
    let bodies = BODY_RUNTIME.iter().zip([needs.form, needs.multipart, needs.upload]);
    let mut files: Vec<_> =
        bodies.filter(|(_, on)| *on).map(|(f, _)| *f).chain(streaming::runtime_files(api)).collect();
    files.sort();
    files
}

/// Every runtime file, for the names it defines.
pub(crate) const RUNTIME_SOURCES: [&str; 18] = [
    RUNTIME[0].1,
    RUNTIME[1].1,
    RUNTIME[2].1,
    RUNTIME[3].1,
    RUNTIME[4].1,
    RUNTIME[5].1,
    RUNTIME[6].1,
    RUNTIME[7].1,
    RUNTIME[8].1,
    RUNTIME[9].1,
    DECIMAL,
    PAGING,
    WEBHOOK,
    BODY_RUNTIME[0].1,
    BODY_RUNTIME[1].1,
    BODY_RUNTIME[2].1,
    streaming::SSE,
    streaming::STREAM,
];

/// A formatted unit: its index, its text, and the time spent building and formatting its tokens.
type Rendered = (usize, String, Duration, Duration);

/// Types per formatting unit: small enough to spread over threads, large enough to amortise a parse.
const TYPES_PER_UNIT: usize = 12;
/// Operations per formatting unit; a module's units are concatenated into its file.
const OPS_PER_UNIT: usize = 4;

/// One independently formatted piece of a file. Units of a file are concatenated in order.
enum Unit<'a> {
    Lib,
    Models { first: bool, types: Vec<&'a TypeDef> },
    OperationModule { module: &'a str, first: bool, ops: Vec<&'a Operation>, all: Vec<&'a Operation> },
    OperationsMod { modules: Vec<&'a str> },
    Builders { first: bool, targets: &'a [builders::Target<'a>] },
}

impl Unit<'_> {
    /// Rough relative cost of building and formatting the unit.
    fn weight(&self) -> usize {
        match self {
            Unit::Lib => 12,
            Unit::Models { types, .. } => types.len() * 2,
            Unit::OperationModule { ops, first, all, .. } => ops.len() * 8 + if *first { all.len() } else { 0 },
            Unit::OperationsMod { modules } => modules.len(),
            Unit::Builders { targets, .. } => targets.len() * 2,
        }
    }

    fn file(&self) -> String {
        match self {
            Unit::Lib => "src/lib.rs".into(),
            Unit::Models { .. } => "src/models.rs".into(),
            Unit::OperationModule { module, .. } => format!("src/operations/{module}.rs"),
            Unit::OperationsMod { .. } => "src/operations/mod.rs".into(),
            Unit::Builders { .. } => "src/builders.rs".into(),
        }
    }

    /// The unit's items, parsed: the models and the builders each carry the `cfg` of the feature that
    /// compiles them (`gating`); an operations module is gated as a whole where it is declared.
    fn parsed(&self, api: &Api, opts: &CrateOptions, spec_hash: &str, gates: &Gates) -> Result<syn::File, String> {
        let name = self.file();
        match self {
            Unit::Lib => parse(&name, lib_rs(api, opts, spec_hash, gates)),
            Unit::Models { first, types } => {
                let head = if *first {
                    quote! {
                        //! Every schema of the spec, as a Rust type. A type compiles with the feature of any
                        //! operations module that uses it, or with `full` when no operation does.
                        #![allow(clippy::large_enum_variant, clippy::derive_partial_eq_without_eq)]
                    }
                } else {
                    TokenStream::new()
                };
                let mut file = parse(&name, head)?;
                for def in types {
                    let cfg = tokens::cfg_any(gates.users_of(&def.name).into_iter().flatten());
                    file.items.extend(with_attrs(&name, models::type_def(def, api), cfg)?);
                }
                Ok(file)
            }
            Unit::OperationModule { module, first, ops, all } => {
                let krate = opts.crate_name.replace('-', "_");
                let body = operations::module(ops, api, first.then_some(all.as_slice()), &krate);
                let d = format!(" Operations tagged `{module}` (cargo feature `{module}`).");
                parse(
                    &name,
                    if *first {
                        quote! { #![doc = #d] #body }
                    } else {
                        body
                    },
                )
            }
            Unit::OperationsMod { modules } => parse(&name, operations_mod(api, modules)),
            Unit::Builders { first, targets } => {
                let mut file = parse(&name, if *first { builders::head() } else { TokenStream::new() })?;
                for (items, cfg) in targets.iter().filter_map(|t| builders::item(api, gates, t)) {
                    file.items.extend(with_attrs(&name, items, cfg)?);
                }
                Ok(file)
            }
        }
    }
}

/// The generated files by path relative to the crate root, and how long token building and formatting took
/// (summed over worker threads, so the two add up to more than the wall time when threads overlap).
pub fn emit(
    api: &Api,
    opts: &CrateOptions,
    spec_hash: &str,
) -> Result<(BTreeMap<String, String>, Duration, Duration), String> {
    let header = format!(
        "// @generated by `cargo xtask generate` from {} (sha256 {spec_hash}). Do not edit.\n",
        opts.spec_label
    );
    let gates = crate::gating::plan(api);
    let built = builders::targets(api);
    let mut units = vec![Unit::Lib];
    let types: Vec<&TypeDef> = api.types.values().collect();
    for (i, chunk) in types.chunks(TYPES_PER_UNIT).enumerate() {
        units.push(Unit::Models { first: i == 0, types: chunk.to_vec() });
    }
    if types.is_empty() {
        units.push(Unit::Models { first: true, types: Vec::new() });
    }
    let mut by_module: BTreeMap<&str, Vec<&Operation>> = BTreeMap::new();
    for op in &api.operations {
        by_module.entry(op.module.as_str()).or_default().push(op);
    }
    let modules: Vec<&str> = by_module.keys().copied().collect();
    for (module, ops) in by_module {
        for (i, chunk) in ops.chunks(OPS_PER_UNIT).enumerate() {
            units.push(Unit::OperationModule { module, first: i == 0, ops: chunk.to_vec(), all: ops.clone() });
        }
    }
    units.push(Unit::OperationsMod { modules });
    for (i, chunk) in built.chunks(TYPES_PER_UNIT).enumerate() {
        units.push(Unit::Builders { first: i == 0, targets: chunk });
    }
    if built.is_empty() {
        units.push(Unit::Builders { first: true, targets: &[] });
    }

    // Token streams are not `Send`, so each worker builds and formats its own units; the heaviest go first
    // so that no large unit starts last.
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(units[i].weight()));
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(units.len()).max(1);
    let results: Vec<Result<Vec<Rendered>, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let unit = &units[i];
                        let started = Instant::now();
                        let file = unit.parsed(api, opts, spec_hash, &gates)?;
                        let built = started.elapsed();
                        let started = Instant::now();
                        let text = prettyplease::unparse(&file);
                        done.push((i, text, built, started.elapsed()));
                    }
                    Ok(done)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("internal error: an emitter thread panicked".into())))
            .collect()
    });
    let mut texts: Vec<Option<String>> = vec![None; units.len()];
    let (mut emit_time, mut format_time) = (Duration::ZERO, Duration::ZERO);
    for r in results {
        for (i, text, built, formatted) in r? {
            texts[i] = Some(text);
            emit_time += built;
            format_time += formatted;
        }
    }
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for (unit, text) in units.iter().zip(texts) {
        let text = text.ok_or("internal error: a unit was not emitted")?;
        let entry = files.entry(unit.file()).or_insert_with(|| header.clone() + "\n");
        entry.push_str(&text);
    }
    for text in files.values_mut() {
        *text = space_items(text);
    }

    for (name, text) in RUNTIME {
        files.insert(
            format!("src/{name}"),
            format!("{header}// Copied verbatim from codegen/runtime/{name}.\n\n{text}"),
        );
    }
    if api.uses.decimal {
        files.insert(
            "src/decimal.rs".into(),
            format!("{header}// Copied verbatim from codegen/runtime/decimal.rs.\n\n{DECIMAL}"),
        );
    }
    if !gates.streaming.is_empty() {
        files.insert(
            "src/paging.rs".into(),
            format!("{header}// Copied verbatim from codegen/runtime/paging.rs.\n\n{PAGING}"),
        );
    }
    for (name, text) in optional_runtime(api) {
        files.insert(
            format!("src/{name}"),
            format!("{header}// Copied verbatim from codegen/runtime/{name}.\n\n{text}"),
        );
    }
    if api.webhook_signature.is_some() {
        files.insert(
            "src/webhook.rs".into(),
            format!("{header}// Copied verbatim from codegen/runtime/webhook.rs.\n\n{WEBHOOK}"),
        );
    }
    files.insert("Cargo.toml".into(), cargo_toml(api, opts, &header, &gates));
    Ok((files, emit_time, format_time))
}

fn lib_rs(api: &Api, opts: &CrateOptions, spec_hash: &str, gates: &Gates) -> TokenStream {
    let title = format!(" # {} {}", api.title, api.version);
    let mut lines = vec![title, String::new()];
    if let Some(d) = &api.description {
        lines.extend(d.trim().lines().map(|l| format!(" {l}")));
        lines.push(String::new());
    }
    if let Some(g) = &api.guide {
        lines.extend(g.trim().lines().map(|l| format!(" {l}")));
        lines.push(String::new());
    }
    lines.push(format!(
        " Generated by `cargo xtask generate` from `{}` (sha256 `{spec_hash}`): every operation is an async method on [`Client`], every schema a type in [`models`].",
        opts.spec_label
    ));
    lines.extend(features_doc(gates));
    let servers = api.servers.iter().map(|s| {
        let (u, d) = (&s.url, s.description.clone().unwrap_or_default());
        quote!((#u, #d))
    });
    let secrets = &api.secret_fields;
    let named_servers = api.servers.iter().filter_map(|s| {
        let name = quote::format_ident!("{}", crate::naming::snake(s.name.as_deref()?).to_uppercase());
        let (url, d) = (&s.url, format!(" {}", s.description.clone().unwrap_or_default()));
        Some(quote! { #[doc = #d] pub const #name: &str = #url; })
    });
    let auth = match &api.auth {
        None => quote!(None),
        Some(a) => {
            let op = |m: &str| {
                let c = quote::format_ident!("{}", m.to_uppercase());
                quote!(&crate::operations::#c)
            };
            let opt = |m: &Option<String>| match m {
                Some(m) => {
                    let o = op(m);
                    quote!(Some(#o))
                }
                None => quote!(None),
            };
            let (login, refresh, logout) = (op(&a.login), opt(&a.refresh), opt(&a.logout));
            let (kf, sf, rf) = (&a.key_field, &a.secret_field, &a.refresh_field);
            let (at, rt, ae, re) = (&a.access_token, &a.refresh_token, &a.access_expires_at, &a.refresh_expires_at);
            let (before, access_life, refresh_life) =
                (a.refresh_before_secs, a.access_lifetime_secs, a.refresh_lifetime_secs);
            let flow = quote!(Some(client::AuthFlow {
                login: #login, refresh: #refresh, logout: #logout,
                key_field: #kf, secret_field: #sf, refresh_field: #rf,
                access_token: #at, refresh_token: #rt, access_expires_at: #ae, refresh_expires_at: #re,
                access_lifetime_secs: #access_life, refresh_lifetime_secs: #refresh_life,
                refresh_before_secs: #before,
            }));
            // The flow's operations compile with their modules' features, which every secured module turns on.
            let on = tokens::all_features(&gates.session);
            quote! {
                {
                    #[cfg(#on)]
                    let flow = #flow;
                    #[cfg(not(#on))]
                    let flow = None;
                    flow
                }
            }
        }
    };
    let security = security::items(api);
    let retry_hint = match &api.retry_hint {
        Some(h) => {
            let (pointer, prefix) = (&h.pointer, &h.prefix);
            quote!(Some(retry::RetryHint { pointer: #pointer, prefix: #prefix }))
        }
        None => quote!(None),
    };
    // Generated files are laid out by prettyplease; `rustfmt::skip` keeps `cargo fmt` from re-laying them.
    let skip = quote!(#[rustfmt::skip]);
    let paging_headers = api.paging_headers.as_ref().map(|h| {
        let value = operations::paging_headers(h);
        quote! {
            #[doc = " The headers that describe a page of every paged list (the spec's root `x-paging`)."]
            #skip pub const PAGING_HEADERS: client::PagingHeaders = #value;
        }
    });
    let decimal = api.uses.decimal.then(|| quote! { #skip pub mod decimal; });
    let optional = optional_runtime(api).into_iter().map(|(file, _)| {
        let module = quote::format_ident!("{}", file.trim_end_matches(".rs"));
        quote! { #skip pub mod #module; }
    });
    let optional = quote!(#(#optional)*);
    let paging = (!gates.streaming.is_empty()).then(|| {
        let cfg = tokens::cfg_any(&gates.streaming);
        quote! { #cfg #skip pub mod paging; }
    });
    // Runtime helpers that only operations call may be unused while a module is off (with every module on,
    // they are all used, `full` or not).
    let full = crate::gating::FULL;
    let partial = quote!(#![cfg_attr(not(feature = #full), allow(dead_code, unused_imports))]);
    let webhook = api.webhook_signature.as_ref().map(|w| {
        let (sig, ts, id, age) = (&w.signature_header, &w.timestamp_header, &w.event_id_header, w.max_age_seconds);
        let pointer = |p: &Option<String>| match p {
            Some(p) => quote!(Some(#p)),
            None => quote!(None),
        };
        let (id_at, made_at) = (pointer(&w.event_id_pointer), pointer(&w.created_at_pointer));
        let on = crate::gating::WEBHOOKS;
        quote! {
            #[cfg(feature = #on)] #skip pub mod webhook;
            #[doc = " How webhook deliveries are signed (the spec's `x-webhook-signature`)."]
            #[cfg(feature = #on)] #skip pub const WEBHOOK_SIGNATURE: webhook::SignatureScheme = webhook::SignatureScheme {
                signature_header: #sig, timestamp_header: #ts, event_id_header: #id, max_age_secs: #age,
                event_id_pointer: #id_at, created_at_pointer: #made_at,
            };
        }
    });
    let mut classes: BTreeMap<&str, (Option<u32>, Option<u32>)> = BTreeMap::new();
    for r in api.operations.iter().filter_map(|o| o.rate_limit.as_ref()) {
        classes.entry(r.class.as_str()).or_insert((r.sandbox, r.production));
    }
    let classes = classes.iter().map(|(name, (sandbox, production))| {
        let q = |v: &Option<u32>| match v {
            Some(v) => quote!(Some(#v)),
            None => quote!(None),
        };
        let (s, p) = (q(sandbox), q(production));
        quote!(budget::RateClass { name: #name, sandbox: #s, production: #p })
    });
    let mut events: Vec<(String, String, String, String)> = api
        .operations
        .iter()
        .filter_map(|o| o.cache.as_ref()?.resource.as_ref())
        .flat_map(|r| {
            r.invalidated_by.iter().map(|e| (e.event.clone(), r.name.clone(), e.type_at.clone(), e.id_at.clone()))
        })
        .collect();
    events.sort();
    events.dedup();
    let events = events.iter().map(|(event, resource, type_at, id_at)| {
        quote!(cache::CacheEvent { event: #event, resource: #resource, type_at: #type_at, id_at: #id_at })
    });
    quote! {
        #(#![doc = #lines])*
        #![forbid(unsafe_code)]
        #partial
        #skip pub mod auth;
        #skip pub mod budget;
        #skip mod builders;
        #[cfg(feature = "cache")] #skip pub mod cache;
        #skip pub mod client;
        #skip pub mod credentials;
        #decimal
        #skip pub mod error;
        #skip pub mod models;
        #skip pub mod operations;
        #paging
        #[doc(hidden)] #skip pub mod params;
        #skip mod recovery;
        #skip pub mod retry;
        #optional
        #skip pub mod support;
        #webhook

        #skip pub use auth::Credentials;
        #skip pub use credentials::{ClientCredentials, Credential};
        #skip pub use client::{ApiResponse, CallOptions, Client, ClientBuilder, OperationInfo, Paging, Secret, Waited};
        #skip pub use retry::RetryPolicy;
        #skip pub use budget::Budget;
        #[cfg(feature = "cache")] #skip pub use cache::{CacheConfig, ManualClock};
        #skip pub use error::{
            AuthError, AuthErrorKind, DecodeError, DuplicateUnresolved, Error, HasErrorCode, ListChanged, ReferenceConflict, ServiceError,
            TimeoutError, TransportError,
        };
        #skip pub use operations::OPERATIONS;
        #skip pub use support::Tristate;
        #[doc = " The reqwest this crate is built on, so a client the caller supplies ([`ClientBuilder::http_client`]) is"]
        #[doc = " built with the same version."]
        #skip pub use reqwest;

        #[doc = " The documented quota classes (the spec's `x-rate-limit`), per minute: what [`Budget`] spends."]
        #skip pub const RATE_CLASSES: &[budget::RateClass] = &[#(#classes),*];

        #[doc = " The webhook events that invalidate a cached resource (the spec's `x-cache.resource.invalidated_by`)."]
        #[cfg(feature = "cache")] #skip pub const CACHE_EVENTS: &[cache::CacheEvent] = &[#(#events),*];

        #[doc = " The servers the spec lists: URL and description."]
        #skip pub const SERVERS: &[(&str, &str)] = &[#(#servers),*];

        #[doc = " JSON fields that carry secrets: redacted from `Debug` output and error excerpts."]
        #skip pub const SECRET_FIELDS: &[&str] = &[#(#secrets),*];

        #[doc = " How the client logs in and rotates its token (the spec's `x-token-lifecycle`), if it does."]
        #skip pub const AUTH: Option<client::AuthFlow> = #auth;

        #paging_headers

        #[doc = " Where an error body states how long to wait when `Retry-After` is missing (the spec's `x-retry-hint`)."]
        #skip pub const RETRY_HINT: Option<retry::RetryHint> = #retry_hint;

        #[doc = " Named base URLs (the spec's servers with an `x-name`)."]
        #skip pub mod servers { #(#named_servers)* }

        #security
    }
}

/// The crate guide's section on features: one per operations module.
fn features_doc(gates: &Gates) -> Vec<String> {
    let mut lines = vec![
        String::new(),
        " ## Cargo features".to_string(),
        String::new(),
        " Each operations module (a tag of the spec) has a feature of the same name, so a program compiles only the operations it calls and the types they use. `full`, on by default, turns every module on; to choose, turn default features off and name the modules (keep a TLS feature such as `rustls`).".to_string(),
        String::new(),
    ];
    for (module, needs) in &gates.modules {
        let needs: Vec<String> = needs.iter().map(|n| format!("`{n}`")).collect();
        let also = if needs.is_empty() { String::new() } else { format!(" (turns on {})", needs.join(", ")) };
        let operations = gates.operation_modules.contains(module).then(|| format!("`operations::{module}`"));
        let webhooks = (module == crate::gating::WEBHOOKS)
            .then(|| "webhook verification and the webhook payload types".to_string());
        let what: Vec<String> = operations.into_iter().chain(webhooks).collect();
        let what = what.join(", ");
        lines.push(format!(" - `{module}`: {what}{also}"));
    }
    lines
}

fn operations_mod(api: &Api, mods: &[&str]) -> TokenStream {
    let mod_idents: Vec<_> = mods.iter().map(|m| tokens::ident(m)).collect();
    let mut sorted: Vec<&Operation> = api.operations.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let infos = sorted.iter().map(|op| {
        let m = tokens::ident(&op.module);
        let c = operations::info_const(op);
        let module = &op.module;
        quote!(#[cfg(feature = #module)] #m::#c)
    });
    quote! {
        //! One module per tag, each behind the cargo feature of the same name; each adds its operations to
        //! [`crate::Client`].
        #(#[cfg(feature = #mods)] pub mod #mod_idents;)*
        #(#[cfg(feature = #mods)] pub use self::#mod_idents::*;)*

        #[doc = " Every compiled operation's static facts, sorted by operation id."]
        pub const OPERATIONS: &[crate::client::OperationInfo] = &[#(#infos),*];

        #[doc = " Decodes `body` with the type `operation` declares for `status` and gives it back as normalized JSON;"]
        #[doc = " `None` for an unknown operation. A decode error names the JSON path of the failure."]
        #[doc = " (Cargo feature `decode`: it instantiates a decoder per response type, which costs compile time.)"]
        #[cfg(feature = "decode")]
        pub fn decode_response(operation: &str, status: u16, body: &[u8]) -> Option<Result<serde_json::Value, crate::error::DecodeError>> {
            #(
                #[cfg(feature = #mods)]
                if let Some(decoded) = #mod_idents::decode_response(operation, status, body) {
                    return Some(decoded);
                }
            )*
            let _ = (operation, status, body);
            None
        }
    }
}

/// One dependency of the generated crate.
struct Dep {
    name: &'static str,
    version: &'static str,
    /// `Some(false)`: `default-features = false`.
    default_features: Option<bool>,
    features: &'static [&'static str],
    optional: bool,
}

const fn dep(name: &'static str, version: &'static str) -> Dep {
    Dep { name, version, default_features: None, features: &[], optional: false }
}

const fn lean(name: &'static str, version: &'static str, features: &'static [&'static str]) -> Dep {
    Dep { name, version, default_features: Some(false), features, optional: false }
}

/// The generated crate's `Cargo.toml`, written with `toml_edit` (so names and text are escaped by a TOML
/// writer, and the comments that explain the features survive).
fn cargo_toml(api: &Api, opts: &CrateOptions, header: &str, gates: &Gates) -> String {
    use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, value};
    let header = header.replacen("//", "#", 1);
    let needs = crate::bodies::needs(&api.operations);
    // `multipart` and `stream` (a body from a `Stream`) only for a spec whose bodies need them.
    let reqwest: &'static [&'static str] = match (needs.multipart, needs.upload) {
        (true, _) => &["json", "multipart", "query", "form", "stream"],
        (false, true) => &["json", "query", "form", "stream"],
        (false, false) => &["json", "query", "form"],
    };
    let mut deps = vec![
        dep("bytes", "1"),
        lean("reqwest", "0.13", reqwest),
        Dep { features: &["derive"], ..dep("serde", "1") },
        // `raw_value` adds a type and changes nothing else in the caller's build (unlike
        // `arbitrary_precision`): through it a decimal is read from its own digits (`decimal::number`).
        Dep { features: if api.uses.decimal { &["raw_value"] } else { &[] }, ..dep("serde_json", "1") },
        dep("serde_path_to_error", "0.1"),
        lean("tokio", "1", &["sync", "time"]),
        Dep { optional: true, ..lean("tracing", "0.1", &["std"]) },
        // The cache's store (feature `cache`): bounded, concurrent; without its hasher and lock features it
        // adds only `hashbrown` and `equivalent`.
        Dep { optional: true, ..lean("quick_cache", "0.7", &[]) },
    ];
    if api.uses.decimal {
        // `serde` alone keeps rust_decimal's default encoding for the caller's own decimals; ours are written
        // as numbers field by field (`decimal::number`).
        deps.push(lean("rust_decimal", "1", &["std", "serde"]));
    }
    if api.uses.chrono {
        deps.push(lean("chrono", "0.4", &["serde", "std"]));
    }
    if !gates.streaming.is_empty() || needs.upload || crate::streaming::needs(api).1 {
        deps.push(lean("futures-util", "0.3", &["std"]));
    }
    if api.webhook_signature.is_some() {
        deps.push(lean("hmac", "0.12", &[]));
        deps.push(lean("sha2", "0.10", &[]));
    }
    if api.uses.uuid {
        deps.push(lean("uuid", "1", &["serde", "std"]));
    }
    deps.sort_by_key(|d| d.name);

    let mut package = Table::new();
    package.decor_mut().set_prefix(format!("{header}\n"));
    package.insert("name", value(opts.crate_name.as_str()));
    package.insert("version", value(api.crate_version.as_str()));
    package.insert("description", value(format!("A typed async client for {} {}.", api.title, api.version)));
    package.insert("edition", value("2024"));
    package.insert("rust-version", value("1.88"));
    if let Some(mut key) = package.key_mut("rust-version") {
        key.leaf_decor_mut().set_prefix("# Edition 2024 and let-chains in the runtime.\n");
    }
    package.insert("publish", value(false));

    let mut dependencies = Table::new();
    for d in &deps {
        let simple = d.default_features.is_none() && d.features.is_empty() && !d.optional;
        if simple {
            dependencies.insert(d.name, value(d.version));
            continue;
        }
        let mut t = InlineTable::new();
        t.insert("version", d.version.into());
        if d.optional {
            t.insert("optional", true.into());
        }
        if let Some(on) = d.default_features {
            t.insert("default-features", on.into());
        }
        if !d.features.is_empty() {
            t.insert("features", Array::from_iter(d.features.iter().copied()).into());
        }
        dependencies.insert(d.name, value(t));
    }

    // TLS is chosen like reqwest's own: rustls by default, native-tls instead, or rustls without a bundled
    // crypto provider (for targets where aws-lc needs cmake, such as musl: install a provider yourself).
    let features_list: [(&str, &[&str], Option<&str>); 8] = [
        ("default", &["rustls", crate::gating::FULL], None),
        ("rustls", &["reqwest/rustls"], Some("TLS, as in reqwest.")),
        ("rustls-no-provider", &["reqwest/rustls-no-provider"], None),
        ("native-tls", &["reqwest/native-tls"], None),
        ("native-tls-vendored", &["reqwest/native-tls-vendored"], None),
        (
            "tracing",
            &["dep:tracing"],
            Some("A span per call and events for retries, logins, refreshes and recovered creates (no secrets)."),
        ),
        (
            "cache",
            &["dep:quick_cache", "tokio/rt"],
            Some("The response cache the spec's `x-cache` describes (`ClientBuilder::cache`); off: no dependency."),
        ),
        (
            "decode",
            &[],
            Some("`operations::decode_response`, for tools that decode recorded bodies (cargo xtask decode)."),
        ),
    ];
    let full: Vec<&str> = gates.modules.keys().map(String::as_str).collect();
    let full_comment = "Every operations module, and the types no operation uses.";
    let modules = gates.modules.iter().map(|(m, needs)| (m.as_str(), needs.iter().map(String::as_str).collect()));
    let first_module = gates.modules.keys().next().map(String::as_str);
    let mut features = Table::new();
    let fixed = features_list.into_iter().map(|(n, on, c)| (n, on.to_vec(), c));
    let all = fixed.chain([(crate::gating::FULL, full, Some(full_comment))]).chain(modules.map(|(m, needs)| {
        let comment = (Some(m) == first_module)
            .then_some("One per operations module (a tag of the spec): its operations and the types they use.");
        (m, needs, comment)
    }));
    for (name, on, comment) in all {
        features.insert(name, value(Array::from_iter(on)));
        if let (Some(c), Some(mut key)) = (comment, features.key_mut(name)) {
            key.leaf_decor_mut().set_prefix(format!("# {c}\n"));
        }
    }

    let mut doc = DocumentMut::new();
    doc.insert("package", Item::Table(package));
    doc.insert("dependencies", Item::Table(dependencies));
    doc.insert("features", Item::Table(features));
    if opts.standalone {
        // Not a member of the surrounding workspace, if any.
        doc.insert("workspace", Item::Table(Table::new()));
    }
    doc.to_string()
}
