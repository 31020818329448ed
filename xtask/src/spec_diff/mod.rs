//! `cargo xtask spec-diff`: what a spec change breaks, for pull requests.
//!
//! Both specs are reduced to facts ([`facts`]) and compared rule by rule ([`rules`]); both are also generated
//! and their public Rust items compared ([`rust_api`]). [`report`] renders the result.

pub mod facts;
pub mod report;
pub mod rules;
pub mod rust_api;

use codegen::CrateOptions;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str =
    "usage: cargo xtask spec-diff --base REF|PATH [--head PATH] [--format text|md|json|github] [--allow-breaking]";

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Text,
    Markdown,
    Json,
    Github,
}

struct Args {
    base: String,
    head: PathBuf,
    format: Format,
    allow_breaking: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut base = None;
    let mut head = crate::root().join("spec/octopus.yaml");
    let mut format = Format::Text;
    let mut allow_breaking = false;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--base" => base = Some(value("--base")?),
            "--head" => head = PathBuf::from(value("--head")?),
            "--format" => {
                format = match value("--format")?.as_str() {
                    "text" => Format::Text,
                    "md" | "markdown" => Format::Markdown,
                    "json" => Format::Json,
                    "github" => Format::Github,
                    other => return Err(format!("unknown format `{other}` (text, md, json, github)")),
                }
            }
            "--allow-breaking" => allow_breaking = true,
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    let base = base.ok_or("--base is required")?;
    Ok(Args { base, head, format, allow_breaking })
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
}

/// Compares two spec texts. Errors name the side and the problem.
pub fn compare(base_label: &str, base_text: String, head_label: &str, head_text: String) -> Result<Outcome, String> {
    let opts = CrateOptions { crate_name: "spec-diff".into(), spec_label: "spec".into(), standalone: true };
    let base = codegen::load::load_str(base_label, base_text).map_err(|d| format!("base spec: {d}"))?;
    let head = codegen::load::load_str(head_label, head_text).map_err(|d| format!("head spec: {d}"))?;
    let changes = rules::diff(&facts::collect(&base.raw), &facts::collect(&head.raw));
    let lines = changes
        .iter()
        .map(|c| {
            let (text, json) = if c.in_base { (&base.text, base.is_json) } else { (&head.text, head.is_json) };
            codegen::locate::locate(text, json, &c.pointer).map(|p| p.0)
        })
        .collect();
    let generate = |spec: codegen::load::Spec, side: &str| -> Result<_, String> {
        let g = codegen::generate_spec(spec, &opts).map_err(|d| format!("{side} spec does not generate:\n{d}"))?;
        Ok(g.files)
    };
    let (base_files, head_files) = (generate(base, "base")?, generate(head, "head")?);
    let api = rust_api::compare(
        &rust_api::public_items(&base_files, &head_files)?,
        &rust_api::public_items(&head_files, &base_files)?,
    );
    Ok(Outcome { changes, api, lines })
}

pub fn run(args: &[String]) -> ExitCode {
    let a = match parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let (base_label, base_text) = match read_base(&a.base) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let head_text = match std::fs::read_to_string(&a.head) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read --head {}: {e}", a.head.display());
            return ExitCode::from(2);
        }
    };
    let head_label = a.head.display().to_string();
    let outcome = match compare(&base_label, base_text, &head_label, head_text) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let head_file = a.head.strip_prefix(crate::root()).unwrap_or(&a.head).display().to_string();
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
        Format::Markdown => report.markdown(),
        Format::Json => report.json(),
        Format::Github => report.github(),
    };
    print!("{text}");
    let breaking = outcome.changes.iter().any(|c| c.severity == rules::Severity::Breaking);
    if breaking && !a.allow_breaking { ExitCode::from(1) } else { ExitCode::SUCCESS }
}
