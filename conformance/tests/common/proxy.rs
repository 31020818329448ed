//! An adversarial proxy between the generated client and a host: it forwards every request, unless a rule
//! answers it, delays it, or rewrites its query, and it may rewrite a JSON answer or its headers. Rules see
//! each request's method, path, query and how many times that method and path were seen. It is what a
//! gateway, a proxy or a host that ignores the documents does to a client on the money path.
#![allow(dead_code)]

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the rules see it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    /// 1 for the first request with this method and path.
    pub nth: usize,
}

impl Seen {
    /// The value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method == method && self.path == path
    }
}

/// What the proxy does with a request.
pub enum Act {
    Forward,
    /// Forward with this query string instead.
    Query(String),
    /// Answer without forwarding.
    Answer {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Value,
    },
    /// Wait, then forward.
    Delay(Duration),
}

type OnRequest = dyn Fn(&Seen) -> Act + Send + Sync;
/// Rewrites a forwarded JSON answer: its body and headers.
type OnResponse = dyn Fn(&Seen, &mut Value, &mut HeaderMap) + Send + Sync;

#[derive(Clone)]
struct Shared {
    upstream: String,
    http: reqwest::Client,
    on_request: Arc<Mutex<Arc<OnRequest>>>,
    on_response: Arc<Mutex<Arc<OnResponse>>>,
    counts: Arc<Mutex<HashMap<(String, String), usize>>>,
    log: Arc<Mutex<Vec<(Seen, u16)>>>,
}

pub struct Proxy {
    pub base_url: String,
    shared: Shared,
}

impl Proxy {
    /// A proxy in front of `upstream` that forwards everything until rules are set.
    pub async fn start(upstream: &str) -> Proxy {
        let shared = Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
            on_request: Arc::new(Mutex::new(Arc::new(|_: &Seen| Act::Forward))),
            on_response: Arc::new(Mutex::new(Arc::new(|_: &Seen, _: &mut Value, _: &mut HeaderMap| {}))),
            counts: Arc::default(),
            log: Arc::default(),
        };
        let app = axum::Router::new().fallback(forward).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Proxy { base_url: format!("http://{addr}"), shared }
    }

    pub fn on_request(&self, rule: impl Fn(&Seen) -> Act + Send + Sync + 'static) {
        *self.shared.on_request.lock().unwrap() = Arc::new(rule);
    }

    pub fn on_response(&self, rule: impl Fn(&Seen, &mut Value, &mut HeaderMap) + Send + Sync + 'static) {
        *self.shared.on_response.lock().unwrap() = Arc::new(rule);
    }

    /// Forward everything again, unchanged.
    pub fn heal(&self) {
        self.on_request(|_| Act::Forward);
        self.on_response(|_, _, _| {});
    }

    /// Every request so far with the status it was answered with, as `METHOD path status`.
    pub fn log(&self) -> Vec<String> {
        self.shared.log.lock().unwrap().iter().map(|(s, st)| format!("{} {} {st}", s.method, s.path)).collect()
    }

    /// How many requests with this method and path were seen.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.shared.counts.lock().unwrap().get(&(method.to_string(), path.to_string())).copied().unwrap_or(0)
    }
}

async fn forward(State(s): State<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let (method, path) = (parts.method.to_string(), parts.uri.path().to_string());
    let query = parts.uri.query().unwrap_or_default().to_string();
    let nth = {
        let mut counts = s.counts.lock().unwrap();
        let n = counts.entry((method.clone(), path.clone())).or_default();
        *n += 1;
        *n
    };
    let seen = Seen { method, path, query, nth };
    let rule = s.on_request.lock().unwrap().clone();
    let query = match rule(&seen) {
        Act::Forward => seen.query.clone(),
        Act::Query(q) => q,
        Act::Delay(d) => {
            tokio::time::sleep(d).await;
            seen.query.clone()
        }
        Act::Answer { status, headers, body } => {
            s.log.lock().unwrap().push((seen, status));
            let mut resp = (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response();
            for (k, v) in headers {
                resp.headers_mut().insert(k, HeaderValue::from_str(&v).unwrap());
            }
            return resp;
        }
    };
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let url = if query.is_empty() {
        format!("{}{}", s.upstream, seen.path)
    } else {
        format!("{}{}?{query}", s.upstream, seen.path)
    };
    let mut out = s.http.request(parts.method.clone(), url).body(bytes);
    for (k, v) in &parts.headers {
        if k != "host" && k != "content-length" {
            out = out.header(k, v);
        }
    }
    let Ok(answer) = out.send().await else {
        s.log.lock().unwrap().push((seen, 502));
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status().as_u16();
    let mut headers = HeaderMap::new();
    for (k, v) in answer.headers() {
        if k != "content-length" && k != "transfer-encoding" {
            headers.insert(HeaderName::from_bytes(k.as_str().as_bytes()).unwrap(), v.clone());
        }
    }
    let body: Bytes = answer.bytes().await.unwrap_or_default();
    let rewrite = s.on_response.lock().unwrap().clone();
    let body = match serde_json::from_slice::<Value>(&body) {
        Ok(mut json) => {
            rewrite(&seen, &mut json, &mut headers);
            Bytes::from(serde_json::to_vec(&json).unwrap())
        }
        Err(_) => body,
    };
    s.log.lock().unwrap().push((seen, status));
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap();
    *resp.headers_mut() = headers;
    resp
}
