//! Serde helpers the generated models rely on: open enums, three-state fields, parameter encoding and
//! secret redaction.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// A field the spec declares both optional and nullable: absent, present as `null`, or present with a value.
///
/// `Option<T>` cannot tell the first two apart, and an API that distinguishes them (PATCH semantics, or a
/// field that is omitted when unset but `null` when cleared) needs both.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tristate<T> {
    /// The field was not in the JSON object.
    #[default]
    Absent,
    /// The field was present as `null`.
    Null,
    /// The field was present with a value.
    Value(T),
}

impl<T> Tristate<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Tristate::Absent)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Tristate::Null)
    }

    /// The value, if there is one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Tristate::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Forgets the difference between absent and null.
    pub fn into_option(self) -> Option<T> {
        match self {
            Tristate::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T> From<Option<T>> for Tristate<T> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Tristate::Null, Tristate::Value)
    }
}

impl<T: fmt::Debug> fmt::Debug for Tristate<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tristate::Absent => f.write_str("Absent"),
            Tristate::Null => f.write_str("Null"),
            Tristate::Value(v) => v.fmt(f),
        }
    }
}

impl<T: Serialize> Serialize for Tristate<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // `Absent` is skipped by the field's `skip_serializing_if`; on its own it can only be null.
            Tristate::Absent | Tristate::Null => s.serialize_none(),
            Tristate::Value(v) => v.serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Tristate<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Reached only when the field is present; absence is the `#[serde(default)]`.
        Option::<T>::deserialize(d).map(Tristate::from)
    }
}

/// Reads a string, borrowing it from the input when the input allows.
pub fn de_str<'de, D: Deserializer<'de>>(d: D) -> Result<Cow<'de, str>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v))
        }
    }
    d.deserialize_str(V)
}

/// An object key, borrowed from the input when the input allows.
#[doc(hidden)]
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        de_str(d).map(Key)
    }
}

/// Fills a field's slot with the map's next value, read by `seed` (`PhantomData<T>` reads a plain `T`); a
/// key given twice is an error, as with serde's derive. One call per field keeps the generated decoder small.
#[doc(hidden)]
pub fn fill<'de, S: serde::de::DeserializeSeed<'de>, A: serde::de::MapAccess<'de>>(
    slot: &mut Option<S::Value>,
    map: &mut A,
    wire: &'static str,
    seed: S,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(<A::Error as serde::de::Error>::duplicate_field(wire));
    }
    *slot = Some(map.next_value_seed(seed)?);
    Ok(())
}

/// A required field's value, or serde's "missing field" error.
#[doc(hidden)]
pub fn required<T, E: serde::de::Error>(slot: Option<T>, wire: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(wire))
}

