//! Every parser of server-sent text in the runtime, fuzzed: timestamps (token expiries), `Retry-After` and
//! the "Retry after N seconds" body, the paging headers, token responses and error envelopes. Inputs mix
//! valid values with single-character edits, multi-byte characters at every position, control bytes,
//! overlong and huge-number input. Each parser returns a value or a refusal; none may panic.
//!
//! The runtime is exercised through a generated crate (`octopus-client`), as users get it.

mod common;

use common::Rng;
use octopus_client::auth::parse_rfc3339;
use octopus_client::client::Paging;
use octopus_client::retry::retry_after;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::panic::{AssertUnwindSafe, catch_unwind};

const INSERTS: &[&str] =
    &["é", "日", "🚀", "\u{0}", "\u{7f}", "\u{feff}", "-", "+", ":", ".", "Z", "9", " ", "\t", "ß"];

/// Variants of `valid`: an insertion, a deletion or a replacement at every position, plus random text,
/// overlong text and huge numbers.
fn variants(rng: &mut Rng, valid: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = valid.chars().collect();
    let mut out = vec![valid.to_string(), String::new(), "9".repeat(100_000), "é".repeat(50_000)];
    for at in 0..=chars.len() {
        for ins in INSERTS {
            let mut c = chars.clone();
            c.splice(at..at, ins.chars());
            out.push(c.iter().collect());
        }
        if at < chars.len() {
            let mut c = chars.clone();
            c.remove(at);
            out.push(c.iter().collect());
        }
    }
    for _ in 0..n {
        let len = rng.index(40);
        out.push((0..len).map(|_| rng.pick(INSERTS).to_string()).collect());
    }
    out.push(valid.replace(|c: char| c.is_ascii_digit(), "99999999999999999999"));
    out
}

fn no_panic<T>(what: &str, input: &str, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| panic!("{what} panicked on {:?}", input.chars().take(80).collect::<String>()))
}

#[test]
fn timestamps_never_panic() {
    let mut rng = Rng(1);
    let mut parsed = 0;
    for valid in ["2025-01-15T13:00:00Z", "2025-01-15T13:00:00.123+05:30", "1999-12-31t23:59:59-01:00"] {
        for input in variants(&mut rng, valid, 2_000) {
            parsed += usize::from(no_panic("parse_rfc3339", &input, || parse_rfc3339(&input)).is_some());
        }
    }
    // The regression the issue reported: a multi-byte character where the parser sliced by byte offsets.
    for input in
        ["2025-01-15T13:00:00+0é:0", "2025-01-15T13:00:00-é0:0", "2025-01-15T13:00:0é", "2025-01-15T13:00:00é000"]
    {
        assert_eq!(no_panic("parse_rfc3339", input, || parse_rfc3339(input)), None, "{input}");
    }
    assert!(parsed > 3, "valid timestamps still parse ({parsed})");
    assert_eq!(parse_rfc3339("2025-01-15T13:00:00Z"), Some(1_736_946_000));
}

