//! The emulated endpoints, as the spec and the documents describe them.

// Helpers return `Err(Response)` to answer early with a ready error; it is built once, on the error path,
// so its size does not matter.
#![allow(clippy::result_large_err)]

use super::{Shared, State, Wallet, jwt};
use axum::Router;
use axum::extract::{Path, Query, Request, State as St};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

type Q = Query<HashMap<String, String>>;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/api/v1/countries", get(countries))
        .route("/api/v1/countries/{id}", get(country))
        .route("/api/v1/currencies", get(currencies))
        .route("/api/v1/categories", get(categories))
        .route("/api/v1/categories/{id}", get(category))
        .route("/api/v1/subcategories", get(subcategories))
        .route("/api/v1/subcategories/{id}", get(subcategory))
        .route("/api/v1/esim/products", get(esim_products))
        .route("/api/v1/esim/products/{id}", get(esim_product))
        .route("/api/v1/esim/products/{id}/variants", get(esim_variants))
        .route("/api/v1/esim/variants/{id}", get(esim_variant))
        .route("/api/v1/esim/charges", post(esim_charges))
        .route("/api/v1/esim/orders", post(create_esim_order).get(list_esim_orders))
        .route("/api/v1/esim/orders/{id}", get(get_esim_order))
        .route("/api/v1/wallets", get(wallets))
        .route("/api/v1/transactions", get(transactions))
        .route("/api/v1/transactions/{id}", get(transaction))
        .fallback(not_emulated)
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// RFC 3339 UTC from Unix seconds (civil-from-days, Howard Hinnant).
pub fn rfc3339(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A KSUID-format id: 27 base-62 characters of a timestamp and a counter.
fn ksuid() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut value =
        (u128::from((now() - 1_400_000_000) as u32) << 96) | u128::from(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 27];
    for slot in out.iter_mut().rev() {
        *slot = alphabet[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Echoes the caller's `X-Request-Id` (a KSUID-compatible string under 64 characters) or makes one.
async fn request_id(req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() < 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_string);
    let id = given.unwrap_or_else(ksuid);
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// The error envelope every non-2xx answer carries.
fn err(status: u16, name: &str, code: &str, message: &str) -> Response {
    let body = json!({"error": {"name": name, "code": code, "message": message}});
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(body)).into_response()
}

fn validation(message: &str) -> Response {
    err(400, "ValidationException", "VALIDATION_FAILURE", message)
}

fn bad_request(message: &str) -> Response {
    err(400, "BadRequestError", "BAD_REQUEST", message)
}

fn not_found(message: &str) -> Response {
    err(404, "NotFoundError", "NOT_FOUND", message)
}

fn ok(v: Value) -> Response {
    axum::Json(v).into_response()
}

async fn not_emulated() -> Response {
    err(501, "NotImplementedError", "NOT_IMPLEMENTED", "This route is not emulated yet")
}

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, State> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

/// Issues an access and a refresh token for `client_id`, answered in the auth envelope.
fn issue(st: &mut State, client_id: u64) -> Value {
    let t = now();
    let mut token = |kind: &str, ttl: i64| {
        st.next_id += 1;
        let jti = format!("{kind}-{}", st.next_id);
        st.tokens.insert(jti.clone(), (client_id, kind == "refresh", true));
        (jwt::sign(&json!({"sub": client_id, "jti": jti, "typ": kind, "exp": t + ttl}), &st.signing_key), t + ttl)
    };
    let (access, access_exp) = token("access", st.config.access_ttl_secs);
    let (refresh, refresh_exp) = token("refresh", st.config.refresh_ttl_secs);
    json!({"success": true, "data": {
        "access_token": access, "refresh_token": refresh,
        "access_expires_at": rfc3339(access_exp), "refresh_expires_at": rfc3339(refresh_exp), "client_id": client_id
    }})
}

/// The valid token's claims, checking signature, kind, expiry and revocation.
fn token_claims(st: &State, token: &str, kind: &str) -> Option<(u64, String)> {
    let claims = jwt::verify(token, &st.signing_key)?;
    let jti = claims["jti"].as_str()?.to_string();
    let valid = claims["typ"] == kind
        && claims["exp"].as_i64().is_some_and(|e| e > now())
        && st.tokens.get(&jti).is_some_and(|(_, _, live)| *live);
    valid.then(|| (claims["sub"].as_u64().unwrap_or(0), jti))
}

/// The authenticated client, or the documented 401.
fn client(st: &State, headers: &HeaderMap) -> Result<u64, Response> {
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err(err(401, "UnauthorizedError", "UNAUTHORIZED", "Authorization header required"));
    };
    let token = auth.strip_prefix("Bearer ").unwrap_or("");
    token_claims(st, token, "access")
        .map(|(c, _)| c)
        .ok_or_else(|| err(401, "UnauthorizedError", "UNAUTHORIZED", "Invalid token"))
}

async fn login(St(s): St<Shared>, body: Option<axum::Json<Value>>) -> Response {
    let body = body.map(|b| b.0).unwrap_or_default();
    let (user, pass) = (body["username"].as_str().unwrap_or(""), body["password"].as_str().unwrap_or(""));
    if user.is_empty() || pass.is_empty() {
        return validation("Username and password are required");
    }
    let mut st = lock(&s);
    let Some(client_id) = st.accounts.iter().find(|a| a.key == user && a.secret == pass).map(|a| a.client_id) else {
        return err(401, "UnauthorizedError", "UNAUTHORIZED", "Invalid credentials");
    };
    ok(issue(&mut st, client_id))
}

async fn refresh(St(s): St<Shared>, body: Option<axum::Json<Value>>) -> Response {
    let body = body.map(|b| b.0).unwrap_or_default();
    let Some(token) = body["refresh_token"].as_str().filter(|t| !t.is_empty()) else {
        return validation("Refresh token is required");
    };
    let mut st = lock(&s);
    let Some((client_id, jti)) = token_claims(&st, token, "refresh") else {
        return err(401, "UnauthorizedError", "UNAUTHORIZED", "Invalid token");
    };
    // Rotation: the presented refresh token is spent.
    if let Some(t) = st.tokens.get_mut(&jti) {
        t.2 = false;
    }
    ok(issue(&mut st, client_id))
}

async fn logout(St(s): St<Shared>, headers: HeaderMap) -> Response {
    let mut st = lock(&s);
    let client_id = match client(&st, &headers) {
        Ok(c) => c,
        Err(e) => return e,
    };
    for t in st.tokens.values_mut().filter(|t| t.0 == client_id) {
        t.2 = false;
    }
    ok(json!({"success": true, "data": {"message": "Successfully logged out"}}))
}

/// One page of `items` in the operation's paging style, with the six paging headers. `400` when the page
/// or the page size is out of range; a page past the end is an empty array.
fn paged(items: Vec<Value>, q: &HashMap<String, String>, size_param: &str, default: u64, max: Option<u64>) -> Response {
    let parse = |name: &str, default: u64| -> Result<u64, Response> {
        match q.get(name) {
            None => Ok(default),
            Some(v) => v.parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(|| bad_request("Invalid query parameters")),
        }
    };
    let page = match parse("page", 1) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let per = match parse(size_param, default) {
        Ok(p) if max.is_none_or(|m| p <= m) => p,
        Ok(_) => return bad_request("Invalid query parameters"),
        Err(e) => return e,
    };
    let total = items.len() as u64;
    let pages = total.div_ceil(per);
    let start = ((page - 1).saturating_mul(per)).min(total) as usize;
    let end = (page.saturating_mul(per)).min(total) as usize;
    let slice = items[start..end].to_vec();
    let mut resp = ok(Value::Array(slice.clone()));
    let h = resp.headers_mut();
    for (k, v) in [
        ("x-page", page),
        ("x-per-page", per),
        ("x-total-count", total),
        ("x-total-pages", pages),
        ("x-page-size", slice.len() as u64),
    ] {
        h.insert(k, HeaderValue::from(v));
    }
    h.insert("x-has-more", HeaderValue::from_static(if page < pages { "true" } else { "false" }));
    resp
}

/// A positive integer path id, or the documented 400.
fn id_of(raw: &str, message: &str) -> Result<u64, Response> {
    raw.parse::<u64>().ok().filter(|n| *n >= 1 && *n <= i32::MAX as u64).ok_or_else(|| bad_request(message))
}

macro_rules! authed {
    ($st:expr, $headers:expr) => {
        match client(&$st, &$headers) {
            Ok(c) => c,
            Err(e) => return e,
        }
    };
}

macro_rules! tryr {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(resp) => return resp,
        }
    };
}

