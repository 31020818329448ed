//! Security schemes at run time, against a real HTTP server on loopback that records what arrives: an API
//! key in a header, a query parameter and a cookie; HTTP basic; bearer tokens (fixed, from a provider, for
//! OpenID Connect and OAuth2 flows the client does not run); OAuth2 client credentials (one fetch shared by
//! concurrent calls, renewed after expiry, fetched again once on a `401` and never in a loop, a token
//! endpoint answering badly). Each operation's `security` decides: the document's default, an override,
//! `security: []`, alternatives (OR), schemes together (AND), an optional `{}`. A requirement no credential
//! meets is a typed error before anything is sent. No planted secret appears in any `Debug` or error text.
//!
//! The client is the committed fixture crate (`codegen/tests/fixtures/features.yaml`, tag `secured`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use fixture_client::{AuthErrorKind, CallOptions, Client, Credential, Error, RetryPolicy};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const HEADER_KEY: &str = "hdr-PLANTED-key";
const QUERY_KEY: &str = "qry-PLANTED-key";
const COOKIE_KEY: &str = "ck-PLANTED-key";
const BEARER: &str = "bearer-PLANTED-token";
const OIDC: &str = "oidc-PLANTED-token";
const PROVIDED: &str = "provided-PLANTED-token";
const BASIC_USER: &str = "alice";
const BASIC_PASS: &str = "pass-PLANTED-basic";
/// base64(`alice:pass-PLANTED-basic`)
const BASIC_B64: &str = "YWxpY2U6cGFzcy1QTEFOVEVELWJhc2lj";
const CLIENT_ID: &str = "client-PLANTED-id";
const CLIENT_SECRET: &str = "secret-PLANTED-cc";
/// base64(`client-PLANTED-id:secret-PLANTED-cc`)
const CLIENT_B64: &str = "Y2xpZW50LVBMQU5URUQtaWQ6c2VjcmV0LVBMQU5URUQtY2M=";

const PLANTED: &[&str] = &[
    HEADER_KEY,
    QUERY_KEY,
    COOKIE_KEY,
    BEARER,
    OIDC,
    PROVIDED,
    BASIC_PASS,
    BASIC_B64,
    CLIENT_ID,
    CLIENT_SECRET,
    CLIENT_B64,
    "tok-PLANTED",
];

/// One request as it arrived.
#[derive(Clone, Debug, Default)]
struct Seen {
    path: String,
    query: String,
    authorization: Option<String>,
    api_key: Option<String>,
    cookie: Option<String>,
}

/// How the token endpoint answers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum TokenMode {
    #[default]
    Good,
    NotJson,
    NoToken,
    Refused,
}

#[derive(Default)]
struct Server {
    seen: Vec<Seen>,
    /// Token requests: their `Authorization` header and form body.
    token_requests: Vec<(Option<String>, String)>,
    token_mode: TokenMode,
    expires_in: Option<u64>,
    /// Tokens the resource accepts.
    valid: Vec<String>,
    /// Refuse every token (a `401` whatever is sent).
    refuse_all: bool,
    /// Token requests to answer `503` before answering well.
    unavailable: usize,
}

type Shared = Arc<Mutex<Server>>;

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

async fn resource(State(s): State<Shared>, uri: Uri, h: HeaderMap) -> Response {
    let seen = Seen {
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        authorization: header(&h, "authorization"),
        api_key: header(&h, "x-api-key"),
        cookie: header(&h, "cookie"),
    };
    let mut s = s.lock().unwrap();
    s.seen.push(seen.clone());
    if seen.path == "/secured/oauth" {
        let token = seen.authorization.as_deref().and_then(|a| a.strip_prefix("Bearer ")).unwrap_or_default();
        if s.refuse_all || !s.valid.iter().any(|v| v == token) {
            return (StatusCode::UNAUTHORIZED, "no").into_response();
        }
    }
    "ok".into_response()
}

