//! Parameters on the wire (issue 24, item 3). The runtime's encoders (`codegen/runtime/params.rs`, included
//! here as it is copied into every generated crate) against the OpenAPI specification's style examples
//! (`color` as `blue`, `[blue, black, brown]` and `{R: 100, G: 200, B: 150}` in every style and explode);
//! then the fixture client (`features.yaml`, tag `params`) against an in-process server that records the
//! raw path, query string, `Cookie` header and header parameters: the exact text sent, reserved characters,
//! an empty array, optional parameters left out, and names and values that would inject another parameter,
//! cookie or header, encoded or refused.

#[allow(dead_code)]
#[path = "../runtime/params.rs"]
mod params;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use fixture_client::models::{
    Rgb, StyledCallCreated, StyledCallCreatedVariant0, StyledCallFilter, StyledCallFilterItemsItem,
    StyledCallFilterRange, StyledCallQ,
};
use fixture_client::operations::StyledCallParams;
use fixture_client::{Client, Error};
use serde::Serialize;
use std::sync::{Arc, Mutex};

#[derive(Serialize)]
struct Color {
    #[serde(rename = "R")]
    r: u8,
    #[serde(rename = "G")]
    g: u8,
    #[serde(rename = "B")]
    b: u8,
}

const RGB: Color = Color { r: 100, g: 200, b: 150 };
const LIST: [&str; 3] = ["blue", "black", "brown"];

fn q(f: impl FnOnce(&mut String)) -> String {
    let mut out = String::new();
    f(&mut out);
    out
}

/// The specification's "Style Examples" table, row by row: (style, explode, empty, string, array, object).
/// `label` without explode is RFC 6570's `{.color}` (`.blue,black,brown`), as OpenAPI 3.0.4 and 3.1.1
/// corrected the table.
#[test]
fn the_specifications_style_examples() {
    let rows: [(&str, bool, &str, &str, &str, &str); 10] = [
        ("matrix", false, ";color", ";color=blue", ";color=blue,black,brown", ";color=R,100,G,200,B,150"),
        ("matrix", true, ";color", ";color=blue", ";color=blue;color=black;color=brown", ";R=100;G=200;B=150"),
        ("label", false, ".", ".blue", ".blue,black,brown", ".R,100,G,200,B,150"),
        ("label", true, ".", ".blue", ".blue.black.brown", ".R=100.G=200.B=150"),
        ("simple", false, "", "blue", "blue,black,brown", "R,100,G,200,B,150"),
        ("simple", true, "", "blue", "blue,black,brown", "R=100,G=200,B=150"),
        ("form", false, "color=", "color=blue", "color=blue,black,brown", "color=R,100,G,200,B,150"),
        ("form", true, "color=", "color=blue", "color=blue&color=black&color=brown", "R=100&G=200&B=150"),
        (
            "spaceDelimited",
            false,
            "color=",
            "color=blue",
            "color=blue%20black%20brown",
            "color=R%20100%20G%20200%20B%20150",
        ),
        (
            "pipeDelimited",
            false,
            "color=",
            "color=blue",
            "color=blue%7Cblack%7Cbrown",
            "color=R%7C100%7CG%7C200%7CB%7C150",
        ),
    ];
    fn write<T: Serialize + ?Sized>(style: &str, explode: bool, v: &T) -> String {
        match style {
            "matrix" => params::matrix("color", v, explode),
            "label" => params::label(v, explode),
            "simple" => params::simple(v, explode),
            "form" => q(|o| params::form(o, "color", v, explode, false)),
            "spaceDelimited" => q(|o| params::delimited(o, "color", v, "%20", explode, false)),
            "pipeDelimited" => q(|o| params::delimited(o, "color", v, "%7C", explode, false)),
            _ => unreachable!(),
        }
    }
    for (style, explode, empty, string, array, object) in rows {
        let at = format!("{style} explode={explode}");
        assert_eq!(write(style, explode, ""), empty, "{at}: empty");
        assert_eq!(write(style, explode, "blue"), string, "{at}: string");
        assert_eq!(write(style, explode, &LIST), array, "{at}: array");
        assert_eq!(write(style, explode, &RGB), object, "{at}: object");
    }
    assert_eq!(q(|o| params::deep_object(o, "color", &RGB, false)), "color[R]=100&color[G]=200&color[B]=150");
    // Header parameters are `simple`, not percent-encoded.
    assert_eq!(params::header(&LIST, false).as_deref(), Some("blue,black,brown"));
    assert_eq!(params::header(&RGB, false).as_deref(), Some("R,100,G,200,B,150"));
    assert_eq!(params::header(&RGB, true).as_deref(), Some("R=100,G=200,B=150"));
    assert_eq!(params::header("a b", false).as_deref(), Some("a b"));
}

