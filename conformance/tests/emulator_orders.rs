//! Orders in all three verticals through plain HTTP: inline and asynchronous delivery, every forced outcome,
//! refunds as separate transactions, the eSIM install lifecycle, FX charges, catalogs and filters.

mod common;

use common::{admin, assert_envelope, header, login, started};
use conformance::emulator::{Config, Emulator, Outcome, Vertical};
use serde_json::{Value, json};
use std::time::Duration;

async fn settle(e: &Emulator) {
    assert_eq!(admin(e, "/_emulator/settle", json!({})).await.0, 200);
}

#[tokio::test]
async fn catalogs_have_the_documented_size_and_ids() {
    let (e, s) = started().await;
    let total = |h: &reqwest::header::HeaderMap| header(h, "x-total-count").parse::<u64>().unwrap();
    let (_, h, _) = s.get("/api/v1/products").await;
    assert!(total(&h) >= 1000, "at least 1,000 voucher products");
    let (_, h, _) = s.get("/api/v1/topups/products").await;
    assert!(total(&h) >= 300, "at least 300 topup products");
    let (_, h, _) = s.get("/api/v1/esim/products").await;
    assert!(total(&h) >= 150, "at least 150 eSIM products");
    let (_, _, steam) = s.get("/api/v1/products/123").await;
    assert_eq!(
        (steam["name"].as_str(), steam["available_denominations"][1]["min_value"].clone()),
        (Some("Steam Wallet Card"), json!(50.0))
    );
    for id in [4218, 4219, 4231] {
        assert_eq!(s.get(&format!("/api/v1/topups/products/{id}")).await.0, 200, "topup {id}");
    }
    let (_, _, pubg) = s.get("/api/v1/topups/products/4218").await;
    assert_eq!(pubg["input_fields"], json!(["player_id"]));
    let (_, _, variants) = s.get("/api/v1/topups/products/4231/variants").await;
    assert_eq!(variants[0]["is_fixed_amount"], false);
    assert_eq!(variants[1]["fixed_amounts"], json!(["179"]));
    // Same seed, same catalog; another seed, another one.
    let again = Emulator::start(Config::default()).await.unwrap();
    let other = Emulator::start(Config { seed: 2, ..Config::default() }).await.unwrap();
    assert_eq!(third_page(&e).await, third_page(&again).await);
    assert_ne!(third_page(&e).await, third_page(&other).await);
}

async fn third_page(e: &Emulator) -> Value {
    login(e, 0).await.get("/api/v1/esim/products?page=3&per_page=20").await.2
}

#[tokio::test]
async fn voucher_filters_sorting_and_search() {
    let (_e, s) = started().await;
    let (_, _, found) = s.get("/api/v1/products?search=STEAM&country_id=1").await;
    let found = found.as_array().unwrap();
    assert!(found.iter().any(|p| p["id"] == 123));
    assert!(
        found
            .iter()
            .all(|p| p["name"].as_str().unwrap().to_lowercase().contains("steam") && p["country_code"] == "USA")
    );
    let (_, _, by_id) = s.get("/api/v1/products?sort_by=id&sort_dir=desc&limit=5").await;
    let ids: Vec<u64> = by_id.as_array().unwrap().iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let (_, h, gaming) = s.get("/api/v1/products?category=Gaming&currency_id=3&limit=500").await;
    assert!(gaming.as_array().unwrap().iter().all(|p| p["category"] == "Gaming" && p["currency_code"] == "INR"));
    assert_eq!(header(&h, "x-per-page"), "500");
    assert_eq!(s.get("/api/v1/products?limit=501").await.0, 400, "voucher products allow at most 500");
    assert_eq!(s.get("/api/v1/products?sort_by=price").await.0, 400);
    let (_, _, mobile) = s.get("/api/v1/topups/products?type=MOBILE&per_page=1000").await;
    assert!(mobile.as_array().unwrap().iter().all(|p| p["topup_type"] == "MOBILE"));
}

