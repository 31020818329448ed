//! `src/builders.rs`: constructors and chainable setters for the types a caller builds: request bodies and
//! operation parameters, and every struct they contain. Every generated struct is `#[non_exhaustive]`, so
//! outside the crate these are the only way to make one, and an optional field the API adds later (its
//! promise within v1) breaks no caller: `CreateEsimOrderRequest::new(712, amount).client_reference("ref-1")`.
//! They live in one file of their own, beside the types: what a caller sends, and how it is made.

use super::tokens::{Scope, cfg_any, ident, ty};
use crate::model::{Api, Field, Operation, TypeKind};
use crate::naming::Namespace;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

/// How a member is filled when the value is not given.
pub enum Slot {
    /// In the constructor: `impl Into<T>`.
    Required,
    /// Required but nullable: the constructor takes `Option<T>`.
    RequiredNullable,
    /// `Option<T>`, `None` until set.
    Optional,
    /// `T` with the spec's default (the expression that makes it) until set.
    Defaulted(TokenStream),
    /// `Tristate<T>`, absent until set (`Some` sends the value, `None` sends `null`).
    Tristate,
}

/// One field of a built type: its Rust name, its base type `T` and its slot.
pub struct Member {
    pub rust: String,
    pub base: TokenStream,
    pub slot: Slot,
}

/// Method names a setter must not take: the constructor, and what derived traits call by method syntax (an
/// inherent `clone(self, ..)` would shadow `Clone::clone`).
const TAKEN: &[&str] = &[
    "new",
    "clone",
    "clone_from",
    "eq",
    "ne",
    "fmt",
    "default",
    "serialize",
    "deserialize",
    "into",
    "try_into",
    "to_owned",
    "borrow",
    "borrow_mut",
    "type_id",
];

/// The head of `builders.rs`: its module documentation.
pub fn head() -> TokenStream {
    quote! {
        //! Constructors and chainable setters for what a caller builds: request bodies, the structs inside
        //! them, and operation parameters. Every generated struct is `#[non_exhaustive]`, so an optional field
        //! the API adds later breaks no caller.
    }
}

/// One builder of `builders.rs`: for a model type (by name) or for an operation's `Params`.
pub enum Target<'a> {
    Model(String),
    Params(&'a Operation),
}

/// What `builders.rs` builds, in file order: every built model type (by name), then every operation's
/// `Params` (by type name).
pub fn targets(api: &Api) -> Vec<Target<'_>> {
    let mut out: Vec<Target> = built_by_callers(api).into_iter().map(Target::Model).collect();
    let mut ops: Vec<&Operation> = api.operations.iter().filter(|o| o.params_type.is_some()).collect();
    ops.sort_by(|a, b| a.params_type.cmp(&b.params_type));
    out.extend(ops.into_iter().map(Target::Params));
    out
}

