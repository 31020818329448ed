//! Streamed success responses: which media types are read as a stream, and the type of a server-sent event's
//! data. Lowering calls [`response`] for each response and [`settle`] for each operation; emission reads the
//! result from the body types (`Ty::EventStream`, `Ty::ByteStream`, see `emit/streaming.rs`).
//!
//! - `text/event-stream` (when no JSON or form media type is offered beside it) becomes
//!   `sse::EventStream<T>`. `T` comes from the media type's `itemSchema` (OpenAPI 3.2; read from the raw
//!   document, so a 3.0 or 3.1 document may carry it too) or, failing that, its `schema` when that is not a
//!   string (how OpenAI and other 3.0/3.1 documents describe one event). An item schema shaped like an event
//!   (an object whose properties are among `data`, `event`, `id` and `retry`, with `data`) gives `data`'s
//!   type: its `contentSchema` (3.2's way to say the text is JSON), else its own schema unless it is a string.
//!   Otherwise the item schema is the data's type. No schema, or a string: the data stays text (`String`).
//!   `x-stream-terminator` on the media type names the data that ends the stream (`[DONE]`).
//! - Any other media type that is neither JSON, form nor text (`application/octet-stream`, images, archives)
//!   becomes `stream::ByteStream`. Small JSON and text answers stay as they are.
//!
//! Only success responses stream: error bodies are read whole and decoded as today.

use crate::diag::child;
use crate::extensions::Extension;
use crate::model::{BodyKind, Operation, Prim, ResultShape, Ty};
use crate::types::TypeLowering;
use indexmap::IndexMap;
use openapiv3::{MediaType, ReferenceOr, Schema};
use serde_json::Value;

/// The media type of server-sent events.
pub const EVENT_STREAM: &str = "text/event-stream";

/// The keys of an item schema shaped like one server-sent event.
const EVENT_FIELDS: [&str; 4] = ["data", "event", "id", "retry"];

fn is_event_stream(ct: &str) -> bool {
    ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case(EVENT_STREAM)
}

/// A response's body and how it is carried, streamed where its media type calls for it; `lowered` is what
/// plain lowering made of it. `at` is the response's pointer, `hint` the name for an inline data type.
pub fn response(
    tl: &mut TypeLowering<'_>,
    content: &IndexMap<String, MediaType>,
    at: &str,
    success: bool,
    hint: &str,
    lowered: (Ty, BodyKind),
) -> (Ty, BodyKind) {
    let Some((ct, _, kind)) = crate::operations::pick_content(content).filter(|_| success) else { return lowered };
    // Events beside another answer (OpenAI's audio: bytes, or events when asked): the method reads the
    // other one, and a `<method>_events` companion the events.
    let others: Vec<&String> =
        content.keys().filter(|k| !is_event_stream(k) && !k.to_ascii_lowercase().starts_with("multipart/")).collect();
    match kind {
        BodyKind::Bytes => (Ty::ByteStream, BodyKind::Bytes),
        BodyKind::Text if is_event_stream(ct) && !others.is_empty() => {
            match others.iter().any(|k| k.to_ascii_lowercase().starts_with("text/")) {
                true => lowered,
                false => (Ty::ByteStream, BodyKind::Bytes),
            }
        }
        BodyKind::Text if is_event_stream(ct) => {
            let media_ptr = child(&child(at, "content"), ct);
            let data = event_data(tl, &media_ptr, hint).unwrap_or(Ty::Prim(Prim::String));
            let terminator = terminator(tl, &media_ptr);
            (Ty::EventStream(Box::new(data), terminator), BodyKind::Text)
        }
        _ => lowered,
    }
}

/// `x-stream-terminator` on the media type at `media_ptr`: a string, or a warning and none.
fn terminator(tl: &mut TypeLowering<'_>, media_ptr: &str) -> Option<String> {
    let value = tl.spec.raw.pointer(media_ptr)?.get(crate::extensions::STREAM_TERMINATOR)?;
    match value.as_str() {
        Some(t) => Some(t.to_string()),
        None => {
            let at = child(media_ptr, crate::extensions::STREAM_TERMINATOR);
            tl.warn(
                &at,
                format!(
                    "{}: expected a string (the data that ends the stream); ignored",
                    crate::extensions::STREAM_TERMINATOR
                ),
            );
            None
        }
    }
}

