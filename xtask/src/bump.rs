//! `cargo xtask bump --base REV`: gives the generated crate the version a spec change requires, and its
//! changelog entry.
//!
//! It compares the working tree's spec with `REV`'s (as the spec review does), takes the least version the
//! change allows after `REV`'s `generated/Cargo.toml` (see `spec_diff::version`), writes it into the spec as
//! `info.x-crate-version`, regenerates `generated/`, and inserts the Keep a Changelog entry written from the
//! diff into `generated/CHANGELOG.md`.

use crate::spec_diff::{self, SPEC_PATH, version};
use std::path::Path;
use std::process::ExitCode;

/// Set the generated crate's version to what the spec change since REV requires, and write its changelog entry.
///
/// Writes info.x-crate-version into spec/octopus.yaml, regenerates generated/ and updates generated/CHANGELOG.md.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    at: crate::spec_review::Place,
}

pub fn run(a: Args) -> ExitCode {
    match bump(&a.at.repo(), &a.at.base) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn bump(repo: &Path, base: &str) -> Result<String, String> {
    let spec_path = repo.join(SPEC_PATH);
    let head_text =
        std::fs::read_to_string(&spec_path).map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let base_text = spec_diff::spec_at(repo, base)?.ok_or(format!("{base} has no {SPEC_PATH}"))?;
    let base_version = crate::spec_review::base_version(repo, base)?
        .ok_or(format!("{base} has no generated/Cargo.toml to bump from"))?;
    let outcome = spec_diff::compare(&format!("{base}:{SPEC_PATH}"), base_text, SPEC_PATH, head_text.clone())?;
    let bump = version::required(&outcome);
    if bump == version::Bump::None {
        return Ok(format!("the change since {base} requires no bump: octopus-client stays {base_version}"));
    }
    // A version already set higher (by hand, or by an earlier run) is kept: bump never lowers one.
    let loaded = codegen::load::load_str(SPEC_PATH, head_text.clone()).map_err(|d| format!("{SPEC_PATH}: {d}"))?;
    let current = codegen::extensions::crate_version(&loaded.api.info.extensions)
        .map_err(|e| format!("{}: {e}", spec_path.display()))?
        .map(|v| version::Version::parse(&v))
        .transpose()?;
    let next = base_version.least_after(bump).max(current.unwrap_or(base_version));
    let spec = set_crate_version(&head_text, &next.to_string()).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    std::fs::write(&spec_path, &spec).map_err(|e| format!("cannot write {}: {e}", spec_path.display()))?;
    let out = repo.join("generated");
    let opts = crate::generate::options(&spec_path, &out, "octopus-client");
    let generated = codegen::generate_file(&spec_path, &opts)
        .map_err(|d| format!("{} does not generate:\n{d}", spec_path.display()))?;
    codegen::write::write(&out, &generated.files).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let log_path = out.join("CHANGELOG.md");
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let log = if version::has_entry(&log, next) {
        log
    } else {
        version::insert_entry(&log, &version::changelog_entry(&outcome, next, &spec_diff::ignore::today()))
    };
    std::fs::write(&log_path, log).map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
    Ok(format!(
        "octopus-client {base_version} → {next} ({} bump: {}); regenerated generated/ and wrote its entry in generated/CHANGELOG.md",
        base_version.part(bump),
        bump.as_str()
    ))
}

/// The spec text with `info.x-crate-version` set to `version`: the line replaced when there is one, otherwise
/// added as the first key of a block-style `info:` mapping.
pub fn set_crate_version(spec: &str, version: &str) -> Result<String, String> {
    let key = codegen::extensions::CRATE_VERSION;
    let mut lines: Vec<String> = spec.lines().map(str::to_string).collect();
    let info = lines
        .iter()
        .position(|l| l.trim_end() == "info:")
        .ok_or("no block-style `info:` mapping at the top level; add `x-crate-version: \"X.Y.Z\"` to `info` by hand")?;
    let indent = lines[info + 1..]
        .iter()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.len() - l.trim_start().len())
        .filter(|n| *n > 0)
        .unwrap_or(2);
    let end = lines[info + 1..]
        .iter()
        .position(|l| !l.trim().is_empty() && !l.starts_with(' ') && !l.starts_with('#'))
        .map_or(lines.len(), |i| info + 1 + i);
    let line = format!("{}{key}: \"{version}\"", " ".repeat(indent));
    match (info + 1..end).find(|i| lines[*i].trim_start().starts_with(&format!("{key}:"))) {
        Some(i) => lines[i] = line,
        None => lines.insert(info + 1, line),
    }
    let mut out = lines.join("\n");
    if spec.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::set_crate_version;

    #[test]
    fn the_version_goes_into_info() {
        let spec = "openapi: 3.0.3\ninfo:\n  title: T\n  version: \"1\"\npaths: {}\n";
        let once = set_crate_version(spec, "0.2.0").unwrap();
        assert_eq!(
            once,
            "openapi: 3.0.3\ninfo:\n  x-crate-version: \"0.2.0\"\n  title: T\n  version: \"1\"\npaths: {}\n"
        );
        let twice = set_crate_version(&once, "0.3.0").unwrap();
        assert!(twice.contains("x-crate-version: \"0.3.0\"") && !twice.contains("0.2.0"), "{twice}");
        assert!(set_crate_version("openapi: 3.0.3\ninfo: { title: T }\n", "0.2.0").is_err());
    }
}
