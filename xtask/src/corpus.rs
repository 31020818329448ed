//! `cargo xtask corpus fetch [--mirror DIR]`: brings back the corpus of public API descriptions pinned in
//! `codegen/tests/corpus/corpus.toml`. Small documents whose licence allows it are committed in `docs/`; the
//! others are fetched into `fetched/` (gitignored): a GitHub file at its pinned commit, or a file inside a
//! pinned npm package (through `npm pack`, the registry's own client). Every document is checked against its
//! sha256 before it is written; one already present and intact needs no network. What could not be fetched is
//! listed, with why, and the command then fails.
//!
//! `--mirror DIR` looks in a local directory first: `DIR/<file>`, `DIR/<owner>+<repo>/repo` (a git directory,
//! read at the pinned commit, else at its HEAD: the hash decides) and `DIR/<npm pack's tarball name>`.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The corpus of public API descriptions (`codegen/tests/corpus/corpus.toml`).
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: CorpusCommand,
}

#[derive(clap::Subcommand, Debug)]
enum CorpusCommand {
    /// Bring back every missing document (pinned GitHub commit, npm package or a local mirror), sha256 checked
    Fetch {
        /// Look here first: `DIR/<file>`, `DIR/<owner>+<repo>/repo` (git) or `DIR/<package>-<version>.tgz`
        #[arg(long, value_name = "DIR")]
        mirror: Option<PathBuf>,
    },
}

/// Where a document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file of a GitHub repository (`owner/name`) at a 40-hex commit.
    Github { repo: String, commit: String, path: String },
    /// A file inside an npm package's tarball (`path` without the tarball's `package/` prefix).
    Npm { package: String, version: String, path: String },
}

/// One `[[doc]]` of `corpus.toml`.
#[derive(Debug, Clone)]
pub struct Doc {
    pub name: String,
    pub api: String,
    pub openapi: String,
    /// The file name under `docs/` or `fetched/`.
    pub file: String,
    pub source: Source,
    pub sha256: String,
    pub bytes: u64,
    /// Committed under `docs/` (else fetched into `fetched/`).
    pub committed: bool,
    pub capabilities: Vec<String>,
    /// Compiled by the corpus test (when it generates).
    pub sample: bool,
    /// `fails: <causes>` for a document that does not generate today.
    pub expect: Option<String>,
}

impl Doc {
    /// Where the document belongs.
    pub fn home(&self, dir: &Path) -> PathBuf {
        dir.join(if self.committed { "docs" } else { "fetched" }).join(&self.file)
    }
}

/// `codegen/tests/corpus`.
pub fn dir() -> PathBuf {
    crate::root().join("codegen/tests/corpus")
}

/// The documents `dir/corpus.toml` lists, in its order.
pub fn load(dir: &Path) -> Result<Vec<Doc>, String> {
    let path = dir.join("corpus.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses a `corpus.toml`.
pub fn parse(text: &str) -> Result<Vec<Doc>, String> {
    let toml: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let Some(docs) = toml.get("doc").and_then(|d| d.as_array_of_tables()) else {
        return Err("no [[doc]] tables".into());
    };
    let mut out: Vec<Doc> = Vec::new();
    for (i, t) in docs.iter().enumerate() {
        let s = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let need = |k: &str| s(k).ok_or_else(|| format!("doc #{}: `{k}` is missing or not a string", i + 1));
        let name = need("name")?;
        let path = need("path")?;
        let source = match (s("github"), s("commit"), s("npm"), s("version")) {
            (Some(repo), Some(commit), None, _) => {
                if commit.len() != 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!("{name}: `commit` is not 40 hex digits"));
                }
                Source::Github { repo, commit, path }
            }
            (None, _, Some(package), Some(version)) => Source::Npm { package, version, path },
            _ => return Err(format!("{name}: give `github` + `commit`, or `npm` + `version`")),
        };
        let sha256 = need("sha256")?;
        if sha256.len() != 64 {
            return Err(format!("{name}: `sha256` is not 64 hex digits"));
        }
        let file = need("file")?;
        if file.contains('/') || file.starts_with('.') {
            return Err(format!("{name}: `file` is a plain file name"));
        }
        if out.iter().any(|d| d.name == name || d.file == file) {
            return Err(format!("{name}: the name or file is listed twice"));
        }
        out.push(Doc {
            api: s("api").unwrap_or_default(),
            openapi: s("openapi").unwrap_or_default(),
            file,
            source,
            sha256,
            bytes: t.get("bytes").and_then(|v| v.as_integer()).and_then(|b| u64::try_from(b).ok()).unwrap_or(0),
            committed: t.get("committed").and_then(|v| v.as_bool()).unwrap_or(false),
            capabilities: t
                .get("capabilities")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
            sample: t.get("sample").and_then(|v| v.as_bool()).unwrap_or(false),
            expect: s("expect"),
            name,
        });
    }
    Ok(out)
}

