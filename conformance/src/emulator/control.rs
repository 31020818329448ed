//! The control surface, kept out of the API: routes under `/_emulator/` that need the emulator's own admin
//! token in `X-Emulator-Admin` (an API bearer token is refused). They force order outcomes, drive the eSIM
//! install lifecycle and expose the ledger for audits.

use super::http::{bad_request, err, not_found, now, ok, rfc3339};
use super::state::State;
use super::{Outcome, Shared, Vertical, lock};
use axum::body::Bytes;
use axum::extract::{Path, Request, State as St};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value, json};

/// Refuses anything without the admin token, with the documented envelope and nothing else.
pub async fn admin_only(St(s): St<Shared>, req: Request, next: Next) -> Response {
    use subtle::ConstantTimeEq;
    let given = req.headers().get("x-emulator-admin").map(|v| v.as_bytes().to_vec()).unwrap_or_default();
    let expected = lock(&s).admin_token.clone();
    if !bool::from(given.ct_eq(expected.as_bytes())) {
        return err(403, "ForbiddenError", "FORBIDDEN", "The emulator control surface needs its admin token");
    }
    next.run(req).await
}

/// `POST /_emulator/outcomes` `{"vertical", "outcome", "client_reference"?, "count"?}`: the next `count`
/// orders of the vertical (or the one with this reference) end this way.
pub async fn force(St(s): St<Shared>, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let vertical = serde_json::from_value::<Vertical>(body["vertical"].clone());
    let outcome = serde_json::from_value::<Outcome>(body["outcome"].clone());
    let (Ok(vertical), Ok(outcome)) = (vertical, outcome) else {
        return bad_request("vertical (vouchers, topups, esim) and outcome are required");
    };
    if outcome == Outcome::PartiallyDelivered && vertical != Vertical::Vouchers {
        return bad_request("only voucher orders can be partially delivered");
    }
    let mut st = lock(&s);
    match body["client_reference"].as_str() {
        Some(r) => {
            st.forced_by_reference.insert(r.to_string(), outcome);
        }
        None => {
            let count = body["count"].as_u64().unwrap_or(1).min(10_000);
            st.forced.entry(vertical).or_default().extend(std::iter::repeat_n(outcome, count as usize));
        }
    }
    ok(json!({"vertical": vertical, "outcome": outcome}))
}

/// `POST /_emulator/esim/orders/{id}/{install|activate|expire}`: the device side of the lifecycle.
pub async fn lifecycle(St(s): St<Shared>, Path((id, action)): Path<(u64, String)>) -> Response {
    let mut st = lock(&s);
    match step(&mut st, id, &action) {
        Ok(index) => ok(st.public(&st.orders[index], false)),
        Err(e) => e,
    }
}

/// Moves a delivered eSIM one step through install, first use and expiry.
pub fn step(st: &mut State, id: u64, action: &str) -> Result<usize, Response> {
    let Some(index) = st.orders.iter().position(|o| o.id == id && o.vertical == Vertical::Esim) else {
        return Err(not_found("Order not found"));
    };
    let b = &mut st.orders[index].body;
    if b["status"] != "DELIVERED" {
        return Err(bad_request("only a delivered eSIM has a lifecycle"));
    }
    let installed = b["is_installed"] == true;
    match action {
        "install" => {
            b["is_installed"] = json!(true);
            b["installed_at"] = json!(rfc3339(now()));
            b["activation_status"] = json!("ACTIVE");
        }
        "activate" if installed => b["activated_at"] = json!(rfc3339(now())),
        "expire" if installed => b["activation_status"] = json!("EXPIRED"),
        "activate" | "expire" => return Err(bad_request("the eSIM is not installed")),
        _ => return Err(bad_request("action must be install, activate or expire")),
    }
    Ok(index)
}

/// `POST /_emulator/settle`: decides every pending order now.
pub async fn settle(St(s): St<Shared>) -> Response {
    let mut st = lock(&s);
    let due: Vec<(usize, Outcome)> =
        st.orders.iter().enumerate().filter_map(|(i, o)| o.plan.map(|(_, outcome)| (i, outcome))).collect();
    for (i, outcome) in &due {
        st.orders[*i].plan = None;
        st.finish(*i, *outcome);
    }
    ok(json!({"settled": due.len()}))
}

/// `GET /_emulator/setup?key=API_KEY`: what a conformance run needs to know about the account behind a key,
/// such as the eSIM products it has blacklisted. No secrets.
pub async fn setup(
    St(s): St<Shared>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    match setup_json(&lock(&s), q.get("key").map_or("", String::as_str)) {
        Some(v) => ok(v),
        None => not_found("No account has that key"),
    }
}

/// What `GET /_emulator/setup` answers for an API key, in process or over HTTP.
pub fn setup_json(st: &State, key: &str) -> Option<Value> {
    let account = st.accounts.iter().find(|a| a.key == key)?;
    let esim: Vec<u64> =
        account.blacklist.iter().copied().filter(|id| st.catalog.esim.iter().any(|p| p.id == *id)).collect();
    Some(json!({"client_id": account.client_id, "blacklisted_esim_products": esim}))
}

/// `GET /_emulator/ledger`: every wallet, order and transaction, for audits.
pub async fn ledger(St(s): St<Shared>) -> Response {
    ok(ledger_json(&lock(&s)))
}

pub fn ledger_json(st: &State) -> Value {
    json!({
        "wallets": st.wallets.iter().map(|w| json!({
            "id": w.id, "client_id": w.client_id, "currency": w.currency, "initial": w.initial, "balance": w.balance,
        })).collect::<Vec<_>>(),
        "orders": st.orders.iter().map(|o| json!({
            "id": o.id, "vertical": o.vertical, "client_id": o.client_id, "wallet_id": st.wallets[o.wallet].id,
            "status": o.body["status"], "debit": o.debit, "client_reference": o.reference,
            "quantity": o.body.get("quantity"), "delivered": o.body.get("vouchers").and_then(Value::as_array).map(Vec::len),
            "transactions": o.transactions,
        })).collect::<Vec<_>>(),
        "transactions": st.transactions,
    })
}
