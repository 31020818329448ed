//! Access control: every route of the spec is tried with no token, an expired token, a revoked token, a token
//! signed with the wrong key and an `alg: none` token; another client's token is tried against a client's
//! resources; the control routes are tried with an API token. Each attempt is refused with the documented
//! envelope and discloses nothing.

mod common;

use common::{login, started};
use conformance::emulator::{Config, Emulator, jwt};
use conformance::spec::Spec;
use serde_json::{Value, json};
use std::time::Duration;

/// Every route of the spec that needs a token, with `{id}` filled in.
fn secured_routes() -> Vec<(String, String)> {
    Spec::embedded()
        .operations
        .iter()
        .filter(|o| !matches!(o.id.as_str(), "login" | "refresh_token"))
        .map(|o| (o.method.clone(), o.path.replace("{id}", "1")))
        .collect()
}

async fn call(base: &str, method: &str, path: &str, token: Option<&str>) -> (u16, Value) {
    let http = reqwest::Client::new();
    let mut req = http.request(method.parse().unwrap(), format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if method != "GET" {
        req = req.json(&json!({}));
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Refused with exactly the envelope: nothing but `error.{name, code, message}`.
fn refused(status: u16, body: &Value, expected: u16, code: &str, what: &str) {
    assert_eq!(status, expected, "{what}: {body}");
    assert_eq!(body["error"]["code"], code, "{what}: {body}");
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["error"], "{what} discloses nothing else: {body}");
    assert_eq!(body["error"].as_object().unwrap().len(), 3, "{what}: {body}");
}

/// The same claims, still valid for an hour, signed with another key (a made-up one, and the key the
/// emulator once derived from its seed); and with `alg: none`.
fn forgeries(token: &str) -> Vec<(&'static str, String)> {
    let payload = token.split('.').nth(1).unwrap();
    let mut claims = {
        let pad = "=".repeat((4 - payload.len() % 4) % 4);
        let text = format!("{payload}{pad}").replace('-', "+").replace('_', "/");
        serde_json::from_slice::<Value>(&base64_decode(&text)).unwrap()
    };
    claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 3600);
    let wrong_key = jwt::sign(&claims, b"not-the-emulator-key");
    let fresh_payload = wrong_key.split('.').nth(1).unwrap().to_string();
    vec![
        ("a token signed with the wrong key", wrong_key),
        ("a token signed with the seed's key", jwt::sign(&claims, b"emulator-signing-key-1")),
        ("a token with alg none", format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{fresh_payload}.")),
    ]
}

fn base64_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut bits, mut n) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        bits = (bits << 6) | A.iter().position(|a| *a == c).unwrap() as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

#[tokio::test]
async fn every_route_refuses_missing_expired_revoked_and_forged_tokens() {
    let e = Emulator::start(Config { access_ttl_secs: 1, rate_limit_scale: None, ..Config::default() }).await.unwrap();
    let expiring = login(&e, 0).await;
    let revoked = login(&e, 1).await;
    assert_eq!(revoked.post("/auth/logout", json!({})).await.0, 200);
    let valid = login(&e, 0).await;
    let forged = forgeries(&valid.token);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let routes = secured_routes();
    assert_eq!(routes.len(), 37, "39 operations less login and refresh");
    let mut refusals = 0;
    for (method, path) in &routes {
        let mut attempts: Vec<(&str, Option<&str>)> = vec![
            ("no token", None),
            ("an expired token", Some(&expiring.token)),
            ("a revoked token", Some(&revoked.token)),
        ];
        attempts.extend(forged.iter().map(|(what, t)| (*what, Some(t.as_str()))));
        for (what, token) in attempts {
            let (status, body) = call(&e.base_url, method, path, token).await;
            refused(status, &body, 401, "UNAUTHORIZED", &format!("{method} {path} with {what}"));
            refusals += 1;
        }
    }
    eprintln!("access control: {refusals} refused attempts over {} routes", routes.len());
}

#[tokio::test]
async fn another_clients_token_sees_none_of_a_clients_resources() {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let (owner, other) = (login(&e, 0).await, login(&e, 1).await);
    let (_, esim) = owner.post("/api/v1/esim/orders", json!({"product_id": 712, "amount": 4.5})).await;
    let (_, topup) = owner
        .post("/api/v1/topups/orders", json!({"product_id": 4218, "amount": 0.99, "input_data": {"player_id": "1"}}))
        .await;
    let (_, voucher) =
        owner.post("/api/v1/orders", json!({"product_id": 123, "denomination": 10, "quantity": 1})).await;
    let (_, _, txns) = owner.get("/api/v1/transactions").await;
    let txn = txns[0]["id"].clone();
    for (method, path) in [
        ("GET", format!("/api/v1/esim/orders/{}", esim["id"])),
        ("PATCH", format!("/api/v1/esim/orders/{}/notification-email", esim["id"])),
        ("GET", format!("/api/v1/topups/orders/{}", topup["id"])),
        ("PATCH", format!("/api/v1/topups/orders/{}/notification-email", topup["id"])),
        ("GET", format!("/api/v1/orders/{}", voucher["id"])),
        ("GET", format!("/api/v1/transactions/{txn}")),
    ] {
        let (status, body) = call(&e.base_url, method, &path, Some(&other.token)).await;
        refused(status, &body, 404, "NOT_FOUND", &format!("{method} {path} with another client's token"));
    }
    for list in ["/api/v1/esim/orders", "/api/v1/topups/orders", "/api/v1/orders", "/api/v1/transactions"] {
        let (status, body) = call(&e.base_url, "GET", list, Some(&other.token)).await;
        assert_eq!((status, body), (200, json!([])), "{list} shows another client nothing");
    }
    let (_, wallets) = call(&e.base_url, "GET", "/api/v1/wallets", Some(&other.token)).await;
    assert!(wallets.as_array().unwrap().iter().all(|w| w["id"].as_u64().unwrap() > 10), "only its own wallets");
}

#[tokio::test]
async fn the_control_routes_refuse_api_tokens() {
    let (e, s) = started().await;
    for (method, path) in [
        ("POST", "/_emulator/outcomes"),
        ("POST", "/_emulator/esim/orders/1/install"),
        ("POST", "/_emulator/settle"),
        ("GET", "/_emulator/ledger"),
        ("POST", "/_emulator/catalog/products/123"),
        ("POST", "/_emulator/webhooks"),
    ] {
        for token in [None, Some(s.token.as_str())] {
            let (status, body) = call(&e.base_url, method, path, token).await;
            refused(status, &body, 403, "FORBIDDEN", &format!("{method} {path}"));
        }
        // The token the emulator once derived from its seed (1) opens nothing.
        let guessed = reqwest::Client::new()
            .request(method.parse().unwrap(), format!("{}{path}", e.base_url))
            .header("x-emulator-admin", "emulator-admin-1")
            .send()
            .await
            .unwrap();
        let status = guessed.status().as_u16();
        refused(status, &guessed.json().await.unwrap(), 403, "FORBIDDEN", &format!("{method} {path}, seed's token"));
    }
}

#[tokio::test]
async fn the_admin_token_and_signing_key_are_random_at_every_start_unless_given() {
    let (a, b) = (Emulator::start(Config::default()).await.unwrap(), Emulator::start(Config::default()).await.unwrap());
    assert_ne!(a.admin_token(), b.admin_token(), "the same seed, another admin token");
    let s = login(&a, 0).await;
    let (status, body) = call(&b.base_url, "GET", "/api/v1/wallets", Some(&s.token)).await;
    refused(status, &body, 401, "UNAUTHORIZED", "a token of another emulator with the same seed");

    let given = Config {
        admin_token: Some("given-token".into()),
        signing_key: Some(b"given-key".to_vec()),
        ..Config::default()
    };
    let c = Emulator::start(given).await.unwrap();
    assert_eq!(c.admin_token(), "given-token");
    let s = login(&c, 0).await;
    assert_eq!(jwt::verify(&s.token, b"given-key").unwrap()["sub"], 42, "signed with the given key");
    for empty in [
        Config { admin_token: Some(String::new()), ..Config::default() },
        Config { signing_key: Some(Vec::new()), ..Config::default() },
    ] {
        let refused = Emulator::start(empty).await.err().expect("an empty secret is refused");
        assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput, "{refused}");
    }
}
