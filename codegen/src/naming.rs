//! Rust names for OpenAPI names: case conversion, keyword escaping and global de-duplication.
//!
//! Every generated identifier goes through here, so a collision between a schema, an operation-derived type
//! and a parameter is resolved in one place, deterministically (first come, first served, in sorted order).

use std::collections::BTreeSet;

/// Words that cannot be identifiers as they are.
pub const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Keywords that `r#` cannot escape.
const UNRAWABLE: &[&str] = &["crate", "self", "Self", "super"];

/// Splits a name into lower-case words at case changes, digits boundaries and any non-alphanumeric character.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        // Boundaries are judged on the original characters (`cur` is already lower case).
        if !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = ((prev.is_lowercase() || prev.is_ascii_digit()) && c.is_uppercase())
                || (prev.is_uppercase() && c.is_uppercase() && next_lower);
            if boundary {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `list_voucher_products` → `ListVoucherProducts`. Non-ASCII letters are transliterated to `U{hex}`.
pub fn pascal(name: &str) -> String {
    let mut s = String::new();
    for w in words(name) {
        let mut cs = w.chars();
        if let Some(f) = cs.next() {
            s.extend(f.to_uppercase());
            s.push_str(cs.as_str());
        }
    }
    sanitize(s, "Type")
}

/// `listVoucherProducts` → `list_voucher_products`.
pub fn snake(name: &str) -> String {
    sanitize(words(name).join("_"), "value")
}

/// Makes a string a valid identifier body: ASCII only, not starting with a digit, not empty. Other
/// characters are spelled as their code point, in the case the identifier's kind wants (`U65E5` in a type
/// name, `u65e5` in a snake-case one, so no case lint fires).
fn sanitize(s: String, empty: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if empty == "Type" {
            out.push_str(&format!("U{:X}", c as u32));
        } else {
            out.push_str(&format!("u{:x}", c as u32));
        }
    }
    if out.is_empty() {
        out.push_str(empty);
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, if empty == "Type" { 'V' } else { '_' });
    }
    out
}

/// The identifier as it must be written in source: `r#type`, or `self_` where `r#` is not allowed.
pub fn escape(ident: &str) -> String {
    if UNRAWABLE.contains(&ident) {
        format!("{ident}_")
    } else if KEYWORDS.contains(&ident) {
        format!("r#{ident}")
    } else {
        ident.to_string()
    }
}

/// Whether `ident` would need escaping.
/// The generated crate's own cargo features, which no operations module's feature may be named (names with
/// a dash cannot be a module's).
pub const CRATE_FEATURES: &[&str] = &["default", "full", "rustls", "tracing", "decode", "cache"];

pub fn is_keyword(ident: &str) -> bool {
    KEYWORDS.contains(&ident)
}

/// Type names the emitted code writes without a path: the prelude's types, traits and variants, and what
/// the runtime's macros expand to inside `models.rs`. A schema may not take one, or its type would shadow
/// the prelude's there; `generated_code_names_only_reserved_or_its_own_types` (codegen's golden test) parses
/// the generated crates and fails when emitted code writes another bare name.
pub const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Vec",
    "String",
    "Box",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "Default",
    "Debug",
    "Display",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Hash",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Into",
    "TryFrom",
    "TryInto",
    "AsRef",
    "AsMut",
    "Iterator",
    "IntoIterator",
    "Extend",
    "FromIterator",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "Future",
    "IntoFuture",
    "Self",
];

/// Type names a schema must not take: every public type and trait the runtime defines (`Client`, `Error`,
/// `ServiceError`, ...), read from the runtime's source, so no two public types of a generated crate share a
/// name.
pub fn reserved_types() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| runtime_names(crate::emit::RUNTIME_SOURCES.iter().copied(), "Client").0)
}

/// Names an operation method must not take: every method the runtime defines on `Client` (read from the
/// runtime's own source, so the list cannot drift from it), and the methods of the traits `Client` derives.
pub fn reserved_methods() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<String> = ["clone", "clone_from", "fmt", "to_owned", "into", "from", "type_id", "borrow"]
            .iter()
            .map(|s| s.to_string())
            .chain(runtime_names(crate::emit::RUNTIME_SOURCES.iter().copied(), "Client").1)
            .collect();
        names.sort();
        names.dedup();
        names
    })
}

/// The methods the runtime defines on `ClientBuilder` (read from its source as [`reserved_methods`] reads
/// `Client`'s): names a security scheme's setter must not take.
pub fn runtime_builder_methods() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| runtime_names(crate::emit::RUNTIME_SOURCES.iter().copied(), "ClientBuilder").1)
}

/// The public types (structs, enums, traits, type aliases) at the top level of the runtime's files, and the
/// methods of their inherent `impl {owner}` blocks, both sorted. A scan of the lines, not a parse: the runtime is
/// our own rustfmt-formatted source (top-level items at column 0, an impl's methods indented four spaces), and
/// parsing its 260 KB with `syn` twice cost every generation 30 ms. `tests::the_line_scan_finds_what_syn_finds`
/// holds the scan to what `syn` reads.
fn runtime_names<'a>(sources: impl Iterator<Item = &'a str>, owner: &str) -> (Vec<String>, Vec<String>) {
    let opening = format!("impl {owner} {{");
    let ident = |rest: &str| -> Option<String> {
        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        (!name.is_empty()).then_some(name)
    };
    let mut types = Vec::new();
    let mut methods = Vec::new();
    for source in sources {
        let mut in_client = false;
        for line in source.lines() {
            if in_client {
                if line.starts_with('}') {
                    in_client = false;
                } else if let Some(sig) = line.strip_prefix("    ").filter(|l| !l.starts_with(' ')) {
                    let mut rest = sig;
                    if let Some(r) = rest.strip_prefix("pub") {
                        rest = r.strip_prefix(' ').or_else(|| r.split_once(") ").map(|(_, r)| r)).unwrap_or(rest);
                    }
                    for qualifier in ["const ", "async ", "unsafe "] {
                        rest = rest.strip_prefix(qualifier).unwrap_or(rest);
                    }
                    methods.extend(rest.strip_prefix("fn ").and_then(ident));
                }
                continue;
            }
            if line.starts_with(&opening) {
                in_client = true;
                continue;
            }
            let Some(rest) = line.strip_prefix("pub ") else { continue };
            for kind in ["struct ", "enum ", "trait ", "type "] {
                if let Some(name) = rest.strip_prefix(kind).and_then(ident) {
                    types.push(name);
                }
            }
        }
    }
    for list in [&mut types, &mut methods] {
        list.sort();
        list.dedup();
    }
    (types, methods)
}

