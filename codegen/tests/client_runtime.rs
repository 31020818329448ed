//! The generated client's runtime against a real HTTP server on loopback: the token lifecycle (login on
//! first use, one shared refresh, refresh-and-retry on 401, logout), safe retries (429 with Retry-After,
//! 5xx with backoff, never other 4xx, never a create without its reference), recovery of an ambiguous
//! create without a second order, request ids, and typed decode and transport errors.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use conformance::emulator::rfc3339;
use octopus_client::models::CreateEsimOrderRequest;
use octopus_client::{Client, Error, RetryPolicy};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

const KEY: &str = "key-PLANTED-0001";
const SECRET: &str = "secret-PLANTED-0002";

/// What the next create-order request does.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Store the order, then answer only after `ms` (longer than the client waits).
    SlowAfterStoring(u64),
    /// Store the order, then answer 502 (the client cannot know it was created).
    BadGatewayAfterStoring,
    /// Answer 500 without storing.
    ServerError,
}

#[derive(Default)]
struct Server {
    logins: usize,
    refreshes: usize,
    /// Requests per route, `METHOD path`.
    hits: HashMap<String, usize>,
    /// Valid access tokens → seconds they live for (as issued).
    access: HashMap<String, i64>,
    refresh: Option<String>,
    next: u64,
    /// Lifetime of the next access token issued.
    ttls: VecDeque<i64>,
    orders: Vec<Value>,
    order_faults: VecDeque<Fault>,
    currency_faults: VecDeque<(u16, Option<u64>)>,
    malformed_currencies: bool,
    /// Polls of an order left before it is delivered.
    pending_polls: usize,
    seen_request_ids: Vec<String>,
    seen_user_agents: Vec<String>,
    seen_custom: Vec<String>,
}

type Shared = Arc<Mutex<Server>>;

fn now() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn envelope(status: u16, name: &str, code: &str, message: &str) -> Response {
    let body = json!({"error": {"name": name, "code": code, "message": message}});
    (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
}

fn issue(s: &mut Server) -> Value {
    s.next += 1;
    let ttl = s.ttls.pop_front().unwrap_or(3600);
    let (access, refresh) = (format!("access-{}", s.next), format!("refresh-{}", s.next));
    s.access.insert(access.clone(), ttl);
    s.refresh = Some(refresh.clone());
    json!({"success": true, "data": {
        "access_token": access, "refresh_token": refresh,
        "access_expires_at": rfc3339(now() + ttl), "refresh_expires_at": rfc3339(now() + 7 * 86400), "client_id": 42
    }})
}

fn count(s: &Shared, route: &str, headers: &HeaderMap) {
    let mut s = s.lock().unwrap();
    *s.hits.entry(route.to_string()).or_default() += 1;
    if let Some(id) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
        s.seen_request_ids.push(id.to_string());
    }
    if let Some(ua) = headers.get("user-agent").and_then(|v| v.to_str().ok()) {
        s.seen_user_agents.push(ua.to_string());
    }
    if let Some(v) = headers.get("x-custom").and_then(|v| v.to_str().ok()) {
        s.seen_custom.push(v.to_string());
    }
}

fn authorized(s: &Shared, headers: &HeaderMap) -> bool {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    token.is_some_and(|t| s.lock().unwrap().access.contains_key(t))
}

fn echo_id(headers: &HeaderMap, resp: Response) -> Response {
    let mut resp = resp;
    if let Some(id) = headers.get("x-request-id") {
        resp.headers_mut().insert("x-request-id", id.clone());
    }
    resp
}

async fn login(State(s): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    count(&s, "POST /auth/login", &headers);
    if body["username"] != KEY || body["password"] != SECRET {
        return envelope(401, "UnauthorizedError", "UNAUTHORIZED", "Invalid credentials");
    }
    let mut st = s.lock().unwrap();
    st.logins += 1;
    Json(issue(&mut st)).into_response()
}

async fn refresh(State(s): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    count(&s, "POST /auth/refresh", &headers);
    let mut st = s.lock().unwrap();
    if body["refresh_token"].as_str() != st.refresh.as_deref() {
        return envelope(401, "UnauthorizedError", "UNAUTHORIZED", "Invalid token");
    }
    st.refreshes += 1;
    Json(issue(&mut st)).into_response()
}