/// The lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The document's file when it is present (committed or fetched) and intact.
pub fn present(dir: &Path, doc: &Doc) -> Option<PathBuf> {
    ["docs", "fetched"]
        .iter()
        .map(|d| dir.join(d).join(&doc.file))
        .find(|p| std::fs::read(p).is_ok_and(|b| sha256_hex(&b) == doc.sha256))
}

pub fn run(a: Args) -> ExitCode {
    match a.command {
        CorpusCommand::Fetch { mirror } => fetch(&dir(), mirror.as_deref()),
    }
}

/// Fetches every missing document of `dir`'s corpus; fails when one could not be had.
pub fn fetch(dir: &Path, mirror: Option<&Path>) -> ExitCode {
    let docs = match load(dir) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cache = crate::root().join("target/corpus-cache");
    let mut fetcher = Fetcher { mirror, cache: &cache, runtime: None, tarballs: HashMap::new() };
    let (mut already, mut fetched, mut failed) = (0usize, Vec::new(), Vec::new());
    for doc in &docs {
        if present(dir, doc).is_some() {
            already += 1;
            continue;
        }
        match fetcher.bring(doc) {
            Ok((bytes, whence)) => {
                let home = doc.home(dir);
                let written = home
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::write(home.with_extension("part"), &bytes))
                    .and_then(|()| std::fs::rename(home.with_extension("part"), &home));
                match written {
                    Ok(()) => {
                        println!("fetched {} ({} bytes) from {whence}", doc.name, bytes.len());
                        fetched.push(doc.name.clone());
                    }
                    Err(e) => failed.push((doc.name.clone(), format!("cannot write {}: {e}", home.display()))),
                }
            }
            Err(why) => failed.push((doc.name.clone(), why)),
        }
    }
    println!(
        "corpus: {} documents, {already} already present, {} fetched, {} missing",
        docs.len(),
        fetched.len(),
        failed.len()
    );
    if failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!("could not fetch:");
    for (name, why) in &failed {
        eprintln!("  {name}: {why}");
    }
    ExitCode::FAILURE
}

struct Fetcher<'a> {
    mirror: Option<&'a Path>,
    cache: &'a Path,
    runtime: Option<tokio::runtime::Runtime>,
    /// npm tarballs already at hand (or the reason they are not), by `package@version`.
    tarballs: HashMap<String, Result<PathBuf, String>>,
}

impl Fetcher<'_> {
    /// The document's bytes, hash checked, and where they came from; or every reason it could not be had.
    fn bring(&mut self, doc: &Doc) -> Result<(Vec<u8>, String), String> {
        let mut tried: Vec<String> = Vec::new();
        let check = |bytes: Vec<u8>, whence: String, tried: &mut Vec<String>| {
            let got = sha256_hex(&bytes);
            if got == doc.sha256 {
                Some((bytes, whence))
            } else {
                tried.push(format!("{whence}: sha256 {got}, not the pinned {}", doc.sha256));
                None
            }
        };
        if let Some(m) = self.mirror {
            for (bytes, whence) in mirror_candidates(m, doc) {
                if let Some(ok) = check(bytes, whence, &mut tried) {
                    return Ok(ok);
                }
            }
        }
        let got = match &doc.source {
            Source::Github { repo, commit, path } => {
                let url = format!("https://raw.githubusercontent.com/{repo}/{commit}/{path}");
                self.http_get(&url).map(|b| (b, url))
            }
            Source::Npm { package, version, path } => self
                .tarball(package, version)
                .and_then(|tgz| untar(&tgz, path).map(|b| (b, format!("npm {package}@{version}:{path}")))),
        };
        match got {
            Ok((bytes, whence)) => {
                if let Some(ok) = check(bytes, whence, &mut tried) {
                    return Ok(ok);
                }
            }
            Err(e) => tried.push(e),
        }
        if self.mirror.is_none() {
            tried.push("no --mirror DIR given".into());
        }
        Err(tried.join("; "))
    }

    fn http_get(&mut self, url: &str) -> Result<Vec<u8>, String> {
        if self.runtime.is_none() {
            self.runtime = Some(tokio::runtime::Runtime::new().map_err(|e| format!("no async runtime: {e}"))?);
        }
        let rt = self.runtime.as_ref().expect("set above");
        rt.block_on(async {
            let client = reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(120))
                .build()
                .map_err(|e| format!("{url}: {e}"))?;
            let resp = client.get(url).send().await.map_err(|e| format!("{url}: {}", root_cause(&e)))?;
            if !resp.status().is_success() {
                return Err(format!("{url}: HTTP {}", resp.status()));
            }
            resp.bytes().await.map(|b| b.to_vec()).map_err(|e| format!("{url}: {}", root_cause(&e)))
        })
    }

    /// The package's tarball, from the cache or `npm pack` (once per package and version).
    fn tarball(&mut self, package: &str, version: &str) -> Result<PathBuf, String> {
        let key = format!("{package}@{version}");
        if let Some(r) = self.tarballs.get(&key) {
            return r.clone();
        }
        let name = tarball_name(package, version);
        let local = self.mirror.map(|m| m.join(&name)).filter(|p| p.is_file());
        let result = match local {
            Some(p) => Ok(p),
            None => {
                let dest = self.cache.join(&name);
                if dest.is_file() {
                    Ok(dest)
                } else {
                    npm_pack(&key, self.cache).and_then(|()| {
                        if dest.is_file() { Ok(dest) } else { Err(format!("npm pack {key} wrote no {name}")) }
                    })
                }
            }
        };
        self.tarballs.insert(key, result.clone());
        result
    }
}