async fn countries(St(s): St<Shared>, headers: HeaderMap) -> Response {
    let st = lock(&s);
    authed!(st, headers);
    ok(Value::Array(st.catalog.countries.clone()))
}

async fn country(St(s): St<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    authed!(st, headers);
    let id = tryr!(id_of(&id, "Invalid country ID"));
    st.catalog.countries.iter().find(|c| c["id"] == id).cloned().map_or_else(|| not_found("Country not found"), ok)
}

async fn currencies(St(s): St<Shared>, headers: HeaderMap) -> Response {
    let st = lock(&s);
    authed!(st, headers);
    ok(Value::Array(st.catalog.currencies.clone()))
}

/// Categories and subcategories need the vouchers feature.
fn voucher_feature(st: &State, client_id: u64) -> Result<(), Response> {
    let enabled = st.accounts.iter().any(|a| a.client_id == client_id && a.vouchers_enabled);
    if enabled {
        Ok(())
    } else {
        Err(err(400, "BadRequestError", "INVALID_FEATURE", "The requested feature is not enabled for this client"))
    }
}

fn reference_list(s: &Shared, headers: &HeaderMap, pick: fn(&State) -> &Vec<Value>) -> Response {
    let st = lock(s);
    let c = authed!(st, *headers);
    tryr!(voucher_feature(&st, c));
    ok(Value::Array(pick(&st).clone()))
}