/// `null` (an absent optional) and an empty array or object send nothing in any style (RFC 6570: undefined).
#[test]
fn absent_and_empty_values_send_nothing() {
    let none: Option<Vec<String>> = None;
    let empty: Vec<String> = Vec::new();
    for explode in [false, true] {
        assert_eq!(q(|o| params::form(o, "a", &none, explode, false)), "");
        assert_eq!(q(|o| params::form(o, "a", &empty, explode, false)), "");
        assert_eq!(q(|o| params::form(o, "a", &serde_json::json!({}), explode, false)), "");
        assert_eq!(q(|o| params::delimited(o, "a", &empty, "%20", explode, false)), "");
        assert_eq!(q(|o| params::cookie(o, "a", &empty, explode)), "");
        assert_eq!(params::header(&empty, explode), None);
        assert_eq!(params::label(&empty, explode), "");
        assert_eq!(params::matrix("a", &empty, explode), "");
    }
    assert_eq!(q(|o| params::deep_object(o, "a", &none, false)), "");
    assert_eq!(params::json(&none), None);
    // Inside an object, a `null` property is left out too.
    let v = serde_json::json!({"a": null, "b": 1});
    assert_eq!(q(|o| params::deep_object(o, "f", &v, false)), "f[b]=1");
    assert_eq!(q(|o| params::form(o, "f", &v, true, false)), "b=1");
}

#[test]
fn deep_objects_nest_as_stripe_and_rails_read_them() {
    let v = serde_json::json!({
        "created": {"gte": 1, "lt": 2},
        "expand": ["a", "b.c"],
        "items": [{"price": "p_1", "quantity": 2}, {"price": "p_2"}],
        "deep": {"x": {"y": true}},
        "n": 1.5
    });
    assert_eq!(
        q(|o| params::deep_object(o, "p", &v, false)),
        "p[created][gte]=1&p[created][lt]=2&p[expand][]=a&p[expand][]=b.c&p[items][0][price]=p_1\
         &p[items][0][quantity]=2&p[items][1][price]=p_2&p[deep][x][y]=true&p[n]=1.5"
    );
    // A top-level array: Stripe's `expand[]`; a scalar where an object may be: `created=5`.
    assert_eq!(
        q(|o| params::deep_object(o, "expand", &["customer", "invoice"], false)),
        "expand[]=customer&expand[]=invoice"
    );
    assert_eq!(q(|o| params::deep_object(o, "created", &5, false)), "created=5");
    // Keys are encoded inside their brackets: a `]` or `&` in a key cannot close the bracket or start a pair.
    let v = serde_json::json!({"a]b&c=d": "v"});
    assert_eq!(q(|o| params::deep_object(o, "f", &v, false)), "f[a%5Db%26c%3Dd]=v");
}

