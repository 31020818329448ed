//! Wallets and the ledger: every order debit and every refund is a transaction.

use super::auth::Caller;
use super::http::{LIMIT, Query, bad_request, by_id, paged, query_id};
use super::lock;
use axum::extract::Path;
use axum::response::Response;
use serde_json::{Value, json};

pub async fn wallets(Caller { s, c }: Caller, axum::extract::Query(q): Query) -> Response {
    let st = lock(&s);
    let items = st
        .wallets
        .iter()
        .filter(|w| w.client_id == c)
        .map(|w| json!({"id": w.id, "currency_id": w.currency_id, "amount": w.balance, "type": "PREPAID"}))
        .collect();
    paged(&st, items, &q, LIMIT)
}

fn public(t: &Value) -> Value {
    let mut t = t.clone();
    if let Some(m) = t.as_object_mut() {
        m.retain(|k, _| !k.starts_with('_'));
    }
    t
}

pub async fn transactions(Caller { s, c }: Caller, axum::extract::Query(q): Query) -> Response {
    let st = lock(&s);
    let wallet = match query_id(&q, "wallet_id") {
        Ok(w) => w,
        Err(e) => return e,
    };
    // `sort` is JSON such as {"Field":"id","Direction":"DESC"}; only the id order is meaningful here.
    let ascending = match q.get("sort") {
        None => false,
        Some(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(v) if v["Direction"] == "ASC" => true,
            Ok(v) if v["Direction"] == "DESC" || v["Direction"].is_null() => false,
            _ => return bad_request("Invalid query parameters"),
        },
    };
    let mut items: Vec<Value> = st
        .transactions
        .iter()
        .rev()
        .filter(|t| t["_client"] == c && wallet.is_none_or(|w| t["wallet_id"] == w))
        .map(public)
        .collect();
    if ascending {
        items.reverse();
    }
    paged(&st, items, &q, LIMIT)
}

pub async fn transaction(Caller { s, c }: Caller, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    by_id(&st, &id, "Invalid ID", "Transaction not found", |id| {
        st.transactions.iter().find(|t| t["id"] == id && t["_client"] == c).map(public)
    })
}
