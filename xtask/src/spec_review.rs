//! `cargo xtask spec-review --base REV`: the review of a spec-change pull request, as the workflow
//! `.github/workflows/spec-review.yml` runs it and as anyone can run it locally.
//!
//! It compares `spec/octopus.yaml` at `REV` with the working tree (spec-diff: the rules and the generated
//! Rust API), asks a second judge (cargo-semver-checks, on the crates generated from both specs), states the
//! version bump the change requires of `octopus-client` and checks `generated/Cargo.toml` and
//! `generated/CHANGELOG.md` against it, summarises what changed in `generated/`, checks that `generated/` is
//! what the spec gives (`generate --check`), and writes one Markdown comment (and SARIF and JUnit for
//! reviewers' tools). It fails when something breaks callers or changes what the client does and nobody
//! approved it, when the version is not bumped accordingly, or when `generated/` is stale. The gate follows
//! spec-diff's verdict; cargo-semver-checks is reported beside it, and the comment says when they disagree.
//! All the workflow's logic is here, so the tests run exactly what GitHub runs.

use crate::semver_checks::{self, Verdict};
use crate::spec_diff::version::{self, Bump, Version, VersionCheck};
use crate::spec_diff::{self, Outcome, SPEC_PATH, report, rules::Severity};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The hidden first line that lets the workflow find its own comment and update it instead of adding one.
pub const MARKER: &str = "<!-- octopus-spec-review -->";

/// The label that approves a breaking change.
pub const APPROVAL_LABEL: &str = "breaking-change-approved";

/// The environment variable the workflow sets to `true` when the pull request carries the label.
pub const APPROVAL_ENV: &str = "SPEC_REVIEW_APPROVED";

/// Review a spec-change pull request, as .github/workflows/spec-review.yml does.
///
/// spec-diff against REV as a Markdown comment, cargo-semver-checks beside it, the version bump, the
/// generated-code change, and generate --check. Exits 1 when generated/ is stale, a breaking or behaviour change
/// is not approved, or the version is not bumped accordingly; 2 on bad input.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    at: Place,
    /// Write the Markdown comment here instead of printing it
    #[arg(long, value_name = "PATH")]
    comment: Option<PathBuf>,
    /// Write the workflow annotations (`::error file=…`) here
    #[arg(long, value_name = "PATH")]
    annotations: Option<PathBuf>,
    /// Write the findings as SARIF 2.1.0 here (for code scanning)
    #[arg(long, value_name = "PATH")]
    sarif: Option<PathBuf>,
    /// Write the findings as JUnit XML here
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// A breaking or behaviour change is approved (the workflow sets it from the label breaking-change-approved)
    #[arg(long, env = APPROVAL_ENV, value_parser = clap::builder::FalseyValueParser::new())]
    approved: bool,
    /// Do not run cargo-semver-checks (the second judge); the comment says it did not run
    #[arg(long, env = "SPEC_REVIEW_NO_SEMVER_CHECKS", value_parser = clap::builder::FalseyValueParser::new())]
    no_semver_checks: bool,
}

/// The base commit and the repository, for the commands that measure a change from a base.
#[derive(clap::Args, Debug)]
pub struct Place {
    /// The pull request's base commit
    #[arg(long, value_name = "REV")]
    pub base: String,
    /// The repository [default: this workspace]
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

impl Place {
    pub fn repo(&self) -> PathBuf {
        self.repo.clone().unwrap_or_else(crate::root)
    }
}

/// What a review found.
pub struct Review {
    /// The comment body, Markdown, starting with [`MARKER`].
    pub comment: String,
    /// `--format github` workflow commands for the changed lines.
    pub annotations: String,
    pub sarif: String,
    pub junit: String,
    pub breaking: bool,
    /// The client does something else at run time (a behaviour rule fired).
    pub behaviour: bool,
    /// The version the change requires, when the base has a generated crate to compare with.
    pub version: Option<VersionCheck>,
    /// `generated/CHANGELOG.md` lacks the entry a bump needs.
    pub changelog_missing: bool,
    /// The second judge's verdict.
    pub semver: Verdict,
    /// Files of `generated/` that differ from what the spec gives.
    pub stale: Vec<String>,
}

impl Review {
    /// Whether the pull request may merge.
    pub fn passes(&self, approved: bool) -> bool {
        self.stale.is_empty() && self.version_ok() && (!(self.breaking || self.behaviour) || approved)
    }

