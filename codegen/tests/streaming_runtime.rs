//! Streamed answers against a real HTTP server on loopback, through the fixture crate's `streaming` module:
//! server-sent events typed by the spec's item schema (every WHATWG line ending, comments, a BOM, multi-line
//! data, `id` and `retry`), the same events however the body is cut into chunks, the `[DONE]` terminator, a
//! stream cut mid-event and a bad event as typed error items that never quote the data, a large download
//! handed over chunk by chunk while the server is still sending, a download cut midway, establishment
//! retried and timed out like any call, and the idle timeout. The SSE parser itself is fuzzed at the end.

mod common;

use axum::Router;
use axum::body::Body;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use common::Rng;
use fixture_client::operations::{DownloadFileResponse, StreamTicksParams};
use fixture_client::sse::{RawSseEvent, SseParser};
use fixture_client::stream::{StreamError, StreamErrorKind};
use fixture_client::{CallOptions, Client, Error, RetryPolicy};
use futures_util::StreamExt;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// What a route answers: pieces of the body, each sent on its own after `gap`, and then, if `cut`, a broken
/// connection instead of a clean end.
#[derive(Clone, Default)]
struct Script {
    status: u16,
    content_type: &'static str,
    pieces: Vec<Vec<u8>>,
    gap: Duration,
    cut: bool,
    content_length: Option<u64>,
}

fn sse(pieces: Vec<Vec<u8>>) -> Script {
    Script { status: 200, content_type: "text/event-stream", pieces, ..Script::default() }
}

fn respond(s: Script) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    tokio::spawn(async move {
        for piece in s.pieces {
            if !s.gap.is_zero() {
                tokio::time::sleep(s.gap).await;
            }
            if tx.send(Ok(Bytes::from(piece))).await.is_err() {
                return;
            }
        }
        if s.cut {
            let _ = tx.send(Err(std::io::Error::other("cut"))).await;
        }
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async { rx.recv().await.map(|x| (x, rx)) }));
    let mut resp = (StatusCode::from_u16(s.status).unwrap(), body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, s.content_type.parse().unwrap());
    if let Some(n) = s.content_length {
        resp.headers_mut().insert(header::CONTENT_LENGTH, n.into());
    }
    resp
}

/// A server whose routes answer the scripts queued for them, in order (the last one repeats).
#[derive(Clone, Default)]
struct Scripts(Arc<Mutex<VecDeque<Script>>>, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>);

impl Scripts {
    fn next(&self, headers: &HeaderMap) -> Script {
        let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        self.2.lock().unwrap().push(accept.to_string());
        self.1.fetch_add(1, Ordering::SeqCst);
        let mut q = self.0.lock().unwrap();
        if q.len() > 1 { q.pop_front().unwrap() } else { q.front().cloned().unwrap_or_default() }
    }
    fn calls(&self) -> usize {
        self.1.load(Ordering::SeqCst)
    }
}

async fn serve(scripts: &[Script]) -> (Client, Scripts) {
    let state = Scripts(Arc::new(Mutex::new(scripts.iter().cloned().collect())), Arc::default(), Arc::default());
    let s = state.clone();
    let handler = move |headers: HeaderMap| {
        let s = s.clone();
        async move { respond(s.next(&headers)) }
    };
    let app = Router::new()
        .route("/stream/ticks", get(handler.clone()))
        .route("/stream/shaped", post(handler.clone()))
        .route("/stream/chat", post(handler.clone()))
        .route("/stream/log", get(handler.clone()))
        .route("/stream/files/{name}", get(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let policy = RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    };
    (Client::builder(format!("http://{addr}")).retry(policy).build().unwrap(), state)
}

const TICKS: &str = "\u{feff}: a comment\r\nevent: tick\r\nid: 1\r\nretry: 2500\r\ndata: {\"n\": 1,\r\ndata:  \"note\": \"two\\nlines\"}\r\n\r\n\
data:{\"n\":2}\rid\r\r\
: keep-alive\n\nevent: tock\ndata: {\"n\":3}\ndata\n\n\
data: [DONE]\n\ndata: {\"n\":4}\n\n";

async fn ticks(
    client: &Client,
) -> Vec<Result<fixture_client::sse::SseEvent<fixture_client::models::Tick>, StreamError>> {
    let resp = client.stream_ticks(&StreamTicksParams::default()).await.unwrap();
    assert_eq!(resp.status, 200);
    resp.body.collect().await
}

#[tokio::test]
async fn typed_events_arrive_with_their_fields_and_the_terminator_ends_the_stream() {
    let (client, _) = serve(&[sse(vec![TICKS.as_bytes().to_vec()])]).await;
    let events: Vec<_> = ticks(&client).await.into_iter().map(Result::unwrap).collect();
    type Seen<'a> = (&'a str, Option<&'a str>, Option<u64>, i64, Option<&'a str>);
    let seen: Vec<Seen> = events
        .iter()
        .map(|e| {
            let retry = e.retry.map(|r| r.as_millis() as u64);
            (e.event.as_str(), e.id.as_deref(), retry, e.data.n, e.data.note.as_deref())
        })
        .collect();
    assert_eq!(
        seen,
        [
            // BOM skipped, a comment, CRLF, `retry`, data over two lines (one leading space dropped).
            ("tick", Some("1"), Some(2500), 1, Some("two\nlines")),
            // CR line ends, no space after the colon; `id` without a colon resets the last event ID.
            ("message", None, None, 2, None),
            // A trailing `data` without a colon adds an empty line: `{"n":3}\n` still decodes.
            ("tock", None, None, 3, None),
        ]
    );
    // `[DONE]` (the spec's `x-stream-terminator`) ended the stream: the event after it was not read.
}

