//! A caller of a generated crate, generated from the same model: it uses every kind of public item the way a
//! user would (every operation called with its argument types, every builder and setter, every response
//! field read with its type, every enum matched by its variants, every named server, every operation's entry
//! in its tag's module (`operations::<tag>::<OPERATION>`, so a module or cargo feature that goes away, or an
//! operation that moves to another, fails) and the `OPERATIONS` table). Compiled against the
//! crate it was made from it must build; compiled against a crate from a later spec it builds exactly when
//! the change breaks no caller. That is how spec-diff's severities are checked against the compiler.
//!
//! The crate under test is imported as `api` (`api = { package = "...", path = "..." }`); argument values are
//! `any()`, a typed placeholder that is never run.

use super::builders::{Member, Slot, built_by_callers, member, param_members, setter_names};
use super::tokens::{Scope, ident, ty};
use crate::model::{Api, BodyKind, ResultShape, Ty, TypeKind};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The caller's `lib.rs`.
pub fn caller(api: &Api) -> TokenStream {
    let built = built_by_callers(api);
    let mut items = TokenStream::new();
    for op in &api.operations {
        let method = ident(&op.method_name);
        let mut args = Vec::new();
        for p in &op.path_params {
            let t = super::operations::arg_ty(p);
            args.push(quote!(any::<#t>()));
        }
        if let Some(name) = &op.params_type {
            let path = ident(name);
            args.push(built_value(quote!(crate::operations::#path), &param_members(op), true));
        }
        if let Some(body) = &op.body {
            let value = match (&body.kind, &body.ty) {
                (BodyKind::Json | BodyKind::Form, Ty::Named(n)) if built.contains(n) => {
                    let Some(TypeKind::Struct(s)) = api.types.get(n).map(|d| &d.kind) else { continue };
                    let members: Vec<Member> = s.fields.iter().map(|f| member(n, f, api)).collect();
                    let path = ident(n);
                    built_value(quote!(crate::models::#path), &members, true)
                }
                (BodyKind::Json | BodyKind::Form, t) => {
                    let t = ty(t, Scope::Elsewhere);
                    quote!(&any::<#t>())
                }
                (BodyKind::Bytes, _) if body.required => quote!(any::<Vec<u8>>()),
                _ => {
                    let t = super::bodies::arg_ty(body);
                    quote!(any::<#t>())
                }
            };
            args.push(if body.required { value } else { quote!(Some(#value)) });
        }
        let (success, error) = (result_ty(&op.success), result_ty(&op.error));
        let f = format_ident!("call_{}", op.method_name);
        let (module, info) = (ident(&op.module), super::operations::info_const(op));
        let info_fn = format_ident!("info_of_{}", op.method_name);
        items.extend(quote! {
            pub fn #info_fn() -> &'static crate::client::OperationInfo { &crate::operations::#module::#info }
        });
        items.extend(quote! {
            pub async fn #f(client: &crate::Client) {
                let _r: Result<crate::ApiResponse<#success>, crate::Error<#error>> = client.#method(#(#args),*).await;
            }
        });
        if let (Some(i), ResultShape::Single(_)) = (&op.idempotency, &op.success) {
            // An idempotent create's lookup by reference.
            let (find, g) = (ident(&i.find), format_ident!("find_{}", op.method_name));
            items.extend(quote! {
                pub async fn #g(client: &crate::Client) {
                    let _r: Result<Option<crate::ApiResponse<#success>>, crate::Error> = client.#find("reference").await;
                }
            });
        }
        if let ResultShape::Enum { name, variants } = &op.success {
            items.extend(match_variants(
                &format!("success_{}", op.method_name),
                quote!(crate::operations::),
                name,
                variants.iter().map(|(v, _)| (v.as_str(), quote!((_)))),
            ));
        }
    }
    for def in api.types.values() {
        let name = ident(&def.name);
        let path = quote!(crate::models::#name);
        let f = format_ident!("read_{}", crate::naming::snake(&def.name));
        items.extend(match &def.kind {
            TypeKind::Struct(s) => {
                let reads = s.fields.iter().map(|field| {
                    let has_default = super::models::default_fn_name(&def.name, field, api).is_some();
                    let t = super::models::field_ty(field, Scope::Elsewhere, has_default);
                    let i = ident(&field.rust);
                    quote!(let _: &#t = &v.#i;)
                });
                quote!(pub fn #f(v: &#path) { #(#reads)* })
            }
            TypeKind::StringEnum(values) => {
                let arms = values.iter().map(|v| {
                    let i = ident(&v.ident);
                    quote!(#path::#i => {})
                });
                quote! {
                    pub fn #f(v: &#path) {
                        match v { #(#arms)* _ => {} }
                        let _: &str = v.as_str();
                        let _ = #path::from("value");
                    }
                }
            }
            TypeKind::IntEnum(values) => {
                let arms = values.iter().map(|v| {
                    let i = ident(&v.ident);
                    quote!(#path::#i => {})
                });
                quote!(pub fn #f(v: &#path) { match v { #(#arms)* _ => {} } })
            }
            TypeKind::Tagged { variants, .. } => match_variants(
                &crate::naming::snake(&def.name),
                quote!(crate::models::),
                &def.name,
                variants.iter().map(|v| (v.ident.as_str(), quote!({ .. }))),
            ),
            TypeKind::Discriminated { variants, .. } | TypeKind::Untagged(variants) => match_variants(
                &crate::naming::snake(&def.name),
                quote!(crate::models::),
                &def.name,
                variants.iter().map(|v| (v.ident.as_str(), quote!((_)))),
            ),
            TypeKind::Alias(t) => {
                let t = ty(t, Scope::Elsewhere);
                quote!(pub fn #f(v: &#path) { let _: &#t = v; })
            }
            TypeKind::Newtype(t) => {
                let t = ty(t, Scope::Elsewhere);
                quote!(pub fn #f(v: &#path) { let _: &#t = &v.0; })
            }
        });
    }
    let servers = api.servers.iter().filter_map(|s| {
        let name = format_ident!("{}", crate::naming::snake(s.name.as_deref()?).to_uppercase());
        Some(quote!(let _: &str = crate::servers::#name;))
    });
    let tokens = quote! {
        //! Uses every public item of the crate imported as `api`, the way a caller would.
        #![allow(unused, clippy::all, deprecated)]
        /// A value of any type, for a call that is compiled and never run.
        fn any<T>() -> T {
            unimplemented!()
        }
        pub fn servers() { #(#servers)* }
        pub fn operations() -> &'static [crate::client::OperationInfo] { crate::OPERATIONS }
        #items
    };
    // The items above are written against the crate's own paths (`crate::`); a caller reaches them as `api::`.
    let text = tokens.to_string().replace("crate :: ", "api :: ");
    text.parse().unwrap_or(tokens)
}

/// `Type::new(required..)` with every setter applied, by reference when `by_ref`.
fn built_value(path: TokenStream, members: &[Member], by_ref: bool) -> TokenStream {
    let names = setter_names(members);
    let required = members.iter().filter(|m| matches!(m.slot, Slot::Required | Slot::RequiredNullable)).map(|m| {
        let base = &m.base;
        match m.slot {
            Slot::RequiredNullable => quote!(any::<Option<#base>>()),
            _ => quote!(any::<#base>()),
        }
    });
    let setters = members.iter().zip(&names).filter_map(|(m, name)| {
        let setter = ident(name.as_deref()?);
        let base = &m.base;
        Some(match m.slot {
            Slot::Tristate => quote!(.#setter(any::<Option<#base>>())),
            _ => quote!(.#setter(any::<#base>())),
        })
    });
    let value = quote!(#path::new(#(#required),*) #(#setters)*);
    if by_ref { quote!(&#value) } else { value }
}

/// The type a side of an operation's result decodes into.
fn result_ty(shape: &ResultShape) -> TokenStream {
    match shape {
        ResultShape::Single(t) => ty(t, Scope::Elsewhere),
        ResultShape::Enum { name, .. } => {
            let i = ident(name);
            quote!(crate::operations::#i)
        }
    }
}

/// `fn match_<name>(v)` with an arm per variant (`pattern` after the variant) and a wildcard.
fn match_variants<'a>(
    fn_name: &str,
    module: TokenStream,
    type_name: &str,
    variants: impl Iterator<Item = (&'a str, TokenStream)>,
) -> TokenStream {
    let f = format_ident!("match_{}", crate::naming::snake(fn_name));
    let t = ident(type_name);
    let arms = variants.map(|(v, pattern)| {
        let i = ident(v);
        quote!(#module #t::#i #pattern => {})
    });
    quote!(pub fn #f(v: &#module #t) { match v { #(#arms)* _ => {} } })
}
