//! The conformance checks: named, stable, one rule each. They drive the generated client through the tap, so
//! a pass also proves the client. Each check lives in the file of its family:
//! - `paging.rs`: the six paging headers, their consistency with the body, walks and pages past the end;
//! - `errors.rs`: the error envelope with the documented status and code for each failure;
//! - `orders.rs`: body-status branching of the three verticals, and money (`ledger.rs` ties a refund to
//!   its order);
//! - `wire.rs`: every response against the spec's schemas, and request ids.

mod errors;
mod ledger;
mod orders;
mod paging;
mod wire;

pub use crate::control::Control;
use crate::emulator::{Outcome, Vertical};
use crate::tap::{Exchange, Tap};
use octopus_client::{ApiResponse, Client, Error};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A check that did not fail: it passed, with what it noticed on the way (spec drift, a step the host could
/// not offer).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub warnings: Vec<String>,
}

impl Verdict {
    pub fn pass() -> Result<Verdict, Failure> {
        Ok(Verdict { warnings: Vec::new() })
    }
}

/// A broken rule: which, on which operation, and the request id that shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub rule: &'static str,
    pub operation: String,
    pub request_id: Option<String>,
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.rule, self.operation)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// How a check that ran weaker for lack of a control surface begins its warning, so a run says exactly
/// which checks were weaker, and how to make them whole.
pub const NO_CONTROL: &str =
    "no control surface (against a standalone emulator, set OCTOPUS_EMULATOR_ADMIN_TOKEN to force outcomes)";

pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = Result<Verdict, Failure>> + Send + 'a>>;

/// What a check spends on a shared host, and so which flag a remote run needs before it runs the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spends {
    /// Reads and refused requests only, paced under the quotas.
    Nothing,
    /// Places orders, which debit a wallet: `--allow-orders`.
    Orders,
    /// Exhausts a per-minute quota on purpose, unpaced, which may throttle the account's other work:
    /// `--allow-load`.
    Quota,
}

impl Spends {
    /// Why a remote run skips a check of this kind, and how to run it; `None` when nothing is spent.
    pub fn skip_reason(self) -> Option<&'static str> {
        match self {
            Spends::Nothing => None,
            Spends::Orders => Some("places orders (spends wallet funds); pass --allow-orders to run it"),
            Spends::Quota => Some(
                "exhausts a per-minute quota on purpose (about 600 unpaced reads, which may throttle the \
                 account's other work for a minute); pass --allow-load to run it",
            ),
        }
    }

    /// The flag `--list-checks` shows next to the check.
    pub fn label(self) -> &'static str {
        match self {
            Spends::Nothing => "",
            Spends::Orders => " [places orders: --allow-orders]",
            Spends::Quota => " [exhausts a quota: --allow-load]",
        }
    }
}

/// One named check.
pub struct Check {
    pub id: &'static str,
    pub summary: &'static str,
    /// What it spends; anything but `Nothing` needs a flag on any host but the emulator.
    pub spends: Spends,
    pub run: for<'a> fn(&'a Ctx) -> CheckFuture<'a>,
}

/// Every check, in the order they run (quota-exhausting checks last: the rest would meet their 429s).
pub fn all() -> Vec<Check> {
    let mut checks = Vec::new();
    checks.extend(paging::checks());
    checks.extend(errors::checks());
    checks.extend(orders::checks());
    checks.extend(wire::checks());
    checks.sort_by_key(|c| c.spends == Spends::Quota);
    checks
}

/// What a check works with.
pub struct Ctx {
    /// The generated client, logged in, through the tap.
    pub client: Client,
    pub tap: Arc<Tap>,
    pub key: String,
    pub secret: String,
    pub control: Control,
    /// A product id the account is known to have blacklisted, when the host's setup is known.
    pub blacklisted_esim_product: Option<i64>,
    /// Makes `client_reference` values unique to this run.
    pub run_id: String,
    /// The scenario (check id) being run.
    pub scenario: String,
}

impl Ctx {
    pub fn has_control(&self) -> bool {
        self.control.available()
    }

    /// Forces how the order with this reference ends (nothing without a control surface); a control call
    /// that fails fails the check under `rule`.
    pub async fn force(
        &self,
        rule: &'static str,
        vertical: Vertical,
        outcome: Outcome,
        reference: &str,
    ) -> Result<(), Failure> {
        self.control
            .force(vertical, outcome, reference)
            .await
            .map_err(|e| fail(rule, "control", None, format!("cannot force the outcome: {e}")))
    }