/// Nothing a name or a value holds can add a parameter, a cookie or a header: only RFC 3986's unreserved
/// characters pass, with `allowReserved` the reserved ones but `& = + #`.
#[test]
fn names_and_values_are_encoded_never_injected() {
    let evil = "x&admin=1;y=2#f+g h\r\nSet-Cookie: a=b%41é";
    let encoded = "x%26admin%3D1%3By%3D2%23f%2Bg%20h%0D%0ASet-Cookie%3A%20a%3Db%2541%C3%A9";
    assert_eq!(q(|o| params::form(o, "a&b=c", evil, true, false)), format!("a%26b%3Dc={encoded}"));
    assert_eq!(q(|o| params::cookie(o, "s;id=", evil, true)), format!("s%3Bid%3D={encoded}"));
    assert_eq!(params::simple(evil, false), encoded);
    assert_eq!(params::simple("../admin", false), "..%2Fadmin");
    // allowReserved: `/ ? : @ ! $ ' ( ) * , ; [ ]` and `%XX` pass; `& = + #`, spaces and a lone `%` do not.
    assert_eq!(
        q(|o| params::form(o, "r", "a/b?c:d@e!$'()*,;[]&f=g+h#i j%41%zz", true, true)),
        "r=a/b?c:d@e!$'()*,;[]%26f%3Dg%2Bh%23i%20j%41%25zz"
    );
    // A delimiter inside an item is encoded; the style's own is not.
    assert_eq!(q(|o| params::form(o, "a", &["x,y", "z"], false, false)), "a=x%2Cy,z");
    assert_eq!(q(|o| params::delimited(o, "a", &["x|y", "z"], "%7C", false, false)), "a=x%7Cy%7Cz");
}

/// A template with a query of its own (`/search?query={query}`, Medium's and ClickSend's) keeps it.
#[test]
fn the_query_string_follows_the_templates_own() {
    assert_eq!(params::with_query("/s", ""), "/s");
    assert_eq!(params::with_query("/s", "b=1"), "/s?b=1");
    assert_eq!(params::with_query("/s?query=a%26", "b=1"), "/s?query=a%26&b=1");
}

