//! The run loop: the selected checks, one after another, against a host set up by [`crate::host`], with a
//! cassette per check when recording ([`crate::cassette`]), and the results.

use crate::cassette::{self, Meta};
use crate::checks::{self, Ctx, Spends, Verdict};
use crate::emulator::Emulator;
use crate::host::{self, Setup};
use crate::pace::{self, Pacer};
use crate::spec::Spec;
use crate::tap::{Exchange, Tap};
use crate::traffic::Traffic;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::host::{Host, SANDBOX_URL};
pub use crate::transcript::transcript;

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

/// A finished run, with the tap kept for transcripts.
pub struct Run {
    pub report: Report,
    pub tap: Arc<Tap>,
    /// The emulator of a local run, for audits after the fact.
    pub emulator: Option<Arc<Emulator>>,
}

pub async fn run(opts: Options, mut progress: impl FnMut(&CheckResult)) -> Result<Run, String> {
    let all = checks::all();
    for id in &opts.checks {
        if !all.iter().any(|c| c.id == id) {
            return Err(format!("unknown check {id:?}; --list-checks prints them"));
        }
    }
    let Setup { upstream, key, secret, control, blacklisted_esim_product: blacklisted, emulator, poll_scale, remote } =
        host::setup(&opts.host, opts.credentials.clone(), opts.admin_token.as_deref()).await?;
    let tap = Arc::new(Tap::start(upstream).await.map_err(|e| format!("cannot start the tap: {e}"))?);
    let pacer = match opts.pace_percent.filter(|_| remote) {
        Some(percent) => Some(Arc::new(Pacer::new(percent)?)),
        None => None,
    };
    if let Some(p) = &pacer {
        tap.pace(p.clone());
    }
    if let Some(dir) = &opts.record {
        let meta = Meta { host: opts.host.name(), control: control.available(), blacklisted_esim_product: blacklisted };
        cassette::write_meta(dir, &meta)?;
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
        cassette::write(dir, "setup", &tap.exchanges("setup"))?;
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
                cassette::write(dir, check.id, &tap.exchanges(check.id))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(status: u16, headers: &[(&str, &str)]) -> Exchange {
        Exchange {
            method: "GET".into(),
            path: "/api/v1/currencies?page=2".into(),
            request_headers: Vec::new(),
            request_body: None,
            status,
            response_headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            response_body: String::new(),
            repeat: 1,
        }
    }

    #[test]
    fn a_429_an_ordinary_check_meets_is_a_warning_with_the_wait_it_honoured() {
        assert_eq!(unexpected_429(&exchange(200, &[])), None);
        assert_eq!(
            unexpected_429(&exchange(429, &[("Retry-After", "7")])).as_deref(),
            Some("HTTP 429 on GET /api/v1/currencies; the client honoured Retry-After: 7 s")
        );
        assert!(unexpected_429(&exchange(429, &[])).is_some_and(|w| w.contains("without Retry-After")));
    }
}