async fn logout(State(s): State<Shared>, headers: HeaderMap) -> Response {
    count(&s, "POST /auth/logout", &headers);
    if !authorized(&s, &headers) {
        return envelope(401, "UnauthorizedError", "UNAUTHORIZED", "Authorization header required");
    }
    let mut st = s.lock().unwrap();
    st.access.clear();
    st.refresh = None;
    Json(json!({"success": true, "data": {"message": "Successfully logged out"}})).into_response()
}

async fn currencies(State(s): State<Shared>, headers: HeaderMap) -> Response {
    count(&s, "GET /api/v1/currencies", &headers);
    if !authorized(&s, &headers) {
        return echo_id(&headers, envelope(401, "UnauthorizedError", "UNAUTHORIZED", "Authorization header required"));
    }
    let (fault, malformed) = {
        let mut st = s.lock().unwrap();
        (st.currency_faults.pop_front(), st.malformed_currencies)
    };
    if let Some((status, retry_after)) = fault {
        let mut resp = envelope(
            status,
            "TooManyRequestsError",
            "TOO_MANY_REQUESTS",
            "Rate limit exceeded. Retry after 1 seconds.",
        );
        if let Some(secs) = retry_after {
            resp.headers_mut().insert("retry-after", secs.to_string().parse().unwrap());
        }
        return echo_id(&headers, resp);
    }
    let body = if malformed {
        json!([{"id": 1, "name": "US Dollar", "currency": "USD", "precision": 2}, {"id": "two", "name": "Yen", "currency": "JPY", "precision": 0}])
    } else {
        json!([{"id": 1, "name": "US Dollar", "currency": "USD", "precision": 2}])
    };
    echo_id(&headers, Json(body).into_response())
}

async fn create_order(State(s): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    count(&s, "POST /api/v1/esim/orders", &headers);
    if !authorized(&s, &headers) {
        return envelope(401, "UnauthorizedError", "UNAUTHORIZED", "Authorization header required");
    }
    let (order, fault) = {
        let mut st = s.lock().unwrap();
        let fault = st.order_faults.pop_front();
        if matches!(fault, Some(Fault::ServerError)) {
            return envelope(500, "InternalServerError", "INTERNAL_SERVER_ERROR", "boom");
        }
        let reference = body["client_reference"].as_str().map(str::to_string);
        if reference.is_some() && st.orders.iter().any(|o| o["client_reference"].as_str() == reference.as_deref()) {
            return envelope(400, "BadRequestError", "BAD_REQUEST", "Duplicate client_reference");
        }
        let order = json!({
            "id": 9_302_481 + st.orders.len(), "client_reference": reference, "status": "DELIVERED",
            "amount": body["amount"], "currency": "USD", "activation_code": "LPA:1$rsp.example.com$PLANTED", "iccid": "8910300000PLANTED"
        });
        st.orders.push(order.clone());
        (order, fault)
    };
    match fault {
        Some(Fault::SlowAfterStoring(ms)) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Some(Fault::BadGatewayAfterStoring) => return envelope(502, "BadGateway", "BAD_GATEWAY", "upstream reset"),
        _ => {}
    }
    echo_id(&headers, Json(order).into_response())
}

async fn list_orders(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    count(&s, "GET /api/v1/esim/orders", &headers);
    if !authorized(&s, &headers) {
        return envelope(401, "UnauthorizedError", "UNAUTHORIZED", "Authentication required");
    }
    let st = s.lock().unwrap();
    let items: Vec<Value> = st
        .orders
        .iter()
        .filter(|o| q.get("client_reference").is_none_or(|r| o["client_reference"].as_str() == Some(r.as_str())))
        .map(|o| {
            let mut o = o.clone();
            o.as_object_mut().unwrap().remove("activation_code");
            o
        })
        .collect();
    Json(items).into_response()
}

/// A paged list of `TOTAL` items in either paging style, with the six paging headers.
const TOTAL: u64 = 23;

