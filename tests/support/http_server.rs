//! The one loopback HTTP server, for the tests and the benchmark alike. Raw sockets:
//! every answer, and every misbehaviour, is the handler's to write, so a test can drip
//! bytes, never finish, lie about lengths or stall, and the benchmark can serve
//! keep-alive connections on several loopback addresses.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub const RSS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Loopback</title><link>http://127.0.0.1/</link>
<item><title>One</title><guid>1</guid></item></channel></rss>
"#;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// When its head had been read.
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How long a connection lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connections {
    /// One request, then the server closes: a handler can end a body of unknown length
    /// by returning, as a misbehaving server would.
    OneRequest,
    /// Request after request until the client hangs up, as real feed servers keep
    /// connections open; every response must then carry its own length.
    KeepAlive,
}

type Handler = dyn Fn(&Request, &mut TcpStream) -> io::Result<()> + Send + Sync;
type RawHandler = dyn Fn(&mut TcpStream) -> io::Result<()> + Send + Sync;
type Log = Arc<Mutex<Vec<Request>>>;

pub struct Server {
    addr: SocketAddr,
    requests: Log,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves 127.0.0.1, one request per connection, each connection on its own
    /// thread: reads the request head, records it and lets `handler` write whatever it
    /// likes.
    pub fn start(
        handler: impl Fn(&Request, &mut TcpStream) -> io::Result<()> + Send + Sync + 'static,
    ) -> Server {
        Server::bind(Ipv4Addr::LOCALHOST, Connections::OneRequest, handler)
            .expect("bind a loopback port")
    }

    /// Hands each connection over without reading anything: for clients that do not
    /// speak HTTP first (TLS).
    pub fn raw(
        handler: impl Fn(&mut TcpStream) -> io::Result<()> + Send + Sync + 'static,
    ) -> Server {
        let handler: Arc<RawHandler> = Arc::new(handler);
        Server::listen(Ipv4Addr::LOCALHOST, Log::default(), move |stream| {
            handler(stream)
        })
        .expect("bind a loopback port")
    }

    /// Serves `ip` (any 127.x.y.z works on Linux without setup) on a free port.
    pub fn bind(
        ip: Ipv4Addr,
        connections: Connections,
        handler: impl Fn(&Request, &mut TcpStream) -> io::Result<()> + Send + Sync + 'static,
    ) -> io::Result<Server> {
        let handler: Arc<Handler> = Arc::new(handler);
        let requests = Log::default();
        let log = requests.clone();
        Server::listen(ip, requests, move |stream| {
            converse(stream, connections, &log, handler.as_ref())
        })
    }

    fn listen(
        ip: Ipv4Addr,
        requests: Log,
        serve: impl Fn(&mut TcpStream) -> io::Result<()> + Send + Sync + 'static,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind((ip, 0))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let serve = Arc::new(serve);
        let accept = thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let serve = serve.clone();
                thread::spawn(move || {
                    // Errors are the client hanging up, which is often the point.
                    let _ = serve(&mut stream);
                    let _ = stream.shutdown(Shutdown::Both);
                });
            }
        });
        Ok(Server {
            addr,
            requests,
            stop,
            accept: Some(accept),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn url(&self, path: &str) -> url::Url {
        url::Url::parse(&format!("http://{}{path}", self.addr)).expect("a valid test URL")
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn hits(&self) -> usize {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn converse(
    stream: &mut TcpStream,
    connections: Connections,
    log: &Mutex<Vec<Request>>,
    handler: &Handler,
) -> io::Result<()> {
    match connections {
        // Bounds a test whose client never sends its request.
        Connections::OneRequest => stream.set_read_timeout(Some(Duration::from_secs(5)))?,
        // A response that follows another on the same connection must not wait for
        // the client's delayed ACK.
        Connections::KeepAlive => stream.set_nodelay(true)?,
    }
    let mut reader = BufReader::new(stream.try_clone()?);
    while let Some(request) = read_head(&mut reader)? {
        log.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request.clone());
        handler(&request, stream)?;
        if connections == Connections::OneRequest {
            break;
        }
    }
    Ok(())
}

/// The next request's head; `None` when the client closed the connection instead.
fn read_head(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    Ok(Some(Request {
        method,
        path,
        headers,
        at: Instant::now(),
    }))
}

/// A complete response with a Content-Length.
pub fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let length = body.len().to_string();
    let mut all = vec![("Content-Length", length.as_str())];
    all.extend_from_slice(headers);
    head(stream, status, &all)?;
    stream.write_all(body)?;
    stream.flush()
}

/// The status line and headers, plus `Connection: close`: a body written after this
/// ends when the connection does, unless the headers say otherwise.
pub fn head(stream: &mut TcpStream, status: &str, headers: &[(&str, &str)]) -> io::Result<()> {
    let mut text = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    stream.write_all(text.as_bytes())?;
    stream.flush()
}

/// A response for a keep-alive connection: framed by its Content-Length, without
/// `Connection: close`, and in one write, since with `TCP_NODELAY` each write goes out
/// as its own packets.
pub fn respond_framed(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let mut response = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut response = response.into_bytes();
    response.extend_from_slice(body);
    stream.write_all(&response)
}

/// Answers with [`RSS`].
pub fn feed(stream: &mut TcpStream) -> io::Result<()> {
    respond(
        stream,
        "200 OK",
        &[("Content-Type", "application/rss+xml")],
        RSS.as_bytes(),
    )
}
