//! How a check reaches outside the API: the emulator's control surface, when the host has one. Checks see
//! this seam, never the emulator type, so the same check runs in full against the embedded emulator (in
//! process) and against a standalone `cargo xtask sandbox` (over HTTP, with its admin token).

use crate::emulator::{Emulator, Outcome, Vertical};
use serde_json::{Value, json};
use std::sync::Arc;

pub enum Control {
    /// The embedded emulator, called in process.
    Emulator(Arc<Emulator>),
    /// An emulator elsewhere, through its `/_emulator/` routes and admin token.
    Http(HttpControl),
    /// A replay of a host that had control: calls are no-ops, the cassette already holds their effect.
    Recorded,
    /// A host without control (the real sandbox): checks take the paths that need none.
    None,
}

/// The `/_emulator/` routes of a standalone emulator.
pub struct HttpControl {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl HttpControl {
    pub fn new(base: &str, token: &str) -> HttpControl {
        HttpControl {
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            http: reqwest::Client::new(),
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).header("x-emulator-admin", &self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.map_err(|e| format!("{path}: {e}"))?;
        let status = resp.status().as_u16();
        let v: Value = resp.json().await.unwrap_or_default();
        if !(200..300).contains(&status) {
            let why = v["error"]["message"].as_str().unwrap_or("no message").to_string();
            return Err(format!("{path}: HTTP {status}: {why}"));
        }
        Ok(v)
    }

    /// Whether the host answers the control routes with this token: a wrong token is an error the run
    /// reports up front, not a check that quietly weakens.
    pub async fn probe(&self, api_key: &str) -> Result<Value, String> {
        let path = format!("/_emulator/setup?key={}", urlencode(api_key));
        self.call(reqwest::Method::GET, &path, None).await
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Control {
    pub fn available(&self) -> bool {
        !matches!(self, Control::None)
    }

    /// What the host's control surface knows of the account behind `key` (`GET /_emulator/setup`): nothing
    /// without a control surface, an error when the host refuses the token.
    pub async fn setup(&self, key: &str) -> Result<Value, String> {
        match self {
            Control::Emulator(e) => e.setup(key).ok_or_else(|| "no account has that key".to_string()),
            Control::Http(h) => h.probe(key).await,
            Control::Recorded | Control::None => Ok(Value::Null),
        }
    }

    /// Forces how the order with this reference ends.
    pub async fn force(&self, vertical: Vertical, outcome: Outcome, reference: &str) -> Result<(), String> {
        match self {
            Control::Emulator(e) => {
                e.force(vertical, outcome, Some(reference));
                Ok(())
            }
            Control::Http(h) => {
                let body = json!({"vertical": vertical, "outcome": outcome, "client_reference": reference});
                h.call(reqwest::Method::POST, "/_emulator/outcomes", Some(body)).await.map(drop)
            }
            Control::Recorded | Control::None => Ok(()),
        }
    }

    /// Installs a delivered eSIM on the emulated device.
    pub async fn install(&self, order_id: i64) -> Result<(), String> {
        match self {
            Control::Emulator(e) => {
                e.install(order_id as u64);
                Ok(())
            }
            Control::Http(h) => h
                .call(reqwest::Method::POST, &format!("/_emulator/esim/orders/{order_id}/install"), None)
                .await
                .map(drop),
            Control::Recorded | Control::None => Ok(()),
        }
    }
}
