//! The statements that put an operation's parameters on the request: one call of the runtime's `params`
//! module (`codegen/runtime/params.rs`) per parameter, chosen by its `style` (`crate::params`).

use super::tokens::ident;
use crate::model::{Operation, Param, ParamIn};
use crate::params::Style;
use proc_macro2::TokenStream;
use quote::quote;

/// The value of a parameter as the runtime reads it: itself, or its JSON text for `content: application/json`.
fn value(p: &Param, v: TokenStream) -> TokenStream {
    if p.style.json { quote!(&crate::params::json(#v)) } else { v }
}

/// A path argument's text in the path, style prefix included (`.x` for `label`, `;name=x` for `matrix`).
pub(super) fn path_arg(p: &Param) -> TokenStream {
    let i = ident(&p.rust);
    let v = value(p, quote!(&#i));
    let explode = p.style.explode;
    match p.style.kind {
        Style::Label => quote!(crate::params::label(#v, #explode)),
        Style::Matrix => {
            let wire = &p.wire;
            quote!(crate::params::matrix(#wire, #v, #explode))
        }
        _ => quote!(crate::params::simple(#v, #explode)),
    }
}

/// Statements that build `query`, the query string (nothing when the operation has no query parameter),
/// and the expression of the request's path (`path`, followed by the query when there is one).
pub(super) fn query(op: &Operation, path: TokenStream) -> (TokenStream, TokenStream) {
    let calls: Vec<TokenStream> = op
        .params
        .iter()
        .filter(|p| p.location == ParamIn::Query)
        .map(|p| {
            let i = ident(&p.rust);
            let wire = &p.wire;
            let v = value(p, quote!(&params.#i));
            let (explode, reserved) = (p.style.explode, p.style.allow_reserved);
            match p.style.kind {
                Style::DeepObject => quote!(crate::params::deep_object(&mut query, #wire, #v, #reserved);),
                Style::SpaceDelimited => {
                    quote!(crate::params::delimited(&mut query, #wire, #v, "%20", #explode, #reserved);)
                }
                Style::PipeDelimited => {
                    quote!(crate::params::delimited(&mut query, #wire, #v, "%7C", #explode, #reserved);)
                }
                _ => quote!(crate::params::form(&mut query, #wire, #v, #explode, #reserved);),
            }
        })
        .collect();
    if calls.is_empty() {
        return (TokenStream::new(), path);
    }
    // The path first: a path argument may be named `query`.
    (
        quote! { let path = #path; let mut query = String::new(); #(#calls)* },
        quote!(&crate::params::with_query(path, &query)),
    )
}

/// Statements that set header parameters, and the one `Cookie` header of the cookie parameters, on `req`.
pub(super) fn headers(op: &Operation) -> TokenStream {
    let mut out = TokenStream::new();
    let mut cookies = Vec::new();
    for p in &op.params {
        let i = ident(&p.rust);
        let (wire, explode) = (&p.wire, p.style.explode);
        let v = value(p, quote!(&params.#i));
        match p.location {
            ParamIn::Header => out.extend(quote! {
                let req = match crate::params::header(#v, #explode) { Some(v) => req.header(#wire, v), None => req };
            }),
            ParamIn::Cookie => cookies.push(quote!(crate::params::cookie(&mut cookies, #wire, #v, #explode);)),
            _ => {}
        }
    }
    if !cookies.is_empty() {
        out.extend(quote! {
            let mut cookies = String::new();
            #(#cookies)*
            let req = if cookies.is_empty() { req } else { req.header("cookie", cookies) };
        });
    }
    out
}

/// A `Debug` for an operation's `Params` that prints cookie parameters as `<redacted>` (whether set, never
/// the value); `None` when it has none, and `Debug` is derived.
pub(super) fn params_debug(op: &Operation, name: &proc_macro2::Ident) -> Option<TokenStream> {
    if !op.params.iter().any(|p| p.location == ParamIn::Cookie) {
        return None;
    }
    let fields = op.params.iter().map(|p| {
        let (i, wire) = (ident(&p.rust), &p.rust);
        match (p.location, p.required) {
            (ParamIn::Cookie, true) => quote!(.field(#wire, &"<redacted>")),
            (ParamIn::Cookie, false) => quote!(.field(#wire, &self.#i.as_ref().map(|_| "<redacted>"))),
            _ => quote!(.field(#wire, &self.#i)),
        }
    });
    let title = name.to_string();
    Some(quote! {
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#title) #(#fields)* .finish()
            }
        }
    })
}
