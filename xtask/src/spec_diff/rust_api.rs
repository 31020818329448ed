//! The public Rust API of a generated crate, as comparable signatures: types, fields, variants, methods,
//! builders' constructors and setters, constants, modules, the `OPERATIONS` table and the cargo features.
//! Both sides are generated in memory and parsed with `syn`; files identical on both sides are skipped.
//!
//! An item's signature ends with the cargo features that compile it (` [cfg: feature = "esim"]`), so an item
//! that moves to another feature is a changed item.

use quote::ToTokens;
use std::collections::{BTreeMap, BTreeSet};

/// Item path (`models::Wallet.amount`, `Client::list_wallets`, `feature esim`) → signature, for the files of
/// `files` that differ from `other` (an identical file has identical items).
pub fn public_items(
    files: &BTreeMap<String, String>,
    other: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut items = BTreeMap::new();
    for (path, text) in files {
        if other.get(path) == Some(text) {
            continue;
        }
        if path == "Cargo.toml" {
            features(text, &mut items)?;
            continue;
        }
        if !path.ends_with(".rs") {
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

/// `feature NAME` → the features it turns on, sorted (`[auth, esim]`), from a generated `Cargo.toml`.
fn features(text: &str, out: &mut BTreeMap<String, String>) -> Result<(), String> {
    let doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("generated Cargo.toml does not parse: {e}"))?;
    let Some(table) = doc.get("features").and_then(|f| f.as_table()) else { return Ok(()) };
    for (name, value) in table {
        let mut on: Vec<String> =
            value.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_string)).collect();
        on.sort();
        out.insert(format!("feature {name}"), format!("[{}]", on.join(", ")));
    }
    Ok(())
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

/// ` [cfg: …]` for the `#[cfg(…)]` attributes among `attrs` (outer first), or nothing.
fn cfg_of<'a>(attrs: impl IntoIterator<Item = &'a syn::Attribute>) -> String {
    let cfgs: Vec<String> = attrs
        .into_iter()
        .filter(|a| a.path().is_ident("cfg"))
        .filter_map(|a| a.meta.require_list().ok().map(|l| text(&l.tokens)))
        .collect();
    if cfgs.is_empty() { String::new() } else { format!(" [cfg: {}]", cfgs.join(" && ")) }
}

/// A parameter as callers see it: its type (a parameter's name is no part of the API: renaming it breaks no
/// caller), or the receiver.
fn input(arg: &syn::FnArg) -> String {
    match arg {
        syn::FnArg::Typed(t) => text(&t.ty),
        receiver => text(receiver),
    }
}

