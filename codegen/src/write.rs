//! Puts a generated crate on disk, or compares it with what is there (`--check`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What differs between the generated files and the directory.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    /// Generated files on disk that the spec no longer produces.
    pub removed: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Compares without writing.
pub fn diff(out: &Path, files: &BTreeMap<String, String>) -> std::io::Result<Changes> {
    let mut c = Changes::default();
    for (rel, text) in files {
        match std::fs::read_to_string(out.join(rel)) {
            Ok(existing) if existing == *text => {}
            Ok(_) => c.changed.push(rel.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => c.added.push(rel.clone()),
            Err(e) => return Err(e),
        }
    }
    for stale in generated_on_disk(out)? {
        if !files.contains_key(&stale) {
            c.removed.push(stale);
        }
    }
    Ok(c)
}

/// Writes what differs and deletes generated files that are no longer produced. Files without the
/// `@generated` header are never deleted.
pub fn write(out: &Path, files: &BTreeMap<String, String>) -> std::io::Result<Changes> {
    let c = diff(out, files)?;
    for rel in c.added.iter().chain(&c.changed) {
        let path = out.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &files[rel])?;
    }
    for rel in &c.removed {
        std::fs::remove_file(out.join(rel))?;
    }
    Ok(c)
}

/// Relative paths of `.rs` files under `src/` that carry the `@generated` header.
fn generated_on_disk(out: &Path) -> std::io::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = vec![out.join("src")];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && std::fs::read_to_string(&path).is_ok_and(|t| t.starts_with("// @generated"))
            {
                let rel = path.strip_prefix(out).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                found.push(rel);
            }
        }
    }
    found.sort();
    Ok(found)
}
