//! Emission for streamed answers (`crate::streaming`): the match arm that hands a streamed body over, and
//! the runtime files and dependency the crate then needs.

use super::tokens::{Scope, ident, ty};
use crate::model::{Operation, Prim, ResultShape, Ty};
use proc_macro2::TokenStream;
use quote::quote;

/// The arm expression for response `r` of `op`: `plain` (what a whole body gets) unless the body streams.
/// A streamed operation's other success answers read their body first (it was left unread).
pub fn arm(op: &Operation, r: &crate::model::Response, plain: TokenStream) -> TokenStream {
    if !r.success || !crate::streaming::is_streamed(op) {
        return plain;
    }
    let variant = match (&op.success, &r.variant) {
        (ResultShape::Enum { name, .. }, Some(v)) => {
            let (e, v) = (ident(name), ident(v));
            Some(quote!(#e::#v))
        }
        _ => None,
    };
    match (&r.body, variant) {
        (Ty::ByteStream, None) => quote!(resp.byte_stream()),
        (Ty::ByteStream, Some(v)) => quote!(resp.byte_stream_into(#v)),
        (Ty::EventStream(data, terminator), variant) => {
            let decode = match data.as_ref() {
                Ty::Prim(Prim::String) => quote!(crate::sse::text),
                t => {
                    let t = ty(t, Scope::Elsewhere);
                    quote!(crate::sse::json::<#t>)
                }
            };
            let terminator = match terminator {
                Some(t) => quote!(Some(#t)),
                None => quote!(None),
            };
            match variant {
                None => quote!(resp.events(#decode, #terminator)),
                Some(v) => quote!(resp.events_into(#v, #decode, #terminator)),
            }
        }
        (Ty::Unit, _) => plain,
        _ => quote!({
            let resp = resp.read().await?;
            #plain
        }),
    }
}

/// `Accept: text/event-stream` on a request whose every success answer is events (as `EventSource` asks);
/// a `CallOptions` header replaces it.
pub fn accept(op: &Operation) -> Option<TokenStream> {
    matches!(&op.success, ResultShape::Single(Ty::EventStream(..)))
        .then(|| quote!(let req = req.header(reqwest::header::ACCEPT, "text/event-stream");))
}

/// Whether a result enum holds a stream (it is then neither `Clone` nor `PartialEq`).
pub fn holds_stream(variants: &[(String, Ty)]) -> bool {
    variants.iter().any(|(_, t)| crate::streaming::streams(t))
}

pub const SSE: &str = include_str!("../../runtime/sse.rs");
pub const STREAM: &str = include_str!("../../runtime/stream.rs");

/// The runtime files the crate's streamed answers need: (file name, text).
pub fn runtime_files(api: &crate::model::Api) -> Vec<(&'static str, &'static str)> {
    let (sse, stream) = crate::streaming::needs(api);
    let mut files = Vec::new();
    if stream {
        files.push(("stream.rs", STREAM));
    }
    if sse {
        files.push(("sse.rs", SSE));
    }
    files
}

/// The `<method>_events` companion of `op` (`crate::streaming::companions`): the same request, its answer
/// read as events. Emitted beside the operation with its own `OperationInfo`; the parameter, body and error
/// types are the operation's.
pub fn companion(op: &Operation) -> Option<Operation> {
    let (name, status, body) = op.events.as_ref()?;
    let mut c = op.clone();
    let doc = format!(
        "The events of [`Client::{}`]: its answer as `text/event-stream`, for a request that asks for a stream (as the API says: a `stream` field, a parameter or an `Accept` header, which `CallOptions::header` sets).",
        op.method_name
    );
    c.doc = Some(match &op.doc {
        Some(d) => format!("{doc}\n\n{d}"),
        None => doc,
    });
    c.method_name = name.clone();
    (c.events, c.paging, c.stream_name, c.find_name, c.poll, c.cache) = (None, None, None, None, None, None);
    (c.idempotency, c.declared_idempotency) = (None, None);
    c.responses.retain(|r| !r.success);
    let kind = crate::model::BodyKind::Text;
    c.responses.push(crate::model::Response {
        status: status.clone(),
        body: body.clone(),
        kind,
        success: true,
        variant: None,
    });
    c.success = ResultShape::Single(body.clone());
    Some(c)
}
