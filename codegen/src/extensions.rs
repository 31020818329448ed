//! Every `x-` extension the toolchain acts on, read in one place into typed values.
//!
//! An extension that is present but malformed is an error naming its JSON pointer (and the key inside it);
//! an absent one means the plain behaviour, with nothing guessed from names. Keys starting with `x-` inside
//! an extension (`x-assumed`, `x-doc`) are notes for readers and are allowed anywhere.
//!
//! | extension | where | what the client does with it |
//! |---|---|---|
//! | `x-token-lifecycle` | a security scheme | logs in, renews and logs out by itself |
//! | `x-idempotency` | an operation | retries a create safely and finds it again by its reference |
//! | `x-paging` | an operation (headers may be declared once at the document root) | streams every page |
//! | `x-poll` | an operation | `wait_for_*` helpers and `is_terminal()` |
//! | `x-retry-hint` | a response | the wait a body states when `Retry-After` is missing |
//! | `x-safe-to-retry`, `x-timeout-seconds` | an operation | retries a POST; raises the request timeout |
//! | `x-rate-limit` | an operation | the documented quota class: the client's opt-in quota budget; pacing and the emulator |
//! | `x-cache` | an operation | (feature `cache`) how long an answer is kept, or never; which resource it is; which cached resource a create's `404` invalidates |
//! | `x-error-code` | a schema | `ServiceError::code()` |
//! | `x-secret`, `x-deliver-once` | a property | redacted `Debug`; a one-time secret |
//! | `x-webhook-signature`, `x-webhooks` | the document root | webhook verification and payload types |
//! | `x-name`, `x-client-guide` | a server; `info` | `servers::NAME`; the crate's rustdoc guide |
//! | `x-crate-version` | `info` | the generated crate's version (`MAJOR.MINOR.PATCH`; `0.1.0` when absent) |
//! | `x-inline-wait-seconds` | an operation | (tools) how long it waits before answering `PENDING` |
//! | `x-stream-terminator` | a `text/event-stream` media type | the event data that ends the stream cleanly (`[DONE]`) |

use crate::diag::child;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;

/// Reads extension `T` of `holder` (an object found at `pointer`). `Ok(None)` when it is absent; the error is
/// `(pointer of the bad part, message)`.
pub fn read<T: Extension>(holder: &Value, pointer: &str) -> Result<Option<T>, (String, String)> {
    parse(holder.get(T::NAME), pointer)
}

/// Reads extension `T` from an `openapiv3` extension map of the object at `pointer`.
pub fn from_map<T: Extension>(
    map: &indexmap::IndexMap<String, Value>,
    pointer: &str,
) -> Result<Option<T>, (String, String)> {
    parse(map.get(T::NAME), pointer)
}

fn parse<T: Extension>(value: Option<&Value>, holder: &str) -> Result<Option<T>, (String, String)> {
    let Some(v) = value else { return Ok(None) };
    let name = T::NAME;
    let at = child(holder, name);
    let parsed: T = serde_path_to_error::deserialize(v).map_err(|e| {
        use serde_path_to_error::Segment;
        let segments = e.path().iter().filter_map(|s| match s {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => Some(key.clone()),
            Segment::Unknown => None,
        });
        (segments.fold(at.clone(), |p, s| child(&p, &s)), format!("{name}: {}", e.inner()))
    })?;
    if let Some(key) = parsed.notes().keys().find(|k| !k.starts_with("x-")) {
        return Err((child(&at, key), format!("{name}: unknown key `{key}`")));
    }
    parsed.check().map_err(|(key, m)| (format!("{at}{key}"), format!("{name}: {m}")))?;
    Ok(Some(parsed))
}

/// A structured extension: its name, the keys it did not define (only `x-` notes are allowed), and its own
/// consistency rules.
pub trait Extension: DeserializeOwned {
    const NAME: &'static str;
    fn notes(&self) -> &BTreeMap<String, Value>;
    /// `Err((pointer suffix, message))` when the parts do not fit together.
    fn check(&self) -> Result<(), (String, String)> {
        Ok(())
    }
}

macro_rules! plain_extension {
    ($($t:ty = $name:literal),*) => { $(impl Extension for $t {
        const NAME: &'static str = $name;
        fn notes(&self) -> &BTreeMap<String, Value> { &self.notes }
    })* };
}

