//! The emulator through plain HTTP, without the generated client: auth and rotation, access control,
//! request ids, paging headers, reference data, eSIM orders with their wallet debits, and isolation.

mod common;

use common::{assert_envelope, header, login, started};
use conformance::emulator::{Config, Emulator};
use serde_json::{Value, json};

#[tokio::test]
async fn login_refresh_rotation_and_logout() {
    let (e, s) = started().await;
    assert_eq!(s.get("/api/v1/currencies").await.0, 200);
    let refresh = |token: String| {
        let http = s.http.clone();
        let url = format!("{}/auth/refresh", e.base_url);
        async move { http.post(url).json(&json!({"refresh_token": token})).send().await.unwrap() }
    };
    let r = refresh(s.refresh.clone()).await;
    assert_eq!(r.status(), 200);
    let again = refresh(s.refresh.clone()).await;
    assert_eq!(again.status(), 401, "a reused refresh token is refused");
    assert_envelope(&again.json().await.unwrap(), "UNAUTHORIZED");

    let (status, _) = s.post("/auth/logout", json!({})).await;
    assert_eq!(status, 200);
    let (status, _, body) = s.get("/api/v1/currencies").await;
    assert_eq!(status, 401, "logout revokes every token of the client");
    assert_envelope(&body, "UNAUTHORIZED");
}

