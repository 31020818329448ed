//! An embedded, stateful stand-in for the Octopus Cards sandbox, written from the spec and the documents
//! (never from the generated client, so a generator bug cannot hide on both sides).
//!
//! All 39 endpoints, with state: HS256 JWTs with refresh rotation and logout; two accounts with wallets in
//! three currencies, blacklists, feature flags and an optional IP allow-list; a seeded catalog of 1,101
//! voucher, 330 topup and 162 eSIM products; both paging styles; the charges math with FX; orders that debit
//! first and refund failures as separate transactions; the eSIM install lifecycle; per-minute rate limits.
//!
//! Beyond the API, and kept off its surface:
//! - [`Outcome`]s are forced per vertical or per `client_reference` through [`Emulator::force`] or the
//!   admin route `POST /_emulator/outcomes` (header `X-Emulator-Admin`, see [`Emulator::admin_token`]).
//! - [`FaultProfile`] injects latency, `5xx`, `429`, resets, truncated bodies and wrong headers.
//! - [`Break`]s make the emulator violate one documented rule, to prove each conformance check can fail.
//! - [`ProductChange`]s delist, blacklist, sell out and re-price products during a test
//!   ([`Emulator::change_product`], `POST /_emulator/catalog/products/{id}`), and registered receivers get
//!   signed webhook deliveries, retried with backoff ([`Emulator::register_webhook`], `POST /_emulator/webhooks`).

// Helpers return `Err(Response)` to answer early with a ready error; it is built once, on the error path, so
// its size does not matter.
#![allow(clippy::result_large_err)]

mod auth;
mod catalog;
mod control;
mod esim;
mod faults;
mod http;
pub mod jwt;
mod money;
mod orders;
mod reference;
mod secret;
mod state;
mod topups;
mod vouchers;
mod wallets;
mod webhooks;

pub use catalog::Rng;
pub use control::ProductChange;
pub use faults::{FaultCounts, FaultKind, FaultProfile};
pub use http::rfc3339;

use axum::Router;
use axum::middleware;
use axum::routing::{get, patch, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How an emulator behaves. `Default` is the documented sandbox.
#[derive(Debug, Clone)]
pub struct Config {
    /// Drives the generated catalog: the same seed gives the same products.
    pub seed: u64,
    pub access_ttl_secs: i64,
    pub refresh_ttl_secs: i64,
    /// How long an eSIM order may wait inline before it answers `PENDING` (documented: 60 s).
    pub inline_deadline: Duration,
    /// How long a `PENDING` order takes to settle after it is answered.
    pub fulfilment_delay: Duration,
    /// The documented per-minute limits times this; `None` turns them off.
    pub rate_limit_scale: Option<f64>,
    pub faults: Option<FaultProfile>,
    /// A fixed delay added to every API request (benchmarks of paging against a slow host).
    pub latency: Duration,
    /// Voucher products generated beyond the standard 1,101 (benchmarks of long catalog walks).
    pub extra_vouchers: usize,
    /// Documented rules this emulator breaks on purpose (for proving the checks).
    pub breaks: BTreeSet<Break>,
    pub accounts: Vec<Account>,
    /// The control surface's admin token; `None` draws a random one at every start.
    pub admin_token: Option<String>,
    /// The key that signs the JWTs; `None` draws 32 random bytes at every start.
    pub signing_key: Option<Vec<u8>>,
    /// The waits before each retry of a webhook delivery that got no 2xx (then it is given up).
    pub webhook_retries: Vec<Duration>,
}

impl Default for Config {
    /// Token lifetimes and the eSIM inline deadline as the spec declares them (`x-token-lifecycle`,
    /// `x-inline-wait-seconds`).
    fn default() -> Self {
        let spec = crate::spec::Spec::embedded();
        let (access, refresh) = spec.token_lifetimes;
        let inline = spec.by_id("create_esim_order").and_then(|o| o.inline_wait_secs);
        Config {
            seed: 1,
            access_ttl_secs: access.map_or(3600, |s| s as i64),
            refresh_ttl_secs: refresh.map_or(7 * 86_400, |s| s as i64),
            inline_deadline: Duration::from_secs(inline.unwrap_or(60)),
            fulfilment_delay: Duration::from_secs(5),
            rate_limit_scale: Some(1.0),
            faults: None,
            latency: Duration::ZERO,
            extra_vouchers: 0,
            breaks: BTreeSet::new(),
            accounts: default_accounts(),
            admin_token: None,
            signing_key: None,
            webhook_retries: [10, 60, 300, 1800, 7200].map(Duration::from_secs).to_vec(),
        }
    }
}

impl Config {
    /// Short waits for tests and the conformance suite: 50 ms inline deadline, 100 ms fulfilment, webhook
    /// retries after 20, 40 and 80 ms.
    pub fn fast() -> Config {
        Config {
            inline_deadline: Duration::from_millis(50),
            fulfilment_delay: Duration::from_millis(100),
            webhook_retries: [20, 40, 80].map(Duration::from_millis).to_vec(),
            ..Config::default()
        }
    }

    pub fn with_break(mut self, b: Break) -> Config {
        self.breaks.insert(b);
        self
    }
}

/// A client account with its own credentials, wallets, blacklist and features.
#[derive(Debug, Clone)]
pub struct Account {
    pub client_id: u64,
    pub key: String,
    pub secret: String,
    pub vouchers_enabled: bool,
    pub blacklist: BTreeSet<u64>,
    /// When set, requests from other addresses get `403`, login and refresh included (`10.0.0.0/8`, or one
    /// address: `127.0.0.1`).
    pub allowed_ips: Option<Vec<Cidr>>,
}

/// An IP allow-list entry: a CIDR range (`10.0.0.0/8`, `2001:db8::/32`) or a single address (`127.0.0.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub network: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// Whether `ip` is in the range (an IPv4 range never holds an IPv6 address, nor the other way round,
    /// except an IPv4-mapped IPv6 address, which is compared as the IPv4 address it maps).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let bits = |a: IpAddr| -> (u128, u8) {
            match a {
                IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
                IpAddr::V6(v) => (u128::from(v), 128),
            }
        };
        let ((net, width), (addr, addr_width)) = (bits(self.network), bits(ip));
        if width != addr_width {
            return false;
        }
        let shift = u32::from(width - self.prefix.min(width));
        net.checked_shr(shift).unwrap_or(0) == addr.checked_shr(shift).unwrap_or(0)
    }
}

