//! Known exceptions, recorded rather than silenced: `spec/spec-diff-ignore.yaml`.
//!
//! ```yaml
//! - rule: response-field-removed            # the rule id
//!   pointer: /components/schemas/Wallet/properties/legacy_id   # the finding's pointer, or a prefix ending in `/`
//!   reason: the field was never sent; removing it breaks no caller   # required
//!   expires: 2027-03-31                      # required, YYYY-MM-DD: the entry stops applying after that day
//! ```
//!
//! An ignored finding is still in every report, marked with its reason and expiry; it does not count toward
//! the verdict. An expired entry ignores nothing and the review names it; an entry that matches nothing is
//! named too. An entry without a reason or a date, or with an unknown rule, is an error naming the entry.

use super::rules::{Change, RULES};
use serde_json::Value;
use std::path::Path;

/// The ignore file's place in a repository.
pub const PATH: &str = "spec/spec-diff-ignore.yaml";

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub rule: String,
    pub pointer: String,
    pub reason: String,
    /// `YYYY-MM-DD`
    pub expires: String,
}

/// The entries of an ignore file, and which of them matched.
#[derive(Debug, Default)]
pub struct Ignore {
    pub entries: Vec<Entry>,
    used: Vec<bool>,
}

/// Reads `path`; no file means no entries. Errors name the file and the entry.
pub fn load(path: &Path) -> Result<Ignore, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ignore::default()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    parse(&path.display().to_string(), &text)
}

/// Parses an ignore file's text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Ignore, String> {
    let doc: Value = serde_yaml::from_str(text).map_err(|e| format!("{file}: invalid YAML: {e}"))?;
    let items = match &doc {
        Value::Null => return Ok(Ignore::default()),
        Value::Array(items) => items,
        _ => return Err(format!("{file}: expected a list of entries (rule, pointer, reason, expires)")),
    };
    let mut entries = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let field = |key: &str| -> Result<String, String> {
            match item.get(key) {
                Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
                _ => Err(format!(
                    "{file}: entry {} has no `{key}` (every entry needs rule, pointer, reason, expires)",
                    i + 1
                )),
            }
        };
        let entry = Entry {
            rule: field("rule")?,
            pointer: field("pointer")?,
            reason: field("reason")?,
            expires: field("expires")?,
        };
        if !RULES.iter().any(|(id, _, _)| *id == entry.rule) {
            return Err(format!("{file}: entry {}: unknown rule `{}`", i + 1, entry.rule));
        }
        if !is_date(&entry.expires) {
            return Err(format!(
                "{file}: entry {}: `expires` must be a date YYYY-MM-DD, not `{}`",
                i + 1,
                entry.expires
            ));
        }
        entries.push(entry);
    }
    let used = vec![false; entries.len()];
    Ok(Ignore { entries, used })
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

impl Ignore {
    /// Marks the changes an unexpired entry covers; returns the entries that have expired (on `today`).
    pub fn apply(&mut self, changes: &mut [Change], today: &str) -> Vec<Entry> {
        let mut expired = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if e.expires.as_str() < today {
                expired.push(e.clone());
                continue;
            }
            for c in changes.iter_mut() {
                let covers = c.pointer == e.pointer || (e.pointer.ends_with('/') && c.pointer.starts_with(&e.pointer));
                if c.rule == e.rule && covers {
                    c.ignored = Some(format!("{} (until {})", e.reason, e.expires));
                    self.used[i] = true;
                }
            }
        }
        expired
    }

    /// Entries that are still valid and matched nothing.
    pub fn unused(&self) -> Vec<&Entry> {
        self.entries.iter().zip(&self.used).filter(|(_, u)| !**u).map(|(e, _)| e).collect()
    }

    /// What the review says about the ignore file: expired entries and entries that matched nothing.
    pub fn markdown(&self, expired: &[Entry]) -> String {
        let mut out = String::new();
        for e in expired {
            out.push_str(&format!(
                "\n⚠️ `{PATH}`: the entry for `{}` at `{}` expired on {} and no longer applies ({}).\n",
                e.rule, e.pointer, e.expires, e.reason
            ));
        }
        for e in self.unused().into_iter().filter(|e| !expired.contains(e)) {
            out.push_str(&format!(
                "\n`{PATH}`: the entry for `{}` at `{}` matches nothing in this change.\n",
                e.rule, e.pointer
            ));
        }
        out
    }
}

/// Today's date, `YYYY-MM-DD` (UTC); `SPEC_DIFF_TODAY` overrides it, for tests.
pub fn today() -> String {
    if let Ok(d) = std::env::var("SPEC_DIFF_TODAY") {
        return d;
    }
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    chrono::DateTime::from_timestamp(secs as i64, 0)
        .map_or_else(|| "1970-01-01".into(), |t| t.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_a_date() {
        assert!(is_date(&today()), "{}", today());
    }

    #[test]
    fn entries_need_a_reason_and_a_date() {
        let e = parse("f.yaml", "- { rule: schema-removed, pointer: /x, expires: 2027-01-01 }\n").unwrap_err();
        assert!(e.contains("entry 1 has no `reason`"), "{e}");
        let e = parse("f.yaml", "- { rule: schema-removed, pointer: /x, reason: r, expires: soon }\n").unwrap_err();
        assert!(e.contains("must be a date"), "{e}");
        let e = parse("f.yaml", "- { rule: no-such-rule, pointer: /x, reason: r, expires: 2027-01-01 }\n").unwrap_err();
        assert!(e.contains("unknown rule `no-such-rule`"), "{e}");
        assert!(parse("f.yaml", "").unwrap().entries.is_empty());
    }
}
