//! What the three create-order routes share: request checks, the debit, the outcome and the answer.

use super::auth::Caller;
use super::http::{bad_request, id_of, not_found, now, ok, rfc3339, validation};
use super::state::{Order, State};
use super::{Break, Outcome, Shared, Vertical, lock};
use axum::body::Bytes;
use axum::extract::Path;
use axum::response::Response;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The optional `client_reference`: valid and unused by this client, or the documented 400.
pub fn reference(st: &State, client_id: u64, body: &Value) -> Result<Option<String>, Response> {
    let Some(raw) = body.get("client_reference") else { return Ok(None) };
    let Some(r) =
        raw.as_str().filter(|r| !r.is_empty() && r.len() <= 255 && r.bytes().all(|b| (0x20..=0x7e).contains(&b)))
    else {
        return Err(validation("client_reference must be 1-255 printable ASCII characters"));
    };
    let used = st.orders.iter().any(|o| o.client_id == client_id && o.reference.as_deref() == Some(r));
    if used && !st.breaks(Break::DuplicateReferenceAccepted) {
        return Err(bad_request("Duplicate client_reference"));
    }
    Ok(Some(r.to_string()))
}

/// 1 to 255 printable ASCII characters.
fn valid_reference(r: &str) -> bool {
    !r.is_empty() && r.len() <= 255 && r.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// A required positive integer field.
pub fn positive_int(body: &Value, field: &str) -> Result<u64, Response> {
    body.get(field).and_then(Value::as_u64).filter(|n| *n >= 1 && *n <= i64::MAX as u64).ok_or_else(|| {
        if body.get(field).is_none_or(Value::is_null) {
            validation(&format!("{field} is required"))
        } else {
            validation(&format!("{field} must be a positive integer"))
        }
    })
}

/// An optional positive integer field.
pub fn optional_int(body: &Value, field: &str) -> Result<Option<u64>, Response> {
    match body.get(field) {
        None => Ok(None),
        Some(Value::Null) => Err(validation(&format!("{field} must be a positive integer"))),
        Some(_) => positive_int(body, field).map(Some),
    }
}

/// A required positive amount.
pub fn amount(body: &Value, field: &str) -> Result<Decimal, Response> {
    match body.get(field) {
        None | Some(Value::Null) => Err(validation(&format!("{field} is required"))),
        Some(v) => {
            super::money::positive_decimal(v).ok_or_else(|| validation(&format!("{field} must be a positive number")))
        }
    }
}

/// An optional email address (at most 254 characters, one `@` with text on both sides).
pub fn email(body: &Value, required: bool) -> Result<Option<String>, Response> {
    let bad = || validation("email must be a valid email address");
    match body.get("email") {
        None if !required => Ok(None),
        None => Err(validation("email is required")),
        Some(Value::String(e)) => {
            let parts: Vec<&str> = e.split('@').collect();
            let valid = e.len() <= 254
                && parts.len() == 2
                && !parts[0].is_empty()
                && parts[1].contains('.')
                && !parts[1].starts_with('.')
                && !parts[1].ends_with('.')
                && !e.chars().any(|c| c.is_whitespace() || c.is_control());
            if valid { Ok(Some(e.clone())) } else { Err(bad()) }
        }
        Some(_) => Err(bad()),
    }
}

/// Debits `payable` and records a new order. `pending` decides whether it is answered `PENDING` and settled
/// by `outcome` after `wait`, or settled at once.
#[allow(clippy::too_many_arguments)]
pub fn place(
    st: &mut State,
    vertical: Vertical,
    client_id: u64,
    wallet: usize,
    payable: Decimal,
    reference: Option<String>,
    mut body: Value,
    outcome: Outcome,
    pending_for: Option<Duration>,
) -> Result<usize, Response> {
    let (order_id, txn) = st.debit(wallet, payable).map_err(|m| bad_request(&m))?;
    body["id"] = json!(order_id);
    body["status"] = json!("PENDING");
    if vertical != Vertical::Vouchers {
        body["created_at"] = json!(rfc3339(now()));
        body["status_text"] = json!("Order submitted for fulfilment");
    }
    if let Some(r) = &reference {
        body["client_reference"] = json!(r);
    }
    st.orders.push(Order {
        vertical,
        id: order_id,
        client_id,
        wallet,
        debit: payable,
        reference,
        body,
        plan: None,
        transactions: vec![txn],
        background: pending_for.is_some(),
    });
    let index = st.orders.len() - 1;
    match pending_for {
        Some(wait) => st.orders[index].plan = Some((Instant::now() + wait, outcome)),
        None => st.finish(index, outcome),
    }
    Ok(index)
}

/// The caller's order of this vertical, by path id.
pub fn order_index(st: &State, c: u64, vertical: Vertical, raw: &str) -> Result<usize, Response> {
    let id = id_of(st, raw, "Invalid ID")?;
    st.orders
        .iter()
        .position(|o| o.id == id && o.vertical == vertical && o.client_id == c)
        .ok_or_else(|| not_found("Order not found"))
}

/// `GET .../orders/{id}` of any vertical.
/// `GET /…/orders/{id}` of vertical `V` (a [`Vertical`] as `u8`).
pub async fn get_order<const V: u8>(Caller { s, c }: Caller, Path(id): Path<String>) -> Response {
    get(&s, c, Vertical::from_u8(V), &id)
}

/// `PATCH /…/orders/{id}/notification-email` of vertical `V`.
pub async fn order_email<const V: u8>(Caller { s, c }: Caller, Path(id): Path<String>, body: Bytes) -> Response {
    set_email(&s, c, Vertical::from_u8(V), &id, &body)
}

pub fn get(s: &Shared, c: u64, vertical: Vertical, raw: &str) -> Response {
    let st = lock(s);
    order_index(&st, c, vertical, raw).map_or_else(|e| e, |i| ok(st.public(&st.orders[i], false)))
}

/// The `status` filter of an order list: one of `allowed`, or the documented 400.
/// Also checks the `client_reference` filter's format.
pub fn status_filter<'q>(q: &'q HashMap<String, String>, allowed: &[&str]) -> Result<Option<&'q str>, Response> {
    if q.get("client_reference").is_some_and(|r| !valid_reference(r)) {
        return Err(bad_request("Invalid query parameters"));
    }
    match q.get("status") {
        Some(s) if !allowed.contains(&s.as_str()) => Err(bad_request("Invalid query parameters")),
        s => Ok(s.map(String::as_str)),
    }
}

