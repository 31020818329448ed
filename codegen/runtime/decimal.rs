//! Exact decimals carried as JSON strings. (Decimals carried as JSON numbers are plain
//! `rust_decimal::Decimal`, decoded from the number's shortest round-trip text, so `14.90` is exactly `14.9`.)

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
        s.parse().map(DecimalString).map_err(|e| serde::de::Error::custom(format_args!("invalid decimal `{s}`: {e}")))
    }
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
/// shortest round-trip text, or from a string, so `14.90` is exactly `14.9`. Works through `Option`,
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

    impl<'de> Deserialize<'de> for Wire {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visitor;
            impl serde::de::Visitor<'_> for Visitor {
                type Value = Wire;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a decimal number")
                }
                fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Wire, E> {
                    Ok(Wire(Decimal::from(v)))
                }
                fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Wire, E> {
                    Ok(Wire(Decimal::from(v)))
                }
                fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Wire, E> {
                    // The shortest text that reads back as the same float: what the server wrote.
                    v.to_string().parse().map(Wire).map_err(|e| E::custom(format_args!("invalid decimal {v}: {e}")))
                }
                fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Wire, E> {
                    v.trim().parse().map(Wire).map_err(|e| E::custom(format_args!("invalid decimal `{v}`: {e}")))
                }
            }
            d.deserialize_any(Visitor)
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
