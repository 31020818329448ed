//! `multipart/form-data` request bodies, encoded by reqwest's `multipart` support. A generated operation
//! takes a part struct (one field per property of the body's schema) and builds a [`MultipartForm`] from
//! it: text fields, numbers and booleans as text, objects as JSON, arrays as one part per item, files as
//! [`FilePart`]s, each with the media type and headers the spec's `encoding` object gives. A body the spec
//! does not describe part by part is a [`MultipartForm`] built by hand.
//!
//! A form whose parts are all in memory is encoded before it is sent, so a retry sends it again and the
//! server sees its `Content-Length`. A form with a streamed file is sent as a stream, once, never retried
//! (see [`crate::upload`]).

use crate::upload::ByteBody;
use bytes::Bytes;

/// A file part: its content (in memory or a stream), its file name and its media type:
/// `FilePart::from_bytes("photo.png", bytes).content_type("image/png")`.
pub struct FilePart {
    body: ByteBody,
    file_name: Option<String>,
    headers: Vec<(String, String)>,
}

impl FilePart {
    /// A file held in memory, sent under `file_name`.
    pub fn from_bytes(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        FilePart { body: ByteBody::from_bytes(bytes), file_name: Some(file_name.into()), headers: Vec::new() }
    }

    /// A file read from a stream while the request is sent: the form is then sent once, never retried.
    /// Give its [`length`](Self::length) when known.
    pub fn from_stream<S>(file_name: impl Into<String>, stream: S) -> Self
    where
        S: futures_util::stream::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        FilePart { body: ByteBody::from_stream(stream), file_name: Some(file_name.into()), headers: Vec::new() }
    }

    /// The part's media type, over the one the spec's `encoding` gives (`application/octet-stream` when
    /// neither does).
    pub fn content_type(mut self, media_type: impl Into<String>) -> Self {
        self.body = self.body.content_type(media_type);
        self
    }

    /// The length of a streamed file.
    pub fn length(mut self, length: u64) -> Self {
        self.body = self.body.length(length);
        self
    }

    /// A header of this part (after those the spec's `encoding` declares).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Whether the file is a stream.
    pub fn is_stream(&self) -> bool {
        self.body.is_stream()
    }
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart").field("file_name", &self.file_name).field("body", &self.body).finish()
    }
}

/// What one part carries.
enum Value {
    Text(String),
    File(FilePart),
}

struct Part {
    name: String,
    value: Value,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
}

/// A `multipart/form-data` body: parts in order, each with a name (several may share one).
#[derive(Default)]
pub struct MultipartForm {
    parts: Vec<Part>,
    /// The first value that could not be encoded (a part is then missing: the call fails before sending).
    error: Option<String>,
}

impl MultipartForm {
    pub fn new() -> Self {
        Self::default()
    }