fn reference_item(s: &Shared, headers: &HeaderMap, id: &str, pick: fn(&State) -> &Vec<Value>) -> Response {
    let st = lock(s);
    let c = authed!(st, *headers);
    tryr!(voucher_feature(&st, c));
    let id = tryr!(id_of(id, "Invalid ID"));
    pick(&st).iter().find(|v| v["id"] == id).cloned().map_or_else(|| not_found("Not found"), ok)
}

async fn categories(St(s): St<Shared>, headers: HeaderMap) -> Response {
    reference_list(&s, &headers, |st| &st.catalog.categories)
}

async fn category(St(s): St<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    reference_item(&s, &headers, &id, |st| &st.catalog.categories)
}

async fn subcategories(St(s): St<Shared>, headers: HeaderMap) -> Response {
    reference_list(&s, &headers, |st| &st.catalog.subcategories)
}

async fn subcategory(St(s): St<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    reference_item(&s, &headers, &id, |st| &st.catalog.subcategories)
}

fn blacklisted(st: &State, client_id: u64, product_id: u64) -> bool {
    st.accounts.iter().any(|a| a.client_id == client_id && a.blacklist.contains(&product_id))
}

async fn esim_products(St(s): St<Shared>, headers: HeaderMap, Query(q): Q) -> Response {
    let st = lock(&s);
    let c = authed!(st, headers);
    let search = q.get("search").map(|s| s.to_lowercase());
    let items = st
        .catalog
        .esim
        .iter()
        .filter(|p| !blacklisted(&st, c, p.id))
        .filter(|p| q.get("country_code").is_none_or(|cc| p.country_code == *cc))
        .filter(|p| search.as_ref().is_none_or(|s| p.name.to_lowercase().contains(s)))
        .map(|p| p.json())
        .collect();
    paged(items, &q, "per_page", 50, None)
}

fn esim_product_of<'a>(st: &'a State, c: u64, raw: &str) -> Result<&'a super::catalog::EsimProduct, Response> {
    let id = raw.parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(|| validation("Invalid product ID"))?;
    st.catalog.esim.iter().find(|p| p.id == id && !blacklisted(st, c, id)).ok_or_else(|| not_found("Product not found"))
}

async fn esim_product(St(s): St<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    let c = authed!(st, headers);
    let p = tryr!(esim_product_of(&st, c, &id));
    let mut v = p.json();
    v["variants"] = Value::Array(p.variants.iter().map(|x| x.json()).collect());
    ok(v)
}

async fn esim_variants(St(s): St<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    let c = authed!(st, headers);
    let p = tryr!(esim_product_of(&st, c, &id));
    ok(Value::Array(p.variants.iter().map(|x| x.json()).collect()))
}

