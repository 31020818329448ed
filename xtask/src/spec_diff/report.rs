//! Renders a spec diff as text, Markdown (the pull-request comment), JSON or GitHub workflow annotations.

use super::rules::{Change, Severity};
use super::rust_api::ApiDiff;
use serde_json::json;

/// Everything a report needs.
pub struct Report<'a> {
    pub base_label: &'a str,
    pub head_label: &'a str,
    /// The head spec's path as a workflow annotation should name it.
    pub head_file: &'a str,
    pub changes: &'a [Change],
    pub api: &'a ApiDiff,
    /// Line of each change's pointer in the head spec (or in the base, for what is gone).
    pub lines: &'a [Option<usize>],
}

impl Report<'_> {
    fn count(&self, s: Severity) -> usize {
        self.changes.iter().filter(|c| c.severity == s).count()
    }

    fn summary(&self) -> String {
        format!(
            "{} breaking, {} warning(s), {} info; generated Rust API: {} added, {} removed, {} changed",
            self.count(Severity::Breaking),
            self.count(Severity::Warning),
            self.count(Severity::Info),
            self.api.added.len(),
            self.api.removed.len(),
            self.api.changed.len()
        )
    }

    /// `pointer, line N` (in the head spec), or `pointer, base line N` for what is gone.
    fn place(&self, i: usize) -> String {
        let c = &self.changes[i];
        let side = if c.in_base { "base line" } else { "line" };
        match self.lines[i] {
            Some(l) => format!("{}, {side} {l}", c.pointer),
            None => c.pointer.clone(),
        }
    }

    fn subject(c: &Change) -> String {
        let mut parts = Vec::new();
        if !c.operations.is_empty() {
            parts.push(c.operations.join(", "));
        }
        if let Some(s) = &c.schema {
            parts.push(format!("schema {s}"));
        }
        parts.join("; ")
    }

    pub fn text(&self) -> String {
        let mut out = format!("spec-diff {} → {}: {}\n", self.base_label, self.head_label, self.summary());
        for (i, c) in self.changes.iter().enumerate() {
            out.push_str(&format!(
                "{:<8} {:<34} {}\n         {} [{}]\n",
                c.severity.as_str(),
                c.rule,
                c.message,
                self.place(i),
                Self::subject(c)
            ));
        }
        out.push_str(&self.api_text("  "));
        out
    }

    fn api_text(&self, indent: &str) -> String {
        let mut out = String::new();
        if self.api.added.is_empty() && self.api.removed.is_empty() && self.api.changed.is_empty() {
            return out;
        }
        out.push_str("generated Rust API:\n");
        for r in &self.api.removed {
            out.push_str(&format!("{indent}- {r}\n"));
        }
        for (k, b, h) in &self.api.changed {
            out.push_str(&format!("{indent}~ {k}: {b} → {h}\n"));
        }
        for a in &self.api.added {
            out.push_str(&format!("{indent}+ {a}\n"));
        }
        out
    }

    pub fn markdown(&self) -> String {
        let breaking = self.count(Severity::Breaking);
        let verdict =
            if breaking > 0 { format!("**{breaking} breaking change(s)**") } else { "No breaking changes".into() };
        let mut out =
            format!("### Spec change: {} → {}\n\n{verdict}. {}.\n\n", self.base_label, self.head_label, self.summary());
        if !self.changes.is_empty() {
            out.push_str("| severity | rule | change | where |\n|---|---|---|---|\n");
            for (i, c) in self.changes.iter().enumerate() {
                let subject = Self::subject(c);
                let subject = if subject.is_empty() { String::new() } else { format!(" ({subject})") };
                let place = self.place(i);
                let (pointer, line) = place.split_once(", ").unwrap_or((&place, ""));
                out.push_str(&format!(
                    "| {} | `{}` | {}{} | `{}` {} |\n",
                    c.severity.as_str(),
                    c.rule,
                    c.message.replace('|', "\\|"),
                    subject.replace('|', "\\|"),
                    pointer,
                    line
                ));
            }
            out.push('\n');
        }
        let api = &self.api;
        if !(api.added.is_empty() && api.removed.is_empty() && api.changed.is_empty()) {
            out.push_str("<details><summary>Generated Rust API</summary>\n\n```diff\n");
            for r in &api.removed {
                out.push_str(&format!("- {r}\n"));
            }
            for (k, b, h) in &api.changed {
                out.push_str(&format!("- {k}: {b}\n+ {k}: {h}\n"));
            }
            for a in &api.added {
                out.push_str(&format!("+ {a}\n"));
            }
            out.push_str("```\n\n</details>\n");
        }
        out
    }

    pub fn json(&self) -> String {
        let changes: Vec<_> = self
            .changes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                json!({
                    "rule": c.rule,
                    "severity": c.severity.as_str(),
                    "message": c.message,
                    "operations": c.operations,
                    "schema": c.schema,
                    "pointer": c.pointer,
                    "in_base": c.in_base,
                    "line": self.lines[i],
                })
            })
            .collect();
        let changed: Vec<_> =
            self.api.changed.iter().map(|(k, b, h)| json!({"item": k, "before": b, "after": h})).collect();
        let doc = json!({
            "base": self.base_label,
            "head": self.head_label,
            "breaking": self.count(Severity::Breaking) > 0,
            "counts": {"breaking": self.count(Severity::Breaking), "warning": self.count(Severity::Warning), "info": self.count(Severity::Info)},
            "changes": changes,
            "rust_api": {"added": self.api.added, "removed": self.api.removed, "changed": changed},
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    }

    /// `::error file=...,line=...,title=...::message` per change, and a notice with the summary.
    pub fn github(&self) -> String {
        let esc = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
        let prop = |s: &str| esc(s).replace(':', "%3A").replace(',', "%2C");
        let mut out = String::new();
        for (i, c) in self.changes.iter().enumerate() {
            let level = match c.severity {
                Severity::Breaking => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let line = if c.in_base { None } else { self.lines[i] };
            let line = line.map(|l| format!(",line={l}")).unwrap_or_default();
            let subject = Self::subject(c);
            let subject = if subject.is_empty() { String::new() } else { format!(" ({subject})") };
            out.push_str(&format!(
                "::{level} file={}{line},title={}::{}{} at {}\n",
                prop(self.head_file),
                prop(&format!("spec-diff {}", c.rule)),
                esc(&c.message),
                esc(&subject),
                esc(&c.pointer)
            ));
        }
        out.push_str(&format!("::notice title=spec-diff::{}\n", esc(&self.summary())));
        for line in self.api_text("  ").lines() {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}
