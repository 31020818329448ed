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
use rust_decimal::Decimal;
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
        "catalog": {"delisted": st.delisted, "sold_out": st.sold_out},
        "webhook_deliveries": st.deliveries_json(),
    })
}

/// A change to one product of the catalog, through `POST /_emulator/catalog/products/{id}` or the in-process
/// methods of [`super::Emulator`]. Voucher changes fire `product.update` to every account that sees the
/// product (or the one account a blacklist change concerns); the documents ship no topup or eSIM product
/// webhooks yet.
#[derive(Debug, Clone, PartialEq)]
pub enum ProductChange {
    /// Delisted for everyone (`false`: gone from lists, reads and orders answer `404`), or listed again.
    Listed(bool),
    /// Sold out (availability says no, the voucher list leaves it out, orders fail `OUT_OF_STOCK` and are
    /// refunded), or back in stock.
    SoldOut(bool),
    /// Every denomination's (voucher) or variant's (eSIM) discount, in percent.
    Discount(Decimal),
    /// A voucher product's denominations: `(min_value, max_value, discount percent)`.
    Denominations(Vec<(Decimal, Decimal, Decimal)>),
    /// An eSIM variant's price.
    VariantPrice { variant_id: u64, amount: Decimal },
    /// Blacklisted for one account (hidden from it alone, as delisting hides it from all), or cleared.
    Blacklist { client_id: u64, blacklisted: bool },
}

/// The changes `POST /_emulator/catalog/products/{id}` takes.
const CHANGES: [&str; 9] = [
    "delist",
    "relist",
    "sold_out",
    "restock",
    "discount",
    "denominations",
    "variant_price",
    "blacklist",
    "unblacklist",
];

impl ProductChange {
    /// Reads a control-surface body: `{"change": "delist" | "relist" | "sold_out" | "restock" | "discount"
    /// | "denominations" | "variant_price" | "blacklist" | "unblacklist", ...}`.
    pub fn from_json(body: &Value) -> Result<ProductChange, String> {
        let number = |v: &Value, field: &str, zero: bool| -> Result<Decimal, String> {
            let d = match v {
                Value::Number(n) => n.to_string().parse::<Decimal>().ok(),
                _ => None,
            };
            d.filter(|d| *d > Decimal::ZERO || (zero && d.is_zero()))
                .map(|d| d.normalize())
                .ok_or_else(|| format!("{field} must be a {} number", if zero { "non-negative" } else { "positive" }))
        };
        let percent = |v: &Value, field: &str| -> Result<Decimal, String> {
            let d = number(v, field, true)?;
            if d >= Decimal::ONE_HUNDRED {
                return Err(format!("{field} must be a percentage below 100"));
            }
            Ok(d)
        };
        let id = |field: &str| body[field].as_u64().filter(|n| *n >= 1).ok_or_else(|| format!("{field} is required"));
        Ok(match body["change"].as_str().unwrap_or("") {
            "delist" => ProductChange::Listed(false),
            "relist" => ProductChange::Listed(true),
            "sold_out" => ProductChange::SoldOut(true),
            "restock" => ProductChange::SoldOut(false),
            "discount" => ProductChange::Discount(percent(&body["discount"], "discount")?),
            "denominations" => {
                let list = body["denominations"].as_array().ok_or("denominations must be an array")?;
                let mut out = Vec::new();
                for d in list {
                    let min = number(&d["min_value"], "min_value", false)?;
                    let max = number(&d["max_value"], "max_value", false)?;
                    out.push((min, max, percent(&d["discount"], "discount")?));
                }
                ProductChange::Denominations(out)
            }
            "variant_price" => ProductChange::VariantPrice {
                variant_id: id("variant_id")?,
                amount: number(&body["amount"], "amount", false)?,
            },
            "blacklist" | "unblacklist" => {
                ProductChange::Blacklist { client_id: id("client_id")?, blacklisted: body["change"] == "blacklist" }
            }
            _ => return Err(format!("change must be one of {}", CHANGES.join(", "))),
        })
    }
}

/// `POST /_emulator/catalog/products/{id}`: applies a [`ProductChange`]; answers what changed and how many
/// `product.update` events were queued.
pub async fn change_product(St(s): St<Shared>, Path(id): Path<u64>, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let change = match ProductChange::from_json(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(&e),
    };
    match apply_change(&mut lock(&s), id, change) {
        Ok(v) => ok(v),
        Err(Refused::NotFound(m)) => not_found(&m),
        Err(Refused::Invalid(m)) => bad_request(&m),
    }
}

/// Why a catalog change was refused: what it names does not exist (`404`), or it does not apply (`400`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    NotFound(String),
    Invalid(String),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::NotFound(m) | Refused::Invalid(m) => f.write_str(m),
        }
    }
}

