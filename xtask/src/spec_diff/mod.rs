//! `cargo xtask spec-diff`: what a spec change breaks, for pull requests.
//!
//! Both specs are reduced to facts ([`facts`]) and compared rule by rule ([`rules`]); both are also generated
//! and their public Rust items compared ([`rust_api`]). [`report`] renders the result.

pub mod facts;
pub mod ignore;
pub mod report;
pub mod rules;
pub mod rust_api;
pub mod version;

use codegen::CrateOptions;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[derive(Clone, Copy, PartialEq, Debug, clap::ValueEnum)]
enum Format {
    Text,
    #[value(alias = "markdown")]
    Md,
    Json,
    Github,
    /// SARIF 2.1.0, for code scanning
    Sarif,
    /// JUnit XML
    Junit,
}

/// Compare two versions of the spec: what changed, in the spec and in the generated Rust API.
///
/// Says whether the change breaks callers. Exits 1 on a breaking or behaviour change (unless --allow-breaking), 2
/// on bad input.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A git revision (its spec/octopus.yaml is read) or a spec file
    #[arg(long, value_name = "REF|PATH")]
    base: String,
    /// The changed spec [default: the working tree's spec/octopus.yaml]
    #[arg(long, value_name = "PATH")]
    head: Option<PathBuf>,
    /// text for people, md for a pull-request comment, json for tools, github for workflow annotations, sarif for
    /// code scanning, junit for test reports
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Known exceptions: entries with a rule, a pointer, a reason and an expiry date [default: spec/spec-diff-ignore.yaml]
    #[arg(long, value_name = "PATH")]
    ignore: Option<PathBuf>,
    /// Exit 0 even when something breaks or behaves differently
    #[arg(long)]
    allow_breaking: bool,
}

/// The spec's path inside a repository.
pub const SPEC_PATH: &str = "spec/octopus.yaml";

/// The base spec's text: a file when `spec` names one, otherwise `spec/octopus.yaml` at that git revision.
fn read_base(spec: &str) -> Result<(String, String), String> {
    let path = Path::new(spec);
    if path.is_file() {
        return std::fs::read_to_string(path)
            .map(|t| (spec.to_string(), t))
            .map_err(|e| format!("cannot read {spec}: {e}"));
    }
    match spec_at(&crate::root(), spec) {
        Ok(Some(text)) => Ok((format!("{spec}:{SPEC_PATH}"), text)),
        Ok(None) => Err(format!("--base {spec} is neither a file nor a git revision with {SPEC_PATH}")),
        Err(e) => Err(format!("--base {spec} is neither a file nor a git revision with {SPEC_PATH}: {e}")),
    }
}

/// `spec/octopus.yaml` at a git revision of `repo`: `None` when the revision exists but has no spec (the pull
/// request that adds it), an error when the revision is unknown (in a shallow clone: not fetched).
pub fn spec_at(repo: &Path, rev: &str) -> Result<Option<String>, String> {
    let git = |args: &[&str]| Command::new("git").args(args).current_dir(repo).output();
    let known = git(&["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !known.status.success() {
        return Err(format!(
            "{rev} is not a commit of {}; in a shallow clone, fetch it first (git fetch --depth=1 origin {rev})",
            repo.display()
        ));
    }
    let out = git(&["show", &format!("{rev}:{SPEC_PATH}")]).map_err(|e| format!("cannot run git: {e}"))?;
    Ok(out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned()))
}

/// The outcome of comparing two spec texts.
pub struct Outcome {
    pub changes: Vec<rules::Change>,
    pub api: rust_api::ApiDiff,
    pub lines: Vec<Option<usize>>,
    /// The crates generated from the base and the head spec (by the same generator), path → text.
    pub generated: [std::collections::BTreeMap<String, String>; 2],
}

impl Outcome {
    /// Whether the change needs approval: something breaks callers, or the client behaves differently.
    pub fn needs_approval(&self) -> bool {
        self.changes.iter().any(|c| {
            matches!(c.severity, rules::Severity::Breaking | rules::Severity::Behaviour) && c.ignored.is_none()
        })
    }
}