/// One target's builder, with the `cfg` of what it builds; nothing for a model type that is not a struct.
pub fn item(api: &Api, gates: &crate::gating::Gates, target: &Target) -> Option<(TokenStream, TokenStream)> {
    match target {
        Target::Model(name) => {
            let Some(TypeKind::Struct(s)) = api.types.get(name).map(|d| &d.kind) else { return None };
            let members: Vec<Member> = s.fields.iter().map(|f| member(name, f, api)).collect();
            let path = ident(name);
            let extra = super::models::extra_field(s);
            let built = builder(quote!(crate::models::#path), name, &members, extra.as_deref());
            Some((built, cfg_any(gates.users_of(name).into_iter().flatten())))
        }
        Target::Params(op) => {
            let name = op.params_type.as_ref()?;
            let path = ident(name);
            Some((builder(quote!(crate::operations::#path), name, &param_members(op), None), cfg_any([&op.module])))
        }
    }
}

/// The members of operation `op`'s `Params`.
pub fn param_members(op: &Operation) -> Vec<Member> {
    op.params
        .iter()
        .map(|p| Member {
            rust: p.rust.clone(),
            base: ty(&p.ty, Scope::Elsewhere),
            slot: if p.required { Slot::Required } else { Slot::Optional },
        })
        .collect()
}

/// A field as the builder sees it: its base type and how it is filled.
pub fn member(owner: &str, f: &Field, api: &Api) -> Member {
    let base = ty(&f.ty, Scope::Elsewhere);
    let slot = if f.is_tristate() {
        Slot::Tristate
    } else if f.required && f.nullable {
        Slot::RequiredNullable
    } else if f.required {
        Slot::Required
    } else if let Some(fn_name) = super::models::default_fn_name(owner, f, api) {
        let call = quote::format_ident!("{}", fn_name);
        Slot::Defaulted(quote!(crate::models::#call()))
    } else {
        Slot::Optional
    };
    Member { rust: f.rust.clone(), base, slot }
}

/// The setter names `builder` gives `members`, in order (`None` for a member set by the constructor).
pub fn setter_names(members: &[Member]) -> Vec<Option<String>> {
    let mut methods = Namespace::with_reserved(TAKEN.iter().copied());
    members
        .iter()
        .map(|m| match m.slot {
            Slot::Required | Slot::RequiredNullable => None,
            _ => Some(methods.claim(&m.rust)),
        })
        .collect()
}

/// `impl T { pub fn new(required..) -> Self; pub fn field(mut self, v) -> Self ... }` for the type at `path`.
/// `extra` names a `BTreeMap` of further properties, empty from `new`.
pub fn builder(path: TokenStream, type_name: &str, members: &[Member], extra: Option<&str>) -> TokenStream {
    let name = path;
    let names = setter_names(members);
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let mut setters = Vec::new();
    for (m, setter_name) in members.iter().zip(&names) {
        let (f, base) = (ident(&m.rust), &m.base);
        match &m.slot {
            Slot::Required => {
                args.push(quote!(#f: impl Into<#base>));
                inits.push(quote!(#f: #f.into()));
            }
            Slot::RequiredNullable => {
                args.push(quote!(#f: Option<#base>));
                inits.push(quote!(#f));
            }
            Slot::Optional | Slot::Defaulted(_) | Slot::Tristate => {
                let init = match &m.slot {
                    Slot::Defaulted(expr) => expr.clone(),
                    Slot::Tristate => quote!(crate::support::Tristate::Absent),
                    _ => quote!(None),
                };
                inits.push(quote!(#f: #init));
                let setter = ident(setter_name.as_deref().unwrap_or(&m.rust));
                let d = format!(" Sets `{}`.", m.rust);
                setters.push(match &m.slot {
                    Slot::Tristate => quote! {
                        #[doc = #d]
                        #[doc = " `None` sends `null`."]
                        pub fn #setter(mut self, #f: Option<#base>) -> Self { self.#f = #f.into(); self }
                    },
                    Slot::Defaulted(_) => quote! {
                        #[doc = #d]
                        pub fn #setter(mut self, #f: impl Into<#base>) -> Self { self.#f = #f.into(); self }
                    },
                    _ => quote! {
                        #[doc = #d]
                        pub fn #setter(mut self, #f: impl Into<#base>) -> Self { self.#f = Some(#f.into()); self }
                    },
                });
            }
        }
    }
    if let Some(extra) = extra {
        let e = ident(extra);
        inits.push(quote!(#e: std::collections::BTreeMap::new()));
    }
    let d = format!(" A `{type_name}` with its required fields; the optional ones have chainable setters.");
    quote! {
        impl #name {
            #[doc = #d]
            #[allow(clippy::new_without_default, clippy::too_many_arguments)]
            pub fn new(#(#args),*) -> Self { #name { #(#inits),* } }
            #(#setters)*
        }
    }
}

/// The named structs a caller builds: request bodies and everything reachable from them.
pub fn built_by_callers(api: &Api) -> BTreeSet<String> {
    // Request bodies, and the objects parameters carry (a `deepObject` filter, a `form` object).
    let sent = api.operations.iter().flat_map(|o: &Operation| {
        o.body.iter().flat_map(|b| b.type_roots()).chain(o.params.iter().chain(&o.path_params).map(|p| &p.ty))
    });
    let mut out = api.reachable(sent);
    out.retain(|n| matches!(api.types.get(n).map(|d| &d.kind), Some(TypeKind::Struct(_))));
    out
}
