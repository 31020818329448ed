//! The money path under adversity: the generated client against the emulator, through a proxy that behaves
//! as production networks and hosts do (replies lost after the host committed, a lookup filter ignored, a
//! list served oldest first, 429s and a rejected token during recovery, a lookup that keeps failing, a read
//! that answers another order, a list that grows during a walk, a page parameter ignored). Every sequence
//! ends in the right order or a typed error: never another order, never a plain `400` for a paid order.

#[path = "common/client_side.rs"]
mod client_side;
#[path = "common/proxy.rs"]
mod proxy;

use client_side::client;

use conformance::emulator::{Config, Emulator, FaultKind, FaultProfile};
use futures_util::{StreamExt, TryStreamExt};
use octopus_client::models::{CreateEsimOrderRequest, CreateTopupOrderRequest, CreateVoucherOrderRequest};
use octopus_client::operations::ListTransactionsParams;
use octopus_client::{CallOptions, Client, Error};
use proxy::{Act, Proxy, Seen};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

async fn emulator(faults: Option<FaultProfile>) -> Emulator {
    Emulator::start(Config { rate_limit_scale: None, faults, ..Config::fast() }).await.unwrap()
}

/// The emulator behind a proxy, and a client that goes through the proxy.
async fn behind_proxy(faults: Option<FaultProfile>) -> (Emulator, Proxy, Client) {
    let e = emulator(faults).await;
    let p = Proxy::start(&e.base_url).await;
    let c = client(&p.base_url, &e);
    (e, p, c)
}

fn voucher(reference: &str, quantity: i32) -> CreateVoucherOrderRequest {
    CreateVoucherOrderRequest::new(123, Decimal::new(10, 0), quantity).client_reference(reference)
}

/// The emulator's orders that carry `reference`.
fn orders_with(e: &Emulator, reference: &str) -> Vec<Value> {
    e.ledger()["orders"].as_array().unwrap().iter().filter(|o| o["client_reference"] == reference).cloned().collect()
}

