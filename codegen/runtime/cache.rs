//! The client's response cache (cargo feature `cache`), driven by the spec's `x-cache`: an operation with a
//! time to live keeps its successful answers that long, one entry per whole request (method and path, query,
//! and body); a `never` operation, or one the spec says nothing about, is never cached. A stale entry is
//! served at once while exactly one background refresh per entry runs (stale-while-revalidate). Entries are
//! dropped by operation, by resource id (the spec's `x-cache.resource`), by a create answered `404` for the
//! resource it names (`x-cache.invalidates_on_not_found`), or all at once.
//!
//! The store is `quick_cache` (a bounded, sharded, concurrent S3-FIFO cache). Freshness is judged here against
//! a [`Clock`] the caller may replace ([`ManualClock`] in tests), so a test advances a day without sleeping.

use crate::client::{CachePolicy, OperationInfo, PagingHeaders, RawResponse};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the cache reads the time: a monotonic duration since some fixed start.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Duration;
}

/// The real monotonic clock.
#[derive(Debug)]
pub struct SystemClock(std::time::Instant);

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock(std::time::Instant::now())
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// A clock that moves only when told: for tests of time to live and staleness.
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    pub fn new() -> Self {
        ManualClock::default()
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.0.load(Ordering::SeqCst))
    }
}

/// How the cache is sized and timed.
#[derive(Debug, Clone)]
pub struct CacheConfig {
    capacity: usize,
    stale_for: Option<Duration>,
    clock: Arc<dyn Clock>,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig { capacity: 10_000, stale_for: None, clock: Arc::new(SystemClock::default()) }
    }
}

impl CacheConfig {
    pub fn new() -> Self {
        CacheConfig::default()
    }

    /// The most entries kept (default 10,000); past it the least useful are evicted.
    pub fn capacity(mut self, entries: usize) -> Self {
        self.capacity = entries.max(1);
        self
    }

    /// How long past its time to live an entry is still served while it is refreshed (default: as long as
    /// its time to live). Past that, a call waits for a fresh answer.
    pub fn stale_for(mut self, d: Duration) -> Self {
        self.stale_for = Some(d);
        self
    }

    /// The clock freshness is judged by.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }
}

/// One cached request: the operation, the whole URL (path and query) and the body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    operation: &'static str,
    url: String,
    body: bytes::Bytes,
}

impl Key {
    pub(crate) fn of(op: &'static OperationInfo, req: &reqwest::Request) -> Key {
        let body = req.body().and_then(|b| b.as_bytes()).map(bytes::Bytes::copy_from_slice).unwrap_or_default();
        Key { operation: op.id, url: format!("{} {}", req.method(), req.url()), body }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    operation: &'static str,
    status: u16,
    headers: reqwest::header::HeaderMap,
    request_id: Option<String>,
    body: bytes::Bytes,
    paging: Option<&'static PagingHeaders>,
    stored: Duration,
    ttl: Duration,
    /// The resource the answer is about: (name, id).
    resource: Option<(&'static str, String)>,
}

impl Entry {
    fn answer(&self, stale: bool) -> RawResponse {
        RawResponse {
            operation: self.operation,
            status: self.status,
            headers: self.headers.clone(),
            request_id: self.request_id.clone(),
            body: self.body.clone(),
            recovered: false,
            paging: self.paging,
            cached: Some(stale),
            unread: None,
        }
    }
}

/// What a lookup found.
pub(crate) enum Lookup {
    Fresh(RawResponse),
    /// Past its time to live, still served; `refresh`: this caller starts the one refresh.
    Stale {
        answer: RawResponse,
        refresh: bool,
    },
    Miss,
}

/// Counts since the cache was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Answered from a fresh entry.
    pub hits: u64,
    /// Answered from a stale entry (while one refresh ran).
    pub stale_hits: u64,
    /// Sent to the server (nothing usable was cached).
    pub misses: u64,
    /// Background refreshes started.
    pub refreshes: u64,
    /// Entries currently held.
    pub entries: u64,
}

/// The client's cache. Shared by every clone and `with_options` handle of a client.
pub struct Cache {
    store: quick_cache::sync::Cache<Key, Entry>,
    refreshing: Mutex<HashSet<Key>>,
    /// Bumped by every invalidation: a refresh that started before one does not store its answer.
    generation: AtomicU64,
    config: CacheConfig,
    hits: AtomicU64,
    stale_hits: AtomicU64,
    misses: AtomicU64,
    refreshes: AtomicU64,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("config", &self.config).field("stats", &self.stats()).finish()
    }
}

impl Cache {
    pub(crate) fn new(config: CacheConfig) -> Cache {
        Cache {
            store: quick_cache::sync::Cache::new(config.capacity),
            refreshing: Mutex::new(HashSet::new()),
            generation: AtomicU64::new(0),
            config,
            hits: AtomicU64::new(0),
            stale_hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            refreshes: AtomicU64::new(0),
        }
    }