#[tokio::test]
async fn voucher_quantity_five_is_inline_and_six_is_asynchronous() {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let s = login(&e, 0).await;
    let (status, five) =
        s.post("/api/v1/orders", json!({"product_id": 123, "denomination": 50.00, "quantity": 5})).await;
    assert_eq!((status, five["status"].as_str()), (201, Some("DELIVERED")), "{five}");
    assert_eq!(five["vouchers"].as_array().unwrap().len(), 5);
    assert_eq!(
        (five["amount"].clone(), five["discount"].clone()),
        (json!(250.0), json!(8.75)),
        "the documented example"
    );
    let (status, six) =
        s.post("/api/v1/orders", json!({"product_id": 123, "denomination": 50.00, "quantity": 6})).await;
    assert_eq!((status, six["status"].as_str()), (201, Some("PENDING")));
    assert_eq!(six["vouchers"], json!([]));
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, _, later) = s.get(&format!("/api/v1/orders/{}", six["id"])).await;
    assert_eq!(later["status"], "DELIVERED", "delivered in the background");
    assert_eq!(later["vouchers"].as_array().unwrap().len(), 6);
    let (status, body) = s.post("/api/v1/orders", json!({"product_id": 123, "denomination": 20, "quantity": 1})).await;
    assert_eq!((status, body["error"]["message"].as_str()), (400, Some("Denomination not available")));
    let (status, body) =
        s.post("/api/v1/orders", json!({"product_id": 123, "denomination": 50, "quantity": 5001})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = s.post("/api/v1/orders", json!({"product_id": 123, "quantity": 1})).await;
    assert_eq!(status, 400);
    assert_envelope(&body, "VALIDATION_FAILURE");
    let (_, avail) = s.post("/api/v1/products/123/availability", json!({"denomination": 50, "quantity": 3})).await;
    assert_eq!(avail, json!({"is_available": true}));
}

