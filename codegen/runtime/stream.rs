//! Streamed response bodies: a download is a [`ByteStream`] (chunks as they arrive, never one buffer), and
//! server-sent events (`crate::sse`, when the spec has them) read the same chunks.
//!
//! How a streamed call is bounded:
//! - **Establishing it** follows the client's rules: the token, the retry policy (a `5xx`, a `429` or a
//!   network error before the answer starts is retried when the operation is safe to retry), the per-attempt
//!   timeout (which bounds the wait for the answer's headers, not its body) and `CallOptions::total_timeout`
//!   (which bounds the call until the stream starts).
//! - **Once the body streams**, nothing is retried: a failure is an error item ([`StreamError`]) and the
//!   stream ends. Each read waits at most the idle timeout (by default the attempt's timeout, 30 s unless
//!   the client, the call or the spec's `x-timeout-seconds` say otherwise; [`ByteStream::idle_timeout`]
//!   changes it): a stream that goes quiet ends with [`StreamErrorKind::Idle`], never silently. A stream
//!   that keeps sending is never cut by a timeout; to bound the whole of it, wrap it in
//!   `tokio::time::timeout`, or drop it (dropping closes the connection).

use crate::client::{ApiResponse, RawResponse};
use crate::error::{Error, SendError, TransportError};
use bytes::Bytes;
use futures_util::stream::Stream;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// A streamed body that ended before it was complete. The body itself is never quoted (it may carry
/// secrets): the error says where the stream was (`offset`, and for events the event's index) and why.
#[derive(Debug)]
#[non_exhaustive]
pub struct StreamError {
    pub operation: &'static str,
    pub request_id: Option<String>,
    /// Bytes of the body received before the failure (for an event: where the event starts).
    pub offset: u64,
    /// For server-sent events: the index (from 0) of the event at fault, counting dispatched events.
    pub event: Option<u64>,
    pub kind: StreamErrorKind,
}

/// Why a stream failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamErrorKind {
    /// The connection failed while the body was streaming (reset, cut inside a chunk, TLS).
    Transport(reqwest::Error),
    /// No data arrived for this long.
    Idle(Duration),
    /// The body ended early: fewer bytes than its `Content-Length` (`expected`), or in the middle of an event.
    Truncated { expected: Option<u64> },
    /// An event's data does not match the spec's schema for it: where (a JSON path) and why. The stream goes
    /// on with the next event.
    Decode { path: String, message: String },
    /// A line or an event longer than the stream's limit (a server that never ends its line).
    TooLarge { limit: usize },
}

impl StreamError {
    /// Whether the stream ended because the connection did (cut, reset, quiet for too long): calling again may
    /// succeed (for events, from `EventStream::last_event_id` on, where the server supports `Last-Event-ID`).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            StreamErrorKind::Transport(_) | StreamErrorKind::Idle(_) | StreamErrorKind::Truncated { .. }
        )
    }
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: the streamed body failed", self.operation)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        match self.event {
            Some(i) => write!(f, " at event {i} (byte {})", self.offset)?,
            None => write!(f, " after {} bytes", self.offset)?,
        }
        match &self.kind {
            StreamErrorKind::Transport(e) => write!(f, ": transport error: {e}"),
            StreamErrorKind::Idle(t) => write!(f, ": nothing arrived for {} ms", t.as_millis()),
            StreamErrorKind::Truncated { expected: Some(n) } => {
                write!(f, ": the body ended early ({n} bytes announced)")
            }
            StreamErrorKind::Truncated { expected: None } => write!(f, ": the body ended in the middle of an event"),
            StreamErrorKind::Decode { path, message } => {
                write!(f, ": the event's data does not match the spec at `{path}`: {message}")
            }
            StreamErrorKind::TooLarge { limit } => write!(f, ": a line or event is longer than {limit} bytes"),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            StreamErrorKind::Transport(e) => Some(e),
            _ => None,
        }
    }
}

/// Where a streamed body's chunks come from: the live response, or a body already read (a cached answer).
pub(crate) struct Source {
    live: Option<reqwest::Response>,
    buffered: Option<Bytes>,
    pub(crate) idle: Option<Duration>,
    pub(crate) received: u64,
    expected: Option<u64>,
    pub(crate) operation: &'static str,
    pub(crate) request_id: Option<String>,
}

