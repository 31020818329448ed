//! Reads a spec file (YAML or JSON) into a raw JSON tree and an `openapiv3` document.
//!
//! OpenAPI 3.1 and 3.2 documents are normalised into 3.0's shape first ([`crate::openapi31`]), so one model
//! and one spec layer read every version; 3.0 documents read exactly as before (only bounds no Rust type can
//! hold are dropped, [`crate::numbers`]). Refuses Swagger 2.0 and other versions with one sentence, and
//! places every parse error at file:line:column (in the user's file, even for a node normalising moved).

use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::locate::locate;
use std::path::Path;

/// A loaded document: its text (for positions), the raw tree (for `$ref` checks and extensions) and the model.
pub struct Spec {
    pub file: String,
    pub text: String,
    pub is_json: bool,
    pub raw: serde_json::Value,
    pub api: openapiv3::OpenAPI,
    /// The document's OpenAPI minor version: 0, 1 or 2 (3.1 and 3.2 are normalised into 3.0's shape).
    pub minor: u32,
    /// Nodes normalising moved: `(pointer in raw, pointer the user wrote)`; [`Spec::diag`] reports the latter.
    pub moved: Vec<(String, String)>,
    /// Warnings found while loading (a bound dropped, a construct left out), reported with validation's.
    pub notes: Vec<Diagnostic>,
}

impl Spec {
    /// A diagnostic placed at `pointer` in this document.
    pub fn diag(&self, severity: Severity, pointer: &str, message: impl Into<String>) -> Diagnostic {
        let written;
        let pointer = if self.moved.is_empty() {
            pointer
        } else {
            written = crate::openapi31::original(&self.moved, pointer);
            &written
        };
        let pos = locate(&self.text, self.is_json, pointer);
        Diagnostic {
            file: self.file.clone(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            pointer: pointer.to_string(),
            severity,
            message: message.into(),
        }
    }
}

/// Reads and parses `path`.
pub fn load_file(path: &Path) -> Result<Spec, Diagnostics> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostics(vec![Diagnostic {
            file: file.clone(),
            line: None,
            column: None,
            pointer: String::new(),
            severity: Severity::Error,
            message: format!("cannot read the spec: {e}"),
        }])
    })?;
    load_str(&file, text)
}

/// Parses `text`, named `file` in messages. JSON when it starts with `{`, YAML otherwise.
pub fn load_str(file: &str, text: String) -> Result<Spec, Diagnostics> {
    let is_json = text.trim_start().starts_with('{');
    let fail = |line: Option<usize>, column: Option<usize>, message: String| {
        Diagnostics(vec![Diagnostic {
            file: file.to_string(),
            line,
            column,
            pointer: String::new(),
            severity: Severity::Error,
            message,
        }])
    };
    let yaml_error = |e: &serde_yaml::Error| {
        let loc = e.location();
        fail(loc.as_ref().map(|l| l.line()), loc.as_ref().map(|l| l.column()), format!("invalid YAML: {e}"))
    };
    let mut raw: serde_json::Value = if is_json {
        serde_json::from_str(&text).map_err(|e| fail(Some(e.line()), Some(e.column()), format!("invalid JSON: {e}")))?
    } else if !text.contains("<<") {
        // The direct path: YAML straight into a JSON tree (integer keys become strings, aliases expand, integers
        // past 64 bits become floats).
        crate::numbers::yaml_tree(&text).map_err(|e| yaml_error(&e))?
    } else {
        // Merge keys (`<<`) need the YAML tree, merged, then converted.
        let mut yaml: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| yaml_error(&e))?;
        yaml.apply_merge().map_err(|e| fail(None, None, format!("invalid YAML merge key: {e}")))?;
        yaml_to_json(yaml, 0).map_err(|m| fail(None, None, m))?
    };
    let minor = check_version(&raw).map_err(|m| fail(Some(1), Some(1), m))?;
    let normalised = crate::openapi31::normalise(&mut raw, minor > 0);
    let place = |severity: Severity, pointer: &str, message: String| {
        let pointer = normalised.original(pointer);
        let pos = locate(&text, is_json, &pointer);
        Diagnostic {
            file: file.to_string(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            pointer,
            severity,
            message,
        }
    };
    if !normalised.errors.is_empty() {
        return Err(Diagnostics(
            normalised.errors.iter().map(|(at, m)| place(Severity::Error, at, m.clone())).collect(),
        ));
    }
    let notes = normalised.warnings.iter().map(|(at, m)| place(Severity::Warning, at, m.clone())).collect();

    // The plain decoder is the fast path; the path-tracking one runs only to explain a failure.
    let api = match <openapiv3::OpenAPI as serde::Deserialize>::deserialize(&raw) {
        Ok(api) => api,
        Err(_) => serde_path_to_error::deserialize(&raw).map_err(|e| {
            // openapiv3's paths stop at `/paths`; our own pass finds the deepest failing part.
            let (pointer, inner) =
                crate::narrow::deepest(&raw).unwrap_or_else(|| (pointer_of(e.path()), e.into_inner().to_string()));
            Diagnostics(vec![place(
                Severity::Error,
                &pointer,
                format!("not a valid OpenAPI 3.{minor} document: {inner}"),
            )])
        })?,
    };
    let moved = normalised.moved;
    Ok(Spec { file: file.to_string(), text, is_json, raw, api, minor, moved, notes })
}