/// `Deserialize` for a generated struct, in place of serde's derive: the same behaviour for what the
/// generator emits (renamed fields, defaults, unknown keys ignored or kept in the flattened map, duplicate
/// and missing fields refused with serde's messages) from about a third of the code, which is most of what
/// `cargo check` spends on a generated crate. Each field is `name = "wire" how`, where `how` is `req`
/// (required), `dflt` (absent: `Default`), or `dfn f` (absent: `f()`), with `num` before the wire name for
/// decimals read as JSON numbers (`crate::decimal::number`). `extra name` collects the other keys.
#[allow(unused_macros)] // Which helpers a crate uses depends on its spec.
macro_rules! impl_deserialize_struct {
    ($name:ident { $($field:ident = $($num:ident)? $wire:literal $how:ident $($default:ident)?,)* } $(extra $extra:ident)?) => {
        impl<'de> serde::Deserialize<'de> for $name {
            // Generic and local names start with `__`: no schema's type name can, so none is shadowed.
            fn deserialize<__D: serde::Deserializer<'de>>(d: __D) -> Result<Self, __D::Error> {
                struct __Visitor;
                impl<'de> serde::de::Visitor<'de> for __Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }
                    fn visit_map<__A: serde::de::MapAccess<'de>>(self, mut map: __A) -> Result<$name, __A::Error> {
                        $(let mut $field = None;)*
                        $(let mut $extra = std::collections::BTreeMap::new();)?
                        while let Some(key) = map.next_key::<$crate::support::Key<'de>>()? {
                            match &*key.0 {
                                $($wire => $crate::support::impl_deserialize_struct!(@fill map $field $wire $($num)?),)*
                                _ => $crate::support::impl_deserialize_struct!(@other map key $($extra)?),
                            }
                        }
                        Ok($name {
                            $($field: $crate::support::impl_deserialize_struct!(@finish $field $wire $how $($default)?),)*
                            $($extra,)?
                        })
                    }
                }
                d.deserialize_map(__Visitor)
            }
        }
    };
    (@fill $map:ident $field:ident $wire:literal) => {
        $crate::support::fill(&mut $field, &mut $map, $wire, std::marker::PhantomData)?
    };
    (@fill $map:ident $field:ident $wire:literal num) => {
        $crate::support::fill(&mut $field, &mut $map, $wire, $crate::decimal::NumberSeed(std::marker::PhantomData))?
    };
    (@other $map:ident $key:ident) => {{ $map.next_value::<serde::de::IgnoredAny>()?; }};
    (@other $map:ident $key:ident $extra:ident) => {{ $extra.insert($key.0.into_owned(), $map.next_value()?); }};
    (@finish $field:ident $wire:literal req) => { $crate::support::required($field, $wire)? };
    (@finish $field:ident $wire:literal dflt) => { $field.unwrap_or_default() };
    (@finish $field:ident $wire:literal dfn $default:ident) => { $field.unwrap_or_else($default) };
}
#[allow(unused_imports)]
pub(crate) use impl_deserialize_struct;

/// The impls of an open string enum (the enum itself is written out in `models.rs`): wire text, parsing
/// with a catch-all `Unknown(String)` that keeps any value the server adds later, and serde.
#[allow(unused_macros)] // Which helpers a crate uses depends on its spec.
macro_rules! impl_open_string_enum {
    ($name:ident { $($variant:ident = $value:literal,)* }) => {
        impl $name {
            /// The documented values.
            pub const KNOWN: &'static [&'static str] = &[$($value),*];

            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(v) => v,
                }
            }

            /// A value the spec did not document when this client was generated (the API adds values within
            /// v1): handle it as "something new", never as an error.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(v: &str) -> Self {
                match v {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::support::de_str(d).map(|v| Self::from(&*v))
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use impl_open_string_enum;

/// The impls of an open integer enum, with a catch-all `Unknown(i64)`.
#[allow(unused_macros)] // Which helpers a crate uses depends on its spec.
macro_rules! impl_open_int_enum {
    ($name:ident { $($variant:ident = $value:literal,)* }) => {
        impl $name {
            /// The value on the wire.
            pub fn value(&self) -> i64 {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(v) => *v,
                }
            }

            /// A value the spec did not document when this client was generated.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                match v {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.value())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.value())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <i64 as serde::Deserialize>::deserialize(d).map(Self::from)
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use impl_open_int_enum;

/// `Deserialize` for a `oneOf` with a discriminator: dispatch on the property's value. The whole object,
/// property included, goes to the chosen variant; an unknown value is kept as JSON in `Unknown`.
#[allow(unused_macros)] // Which helpers a crate uses depends on its spec.
macro_rules! impl_discriminated {
    ($name:ident ($property:literal) { $($variant:ident = [$($value:literal),+],)* }) => {
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                let kept = <$crate::support::Buffered as serde::Deserialize>::deserialize(d)?;
                let v = kept.value().map_err(D::Error::custom)?;
                match v.get($property).and_then(serde_json::Value::as_str) {
                    $(Some($($value)|+) => kept.decode().map(Self::$variant).map_err(D::Error::custom),)*
                    _ => Ok(Self::Unknown(v)),
                }
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use impl_discriminated;

/// A JSON value held for a second look (a union deciding its variant): its own text when the input is JSON
/// text, so a number keeps its digits (decimals are read from them), otherwise the value itself.
#[doc(hidden)]
pub enum Buffered {
    Text(String),
    Value(serde_json::Value),
}

impl Buffered {
    pub fn value(&self) -> Result<serde_json::Value, serde_json::Error> {
        match self {
            Buffered::Text(t) => serde_json::from_str(t),
            Buffered::Value(v) => Ok(v.clone()),
        }
    }

    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        match self {
            Buffered::Text(t) => serde_json::from_str(t),
            Buffered::Value(v) => T::deserialize(v),
        }
    }
}

impl<'de> Deserialize<'de> for Buffered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Buffered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            // serde_json's raw text (its `raw_value` feature): `{"$serde_json::private::RawValue": text}`.
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Buffered, A::Error> {
                match map.next_key::<Cow<'de, str>>()? {
                    Some(k) if k == RAW_VALUE => map.next_value::<String>().map(Buffered::Text),
                    _ => Err(serde::de::Error::custom("a raw JSON value was asked for and a map given")),
                }
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Buffered, D::Error> {
                serde_json::Value::deserialize(d).map(Buffered::Value)
            }
        }
        d.deserialize_newtype_struct(RAW_VALUE, V)
    }
}

/// serde_json's name for a value's raw text (with its `raw_value` feature; without it, the value is read).
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// Text of a scalar parameter value, as it goes into a path, a query or a header.
pub fn param_text<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Null) | Err(_) => String::new(),
        Ok(other) => other.to_string(),
    }
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters pass through).
pub fn path_segment<T: Serialize + ?Sized>(value: &T) -> String {
    let text = param_text(value);
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `Debug` for a secret field: says whether a value is there, never what it is.
pub struct Redacted<'a, T>(pub &'a T);