fn page_of(
    s: &Shared,
    route: &str,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    size_param: &str,
    item: fn(u64) -> Value,
) -> Response {
    count(s, route, headers);
    if !authorized(s, headers) {
        return envelope(401, "UnauthorizedError", "UNAUTHORIZED", "Authorization header required");
    }
    let page: u64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let per: u64 = q.get(size_param).and_then(|p| p.parse().ok()).unwrap_or(10);
    let pages = TOTAL.div_ceil(per);
    let items: Vec<Value> = ((page - 1) * per..(page * per).min(TOTAL)).map(|i| item(i + 1)).collect();
    let mut resp = Json(&items).into_response();
    for (k, v) in [
        ("x-page", page),
        ("x-per-page", per),
        ("x-total-count", TOTAL),
        ("x-total-pages", pages),
        ("x-page-size", items.len() as u64),
    ] {
        resp.headers_mut().insert(k, v.to_string().parse().unwrap());
    }
    resp.headers_mut().insert("x-has-more", (page < pages).to_string().parse().unwrap());
    resp
}

async fn esim_products(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    page_of(
        &s,
        "GET /api/v1/esim/products",
        &headers,
        &q,
        "per_page",
        |id| json!({"id": id, "name": format!("eSIM {id}"), "country_code": "JPN", "currency_code": "USD", "image_url": ""}),
    )
}

async fn voucher_products(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    page_of(&s, "GET /api/v1/products", &headers, &q, "limit", |id| {
        json!({"id": id, "name": format!("Card {id}"), "category": "Gaming", "country_code": "USA", "currency_code": "USD",
               "delivery_mode": "Code with PIN", "delivery_time": "Instant", "validity": "12 months", "available_denominations": []})
    })
}

async fn get_order(
    State(s): State<Shared>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<u64>,
) -> Response {
    count(&s, "GET /api/v1/esim/orders/{id}", &headers);
    let mut st = s.lock().unwrap();
    let status = if st.pending_polls > 0 {
        st.pending_polls -= 1;
        "PENDING"
    } else {
        "DELIVERED"
    };
    // A stored order is answered as stored (a recovered create reads it back by id); any other id is a
    // canned order whose status the poll tests drive.
    if let Some(order) = st.orders.iter().find(|o| o["id"].as_u64() == Some(id)) {
        return Json(order.clone()).into_response();
    }
    Json(json!({"id": id, "status": status, "amount": 4.5, "currency": "USD"})).into_response()
}

async fn serve(state: Shared) -> String {
    let app = Router::new()
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/api/v1/currencies", get(currencies))
        .route("/api/v1/esim/orders", post(create_order).get(list_orders))
        .route("/api/v1/esim/products", get(esim_products))
        .route("/api/v1/esim/orders/{id}", get(get_order))
        .route("/api/v1/products", get(voucher_products))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy { base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20), ..RetryPolicy::default() }
}

async fn setup() -> (Shared, Client) {
    let state = Shared::default();
    let url = serve(state.clone()).await;
    let client = Client::builder(url).credentials(KEY, SECRET).retry(fast_retries()).build().unwrap();
    (state, client)
}

fn hits(s: &Shared, route: &str) -> usize {
    s.lock().unwrap().hits.get(route).copied().unwrap_or(0)
}

fn order(reference: Option<&str>) -> CreateEsimOrderRequest {
    let mut order = CreateEsimOrderRequest::new(712, "4.50".parse::<rust_decimal::Decimal>().unwrap());
    order.client_reference = reference.map(str::to_string);
    order
}

#[tokio::test]
async fn logs_in_on_first_use_and_reuses_the_token() {
    let (s, client) = setup().await;
    for _ in 0..5 {
        client.list_currencies().await.unwrap();
    }
    let st = s.lock().unwrap();
    assert_eq!((st.logins, st.refreshes), (1, 0));
}

#[tokio::test]
async fn fifty_concurrent_calls_with_an_expiring_token_share_one_refresh() {
    let (s, client) = setup().await;
    // The first token is inside the five-minute renewal window; the next ones live an hour.
    s.lock().unwrap().ttls.push_back(120);
    client.list_currencies().await.unwrap();
    let calls = (0..50).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.list_currencies().await.map(|_| ()) })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    let st = s.lock().unwrap();
    assert_eq!(st.logins, 1);
    assert_eq!(st.refreshes, 1, "50 concurrent calls must share exactly one refresh");
}

