//! Runs the selected checks against a host (the embedded emulator, the sandbox, any URL, or a recording),
//! records cassettes when asked, and collects the results.

use crate::checks::{self, Ctx, Spends, Verdict};
use crate::control::{Control, HttpControl};
use crate::emulator::{Config, Emulator};
use crate::pace::{self, Pacer};
use crate::redact;
use crate::spec::Spec;
use crate::tap::{self, Exchange, Tap, Upstream};
use crate::traffic::Traffic;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const SANDBOX_URL: &str = "https://sandbox-api.octopuscards.io";

// A host is chosen once per run: the emulator's configuration inline costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Host {
    /// The embedded emulator, started in-process (the default).
    Local(Config),
    Sandbox,
    Url(String),
    /// Cassettes recorded earlier, served without network.
    Replay(PathBuf),
}

impl Host {
    pub fn parse(s: &str) -> Result<Host, String> {
        match s {
            "local" => Ok(Host::Local(Config::fast())),
            "sandbox" => Ok(Host::Sandbox),
            u if u.starts_with("http://") || u.starts_with("https://") => {
                Ok(Host::Url(u.trim_end_matches('/').to_string()))
            }
            other => Err(format!("--host must be local, sandbox or an http(s) URL, not {other:?}")),
        }
    }

