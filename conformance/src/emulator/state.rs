//! The emulator's state and its ledger: wallets, orders and transactions. Every debit, refund and status
//! change happens here, under one lock, so an order and its money always move together.

use super::catalog::Catalog;
use super::http::{now, rfc3339};
use super::secret::Secrets;
use super::{Account, Break, Config, Outcome, Vertical};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Wallet {
    pub id: u64,
    pub client_id: u64,
    pub currency_id: u64,
    pub currency: &'static str,
    pub balance: Decimal,
    pub initial: Decimal,
}

/// One order of any vertical. `body` is the public JSON, kept current; the rest is bookkeeping.
#[derive(Debug, Clone)]
pub struct Order {
    pub vertical: Vertical,
    pub id: u64,
    pub client_id: u64,
    pub wallet: usize,
    /// What left the wallet, in its currency.
    pub debit: Decimal,
    pub reference: Option<String>,
    pub body: Value,
    /// A pending order's fate and when it is decided.
    pub plan: Option<(Instant, Outcome)>,
    /// Debit and refund transaction ids.
    pub transactions: Vec<u64>,
    /// Answered `PENDING` and settled in the background (which failure branch a rule break hits).
    pub background: bool,
}

#[derive(Debug)]
pub struct State {
    pub config: Config,
    pub signing_key: Vec<u8>,
    pub admin_token: String,
    pub accounts: Vec<Account>,
    pub wallets: Vec<Wallet>,
    pub catalog: Catalog,
    /// Token id → (client id, still valid).
    pub tokens: BTreeMap<String, (u64, bool)>,
    pub next_id: u64,
    pub orders: Vec<Order>,
    pub transactions: Vec<Value>,
    /// Outcomes forced through the control surface: by `client_reference`, then in order per vertical.
    pub forced_by_reference: HashMap<String, Outcome>,
    pub forced: HashMap<Vertical, VecDeque<Outcome>>,
    /// Requests per (client or peer, rate class) in the last minute.
    pub windows: HashMap<(String, &'static str), VecDeque<Instant>>,
    pub fault_rng: Option<super::catalog::Rng>,
    pub fault_counts: super::FaultCounts,
    /// Receivers and deliveries; `webhook_wake` wakes the delivery task when an event is queued.
    pub webhooks: super::webhooks::Webhooks,
    pub webhook_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Products taken off the catalog for everyone, and products sold out (control surface).
    pub delisted: std::collections::BTreeSet<u64>,
    pub sold_out: std::collections::BTreeSet<u64>,
}

impl State {
    pub fn new(config: Config, accounts: Vec<Account>, secrets: Secrets) -> State {
        let mut wallets = Vec::new();
        for (i, a) in accounts.iter().enumerate() {
            for (j, (currency_id, currency, balance)) in
                [(1, "USD", 10_000), (2, "EUR", 5_000), (3, "INR", 500_000)].into_iter().enumerate()
            {
                let balance = Decimal::from(balance);
                wallets.push(Wallet {
                    id: (i * 10 + j + 1) as u64,
                    client_id: a.client_id,
                    currency_id,
                    currency,
                    balance,
                    initial: balance,
                });
            }
        }
        State {
            signing_key: secrets.signing_key,
            admin_token: secrets.admin_token,
            catalog: Catalog::generate(config.seed, config.extra_vouchers),
            config,
            accounts,
            wallets,
            tokens: BTreeMap::new(),
            next_id: 9_302_480,
            orders: Vec::new(),
            transactions: Vec::new(),
            forced_by_reference: HashMap::new(),
            forced: HashMap::new(),
            windows: HashMap::new(),
            fault_rng: None,
            fault_counts: Default::default(),
            webhooks: Default::default(),
            webhook_wake: Default::default(),
            delisted: Default::default(),
            sold_out: Default::default(),
        }
    }

    pub fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn breaks(&self, b: Break) -> bool {
        self.config.breaks.contains(&b)
    }

