//! Emits `operations/<tag>.rs`: per operation, its static facts, its parameter struct, its result enums
//! (when several statuses differ) and one async method on `Client`.

use super::tokens::{Scope, doc, ident, ty};
use crate::model::{BodyKind, Operation, Param, Prim, ResultShape, StatusKey, Ty};
use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, format_ident, quote};
use std::collections::BTreeSet;

/// What an operation does to the client's own session (the spec's `x-token-lifecycle`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Session {
    Untouched,
    /// Login or refresh: the tokens it returns become the client's session, so a caller who calls it by
    /// hand does not leave the client on an older (or revoked) session.
    Adopts,
    /// Logout: the session is forgotten whatever the server answers, even when the call fails.
    Ends,
}

/// One chunk of a module's operations. `auth`: the token lifecycle, whose operations also update the
/// client's session. `head`: for the module's first chunk, all its operations (the chunk then also carries
/// the module's imports and its decode table).
/// `krate`: the crate's name as a path root (`octopus_client`), for the doc examples.
pub fn module(ops: &[&Operation], api: &crate::model::Api, head: Option<&[&Operation]>, krate: &str) -> TokenStream {
    let (auth, once_holders) = (api.auth.as_ref(), &api.once_holders);
    let mut items = TokenStream::new();
    let mut methods = TokenStream::new();
    for op in ops {
        items.extend(info(op, api));
        items.extend(params_struct(op));
        items.extend(super::bodies::items(op));
        items.extend(result_enum(&op.success, "success", op, once_holders));
        items.extend(result_enum(&op.error, "error", op, once_holders));
        let name = Some(op.method_name.as_str());
        let session = match auth {
            Some(a) if a.logout.as_deref() == name => Session::Ends,
            Some(a) if a.login.as_str() == op.method_name || a.refresh.as_deref() == name => Session::Adopts,
            _ => Session::Untouched,
        };
        methods.extend(method(op, session, api, krate));
        methods.extend(stream_method(op));
        methods.extend(wait_method(op));
        methods.extend(find_method(op));
        if let Some(events) = super::streaming::companion(op) {
            items.extend(info(&events, api));
            methods.extend(method(&events, Session::Untouched, api, krate));
        }
    }
    let Some(all) = head else {
        return quote! { #items impl Client { #methods } };
    };
    let decode = decode_table(all);
    quote! {
        #![allow(clippy::large_enum_variant)]
        use crate::client::{ApiResponse, Client, OperationInfo};
        use crate::error::Error;
        #decode
        #items
        impl Client { #methods }
    }
}

pub fn info_const(op: &Operation) -> proc_macro2::Ident {
    format_ident!("{}", op.method_name.to_uppercase())
}

/// A `client::PagingHeaders` value.
pub fn paging_headers(h: &crate::extensions::PagingHeaders) -> TokenStream {
    let (page, per, count, pages, size, more) =
        (&h.page, &h.per_page, &h.total_count, &h.total_pages, &h.page_size, &h.has_more);
    quote!(crate::client::PagingHeaders {
        page: #page, per_page: #per, total_count: #count, total_pages: #pages, page_size: #size, has_more: #more,
    })
}

pub(super) fn info(op: &Operation, api: &crate::model::Api) -> TokenStream {
    let name = info_const(op);
    let (id, method, path, module) = (&op.id, &op.http_method, &op.path, &op.module);
    let secure = op.secure;
    let paging = match &op.paging {
        Some(p) => {
            let (a, b) = (&p.page_param, &p.size_param);
            let headers = if p.shared { quote!(crate::PAGING_HEADERS) } else { paging_headers(&p.headers) };
            quote!(Some(crate::client::PagingInfo { page_param: #a, size_param: #b, headers: #headers }))
        }
        None => quote!(None),
    };
    let idem = match &op.idempotency {
        Some(i) => {
            let (field, param) = (&i.field, &i.lookup_param);
            let lookup = format_ident!("{}", i.lookup.to_uppercase());
            let read = match &i.read {
                Some((read, id_field)) => {
                    let read = format_ident!("{}", read.to_uppercase());
                    quote!(Some((&crate::operations::#read, #id_field)))
                }
                None => quote!(None),
            };
            let matches = i.matches.iter().map(|(asked, order)| quote!((#asked, #order)));
            let duplicate = match &i.duplicate {
                Some(d) => {
                    let (status, pointer, contains) = (d.status, &d.pointer, &d.contains);
                    quote!(Some(crate::client::DuplicateAnswer { status: #status, pointer: #pointer, contains: #contains }))
                }
                None => quote!(None),
            };
            quote!(Some(crate::client::Idempotency {
                field: #field, lookup: &crate::operations::#lookup, lookup_param: #param, read: #read,
                matches: &[#(#matches),*], duplicate: #duplicate,
            }))
        }
        None => quote!(None),
    };
    let retry_safe = op.retry_safe;
    let timeout = match op.timeout_secs {
        Some(t) => quote!(Some(#t)),
        None => quote!(None),
    };
    let success = op
        .responses
        .iter()
        .find_map(|r| match r.status {
            crate::model::StatusKey::Code(c) if r.success => Some(c),
            _ => None,
        })
        .unwrap_or(200);
    let cache = match &op.cache {
        Some(c) => {
            let ttl = if c.never { 0 } else { c.ttl_seconds.unwrap_or(0) };
            let resource = match &c.resource {
                Some(r) => {
                    let (n, p) = (&r.name, &r.param);
                    quote!(Some((#n, #p)))
                }
                None => quote!(None),
            };
            let gone = match &c.invalidates_on_not_found {
                Some(i) => {
                    let (r, f) = (&i.resource, &i.field);
                    quote!(Some((#r, #f)))
                }
                None => quote!(None),
            };
            quote!(Some(crate::client::CachePolicy { ttl_secs: #ttl, resource: #resource, invalidates_on_not_found: #gone }))
        }
        None => quote!(None),
    };
    let rate_class = match &op.rate_limit {
        Some(r) => {
            let c = &r.class;
            quote!(Some(#c))
        }
        None => quote!(None),
    };
    let streamed = crate::streaming::is_streamed(op);
    let security = super::security::requirement(api, op);
    let d = format!(" `{method} {path}`");
    quote! {
        #[doc = #d]
        pub const #name: OperationInfo = OperationInfo {
            id: #id, method: #method, path: #path, module: #module, secure: #secure, paging: #paging,
            retry_safe: #retry_safe, idempotency: #idem, timeout_secs: #timeout, success_status: #success,
            cache: #cache, rate_class: #rate_class, streamed: #streamed, security: #security,
        };
    }
}

fn params_struct(op: &Operation) -> TokenStream {
    let Some(name) = &op.params_type else { return TokenStream::new() };
    let name_i = ident(name);
    let fields = op.params.iter().map(|p| {
        let i = ident(&p.rust);
        let t = ty(&p.ty, Scope::Elsewhere);
        let t = if p.required { t } else { quote!(Option<#t>) };
        let d = doc(p.doc.as_deref());
        quote!(#d pub #i: #t)
    });
    let default = op.params.iter().all(|p| !p.required).then(|| quote!(Default,));
    let d = format!(" Query, header and cookie parameters of [`Client::{}`].", op.method_name);
    // Cookie values (sessions, often) print as `<redacted>`.
    let debug = super::params::params_debug(op, &name_i);
    let derive_debug = debug.is_none().then(|| quote!(Debug,));
    quote! {
        #[doc = #d]
        #[derive(Clone, #derive_debug #default PartialEq)]
        #[non_exhaustive]
        pub struct #name_i { #(#fields,)* }
        #debug
    }
}

/// `once_holders`: the types that hold a one-time secret (an enum of one of them is not `Clone`).
fn result_enum(shape: &ResultShape, side: &str, op: &Operation, once_holders: &BTreeSet<String>) -> TokenStream {
    let ResultShape::Enum { name, variants } = shape else { return TokenStream::new() };
    let holds = variants.iter().any(|(_, t)| {
        let mut names = Vec::new();
        t.named(&mut names);
        names.iter().any(|n| once_holders.contains(n))
    });
    let streams = super::streaming::holds_stream(variants);
    let clone = (!holds && !streams).then(|| quote!(Clone,));
    let partial_eq = (!streams).then(|| quote!(PartialEq));
    let name_i = ident(name);
    let vs = variants.iter().map(|(v, t)| {
        let i = ident(v);
        let t = ty(t, Scope::Elsewhere);
        quote!(#i(#t))
    });
    let d = format!(" The {side} bodies of [`Client::{}`], one variant per status.", op.method_name);
    quote! {
        #[doc = #d]
        #[derive(#clone Debug, #partial_eq)]
        #[non_exhaustive]
        pub enum #name_i { #(#vs,)* }
    }
}

fn result_ty(shape: &ResultShape) -> TokenStream {
    match shape {
        ResultShape::Single(t) => ty(t, Scope::Elsewhere),
        ResultShape::Enum { name, .. } => {
            let i = ident(name);
            quote!(#i)
        }
    }
}

/// How a path argument is taken: strings by `&str`, other scalars by value, the rest by reference.
pub(super) fn arg_ty(p: &Param) -> TokenStream {
    match &p.ty {
        Ty::Prim(Prim::String) => quote!(&str),
        Ty::Prim(_) => ty(&p.ty, Scope::Elsewhere),
        other => {
            let t = ty(other, Scope::Elsewhere);
            quote!(&#t)
        }
    }
}

pub(super) fn method(op: &Operation, session: Session, api: &crate::model::Api, krate: &str) -> TokenStream {
    let name = ident(&op.method_name);
    let info = info_const(op);
    let mut docs = doc(op.doc.as_deref());
    let sig_line = format!(" `{} {}`", op.http_method, op.path);
    docs.extend(quote!(#[doc = ""] #[doc = #sig_line]));
    docs.extend(super::examples::example(op, api, krate));
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));

    let mut args = Vec::new();
    for p in &op.path_params {
        let i = ident(&p.rust);
        let t = arg_ty(p);
        args.push(quote!(#i: #t));
    }
    if let Some(pt) = &op.params_type {
        let t = ident(pt);
        args.push(quote!(params: &#t));
    }
    let mut send_body = TokenStream::new();
    if let Some((arg, send)) = super::bodies::method_body(op) {
        args.push(arg);
        send_body = send;
    }

    // The path, with each template argument percent-encoded.
    let mut fmt = String::new();
    let mut fmt_args = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        fmt.push_str(&rest[..open].replace('}', "}}"));
        let Some(close) = rest[open..].find('}') else { break };
        let wire = &rest[open + 1..open + close];
        if let Some(p) = op.path_params.iter().find(|p| p.wire == wire) {
            fmt.push_str("{}");
            fmt_args.push(super::params::path_arg(p));
        }
        rest = &rest[open + close + 1..];
    }
    fmt.push_str(&rest.replace('{', "{{").replace('}', "}}"));
    let path = if fmt_args.is_empty() {
        let lit = op.path.as_str();
        quote!(#lit)
    } else {
        quote!(&format!(#fmt, #(#fmt_args),*))
    };

    // Query, header and cookie parameters, each written in its style.
    let (query, path) = super::params::query(op, path);
    let headers = super::params::headers(op);

    let accept = super::streaming::accept(op);
    let ok = result_ty(&op.success);
    let err = result_ty(&op.error);
    let arms = arms(op);
    let send = match session {
        // Whatever happens to the call, a logout ends the session here.
        Session::Ends => quote! {
            let resp = self.send(&#info, req).await;
            self.clear_session().await;
            let resp = resp?;
        },
        Session::Adopts => quote! {
            let resp = self.send(&#info, req).await?;
            self.adopt_session(&resp).await;
        },
        Session::Untouched => quote!(let resp = self.send(&#info, req).await?;),
    };
    // A lone catch-all arm is just its expression.
    let dispatch = match arms.as_slice() {
        [(pats, e)] if pats.is_empty() => quote!(#e),
        _ => {
            let arms =
                arms.iter().map(|(pats, e)| if pats.is_empty() { quote!(_ => #e,) } else { quote!(#(#pats)|* => #e,) });
            quote!(match resp.status { #(#arms)* })
        }
    };
    quote! {
        #docs
        #deprecated
        pub async fn #name(&self, #(#args),*) -> Result<ApiResponse<#ok>, Error<#err>> {
            #query
            let req = self.request(&#info, #path);
            #headers
            #accept
            #send_body
            #send
            #dispatch
        }
    }
}

fn pattern(status: &StatusKey) -> TokenStream {
    match status {
        StatusKey::Code(c) => {
            let l = Literal::u16_unsuffixed(*c);
            quote!(#l)
        }
        StatusKey::Range(r) => {
            let (lo, hi) = (Literal::u16_unsuffixed(r * 100), Literal::u16_unsuffixed(r * 100 + 99));
            quote!(#lo..=#hi)
        }
        StatusKey::Default => quote!(_),
    }
}

/// The match arms of a response: (patterns, expression); no patterns means the catch-all.
fn arms(op: &Operation) -> Vec<(Vec<TokenStream>, TokenStream)> {
    let mut ordered: Vec<_> = op.responses.iter().collect();
    // Exact codes first, then ranges, then the default, so a range never shadows a code.
    ordered.sort_by_key(|r| match r.status {
        StatusKey::Code(_) => 0,
        StatusKey::Range(_) => 1,
        StatusKey::Default => 2,
    });
    let fallback = match &op.error {
        ResultShape::Single(_) => quote!(Err(resp.error())),
        ResultShape::Enum { .. } => quote!(Err(resp.unexpected())),
    };
    // (patterns, key, expression), merging neighbours with the same expression into one or-pattern.
    let mut merged: Vec<(Vec<TokenStream>, ArmKey, TokenStream)> = Vec::new();
    let mut catch_all = None;
    for r in ordered {
        let expr = super::streaming::arm(op, r, arm_expr(op, r));
        if r.status == StatusKey::Default {
            catch_all = Some(expr);
            continue;
        }
        // An error arm that does what the fallback does is the fallback.
        let key = arm_key(r);
        if !r.success && catch_all.is_none() && matches!(op.error, ResultShape::Single(_)) {
            continue;
        }
        match merged.last_mut() {
            Some((pats, k, _)) if *k == key => pats.push(pattern(&r.status)),
            _ => merged.push((vec![pattern(&r.status)], key, expr)),
        }
    }
    let mut arms: Vec<(Vec<TokenStream>, TokenStream)> = merged.into_iter().map(|(pats, _, e)| (pats, e)).collect();
    arms.push((Vec::new(), catch_all.unwrap_or(fallback)));
    arms
}

/// What decides an arm's expression (side, enum variant, body kind, no body), so equal arms merge without
/// comparing token text.
type ArmKey = (bool, Option<String>, BodyKind, bool);

fn arm_key(r: &crate::model::Response) -> ArmKey {
    (r.success, r.variant.clone(), r.kind, r.body == Ty::Unit)
}

fn arm_expr(op: &Operation, r: &crate::model::Response) -> TokenStream {
    if r.success {
        match (&op.success, &r.variant) {
            (ResultShape::Enum { name, .. }, Some(v)) => {
                let e = ident(name);
                let v = ident(v);
                match (&r.body, r.kind) {
                    (Ty::Unit, _) => quote!(resp.with_body(#e::#v(()))),
                    (_, BodyKind::Bytes) => quote!(resp.bytes_into(#e::#v)),
                    (_, BodyKind::Text) => quote!(resp.text_into(#e::#v)),
                    _ => quote!(resp.json_into(#e::#v)),
                }
            }
            _ => match (&r.body, r.kind) {
                (Ty::Unit, _) => quote!(resp.empty()),
                (_, BodyKind::Bytes) => quote!(resp.bytes()),
                (_, BodyKind::Text) => quote!(resp.text()),
                _ => quote!(resp.json()),
            },
        }
    } else {
        match (&op.error, &r.variant) {
            (ResultShape::Enum { name, .. }, Some(v)) => {
                let e = ident(name);
                let v = ident(v);
                quote!(Err(resp.error_into(#e::#v)))
            }
            _ => quote!(Err(resp.error())),
        }
    }
}

/// `<list>_stream`: every item of every page, driven by the paging headers.
fn stream_method(op: &Operation) -> TokenStream {
    let (Some(stream), Some(paging), Some(params_type), ResultShape::Single(Ty::Vec(item))) =
        (&op.stream_name, &op.paging, &op.params_type, &op.success)
    else {
        return TokenStream::new();
    };
    let Some(page) = op.params.iter().find(|p| p.wire == paging.page_param) else { return TokenStream::new() };
    let (name, list, params_ty) = (ident(stream), ident(&op.method_name), ident(params_type));
    let (page_field, page_ty) = (ident(&page.rust), ty(&page.ty, Scope::Elsewhere));
    let item = ty(item, Scope::Elsewhere);
    let err = result_ty(&op.error);
    let path_args: Vec<_> = op.path_params.iter().map(|p| ident(&p.rust)).collect();
    let path_params = op.path_params.iter().map(|p| {
        let (i, t) = (ident(&p.rust), arg_ty(p));
        quote!(#i: #t)
    });
    let (first, set) = if page.required {
        (quote!(params.#page_field as u64), quote!(params.#page_field = page as #page_ty;))
    } else {
        (quote!(params.#page_field.map_or(1, |p| p as u64)), quote!(params.#page_field = Some(page as #page_ty);))
    };
    let doc = format!(
        " Every item of every page of [`Client::{}`], from `params.{}` (or the first page) on. With `concurrency` above 1, once the page count is known the remaining pages are fetched that many at a time; items stay in order.",
        op.method_name, page.rust
    );
    quote! {
        #[doc = #doc]
        pub fn #name<'a>(&'a self, #(#path_params,)* params: &#params_ty, concurrency: usize)
            -> impl futures_util::Stream<Item = Result<#item, Error<#err>>> + 'a
        {
            let params = params.clone();
            let first = #first;
            crate::paging::paginate(first, concurrency, move |page| {
                let mut params = params.clone();
                #set
                async move { self.#list(#(#path_args,)* &params).await }
            })
        }
    }
}

/// `wait_for_<x>`: polls the operation at the documented cadence until the status is terminal.
fn wait_method(op: &Operation) -> TokenStream {
    let (Some(poll), ResultShape::Single(body)) = (&op.poll, &op.success) else { return TokenStream::new() };
    let (name, get) = (ident(&poll.method), ident(&op.method_name));
    let body_ty = ty(body, Scope::Elsewhere);
    let err = result_ty(&op.error);
    let status = ident(&poll.status_field);
    let terminal = &poll.terminal;
    let schedule = poll.schedule.iter().map(|(every, span)| quote!((#every, #span)));
    let mut args: Vec<TokenStream> = op.path_params.iter().map(|p| ident(&p.rust).to_token_stream()).collect();
    let mut params: Vec<TokenStream> = op
        .path_params
        .iter()
        .map(|p| {
            let (i, t) = (ident(&p.rust), arg_ty(p));
            quote!(#i: #t)
        })
        .collect();
    // Query and header parameters go along to every poll, as the caller gave them.
    if let Some(pt) = &op.params_type {
        let pt = ident(pt);
        params.push(quote!(params: &#pt));
        args.push(quote!(params));
    }
    let doc = format!(
        " Polls [`Client::{}`] at the documented cadence until `{}` is terminal ({}) or `deadline` passes. `Waited::Pending` carries the last answer when the deadline came first.",
        op.method_name,
        poll.status_field,
        poll.terminal.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
    );
    quote! {
        #[doc = #doc]
        pub async fn #name(&self, #(#params,)* deadline: std::time::Duration)
            -> Result<crate::client::Waited<#body_ty>, Error<#err>>
        {
            const TERMINAL: &[&str] = &[#(#terminal),*];
            let done = |b: &#body_ty| TERMINAL.contains(&b.#status.as_str());
            self.poll(&[#(#schedule),*], deadline, done, || self.#get(#(#args),*)).await
        }
    }
}

/// A module's `decode_response`: a body decoded with the type an operation declares for a status, as
/// normalized JSON (for `cargo xtask decode` and for tools that check recorded exchanges).
fn decode_table(ops: &[&Operation]) -> TokenStream {
    let arms = ops.iter().map(|op| {
        let id = &op.id;
        let mut ordered: Vec<_> = op.responses.iter().collect();
        ordered.sort_by_key(|r| match r.status {
            StatusKey::Code(_) => 0,
            StatusKey::Range(_) => 1,
            StatusKey::Default => 2,
        });
        // (pattern, expression); `None` is the catch-all.
        let mut arms: Vec<(Option<TokenStream>, TokenStream)> = ordered
            .iter()
            .map(|r| {
                let pat = (r.status != StatusKey::Default).then(|| pattern(&r.status));
                let expr = match (&r.body, r.kind) {
                    (Ty::Unit, _) => quote!(Ok(serde_json::Value::Null)),
                    (_, BodyKind::Bytes | BodyKind::Text) => {
                        quote!(Ok(serde_json::Value::String(String::from_utf8_lossy(body).into_owned())))
                    }
                    (t, _) => {
                        let t = ty(t, Scope::Elsewhere);
                        quote!(crate::support::decode_as::<#t>(#id, status, body))
                    }
                };
                (pat, expr)
            })
            .collect();
        if arms.iter().all(|(p, _)| p.is_some()) {
            let fallback = match &op.error {
                ResultShape::Single(t) => {
                    let t = ty(t, Scope::Elsewhere);
                    quote!(crate::support::decode_as::<#t>(#id, status, body))
                }
                ResultShape::Enum { .. } => quote!(Err(crate::support::undeclared(#id, status))),
            };
            arms.push((None, fallback));
        }
        // Arms just before the catch-all that decode the same way add nothing (`4XX`, `5XX` and `default`
        // are often one error type).
        if let Some((None, fallback)) = arms.last() {
            let fallback = fallback.to_string();
            while arms.len() > 1 && arms[arms.len() - 2].1.to_string() == fallback {
                arms.remove(arms.len() - 2);
            }
        }
        match arms.as_slice() {
            // A lone catch-all needs no match.
            [(None, only)] => quote!(#id => #only,),
            _ => {
                let arms = arms.iter().map(|(p, e)| match p {
                    Some(p) => quote!(#p => #e,),
                    None => quote!(_ => #e,),
                });
                quote!(#id => match status { #(#arms)* },)
            }
        }
    });
    quote! {
        #[doc = " Decodes `body` with the type `operation` (of this module) declares for `status`, as normalized JSON;"]
        #[doc = " `None` for an operation of another module."]
        #[cfg(feature = "decode")]
        pub(crate) fn decode_response(operation: &str, status: u16, body: &[u8]) -> Option<Result<serde_json::Value, crate::error::DecodeError>> {
            let decoded = match operation {
                #(#arms)*
                _ => return None,
            };
            Some(decoded)
        }
    }
}

/// `find_*_by_reference` for an idempotent create: the order a reference names, as the create answers it.
fn find_method(op: &Operation) -> TokenStream {
    let (Some(i), ResultShape::Single(t)) = (&op.idempotency, &op.success) else { return TokenStream::new() };
    let name = ident(&i.find);
    let info = info_const(op);
    let t = ty(t, Scope::Elsewhere);
    let (create, field, lookup) = (&op.method_name, &i.field, &i.lookup);
    let lines = [
        format!(" The order that a [`Client::{create}`] carrying `{field}` = `reference` placed, found with"),
        format!(" [`Client::{lookup}`] by the exact reference (and read back whole), or `None` when no order"),
        " carries it: for reconciliation jobs, and for the caller who does not know whether an earlier attempt"
            .to_string(),
        " was placed. A repeated create with the same reference answers with the same order by itself.".to_string(),
    ];
    quote! {
        #(#[doc = #lines])*
        pub async fn #name(&self, reference: &str) -> Result<Option<ApiResponse<#t>>, Error> {
            match self.find_by_reference(&#info, reference).await? {
                Some(resp) => resp.json().map(Some),
                None => Ok(None),
            }
        }
    }
}