/// The list answers of every order lookup, unfiltered and oldest first: a host (or a gateway) that drops
/// the `client_reference` parameter and sorts the other way.
fn ignore_the_filter(p: &Proxy) {
    p.on_request(|s: &Seen| {
        let lookup = ["/api/v1/orders", "/api/v1/topups/orders", "/api/v1/esim/orders"];
        if s.method == "GET" && lookup.contains(&s.path.as_str()) {
            let kept: Vec<&str> = s.query.split('&').filter(|kv| !kv.starts_with("client_reference=")).collect();
            return Act::Query(kept.join("&"));
        }
        Act::Forward
    });
    p.on_response(|s: &Seen, body: &mut Value, _| {
        let lookup = ["/api/v1/orders", "/api/v1/topups/orders", "/api/v1/esim/orders"];
        if s.method == "GET"
            && lookup.contains(&s.path.as_str())
            && let Value::Array(items) = body
        {
            items.reverse();
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_lost_after_the_host_committed_are_recovered_in_every_vertical() {
    let routes = ["/api/v1/orders", "/api/v1/topups/orders", "/api/v1/esim/orders"];
    for route in routes {
        let (e, _p, c) = behind_proxy(Some(FaultProfile::next(FaultKind::Reset, route, 1))).await;
        let reference = format!("lost-{}", route.len());
        let (id, recovered) = match route {
            "/api/v1/orders" => {
                let r = c.create_voucher_order(&voucher(&reference, 1)).await.unwrap();
                (r.body.id, r.recovered)
            }
            "/api/v1/topups/orders" => {
                let body = CreateTopupOrderRequest::new(4218, Decimal::new(99, 2))
                    .input_data(BTreeMap::from([("player_id".to_string(), "5123456789".to_string())]))
                    .client_reference(&reference);
                let r = c.create_topup_order(&body).await.unwrap();
                (r.body.id, r.recovered)
            }
            _ => {
                let body = CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference(&reference);
                let r = c.create_esim_order(&body).await.unwrap();
                (r.body.id, r.recovered)
            }
        };
        assert!(recovered, "{route}: the answer was lost and the order recovered");
        let orders = orders_with(&e, &reference);
        assert_eq!(orders.len(), 1, "{route}: one order, paid once");
        assert_eq!(orders[0]["id"].as_i64(), Some(id), "{route}: the recovered order is the one placed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_ignores_the_lookup_filter_never_answers_another_customers_order() {
    let (e, p, c) = behind_proxy(None).await;
    // Other orders of the account, placed first: an unfiltered list served oldest first shows them first.
    for i in 0..3 {
        c.create_voucher_order(&voucher(&format!("someone-else-{i}"), 1)).await.unwrap();
    }
    ignore_the_filter(&p);
    e.set_faults(Some(FaultProfile::next(FaultKind::Reset, "/api/v1/orders", 1)));
    let resp = c.create_voucher_order(&voucher("mine-1", 2)).await.expect("recovered by its exact reference");
    assert!(resp.recovered);
    assert_eq!(resp.body.client_reference.as_deref(), Some("mine-1"), "never another order");
    assert_eq!(resp.body.quantity, Some(2));
    let mine = orders_with(&e, "mine-1");
    assert_eq!((mine.len(), mine[0]["id"].as_i64()), (1, Some(resp.body.id)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_by_reference_pages_through_a_list_whose_filter_is_ignored() {
    let (_e, p, c) = behind_proxy(None).await;
    // More orders than one page (50) of the voucher list; the one looked for is the oldest, so an
    // unfiltered, newest-first list shows it on the second page.
    for i in 0..55 {
        c.create_voucher_order(&voucher(&format!("bulk-{i:02}"), 1)).await.unwrap();
    }
    p.on_request(|s: &Seen| {
        if s.is("GET", "/api/v1/orders") {
            return Act::Query(
                s.query.split('&').filter(|kv| !kv.starts_with("client_reference=")).collect::<Vec<_>>().join("&"),
            );
        }
        Act::Forward
    });
    let found = c.find_voucher_order_by_reference("bulk-00").await.unwrap().expect("on the second page");
    assert_eq!(found.body.client_reference.as_deref(), Some("bulk-00"));
    assert!(p.count("GET", "/api/v1/orders") >= 2, "the second page was read: {:?}", p.log());
    assert!(c.find_voucher_order_by_reference("nobody").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_repeating_a_failed_create_gets_its_one_paid_order() {
    // Every reply of the first call is lost (four attempts): the call fails, retryable. The order exists.
    let (e, _p, c) = behind_proxy(Some(FaultProfile::next(FaultKind::Reset, "/api/v1/esim/orders", 4))).await;
    let body = CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference("repeat-1");
    let failed = c.create_esim_order(&body).await.expect_err("every reply was lost");
    assert!(failed.is_retryable(), "{failed}");
    assert_eq!(orders_with(&e, "repeat-1").len(), 1, "the host placed it");
    // The caller repeats the same create, as is_retryable() invites.
    let again = c.create_esim_order(&body).await.expect("answered with the order already placed");
    assert!(again.recovered);
    let orders = orders_with(&e, "repeat-1");
    assert_eq!((orders.len(), orders[0]["id"].as_i64()), (1, Some(again.body.id)));
    let debits = e.ledger()["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["transaction_type"] == "DEBIT" && t["reference_id"] == orders[0]["id"])
        .count();
    assert!(debits <= 1, "paid once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reference_reused_for_another_order_is_a_conflict_never_the_other_order() {
    let (e, _p, c) = behind_proxy(None).await;
    let first = c.create_voucher_order(&voucher("reused-1", 1)).await.unwrap();
    let err = c.create_voucher_order(&voucher("reused-1", 3)).await.expect_err("another order under a used reference");
    let Error::ReferenceConflict(conflict) = &err else { panic!("a reference conflict, got {err}") };
    assert_eq!(conflict.order_id, first.body.id.to_string());
    assert_eq!(conflict.differences, [("quantity".to_string(), "3".to_string(), "1".to_string())]);
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("use a new reference"), "{err}");
    assert_eq!(orders_with(&e, "reused-1").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_that_is_not_a_duplicate_stays_the_plain_error_it_is() {
    let (e, _p, c) = behind_proxy(None).await;
    // A quantity past the documented limit: refused for itself, nothing placed under the reference.
    let err = c.create_voucher_order(&voucher("too-many-1", 5001)).await.expect_err("refused");
    let Error::Api(api) = &err else { panic!("the plain refusal, got {err}") };
    assert_eq!(api.status, 400);
    assert!(orders_with(&e, "too-many-1").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_waits_out_429s_and_renews_a_rejected_token() {
    let (e, p, c) = behind_proxy(None).await;
    c.create_esim_order(&CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference("busy-1"))
        .await
        .unwrap();
    // The repeat is refused as a duplicate; its lookup meets two 429s (the second stating its wait in the
    // body only), then a 401 for a token the host no longer accepts.
    p.on_request(|s: &Seen| {
        if !s.is("GET", "/api/v1/esim/orders") {
            return Act::Forward;
        }
        let envelope = |name: &str, code: &str, message: &str| {
            json!({"success": false, "error": {"name": name, "code": code, "message": message}})
        };
        match s.nth {
            1 => Act::Answer {
                status: 429,
                headers: vec![("retry-after", "1".into())],
                body: envelope("TooManyRequestsError", "TOO_MANY_REQUESTS", "Rate limit exceeded."),
            },
            2 => Act::Answer {
                status: 429,
                headers: vec![],
                body: envelope("TooManyRequestsError", "TOO_MANY_REQUESTS", "Rate limit exceeded. Retry after 1 seconds."),
            },
            3 => Act::Answer {
                status: 401,
                headers: vec![],
                body: envelope("UnauthorizedError", "UNAUTHORIZED", "Token expired"),
            },
            _ => Act::Forward,
        }
    });
    let started = std::time::Instant::now();
    let resp = c
        .create_esim_order(&CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference("busy-1"))
        .await
        .expect("recovered through the 429s and the 401");
    assert!(resp.recovered);
    assert!(started.elapsed() >= Duration::from_secs(2), "both waits were honoured");
    let log = p.log();
    let renewed = log.iter().filter(|l| l.starts_with("POST /auth/")).count();
    assert!(renewed >= 2, "the rejected token was renewed: {log:?}");
    assert_eq!(orders_with(&e, "busy-1").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_that_keeps_failing_is_unresolved_never_a_plain_400() {
    let (e, p, c) = behind_proxy(None).await;
    let body = CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference("dark-1");
    let placed = c.create_esim_order(&body).await.unwrap();
    p.on_request(|s: &Seen| {
        if s.is("GET", "/api/v1/esim/orders") {
            return Act::Answer { status: 503, headers: vec![], body: json!({"success": false}) };
        }
        Act::Forward
    });
    let err = c.create_esim_order(&body).await.expect_err("the order cannot be found");
    let Error::DuplicateUnresolved(u) = &err else { panic!("unresolved, got {err}") };
    assert_eq!((u.reference.as_str(), u.lookup, u.status), ("dark-1", "list_esim_orders", 400));
    assert!(err.is_retryable(), "sending the same create again is safe");
    assert_eq!(err.status(), None, "not a plain HTTP error");
    assert!(err.to_string().contains("may exist and be paid"), "{err}");
    p.heal();
    let again = c.create_esim_order(&body).await.expect("resolved once the lookup answers");
    assert_eq!((again.body.id, again.recovered), (placed.body.id, true));
    assert_eq!(orders_with(&e, "dark-1").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_total_timeout_during_recovery_is_unresolved_not_a_plain_timeout() {
    let (_e, p, c) = behind_proxy(None).await;
    let body = CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference("slow-1");
    c.create_esim_order(&body).await.unwrap();
    p.on_request(
        |s: &Seen| {
            if s.is("GET", "/api/v1/esim/orders") { Act::Delay(Duration::from_secs(3)) } else { Act::Forward }
        },
    );
    let bounded = c.with_options(CallOptions::new().total_timeout(Duration::from_millis(800)));
    let started = std::time::Instant::now();
    let err = bounded.create_esim_order(&body).await.expect_err("the lookup outlives the bound");
    assert!(started.elapsed() < Duration::from_secs(2), "the call's bound held");
    assert!(matches!(err, Error::DuplicateUnresolved(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_read_back_is_reported_not_replaced_by_the_list_item() {
    let (_e, p, c) = behind_proxy(None).await;
    let body = CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference("unread-1");
    let placed = c.create_esim_order(&body).await.unwrap();
    p.on_request(|s: &Seen| {
        if s.method == "GET" && s.path.starts_with("/api/v1/esim/orders/") {
            return Act::Answer { status: 500, headers: vec![], body: json!({"success": false}) };
        }
        Act::Forward
    });
    let err = c.create_esim_order(&body).await.expect_err("the read back fails");
    let Error::DuplicateUnresolved(u) = &err else { panic!("unresolved, got {err}") };
    assert_eq!(u.order_id, Some(placed.body.id.to_string()), "found by the list, not read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_back_that_answers_another_order_is_not_believed() {
    let (_e, p, c) = behind_proxy(None).await;
    let other = c
        .create_esim_order(&CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference("other-1"))
        .await
        .unwrap();
    let body = CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference("mine-2");
    c.create_esim_order(&body).await.unwrap();
    let other_path = format!("/api/v1/esim/orders/{}", other.body.id);
    p.on_response(move |s: &Seen, answer: &mut Value, _| {
        // Every read by id answers with the other order.
        if s.method == "GET" && s.path.starts_with("/api/v1/esim/orders/") && s.path != other_path {
            answer["id"] = json!(other.body.id);
            answer["client_reference"] = json!("other-1");
        }
    });
    let err = c.create_esim_order(&body).await.expect_err("another order is never the answer");
    assert!(matches!(err, Error::DuplicateUnresolved(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_growing_during_a_concurrent_walk_ends_in_list_changed_without_duplicates() {
    let (e, p, c) = behind_proxy(None).await;
    for i in 0..12 {
        c.create_voucher_order(&voucher(&format!("walk-{i:02}"), 1)).await.unwrap();
    }
    // The second page is held back a moment; meanwhile a new order (placed directly on the emulator) adds a
    // transaction at the head of the list. Nothing blocks: the walk and the order run side by side.
    let session = client(&e.base_url, &e);
    p.on_request(|s: &Seen| {
        if s.is("GET", "/api/v1/transactions") && s.param("page").as_deref() == Some("2") {
            return Act::Delay(Duration::from_millis(500));
        }
        Act::Forward
    });
    let grow = async {
        let started = std::time::Instant::now();
        while p.count("GET", "/api/v1/transactions") < 2 {
            assert!(started.elapsed() < Duration::from_secs(10), "the walk reached its second page");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        session.create_voucher_order(&voucher("during-walk-1", 1)).await.unwrap();
    };
    let params = ListTransactionsParams::new().limit(5);
    let walk = c.list_transactions_stream(&params, 4).map(|r| r.map(|t| t.id).map_err(|e| format!("{e:?}"))).collect();
    let (items, ()): (Vec<Result<i64, String>>, ()) = tokio::join!(walk, grow);
    let ids: Vec<i64> = items.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "no item was yielded twice: {ids:?}");
    let last = items.last().expect("the walk yielded something");
    assert!(last.as_ref().is_err_and(|e| e.contains("ListChanged")), "the walk ended in ListChanged: {last:?}");
    assert_eq!(items.iter().filter(|r| r.is_err()).count(), 1, "the first error ends the walk");
    drop(e);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_ignores_the_page_parameter_is_an_error_not_an_endless_walk() {
    let (_e, p, c) = behind_proxy(None).await;
    for i in 0..8 {
        c.create_voucher_order(&voucher(&format!("pages-{i}"), 1)).await.unwrap();
    }
    p.on_request(|s: &Seen| {
        if s.is("GET", "/api/v1/transactions") {
            return Act::Query(s.query.split('&').filter(|kv| !kv.starts_with("page=")).collect::<Vec<_>>().join("&"));
        }
        Act::Forward
    });
    for concurrency in [1, 3] {
        let params = ListTransactionsParams::new().limit(3);
        let walked: Result<Vec<_>, _> = tokio::time::timeout(
            Duration::from_secs(10),
            c.list_transactions_stream(&params, concurrency).try_collect::<Vec<_>>(),
        )
        .await
        .expect("the walk ends");
        let err = walked.expect_err("a page answered for another is an error");
        assert!(err.to_string().contains("page 2 was asked for and page 1 answered"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_paging_headers_end_the_walk_without_overflow_or_an_endless_walk() {
    let (_e, p, c) = behind_proxy(None).await;
    for i in 0..3 {
        c.create_voucher_order(&voucher(&format!("absurd-{i}"), 1)).await.unwrap();
    }
    // Headers that agree with each other and promise u64::MAX items, one per page: a walk that trusted them
    // would fetch empty pages for ever.
    p.on_response(|s: &Seen, _, headers| {
        if s.is("GET", "/api/v1/transactions") {
            for (name, value) in [
                ("x-per-page", "1".to_string()),
                ("x-total-pages", u64::MAX.to_string()),
                ("x-total-count", u64::MAX.to_string()),
                ("x-has-more", "true".to_string()),
            ] {
                headers.insert(name, value.parse().unwrap());
            }
        }
    });
    for concurrency in [1, 4] {
        let params = ListTransactionsParams::new().limit(1);
        let walked = tokio::time::timeout(
            Duration::from_secs(10),
            c.list_transactions_stream(&params, concurrency).collect::<Vec<_>>(),
        )
        .await
        .expect("the walk ends");
        assert!(walked.len() < 1000, "{concurrency}: the walk stopped: {} items", walked.len());
    }
    // The host ignores the page too, answering page u64::MAX: refused, and nothing overflows.
    p.on_response(|s: &Seen, _, headers| {
        if s.is("GET", "/api/v1/transactions") {
            headers.insert("x-page", u64::MAX.to_string().parse().unwrap());
        }
    });
    let walked = c.list_transactions_stream(&ListTransactionsParams::new(), 4).try_collect::<Vec<_>>().await;
    assert!(walked.is_err(), "page u64::MAX answered for page 1 is refused");
}

#[test]
fn a_replayed_webhook_is_acted_on_once() {
    use hmac::{Hmac, Mac};
    use octopus_client::webhook::{MemoryDedupe, WebhookError, verify_once};
    // Signed as the documents say (hex HMAC-SHA256 of the raw body), by an HMAC the client does not share.
    let secret = b"whsec-adversarial";
    let body = br#"{"id":"evt_paid_1","type":"order.delivered","created_at":"2026-12-06T10:00:00Z","data":{"id":7,"status":"DELIVERED","amount":250.00}}"#;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    let signature: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let made = 1_796_551_200; // 2026-12-06T10:00:00Z
    let delivery = |timestamp: i64, id: &str| {
        let mut h = octopus_client::reqwest::header::HeaderMap::new();
        h.insert("x-signature", signature.parse().unwrap());
        h.insert("x-timestamp", timestamp.to_string().parse().unwrap());
        h.insert("x-event-id", id.parse().unwrap());
        h
    };
    let store = MemoryDedupe::new(Duration::from_secs(86_400));
    let first = verify_once(body, &delivery(made + 5, "evt_paid_1"), secret, made + 5, &store).unwrap();
    assert_eq!(first.event_id, "evt_paid_1");
    // Captured and replayed an hour later with a fresh timestamp: under a new id header, and under its own.
    let later = made + 3600;
    assert_eq!(
        verify_once(body, &delivery(later, "evt_fresh_9"), secret, later, &store),
        Err(WebhookError::EventIdMismatch)
    );
    assert_eq!(
        verify_once(body, &delivery(later, "evt_paid_1"), secret, later, &store),
        Err(WebhookError::Duplicate { event_id: "evt_paid_1".into() })
    );
    // A day and more later, after the store forgot it: refused as too old to tell from a replay.
    let much_later = made + 2 * 86_400;
    let err = verify_once(body, &delivery(much_later, "evt_paid_1"), secret, much_later, &store).unwrap_err();
    assert!(matches!(err, WebhookError::TooOld { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_refused_with_another_status_and_wording_is_still_resolved() {
    // A gateway that maps the API's `400 Duplicate client_reference` to a `409` with its own words.
    let (e, p, c) = behind_proxy(None).await;
    let body = CreateEsimOrderRequest::new(712, Decimal::new(450, 2)).client_reference("reworded-1");
    let placed = c.create_esim_order(&body).await.unwrap();
    p.on_request(|s: &Seen| {
        if s.is("POST", "/api/v1/esim/orders") {
            let body = json!({"success": false, "error": {"name": "Conflict", "code": "CONFLICT", "message": "reference in use"}});
            return Act::Answer { status: 409, headers: vec![], body };
        }
        Act::Forward
    });
    let again = c.create_esim_order(&body).await.expect("the lookup decides, not the wording");
    assert_eq!((again.body.id, again.recovered), (placed.body.id, true));
    assert_eq!(orders_with(&e, "reworded-1").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shorter_documented_order_body_is_still_recovered_and_a_contradiction_is_not() {
    // The walkthrough's shorter voucher order leaves out the product, denomination and quantity: nothing
    // there disproves the order the exact reference names.
    let (e, p, c) = behind_proxy(None).await;
    let placed = c.create_voucher_order(&voucher("short-1", 2)).await.unwrap();
    p.on_response(|s: &Seen, body: &mut Value, _| {
        let strip = |o: &mut Value| {
            if let Some(m) = o.as_object_mut() {
                for k in ["product_id", "denomination", "quantity"] {
                    m.remove(k);
                }
            }
        };
        if s.method == "GET" && s.path.starts_with("/api/v1/orders") {
            match body {
                Value::Array(items) => items.iter_mut().for_each(strip),
                order => strip(order),
            }
        }
    });
    let again = c.create_voucher_order(&voucher("short-1", 2)).await.expect("recovered from the shorter body");
    assert_eq!((again.body.id, again.recovered), (placed.body.id, true));
    // A body that states another quantity contradicts the request: a conflict, never that order.
    p.on_response(|s: &Seen, body: &mut Value, _| {
        if s.method == "GET" && s.path.starts_with("/api/v1/orders/") {
            body["quantity"] = json!(5);
        }
    });
    let err = c.create_voucher_order(&voucher("short-1", 2)).await.expect_err("contradicted");
    assert!(matches!(err, Error::ReferenceConflict(_)), "{err}");
    assert_eq!(orders_with(&e, "short-1").len(), 1);
}
