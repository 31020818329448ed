//! A raw request body (`application/octet-stream`, an image, any media type the spec does not structure):
//! bytes held in memory, or a stream of bytes read while the request is sent.
//!
//! A body in memory is sent again when a call is retried. A stream cannot be replayed: a call whose body is
//! a stream makes exactly one attempt, and a `5xx`, a `429` or a lost connection is the caller's answer
//! (`Error::Api`, `Error::Transport`), never a second attempt with a body already spent.

use bytes::Bytes;

/// A raw request body: [`ByteBody::from_bytes`] (or `Vec<u8>`, `Bytes`, `String`, `&'static [u8]` through
/// `From`) or [`ByteBody::from_stream`], with an optional media type and length.
pub struct ByteBody {
    data: Data,
    content_type: Option<String>,
    length: Option<u64>,
}

enum Data {
    Bytes(Bytes),
    Stream(reqwest::Body),
}

impl ByteBody {
    /// A body held in memory: its length is known, and a retry sends it again.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        ByteBody { data: Data::Bytes(bytes.into()), content_type: None, length: None }
    }

    /// A body read from a stream while the request is sent (a file, another response): sent once, never
    /// retried. Give its [`length`](Self::length) when known, so the server sees a `Content-Length`.
    pub fn from_stream<S>(stream: S) -> Self
    where
        S: futures_util::stream::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        ByteBody { data: Data::Stream(reqwest::Body::wrap_stream(stream)), content_type: None, length: None }
    }

    /// The media type to send, over the one the spec declares (needed where the spec names a range such as
    /// `image/*` or `*/*`).
    pub fn content_type(mut self, media_type: impl Into<String>) -> Self {
        self.content_type = Some(media_type.into());
        self
    }

    /// The length of a streamed body, sent as `Content-Length` (a stream that ends early or runs long then
    /// fails the call instead of sending something else).
    pub fn length(mut self, length: u64) -> Self {
        self.length = Some(length);
        self
    }

    /// Whether the body is a stream (sent once, never retried).
    pub fn is_stream(&self) -> bool {
        matches!(self.data, Data::Stream(_))
    }

    /// The body's length, when known.
    pub fn known_length(&self) -> Option<u64> {
        match &self.data {
            Data::Bytes(b) => Some(b.len() as u64),
            Data::Stream(_) => self.length,
        }
    }

    /// The media type this body is sent with: the caller's, else the declared one unless it is a range.
    pub(crate) fn media_type(&self, declared: &str) -> String {
        match &self.content_type {
            Some(ct) => ct.clone(),
            None if declared.contains('*') => "application/octet-stream".to_string(),
            None => declared.to_string(),
        }
    }

    /// The body as reqwest sends it, with its length when known.
    pub(crate) fn into_body(self) -> (reqwest::Body, Option<u64>) {
        match self.data {
            Data::Bytes(b) => {
                let n = b.len() as u64;
                (reqwest::Body::from(b), Some(n))
            }
            Data::Stream(s) => (s, self.length),
        }
    }

    /// Sets the request's body, media type and (for a stream of known length) `Content-Length`. Not part
    /// of the stable API.
    #[doc(hidden)]
    pub fn apply(self, req: reqwest::RequestBuilder, declared: &str) -> reqwest::RequestBuilder {
        let media_type = self.media_type(declared);
        let streamed = self.is_stream();
        let (body, length) = self.into_body();
        let req = req.header(reqwest::header::CONTENT_TYPE, media_type);
        let req = match length {
            Some(n) if streamed => req.header(reqwest::header::CONTENT_LENGTH, n),
            _ => req,
        };
        req.body(body)
    }
}

/// The kind and size only: a body may hold anything.
impl std::fmt::Debug for ByteBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteBody")
            .field("stream", &self.is_stream())
            .field("length", &self.known_length())
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl From<Vec<u8>> for ByteBody {
    fn from(v: Vec<u8>) -> Self {
        ByteBody::from_bytes(v)
    }
}

impl From<Bytes> for ByteBody {
    fn from(v: Bytes) -> Self {
        ByteBody::from_bytes(v)
    }
}

impl From<&'static [u8]> for ByteBody {
    fn from(v: &'static [u8]) -> Self {
        ByteBody::from_bytes(v)
    }
}

impl From<String> for ByteBody {
    fn from(v: String) -> Self {
        ByteBody::from_bytes(v)
    }
}