    fn version_ok(&self) -> bool {
        self.version.as_ref().is_none_or(VersionCheck::ok) && !self.changelog_missing
    }
}

/// Where the two judges disagree about whether callers' code breaks, in a sentence; `None` when they agree
/// (or the second did not run). spec-diff's compile-time verdict is its breaking rules outside `rules::WIRE`
/// and the generated items it finds broken; breaks on the wire and behaviour changes are beyond a Rust API
/// checker, so they are not disagreements.
pub fn disagreement(outcome: &Outcome, semver: &Verdict) -> Option<String> {
    if matches!(semver, Verdict::Skipped(_)) {
        return None;
    }
    let ours = compile_breaking(outcome);
    match (ours, semver.breaking()) {
        (true, false) => Some(
            "spec-diff finds a change that breaks callers' code and cargo-semver-checks does not (it has no lint for \
             every kind of change, such as a field's or an argument's type): the gate follows spec-diff."
                .into(),
        ),
        (false, true) => Some(
            "cargo-semver-checks finds a breaking change that spec-diff does not: the gate follows spec-diff, so look \
             at the lints above before merging."
                .into(),
        ),
        _ => None,
    }
}

/// Whether spec-diff says callers' code stops compiling.
pub fn compile_breaking(outcome: &Outcome) -> bool {
    !outcome.api.breaking.is_empty()
        || outcome.changes.iter().any(|c| {
            c.severity == Severity::Breaking && !spec_diff::rules::WIRE.contains(&c.rule) && c.ignored.is_none()
        })
}

/// How a review runs.
pub struct Options {
    pub approved: bool,
    /// Run cargo-semver-checks when it is installed.
    pub semver_checks: bool,
}

/// Reviews the working tree of `repo` against its commit `base`.
pub fn review(repo: &Path, base: &str, o: &Options) -> Result<Review, String> {
    let head_path = repo.join(SPEC_PATH);
    let head_text =
        std::fs::read_to_string(&head_path).map_err(|e| format!("cannot read {}: {e}", head_path.display()))?;
    let base_spec = spec_diff::spec_at(repo, base)?;
    let stale = stale_generated(repo)?;
    let touched = generated_files_touched(repo, base)?;
    let mut r = Review {
        comment: String::new(),
        annotations: String::new(),
        sarif: String::new(),
        junit: String::new(),
        breaking: false,
        behaviour: false,
        version: None,
        changelog_missing: false,
        semver: Verdict::Skipped("there is no earlier spec to compare".into()),
        stale,
    };
    let mut spec_section = String::new();
    let mut judges = String::new();
    match base_spec {
        None => spec_section
            .push_str(&format!("`{SPEC_PATH}` is new in this pull request: there is no earlier spec to compare.\n")),
        Some(base_text) => {
            let unchanged = base_text == head_text;
            let base_label = format!("{}:{SPEC_PATH}", short(base));
            let mut ignore = spec_diff::ignore::load(&repo.join(spec_diff::ignore::PATH))?;
            let mut outcome = spec_diff::compare(&base_label, base_text, SPEC_PATH, head_text)?;
            let expired = ignore.apply(&mut outcome.changes, &spec_diff::ignore::today());
            let rep = report::Report {
                base_label: &base_label,
                head_label: SPEC_PATH,
                head_file: SPEC_PATH,
                changes: &outcome.changes,
                api: &outcome.api,
                lines: &outcome.lines,
            };
            let counts = |s: Severity| outcome.changes.iter().any(|c| c.severity == s && c.ignored.is_none());
            (r.breaking, r.behaviour) = (counts(Severity::Breaking), counts(Severity::Behaviour));
            r.annotations = rep.github();
            r.sarif = rep.sarif();
            r.junit = rep.junit();
            let api = &outcome.api;
            spec_section.push_str(&format!(
                "{}\nPublic items of the generated crate: {} added, {} removed, {} changed ({} breaking callers).\n",
                rep.markdown(),
                api.added.len(),
                api.removed.len(),
                api.changed.len(),
                api.breaking.len()
            ));
            spec_section.push_str(&ignore.markdown(&expired));
            r.semver = if unchanged {
                Verdict::Skipped("the spec did not change".into())
            } else if !o.semver_checks {
                Verdict::Skipped("switched off (--no-semver-checks)".into())
            } else {
                let work = repo.join("target/spec-review/semver-checks");
                let target = std::env::var_os("SPEC_REVIEW_SEMVER_TARGET")
                    .map_or_else(|| repo.join("target/spec-review/semver-target"), PathBuf::from);
                semver_checks::judge(&outcome.generated[0], &outcome.generated[1], &work, &target)?
            };
            let ours = if r.breaking {
                "**breaking**"
            } else if r.behaviour {
                "behaviour change (the Rust API is compatible)"
            } else {
                "no breaking change"
            };
            judges.push_str(&format!(
                "| judge | verdict |\n|---|---|\n| spec-diff (the rules and the generated Rust API; the gate follows it) | {ours} |\n\
                 | cargo-semver-checks {} (the crates generated from both specs, every feature but TLS) | {} |\n\n",
                semver_checks::VERSION,
                r.semver.sentence()
            ));
            if let Some(d) = disagreement(&outcome, &r.semver) {
                judges.push_str(&format!("**The judges disagree.** {d}\n\n"));
            }
            let bump = if unchanged { Bump::None } else { version::required(&outcome) };
            if let Some(check) = version_check(repo, base, bump)? {
                judges.push_str(&format!("**Version.** {}\n", check.sentence()));
                if bump != Bump::None {
                    let log = std::fs::read_to_string(repo.join("generated/CHANGELOG.md")).unwrap_or_default();
                    r.changelog_missing = !version::has_entry(&log, check.head);
                    if r.changelog_missing {
                        judges.push_str(&format!(
                            "\n❌ `generated/CHANGELOG.md` has no entry `## [{}]` (`cargo xtask bump --base <base>` \
                             writes it from this diff).\n",
                            check.head
                        ));
                    }
                }
                judges.push('\n');
                r.version = Some(check);
            }
        }
    }
    let approval = r.breaking || r.behaviour;
    let what = match (r.breaking, r.behaviour) {
        (true, true) => "breaking and behaviour change",
        (true, false) => "breaking change",
        _ => "behaviour change",
    };
    let verdict = if !r.stale.is_empty() {
        "❌ `generated/` is stale".to_string()
    } else if approval && !o.approved {
        format!("❌ {what}, not approved")
    } else if !r.version_ok() {
        "❌ the version is not bumped accordingly".to_string()
    } else if approval {
        format!("⚠️ {what}, approved")
    } else {
        "✅ no breaking change".to_string()
    };
    let mut comment = format!("{MARKER}\n## Spec review: {verdict}\n\n{judges}{spec_section}\n### Generated code\n\n");
    if r.stale.is_empty() {
        comment.push_str("`generated/` is exactly what the spec gives (`cargo xtask generate --check`).\n");
    } else {
        comment.push_str("`generated/` differs from what the spec gives; run `cargo xtask generate` and commit:\n\n");
        comment.extend(r.stale.iter().map(|f| format!("- `{f}`\n")));
    }
    comment.push_str(&touched_section(&touched));
    if approval {
        comment.push_str(&format!(
            "\n### Approving a breaking or behaviour change\n\nThis change breaks code that uses the generated client, \
             or changes what the client does at run time. If that is intended (and the crate's version is bumped \
             accordingly), add the label `{APPROVAL_LABEL}` to the pull request; the check runs again and passes. \
             Locally: `cargo xtask spec-review --base origin/main --approved`.\n"
        ));
    }
    r.comment = comment;
    Ok(r)
}

/// The version the change requires against the base's `generated/Cargo.toml`; `None` when the base has none.
fn version_check(repo: &Path, base: &str, bump: Bump) -> Result<Option<VersionCheck>, String> {
    let out = Command::new("git")
        .args(["show", &format!("{base}:generated/Cargo.toml")])
        .current_dir(repo)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Ok(None);
    }
    let base_version = version::manifest_version(&String::from_utf8_lossy(&out.stdout))
        .map_err(|e| format!("generated/Cargo.toml at {base}: {e}"))?;
    let path = repo.join("generated/Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let head_version = version::manifest_version(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(VersionCheck::new(bump, base_version, head_version)))
}

/// The base crate's version (`generated/Cargo.toml` at `base`), for `cargo xtask bump`.
pub fn base_version(repo: &Path, base: &str) -> Result<Option<Version>, String> {
    Ok(version_check(repo, base, Bump::None)?.map(|c| c.base))
}

/// Files of `generated/` that `cargo xtask generate --check` would name.
fn stale_generated(repo: &Path) -> Result<Vec<String>, String> {
    let (spec, out) = (repo.join(SPEC_PATH), repo.join("generated"));
    let opts = crate::generate::options(&spec, &out, "octopus-client");
    let generated =
        codegen::generate_file(&spec, &opts).map_err(|d| format!("{} does not generate:\n{d}", spec.display()))?;
    let c = codegen::write::diff(&out, &generated.files).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
    let mut stale: Vec<String> = c
        .added
        .iter()
        .map(|f| format!("{f} (missing)"))
        .chain(c.changed.iter().map(|f| format!("{f} (differs)")))
        .chain(c.removed.iter().map(|f| format!("{f} (no longer generated)")))
        .collect();
    stale.sort();
    Ok(stale)
}

/// A file of `generated/` that differs between the base and the working tree.
struct Touched {
    /// added, removed or changed
    status: &'static str,
    path: String,
    /// Lines added and removed, not counting the `@generated` header line (it carries the spec's hash, so
    /// every file's header changes with any spec change).
    added: usize,
    removed: usize,
}

/// The files under `generated/` that differ between `base` and the working tree.
fn generated_files_touched(repo: &Path, base: &str) -> Result<Vec<Touched>, String> {
    let git = |args: &[&str]| -> Result<String, String> {
        let out = Command::new("git")
            .args(args)
            .args([base, "--", "generated/"])
            .current_dir(repo)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!("git diff {base}: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let statuses = git(&["diff", "--name-status", "--no-renames"])?;
    let counts = git(&["diff", "--numstat", "--no-renames", "-I", "@generated by `cargo xtask generate`"])?;
    let lines_of = |path: &str| {
        counts
            .lines()
            .filter_map(|l| {
                let mut f = l.splitn(3, '\t');
                let (a, r, p) = (f.next()?, f.next()?, f.next()?);
                (p == path).then(|| (a.parse().unwrap_or(0), r.parse().unwrap_or(0)))
            })
            .next()
            .unwrap_or((0, 0))
    };
    Ok(statuses
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(status, path)| {
            let (added, removed) = lines_of(path);
            let status = match status {
                "A" => "added",
                "D" => "removed",
                _ => "changed",
            };
            Touched { status, path: path.to_string(), added, removed }
        })
        .collect())
}

/// The generated-code part of the comment: files whose content changed, then how many changed only their
/// header.
fn touched_section(touched: &[Touched]) -> String {
    if touched.is_empty() {
        return "\nNo file of `generated/` changed.\n".into();
    }
    let (content, header_only): (Vec<&Touched>, Vec<&Touched>) =
        touched.iter().partition(|t| t.added + t.removed > 0 || t.status != "changed");
    let (plus, minus) = content.iter().fold((0, 0), |(p, m), t| (p + t.added, m + t.removed));
    let mut out = format!("\n{} file(s) of `generated/` changed (+{plus} −{minus} lines):\n\n", content.len());
    out.extend(content.iter().map(|t| format!("- {} `{}` (+{} −{})\n", t.status, t.path, t.added, t.removed)));
    if !header_only.is_empty() {
        out.push_str(&format!(
            "\n{} more changed only in their `@generated` header line (it names the spec's hash).\n",
            header_only.len()
        ));
    }
    out
}

/// A commit id shortened for a heading; a branch name as it is.
fn short(rev: &str) -> &str {
    if rev.len() == 40 && rev.chars().all(|c| c.is_ascii_hexdigit()) { &rev[..12] } else { rev }
}

pub fn run(a: Args) -> ExitCode {
    let (repo, base) = (a.at.repo(), &a.at.base);
    let options = Options { approved: a.approved, semver_checks: !a.no_semver_checks };
    let r = match review(&repo, base, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let write = |path: &Option<PathBuf>, text: &str| match path {
        Some(p) => std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display())),
        None => Ok(()),
    };
    let written = write(&a.comment, &r.comment)
        .and_then(|()| write(&a.annotations, &r.annotations))
        .and_then(|()| write(&a.sarif, &r.sarif))
        .and_then(|()| write(&a.junit, &r.junit));
    if let Err(e) = written {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    if a.comment.is_none() {
        print!("{}", r.comment);
    }
    if r.passes(a.approved) {
        return ExitCode::SUCCESS;
    }
    if !r.stale.is_empty() {
        eprintln!("error: generated/ is stale; run `cargo xtask generate` and commit the result");
    }
    if (r.breaking || r.behaviour) && !a.approved {
        eprintln!(
            "error: the spec change breaks callers of the generated client or changes what it does. To approve it, \
             add the label `{APPROVAL_LABEL}` to the pull request (locally: --approved, or {APPROVAL_ENV}=true)."
        );
    }
    if let Some(v) = r.version.as_ref().filter(|v| !v.ok()) {
        eprintln!(
            "error: the change requires octopus-client {} or later, and generated/Cargo.toml says {}; run \
             `cargo xtask bump --base {}`",
            v.least, v.head, base
        );
    }
    if r.changelog_missing {
        eprintln!("error: generated/CHANGELOG.md has no entry for this version; run `cargo xtask bump --base {base}`");
    }
    ExitCode::FAILURE
}
