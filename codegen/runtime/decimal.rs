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