    pub fn account(&self, client_id: u64) -> Option<&Account> {
        self.accounts.iter().find(|a| a.client_id == client_id)
    }

    /// Whether a product is hidden from a client: blacklisted for it, or delisted for everyone. Hidden
    /// products are in no list, and their reads and orders answer `404`.
    pub fn blacklisted(&self, client_id: u64, product_id: u64) -> bool {
        self.delisted.contains(&product_id)
            || (!self.breaks(Break::BlacklistVisible)
                && self.account(client_id).is_some_and(|a| a.blacklist.contains(&product_id)))
    }

    /// The outcome the next order of `vertical` for `product_id` with this reference gets: sold out when the
    /// product is, else the one forced, if any.
    pub fn take_forced(&mut self, vertical: Vertical, product_id: u64, reference: Option<&str>) -> Option<Outcome> {
        if self.sold_out.contains(&product_id) {
            return Some(Outcome::SoldOut);
        }
        if let Some(o) = reference.and_then(|r| self.forced_by_reference.remove(r)) {
            return Some(o);
        }
        self.forced.get_mut(&vertical).and_then(VecDeque::pop_front)
    }

    /// The wallet an order debits: the one named, else the one in `currency`, else (topups and eSIM) the
    /// client's default USD wallet.
    pub fn pick_wallet(
        &self,
        client_id: u64,
        wallet_id: Option<u64>,
        currency: &str,
        fallback: bool,
    ) -> Result<usize, String> {
        let mine = |w: &&Wallet| w.client_id == client_id;
        let found = match wallet_id {
            Some(id) => self.wallets.iter().position(|w| mine(&w) && w.id == id).ok_or("Wallet not found"),
            None => self
                .wallets
                .iter()
                .position(|w| mine(&w) && w.currency == currency)
                .or_else(|| {
                    fallback.then(|| self.wallets.iter().position(|w| mine(&w) && w.currency == "USD")).flatten()
                })
                .ok_or("No wallet in the product's currency"),
        };
        found.map_err(str::to_string)
    }

    /// Records a ledger entry and moves the balance.
    fn post(&mut self, wallet: usize, amount: Decimal, kind: &str, remarks: String, order_id: u64) -> u64 {
        let id = self.id();
        let w = &mut self.wallets[wallet];
        if kind == "DEBIT" {
            w.balance -= amount;
        } else {
            w.balance += amount;
        }
        let (wallet_id, currency_id, client, currency, balance) =
            (w.id, w.currency_id, w.client_id, w.currency, w.balance);
        let event = if kind == "DEBIT" { "wallet.debited" } else { "wallet.credited" };
        self.emit(
            client,
            event,
            json!({"wallet_id": wallet_id, "transaction_id": id, "amount": amount, "currency": currency,
                   "balance": balance, "order_id": order_id}),
        );
        self.transactions.push(json!({
            "id": id, "wallet_id": wallet_id, "currency_id": currency_id, "amount": amount, "transaction_type": kind,
            "status": "COMPLETED", "source_currency": null, "destination_currency": null, "forex_rate": null,
            "conversion_charges": null, "remarks": remarks, "created_at": rfc3339(now()),
            "_client": client, "_order": order_id
        }));
        id
    }

    /// Debits `amount` for a new order, refusing what a prepaid wallet cannot cover. Returns the order id
    /// and the debit's transaction id.
    pub fn debit(&mut self, wallet: usize, amount: Decimal) -> Result<(u64, u64), String> {
        if self.wallets[wallet].balance < amount {
            return Err("Insufficient wallet balance".into());
        }
        let order_id = self.id();
        let currency = self.wallets[wallet].currency;
        let memo = format!("{currency} Wallet debited by amount {amount} - Order #{order_id}");
        let txn = self.post(wallet, amount, "DEBIT", memo, order_id);
        Ok((order_id, txn))
    }

