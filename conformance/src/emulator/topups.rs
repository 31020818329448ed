//! The topup vertical: products and variants, mobile operator lookup, charges, and orders (mostly
//! asynchronous: answered `PENDING`, settled in the background).

use super::auth::Caller;
use super::catalog::{TopupProduct, TopupVariant};
use super::http::{
    PER_PAGE, Query, Style, bad_request, by_id, created, id_of, not_found, ok, page_of, paged, query_id, validation,
};
use super::money::{Price, price};
use super::orders::{amount, list, optional_int, place, positive_int, reference, status_filter};
use super::state::State;
use super::{Outcome, Vertical, lock};
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use rust_decimal::Decimal;
use serde_json::{Value, json};

const TYPES: &[&str] = &["GAMING", "MOBILE", "UTILITY"];
const CATEGORIES: &[&str] = &["Airtime", "Data", "Bundle"];
/// Topups discount 2 % off the face value.
const DISCOUNT_PCT: Decimal = Decimal::from_parts(2, 0, 0, false, 0);

pub async fn products(Caller { s, c }: Caller, axum::extract::Query(q): Query) -> Response {
    let st = lock(&s);
    if q.get("type").is_some_and(|t| !TYPES.contains(&t.as_str())) {
        return bad_request("Invalid query parameters");
    }
    let search = q.get("search").map(|s| s.to_lowercase());
    let items: Vec<&TopupProduct> = st
        .catalog
        .topups
        .iter()
        .filter(|p| !st.blacklisted(c, p.id))
        .filter(|p| q.get("type").is_none_or(|t| p.kind == t))
        .filter(|p| search.as_ref().is_none_or(|s| p.name.to_lowercase().contains(s)))
        .collect();
    page_of(&st, &items, &super::http::limit_as_per_page(&q), PER_PAGE, |p| p.json())
}

fn product_of<'a>(st: &'a State, c: u64, raw: &str) -> Result<&'a TopupProduct, Response> {
    let id = id_of(st, raw, "Invalid product ID")?;
    st.catalog
        .topups
        .iter()
        .find(|p| p.id == id && !st.blacklisted(c, id))
        .ok_or_else(|| not_found("Product not found"))
}

pub async fn product(Caller { s, c }: Caller, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    product_of(&st, c, &id).map_or_else(|e| e, |p| ok(p.detail_json()))
}

pub async fn variants(Caller { s, c }: Caller, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    product_of(&st, c, &id)
        .map_or_else(|e| e, |p| ok(Value::Array(p.variants.iter().map(TopupVariant::json).collect())))
}

pub async fn variant(Caller { s, c }: Caller, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    by_id(&st, &id, "Invalid ID", "Variant not found", |id| {
        let mut variants = st.catalog.topups.iter().filter(|p| !st.blacklisted(c, p.id)).flat_map(|p| &p.variants);
        variants.find(|v| v.id == id).map(|v| v.json())
    })
}

