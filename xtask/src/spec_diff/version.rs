//! The version bump a spec change requires of the generated crate, and its changelog entry.
//!
//! The crate's version is the spec's `info.x-crate-version` (`0.1.0` when absent); the generator writes it into
//! `generated/Cargo.toml`. What a change requires, by Cargo's rules (`0.y.z`: the left-most non-zero part is the
//! major one):
//!
//! | the change | `≥ 1.0.0` | `0.y.z` |
//! |---|---|---|
//! | breaking or behaviour (needs approval) | major | minor (`0.y+1.0`) |
//! | additions to the generated API (items, operations, types, fields, variants) | minor | patch |
//! | anything else that changes the generated crate (docs, defaults, warnings) | patch | patch |
//! | nothing (the same facts, the same public items) | none | none |
//!
//! A behaviour change bumps like a breaking one: Cargo upgrades a dependency to any compatible version on its
//! own, and a client that starts retrying a create or printing a secret must not arrive that way.

use super::Outcome;
use super::rules::Severity;
use std::fmt;

/// What a change is, for the version it requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bump {
    None,
    /// A fix: documentation, defaults, anything that changes the crate without adding or breaking.
    Fix,
    /// Additions only.
    Addition,
    /// Breaking or behaviour: callers must opt in.
    Incompatible,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "none",
            Bump::Fix => "fix",
            Bump::Addition => "addition",
            Bump::Incompatible => "incompatible",
        }
    }
}

/// Rules that only add to the generated API.
const ADDITIONS: &[&str] = &[
    "operation-added",
    "schema-added",
    "tag-added",
    "optional-parameter-added",
    "optional-request-field-added",
    "response-field-added",
    "request-enum-value-added",
    "response-enum-value-added",
    "error-status-added",
    "response-header-added",
];

/// What `outcome` requires.
pub fn required(outcome: &Outcome) -> Bump {
    let mut bump = if outcome.api.is_empty() {
        Bump::None
    } else if outcome.api.breaking.is_empty() {
        Bump::Addition
    } else {
        Bump::Incompatible
    };
    for c in &outcome.changes {
        let b = match c.severity {
            // An ignored finding is a recorded exception: it changes the crate, and needs no more than a fix.
            _ if c.ignored.is_some() => Bump::Fix,
            Severity::Breaking | Severity::Behaviour => Bump::Incompatible,
            _ if ADDITIONS.contains(&c.rule) => Bump::Addition,
            _ => Bump::Fix,
        };
        bump = bump.max(b);
    }
    bump
}

/// A crate version `MAJOR.MINOR.PATCH`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl Version {
    pub fn parse(text: &str) -> Result<Version, String> {
        let parts: Vec<&str> = text.trim().split('.').collect();
        let num = |p: &str| p.parse::<u64>().map_err(|_| format!("`{text}` is not a version MAJOR.MINOR.PATCH"));
        match parts.as_slice() {
            [a, b, c] => Ok(Version(num(a)?, num(b)?, num(c)?)),
            _ => Err(format!("`{text}` is not a version MAJOR.MINOR.PATCH")),
        }
    }

    /// The least version after `self` that a change of kind `bump` may have, by Cargo's compatibility rules.
    pub fn least_after(self, bump: Bump) -> Version {
        let Version(major, minor, patch) = self;
        match (bump, major) {
            (Bump::None, _) => self,
            (Bump::Incompatible, 0) => Version(0, minor + 1, 0),
            (Bump::Incompatible, _) => Version(major + 1, 0, 0),
            (Bump::Addition, 0) | (Bump::Fix, _) => Version(major, minor, patch + 1),
            (Bump::Addition, _) => Version(major, minor + 1, 0),
        }
    }

    /// The name of the part a change of kind `bump` moves (`major`, `minor`, `patch`), for this version.
    pub fn part(self, bump: Bump) -> &'static str {
        match (bump, self.0) {
            (Bump::None, _) => "none",
            (Bump::Incompatible, 0) => "minor (0.x: the breaking part)",
            (Bump::Incompatible, _) => "major",
            (Bump::Addition, 0) | (Bump::Fix, _) => "patch",
            (Bump::Addition, _) => "minor",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// `[package] version` of a `Cargo.toml`'s text.
pub fn manifest_version(text: &str) -> Result<Version, String> {
    let doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("Cargo.toml does not parse: {e}"))?;
    let v = doc
        .get("package")
        .and_then(|p| p.get("version"))
        .and_then(|v| v.as_str())
        .ok_or("Cargo.toml has no [package] version")?;
    Version::parse(v)
}

/// The verdict on a version: what the change requires and whether `head` satisfies it.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionCheck {
    pub bump: Bump,
    pub base: Version,
    pub head: Version,
    /// The least version the change allows.
    pub least: Version,
}

impl VersionCheck {
    pub fn new(bump: Bump, base: Version, head: Version) -> VersionCheck {
        VersionCheck { bump, base, head, least: base.least_after(bump) }
    }

    pub fn ok(&self) -> bool {
        self.head >= self.least
    }

