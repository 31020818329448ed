//! Plain-HTTP helpers for the emulator tests: no generated client on this side.
#![allow(dead_code)]

use conformance::emulator::Emulator;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub struct Session {
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
    pub refresh: String,
}

/// An emulator with the default configuration, and a session of its first account.
pub async fn started() -> (Emulator, Session) {
    let e = Emulator::start(conformance::emulator::Config::default()).await.unwrap();
    let s = login(&e, 0).await;
    (e, s)
}

pub async fn login(e: &Emulator, account: usize) -> Session {
    let http = reqwest::Client::new();
    let a = &e.accounts[account];
    let v: Value = http
        .post(format!("{}/auth/login", e.base_url))
        .json(&json!({"username": a.key, "password": a.secret}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    Session {
        base: e.base_url.clone(),
        http,
        token: v["data"]["access_token"].as_str().unwrap().into(),
        refresh: v["data"]["refresh_token"].as_str().unwrap().into(),
    }
}

impl Session {
    pub async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Value) {
        let r = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, headers, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r =
            self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(&body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

pub fn header(h: &reqwest::header::HeaderMap, name: &str) -> String {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

pub fn assert_envelope(v: &Value, code: &str) {
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(v["error"]["name"].is_string() && v["error"]["message"].is_string(), "{v}");
}

/// A control-surface call with the admin token.
pub async fn admin(e: &Emulator, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", e.base_url))
        .header("x-emulator-admin", e.admin_token())
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

impl Session {
    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        let r =
            self.http.patch(format!("{}{path}", self.base)).bearer_auth(&self.token).json(&body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

/// A JSON number as an exact decimal.
pub fn dec(v: &Value) -> Decimal {
    v.to_string().parse().unwrap()
}

/// The ledger invariant, for every order of an `/_emulator/ledger` answer: its debit less its refunds is
/// exactly the value it delivered (all of it; nothing when it failed or was cancelled; for vouchers, the
/// debit's share of each code delivered).
pub fn assert_money_follows_delivery(ledger: &Value) {
    let mut refunded: BTreeMap<u64, Decimal> = BTreeMap::new();
    for t in ledger["transactions"].as_array().unwrap().iter().filter(|t| t["transaction_type"] == "CREDIT") {
        *refunded.entry(t["_order"].as_u64().unwrap()).or_default() += dec(&t["amount"]);
    }
    for o in ledger["orders"].as_array().unwrap() {
        let debit = dec(&o["debit"]);
        let kept = debit - refunded.get(&o["id"].as_u64().unwrap()).copied().unwrap_or_default();
        let delivered = match o["status"].as_str().unwrap() {
            "FAILED" | "CANCELLED" => Decimal::ZERO,
            "DELIVERED" | "PARTIALLY_DELIVERED" => match (o["quantity"].as_u64(), o["delivered"].as_u64()) {
                (Some(quantity), Some(codes)) => debit * Decimal::from(codes) / Decimal::from(quantity),
                _ => debit,
            },
            other => panic!("order {} did not settle: {other}", o["id"]),
        };
        assert_eq!(kept, delivered, "the order kept exactly what it delivered: {o}");
    }
}