#[tokio::test]
async fn a_401_renews_the_token_and_retries_once() {
    let (s, client) = setup().await;
    client.list_currencies().await.unwrap();
    s.lock().unwrap().access.clear(); // The server forgets the access token (revoked).
    client.list_currencies().await.unwrap();
    {
        let st = s.lock().unwrap();
        assert_eq!((st.logins, st.refreshes), (1, 1));
    }
    // A refresh token that was rotated away or revoked: log in again.
    {
        let mut st = s.lock().unwrap();
        st.access.clear();
        st.refresh = Some("revoked-elsewhere".into());
    }
    client.list_currencies().await.unwrap();
    assert_eq!(s.lock().unwrap().logins, 2);
}

#[tokio::test]
async fn a_persistent_401_is_returned_after_one_retry() {
    let state = Shared::default();
    let url = serve(state.clone()).await;
    let client = Client::builder(url).bearer_token("not-a-valid-token").retry(fast_retries()).build().unwrap();
    let err = client.list_currencies().await.unwrap_err();
    let Error::Api(e) = &err else { panic!("{err:?}") };
    assert_eq!(e.status, 401);
    assert_eq!(e.body.as_ref().unwrap().error.code.as_str(), "UNAUTHORIZED");
    assert_eq!(hits(&state, "GET /api/v1/currencies"), 1, "a fixed token cannot be renewed, so no retry");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let (s, client) = setup().await;
    client.list_currencies().await.unwrap();
    client.logout().await.unwrap();
    client.list_currencies().await.unwrap();
    assert_eq!(s.lock().unwrap().logins, 2, "after logout the next call logs in again");
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after() {
    let (s, client) = setup().await;
    s.lock().unwrap().currency_faults.push_back((429, Some(1)));
    let started = Instant::now();
    client.list_currencies().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950), "Retry-After: 1 was not honoured");
    assert_eq!(hits(&s, "GET /api/v1/currencies"), 2);
}

#[tokio::test]
async fn a_429_without_the_header_uses_the_body_figure() {
    let (s, client) = setup().await;
    s.lock().unwrap().currency_faults.push_back((429, None));
    let started = Instant::now();
    client.list_currencies().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(950), "the body's 'Retry after 1 seconds' was not honoured");
}

#[tokio::test]
async fn server_errors_are_retried_up_to_the_limit() {
    let (s, client) = setup().await;
    s.lock().unwrap().currency_faults.extend([(500, None), (503, None)]);
    client.list_currencies().await.unwrap();
    assert_eq!(hits(&s, "GET /api/v1/currencies"), 3);

    s.lock().unwrap().currency_faults.extend([(500, None); 10]);
    let err = client.list_currencies().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(hits(&s, "GET /api/v1/currencies"), 3 + 4, "four attempts in all, then the 500 is returned");
}

#[tokio::test]
async fn a_create_without_a_reference_is_never_retried() {
    let (s, client) = setup().await;
    client.list_currencies().await.unwrap();
    s.lock().unwrap().order_faults.push_back(Fault::ServerError);
    let err = client.create_esim_order(&order(None)).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(hits(&s, "POST /api/v1/esim/orders"), 1);
}

#[tokio::test]
async fn a_timed_out_create_is_recovered_without_a_second_order() {
    let state = Shared::default();
    let url = serve(state.clone()).await;
    let client = Client::builder(url)
        .credentials(KEY, SECRET)
        .retry(fast_retries())
        .slow_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    state.lock().unwrap().order_faults.push_back(Fault::SlowAfterStoring(1500));
    let resp = client.create_esim_order(&order(Some("REF-TIMEOUT-1"))).await.unwrap();
    assert!(resp.recovered, "the order came back through the reference lookup");
    assert_eq!(resp.body.client_reference.as_deref(), Some("REF-TIMEOUT-1"));
    assert_eq!(resp.status, 200, "answered as the create's own success status");
    let st = state.lock().unwrap();
    assert_eq!(st.orders.len(), 1, "the API never saw two orders");
    assert_eq!(st.hits["POST /api/v1/esim/orders"], 2, "one attempt timed out, the retry was refused as a duplicate");
    assert_eq!(st.hits["GET /api/v1/esim/orders"], 1);
}

#[tokio::test]
async fn an_ambiguous_bad_gateway_is_recovered_without_a_second_order() {
    let (s, client) = setup().await;
    s.lock().unwrap().order_faults.push_back(Fault::BadGatewayAfterStoring);
    let resp = client.create_esim_order(&order(Some("REF-502-1"))).await.unwrap();
    assert!(resp.recovered);
    assert_eq!(s.lock().unwrap().orders.len(), 1);
}

