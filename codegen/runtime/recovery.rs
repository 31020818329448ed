//! Idempotent creates (the spec's `x-idempotency`). A create carrying its reference that the server refuses
//! as a duplicate is answered with the order that reference names: found in the lookup list by the exact
//! reference (paging when needed), read back whole by id, and proven to be this request's (the fields
//! `x-idempotency.match` lists). Otherwise it ends in a typed error that says what is known: never another
//! order, and never a plain `400` for an order that may be paid.
//!
//! It makes no difference who placed the order: an earlier attempt of this call whose answer was lost, an
//! earlier call the caller repeats, or another process after a crash.

use crate::client::{Client, Idempotency, OperationInfo, Paging, RawResponse, fill_path, new_request_id};
use crate::error::{DuplicateUnresolved, Error, ReferenceConflict, SendError};
use crate::retry::RetryPolicy;
use serde_json::Value;
use std::convert::Infallible;
use std::sync::Mutex;

/// Pages of the lookup list read at most: enough for a host that honours the reference filter (one page)
/// and for one that ignores it on a young account; past it the order is reported unresolved, not guessed.
const MAX_PAGES: u64 = 10;
/// Attempts per lookup request at least, whatever the call's own policy: a read is always safe to repeat,
/// and giving up leaves the caller not knowing whether it paid.
const MIN_ATTEMPTS: u32 = 6;

/// A create that was refused, with what its recovery needs.
pub(crate) struct Asked<'a> {
    pub op: &'static OperationInfo,
    pub idempotency: Idempotency,
    pub reference: String,
    pub request: &'a reqwest::Request,
    /// An attempt of this call may have reached the server without its answer reaching us.
    pub ambiguous: bool,
}

/// Whether `status` may be the refusal of a taken reference: the declared status, and `400` or `409`
/// whatever is declared (a host or gateway that answers otherwise must not turn a paid order into a plain
/// error; the lookup decides).
pub(crate) fn may_refuse_duplicate(i: &Idempotency, status: u16) -> bool {
    status == 400 || status == 409 || i.duplicate.is_some_and(|d| d.status == status)
}

/// What the refusal says: `Some(true)` when it is the declared duplicate answer, `Some(false)` when the spec
/// declares that answer and this is another one, `None` when the spec does not say.
fn says_duplicate(i: &Idempotency, refusal: &RawResponse) -> Option<bool> {
    let d = i.duplicate?;
    let body: Option<Value> = serde_json::from_slice(&refusal.body).ok();
    let text = body.as_ref().and_then(|b| b.pointer(d.pointer)).and_then(Value::as_str).unwrap_or_default();
    Some(refusal.status == d.status && text.to_lowercase().contains(&d.contains.to_lowercase()))
}

/// What a running recovery knows, so that a total timeout which ends it reports the order as unresolved
/// (it may exist) rather than as a plain timeout.
#[derive(Default)]
pub(crate) struct Recovering(Mutex<Option<DuplicateUnresolved>>);

impl Recovering {
    fn set(&self, f: impl FnOnce(&mut Option<DuplicateUnresolved>)) {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// The error for a total timeout that passed, when a recovery was under way.
    pub(crate) fn timed_out(&self) -> Option<Error<Infallible>> {
        let taken = self.0.lock().unwrap_or_else(|p| p.into_inner()).take();
        taken.map(|u| Error::DuplicateUnresolved(Box::new(u)))
    }
}

/// Why an order could not be had: the failure, and the order's id when it was found but not read.
struct Lost {
    order_id: Option<String>,
    error: Error<Infallible>,
}

impl From<Error<Infallible>> for Lost {
    fn from(error: Error<Infallible>) -> Self {
        Lost { order_id: None, error }
    }
}

fn unresolved(asked: &Asked<'_>, refusal: &RawResponse, order_id: Option<String>, cause: String) -> DuplicateUnresolved {
    let i = asked.idempotency;
    DuplicateUnresolved {
        operation: asked.op.id,
        reference: asked.reference.clone(),
        lookup: i.lookup.id,
        lookup_param: i.lookup_param,
        order_id,
        cause,
        status: refusal.status,
        request_id: refusal.request_id.clone(),
    }
}

impl Client {
    /// The answer to a create refused with `refusal`: the order its reference names, proven to be this
    /// request's, or a typed error; the refusal itself only when no order has the reference (a plain bad
    /// request such as an insufficient balance).
    pub(crate) async fn recover(
        &self,
        asked: Asked<'_>,
        refusal: RawResponse,
        recovering: &Recovering,
    ) -> Result<RawResponse, Error<Infallible>> {
        let i = asked.idempotency;
        let said = says_duplicate(&i, &refusal);
        let cause = "the call's total timeout passed while the order was looked up".to_string();
        recovering.set(|r| *r = Some(unresolved(&asked, &refusal, None, cause)));
        let found = self.find(i, &asked.reference, recovering).await;
        let outcome = match found {
            Ok(Some((order, resp))) => prove(&asked, &order)
                .map(|()| recovered(asked.op, resp))
                .map_err(|c| Error::ReferenceConflict(Box::new(c))),
            Ok(None) if said == Some(true) => {
                let cause = format!("{} lists no order with it", i.lookup.id);
                Err(Error::DuplicateUnresolved(Box::new(unresolved(&asked, &refusal, None, cause))))
            }
            // Nothing carries the reference: the refusal is about something else.
            Ok(None) => Ok(refusal),
            Err(Lost { order_id: None, .. }) if said == Some(false) && !asked.ambiguous => Ok(refusal),
            Err(Lost { order_id, error }) => {
                Err(Error::DuplicateUnresolved(Box::new(unresolved(&asked, &refusal, order_id, error.to_string()))))
            }
        };
        recovering.set(|r| *r = None);
        if outcome.as_ref().is_ok_and(|r| r.recovered) {
            crate::support::trace_event!(
                INFO,
                lookup = i.lookup.id,
                "a create was refused as a duplicate; recovered it by its reference"
            );
        } else {
            crate::support::trace_event!(
                WARN,
                lookup = i.lookup.id,
                "a create was refused under its reference; no order of this request was recovered"
            );
        }
        outcome
    }