#[test]
fn json_content_is_the_values_json_text() {
    #[derive(Serialize)]
    struct Q {
        b: u8,
        a: &'static str,
    }
    assert_eq!(params::json(&Q { b: 2, a: "x y" }).as_deref(), Some(r#"{"b":2,"a":"x y"}"#));
    assert_eq!(params::json(&[1, 2]).as_deref(), Some("[1,2]"));
    assert_eq!(params::json("s").as_deref(), Some(r#""s""#));
    let text = params::json(&Q { b: 2, a: "x&y" });
    assert_eq!(q(|o| params::form(o, "q", &text, false, false)), "q=%7B%22b%22%3A2%2C%22a%22%3A%22x%26y%22%7D");
}

/// What one request carried, as the server received it.
#[derive(Clone, Debug, Default)]
struct Seen {
    path: String,
    query: Option<String>,
    cookie: Option<String>,
    colors: Option<String>,
    point: Option<String>,
}

type Log = Arc<Mutex<Vec<Seen>>>;

async fn record(State(log): State<Log>, uri: Uri, headers: HeaderMap) -> StatusCode {
    let h = |n: &str| headers.get(n).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    log.lock().unwrap().push(Seen {
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        cookie: h("cookie"),
        colors: h("x-colors"),
        point: h("x-point"),
    });
    StatusCode::NO_CONTENT
}

async fn serve() -> (Log, Client) {
    let log = Log::default();
    let app = Router::new().fallback(record).with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (log, Client::builder(format!("http://{addr}")).build().unwrap())
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn last(log: &Log) -> Seen {
    log.lock().unwrap().last().cloned().expect("a request arrived")
}

#[tokio::test]
async fn every_style_goes_on_the_wire_as_written() {
    let (log, client) = serve().await;
    let params = StyledCallParams::new("abc; evil=1")
        .shared("s")
        .expand(strings(&["customer", "invoice.lines"]))
        .list(strings(&["a", "b c"]))
        .csv(strings(&["x", "y,z"]))
        .point(Rgb::new(100, 200, 150))
        .point_csv(Rgb::new(100, 200, 150))
        .spaced(strings(&["blue", "black"]))
        .piped(strings(&["blue", "black"]))
        .created(StyledCallCreated::StyledCallCreatedVariant0(
            StyledCallCreatedVariant0::new().gte(1_700_000_000).lt(1_800_000_000),
        ))
        .filter(
            StyledCallFilter::new()
                .status("open")
                .range(StyledCallFilterRange::new().from(1).to(5))
                .tags(strings(&["t1", "t2"]))
                .items(vec![StyledCallFilterItemsItem::new().price("p_1").quantity(2)]),
        )
        .raw("a/b?c=d&e")
        .q(StyledCallQ::new().a("x y").b(2))
        .x_colors(strings(&["blue", "black"]))
        .x_point(Rgb::new(100, 200, 150))
        .prefs(strings(&["dark", "compact"]))
        .theme("x");
    // Cookie values (a session, often) never print.
    let shown = format!("{params:?}");
    assert!(!shown.contains("evil") && !shown.contains("dark"), "{shown}");
    assert!(shown.contains(r#"session: "<redacted>""#) && shown.contains(r#"prefs: Some("<redacted>")"#), "{shown}");
    assert!(shown.contains(r#"shared: Some("s")"#), "{shown}");
    client
        .styled_call(&strings(&["a", "b"]), &Rgb::new(100, 200, 150), &strings(&["x", "y z"]), &params)
        .await
        .unwrap();
    let seen = last(&log);
    assert_eq!(seen.path, "/styles/.a.b/;matrix=R,100,G,200,B,150/x,y%20z");
    let query = [
        // Declared on the path item: `shared` (overridden by the operation's string) and `$ref`'d `expand`.
        "shared=s",
        "expand[]=customer&expand[]=invoice.lines",
        "list=a&list=b%20c",
        "csv=x,y%2Cz",
        "R=100&G=200&B=150",
        "point_csv=R,100,G,200,B,150",
        "spaced=blue%20black",
        "piped=blue%7Cblack",
        "created[gte]=1700000000&created[lt]=1800000000",
        "filter[status]=open&filter[range][from]=1&filter[range][to]=5&filter[tags][]=t1&filter[tags][]=t2\
         &filter[items][0][price]=p_1&filter[items][0][quantity]=2",
        "raw=a/b?c%3Dd%26e",
        "q=%7B%22a%22%3A%22x%20y%22%2C%22b%22%3A2%7D",
    ]
    .join("&");
    assert_eq!(seen.query.as_deref(), Some(query.as_str()));
    // One `Cookie` header; the `;` and `=` of a value stay inside it.
    assert_eq!(seen.cookie.as_deref(), Some("session=abc%3B%20evil%3D1; prefs=dark,compact; theme=x"));
    assert_eq!(seen.colors.as_deref(), Some("blue,black"));
    assert_eq!(seen.point.as_deref(), Some("R=100,G=200,B=150"));
}

#[tokio::test]
async fn optional_parameters_left_out_and_empty_arrays_send_nothing() {
    let (log, client) = serve().await;
    let empty = Vec::<String>::new();
    let params = StyledCallParams::new("s1").list(empty.clone()).expand(empty.clone()).x_colors(empty.clone());
    client.styled_call(&strings(&["l"]), &Rgb::new(1, 2, 3), &strings(&["p"]), &params).await.unwrap();
    let seen = last(&log);
    assert_eq!(seen.path, "/styles/.l/;matrix=R,1,G,2,B,3/p");
    assert_eq!(seen.query, None, "no `?` at all");
    assert_eq!(seen.cookie.as_deref(), Some("session=s1"));
    assert_eq!((seen.colors, seen.point), (None, None));
}

/// A header parameter that cannot be a header value (a line break) is refused before anything is sent,
/// as `Error::InvalidRequest`, and the message does not quote the value.
#[tokio::test]
async fn a_header_value_with_a_line_break_is_refused_not_sent() {
    let (log, client) = serve().await;
    let params = StyledCallParams::new("s").x_colors(strings(&["blue\r\nX-Admin: SECRET-PLANTED"]));
    let err = client.styled_call(&strings(&["l"]), &Rgb::new(1, 2, 3), &strings(&["p"]), &params).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("SECRET-PLANTED"), "{err}");
    assert!(log.lock().unwrap().is_empty(), "nothing reached the server");
}

/// Lenient mode: `{account}` is in the template but not declared, so it is a string argument; the declared
/// `ghost`, not in the template, is left out.
#[tokio::test]
async fn a_path_parameter_the_operation_does_not_declare_is_a_string_argument() {
    let (log, client) = serve().await;
    client.lenient_path("acc/1 ?#", 7).await.unwrap();
    let seen = last(&log);
    assert_eq!(seen.path, "/lenient/acc%2F1%20%3F%23/items/7");
    assert_eq!(seen.query, None);
}
