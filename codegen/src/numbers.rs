//! Numbers of any size in a document: they load, and a bound outside what its Rust type holds is dropped.
//!
//! YAML integers between 2^64 and 2^128 (`maximum: 18446744073709551616`) reach serde as `u128`/`i128`, which
//! `serde_json::Value` refuses ("number out of range"); [`YamlTree`] reads them as the nearest `f64`, as JSON
//! text already is. Integers wider still and exponent forms (`1e30`, `-1e40`) are floats in both parsers.
//! After that a schema keyword can still hold more than the model's field does (`openapiv3` keeps an
//! integer schema's bounds as `i64`, lengths as `usize`), and a bound no value of the generated type can reach
//! constrains nothing: [`fit_bounds`] drops it with a warning naming its pointer.

use crate::model::Prim;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Deserializes any serde input into a JSON tree, with integers past 64 bits as floats.
pub struct YamlTree;

impl<'de> DeserializeSeed<'de> for YamlTree {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
}

struct TreeVisitor;

fn float<E: serde::de::Error>(f: f64) -> Result<Value, E> {
    Number::from_f64(f).map(Value::Number).ok_or_else(|| E::custom("a number that is not finite"))
}

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::from(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::from(u))
    }
    fn visit_i128<E: serde::de::Error>(self, i: i128) -> Result<Value, E> {
        match i64::try_from(i) {
            Ok(i) => Ok(Value::from(i)),
            Err(_) => float(i as f64),
        }
    }
    fn visit_u128<E: serde::de::Error>(self, u: u128) -> Result<Value, E> {
        match u64::try_from(u) {
            Ok(u) => Ok(Value::from(u)),
            Err(_) => float(u as f64),
        }
    }
    fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<Value, E> {
        // serde_json's own tree keeps a non-finite float as `null`; so does this one.
        Ok(Number::from_f64(f).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(YamlTree)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let v = map.next_value_seed(YamlTree)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// Parses YAML text straight into a JSON tree (integer keys become strings, aliases expand).
pub fn yaml_tree(text: &str) -> Result<Value, serde_yaml::Error> {
    YamlTree.deserialize(serde_yaml::Deserializer::from_str(text))
}

/// The inclusive range of the Rust integer a format is generated as.
fn int_range(prim: Prim) -> (f64, f64) {
    match prim {
        Prim::I8 => (i8::MIN as f64, i8::MAX as f64),
        Prim::I16 => (i16::MIN as f64, i16::MAX as f64),
        Prim::I32 => (i32::MIN as f64, i32::MAX as f64),
        Prim::U8 => (0.0, u8::MAX as f64),
        Prim::U16 => (0.0, u16::MAX as f64),
        Prim::U32 => (0.0, u32::MAX as f64),
        Prim::U64 => (0.0, u64::MAX as f64),
        _ => (i64::MIN as f64, i64::MAX as f64),
    }
}

const BOUNDS: [&str; 5] = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];
const COUNTS: [&str; 6] = ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"];

/// Drops the bounds of one schema (a mapping at `pointer`) that its Rust type cannot hold, and counts that no
/// `usize` holds; each with a warning `(pointer, message)`.
pub fn fit_bounds(schema: &mut Map<String, Value>, pointer: &str, warnings: &mut Vec<(String, String)>) {
    // Most schemas have no numeric keyword at all: one pass over their few keys says so.
    if !schema.iter().any(|(k, v)| v.is_number() && (BOUNDS.contains(&k.as_str()) || COUNTS.contains(&k.as_str()))) {
        return;
    }
    let format = schema.get("format").and_then(Value::as_str);
    let rust = match schema.get("type").and_then(Value::as_str) {
        Some("integer") => {
            let prim = crate::types::int_prim(format);
            Some((prim, int_range(prim)))
        }
        Some("number") if format == Some("float") => Some((Prim::F32, (f32::MIN as f64, f32::MAX as f64))),
        _ => None,
    };
    let mut drop = Vec::new();
    if let Some((prim, (lo, hi))) = rust {
        for key in BOUNDS {
            let Some(Value::Number(n)) = schema.get(key) else { continue };
            let fits = match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => lo <= i as f64 && i as f64 <= hi,
                (_, Some(u), _) => u as f64 <= hi,
                (_, _, Some(f)) => lo <= f && f <= hi,
                _ => true,
            };
            if !fits {
                drop.push((key, format!("`{key}: {n}` is outside what `{}` holds, so it is dropped", prim_name(prim))));
            }
        }
    }
    for key in COUNTS {
        match schema.get(key) {
            Some(Value::Number(n)) if n.as_u64().is_none_or(|u| usize::try_from(u).is_err()) => {
                drop.push((key, format!("`{key}: {n}` is not a count this generator can hold, so it is dropped")));
            }
            _ => {}
        }
    }
    for (key, message) in drop {
        schema.remove(key);
        warnings.push((crate::diag::child(pointer, key), message));
    }
}

fn prim_name(p: Prim) -> &'static str {
    match p {
        Prim::I8 => "i8",
        Prim::I16 => "i16",
        Prim::I32 => "i32",
        Prim::U8 => "u8",
        Prim::U16 => "u16",
        Prim::U32 => "u32",
        Prim::U64 => "u64",
        Prim::F32 => "f32",
        _ => "i64",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_numbers_of_any_size_load() {
        let v = yaml_tree(
            "a: 18446744073709551616\nb: 1e30\nc: -1e40\nd: -170141183460469231731687303715884105728\ne: 12\n200: x\n",
        )
        .unwrap();
        assert_eq!(v["a"].as_f64(), Some(18446744073709551616.0));
        assert_eq!(v["b"].as_f64(), Some(1e30));
        assert_eq!(v["c"].as_f64(), Some(-1e40));
        assert!(v["d"].as_f64().is_some_and(|d| d < -1e38));
        assert_eq!(v["e"], json!(12));
        assert_eq!(v["200"], "x");
        // Key order is kept.
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["a", "b", "c", "d", "e", "200"]);
    }

    #[test]
    fn bounds_outside_the_rust_type_are_dropped_with_their_pointer() {
        let mut s = json!({"type": "integer", "maximum": 18446744073709551616.0_f64, "minimum": -1e40, "multipleOf": 2,
                           "maxLength": 1e30})
        .as_object()
        .unwrap()
        .clone();
        let mut w = Vec::new();
        fit_bounds(&mut s, "/components/schemas/A", &mut w);
        assert_eq!(s.keys().collect::<Vec<_>>(), ["type", "multipleOf"]);
        let at: Vec<&str> = w.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            at,
            ["/components/schemas/A/minimum", "/components/schemas/A/maximum", "/components/schemas/A/maxLength"]
        );
        assert!(w[1].1.contains("`i64`"), "{}", w[1].1);
        // A `u64` holds 2^64 - 1; a number schema's `f64` holds 1e30.
        let mut s = json!({"type": "integer", "format": "uint64", "maximum": 18446744073709551615_u64})
            .as_object()
            .unwrap()
            .clone();
        let mut n = json!({"type": "number", "maximum": 1e30}).as_object().unwrap().clone();
        fit_bounds(&mut s, "", &mut w);
        fit_bounds(&mut n, "", &mut w);
        assert_eq!(w.len(), 3);
        assert!(s.contains_key("maximum") && n.contains_key("maximum"));
    }
}