#[tokio::test]
async fn every_chunking_of_the_body_gives_the_same_events() {
    let body = TICKS.as_bytes();
    let (client, scripts) = serve(&[sse(vec![body.to_vec()])]).await;
    let whole: Vec<String> = ticks(&client).await.into_iter().map(|e| format!("{:?}", e.unwrap())).collect();
    assert_eq!(whole.len(), 3);
    for at in 1..body.len() {
        let split = sse(vec![body[..at].to_vec(), body[at..].to_vec()]);
        let split = Script { gap: Duration::from_millis(1), ..split };
        *scripts.0.lock().unwrap() = VecDeque::from([split]);
        let got: Vec<String> = ticks(&client).await.into_iter().map(|e| format!("{:?}", e.unwrap())).collect();
        assert_eq!(got, whole, "the body cut at byte {at}");
    }
    // Byte by byte.
    let bytes = sse(body.iter().map(|b| vec![*b]).collect());
    *scripts.0.lock().unwrap() = VecDeque::from([bytes]);
    let got: Vec<String> = ticks(&client).await.into_iter().map(|e| format!("{:?}", e.unwrap())).collect();
    assert_eq!(got, whole);
}

const PLANTED: &str = "sk-PLANTED-SECRET-0001";

#[tokio::test]
async fn a_stream_cut_mid_event_ends_with_a_typed_error_that_quotes_nothing() {
    let first = "id: 7\ndata: {\"n\": 1}\n\n";
    let partial = format!("data: {{\"n\": 2, \"note\": \"{PLANTED}\"");
    // The body ends cleanly, but inside an event.
    let clean = sse(vec![first.into(), partial.clone().into()]);
    // The connection breaks inside an event.
    let broken = Script { cut: true, ..clean.clone() };
    for (script, transport) in [(clean, false), (broken, true)] {
        let (client, _) = serve(&[script]).await;
        let resp = client.stream_ticks(&StreamTicksParams::default()).await.unwrap();
        let mut events = resp.body;
        let one = events.next().await.unwrap().unwrap();
        assert_eq!((one.data.n, one.id.as_deref()), (1, Some("7")));
        let err = events.next().await.unwrap().unwrap_err();
        assert_eq!(err.event, Some(1), "the error names the event it cut");
        assert_eq!(err.offset, first.len() as u64, "and where that event starts");
        match (&err.kind, transport) {
            (StreamErrorKind::Truncated { expected: None }, false) | (StreamErrorKind::Transport(_), true) => {}
            (other, _) => panic!("unexpected {other:?}"),
        }
        assert!(err.is_retryable());
        assert_eq!(events.last_event_id(), Some("7"), "where to resume from");
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(PLANTED) && !text.contains("note"), "the event's data leaked: {text}");
        }
        assert!(events.next().await.is_none(), "the stream ends after the failure");
    }
}

