//! The public Rust API of a generated crate, as comparable signatures: types, fields, variants, methods.
//! Both sides are generated in memory and parsed with `syn`; files identical on both sides are skipped.

use quote::ToTokens;
use std::collections::BTreeMap;

/// Item path (`models::Wallet.amount`, `Client::list_wallets`) → signature, for the files of `files` that
/// differ from `other` (an identical file has identical items).
pub fn public_items(
    files: &BTreeMap<String, String>,
    other: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut items = BTreeMap::new();
    for (path, text) in files {
        if !path.ends_with(".rs") || other.get(path) == Some(text) {
            continue;
        }
        let module = path.trim_start_matches("src/").trim_end_matches(".rs").replace("/mod", "").replace('/', "::");
        let module = if module == "lib" { String::new() } else { format!("{module}::") };
        let file = syn::parse_file(text).map_err(|e| format!("generated {path} does not parse: {e}"))?;
        for item in &file.items {
            collect(&module, item, &mut items);
        }
    }
    Ok(items)
}

fn is_pub(v: &syn::Visibility) -> bool {
    matches!(v, syn::Visibility::Public(_))
}

fn text<T: ToTokens>(t: &T) -> String {
    let raw = t.to_token_stream().to_string();
    raw.replace(" < ", "<")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" :: ", "::")
        .replace(" ,", ",")
        .replace("& ", "&")
}

fn collect(module: &str, item: &syn::Item, out: &mut BTreeMap<String, String>) {
    match item {
        syn::Item::Struct(s) if is_pub(&s.vis) => {
            let name = format!("{module}{}", s.ident);
            out.insert(name.clone(), "struct".into());
            for f in &s.fields {
                if let (Some(i), true) = (&f.ident, is_pub(&f.vis)) {
                    out.insert(format!("{name}.{}", i.to_string().trim_start_matches("r#")), text(&f.ty));
                }
            }
        }
        syn::Item::Enum(e) if is_pub(&e.vis) => {
            let name = format!("{module}{}", e.ident);
            out.insert(name.clone(), "enum".into());
            for v in &e.variants {
                let fields = if v.fields.is_empty() { String::new() } else { text(&v.fields) };
                out.insert(format!("{name}::{}", v.ident), fields);
            }
        }
        syn::Item::Type(t) if is_pub(&t.vis) => {
            out.insert(format!("{module}{}", t.ident), format!("type = {}", text(&t.ty)));
        }
        syn::Item::Impl(i) => {
            let self_ty = text(&i.self_ty);
            for it in &i.items {
                if let syn::ImplItem::Fn(f) = it
                    && is_pub(&f.vis)
                {
                    let inputs: Vec<String> = f.sig.inputs.iter().map(text).collect();
                    let output = text(&f.sig.output);
                    out.insert(
                        format!("{self_ty}::{}", f.sig.ident.to_string().trim_start_matches("r#")),
                        format!("({}) {output}", inputs.join(", ")),
                    );
                }
            }
        }
        _ => {}
    }
}

/// Added, removed and changed items between two item maps.
#[derive(Debug, Default)]
pub struct ApiDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// (item, before, after)
    pub changed: Vec<(String, String, String)>,
}

pub fn compare(base: &BTreeMap<String, String>, head: &BTreeMap<String, String>) -> ApiDiff {
    let mut d = ApiDiff::default();
    for (k, v) in base {
        match head.get(k) {
            None => d.removed.push(k.clone()),
            Some(h) if h != v => d.changed.push((k.clone(), v.clone(), h.clone())),
            _ => {}
        }
    }
    d.added = head.keys().filter(|k| !base.contains_key(*k)).cloned().collect();
    d
}
