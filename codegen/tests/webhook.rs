//! Webhook verification and typed events in the generated client: the RFC 4231 HMAC vector, a good
//! delivery, a tampered body, a stale timestamp, missing headers, and dispatch on the event type.

use axum::http::HeaderMap;
use octopus_client::models::WebhookEventPayload;
use octopus_client::webhook::{WebhookError, hmac_sha256, verify};

const SECRET: &[u8] = b"whsec-PLANTED-0003";
const NOW: i64 = 1_736_942_460;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn headers(body: &[u8], timestamp: i64) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-signature", hex(&hmac_sha256(SECRET, body)).parse().unwrap());
    h.insert("x-timestamp", timestamp.to_string().parse().unwrap());
    h.insert("x-event-id", "evt_01HZX3".parse().unwrap());
    h
}

const BODY: &str = r#"{"id":"evt_01HZX3","type":"order.delivered","created_at":"2025-01-15T12:01:00Z","data":{"id":12345,"status":"DELIVERED","amount":250.00}}"#;

#[test]
fn hmac_matches_rfc_4231_test_case_2() {
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    assert_eq!(hex(&mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // A key longer than the block is hashed first (RFC 4231 test case 6).
    let mac = hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First");
    assert_eq!(hex(&mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

#[test]
fn a_good_delivery_verifies_and_gives_the_event_id() {
    let v = verify(BODY.as_bytes(), &headers(BODY.as_bytes(), NOW - 10), SECRET, NOW).unwrap();
    assert_eq!((v.event_id.as_str(), v.timestamp), ("evt_01HZX3", NOW - 10));
}

#[test]
fn tampering_staleness_and_missing_headers_are_refused() {
    let h = headers(BODY.as_bytes(), NOW);
    let tampered = BODY.replace("250.00", "2500.00");
    assert_eq!(verify(tampered.as_bytes(), &h, SECRET, NOW), Err(WebhookError::BadSignature));
    assert_eq!(verify(BODY.as_bytes(), &h, b"another-secret", NOW), Err(WebhookError::BadSignature));
    let stale = headers(BODY.as_bytes(), NOW - 301);
    assert_eq!(verify(BODY.as_bytes(), &stale, SECRET, NOW), Err(WebhookError::Stale { age_secs: 301 }));
    let mut missing = h.clone();
    missing.remove("x-signature");
    assert_eq!(verify(BODY.as_bytes(), &missing, SECRET, NOW), Err(WebhookError::MissingHeader("X-Signature")));
    let mut garbled = h.clone();
    garbled.insert("x-signature", "zz".parse().unwrap());
    assert_eq!(verify(BODY.as_bytes(), &garbled, SECRET, NOW), Err(WebhookError::BadSignature));
    let mut bad_time = h;
    bad_time.insert("x-timestamp", "yesterday".parse().unwrap());
    assert_eq!(verify(BODY.as_bytes(), &bad_time, SECRET, NOW), Err(WebhookError::MalformedTimestamp));
}

#[test]
fn events_are_typed_by_their_type_and_unknown_types_are_kept() {
    let e: WebhookEventPayload = serde_json::from_str(BODY).unwrap();
    let WebhookEventPayload::OrderWebhookEvent(order) = e else { panic!("{e:?}") };
    assert_eq!(order.data.id, 12345);
    let wallet = r#"{"id":"evt_2","type":"wallet.debited","created_at":"2025-01-15T12:01:00Z","data":{"amount":4.5}}"#;
    assert!(matches!(serde_json::from_str(wallet).unwrap(), WebhookEventPayload::WalletWebhookEvent(_)));
    let planned = r#"{"id":"evt_3","type":"esim.installed","created_at":"2025-01-15T12:01:00Z","data":{}}"#;
    let e: WebhookEventPayload = serde_json::from_str(planned).unwrap();
    assert!(matches!(e, WebhookEventPayload::Unknown(_)), "a planned event type is kept, not an error");
}