/// Extensions that are one plain value, read with [`flag`], [`number`] and [`text`].
pub const SECRET: &str = "x-secret";
pub const DELIVER_ONCE: &str = "x-deliver-once";
pub const SAFE_TO_RETRY: &str = "x-safe-to-retry";
pub const TIMEOUT_SECONDS: &str = "x-timeout-seconds";
pub const CLIENT_GUIDE: &str = "x-client-guide";
pub const SERVER_NAME: &str = "x-name";
/// In `info`: the generated crate's version, `MAJOR.MINOR.PATCH` (the spec review says which bump a change needs).
pub const CRATE_VERSION: &str = "x-crate-version";
/// The generated crate's version when the spec does not give one.
pub const DEFAULT_CRATE_VERSION: &str = "0.1.0";

/// `x-crate-version` of `info`: `Ok(None)` when absent, an error when it is not `MAJOR.MINOR.PATCH`.
pub fn crate_version(info: &indexmap::IndexMap<String, Value>) -> Result<Option<String>, String> {
    let Some(v) = info.get(CRATE_VERSION) else { return Ok(None) };
    let text = v.as_str().ok_or_else(|| format!("{CRATE_VERSION}: expected a string like \"0.2.0\", found {v}"))?;
    let parts: Vec<&str> = text.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit());
    if parts.len() != 3 || !parts.iter().all(numeric) || parts.iter().any(|p| p.len() > 1 && p.starts_with('0')) {
        return Err(format!("{CRATE_VERSION}: `{text}` is not a version MAJOR.MINOR.PATCH (such as 0.2.0)"));
    }
    Ok(Some(text.to_string()))
}
/// On an error body schema: the JSON pointer to its machine-readable code.
pub const ERROR_CODE: &str = "x-error-code";
/// At the root: outbound webhooks, event name → the path item the receiver accepts (OpenAPI 3.0 has no
/// `webhooks` key). Their payload types compile with the `webhooks` feature.
pub const WEBHOOKS: &str = "x-webhooks";
/// On an operation that waits for fulfilment before answering: the longest it waits, in seconds.
pub const INLINE_WAIT_SECONDS: &str = "x-inline-wait-seconds";

/// On a `text/event-stream` media type: the data of the event that ends the stream (OpenAI's `[DONE]`); it
/// is not yielded, and the stream ends cleanly (`crate::streaming`).
pub const STREAM_TERMINATOR: &str = "x-stream-terminator";

/// A flag extension (`x-secret: true`); anything but a boolean reads as `false`.
pub fn flag(holder: &Value, name: &str) -> bool {
    holder.get(name).and_then(Value::as_bool).unwrap_or(false)
}

/// A flag extension in an `openapiv3` extension map.
pub fn flag_in(map: &indexmap::IndexMap<String, Value>, name: &str) -> bool {
    map.get(name).and_then(Value::as_bool).unwrap_or(false)
}

/// A whole-number extension in an `openapiv3` extension map.
pub fn number(map: &indexmap::IndexMap<String, Value>, name: &str) -> Option<u64> {
    map.get(name).and_then(Value::as_u64)
}

/// A text extension in an `openapiv3` extension map.
pub fn text<'m>(map: &'m indexmap::IndexMap<String, Value>, name: &str) -> Option<&'m str> {
    map.get(name).and_then(Value::as_str)
}

/// `x-token-lifecycle`: how a client logs in, renews and logs out.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct TokenLifecycle {
    /// The operationId that logs in.
    pub login: String,
    /// The operationId that renews with a refresh token.
    #[serde(default)]
    pub refresh: Option<String>,
    #[serde(default)]
    pub logout: Option<String>,
    /// The login body's fields for the API key and secret.
    pub credentials: CredentialFields,
    /// The refresh body's field for the refresh token (required with `refresh`).
    #[serde(default)]
    pub refresh_field: Option<String>,
    /// JSON pointers into the login and refresh answers.
    pub tokens: TokenPointers,
    /// How long tokens live when an answer does not say (its `*_expires_at` missing or unreadable). Without
    /// these the client renews only when the server refuses the token.
    #[serde(default)]
    pub lifetimes: Lifetimes,
    /// Renew this long before the access token expires.
    #[serde(default = "five_minutes")]
    pub refresh_before_seconds: u64,
    #[serde(flatten)]
    pub notes: BTreeMap<String, Value>,
}