/// Applies a change to product `id` of any vertical, and queues the `product.update` events it causes.
pub fn apply_change(st: &mut State, id: u64, change: ProductChange) -> Result<Value, Refused> {
    let voucher = st.catalog.vouchers.iter().position(|p| p.id == id);
    let esim = st.catalog.esim.iter().position(|p| p.id == id);
    if voucher.is_none() && esim.is_none() && !st.catalog.topups.iter().any(|p| p.id == id) {
        return Err(Refused::NotFound(format!("Product {id} not found")));
    }
    let unsupported = || Refused::Invalid(format!("this change does not apply to product {id}'s vertical"));
    // The accounts that see the product now (a delisting or a blacklisting tells them it is gone).
    let seen_by = |st: &State| -> Vec<u64> {
        st.accounts.iter().filter(|a| !a.blacklist.contains(&id)).map(|a| a.client_id).collect()
    };
    let (what, told): (&str, Vec<u64>) = match &change {
        ProductChange::Listed(listed) => {
            let told = seen_by(st);
            if *listed {
                st.delisted.remove(&id)
            } else {
                st.delisted.insert(id)
            };
            (if *listed { "added" } else { "delisted" }, told)
        }
        ProductChange::SoldOut(sold_out) => {
            if *sold_out {
                st.sold_out.insert(id)
            } else {
                st.sold_out.remove(&id)
            };
            ("changed", seen_by(st))
        }
        ProductChange::Discount(discount) => {
            match (voucher, esim) {
                (Some(i), _) => st.catalog.vouchers[i].denominations.iter_mut().for_each(|d| d.discount = *discount),
                (_, Some(i)) => st.catalog.esim[i].variants.iter_mut().for_each(|v| v.client_discount = *discount),
                _ => return Err(unsupported()),
            }
            ("changed", seen_by(st))
        }
        ProductChange::Denominations(list) => {
            let Some(i) = voucher else { return Err(unsupported()) };
            if list.is_empty() {
                return Err(Refused::Invalid("denominations must not be empty".into()));
            }
            if list.iter().any(|(min, max, _)| min > max) {
                return Err(Refused::Invalid("min_value must not exceed max_value".into()));
            }
            st.catalog.vouchers[i].denominations = list
                .iter()
                .map(|(min, max, discount)| super::catalog::Denomination { min: *min, max: *max, discount: *discount })
                .collect();
            ("changed", seen_by(st))
        }
        ProductChange::VariantPrice { variant_id, amount } => {
            let variant = esim.and_then(|i| st.catalog.esim[i].variants.iter_mut().find(|v| v.id == *variant_id));
            let Some(v) = variant else {
                return Err(Refused::NotFound(format!("product {id} has no variant {variant_id}")));
            };
            v.amount = *amount;
            ("changed", seen_by(st))
        }
        ProductChange::Blacklist { client_id, blacklisted } => {
            let Some(account) = st.accounts.iter_mut().find(|a| a.client_id == *client_id) else {
                return Err(Refused::NotFound(format!("no account has client id {client_id}")));
            };
            let changed = if *blacklisted { account.blacklist.insert(id) } else { account.blacklist.remove(&id) };
            let told = if changed && !st.delisted.contains(&id) { vec![*client_id] } else { Vec::new() };
            (if *blacklisted { "delisted" } else { "added" }, told)
        }
    };
    if let Some(i) = voucher {
        let p = &mut st.catalog.vouchers[i];
        p.listed = p.json();
    }
    // `product.update` is documented for vouchers only.
    let told = if voucher.is_some() { told } else { Vec::new() };
    let queued =
        told.iter().filter(|client| st.emit(**client, "product.update", json!({"id": id, "change": what}))).count();
    Ok(json!({"id": id, "change": what, "events": queued}))
}

/// `POST /_emulator/webhooks` `{"client_id", "url", "secret"?}`: registers the account's receiver (loopback
/// `http` only) and answers its secret (drawn at random when not given).
pub async fn register_webhook(St(s): St<Shared>, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let (Some(client_id), Some(url)) = (body["client_id"].as_u64(), body["url"].as_str()) else {
        return bad_request("client_id and url are required");
    };
    let secret = match &body["secret"] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        _ => return bad_request("secret must be a string"),
    };
    match register(&mut lock(&s), client_id, url, secret) {
        Ok(v) => ok(v),
        Err(e) => e,
    }
}

/// Registers `client_id`'s receiver; answers its id, URL and secret.
pub fn register(st: &mut State, client_id: u64, url: &str, secret: Option<String>) -> Result<Value, Response> {
    if st.account(client_id).is_none() {
        return Err(not_found("No account has that client id"));
    }
    let secret = st.webhooks.register(client_id, url, secret).map_err(|e| bad_request(&e))?;
    Ok(json!({"id": format!("wh_{client_id}"), "client_id": client_id, "url": url, "secret": secret}))
}
