//! Reference data: countries, currencies, and the voucher categories and subcategories (which need the
//! vouchers feature).

use super::auth::Caller;
use super::http::{by_id, err, ok};
use super::state::State;
use super::{Shared, lock};
use axum::extract::{Path, State as St};
use axum::response::Response;
use serde_json::Value;

pub async fn countries(St(s): St<Shared>) -> Response {
    ok(Value::Array(lock(&s).catalog.countries.clone()))
}

pub async fn country(St(s): St<Shared>, Path(id): Path<String>) -> Response {
    let st = lock(&s);
    by_id(&st, &id, "Invalid country ID", "Country not found", |id| {
        st.catalog.countries.iter().find(|c| c["id"] == id).cloned()
    })
}

pub async fn currencies(St(s): St<Shared>) -> Response {
    ok(Value::Array(lock(&s).catalog.currencies.clone()))
}

/// Categories and subcategories need the vouchers feature.
fn feature(st: &State, client_id: u64) -> Result<(), Response> {
    if st.account(client_id).is_some_and(|a| a.vouchers_enabled) {
        Ok(())
    } else {
        Err(err(400, "BadRequestError", "INVALID_FEATURE", "The requested feature is not enabled for this client"))
    }
}

fn list(s: &Shared, c: u64, pick: fn(&State) -> &Vec<Value>) -> Response {
    let st = lock(s);
    match feature(&st, c) {
        Ok(()) => ok(Value::Array(pick(&st).clone())),
        Err(e) => e,
    }
}

fn item(s: &Shared, c: u64, id: &str, pick: fn(&State) -> &Vec<Value>) -> Response {
    let st = lock(s);
    if let Err(e) = feature(&st, c) {
        return e;
    }
    by_id(&st, id, "Invalid ID", "Not found", |id| pick(&st).iter().find(|v| v["id"] == id).cloned())
}

pub async fn categories(Caller { s, c }: Caller) -> Response {
    list(&s, c, |st| &st.catalog.categories)
}

pub async fn category(Caller { s, c }: Caller, Path(id): Path<String>) -> Response {
    item(&s, c, &id, |st| &st.catalog.categories)
}

pub async fn subcategories(Caller { s, c }: Caller) -> Response {
    list(&s, c, |st| &st.catalog.subcategories)
}

pub async fn subcategory(Caller { s, c }: Caller, Path(id): Path<String>) -> Response {
    item(&s, c, &id, |st| &st.catalog.subcategories)
}