fn five_minutes() -> u64 {
    300
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CredentialFields {
    pub key: String,
    pub secret: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TokenPointers {
    pub access: String,
    #[serde(default)]
    pub refresh: Option<String>,
    #[serde(default)]
    pub access_expires_at: Option<String>,
    #[serde(default)]
    pub refresh_expires_at: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Lifetimes {
    #[serde(default)]
    pub access_seconds: Option<u64>,
    #[serde(default)]
    pub refresh_seconds: Option<u64>,
}

impl Extension for TokenLifecycle {
    const NAME: &'static str = "x-token-lifecycle";
    fn notes(&self) -> &BTreeMap<String, Value> {
        &self.notes
    }
    fn check(&self) -> Result<(), (String, String)> {
        let pointers = [
            ("/tokens/access", Some(&self.tokens.access)),
            ("/tokens/refresh", self.tokens.refresh.as_ref()),
            ("/tokens/access_expires_at", self.tokens.access_expires_at.as_ref()),
            ("/tokens/refresh_expires_at", self.tokens.refresh_expires_at.as_ref()),
        ];
        if let Some((at, p)) = pointers.iter().find(|(_, p)| p.is_some_and(|p| !p.starts_with('/'))) {
            return Err((
                at.to_string(),
                format!("`{}` is not a JSON pointer (it starts with `/`)", p.unwrap_or(&String::new())),
            ));
        }
        if self.refresh.is_some() && self.refresh_field.is_none() {
            return Err((String::new(), "`refresh` needs `refresh_field` (the refresh body's token field)".into()));
        }
        if self.refresh.is_some() && self.tokens.refresh.is_none() {
            return Err(("/tokens".into(), "`refresh` needs `tokens.refresh` (where the refresh token is)".into()));
        }
        Ok(())
    }
}

/// `x-idempotency`: a create carries its own reference, so it can be retried and found again.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Idempotency {
    /// The body field that identifies the request.
    pub field: String,
    /// The operationId of the list that finds a request by that field.
    pub lookup: String,
    /// That list's query parameter for the field.
    pub lookup_param: String,
    /// The operationId of the by-id read that answers with the whole order.
    #[serde(default)]
    pub read: Option<String>,
    /// The field of a found item that fills the read's path parameter.
    #[serde(default = "id")]
    pub read_id: String,
    /// The request fields a found order must repeat to be this request's: request field → order field.
    #[serde(default, rename = "match")]
    pub matches: BTreeMap<String, String>,
    /// The answer that refuses a create whose reference is taken. Without it, any `400` or `409` may be.
    #[serde(default)]
    pub duplicate: Option<DuplicateAnswer>,
    #[serde(flatten)]
    pub notes: BTreeMap<String, Value>,
}

/// `x-idempotency.duplicate`: the status of the refusal, and text the string at `pointer` contains.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DuplicateAnswer {
    pub status: u16,
    pub pointer: String,
    pub contains: String,
}

fn id() -> String {
    "id".into()
}

/// `x-paging` on an operation: the query parameters that page it. The response headers that describe a page
/// are declared here or once in the document root's `x-paging`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Paging {
    pub page: String,
    pub size: String,
    #[serde(default)]
    pub headers: Option<PagingHeaders>,
    #[serde(flatten)]
    pub notes: BTreeMap<String, Value>,
}

/// `x-paging` at the document root: the paging headers every paged operation answers with.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct DocumentPaging {
    pub headers: PagingHeaders,
    #[serde(flatten)]
    pub notes: BTreeMap<String, Value>,
}

/// The names of the response headers that describe a page.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct PagingHeaders {
    pub page: String,
    pub per_page: String,
    pub total_count: String,
    pub total_pages: String,
    pub page_size: String,
    /// `true` or `false`: whether a later page exists.
    pub has_more: String,
}

/// `x-poll`: which statuses end a wait, and the documented polling cadence.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Poll {
    pub terminal: Vec<String>,
    pub schedule: Vec<PollStep>,
    #[serde(default = "status")]
    pub status_field: String,
    #[serde(flatten)]
    pub notes: BTreeMap<String, Value>,
}

fn status() -> String {
    "status".into()
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PollStep {
    pub every_seconds: u64,
    pub for_seconds: u64,
}

impl Extension for Poll {
    const NAME: &'static str = "x-poll";
    fn notes(&self) -> &BTreeMap<String, Value> {
        &self.notes
    }
    fn check(&self) -> Result<(), (String, String)> {
        if self.terminal.is_empty() {
            return Err(("/terminal".into(), "lists no terminal status".into()));
        }
        if self.schedule.is_empty() || self.schedule.iter().any(|s| s.every_seconds == 0) {
            return Err(("/schedule".into(), "needs at least one step, each with `every_seconds` above 0".into()));
        }
        Ok(())
    }
}

/// `x-retry-hint` on a response: where its body states how long to wait, for when `Retry-After` is missing.
/// The wait is the whole seconds that follow `prefix` in the string at `pointer`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct RetryHint {
    pub pointer: String,
    pub prefix: String,
    #[serde(flatten)]
    pub notes: BTreeMap<String, Value>,
}