#[tokio::test]
async fn a_repeated_create_is_answered_with_its_one_order() {
    // The caller sends the same create twice (its own retry after a failed call, or another process): the
    // second is refused as a duplicate and answered with the order the first placed.
    let (s, client) = setup().await;
    let first = client.create_esim_order(&order(Some("REF-DUP"))).await.unwrap();
    assert!(!first.recovered);
    let again = client.create_esim_order(&order(Some("REF-DUP"))).await.unwrap();
    assert!(again.recovered, "answered by the recovery, not by a second order");
    assert_eq!(again.body.id, first.body.id);
    assert_eq!(s.lock().unwrap().orders.len(), 1);
    let found = client.find_esim_order_by_reference("REF-DUP").await.unwrap().expect("found by its reference");
    assert_eq!((found.body.id, found.recovered), (first.body.id, false), "found, not a refused create");
    assert!(client.find_esim_order_by_reference("REF-NONE").await.unwrap().is_none());
}

#[tokio::test]
async fn request_ids_are_sent_and_exposed() {
    let (s, client) = setup().await;
    let resp = client.list_currencies().await.unwrap();
    let id = resp.request_id.clone().unwrap();
    assert_eq!(id.len(), 27, "KSUID format");
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(s.lock().unwrap().seen_request_ids.contains(&id));
    s.lock().unwrap().access.clear();
    s.lock().unwrap().refresh = None;
    let bad = Client::builder(client.base_url()).bearer_token("wrong").build().unwrap();
    let err = bad.list_currencies().await.unwrap_err();
    assert_eq!(err.request_id().map(str::len), Some(27), "errors carry the request id too");
}

#[tokio::test]
async fn a_malformed_body_is_a_decode_error_naming_the_path() {
    let (s, client) = setup().await;
    s.lock().unwrap().malformed_currencies = true;
    let err = client.list_currencies().await.unwrap_err();
    let Error::Decode(d) = &err else { panic!("{err:?}") };
    assert_eq!(d.path, "[1].id");
    assert!(d.message.contains("invalid type"), "{}", d.message);
    assert_eq!(d.request_id.as_deref().map(str::len), Some(27));
}

#[tokio::test]
async fn an_unreachable_host_is_a_transport_error() {
    let client = Client::builder("http://127.0.0.1:1").bearer_token("t").retry(fast_retries()).build().unwrap();
    let err = client.list_currencies().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.to_string().starts_with("list_currencies: transport error"), "{err}");
}

#[tokio::test]
async fn credentials_and_tokens_never_print() {
    let (_, client) = setup().await;
    client.list_currencies().await.unwrap();
    let shown = format!("{client:?} {:?}", Client::builder("http://x.test").credentials(KEY, SECRET));
    assert!(!shown.contains("PLANTED") && !shown.contains("access-"), "{shown}");
}

#[tokio::test]
async fn paged_lists_stream_every_item_in_order_in_both_styles() {
    use futures_util::TryStreamExt;
    use octopus_client::operations::{ListEsimProductsParams, ListVoucherProductsParams};
    let (s, client) = setup().await;
    let want: Vec<i64> = (1..=TOTAL as i64).collect();
    for concurrency in [1, 3, 16] {
        let params = ListEsimProductsParams::new().per_page(5);
        let ids: Vec<i64> =
            client.list_esim_products_stream(&params, concurrency).map_ok(|p| p.id).try_collect().await.unwrap();
        assert_eq!(ids, want, "per_page style, concurrency {concurrency}");
        let params = ListVoucherProductsParams::new().limit(4);
        let ids: Vec<i64> =
            client.list_voucher_products_stream(&params, concurrency).map_ok(|p| p.id).try_collect().await.unwrap();
        assert_eq!(ids, want, "limit style, concurrency {concurrency}");
    }
    // 5 pages of 5 and 6 pages of 4, three times each: every page fetched exactly once per walk.
    assert_eq!(hits(&s, "GET /api/v1/esim/products"), 3 * 5);
    assert_eq!(hits(&s, "GET /api/v1/products"), 3 * 6);
    // Starting mid-way walks the rest.
    let params = ListEsimProductsParams::new().page(4).per_page(5);
    let ids: Vec<i64> = client.list_esim_products_stream(&params, 2).map_ok(|p| p.id).try_collect().await.unwrap();
    assert_eq!(ids, (16..=TOTAL as i64).collect::<Vec<_>>());
}

