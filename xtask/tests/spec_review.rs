//! `cargo xtask spec-review`, the command the spec-review workflow runs, on temporary git repositories: a
//! breaking or behaviour change fails unless approved, a change without the version bump it requires fails
//! (`cargo xtask bump` gives it), a non-breaking one passes, a commit that leaves the spec alone needs no bump,
//! a stale `generated/` fails, and a base without the spec (the first pull request) is handled. The second
//! judge (cargo-semver-checks) is switched off here: `spec_diff_semver.rs` runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// A scratch repository with the project's spec and its generated crate committed as the base.
struct Repo {
    dir: PathBuf,
    base: String,
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The project's spec at version 0.1.0 (its `x-crate-version` left out), so the figures below do not move
/// with the real crate's version.
fn spec_text() -> String {
    let spec = std::fs::read_to_string(xtask::root().join("spec/octopus.yaml")).unwrap();
    spec.lines().filter(|l| !l.trim_start().starts_with("x-crate-version:")).map(|l| format!("{l}\n")).collect()
}

impl Repo {
    fn new(name: &str, with_spec: bool) -> Repo {
        let dir = std::env::temp_dir().join(format!("spec-review-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("spec")).unwrap();
        git(&dir, &["init", "--quiet"]);
        std::fs::write(dir.join("README.md"), "scratch\n").unwrap();
        let mut repo = Repo { dir, base: String::new() };
        if with_spec {
            repo.set_spec(&spec_text(), true);
        }
        git(&repo.dir, &["add", "-A"]);
        git(&repo.dir, &["commit", "--quiet", "-m", "base"]);
        repo.base = git(&repo.dir, &["rev-parse", "HEAD"]);
        repo
    }

    /// Writes the spec and, when asked, regenerates `generated/` from it, as a contributor would.
    fn set_spec(&mut self, text: &str, regenerate: bool) {
        std::fs::write(self.dir.join("spec/octopus.yaml"), text).unwrap();
        if regenerate {
            let out = Command::new(XTASK)
                .args(["generate", "--spec"])
                .arg(self.dir.join("spec/octopus.yaml"))
                .arg("--out")
                .arg(self.dir.join("generated"))
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
    }

    /// `cargo xtask bump --base <base>`, as a contributor runs it before committing.
    fn bump(&self) -> String {
        let out = Command::new(XTASK).args(["bump", "--base", &self.base, "--repo"]).arg(&self.dir).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn commit(&self) {
        git(&self.dir, &["add", "-A"]);
        git(&self.dir, &["commit", "--quiet", "-m", "head"]);
    }

    /// Runs the review as the workflow does; returns the exit code and the comment body.
    fn review(&self, approved: bool) -> (Option<i32>, String, Output) {
        let comment = self.dir.join("comment.md");
        let _ = std::fs::remove_file(&comment);
        let out = Command::new(XTASK)
            .args(["spec-review", "--base", &self.base, "--repo"])
            .arg(&self.dir)
            .arg("--comment")
            .arg(&comment)
            .env("SPEC_REVIEW_APPROVED", if approved { "true" } else { "false" })
            .env("SPEC_REVIEW_NO_SEMVER_CHECKS", "true")
            .output()
            .unwrap();
        (out.status.code(), std::fs::read_to_string(&comment).unwrap_or_default(), out)
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Renames an operation: the generated method changes name, so callers break.
fn breaking(spec: &str) -> String {
    assert!(spec.contains("operationId: get_country\n"));
    spec.replace("operationId: get_country\n", "operationId: get_country_by_id\n")
}

/// Adds an optional field to a response schema: callers keep compiling.
fn additive(spec: &str) -> String {
    let anchor = "        product_name: { type: string, example: Steam Wallet Card }\n";
    assert!(spec.contains(anchor));
    spec.replacen(anchor, &format!("{anchor}        gift_message: {{ type: string }}\n"), 1)
}

#[test]
fn a_breaking_change_fails_until_approved_and_writes_the_comment() {
    let mut repo = Repo::new("breaking", true);
    repo.set_spec(&breaking(&spec_text()), true);
    repo.commit();
    let (code, comment, out) = repo.review(false);
    assert_eq!(code, Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(comment.starts_with("<!-- octopus-spec-review -->\n## Spec review: ❌ breaking change, not approved"));
    assert!(comment.contains("get_country"), "{comment}");
    assert!(comment.contains("add the label `breaking-change-approved`"), "{comment}");
    assert!(comment.contains("file(s) of `generated/` changed"), "{comment}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("To approve it, add the label"));

    // Approved, but still 0.1.0: a breaking change needs 0.2.0 (Cargo's 0.x rule).
    let (code, comment, out) = repo.review(true);
    assert_eq!(code, Some(1), "{comment}");
    assert!(comment.contains("## Spec review: ❌ the version is not bumped accordingly"), "{comment}");
    assert!(
        comment.contains("requires a **minor (0.x: the breaking part)** bump of `octopus-client`: at least `0.2.0`"),
        "{comment}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("requires octopus-client 0.2.0 or later"));

    assert!(repo.bump().contains("0.1.0 → 0.2.0"));
    // Again: nothing moves, and the entry is not written twice.
    assert!(repo.bump().contains("0.1.0 → 0.2.0"));
    repo.commit();
    let (code, comment, out) = repo.review(true);
    assert_eq!(code, Some(0), "{comment}{}", String::from_utf8_lossy(&out.stderr));
    assert!(comment.contains("## Spec review: ⚠️ breaking change, approved"), "{comment}");
    let manifest = std::fs::read_to_string(repo.dir.join("generated/Cargo.toml")).unwrap();
    assert!(manifest.contains("version = \"0.2.0\""), "{manifest}");
    let log = std::fs::read_to_string(repo.dir.join("generated/CHANGELOG.md")).unwrap();
    assert_eq!(log.matches("## [0.2.0]").count(), 1, "{log}");
    assert!(
        log.contains("## [0.2.0] - ")
            && log.contains("**Breaking:** operationId `get_country` became `get_country_by_id`"),
        "{log}"
    );
}

#[test]
fn a_behaviour_change_fails_until_approved_and_says_what_the_client_does_now() {
    let mut repo = Repo::new("behaviour", true);
    let spec = spec_text();
    let anchor = "      operationId: create_voucher_order\n";
    assert!(spec.contains(anchor));
    repo.set_spec(&spec.replacen(anchor, &format!("{anchor}      x-safe-to-retry: true\n"), 1), true);
    repo.bump();
    repo.commit();
    let (code, comment, _) = repo.review(false);
    assert_eq!(code, Some(1), "{comment}");
    assert!(comment.contains("## Spec review: ❌ behaviour change, not approved"), "{comment}");
    assert!(comment.contains("**What the client will now do differently**"), "{comment}");
    assert!(
        comment.contains("`retry-safety-changed`: `x-safe-to-retry` was added: the client now retries this POST"),
        "{comment}"
    );
    let (code, comment, _) = repo.review(true);
    assert_eq!(code, Some(0), "{comment}");
    assert!(comment.contains("## Spec review: ⚠️ behaviour change, approved"), "{comment}");
}

#[test]
fn a_commit_that_leaves_the_spec_alone_needs_no_bump() {
    let repo = Repo::new("docs-only", true);
    std::fs::write(repo.dir.join("README.md"), "scratch, documented\n").unwrap();
    repo.commit();
    let (code, comment, out) = repo.review(false);
    assert_eq!(code, Some(0), "{comment}{}", String::from_utf8_lossy(&out.stderr));
    assert!(comment.contains("This change requires no version bump"), "{comment}");
}

#[test]
fn a_non_breaking_change_passes_once_its_version_is_bumped() {
    let mut repo = Repo::new("additive", true);
    repo.set_spec(&additive(&spec_text()), true);
    repo.commit();
    let (code, comment, _) = repo.review(false);
    assert_eq!(code, Some(1), "an addition needs a patch bump under 0.x: {comment}");
    assert!(comment.contains("requires a **patch** bump of `octopus-client`: at least `0.1.1`"), "{comment}");
    assert!(
        comment.contains("| cargo-semver-checks 0.51.0") && comment.contains("did not run: switched off"),
        "{comment}"
    );

    repo.bump();
    repo.commit();
    let (code, comment, out) = repo.review(false);
    assert_eq!(code, Some(0), "{}{comment}", String::from_utf8_lossy(&out.stderr));
    assert!(comment.contains("## Spec review: ✅ no breaking change"), "{comment}");
    assert!(comment.contains("gift_message"), "{comment}");
    assert!(comment.contains("`generated/` is exactly what the spec gives"), "{comment}");
}

#[test]
fn a_pull_request_without_the_regenerated_crate_fails() {
    let mut repo = Repo::new("stale", true);
    repo.set_spec(&additive(&spec_text()), false);
    repo.commit();
    let (code, comment, _) = repo.review(true);
    assert_eq!(code, Some(1), "approval does not excuse a stale crate");
    assert!(comment.contains("## Spec review: ❌ `generated/` is stale"), "{comment}");
    assert!(comment.contains("(differs)"), "{comment}");
}

#[test]
fn the_first_spec_has_nothing_to_compare_and_an_unfetched_base_is_named() {
    let mut repo = Repo::new("first", false);
    repo.set_spec(&spec_text(), true);
    repo.commit();
    let (code, comment, out) = repo.review(false);
    assert_eq!(code, Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(comment.contains("is new in this pull request"), "{comment}");

    let missing = Command::new(XTASK)
        .args(["spec-review", "--base", "0123456789abcdef0123456789abcdef01234567", "--repo"])
        .arg(&repo.dir)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("git fetch --depth=1 origin"));
}
