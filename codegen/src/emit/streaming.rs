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
