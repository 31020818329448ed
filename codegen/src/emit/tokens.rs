//! Small token builders shared by the emitters: identifiers, type expressions and doc attributes.

use crate::model::{Prim, Ty};
use crate::naming::{escape, is_keyword};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// An identifier, raw (`r#type`) where it is a keyword.
pub fn ident(name: &str) -> Ident {
    let escaped = escape(name);
    match escaped.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(&escaped, Span::call_site()),
    }
}

/// The name serde sees for a field or variant identifier (`r#type` is `type`; `self_` stays `self_`).
pub fn serde_name(rust: &str) -> String {
    if is_keyword(rust) && !escape(rust).ends_with('_') { rust.to_string() } else { escape(rust) }
}

/// `#[doc = "..."]` lines; nothing for `None`.
pub fn doc(text: Option<&str>) -> TokenStream {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => TokenStream::new(),
        Some(t) => {
            let lines = t.lines().map(|l| format!(" {}", l.trim_end()));
            quote! { #(#[doc = #lines])* }
        }
    }
}

/// Where a named type is written from: the models module itself, or elsewhere in the crate.
#[derive(Clone, Copy)]
pub enum Scope {
    Models,
    Elsewhere,
}

pub fn ty(t: &Ty, scope: Scope) -> TokenStream {
    match t {
        Ty::Named(n) => {
            let i = ident(n);
            match scope {
                Scope::Models => quote!(#i),
                Scope::Elsewhere => quote!(crate::models::#i),
            }
        }
        Ty::Prim(p) => prim(*p),
        Ty::Vec(inner) => {
            let i = ty(inner, scope);
            quote!(Vec<#i>)
        }
        Ty::Map(inner) => {
            let i = ty(inner, scope);
            quote!(std::collections::BTreeMap<String, #i>)
        }
        Ty::Option(inner) => {
            let i = ty(inner, scope);
            quote!(Option<#i>)
        }
        Ty::Box(inner) => {
            let i = ty(inner, scope);
            quote!(Box<#i>)
        }
        Ty::Json => quote!(serde_json::Value),
        Ty::Unit => quote!(()),
        Ty::Tuple(items) => {
            let items = items.iter().map(|i| ty(i, scope));
            quote!((#(#items,)*))
        }
        Ty::EventStream(inner, _) => {
            let i = ty(inner, scope);
            quote!(crate::sse::EventStream<#i>)
        }
        Ty::ByteStream => quote!(crate::stream::ByteStream),
    }
}

pub fn prim(p: Prim) -> TokenStream {
    match p {
        Prim::String => quote!(String),
        Prim::Bool => quote!(bool),
        Prim::I8 => quote!(i8),
        Prim::I16 => quote!(i16),
        Prim::I32 => quote!(i32),
        Prim::I64 => quote!(i64),
        Prim::U8 => quote!(u8),
        Prim::U16 => quote!(u16),
        Prim::U32 => quote!(u32),
        Prim::U64 => quote!(u64),
        Prim::F32 => quote!(f32),
        Prim::F64 => quote!(f64),
        Prim::Decimal => quote!(rust_decimal::Decimal),
        Prim::DecimalString => quote!(crate::decimal::DecimalString),
        Prim::DateTime => quote!(chrono::DateTime<chrono::Utc>),
        Prim::Date => quote!(chrono::NaiveDate),
        Prim::Uuid => quote!(uuid::Uuid),
        Prim::IpAddr => quote!(std::net::IpAddr),
        Prim::Ipv4Addr => quote!(std::net::Ipv4Addr),
        Prim::Ipv6Addr => quote!(std::net::Ipv6Addr),
    }
}

/// Whether the type's base (under `Option`, `Vec`, `Box`) is a string, so a redacted `Debug` can say more
/// than "redacted".
pub fn is_stringy(t: &Ty) -> bool {
    match t {
        Ty::Prim(Prim::String) => true,
        Ty::Option(i) | Ty::Vec(i) | Ty::Box(i) => is_stringy(i),
        _ => false,
    }
}

/// The `cfg` predicate that holds when any of these modules' features is on; `full` for none (a type that no
/// operation reaches).
pub fn any_feature<'a>(modules: impl IntoIterator<Item = &'a String>) -> TokenStream {
    let features: Vec<&String> = modules.into_iter().collect();
    match features.as_slice() {
        [] => {
            let full = crate::gating::FULL;
            quote!(feature = #full)
        }
        [one] => quote!(feature = #one),
        many => quote!(any(#(feature = #many),*)),
    }
}

/// The `cfg` predicate that holds when all of these features are on (`all()`, always, for none).
pub fn all_features<'a>(features: impl IntoIterator<Item = &'a String>) -> TokenStream {
    let features: Vec<&String> = features.into_iter().collect();
    match features.as_slice() {
        [one] => quote!(feature = #one),
        many => quote!(all(#(feature = #many),*)),
    }
}

/// `#[cfg(..)]` for what compiles with any of these modules (see [`any_feature`]).
pub fn cfg_any<'a>(modules: impl IntoIterator<Item = &'a String>) -> TokenStream {
    let predicate = any_feature(modules);
    quote!(#[cfg(#predicate)])
}