    /// Credits back `amount` of an order, as its own transaction.
    pub fn refund(&mut self, index: usize, amount: Decimal) {
        if amount <= Decimal::ZERO {
            return;
        }
        let (wallet, order_id) = (self.orders[index].wallet, self.orders[index].id);
        let currency = self.wallets[wallet].currency;
        let memo = format!("{currency} Wallet credited by amount {amount} - Refund for Order #{order_id}");
        let txn = self.post(wallet, amount, "CREDIT", memo, order_id);
        self.orders[index].transactions.push(txn);
        if self.breaks(Break::RefundFailed) {
            // Recorded, but no money came back.
            self.wallets[wallet].balance -= amount;
            if let Some(t) = self.transactions.last_mut() {
                t["status"] = json!("FAILED");
            }
        }
    }

    /// Decides every pending order whose time has come. Called before each request is served.
    pub fn settle(&mut self, at: Instant) {
        if self.breaks(Break::PendingNeverSettles) {
            return;
        }
        for i in 0..self.orders.len() {
            if let Some((due, outcome)) = self.orders[i].plan
                && due <= at
            {
                self.orders[i].plan = None;
                self.finish(i, outcome);
            }
        }
    }

    /// Moves an order to the terminal status `outcome` leads to, refunding what was not delivered.
    pub fn finish(&mut self, index: usize, outcome: Outcome) {
        let vertical = self.orders[index].vertical;
        let debit = self.orders[index].debit;
        let quantity = self.orders[index].body["quantity"].as_u64().unwrap_or(1);
        // Part of a single code cannot be delivered: an order of one (every eSIM and topup) forced to end
        // partially is delivered whole.
        let outcome = if outcome == Outcome::PartiallyDelivered && quantity < 2 { Outcome::Delivered } else { outcome };
        let stamp = rfc3339(now());
        let status = match outcome {
            Outcome::Delivered | Outcome::PendingThenDelivered => "DELIVERED",
            Outcome::PartiallyDelivered => "PARTIALLY_DELIVERED",
            Outcome::Failed | Outcome::PendingThenFailed | Outcome::SoldOut => "FAILED",
            Outcome::Cancelled => "CANCELLED",
        };
        {
            let o = &mut self.orders[index];
            o.body["status"] = json!(status);
            if vertical == Vertical::Topups {
                o.body["completed_at"] = json!(stamp);
            }
        }
        match status {
            "DELIVERED" => self.deliver(index, None),
            "PARTIALLY_DELIVERED" => {
                let delivered = quantity / 2;
                self.deliver(index, Some(delivered));
                let share = (debit * Decimal::from(quantity - delivered) / Decimal::from(quantity)).round_dp(4);
                self.refund(index, share);
            }
            _ => {
                let user_fixable = outcome == Outcome::Failed;
                let o = &mut self.orders[index].body;
                if status == "FAILED" {
                    let (code, reason) = match (vertical, user_fixable) {
                        (Vertical::Topups, true) => {
                            ("INVALID_RECIPIENT", "The player id or phone number was not recognised.")
                        }
                        (Vertical::Esim, true) => {
                            ("DEVICE_NOT_SUPPORTED", "This plan cannot be issued for the selected device.")
                        }
                        (_, true) => ("INVALID_REQUEST", "The order could not be fulfilled as requested."),
                        (_, false) => ("OUT_OF_STOCK", "The product is temporarily unavailable. You were refunded."),
                    };
                    if vertical != Vertical::Vouchers {
                        o["failure_code"] = json!(code);
                        o["failure_reason"] = json!(reason);
                        o["is_user_fixable"] = json!(user_fixable);
                    } else {
                        o["message"] = json!(reason);
                    }
                }
                o["status_text"] =
                    json!(if status == "FAILED" { "Order failed; refunded" } else { "Order cancelled; refunded" });
                // A rule break withholds the refund of one failure branch alone: at once, or after PENDING.
                let branch = if self.orders[index].background {
                    Break::FailedAfterPendingNotRefunded
                } else {
                    Break::FailedAtOnceNotRefunded
                };
                if !(status == "FAILED" && self.breaks(branch)) {
                    self.refund(index, debit);
                }
            }
        }
        self.order_event(index);
    }

