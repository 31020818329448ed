//! The emulator as a catalog test double: products delisted and relisted, blacklisted for one account, sold
//! out, re-priced and re-denominated during a test, through the control surface and in process, and the
//! catalog guide's "404 at order time" flow.

mod common;

use common::{admin, assert_envelope, login, started};
use conformance::emulator::{Config, Emulator, ProductChange};
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn ids(list: &Value) -> Vec<u64> {
    list.as_array().unwrap().iter().map(|p| p["id"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn a_delisted_product_is_gone_everywhere_until_relisted() {
    let (e, s) = started().await;
    let order = json!({"product_id": 123, "denomination": 50, "quantity": 1});
    assert!(ids(&s.get("/api/v1/products?search=steam%20wallet").await.2).contains(&123));
    let (status, body) = admin(&e, "/_emulator/catalog/products/123", json!({"change": "delist"})).await;
    assert_eq!(status, 200, "{body}");
    // The guide's flow: the order answers 404 NOT_FOUND "Product not found", and so does the re-fetch.
    let (status, body) = s.post("/api/v1/orders", order.clone()).await;
    assert_eq!(status, 404);
    assert_envelope(&body, "NOT_FOUND");
    assert_eq!(body["error"]["message"], "Product not found");
    let (status, _, body) = s.get("/api/v1/products/123").await;
    assert_eq!((status, body["error"]["message"].as_str()), (404, Some("Product not found")));
    assert!(!ids(&s.get("/api/v1/products?search=steam%20wallet").await.2).contains(&123));
    assert_eq!(s.post("/api/v1/products/123/charges", json!({"denomination": 50, "quantity": 1})).await.0, 404);
    // Every account: the other one too.
    assert_eq!(login(&e, 1).await.get("/api/v1/products/123").await.0, 404);
    // Listed again: readable and orderable.
    e.change_product(123, ProductChange::Listed(true)).unwrap();
    assert_eq!(s.get("/api/v1/products/123").await.0, 200);
    assert_eq!(s.post("/api/v1/orders", order).await.0, 201);
}

#[tokio::test]
async fn a_product_blacklisted_for_one_account_is_hidden_from_that_account_alone() {
    let (e, s) = started().await;
    let other = login(&e, 1).await;
    let (status, body) =
        admin(&e, "/_emulator/catalog/products/712", json!({"change": "blacklist", "client_id": 42})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(s.get("/api/v1/esim/products/712").await.0, 404);
    assert!(!ids(&s.get("/api/v1/esim/products?country_code=JPN").await.2).contains(&712));
    let (status, body) = s.post("/api/v1/esim/orders", json!({"product_id": 712, "amount": 4.50})).await;
    assert_eq!(status, 404);
    assert_envelope(&body, "NOT_FOUND");
    assert_eq!(other.get("/api/v1/esim/products/712").await.0, 200, "the other account still sees it");
    e.change_product(712, ProductChange::Blacklist { client_id: 42, blacklisted: false }).unwrap();
    assert_eq!(s.get("/api/v1/esim/products/712").await.0, 200);
    // Unknown accounts and products are refused, not ignored.
    let (status, _) =
        admin(&e, "/_emulator/catalog/products/712", json!({"change": "blacklist", "client_id": 9})).await;
    assert_eq!(status, 404);
    assert_eq!(admin(&e, "/_emulator/catalog/products/999999", json!({"change": "delist"})).await.0, 404);
    let refused = e.change_product(123, ProductChange::Denominations(vec![])).unwrap_err();
    assert_eq!(refused, "denominations must not be empty");
    let refused = e.change_product(4218, ProductChange::Denominations(vec![])).unwrap_err();
    assert_eq!(refused, "this change does not apply to product 4218's vertical");
    let refused = e.change_product(712, ProductChange::VariantPrice { variant_id: 1, amount: Decimal::ONE });
    assert_eq!(refused.unwrap_err(), "product 712 has no variant 1");
    assert_eq!(admin(&e, "/_emulator/catalog/products/123", json!({"change": "melt"})).await.0, 400);
}

#[tokio::test]
async fn a_sold_out_product_is_unavailable_and_its_orders_fail_refunded() {
    let e = Emulator::start(Config::fast()).await.unwrap();
    let s = login(&e, 0).await;
    e.change_product(123, ProductChange::SoldOut(true)).unwrap();
    let (_, body) = s.post("/api/v1/products/123/availability", json!({"denomination": 50, "quantity": 1})).await;
    assert_eq!(body["is_available"], false);
    assert!(!ids(&s.get("/api/v1/products?search=steam%20wallet").await.2).contains(&123));
    let (status, order) = s.post("/api/v1/orders", json!({"product_id": 123, "denomination": 50, "quantity": 1})).await;
    assert_eq!((status, order["status"].as_str()), (201, Some("FAILED")), "{order}");
    e.change_product(712, ProductChange::SoldOut(true)).unwrap();
    let (status, order) = s.post("/api/v1/esim/orders", json!({"product_id": 712, "amount": 4.50})).await;
    assert_eq!(status, 200);
    assert_eq!((order["status"].as_str(), order["failure_code"].as_str()), (Some("FAILED"), Some("OUT_OF_STOCK")));
    assert_eq!(order["is_user_fixable"], false);
    let ledger = e.ledger();
    for o in ledger["orders"].as_array().unwrap() {
        assert_eq!(o["transactions"].as_array().unwrap().len(), 2, "debited and refunded: {o}");
    }
    e.change_product(123, ProductChange::SoldOut(false)).unwrap();
    let (_, body) = s.post("/api/v1/products/123/availability", json!({"denomination": 50, "quantity": 1})).await;
    assert_eq!(body["is_available"], true);
}

#[tokio::test]
async fn price_discount_and_denomination_changes_show_in_reads_and_charges() {
    let (e, s) = started().await;
    // eSIM: a variant's price, then every variant's discount.
    let change = json!({"change": "variant_price", "variant_id": 5511, "amount": 5.25});
    assert_eq!(admin(&e, "/_emulator/catalog/products/712", change).await.0, 200);
    let (_, _, v) = s.get("/api/v1/esim/variants/5511").await;
    assert_eq!(v["amount"], json!(5.25));
    assert_eq!(s.post("/api/v1/esim/charges", json!({"product_id": 712, "amount": 4.50})).await.0, 400);
    e.change_product(712, ProductChange::Discount(Decimal::new(10, 0))).unwrap();
    let (status, q) = s.post("/api/v1/esim/charges", json!({"product_id": 712, "amount": 5.25})).await;
    assert_eq!(status, 200, "{q}");
    assert_eq!((q["non_discounted_total"].clone(), q["discount_amount"].clone()), (json!(5.25), json!(0.525)));
    // Vouchers: new denominations replace the old ones.
    let change =
        json!({"change": "denominations", "denominations": [{"min_value": 20, "max_value": 20, "discount": 4.5}]});
    assert_eq!(admin(&e, "/_emulator/catalog/products/123", change).await.0, 200);
    let (_, _, p) = s.get("/api/v1/products/123").await;
    assert_eq!(p["available_denominations"], json!([{"min_value": 20.0, "max_value": 20.0, "discount": 4.5}]));
    let (_, _, listed) = s.get("/api/v1/products?search=steam%20wallet").await;
    let listed = listed.as_array().unwrap().iter().find(|p| p["id"] == 123).cloned().unwrap();
    assert_eq!(listed["available_denominations"], p["available_denominations"], "lists show it too");
    let (status, body) = s.post("/api/v1/products/123/charges", json!({"denomination": 50, "quantity": 1})).await;
    assert_eq!((status, body["error"]["message"].as_str()), (400, Some("Denomination not available")));
    let (_, q) = s.post("/api/v1/products/123/charges", json!({"denomination": 20, "quantity": 2})).await;
    assert_eq!((q["non_discounted_total"].clone(), q["discount_amount"].clone()), (json!(40.0), json!(1.8)));
    // Bad changes are refused with a reason.
    let bad = json!({"change": "denominations", "denominations": [{"min_value": 30, "max_value": 20, "discount": 1}]});
    let (status, body) = admin(&e, "/_emulator/catalog/products/123", bad).await;
    assert_eq!((status, body["error"]["message"].as_str()), (400, Some("min_value must not exceed max_value")));
    let (status, _) =
        admin(&e, "/_emulator/catalog/products/123", json!({"change": "discount", "discount": 100})).await;
    assert_eq!(status, 400);
    let (status, _) = admin(
        &e,
        "/_emulator/catalog/products/4218",
        json!({"change": "denominations", "denominations": [{"min_value": 1, "max_value": 1, "discount": 0}]}),
    )
    .await;
    assert_eq!(status, 400, "a topup has no denominations");
}