impl std::str::FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network: IpAddr = addr.trim().parse().map_err(|_| format!("not an IP address: {addr:?}"))?;
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| format!("not a prefix length from 0 to {width}: {p:?}"))?,
        };
        Ok(Cidr { network, prefix })
    }
}

/// The two built-in accounts: the first has every feature and blacklists eSIM product 1003; the second has
/// no vouchers and blacklists the global eSIM product, voucher 2001 and topup 4219.
pub fn default_accounts() -> Vec<Account> {
    vec![
        Account {
            client_id: 42,
            key: "emulator-key-42".into(),
            secret: "emulator-secret-42".into(),
            vouchers_enabled: true,
            blacklist: BTreeSet::from([1003]),
            allowed_ips: None,
        },
        Account {
            client_id: 43,
            key: "emulator-key-43".into(),
            secret: "emulator-secret-43".into(),
            vouchers_enabled: false,
            blacklist: BTreeSet::from([904, 2001, 4219]),
            allowed_ips: None,
        },
    ]
}

/// The three order verticals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Vertical {
    Vouchers,
    Topups,
    Esim,
}

impl Vertical {
    /// The vertical a route's const parameter names (`Vertical::X as u8`).
    pub const fn from_u8(v: u8) -> Vertical {
        match v {
            0 => Vertical::Vouchers,
            1 => Vertical::Topups,
            _ => Vertical::Esim,
        }
    }
}

/// How a forced order ends. Inline or asynchronous is still the vertical's documented rule (vouchers: the
/// quantity; eSIM: outcomes that start `PENDING` wait out the inline deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Delivered at once.
    Delivered,
    /// `PENDING`, then `DELIVERED`.
    PendingThenDelivered,
    /// `PENDING`, then `FAILED` (not user-fixable) and refunded.
    PendingThenFailed,
    /// `FAILED` at once, user-fixable, and refunded.
    Failed,
    /// Vouchers of quantity 2 or more: half the codes (rounded down) delivered, the rest refunded. An order of
    /// one cannot be split, so it is delivered whole (and the control route refuses it for other verticals).
    PartiallyDelivered,
    /// `PENDING`, then `CANCELLED` and refunded.
    Cancelled,
    /// The product is sold out: `FAILED` (`OUT_OF_STOCK`, not user-fixable) and refunded. What every order of
    /// a product sold out through the control surface gets.
    SoldOut,
}

