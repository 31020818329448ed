//! Rust names for OpenAPI names: case conversion, keyword escaping and global de-duplication.
//!
//! Every generated identifier goes through here, so a collision between a schema, an operation-derived type
//! and a parameter is resolved in one place, deterministically (first come, first served, in sorted order).

use std::collections::BTreeSet;

/// Words that cannot be identifiers as they are.
const KEYWORDS: &[&str] = &[
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

/// Makes a string a valid identifier body: ASCII only, not starting with a digit, not empty.
fn sanitize(s: String, empty: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else {
            out.push_str(&format!("U{:X}", c as u32));
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
pub fn is_keyword(ident: &str) -> bool {
    KEYWORDS.contains(&ident)
}

/// A set of names in one scope. `claim` returns the name, or the name with the smallest free numeric suffix.
#[derive(Default, Debug)]
pub struct Namespace {
    taken: BTreeSet<String>,
}

impl Namespace {
    pub fn claim(&mut self, wanted: &str) -> String {
        if self.taken.insert(wanted.to_string()) {
            return wanted.to_string();
        }
        (2..)
            .map(|n| format!("{wanted}{n}"))
            .find(|c| self.taken.insert(c.clone()))
            .expect("an unbounded range always yields a free name")
    }

    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_string());
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
        assert_eq!(snake("é"), "UE9");
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
}