async fn esim_variant(St(s): St<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    let c = authed!(st, headers);
    let id = tryr!(id_of(&id, "Invalid ID"));
    let found =
        st.catalog.esim.iter().filter(|p| !blacklisted(&st, c, p.id)).flat_map(|p| &p.variants).find(|v| v.id == id);
    found.map_or_else(|| not_found("Variant not found"), |v| ok(v.json()))
}

/// What a variant costs a client: the documented charges math, same currency (no FX yet).
fn charges(variant: &super::catalog::EsimVariant) -> Value {
    let total = variant.amount;
    let discount_amount = (total * variant.client_discount / Decimal::from(100)).normalize();
    let payable = (total - discount_amount).normalize();
    json!({
        "non_discounted_total": total, "discount_amount": discount_amount, "total_amount": payable,
        "discount": variant.client_discount, "gst_amount": Decimal::ZERO, "total_payable": payable,
        "net_amount": payable, "handling_fee_amount": Decimal::ZERO,
        "charges_details": {"source_currency": variant.currency, "destination_currency": variant.currency, "forex_rate": null, "conversion_fee": null}
    })
}

/// The variant `(product_id, amount)` selects, for this client.
fn select_variant<'a>(st: &'a State, c: u64, body: &Value) -> Result<&'a super::catalog::EsimVariant, Response> {
    let product =
        body["product_id"].as_u64().filter(|p| *p >= 1).ok_or_else(|| validation("product_id is required"))?;
    let amount = body["amount"].as_f64().filter(|a| *a > 0.0).ok_or_else(|| validation("amount is required"))?;
    let amount: Decimal = amount.to_string().parse().map_err(|_| validation("amount is not a number"))?;
    let p = st
        .catalog
        .esim
        .iter()
        .find(|p| p.id == product && !blacklisted(st, c, product))
        .ok_or_else(|| not_found("Product not found"))?;
    p.variants.iter().find(|v| v.amount == amount).ok_or_else(|| bad_request("Amount not available"))
}

async fn esim_charges(St(s): St<Shared>, headers: HeaderMap, body: Option<axum::Json<Value>>) -> Response {
    let st = lock(&s);
    let c = authed!(st, headers);
    let body = body.map(|b| b.0).unwrap_or_default();
    let v = tryr!(select_variant(&st, c, &body));
    ok(charges(v))
}