/// A documented rule the emulator can be told to break. Each one makes exactly one conformance check fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Break {
    PagingHeaderMissing,
    PagingPageSizeWrong,
    PagingHasMoreWrong,
    PagingOverlap,
    PagingPastEndNotEmpty,
    PageSizeUnchecked,
    ErrorEnvelopeMalformed,
    BadIdNotFound,
    NoTokenAccepted,
    RevokedRefreshAccepted,
    BlacklistVisible,
    DuplicateReferenceAccepted,
    RateLimitWithoutRetryAfter,
    /// A `FAILED` order answered so at once is not refunded.
    FailedAtOnceNotRefunded,
    /// A `FAILED` order that was answered `PENDING` first is not refunded.
    FailedAfterPendingNotRefunded,
    /// Every refund is recorded with the status `FAILED`, and no money comes back.
    RefundFailed,
    VoucherModeWrong,
    PendingNeverSettles,
    ActivationCodeAfterInstall,
    ActivationCodeInList,
    SchemaMissingRequired,
    SchemaWrongType,
    SchemaUndocumentedField,
    RequestIdNotEchoed,
    RequestIdMissing,
    OrderAmountDrift,
    ChargesMathWrong,
    /// `net_amount` and `total_payable` rounded half-up to cents (the documents round nothing).
    ChargesRounded,
    /// `discount_amount` rounded half-up to cents, and the rest of the charges consistent with it.
    ChargesDiscountRounded,
}

pub(crate) type Shared = Arc<Mutex<state::State>>;

/// Locks the state and settles every pending order that is due, so each request sees the present.
pub(crate) fn lock(s: &Shared) -> MutexGuard<'_, state::State> {
    let mut st = s.lock().unwrap_or_else(|p| p.into_inner());
    st.settle(Instant::now());
    st
}

fn router(state: Shared) -> Router {
    let breaks = {
        let st = lock(&state);
        http::RequestIdBreaks {
            not_echoed: st.breaks(Break::RequestIdNotEchoed),
            missing: st.breaks(Break::RequestIdMissing),
        }
    };
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/api/v1/products", get(vouchers::products))
        .route("/api/v1/products/{id}", get(vouchers::product))
        .route("/api/v1/products/{id}/availability", post(vouchers::availability))
        .route("/api/v1/products/{id}/charges", post(vouchers::charges))
        .route("/api/v1/orders", post(vouchers::create_order).get(vouchers::list_orders))
        .route("/api/v1/orders/{id}", get(orders::get_order::<{ Vertical::Vouchers as u8 }>))
        .route("/api/v1/topups/products", get(topups::products))
        .route("/api/v1/topups/products/{id}", get(topups::product))
        .route("/api/v1/topups/products/{id}/variants", get(topups::variants))
        .route("/api/v1/topups/variants/{id}", get(topups::variant))
        .route("/api/v1/topups/lookup", post(topups::lookup))
        .route("/api/v1/topups/charges", post(topups::charges))
        .route("/api/v1/topups/orders", post(topups::create_order).get(topups::list_orders))
        .route("/api/v1/topups/orders/{id}", get(orders::get_order::<{ Vertical::Topups as u8 }>))
        .route(
            "/api/v1/topups/orders/{id}/notification-email",
            patch(orders::order_email::<{ Vertical::Topups as u8 }>),
        )
        .route("/api/v1/esim/products", get(esim::products))
        .route("/api/v1/esim/products/{id}", get(esim::product))
        .route("/api/v1/esim/products/{id}/variants", get(esim::variants))
        .route("/api/v1/esim/variants/{id}", get(esim::variant))
        .route("/api/v1/esim/charges", post(esim::charges))
        .route("/api/v1/esim/orders", post(esim::create_order).get(esim::list_orders))
        .route("/api/v1/esim/orders/{id}", get(orders::get_order::<{ Vertical::Esim as u8 }>))
        .route("/api/v1/esim/orders/{id}/notification-email", patch(orders::order_email::<{ Vertical::Esim as u8 }>))
        .route("/api/v1/wallets", get(wallets::wallets))
        .route("/api/v1/transactions", get(wallets::transactions))
        .route("/api/v1/transactions/{id}", get(wallets::transaction))
        .route("/api/v1/countries", get(reference::countries))
        .route("/api/v1/countries/{id}", get(reference::country))
        .route("/api/v1/currencies", get(reference::currencies))
        .route("/api/v1/categories", get(reference::categories))
        .route("/api/v1/categories/{id}", get(reference::category))
        .route("/api/v1/subcategories", get(reference::subcategories))
        .route("/api/v1/subcategories/{id}", get(reference::subcategory))
        .fallback(|| async { http::not_found("Route not found") })
        .method_not_allowed_fallback(|| async {
            http::err(405, "BadRequestError", "METHOD_NOT_ALLOWED", "Method not allowed")
        })
        .layer(middleware::from_fn_with_state(state.clone(), auth::gate));
    let control = Router::new()
        .route("/_emulator/outcomes", post(control::force))
        .route("/_emulator/esim/orders/{id}/{action}", post(control::lifecycle))
        .route("/_emulator/settle", post(control::settle))
        .route("/_emulator/ledger", get(control::ledger))
        .route("/_emulator/setup", get(control::setup))
        .route("/_emulator/catalog/products/{id}", post(control::change_product))
        .route("/_emulator/webhooks", post(control::register_webhook))
        .layer(middleware::from_fn_with_state(state.clone(), control::admin_only));
    Router::new()
        .merge(control)
        .merge(api)
        .layer(middleware::from_fn_with_state(state.clone(), faults::inject))
        .layer(middleware::from_fn(move |req, next| http::request_id(breaks, req, next)))
        .with_state(state)
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    pub base_url: String,
    pub accounts: Vec<Account>,
    state: Shared,
    handle: tokio::task::JoinHandle<()>,
    /// The webhook delivery task.
    deliveries: tokio::task::JoinHandle<()>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.handle.abort();
        self.deliveries.abort();
    }
}