    fn name(&self) -> String {
        match self {
            Host::Local(_) => "local (embedded emulator)".into(),
            Host::Sandbox => format!("sandbox ({SANDBOX_URL})"),
            Host::Url(u) => u.clone(),
            Host::Replay(dir) => format!("replay of {}", dir.display()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub host: Host,
    pub record: Option<PathBuf>,
    /// Check ids to run; empty runs every check.
    pub checks: Vec<String>,
    /// Remote hosts: run the checks that place orders.
    pub allow_orders: bool,
    /// Remote hosts: run the checks that exhaust a quota on purpose.
    pub allow_load: bool,
    /// Remote hosts: the share of each documented per-minute quota the suite may use in any rolling minute,
    /// in percent; `None` sends unpaced.
    pub pace_percent: Option<f64>,
    /// API key and secret for a remote host; `None` reads `OCTOPUS_API_KEY` and `OCTOPUS_API_SECRET`.
    pub credentials: Option<(String, String)>,
    /// A URL host that is a standalone emulator: its admin token, so checks force outcomes over HTTP and
    /// run in full.
    pub admin_token: Option<String>,
}

impl Options {
    /// Every check against `host`, nothing that spends allowed, at the default pace.
    pub fn new(host: Host) -> Options {
        Options {
            host,
            record: None,
            checks: Vec::new(),
            allow_orders: false,
            allow_load: false,
            pace_percent: Some(pace::DEFAULT_PERCENT),
            credentials: None,
            admin_token: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub summary: String,
    pub status: Status,
    /// Why it failed or was skipped.
    pub message: Option<String>,
    pub warnings: Vec<String>,
    pub seconds: f64,
    /// Request ids of the failure, for the host's support team.
    pub request_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub host: String,
    pub results: Vec<CheckResult>,
    pub seconds: f64,
    /// What the run cost the host.
    pub traffic: Traffic,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.results.iter().all(|r| r.status != Status::Fail)
    }
}

/// What a recording says about its host, so a replay takes the same paths.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Meta {
    host: String,
    control: bool,
    blacklisted_esim_product: Option<i64>,
}

/// A finished run, with the tap kept for transcripts.
pub struct Run {
    pub report: Report,
    pub tap: Arc<Tap>,
    /// The emulator of a local run, for audits after the fact.
    pub emulator: Option<Arc<Emulator>>,
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("{name} is not set; it is needed for this host"))
}

fn read_cassettes(dir: &Path) -> Result<(Meta, BTreeMap<String, Vec<Exchange>>), String> {
    let meta_path = dir.join("meta.yaml");
    let text = std::fs::read_to_string(&meta_path).map_err(|e| format!("{}: {e}", meta_path.display()))?;
    let meta: Meta = serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", meta_path.display()))?;
    let mut cassettes = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()).map(str::to_string) else { continue };
        if path.extension().is_none_or(|e| e != "yaml") || name == "meta" {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let exchanges: Vec<Exchange> = serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        cassettes.insert(name, exchanges);
    }
    Ok((meta, cassettes))
}

/// Writes one scenario's cassette: secrets redacted before anything touches disk, repeats folded.
fn write_cassette(dir: &Path, scenario: &str, exchanges: &[Exchange]) -> Result<(), String> {
    let redacted: Vec<Exchange> = exchanges.iter().map(Exchange::redacted).collect();
    let text = serde_yaml::to_string(&tap::fold(&redacted)).map_err(|e| e.to_string())?;
    let path = dir.join(format!("{scenario}.yaml"));
    std::fs::write(&path, format!("# Cassette of `{scenario}`, secrets redacted. Replay with --replay.\n{text}"))
        .map_err(|e| format!("{}: {e}", path.display()))
}

pub async fn run(opts: Options, mut progress: impl FnMut(&CheckResult)) -> Result<Run, String> {
    let all = checks::all();
    for id in &opts.checks {
        if !all.iter().any(|c| c.id == id) {
            return Err(format!("unknown check {id:?}; --list-checks prints them"));
        }
    }
    let (upstream, key, secret, control, blacklisted, emulator, poll_scale, remote) = match &opts.host {
        Host::Local(config) => {
            let e =
                Arc::new(Emulator::start(config.clone()).await.map_err(|e| format!("cannot start the emulator: {e}"))?);
            let a = e.accounts[0].clone();
            let up = Upstream::Forward { base: e.base_url.clone(), http: reqwest::Client::new() };
            let blacklisted =
                blacklisted_esim_product(&HttpControl::new(&e.base_url, &e.admin_token()), &a.key).await?;
            (up, a.key, a.secret, Control::Emulator(e.clone()), blacklisted, Some(e), 0.01, false)
        }
        Host::Sandbox | Host::Url(_) => {
            let (key, secret) = match opts.credentials.clone() {
                Some(pair) => pair,
                None => (env("OCTOPUS_API_KEY")?, env("OCTOPUS_API_SECRET")?),
            };
            let base = match &opts.host {
                Host::Url(u) => u.clone(),
                _ => SANDBOX_URL.to_string(),
            };
            // A host with a control surface is an emulator: its poll cadence may be as quick as ours.
            let (control, blacklisted, poll_scale) = match &opts.admin_token {
                Some(token) => {
                    let h = HttpControl::new(&base, token);
                    let blacklisted = blacklisted_esim_product(&h, &key).await?;
                    (Control::Http(h), blacklisted, 0.01)
                }
                None => (Control::None, None, 1.0),
            };
            let up = Upstream::Forward { base, http: reqwest::Client::new() };
            (up, key, secret, control, blacklisted, None, poll_scale, true)
        }
        Host::Replay(dir) => {
            let (meta, cassettes) = read_cassettes(dir)?;
            let control = if meta.control { Control::Recorded } else { Control::None };
            let up = Upstream::Replay { cassettes };
            (
                up,
                redact::REDACTED.to_string(),
                redact::REDACTED.to_string(),
                control,
                meta.blacklisted_esim_product,
                None,
                0.001,
                false,
            )
        }
    };
    let tap = Arc::new(Tap::start(upstream).await.map_err(|e| format!("cannot start the tap: {e}"))?);
    let pacer = match opts.pace_percent.filter(|_| remote) {
        Some(percent) => Some(Arc::new(Pacer::new(percent)?)),
        None => None,
    };
    if let Some(p) = &pacer {
        tap.pace(p.clone());
    }
    if let Some(dir) = &opts.record {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let meta = Meta {
            host: opts.host.name(),
            control: !matches!(control, Control::None),
            blacklisted_esim_product: blacklisted,
        };
        let text = serde_yaml::to_string(&meta).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("meta.yaml"), text).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let client = octopus_client::Client::builder(tap.base_url.clone())
        .credentials(key.clone(), secret.clone())
        .poll_interval_scale(poll_scale)
        .build()
        .map_err(|e| format!("cannot build the client: {e}"))?;
    let mut ctx = Ctx {
        client,
        tap: tap.clone(),
        key,
        secret,
        control,
        blacklisted_esim_product: blacklisted,
        run_id: run_id(&opts.host),
        scenario: "setup".into(),
    };
    // Log in once, so each check's transcript starts from a session.
    tap.begin("setup");
    if let Err(e) = ctx.client.list_currencies().await {
        let why = tap.upstream_error().unwrap_or_else(|| checks::describe(&e));
        return Err(format!(
            "the first request to {} failed (is the host up, are the credentials right?): {why}",
            opts.host.name()
        ));
    }
    if let Some(dir) = &opts.record {
        write_cassette(dir, "setup", &tap.exchanges("setup"))?;
    }
    let started = Instant::now();
    let mut results = Vec::new();
    for check in all.iter().filter(|c| opts.checks.is_empty() || opts.checks.iter().any(|id| id == c.id)) {
        let t = Instant::now();
        let mut result = CheckResult {
            id: check.id.into(),
            summary: check.summary.into(),
            status: Status::Pass,
            message: None,
            warnings: Vec::new(),
            seconds: 0.0,
            request_ids: Vec::new(),
        };
        let allowed = match check.spends {
            Spends::Nothing => true,
            Spends::Orders => opts.allow_orders,
            Spends::Quota => opts.allow_load,
        };
        if remote && !allowed {
            result.status = Status::Skip;
            result.message = check.spends.skip_reason().map(str::to_string);
        } else {
            if check.spends == Spends::Quota {
                tap.begin_unpaced(check.id);
            } else {
                tap.begin(check.id);
            }
            ctx.scenario = check.id.to_string();
            let verdict = tokio::time::timeout(Duration::from_secs(900), (check.run)(&ctx)).await;
            match verdict {
                Ok(Ok(Verdict { warnings })) => result.warnings = warnings,
                Ok(Err(f)) => {
                    result.status = Status::Fail;
                    result.request_ids = f.request_id.iter().cloned().collect();
                    result.message = Some(f.to_string());
                }
                Err(_) => {
                    result.status = Status::Fail;
                    result.message = Some("timed out after 15 minutes".into());
                }
            }
            let mismatches = tap.mismatches(check.id);
            if !mismatches.is_empty() {
                result.status = Status::Fail;
                result.message = Some(format!("the recording does not match: {}", mismatches.join("; ")));
            } else if result.status == Status::Pass
                && matches!(opts.host, Host::Replay(_))
                && tap.unplayed(check.id) > 0
            {
                result.status = Status::Fail;
                result.message = Some(format!(
                    "the recording of {} has {} exchanges this run never asked for",
                    check.id,
                    tap.unplayed(check.id)
                ));
            }
            if check.spends != Spends::Quota {
                result.warnings.extend(tap.exchanges(check.id).iter().filter_map(unexpected_429));
            }
            if let Some(dir) = &opts.record {
                write_cassette(dir, check.id, &tap.exchanges(check.id))?;
            }
        }
        result.seconds = t.elapsed().as_secs_f64();
        progress(&result);
        results.push(result);
    }
    let exchanges: Vec<Exchange> = tap.all_exchanges().into_iter().map(|(_, e)| e).collect();
    let paced = pacer.as_ref().map_or(0.0, |p| p.waited().as_secs_f64());
    let traffic = Traffic::of(Spec::embedded(), tap.sent(), &exchanges, paced);
    let report = Report { host: opts.host.name(), results, seconds: started.elapsed().as_secs_f64(), traffic };
    Ok(Run { report, tap, emulator })
}

/// A 429 an ordinary check met: the pace should have kept it away, so it is worth a warning, with the
/// `Retry-After` the client's retry policy waited out.
fn unexpected_429(e: &Exchange) -> Option<String> {
    (e.status == 429).then(|| {
        let path = e.path.split('?').next().unwrap_or_default();
        match e.header("retry-after") {
            Some(after) => format!("HTTP 429 on {} {path}; the client honoured Retry-After: {after} s", e.method),
            None => format!("HTTP 429 on {} {path} without Retry-After; the client backed off on its own", e.method),
        }
    })
}

/// The eSIM product the account behind `key` has blacklisted, from the emulator's control surface; a token
/// the host refuses is an error here, before any check runs.
async fn blacklisted_esim_product(control: &HttpControl, key: &str) -> Result<Option<i64>, String> {
    let setup = control.probe(key).await.map_err(|e| format!("the emulator's control surface refused: {e}"))?;
    Ok(setup["blacklisted_esim_products"].as_array().and_then(|ids| ids.first()).and_then(serde_json::Value::as_i64))
}

/// A short id that keeps this run's `client_reference` values apart from earlier runs on a shared host;
/// fixed for the emulator and replays so their transcripts repeat.
fn run_id(host: &Host) -> String {
    match host {
        Host::Local(_) | Host::Replay(_) => "run".into(),
        _ => format!(
            "{:x}",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
        ),
    }
}

/// A scenario's exchanges as a snapshot transcript: redacted, shapes instead of volatile values, and runs
/// of identical exchanges (polls, the rate-limit burst) folded, so it is the same for every run and seed.
pub fn transcript(exchanges: &[Exchange]) -> Value {
    let mut out: Vec<Value> = Vec::new();
    for e in exchanges.iter().map(Exchange::redacted) {
        let mut headers: Vec<String> = e
            .response_headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .filter(|n| {
                n.starts_with("x-page")
                    || n.starts_with("x-total")
                    || matches!(n.as_str(), "x-has-more" | "retry-after" | "content-type" | "x-request-id")
            })
            .collect();
        headers.sort();
        // A page's length is stable; a product's variant count is seeded content.
        let paged = e.header("x-total-count").is_some();
        let body = |raw: &str| {
            serde_json::from_str::<Value>(raw)
                .map_or_else(|_| Value::String(raw.chars().take(80).collect()), |v| redact::shape(&v, paged))
        };
        let entry = json!({
            "request": format!("{} {}", e.method, redact::path_shape(&e.path)),
            "request_body": e.request_body.as_deref().map(body),
            "status": e.status,
            "headers": headers,
            "body": body(&e.response_body),
        });
        let entry = sorted(entry);
        if out.last() != Some(&entry) {
            out.push(entry);
        }
    }
    Value::Array(out)
}

/// Object keys in sorted order at every depth, whether or not `serde_json/preserve_order` is on (another
/// crate in a build may turn it on), so a snapshot never depends on the feature set.
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