#[tokio::test]
async fn a_delayed_voucher_product_still_delivers_inline_up_to_five() {
    // The spec's `x-doc-conflict` on `DeliveryTime`: the order pages win, quantity alone decides the mode.
    let e = Emulator::start(Config::fast()).await.unwrap();
    let s = login(&e, 0).await;
    let (_, _, page) = s.get("/api/v1/products?country_id=1&limit=500").await;
    let delayed = page.as_array().unwrap().iter().find(|p| p["delivery_time"] == "Delayed").cloned().unwrap();
    let denomination = delayed["available_denominations"][0]["min_value"].clone();
    let order = json!({"product_id": delayed["id"], "denomination": denomination, "quantity": 1});
    let (status, body) = s.post("/api/v1/orders", order).await;
    assert_eq!((status, body["status"].as_str()), (201, Some("DELIVERED")), "{body}");
    assert_eq!(body["vouchers"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_forced_outcome_and_its_refund() {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let s = login(&e, 0).await;
    // Partially delivered: half the codes, the rest refunded.
    e.force(Vertical::Vouchers, Outcome::PartiallyDelivered, None);
    let (_, partial) = s.post("/api/v1/orders", json!({"product_id": 123, "denomination": 10, "quantity": 4})).await;
    assert_eq!(partial["status"], "PARTIALLY_DELIVERED");
    assert_eq!(partial["vouchers"].as_array().unwrap().len(), 2);
    // Topups: pending then failed, pending then cancelled, immediate user-fixable failure, immediate delivery.
    let topup = |reference: &str| json!({"product_id": 4218, "amount": 0.99, "input_data": {"player_id": "5123456789"}, "client_reference": reference});
    for (reference, outcome) in [
        ("t-fail", Outcome::PendingThenFailed),
        ("t-cancel", Outcome::Cancelled),
        ("t-now-fail", Outcome::Failed),
        ("t-now", Outcome::Delivered),
    ] {
        e.force(Vertical::Topups, outcome, Some(reference));
    }
    let (status, fail) = s.post("/api/v1/topups/orders", topup("t-fail")).await;
    assert_eq!((status, fail["status"].as_str()), (201, Some("PENDING")), "{fail}");
    let (_, cancel) = s.post("/api/v1/topups/orders", topup("t-cancel")).await;
    let (_, now_fail) = s.post("/api/v1/topups/orders", topup("t-now-fail")).await;
    assert_eq!((now_fail["status"].as_str(), now_fail["is_user_fixable"].as_bool()), (Some("FAILED"), Some(true)));
    assert!(now_fail["failure_code"].is_string() && now_fail["failure_reason"].is_string());
    let (_, now) = s.post("/api/v1/topups/orders", topup("t-now")).await;
    assert_eq!(now["status"], "DELIVERED");
    settle(&e).await;
    let (_, _, fail) = s.get(&format!("/api/v1/topups/orders/{}", fail["id"])).await;
    assert_eq!((fail["status"].as_str(), fail["is_user_fixable"].as_bool()), (Some("FAILED"), Some(false)));
    assert!(fail["completed_at"].is_string());
    let (_, _, cancel) = s.get(&format!("/api/v1/topups/orders/{}", cancel["id"])).await;
    assert_eq!(cancel["status"], "CANCELLED");
    // Every failure and cancellation is refunded by its own credit, of the debit's amount.
    let (_, _, txns) = s.get("/api/v1/transactions?limit=100").await;
    let txns = txns.as_array().unwrap();
    let credits: Vec<&Value> = txns.iter().filter(|t| t["transaction_type"] == "CREDIT").collect();
    assert_eq!(credits.len(), 4, "partial, failed, cancelled, failed at once: {txns:#?}");
    assert_eq!(txns.iter().filter(|t| t["transaction_type"] == "DEBIT").count(), 5);
    let (_, _, recharged) = s.get("/api/v1/topups/orders?status=RECHARGED").await;
    assert_eq!(recharged.as_array().unwrap().len(), 1, "RECHARGED filters delivered orders");
}

#[tokio::test]
async fn a_partial_delivery_needs_two_codes_or_more() {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let s = login(&e, 0).await;
    // Inline (up to 5) and asynchronous (6 and more); one code cannot be split, so it is delivered whole.
    for quantity in [1, 2, 3, 7] {
        let reference = format!("partial-{quantity}");
        e.force(Vertical::Vouchers, Outcome::PartiallyDelivered, Some(&reference));
        let body = json!({"product_id": 123, "denomination": 10, "quantity": quantity, "client_reference": reference});
        assert_eq!(s.post("/api/v1/orders", body).await.0, 201);
    }
    settle(&e).await;
    let ledger = e.ledger();
    for o in ledger["orders"].as_array().unwrap() {
        let quantity = o["quantity"].as_u64().unwrap();
        let (status, codes) = if quantity == 1 { ("DELIVERED", 1) } else { ("PARTIALLY_DELIVERED", quantity / 2) };
        assert_eq!((o["status"].as_str(), o["delivered"].as_u64()), (Some(status), Some(codes)), "{o}");
    }
    let refunds = ledger["transactions"].as_array().unwrap().iter().filter(|t| t["transaction_type"] == "CREDIT");
    assert_eq!(refunds.count(), 3, "the order of one is not refunded");
    common::assert_money_follows_delivery(&ledger);
}

#[tokio::test]
async fn esim_waits_out_the_inline_deadline_then_finishes_in_the_background() {
    let config = Config { inline_deadline: Duration::from_millis(200), ..Config::fast() };
    let e = Emulator::start(config).await.unwrap();
    let s = login(&e, 0).await;
    e.force(Vertical::Esim, Outcome::PendingThenDelivered, None);
    let started = std::time::Instant::now();
    let (status, pending) = s.post("/api/v1/esim/orders", json!({"product_id": 712, "amount": 4.5})).await;
    assert!(started.elapsed() >= Duration::from_millis(200), "it waited for the inline deadline");
    assert_eq!((status, pending["status"].as_str()), (200, Some("PENDING")));
    assert!(pending.get("activation_code").is_none());
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, _, done) = s.get(&format!("/api/v1/esim/orders/{}", pending["id"])).await;
    assert_eq!(done["status"], "DELIVERED");
    assert!(done["activation_code"].as_str().unwrap().starts_with("LPA:1$"));

    e.force(Vertical::Esim, Outcome::Failed, None);
    let (status, failed) = s.post("/api/v1/esim/orders", json!({"product_id": 712, "amount": 14.9})).await;
    assert_eq!(
        (status, failed["status"].as_str(), failed["is_user_fixable"].as_bool()),
        (200, Some("FAILED"), Some(true))
    );
}

#[tokio::test]
async fn esim_install_lifecycle_withholds_the_code() {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let s = login(&e, 0).await;
    let (_, order) = s.post("/api/v1/esim/orders", json!({"product_id": 712, "amount": 4.5})).await;
    let id = order["id"].as_u64().unwrap();
    assert_eq!(order["activation_status"], "NOT_INSTALLED");
    let (status, _) = admin(&e, &format!("/_emulator/esim/orders/{id}/activate"), json!({})).await;
    assert_eq!(status, 400, "activation needs an install first");
    let (status, installed) = admin(&e, &format!("/_emulator/esim/orders/{id}/install"), json!({})).await;
    assert_eq!((status, installed["activation_status"].as_str()), (200, Some("ACTIVE")));
    let (_, _, after) = s.get(&format!("/api/v1/esim/orders/{id}")).await;
    assert_eq!(after["is_installed"], true);
    assert!(after.get("activation_code").is_none() && after.get("iccid").is_none(), "withheld once installed: {after}");
    admin(&e, &format!("/_emulator/esim/orders/{id}/activate"), json!({})).await;
    admin(&e, &format!("/_emulator/esim/orders/{id}/expire"), json!({})).await;
    let (_, _, expired) = s.get(&format!("/api/v1/esim/orders/{id}")).await;
    assert_eq!(expired["activation_status"], "EXPIRED");
    assert!(expired["activated_at"].is_string());
    let (status, updated) =
        s.patch(&format!("/api/v1/esim/orders/{id}/notification-email"), json!({"email": "a@b.example"})).await;
    assert_eq!((status, updated["email"].as_str()), (200, Some("a@b.example")));
    let (status, body) =
        s.patch(&format!("/api/v1/esim/orders/{id}/notification-email"), json!({"email": "nope"})).await;
    assert_eq!(status, 400);
    assert_envelope(&body, "VALIDATION_FAILURE");
}

#[tokio::test]
async fn cross_currency_charges_follow_the_documented_math() {
    let (_e, s) = started().await;
    // Wallet 2 is the EUR wallet of client 42.
    let (status, c) = s.post("/api/v1/esim/charges", json!({"product_id": 712, "amount": 4.5, "wallet_id": 2})).await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(c["charges_details"]["source_currency"], "USD");
    assert_eq!(c["charges_details"]["destination_currency"], "EUR");
    assert_eq!(c["charges_details"]["forex_rate"], json!(0.92));
    assert_eq!(c["total_amount"], json!(4.275));
    assert_eq!(c["net_amount"], json!(3.933), "4.275 × 0.92");
    assert_eq!(c["total_payable"], json!(3.933));
    let (_, vc) = s.post("/api/v1/products/123/charges", json!({"denomination": 50, "quantity": 5})).await;
    assert_eq!(
        (vc["non_discounted_total"].clone(), vc["discount_amount"].clone(), vc["max_quantity"].clone()),
        (json!(250.0), json!(8.75), json!(5000))
    );
    assert_eq!(vc["charges_details"]["forex_rate"], Value::Null, "same currency: no rate");
    let (status, body) =
        s.post("/api/v1/topups/charges", json!({"product_id": 4231, "amount": 5, "category": "Airtime"})).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (400, Some("Amount not available")),
        "airtime starts at 10"
    );
    let (status, t) =
        s.post("/api/v1/topups/charges", json!({"product_id": 4231, "amount": 179, "category": "Data"})).await;
    assert_eq!((status, t["charges_details"]["destination_currency"].as_str()), (200, Some("INR")));
    let (_, matches) = s.post("/api/v1/topups/lookup", json!({"mobile_number": "+918879685100"})).await;
    assert_eq!(matches[0]["identified"], true);
    assert_eq!(matches[0]["country_code"], "IND");
    let (status, _) = s.post("/api/v1/topups/lookup", json!({"mobile_number": "0887"})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn topup_input_data_must_match_the_products_fields() {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let s = login(&e, 0).await;
    let (status, body) = s.post("/api/v1/topups/orders", json!({"product_id": 4218, "amount": 0.99})).await;
    assert_eq!((status, body["error"]["message"].as_str()), (400, Some("input_data.player_id is required")));
    let (status, _) = s
        .post(
            "/api/v1/topups/orders",
            json!({"product_id": 4218, "amount": 0.99, "input_data": {"player_id": "1", "colour": "red"}}),
        )
        .await;
    assert_eq!(status, 400, "extra keys are rejected");
    let (status, order) = s
        .post("/api/v1/topups/orders", json!({"product_id": 4231, "amount": 179, "category": "Data", "input_data": {"phone_number": "+918879685100"}}))
        .await;
    assert_eq!((status, order["status"].as_str(), order["currency"].as_str()), (201, Some("PENDING"), Some("INR")));
}

#[tokio::test]
async fn the_control_surface_needs_its_own_token() {
    let (e, s) = started().await;
    let http = reqwest::Client::new();
    let with_api_token = http
        .post(format!("{}/_emulator/outcomes", e.base_url))
        .bearer_auth(&s.token)
        .json(&json!({"vertical": "esim", "outcome": "failed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(with_api_token.status(), 403, "an API token does not open the control surface");
    assert_envelope(&with_api_token.json().await.unwrap(), "FORBIDDEN");
    let (status, _) = admin(&e, "/_emulator/outcomes", json!({"vertical": "esim", "outcome": "failed"})).await;
    assert_eq!(status, 200);
    let (_, order) = s.post("/api/v1/esim/orders", json!({"product_id": 712, "amount": 4.5})).await;
    assert_eq!(order["status"], "FAILED", "the forced outcome applied");
    let (status, _) =
        admin(&e, "/_emulator/outcomes", json!({"vertical": "esim", "outcome": "partially_delivered"})).await;
    assert_eq!(status, 400, "only vouchers are delivered in part");
}