    /// Installs a delivered eSIM on the emulated device.
    pub async fn install(&self, rule: &'static str, order_id: i64) -> Result<(), Failure> {
        self.control
            .install(order_id)
            .await
            .map_err(|e| fail(rule, "control", None, format!("cannot install the eSIM: {e}")))
    }

    /// A reference unique to this run and scenario.
    pub fn reference(&self, suffix: &str) -> String {
        format!("conf-{}-{}-{suffix}", self.run_id, self.scenario.replace('.', "-"))
    }

    /// The exchanges of this check so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.tap.exchanges(&self.scenario)
    }

    /// A client with other settings (no credentials, a fixed request id, no retries), through the same tap.
    pub fn client_builder(&self) -> octopus_client::ClientBuilder {
        Client::builder(self.tap.base_url.clone()).poll_interval_scale(0.01)
    }

    /// A client without credentials that never retries: what a check that wants the raw answer uses.
    pub fn raw_client(&self, rule: &'static str) -> Result<Client, Failure> {
        self.client_builder()
            .retry(octopus_client::RetryPolicy::none())
            .build()
            .map_err(|e| fail(rule, "build", None, e.to_string()))
    }
}

/// A failure of `rule` on `operation`.
pub fn fail(rule: &'static str, operation: &str, request_id: Option<&str>, message: impl Into<String>) -> Failure {
    Failure { rule, operation: operation.into(), request_id: request_id.map(str::to_string), message: message.into() }
}

/// The success of a call, or a failure of `rule` saying what came back instead.
pub fn expect_ok<T, E: fmt::Debug>(
    rule: &'static str,
    operation: &str,
    r: Result<ApiResponse<T>, Error<E>>,
) -> Result<ApiResponse<T>, Failure> {
    r.map_err(|e| {
        let id = e.request_id().map(str::to_string);
        Failure {
            rule,
            operation: operation.into(),
            request_id: id,
            message: format!("the call failed: {}", describe(&e)),
        }
    })
}

/// A short description of a client error: the status and at most 160 characters of the redacted body
/// excerpt (secret fields replaced), never the raw body.
pub fn describe<E: fmt::Debug>(e: &Error<E>) -> String {
    match e {
        Error::Api(a) => format!("HTTP {} ({})", a.status, a.excerpt.chars().take(160).collect::<String>()),
        Error::Transport(t) => format!("transport error: {}", t.source),
        Error::Timeout(_) => "timed out".into(),
        Error::Decode(d) => format!("the body does not match the spec at {}: {}", d.path, d.message),
        Error::InvalidRequest(m) => format!("invalid request: {m}"),
        _ => "unknown error".into(),
    }
}

/// Asserts the call failed with `status` and the error envelope carrying `code`.
pub fn expect_error<T: fmt::Debug>(
    rule: &'static str,
    operation: &str,
    r: Result<ApiResponse<T>, Error<octopus_client::models::ErrorEnvelope>>,
    status: u16,
    code: &str,
) -> Result<(), Failure> {
    let e = match r {
        Ok(resp) => {
            return Err(fail(
                rule,
                operation,
                resp.request_id.as_deref(),
                format!("expected HTTP {status} {code}, got HTTP {}", resp.status),
            ));
        }
        Err(Error::Api(e)) => e,
        Err(other) => {
            return Err(fail(
                rule,
                operation,
                other.request_id(),
                format!("expected HTTP {status} {code}, got {}", describe(&other)),
            ));
        }
    };
    let id = e.request_id.as_deref();
    if e.status != status {
        return Err(fail(rule, operation, id, format!("expected HTTP {status}, got HTTP {}", e.status)));
    }
    let Some(body) = &e.body else {
        return Err(fail(
            rule,
            operation,
            id,
            format!("HTTP {status} without the error envelope {{\"error\": {{name, code, message}}}}: {}", e.excerpt),
        ));
    };
    if body.error.code.as_str() != code {
        return Err(fail(rule, operation, id, format!("expected code {code}, got {}", body.error.code.as_str())));
    }
    if body.error.message.is_empty() || body.error.name.as_str().is_empty() {
        return Err(fail(rule, operation, id, "the envelope's name or message is empty"));
    }
    Ok(())
}