/// An E.164 number: `+`, a non-zero digit, then 6 to 14 digits.
fn e164(n: &str) -> bool {
    let digits = n.strip_prefix('+').unwrap_or("");
    (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0')
}

pub async fn lookup(Caller { s, c }: Caller, body: Bytes) -> Result<Response, Response> {
    let st = lock(&s);
    let body = super::http::json_body(&body)?;
    let number = match body.get("mobile_number") {
        None | Some(Value::Null) => return Err(validation("mobile_number is required")),
        Some(Value::String(n)) if e164(n) => n.clone(),
        Some(_) => return Err(validation("mobile_number must be in E.164 format")),
    };
    // The longest dialing prefix wins; the first operator of that country is the primary guess.
    let best = st
        .catalog
        .topups
        .iter()
        .filter_map(|p| p.dialing_prefix.filter(|d| number.starts_with(d)).map(|d| d.len()))
        .max();
    let matches: Vec<Value> = st
        .catalog
        .topups
        .iter()
        .filter(|p| p.kind == "MOBILE" && !st.blacklisted(c, p.id))
        .filter(|p| best.is_some_and(|len| p.dialing_prefix.is_some_and(|d| d.len() == len && number.starts_with(d))))
        .enumerate()
        .map(|(i, p)| json!({"product_id": p.id, "name": p.name, "country_code": p.country_code, "identified": i == 0}))
        .collect();
    Ok(ok(Value::Array(matches)))
}

/// The product and variant `(product_id, amount, category)` selects, its price and the wallet that pays.
fn priced(st: &State, c: u64, body: &Value) -> Result<(TopupProduct, TopupVariant, Price, usize), Response> {
    if !body.is_object() {
        return Err(validation("The request body must be a JSON object"));
    }
    let product = positive_int(body, "product_id")?;
    let amount = amount(body, "amount")?;
    let wallet_id = optional_int(body, "wallet_id")?;
    let category = match body.get("category") {
        None => None,
        Some(Value::String(c)) if CATEGORIES.contains(&c.as_str()) => Some(c.as_str()),
        Some(_) => return Err(validation("category must be one of Airtime, Data, Bundle")),
    };
    let p = st
        .catalog
        .topups
        .iter()
        .find(|p| p.id == product && !st.blacklisted(c, product))
        .ok_or_else(|| not_found("Product not found"))?;
    let v = p.variant_for(amount, category).ok_or_else(|| bad_request("Amount not available"))?;
    let wallet = st.pick_wallet(c, wallet_id, v.currency, true).map_err(|m| bad_request(&m))?;
    Ok((p.clone(), v.clone(), price(amount, DISCOUNT_PCT, v.currency, st.wallets[wallet].currency), wallet))
}

pub async fn charges(Caller { s, c }: Caller, body: Bytes) -> Result<Response, Response> {
    let st = lock(&s);
    let (_, _, price, _) = priced(&st, c, &super::http::json_body(&body)?)?;
    Ok(ok(price.json(&st.config.breaks)))
}

/// `input_data` must carry exactly the product's `input_fields`, as strings.
fn input_data(p: &TopupProduct, body: &Value) -> Result<(), Response> {
    let given = match body.get("input_data") {
        None => serde_json::Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(validation("input_data must be an object")),
    };
    for field in &p.input_fields {
        match given.get(*field) {
            Some(Value::String(v)) if !v.is_empty() => {}
            _ => return Err(validation(&format!("input_data.{field} is required"))),
        }
    }
    if let Some(extra) = given.keys().find(|k| !p.input_fields.contains(&k.as_str()) && k.as_str() != "server") {
        return Err(validation(&format!("input_data.{extra} is not accepted for this product")));
    }
    if p.input_fields.contains(&"phone_number") && !given.get("phone_number").and_then(Value::as_str).is_some_and(e164)
    {
        return Err(validation("input_data.phone_number must be in E.164 format"));
    }
    Ok(())
}

pub async fn create_order(Caller { s, c }: Caller, body: Bytes) -> Response {
    let mut st = lock(&s);
    let placed = (|| {
        let body = super::http::json_body(&body)?;
        let reference = reference(&st, c, &body)?;
        let (p, v, price, wallet) = priced(&st, c, &body)?;
        input_data(&p, &body)?;
        let outcome =
            st.take_forced(Vertical::Topups, p.id, reference.as_deref()).unwrap_or(Outcome::PendingThenDelivered);
        let debit = price.debit(&st.config.breaks);
        let order = json!({
            "product_id": p.id, "product_name": p.name, "variant_name": v.name, "country_code": p.country_code,
            "amount": debit, "currency": price.destination,
        });
        let inline = matches!(outcome, Outcome::Delivered | Outcome::Failed | Outcome::SoldOut);
        let pending = (!inline).then_some(st.config.fulfilment_delay);
        place(&mut st, Vertical::Topups, c, wallet, debit, reference, order, outcome, pending)
    })();
    placed.map_or_else(|e| e, |i| created(st.public(&st.orders[i], false)))
}

pub async fn list_orders(Caller { s, c }: Caller, axum::extract::Query(q): Query) -> Response {
    let st = lock(&s);
    let status = match status_filter(&q, &["PENDING", "DELIVERED", "FAILED", "CANCELLED", "RECHARGED"]) {
        Ok(Some("RECHARGED")) => Some("DELIVERED"),
        Ok(s) => s,
        Err(e) => return e,
    };
    let product = match query_id(&q, "product_id") {
        Ok(p) => p,
        Err(e) => return e,
    };
    if q.get("country").is_some_and(|cc| !(cc.len() == 3 && cc.bytes().all(|b| b.is_ascii_uppercase()))) {
        return bad_request("Invalid query parameters");
    }
    let items = list(&st, c, Vertical::Topups, &q, status, |o| {
        product.is_none_or(|p| o.body["product_id"] == p)
            && q.get("country").is_none_or(|cc| o.body["country_code"] == cc.as_str())
    });
    paged(&st, items, &q, Style { size_param: "per_page", default: 50, max: Some(500) })
}
