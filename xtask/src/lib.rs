//! Project automation behind `cargo xtask` (see `.cargo/config.toml`). The binary is a thin dispatcher;
//! the commands live here so tests can drive them.

pub mod against_progenitor;
pub mod against_rev;
pub mod bench;
pub mod bump;
pub mod conformance;
pub mod corpus;
pub mod decode;
pub mod fuzz;
pub mod generate;
pub mod measure;
pub mod sandbox;
pub mod semver_checks;
pub mod spec_diff;
pub mod spec_review;
pub mod tag_cost;

/// The multi-threaded async runtime the async commands run on, or the exit code after saying why not.
pub fn runtime() -> Result<tokio::runtime::Runtime, std::process::ExitCode> {
    tokio::runtime::Runtime::new().map_err(|e| {
        eprintln!("error: cannot start the async runtime: {e}");
        std::process::ExitCode::FAILURE
    })
}

/// The cargo that runs us (`$CARGO`), for the commands that start cargo themselves.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// The workspace root: xtask lives one level below it.
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_path_buf()
}

/// Whether `dir` is listed in the root `Cargo.toml`'s `members`.
pub fn is_workspace_member(dir: &std::path::Path) -> bool {
    let root = root();
    let Ok(manifest) = std::fs::read_to_string(root.join("Cargo.toml")) else { return false };
    let Some(members) = manifest.split("members = [").nth(1).and_then(|m| m.split(']').next()) else { return false };
    let target = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    members
        .split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .any(|m| std::path::absolute(root.join(m)).is_ok_and(|p| normalize(&p) == normalize(&target)))
}

fn normalize(p: &std::path::Path) -> std::path::PathBuf {
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