    /// The order `reference` names, as `op` (an idempotent create) would have answered it; `None` when no
    /// order carries it. Not part of the stable API: each idempotent create has a typed `find_*` method.
    #[doc(hidden)]
    pub async fn find_by_reference(
        &self,
        op: &'static OperationInfo,
        reference: &str,
    ) -> Result<Option<RawResponse>, SendError> {
        let Some(i) = op.idempotency else {
            return Err(SendError(Error::InvalidRequest(format!("{} declares no x-idempotency", op.id))));
        };
        let recovering = Recovering::default();
        let find = self.find(i, reference, &recovering);
        let found = match self.call.as_ref().and_then(|c| c.total_timeout) {
            None => find.await,
            Some(limit) => tokio::time::timeout(limit, find).await.unwrap_or_else(|_| {
                Err(Lost::from(Error::Timeout(crate::error::TimeoutError { operation: i.lookup.id, request_id: None })))
            }),
        };
        match found {
            // As the read (or the list) answered it: nothing was refused, so nothing is `recovered`.
            Ok(found) => Ok(found.map(|(_, resp)| resp)),
            Err(lost) => Err(SendError(lost.error)),
        }
    }

    /// The order `reference` names: the item of the lookup list whose field is exactly `reference`, read
    /// back by id when the spec names the read (a list item may leave out what a create answers with).
    async fn find(
        &self,
        i: Idempotency,
        reference: &str,
        recovering: &Recovering,
    ) -> Result<Option<(Value, RawResponse)>, Lost> {
        let Some((item, listed)) = self.scan(i, reference).await? else { return Ok(None) };
        let Some((read, id_field)) = i.read else { return Ok(Some((item, listed))) };
        let id = item.get(id_field).filter(|v| v.is_string() || v.is_number()).ok_or_else(|| {
            Lost::from(Error::InvalidRequest(format!("{}: the order found has no `{id_field}` to read it by", i.lookup.id)))
        })?;
        let id_text = crate::support::param_text(id);
        recovering.set(|r| {
            if let Some(u) = r {
                u.order_id = Some(id_text.clone());
            }
        });
        let lost = |error| Lost { order_id: Some(id_text.clone()), error };
        let path = fill_path(read.path, &crate::support::path_segment(id));
        let resp = self.read(read, &path, &[]).await.map_err(lost)?;
        let whole: Value = serde_json::from_slice(&resp.body).map_err(|_| lost(not_json(read, &resp)))?;
        // The read must answer for the same order: a host that answers another one is not believed.
        let same_id = whole.get(id_field).is_none_or(|v| same(v, id));
        let same_reference = whole.get(i.field).is_none_or(|v| v.as_str() == Some(reference));
        if !(same_id && same_reference) {
            let message = format!("{}: asked for order {id_text}, answered with another order", read.id);
            return Err(lost(Error::InvalidRequest(message)));
        }
        Ok(Some((whole, resp)))
    }

