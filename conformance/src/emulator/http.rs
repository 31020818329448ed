//! What every route shares: time, ids, the error envelope, paging and request ids.

use super::Break;
use super::state::State;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;

use std::time::{SystemTime, UNIX_EPOCH};

pub type Query = axum::extract::Query<HashMap<String, String>>;

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// RFC 3339 UTC from Unix seconds (civil-from-days, Howard Hinnant).
pub fn rfc3339(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A KSUID: 27 base-62 characters of a timestamp and 16 random bytes (what the API's request ids look like).
pub fn ksuid() -> String {
    use svix_ksuid::KsuidLike;
    svix_ksuid::Ksuid::new(None, None).to_string()
}

/// A caller's `X-Request-Id` worth echoing: a KSUID-compatible string under 64 characters.
pub fn given_request_id(req: &Request) -> Option<String> {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty() && v.len() < 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_string)
}

/// Echoes the caller's `X-Request-Id` or makes one (unless a rule break says otherwise).
pub async fn request_id(breaks: RequestIdBreaks, req: Request, next: Next) -> Response {
    let id = match given_request_id(&req) {
        Some(given) if !breaks.not_echoed => given,
        _ => ksuid(),
    };
    let mut resp = next.run(req).await;
    if !breaks.missing
        && let Ok(v) = HeaderValue::from_str(&id)
    {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

#[derive(Clone, Copy, Default)]
pub struct RequestIdBreaks {
    pub not_echoed: bool,
    pub missing: bool,
}

/// The error envelope every non-2xx answer carries.
pub fn err(status: u16, name: &str, code: &str, message: &str) -> Response {
    let body = json!({"error": {"name": name, "code": code, "message": message}});
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(body)).into_response()
}

pub fn validation(message: &str) -> Response {
    err(400, "ValidationException", "VALIDATION_FAILURE", message)
}

pub fn bad_request(message: &str) -> Response {
    err(400, "BadRequestError", "BAD_REQUEST", message)
}

pub fn not_found(message: &str) -> Response {
    err(404, "NotFoundError", "NOT_FOUND", message)
}

pub fn unauthorized(message: &str) -> Response {
    err(401, "UnauthorizedError", "UNAUTHORIZED", message)
}

pub fn ok(v: Value) -> Response {
    axum::Json(v).into_response()
}

pub fn created(v: Value) -> Response {
    (StatusCode::CREATED, axum::Json(v)).into_response()
}

/// A positive integer path id, or the documented 400 `BAD_REQUEST`.
pub fn id_of(st: &State, raw: &str, message: &str) -> Result<u64, Response> {
    id_or(st, raw, bad_request, message)
}

/// A positive integer path id, or the 400 `refuse` builds (the eSIM product page documents
/// `VALIDATION_FAILURE` where the others answer `BAD_REQUEST`).
pub fn id_or(st: &State, raw: &str, refuse: fn(&str) -> Response, message: &str) -> Result<u64, Response> {
    let parsed = raw.parse::<u64>().ok().filter(|n| *n >= 1 && *n <= i64::MAX as u64);
    match parsed {
        Some(id) => Ok(id),
        None if st.breaks(Break::BadIdNotFound) => Err(not_found("Not found")),
        None => Err(refuse(message)),
    }
}

/// The query of a `per_page` list that the catalog guide pages with `limit` (`limit=25`): `limit` stands for
/// `per_page` when that is absent (the spec's `PerPageLimitAlias`).
pub fn limit_as_per_page(q: &HashMap<String, String>) -> std::borrow::Cow<'_, HashMap<String, String>> {
    match q.get("limit") {
        Some(limit) if !q.contains_key("per_page") => {
            let mut q = q.clone();
            q.insert("per_page".into(), limit.clone());
            std::borrow::Cow::Owned(q)
        }
        _ => std::borrow::Cow::Borrowed(q),
    }
}

/// `GET .../{id}`: the path id (or the documented 400), then what `find` answers for it (or a 404 saying
/// `missing`).
pub fn by_id(st: &State, raw: &str, invalid: &str, missing: &str, find: impl FnOnce(u64) -> Option<Value>) -> Response {
    match id_of(st, raw, invalid) {
        Ok(id) => find(id).map_or_else(|| not_found(missing), ok),
        Err(e) => e,
    }
}

/// A positive integer query parameter, if present; `400` if malformed.
pub fn query_id(q: &HashMap<String, String>, name: &str) -> Result<Option<u64>, Response> {
    match q.get(name) {
        None => Ok(None),
        Some(v) => {
            let id = v.parse::<u64>().ok().filter(|n| *n >= 1 && *n <= i64::MAX as u64);
            id.map(Some).ok_or_else(|| bad_request("Invalid query parameters"))
        }
    }
}

/// A paging style: the page-size parameter, its default and its maximum.
#[derive(Clone, Copy)]
pub struct Style {
    pub size_param: &'static str,
    pub default: u64,
    pub max: Option<u64>,
}

pub const LIMIT: Style = Style { size_param: "limit", default: 50, max: Some(10_000) };
pub const PER_PAGE: Style = Style { size_param: "per_page", default: 50, max: None };

/// One page of `items` with the six paging headers. `400` when the page or the page size is out of range; a
/// page past the end is an empty array.
pub fn paged(st: &State, items: Vec<Value>, q: &HashMap<String, String>, style: Style) -> Response {
    page_of(st, &items, q, style, Value::clone)
}

/// [`paged`] over any items: only the page's items are turned into JSON, so a long catalog costs a page.
pub fn page_of<T>(
    st: &State,
    items: &[T],
    q: &HashMap<String, String>,
    style: Style,
    json: impl Fn(&T) -> Value,
) -> Response {
    let parse = |name: &str, default: u64| -> Result<u64, Response> {
        match q.get(name) {
            None => Ok(default),
            // Both are int32 in the spec.
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= 1 && *n <= i32::MAX as u64)
                .ok_or_else(|| bad_request("Invalid query parameters")),
        }
    };
    let page = match parse("page", 1) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let per = match parse(style.size_param, style.default) {
        Ok(p) if style.max.is_none_or(|m| p <= m) || st.breaks(Break::PageSizeUnchecked) => p,
        Ok(_) => return bad_request("Invalid query parameters"),
        Err(e) => return e,
    };
    let total = items.len() as u64;
    let pages = total.div_ceil(per);
    let start = ((page - 1).saturating_mul(per)).min(total) as usize;
    let end = (page.saturating_mul(per)).min(total) as usize;
    let mut slice: Vec<Value> = items[start..end].iter().map(&json).collect();
    if st.breaks(Break::PagingOverlap) && start > 0 && !slice.is_empty() {
        slice[0] = json(&items[start - 1]);
    }
    if st.breaks(Break::PagingPastEndNotEmpty) && slice.is_empty() && !items.is_empty() {
        slice.push(json(&items[0]));
    }
    let size = slice.len() as u64 + u64::from(st.breaks(Break::PagingPageSizeWrong));
    let has_more = (page < pages) ^ st.breaks(Break::PagingHasMoreWrong);
    let mut resp = ok(Value::Array(slice));
    // The header names are the spec's (`x-paging`); a spec without them gets no paging headers.
    let Some(names) = crate::spec::Spec::embedded().paging_headers() else { return resp };
    let h = resp.headers_mut();
    for (k, v) in [
        (&names.page, page),
        (&names.per_page, per),
        (&names.total_count, total),
        (&names.total_pages, pages),
        (&names.page_size, size),
    ] {
        if let Ok(name) = HeaderName::try_from(k.as_str()) {
            h.insert(name, HeaderValue::from(v));
        }
    }
    if let Ok(name) = HeaderName::try_from(names.has_more.as_str()) {
        h.insert(name, HeaderValue::from_static(if has_more { "true" } else { "false" }));
    }
    if st.breaks(Break::PagingHeaderMissing) {
        h.remove(names.total_pages.as_str());
    }
    resp
}

/// A request body that must be a JSON object, or the documented validation failure.
pub fn json_body(bytes: &[u8]) -> Result<Value, Response> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(validation("A JSON body is required"));
    }
    serde_json::from_slice::<Value>(bytes)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| validation("The request body must be a JSON object"))
}