fn collect(module: &str, item: &syn::Item, out: &mut BTreeMap<String, String>) {
    match item {
        syn::Item::Struct(s) if is_pub(&s.vis) => {
            let name = format!("{module}{}", s.ident);
            out.insert(name.clone(), format!("struct{}", cfg_of(&s.attrs)));
            for f in &s.fields {
                if let (Some(i), true) = (&f.ident, is_pub(&f.vis)) {
                    out.insert(format!("{name}.{}", i.to_string().trim_start_matches("r#")), text(&f.ty));
                }
            }
        }
        syn::Item::Enum(e) if is_pub(&e.vis) => {
            let name = format!("{module}{}", e.ident);
            out.insert(name.clone(), format!("enum{}", cfg_of(&e.attrs)));
            for v in &e.variants {
                let fields = if v.fields.is_empty() { String::new() } else { text(&v.fields) };
                out.insert(format!("{name}::{}", v.ident), fields);
            }
        }
        syn::Item::Type(t) if is_pub(&t.vis) => {
            out.insert(format!("{module}{}", t.ident), format!("type = {}{}", text(&t.ty), cfg_of(&t.attrs)));
        }
        syn::Item::Const(c) if is_pub(&c.vis) => {
            let name = format!("{module}{}", c.ident);
            out.insert(name.clone(), format!("const: {}{}", text(&c.ty), cfg_of(&c.attrs)));
            // The operations table: one entry per operation, each behind its module's feature.
            if c.ident == "OPERATIONS"
                && let syn::Expr::Reference(r) = &*c.expr
                && let syn::Expr::Array(a) = &*r.expr
            {
                for e in &a.elems {
                    if let syn::Expr::Path(p) = e {
                        out.insert(format!("{name}[{}]", text(&p.path)), format!("entry{}", cfg_of(&p.attrs)));
                    }
                }
            }
        }
        syn::Item::Static(s) if is_pub(&s.vis) => {
            out.insert(format!("{module}{}", s.ident), format!("static: {}{}", text(&s.ty), cfg_of(&s.attrs)));
        }
        syn::Item::Fn(f) if is_pub(&f.vis) => {
            let inputs: Vec<String> = f.sig.inputs.iter().map(input).collect();
            out.insert(
                format!("{module}{}", f.sig.ident),
                format!("({}) {}{}", inputs.join(", "), text(&f.sig.output), cfg_of(&f.attrs)),
            );
        }
        syn::Item::Mod(m) if is_pub(&m.vis) => {
            out.insert(format!("{module}{}", m.ident), format!("mod{}", cfg_of(&m.attrs)));
            for it in m.content.iter().flat_map(|(_, items)| items) {
                collect(&format!("{module}{}::", m.ident), it, out);
            }
        }
        syn::Item::Impl(i) => {
            let self_ty = text(&i.self_ty);
            for it in &i.items {
                if let syn::ImplItem::Fn(f) = it
                    && is_pub(&f.vis)
                {
                    let inputs: Vec<String> = f.sig.inputs.iter().map(input).collect();
                    let output = text(&f.sig.output);
                    out.insert(
                        format!("{self_ty}::{}", f.sig.ident.to_string().trim_start_matches("r#")),
                        format!("({}) {output}{}", inputs.join(", "), cfg_of(i.attrs.iter().chain(&f.attrs))),
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
    /// The removed items, and the changed ones whose change is not of a kind proven compatible for callers
    /// ([`compatible`]): what breaks code that uses the crate.
    pub breaking: Vec<String>,
}

impl ApiDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
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
    d.breaking = d.removed.clone();
    d.breaking.extend(d.changed.iter().filter(|(k, b, h)| !compatible(k, b, h)).map(|(k, _, _)| k.clone()));
    d.breaking.sort();
    d
}

/// The kinds of change `tests/spec_diff_compiler.rs` shows compile for every caller of the crate: a cargo
/// feature that turns on more than before, and an item compiled under more features than before (the same
/// signature, its `cfg` widened to an `any(..)` of more features, or dropped). Anything else is breaking.
pub fn compatible(item: &str, before: &str, after: &str) -> bool {
    if item.starts_with("feature ") {
        let set = |s: &str| -> BTreeSet<String> {
            s.trim_matches(['[', ']']).split(", ").filter(|x| !x.is_empty()).map(str::to_string).collect()
        };
        return set(after).is_superset(&set(before));
    }
    let split = |s: &str| -> (String, Option<BTreeSet<String>>) {
        match s.split_once(" [cfg: ") {
            Some((sig, cfg)) => (sig.to_string(), features_of(cfg.trim_end_matches(']'))),
            None => (s.to_string(), Some(BTreeSet::new())),
        }
    };
    let ((bs, bf), (hs, hf)) = (split(before), split(after));
    match (bf, hf) {
        // No cfg after: compiled always.
        (_, Some(h)) if h.is_empty() => bs == hs,
        (Some(b), Some(h)) => bs == hs && !b.is_empty() && h.is_superset(&b),
        _ => false,
    }
}

/// The features of a `cfg` that is one `feature = "x"` or an `any(..)` of them; `None` for anything else.
fn features_of(cfg: &str) -> Option<BTreeSet<String>> {
    let inner = cfg.strip_prefix("any (").and_then(|c| c.strip_suffix(')')).unwrap_or(cfg);
    inner
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.strip_prefix("feature = \"").and_then(|p| p.strip_suffix('"')).map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(lib: &str, manifest: &str) -> BTreeMap<String, String> {
        let files =
            BTreeMap::from([("src/lib.rs".to_string(), lib.to_string()), ("Cargo.toml".into(), manifest.into())]);
        public_items(&files, &BTreeMap::new()).unwrap()
    }

    #[test]
    fn features_modules_constants_and_the_operations_table_are_items() {
        let lib = r#"
            #[cfg(feature = "a")]
            pub mod a { pub const GET: u8 = 1; }
            #[cfg(any(feature = "a", feature = "b"))]
            pub struct Thing { pub n: i32 }
            pub const OPERATIONS: &[u8] = &[#[cfg(feature = "a")] a::GET];
        "#;
        let i = items(lib, "[package]\nname = \"x\"\n[features]\nfull = [\"b\", \"a\"]\na = []\n");
        assert_eq!(i["feature full"], "[a, b]");
        assert_eq!(i["a"], r#"mod [cfg: feature = "a"]"#);
        assert_eq!(i["a::GET"], "const: u8");
        assert_eq!(i["OPERATIONS[a::GET]"], r#"entry [cfg: feature = "a"]"#);
        assert_eq!(i["Thing"], r#"struct [cfg: any (feature = "a", feature = "b")]"#);
        assert_eq!(i["Thing.n"], "i32");
    }

    #[test]
    fn only_widening_is_compatible() {
        let (a, ab) = (r#"struct [cfg: feature = "a"]"#, r#"struct [cfg: any (feature = "a", feature = "b")]"#);
        assert!(compatible("Thing", a, ab), "compiled with more features");
        assert!(compatible("Thing", a, "struct"), "compiled always");
        assert!(!compatible("Thing", ab, a), "compiled with fewer features");
        assert!(!compatible("Thing", r#"struct [cfg: feature = "b"]"#, a), "moved to another feature");
        assert!(!compatible("Thing", "struct", a), "now needs a feature");
        assert!(!compatible("Thing.n", "i32", "i64"));
        assert!(compatible("feature full", "[a]", "[a, b]"));
        assert!(!compatible("feature full", "[a, b]", "[a]"));
        let d = compare(
            &BTreeMap::from([("x".into(), a.into()), ("gone".into(), "struct".into())]),
            &BTreeMap::from([("x".into(), ab.into()), ("new".into(), "struct".into())]),
        );
        assert_eq!(
            (d.added, d.removed, d.breaking),
            (vec!["new".to_string()], vec!["gone".to_string()], vec!["gone".to_string()])
        );
    }
}
