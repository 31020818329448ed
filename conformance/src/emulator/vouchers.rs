//! The voucher vertical: products, availability, charges and orders (quantity 1-5 delivered inline with
//! HTTP 201; 6-5,000 answered `PENDING` and delivered in the background).

use super::auth::Caller;
use super::catalog::{VoucherProduct, currency_id};
use super::http::{
    LIMIT, Query, Style, bad_request, created, id_of, json_body, not_found, ok, page_of, paged, query_id,
};
use super::money::{Price, price};
use super::orders::{amount, email, list, optional_int, place, positive_int, reference, status_filter};
use super::state::State;
use super::{Break, Outcome, Vertical, lock};
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use serde_json::{Value, json};

/// The largest quantity one order may carry (the client's bulk limit).
const MAX_QUANTITY: u64 = 5_000;
/// Quantities up to this are delivered inline; the threshold is fixed by the documents.
const INLINE_QUANTITY: u64 = 5;

pub async fn products(Caller { s, c }: Caller, axum::extract::Query(q): Query) -> Response {
    let st = lock(&s);
    let (country, currency) = match (query_id(&q, "country_id"), query_id(&q, "currency_id")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let sort_by = q.get("sort_by").map_or("name", String::as_str);
    let sort_dir = q.get("sort_dir").map_or("asc", String::as_str);
    if !["name", "category", "id"].contains(&sort_by) || !["asc", "desc"].contains(&sort_dir) {
        return bad_request("Invalid query parameters");
    }
    let search = q.get("search").map(|s| s.to_lowercase());
    let order = &st.catalog.voucher_orders[match sort_by {
        "category" => 1,
        "id" => 2,
        _ => 0,
    }];
    // Looked up once, not per product: a long catalog is filtered on every page.
    let category = q.get("category");
    let mut found: Vec<&VoucherProduct> = order
        .iter()
        .map(|i| &st.catalog.vouchers[*i])
        .filter(|p| !st.blacklisted(c, p.id))
        // "Only active products with available inventory are returned" (the voucher products page).
        .filter(|p| !st.sold_out.contains(&p.id))
        .filter(|p| category.is_none_or(|cat| p.category == cat))
        .filter(|p| country.is_none_or(|id| p.country_id == id))
        .filter(|p| currency.is_none_or(|id| currency_id(p.currency) == Some(id)))
        .filter(|p| search.as_ref().is_none_or(|s| p.name.to_lowercase().contains(s)))
        .collect();
    if sort_dir == "desc" {
        found.reverse();
    }
    page_of(&st, &found, &q, Style { size_param: "limit", default: 10, max: Some(500) }, |p| p.listed.clone())
}

fn product_of<'a>(st: &'a State, c: u64, raw: &str) -> Result<&'a VoucherProduct, Response> {
    let id = id_of(st, raw, "Invalid product ID")?;
    product_by_id(st, c, id)
}

fn product_by_id(st: &State, c: u64, id: u64) -> Result<&VoucherProduct, Response> {
    st.catalog
        .vouchers
        .iter()
        .find(|p| p.id == id && !st.blacklisted(c, id))
        .ok_or_else(|| not_found("Product not found"))
}

pub async fn product(Caller { s, c }: Caller, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    product_of(&st, c, &id).map_or_else(|e| e, |p| ok(p.detail_json()))
}

/// A quantity between 1 and the bulk limit.
fn quantity(body: &Value) -> Result<u64, Response> {
    let q = positive_int(body, "quantity")?;
    if q > MAX_QUANTITY {
        return Err(bad_request(&format!("Quantity exceeds the bulk limit of {MAX_QUANTITY}")));
    }
    Ok(q)
}

pub async fn availability(Caller { s, c }: Caller, Path(id): Path<String>, body: Bytes) -> Result<Response, Response> {
    let st = lock(&s);
    let p = product_of(&st, c, &id)?;
    let body = json_body(&body)?;
    let denomination = amount(&body, "denomination")?;
    let quantity = positive_int(&body, "quantity")?;
    let in_stock = p.stock.is_none_or(|s| quantity <= u64::from(s)) && !st.sold_out.contains(&p.id);
    Ok(ok(json!({"is_available": p.denomination(denomination).is_some() && in_stock && quantity <= MAX_QUANTITY})))
}

/// The product's price for `(denomination, quantity)` and the wallet that pays.
fn priced<'a>(st: &'a State, c: u64, p: &'a VoucherProduct, body: &Value) -> Result<(Price, usize, u64), Response> {
    let denomination = amount(body, "denomination")?;
    let quantity = quantity(body)?;
    let wallet_id = optional_int(body, "wallet_id")?;
    let d = p.denomination(denomination).ok_or_else(|| bad_request("Denomination not available"))?;
    let wallet = st.pick_wallet(c, wallet_id, p.currency, false).map_err(|m| bad_request(&m))?;
    let face = denomination * rust_decimal::Decimal::from(quantity);
    Ok((price(face, d.discount, p.currency, st.wallets[wallet].currency), wallet, quantity))
}

pub async fn charges(Caller { s, c }: Caller, Path(id): Path<String>, body: Bytes) -> Result<Response, Response> {
    let st = lock(&s);
    let p = product_of(&st, c, &id)?;
    let (price, _, _) = priced(&st, c, p, &json_body(&body)?)?;
    let mut v = price.json(&st.config.breaks);
    v["max_quantity"] = json!(MAX_QUANTITY);
    Ok(ok(v))
}

pub async fn create_order(Caller { s, c }: Caller, body: Bytes) -> Response {
    let mut st = lock(&s);
    let placed = (|| {
        let body = json_body(&body)?;
        let product_id = positive_int(&body, "product_id")?;
        let reference = reference(&st, c, &body)?;
        let email = email(&body, false)?;
        let p = product_by_id(&st, c, product_id)?.clone();
        let (price, wallet, quantity) = priced(&st, c, &p, &body)?;
        let denomination = amount(&body, "denomination")?;
        let forced = st.take_forced(Vertical::Vouchers, p.id, reference.as_deref());
        // Quantity decides the mode; a forced outcome decides only how it ends.
        let inline = (quantity <= INLINE_QUANTITY) ^ st.breaks(Break::VoucherModeWrong);
        let outcome = match forced {
            Some(Outcome::PendingThenDelivered) | None => Outcome::Delivered,
            Some(Outcome::PendingThenFailed) => Outcome::Failed,
            Some(o) => o,
        };
        let debit = price.debit(&st.config.breaks);
        let mut order = json!({
            "product_id": p.id, "product_name": p.name, "denomination": denomination, "quantity": quantity,
            "amount": price.non_discounted, "discount": price.discount_amount, "wallet_id": st.wallets[wallet].id,
            "base_currency": p.currency, "deduction_currency": price.destination, "vouchers": [], "_mode": p.delivery_mode,
        });
        if let Some(e) = email {
            order["email"] = json!(e);
        }
        let pending = (!inline).then_some(st.config.fulfilment_delay);
        place(&mut st, Vertical::Vouchers, c, wallet, debit, reference, order, outcome, pending)
    })();
    placed.map_or_else(|e| e, |i| created(st.public(&st.orders[i], false)))
}

pub async fn list_orders(Caller { s, c }: Caller, axum::extract::Query(q): Query) -> Response {
    let st = lock(&s);
    match status_filter(&q, &["PENDING", "DELIVERED", "PARTIALLY_DELIVERED", "FAILED", "CANCELLED"]) {
        Ok(status) => paged(&st, list(&st, c, Vertical::Vouchers, &q, status, |_| true), &q, LIMIT),
        Err(e) => e,
    }
}
