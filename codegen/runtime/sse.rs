//! Server-sent events (`text/event-stream`): a response becomes a `Stream` of [`SseEvent`]s, each with its
//! `event` name, `id`, `retry` and `data`, decoded as the type the spec declares for it (OpenAPI 3.2's
//! `itemSchema`), or kept as text when it declares none.
//!
//! Parsing follows the WHATWG HTML standard's event-stream rules ([`SseParser`]): lines end with CR, LF or
//! CRLF (also across chunks), one leading byte-order mark is skipped, `data:` lines are joined with `\n`,
//! lines starting with `:` are comments, a field without a colon has an empty value, one space after the
//! colon is dropped, `id` containing NUL is ignored, `retry` is honoured only when all digits, and a block
//! without data dispatches nothing. The last event ID persists from event to event, as the standard says.
//!
//! Failures are items, never silence: an event whose data does not decode is a
//! [`StreamErrorKind::Decode`] item naming the event's index and byte offset (never its data), and the
//! stream goes on; a body that ends inside an event is a [`StreamErrorKind::Truncated`] item, and the stream
//! ends. There is no automatic reconnection: after a cut, call the operation again with
//! `CallOptions::header("Last-Event-ID", id)` from [`EventStream::last_event_id`] if the server resumes, and
//! wait [`EventStream::retry`] first if it asked for a wait.
//!
//! A terminator (the spec's `x-stream-terminator` on the media type, such as OpenAI's `[DONE]`, or
//! [`EventStream::terminator`]) ends the stream cleanly when an event's data is exactly that text; without
//! one, such an event is a decode error like any other data that is not the declared type.

use crate::client::{ApiResponse, RawResponse};
use crate::error::Error;
use crate::stream::{Source, StreamError, StreamErrorKind};
use bytes::Bytes;
use futures_util::stream::Stream;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The longest line or event data a stream accepts by default (16 MiB).
pub const DEFAULT_MAX_EVENT_BYTES: usize = 16 << 20;

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SseEvent<T> {
    /// The event's name: its `event:` field, `message` when it has none.
    pub event: String,
    /// The last event ID as of this event (the standard's "last event ID": set by an `id:` field, kept by
    /// later events until another `id:` changes it); `None` when none was set or it was set empty.
    pub id: Option<String>,
    /// The reconnection time this event's block set (`retry:`), if it did.
    pub retry: Option<Duration>,
    pub data: T,
}

/// An event as parsed, before its data is decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSseEvent {
    pub event: String,
    pub data: String,
    pub id: Option<String>,
    pub retry: Option<Duration>,
    /// The event's index among dispatched events, from 0.
    pub index: u64,
    /// The byte offset in the body where the event's first line starts.
    pub offset: u64,
}

/// The WHATWG event-stream parser, fed bytes in chunks of any size: the same events come out however the
/// body is cut.
#[derive(Debug, Clone)]
pub struct SseParser {
    line: Vec<u8>,
    /// The last byte fed was a CR (a following LF belongs to the same line end).
    after_cr: bool,
    first_line: bool,
    data: String,
    event: String,
    last_id: String,
    retry: Option<Duration>,
    /// Bytes consumed, and where the current line and block began.
    offset: u64,
    line_start: u64,
    block_start: Option<u64>,
    dispatched: u64,
    max: usize,
    /// The reconnection time the stream last asked for.
    reconnect: Option<Duration>,
}

impl Default for SseParser {
    fn default() -> Self {
        SseParser::new(DEFAULT_MAX_EVENT_BYTES)
    }
}

impl SseParser {
    /// A parser that refuses lines and event data longer than `max` bytes.
    pub fn new(max: usize) -> Self {
        SseParser {
            line: Vec::new(),
            after_cr: false,
            first_line: true,
            data: String::new(),
            event: String::new(),
            last_id: String::new(),
            retry: None,
            offset: 0,
            line_start: 0,
            block_start: None,
            dispatched: 0,
            max,
            reconnect: None,
        }
    }

    /// Parses `chunk`, pushing every event it completes onto `out`. `Err(offset)` when a line or an event's
    /// data outgrows the limit (the parser is then spent).
    pub fn feed(&mut self, mut chunk: &[u8], out: &mut VecDeque<RawSseEvent>) -> Result<(), u64> {
        while !chunk.is_empty() {
            if self.after_cr {
                self.after_cr = false;
                if chunk[0] == b'\n' {
                    chunk = &chunk[1..];
                    self.offset += 1;
                    self.line_start = self.offset;
                    continue;
                }
            }
            match chunk.iter().position(|&b| b == b'\r' || b == b'\n') {
                None => {
                    self.line.extend_from_slice(chunk);
                    self.offset += chunk.len() as u64;
                    if self.line.len() > self.max {
                        return Err(self.line_start);
                    }
                    return Ok(());
                }
                Some(end) => {
                    self.line.extend_from_slice(&chunk[..end]);
                    self.after_cr = chunk[end] == b'\r';
                    self.offset += end as u64 + 1;
                    if self.line.len() > self.max {
                        return Err(self.line_start);
                    }
                    let line = std::mem::take(&mut self.line);
                    self.process(&line, out);
                    if self.data.len() > self.max {
                        return Err(self.block_start.unwrap_or(self.line_start));
                    }
                    self.line = line;
                    self.line.clear();
                    self.line_start = self.offset;
                    chunk = &chunk[end + 1..];
                }
            }
        }
        Ok(())
    }