/// The type of an event's data, from the media type's `itemSchema` (or `schema`); `None`: text.
fn event_data(tl: &mut TypeLowering<'_>, media_ptr: &str, hint: &str) -> Option<Ty> {
    let raw = &tl.spec.raw;
    let media = raw.pointer(media_ptr)?;
    let (key, schema) = match (media.get("itemSchema"), media.get("schema")) {
        (Some(s), _) => ("itemSchema", s),
        (None, Some(s)) => ("schema", s),
        (None, None) => return None,
    };
    let schema_ptr = child(media_ptr, key);
    let doc = tl.spec.document();
    let (resolved, resolved_ptr) = doc.deref(schema, &schema_ptr)?;
    let event_shaped = resolved
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| p.contains_key("data") && p.keys().all(|k| EVENT_FIELDS.contains(&k.as_str())));
    let (schema, schema_ptr) = if event_shaped {
        let data_ptr = child(&child(&resolved_ptr, "properties"), "data");
        let data = &resolved["properties"]["data"];
        let (data_resolved, data_at) = doc.deref(data, &data_ptr)?;
        match data_resolved.get("contentSchema") {
            Some(inner) => (inner.clone(), child(&data_at, "contentSchema")),
            None => (data.clone(), data_ptr),
        }
    } else {
        (schema.clone(), schema_ptr)
    };
    if is_string(doc.follow(&schema)) {
        return None;
    }
    match serde_json::from_value::<ReferenceOr<Schema>>(schema) {
        Ok(s) => {
            let (ty, nullable) = tl.ty_of(&s, &schema_ptr, hint);
            Some(if nullable { Ty::Option(Box::new(ty)) } else { ty })
        }
        Err(e) => {
            tl.warn(&schema_ptr, format!("the event schema cannot be read ({e}); each event's data stays text"));
            None
        }
    }
}

/// A schema of plain text: `type: string` without a format that makes it something else.
fn is_string(schema: &Value) -> bool {
    let ty = schema.get("type");
    let string = ty.and_then(Value::as_str) == Some("string")
        || ty
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|t| t == "string") && a.iter().all(|t| t == "string" || t == "null"));
    string && schema.get("enum").is_none()
}

/// Whether the operation's success body is streamed (some success response is).
pub fn is_streamed(op: &Operation) -> bool {
    op.responses.iter().any(|r| r.success && streams(&r.body))
}

/// Whether a body type is a stream.
pub fn streams(ty: &Ty) -> bool {
    matches!(ty, Ty::EventStream(..) | Ty::ByteStream)
}

/// Settles what a streamed answer cannot have: a download the spec caches (`x-cache`) stays one buffer (the
/// cache keeps it); on events, `x-cache` is dropped, and on any streamed answer `x-poll` (there is no status
/// field to read) and `x-idempotency` (a recovered create reads a whole body), each with a warning.
pub fn settle(tl: &mut TypeLowering<'_>, op: &mut Operation) {
    if !is_streamed(op) {
        return;
    }
    let at = child(&child("/paths", &op.path), &op.http_method.to_ascii_lowercase());
    if op.cache.is_some() {
        // A download the spec says to keep is small and read again: it stays one buffer, which the cache holds.
        let whole = |t: &mut Ty| {
            if *t == Ty::ByteStream {
                *t = Ty::Vec(Box::new(Ty::Prim(Prim::U8)));
            }
        };
        op.responses.iter_mut().for_each(|r| whole(&mut r.body));
        match &mut op.success {
            ResultShape::Single(t) => whole(t),
            ResultShape::Enum { variants, .. } => variants.iter_mut().for_each(|(_, t)| whole(t)),
        }
        if is_streamed(op) {
            op.cache = None;
            tl.warn(&child(&at, crate::extensions::Cache::NAME), "x-cache is ignored: events are not cached");
        }
    }
    if !is_streamed(op) {
        return;
    }
    if op.poll.take().is_some() {
        tl.warn(
            &child(&at, crate::extensions::Poll::NAME),
            "x-poll is ignored: a streamed answer has no status to poll",
        );
    }
    if op.declared_idempotency.take().is_some() {
        op.find_name = None;
        tl.warn(
            &child(&at, crate::extensions::Idempotency::NAME),
            "x-idempotency is ignored: a streamed answer cannot be recovered by lookup",
        );
    }
    // A paged stream of items is for JSON arrays only.
    if let ResultShape::Single(t) = &op.success
        && streams(t)
    {
        op.stream_name = None;
    }
}

