//! `openapiv3`'s `ReferenceOr<T>` read through the spec layer ([`crate::spec`]), which follows local `$ref`
//! chains and reports a cycle instead of looping.

use crate::load::Spec;
use openapiv3::ReferenceOr;
use serde::de::DeserializeOwned;
use std::borrow::Cow;

pub use crate::spec::ref_pointer;

/// The raw value a reference ends at, after following chained references, with its pointer (the spec
/// layer's [`Document::target`](crate::spec::Document::target)).
pub fn raw_target<'s>(spec: &'s Spec, reference: &str) -> Result<(&'s serde_json::Value, String), String> {
    spec.document().target(reference)
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
