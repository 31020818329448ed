//! `cargo xtask spec-review --base REV`: the review of a spec-change pull request, as the workflow
//! `.github/workflows/spec-review.yml` runs it and as anyone can run it locally.
//!
//! It compares `spec/octopus.yaml` at `REV` with the working tree (spec-diff), summarises what changed in
//! `generated/`, checks that `generated/` is what the spec gives (`generate --check`), and writes one
//! Markdown comment. It fails when something breaks callers and nobody approved it, or when `generated/` is
//! stale. All the workflow's logic is here, so the tests run exactly what GitHub runs.

use crate::spec_diff::{self, SPEC_PATH, report, rules::Severity};
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
/// spec-diff against REV as a Markdown comment, the generated-code change, and generate --check. Exits 1
/// when generated/ is stale or a breaking change is not approved, 2 on bad input.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pull request's base commit
    #[arg(long, value_name = "REV")]
    base: String,
    /// The repository [default: this workspace]
    #[arg(long, value_name = "DIR")]
    repo: Option<PathBuf>,
    /// Write the Markdown comment here instead of printing it
    #[arg(long, value_name = "PATH")]
    comment: Option<PathBuf>,
    /// Write the workflow annotations (`::error file=…`) here
    #[arg(long, value_name = "PATH")]
    annotations: Option<PathBuf>,
    /// A breaking change is approved (the workflow sets it from the label breaking-change-approved)
    #[arg(long, env = APPROVAL_ENV, value_parser = clap::builder::FalseyValueParser::new())]
    approved: bool,
}

/// What a review found.
pub struct Review {
    /// The comment body, Markdown, starting with [`MARKER`].
    pub comment: String,
    /// `--format github` workflow commands for the changed lines.
    pub annotations: String,
    pub breaking: bool,
    /// Files of `generated/` that differ from what the spec gives.
    pub stale: Vec<String>,
}

impl Review {
    /// Whether the pull request may merge.
    pub fn passes(&self, approved: bool) -> bool {
        may_merge(&self.stale, self.breaking, approved)
    }
}

fn may_merge(stale: &[String], breaking: bool, approved: bool) -> bool {
    stale.is_empty() && (!breaking || approved)
}

/// Reviews the working tree of `repo` against its commit `base`.
pub fn review(repo: &Path, base: &str, approved: bool) -> Result<Review, String> {
    let head_path = repo.join(SPEC_PATH);
    let head_text =
        std::fs::read_to_string(&head_path).map_err(|e| format!("cannot read {}: {e}", head_path.display()))?;
    let base_spec = spec_diff::spec_at(repo, base)?;
    let stale = stale_generated(repo)?;
    let touched = generated_files_touched(repo, base)?;
    let (spec_section, annotations, breaking) = match base_spec {
        None => (
            format!("`{SPEC_PATH}` is new in this pull request: there is no earlier spec to compare.\n"),
            String::new(),
            false,
        ),
        Some(base_text) => {
            let base_label = format!("{}:{SPEC_PATH}", short(base));
            let outcome = spec_diff::compare(&base_label, base_text, SPEC_PATH, head_text)?;
            let r = report::Report {
                base_label: &base_label,
                head_label: SPEC_PATH,
                head_file: SPEC_PATH,
                changes: &outcome.changes,
                api: &outcome.api,
                lines: &outcome.lines,
            };
            let breaking = outcome.changes.iter().any(|c| c.severity == Severity::Breaking);
            let api = &outcome.api;
            let items = format!(
                "Public items of the generated crate: {} added, {} removed, {} changed.",
                api.added.len(),
                api.removed.len(),
                api.changed.len()
            );
            (format!("{}\n{items}\n", r.markdown()), r.github(), breaking)
        }
    };
    let verdict = match (may_merge(&stale, breaking, approved), breaking, stale.is_empty()) {
        (_, _, false) => "❌ `generated/` is stale",
        (true, true, true) => "⚠️ breaking change, approved",
        (false, true, true) => "❌ breaking change, not approved",
        _ => "✅ no breaking change",
    };
    let mut comment = format!("{MARKER}\n## Spec review: {verdict}\n\n{spec_section}\n### Generated code\n\n");
    if stale.is_empty() {
        comment.push_str("`generated/` is exactly what the spec gives (`cargo xtask generate --check`).\n");
    } else {
        comment.push_str("`generated/` differs from what the spec gives; run `cargo xtask generate` and commit:\n\n");
        comment.extend(stale.iter().map(|f| format!("- `{f}`\n")));
    }
    comment.push_str(&touched_section(&touched));
    if breaking {
        comment.push_str(&format!(
            "\n### Approving a breaking change\n\nThis change breaks code that uses the generated client. If that is \
             intended (and the crate's version is bumped accordingly), add the label `{APPROVAL_LABEL}` to the pull \
             request; the check runs again and passes. Locally: `cargo xtask spec-review --base origin/main --approved`.\n"
        ));
    }
    Ok(Review { comment, annotations, breaking, stale })
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

pub fn run(mut a: Args) -> ExitCode {
    let repo = a.repo.take().unwrap_or_else(crate::root);
    let r = match review(&repo, &a.base, a.approved) {
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
    if let Err(e) = write(&a.comment, &r.comment).and_then(|()| write(&a.annotations, &r.annotations)) {
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
    if r.breaking && !a.approved {
        eprintln!(
            "error: the spec change breaks callers of the generated client. To approve it, add the label \
             `{APPROVAL_LABEL}` to the pull request (locally: --approved, or {APPROVAL_ENV}=true)."
        );
    }
    ExitCode::FAILURE
}