    /// Scans the lookup list for the item whose reference field is exactly `reference`, page by page while
    /// the list says there are more (a host or proxy may ignore the filter and list every order).
    async fn scan(&self, i: Idempotency, reference: &str) -> Result<Option<(Value, RawResponse)>, Lost> {
        let lookup = i.lookup;
        for page in 1..=MAX_PAGES {
            let mut query = vec![(i.lookup_param, reference.to_string())];
            if let Some(p) = lookup.paging {
                query.push((p.page_param, page.to_string()));
            }
            let resp = self.read(lookup, lookup.path, &query).await?;
            let items: Vec<Value> = serde_json::from_slice(&resp.body).map_err(|_| Lost::from(not_json(lookup, &resp)))?;
            let listed = !items.is_empty();
            if let Some(item) = items.into_iter().find(|it| it.get(i.field).and_then(Value::as_str) == Some(reference)) {
                // The item alone is the order's body.
                let body = serde_json::to_vec(&item).map(bytes::Bytes::from).unwrap_or_default();
                return Ok(Some((item, RawResponse { body, ..resp })));
            }
            let more = listed
                && lookup
                .paging
                .and_then(|p| Paging::from_headers(&resp.headers, &p.headers).ok())
                .is_some_and(|p| p.has_more && p.page == page);
            if !more {
                return Ok(None);
            }
        }
        let message = format!("{}: no order with the reference in its first {MAX_PAGES} pages", lookup.id);
        Err(Lost::from(Error::InvalidRequest(message)))
    }

    /// One read for the recovery, with the call's retries (at least `MIN_ATTEMPTS`), `Retry-After` and
    /// token renewal; a non-`2xx` last answer is an error.
    async fn read(&self, op: &'static OperationInfo, path: &str, query: &[(&str, String)]) -> Result<RawResponse, Error<Infallible>> {
        let id = new_request_id();
        let req = self
            .request(op, path)
            .query(query)
            .header("x-request-id", id.as_str())
            .build()
            .map_err(|e| Error::InvalidRequest(format!("{}: {e}", op.id)))?;
        let policy = self.policy();
        let policy = RetryPolicy { max_attempts: policy.max_attempts.max(MIN_ATTEMPTS), ..policy };
        let mut token = self.token(op).await?;
        let (resp, _) = self.exchange(op, &req, &id, true, policy, &mut token).await?;
        if (200..300).contains(&resp.status) { Ok(resp) } else { Err(resp.unexpected()) }
    }
}

fn not_json(op: &'static OperationInfo, resp: &RawResponse) -> Error<Infallible> {
    Error::Decode(Box::new(crate::error::DecodeError {
        operation: op.id,
        status: resp.status,
        path: ".".into(),
        message: "the body is not the JSON the spec declares".into(),
        excerpt: String::new(),
        request_id: resp.request_id.clone(),
    }))
}

/// Checks that the order found is the one `asked` describes: every field `x-idempotency.match` lists that
/// both the request and the order state has the same value. (A field the order leaves out cannot disprove
/// it: some documented answers are shorter, and the exact reference, unique per client, already names it.)
fn prove(asked: &Asked<'_>, order: &Value) -> Result<(), ReferenceConflict> {
    let request: Value =
        asked.request.body().and_then(|b| b.as_bytes()).and_then(|b| serde_json::from_slice(b).ok()).unwrap_or_default();
    let mut differences = Vec::new();
    for (asked_field, order_field) in asked.idempotency.matches {
        let Some(wanted) = request.get(*asked_field).filter(|v| !v.is_null()) else { continue };
        match order.get(*order_field).filter(|v| !v.is_null()) {
            Some(have) if !same(wanted, have) => {
                differences.push((asked_field.to_string(), wanted.to_string(), have.to_string()))
            }
            _ => {}
        }
    }
    if differences.is_empty() {
        return Ok(());
    }
    let order_id = asked
        .idempotency
        .read
        .and_then(|(_, id_field)| order.get(id_field))
        .or_else(|| order.get("id"))
        .map_or_else(|| "?".to_string(), crate::support::param_text);
    Err(ReferenceConflict {
        operation: asked.op.id,
        reference: asked.reference.clone(),
        order_id,
        differences,
        request_id: asked.request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string),
    })
}

/// The same value on the wire: numbers by value (`50`, `50.0` and `"50.00"` are one amount), the rest exactly.
fn same(a: &Value, b: &Value) -> bool {
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => number(a) == number(b),
        (Value::Number(_), Value::String(_)) | (Value::String(_), Value::Number(_)) => {
            number(a).is_some() && number(a) == number(b)
        }
        _ => a == b,
    }
}

/// The found order (its body as the host sent it, so nothing is re-encoded) as the create's own answer.
fn recovered(op: &'static OperationInfo, resp: RawResponse) -> RawResponse {
    RawResponse {
        operation: op.id,
        status: op.success_status,
        recovered: true,
        paging: op.paging.as_ref().map(|p| &p.headers),
        ..resp
    }
}
