//! The client's money path against the emulator: a create recovered after an ambiguous failure answers with
//! the whole order (an eSIM's one-time activation code included), login and refresh survive network errors
//! and 5xx, a refresh that may have rotated the token falls back to a fresh login, logout always forgets the
//! session, and a login or refresh made by hand becomes the client's session.

#[path = "common/client_side.rs"]
mod client_side;

use client_side::client;
use conformance::emulator::{Config, Emulator, FaultKind, FaultProfile, Outcome, Vertical};
use conformance::tap::{Exchange, Tap, Upstream};
use octopus_client::models::{CreateEsimOrderRequest, RefreshRequest};
use octopus_client::operations::ListWalletsParams;
use octopus_client::{Client, Error};
use rust_decimal::Decimal;
use serde_json::Value;

async fn emulator(config: Config) -> Emulator {
    Emulator::start(Config { rate_limit_scale: None, ..config }).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recovered_esim_create_carries_its_activation_code() {
    // The first create is served, then its connection is reset: the order exists and is paid, the answer
    // is lost. The client sends it again with the same reference, is refused as a duplicate, and finds it.
    let e = emulator(Config {
        faults: Some(FaultProfile::next(FaultKind::Reset, "/api/v1/esim/orders", 1)),
        ..Config::fast()
    })
    .await;
    e.force(Vertical::Esim, Outcome::Delivered, Some("money-path-1"));
    let c = client(&e.base_url, &e);
    let body = CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference("money-path-1");
    let mut resp = c.create_esim_order(&body).await.expect("the order is recovered");
    assert!(resp.recovered, "the answer came from the recovery, not the first attempt");
    assert_eq!(e.fault_counts().get(&FaultKind::Reset), Some(&1));
    let code = resp.body.take_activation_code().expect("the recovered order carries its one-time activation code");
    assert!(code.reveal().starts_with("LPA:"), "an LPA activation string");
    assert!(resp.body.iccid.is_some());
    let orders: Vec<Value> = e.ledger()["orders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["client_reference"] == "money-path-1")
        .cloned()
        .collect();
    assert_eq!(orders.len(), 1, "one order, paid once: {orders:?}");
    assert_eq!(orders[0]["id"].as_i64(), Some(resp.body.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_is_retried_on_5xx_and_network_errors() {
    for kind in [FaultKind::ServerError, FaultKind::Reset] {
        let e = emulator(Config { faults: Some(FaultProfile::next(kind, "/auth/login", 2)), ..Config::fast() }).await;
        let c = client(&e.base_url, &e);
        c.list_wallets(&ListWalletsParams::new()).await.unwrap_or_else(|err| panic!("{kind:?}: {err}"));
        assert_eq!(e.fault_counts().get(&kind), Some(&2), "{kind:?}: two failed logins before the third worked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_falls_back_to_a_fresh_login() {
    // Access tokens that are always within the client's renewal margin: every call renews by refresh. The
    // refresh fails with a 5xx, or is served and then lost (the token was rotated: sending it again would
    // be refused); either way the client logs in afresh.
    for kind in [FaultKind::ServerError, FaultKind::Reset] {
        let config = Config {
            access_ttl_secs: 60,
            faults: Some(FaultProfile::next(kind, "/auth/refresh", 1)),
            ..Config::fast()
        };
        let e = emulator(config).await;
        let c = client(&e.base_url, &e);
        c.list_wallets(&ListWalletsParams::new()).await.expect("the first call logs in");
        c.list_wallets(&ListWalletsParams::new()).await.unwrap_or_else(|err| panic!("{kind:?}: {err}"));
        assert_eq!(e.fault_counts().get(&kind), Some(&1), "{kind:?}: the refresh was tried and failed");
        c.list_wallets(&ListWalletsParams::new()).await.expect("and the session goes on");
    }
}

/// The exchanges through a tap, and a client that goes through it.
async fn tapped(e: &Emulator) -> (Tap, Client) {
    let tap = Tap::start(Upstream::Forward { base: e.base_url.clone(), http: reqwest::Client::new() }).await.unwrap();
    let c = client(&tap.base_url, e);
    (tap, c)
}

fn lines(log: &[Exchange]) -> Vec<String> {
    log.iter().map(|x| format!("{} {} {}", x.method, x.path.split('?').next().unwrap_or_default(), x.status)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_forgets_the_session_even_when_the_call_fails() {
    // The logout is served (every token revoked), then its answer is lost.
    let e =
        emulator(Config { faults: Some(FaultProfile::next(FaultKind::Reset, "/auth/logout", 1)), ..Config::fast() })
            .await;
    let (tap, c) = tapped(&e).await;
    c.list_wallets(&ListWalletsParams::new()).await.unwrap();
    let failed = c.logout().await;
    assert!(matches!(failed, Err(Error::Transport(_))), "the logout's answer was lost: {failed:?}");
    tap.begin("after");
    c.list_wallets(&ListWalletsParams::new()).await.unwrap();
    let after = lines(&tap.exchanges("after"));
    // A client that kept the revoked token would first be refused with a 401.
    assert_eq!(after, ["POST /auth/login 200", "GET /api/v1/wallets 200"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_made_by_hand_becomes_the_clients_session() {
    let e = emulator(Config::fast()).await;
    let (tap, c) = tapped(&e).await;
    c.list_wallets(&ListWalletsParams::new()).await.unwrap();
    // The caller logs in and refreshes by hand; the refresh revokes the refresh token it presents.
    let a = &e.accounts[0];
    let login = octopus_client::models::LoginRequest::new(a.key.clone(), a.secret.clone());
    let tokens = c.login(&login).await.unwrap().body.data;
    let refreshed = c.refresh_token(&RefreshRequest::new(tokens.refresh_token.clone())).await.unwrap();
    let access = refreshed.body.data.access_token.clone();
    tap.begin("after");
    c.list_wallets(&ListWalletsParams::new()).await.unwrap();
    let after = tap.exchanges("after");
    assert_eq!(lines(&after), ["GET /api/v1/wallets 200"], "no login of its own: the client took the session");
    assert_eq!(after[0].request_header("authorization"), Some(format!("Bearer {access}").as_str()));
}
