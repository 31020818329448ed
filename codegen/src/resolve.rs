//! Follows local `$ref`s (`#/...`) through the raw document. A chain that comes back to a reference it
//! already passed is a cycle, reported instead of looping.

use crate::load::Spec;
use openapiv3::ReferenceOr;
use serde::de::DeserializeOwned;
use std::borrow::Cow;

/// The JSON pointer a local reference names (`#/a/b` → `/a/b`), or `None` for an external one.
pub fn ref_pointer(reference: &str) -> Option<&str> {
    reference.strip_prefix('#').filter(|p| p.is_empty() || p.starts_with('/'))
}

/// The raw value a reference ends at, after following chained references, with its pointer.
pub fn raw_target<'s>(spec: &'s Spec, reference: &str) -> Result<(&'s serde_json::Value, String), String> {
    let mut current = reference.to_string();
    let mut seen = std::collections::HashSet::new();
    while seen.insert(current.clone()) {
        let Some(pointer) = ref_pointer(&current) else {
            return Err(format!("external reference `{current}` is not supported; inline it or bundle the document"));
        };
        let Some(target) = spec.raw.pointer(pointer) else {
            return Err(format!("unresolved reference `{current}`: nothing exists at that pointer"));
        };
        match target.get("$ref").and_then(|r| r.as_str()) {
            Some(next) => current = next.to_string(),
            None => return Ok((target, pointer.to_string())),
        }
    }
    Err(format!("reference `{reference}` is part of a cycle of references"))
}

/// Why a reference could not be used.
#[derive(Debug)]
pub enum RefError {
    /// Dangling, external or cyclic: validation reports every such `$ref` already.
    Unresolved,
    /// It resolves, but to the wrong kind of object.
    WrongKind(String),
}

/// A `ReferenceOr<T>` as the item it stands for, with the pointer of that item.
pub fn item<'a, T: Clone + DeserializeOwned>(
    spec: &Spec,
    r: &'a ReferenceOr<T>,
    pointer: &str,
) -> Result<(Cow<'a, T>, String), RefError> {
    match r {
        ReferenceOr::Item(t) => Ok((Cow::Borrowed(t), pointer.to_string())),
        ReferenceOr::Reference { reference } => {
            let (raw, at) = raw_target(spec, reference).map_err(|_| RefError::Unresolved)?;
            let t = serde_json::from_value::<T>(raw.clone()).map_err(|e| {
                RefError::WrongKind(format!("`{reference}` does not point at the right kind of object: {e}"))
            })?;
            Ok((Cow::Owned(t), at))
        }
    }
}