/// A document's raw tree as every tool reads it: parsed (YAML or JSON), version-checked, normalised into
/// OpenAPI 3.0's shape ([`crate::openapi31`]) and decoded. For tools that read the tree only (the
/// conformance judge); the errors are placed as the generator places them.
pub fn tree(text: &str) -> Result<serde_json::Value, String> {
    load_str("spec", text.to_string()).map(|s| s.raw).map_err(|d| d.to_string())
}

/// The document's OpenAPI minor version (3.0, 3.1 and 3.2 are read), or why it is not read.
fn check_version(raw: &serde_json::Value) -> Result<u32, String> {
    if !raw.is_object() {
        return Err("not an OpenAPI document: the top level is not a mapping".into());
    }
    if let Some(v) = raw.get("swagger") {
        return Err(format!(
            "Swagger {} documents are not supported: this generator reads OpenAPI 3.0, 3.1 and 3.2 (convert the document first).",
            v.as_str().unwrap_or("2.0")
        ));
    }
    match raw.get("openapi").and_then(|v| v.as_str()) {
        Some(v) if v.starts_with("3.0") => Ok(0),
        Some(v) if v.starts_with("3.1") => Ok(1),
        Some(v) if v.starts_with("3.2") => Ok(2),
        Some(v) => {
            Err(format!("OpenAPI {v} documents are not supported: this generator reads OpenAPI 3.0, 3.1 and 3.2."))
        }
        None => Err("not an OpenAPI document: the `openapi: 3.0.x` field is missing.".into()),
    }
}

/// YAML allows non-string keys (`200:`) and deep nesting; JSON does not. Keys become strings.
fn yaml_to_json(v: serde_yaml::Value, depth: usize) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    use serde_yaml::Value as Y;
    if depth > 256 {
        return Err("the document nests deeper than 256 levels".into());
    }
    Ok(match v {
        Y::Null => J::Null,
        Y::Bool(b) => J::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                J::from(i)
            } else if let Some(u) = n.as_u64() {
                J::from(u)
            } else {
                n.as_f64().and_then(serde_json::Number::from_f64).map_or(J::Null, J::Number)
            }
        }
        Y::String(s) => J::String(s),
        Y::Sequence(items) => {
            J::Array(items.into_iter().map(|i| yaml_to_json(i, depth + 1)).collect::<Result<_, _>>()?)
        }
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".into(),
                    other => return Err(format!("unsupported mapping key {other:?}")),
                };
                out.insert(key, yaml_to_json(v, depth + 1)?);
            }
            J::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value, depth + 1)?,
    })
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut p = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => p = crate::diag::child(&p, &index.to_string()),
            Segment::Map { key } => p = crate::diag::child(&p, key),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    p
}