#[tokio::test]
async fn waiting_polls_at_the_documented_cadence_until_terminal_or_deadline() {
    use octopus_client::Waited;
    let state = Shared::default();
    let url = serve(state.clone()).await;
    // The documented cadence is 10 s then 30 s; a scale of 1/1000 makes it 10 ms then 30 ms.
    let client = Client::builder(url).credentials(KEY, SECRET).poll_interval_scale(0.001).build().unwrap();
    state.lock().unwrap().pending_polls = 3;
    let started = Instant::now();
    let w = client.wait_for_esim_order(9_302_482, Duration::from_secs(5)).await.unwrap();
    let Waited::Done(resp) = w else { panic!("{w:?}") };
    assert_eq!(resp.body.status.as_str(), "DELIVERED");
    assert_eq!(hits(&state, "GET /api/v1/esim/orders/{id}"), 4, "three PENDING answers, then DELIVERED");
    assert!(started.elapsed() >= Duration::from_millis(30), "it waited between polls");

    state.lock().unwrap().pending_polls = 1_000;
    let w = client.wait_for_esim_order(9_302_482, Duration::from_millis(100)).await.unwrap();
    let Waited::Pending(resp) = w else { panic!("{w:?}") };
    assert_eq!(resp.body.status.as_str(), "PENDING", "the deadline came first; the last answer is returned");
}

#[tokio::test]
async fn the_callers_own_request_ids_are_sent() {
    let state = Shared::default();
    let url = serve(state.clone()).await;
    let client =
        Client::builder(url).credentials(KEY, SECRET).request_ids(|| "trace-4bf92f3577b34da6".into()).build().unwrap();
    let resp = client.list_currencies().await.unwrap();
    assert_eq!(resp.request_id.as_deref(), Some("trace-4bf92f3577b34da6"));
    assert!(state.lock().unwrap().seen_request_ids.iter().any(|id| id == "trace-4bf92f3577b34da6"));
}

#[tokio::test]
async fn a_call_that_outlives_its_timeout_is_a_timeout_error() {
    let state = Shared::default();
    let url = serve(state.clone()).await;
    let client =
        Client::builder(url).credentials(KEY, SECRET).slow_timeout(Duration::from_millis(200)).build().unwrap();
    state.lock().unwrap().order_faults.push_back(Fault::SlowAfterStoring(1000));
    // No reference: not retried, so the timeout itself is the answer.
    let err = client.create_esim_order(&order(None)).await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert_eq!(err.request_id().map(str::len), Some(27));
}

#[tokio::test]
async fn the_user_agent_and_a_callers_own_http_client_are_used() {
    let state = Shared::default();
    let url = serve(state.clone()).await;
    let client = Client::builder(url.clone()).credentials(KEY, SECRET).user_agent("shop-backend/2.3").build().unwrap();
    client.list_currencies().await.unwrap();
    assert!(state.lock().unwrap().seen_user_agents.iter().any(|ua| ua == "shop-backend/2.3"));

    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-custom", "from-my-client".parse().unwrap());
    let http = reqwest::Client::builder().default_headers(headers).build().unwrap();
    let client = Client::builder(url).credentials(KEY, SECRET).http_client(http).build().unwrap();
    client.list_currencies().await.unwrap();
    assert!(state.lock().unwrap().seen_custom.iter().any(|v| v == "from-my-client"));
}

#[tokio::test]
async fn order_creation_gets_the_specs_longer_timeout() {
    let state = Shared::default();
    let url = serve(state.clone()).await;
    // A 1 s default; order creation is marked `x-timeout-seconds: 75`, so it may take longer.
    let client = Client::builder(url).credentials(KEY, SECRET).timeout(Duration::from_secs(1)).build().unwrap();
    state.lock().unwrap().order_faults.push_back(Fault::SlowAfterStoring(1500));
    let resp = client.create_esim_order(&order(Some("REF-SLOW"))).await.unwrap();
    assert!(!resp.recovered, "answered directly, within the longer timeout");
    assert_eq!(state.lock().unwrap().hits["POST /api/v1/esim/orders"], 1);
}