    fn process(&mut self, mut line: &[u8], out: &mut VecDeque<RawSseEvent>) {
        if std::mem::take(&mut self.first_line) {
            line = line.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(line);
        }
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if self.block_start.is_none() {
            self.block_start = Some(self.line_start);
        }
        if line[0] == b':' {
            return;
        }
        let line = String::from_utf8_lossy(line);
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" if !value.contains('\0') => self.last_id = value.to_string(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                // Past u64 the figure is absurd: ignored like any value that is not a number.
                if let Ok(ms) = value.parse::<u64>() {
                    self.retry = Some(Duration::from_millis(ms));
                    self.reconnect = self.retry;
                }
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut VecDeque<RawSseEvent>) {
        let offset = self.block_start.take().unwrap_or(self.line_start);
        let retry = self.retry.take();
        if self.data.is_empty() {
            self.event.clear();
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        let event = std::mem::take(&mut self.event);
        out.push_back(RawSseEvent {
            event: if event.is_empty() { "message".to_string() } else { event },
            data,
            id: (!self.last_id.is_empty()).then(|| self.last_id.clone()),
            retry,
            index: self.dispatched,
            offset,
        });
        self.dispatched += 1;
    }

    /// At the end of the body: where an unfinished event starts, when one was cut (data without its closing
    /// blank line, or a field line without its line end). A cut comment, or a block with no data, loses nothing.
    pub fn unfinished(&self) -> Option<u64> {
        let line = match self.first_line {
            true => self.line.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&self.line),
            false => &self.line,
        };
        let cut_line = line.first().is_some_and(|&b| b != b':');
        (cut_line || !self.data.is_empty()).then(|| self.block_start.unwrap_or(self.line_start))
    }

    /// The index the next dispatched event will have.
    pub fn next_index(&self) -> u64 {
        self.dispatched
    }

    /// The last event ID (empty: none).
    pub fn last_event_id(&self) -> &str {
        &self.last_id
    }

    /// The reconnection time the stream last asked for (`retry:`).
    pub fn reconnection_time(&self) -> Option<Duration> {
        self.reconnect
    }
}

/// Why an event's data did not decode: a JSON path and a message without values.
#[derive(Debug, Clone)]
pub struct DataError {
    pub path: String,
    pub message: String,
}

/// Event data decoded as JSON of type `T`. Not part of the stable API: generated operations name it.
#[doc(hidden)]
pub fn json<T: serde::de::DeserializeOwned>(data: &str) -> Result<T, DataError> {
    let mut de = serde_json::Deserializer::from_str(data);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        DataError {
            path: if path.is_empty() || path == "?" { ".".into() } else { path },
            message: crate::support::without_values(&e.into_inner().to_string()),
        }
    })?;
    de.end().map_err(|e| DataError { path: ".".into(), message: crate::support::without_values(&e.to_string()) })?;
    Ok(value)
}

/// Event data kept as text (the spec declares no schema for it). Not part of the stable API.
#[doc(hidden)]
pub fn text(data: &str) -> Result<String, DataError> {
    Ok(data.to_string())
}

type Pending = Pin<Box<dyn Future<Output = (Source, Option<Result<Bytes, StreamError>>)> + Send>>;

/// The events of a `text/event-stream` answer, as they arrive: a `Stream` of
/// `Result<SseEvent<T>, StreamError>`. See the [module](self) for what ends it.
pub struct EventStream<T> {
    source: Option<Source>,
    pending: Option<Pending>,
    parser: SseParser,
    ready: VecDeque<RawSseEvent>,
    decode: fn(&str) -> Result<T, DataError>,
    terminator: Option<String>,
    /// The failure that ends the stream, yielded after the events completed before it.
    held: Option<StreamError>,
    done: bool,
    operation: &'static str,
    request_id: Option<String>,
}