/// What the generated crate needs for its streamed answers: (server-sent events, byte streams).
pub fn needs(api: &crate::model::Api) -> (bool, bool) {
    let bodies = || {
        let answers = api.operations.iter().flat_map(|o| o.responses.iter()).filter(|r| r.success).map(|r| &r.body);
        answers.chain(api.operations.iter().filter_map(|o| o.events.as_ref().map(|(_, _, t)| t)))
    };
    (bodies().any(|t| matches!(t, Ty::EventStream(..))), bodies().any(streams))
}

/// For each operation whose success answer offers `text/event-stream` beside the media type its method
/// reads (OpenAI's chat completions answer JSON, or events when the request asks to stream), a
/// `<method>_events` companion that sends the same request and reads the events. Its name is claimed after
/// every operation's own.
pub fn companions(tl: &mut TypeLowering<'_>, ops: &mut [Operation], methods: &mut crate::naming::Namespace) {
    let doc = tl.spec.document();
    for op in ops.iter_mut() {
        let item_ptr = child("/paths", &op.path);
        let Some((item, item_at)) = tl.spec.raw.pointer(&item_ptr).and_then(|i| doc.deref(i, &item_ptr)) else {
            continue;
        };
        let at = child(&item_at, &op.http_method.to_ascii_lowercase());
        let Some(responses) = item.get(op.http_method.to_ascii_lowercase()).and_then(|o| o.get("responses")) else {
            continue;
        };
        let Some(responses) = responses.as_object() else { continue };
        for (code, r) in responses {
            let status = match code.parse::<u16>() {
                Ok(c) if (200..300).contains(&c) => crate::model::StatusKey::Code(c),
                _ if code.eq_ignore_ascii_case("2XX") => crate::model::StatusKey::Range(2),
                _ => continue,
            };
            let r_ptr = child(&child(&at, "responses"), code);
            let Some((resp, resp_at)) = doc.deref(r, &r_ptr) else { continue };
            let Some(content) = resp.get("content").and_then(Value::as_object) else { continue };
            let Some(ct) = content.keys().find(|k| is_event_stream(k)) else { continue };
            // Events alone (or beside multipart only) are the method's own answer.
            if !content.keys().any(|k| !is_event_stream(k) && !k.to_ascii_lowercase().starts_with("multipart/")) {
                continue;
            }
            let media_ptr = child(&child(&resp_at, "content"), ct);
            let name = methods.claim(&format!("{}_events", op.method_name));
            let hint = format!("{}Event", crate::naming::pascal(&name));
            let data = event_data(tl, &media_ptr, &hint).unwrap_or(Ty::Prim(Prim::String));
            let terminator = terminator(tl, &media_ptr);
            op.events = Some((name, status, Ty::EventStream(Box::new(data), terminator)));
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::CrateOptions;

    fn generate(paths: &str) -> crate::Generated {
        let doc = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}\ncomponents:\n  schemas:\n    Tick: {{type: object, properties: {{n: {{type: integer}}}}}}\n"
        );
        let opts = CrateOptions { crate_name: "t".into(), spec_label: "t.yaml".into(), standalone: false };
        crate::generate_str("t.yaml", doc, &opts).unwrap_or_else(|d| panic!("{d}"))
    }

    fn op(path: &str, media: &str, extra: &str) -> String {
        format!(
            "  {path}:\n    get:\n      operationId: op{}\n{extra}      responses:\n        '200':\n          description: ok\n          content:\n{media}",
            path.len()
        )
    }

    fn operations(g: &crate::Generated) -> String {
        g.files.iter().filter(|(k, _)| k.starts_with("src/operations/")).map(|(_, v)| v.as_str()).collect()
    }

    #[test]
    fn each_form_of_the_event_schema_gives_the_data_type() {
        let sse = |body: &str| format!("            text/event-stream:\n{body}");
        let paths = [
            op("/a", &sse("              itemSchema: {$ref: '#/components/schemas/Tick'}\n"), ""),
            op(
                "/bb",
                &sse(
                    "              itemSchema: {type: object, properties: {event: {type: string}, data: {type: string, contentMediaType: application/json, contentSchema: {$ref: '#/components/schemas/Tick'}}}}\n",
                ),
                "",
            ),
            op(
                "/ccc",
                &sse(
                    "              itemSchema: {type: object, properties: {id: {type: string}, data: {$ref: '#/components/schemas/Tick'}}}\n",
                ),
                "",
            ),
            op(
                "/dddd",
                &sse(
                    "              schema: {$ref: '#/components/schemas/Tick'}\n              x-stream-terminator: '[DONE]'\n",
                ),
                "",
            ),
            op("/eeeee", &sse("              schema: {type: string}\n"), ""),
            op(
                "/ffffff",
                &sse(
                    "              itemSchema: {type: object, properties: {data: {type: string}}}\n              x-stream-terminator: 3\n",
                ),
                "",
            ),
            op(
                "/ggggggg",
                "            application/zip: {schema: {type: string, format: binary}}\n",
                "      x-poll: {status_field: status, terminal: [done], schedule: [{every_seconds: 1, for_seconds: 5}]}\n",
            ),
        ];
        let g = generate(&paths.concat());
        let ops = operations(&g);
        for (method, expect) in [
            ("op2", "resp.events(crate::sse::json::<crate::models::Tick>, None)"),
            ("op3", "resp.events(crate::sse::json::<crate::models::Tick>, None)"),
            ("op4", "resp.events(crate::sse::json::<crate::models::Tick>, None)"),
            ("op5", "resp.events(crate::sse::json::<crate::models::Tick>, Some(\"[DONE]\"))"),
            ("op6", "resp.events(crate::sse::text, None)"),
            ("op7", "resp.events(crate::sse::text, None)"),
            ("op8", "resp.byte_stream()"),
        ] {
            let at = ops.find(&format!("pub async fn {method}(")).unwrap_or_else(|| panic!("{method} missing"));
            let body = &ops[at..at + ops[at..].find("\n    }\n").unwrap()];
            assert!(body.contains(expect), "{method}: {body}");
        }
        let warnings: Vec<String> = g.warnings.iter().map(|w| w.to_string()).collect();
        assert!(warnings.iter().any(|w| w.contains("x-stream-terminator: expected a string")), "{warnings:#?}");
        assert!(warnings.iter().any(|w| w.contains("x-poll is ignored")), "{warnings:#?}");
        assert!(g.files["Cargo.toml"].contains("futures-util"));
        assert!(g.files.contains_key("src/sse.rs") && g.files.contains_key("src/stream.rs"));
    }

    #[test]
    fn json_and_text_answers_stay_whole_and_need_no_stream_runtime() {
        let paths = [
            op("/a", "            application/json: {schema: {$ref: '#/components/schemas/Tick'}}\n", ""),
            op("/bb", "            text/plain: {schema: {type: string}}\n", ""),
        ];
        let g = generate(&paths.concat());
        assert!(!g.files.contains_key("src/sse.rs") && !g.files.contains_key("src/stream.rs"));
        assert!(!g.files["Cargo.toml"].contains("futures-util"));
        assert!(operations(&g).contains("streamed: false"));
    }
}