    pub(crate) fn lookup(&self, key: &Key) -> Lookup {
        let Some(entry) = self.store.get(key) else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return Lookup::Miss;
        };
        let age = self.config.clock.now().saturating_sub(entry.stored);
        if age < entry.ttl {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Lookup::Fresh(entry.answer(false));
        }
        if age >= entry.ttl + self.config.stale_for.unwrap_or(entry.ttl) {
            self.misses.fetch_add(1, Ordering::Relaxed);
            return Lookup::Miss;
        }
        self.stale_hits.fetch_add(1, Ordering::Relaxed);
        let refresh = self.refreshing.lock().unwrap_or_else(|p| p.into_inner()).insert(key.clone());
        if refresh {
            self.refreshes.fetch_add(1, Ordering::Relaxed);
        }
        Lookup::Stale { answer: entry.answer(true), refresh }
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps a successful answer, unless an invalidation came after `generation`.
    pub(crate) fn store(
        &self,
        key: Key,
        op: &'static OperationInfo,
        policy: CachePolicy,
        url_path: &str,
        resp: &RawResponse,
        generation: u64,
    ) {
        if !(200..300).contains(&resp.status) || self.generation() != generation {
            return;
        }
        let resource = policy.resource.and_then(|(name, param)| Some((name, path_param(op.path, url_path, param)?)));
        let entry = Entry {
            operation: op.id,
            status: resp.status,
            headers: resp.headers.clone(),
            request_id: resp.request_id.clone(),
            body: resp.body.clone(),
            paging: resp.paging,
            stored: self.config.clock.now(),
            ttl: Duration::from_secs(policy.ttl_secs),
            resource,
        };
        self.store.insert(key, entry);
    }

    /// The refresh of `key` ended (answered, failed or cancelled).
    pub(crate) fn refreshed(&self, key: &Key) {
        self.refreshing.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }

    /// Drops every entry of an operation (its `operationId`).
    pub fn invalidate_operation(&self, operation_id: &str) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.store.retain(|k, _| k.operation != operation_id);
    }

    /// Drops every entry about one resource (the spec's `x-cache.resource` name) and id, whatever the
    /// operation: a product's detail and its variants alike.
    pub fn invalidate_resource(&self, resource: &str, id: &str) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.store.retain(|_, e| e.resource.as_ref().is_none_or(|(name, held)| *name != resource || held != id));
    }

    /// Drops everything.
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.store.clear();
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            stale_hits: self.stale_hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            refreshes: self.refreshes.load(Ordering::Relaxed),
            entries: self.store.len() as u64,
        }
    }
}

/// A webhook event that says a cached resource changed (the spec's `x-cache.resource.invalidated_by`):
/// the event type, the resource, and JSON pointers into the delivery's body to its type and the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheEvent {
    pub event: &'static str,
    pub resource: &'static str,
    pub type_at: &'static str,
    pub id_at: &'static str,
}

impl Cache {
    /// Drops the cached answers about the resource a verified webhook delivery names (a voucher
    /// `product.update`, say): `body` is the delivery's raw body, after `webhook::verify_once` passed it.
    /// Answers the (resource, id) pairs invalidated; none for an event the spec does not tie to a resource.
    pub fn invalidate_event(&self, body: &[u8]) -> Vec<(&'static str, String)> {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else { return Vec::new() };
        let mut done = Vec::new();
        for e in crate::CACHE_EVENTS {
            if v.pointer(e.type_at).and_then(serde_json::Value::as_str) != Some(e.event) {
                continue;
            }
            let id = match v.pointer(e.id_at) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => continue,
            };
            crate::support::trace_event!(INFO, event = e.event, resource = e.resource, id = %id, "cache: webhook invalidated a resource");
            self.invalidate_resource(e.resource, &id);
            done.push((e.resource, id));
        }
        done
    }
}

/// Releases a refresh's claim on its key however the refresh ends.
pub(crate) struct Refreshing {
    pub(crate) cache: Arc<Cache>,
    pub(crate) key: Key,
}

impl Drop for Refreshing {
    fn drop(&mut self) {
        self.cache.refreshed(&self.key);
    }
}

/// The value of path parameter `param` in `path`, matched against `template` from the end (so a base URL
/// with a path prefix does not matter).
pub(crate) fn path_param(template: &str, path: &str, param: &str) -> Option<String> {
    let wanted = format!("{{{param}}}");
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let offset = p.len().checked_sub(t.len())?;
    let at = t.iter().position(|s| *s == wanted)?;
    Some(p[offset + at].to_string())
}

/// The id a create's body names for `field` (a string or a number), for `x-cache.invalidates_on_not_found`.
pub(crate) fn body_id(req: &reqwest::Request, field: &str) -> Option<String> {
    let bytes = req.body()?.as_bytes()?;
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    match v.get(field)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

type Warming<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>>;

/// Calls to make at start-up so the cache holds what is read most (the active countries and categories, say):
/// [`crate::Client::prewarm`].
#[must_use = "nothing is fetched until `run` is awaited"]
pub struct Prewarm<'a> {
    calls: Vec<Warming<'a>>,
}

/// What a pre-warm did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Prewarmed {
    /// Calls answered and cached.
    pub warmed: usize,
    /// The calls that failed, as their errors' messages.
    pub failed: Vec<String>,
}

impl<'a> Prewarm<'a> {
    pub(crate) fn new() -> Self {
        Prewarm { calls: Vec::new() }
    }

    /// Adds a call (any operation's future: `client.list_countries(&params)`).
    pub fn call<T, E>(
        mut self,
        call: impl std::future::Future<Output = Result<crate::ApiResponse<T>, crate::Error<E>>> + Send + 'a,
    ) -> Self {
        self.calls.push(Box::pin(async move { call.await.map(|_| ()).map_err(|e| e.to_string()) }));
        self
    }

    /// Makes the calls, one after the other (at start-up, under the quota budget if one is set).
    pub async fn run(self) -> Prewarmed {
        let mut done = Prewarmed::default();
        for call in self.calls {
            match call.await {
                Ok(()) => done.warmed += 1,
                Err(e) => done.failed.push(e),
            }
        }
        done
    }
}