    /// A text part.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let part =
            Part { name: name.into(), value: Value::Text(value.into()), content_type: None, headers: Vec::new() };
        self.parts.push(part);
        self
    }

    /// A part holding `value` as JSON (`application/json`).
    pub fn json<T: serde::Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        self.push_value(name, value, Some("application/json"), true, &[]);
        self
    }

    /// A file part.
    pub fn file(mut self, name: impl Into<String>, file: FilePart) -> Self {
        let part = Part { name: name.into(), value: Value::File(file), content_type: None, headers: Vec::new() };
        self.parts.push(part);
        self
    }

    /// Whether a part is a stream (the form is then sent once, never retried).
    pub fn is_stream(&self) -> bool {
        self.parts.iter().any(|p| matches!(&p.value, Value::File(f) if f.is_stream()))
    }

    /// A value part: a string as its text, other scalars as their JSON text, objects and arrays (or any
    /// value when `json`) as JSON. Not part of the stable API.
    #[doc(hidden)]
    pub fn push_value<T: serde::Serialize + ?Sized>(
        &mut self,
        name: &str,
        value: &T,
        content_type: Option<&str>,
        json: bool,
        headers: &[(&str, Option<&str>)],
    ) {
        let value = match serde_json::to_value(value) {
            Ok(v) => v,
            Err(e) => {
                self.error.get_or_insert_with(|| {
                    format!("part `{name}`: {}", crate::support::without_values(&e.to_string()))
                });
                return;
            }
        };
        let structured = matches!(value, serde_json::Value::Object(_) | serde_json::Value::Array(_));
        let text = match value {
            serde_json::Value::String(s) if !json => s,
            other => other.to_string(),
        };
        let content_type = content_type.or((structured || json).then_some("application/json"));
        self.parts.push(Part {
            name: name.to_string(),
            value: Value::Text(text),
            content_type: content_type.map(str::to_string),
            headers: declared_headers(headers),
        });
    }

    /// A file part, with the media type the spec's `encoding` gives when the file has none. Not part of the
    /// stable API.
    #[doc(hidden)]
    pub fn push_file(
        &mut self,
        name: &str,
        file: FilePart,
        content_type: Option<&str>,
        headers: &[(&str, Option<&str>)],
    ) {
        self.parts.push(Part {
            name: name.to_string(),
            value: Value::File(file),
            content_type: content_type.map(str::to_string),
            headers: declared_headers(headers),
        });
    }

    /// Sets the request's body, as `media_type` (`multipart/form-data`, or the subtype the spec declares)
    /// with its boundary: encoded in memory when every part is (so a retry can send it again), a stream
    /// otherwise. Not part of the stable API.
    #[doc(hidden)]
    pub async fn apply(
        self,
        req: reqwest::RequestBuilder,
        media_type: &str,
    ) -> Result<reqwest::RequestBuilder, String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let essence = media_type.split(';').next().unwrap_or("").trim();
        let essence = if essence.is_empty() || essence.contains('*') { "multipart/form-data" } else { essence };
        let streamed = self.is_stream();
        let mut form = reqwest::multipart::Form::new();
        for part in self.parts {
            let name = part.name.clone();
            form = form.part(part.name.clone(), encode(part).map_err(|e| format!("part `{name}`: {e}"))?);
        }
        let content_type = format!("{essence}; boundary={}", form.boundary());
        if streamed {
            if essence.eq_ignore_ascii_case("multipart/form-data") {
                return Ok(req.multipart(form));
            }
            let body = reqwest::Body::wrap_stream(form.into_stream());
            return Ok(req.header(reqwest::header::CONTENT_TYPE, content_type).body(body));
        }
        let mut stream = std::pin::pin!(form.into_stream());
        let mut body = Vec::new();
        while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
            body.extend_from_slice(&chunk.map_err(|e| e.to_string())?);
        }
        Ok(req.header(reqwest::header::CONTENT_TYPE, content_type).body(body))
    }
}

/// Part names and kinds only: values may be secrets.
impl std::fmt::Debug for MultipartForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut list = f.debug_list();
        for p in &self.parts {
            match &p.value {
                Value::Text(_) => list.entry(&format_args!("{}: text", p.name)),
                Value::File(file) => list.entry(&format_args!("{}: {file:?}", p.name)),
            };
        }
        list.finish()
    }
}

fn declared_headers(headers: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    headers.iter().filter_map(|(n, v)| v.map(|v| (n.to_string(), v.to_string()))).collect()
}

/// One part as reqwest encodes it.
fn encode(part: Part) -> Result<reqwest::multipart::Part, String> {
    let (mut encoded, media_type, mut headers) = match part.value {
        Value::Text(text) => (reqwest::multipart::Part::text(text), part.content_type, part.headers),
        Value::File(file) => {
            let declared = part.content_type.as_deref().unwrap_or("application/octet-stream");
            let media_type = file.body.media_type(declared);
            let file_name = file.file_name;
            let mut headers = part.headers;
            headers.extend(file.headers);
            let (body, length) = file.body.into_body();
            let mut encoded = match length {
                Some(n) => reqwest::multipart::Part::stream_with_length(body, n),
                None => reqwest::multipart::Part::stream(body),
            };
            if let Some(name) = file_name {
                encoded = encoded.file_name(name);
            }
            (encoded, Some(media_type), headers)
        }
    };
    if let Some(media_type) = media_type {
        encoded = encoded.mime_str(&media_type).map_err(|_| format!("`{media_type}` is not a media type"))?;
    }
    if !headers.is_empty() {
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in headers.drain(..) {
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("`{name}` is not a header name"))?;
            let value = reqwest::header::HeaderValue::from_str(&value)
                .map_err(|_| format!("the value of header `{name}` is not a header value"))?;
            map.append(name, value);
        }
        encoded = encoded.headers(map);
    }
    Ok(encoded)
}