fn headers(pairs: &[(&'static str, &[u8])]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in pairs {
        // Header values may carry any byte but control characters (obs-text included): keep what is legal.
        if let Ok(v) = HeaderValue::from_bytes(value) {
            h.insert(HeaderName::from_bytes(name.as_bytes()).expect("a header name"), v);
        }
    }
    h
}

#[test]
fn retry_hints_never_panic() {
    let mut rng = Rng(2);
    for input in variants(&mut rng, "12", 2_000) {
        let raw: Vec<u8> = input.bytes().collect();
        let h = headers(&[("retry-after", &raw)]);
        no_panic("retry_after (header)", &input, || retry_after(&h, b""));
        let body = format!(r#"{{"error": {{"message": "Rate limit exceeded. Retry after {input} seconds."}}}}"#);
        no_panic("retry_after (body)", &input, || retry_after(&HeaderMap::new(), body.as_bytes()));
    }
    let random: Vec<u8> = (0..4096).map(|_| rng.next_u64() as u8).collect();
    no_panic("retry_after (bytes)", "random bytes", || retry_after(&HeaderMap::new(), &random));
    assert_eq!(retry_after(&headers(&[("retry-after", b"7")]), b""), Some(std::time::Duration::from_secs(7)));
    // Without the header, the wait the spec's `x-retry-hint` points at.
    let body = br#"{"error": {"message": "Rate limit exceeded. Retry after 12 seconds."}}"#;
    assert_eq!(retry_after(&HeaderMap::new(), body), Some(std::time::Duration::from_secs(12)));
}

#[test]
fn paging_headers_never_panic() {
    let mut rng = Rng(3);
    // The names the spec's `x-paging` declares.
    let declared = octopus_client::operations::LIST_ESIM_PRODUCTS.paging.expect("a paged list").headers;
    let names = [
        declared.page,
        declared.per_page,
        declared.total_count,
        declared.total_pages,
        declared.page_size,
        declared.has_more,
    ];
    let valid = ["2", "100", "1101", "12", "100", "true"];
    let mut refused = 0;
    for (k, name) in names.iter().enumerate() {
        for input in variants(&mut rng, valid[k], 300) {
            let raw: Vec<u8> = input.bytes().collect();
            let mut pairs: Vec<(&'static str, &[u8])> =
                names.iter().zip(valid).map(|(n, v)| (*n, v.as_bytes())).collect();
            pairs[k] = (name, &raw);
            let h = headers(&pairs);
            refused +=
                usize::from(no_panic("Paging::from_headers", &input, || Paging::from_headers(&h, &declared)).is_err());
        }
    }
    assert!(refused > 0, "malformed headers are refused with a message");
}

/// Token responses and error envelopes come through the client from a server on loopback that answers each
/// request with the next fuzzed body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_bodies_and_error_envelopes_never_panic() {
    use axum::Router;
    use axum::extract::State;
    use axum::response::IntoResponse;
    use std::sync::{Arc, Mutex};
    let mut rng = Rng(4);
    let token = r#"{"success":true,"data":{"access_token":"a","refresh_token":"r","access_expires_at":"2099-01-01T00:00:00Z","refresh_expires_at":"2099-01-01T00:00:00Z"}}"#;
    let envelope = r#"{"error":{"name":"NotFoundError","code":"NOT_FOUND","message":"nothing here"}}"#;
    let mut bodies: Vec<(u16, String)> = Vec::new();
    for input in variants(&mut rng, token, 200).into_iter().step_by(3) {
        bodies.push((200, input));
    }
    for input in variants(&mut rng, envelope, 200).into_iter().step_by(3) {
        bodies.push((404, input));
    }
    let n = bodies.len();
    type Queue = Arc<Mutex<Vec<(u16, String)>>>;
    let queue: Queue = Arc::new(Mutex::new(bodies));
    async fn answer(State(q): State<Queue>) -> axum::response::Response {
        let (status, body) = q.lock().unwrap().pop().unwrap_or((500, String::new()));
        (axum::http::StatusCode::from_u16(status).unwrap(), [("content-type", "application/json")], body)
            .into_response()
    }
    let app = Router::new().fallback(answer).with_state(queue.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let mut answered = 0;
    while !queue.lock().unwrap().is_empty() {
        let next_is_token = queue.lock().unwrap().last().is_some_and(|(s, _)| *s == 200);
        let client = Client::builder(base.clone())
            .credentials("key", "secret")
            .retry(octopus_client::RetryPolicy::none())
            .build()
            .unwrap();
        // A token body is read by the login before the first secured call; an error envelope by the call.
        let call = tokio::spawn(async move { client.get_esim_order(1).await.map(|_| ()).map_err(|e| e.to_string()) });
        let outcome = call.await;
        assert!(
            outcome.is_ok(),
            "the client panicked (next body was a {} body)",
            if next_is_token { "token" } else { "error" }
        );
        answered += 1;
    }
    assert!(answered > 0 && answered <= n);
}

use octopus_client::Client;