    /// Queues the `order.*` event of a voucher order that reached a terminal status (the documented order
    /// events are voucher events; the payload never carries codes).
    fn order_event(&mut self, index: usize) {
        let o = &self.orders[index];
        if o.vertical != Vertical::Vouchers {
            return;
        }
        let b = &o.body;
        let status = b["status"].as_str().unwrap_or("").to_ascii_lowercase();
        let delivered = b["vouchers"].as_array().map_or(0, Vec::len);
        let mut data = json!({
            "id": o.id, "status": b["status"], "product_name": b["product_name"],
            "denomination": b["denomination"], "quantity": b["quantity"], "amount": b["amount"],
            "delivered_quantity": delivered, "delivered_on": rfc3339(now()), "created_at": rfc3339(now()),
        });
        // `reference_code` is a string when present (the order's `client_reference`), never `null`.
        if let Some(r) = &o.reference {
            data["reference_code"] = json!(r);
        }
        let client = o.client_id;
        self.emit(client, &format!("order.{status}"), data);
    }

    /// Marks an order delivered: codes for vouchers (all or `count`), the eSIM credentials.
    fn deliver(&mut self, index: usize, count: Option<u64>) {
        let id = self.orders[index].id;
        let debit_txn = self.orders[index].transactions.first().copied();
        let vertical = self.orders[index].vertical;
        let o = &mut self.orders[index].body;
        match vertical {
            Vertical::Vouchers => {
                let quantity = o["quantity"].as_u64().unwrap_or(1);
                let url = o["_mode"] == "URL";
                let vouchers: Vec<Value> = (0..count.unwrap_or(quantity))
                    .map(|n| {
                        let code = format!("EMU{id:X}{n:03}");
                        json!({
                            "card_number": if url { Value::Null } else { json!(code) },
                            "pin_code": if url { Value::Null } else { json!(format!("{:04}", (id * 7 + n * 13) % 10_000)) },
                            "claim_url": if url { json!(format!("https://claim.emulator.test/{code}")) } else { Value::Null },
                            "expires_at": rfc3339(now() + 365 * 86_400),
                            "voucher_reference_number": format!("VRN-{id}-{n}"),
                        })
                    })
                    .collect();
                o["vouchers"] = Value::Array(vouchers);
            }
            Vertical::Topups => {
                o["status_text"] = json!("Top-up delivered");
                if let Some(t) = debit_txn {
                    o["transaction_id"] = json!(t);
                }
            }
            Vertical::Esim => {
                o["status_text"] = json!("eSIM delivered");
                o["activation_code"] = json!(format!("LPA:1$rsp.emulator.test${id:X}"));
                o["iccid"] = json!(format!("89103000{id:011}"));
                o["activation_status"] = json!("NOT_INSTALLED");
                o["is_installed"] = json!(false);
                o["installed_at"] = Value::Null;
                o["activated_at"] = Value::Null;
            }
        }
    }

    /// An order as the API shows it: internal fields gone, and the eSIM activation code only where shown.
    pub fn public(&self, order: &Order, in_list: bool) -> Value {
        let mut v = order.body.clone();
        if let Some(m) = v.as_object_mut() {
            m.retain(|k, _| !k.starts_with('_'));
            let installed = m.get("is_installed") == Some(&Value::Bool(true));
            let hide = if in_list {
                !self.breaks(Break::ActivationCodeInList)
            } else {
                installed && !self.breaks(Break::ActivationCodeAfterInstall)
            };
            if hide {
                m.remove("activation_code");
                if installed || in_list {
                    m.remove("iccid");
                }
            }
        }
        v
    }
}