async fn token(State(s): State<Shared>, h: HeaderMap, body: Bytes) -> Response {
    // Slow enough that concurrent callers overlap.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut s = s.lock().unwrap();
    s.token_requests.push((header(&h, "authorization"), String::from_utf8_lossy(&body).into_owned()));
    let n = s.token_requests.len();
    if s.unavailable > 0 {
        s.unavailable -= 1;
        return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
    }
    match s.token_mode {
        TokenMode::Good => {
            let access = format!("tok-PLANTED-{n}");
            s.valid.push(access.clone());
            let mut answer = json!({"access_token": access, "token_type": "Bearer"});
            if let Some(e) = s.expires_in {
                answer["expires_in"] = json!(e);
            }
            Json(answer).into_response()
        }
        TokenMode::NotJson => "<html>tok-PLANTED-garbage</html>".into_response(),
        TokenMode::NoToken => Json(json!({"token_type": "bearer", "note": "tok-PLANTED-none"})).into_response(),
        TokenMode::Refused => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client", "error_description": "tok-PLANTED described"})),
        )
            .into_response(),
    }
}

async fn serve(state: Shared) -> String {
    let app = Router::new().route("/oauth/token", post(token)).route("/secured/{op}", get(resource)).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn quick() -> RetryPolicy {
    RetryPolicy { base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20), ..RetryPolicy::default() }
}

fn last(s: &Shared) -> Seen {
    s.lock().unwrap().seen.last().cloned().expect("a request arrived")
}

fn requests(s: &Shared) -> usize {
    s.lock().unwrap().seen.len()
}

/// No planted secret in `text`.
fn clean(what: &str, text: &str) {
    for p in PLANTED {
        assert!(!text.contains(p), "{what} shows the secret {p:?}: {text}");
    }
}