#[tokio::test]
async fn an_event_that_does_not_decode_is_an_error_item_and_the_stream_goes_on() {
    let body =
        format!("data: {{\"n\": \"{PLANTED}\"}}\n\ndata: not json {PLANTED}\n\ndata: {{\"n\": 3}}\n\ndata: [DONE]\n\n");
    let (client, _) = serve(&[sse(vec![body.into()])]).await;
    // `streamShaped` declares no terminator: `[DONE]` is data like any other, and it is not a Tick.
    let body = fixture_client::models::StreamShapedBody::new();
    let events: Vec<_> = client.stream_shaped(&body).await.unwrap().body.collect().await;
    assert_eq!(events.len(), 4);
    let wrong_type = events[0].as_ref().unwrap_err();
    match &wrong_type.kind {
        StreamErrorKind::Decode { path, message } => {
            assert_eq!(path, "n");
            assert!(message.contains("invalid type: string"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!((wrong_type.event, wrong_type.offset), (Some(0), 0));
    assert_eq!(events[1].as_ref().unwrap_err().event, Some(1));
    assert_eq!(events[2].as_ref().unwrap().data.n, 3, "the stream went on after the bad events");
    assert!(
        matches!(events[3].as_ref().unwrap_err().kind, StreamErrorKind::Decode { .. }),
        "[DONE] without a terminator"
    );
    for e in events.iter().filter_map(|e| e.as_ref().err()) {
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains(PLANTED), "the event's data leaked: {text}");
        }
    }
}

#[tokio::test]
async fn an_answer_offering_json_or_events_has_a_companion_that_reads_the_events() {
    let events = sse(vec![b"data: {\"n\": 1}\n\ndata: {\"n\": 2}\n\ndata: [DONE]\n\n".to_vec()]);
    let json = Script {
        status: 200,
        content_type: "application/json",
        pieces: vec![br#"{"n": 7}"#.to_vec()],
        ..Script::default()
    };
    let (client, scripts) = serve(&[json, events]).await;
    let body = fixture_client::models::ChatBody::new();
    assert_eq!(client.chat(&body).await.unwrap().body.n, 7, "the method reads the JSON answer");
    let streamed = client.chat_events(&body.stream(true)).await.unwrap().body;
    let n: Vec<i64> = streamed.map(|e| e.unwrap().data.n).collect().await;
    assert_eq!(n, [1, 2], "its companion reads the events, to the terminator");
    assert_eq!(*scripts.2.lock().unwrap(), ["*/*", "text/event-stream"], "and asks for them");
}

#[tokio::test]
async fn text_events_keep_their_data_as_text() {
    let (client, _) =
        serve(&[sse(vec![b"event: line\ndata: first\ndata: second\n\ndata: {not json}\n\n".to_vec()])]).await;
    let events: Vec<_> = client.stream_log().await.unwrap().body.collect().await;
    let data: Vec<(String, String)> = events.into_iter().map(|e| e.unwrap()).map(|e| (e.event, e.data)).collect();
    assert_eq!(data, [("line".to_string(), "first\nsecond".to_string()), ("message".into(), "{not json}".into())]);
}

#[tokio::test]
async fn establishing_a_stream_follows_the_retry_policy_and_errors_stay_typed() {
    let unavailable =
        Script { status: 503, content_type: "application/json", pieces: vec![b"{}".to_vec()], ..Script::default() };
    let (client, scripts) = serve(&[unavailable, sse(vec![b"data: {\"n\": 5}\n\n".to_vec()])]).await;
    let events = ticks(&client).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].as_ref().unwrap().data.n, 5);
    assert_eq!(scripts.calls(), 2, "the 503 was retried (a GET is safe to send again)");

    let missing = Script {
        status: 404,
        content_type: "application/json",
        pieces: vec![br#"{"title": "no such stream"}"#.to_vec()],
        ..Script::default()
    };
    let (client, _) = serve(&[missing]).await;
    match client.stream_ticks(&StreamTicksParams::default()).await {
        Err(Error::Api(e)) => assert_eq!(e.body.as_ref().map(|p| p.title.as_str()), Some("no such stream")),
        other => panic!("expected the typed 404, got {other:?}"),
    }
}

#[tokio::test]
async fn the_timeout_bounds_the_wait_for_the_answer_and_each_read_never_the_whole_stream() {
    // Steady events for longer than the timeout: none is lost.
    let steady = Script {
        gap: Duration::from_millis(60),
        ..sse((0..10).map(|n| format!("data: {{\"n\": {n}}}\n\n").into()).collect())
    };
    let (client, _) = serve(&[steady]).await;
    let quick = client.with_options(CallOptions::new().timeout(Duration::from_millis(250)));
    let started = std::time::Instant::now();
    let events = ticks(&quick).await;
    assert!(started.elapsed() > Duration::from_millis(500), "the stream outlived the timeout");
    assert_eq!(events.iter().filter(|e| e.is_ok()).count(), 10, "{events:?}");

    // A stream that goes quiet ends with an idle error item, not silently.
    let stalls = Script {
        gap: Duration::from_millis(400),
        ..sse(vec![b"data: {\"n\": 1}\n\n".to_vec(), b"data: {\"n\": 2}\n\n".to_vec()])
    };
    let (client, _) = serve(&[stalls]).await;
    let quick = client.with_options(CallOptions::new().timeout(Duration::from_millis(600)).retry(RetryPolicy::none()));
    let resp = quick.stream_ticks(&StreamTicksParams::default()).await.unwrap();
    let mut events = resp.body.idle_timeout(Some(Duration::from_millis(150)));
    let err = events.next().await.unwrap().unwrap_err();
    assert!(matches!(err.kind, StreamErrorKind::Idle(_)), "{err:?}");
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn an_answer_that_does_not_start_in_time_is_a_timeout_after_the_retries() {
    let app = Router::new().route(
        "/stream/ticks",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let policy = RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    let client =
        Client::builder(format!("http://{addr}")).retry(policy).timeout(Duration::from_millis(100)).build().unwrap();
    let started = std::time::Instant::now();
    match client.stream_ticks(&StreamTicksParams::default()).await {
        Err(Error::Timeout(t)) => assert_eq!(t.operation, "streamTicks"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2), "each attempt was bounded");
}

const MIB: usize = 1 << 20;

#[tokio::test]
async fn a_large_download_is_handed_over_while_the_server_is_still_sending() {
    let total = 64 * MIB;
    let chunk = vec![7u8; 256 * 1024];
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let first_read = Arc::new(tokio::sync::Notify::new());
    let finished = Arc::new(AtomicBool::new(false));
    let (reader, done) = (first_read.clone(), finished.clone());
    tokio::spawn(async move {
        tx.send(Ok(Bytes::from(chunk.clone()))).await.unwrap();
        // The rest waits until the client has the first chunk in hand.
        reader.notified().await;
        for _ in 1..total / chunk.len() {
            if tx.send(Ok(Bytes::from(chunk.clone()))).await.is_err() {
                return;
            }
        }
        done.store(true, Ordering::SeqCst);
    });
    let rx = Arc::new(Mutex::new(Some(rx)));
    let app = Router::new().route(
        "/stream/files/{name}",
        get(move || {
            let rx = rx.lock().unwrap().take().unwrap();
            async move {
                let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async {
                    rx.recv().await.map(|x| (x, rx))
                }));
                let mut headers = HeaderMap::new();
                headers.insert(header::CONTENT_TYPE, "application/octet-stream".parse().unwrap());
                headers.insert(header::CONTENT_LENGTH, total.into());
                (headers, body).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::builder(format!("http://{addr}")).build().unwrap();

    let resp = client.download_file("big.bin").await.unwrap();
    let DownloadFileResponse::Status200(mut download) = resp.body else { panic!("expected the download") };
    assert_eq!(download.content_length(), Some(total as u64));
    assert_eq!(download.content_type(), Some("application/octet-stream"));
    let first = download.next().await.unwrap().unwrap();
    assert!(!first.is_empty());
    assert!(!finished.load(Ordering::SeqCst), "the first chunk came before the server finished");
    first_read.notify_one();
    let (mut received, mut largest) = (first.len(), first.len());
    while let Some(chunk) = download.next().await {
        let chunk = chunk.unwrap();
        received += chunk.len();
        largest = largest.max(chunk.len());
    }
    assert_eq!(received, total);
    assert!(largest <= 4 * MIB, "chunks are handed over as they come, not gathered ({largest} bytes at once)");
    assert!(finished.load(Ordering::SeqCst));
}

#[tokio::test]
async fn a_download_cut_midway_ends_with_an_error_never_a_short_success() {
    let half = vec![1u8; MIB / 2];
    let announced = Script {
        status: 200,
        content_type: "application/octet-stream",
        pieces: vec![half.clone()],
        content_length: Some(MIB as u64),
        cut: true,
        ..Script::default()
    };
    let chunked = Script { content_length: None, ..announced.clone() };
    for script in [announced, chunked] {
        let (client, _) = serve(&[script]).await;
        let DownloadFileResponse::Status200(download) = client.download_file("f").await.unwrap().body else {
            panic!("expected the download")
        };
        let err = download.collect().await.unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
        assert!(err.offset <= half.len() as u64);
        assert!(err.event.is_none());
    }
    // The non-stream answer beside the download is read whole.
    let pending = Script {
        status: 202,
        content_type: "application/json",
        pieces: vec![br#"{"n": 9}"#.to_vec()],
        ..Script::default()
    };
    let (client, _) = serve(&[pending]).await;
    match client.download_file("f").await.unwrap().body {
        DownloadFileResponse::Status202(t) => assert_eq!(t.n, 9),
        other => panic!("unexpected {other:?}"),
    }
    // A small download, whole.
    let small = Script {
        status: 200,
        content_type: "application/pdf",
        pieces: vec![b"%PDF".to_vec(), b"-1.7".to_vec()],
        ..Script::default()
    };
    let (client, _) = serve(&[small]).await;
    let DownloadFileResponse::Status200(download) = client.download_file("f").await.unwrap().body else { panic!() };
    assert_eq!(download.content_type(), Some("application/pdf"));
    assert_eq!(&download.collect().await.unwrap()[..], b"%PDF-1.7");
}

/// The parser alone: every split of every sample body, and random bytes, give the events of the whole body
/// (the same offsets included), and nothing panics.
#[test]
fn the_sse_parser_gives_the_same_events_however_the_body_is_cut() {
    fn parse(chunks: &[&[u8]]) -> (Vec<RawSseEvent>, Option<u64>, Result<(), u64>) {
        let mut p = SseParser::new(4096);
        let mut out = VecDeque::new();
        for c in chunks {
            if let Err(at) = p.feed(c, &mut out) {
                return (out.into(), None, Err(at));
            }
        }
        (out.into(), p.unfinished(), Ok(()))
    }
    let mut rng = Rng(24);
    let mut samples: Vec<Vec<u8>> = vec![
        TICKS.as_bytes().to_vec(),
        b"data:a\r\rdata:b\r\n\r\n:c\n\nid:\0x\nid: 3\ndata\n\nretry: 9x\nretry:\ndata: z\n\n".to_vec(),
        b"\xEF\xBB\xBFdata: bom\n\n\xEF\xBB\xBFdata: not a bom\n\n".to_vec(),
        b"data: \xff\xfe invalid utf-8\n\ndata: cut".to_vec(),
        "data: é日🚀\r\n\r\n".as_bytes().to_vec(),
        vec![b'a'; 5000],
    ];
    const PIECES: &[&[u8]] = &[
        b"data:",
        b"data: ",
        b"event:",
        b"id:",
        b"retry:",
        b"1",
        b":",
        b"\r",
        b"\n",
        b"\r\n",
        b"x",
        b"{\"n\":1}",
        b"\xEF\xBB\xBF",
        "é".as_bytes(),
        b"\0",
        b" ",
        b"data: x\n",
        b"\n\n",
        b"\r\n\r\n",
    ];
    for _ in 0..1500 {
        let n = rng.index(40);
        samples.push((0..n).flat_map(|_| rng.pick(PIECES).to_vec()).collect());
    }
    let mut events = 0;
    for body in &samples {
        let whole = parse(&[body]);
        events += whole.0.len();
        for at in 0..=body.len() {
            assert_eq!(parse(&[&body[..at], &body[at..]]), whole, "{:?} cut at {at}", String::from_utf8_lossy(body));
        }
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(parse(&bytes), whole);
        let mut pieces = Vec::new();
        let mut rest = &body[..];
        while !rest.is_empty() {
            let k = 1 + rng.index(rest.len().min(7));
            pieces.push(&rest[..k]);
            rest = &rest[k..];
        }
        assert_eq!(parse(&pieces), whole);
    }
    assert!(events > 500, "the samples hold events ({events})");
    // What the standard says of the second sample.
    let (ev, cut, ok) = parse(&[samples[1].as_slice()]);
    assert_eq!(ok, Ok(()));
    assert_eq!(cut, None);
    let seen: Vec<(&str, Option<&str>)> = ev.iter().map(|e| (e.data.as_str(), e.id.as_deref())).collect();
    assert_eq!(seen, [("a", None), ("b", None), ("", Some("3")), ("z", Some("3"))]);
    // One BOM only, at the very start.
    let (ev, _, _) = parse(&[samples[2].as_slice()]);
    assert_eq!(ev.len(), 1, "a BOM later on starts an unknown field: {ev:?}");
    // An unfinished event at the end is reported with where it starts; a line past the limit is refused.
    assert_eq!(parse(&[samples[3].as_slice()]).1, Some(samples[3].len() as u64 - 9));
    assert_eq!(parse(&[samples[5].as_slice()]).2, Err(0));
}