/// The innermost cause of an error (reqwest's own message only repeats the URL).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// `npm pack`'s file name: `@scope/name` 1.2.3 is `scope-name-1.2.3.tgz`.
pub fn tarball_name(package: &str, version: &str) -> String {
    format!("{}-{version}.tgz", package.trim_start_matches('@').replace('/', "-"))
}

fn npm_pack(spec: &str, dest: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let out = Command::new("npm")
        .args(["pack", spec, "--silent", "--pack-destination"])
        .arg(dest)
        .output()
        .map_err(|e| format!("cannot run npm (needed for npm sources): {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    Err(format!("npm pack {spec}: {}", err.lines().find(|l| !l.trim().is_empty()).unwrap_or("failed")))
}

/// One file out of an npm tarball (`package/<path>`).
fn untar(tgz: &Path, path: &str) -> Result<Vec<u8>, String> {
    let out = Command::new("tar")
        .arg("-xzOf")
        .arg(tgz)
        .arg(format!("package/{path}"))
        .output()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if out.status.success() { Ok(out.stdout) } else { Err(format!("{}: no package/{path} in it", tgz.display())) }
}

/// What a mirror directory offers for `doc`, with where each came from.
fn mirror_candidates(m: &Path, doc: &Doc) -> Vec<(Vec<u8>, String)> {
    let mut found = Vec::new();
    let flat = m.join(&doc.file);
    if let Ok(b) = std::fs::read(&flat) {
        found.push((b, flat.display().to_string()));
    }
    match &doc.source {
        Source::Github { repo, commit, path } => {
            let git_dir = m.join(repo.replace('/', "+")).join("repo");
            if git_dir.exists() {
                for rev in [commit.as_str(), "HEAD"] {
                    let out =
                        Command::new("git").arg("-C").arg(&git_dir).arg("show").arg(format!("{rev}:{path}")).output();
                    if let Ok(o) = out
                        && o.status.success()
                    {
                        found.push((o.stdout, format!("{}@{rev}:{path}", git_dir.display())));
                    }
                }
            }
        }
        Source::Npm { package, version, path } => {
            let tgz = m.join(tarball_name(package, version));
            if tgz.is_file()
                && let Ok(b) = untar(&tgz, path)
            {
                found.push((b, format!("{}:{path}", tgz.display())));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_list_parses_and_names_each_document_once() {
        let docs = load(&dir()).expect("corpus.toml parses");
        assert!(docs.len() >= 30, "{} documents", docs.len());
        for d in &docs {
            assert!(d.bytes > 0, "{}: bytes", d.name);
            if d.committed {
                let p = dir().join("docs").join(&d.file);
                let b = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                assert_eq!(sha256_hex(&b), d.sha256, "{}: the committed file is not the pinned one", d.name);
                assert!(d.bytes <= 200 * 1024, "{}: committed documents are at most 200 KB", d.name);
            }
        }
    }

    #[test]
    fn sources_are_checked() {
        let base = "[[doc]]\nname = \"a\"\nfile = \"a.json\"\npath = \"x.json\"\nsha256 = \"".to_string()
            + &"0".repeat(64)
            + "\"\n";
        assert!(parse(&(base.clone() + "github = \"o/r\"\ncommit = \"abc\"\n")).is_err());
        assert!(parse(&(base.clone() + "npm = \"p\"\n")).is_err());
        let ok = parse(&(base + "npm = \"@s/p\"\nversion = \"1.0.0\"\n")).unwrap();
        assert_eq!(
            ok[0].source,
            Source::Npm { package: "@s/p".into(), version: "1.0.0".into(), path: "x.json".into() }
        );
        assert_eq!(tarball_name("@octokit/openapi", "23.0.2"), "octokit-openapi-23.0.2.tgz");
    }
}
