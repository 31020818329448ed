//! The eSIM vertical: catalog, charges, orders (always HTTP 200, inline up to the deadline, then `PENDING`),
//! the install lifecycle and notification emails.

use super::auth::Caller;
use super::catalog::{EsimProduct, EsimVariant};
use super::http::{
    PER_PAGE, Query, bad_request, by_id, id_or, limit_as_per_page, not_found, ok, page_of, paged, validation,
};
use super::money::{Price, price};
use super::orders::{amount, list, optional_int, place, positive_int, reference, status_filter};
use super::state::State;
use super::{Break, Outcome, Shared, Vertical, lock};
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use serde_json::{Value, json};

pub async fn products(Caller { s, c }: Caller, axum::extract::Query(q): Query) -> Response {
    let st = lock(&s);
    if let Some(cc) = q.get("country_code")
        && !(cc.len() == 3 && cc.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return bad_request("Invalid query parameters");
    }
    let search = q.get("search").map(|s| s.to_lowercase());
    let items: Vec<&EsimProduct> = st
        .catalog
        .esim
        .iter()
        .filter(|p| !st.blacklisted(c, p.id))
        .filter(|p| q.get("country_code").is_none_or(|cc| p.country_code == *cc))
        .filter(|p| search.as_ref().is_none_or(|s| p.name.to_lowercase().contains(s)))
        .collect();
    page_of(&st, &items, &limit_as_per_page(&q), PER_PAGE, |p| product_json(&st, p))
}

/// A product as listed; rule breaks for the schema checks change it here.
fn product_json(st: &State, p: &EsimProduct) -> Value {
    let mut v = p.json();
    if st.breaks(Break::SchemaMissingRequired) {
        v.as_object_mut().map(|m| m.remove("currency_code"));
    }
    if st.breaks(Break::SchemaWrongType) {
        v["id"] = json!(p.id.to_string());
    }
    if st.breaks(Break::SchemaUndocumentedField) {
        v["popularity"] = json!(7);
    }
    v
}

/// The product a path id names; an id that is not a positive integer gets the 400 `refuse` builds.
fn product_of<'a>(st: &'a State, c: u64, raw: &str, refuse: fn(&str) -> Response) -> Result<&'a EsimProduct, Response> {
    let id = id_or(st, raw, refuse, "Invalid product ID")?;
    st.catalog.esim.iter().find(|p| p.id == id && !st.blacklisted(c, id)).ok_or_else(|| not_found("Product not found"))
}

/// A product with its variants (`whole`), or the variants alone.
fn product_or_variants(s: &Shared, c: u64, id: &str, whole: bool) -> Result<Response, Response> {
    let st = lock(s);
    // The product page documents `ValidationException` / `VALIDATION_FAILURE` for an invalid id (the spec's
    // `x-doc-conflict`); the variants page documents nothing, so it keeps `BAD_REQUEST` like every other id.
    let p = product_of(&st, c, id, if whole { validation } else { bad_request })?;
    let variants = Value::Array(p.variants.iter().map(EsimVariant::json).collect());
    if !whole {
        return Ok(ok(variants));
    }
    let mut v = product_json(&st, p);
    v["variants"] = variants;
    Ok(ok(v))
}

pub async fn product(Caller { s, c }: Caller, Path(id): Path<String>) -> Result<Response, Response> {
    product_or_variants(&s, c, &id, true)
}

pub async fn variants(Caller { s, c }: Caller, Path(id): Path<String>) -> Result<Response, Response> {
    product_or_variants(&s, c, &id, false)
}

pub async fn variant(Caller { s, c }: Caller, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    by_id(&st, &id, "Invalid ID", "Variant not found", |id| {
        let mut variants = st.catalog.esim.iter().filter(|p| !st.blacklisted(c, p.id)).flat_map(|p| &p.variants);
        variants.find(|v| v.id == id).map(|v| v.json())
    })
}

/// The variant `(product_id, amount)` selects, its price, and the wallet that pays.
fn priced(st: &State, c: u64, body: &Value) -> Result<(EsimVariant, Price, usize), Response> {
    let product = positive_int(body, "product_id")?;
    let amount = amount(body, "amount")?;
    let wallet_id = optional_int(body, "wallet_id")?;
    let p = st
        .catalog
        .esim
        .iter()
        .find(|p| p.id == product && !st.blacklisted(c, product))
        .ok_or_else(|| not_found("Product not found"))?;
    let v = p.variants.iter().find(|v| v.amount == amount).ok_or_else(|| bad_request("Amount not available"))?;
    let wallet = st.pick_wallet(c, wallet_id, v.currency, true).map_err(|m| bad_request(&m))?;
    Ok((v.clone(), price(v.amount, v.client_discount, v.currency, st.wallets[wallet].currency), wallet))
}

pub async fn charges(Caller { s, c }: Caller, body: Bytes) -> Response {
    let st = lock(&s);
    let body = match super::http::json_body(&body) {
        Ok(b) => b,
        Err(e) => return e,
    };
    match priced(&st, c, &body) {
        Ok((_, price, _)) => ok(price.json(&st.config.breaks)),
        Err(e) => e,
    }
}

pub async fn create_order(Caller { s, c }: Caller, body: Bytes) -> Response {
    let (id, wait) = {
        let mut st = lock(&s);
        let placed = (|| {
            let body = super::http::json_body(&body)?;
            let reference = reference(&st, c, &body)?;
            let (v, price, wallet) = priced(&st, c, &body)?;
            let (product_name, country_code) = st
                .catalog
                .esim
                .iter()
                .find(|p| p.id == v.product_id)
                .map(|p| (p.name.clone(), p.country_code.clone()))
                .unwrap_or_default();
            let outcome =
                st.take_forced(Vertical::Esim, v.product_id, reference.as_deref()).unwrap_or(Outcome::Delivered);
            let debit = price.debit(&st.config.breaks);
            let order = json!({
                "product_name": product_name, "country_code": country_code, "data_amount_gb": v.data_gb,
                "validity_days": v.validity_days, "amount": debit, "currency": price.destination,
            });
            let inline = matches!(
                outcome,
                Outcome::Delivered | Outcome::Failed | Outcome::PartiallyDelivered | Outcome::SoldOut
            );
            let wait = (!inline).then_some(st.config.inline_deadline);
            let pending = wait.map(|w| w + st.config.fulfilment_delay);
            let index = place(&mut st, Vertical::Esim, c, wallet, debit, reference, order, outcome, pending)?;
            Ok((st.orders[index].id, wait))
        })();
        match placed {
            Ok(placed) => placed,
            Err(e) => return e,
        }
    };
    // Waits out the inline deadline without holding the state, as the API waits for its supplier.
    if let Some(wait) = wait {
        tokio::time::sleep(wait).await;
    }
    let st = lock(&s);
    st.orders.iter().find(|o| o.id == id).map_or_else(|| not_found("Order not found"), |o| ok(st.public(o, false)))
}

pub async fn list_orders(Caller { s, c }: Caller, axum::extract::Query(q): Query) -> Response {
    let st = lock(&s);
    match status_filter(&q, &["PENDING", "DELIVERED", "FAILED", "CANCELLED"]) {
        Ok(status) => paged(&st, list(&st, c, Vertical::Esim, &q, status, |_| true), &q, PER_PAGE),
        Err(e) => e,
    }
}