impl<T: RedactedDebug> fmt::Debug for Redacted<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_redacted(f)
    }
}

/// How a secret-carrying type prints itself without its value.
pub trait RedactedDebug {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl RedactedDebug for String {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"<redacted>\"")
    }
}

impl<T: RedactedDebug> RedactedDebug for Option<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Some(v) => {
                f.write_str("Some(")?;
                v.fmt_redacted(f)?;
                f.write_str(")")
            }
            None => f.write_str("None"),
        }
    }
}

impl<T: RedactedDebug> RedactedDebug for Tristate<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tristate::Value(v) => v.fmt_redacted(f),
            other => other.fmt_unit(f),
        }
    }
}

impl<T> Tristate<T> {
    fn fmt_unit(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_null() { "Null" } else { "Absent" })
    }
}

impl<T: RedactedDebug> RedactedDebug for Vec<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[<{} redacted>]", self.len())
    }
}

impl<T: RedactedDebug> RedactedDebug for Box<T> {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt_redacted(f)
    }
}

/// Replaces the values of secret fields (`crate::SECRET_FIELDS`) in a JSON body before it is shown anywhere,
/// and shortens it. Non-JSON text is only shortened.
pub fn redacted_excerpt(body: &[u8], max: usize) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) => {
            redact_value(&mut v);
            v.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    if text.chars().count() <= max {
        text
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}

fn redact_value(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if crate::SECRET_FIELDS.contains(&k.as_str()) && !val.is_null() {
                    *val = serde_json::Value::String("<redacted>".into());
                } else {
                    redact_value(val);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// A decoder's message without the value it quotes: ``invalid type: integer `8910…`, expected a string``
/// becomes `invalid type: integer, expected a string`. The value may sit at a secret field (a number where
/// an ICCID string belongs), and the message is as useful without it: the path says where, the kinds what.
#[doc(hidden)]
pub fn without_values(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: ", "unknown variant "] {
        let Some(rest) = message.strip_prefix(prefix) else { continue };
        let (what, tail) = rest.rfind(", expected").map_or((rest, ""), |i| rest.split_at(i));
        // The kind comes first (`integer`, `floating point`, `string`, `sequence`); the value after it.
        let kind = what.split(['`', '"']).next().unwrap_or_default().trim();
        let kind = if kind.is_empty() { "value" } else { kind };
        let (prefix, kind) = if prefix == "unknown variant " { ("unknown variant", "") } else { (prefix, kind) };
        return format!("{prefix}{kind}{}", without_found(tail));
    }
    without_found(message)
}

/// Drops what follows ``found `…` `` (how some parsers quote the offending input).
fn without_found(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("found `") {
        out.push_str(&rest[..i + "found".len()]);
        let after = &rest[i + "found `".len()..];
        rest = after.find('`').map_or("", |end| &after[end + 1..]);
    }
    out.push_str(rest);
    out
}

/// Decodes `body` as `T` and re-encodes it: the normalized JSON of a response. Not part of the stable API.
#[doc(hidden)]
#[cfg(feature = "decode")]
pub fn decode_as<T: serde::de::DeserializeOwned + Serialize>(
    operation: &'static str,
    status: u16,
    body: &[u8],
) -> Result<serde_json::Value, crate::error::DecodeError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        crate::error::DecodeError {
            operation,
            status,
            path: if path.is_empty() || path == "?" { ".".into() } else { path },
            message: without_values(&e.into_inner().to_string()),
            excerpt: redacted_excerpt(body, 512),
            request_id: None,
        }
    })?;
    serde_json::to_value(&value).map_err(|e| crate::error::DecodeError {
        operation,
        status,
        path: ".".into(),
        message: format!("cannot re-encode: {e}"),
        excerpt: String::new(),
        request_id: None,
    })
}