fn valid_reference(r: &str) -> bool {
    !r.is_empty() && r.len() <= 255 && r.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

async fn create_esim_order(St(s): St<Shared>, headers: HeaderMap, body: Option<axum::Json<Value>>) -> Response {
    let mut st = lock(&s);
    let c = authed!(st, headers);
    let body = body.map(|b| b.0).unwrap_or_default();
    let reference = body["client_reference"].as_str().map(str::to_string);
    if let Some(r) = &reference {
        if !valid_reference(r) {
            return validation("client_reference must be 1-255 printable ASCII characters");
        }
        if st.orders.iter().any(|o| o["_client"] == c && o["client_reference"].as_str() == Some(r)) {
            return bad_request("Duplicate client_reference");
        }
    }
    let v = tryr!(select_variant(&st, c, &body)).clone();
    let product =
        st.catalog.esim.iter().find(|p| p.id == v.product_id).map(|p| (p.name.clone(), p.country_code.clone()));
    let (product_name, country_code) = product.unwrap_or_default();
    let payable: Decimal = serde_json::from_value(charges(&v)["total_payable"].clone()).unwrap_or(v.amount);
    let wallet = match body["wallet_id"].as_u64() {
        Some(id) => st
            .wallets
            .iter()
            .position(|w| w.id == id && w.client_id == c)
            .ok_or_else(|| bad_request("Wallet not found")),
        None => st
            .wallets
            .iter()
            .position(|w| w.client_id == c && w.currency == v.currency)
            .ok_or_else(|| bad_request("No wallet in the product's currency")),
    };
    let wallet = tryr!(wallet);
    if st.wallets[wallet].balance < payable {
        return bad_request("Insufficient wallet balance");
    }
    // Debit first, then fulfil: the order is paid before it is delivered.
    st.wallets[wallet].balance -= payable;
    st.next_id += 1;
    let (order_id, txn_id) = (st.next_id, st.next_id);
    let Wallet { id: wallet_id, currency_id, currency, .. } = st.wallets[wallet].clone();
    st.transactions.push(json!({
        "id": txn_id, "wallet_id": wallet_id, "currency_id": currency_id, "amount": payable, "transaction_type": "DEBIT",
        "status": "COMPLETED", "source_currency": null, "destination_currency": null, "forex_rate": null, "conversion_charges": null,
        "remarks": format!("{currency} Wallet debited by amount {payable} - Order #{order_id}"), "created_at": rfc3339(now()), "_client": c
    }));
    let mut order = json!({
        "id": order_id, "status": "DELIVERED", "status_text": "eSIM delivered", "product_name": product_name,
        "country_code": country_code, "data_amount_gb": v.data_gb, "validity_days": v.validity_days, "amount": payable,
        "currency": v.currency, "activation_code": format!("LPA:1$rsp.emulator.test${order_id:X}"),
        "iccid": format!("89103000{order_id:011}"), "activation_status": "NOT_INSTALLED", "is_installed": false,
        "installed_at": null, "activated_at": null, "transaction_id": txn_id, "created_at": rfc3339(now()), "_client": c
    });
    if let Some(r) = reference {
        order["client_reference"] = json!(r);
    }
    st.orders.push(order.clone());
    ok(public(order, true))
}

/// An order as the API shows it: internal fields gone, and the activation code only where it is shown.
fn public(mut order: Value, with_code: bool) -> Value {
    if let Some(m) = order.as_object_mut() {
        m.retain(|k, _| !k.starts_with('_'));
        if !with_code || m.get("is_installed") == Some(&Value::Bool(true)) {
            m.remove("activation_code");
        }
    }
    order
}

async fn list_esim_orders(St(s): St<Shared>, headers: HeaderMap, Query(q): Q) -> Response {
    let st = lock(&s);
    let c = match client(&st, &headers) {
        Ok(c) => c,
        Err(_) => return err(401, "UnauthorizedError", "UNAUTHORIZED", "Authentication required"),
    };
    let items = st
        .orders
        .iter()
        .rev()
        .filter(|o| o["_client"] == c)
        .filter(|o| q.get("client_reference").is_none_or(|r| o["client_reference"].as_str() == Some(r.as_str())))
        .filter(|o| q.get("status").is_none_or(|s| o["status"].as_str() == Some(s.as_str())))
        .map(|o| public(o.clone(), false))
        .collect();
    paged(items, &q, "per_page", 50, None)
}

async fn get_esim_order(St(s): St<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    let c = authed!(st, headers);
    let id = tryr!(id_of(&id, "Invalid ID"));
    let found = st.orders.iter().find(|o| o["id"] == id && o["_client"] == c);
    found.map_or_else(|| not_found("Order not found"), |o| ok(public(o.clone(), true)))
}

async fn wallets(St(s): St<Shared>, headers: HeaderMap, Query(q): Q) -> Response {
    let st = lock(&s);
    let c = authed!(st, headers);
    let items = st
        .wallets
        .iter()
        .filter(|w| w.client_id == c)
        .map(|w| json!({"id": w.id, "currency_id": w.currency_id, "amount": w.balance, "type": "PREPAID"}))
        .collect();
    paged(items, &q, "limit", 50, Some(10_000))
}

async fn transactions(St(s): St<Shared>, headers: HeaderMap, Query(q): Q) -> Response {
    let st = lock(&s);
    let c = authed!(st, headers);
    let wallet = match q.get("wallet_id") {
        None => None,
        Some(w) => {
            Some(tryr!(w.parse::<u64>().ok().filter(|w| *w >= 1).ok_or_else(|| bad_request("Invalid wallet_id"))))
        }
    };
    let items = st
        .transactions
        .iter()
        .rev()
        .filter(|t| t["_client"] == c && wallet.is_none_or(|w| t["wallet_id"] == w))
        .map(|t| public(t.clone(), false))
        .collect();
    paged(items, &q, "limit", 50, Some(10_000))
}

async fn transaction(St(s): St<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    let c = authed!(st, headers);
    let id = tryr!(id_of(&id, "Invalid ID"));
    let found = st.transactions.iter().find(|t| t["id"] == id && t["_client"] == c);
    found.map_or_else(|| not_found("Transaction not found"), |t| ok(public(t.clone(), false)))
}