impl Extension for RetryHint {
    const NAME: &'static str = "x-retry-hint";
    fn notes(&self) -> &BTreeMap<String, Value> {
        &self.notes
    }
    fn check(&self) -> Result<(), (String, String)> {
        if !self.pointer.starts_with('/') {
            return Err(("/pointer".into(), format!("`{}` is not a JSON pointer", self.pointer)));
        }
        if self.prefix.is_empty() {
            return Err(("/prefix".into(), "must not be empty".into()));
        }
        Ok(())
    }
}

/// `x-rate-limit`: the operation's documented quota class and its per-minute quotas.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct RateLimit {
    /// Operations of one class share one window.
    pub class: String,
    #[serde(default)]
    pub sandbox: Option<u32>,
    #[serde(default)]
    pub production: Option<u32>,
    #[serde(flatten)]
    pub notes: BTreeMap<String, Value>,
}

/// `x-webhook-signature`: how webhook deliveries are signed.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct WebhookSignature {
    /// Only `hmac-sha256-hex` is implemented.
    #[serde(default = "hmac_sha256_hex")]
    pub algorithm: String,
    pub signature_header: String,
    pub timestamp_header: String,
    pub event_id_header: String,
    #[serde(default = "five_minutes_i64")]
    pub max_age_seconds: i64,
    /// JSON pointer to the event id in the signed body (the dedupe key; the id header must agree).
    #[serde(default)]
    pub event_id_pointer: Option<String>,
    /// JSON pointer to the event's creation time (RFC 3339) in the signed body.
    #[serde(default)]
    pub created_at_pointer: Option<String>,
    #[serde(flatten)]
    pub notes: BTreeMap<String, Value>,
}

fn hmac_sha256_hex() -> String {
    "hmac-sha256-hex".into()
}

fn five_minutes_i64() -> i64 {
    300
}

impl Extension for WebhookSignature {
    const NAME: &'static str = "x-webhook-signature";
    fn notes(&self) -> &BTreeMap<String, Value> {
        &self.notes
    }
    fn check(&self) -> Result<(), (String, String)> {
        if self.algorithm != "hmac-sha256-hex" {
            return Err((
                "/algorithm".into(),
                format!("`{}` is not supported (only `hmac-sha256-hex`)", self.algorithm),
            ));
        }
        for (key, pointer) in
            [("event_id_pointer", &self.event_id_pointer), ("created_at_pointer", &self.created_at_pointer)]
        {
            if let Some(p) = pointer
                && !p.starts_with('/')
            {
                return Err((format!("/{key}"), format!("`{p}` is not a JSON pointer (it starts with `/`)")));
            }
        }
        Ok(())
    }
}

/// `x-cache` on an operation: how long the client's cache (feature `cache`) keeps its answers, or that it
/// never does; which resource a cached answer is about (so one id invalidates it); and, on a create, which
/// cached resource an answer `404` invalidates.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Cache {
    /// How long an answer is fresh.
    #[serde(default)]
    pub ttl_seconds: Option<u64>,
    /// Never cached (live state, per-request lookups, orders).
    #[serde(default)]
    pub never: bool,
    /// The resource a cached answer is about: a name shared across operations, and the path parameter that
    /// holds its id.
    #[serde(default)]
    pub resource: Option<CacheResource>,
    /// On a create: an answer `404` means the resource the request names is gone; its cached answers are
    /// dropped.
    #[serde(default)]
    pub invalidates_on_not_found: Option<CacheInvalidation>,
    #[serde(flatten)]
    pub notes: BTreeMap<String, Value>,
}

/// `x-cache.resource`: a resource name (`voucher-product`) and the path parameter holding its id; and the
/// webhook events that say the resource changed.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CacheResource {
    pub name: String,
    pub param: String,
    #[serde(default)]
    pub invalidated_by: Vec<CacheEvent>,
}

/// A webhook event that invalidates a resource: its type, and JSON pointers into the delivery's body to the
/// type and to the resource's id.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CacheEvent {
    pub event: String,
    pub type_at: String,
    pub id_at: String,
}

/// `x-cache.invalidates_on_not_found`: the resource name, and the request body field holding its id.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CacheInvalidation {
    pub resource: String,
    pub field: String,
}

