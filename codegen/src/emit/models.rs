//! Emits `models.rs`: one item per named type in the model.

use super::tokens::{Scope, doc, ident, is_stringy, serde_name, ty};
use crate::model::{Api, EnumValue, Field, Prim, Struct, SumVariant, TaggedVariant, Ty, TypeDef, TypeKind};
use crate::naming::{Namespace, snake};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// Every item one named type needs: its definition and its impls.
pub fn type_def(def: &TypeDef, api: &Api) -> TokenStream {
    let mut out = type_items(def, api);
    out.extend(error_code_impl(def));
    out
}

/// `impl ErrorCode`: the way from an error body to its code (`x-error-code`).
fn error_code_impl(def: &TypeDef) -> TokenStream {
    let Some(path) = &def.error_code else { return TokenStream::new() };
    let name = ident(&def.name);
    let code = ty(&path.code, Scope::Models);
    let steps = path.steps.iter().map(|(field, access)| {
        let f = ident(field);
        match access {
            crate::model::Access::Plain => quote!(let v = &v.#f;),
            crate::model::Access::Option => quote!(let v = v.#f.as_ref()?;),
            crate::model::Access::Tristate => quote!(let v = v.#f.value()?;),
        }
    });
    quote! {
        impl crate::error::HasErrorCode for #name {
            type Code = #code;
            fn code(&self) -> Option<&#code> {
                let v = self;
                #(#steps)*
                Some(v)
            }
        }
    }
}

fn type_items(def: &TypeDef, api: &Api) -> TokenStream {
    let name = ident(&def.name);
    let docs = doc(def.doc.as_deref());
    match &def.kind {
        TypeKind::Struct(s) => structure(&def.name, docs, s, api),
        TypeKind::StringEnum(values) => {
            let mut out = string_enum(&name, docs, values);
            out.extend(terminal_impl(&name, def));
            out
        }
        TypeKind::IntEnum(values) => int_enum(&name, docs, values),
        TypeKind::Tagged { tag, variants } => tagged(&def.name, docs, tag, variants, api),
        TypeKind::Discriminated { property, variants } => discriminated(&name, docs, property, variants, api),
        TypeKind::Untagged(variants) => untagged(&name, docs, variants, api),
        TypeKind::Alias(t) => {
            let t = ty(t, Scope::Models);
            quote! { #docs pub type #name = #t; }
        }
        TypeKind::Newtype(inner) => {
            let (t, with) = (ty(inner, Scope::Models), numeric_attr(inner, api));
            let clone = clone_of(api, &def.name);
            quote! {
                #docs
                #[derive(Debug, #clone PartialEq, serde::Serialize, serde::Deserialize)]
                #[serde(transparent)]
                pub struct #name(#with pub #t);
            }
        }
    }
}

/// Whether a struct of these fields can derive `Default` without hiding a required field or a spec default.
fn all_optional(owner: &str, fields: &[Field], api: &Api) -> bool {
    fields.iter().all(|f| !f.required && spec_default(owner, f, api).is_none())
}

/// The `#[serde(default = "...")]` function of an optional, non-nullable field with a scalar default.
fn spec_default(owner: &str, f: &Field, api: &Api) -> Option<(String, TokenStream)> {
    if f.required || f.nullable {
        return None;
    }
    default_fn(owner, f, f.default.as_ref()?, api)
}

fn structure(type_name: &str, docs: TokenStream, s: &Struct, api: &Api) -> TokenStream {
    let name = ident(type_name);
    let mut defaults = TokenStream::new();
    let mut fields: Vec<TokenStream> = s.fields.iter().map(|f| field(type_name, f, api, &mut defaults)).collect();
    if let (Some(extra), Some(extra_rust)) = (&s.extra, extra_field(s)) {
        let extra_name = ident(&extra_rust);
        let t = ty(extra, Scope::Models);
        fields.push(quote! {
            #[doc = " Properties beyond the named ones."]
            #[serde(flatten)]
            pub #extra_name: std::collections::BTreeMap<String, #t>
        });
    }
    let secret = s.fields.iter().any(|f| f.secret);
    let default = all_optional(type_name, &s.fields, api).then(|| quote!(Default,));
    let derive_debug = (!secret).then(|| quote!(Debug,));
    let clone = clone_of(api, type_name);
    let deserialize = deserialize_struct(type_name, s, api);
    let mut out = quote! {
        #docs
        #[derive(#clone #derive_debug #default PartialEq, serde::Serialize)]
        #[non_exhaustive]
        pub struct #name { #(#fields,)* }
        #deserialize
    };
    if secret {
        out.extend(redacted_debug(type_name, s));
    }

    out.extend(take_methods(type_name, s, api));
    out.extend(defaults);
    out
}

/// The struct's `Deserialize` (`support::impl_deserialize_struct!`, not serde's derive: it is most of what
/// checking a generated crate costs). Absent fields read as the serde attributes on the struct say for
/// serializing: required, the spec's default, or `Default` (`None`, `Tristate::Absent`, an empty secret).
fn deserialize_struct(type_name: &str, s: &Struct, api: &Api) -> TokenStream {
    let name = ident(type_name);
    let fields = s.fields.iter().map(|f| {
        let (field, wire) = (ident(&f.rust), &f.wire);
        let how = match default_fn_name(type_name, f, api) {
            _ if f.once || f.is_tristate() || f.nullable => quote!(dflt),
            Some(path) if !f.required => {
                let path = format_ident!("{}", path);
                quote!(dfn #path)
            }
            _ if !f.required => quote!(dflt),
            _ => quote!(req),
        };
        let num = numeric(&f.ty, api).then(|| quote!(num));
        quote!(#field = #num #wire #how,)
    });
    let extra = extra_field(s).map(|e| {
        let e = ident(&e);
        quote!(extra #e)
    });
    quote! { crate::support::impl_deserialize_struct!(#name { #(#fields)* } #extra); }
}

/// Whether a type is decimals carried as JSON numbers all the way down (through `Option`, `Vec`, maps,
/// `Box` and aliases): its field then reads and writes them with `crate::decimal::number`, not with a
/// rust_decimal feature that would change every `Decimal` of the caller's build.
fn numeric(t: &Ty, api: &Api) -> bool {
    match t {
        Ty::Prim(Prim::Decimal) => true,
        Ty::Option(i) | Ty::Vec(i) | Ty::Map(i) | Ty::Box(i) => numeric(i, api),
        Ty::Named(n) => matches!(api.types.get(n).map(|d| &d.kind), Some(TypeKind::Alias(a)) if numeric(a, api)),
        _ => false,
    }
}

/// `#[serde(with = ...)]` for a tuple field of this type, when it is numeric.
fn numeric_attr(t: &Ty, api: &Api) -> TokenStream {
    if numeric(t, api) { quote!(#[serde(with = "crate::decimal::number")]) } else { TokenStream::new() }
}

/// `Clone,` unless the type holds a one-time secret.
fn clone_of(api: &Api, name: &str) -> TokenStream {
    if api.once_holders.contains(name) { TokenStream::new() } else { quote!(Clone,) }
}

/// The name of the function that makes a field's spec default, when it has one (`pub(crate)`, so the
/// builders can call it).
pub fn default_fn_name(owner: &str, f: &Field, api: &Api) -> Option<String> {
    spec_default(owner, f, api).map(|(name, _)| name)
}

/// The name of a struct's flattened map of further properties, when it has one.
pub fn extra_field(s: &Struct) -> Option<String> {
    s.extra.as_ref()?;
    let mut ns = Namespace::default();
    for f in &s.fields {
        ns.reserve(&f.rust);
    }
    Some(ns.claim("additional_properties"))
}

/// The field's Rust type after required/nullable: `T`, `Option<T>` or `Tristate<T>`.
pub(super) fn field_ty(f: &Field, scope: Scope, has_default: bool) -> TokenStream {
    let base = if f.once { quote!(crate::support::OneTimeSecret) } else { ty(&f.ty, scope) };
    if f.is_tristate() {
        quote!(crate::support::Tristate<#base>)
    } else if f.nullable || (!f.required && !has_default) {
        quote!(Option<#base>)
    } else {
        base
    }
}

fn field(owner: &str, f: &Field, api: &Api, defaults: &mut TokenStream) -> TokenStream {
    let name = ident(&f.rust);
    let dflt = spec_default(owner, f, api);
    let t = field_ty(f, Scope::Models, dflt.is_some());
    let mut attrs = Vec::new();
    if serde_name(&f.rust) != f.wire {
        let wire = &f.wire;
        attrs.push(quote!(rename = #wire));
    }
    let mut docs_text = f.doc.clone();
    if numeric(&f.ty, api) {
        attrs.push(quote!(with = "crate::decimal::number"));
    }
    if f.once {
        // A credential shown once is never written back out, not even by serializing its holder.
        attrs.push(quote!(default, skip_serializing));
    } else if f.is_tristate() {
        attrs.push(quote!(default, skip_serializing_if = "crate::support::Tristate::is_absent"));
    } else if !f.required && !f.nullable {
        match dflt {
            Some((fn_name, body)) => {
                let path = fn_name.clone();
                attrs.push(quote!(default = #path));
                defaults.extend(body);
            }
            None => attrs.push(quote!(default, skip_serializing_if = "Option::is_none")),
        }
    }
    if let Some(d) = &f.default {
        let line = format!("Default: `{d}`.");
        docs_text = Some(docs_text.map_or(line.clone(), |t| format!("{t}\n\n{line}")));
    }
    let docs = doc(docs_text.as_deref());
    let serde_attr = (!attrs.is_empty()).then(|| quote!(#[serde(#(#attrs),*)]));
    quote! { #docs #serde_attr pub #name: #t }
}

/// A `fn` returning a scalar default, for `#[serde(default = "...")]`. `None` when the default is not a
/// scalar of the field's type; the field then stays an `Option` and the default is documented.
fn default_fn(owner: &str, f: &Field, value: &serde_json::Value, api: &Api) -> Option<(String, TokenStream)> {
    let expr = match (&f.ty, value) {
        (Ty::Prim(Prim::Bool), serde_json::Value::Bool(b)) => quote!(#b),
        (Ty::Prim(Prim::String), serde_json::Value::String(s)) => quote!(#s.to_string()),
        (Ty::Prim(p), serde_json::Value::Number(n)) => {
            let lit = match p {
                Prim::I8 => Literal::i8_suffixed(i8::try_from(n.as_i64()?).ok()?),
                Prim::I16 => Literal::i16_suffixed(i16::try_from(n.as_i64()?).ok()?),
                Prim::I32 => Literal::i32_suffixed(i32::try_from(n.as_i64()?).ok()?),
                Prim::I64 => Literal::i64_suffixed(n.as_i64()?),
                Prim::U8 => Literal::u8_suffixed(u8::try_from(n.as_u64()?).ok()?),
                Prim::U16 => Literal::u16_suffixed(u16::try_from(n.as_u64()?).ok()?),
                Prim::U32 => Literal::u32_suffixed(u32::try_from(n.as_u64()?).ok()?),
                Prim::U64 => Literal::u64_suffixed(n.as_u64()?),
                Prim::F32 => Literal::f32_suffixed(n.as_f64()? as f32),
                Prim::F64 => Literal::f64_suffixed(n.as_f64()?),
                _ => return None,
            };
            quote!(#lit)
        }
        (Ty::Named(n), serde_json::Value::String(s))
            if matches!(api.types.get(n).map(|t| &t.kind), Some(TypeKind::StringEnum(_))) =>
        {
            let i = ident(n);
            quote!(#i::from(#s))
        }
        _ => return None,
    };
    let fn_name = format!("default_{}_{}", snake(owner), f.rust);
    let fn_ident = format_ident!("{}", fn_name);
    let t = ty(&f.ty, Scope::Models);
    Some((fn_name, quote! { pub(crate) fn #fn_ident() -> #t { #expr } }))
}

fn redacted_debug(type_name: &str, s: &Struct) -> TokenStream {
    let name = ident(type_name);
    let fields = s.fields.iter().map(|f| {
        let i = ident(&f.rust);
        let label = serde_name(&f.rust);
        if !f.secret {
            quote!(.field(#label, &self.#i))
        } else if is_stringy(&f.ty) {
            quote!(.field(#label, &crate::support::Redacted(&self.#i)))
        } else {
            quote!(.field(#label, &"<redacted>"))
        }
    });
    quote! {
        impl std::fmt::Debug for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(#type_name) #(#fields)* .finish_non_exhaustive()
            }
        }
    }
}

fn string_enum(name: &proc_macro2::Ident, docs: TokenStream, values: &[EnumValue<String>]) -> TokenStream {
    let variants = values.iter().map(|v| {
        let i = ident(&v.ident);
        let wire = if v.value.is_empty() { "The empty string.".to_string() } else { format!("`{}`", v.value) };
        let d = doc(v.doc.as_deref().or(Some(&wire)));
        quote!(#d #i)
    });
    let pairs = values.iter().map(|v| {
        let i = ident(&v.ident);
        let value = &v.value;
        quote!(#i = #value)
    });
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants,)*
            #[doc = " A value this client does not know yet, kept verbatim."]
            Unknown(String),
        }
        crate::support::impl_open_string_enum!(#name { #(#pairs,)* });
    }
}

/// `is_terminal()` for a status enum an `x-poll` reads: whether waiting on an order can stop.
fn terminal_impl(name: &proc_macro2::Ident, def: &TypeDef) -> TokenStream {
    let Some((values, by)) = &def.terminal else { return TokenStream::new() };
    let doc = format!(
        " Whether this status ends a wait (the `x-poll` of {}: {}). A value this client does not know yet is not terminal.",
        by.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", "),
        values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
    );
    quote! {
        impl #name {
            #[doc = #doc]
            pub fn is_terminal(&self) -> bool {
                matches!(self.as_str(), #(#values)|*)
            }
        }
    }
}

fn int_enum(name: &proc_macro2::Ident, docs: TokenStream, values: &[EnumValue<i64>]) -> TokenStream {
    let variants = values.iter().map(|v| {
        let i = ident(&v.ident);
        let d = doc(v.doc.as_deref().or(Some(&format!("`{}`", v.value))));
        quote!(#d #i)
    });
    let pairs = values.iter().map(|v| {
        let i = ident(&v.ident);
        let value = Literal::i64_unsuffixed(v.value);
        quote!(#i = #value)
    });
    quote! {
        #docs
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants,)*
            #[doc = " A value this client does not know yet, kept verbatim."]
            Unknown(i64),
        }
        crate::support::impl_open_int_enum!(#name { #(#pairs,)* });
    }
}

fn tagged(type_name: &str, docs: TokenStream, tag: &str, variants: &[TaggedVariant], api: &Api) -> TokenStream {
    let name = ident(type_name);
    let mut defaults = TokenStream::new();
    let vs = variants.iter().map(|v| {
        let i = ident(&v.ident);
        let value = &v.value;
        let d = doc(v.doc.as_deref());
        let fields: Vec<TokenStream> = v
            .fields
            .iter()
            .map(|f| {
                let t = field(&format!("{type_name}{}", v.ident), f, api, &mut defaults);
                // Variant fields carry no visibility.
                strip_pub(t)
            })
            .collect();
        if fields.is_empty() {
            quote!(#d #[serde(rename = #value)] #i {})
        } else {
            quote!(#d #[serde(rename = #value)] #i { #(#fields,)* })
        }
    });
    let vs: Vec<TokenStream> = vs.collect();
    let clone = clone_of(api, type_name);
    quote! {
        #docs
        #[derive(#clone Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(tag = #tag)]
        #[non_exhaustive]
        pub enum #name {
            #(#vs,)*
            #[doc = " A variant this client does not know yet, kept verbatim."]
            #[serde(untagged)]
            Unknown(serde_json::Value),
        }
        #defaults
    }
}

fn strip_pub(t: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    let mut skipped = false;
    for tt in t {
        if !skipped
            && let proc_macro2::TokenTree::Ident(i) = &tt
            && i == "pub"
        {
            skipped = true;
            continue;
        }
        out.extend(std::iter::once(tt));
    }
    out
}

fn discriminated(
    name: &proc_macro2::Ident,
    docs: TokenStream,
    property: &str,
    variants: &[SumVariant],
    api: &Api,
) -> TokenStream {
    let vs = variants.iter().map(|v| {
        let i = ident(&v.ident);
        let t = ty(&v.ty, Scope::Models);
        let d = doc(v.doc.as_deref());
        quote!(#d #i(#t))
    });
    let arms = variants.iter().map(|v| {
        let i = ident(&v.ident);
        let values = &v.values;
        quote!(#i = [#(#values),*])
    });
    let clone = clone_of(api, &name.to_string());
    quote! {
        #docs
        #[derive(#clone Debug, PartialEq, serde::Serialize)]
        #[serde(untagged)]
        #[non_exhaustive]
        pub enum #name {
            #(#vs,)*
            #[doc = " A variant this client does not know yet, kept verbatim."]
            Unknown(serde_json::Value),
        }
        crate::support::impl_discriminated!(#name(#property) { #(#arms,)* });
    }
}

fn untagged(name: &proc_macro2::Ident, docs: TokenStream, variants: &[SumVariant], api: &Api) -> TokenStream {
    let vs = variants.iter().map(|v| {
        let i = ident(&v.ident);
        let t = ty(&v.ty, Scope::Models);
        let d = doc(v.doc.as_deref());
        let with = numeric_attr(&v.ty, api);
        quote!(#d #i(#with #t))
    });
    let clone = clone_of(api, &name.to_string());
    quote! {
        #docs
        #[derive(#clone Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(untagged)]
        #[non_exhaustive]
        pub enum #name {
            #(#vs,)*
            #[doc = " A shape this client does not know yet, kept verbatim."]
            Unknown(serde_json::Value),
        }
    }
}

/// `take_<field>` for each `x-deliver-once` field: moves the one-time credential out of the response.
fn take_methods(type_name: &str, s: &Struct, api: &Api) -> TokenStream {
    let methods: Vec<TokenStream> = s
        .fields
        .iter()
        .filter(|f| f.once)
        .map(|f| {
            let field = ident(&f.rust);
            let name = format_ident!("take_{}", f.rust.trim_start_matches("r#"));
            let t = field_ty(f, Scope::Models, spec_default(type_name, f, api).is_some());
            let doc = format!(
                " Takes `{}` out: the API shows it only once, so store it or hand it on now. Afterwards the field is empty.",
                f.wire
            );
            quote! {
                #[doc = #doc]
                #[must_use = "the one-time credential is dropped unless it is used"]
                pub fn #name(&mut self) -> #t { std::mem::take(&mut self.#field) }
            }
        })
        .collect();
    if methods.is_empty() {
        return TokenStream::new();
    }
    let name = ident(type_name);
    quote! { impl #name { #(#methods)* } }
}