/// Compares two spec texts. Errors name the side and the problem.
pub fn compare(base_label: &str, base_text: String, head_label: &str, head_text: String) -> Result<Outcome, String> {
    let opts = CrateOptions { crate_name: "spec-diff".into(), spec_label: "spec".into(), standalone: true };
    let base = codegen::load::load_str(base_label, base_text).map_err(|d| format!("base spec: {d}"))?;
    let head = codegen::load::load_str(head_label, head_text).map_err(|d| format!("head spec: {d}"))?;
    let mut changes = rules::diff(&facts::collect(&base.raw), &facts::collect(&head.raw));
    // A 3.1 document is read normalised: name each change where its side's author wrote it.
    let moved = [base.moved.clone(), head.moved.clone()];
    let sides =
        [(base.text.clone(), base.is_json, base.raw.clone()), (head.text.clone(), head.is_json, head.raw.clone())];
    let generate = |spec: codegen::load::Spec, side: &str| -> Result<_, String> {
        let g = codegen::generate_spec(spec, &opts).map_err(|d| format!("{side} spec does not generate:\n{d}"))?;
        Ok(g.files)
    };
    let (base_files, head_files) = (generate(base, "base")?, generate(head, "head")?);
    let api = rust_api::compare(
        &rust_api::public_items(&base_files, &head_files)?,
        &rust_api::public_items(&head_files, &base_files)?,
    );
    // The generated API is judged too: an item that changes or disappears breaks callers even when no spec rule
    // says so (a rule that breaks compilation already names the cause).
    let explained = changes.iter().any(|c| c.severity == rules::Severity::Breaking && !rules::WIRE.contains(&c.rule));
    if !api.breaking.is_empty() && !explained {
        changes.push(rules::rust_api_change(&api.breaking, &sides[1].2));
    }
    for c in &mut changes {
        let moved = if c.in_base { &moved[0] } else { &moved[1] };
        if !moved.is_empty() {
            c.pointer = codegen::openapi31::original(moved, &c.pointer);
        }
    }
    let lines = changes
        .iter()
        .map(|c| {
            let (text, json, _) = if c.in_base { &sides[0] } else { &sides[1] };
            codegen::locate::locate(text, *json, &c.pointer).map(|p| p.0)
        })
        .collect();
    Ok(Outcome { changes, api, lines, generated: [base_files, head_files] })
}

pub fn run(mut a: Args) -> ExitCode {
    let head = a.head.take().unwrap_or_else(|| crate::root().join(SPEC_PATH));
    let (base_label, base_text) = match read_base(&a.base) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let head_text = match std::fs::read_to_string(&head) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read --head {}: {e}", head.display());
            return ExitCode::from(2);
        }
    };
    let head_label = head.display().to_string();
    let ignore_path = a.ignore.take().unwrap_or_else(|| crate::root().join(ignore::PATH));
    let (mut outcome, mut ignored) = match ignore::load(&ignore_path)
        .and_then(|i| Ok((compare(&base_label, base_text, &head_label, head_text)?, i)))
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    for e in ignored.apply(&mut outcome.changes, &ignore::today()) {
        eprintln!(
            "warning: {}: the entry for `{}` at `{}` expired on {} and no longer applies",
            ignore_path.display(),
            e.rule,
            e.pointer,
            e.expires
        );
    }
    let head_file = head.strip_prefix(crate::root()).unwrap_or(&head).display().to_string();
    let report = report::Report {
        base_label: &base_label,
        head_label: &head_file,
        head_file: &head_file,
        changes: &outcome.changes,
        api: &outcome.api,
        lines: &outcome.lines,
    };
    let text = match a.format {
        Format::Text => report.text(),
        Format::Md => report.markdown(),
        Format::Json => report.json(),
        Format::Github => report.github(),
        Format::Sarif => report.sarif(),
        Format::Junit => report.junit(),
    };
    print!("{text}");
    if outcome.needs_approval() && !a.allow_breaking { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