impl Extension for Cache {
    const NAME: &'static str = "x-cache";
    fn notes(&self) -> &BTreeMap<String, Value> {
        &self.notes
    }
    fn check(&self) -> Result<(), (String, String)> {
        match (self.ttl_seconds, self.never) {
            (Some(_), true) => Err(("/never".into(), "`never` and `ttl_seconds` contradict each other".into())),
            (None, false) => Err((String::new(), "needs `ttl_seconds` (above 0) or `never: true`".into())),
            (Some(0), false) => Err(("/ttl_seconds".into(), "must be above 0 (use `never: true`)".into())),
            _ if self.never && self.resource.is_some() => {
                Err(("/resource".into(), "a `never` operation has no cached resource".into()))
            }
            _ => {
                let events = self.resource.iter().flat_map(|r| r.invalidated_by.iter().enumerate());
                for (i, e) in events {
                    for (key, p) in [("type_at", &e.type_at), ("id_at", &e.id_at)] {
                        if !p.starts_with('/') {
                            return Err((
                                format!("/resource/invalidated_by/{i}/{key}"),
                                format!("`{p}` is not a JSON pointer (it starts with `/`)"),
                            ));
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

plain_extension!(
    Idempotency = "x-idempotency",
    Paging = "x-paging",
    DocumentPaging = "x-paging",
    RateLimit = "x-rate-limit"
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_is_none_and_malformed_names_the_key() {
        let op = json!({"x-poll": {"terminal": ["DONE"], "schedule": [{"every_seconds": 5}]}});
        assert_eq!(read::<Poll>(&json!({}), "/paths/~1a/get"), Ok(None));
        let (at, message) = read::<Poll>(&op, "/paths/~1a/get").unwrap_err();
        assert_eq!(at, "/paths/~1a/get/x-poll/schedule/0");
        assert!(message.contains("missing field `for_seconds`"), "{message}");
    }

    #[test]
    fn notes_are_allowed_and_unknown_keys_are_not() {
        let ok = json!({"x-paging": {"page": "page", "size": "limit", "x-assumed": "why"}});
        assert!(read::<Paging>(&ok, "").unwrap().is_some());
        let typo = json!({"x-paging": {"page": "page", "size": "limit", "sise": 1}});
        assert_eq!(
            read::<Paging>(&typo, "").unwrap_err(),
            ("/x-paging/sise".to_string(), "x-paging: unknown key `sise`".to_string())
        );
    }

    #[test]
    fn a_cache_declares_a_ttl_or_never_and_not_both() {
        let ok = json!({"x-cache": {"ttl_seconds": 900, "resource": {"name": "p", "param": "id"}, "x-doc": "/d"}});
        assert_eq!(read::<Cache>(&ok, "/o").unwrap().unwrap().ttl_seconds, Some(900));
        let both = json!({"x-cache": {"ttl_seconds": 900, "never": true}});
        assert_eq!(read::<Cache>(&both, "/o").unwrap_err().0, "/o/x-cache/never");
        let neither = json!({"x-cache": {"x-doc": "/d"}});
        assert!(read::<Cache>(&neither, "/o").unwrap_err().1.contains("needs `ttl_seconds`"));
        let zero = json!({"x-cache": {"ttl_seconds": 0}});
        assert_eq!(read::<Cache>(&zero, "/o").unwrap_err().0, "/o/x-cache/ttl_seconds");
        let typo = json!({"x-cache": {"ttl_seconds": 5, "resource": {"name": "p", "parm": "id"}}});
        assert_eq!(read::<Cache>(&typo, "/o").unwrap_err().0, "/o/x-cache/resource/parm");
    }

    #[test]
    fn a_token_lifecycle_missing_a_piece_is_an_error_not_a_client_without_auth() {
        let lc = json!({"x-token-lifecycle": {"login": "login", "refresh": "refresh",
            "credentials": {"key": "username", "secret": "password"}, "tokens": {"access": "/data/token"}}});
        let (at, message) = read::<TokenLifecycle>(&lc, "/s").unwrap_err();
        assert_eq!(at, "/s/x-token-lifecycle");
        assert!(message.contains("refresh_field"), "{message}");
        let no_credentials = json!({"x-token-lifecycle": {"login": "login", "tokens": {"access": "/t"}}});
        let (_, message) = read::<TokenLifecycle>(&no_credentials, "/s").unwrap_err();
        assert!(message.contains("missing field `credentials`"), "{message}");
    }
}
