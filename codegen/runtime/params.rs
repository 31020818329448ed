//! Parameter serialization: OpenAPI's `style` and `explode` for path, query, header and cookie parameters,
//! percent-encoded by RFC 3986. The generated methods call one function per parameter, chosen by the spec;
//! a value is read through serde (field order kept), so any generated type serializes the way it travels
//! as JSON. `null` (an absent optional) and an empty array or object (undefined in RFC 6570) send nothing.
//!
//! Query and cookie text is percent-encoded byte by byte: only RFC 3986's unreserved characters
//! (`A-Z a-z 0-9 - . _ ~`) pass, so no name or value can add a parameter, a cookie or a header. With
//! `allowReserved` the reserved characters other than `& = + #` and existing `%XX` triples pass too (those
//! four would change how the query is split or end it). Header values are sent as they are; a value that
//! cannot be a header (a line break) makes the call fail with `Error::InvalidRequest`, naming no value.

use serde::Serialize;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A parameter value as its style sees it: ordered like the JSON it serializes to.
enum Node {
    Null,
    /// A string.
    Scalar(String),
    /// A number or a boolean, as JSON writes it.
    Literal(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    fn of<T: Serialize + ?Sized>(value: &T) -> Node {
        // Through JSON text rather than `serde_json::Value`, whose map sorts keys unless serde_json's
        // `preserve_order` is on: an object's properties travel in their declared order.
        serde_json::to_string(value).ok().and_then(|text| serde_json::from_str(&text).ok()).unwrap_or(Node::Null)
    }

    /// Nothing to send: `null`, or an empty array or object.
    fn is_undefined(&self) -> bool {
        match self {
            Node::Null => true,
            Node::List(items) => items.is_empty(),
            Node::Map(entries) => entries.is_empty(),
            Node::Scalar(_) | Node::Literal(_) => false,
        }
    }

    /// The text of a value inside a list or an object: scalars as they are, anything deeper as JSON.
    fn text(&self) -> String {
        match self {
            Node::Null => String::new(),
            Node::Scalar(s) | Node::Literal(s) => s.clone(),
            Node::List(_) | Node::Map(_) => self.json(),
        }
    }

    fn json(&self) -> String {
        match self {
            Node::Null => "null".into(),
            Node::Scalar(s) => serde_json::to_string(s).unwrap_or_default(),
            Node::Literal(s) => s.clone(),
            Node::List(items) => format!("[{}]", items.iter().map(Node::json).collect::<Vec<_>>().join(",")),
            Node::Map(entries) => {
                let fields: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap_or_default(), v.json()))
                    .collect();
                format!("{{{}}}", fields.join(","))
            }
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Literal(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Literal(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Literal(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                // As serde_json writes it (`1.0`, `1e300`), so a float reads back the same.
                Ok(Node::Literal(serde_json::Number::from_f64(v).map(|n| n.to_string()).unwrap_or_default()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Scalar(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::Scalar(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Node>()? {
                    items.push(item);
                }
                Ok(Node::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Node>()? {
                    entries.push((k, v));
                }
                Ok(Node::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// Characters that pass unencoded: RFC 3986's unreserved set, and with `reserved` its reserved set except
/// `& = + #` (a query's own delimiters, and the fragment's start).
fn encode_into(out: &mut String, text: &str, reserved: bool) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let pass = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (reserved
                && matches!(
                    b,
                    b':' | b'/' | b'?' | b'[' | b']' | b'@' | b'!' | b'$' | b'\'' | b'(' | b')' | b'*' | b',' | b';'
                ));
        let triple = reserved
            && b == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if pass || triple {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
        i += 1;
    }
}

fn encode(text: &str, reserved: bool) -> String {
    let mut out = String::with_capacity(text.len());
    encode_into(&mut out, text, reserved);
    out
}

/// Appends `name=value` (both as given, already encoded) to a query string.
fn pair(out: &mut String, name: &str, value: &str) {
    if !out.is_empty() {
        out.push('&');
    }
    out.push_str(name);
    out.push('=');
    out.push_str(value);
}

/// The items of a list, or the keys and values of an object, each encoded, joined by `delimiter`.
fn joined(node: &Node, delimiter: &str, reserved: bool) -> String {
    let parts: Vec<String> = match node {
        Node::List(items) => {
            items.iter().filter(|i| !matches!(i, Node::Null)).map(|i| encode(&i.text(), reserved)).collect()
        }
        Node::Map(entries) => entries
            .iter()
            .filter(|(_, v)| !matches!(v, Node::Null))
            .flat_map(|(k, v)| [encode(k, reserved), encode(&v.text(), reserved)])
            .collect(),
        other => vec![encode(&other.text(), reserved)],
    };
    parts.join(delimiter)
}

/// The path with its query string, if any (after the template's own, for a template such as
/// `/search?query={query}`).
pub fn with_query(path: &str, query: &str) -> String {
    match (query.is_empty(), path.contains('?')) {
        (true, _) => path.to_string(),
        (false, false) => format!("{path}?{query}"),
        (false, true) => format!("{path}&{query}"),
    }
}

/// A value as JSON text, for a parameter described by `content: application/json`; `None` for `null`.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    match Node::of(value) {
        Node::Null => None,
        node => Some(node.json()),
    }
}

/// `style: form` query parameter. Exploded: `a=1&a=2`, an object's properties each their own key
/// (`R=100&G=200`); not exploded: `a=1,2`, `color=R,100,G,200`.
pub fn form<T: Serialize + ?Sized>(out: &mut String, name: &str, value: &T, explode: bool, reserved: bool) {
    let node = Node::of(value);
    if node.is_undefined() {
        return;
    }
    let key = encode(name, false);
    match (&node, explode) {
        (Node::List(items), true) => {
            for item in items.iter().filter(|i| !matches!(i, Node::Null)) {
                pair(out, &key, &encode(&item.text(), reserved));
            }
        }
        (Node::Map(entries), true) => {
            for (k, v) in entries.iter().filter(|(_, v)| !matches!(v, Node::Null)) {
                pair(out, &encode(k, false), &encode(&v.text(), reserved));
            }
        }
        _ => pair(out, &key, &joined(&node, ",", reserved)),
    }
}

/// `style: spaceDelimited` (`delimiter` `%20`) or `pipeDelimited` (`%7C`): `a=1%202`; exploded, as `form`.
pub fn delimited<T: Serialize + ?Sized>(
    out: &mut String,
    name: &str,
    value: &T,
    delimiter: &str,
    explode: bool,
    reserved: bool,
) {
    if explode {
        return form(out, name, value, true, reserved);
    }
    let node = Node::of(value);
    if !node.is_undefined() {
        pair(out, &encode(name, false), &joined(&node, delimiter, reserved));
    }
}

/// `style: deepObject`: `name[key]=value`, nested objects `name[a][b]=v`, arrays of scalars `name[key][]=v`
/// (Rails' and Stripe's form, so `expand[]=a&expand[]=b` for a top-level array), arrays of objects indexed
/// (`name[items][0][price]=v`). A scalar is sent as `name=value`.
pub fn deep_object<T: Serialize + ?Sized>(out: &mut String, name: &str, value: &T, reserved: bool) {
    let node = Node::of(value);
    if !node.is_undefined() {
        deep(out, &encode(name, false), &node, reserved);
    }
}

fn deep(out: &mut String, key: &str, node: &Node, reserved: bool) {
    match node {
        Node::Null => {}
        Node::Scalar(s) | Node::Literal(s) => pair(out, key, &encode(s, reserved)),
        Node::Map(entries) => {
            for (k, v) in entries {
                deep(out, &format!("{key}[{}]", encode(k, false)), v, reserved);
            }
        }
        Node::List(items) => {
            let flat = items.iter().all(|i| matches!(i, Node::Null | Node::Scalar(_) | Node::Literal(_)));
            for (i, item) in items.iter().enumerate() {
                if flat {
                    deep(out, &format!("{key}[]"), item, reserved);
                } else {
                    deep(out, &format!("{key}[{i}]"), item, reserved);
                }
            }
        }
    }
}

/// `style: simple` path parameter, percent-encoded: `blue`, `blue,black`, `R,100,G,200`; exploded objects
/// `R=100,G=200`.
pub fn simple<T: Serialize + ?Sized>(value: &T, explode: bool) -> String {
    let node = Node::of(value);
    match (&node, explode) {
        (Node::Map(entries), true) => assigned(entries, "", ","),
        (Node::Null, _) => String::new(),
        _ => joined(&node, ",", false),
    }
}

/// An object's properties as `k=v`, each after `lead` (`;` for `matrix`) or between `separator`s.
fn assigned(entries: &[(String, Node)], lead: &str, separator: &str) -> String {
    entries
        .iter()
        .filter(|(_, v)| !matches!(v, Node::Null))
        .map(|(k, v)| format!("{lead}{}={}", encode(k, false), encode(&v.text(), false)))
        .collect::<Vec<_>>()
        .join(separator)
}

/// `style: label` path parameter: `.blue`, `.blue,black` (exploded `.blue.black`), `.R,100,G,200`
/// (exploded `.R=100.G=200`).
pub fn label<T: Serialize + ?Sized>(value: &T, explode: bool) -> String {
    let node = Node::of(value);
    if node.is_undefined() {
        return String::new();
    }
    let body = match (&node, explode) {
        (Node::List(_), true) => joined(&node, ".", false),
        (Node::Map(entries), true) => assigned(entries, "", "."),
        _ => joined(&node, ",", false),
    };
    format!(".{body}")
}

/// `style: matrix` path parameter: `;color=blue`, `;color=blue,black` (exploded `;color=blue;color=black`),
/// `;color=R,100,G,200` (exploded `;R=100;G=200`).
pub fn matrix<T: Serialize + ?Sized>(name: &str, value: &T, explode: bool) -> String {
    let node = Node::of(value);
    if node.is_undefined() {
        return String::new();
    }
    let key = encode(name, false);
    match (&node, explode) {
        (Node::List(items), true) => items
            .iter()
            .filter(|i| !matches!(i, Node::Null))
            .map(|i| format!(";{key}={}", encode(&i.text(), false)))
            .collect(),
        (Node::Map(entries), true) => assigned(entries, ";", ""),
        (Node::Scalar(s), _) if s.is_empty() => format!(";{key}"),
        _ => format!(";{key}={}", joined(&node, ",", false)),
    }
}

/// `style: simple` header value, not percent-encoded: `blue,black`, `R,100,G,200`, exploded objects
/// `R=100,G=200`. `None` when there is nothing to send.
pub fn header<T: Serialize + ?Sized>(value: &T, explode: bool) -> Option<String> {
    let node = Node::of(value);
    if node.is_undefined() {
        return None;
    }
    let text = |n: &Node| n.text();
    Some(match node {
        Node::List(items) => items.iter().filter(|i| !matches!(i, Node::Null)).map(text).collect::<Vec<_>>().join(","),
        Node::Map(entries) => entries
            .iter()
            .filter(|(_, v)| !matches!(v, Node::Null))
            .map(|(k, v)| if explode { format!("{k}={}", v.text()) } else { format!("{k},{}", v.text()) })
            .collect::<Vec<_>>()
            .join(","),
        other => other.text(),
    })
}

/// A cookie parameter (`style: form`), appended to the one `Cookie` header's text as `name=value`, pairs
/// separated by `; `. Names and values are percent-encoded, so a `;` or `=` in either stays inside it.
/// Exploded: an array repeats the name, an object's properties are cookies of their own; not exploded:
/// `name=a,b`.
pub fn cookie<T: Serialize + ?Sized>(out: &mut String, name: &str, value: &T, explode: bool) {
    let node = Node::of(value);
    if node.is_undefined() {
        return;
    }
    let mut push = |k: &str, v: &str| {
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    };
    let key = encode(name, false);
    match (&node, explode) {
        (Node::List(items), true) => {
            for item in items.iter().filter(|i| !matches!(i, Node::Null)) {
                push(&key, &encode(&item.text(), false));
            }
        }
        (Node::Map(entries), true) => {
            for (k, v) in entries.iter().filter(|(_, v)| !matches!(v, Node::Null)) {
                push(&encode(k, false), &encode(&v.text(), false));
            }
        }
        _ => push(&key, &joined(&node, ",", false)),
    }
}
