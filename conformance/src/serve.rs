//! Serves an axum router over plain HTTP/1.1 on loopback with our own accept loop, so a handler can do what
//! `axum::serve` cannot: reset the connection it arrived on (fault injection) and see the peer address.

use axum::Router;
use axum::extract::Request;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tower::ServiceExt;

/// What a request knows about its connection (a request extension).
#[derive(Clone, Debug)]
pub struct Connection {
    pub peer: SocketAddr,
    kill: Arc<Notify>,
}

impl Connection {
    /// Drops the connection with a TCP reset; the response in flight is never sent.
    pub fn reset(&self) {
        self.kill.notify_one();
    }
}

/// Binds `addr` and serves `app` until the returned task is aborted.
pub async fn bind(addr: &str, app: Router) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        loop {
            let Ok((stream, peer)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            let app = app.clone();
            tokio::spawn(async move {
                let kill = Arc::new(Notify::new());
                let reset = Arc::new(AtomicBool::new(false));
                let conn = Connection { peer, kill: kill.clone() };
                let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(conn.clone());
                    app.clone().oneshot(req.map(axum::body::Body::new))
                });
                let io = hyper_util::rt::TokioIo::new(Resettable { inner: stream, reset: reset.clone() });
                let serving = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
                tokio::select! {
                    _ = serving => {}
                    _ = kill.notified() => reset.store(true, Ordering::Relaxed),
                }
            });
        }
    });
    Ok((local, handle))
}

/// A TCP stream that closes with a reset (zero linger) instead of a polite FIN when it is dropped after a
/// deliberate kill; otherwise buffered bytes would still be delivered.
struct Resettable {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for Resettable {
    fn drop(&mut self) {
        if self.reset.load(Ordering::Relaxed) {
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for Resettable {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Resettable {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