/// Why a name was not given as wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// The scope reserves it (the prelude, the runtime's methods).
    Reserved,
    /// Another name of the scope converts to the same identifier, and came first.
    Collision,
}

/// A set of names in one scope. `claim` returns the name, or the name with the smallest free numeric suffix:
/// first come, first served, in the (sorted) order names are claimed, so renames are deterministic.
#[derive(Default, Debug)]
pub struct Namespace {
    taken: BTreeSet<String>,
    reserved: BTreeSet<String>,
}

impl Namespace {
    /// A scope in which `reserved` names are never handed out.
    pub fn with_reserved<'a>(reserved: impl IntoIterator<Item = &'a str>) -> Namespace {
        let mut ns = Namespace::default();
        for r in reserved {
            ns.reserve(r);
        }
        ns
    }

    pub fn claim(&mut self, wanted: &str) -> String {
        self.claim_noting(wanted).0
    }

    /// The name given, and why it is not `wanted` when it is not (for a warning naming the pointer).
    pub fn claim_noting(&mut self, wanted: &str) -> (String, Option<Taken>) {
        if self.taken.insert(wanted.to_string()) {
            return (wanted.to_string(), None);
        }
        let why = if self.reserved.contains(wanted) { Taken::Reserved } else { Taken::Collision };
        let name = (2..)
            .map(|n| format!("{wanted}{n}"))
            .find(|c| self.taken.insert(c.clone()))
            .expect("an unbounded range always yields a free name");
        (name, Some(why))
    }

    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
        self.reserved.insert(name.to_string());
    }
}

/// The warning for a rename: what was wanted, what was given, and why.
pub fn rename_note(what: &str, wanted: &str, given: &str, why: Taken) -> String {
    match why {
        Taken::Reserved => format!(
            "{what} `{wanted}` is generated as `{given}`: `{wanted}` is reserved (a name the generated code uses)"
        ),
        Taken::Collision => format!(
            "{what} `{wanted}` is generated as `{given}`: another name of the same scope already converts to `{wanted}`"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_conversion() {
        assert_eq!(pascal("list_voucher_products"), "ListVoucherProducts");
        assert_eq!(pascal("HTTPServer"), "HttpServer");
        assert_eq!(pascal("order.delivered"), "OrderDelivered");
        assert_eq!(pascal("Code with PIN"), "CodeWithPin");
        assert_eq!(pascal("2fa"), "V2fa");
        assert_eq!(pascal(""), "Type");
        assert_eq!(snake("listVoucherProducts"), "list_voucher_products");
        assert_eq!(snake("X-Request-Id"), "x_request_id");
        assert_eq!(snake("ipv4Address"), "ipv4_address");
        assert_eq!(snake("é"), "ue9");
        assert_eq!(pascal("日本"), "U65E5U672C");
        assert_eq!(snake("fooBar"), snake("FOO-BAR"));
    }

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(escape("type"), "r#type");
        assert_eq!(escape("self"), "self_");
        assert_eq!(escape("name"), "name");
    }

    #[test]
    fn namespace_suffixes_collisions() {
        let mut ns = Namespace::default();
        assert_eq!(ns.claim("Pet"), "Pet");
        assert_eq!(ns.claim("Pet"), "Pet2");
        assert_eq!(ns.claim("Pet"), "Pet3");
    }

    #[test]
    fn the_line_scan_finds_what_syn_finds() {
        for owner in ["Client", "ClientBuilder"] {
            let mut types = Vec::new();
            let mut methods = Vec::new();
            for source in crate::emit::RUNTIME_SOURCES {
                let file = syn::parse_file(source).expect("the runtime parses");
                for item in file.items {
                    let public = |v: &syn::Visibility| matches!(v, syn::Visibility::Public(_));
                    match &item {
                        syn::Item::Struct(i) if public(&i.vis) => types.push(i.ident.to_string()),
                        syn::Item::Enum(i) if public(&i.vis) => types.push(i.ident.to_string()),
                        syn::Item::Trait(i) if public(&i.vis) => types.push(i.ident.to_string()),
                        syn::Item::Type(i) if public(&i.vis) => types.push(i.ident.to_string()),
                        syn::Item::Impl(imp) if imp.trait_.is_none() => {
                            let syn::Type::Path(p) = &*imp.self_ty else { continue };
                            if p.path.segments.last().is_some_and(|s| s.ident == owner) {
                                for it in &imp.items {
                                    if let syn::ImplItem::Fn(f) = it {
                                        methods.push(f.sig.ident.to_string());
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            for list in [&mut types, &mut methods] {
                list.sort();
                list.dedup();
            }
            assert!(methods.len() > 10 && types.len() > 20, "{owner}: {methods:?} {types:?}");
            assert_eq!(runtime_names(crate::emit::RUNTIME_SOURCES.iter().copied(), owner), (types, methods), "{owner}");
        }
    }
}