#[tokio::test]
async fn each_scheme_sends_its_credential_where_the_spec_says() {
    let s = Shared::default();
    let url = serve(s.clone()).await;
    let provided = Arc::new(AtomicUsize::new(0));
    let calls = provided.clone();
    let client = Client::builder(url)
        .header_key(HEADER_KEY)
        .query_key(QUERY_KEY)
        .cookie_key(COOKIE_KEY)
        .basic(BASIC_USER, BASIC_PASS)
        .token(BEARER)
        .oidc(Credential::bearer(OIDC))
        .code_flow(Credential::bearer_provider(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, std::io::Error>(PROVIDED.to_string()) }
        }))
        .build()
        .unwrap();

    client.secured_header().await.unwrap();
    let seen = last(&s);
    assert_eq!(seen.api_key.as_deref(), Some(HEADER_KEY));
    assert_eq!((seen.authorization, seen.cookie, seen.query.as_str()), (None, None, ""));

    client.secured_query().await.unwrap();
    let seen = last(&s);
    assert_eq!(seen.query, format!("api_key={QUERY_KEY}"));
    assert_eq!((seen.authorization, seen.api_key), (None, None));

    client.secured_cookie().await.unwrap();
    assert_eq!(last(&s).cookie.as_deref(), Some(format!("session_key={COOKIE_KEY}").as_str()));

    client.secured_basic().await.unwrap();
    assert_eq!(last(&s).authorization.as_deref(), Some(format!("Basic {BASIC_B64}").as_str()));

    // No `security` of its own: the document's default (`token`, HTTP bearer).
    client.secured_default().await.unwrap();
    assert_eq!(last(&s).authorization.as_deref(), Some(format!("Bearer {BEARER}").as_str()));

    client.secured_oidc().await.unwrap();
    assert_eq!(last(&s).authorization.as_deref(), Some(format!("Bearer {OIDC}").as_str()));

    // An OAuth2 flow the client does not run: the provider's token, asked for at each call.
    client.secured_code().await.unwrap();
    client.secured_code().await.unwrap();
    assert_eq!(last(&s).authorization.as_deref(), Some(format!("Bearer {PROVIDED}").as_str()));
    assert_eq!(provided.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn none_or_and_optional_requirements() {
    let s = Shared::default();
    let url = serve(s.clone()).await;
    let all = Client::builder(url.clone())
        .header_key(HEADER_KEY)
        .query_key(QUERY_KEY)
        .basic(BASIC_USER, BASIC_PASS)
        .token(BEARER)
        .build()
        .unwrap();

    // `security: []`: nothing, whatever the client holds.
    all.secured_none().await.unwrap();
    let seen = last(&s);
    assert_eq!((seen.authorization, seen.api_key, seen.query.as_str()), (None, None, ""));

    // OR: the first alternative whose credentials are set, and only it.
    all.secured_either().await.unwrap();
    let seen = last(&s);
    assert_eq!((seen.api_key.as_deref(), seen.authorization), (Some(HEADER_KEY), None));
    let basic_only = Client::builder(url.clone()).basic(BASIC_USER, BASIC_PASS).build().unwrap();
    basic_only.secured_either().await.unwrap();
    let seen = last(&s);
    assert_eq!(seen.authorization.as_deref(), Some(format!("Basic {BASIC_B64}").as_str()));
    assert_eq!(seen.api_key, None);

    // AND: every scheme of the requirement.
    all.secured_both().await.unwrap();
    let seen = last(&s);
    assert_eq!(seen.api_key.as_deref(), Some(HEADER_KEY));
    assert_eq!(seen.query, format!("api_key={QUERY_KEY}"));

    // Optional (`{}`): the key when set, nothing otherwise (and no error).
    all.secured_optional().await.unwrap();
    assert_eq!(last(&s).api_key.as_deref(), Some(HEADER_KEY));
    basic_only.secured_optional().await.unwrap();
    let seen = last(&s);
    assert_eq!((seen.api_key, seen.authorization), (None, None));

    // The client-wide fixed bearer token still serves a bearer scheme left unset (as before schemes).
    let legacy = Client::builder(url).bearer_token(BEARER).build().unwrap();
    legacy.secured_default().await.unwrap();
    assert_eq!(last(&s).authorization.as_deref(), Some(format!("Bearer {BEARER}").as_str()));
}

#[tokio::test]
async fn an_api_key_header_does_not_follow_a_redirect_to_another_origin() {
    let elsewhere = Shared::default();
    let other = serve(elsewhere.clone()).await;
    let target = format!("{other}/secured/header");
    let app = Router::new().route(
        "/secured/header",
        get(move || {
            let target = target.clone();
            async move { (StatusCode::FOUND, [("location", target)]).into_response() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = Client::builder(url).header_key(HEADER_KEY).build().unwrap();
    let e = client.secured_header().await.unwrap_err();
    assert_eq!(e.status(), Some(302), "the redirect is the answer: {e:?}");
    assert_eq!(requests(&elsewhere), 0, "the key went to another origin");
}

#[tokio::test]
async fn a_requirement_no_credential_meets_is_a_typed_error_and_nothing_is_sent() {
    let s = Shared::default();
    let url = serve(s.clone()).await;
    let bare = Client::builder(url.clone()).build().unwrap();
    let e = bare.secured_header().await.unwrap_err();
    let Error::Auth(a) = &e else { panic!("expected Error::Auth, got {e:?}") };
    assert_eq!(a.operation, "securedHeader");
    match &a.kind {
        AuthErrorKind::MissingCredentials { alternatives } => assert_eq!(alternatives, &vec![vec!["header_key"]]),
        other => panic!("expected MissingCredentials, got {other:?}"),
    }
    assert!(e.to_string().contains("securedHeader") && e.to_string().contains("header_key"), "{e}");
    assert!(!e.is_retryable());

    // AND with one of the two set; OR with neither.
    let half = Client::builder(url).header_key(HEADER_KEY).build().unwrap();
    let e = half.secured_both().await.unwrap_err();
    assert!(
        matches!(&e, Error::Auth(a) if matches!(&a.kind, AuthErrorKind::MissingCredentials { alternatives } if alternatives == &vec![vec!["header_key", "query_key"]])),
        "{e:?}"
    );
    let e = bare.secured_either().await.unwrap_err();
    assert!(e.to_string().contains(r#"["header_key"] or ["basic"]"#), "{e}");
    clean("a missing-credential error", &format!("{e} {e:?}"));
    assert_eq!(requests(&s), 0, "nothing may be sent without the credentials");

    // A credential the caller sends itself (`CallOptions::header`) meets the requirement, and stands.
    let own = bare.with_options(CallOptions::new().header("X-Api-Key", HEADER_KEY));
    own.secured_header().await.unwrap();
    assert_eq!(last(&s).api_key.as_deref(), Some(HEADER_KEY));
    let own = bare.with_options(CallOptions::new().header("Authorization", &format!("Bearer {OIDC}")));
    own.secured_oidc().await.unwrap();
    assert_eq!(last(&s).authorization.as_deref(), Some(format!("Bearer {OIDC}").as_str()));
    assert_eq!(requests(&s), 2);

    // `security: []` and an optional requirement need nothing.
    bare.secured_none().await.unwrap();
    bare.secured_optional().await.unwrap();
    assert_eq!(requests(&s), 4);
}

#[tokio::test]
async fn a_credential_of_the_wrong_kind_or_for_no_scheme_is_refused_at_build() {
    let wrong = Client::builder("http://127.0.0.1:9").credential("basic", Credential::api_key(HEADER_KEY)).build();
    let e = wrong.unwrap_err();
    assert!(e.to_string().contains("\"basic\"") && e.to_string().contains("user name and password"), "{e}");
    clean("a build error", &format!("{e} {e:?}"));
    let unknown = Client::builder("http://127.0.0.1:9").credential("nope", Credential::bearer(BEARER)).build();
    let e = unwrap_build_err(unknown);
    assert!(e.contains("no security scheme \"nope\""), "{e}");
    clean("a build error", &e);
    // Client credentials for a scheme without the client-credentials flow.
    let no_flow = Client::builder("http://127.0.0.1:9")
        .code_flow(Credential::client_credentials(CLIENT_ID, CLIENT_SECRET))
        .build();
    let e = unwrap_build_err(no_flow);
    assert!(e.contains("no client-credentials flow"), "{e}");
    clean("a build error", &e);
    // A header value that is not HTTP: refused, without the value.
    let bad = Client::builder("http://127.0.0.1:9").header_key("bad\nhdr-PLANTED-key").build();
    clean("a build error", &unwrap_build_err(bad));
}

fn unwrap_build_err(r: Result<Client, Error>) -> String {
    match r {
        Ok(_) => panic!("the build should fail"),
        Err(e) => format!("{e} {e:?}"),
    }
}

fn oauth_client(url: &str) -> Client {
    Client::builder(url)
        .oauth(Credential::client_credentials(CLIENT_ID, CLIENT_SECRET).scopes(["read"]))
        .retry(quick())
        .build()
        .unwrap()
}

#[tokio::test]
async fn oauth2_client_credentials_one_fetch_for_ten_concurrent_calls() {
    let s = Shared::default();
    let url = serve(s.clone()).await;
    let client = oauth_client(&url);
    let calls = (0..10).map(|_| {
        let c = client.clone();
        async move { c.secured_oauth().await }
    });
    for r in futures_util::future::join_all(calls).await {
        r.unwrap();
    }
    let server = s.lock().unwrap();
    assert_eq!(server.token_requests.len(), 1, "one token fetch shared by concurrent calls");
    let (auth, form) = &server.token_requests[0];
    assert_eq!(auth.as_deref(), Some(format!("Basic {CLIENT_B64}").as_str()));
    assert_eq!(form, "grant_type=client_credentials&scope=read");
    assert_eq!(server.seen.len(), 10);
    assert!(server.seen.iter().all(|r| r.authorization.as_deref() == Some("Bearer tok-PLANTED-1")));
}

#[tokio::test]
async fn oauth2_token_is_fetched_again_after_it_expires() {
    let s = Shared::default();
    s.lock().unwrap().expires_in = Some(1);
    let url = serve(s.clone()).await;
    let client = oauth_client(&url);
    client.secured_oauth().await.unwrap();
    client.secured_oauth().await.unwrap();
    assert_eq!(s.lock().unwrap().token_requests.len(), 1, "a fresh token is reused");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.secured_oauth().await.unwrap();
    let server = s.lock().unwrap();
    assert_eq!(server.token_requests.len(), 2, "an expired token is replaced before the call");
    assert_eq!(server.seen.last().unwrap().authorization.as_deref(), Some("Bearer tok-PLANTED-2"));
}

#[tokio::test]
async fn oauth2_a_401_fetches_the_token_again_once_and_never_loops() {
    let s = Shared::default();
    let url = serve(s.clone()).await;
    let client = oauth_client(&url);
    client.secured_oauth().await.unwrap();
    // The server revokes the token: the next call is refused, fetches anew, and succeeds.
    s.lock().unwrap().valid.clear();
    client.secured_oauth().await.unwrap();
    {
        let server = s.lock().unwrap();
        assert_eq!(server.token_requests.len(), 2);
        assert_eq!(server.seen.len(), 3);
        assert_eq!(server.seen[2].authorization.as_deref(), Some("Bearer tok-PLANTED-2"));
    }
    // Every token refused: one more fetch, one more attempt, then the 401 is the answer.
    s.lock().unwrap().refuse_all = true;
    let e = client.secured_oauth().await.unwrap_err();
    assert_eq!(e.status(), Some(401), "{e:?}");
    let server = s.lock().unwrap();
    assert_eq!(server.token_requests.len(), 3, "refetched once, not in a loop");
    assert_eq!(server.seen.len(), 5);
}

#[tokio::test]
async fn oauth2_a_token_endpoint_failing_on_the_way_is_tried_again_within_the_policy() {
    let s = Shared::default();
    s.lock().unwrap().unavailable = 1;
    let url = serve(s.clone()).await;
    oauth_client(&url).secured_oauth().await.unwrap();
    assert_eq!(s.lock().unwrap().token_requests.len(), 2, "one 503, then the token");
    // Unavailable past the policy: a retryable typed error, and the operation is not sent.
    let s = Shared::default();
    s.lock().unwrap().unavailable = 100;
    let url = serve(s.clone()).await;
    let e = oauth_client(&url).secured_oauth().await.unwrap_err();
    assert!(matches!(&e, Error::Auth(a) if matches!(a.kind, AuthErrorKind::TokenRefused { status: 503, .. })), "{e:?}");
    assert!(e.is_retryable());
    assert_eq!(s.lock().unwrap().token_requests.len(), quick().max_attempts as usize);
    assert_eq!(requests(&s), 0);
}

#[tokio::test]
async fn oauth2_secret_in_the_body_when_asked() {
    let s = Shared::default();
    let url = serve(s.clone()).await;
    let client = Client::builder(&url)
        .oauth(Credential::client_credentials(CLIENT_ID, CLIENT_SECRET).secret_in_body())
        .build()
        .unwrap();
    client.secured_oauth().await.unwrap();
    let server = s.lock().unwrap();
    let (auth, form) = &server.token_requests[0];
    assert_eq!(auth, &None);
    assert_eq!(form, &format!("grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"));
}

#[tokio::test]
async fn a_token_endpoint_answering_badly_is_a_typed_error() {
    for (mode, expect) in [(TokenMode::NotJson, "not JSON"), (TokenMode::NoToken, "access_token")] {
        let s = Shared::default();
        s.lock().unwrap().token_mode = mode;
        let url = serve(s.clone()).await;
        let e = oauth_client(&url).secured_oauth().await.unwrap_err();
        let Error::Auth(a) = &e else { panic!("{mode:?}: expected Error::Auth, got {e:?}") };
        match &a.kind {
            AuthErrorKind::TokenMalformed { scheme, message } => {
                assert_eq!(*scheme, "oauth");
                assert!(message.contains(expect), "{mode:?}: {message}");
            }
            other => panic!("{mode:?}: expected TokenMalformed, got {other:?}"),
        }
        clean("a token error", &format!("{e} {e:?}"));
        assert_eq!(requests(&s), 0, "{mode:?}: the operation is not sent without a token");
    }
    let s = Shared::default();
    s.lock().unwrap().token_mode = TokenMode::Refused;
    let url = serve(s.clone()).await;
    let e = oauth_client(&url).secured_oauth().await.unwrap_err();
    assert!(
        matches!(&e, Error::Auth(a) if matches!(&a.kind, AuthErrorKind::TokenRefused { status: 401, error: Some(code), .. } if code == "invalid_client")),
        "{e:?}"
    );
    clean("a token refusal", &format!("{e} {e:?}"));
    assert_eq!(requests(&s), 0);
}

#[tokio::test]
async fn a_failing_token_provider_is_a_typed_error_with_its_source() {
    let s = Shared::default();
    let url = serve(s.clone()).await;
    let client = Client::builder(url)
        .code_flow(Credential::bearer_provider(|| async { Err::<String, _>(std::io::Error::other("vault sealed")) }))
        .build()
        .unwrap();
    let e = client.secured_code().await.unwrap_err();
    assert!(
        matches!(&e, Error::Auth(a) if matches!(a.kind, AuthErrorKind::Provider { scheme: "code_flow", .. })),
        "{e:?}"
    );
    assert!(std::error::Error::source(&e).is_some_and(|s| s.to_string() == "vault sealed"));
    assert_eq!(requests(&s), 0);
}

#[tokio::test]
async fn no_credential_prints_in_debug_or_errors() {
    // A closed port: the transport error names the URL, whose query carried the key.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let builder = Client::builder(&url)
        .header_key(HEADER_KEY)
        .query_key(QUERY_KEY)
        .cookie_key(COOKIE_KEY)
        .basic(BASIC_USER, BASIC_PASS)
        .token(BEARER)
        .oidc(Credential::bearer(OIDC))
        .oauth(Credential::client_credentials(CLIENT_ID, CLIENT_SECRET))
        .retry(RetryPolicy::none());
    clean("the builder's Debug", &format!("{builder:?}"));
    let client = builder.build().unwrap();
    clean("the client's Debug", &format!("{client:?}"));
    clean("a credential's Debug", &format!("{:?}", Credential::basic(BASIC_USER, BASIC_PASS)));
    clean("client credentials' Debug", &format!("{:?}", Credential::client_credentials(CLIENT_ID, CLIENT_SECRET)));
    for e in [
        client.secured_query().await.unwrap_err(),
        client.secured_both().await.unwrap_err(),
        client.secured_header().await.unwrap_err(),
        client.secured_basic().await.unwrap_err(),
        client.secured_cookie().await.unwrap_err(),
        client.secured_oauth().await.unwrap_err(),
    ] {
        assert!(matches!(e, Error::Transport(_) | Error::Timeout(_)), "{e:?}");
        let source = std::error::Error::source(&e).map(|s| format!("{s} {s:?}")).unwrap_or_default();
        clean("a transport error", &format!("{e} {e:?} {source}"));
    }
    let e = client.secured_query().await.unwrap_err();
    assert!(e.to_string().contains("api_key=%3Credacted%3E"), "the URL is kept, the key is not: {e}");
}