/// The caller's orders of a vertical, newest first, filtered by `client_reference`, status and `keep`, as
/// lists show them.
pub fn list(
    st: &State,
    c: u64,
    vertical: Vertical,
    q: &HashMap<String, String>,
    status: Option<&str>,
    keep: impl Fn(&Order) -> bool,
) -> Vec<Value> {
    st.orders
        .iter()
        .rev()
        .filter(|o| o.vertical == vertical && o.client_id == c)
        .filter(|o| q.get("client_reference").is_none_or(|r| o.reference.as_deref() == Some(r.as_str())))
        .filter(|o| status.is_none_or(|s| o.body["status"] == s))
        .filter(|o| keep(o))
        .map(|o| st.public(o, true))
        .collect()
}

/// `PATCH .../notification-email` for eSIM and topup orders: answers the updated order.
pub fn set_email(s: &Shared, c: u64, vertical: Vertical, id: &str, body: &[u8]) -> Response {
    let mut st = lock(s);
    let index = match order_index(&st, c, vertical, id) {
        Ok(i) => i,
        Err(e) => return e,
    };
    match super::http::json_body(body).and_then(|b| email(&b, true)) {
        Ok(email) => {
            st.orders[index].body["email"] = json!(email);
            ok(st.public(&st.orders[index], false))
        }
        Err(e) => e,
    }
}