impl Emulator {
    /// Starts on a random loopback port.
    pub async fn start(config: Config) -> std::io::Result<Emulator> {
        Self::start_on("127.0.0.1:0", config).await
    }

    /// Starts on `addr`; an explicit empty admin token or signing key is refused (`InvalidInput`).
    pub async fn start_on(addr: &str, config: Config) -> std::io::Result<Emulator> {
        let accounts = config.accounts.clone();
        let secrets = secret::Secrets::of(&config)?;
        let state = Arc::new(Mutex::new(state::State::new(config, accounts.clone(), secrets)));
        let (local, handle) = crate::serve::bind(addr, router(state.clone())).await?;
        let deliveries = tokio::spawn(webhooks::run(state.clone()));
        Ok(Emulator { base_url: format!("http://{local}"), accounts, state, handle, deliveries })
    }

    /// The token the `/_emulator/` control routes need in `X-Emulator-Admin`: random at every start, unless
    /// [`Config::admin_token`] gives it.
    pub fn admin_token(&self) -> String {
        lock(&self.state).admin_token.clone()
    }

    /// Forces how the next order of `vertical` (or the one with `client_reference`) ends.
    pub fn force(&self, vertical: Vertical, outcome: Outcome, client_reference: Option<&str>) {
        let mut st = lock(&self.state);
        match client_reference {
            Some(r) => {
                st.forced_by_reference.insert(r.to_string(), outcome);
            }
            None => st.forced.entry(vertical).or_default().push_back(outcome),
        }
    }

    /// Installs a delivered eSIM on the emulated device (what `POST /_emulator/esim/orders/{id}/install` does).
    pub fn install(&self, order_id: u64) -> bool {
        control::step(&mut lock(&self.state), order_id, "install").is_ok()
    }

    /// The account behind an API key, as a conformance run needs it (what `GET /_emulator/setup` answers).
    pub fn setup(&self, key: &str) -> Option<Value> {
        control::setup_json(&lock(&self.state), key)
    }

    /// Every wallet, order and transaction (what `GET /_emulator/ledger` answers).
    pub fn ledger(&self) -> Value {
        control::ledger_json(&lock(&self.state))
    }

    /// Replaces a client's IP allow-list (`None`: every address); `false` when no account has that id.
    pub fn set_allowed_ips(&self, client_id: u64, ranges: Option<Vec<Cidr>>) -> bool {
        let mut st = lock(&self.state);
        let Some(account) = st.accounts.iter_mut().find(|a| a.client_id == client_id) else { return false };
        account.allowed_ips = ranges;
        true
    }

    /// Changes one product of the catalog (what `POST /_emulator/catalog/products/{id}` does): delist or
    /// relist it, sell it out, re-price it, blacklist it for one account. Voucher changes queue `product.update`
    /// deliveries. `Err` says why the change was refused, as the control route's message does.
    pub fn change_product(&self, product_id: u64, change: ProductChange) -> Result<Value, String> {
        control::apply_change(&mut lock(&self.state), product_id, change).map_err(|e| e.to_string())
    }

    /// Registers `client_id`'s webhook receiver (what `POST /_emulator/webhooks` does): loopback `http` only.
    /// Answers the signing secret (random unless given).
    pub fn register_webhook(&self, client_id: u64, url: &str, secret: Option<&str>) -> Result<String, String> {
        let mut st = lock(&self.state);
        if st.account(client_id).is_none() {
            return Err(format!("no account has client id {client_id}"));
        }
        st.webhooks.register(client_id, url, secret.map(str::to_string))
    }

    /// What the fault profile injected so far.
    pub fn fault_counts(&self) -> FaultCounts {
        lock(&self.state).fault_counts.clone()
    }

    /// Changes the fault profile of a running emulator (`None` turns faults off).
    pub fn set_faults(&self, faults: Option<FaultProfile>) {
        let mut st = lock(&self.state);
        st.config.faults = faults;
        st.fault_rng = None;
    }
}
