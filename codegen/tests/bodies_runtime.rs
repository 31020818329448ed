//! Request bodies against a real HTTP server on loopback, which parses what the client sends: multipart
//! parts (names, file names, media types, the `encoding` object's headers, repeated parts, JSON parts), a
//! choice of media types sent with the declared type (`+json` included), nested forms, raw uploads from
//! bytes and from a stream (arriving whole, with and without a length), and retries: a body in memory is
//! sent again after a `503`, a streamed one is sent once and the `503` is the caller's typed error.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{post, put};
use fixture_client::models::{
    CreateChargeBody, CreateChargeBodyExtra, CreateChargeBodyItemsItem, CreateChargeBodyShipping,
    CreateChargeBodyShippingAddress, PutUploadMultipartMeta,
};
use fixture_client::multipart::FilePart;
use fixture_client::operations::{PutDocumentBody, PutDocumentMultipart, PutUploadMultipart};
use fixture_client::upload::ByteBody;
use fixture_client::{Client, Error, RetryPolicy};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One part as the server parsed it.
#[derive(Debug, Clone)]
struct SeenPart {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    checksum: Option<String>,
    data: Vec<u8>,
}

/// One request as the server saw it.
#[derive(Debug, Clone, Default)]
struct Seen {
    content_type: Option<String>,
    content_length: Option<String>,
    chunked: bool,
    body: Vec<u8>,
    parts: Vec<SeenPart>,
}

#[derive(Default)]
struct Server {
    requests: Vec<Seen>,
    /// Statuses to answer with, in order; `204` when empty.
    statuses: VecDeque<u16>,
}

type Shared = Arc<Mutex<Server>>;

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

fn seen_from(h: &HeaderMap) -> Seen {
    Seen {
        content_type: header(h, "content-type"),
        content_length: header(h, "content-length"),
        chunked: header(h, "transfer-encoding").is_some_and(|t| t.contains("chunked")),
        ..Seen::default()
    }
}

fn answer(s: &Shared, seen: Seen) -> StatusCode {
    let mut s = s.lock().unwrap();
    s.requests.push(seen);
    StatusCode::from_u16(s.statuses.pop_front().unwrap_or(204)).unwrap()
}

async fn multipart(State(s): State<Shared>, headers: HeaderMap, mut form: Multipart) -> StatusCode {
    let mut seen = seen_from(&headers);
    while let Some(field) = form.next_field().await.unwrap() {
        let part = SeenPart {
            name: field.name().unwrap_or_default().to_string(),
            file_name: field.file_name().map(str::to_string),
            content_type: field.content_type().map(str::to_string),
            checksum: header(field.headers(), "x-checksum"),
            data: Vec::new(),
        };
        let data = field.bytes().await.unwrap().to_vec();
        seen.parts.push(SeenPart { data, ..part });
    }
    answer(&s, seen)
}

async fn raw(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mut seen = seen_from(&headers);
    seen.body = body.to_vec();
    answer(&s, seen)
}

/// Parts or raw bytes, by the request's media type.
async fn document(State(s): State<Shared>, headers: HeaderMap, req: axum::extract::Request) -> StatusCode {
    let is_multipart = header(&headers, "content-type").is_some_and(|c| c.starts_with("multipart/"));
    if is_multipart {
        let form = <Multipart as axum::extract::FromRequest<()>>::from_request(req, &()).await.unwrap();
        multipart(State(s), headers, form).await
    } else {
        let body = axum::body::to_bytes(req.into_body(), usize::MAX).await.unwrap();
        raw(State(s), headers, body).await
    }
}

async fn setup() -> (Shared, Client) {
    let state = Shared::default();
    let app = Router::new()
        .route("/uploads/{id}", put(multipart))
        .route("/blobs/{id}", put(raw))
        .route("/charges", post(raw))
        .route("/documents/{id}", put(document))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let retry = RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    };
    let client = Client::builder(format!("http://{addr}")).retry(retry).build().unwrap();
    (state, client)
}

fn requests(s: &Shared) -> Vec<Seen> {
    s.lock().unwrap().requests.clone()
}

/// A stream of `chunks`, each after a short pause, so the body really is sent piece by piece.
fn slow_stream(chunks: Vec<&'static [u8]>) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::unfold(chunks.into_iter(), |mut rest| async move {
        let next = rest.next()?;
        tokio::time::sleep(Duration::from_millis(5)).await;
        Some((Ok(Bytes::from_static(next)), rest))
    })
}

fn full_upload() -> PutUploadMultipart {
    PutUploadMultipart::new(FilePart::from_bytes("report.pdf", b"%PDF-1.7 body".to_vec()), "quarterly")
        .file_x_checksum("sha256=abc")
        .count(3)
        .public(true)
        .meta(PutUploadMultipartMeta::new().title("Q3").pages(12))
        .tags(vec!["finance".to_string(), "2026".to_string()])
        .attachments(vec![
            FilePart::from_bytes("a.bin", b"first".to_vec()),
            FilePart::from_bytes("b.png", b"second".to_vec()).content_type("image/png"),
        ])
        .password("hunter2-PLANTED")
}