/// The error for a status an operation declares no body for. Not part of the stable API.
#[doc(hidden)]
#[cfg(feature = "decode")]
pub fn undeclared(operation: &'static str, status: u16) -> crate::error::DecodeError {
    crate::error::DecodeError {
        operation,
        status,
        path: ".".into(),
        message: format!("{operation} declares no body for status {status}"),
        excerpt: String::new(),
        request_id: None,
    }
}

/// A credential the API shows only once, such as an eSIM activation code (burnt on install). It never
/// prints, and the generated `take_*` method moves it out of its response, so it is handled on purpose.
/// It is neither `Clone` nor `Serialize`: a copy, or a JSON dump of the order, would be a second place the
/// credential lives. `into_inner` hands it over when storing it is the point.
#[derive(Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
#[must_use = "a one-time credential is shown once: store it or hand it to the customer now"]
pub struct OneTimeSecret(String);

impl OneTimeSecret {
    pub fn new(value: impl Into<String>) -> Self {
        OneTimeSecret(value.into())
    }

    /// The credential, for the one place that must use it.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for OneTimeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeSecret(<redacted>)")
    }
}

impl RedactedDebug for OneTimeSecret {
    fn fmt_redacted(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// An event under the `tracing` feature, nothing without it (so no tracing dependency). Events carry
/// operation ids, statuses, reasons and waits: never headers, bodies, tokens or credentials.
#[allow(unused_macros)]
macro_rules! trace_event {
    ($level:ident, $($rest:tt)*) => {
        #[cfg(feature = "tracing")]
        tracing::event!(tracing::Level::$level, $($rest)*);
    };
}
pub(crate) use trace_event;

/// Records a field of the current span under the `tracing` feature.
#[allow(unused_macros)]
macro_rules! trace_record {
    ($field:literal, $value:expr) => {
        #[cfg(feature = "tracing")]
        tracing::Span::current().record($field, $value);
    };
}
pub(crate) use trace_record;
