//! Request bodies in `operations/<tag>.rs`: the part struct of a multipart body (fields, `new` and
//! setters, a redacting `Debug`, its `MultipartForm`), the enum of a body with several media types, the argument an
//! operation method takes and the code that puts the body on the request.

use super::builders::{Member, Slot, builder};
use super::tokens::{Scope, doc, ident, ty};
use crate::bodies::{Multipart, Part, Shape};
use crate::model::{Body, BodyKind, Operation};
use proc_macro2::TokenStream;
use quote::quote;

/// The types generated beside operation `op` for its body.
pub fn items(op: &Operation) -> TokenStream {
    let Some(body) = &op.body else { return TokenStream::new() };
    let mut out = TokenStream::new();
    match &body.shape {
        Shape::Multipart(m) => out.extend(part_struct(op, &body.content_type, m)),
        Shape::Choice { name, variants } => {
            for v in variants {
                if let Shape::Multipart(m) = &v.body.shape {
                    out.extend(part_struct(op, &v.body.content_type, m));
                }
            }
            let name_i = ident(name);
            let vs = variants.iter().map(|v| {
                let (i, t) = (ident(&v.ident), owned_ty(&v.body));
                let d = format!(" `{}`", v.body.content_type);
                quote!(#[doc = #d] #i(#t))
            });
            let d = format!(" The request bodies [`Client::{}`] accepts, one variant per media type.", op.method_name);
            out.extend(quote! {
                #[doc = #d]
                #[derive(Debug)]
                pub enum #name_i { #(#vs,)* }
            });
        }
        Shape::Plain | Shape::Form(_) => {}
    }
    out
}

/// The type a variant (or a multipart body) holds, owned.
fn owned_ty(body: &Body) -> TokenStream {
    match body.kind {
        BodyKind::Json | BodyKind::Form => ty(&body.ty, Scope::Elsewhere),
        BodyKind::Text => quote!(String),
        BodyKind::Bytes => quote!(crate::upload::ByteBody),
        BodyKind::Multipart => match &body.shape {
            Shape::Multipart(Multipart { name: Some(n), .. }) => {
                let i = ident(n);
                quote!(crate::operations::#i)
            }
            _ => quote!(crate::multipart::MultipartForm),
        },
        BodyKind::Choice => match &body.shape {
            Shape::Choice { name, .. } => {
                let i = ident(name);
                quote!(crate::operations::#i)
            }
            _ => quote!(()),
        },
    }
}

/// The argument type of the operation method (without `Option` for an optional body).
pub fn arg_ty(body: &Body) -> TokenStream {
    match body.kind {
        BodyKind::Json | BodyKind::Form => {
            let t = ty(&body.ty, Scope::Elsewhere);
            quote!(&#t)
        }
        BodyKind::Bytes if body.required => quote!(impl Into<crate::upload::ByteBody>),
        _ => owned_ty(body),
    }
}

/// The method's `body` argument and the statements that put it on `req`.
pub fn method_body(op: &Operation) -> Option<(TokenStream, TokenStream)> {
    let body = op.body.as_ref()?;
    let t = arg_ty(body);
    let value = match body.kind {
        BodyKind::Bytes if body.required => quote!(Into::<crate::upload::ByteBody>::into(body)),
        _ => quote!(body),
    };
    let apply = apply(op, body, value);
    Some(if body.required {
        (quote!(body: #t), quote!(let req = #apply;))
    } else {
        (quote!(body: Option<#t>), quote!(let req = match body { Some(body) => #apply, None => req };))
    })
}

/// An expression that is `req` with `value` (a reference for JSON and forms, owned otherwise) as its body;
/// an encoding failure returns `Error::InvalidRequest` from the method.
fn apply(op: &Operation, body: &Body, value: TokenStream) -> TokenStream {
    let ct = &body.content_type;
    let id = &op.id;
    let invalid = quote!(return Err(crate::error::Error::InvalidRequest(format!("{}: {e}", #id))));
    match body.kind {
        BodyKind::Json if crate::bodies::is_json(ct) && crate::bodies::essence(ct) != "application/json" => {
            quote!(req.header("content-type", #ct).json(#value))
        }
        BodyKind::Json => quote!(req.json(#value)),
        BodyKind::Form => {
            let fields = match &body.shape {
                Shape::Form(f) => f.as_slice(),
                _ => &[],
            };
            let enc = fields.iter().map(|f| {
                let (w, s, x, j) = (&f.wire, &f.style, f.explode, f.json);
                quote!((#w, #s, #x, #j))
            });
            quote!(match crate::form::pairs(#value, &[#(#enc),*]) { Ok(pairs) => req.form(&pairs), Err(e) => #invalid })
        }
        BodyKind::Text => quote!(req.header("content-type", #ct).body(#value)),
        BodyKind::Bytes => quote!(#value.apply(req, #ct)),
        BodyKind::Multipart => {
            let form = match &body.shape {
                Shape::Multipart(Multipart { name: Some(_), .. }) => {
                    quote!(crate::multipart::MultipartForm::from(#value))
                }
                _ => value,
            };
            quote!(match #form.apply(req, #ct).await { Ok(req) => req, Err(e) => #invalid })
        }
        BodyKind::Choice => {
            let Shape::Choice { name, variants } = &body.shape else { return quote!(req) };
            let name_i = ident(name);
            let arms = variants.iter().map(|v| {
                let i = ident(&v.ident);
                let by = match v.body.kind {
                    BodyKind::Json | BodyKind::Form => quote!(&b),
                    _ => quote!(b),
                };
                let e = apply(op, &v.body, by);
                quote!(#name_i::#i(b) => #e,)
            });
            quote!(match #value { #(#arms)* })
        }
    }
}

/// A part's field type, without `Option`.
fn part_ty(p: &Part) -> TokenStream {
    let one = if p.file { quote!(crate::multipart::FilePart) } else { ty(&p.ty, Scope::Elsewhere) };
    if p.repeated { quote!(Vec<#one>) } else { one }
}

fn part_struct(op: &Operation, content_type: &str, m: &Multipart) -> TokenStream {
    let Some(name) = &m.name else { return TokenStream::new() };
    let name_i = ident(name);
    let mut fields = Vec::new();
    let mut members = Vec::new();
    let mut debug = Vec::new();
    for p in &m.parts {
        let (f, base) = (ident(&p.rust), part_ty(p));
        let t = if p.required { base.clone() } else { quote!(Option<#base>) };
        let mut d = doc(p.doc.as_deref());
        let kind = if p.file {
            "file"
        } else if p.json {
            "JSON"
        } else {
            "text"
        };
        let line = format!(
            " Part `{}` ({kind}{}{}).",
            p.wire,
            if p.repeated { ", one part per item" } else { "" },
            p.content_type.as_deref().map(|c| format!(", `{c}`")).unwrap_or_default()
        );
        if p.doc.is_some() {
            d.extend(quote!(#[doc = ""]));
        }
        d.extend(quote!(#[doc = #line]));
        fields.push(quote!(#d pub #f: #t));
        members.push(Member {
            rust: p.rust.clone(),
            base,
            slot: if p.required { Slot::Required } else { Slot::Optional },
        });
        let w = &p.rust;
        debug.push(if p.secret { quote!(.field(#w, &"<redacted>")) } else { quote!(.field(#w, &self.#f)) });
        for (h, field) in &p.headers {
            let fi = ident(field);
            let line = format!(" Header `{h}` of part `{}`.", p.wire);
            fields.push(quote!(#[doc = #line] pub #fi: Option<String>));
            members.push(Member { rust: field.clone(), base: quote!(String), slot: Slot::Optional });
            let w = field.as_str();
            debug.push(quote!(.field(#w, &self.#fi)));
        }
    }
    let built = builder(quote!(crate::operations::#name_i), name, &members, None);
    let pushes = m.parts.iter().map(|p| {
        let (wire, f) = (&p.wire, ident(&p.rust));
        let ct = match &p.content_type {
            Some(c) => quote!(Some(#c)),
            None => quote!(None),
        };
        let headers = p.headers.iter().map(|(h, field)| {
            let fi = ident(field);
            quote!((#h, b.#fi.as_deref()))
        });
        let headers = quote!(&[#(#headers),*]);
        let push = if p.file {
            quote!(form.push_file(#wire, v, #ct, #headers))
        } else {
            let json = p.json;
            quote!(form.push_value(#wire, &v, #ct, #json, #headers))
        };
        match (p.repeated, p.required) {
            (false, true) => quote!({ let v = b.#f; #push; }),
            (false, false) => quote!(if let Some(v) = b.#f { #push; }),
            (true, true) => quote!(for v in b.#f { #push; }),
            (true, false) => quote!(for v in b.#f.into_iter().flatten() { #push; }),
        }
    });
    let d = format!(
        " The `{content_type}` parts of [`Client::{}`]: one field per property, files as [`crate::multipart::FilePart`].",
        op.method_name
    );
    let name_s = name.as_str();
    quote! {
        #[doc = #d]
        #[non_exhaustive]
        pub struct #name_i { #(#fields,)* }
        #built
        /// The form this body sends: a part per field (per item of an array), in declaration order.
        impl From<#name_i> for crate::multipart::MultipartForm {
            fn from(b: #name_i) -> Self {
                let mut form = crate::multipart::MultipartForm::new();
                #(#pushes)*
                form
            }
        }
        /// Field values, secrets redacted; files by name, kind and size.
        impl std::fmt::Debug for #name_i {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#name_s) #(#debug)* .finish()
            }
        }
    }
}