#[tokio::test]
async fn multipart_parts_arrive_with_names_files_media_types_headers_and_repeats() {
    let (s, client) = setup().await;
    client.put_upload("u1", full_upload()).await.unwrap();
    let seen = requests(&s);
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert!(r.content_type.as_deref().unwrap().starts_with("multipart/form-data; boundary="), "{r:?}");
    // Every part was in memory: the form was encoded first, so its length is known.
    assert!(r.content_length.is_some() && !r.chunked, "{r:?}");
    let names: Vec<&str> = r.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["file", "name", "count", "public", "meta", "tags", "tags", "attachments", "attachments", "password"]
    );
    let p = |i: usize| &r.parts[i];
    // The file: its name, the encoding object's media type and header.
    assert_eq!(p(0).file_name.as_deref(), Some("report.pdf"));
    assert_eq!(p(0).content_type.as_deref(), Some("application/pdf"));
    assert_eq!(p(0).checksum.as_deref(), Some("sha256=abc"));
    assert_eq!(p(0).data, b"%PDF-1.7 body");
    // Text, a number and a boolean as text, without a file name.
    assert_eq!((p(1).data.as_slice(), p(1).file_name.as_deref()), (&b"quarterly"[..], None));
    assert_eq!(p(2).data, b"3");
    assert_eq!(p(3).data, b"true");
    // An object as JSON.
    assert_eq!(p(4).content_type.as_deref(), Some("application/json"));
    let meta: serde_json::Value = serde_json::from_slice(&p(4).data).unwrap();
    assert_eq!(meta, serde_json::json!({"title": "Q3", "pages": 12}));
    // Arrays: one part per item, in order.
    assert_eq!((p(5).data.as_slice(), p(6).data.as_slice()), (&b"finance"[..], &b"2026"[..]));
    assert_eq!(p(7).file_name.as_deref(), Some("a.bin"));
    assert_eq!(p(7).content_type.as_deref(), Some("application/octet-stream"));
    assert_eq!(p(8).file_name.as_deref(), Some("b.png"));
    assert_eq!(p(8).content_type.as_deref(), Some("image/png"));
    assert_eq!(p(8).data, b"second");
    assert_eq!(p(9).data, b"hunter2-PLANTED");
}

#[tokio::test]
async fn a_part_structs_debug_redacts_secrets_and_file_contents() {
    let shown = format!("{:?}", full_upload());
    assert!(!shown.contains("hunter2-PLANTED"), "{shown}");
    assert!(!shown.contains("%PDF"), "{shown}");
    assert!(shown.contains("report.pdf") && shown.contains("<redacted>"), "{shown}");
}

#[tokio::test]
async fn a_multipart_form_in_memory_is_sent_again_whole_after_a_503() {
    let (s, client) = setup().await;
    s.lock().unwrap().statuses.push_back(503);
    client.put_upload("u1", full_upload()).await.unwrap();
    let seen = requests(&s);
    assert_eq!(seen.len(), 2, "PUT is safe to retry and the form was in memory");
    assert_eq!(seen[1].parts.len(), 10);
    assert_eq!(seen[1].parts[0].data, b"%PDF-1.7 body");
}

#[tokio::test]
async fn a_multipart_form_with_a_streamed_file_is_sent_once_and_a_503_is_the_callers_error() {
    let (s, client) = setup().await;
    s.lock().unwrap().statuses.extend([503, 204]);
    let file = FilePart::from_stream("big.pdf", slow_stream(vec![b"part one, ", b"part two"]));
    let err = client.put_upload("u2", PutUploadMultipart::new(file, "big")).await.unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(err.status(), Some(503));
    let seen = requests(&s);
    assert_eq!(seen.len(), 1, "a streamed body is never replayed: {seen:?}");
    assert_eq!(seen[0].parts[0].file_name.as_deref(), Some("big.pdf"));
    assert_eq!(seen[0].parts[0].data, b"part one, part two", "the stream arrived whole");
}

#[tokio::test]
async fn a_streamed_upload_arrives_whole_with_its_length_or_chunked_without() {
    let (s, client) = setup().await;
    let chunks: Vec<&'static [u8]> = vec![b"alpha-", b"beta-", b"gamma"];
    let body = ByteBody::from_stream(slow_stream(chunks.clone())).length(16);
    client.put_blob("b1", body).await.unwrap();
    client.put_blob("b2", ByteBody::from_stream(slow_stream(chunks))).await.unwrap();
    let seen = requests(&s);
    assert_eq!(seen[0].body, b"alpha-beta-gamma");
    assert_eq!(seen[0].content_length.as_deref(), Some("16"));
    assert_eq!(seen[0].content_type.as_deref(), Some("application/octet-stream"));
    assert_eq!(seen[1].body, b"alpha-beta-gamma");
    assert!(seen[1].chunked && seen[1].content_length.is_none(), "{:?}", seen[1]);
}

