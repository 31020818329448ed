//! Exact decimals carried as JSON strings. (Decimals carried as JSON numbers are plain
//! `rust_decimal::Decimal`, decoded exactly from the number's own text, so `14.90` is exactly `14.9`.)

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An exact decimal carried as a JSON string (`type: string, format: decimal`, such as `"0.99"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecimalString(pub rust_decimal::Decimal);

impl Serialize for DecimalString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DecimalString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = crate::support::de_str(d)?;
        exact(s.trim()).map(DecimalString).map_err(serde::de::Error::custom)
    }
}

/// A decimal read exactly from its text (`4.275`, `1.5e-3`), or refused: never rounded. The message quotes
/// no value (it may be read where a secret belongs).
fn exact(text: &str) -> Result<rust_decimal::Decimal, &'static str> {
    let too_long = "a decimal with more significant digits, or a larger exponent, than a decimal holds (28 digits)";
    if !text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')) || text.is_empty() {
        return Err("not a decimal number");
    }
    if significant_digits(text) > 28 {
        return Err(too_long);
    }
    let parsed = if text.contains(['e', 'E']) {
        rust_decimal::Decimal::from_scientific(text)
    } else {
        rust_decimal::Decimal::from_str_exact(text)
    };
    parsed.map_err(|_| too_long)
}

/// The significant digits of a number's text: its mantissa without leading or trailing zeros.
fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or_default();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').trim_end_matches('0').len()
}

impl std::ops::Deref for DecimalString {
    type Target = rust_decimal::Decimal;
    fn deref(&self) -> &rust_decimal::Decimal {
        &self.0
    }
}

/// Decimals carried as JSON numbers, chosen per field (`#[serde(with = "crate::decimal::number")]`) rather
/// than by a rust_decimal cargo feature, which would change how every `Decimal` of the caller's build is
/// encoded. Written as the shortest number text that reads back exactly (`4.275`); read from a number's
/// own text (never through an `f64`: `0.10000000000000001` stays itself), or from a string, so `14.90` is exactly `14.9`. Works through `Option`,
/// `Tristate`, `Vec`, `Box` and string-keyed maps.
pub mod number {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    /// One decimal on the wire, as a JSON number.
    pub struct Wire(Decimal);

    impl Serialize for Wire {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            // As a float (`50.0`, `4.275`): what the API's examples show, and what earlier versions sent.
            let d = self.0.normalize();
            let f: f64 = d.to_string().parse().map_err(serde::ser::Error::custom)?;
            // Only a float whose shortest text is the decimal's own is exact on the wire.
            if f.is_finite() && f.to_string().parse::<Decimal>().ok() == Some(d) {
                s.serialize_f64(f)
            } else {
                Err(serde::ser::Error::custom(format_args!("{d} cannot be written as an exact JSON number")))
            }
        }
    }

    /// The name under which serde_json (with its `raw_value` feature, which adds a type and changes nothing
    /// else) hands over a value's own text: a number's digits, not an `f64` rounding of them.
    const RAW: &str = "$serde_json::private::RawValue";

    impl<'de> Deserialize<'de> for Wire {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_newtype_struct(RAW, Visitor)
        }
    }

    struct Visitor;

    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Wire;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a decimal number")
        }
        /// serde_json's raw text: `{RAW: "<the number's text>"}`.
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Wire, A::Error> {
            use serde::de::Error;
            match map.next_key::<std::borrow::Cow<'de, str>>()? {
                Some(key) if key == RAW => {}
                _ => return Err(A::Error::custom("invalid type: map, expected a decimal number")),
            }
            let text: std::borrow::Cow<'de, str> = map.next_value()?;
            let text = text.trim();
            match text.as_bytes().first() {
                Some(b'"') => {
                    let inner: String = serde_json::from_str(text).map_err(|_| A::Error::custom("invalid string"))?;
                    super::exact(inner.trim()).map(Wire).map_err(A::Error::custom)
                }
                Some(b'{') => Err(A::Error::custom("invalid type: map, expected a decimal number")),
                Some(b'[') => Err(A::Error::custom("invalid type: sequence, expected a decimal number")),
                Some(b't' | b'f') => Err(A::Error::custom("invalid type: boolean, expected a decimal number")),
                Some(b'n') => Err(A::Error::custom("invalid type: null, expected a decimal number")),
                // A number's trailing zeros are not part of its value on the wire (`4.50` is `4.5`).
                _ => super::exact(text).map(|d| Wire(d.normalize())).map_err(A::Error::custom),
            }
        }
        /// A deserializer without raw text (a buffered value): read what it holds.
        fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Wire, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Wire, E> {
            Ok(Wire(Decimal::from(v)))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Wire, E> {
            Ok(Wire(Decimal::from(v)))
        }
        /// Only a value that was buffered as a float gets here (a `serde_json::Value`, an untagged union):
        /// its text is gone. Its shortest round-trip text is the server's when the server wrote at most 15
        /// significant digits; longer, and the float may have rounded them, so it is refused, not guessed.
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Wire, E> {
            let text = v.to_string();
            if !v.is_finite() || super::significant_digits(&text) > 15 {
                return Err(E::custom(
                    "a decimal with more digits than a float holds exactly, read where its text was not kept",
                ));
            }
            super::exact(&text).map(|d| Wire(d.normalize())).map_err(E::custom)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Wire, E> {
            super::exact(v.trim()).map(Wire).map_err(E::custom)
        }
    }

    /// A field shape that holds decimals, mapped to and from its wire form.
    pub trait Numbers: Sized {
        type Wire: Serialize + for<'de> Deserialize<'de>;
        fn to_wire(&self) -> Self::Wire;
        fn from_wire(w: Self::Wire) -> Self;
    }

    impl Numbers for Decimal {
        type Wire = Wire;
        fn to_wire(&self) -> Wire {
            Wire(*self)
        }
        fn from_wire(w: Wire) -> Self {
            w.0
        }
    }

    impl<T: Numbers> Numbers for Option<T> {
        type Wire = Option<T::Wire>;
        fn to_wire(&self) -> Self::Wire {
            self.as_ref().map(T::to_wire)
        }
        fn from_wire(w: Self::Wire) -> Self {
            w.map(T::from_wire)
        }
    }

    impl<T: Numbers> Numbers for Box<T> {
        type Wire = T::Wire;
        fn to_wire(&self) -> Self::Wire {
            (**self).to_wire()
        }
        fn from_wire(w: Self::Wire) -> Self {
            Box::new(T::from_wire(w))
        }
    }

    impl<T: Numbers> Numbers for Vec<T> {
        type Wire = Vec<T::Wire>;
        fn to_wire(&self) -> Self::Wire {
            self.iter().map(T::to_wire).collect()
        }
        fn from_wire(w: Self::Wire) -> Self {
            w.into_iter().map(T::from_wire).collect()
        }
    }

    impl<T: Numbers> Numbers for BTreeMap<String, T> {
        type Wire = BTreeMap<String, T::Wire>;
        fn to_wire(&self) -> Self::Wire {
            self.iter().map(|(k, v)| (k.clone(), v.to_wire())).collect()
        }
        fn from_wire(w: Self::Wire) -> Self {
            w.into_iter().map(|(k, v)| (k, T::from_wire(v))).collect()
        }
    }

    impl<T: Numbers> Numbers for crate::support::Tristate<T> {
        type Wire = crate::support::Tristate<T::Wire>;
        fn to_wire(&self) -> Self::Wire {
            match self {
                crate::support::Tristate::Absent => crate::support::Tristate::Absent,
                crate::support::Tristate::Null => crate::support::Tristate::Null,
                crate::support::Tristate::Value(v) => crate::support::Tristate::Value(v.to_wire()),
            }
        }
        fn from_wire(w: Self::Wire) -> Self {
            match w {
                crate::support::Tristate::Absent => crate::support::Tristate::Absent,
                crate::support::Tristate::Null => crate::support::Tristate::Null,
                crate::support::Tristate::Value(v) => crate::support::Tristate::Value(T::from_wire(v)),
            }
        }
    }

    pub fn serialize<T: Numbers, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.to_wire().serialize(s)
    }

    pub fn deserialize<'de, T: Numbers, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        T::Wire::deserialize(d).map(T::from_wire)
    }
}

/// `number::deserialize` as a seed, for the generated structs' `Deserialize` (`support::impl_deserialize_struct`).
#[doc(hidden)]
pub struct NumberSeed<T>(pub std::marker::PhantomData<T>);

impl<'de, T: number::Numbers> serde::de::DeserializeSeed<'de> for NumberSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        number::deserialize(d)
    }
}
