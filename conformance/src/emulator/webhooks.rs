//! Webhook delivery, as the spec's `x-webhooks` and `x-webhook-signature` describe it: a receiver URL per
//! account (registered through the control surface, loopback only), events signed with the account's own
//! secret (hex HMAC-SHA256 of the raw body in `X-Signature`, Unix seconds in `X-Timestamp`, the body's `id` in
//! `X-Event-ID`, the type in `X-Event-Type`), POSTed by a background task, retried on anything but a 2xx
//! after a bounded backoff ([`super::Config::webhook_retries`]). Every delivery and attempt is in the ledger.
//! The fault profile's webhook kinds send a duplicate or a stale timestamp on demand.
//!
//! Signed with the emulator's own HMAC (the `hmac` crate), never with the generated client's code.

use super::faults::{FaultKind, draw_webhook};
use super::http::{now, rfc3339};
use super::state::State;
use super::{Shared, lock};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How old a stale delivery's `X-Timestamp` is: twice the documented five-minute limit.
const STALE_BY_SECS: i64 = 600;
/// How long one POST may take before it counts as failed (the documents: answer "within a few seconds").
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where an account's events go. The secret is never printed (`Debug` hides it) nor put in the ledger.
pub struct Receiver {
    pub id: String,
    pub url: String,
    pub secret: String,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver").field("id", &self.id).field("url", &self.url).finish_non_exhaustive()
    }
}

/// One event on its way to one receiver, with every attempt so far.
#[derive(Debug)]
pub struct Delivery {
    pub id: String,
    pub client_id: u64,
    pub event_id: String,
    pub event_type: String,
    /// The exact bytes that are signed and sent.
    pub body: String,
    pub attempts: Vec<Value>,
    /// When the next attempt is due; `None` once delivered or out of retries.
    pub due: Option<Instant>,
    /// An attempt is under way (taken by the delivery task, its answer not yet recorded).
    pub sending: bool,
    pub delivered: bool,
}

#[derive(Debug, Default)]
pub struct Webhooks {
    pub receivers: BTreeMap<u64, Receiver>,
    pub deliveries: Vec<Delivery>,
    next_id: u64,
}

/// What the background task sends in one attempt (built under the lock, sent without it).
struct Send {
    index: usize,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: String,
    copies: usize,
    stale: bool,
}

/// Hex HMAC-SHA256 of `body` with `secret`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return String::new() };
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A receiver URL the emulator may call: `http` on a loopback address (the emulator never reaches out).
pub fn loopback_url(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "url must be an absolute URL".to_string())?;
    let host = parsed.host_str().unwrap_or("");
    let ip = host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>();
    let loopback = host == "localhost" || ip.is_ok_and(|ip| ip.is_loopback());
    if parsed.scheme() != "http" || !loopback {
        return Err("url must be http on a loopback address (127.0.0.1, ::1, localhost)".into());
    }
    Ok(parsed)
}

impl Webhooks {
    /// Registers (or replaces) an account's receiver; the secret is drawn when not given. Answers the secret.
    pub fn register(&mut self, client_id: u64, url: &str, secret: Option<String>) -> Result<String, String> {
        loopback_url(url)?;
        let secret = match secret {
            Some(s) if s.is_empty() => return Err("secret must not be empty".into()),
            Some(s) => s,
            None => super::secret::random_hex(32).map_err(|e| format!("no randomness for the secret: {e}"))?,
        };
        let id = format!("wh_{client_id}");
        self.receivers.insert(client_id, Receiver { id, url: url.to_string(), secret: secret.clone() });
        Ok(secret)
    }
}

impl State {
    /// Queues an event for `client_id`'s receiver, if it registered one (`true` then).
    pub fn emit(&mut self, client_id: u64, event_type: &str, data: Value) -> bool {
        if !self.webhooks.receivers.contains_key(&client_id) {
            return false;
        }
        self.webhooks.next_id += 1;
        let n = self.webhooks.next_id;
        let event_id = format!("evt_emu_{n:06}");
        let body = json!({"id": event_id, "type": event_type, "created_at": rfc3339(now()), "data": data});
        self.webhooks.deliveries.push(Delivery {
            id: format!("whd_{n:06}"),
            client_id,
            event_id,
            event_type: event_type.to_string(),
            body: body.to_string(),
            attempts: Vec::new(),
            due: Some(Instant::now()),
            sending: false,
            delivered: false,
        });
        self.webhook_wake.notify_one();
        true
    }