#[tokio::test]
async fn missing_forged_and_expired_tokens_are_refused() {
    let e = Emulator::start(Config { access_ttl_secs: -1, ..Config::default() }).await.unwrap();
    let http = reqwest::Client::new();
    let r = http.get(format!("{}/api/v1/countries", e.base_url)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["message"], "Authorization header required");
    let expired = login(&e, 0).await;
    assert_eq!(expired.get("/api/v1/countries").await.0, 401, "an expired token is refused");
    let forged = format!("{}.{}.", "eyJhbGciOiJub25lIn0", expired.token.split('.').nth(1).unwrap());
    let r = http.get(format!("{}/api/v1/countries", e.base_url)).bearer_auth(forged).send().await.unwrap();
    assert_eq!(r.status(), 401, "alg none is refused");
    let r = http
        .post(format!("{}/auth/login", e.base_url))
        .json(&json!({"username": "x", "password": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_envelope(&r.json().await.unwrap(), "VALIDATION_FAILURE");
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let (e, s) = started().await;
    let r = s
        .http
        .get(format!("{}/api/v1/countries", e.base_url))
        .bearer_auth(&s.token)
        .header("x-request-id", "2F7vTVG3Y8aZrqP1wJhdEkM9oYB")
        .send()
        .await
        .unwrap();
    assert_eq!(header(r.headers(), "x-request-id"), "2F7vTVG3Y8aZrqP1wJhdEkM9oYB");
    let (_, h, _) = s.get("/api/v1/countries").await;
    assert_eq!(header(&h, "x-request-id").len(), 27);
}

#[tokio::test]
async fn paging_headers_are_exact_in_both_styles() {
    let (_e, s) = started().await;
    let (status, h, body) = s.get("/api/v1/esim/products?page=2&per_page=7").await;
    assert_eq!(status, 200);
    let total: u64 = header(&h, "x-total-count").parse().unwrap();
    assert!(total >= 150, "at least 150 eSIM products");
    assert_eq!(header(&h, "x-page"), "2");
    assert_eq!(header(&h, "x-per-page"), "7");
    assert_eq!(header(&h, "x-page-size"), body.as_array().unwrap().len().to_string());
    assert_eq!(header(&h, "x-total-pages"), total.div_ceil(7).to_string());
    assert_eq!(header(&h, "x-has-more"), "true");
    let (_, h, body) = s.get(&format!("/api/v1/esim/products?per_page=7&page={}", total.div_ceil(7) + 1)).await;
    assert_eq!(body, json!([]), "a page past the end is empty");
    assert_eq!(header(&h, "x-has-more"), "false");
    let (status, _, body) = s.get("/api/v1/wallets?limit=10001").await;
    assert_eq!(status, 400, "a page size over the maximum");
    assert_envelope(&body, "BAD_REQUEST");
    let (_, h, _) = s.get("/api/v1/wallets?page=1&limit=2").await;
    assert_eq!((header(&h, "x-total-count"), header(&h, "x-total-pages")), ("3".into(), "2".into()));
}

#[tokio::test]
async fn the_documented_catalog_is_there() {
    let (_e, s) = started().await;
    let (_, _, p) = s.get("/api/v1/esim/products/712").await;
    assert_eq!(p["name"], "Japan eSIM");
    assert_eq!(p["variants"][0]["id"], 5511);
    assert_eq!(p["variants"][0]["amount"], json!(4.5));
    assert_eq!(p["variants"][1]["amount"], json!(14.9));
    let (_, _, list) = s.get("/api/v1/esim/products?country_code=JPN&per_page=500").await;
    assert!(list.as_array().unwrap().iter().any(|p| p["id"] == 712));
    let (_, _, countries) = s.get("/api/v1/countries").await;
    assert!(countries.as_array().unwrap().len() >= 50);
    let (status, _, body) = s.get("/api/v1/countries/abc").await;
    assert_eq!((status, body["error"]["message"].as_str()), (400, Some("Invalid country ID")));
}

#[tokio::test]
async fn an_esim_order_debits_the_wallet_and_delivers_once() {
    let (_e, s) = started().await;
    let (_, charges) = s.post("/api/v1/esim/charges", json!({"product_id": 712, "amount": 4.50})).await;
    assert_eq!(
        (charges["discount_amount"].clone(), charges["total_payable"].clone()),
        (json!(0.225), json!(4.275)),
        "the documented math"
    );
    let (status, order) = s
        .post(
            "/api/v1/esim/orders",
            json!({"product_id": 712, "amount": 4.50, "quantity": 1, "client_reference": "FIRST_ESIM_001"}),
        )
        .await;
    assert_eq!(status, 200, "always 200: {order}");
    assert_eq!(order["status"], "DELIVERED");
    assert!(order["activation_code"].as_str().unwrap().starts_with("LPA:1$"));
    let (status, dup) = s
        .post("/api/v1/esim/orders", json!({"product_id": 712, "amount": 4.50, "client_reference": "FIRST_ESIM_001"}))
        .await;
    assert_eq!((status, dup["error"]["message"].as_str()), (400, Some("Duplicate client_reference")));
    let (_, _, found) = s.get("/api/v1/esim/orders?client_reference=FIRST_ESIM_001").await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert!(found[0].get("activation_code").is_none(), "activation_code never appears in lists");
    let (_, _, wallets) = s.get("/api/v1/wallets").await;
    assert_eq!(wallets[0]["amount"], json!(9995.725), "10,000 - 4.275");
    let (_, _, txns) = s.get("/api/v1/transactions").await;
    assert_eq!(txns.as_array().unwrap().len(), 1);
    assert_eq!((txns[0]["transaction_type"].as_str(), txns[0]["amount"].clone()), (Some("DEBIT"), json!(4.275)));
    let (status, _) = s.post("/api/v1/esim/orders", json!({"product_id": 712, "amount": 4.49})).await;
    assert_eq!(status, 400, "an amount no variant has");
}

#[tokio::test]
async fn clients_are_isolated_and_blacklists_hide_products() {
    let e = Emulator::start(Config::default()).await.unwrap();
    let (a, b) = (login(&e, 0).await, login(&e, 1).await);
    let (_, order) = a.post("/api/v1/esim/orders", json!({"product_id": 712, "amount": 4.50})).await;
    let id = order["id"].as_u64().unwrap();
    assert_eq!(b.get(&format!("/api/v1/esim/orders/{id}")).await.0, 404, "another client's order is invisible");
    assert_eq!(b.get("/api/v1/esim/orders").await.2, json!([]));
    assert_eq!(b.get("/api/v1/transactions").await.2, json!([]));
    let (status, _, body) = b.get("/api/v1/esim/products/904").await;
    assert_eq!(status, 404, "blacklisted: {body}");
    let (status, body) = b.post("/api/v1/esim/orders", json!({"product_id": 904, "amount": 4.50})).await;
    assert_eq!(status, 404, "{body}");
    let (status, _, body) = b.get("/api/v1/categories").await;
    assert_eq!(status, 400);
    assert_envelope(&body, "INVALID_FEATURE");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_the_envelope() {
    let (e, s) = started().await;
    let (status, _, body) = s.get("/api/v1/nowhere").await;
    assert_eq!(status, 404);
    assert_envelope(&body, "NOT_FOUND");
    let r = s.http.delete(format!("{}/api/v1/wallets", e.base_url)).bearer_auth(&s.token).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_envelope(&r.json().await.unwrap(), "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn an_invalid_esim_product_id_is_a_validation_failure_as_its_page_documents() {
    let (_e, s) = started().await;
    for path in ["/api/v1/esim/products/abc", "/api/v1/esim/products/0"] {
        let (status, _, body) = s.get(path).await;
        assert_eq!(status, 400, "{path}");
        assert_envelope(&body, "VALIDATION_FAILURE");
        assert_eq!(body["error"]["name"], "ValidationException");
        assert_eq!(body["error"]["message"], "Invalid product ID");
    }
    // Pages that document nothing keep the conventions' BAD_REQUEST.
    for path in ["/api/v1/esim/products/abc/variants", "/api/v1/topups/products/abc", "/api/v1/products/abc"] {
        let (status, _, body) = s.get(path).await;
        assert_eq!(status, 400, "{path}");
        assert_envelope(&body, "BAD_REQUEST");
    }
}

#[tokio::test]
async fn the_guides_limit_pages_the_topup_and_esim_product_lists() {
    let (_e, s) = started().await;
    for list in
        ["/api/v1/topups/products?type=GAMING", "/api/v1/esim/products?country_code=JPN", "/api/v1/esim/products"]
    {
        let (_, all_headers, all) = s.get(list).await;
        let total: usize = header(&all_headers, "x-total-count").parse().unwrap();
        let (status, headers, page) = s.get(&format!("{list}&limit=2").replacen("products&", "products?", 1)).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(header(&headers, "x-per-page"), "2", "{list}");
        assert_eq!(page.as_array().unwrap().len(), total.min(2), "{list}");
        assert_eq!(page.as_array().unwrap()[..], all.as_array().unwrap()[..total.min(2)], "{list}");
        // `per_page` wins when both are given.
        let (_, headers, _) = s.get(&format!("{list}&limit=2&per_page=3").replacen("products&", "products?", 1)).await;
        assert_eq!(header(&headers, "x-per-page"), "3", "{list}");
        let (status, _, body) = s.get(&format!("{list}&limit=0").replacen("products&", "products?", 1)).await;
        assert_eq!(status, 400, "{list}");
        assert_envelope(&body, "BAD_REQUEST");
    }
}
