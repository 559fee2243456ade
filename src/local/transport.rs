//! Transport errors as JSON. hyper answers a request it cannot parse (a NUL byte in a
//! header, a space in a header name, a URI or headers over its limits) itself, before
//! any route, with a bare 400/414/431 and an empty body. This connection wrapper
//! recognises those automatic answers as hyper writes them and sends the contract's
//! JSON body in their place, so that every response of the local server is
//! Rocket.Chat-shaped. (In Lambda, API Gateway parses HTTP; the function never sees
//! such requests.) With CORS open to every origin, the replacement says so too, so
//! that a page reads the error (a 431 from a page's large cookies, say); a list of
//! origins cannot be honoured there: the request's `Origin` was never read.

use crate::error::ApiError;
use axum::serve::Listener;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections answer transport errors with JSON bodies.
pub struct JsonErrorsListener {
    pub listener: TcpListener,
    /// CORS is open to every origin: replacements carry `Access-Control-Allow-Origin: *`.
    pub any_origin: bool,
}

impl Listener for JsonErrorsListener {
    type Io = JsonErrors<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.listener).await;
        let any_origin = self.any_origin;
        (JsonErrors { inner: stream, replacement: Vec::new(), written: 0, any_origin }, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Listener::local_addr(&self.listener)
    }
}

pub struct JsonErrors<S> {
    inner: S,
    /// A response being written in place of hyper's, and how much of it is out.
    replacement: Vec<u8>,
    written: usize,
    any_origin: bool,
}

/// The JSON response standing in for hyper's automatic answer `head`, if it is one:
/// its status line is 400, 414 or 431 and it has no body. (Every response of ours has a
/// JSON body, so none is ever mistaken for one of these.)
fn replacement_for(head: &[u8], any_origin: bool) -> Option<Vec<u8>> {
    let error = match head.get(..13)? {
        b"HTTP/1.1 400 " | b"HTTP/1.0 400 " => ApiError::MalformedRequest,
        b"HTTP/1.1 414 " | b"HTTP/1.0 414 " => ApiError::UriTooLong,
        b"HTTP/1.1 431 " | b"HTTP/1.0 431 " => ApiError::HeadersTooLarge,
        _ => return None,
    };
    let text = std::str::from_utf8(head).ok()?.to_ascii_lowercase();
    if !text.contains("content-length: 0\r\n") || text.contains("content-type:") {
        return None;
    }
    let body = error.body().to_string();
    let status_line = &head[..head.iter().position(|&b| b == b'\r')?];
    let cors = match any_origin {
        true => "access-control-allow-origin: *\r\naccess-control-expose-headers: Retry-After\r\n",
        false => "",
    };
    let response = format!(
        "{}\r\ncontent-type: application/json\r\ncache-control: no-store\r\n{cors}connection: close\r\n\
         content-length: {}\r\n\r\n{body}",
        String::from_utf8_lossy(status_line),
        body.len()
    );
    Some(response.into_bytes())
}

impl<S: AsyncWrite + Unpin> JsonErrors<S> {
    /// Writes out what is left of a replacement; ready once all of it is out.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.replacement.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.replacement[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonErrors<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonErrors<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.poll_replacement(cx))?;
        if let Some(response) = replacement_for(buf, self.any_origin) {
            // hyper is told its bytes went out; ours go in their place.
            self.replacement = response;
            self.written = 0;
            ready!(self.poll_replacement(cx))?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    /// Not vectored: hyper then hands each response head over in one buffer.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bodiless_error_answers_are_replaced() {
        let automatic =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let replaced = String::from_utf8(replacement_for(automatic, false).unwrap()).unwrap();
        assert!(replaced.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "{replaced}");
        assert!(replaced.ends_with(&ApiError::HeadersTooLarge.body().to_string()));
        assert!(!replaced.contains("access-control"), "{replaced}");
        let open = String::from_utf8(replacement_for(automatic, true).unwrap()).unwrap();
        assert!(open.contains("\r\naccess-control-allow-origin: *\r\n"), "{open}");
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(replacement_for(ours, true), None);
        assert_eq!(replacement_for(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", true), None);
    }
}
