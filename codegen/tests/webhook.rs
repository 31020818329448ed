//! Webhook verification and typed events in the generated client: the RFC 4231 HMAC vector, a good
//! delivery, a tampered body, a stale timestamp, missing headers, dispatch on the event type, the signed id
//! as the dedupe key (a replay under a new id header is refused), `verify_once` with a dedupe store, and
//! timestamps at the ends of `i64`.

use axum::http::HeaderMap;
use octopus_client::models::WebhookEventPayload;
use octopus_client::webhook::{DedupeStore, MemoryDedupe, WebhookError, hmac_sha256, verify, verify_once};
use std::time::Duration;

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

/// A delivery of `body` as the sender signs it, with `event_id` in the (unsigned) id header.
fn delivery(body: &str, timestamp: i64, event_id: Option<&str>) -> HeaderMap {
    let mut h = headers(body.as_bytes(), timestamp);
    match event_id {
        Some(id) => h.insert("x-event-id", id.parse().unwrap()),
        None => h.remove("x-event-id"),
    };
    h
}

#[test]
fn the_dedupe_key_is_the_signed_id_and_a_disagreeing_header_is_refused() {
    // A captured delivery replayed later with a fresh timestamp and a new id header: only the body is
    // signed, so the header's id proves nothing. The signed id is the key, and the header must agree.
    let replay = delivery(BODY, NOW, Some("evt_REPLAYED"));
    assert_eq!(verify(BODY.as_bytes(), &replay, SECRET, NOW), Err(WebhookError::EventIdMismatch));
    let no_header = verify(BODY.as_bytes(), &delivery(BODY, NOW, None), SECRET, NOW).unwrap();
    assert_eq!(no_header.event_id, "evt_01HZX3", "the signed body's id, without the header");
    let made = octopus_client::auth::parse_rfc3339("2025-01-15T12:01:00Z");
    assert_eq!(no_header.created_at, made);
    let anonymous =
        r#"{"type":"order.delivered","created_at":"2025-01-15T12:01:00Z","data":{"id":1,"status":"DELIVERED"}}"#;
    assert_eq!(
        verify(anonymous.as_bytes(), &delivery(anonymous, NOW, Some("evt_x")), SECRET, NOW),
        Err(WebhookError::MissingInBody("/id"))
    );
}

#[test]
fn verify_once_acts_on_an_event_once_and_refuses_what_it_cannot_tell_from_a_replay() {
    let store = MemoryDedupe::new(Duration::from_secs(3 * 86_400));
    let first = verify_once(BODY.as_bytes(), &delivery(BODY, NOW, Some("evt_01HZX3")), SECRET, NOW, &store).unwrap();
    assert_eq!(first.event_id, "evt_01HZX3");
    // The sender's retry, and a replay with a fresh timestamp and no id header: both the same event.
    for h in [delivery(BODY, NOW + 60, Some("evt_01HZX3")), delivery(BODY, NOW + 120, None)] {
        let later = NOW + 120;
        assert_eq!(
            verify_once(BODY.as_bytes(), &h, SECRET, later, &store),
            Err(WebhookError::Duplicate { event_id: "evt_01HZX3".into() })
        );
    }
    // Handling failed: forget it, and the next delivery is handled.
    store.forget("evt_01HZX3");
    assert!(verify_once(BODY.as_bytes(), &delivery(BODY, NOW + 180, None), SECRET, NOW + 180, &store).is_ok());
    // Past what the store remembers, an event could be a replay whatever its id: refused.
    let short = MemoryDedupe::new(Duration::from_secs(3600));
    let two_hours_on = NOW + 7200;
    let h = delivery(BODY, two_hours_on, None);
    let err = verify_once(BODY.as_bytes(), &h, SECRET, two_hours_on, &short).unwrap_err();
    assert!(matches!(err, WebhookError::TooOld { .. }), "{err}");
}

#[test]
fn extreme_timestamps_are_stale_never_an_overflow() {
    for (sent, now) in [(i64::MIN, NOW), (i64::MAX, NOW), (i64::MIN, i64::MAX), (i64::MAX, i64::MIN), (0, i64::MIN)] {
        let h = delivery(BODY, sent, Some("evt_01HZX3"));
        assert!(matches!(verify(BODY.as_bytes(), &h, SECRET, now), Err(WebhookError::Stale { .. })), "{sent} at {now}");
    }
    let store = MemoryDedupe::new(Duration::MAX);
    assert_eq!(store.remembers_secs(), i64::MAX);
    assert!(store.first_sighting("e", i64::MIN) && !store.first_sighting("e", i64::MAX));
}