impl Source {
    pub(crate) fn of(resp: &mut RawResponse) -> Source {
        let (live, idle) = match resp.unread.take().map(|b| *b) {
            Some((live, idle)) => (Some(live), idle),
            None => (None, None),
        };
        // The announced length, when the body arrives as sent (a decompressing client drops the header).
        let expected = live.as_ref().and_then(|_| {
            let h = &resp.headers;
            if h.contains_key(reqwest::header::CONTENT_ENCODING) {
                return None;
            }
            h.get(reqwest::header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
        });
        Source {
            buffered: live.is_none().then(|| std::mem::take(&mut resp.body)),
            live,
            idle,
            received: 0,
            expected,
            operation: resp.operation,
            request_id: resp.request_id.clone(),
        }
    }

    pub(crate) fn error(&self, offset: u64, event: Option<u64>, kind: StreamErrorKind) -> StreamError {
        StreamError { operation: self.operation, request_id: self.request_id.clone(), offset, event, kind }
    }

    /// The next chunk; `None` at the end. After an error the source is spent.
    pub(crate) async fn chunk(&mut self) -> Option<Result<Bytes, StreamError>> {
        if let Some(b) = self.buffered.take() {
            self.received += b.len() as u64;
            return (!b.is_empty()).then_some(Ok(b));
        }
        let live = self.live.as_mut()?;
        let read = live.chunk();
        let got = match self.idle {
            Some(idle) => match tokio::time::timeout(idle, read).await {
                Ok(got) => got,
                Err(_) => {
                    self.live = None;
                    return Some(Err(self.error(self.received, None, StreamErrorKind::Idle(idle))));
                }
            },
            None => read.await,
        };
        match got {
            Ok(Some(bytes)) => {
                self.received += bytes.len() as u64;
                Some(Ok(bytes))
            }
            Ok(None) => {
                self.live = None;
                match self.expected {
                    Some(n) if n != self.received => {
                        Some(Err(self.error(self.received, None, StreamErrorKind::Truncated { expected: Some(n) })))
                    }
                    _ => None,
                }
            }
            Err(e) => {
                self.live = None;
                // Without the URL: its query may carry a credential.
                Some(Err(self.error(self.received, None, StreamErrorKind::Transport(e.without_url()))))
            }
        }
    }
}

type Pending<T> = Pin<Box<dyn Future<Output = (T, Option<Result<Bytes, StreamError>>)> + Send>>;

/// A download, chunk by chunk as the server sends it: a `Stream` of `Result<Bytes, StreamError>`. Nothing
/// buffers the whole body unless [`ByteStream::collect`] is asked to. A failure mid-body is the last item.
pub struct ByteStream {
    source: Option<Source>,
    pending: Option<Pending<Source>>,
    content_length: Option<u64>,
    content_type: Option<String>,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream")
            .field("content_length", &self.content_length)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

impl ByteStream {
    fn new(resp: &mut RawResponse) -> ByteStream {
        let header = |name| resp.headers.get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok());
        let content_type = header(reqwest::header::CONTENT_TYPE).map(str::to_string);
        let source = Source::of(resp);
        let content_length = source.expected.or_else(|| source.buffered.as_ref().map(|b| b.len() as u64));
        ByteStream { source: Some(source), pending: None, content_length, content_type }
    }

    /// The body's length as announced (`Content-Length`), when it was.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The body's `Content-Type`, as sent.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.source.as_ref().map_or(0, |s| s.received)
    }

    /// How long one read may wait for data (`None`: forever). Set before the first read.
    pub fn idle_timeout(mut self, idle: Option<Duration>) -> Self {
        if let Some(s) = &mut self.source {
            s.idle = idle;
        }
        self
    }

    /// The whole body in one buffer, for a download the caller knows to be small. Its first failure is the error.
    pub async fn collect(mut self) -> Result<Bytes, StreamError> {
        use futures_util::StreamExt;
        // The announced length sizes the buffer, up to a bound (a hostile header cannot reserve gigabytes).
        let hint = self.content_length.unwrap_or(0).min(8 << 20) as usize;
        let mut out = bytes::BytesMut::with_capacity(hint);
        while let Some(chunk) = self.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.freeze())
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, StreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.pending.is_none() {
            let Some(mut source) = self.source.take() else { return Poll::Ready(None) };
            self.pending = Some(Box::pin(async move {
                let next = source.chunk().await;
                (source, next)
            }));
        }
        let Some(pending) = self.pending.as_mut() else { return Poll::Ready(None) };
        match pending.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready((source, next)) => {
                self.pending = None;
                if next.is_some() {
                    self.source = Some(source);
                } else {
                    // Ended: keep the count for `received`, with nothing left to read.
                    self.source = Some(Source { live: None, buffered: None, ..source });
                }
                Poll::Ready(next)
            }
        }
    }
}

/// What a streamed operation's answer becomes. Not part of the stable API: generated operations call these.
impl RawResponse {
    /// A streamed success body as a download.
    #[doc(hidden)]
    pub fn byte_stream<E>(self) -> Result<ApiResponse<ByteStream>, Error<E>> {
        self.byte_stream_into(|b| b)
    }

    /// A streamed success body as a download, into one variant of the operation's success enum.
    #[doc(hidden)]
    pub fn byte_stream_into<U, E>(mut self, variant: fn(ByteStream) -> U) -> Result<ApiResponse<U>, Error<E>> {
        let stream = ByteStream::new(&mut self);
        Ok(self.wrap(variant(stream)))
    }

    /// A streamed operation's answer that is not itself a stream (a `202` with a JSON body beside a `200`
    /// stream): its body, read whole within the idle timeout.
    #[doc(hidden)]
    pub async fn read(mut self) -> Result<RawResponse, SendError> {
        let mut source = Source::of(&mut self);
        let mut body = bytes::BytesMut::new();
        while let Some(chunk) = source.chunk().await {
            match chunk {
                Ok(c) => body.extend_from_slice(&c),
                Err(e) => {
                    let request_id = e.request_id.clone();
                    return Err(SendError(match e.kind {
                        StreamErrorKind::Transport(source) => {
                            Error::Transport(Box::new(TransportError { operation: e.operation, request_id, source }))
                        }
                        _ => Error::Timeout(crate::error::TimeoutError { operation: e.operation, request_id }),
                    }));
                }
            }
        }
        self.body = body.freeze();
        Ok(self)
    }
}
