//! Renders a spec diff as text, Markdown (the pull-request comment), JSON or GitHub workflow annotations.

use super::rules::{Change, RULES, Severity};
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
    /// Changes of severity `s` that count (an ignored change does not).
    fn count(&self, s: Severity) -> usize {
        self.changes.iter().filter(|c| c.severity == s && c.ignored.is_none()).count()
    }

    /// The severity as shown: `ignored breaking` for a change the ignore file covers.
    fn shown_severity(c: &Change) -> String {
        match &c.ignored {
            Some(_) => format!("ignored {}", c.severity.as_str()),
            None => c.severity.as_str().to_string(),
        }
    }

    fn message(c: &Change) -> String {
        match &c.ignored {
            Some(why) => format!("{} (ignored: {why})", c.message),
            None => c.message.clone(),
        }
    }

    fn summary(&self) -> String {
        format!(
            "{} breaking, {} behaviour, {} warning(s), {} info; generated Rust API: {} added, {} removed, {} changed ({} breaking callers)",
            self.count(Severity::Breaking),
            self.count(Severity::Behaviour),
            self.count(Severity::Warning),
            self.count(Severity::Info),
            self.api.added.len(),
            self.api.removed.len(),
            self.api.changed.len(),
            self.api.breaking.len()
        )
    }

    /// `- rule: message (subject)` for each behaviour change: what the client will now do differently.
    fn behaviour_list(&self, bullet: &str) -> String {
        let mut out = String::new();
        for c in self.changes.iter().filter(|c| c.severity == Severity::Behaviour && c.ignored.is_none()) {
            let subject = Self::subject(c);
            let subject = if subject.is_empty() { String::new() } else { format!(" ({subject})") };
            out.push_str(&format!("{bullet}`{}`: {}{subject}\n", c.rule, c.message));
        }
        out
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
                Self::shown_severity(c),
                c.rule,
                Self::message(c),
                self.place(i),
                Self::subject(c)
            ));
        }
        out.push_str(&self.api_text("  "));
        out
    }

    fn api_text(&self, indent: &str) -> String {
        let mut out = String::new();
        if self.api.is_empty() {
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
        let (breaking, behaviour) = (self.count(Severity::Breaking), self.count(Severity::Behaviour));
        let verdict = match (breaking, behaviour) {
            (0, 0) => "No breaking or behaviour changes".to_string(),
            (0, n) => format!("**{n} behaviour change(s)**"),
            (b, 0) => format!("**{b} breaking change(s)**"),
            (b, n) => format!("**{b} breaking change(s), {n} behaviour change(s)**"),
        };
        let mut out =
            format!("### Spec change: {} → {}\n\n{verdict}. {}.\n\n", self.base_label, self.head_label, self.summary());
        if behaviour > 0 {
            out.push_str("**What the client will now do differently** (behaviour changes need the same approval):\n\n");
            out.push_str(&self.behaviour_list("- "));
            out.push('\n');
        }
        if !self.changes.is_empty() {
            out.push_str("| severity | rule | change | where |\n|---|---|---|---|\n");
            for (i, c) in self.changes.iter().enumerate() {
                let subject = Self::subject(c);
                let subject = if subject.is_empty() { String::new() } else { format!(" ({subject})") };
                let place = self.place(i);
                let (pointer, line) = place.split_once(", ").unwrap_or((&place, ""));
                out.push_str(&format!(
                    "| {} | `{}` | {}{} | `{}` {} |\n",
                    Self::shown_severity(c),
                    c.rule,
                    Self::message(c).replace('|', "\\|"),
                    subject.replace('|', "\\|"),
                    pointer,
                    line
                ));
            }
            out.push('\n');
        }
        let api = &self.api;
        if !api.is_empty() {
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
                    "ignored": c.ignored,
                })
            })
            .collect();
        let changed: Vec<_> =
            self.api.changed.iter().map(|(k, b, h)| json!({"item": k, "before": b, "after": h})).collect();
        let doc = json!({
            "base": self.base_label,
            "head": self.head_label,
            "breaking": self.count(Severity::Breaking) > 0,
            "behaviour": self.count(Severity::Behaviour) > 0,
            "counts": {"breaking": self.count(Severity::Breaking), "behaviour": self.count(Severity::Behaviour), "warning": self.count(Severity::Warning), "info": self.count(Severity::Info)},
            "changes": changes,
            "rust_api": {"added": self.api.added, "removed": self.api.removed, "changed": changed, "breaking": self.api.breaking},
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    }

    /// `::error file=...,line=...,title=...::message` per change, and a notice with the summary.
    pub fn github(&self) -> String {
        let esc = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
        let prop = |s: &str| esc(s).replace(':', "%3A").replace(',', "%2C");
        let mut out = String::new();
        for (i, c) in self.changes.iter().enumerate() {
            let level = match (c.severity, &c.ignored) {
                (_, Some(_)) | (Severity::Info, _) => "notice",
                (Severity::Breaking | Severity::Behaviour, _) => "error",
                (Severity::Warning, _) => "warning",
            };
            let line = if c.in_base { None } else { self.lines[i] };
            let line = line.map(|l| format!(",line={l}")).unwrap_or_default();
            let subject = Self::subject(c);
            let subject = if subject.is_empty() { String::new() } else { format!(" ({subject})") };
            out.push_str(&format!(
                "::{level} file={}{line},title={}::{}{} at {}\n",
                prop(self.head_file),
                prop(&format!("spec-diff {}", c.rule)),
                esc(&Self::message(c)),
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

    /// SARIF 2.1.0 for code scanning: a result per change on its line of the head spec (a change found only in
    /// the base is placed at the spec's first line), every rule of the catalogue described; an ignored change
    /// carries an external suppression with its reason.
    pub fn sarif(&self) -> String {
        let rules: Vec<_> = RULES
            .iter()
            .map(|(id, severity, what)| {
                json!({
                    "id": id,
                    "shortDescription": {"text": what},
                    "defaultConfiguration": {"level": sarif_level(*severity)},
                    "properties": {"severity": severity.as_str()},
                })
            })
            .collect();
        let results: Vec<_> = self
            .changes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let line = if c.in_base { None } else { self.lines[i] };
                let mut r = json!({
                    "ruleId": c.rule,
                    "ruleIndex": RULES.iter().position(|(id, _, _)| *id == c.rule),
                    "level": sarif_level(c.severity),
                    "message": {"text": format!("{}{}", c.message, Self::subject_suffix(c))},
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": {"uri": self.head_file},
                            "region": {"startLine": line.unwrap_or(1)},
                        },
                        "logicalLocations": [{"fullyQualifiedName": c.pointer, "kind": "member"}],
                    }],
                    "partialFingerprints": {"specDiff/v1": format!("{}:{}", c.rule, c.pointer)},
                });
                if let Some(why) = &c.ignored {
                    r["suppressions"] = json!([{"kind": "external", "justification": why}]);
                }
                r
            })
            .collect();
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "spec-diff",
                    "informationUri": "https://github.com/octopus-cards/client-toolkit#spec-changes",
                    "rules": rules,
                }},
                "results": results,
            }],
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    }

    fn subject_suffix(c: &Change) -> String {
        let s = Self::subject(c);
        if s.is_empty() { s } else { format!(" ({s})") }
    }

    /// JUnit XML: one test case per change, failed when it needs approval (breaking or behaviour), skipped when
    /// the ignore file covers it, passed otherwise; and one for the generated Rust API.
    pub fn junit(&self) -> String {
        use conformance::report::xml;
        let mut cases = String::new();
        let (mut failures, mut skipped) = (0, 0);
        for c in self.changes {
            let name = format!("{} {}", c.rule, c.pointer);
            let body = match (&c.ignored, c.severity) {
                (Some(why), _) => {
                    skipped += 1;
                    format!("<skipped message=\"{}\"/>", xml(why))
                }
                (None, Severity::Breaking | Severity::Behaviour) => {
                    failures += 1;
                    format!(
                        "<failure type=\"{}\" message=\"{}\">{}</failure>",
                        c.severity.as_str(),
                        xml(&c.message),
                        xml(&format!("{}{}", c.message, Self::subject_suffix(c)))
                    )
                }
                (None, _) => format!("<system-out>{}: {}</system-out>", c.severity.as_str(), xml(&c.message)),
            };
            cases.push_str(&format!(
                "  <testcase classname=\"spec-diff.{}\" name=\"{}\">{body}</testcase>\n",
                c.severity.as_str(),
                xml(&name)
            ));
        }
        let api = if self.api.breaking.is_empty() {
            String::new()
        } else {
            failures += 1;
            let items = self.api.breaking.join("\n");
            format!("<failure type=\"breaking\" message=\"public items changed or removed\">{}</failure>", xml(&items))
        };
        cases.push_str(&format!(
            "  <testcase classname=\"spec-diff.rust-api\" name=\"generated Rust API\">{api}</testcase>\n"
        ));
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"spec-diff\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">\n{cases}</testsuite>\n",
            self.changes.len() + 1
        )
    }
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Breaking | Severity::Behaviour => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}
