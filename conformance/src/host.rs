//! Hosts: what `--host` names, and how a run is set up against it (the embedded emulator, the sandbox, any
//! URL, or a recording): where requests go, with which credentials, through which control surface.

use crate::cassette;
use crate::control::{Control, HttpControl};
use crate::emulator::{Config, Emulator};
use crate::redact;
use crate::tap::Upstream;
use std::path::PathBuf;
use std::sync::Arc;

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

    pub fn name(&self) -> String {
        match self {
            Host::Local(_) => "local (embedded emulator)".into(),
            Host::Sandbox => format!("sandbox ({SANDBOX_URL})"),
            Host::Url(u) => u.clone(),
            Host::Replay(dir) => format!("replay of {}", dir.display()),
        }
    }
}

/// A host, ready for a run.
pub struct Setup {
    /// Where the tap sends requests (or the cassettes it answers from).
    pub upstream: Upstream,
    pub key: String,
    pub secret: String,
    pub control: Control,
    /// An eSIM product the account is known to have blacklisted, when the host's setup is known.
    pub blacklisted_esim_product: Option<i64>,
    /// The embedded emulator of a local run, kept for audits after the fact.
    pub emulator: Option<Arc<Emulator>>,
    /// Multiplies the documented poll cadence: quick for an emulator, as documented elsewhere.
    pub poll_scale: f64,
    /// A shared host: spending checks need flags, and requests are paced.
    pub remote: bool,
}

/// Starts or reaches the host. A wrong admin token, missing credentials or an unreadable recording are
/// errors here, before any check runs.
pub async fn setup(
    host: &Host,
    credentials: Option<(String, String)>,
    admin_token: Option<&str>,
) -> Result<Setup, String> {
    Ok(match host {
        Host::Local(config) => {
            let e =
                Arc::new(Emulator::start(config.clone()).await.map_err(|e| format!("cannot start the emulator: {e}"))?);
            let a = e.accounts[0].clone();
            let up = Upstream::Forward { base: e.base_url.clone(), http: reqwest::Client::new() };
            let control = Control::Emulator(e.clone());
            let blacklisted = blacklisted_esim_product(&control, &a.key).await?;
            Setup {
                upstream: up,
                key: a.key,
                secret: a.secret,
                control,
                blacklisted_esim_product: blacklisted,
                emulator: Some(e),
                poll_scale: 0.01,
                remote: false,
            }
        }
        Host::Sandbox | Host::Url(_) => {
            let (key, secret) = match credentials {
                Some(pair) => pair,
                None => (env("OCTOPUS_API_KEY")?, env("OCTOPUS_API_SECRET")?),
            };
            let base = match host {
                Host::Url(u) => u.clone(),
                _ => SANDBOX_URL.to_string(),
            };
            // A host with a control surface is an emulator: its poll cadence may be as quick as ours.
            let (control, blacklisted, poll_scale) = match admin_token {
                Some(token) => {
                    let control = Control::Http(HttpControl::new(&base, token));
                    let blacklisted = blacklisted_esim_product(&control, &key).await?;
                    (control, blacklisted, 0.01)
                }
                None => (Control::None, None, 1.0),
            };
            let up = Upstream::Forward { base, http: reqwest::Client::new() };
            Setup {
                upstream: up,
                key,
                secret,
                control,
                blacklisted_esim_product: blacklisted,
                emulator: None,
                poll_scale,
                remote: true,
            }
        }
        Host::Replay(dir) => {
            let (meta, cassettes) = cassette::read(dir)?;
            let control = if meta.control { Control::Recorded } else { Control::None };
            let up = Upstream::Replay { cassettes };
            Setup {
                upstream: up,
                key: redact::REDACTED.to_string(),
                secret: redact::REDACTED.to_string(),
                control,
                blacklisted_esim_product: meta.blacklisted_esim_product,
                emulator: None,
                poll_scale: 0.001,
                remote: false,
            }
        }
    })
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("{name} is not set; it is needed for this host"))
}

/// The eSIM product the account behind `key` has blacklisted, from the emulator's control surface; a token
/// the host refuses is an error here, before any check runs.
async fn blacklisted_esim_product(control: &Control, key: &str) -> Result<Option<i64>, String> {
    let setup = control.setup(key).await.map_err(|e| format!("the emulator's control surface refused: {e}"))?;
    Ok(setup["blacklisted_esim_products"].as_array().and_then(|ids| ids.first()).and_then(serde_json::Value::as_i64))
}