#[tokio::test]
async fn a_streamed_upload_answered_503_is_not_retried_while_bytes_are() {
    let (s, client) = setup().await;
    s.lock().unwrap().statuses.extend([503, 204]);
    let err = client.put_blob("b1", ByteBody::from_stream(slow_stream(vec![b"once"]))).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(requests(&s).len(), 1, "one attempt, no silent replay");

    // The same answer to a body in memory: sent again, whole.
    s.lock().unwrap().statuses = VecDeque::from([503]);
    client.put_blob("b2", b"twice".to_vec()).await.unwrap();
    let seen = requests(&s);
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!((seen[1].body.as_slice(), seen[2].body.as_slice()), (&b"twice"[..], &b"twice"[..]));
}

#[tokio::test]
async fn a_stream_that_fails_midway_is_a_transport_error() {
    let (_s, client) = setup().await;
    let failing = futures_util::stream::iter(vec![
        Ok(Bytes::from_static(b"some")),
        Err(std::io::Error::other("disk read failed")),
    ]);
    let err = client.put_blob("b1", ByteBody::from_stream(failing)).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn a_stream_shorter_than_its_declared_length_fails_the_call() {
    let (_s, client) = setup().await;
    let body = ByteBody::from_stream(slow_stream(vec![b"short"])).length(100);
    let err = client.put_blob("b1", body).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

#[tokio::test]
async fn a_part_media_type_that_is_not_one_is_an_invalid_request_and_nothing_is_sent() {
    let (s, client) = setup().await;
    let file = FilePart::from_bytes("x.pdf", b"x".to_vec()).content_type("not a media type\n");
    let err = client.put_upload("u1", PutUploadMultipart::new(file, "x")).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidRequest(m) if m.contains("putUpload") && m.contains("file")), "{err:?}");
    assert!(requests(&s).is_empty());
}

#[tokio::test]
async fn a_nested_form_uses_brackets_repeats_arrays_and_follows_the_encoding_object() {
    let (s, client) = setup().await;
    let body = CreateChargeBody::new(500)
        .metadata([("order".to_string(), "A-1".to_string())])
        .shipping(CreateChargeBodyShipping::new().name("Ada Lovelace").address(
            CreateChargeBodyShippingAddress::new().city("Oslo").lines(vec!["1 Main St".into(), "Flat 2".into()]),
        ))
        .expand(vec!["customer".to_string(), "invoice".to_string()])
        .ids(vec![1, 2, 3])
        .tags(vec!["a&b".to_string(), "c d".to_string()])
        .items(vec![CreateChargeBodyItemsItem::new().price("p_1").quantity(2)])
        .extra(CreateChargeBodyExtra::new().note("n"));
    client.create_charge(&body).await.unwrap();
    let seen = requests(&s);
    assert_eq!(seen[0].content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    let text = String::from_utf8(seen[0].body.clone()).unwrap();
    let url = reqwest::Url::parse(&format!("http://x/?{text}")).unwrap();
    let mut pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    pairs.sort();
    let mut want: Vec<(String, String)> = [
        ("amount", "500"),
        ("metadata[order]", "A-1"),
        ("shipping[name]", "Ada Lovelace"),
        ("shipping[address][city]", "Oslo"),
        ("shipping[address][lines][0]", "1 Main St"),
        ("shipping[address][lines][1]", "Flat 2"),
        // `style: deepObject` on an array: indexed brackets.
        ("expand[0]", "customer"),
        ("expand[1]", "invoice"),
        // `explode: false`: joined.
        ("ids", "1,2,3"),
        // No encoding entry: repeated, percent-encoded.
        ("tags", "a&b"),
        ("tags", "c d"),
        ("items[0][price]", "p_1"),
        ("items[0][quantity]", "2"),
        // A JSON `contentType`: the property's JSON text.
        ("extra", r#"{"note":"n"}"#),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    want.sort();
    assert_eq!(pairs, want, "{text}");
}

#[tokio::test]
async fn each_media_type_of_a_choice_is_sent_as_declared() {
    let (s, client) = setup().await;
    let json = serde_json::from_value(serde_json::json!({"title": "T"})).unwrap();
    client.put_document("d1", PutDocumentBody::VndApiJson(json)).await.unwrap();
    let parts = PutDocumentMultipart::new().document(FilePart::from_bytes("d.txt", b"doc".to_vec())).title("T");
    client.put_document("d1", PutDocumentBody::Multipart(parts)).await.unwrap();
    client.put_document("d1", PutDocumentBody::Text("plain".into())).await.unwrap();
    let seen = requests(&s);
    assert_eq!(seen[0].content_type.as_deref(), Some("application/vnd.api+json"));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&seen[0].body).unwrap(), serde_json::json!({"title": "T"}));
    assert!(seen[1].content_type.as_deref().unwrap().starts_with("multipart/form-data; boundary="));
    let names: Vec<&str> = seen[1].parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["document", "title"]);
    assert_eq!(seen[2].content_type.as_deref(), Some("text/plain"));
    assert_eq!(seen[2].body, b"plain");
}