    /// The attempts due now, marked as under way (no due time) so no other pass sends them too.
    fn due_sends(&mut self, at: Instant) -> Vec<Send> {
        let mut sends = Vec::new();
        for index in 0..self.webhooks.deliveries.len() {
            if self.webhooks.deliveries[index].due.is_none_or(|d| d > at) {
                continue;
            }
            let (client_id, event_type) = {
                let d = &self.webhooks.deliveries[index];
                (d.client_id, d.event_type.clone())
            };
            let fault = draw_webhook(self, &event_type);
            let d = &mut self.webhooks.deliveries[index];
            d.due = None;
            d.sending = true;
            let Some(r) = self.webhooks.receivers.get(&client_id) else { continue };
            let stale = fault == Some(FaultKind::WebhookStale);
            let timestamp = now() - if stale { STALE_BY_SECS } else { 0 };
            let headers = vec![
                ("content-type", "application/json".to_string()),
                ("user-agent", "octopusrewards.com/webhook-agent".to_string()),
                ("x-signature", sign(&r.secret, d.body.as_bytes())),
                ("x-timestamp", timestamp.to_string()),
                ("x-event-id", d.event_id.clone()),
                ("x-event-type", d.event_type.clone()),
                ("x-webhook-id", r.id.clone()),
                ("x-octopus-webhook-token", r.secret.clone()),
            ];
            let copies = if fault == Some(FaultKind::WebhookDuplicate) { 2 } else { 1 };
            sends.push(Send { index, url: r.url.clone(), headers, body: d.body.clone(), copies, stale });
        }
        sends
    }

    /// Records one attempt's answer and schedules the retry a non-2xx (or no answer) earns, if any is left.
    fn record(&mut self, send: &Send, copy: usize, answer: Result<u16, String>) {
        let retries = self.config.webhook_retries.clone();
        let Some(d) = self.webhooks.deliveries.get_mut(send.index) else { return };
        let ok = answer.as_ref().is_ok_and(|s| (200..300).contains(s));
        let (status, error) = match answer {
            Ok(s) => (json!(s), Value::Null),
            Err(e) => (Value::Null, json!(e)),
        };
        d.attempts.push(json!({
            "at": rfc3339(now()), "status": status, "error": error, "stale": send.stale, "duplicate": copy > 0,
        }));
        if copy + 1 == send.copies {
            d.sending = false;
        }
        if copy > 0 {
            return;
        }
        if ok {
            d.delivered = true;
            return;
        }
        let failures = d.attempts.iter().filter(|a| a["duplicate"] == false).count();
        d.due = retries.get(failures - 1).map(|wait| Instant::now() + *wait);
    }

    /// The deliveries as the ledger shows them (no secret, no signature).
    pub fn deliveries_json(&self) -> Value {
        Value::Array(
            self.webhooks
                .deliveries
                .iter()
                .map(|d| {
                    let state = match (d.delivered, d.due) {
                        _ if d.sending => "sending",
                        (true, _) => "delivered",
                        (false, Some(_)) => "retrying",
                        (false, None) if d.attempts.is_empty() => "queued",
                        (false, None) => "failed",
                    };
                    json!({
                        "id": d.id, "client_id": d.client_id, "event_id": d.event_id, "type": d.event_type,
                        "state": state, "attempts": d.attempts, "body": serde_json::from_str::<Value>(&d.body).ok(),
                    })
                })
                .collect(),
        )
    }
}

/// The background task: sends what is due, records the answers, sleeps until the next retry or a new event.
pub async fn run(s: Shared) {
    // No redirects: a receiver must not lead the emulator off the loopback address it registered.
    let builder = reqwest::Client::builder().timeout(ATTEMPT_TIMEOUT).no_proxy();
    let http = match builder.redirect(reqwest::redirect::Policy::none()).build() {
        Ok(h) => h,
        Err(_) => return,
    };
    loop {
        let (sends, wake, next) = {
            let mut st = lock(&s);
            let sends = st.due_sends(Instant::now());
            let next = st.webhooks.deliveries.iter().filter_map(|d| d.due).min();
            (sends, st.webhook_wake.clone(), next)
        };
        for send in &sends {
            for copy in 0..send.copies {
                let mut req = http.post(&send.url).body(send.body.clone());
                for (name, value) in &send.headers {
                    req = req.header(*name, value);
                }
                // The error's text names the kind of failure; it never holds a secret (none is in the URL).
                let answer = match req.send().await {
                    Ok(r) => Ok(r.status().as_u16()),
                    Err(e) if e.is_timeout() => Err("timeout".to_string()),
                    Err(e) if e.is_connect() => Err("connection refused".to_string()),
                    Err(_) => Err("transport error".to_string()),
                };
                lock(&s).record(send, copy, answer);
            }
        }
        if !sends.is_empty() {
            continue;
        }
        let sleep = next.map_or(Duration::from_secs(3600), |n| n.saturating_duration_since(Instant::now()));
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(sleep) => {}
        }
    }
}
