//! An embedded, stateful stand-in for the Octopus Cards sandbox, written from the spec and the documents
//! (never from the generated client, so a generator bug cannot hide on both sides).
//!
//! Emulated so far: auth (HS256 JWTs, refresh rotation, logout revoking every token), request ids,
//! reference data, the eSIM vertical (catalog, charges, orders with wallet debits and `client_reference`
//! uniqueness) and wallets with their ledger. Every other route answers `501` with the error envelope and
//! says it is not emulated yet. Outcome control, rate limits, fault injection and the voucher and topup
//! verticals are the rest of issue 5.

mod catalog;
mod jwt;
mod routes;

pub use routes::rfc3339;

use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How an emulator behaves. `Default` is the documented sandbox.
#[derive(Debug, Clone)]
pub struct Config {
    /// Drives the generated catalog: the same seed gives the same products.
    pub seed: u64,
    pub access_ttl_secs: i64,
    pub refresh_ttl_secs: i64,
    /// How long an eSIM order may wait inline before it answers `PENDING` (documented: 60 s).
    pub inline_deadline: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 1,
            access_ttl_secs: 3600,
            refresh_ttl_secs: 7 * 86_400,
            inline_deadline: Duration::from_secs(60),
        }
    }
}

/// A client account with its own credentials, wallets and blacklist.
#[derive(Debug, Clone)]
pub struct Account {
    pub client_id: u64,
    pub key: String,
    pub secret: String,
    pub vouchers_enabled: bool,
    pub blacklist: BTreeSet<u64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Wallet {
    pub id: u64,
    pub client_id: u64,
    pub currency_id: u64,
    pub currency: &'static str,
    pub balance: Decimal,
}

/// The emulator's whole state; one lock, so every debit and its order are one step.
#[derive(Debug)]
pub(crate) struct State {
    pub config: Config,
    pub signing_key: Vec<u8>,
    pub accounts: Vec<Account>,
    pub wallets: Vec<Wallet>,
    pub catalog: catalog::Catalog,
    /// Token id → (client id, is refresh, still valid).
    pub tokens: BTreeMap<String, (u64, bool, bool)>,
    pub next_id: u64,
    pub orders: Vec<Value>,
    pub transactions: Vec<Value>,
}

pub(crate) type Shared = Arc<Mutex<State>>;

/// A running emulator.
pub struct Emulator {
    pub base_url: String,
    pub accounts: Vec<Account>,
    handle: tokio::task::JoinHandle<()>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// The two built-in accounts: the first has every feature; the second has no vouchers and blacklists the
/// global eSIM product.
pub fn default_accounts() -> Vec<Account> {
    vec![
        Account {
            client_id: 42,
            key: "emulator-key-42".into(),
            secret: "emulator-secret-42".into(),
            vouchers_enabled: true,
            blacklist: BTreeSet::new(),
        },
        Account {
            client_id: 43,
            key: "emulator-key-43".into(),
            secret: "emulator-secret-43".into(),
            vouchers_enabled: false,
            blacklist: BTreeSet::from([904]),
        },
    ]
}

impl Emulator {
    /// Starts on a random loopback port.
    pub async fn start(config: Config) -> std::io::Result<Emulator> {
        Self::start_on("127.0.0.1:0", config).await
    }

    pub async fn start_on(addr: &str, config: Config) -> std::io::Result<Emulator> {
        let accounts = default_accounts();
        let mut wallets = Vec::new();
        for (i, a) in accounts.iter().enumerate() {
            for (j, (currency_id, currency, balance)) in
                [(1, "USD", 10_000), (2, "EUR", 5_000), (3, "INR", 500_000)].into_iter().enumerate()
            {
                wallets.push(Wallet {
                    id: (i * 10 + j + 1) as u64,
                    client_id: a.client_id,
                    currency_id,
                    currency,
                    balance: Decimal::from(balance),
                });
            }
        }
        let state = State {
            signing_key: format!("emulator-signing-key-{}", config.seed).into_bytes(),
            catalog: catalog::Catalog::generate(config.seed),
            config,
            accounts: accounts.clone(),
            wallets,
            tokens: BTreeMap::new(),
            next_id: 9_302_481,
            orders: Vec::new(),
            transactions: Vec::new(),
        };
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let app = routes::router(Arc::new(Mutex::new(state)));
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Emulator { base_url, accounts, handle })
    }
}
