//! Plain-HTTP helpers for the emulator tests: no generated client on this side.
#![allow(dead_code)]

use conformance::emulator::Emulator;
use serde_json::{Value, json};

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