impl<T> std::fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("operation", &self.operation)
            .field("events", &self.parser.next_index())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T> EventStream<T> {
    /// Ends the stream cleanly at the event whose data is exactly `data` (`[DONE]`), which is not yielded.
    pub fn terminator(mut self, data: impl Into<String>) -> Self {
        self.terminator = Some(data.into());
        self
    }

    /// How long one read may wait for data (`None`: forever). Set before the first read.
    pub fn idle_timeout(mut self, idle: Option<Duration>) -> Self {
        if let Some(s) = &mut self.source {
            s.idle = idle;
        }
        self
    }

    /// The longest line or event data accepted (default [`DEFAULT_MAX_EVENT_BYTES`]). Set before the first read.
    pub fn max_event_bytes(mut self, max: usize) -> Self {
        self.parser.max = max;
        self
    }

    /// The last event ID the server set, to resume with `Last-Event-ID` after a cut (if the server supports it).
    pub fn last_event_id(&self) -> Option<&str> {
        Some(self.parser.last_event_id()).filter(|id| !id.is_empty())
    }

    /// The reconnection time the server last asked for (`retry:`), to wait before calling again.
    pub fn retry(&self) -> Option<Duration> {
        self.parser.reconnection_time()
    }

    fn error(&self, offset: u64, event: u64, kind: StreamErrorKind) -> StreamError {
        StreamError { operation: self.operation, request_id: self.request_id.clone(), offset, event: Some(event), kind }
    }

    /// Ends the stream after the events already complete, with `error` if there is one.
    fn end(&mut self, error: Option<StreamError>) {
        self.held = error;
        self.done = true;
        self.source = None;
        self.pending = None;
    }
}

impl<T> Stream for EventStream<T> {
    type Item = Result<SseEvent<T>, StreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(raw) = this.ready.pop_front() {
                if this.terminator.as_deref() == Some(raw.data.as_str()) {
                    // Done: what follows is dropped, and the connection with the stream.
                    this.ready.clear();
                    this.end(None);
                    return Poll::Ready(None);
                }
                let RawSseEvent { event, data, id, retry, index, offset } = raw;
                return Poll::Ready(Some(match (this.decode)(&data) {
                    Ok(data) => Ok(SseEvent { event, id, retry, data }),
                    Err(DataError { path, message }) => {
                        Err(this.error(offset, index, StreamErrorKind::Decode { path, message }))
                    }
                }));
            }
            if let Some(e) = this.held.take() {
                return Poll::Ready(Some(Err(e)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            if this.pending.is_none() {
                let Some(mut source) = this.source.take() else { return Poll::Ready(None) };
                this.pending = Some(Box::pin(async move {
                    let next = source.chunk().await;
                    (source, next)
                }));
            }
            let Some(pending) = this.pending.as_mut() else { return Poll::Ready(None) };
            let (source, next) = match pending.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(x) => x,
            };
            this.pending = None;
            this.source = Some(source);
            match next {
                Some(Ok(bytes)) => {
                    if let Err(offset) = this.parser.feed(&bytes, &mut this.ready) {
                        let limit = this.parser.max;
                        let e = this.error(offset, this.parser.next_index(), StreamErrorKind::TooLarge { limit });
                        this.end(Some(e));
                    }
                }
                Some(Err(mut e)) => {
                    e.event = Some(this.parser.next_index());
                    if let Some(start) = this.parser.unfinished() {
                        e.offset = start;
                    }
                    this.end(Some(e));
                }
                None => {
                    let cut = this.parser.unfinished().map(|offset| {
                        this.error(offset, this.parser.next_index(), StreamErrorKind::Truncated { expected: None })
                    });
                    this.end(cut);
                }
            }
        }
    }
}

/// What a `text/event-stream` answer becomes. Not part of the stable API: generated operations call these.
impl RawResponse {
    /// The answer's events, their data decoded by `decode` (`sse::json::<T>` or `sse::text`).
    #[doc(hidden)]
    pub fn events<T, E>(
        self,
        decode: fn(&str) -> Result<T, DataError>,
        terminator: Option<&str>,
    ) -> Result<ApiResponse<EventStream<T>>, Error<E>> {
        self.events_into(|s| s, decode, terminator)
    }

    /// The answer's events, into one variant of the operation's success enum.
    #[doc(hidden)]
    pub fn events_into<T, U, E>(
        self,
        variant: fn(EventStream<T>) -> U,
        decode: fn(&str) -> Result<T, DataError>,
        terminator: Option<&str>,
    ) -> Result<ApiResponse<U>, Error<E>> {
        let mut this = self;
        let source = Source::of(&mut this);
        let stream = EventStream {
            operation: source.operation,
            request_id: source.request_id.clone(),
            source: Some(source),
            pending: None,
            parser: SseParser::default(),
            ready: VecDeque::new(),
            decode,
            terminator: terminator.map(str::to_string),
            held: None,
            done: false,
        };
        Ok(this.wrap(variant(stream)))
    }
}