    /// One Markdown sentence.
    pub fn sentence(&self) -> String {
        let needs = match self.bump {
            Bump::None => "requires no version bump".to_string(),
            b => format!("requires a **{}** bump of `octopus-client`: at least `{}`", self.base.part(b), self.least),
        };
        let state = if self.ok() { "✅" } else { "❌" };
        format!(
            "{state} This change {needs}; `generated/Cargo.toml` goes from `{}` to `{}`{}.",
            self.base,
            self.head,
            if self.ok() {
                String::new()
            } else {
                format!(
                    " (set `info.x-crate-version: {}` in the spec, or run `cargo xtask bump --base <base>`)",
                    self.least
                )
            }
        )
    }
}

/// The Keep a Changelog entry for `outcome` released as `version` on `date` (`YYYY-MM-DD`).
pub fn changelog_entry(outcome: &Outcome, version: Version, date: &str) -> String {
    let mut sections: [(&str, Vec<String>); 5] =
        [("Added", vec![]), ("Changed", vec![]), ("Removed", vec![]), ("Fixed", vec![]), ("Security", vec![])];
    for c in &outcome.changes {
        let subject = if c.operations.is_empty() { String::new() } else { format!(" ({})", c.operations.join(", ")) };
        let mark = match c.severity {
            Severity::Breaking => "**Breaking:** ",
            Severity::Behaviour => "**Behaviour:** ",
            _ => "",
        };
        let line = format!("- {mark}{}{subject} [`{}`]", c.message, c.rule);
        let section = match c.rule {
            "secret-removed" | "deliver-once-removed" | "webhook-signature-changed" | "token-lifecycle-changed" => 4,
            r if ADDITIONS.contains(&r) => 0,
            r if r.ends_with("-removed") => 2,
            "description-changed" => 3,
            _ => 1,
        };
        sections[section].1.push(line);
    }
    let mut out = format!("## [{version}] - {date}\n");
    for (title, lines) in sections.iter().filter(|(_, l)| !l.is_empty()) {
        out.push_str(&format!("\n### {title}\n\n{}\n", lines.join("\n")));
    }
    out
}

/// The changelog's preamble, for a `CHANGELOG.md` that does not exist yet.
pub const CHANGELOG_HEAD: &str = "# Changelog of `octopus-client`\n\nEvery change to the generated client, written from \
the spec review's diff (`cargo xtask bump`). The format follows [Keep a Changelog](https://keepachangelog.com/en/1.1.0/), \
and versions follow Cargo's semver rules (`0.y.z`: `y` is the breaking part).\n";

/// `changelog` with `entry` inserted before its first release (`## [`), or after the preamble.
pub fn insert_entry(changelog: &str, entry: &str) -> String {
    let changelog = if changelog.trim().is_empty() { CHANGELOG_HEAD } else { changelog };
    match changelog.find("\n## [") {
        Some(i) => format!("{}{entry}\n{}", &changelog[..=i], &changelog[i + 1..]),
        None => format!("{}\n{entry}", changelog.trim_end_matches('\n').to_string() + "\n"),
    }
}

/// Whether `changelog` has an entry for `version`.
pub fn has_entry(changelog: &str, version: Version) -> bool {
    changelog.lines().any(|l| l.starts_with(&format!("## [{version}]")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_rules() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(v("0.1.0").least_after(Bump::Incompatible), v("0.2.0"));
        assert_eq!(v("0.1.3").least_after(Bump::Addition), v("0.1.4"));
        assert_eq!(v("0.1.3").least_after(Bump::Fix), v("0.1.4"));
        assert_eq!(v("1.2.3").least_after(Bump::Incompatible), v("2.0.0"));
        assert_eq!(v("1.2.3").least_after(Bump::Addition), v("1.3.0"));
        assert_eq!(v("1.2.3").least_after(Bump::Fix), v("1.2.4"));
        assert_eq!(v("1.2.3").least_after(Bump::None), v("1.2.3"));
        assert!(!VersionCheck::new(Bump::Incompatible, v("0.1.0"), v("0.1.9")).ok());
        assert!(VersionCheck::new(Bump::Incompatible, v("0.1.0"), v("1.0.0")).ok());
        assert!(Version::parse("1.2").is_err() && Version::parse("a.b.c").is_err());
    }

    #[test]
    fn entries_go_before_the_last_release() {
        let log = insert_entry("", "## [0.1.0] - 2026-01-01\n\n### Added\n\n- a\n");
        assert!(log.starts_with("# Changelog") && has_entry(&log, Version(0, 1, 0)), "{log}");
        let log = insert_entry(&log, "## [0.2.0] - 2026-02-01\n\n### Removed\n\n- b\n");
        let (new, old) = (log.find("## [0.2.0]").unwrap(), log.find("## [0.1.0]").unwrap());
        assert!(new < old, "{log}");
        assert!(log.contains("breaking part).\n\n## [0.2.0]") && log.contains("- b\n\n## [0.1.0]"), "{log}");
    }
}
